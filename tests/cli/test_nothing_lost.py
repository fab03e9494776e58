"""Nothing lost, round two: each hostile or careless input below once ended in a traceback, a dead end or lost
results. Each now gets an ``error:`` line (exit status 2) or completes, and nothing computed is touched.

The case names (F1 ... F24) are those of the adversarial review these tests answer; docs/reliability.md
lists each guarantee with its test.
"""

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from cisim.cli import main
from tests.cli.test_errors import assert_plain_error, leftovers

ROOT = Path(__file__).parents[2]
Z = "9" * 400  # past any float
Y = "9" * 5000  # past Python's own limit on the digits of an integer


@pytest.fixture
def runner():
    return CliRunner()


def cisim(*args, cwd=None, **kwargs) -> subprocess.CompletedProcess:
    """The real command in its own process, with this tree's package."""
    env = {**os.environ, "PYTHONPATH": os.environ.get("CISIM_SRC", str(ROOT / "src"))}
    return subprocess.run(
        [sys.executable, "-m", "cisim", *map(str, args)], cwd=cwd, env=env, capture_output=True, text=True, **kwargs
    )


def assert_plain(process: subprocess.CompletedProcess, *words: str) -> None:
    assert process.returncode == 2, process.stderr
    assert "Traceback" not in process.stderr and "Error:" not in process.stderr, process.stderr
    assert process.stderr.startswith("error: "), process.stderr
    for word in words:
        assert word in process.stderr, process.stderr


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def done(tmp_path_factory):
    """A small finished serial sweep, and its experiment file."""
    from tests.experiments.conftest import EXPERIMENT, SMALL

    root = tmp_path_factory.mktemp("done")
    (root / "scenarios").mkdir()
    (root / "scenarios" / "small.toml").write_text(SMALL)
    (root / "experiments").mkdir()
    experiment = root / "experiments" / "tiny.toml"
    experiment.write_text(EXPERIMENT)
    folder = root / "done"
    result = CliRunner().invoke(
        main, ["sweep", str(experiment), "--out", str(folder), "--executor", "serial", "--quiet"]
    )
    assert result.exit_code == 0, result.output
    return experiment, folder


@pytest.fixture
def copy(done, tmp_path):
    """A copy of the finished sweep to damage, with the experiment that made it."""
    experiment, folder = done
    target = tmp_path / "copy"
    shutil.copytree(folder, target)
    (target / ".lock").unlink(missing_ok=True)
    return experiment, target


def resume(experiment: Path, folder: Path):
    return CliRunner().invoke(
        main, ["sweep", str(experiment), "--out", str(folder), "--executor", "serial", "--quiet", "--resume"]
    )


def result_files(folder: Path) -> dict[str, bytes]:
    """The files that hold results (the manifest and status log carry timings)."""
    return {k: v for k, v in snapshot(folder).items() if k.endswith(".parquet")}


# ---------------------------------------------------------------- F1, F2: huge numbers
def test_f1_a_400_digit_number_in_set_a_file_or_a_factor_range_is_an_error_line(runner, tmp_path):
    result = runner.invoke(main, ["run", "complex", "--steps", "1", "--set", f"conditions.backbone={Z}"])
    assert_plain_error(result, "--set", "conditions.backbone", "(400 digits)", "expected")
    scenario = tmp_path / "big.toml"
    scenario.write_text(f'name = "big"\ndescription = "d"\n[conditions]\nbackbone = {Z}\n')
    result = runner.invoke(main, ["scenarios", "validate", str(scenario)])
    assert_plain_error(result, str(scenario), "conditions.backbone", "(400 digits)", "expected a number from 0 to 1")
    experiment = tmp_path / "e.toml"
    experiment.write_text(
        'name = "e"\ndescription = "d"\nscenarios = ["small"]\n'
        f'[factors]\n"conditions.backbone" = {{start = 0, stop = {Z}, step = 1}}\n'
    )
    result = runner.invoke(main, ["sweep", str(experiment), "--out", str(tmp_path / "o")])
    assert_plain_error(result, str(experiment), "factors.conditions.backbone.stop", "(400 digits)")
    assert not (tmp_path / "o").exists()


