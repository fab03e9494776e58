"""Sweeps: identical files under every executor, resumable after a kill, failures recorded, clear refusals."""

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

import cisim
from cisim.cli import main
from cisim.experiments.design import load_experiment
from cisim.experiments.executors import start_method
from cisim.experiments.runs import run_model
from cisim.experiments.store import IncompleteResultsWarning, load_results, read_manifest, read_status
from cisim.experiments.sweep import SweepError, SweepInterrupted, run_sweep


def result_files(folder: Path) -> dict[str, bytes]:
    """Every file that holds results (not the manifest or status log, which carry timings)."""
    files = [folder / "design.parquet", *sorted(folder.glob("*/block-*.parquet"))]
    return {str(p.relative_to(folder)): p.read_bytes() for p in files}


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The tiny experiment swept in series: the files every other way of running must reproduce."""
    from tests.experiments.conftest import EXPERIMENT, SMALL

    root = tmp_path_factory.mktemp("reference")
    (root / "scenarios").mkdir()
    (root / "scenarios" / "small.toml").write_text(SMALL)
    (root / "experiments").mkdir()
    (root / "experiments" / "tiny.toml").write_text(EXPERIMENT)
    folder = root / "out"
    run_sweep(load_experiment(root / "experiments" / "tiny.toml"), folder, executor="serial")
    return result_files(folder)


def test_a_sweep_writes_design_results_manifest_and_status(experiment_file, tmp_path):
    folder = tmp_path / "out"
    report = run_sweep(load_experiment(experiment_file), folder, executor="serial")
    assert (report.runs, report.done, report.failed) == (12, 12, 0)
    summaries = load_results(folder)
    assert len(summaries) == 12 and summaries.attrs["missing"] == 0
    assert {"run_id", "arm", "problem.k", "seed", "final_outcome", "status"} <= set(summaries.columns)
    series = load_results(folder, "series")
    assert len(series) == 12 * 13 and series.groupby("run_id")["step"].max().eq(12).all()
    agents = load_results(folder, "agents")
    assert len(agents) == 12 * 6
    assert pd.read_parquet(folder / "summaries").shape[0] == 12  # plain pandas reads the folder too
    manifest = read_manifest(folder)
    assert manifest["status"] == "complete" and manifest["runs"] == 12
    assert manifest["experiment"]["sha256"] and manifest["scenario_hashes"]["small"]
    assert manifest["statistics"]["done"] == 12 and manifest["statistics"]["mean_seconds_per_run"] > 0
    assert {"python", "system", "cores"} <= set(manifest["platform"])
    assert manifest["sessions"][0]["executor"] == "serial"


@pytest.mark.parametrize(
    ("executor", "workers"),
    [
        ("processes", 2),
        pytest.param("dask", 2, marks=pytest.mark.slow),
        pytest.param("processes", 1, marks=pytest.mark.slow),
    ],
)
def test_every_executor_and_worker_count_gives_identical_files(experiment_file, tmp_path, reference, executor, workers):
    folder = tmp_path / "out"
    run_sweep(load_experiment(experiment_file), folder, executor=executor, workers=workers, max_in_flight=3)
    assert result_files(folder) == reference


@pytest.mark.slow
def test_workers_started_fresh_beside_a_thread_give_identical_files_too(experiment_file, tmp_path, reference):
    """With a thread of its own running, a sweep's workers are spawned rather than forked (executors.start_method)."""
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert start_method() == "spawn"
        run_sweep(load_experiment(experiment_file), tmp_path / "out", executor="processes", workers=2, max_in_flight=3)
    finally:
        stop.set()
        thread.join()
    assert result_files(tmp_path / "out") == reference


