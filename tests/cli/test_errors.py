"""Off the happy path: every mistake is one plain paragraph with exit status 2, and nothing computed is lost."""

import ast
import errno
import json
import os
import subprocess
import sys
from pathlib import Path

import click
import pandas as pd
import pytest
from click.testing import CliRunner

from cisim.cli import main
from cisim.cli.main import COMMANDS

ROOT = Path(__file__).parents[2]
SCENARIOS = ROOT / "scenarios"


@pytest.fixture
def runner():
    return CliRunner()


def leftovers(folder: Path) -> list[str]:
    """Temporary files a write left behind."""
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*.tmp*"))


def assert_plain_error(result, *words):
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    assert result.output.startswith("error: ") or "\nerror: " in result.output, result.output
    for word in words:
        assert word in result.output, result.output


# ---------------------------------------------------------------- --seed, --out
@pytest.mark.parametrize("command", ["run", "compare"])
def test_a_negative_seed_is_refused_before_any_folder_is_made(runner, tmp_path, command):
    result = runner.invoke(main, [command, "--seed", "-1", "--steps", "2", "--out", str(tmp_path / "o"), "--quiet"])
    assert_plain_error(result, "--seed", "-1", "expected a whole number of at least 0")
    assert not (tmp_path / "o").exists()


def test_a_huge_seed_runs(runner, tmp_path):
    result = runner.invoke(main, ["run", "--seed", str(2**80), "--steps", "2", "--out", str(tmp_path), "--quiet"])
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("command", [["run"], ["compare", "--replicates", "2"]])
def test_an_invalid_out_is_refused_before_computing(runner, tmp_path, command):
    blocker = tmp_path / "file"
    blocker.write_text("")
    result = runner.invoke(main, [*command, "--steps", "2", "--out", str(blocker / "sub"), "--quiet"])
    assert_plain_error(result, f"--out '{blocker / 'sub'}': cannot write there", "expected a folder you can write to")


# ---------------------------------------------------------------- a full disk
def full_disk_after(monkeypatch, writes: int):
    """Make the disk fill up: the writes after the first ``writes`` CSV files fail half-way with ENOSPC."""
    done = []
    original = pd.DataFrame.to_csv

    def to_csv(self, path=None, *args, **kwargs):
        if len(done) >= writes:
            Path(path).write_text("half a fi")
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
        done.append(path)
        return original(self, path, *args, **kwargs)

    monkeypatch.setattr(pd.DataFrame, "to_csv", to_csv)


def test_run_on_a_full_disk_says_so_prints_its_numbers_and_leaves_no_temporary_files(runner, tmp_path, monkeypatch):
    full_disk_after(monkeypatch, 0)
    result = runner.invoke(main, ["run", "--steps", "3", "--out", str(tmp_path), "--quiet"])
    assert_plain_error(result, "No space left on device", "free some space")
    assert "final outcome" in result.output  # the numbers were printed before writing
    assert leftovers(tmp_path) == [] and not (tmp_path / "series.csv").exists()


def test_compare_on_a_full_disk_keeps_what_was_written_whole(runner, tmp_path, monkeypatch):
    full_disk_after(monkeypatch, 1)
    result = runner.invoke(main, ["compare", "--replicates", "2", "--steps", "3", "--out", str(tmp_path), "--quiet"])
    assert_plain_error(result, "No space left on device")
    assert "final outcome" in result.output
    assert leftovers(tmp_path) == []
    assert len(pd.read_csv(tmp_path / "runs.csv")) == 4  # written whole before the disk filled
    assert not (tmp_path / "outcomes.csv").exists()