def test_f1_a_huge_integer_meets_the_bounds_before_any_float(tmp_path):
    from cisim.scenarios.scenario import check_value
    from cisim.scenarios.schema import BY_KEY

    _, problem = check_value(BY_KEY["conditions.backbone"], int(Z))
    assert problem.startswith("expected")


def test_f2_a_5000_digit_number_in_set_is_an_error_line(runner):
    result = runner.invoke(main, ["run", "complex", "--steps", "1", "--set", f"problem.k={Y}"])
    assert_plain_error(result, "--set", "problem.k", "(5,000 characters)", "expected")


def test_f2_a_5000_digit_number_in_a_file_is_an_error_line(runner, tmp_path):
    scenario = tmp_path / "huge.toml"
    scenario.write_text(f'name = "huge"\ndescription = "d"\n[problem]\nk = {Y}\n')
    result = runner.invoke(main, ["scenarios", "validate", str(scenario)])
    assert_plain_error(result, str(scenario), "integer of thousands of digits")


# ---------------------------------------------------------------- F3, F4: nesting and bytes, every file kind
@pytest.mark.parametrize("command", [["scenarios", "validate"], ["validate"]])
def test_f3_five_thousand_nested_brackets_are_an_error_line(runner, tmp_path, command):
    path = tmp_path / "deep.toml"
    path.write_text("a = " + "[" * 5000 + "\n")
    result = runner.invoke(main, [*command, str(path)])
    assert_plain_error(result, str(path), "nested too deeply")


def test_f3_nesting_that_tomllib_survives_is_bounded_too(runner, tmp_path):
    path = tmp_path / "deep.toml"
    path.write_text("a = " + "[" * 40 + "]" * 40 + "\n")
    result = runner.invoke(main, ["scenarios", "validate", str(path)])
    assert_plain_error(result, str(path), "nested", "expected at most 16 levels")


def test_f4_a_validation_file_with_a_stray_byte_is_an_error_line(runner, tmp_path):
    path = tmp_path / "binary.toml"
    path.write_bytes(b'name = "x"\n\xff\n')
    result = runner.invoke(main, ["validate", str(path)])
    assert_plain_error(result, str(path), "byte 0xff", "not UTF-8")


# ---------------------------------------------------------------- F6, F7: names are not paths
@pytest.mark.parametrize("name", ["../esc", "ABSOLUTE", "..", "a/b"])
@pytest.mark.parametrize("command", ["run", "compare"])
def test_f6_a_scenario_name_never_leads_outside_results(runner, tmp_path, monkeypatch, name, command):
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    name = str(tmp_path / "esc") if name == "ABSOLUTE" else name  # an escape, if any, stays in tmp_path
    scenario = work / "bad.toml"
    scenario.write_text(f'name = "{name}"\ndescription = "d"\n')
    result = runner.invoke(main, [command, str(scenario), "--steps", "1", "--quiet"])
    assert_plain_error(result, str(scenario), "field 'name'", repr(name), "plain name")
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["bad.toml", "work"]