def slow_sweep(experiment_file: Path, folder: Path) -> list[str]:
    """Make the tiny experiment long enough to stop part-way; the command that runs it.

    48 runs of 200 organizations for 600 steps: about 0.15 s a run on one core, several seconds in all, so that a
    test can stop the sweep after some runs and before the last (a run of the tiny experiment itself takes a
    few milliseconds, less than the time between two looks at the status log). At 300 steps a run took 0.06 to 0.08 s
    once the model's step got faster, and a resumed sweep on two workers finished before a test could stop it.
    """
    text = experiment_file.read_text().replace("replicates = 3", "replicates = 12")
    longer = '"problem.k" = [0, 4]\n"run.steps" = [600]\n"organizations.n_organizations" = [200]'
    experiment_file.write_text(text.replace('"problem.k" = [0, 4]', longer))
    return [
        sys.executable,
        "-m",
        "cisim",
        "sweep",
        str(experiment_file),
        "--out",
        str(folder),
        "--executor",
        "serial",
        "--quiet",
    ]


def wait_for_runs(folder: Path, count: int, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while len(read_status(folder)) < count and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.02)


@pytest.mark.slow
def test_resume_after_a_kill_gives_the_files_of_an_uninterrupted_sweep(experiment_file, tmp_path):
    folder = tmp_path / "killed"
    command = slow_sweep(experiment_file, folder)
    uninterrupted = tmp_path / "whole"
    run_sweep(load_experiment(experiment_file), uninterrupted, executor="serial")
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for_runs(folder, 8, process)
    process.send_signal(signal.SIGKILL)
    process.wait()
    done_before = len(read_status(folder))
    assert 8 <= done_before < 48, "the sweep should have been killed part-way"
    result = CliRunner().invoke(main, [*command[3:], "--resume"])
    assert result.exit_code == 0, result.output
    assert f"{48 - done_before} ran now" in result.output
    assert result_files(folder) == result_files(uninterrupted)
    assert read_manifest(folder)["status"] == "complete"