# ---------------------------------------------------------------- compare: the scenario's own design, never overwriting
def test_compare_runs_the_scenarios_own_design_and_never_overwrites(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    args = ["compare", str(SCENARIOS / "immature_backbone.toml"), "--replicates", "2", "--steps", "3", "--quiet"]
    first = runner.invoke(main, args)
    assert first.exit_code == 0, first.output
    assert "isolated vs scenario (the condition levels written in the scenario file)" in first.output
    runs = pd.read_csv(tmp_path / "results" / "immature_backbone-compare" / "runs.csv")
    assert sorted(runs["arm"].unique()) == ["isolated", "scenario"]
    before = (tmp_path / "results" / "immature_backbone-compare" / "runs.csv").read_bytes()
    second = runner.invoke(main, [*args, "--seed", "5"])
    assert second.exit_code == 0, second.output
    assert "results/immature_backbone-compare-2/runs.csv" in second.output
    assert (tmp_path / "results" / "immature_backbone-compare" / "runs.csv").read_bytes() == before
    out = str(tmp_path / "results" / "immature_backbone-compare")
    refused = runner.invoke(main, [*args, "--out", out])
    assert_plain_error(refused, "holds a finished comparison of 4 runs (runs.csv", "--force")
    assert (tmp_path / "results" / "immature_backbone-compare" / "runs.csv").read_bytes() == before
    forced = runner.invoke(main, [*args, "--seed", "5", "--out", out, "--force"])
    assert forced.exit_code == 0 and (Path(out) / "runs.csv").read_bytes() != before


def test_compare_can_still_compare_full_collective_impact(runner, tmp_path):
    result = runner.invoke(
        main, ["compare", "--arm", "collective", "--replicates", "2", "--steps", "2", "--out", str(tmp_path), "--quiet"]
    )
    assert result.exit_code == 0, result.output
    assert sorted(pd.read_csv(tmp_path / "runs.csv")["arm"].unique()) == ["collective", "isolated"]


@pytest.mark.parametrize(
    ("command", "who"),
    [
        (["compare", "complex", "--arm", "collective"], "both arms compared (isolated and collective) set"),
        (["run", "complex", "--arm", "isolated"], "the arm isolated sets"),
        (["run", "complex", "--arm", "collective"], "the arm collective sets"),
    ],
)
def test_a_set_condition_no_arm_runs_is_refused_before_any_folder(runner, tmp_path, command, who):
    """Both arms of `compare --arm collective` set every condition, so `--set conditions.backbone=0.5` reached no
    run while the manifest and report quoted it as used; it is refused, as a sweep refuses one."""
    out = tmp_path / "out"
    args = [*command, "--set", "conditions.backbone=0.5", "--steps", "2", "--out", str(out), "--quiet"]
    result = runner.invoke(main, args)
    assert result.exit_code == 2, result.output
    assert result.output == (
        f"error: --set conditions.backbone=0.5: {who} every condition level over the scenario's, so no run would "
        "use it; expected --arm scenario (the scenario's own design, with the --set), or no --set on a condition\n"
    )
    assert not out.exists()
    # The scenario's own design runs the --set: compare and run take it.
    for index, arm_command in enumerate((["compare", "complex", "--replicates", "2"], ["run", "complex"])):
        args = [*arm_command, "--set", "conditions.backbone=0.5", "--steps", "2", "--out", str(out / str(index))]
        result = runner.invoke(main, [*args, "--quiet"])
        assert result.exit_code == 0, result.output


def test_a_set_of_the_scenarios_own_value_is_said_to_change_nothing(runner, tmp_path):
    """docs/analyst.md's example once set a half backbone on a scenario that has one: the same numbers came out with
    no word of why. A --set of the scenario's own value gets a note; one that changes something gets none."""
    args = ["compare", "immature_backbone", "--replicates", "2", "--steps", "2", "--quiet"]
    same = runner.invoke(main, [*args, "--set", "conditions.backbone=0.5", "--out", str(tmp_path / "a")])
    assert same.exit_code == 0, same.output
    assert same.stderr == (
        "note: --set conditions.backbone=0.5: the scenario's own value of conditions.backbone is already 0.5; the "
        "runs are as without it\n"
    )
    other = runner.invoke(main, [*args, "--set", "conditions.backbone=1", "--out", str(tmp_path / "b")])
    assert other.exit_code == 0 and other.stderr == "", other.output
    ran = runner.invoke(
        main, ["run", "complex", "--steps", "2", "--quiet", "--set", "problem.k=6", "--out", str(tmp_path / "c")]
    )
    assert ran.exit_code == 0 and "the scenario's own value of problem.k is already 6" in ran.stderr, ran.output


def test_run_never_overwrites_either(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for _ in range(2):
        assert runner.invoke(main, ["run", "--steps", "2", "--quiet"]).exit_code == 0
    assert sorted(p.name for p in (tmp_path / "results").iterdir()) == [
        "defaults-scenario-seed0",
        "defaults-scenario-seed0-2",
    ]


@pytest.mark.parametrize(
    "first", [["run", "--steps", "2"], ["compare", "technical", "--replicates", "2", "--steps", "2"]]
)
def test_a_sweep_is_refused_a_folder_holding_a_run_or_a_comparison(runner, tmp_path, first):
    folder = tmp_path / "earlier"
    assert runner.invoke(main, [*first, "--out", str(folder), "--quiet"]).exit_code == 0
    before = sorted(p.name for p in folder.iterdir())
    args = ["sweep", "backbone_decision", "--replicates", "1", "--steps", "2", "--out", str(folder), "--quiet"]
    result = runner.invoke(main, args)
    assert_plain_error(result, "holds the results of an earlier command", "not a sweep")
    assert sorted(p.name for p in folder.iterdir()) == before  # nothing written beside them


# ---------------------------------------------------------------- startup and structure
def test_help_and_version_import_no_numeric_library():
    code = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from cisim.cli import main\n"
        "for args in (['--help'], ['--version']):\n"
        "    assert CliRunner().invoke(main, args).exit_code == 0\n"
        "heavy = sorted(m for m in ('numpy', 'pandas', 'scipy', 'matplotlib', 'mesa', 'networkx', 'pyarrow', 'tqdm')"
        " if m in sys.modules)\n"
        "print(heavy)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_help_lists_every_command_with_its_own_summary(runner):
    result = runner.invoke(main, ["--help"])
    assert result.exit_code == 0
    for name, entry in COMMANDS.items():
        command = main.get_command(None, name)
        assert command.get_short_help_str(limit=1000) == entry.summary, name
        assert name in result.output


def test_command_modules_do_not_import_the_group():
    """cli/main loads commands by name; no command module imports cli/main (no import circle)."""
    for path in (ROOT / "src" / "cisim" / "cli").glob("*.py"):
        tree = ast.parse(path.read_text())
        imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
        imported |= {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
        if path.name == "main.py":
            top = {n.module for n in tree.body if isinstance(n, ast.ImportFrom)}
            assert not {m for m in top if m and m.startswith("cisim.cli")}, top
        elif path.name != "__init__.py":
            assert "cisim.cli.main" not in imported and "cisim.cli" not in imported, path.name


# ---------------------------------------------------------------- sweep options and folders
def test_sweep_takes_replicates_steps_and_set(runner, experiment_file, tmp_path):
    from cisim.experiments.store import load_results, read_manifest

    folder = tmp_path / "out"
    args = ["sweep", str(experiment_file), "--out", str(folder), "--executor", "serial", "--quiet"]
    options = ["--replicates", "2", "--steps", "4", "--set", "organizations.n_organizations=5"]
    result = runner.invoke(main, [*args, *options])
    assert result.exit_code == 0, result.output
    frame = load_results(folder)
    assert len(frame) == 2 * 2 * 2 and frame["replicate"].max() == 1
    assert (frame["final_coalition_size"] <= 5).all() and (
        frame.query("arm == 'collective'")["final_coalition_size"] == 5
    ).all()
    series = load_results(folder, "series")
    assert series.groupby("run_id")["step"].max().eq(4).all()
    assert read_manifest(folder)["options"] == {
        "replicates": 2,
        "steps": 4,
        "overrides": ["organizations.n_organizations=5"],
    }
    refused = runner.invoke(
        main, [*args, "--resume", "--replicates", "2", "--steps", "5", "--set", "organizations.n_organizations=5"]
    )
    assert_plain_error(refused, "refusing to resume", "--steps is 5 now, 4 when it started")
    bad = runner.invoke(main, [*args, "--set", "organizations.n_organizations=0"])
    assert_plain_error(bad, "organizations.n_organizations", "expected a whole number from 1 to 1000")


def test_resuming_a_folder_of_another_experiment_names_that_experiment(runner, experiment_file, tmp_path):
    """Not 'the experiment file changed': the folder holds a sweep of another experiment, named from its manifest."""
    folder = tmp_path / "out"
    args = ["--out", str(folder), "--executor", "serial", "--quiet", "--replicates", "1"]
    assert runner.invoke(main, ["sweep", str(experiment_file), *args]).exit_code == 0
    text = experiment_file.read_text()
    other = experiment_file.with_name("lhs.toml")
    other.write_text(text.replace('name = "tiny"', 'name = "lhs"').replace('"problem.k" = [0, 4]', '"problem.k" = [2]'))
    refused = runner.invoke(main, ["sweep", str(other), *args, "--resume"])
    assert_plain_error(
        refused,
        f"the folder holds a sweep of the experiment 'tiny' (file {experiment_file}), not of 'lhs' ({other})",
        "--resume needs the experiment that sweep started with, or give another --out",
    )
    assert "changed since the sweep started" not in refused.output
    # Another file of the same name is another experiment too; the same file edited is a change, said as one.
    copy = experiment_file.with_name("copy.toml")
    copy.write_text(text.replace("replicates = 3", "replicates = 4"))
    refused = runner.invoke(main, ["sweep", str(copy), *args, "--resume"])
    assert_plain_error(refused, f"the folder holds a sweep of the experiment 'tiny' (file {experiment_file})")
    experiment_file.write_text(text.replace("seed = 7", "seed = 8"))
    refused = runner.invoke(main, ["sweep", str(experiment_file), *args, "--resume"])
    assert_plain_error(refused, f"the experiment file {experiment_file} changed since the sweep started")


def test_sweep_refuses_an_invalid_out(runner, experiment_file, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    result = runner.invoke(main, ["sweep", str(experiment_file), "--out", str(blocker / "x"), "--quiet"])
    assert_plain_error(result, "cannot write there")


def test_analysis_commands_report_an_unwritable_out_plainly(runner, experiment_file, tmp_path):
    from cisim.experiments.design import load_experiment
    from cisim.experiments.sweep import run_sweep

    folder = tmp_path / "out"
    run_sweep(load_experiment(experiment_file), folder, executor="serial")
    blocker = tmp_path / "file"
    blocker.write_text("")
    for command in (["analyze", str(folder)], ["report", str(folder)]):
        target = blocker / ("x.html" if command[0] == "report" else "x")
        result = runner.invoke(main, [*command, "--out", str(target)])
        assert_plain_error(result, "Not a directory")


# ---------------------------------------------------------------- a results folder that is not there yet
def commands_reading_results() -> list[str]:
    """Every command whose argument is a RESULTS folder, found from the commands themselves."""
    import importlib

    found = []
    for name, entry in COMMANDS.items():
        command = getattr(importlib.import_module(entry.module), entry.attribute)
        if any(isinstance(p, click.Argument) and p.name == "results" for p in command.params):
            found.append(name)
    return found


def test_every_command_reading_results_is_checked_here():
    assert commands_reading_results() == ["analyze", "attribute", "sensitivity", "plot", "report"]


@pytest.mark.parametrize("command", commands_reading_results())
@pytest.mark.parametrize(
    ("name", "advice"),
    [
        ("sensitivity", "run `cisim sweep experiments/sensitivity.toml` first"),
        ("conditions_factorial", "run `cisim sweep experiments/conditions_factorial.toml` first"),
        ("technical-compare", "run `cisim compare technical` first"),
        ("no_such_experiment", "run `cisim sweep EXPERIMENT` or `cisim compare SCENARIO` first"),
    ],
)
def test_a_missing_results_folder_says_what_to_run(runner, tmp_path, monkeypatch, command, name, advice):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "experiments").mkdir()
    for experiment in ("sensitivity", "conditions_factorial"):
        (tmp_path / "experiments" / f"{experiment}.toml").write_text("")
    result = runner.invoke(main, [command, f"results/{name}"])
    assert_plain_error(result, f"error: results/{name}: no such folder; expected the results folder of", advice)
    assert "Usage:" not in result.output and "does not exist" not in result.output
    assert not (tmp_path / "results").exists()  # nothing made on the way (report would write into it)


def test_a_missing_results_folder_names_an_experiment_only_when_its_file_exists(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "experiments").mkdir()
    result = runner.invoke(main, ["analyze", "results/no_such_experiment"])
    assert_plain_error(result, "run `cisim sweep EXPERIMENT` or `cisim compare SCENARIO` first")
    # One that cisim ships is named as `cisim sweep` finds it from any folder: by its name.
    result = runner.invoke(main, ["analyze", "results/sensitivity"])
    assert_plain_error(result, "run `cisim sweep sensitivity` first")
    assert "experiments/sensitivity.toml" not in result.output


def test_a_missing_folder_whose_name_is_no_plain_name_is_never_looked_up_as_an_experiment(
    runner, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "experiments").mkdir()
    (tmp_path / "experiments" / "...toml").write_text("")  # what a name ".." would find if it were looked up
    result = runner.invoke(main, ["analyze", "missing/.."])
    assert_plain_error(result, "missing/..: no such folder", "run `cisim sweep EXPERIMENT` or `cisim compare SCENARIO`")
    assert "...toml" not in result.output


def test_a_file_given_as_the_results_folder_is_still_refused(runner, tmp_path):
    file = tmp_path / "results.csv"
    file.write_text("")
    result = runner.invoke(main, ["analyze", str(file)])
    assert result.exit_code == 2 and "is a file" in result.output


def test_bad_scenario_in_a_subprocess_has_no_traceback(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_bytes(b"\xff\xfe binary")
    result = subprocess.run([sys.executable, "-m", "cisim", "run", str(bad)], capture_output=True, text=True)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.startswith(f"error: {bad}: not a text file") and result.stderr.count("\n") == 1
    assert json.dumps(result.stdout) == '""'


def test_sweep_takes_an_experiments_name_and_suggests_a_close_one(runner, experiment_file, monkeypatch):
    monkeypatch.chdir(experiment_file.parents[1])  # experiments/tiny.toml beside scenarios/
    result = runner.invoke(main, ["sweep", "tiny", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("tiny")
    result = runner.invoke(main, ["sweep", "tinny", "--dry-run"])
    assert_plain_error(
        result, "'tinny': no experiment of that name in experiments", "expected the name of an", "did you mean 'tiny'?"
    )


def test_sweep_given_a_scenario_file_says_so_and_what_runs_it(runner, experiment_file, monkeypatch):
    monkeypatch.chdir(experiment_file.parents[1])
    result = runner.invoke(main, ["sweep", "scenarios/small.toml"])
    assert_plain_error(result, "scenarios/small.toml: is a scenario file, not an experiment file", "cisim compare")
    assert result.output.count("error:") == 1  # not one line per scenario section


def test_a_missing_experiment_file_says_an_experiment_file(runner, tmp_path):
    result = runner.invoke(main, ["sweep", str(tmp_path / "x.toml")])
    assert_plain_error(result, "no such experiment file; expected an experiment file in TOML")


def test_resuming_with_another_set_names_only_the_set(runner, experiment_file, tmp_path):
    folder = tmp_path / "out"
    args = ["sweep", str(experiment_file), "--out", str(folder), "--executor", "serial", "--quiet"]
    assert runner.invoke(main, [*args, "--replicates", "1", "--steps", "2"]).exit_code == 0
    result = runner.invoke(
        main, [*args, "--replicates", "1", "--steps", "2", "--set", "organizations.budget=50", "--resume"]
    )
    assert_plain_error(result, "--set is organizations.budget=50 now, not given when it started")
    assert "changed since the sweep started" not in result.output


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["compare", "--replicates", "ten"], "'--replicates': 'ten': expected a whole number from 2 to 100000"),
        (
            ["sweep", "backbone_decision", "--replicates", "0"],
            "'--replicates': '0': expected a whole number of at least 1",
        ),
        (["run", "--seed", "1.5"], "'--seed': '1.5': expected a whole number of at least 0"),
        (["validate", "--workers", "none"], "'--workers': 'none': expected a whole number of at least 1"),
    ],
)
def test_a_whole_number_option_given_something_else_says_what_it_expected(runner, args, said):
    result = runner.invoke(main, args)
    assert result.exit_code == 2 and said in result.output, result.output


@pytest.mark.parametrize("command", ["compare", "run"])
def test_a_finished_sweeps_folder_is_named_as_one_and_forcing_says_its_runs_would_be_lost(runner, tmp_path, command):
    """compare --out on a finished sweep's folder said it held "results not yet finished ... if it is a comparison
    stopped before the end", and to add --force to start again: following that replaced the sweep's finished runs."""
    folder = tmp_path / "swept"
    sweep = ["sweep", "backbone_decision", "--replicates", "1", "--steps", "2", "--quiet", "--executor", "serial"]
    assert runner.invoke(main, [*sweep, "--out", str(folder)]).exit_code == 0
    runs = len(pd.read_parquet(folder / "design.parquet"))
    before = sorted(p.name for p in folder.rglob("*"))
    args = ["technical", "--replicates", "2"] if command == "compare" else ["technical"]
    result = runner.invoke(main, [command, *args, "--steps", "2", "--out", str(folder), "--quiet"])
    forcing = "--force replaces it, losing its runs" if command == "compare" else "--force writes this command's files"
    assert_plain_error(result, f"holds a finished sweep of {runs} runs", forcing)
    assert "not yet finished" not in result.output and "stopped" not in result.output
    assert sorted(p.name for p in folder.rglob("*")) == before


def test_a_stopped_sweeps_folder_is_named_as_one_with_the_command_that_continues_it(runner, tmp_path):
    folder = tmp_path / "swept"
    sweep = ["sweep", "backbone_decision", "--replicates", "1", "--steps", "2", "--quiet", "--executor", "serial"]
    assert runner.invoke(main, [*sweep, "--out", str(folder)]).exit_code == 0
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    (folder / "manifest.json").write_text(json.dumps({**manifest, "status": "stopped"}), encoding="utf-8")
    result = runner.invoke(main, ["compare", "technical", "--steps", "2", "--out", str(folder), "--quiet"])
    assert_plain_error(result, "holds a sweep stopped before the end", "cisim sweep ")
    assert result.output.index("--resume") < result.output.index("--force")


@pytest.mark.parametrize("failing", ["every", "some"])
def test_a_sweep_with_failed_runs_exits_1_and_the_analysis_names_the_failure(runner, tmp_path, monkeypatch, failing):
    """A sweep whose every run failed exited 0 (a batch job saw success), and cisim report then said to run or
    resume the sweep, which cannot help. Every result is still written; the exit status and the message say."""
    from cisim.experiments import worker

    real = worker.run_model

    def breaks(scenario, *args, **kwargs):
        if failing == "every" or scenario["organizations.n_organizations"] == 4:
            raise ValueError("a run that breaks")
        return real(scenario, *args, **kwargs)

    monkeypatch.setattr(worker, "run_model", breaks)
    folder = tmp_path / "swept"
    sweep = ["sweep", "coalition_size", "--replicates", "1", "--steps", "2", "--quiet", "--executor", "serial"]
    result = runner.invoke(main, [*sweep, "--out", str(folder)])
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output and "\nfailed: " in result.output and "runs (their errors" in result.output
    frame = pd.read_parquet(folder / "design.parquet")
    assert f"results in {folder}" in result.output
    assert json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["failures"]
    report = runner.invoke(main, ["analyze", str(folder)])
    if failing == "every":
        assert_plain_error(report, f"no finished runs: {len(frame)} of {len(frame)} failed", "a run that breaks")
        assert "resume the sweep" not in report.output and "not run yet" not in report.output
    else:
        assert report.exit_code == 0, report.output


@pytest.mark.parametrize(
    "command",
    [
        ["run", "--steps", "2"],
        ["compare", "--replicates", "2", "--steps", "2"],
        ["sweep", "coalition_size", "--replicates", "1", "--steps", "2"],
        ["validate", "lazer_friedman_2007", "--quick"],
        ["demo"],
        ["analyze", "results/x"],
        ["report", "results/x"],
    ],
)
def test_an_empty_out_is_refused_not_read_as_the_working_folder(runner, tmp_path, monkeypatch, command):
    """``--out "$OUT"`` with OUT unset gave ``--out ''``, which wrote the results into the working folder."""
    monkeypatch.chdir(tmp_path)
    for empty in ("", " "):
        result = runner.invoke(main, [*command, "--out", empty])
        assert_plain_error(result, "--out", "expected a path")
    assert list(tmp_path.iterdir()) == []


def test_a_seed_too_long_for_the_default_folder_name_is_named_and_runs_with_out(runner, tmp_path):
    """A 121-digit seed was blamed on the scenario's name ('give --out'), even with --out given."""
    seed = str(10**120)
    given = runner.invoke(main, ["run", "--seed", seed, "--steps", "2", "--out", str(tmp_path / "o"), "--quiet"])
    assert given.exit_code == 0, given.output
    default = runner.invoke(main, ["run", "--seed", seed, "--steps", "2", "--quiet"])
    assert_plain_error(default, "too long for a folder's name", "give --out")
    assert "name 'complex'" not in default.output


def test_no_more_local_workers_start_than_there_are_runs(runner, tmp_path):
    from cisim.experiments.sweep import workers_for

    assert (workers_for(4, 30), workers_for(100, 3), workers_for(0, 8), workers_for(4, 30, "tcp://host:8786")) == (
        4,
        3,
        1,
        30,
    )
    out = tmp_path / "o"
    args = ["compare", "--replicates", "2", "--steps", "2", "--executor", "processes", "--workers", "30"]
    result = runner.invoke(main, [*args, "--out", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    assert [s["workers"] for s in json.loads((out / "manifest.json").read_text(encoding="utf-8"))["sessions"]] == [4]


@pytest.mark.parametrize("failing", ["every", "some"])
def test_a_dry_run_whose_probe_runs_raise_says_so_without_a_traceback(runner, monkeypatch, failing):
    """A probe run that raised (a network that cannot be wired, tables too large) ended --dry-run in a traceback."""
    from cisim.experiments import estimate

    real = estimate.probe_run

    def breaks(scenario, *args, **kwargs):
        if failing == "every" or scenario["organizations.n_organizations"] == 32:  # 4 is the base point
            raise MemoryError("Unable to allocate 320. TiB")
        return real(scenario, *args, **kwargs)

    monkeypatch.setattr(estimate, "probe_run", breaks)
    args = ["sweep", "coalition_size", "--replicates", "1", "--steps", "2", "--executor", "serial", "--dry-run"]
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output
    assert result.exception is None and "Traceback" not in result.output
    assert "MemoryError: Unable to allocate 320. TiB" in result.output
    if failing == "every":
        assert "could not be probed (a probe run failed" in result.output
    else:
        assert "the sweep would record runs like them as failed" in result.output


def test_a_default_results_folder_that_cannot_be_made_is_not_called_out(runner, tmp_path, monkeypatch):
    """Without --out, a 'results' that could not be written was reported as "--out 'results'", an option never given."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "results").write_text("")
    result = runner.invoke(main, ["run", "--steps", "2", "--quiet"])
    assert_plain_error(result, "the default results folder 'results'", "(or give --out)")
    assert "--out 'results'" not in result.output


def test_a_folder_whose_every_block_is_damaged_says_damaged_not_unfinished(runner, tmp_path):
    """After every summaries block was overwritten, analyze said 'no finished runs yet ... run or resume'."""
    folder = tmp_path / "swept"
    sweep = ["sweep", "coalition_size", "--replicates", "1", "--steps", "2", "--quiet", "--executor", "serial"]
    assert runner.invoke(main, [*sweep, "--out", str(folder)]).exit_code == 0
    for block in (folder / "summaries").glob("*.parquet"):
        block.write_text("garbage")
    result = runner.invoke(main, ["analyze", str(folder)])
    assert_plain_error(result, "no intact finished runs", "damaged on disk", "--resume` runs them again")


def test_a_dry_run_counts_the_workers_the_sweep_would_start(runner):
    """The dry run divided its estimate by --workers 30 for a 12-run design, which starts 12."""
    args = ["sweep", "coalition_size", "--replicates", "1", "--steps", "2", "--workers", "30", "--dry-run"]
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "with 12 workers (processes)" in result.output


@pytest.mark.parametrize("command", [["validate", "lazer_friedman_2007", "--quick"], ["demo"]])
def test_validate_and_demo_name_their_default_folder_as_the_default(runner, tmp_path, monkeypatch, command):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "results").write_text("")
    result = runner.invoke(main, command)
    assert_plain_error(result, "the default results folder 'results/", "(or give --out)")


def test_a_command_group_alone_prints_its_help_as_written(runner):
    """``cisim`` or ``cisim scenarios`` with no command: the help, its lines as they are, not one error line of
    escaped newlines."""
    for words, first in (([], "Usage: main [OPTIONS] COMMAND"), (["scenarios"], "Usage: main scenarios [OPTIONS]")):
        result = runner.invoke(main, words)
        assert result.exit_code == 2
        assert result.output.startswith(first) and "\\n" not in result.output and "error:" not in result.output
        assert "Commands:" in result.output.splitlines()


def test_an_experiment_name_close_to_none_lists_the_experiments_there(runner, experiment_file, monkeypatch):
    monkeypatch.chdir(experiment_file.parents[1])
    result = runner.invoke(main, ["sweep", "nothing_like_it", "--dry-run"])
    assert_plain_error(result, "'nothing_like_it': no experiment of that name", "the experiments there: ")
    assert "isolated_vs_collective" in result.output and "tiny" in result.output


def test_the_scenario_list_works_from_a_folder_without_a_library(runner, tmp_path, monkeypatch):
    """README: 'This works from any folder': without ./scenarios, the list is cisim's own library."""
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(main, ["scenarios", "list"])
    assert result.exit_code == 0, result.output
    assert any(line.startswith("complex ") for line in result.output.splitlines())