@pytest.mark.parametrize("name", ["../esc", "ABSOLUTE"])
def test_f7_an_experiment_name_never_leads_outside_results(runner, tmp_path, monkeypatch, name):
    from tests.experiments.conftest import EXPERIMENT, SMALL

    tmp_path = tmp_path / "work"
    tmp_path.mkdir()
    monkeypatch.chdir(tmp_path)
    name = str(tmp_path.parent / "esc") if name == "ABSOLUTE" else name  # an escape, if any, stays in tmp_path
    (tmp_path / "scenarios").mkdir()
    (tmp_path / "scenarios" / "small.toml").write_text(SMALL)
    (tmp_path / "experiments").mkdir()
    experiment = tmp_path / "experiments" / "esc.toml"
    experiment.write_text(EXPERIMENT.replace('name = "tiny"', f'name = "{name}"'))
    result = runner.invoke(main, ["sweep", str(experiment), "--executor", "serial", "--quiet"])
    assert_plain_error(result, str(experiment), "field 'name'", "plain name")
    assert sorted(p.name for p in tmp_path.parent.iterdir()) == ["work"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["experiments", "scenarios"]


def test_f6_a_name_built_in_python_is_checked_before_it_names_a_folder():
    from cisim.cli.errors import UserError, results_folder

    assert results_folder("complex", "-compare") == Path("results/complex-compare")
    for name in ("../x", "/abs", "..", "a\\b", "nul\0"):
        with pytest.raises(UserError, match="cannot name a results folder"):
            results_folder(name, "-compare")


# ---------------------------------------------------------------- F10, F11: designs checked
def test_f10_one_parameter_on_the_grid_and_sampled_is_refused(runner, tmp_path, experiment_file):
    text = experiment_file.read_text().replace(
        '[factors]\n"problem.k" = [0, 4]',
        '[factors]\n"problem.k" = [0, 4]\n"conditions.backbone" = [0.0, 1.0]\n'
        '[sample]\nmethod = "lhs"\nsamples = 4\n[sample.ranges]\n"conditions.backbone" = [0.0, 1.0]',
    )
    experiment_file.write_text(text)
    result = runner.invoke(main, ["sweep", str(experiment_file), "--out", str(tmp_path / "o")])
    assert_plain_error(result, "factors.conditions.backbone", "sample.ranges.conditions.backbone", "not both")
    assert not (tmp_path / "o").exists()


def test_f11_two_base_scenarios_of_one_name_are_refused(runner, tmp_path, experiment_file):
    other = experiment_file.parent / "other.toml"
    other.write_text((experiment_file.parent.parent / "scenarios" / "small.toml").read_text().replace("k = 4", "k = 3"))
    text = experiment_file.read_text().replace('scenarios = ["small"]', 'scenarios = ["small", "other.toml"]')
    experiment_file.write_text(text)
    result = runner.invoke(main, ["sweep", str(experiment_file), "--out", str(tmp_path / "o")])
    assert_plain_error(result, "2 base scenarios are named 'small'", "its own name")
    assert not (tmp_path / "o").exists()


# ---------------------------------------------------------------- F12-F16: damaged results folders
def test_f12_a_truncated_manifest_is_named_and_resume_rebuilds_it(runner, copy, done):
    experiment, folder = copy
    manifest = folder / "manifest.json"
    manifest.write_bytes(manifest.read_bytes()[:100])
    result = runner.invoke(main, ["analyze", str(folder), "--out", str(folder.parent / "a")])
    assert_plain_error(result, "manifest.json: damaged", "--resume")
    assert resume(experiment, folder).exit_code == 0
    assert result_files(folder) == result_files(done[1])
    assert runner.invoke(main, ["analyze", str(folder), "--out", str(folder.parent / "a")]).exit_code == 0


def test_f12_a_missing_manifest_is_named_and_resume_rebuilds_it(runner, copy):
    experiment, folder = copy
    (folder / "manifest.json").unlink()
    assert_plain_error(runner.invoke(main, ["analyze", str(folder), "--out", str(folder.parent / "a")]), "missing")
    assert resume(experiment, folder).exit_code == 0
    assert runner.invoke(main, ["analyze", str(folder), "--out", str(folder.parent / "a")]).exit_code == 0


@pytest.mark.parametrize("other", [["--steps", "9"], ["--set", "organizations.measurement_noise=0.3"]])
def test_f12_a_missing_manifest_is_not_rebuilt_by_a_resume_with_other_options(runner, copy, done, other):
    """The seeds alone cannot tell a resume with other --steps or --set from the sweep's own: such a resume mixed
    runs of two designs under a manifest naming the second. One finished run, run again, must come out as on disk;
    the message, and the damaged manifest's own, say to give the options the sweep started with."""
    experiment, folder = copy
    (folder / "manifest.json").unlink()
    loaded = runner.invoke(main, ["analyze", str(folder), "--out", str(folder.parent / "a")])
    assert_plain_error(loaded, "missing", "with the --replicates, --steps and --set it started with")
    before = result_files(folder)
    refused = runner.invoke(main, ["sweep", str(experiment), "--out", str(folder), "--quiet", "--resume", *other])
    assert_plain_error(refused, "refusing to resume: its manifest is gone", "does not come out the same")
    assert not (folder / "manifest.json").exists() and result_files(folder) == before
    assert resume(experiment, folder).exit_code == 0  # with the options it started with, it is rebuilt
    assert result_files(folder) == result_files(done[1])


def test_f13_a_truncated_design_is_named_and_resume_rebuilds_it(runner, copy, done):
    experiment, folder = copy
    design = folder / "design.parquet"
    design.write_bytes(design.read_bytes()[:200])
    result = runner.invoke(main, ["analyze", str(folder), "--out", str(folder.parent / "a")])
    assert_plain_error(result, "design.parquet: damaged", "--resume")
    assert resume(experiment, folder).exit_code == 0
    assert result_files(folder) == result_files(done[1])


def test_f14_a_status_line_of_another_shape_is_ignored(runner, copy, done):
    experiment, folder = copy
    with open(folder / "status.jsonl", "a") as log:
        log.write('{"run_id":0}\n{"block": 0}\n[1, 2]\n{"run_id": "x", "status": "done"}\n')
    result = runner.invoke(main, ["analyze", str(folder), "--out", str(folder.parent / "a")])
    assert result.exit_code == 0, result.output
    assert resume(experiment, folder).exit_code == 0
    assert result_files(folder) == result_files(done[1])


def test_f15_a_design_rewritten_with_arms_swapped_is_refused(runner, copy):
    _, folder = copy
    design = pd.read_parquet(folder / "design.parquet")
    design["arm"] = design["arm"].map({"isolated": "collective", "collective": "isolated"})
    design.to_parquet(folder / "design.parquet", index=False)
    result = runner.invoke(main, ["analyze", str(folder), "--out", str(folder.parent / "a")])
    assert_plain_error(result, "design.parquet: damaged", "SHA-256")


def test_f15_an_edited_manifest_is_refused(runner, copy):
    _, folder = copy
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["arms"].reverse()
    (folder / "manifest.json").write_text(json.dumps(manifest))
    result = runner.invoke(main, ["analyze", str(folder), "--out", str(folder.parent / "a")])
    assert_plain_error(result, "manifest.json: damaged", "SHA-256")


def test_f16_a_sweep_killed_as_it_wrote_its_design_resumes(runner, done, tmp_path):
    experiment, finished = done
    folder = tmp_path / "killed"
    folder.mkdir()
    shutil.copy(finished / "design.parquet", folder / "design.parquet")  # what a kill right then leaves
    fresh = runner.invoke(main, ["sweep", str(experiment), "--out", str(folder), "--executor", "serial", "--quiet"])
    assert_plain_error(fresh, "already holds a sweep", "--resume")
    assert resume(experiment, folder).exit_code == 0
    assert result_files(folder) == result_files(finished)


@pytest.mark.slow
def test_f16_sigkill_right_after_the_design_appears_resumes(done, tmp_path):
    experiment, finished = done
    for attempt in range(3):
        folder = tmp_path / f"killed-{attempt}"
        env = {**os.environ, "PYTHONPATH": os.environ.get("CISIM_SRC", str(ROOT / "src"))}
        command = [
            sys.executable,
            "-m",
            "cisim",
            "sweep",
            str(experiment),
            "--out",
            str(folder),
            "--executor",
            "serial",
        ]
        process = subprocess.Popen([*command, "--quiet"], env=env, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while not (folder / "design.parquet").exists() and time.monotonic() < deadline:
            time.sleep(0.001)
        process.kill()
        process.wait()
        resumed = cisim("sweep", experiment, "--out", folder, "--executor", "serial", "--quiet", "--resume")
        assert resumed.returncode == 0, resumed.stderr
        assert result_files(folder) == result_files(finished)


def test_a_resume_with_a_damaged_manifest_and_runs_of_another_design_is_refused(runner, copy):
    experiment, folder = copy
    (folder / "manifest.json").unlink()
    (folder / "design.parquet").unlink()
    experiment_text = experiment.read_text()
    other = experiment.parent / "other.toml"
    other.write_text(experiment_text.replace("seed = 7", "seed = 8"))
    result = resume(other, folder)
    assert_plain_error(result, "refusing to resume", "seeds")


# ---------------------------------------------------------------- F17: two commands at once
@pytest.mark.slow  # three whole comparisons at once: the slow lane
def test_f17_two_compares_started_at_once_get_folders_of_their_own(tmp_path):
    env = {**os.environ, "PYTHONPATH": os.environ.get("CISIM_SRC", str(ROOT / "src"))}
    command = [sys.executable, "-m", "cisim", "compare", str(ROOT / "scenarios" / "complex.toml")]
    options = ["--replicates", "2", "--steps", "3", "--quiet"]
    processes = [subprocess.Popen([*command, *options], cwd=tmp_path, env=env) for _ in range(3)]
    assert [p.wait(timeout=300) for p in processes] == [0, 0, 0]
    folders = sorted(p.name for p in (tmp_path / "results").iterdir())
    assert folders == ["complex-compare", "complex-compare-2", "complex-compare-3"]
    for name in folders:
        files = {p.name for p in (tmp_path / "results" / name).iterdir()}
        assert {"comparison.png", "differences.csv", "outcomes.csv", "runs.csv"} <= files
        assert leftovers(tmp_path / "results" / name) == []
        assert len(pd.read_csv(tmp_path / "results" / name / "runs.csv")) == 4


def test_f17_folder_choice_is_a_claim():
    from cisim.cli.errors import fresh_output_folder

    root = Path(os.environ.get("TMPDIR", "/tmp")) / f"cisim-claim-{os.getpid()}"
    try:
        empty = root / "x"
        empty.mkdir(parents=True)  # made by another command a moment ago, results not yet written
        assert fresh_output_folder(None, empty, force=False) == root / "x-2"
        assert fresh_output_folder(None, empty, force=False) == root / "x-3"
    finally:
        shutil.rmtree(root, ignore_errors=True)


# ---------------------------------------------------------------- a closed pipe
def test_a_closed_pipe_stops_the_output_never_the_results(tmp_path):
    env = {**os.environ, "PYTHONPATH": os.environ.get("CISIM_SRC", str(ROOT / "src"))}
    command = [sys.executable, "-m", "cisim", "compare", str(ROOT / "scenarios" / "complex.toml")]
    process = subprocess.Popen(
        [*command, "--replicates", "2", "--steps", "3", "--quiet"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    first = process.stdout.readline()
    process.stdout.close()  # as `| head -1` does
    status = process.wait(timeout=300)
    stderr = process.stderr.read().decode()
    process.stderr.close()
    assert first.startswith(b"complex: isolated vs")
    assert status == 0 and "Traceback" not in stderr and "Exception ignored" not in stderr, stderr
    folder = tmp_path / "results" / "complex-compare"
    assert {"comparison.png", "differences.csv", "outcomes.csv", "runs.csv"} <= {p.name for p in folder.iterdir()}
    assert leftovers(folder) == []


def test_a_command_stopped_before_writing_leaves_no_empty_folder(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("cisim.experiments.runs.run_model", interrupted)
    result = runner.invoke(main, ["run", "--steps", "2", "--quiet"])
    assert result.exit_code == 130
    assert list((tmp_path / "results").iterdir()) == []


# ---------------------------------------------------------------- F22, F23: --out never replaces what it must not
def test_f22_report_never_replaces_a_results_file_without_force(runner, copy):
    _, folder = copy
    (folder / "earlier.html").write_text("an earlier report")  # a file beside the record (the record: never)
    before = snapshot(folder)
    result = runner.invoke(main, ["report", str(folder), "--out", str(folder / "earlier.html")])
    assert_plain_error(result, "earlier.html", "would replace a file in the results folder", "--force")
    assert snapshot(folder) == before


@pytest.mark.parametrize("kind", ["device", "link to a device", "link to a file"])
def test_f23_an_out_that_is_not_a_regular_file_is_never_replaced(runner, copy, tmp_path, kind):
    _, folder = copy
    target = Path("/dev/null")
    if kind != "device":
        target = tmp_path / "link.html"
        pointed = Path("/dev/null") if kind == "link to a device" else tmp_path / "real.html"
        if kind == "link to a file":
            pointed.write_text("mine")
        target.symlink_to(pointed)
    result = runner.invoke(main, ["report", str(folder), "--out", str(target), "--force"])
    assert_plain_error(result, str(target), "not a regular file")
    assert Path("/dev/null").is_char_device()
    if kind != "device":
        assert target.is_symlink()
    if kind == "link to a file":
        assert (tmp_path / "real.html").read_text() == "mine"


def test_f23_the_writer_refuses_a_device_a_folder_and_a_link(tmp_path):
    from cisim.files import NotRegularFile, write_text

    (tmp_path / "folder").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "elsewhere")
    for target in (Path("/dev/null"), tmp_path / "folder", tmp_path / "link"):
        with pytest.raises(NotRegularFile):
            write_text(target, "x")
    assert not (tmp_path / "elsewhere").exists() and leftovers(tmp_path) == []


def test_the_writer_replaces_a_file_in_a_results_folder_only_for_the_command_that_claimed_it(copy, tmp_path):
    from cisim.files import NotOwned, claim, replacing, write_bytes, write_text

    _, folder = copy  # a sweep's results no command of this process made or checked
    block = next(p for p in folder.rglob("*.parquet") if p.parent != folder)
    before = snapshot(folder)
    claim(tmp_path)  # a claim of the folder above gives nothing inside the results folder away
    for target in (folder / "design.parquet", folder / "manifest.json", block):
        with pytest.raises(NotOwned, match="did not create"):
            write_bytes(target, b"not results")
        with pytest.raises(NotOwned), replacing(target) as temporary:
            temporary.write_text("not results")
    assert snapshot(folder) == before and leftovers(folder) == []
    write_text(folder / "notes.txt", "mine")  # a new file replaces nothing
    claim(folder)  # as the command that made it, or was told --force, does
    write_text(folder / "manifest.json", "{}")
    assert (folder / "manifest.json").read_text() == "{}"


def test_temporary_names_are_never_shared(tmp_path):
    from cisim.files import replacing

    with replacing(tmp_path / "a.csv") as first, replacing(tmp_path / "a.csv") as second:
        assert first != second and first.parent == second.parent == tmp_path
        assert first.suffix == ".csv" and ".tmp" in first.name
        first.write_text("one")
        second.write_text("two")
    assert (tmp_path / "a.csv").read_text() == "one"  # the last rename wins, whole
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("command", ["run", "compare", "sweep"])
def test_an_out_inside_a_results_folder_is_refused(runner, copy, command):
    experiment, folder = copy
    before = snapshot(folder)
    args = {
        "run": ["run", "--steps", "2"],
        "compare": ["compare", "--replicates", "2", "--steps", "2"],
        "sweep": ["sweep", str(experiment), "--executor", "serial"],
    }[command]
    result = runner.invoke(main, [*args, "--out", str(folder / "inner"), "--quiet"])
    assert_plain_error(result, "lies inside the results folder", str(folder))
    assert snapshot(folder) == before and not (folder / "inner").exists()
    if command != "sweep":
        forced = runner.invoke(main, [*args, "--out", str(folder / "inner"), "--quiet", "--force"])
        assert forced.exit_code == 0, forced.output


@pytest.mark.parametrize("command", ["analyze", "plot", "attribute", "sensitivity"])
@pytest.mark.parametrize("inner", ["", "analysis", "analysis/deeper"])
def test_an_analysis_out_inside_another_results_folder_is_refused(runner, copy, tmp_path, command, inner):
    _, folder = copy
    other = tmp_path / "other"  # another sweep's results, with an analysis of its own
    shutil.copytree(folder, other)
    (other / "analysis").mkdir(exist_ok=True)
    (other / "analysis" / "describe.csv").write_text("theirs")
    before = snapshot(other)
    target = other / inner if inner else other
    result = runner.invoke(main, [command, str(folder), "--out", str(target)])
    assert_plain_error(result, "--out", str(target), "--force")
    assert snapshot(other) == before and not (other / "analysis" / "deeper").exists()


def test_an_analysis_out_inside_the_analysed_folder_or_forced_is_written(runner, copy, tmp_path):
    _, folder = copy
    for out in (folder / "analysis", folder / "mine"):
        result = runner.invoke(main, ["analyze", str(folder), "--out", str(out)])
        assert result.exit_code == 0, result.output
        assert (out / "describe.csv").is_file()
    other = tmp_path / "other"
    shutil.copytree(folder, other)
    forced = runner.invoke(main, ["plot", str(folder), "--out", str(other / "figures"), "--force"])
    assert forced.exit_code == 0, forced.output
    assert any((other / "figures").iterdir())


def test_a_stray_file_of_a_results_name_does_not_make_a_results_folder(runner, tmp_path):
    (tmp_path / "summary.json").write_text("{}")  # someone's own file, far from any results
    result = runner.invoke(main, ["run", "--steps", "2", "--out", str(tmp_path / "new"), "--quiet"])
    assert result.exit_code == 0, result.output


# ---------------------------------------------------------------- F24: executors checked before anything is written
@pytest.mark.parametrize(
    ("address", "words"),
    [("bad::", ["not an address", "tcp://HOST:8786"]), ("tcp://127.0.0.1:1", ["nothing answers", "tcp://HOST:8786"])],
)
def test_f24_a_bad_scheduler_is_said_in_words_before_anything_is_written(
    runner, experiment_file, tmp_path, monkeypatch, address, words
):
    pytest.importorskip("distributed")
    monkeypatch.setattr("cisim.experiments.executors.CONNECT_SECONDS", 0.5)
    folder = tmp_path / "out"
    result = runner.invoke(
        main, ["sweep", str(experiment_file), "--out", str(folder), "--executor", "dask", "--scheduler", address]
    )
    assert_plain_error(result, "--scheduler", repr(address), *words)
    assert "Error:" not in result.output and "cannot write" not in result.output
    assert not folder.exists()


def test_f24_a_scheduler_without_the_dask_executor_is_refused(runner, experiment_file, tmp_path):
    folder = tmp_path / "out"
    result = runner.invoke(main, ["sweep", str(experiment_file), "--out", str(folder), "--scheduler", "tcp://h:1"])
    assert_plain_error(result, "--scheduler", "--executor dask")
    assert not folder.exists()


@pytest.mark.parametrize("command", ["sweep", "compare"])
def test_f24_workers_with_the_serial_executor_are_refused_and_one_worker_is_fine(
    runner, experiment_file, tmp_path, command
):
    """As --scheduler without dask: --workers 2 with --executor serial was run in one process without a word."""
    given = [str(experiment_file)] if command == "sweep" else ["--steps", "2", "--replicates", "2"]
    folder = tmp_path / "out"
    args = [command, *given, "--out", str(folder), "--executor", "serial", "--quiet"]
    result = runner.invoke(main, [*args, "--workers", "2"])
    assert_plain_error(result, "--workers 2:", "--executor is 'serial'", "expected --executor processes with it")
    assert not folder.exists()
    one = runner.invoke(main, [*args, "--workers", "1"])
    assert one.exit_code == 0, one.output


# ---------------------------------------------------------------- exit status 2 and error: lines everywhere
def test_scenarios_validate_exits_2_on_a_bad_file(runner, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "bad"\ndescription = "d"\n[problem]\nk = -1\n')
    result = runner.invoke(main, ["scenarios", "validate", str(bad)])
    assert_plain_error(result, "problem.k")
    assert all(line.startswith("error: ") for line in result.output.splitlines())


def test_a_sweep_into_a_folder_holding_another_is_an_error_line(copy):
    experiment, folder = copy
    process = cisim("sweep", experiment, "--out", folder, "--executor", "serial", "--quiet")
    assert_plain(process, "already holds a sweep", "--resume")


def test_a_resume_with_changed_options_names_each_option(copy):
    experiment, folder = copy
    process = cisim(
        "sweep", experiment, "--out", folder, "--resume", "--replicates", "5", "--set", "organizations.budget=50"
    )
    assert_plain(process, "--replicates is 5 now, not given when it started", "--set is organizations.budget=50 now")


def test_report_says_a_deleted_block_is_damaged_not_that_its_runs_are_not_in_yet(runner, copy, tmp_path):
    _, folder = copy
    next(iter(sorted((folder / "summaries").glob("block-*.parquet")))).unlink()
    result = runner.invoke(main, ["report", str(folder), "--out", str(tmp_path / "report.html")])
    assert result.exit_code == 0, result.output
    assert "1 block damaged on disk; figures and tables use the intact finished runs" in result.output
    assert "--resume" in result.output and "not in yet" not in result.output


@pytest.mark.parametrize("command", ["sweep", "compare"])
def test_resuming_a_folder_that_does_not_exist_says_so_and_makes_nothing(runner, done, tmp_path, command):
    experiment, _ = done
    missing = tmp_path / "typo"
    given = [str(experiment)] if command == "sweep" else ["technical", "--replicates", "2"]
    result = runner.invoke(main, [command, *given, "--resume", "--out", str(missing), "--quiet"])
    assert_plain_error(result, f"--resume: {str(missing)!r} does not exist, so there is nothing to resume")
    assert not missing.exists()


def test_a_bad_set_on_a_sweep_of_several_scenarios_is_one_line_about_the_option(runner):
    experiment = Path(__file__).parents[2] / "experiments" / "when_it_fails.toml"
    result = runner.invoke(main, ["sweep", str(experiment), "--set", "problem.kk=3", "--dry-run"])
    assert result.exit_code == 2
    said = "error: --set 'problem.kk=3': unknown field 'problem.kk' (did you mean 'problem.k'?)"
    assert result.output.strip() == said


def test_a_damaged_series_block_leaves_the_intact_summaries_of_its_runs_in_use(runner, copy):
    import warnings

    from cisim.experiments.store import IncompleteResultsWarning, load_results

    experiment, folder = copy
    damaged = sorted((folder / "series").glob("block-*.parquet"))[1]
    damaged.unlink()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing missing from the summaries: no warning
        runs = load_results(folder)
    assert len(runs) == runs.attrs["runs"] and runs.attrs["missing"] == 0
    assert list(runs.attrs["damaged"]) == [1]
    with pytest.warns(IncompleteResultsWarning, match="damaged on disk"):
        load_results(folder, "series")
    analyzed = runner.invoke(main, ["analyze", str(folder)])
    assert analyzed.exit_code == 0, analyzed.output
    assert "1 block of per-step or per-organization results on disk is damaged" in analyzed.output
    assert "runs are missing" not in analyzed.output
    assert resume(experiment, folder).exit_code == 0
    assert damaged.exists() and load_results(folder).attrs["damaged"] == {}


def test_small_mistakes_get_the_words_that_fit_them(runner, tmp_path):
    empty = runner.invoke(main, ["run", "complex", "--steps", "2", "--set", "problem.k="])
    assert_plain_error(empty, "--set 'problem.k=': no value after '='")
    folder = runner.invoke(main, ["scenarios", "list", "--folder", str(tmp_path / "nope")])
    assert_plain_error(folder, "no such folder; expected a scenario library")
    experiment = tmp_path / "arm.toml"
    experiment.write_text(
        'name = "arm"\ndescription = "x"\nscenarios = ["complex"]\nreplicates = 2\nseed = 1\n'
        '[arms.isolated]\npreset = "isolated"\n[arms.a]\nprest = "collective"\n'
    )
    misspelt = runner.invoke(main, ["sweep", str(experiment), "--dry-run"])
    assert_plain_error(misspelt, "field 'arms.a' has 'prest': unknown field (did you mean 'preset'?)")