@pytest.mark.slow
def test_ctrl_c_records_what_finished_and_says_how_to_resume(experiment_file, tmp_path):
    folder = tmp_path / "out"
    # Ctrl-C as at a terminal: a shell that starts commands in the background without job control (as a CI
    # runner may) makes them ignore SIGINT, and Python keeps a SIGINT ignored at start-up ignored.
    process = subprocess.Popen(
        slow_sweep(experiment_file, folder),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    wait_for_runs(folder, 4, process)
    recorded, running = len(read_status(folder)), process.poll() is None
    os.kill(process.pid, signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, (
        f"exit {process.returncode}; {recorded} of 48 runs recorded and the sweep "
        f"{'still running' if running else 'already ended'} when Ctrl-C was sent; stderr: {stderr[-2000:]!r}"
    )
    assert "interrupted" in stderr and "--resume" in stderr and "Traceback" not in stderr
    assert read_manifest(folder)["status"] == "interrupted"


def test_a_failing_run_is_recorded_and_the_sweep_completes(experiment_file, tmp_path, monkeypatch):
    from cisim.experiments import worker

    def fails_on_the_marked_arm(scenario, *args, **kwargs):
        if scenario["organizations.budget"] == 123.0:
            raise ValueError("a run that breaks")
        return run_model(scenario, *args, **kwargs)

    monkeypatch.setattr(worker, "run_model", fails_on_the_marked_arm)
    text = experiment_file.read_text() + '\n[arms.broken]\npreset = "collective"\n"organizations.budget" = 123.0\n'
    experiment_file.write_text(text)
    folder = tmp_path / "out"
    report = run_sweep(load_experiment(experiment_file), folder, executor="serial")
    assert (report.runs, report.done, report.failed) == (18, 12, 6)
    summaries = load_results(folder)
    failed = summaries[summaries["status"] == "failed"]
    assert set(failed["arm"]) == {"broken"} and failed["final_outcome"].isna().all()
    assert failed["error"].str.contains("ValueError: a run that breaks").all()
    failures = read_manifest(folder)["failures"]
    assert len(failures) == 6 and all(f["seed"] and f["error"] for f in failures)


def test_ctrl_c_inside_compiled_code_stops_the_sweep_and_is_not_recorded_as_a_failed_run(
    experiment_file, tmp_path, monkeypatch
):
    """Ctrl-C that lands inside a compiled function surfaces as a SystemError caused by the KeyboardInterrupt."""
    from cisim.experiments import worker

    calls = []

    def interrupted_in_compiled_code(scenario, *args, **kwargs):
        calls.append(1)
        if len(calls) == 5:
            try:
                raise KeyboardInterrupt
            except KeyboardInterrupt as interrupt:
                raise SystemError("CPUDispatcher(perceive) returned a result with an exception set") from interrupt
        return run_model(scenario, *args, **kwargs)

    monkeypatch.setattr(worker, "run_model", interrupted_in_compiled_code)
    folder = tmp_path / "out"
    with pytest.raises(SweepInterrupted, match="--resume"):
        run_sweep(load_experiment(experiment_file), folder, executor="serial")
    assert len(calls) == 5 and read_manifest(folder)["status"] == "interrupted"
    assert all(entry["status"] == "done" for entry in read_status(folder).values())


def interrupt_at(monkeypatch, run: int) -> None:
    """Ctrl-C as the ``run``-th run (counting from 1) starts, in this process (a serial sweep)."""
    from cisim.experiments import worker

    calls = []

    def interrupted(scenario, *args, **kwargs):
        calls.append(1)
        if len(calls) == run:
            raise KeyboardInterrupt
        return run_model(scenario, *args, **kwargs)

    monkeypatch.setattr(worker, "run_model", interrupted)


def test_a_session_records_the_runs_safe_on_disk_and_the_rate_is_the_whole_sweeps(
    experiment_file, tmp_path, monkeypatch
):
    """Runs of a block not yet written are lost on a stop: a session's runs_done counts only what is on disk."""
    interrupt_at(monkeypatch, 7)
    folder = tmp_path / "out"
    experiment = load_experiment(experiment_file)  # 12 runs in blocks of 4
    with pytest.raises(SweepInterrupted, match="4 runs are safe on disk"):
        run_sweep(experiment, folder, executor="serial")
    first = read_manifest(folder)["sessions"][0]
    assert len(read_status(folder)) == 4  # runs 4 and 5 finished, but their block was never written
    recorded = {key: first[key] for key in ("outcome", "runs_to_do", "runs_done", "runs_failed")}
    assert recorded == {"outcome": "interrupted", "runs_to_do": 12, "runs_done": 4, "runs_failed": 0}
    report = run_sweep(experiment, folder, executor="serial", resume=True)
    assert report.ran_now == 8
    manifest = read_manifest(folder)
    assert [s["runs_done"] for s in manifest["sessions"]] == [4, 8]  # together the sweep's 12
    statistics = manifest["statistics"]
    elapsed = sum(s["seconds"] for s in manifest["sessions"])
    assert statistics["elapsed_seconds"] == pytest.approx(elapsed, abs=0.002)
    assert statistics["runs_per_second"] == pytest.approx(12 / elapsed, rel=0.01)  # the sweep's, not a session's


def test_a_killed_sessions_runs_do_not_count_in_the_rate_of_the_one_that_finished(
    experiment_file, tmp_path, monkeypatch
):
    """A session killed outright records neither its time nor its runs; the rate divided every run on disk by the
    seconds of the sessions that did record theirs, four times the speed the sweep ran at after a SIGKILL."""
    from cisim.experiments.store import write_manifest

    interrupt_at(monkeypatch, 9)
    folder = tmp_path / "out"
    experiment = load_experiment(experiment_file)  # 12 runs in blocks of 4
    with pytest.raises(SweepInterrupted, match="8 runs are safe on disk"):
        run_sweep(experiment, folder, executor="serial")
    manifest = read_manifest(folder)
    for key in ("finished", "outcome", "seconds", "runs_done", "runs_failed"):  # as a SIGKILL leaves the session
        manifest["sessions"][0].pop(key)
    write_manifest(folder, manifest)
    run_sweep(experiment, folder, executor="serial", resume=True)
    manifest = read_manifest(folder)
    second = manifest["sessions"][1]
    assert second["runs_done"] == 4 and manifest["statistics"]["done"] == 12
    assert manifest["statistics"]["runs_per_second"] == pytest.approx(4 / second["seconds"], rel=0.01)


def test_resume_refuses_when_the_experiment_or_a_scenario_changed(experiment_file, tmp_path):
    folder = tmp_path / "out"
    run_sweep(load_experiment(experiment_file), folder, executor="serial")
    scenario = experiment_file.parent.parent / "scenarios" / "small.toml"
    scenario.write_text(scenario.read_text().replace("n_organizations = 6", "n_organizations = 7"))
    with pytest.raises(SweepError, match="scenario 'small' changed since the sweep started"):
        run_sweep(load_experiment(experiment_file), folder, executor="serial", resume=True)
    experiment_file.write_text(experiment_file.read_text().replace("seed = 7", "seed = 8"))
    with pytest.raises(SweepError, match=r"experiment file .*tiny\.toml changed"):
        run_sweep(load_experiment(experiment_file), folder, executor="serial", resume=True)


def test_a_second_sweep_never_overwrites_results(experiment_file, tmp_path):
    folder = tmp_path / "out"
    run_sweep(load_experiment(experiment_file), folder, executor="serial")
    before = result_files(folder)
    result = CliRunner().invoke(main, ["sweep", str(experiment_file), "--out", str(folder), "--quiet"])
    assert result.exit_code == 2 and "error: " in result.output and "already holds a sweep" in result.output
    assert result_files(folder) == before


def test_resuming_a_finished_sweep_runs_nothing(experiment_file, tmp_path):
    folder = tmp_path / "out"
    run_sweep(load_experiment(experiment_file), folder, executor="serial")
    report = run_sweep(load_experiment(experiment_file), folder, executor="serial", resume=True)
    assert report.ran_now == 0 and report.done == 12


def test_partial_results_say_what_is_missing(experiment_file, tmp_path):
    folder = tmp_path / "out"
    run_sweep(load_experiment(experiment_file), folder, executor="serial")
    lines = (folder / "status.jsonl").read_text().splitlines()
    (folder / "status.jsonl").write_text("\n".join(lines[:5]) + "\n")  # the first block: 4 runs and its record
    for block in sorted((folder / "summaries").glob("block-*.parquet"))[1:]:
        block.unlink()
    with pytest.warns(IncompleteResultsWarning, match="8 of 12 runs are missing.*--resume"):
        partial = load_results(folder)
    assert len(partial) == 4 and partial.attrs["missing"] == 8


def test_dry_run_prints_the_design(experiment_file):
    result = CliRunner().invoke(main, ["sweep", str(experiment_file), "--dry-run"])
    assert result.exit_code == 0, result.output
    for words in ("runs:       12", "factor:     problem.k = [0, 4]", "isolated (isolated)", "estimated:"):
        assert words in result.output


def test_large_designs_need_confirmation(experiment_file, tmp_path, monkeypatch):
    monkeypatch.setattr("cisim.cli.sweep.CONFIRM_ABOVE", 5)
    result = CliRunner().invoke(main, ["sweep", str(experiment_file), "--out", str(tmp_path / "o"), "--quiet"])
    assert result.exit_code == 2 and "error: " in result.output and "--yes" in result.output
    assert not (tmp_path / "o").exists()


def answer_the_prompt(args: list[str], keys: bytes) -> tuple[int, str]:
    """Run ``cisim ARGS`` in a terminal of its own (a pseudo-terminal) and type ``keys`` at its prompt."""
    import pty
    import select

    pid, terminal = pty.fork()
    if pid == 0:  # the child: cisim, with the pseudo-terminal as its controlling terminal
        signal.signal(signal.SIGINT, signal.SIG_DFL)  # a background job ignores Ctrl-C; a terminal's command does not
        os.execv(sys.executable, [sys.executable, "-m", "cisim", *args])
    output, typed, deadline = b"", False, time.monotonic() + 60
    while time.monotonic() < deadline:
        ready, _, _ = select.select([terminal], [], [], 1.0)
        if not ready:
            continue
        try:
            chunk = os.read(terminal, 4096)
        except OSError:  # the child has ended and closed the terminal
            break
        if not chunk:
            break
        output += chunk
        if not typed and b"Run them?" in output:
            # As a person would, once the question waits for an answer: a Ctrl-C that lands between the prompt
            # being written and input() waiting is only noticed at the next key (Python's readline loop).
            time.sleep(1.0)
            os.write(terminal, keys)
            typed = True
    else:
        os.kill(pid, signal.SIGKILL)
    _, status = os.waitpid(pid, 0)
    os.close(terminal)
    return os.waitstatus_to_exitcode(status), output.decode(errors="replace")


@pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX")
@pytest.mark.parametrize(
    ("keys", "status", "said"),
    [(b"n\r", 1, "nothing run (answered no)"), (b"\r", 1, "nothing run (answered no)"), (b"\x03", 130, "interrupted")],
    ids=["no", "enter", "ctrl-c"],
)
def test_answering_no_at_the_prompt_is_not_an_interruption(experiment_file, tmp_path, keys, status, said):
    """A deliberate no runs nothing and exits 1; Ctrl-C at the prompt is an interruption (130)."""
    folder = tmp_path / "o"
    args = ["sweep", str(experiment_file), "--replicates", "5001", "--out", str(folder), "--quiet"]  # 20,004 runs
    code, output = answer_the_prompt(args, keys)
    assert "The design has 20,004 runs. Run them? [y/N]" in output
    assert code == status, output
    assert said in output and "Traceback" not in output
    if status == 1:
        assert "interrupted" not in output
    assert not folder.exists()


def test_bad_experiment_file_on_the_command_line(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "b"\ndescription = "d"\nscenarios = ["complex"]\nreplicates = 0\n')
    result = subprocess.run([sys.executable, "-m", "cisim", "sweep", str(bad)], capture_output=True, text=True)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert f"{bad}: field 'replicates' = 0: expected a whole number of at least 1" in result.stderr


def test_python_api_sweeps_and_loads(experiment_file, tmp_path):
    frame = cisim.sweep(experiment_file, tmp_path / "api", executor="serial")
    assert len(frame) == 12
    assert cisim.load_results(tmp_path / "api").equals(frame)
    assert json.loads((tmp_path / "api" / "manifest.json").read_text())["status"] == "complete"


def test_workers_get_runs_in_batches_that_still_spread_a_short_sweep_over_every_worker():
    from cisim.experiments.sweep import MAX_BATCH, _batches, batch_size

    assert batch_size(None, 8) == MAX_BATCH
    assert batch_size(10_000, 8) == MAX_BATCH
    assert batch_size(40, 8) == 5  # 8 batches of 5: every batch slot filled
    assert batch_size(3, 8) == 1
    assert [len(b) for b in _batches(iter(range(10)), 4)] == [4, 4, 2]
    assert [x for b in _batches(iter(range(10)), 4) for x in b] == list(range(10))


def test_a_sweep_stopped_by_a_lost_cluster_says_what_happened_in_words(experiment_file, tmp_path, monkeypatch):
    """A Dask client whose scheduler is lost fails every run in flight with a CancelledError that has no message:
    the stop said 'CancelledError: ;'. It says what that means, with what is safe and how to resume."""
    from concurrent.futures import CancelledError, Future

    from cisim.experiments import executors

    def lost(self, fn, *args, **kwargs):
        future = Future()
        future.set_exception(CancelledError())
        return future

    monkeypatch.setattr(executors.SerialExecutor, "submit", lost)
    with pytest.raises(SweepError) as caught:
        run_sweep(load_experiment(experiment_file), tmp_path / "out", executor="serial")
    message = str(caught.value)
    assert "CancelledError: ;" not in message
    assert "cancelled (CancelledError: a Dask scheduler or its workers were lost)" in message
    assert "runs are safe on disk" in message and "--resume" in message
