"""The results folder: blocks verified on resume and on load, one writer at a time, no orphaned workers."""

import errno
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
from click.testing import CliRunner
from filelock import FileLock

from cisim.cli import main
from cisim.experiments.design import load_experiment
from cisim.experiments.store import (
    IncompleteResultsError,
    IncompleteResultsWarning,
    TableNotKept,
    load_results,
    read_manifest,
    read_status,
)
from cisim.experiments.sweep import LOCK, SweepError, run_sweep
from tests.experiments.test_sweep import result_files, slow_sweep, wait_for_runs


@pytest.fixture
def finished(experiment_file, tmp_path):
    """The tiny experiment swept to the end (12 runs in blocks of 4), and the files it made."""
    folder = tmp_path / "out"
    run_sweep(load_experiment(experiment_file), folder, executor="serial")
    return folder, result_files(folder)


def resume(experiment_file: Path, folder: Path) -> str:
    result = CliRunner().invoke(
        main, ["sweep", str(experiment_file), "--out", str(folder), "--executor", "serial", "--resume", "--quiet"]
    )
    assert result.exit_code == 0, result.output
    return result.output


def test_the_status_log_records_each_block_file_with_size_and_hash(finished):
    folder, _ = finished
    import json

    records = [json.loads(line) for line in (folder / "status.jsonl").read_text().splitlines() if '"block"' in line]
    assert [r["block"] for r in records] == [0, 1, 2]
    for record in records:
        assert set(record["files"]) == {
            f"{t}/block-{record['block']:06d}.parquet" for t in ("summaries", "series", "agents")
        }
        for relative, entry in record["files"].items():
            assert (folder / relative).stat().st_size == entry["size"] and len(entry["sha256"]) == 64


def test_a_table_the_sweep_did_not_keep_has_no_folder_and_asking_for_it_says_how_to_get_it(experiment_file, tmp_path):
    from cisim.analysis.results import Results

    experiment_file.write_text(experiment_file.read_text().replace("agents = true", "agents = false"))
    folder = tmp_path / "out"
    run_sweep(load_experiment(experiment_file), folder, executor="serial")
    assert sorted(p.name for p in folder.iterdir() if p.is_dir()) == ["series", "summaries"]
    assert len(load_results(folder, "series")) == 12 * 13  # 12 runs, steps 0 to 12
    with pytest.raises(TableNotKept, match=r"did not keep the agents table .*outputs\.agents = true"):
        load_results(folder, "agents")
    experiment_file.write_text(experiment_file.read_text().replace("series = true", "series = false"))
    bare = tmp_path / "bare"
    run_sweep(load_experiment(experiment_file), bare, executor="serial")
    assert sorted(p.name for p in bare.iterdir() if p.is_dir()) == ["summaries"]
    with pytest.raises(TableNotKept, match=r"outputs\.series = true"):
        load_results(bare, "series")
    assert Results.load(bare).series.empty  # the analysis reads a sweep without series as before


@pytest.mark.parametrize("damage", ["flip", "truncate", "delete"])
def test_a_damaged_or_deleted_block_is_reported_on_load_and_recomputed_on_resume(experiment_file, finished, damage):
    folder, reference = finished
    block = folder / "summaries" / "block-000001.parquet"
    data = bytearray(block.read_bytes())
    if damage == "flip":
        data[len(data) // 2] ^= 0xFF
        block.write_bytes(bytes(data))
    elif damage == "truncate":
        block.write_bytes(bytes(data[:100]))
    else:
        block.unlink()
    with pytest.warns(
        IncompleteResultsWarning, match=r"4 of 12 runs are missing, damaged on disk: block 1 \(runs 4 to 7\)"
    ):
        frame = load_results(folder)
    assert len(frame) == 8 and frame.attrs["missing"] == 4 and set(frame.attrs["damaged"]) == {1}
    assert not frame["run_id"].between(4, 7).any()
    with pytest.raises(IncompleteResultsError, match="--resume"):
        load_results(folder, incomplete="error")
    assert "4 ran now" in resume(experiment_file, folder)
    assert result_files(folder) == reference
    assert len(load_results(folder, incomplete="error")) == 12


def test_resume_after_a_kill_between_writing_a_block_and_recording_it(experiment_file, finished):
    folder, reference = finished
    lines = (folder / "status.jsonl").read_text().splitlines()
    (folder / "status.jsonl").write_text("\n".join(lines[:-1]) + "\n")  # the last block's record never made it
    with pytest.warns(IncompleteResultsWarning, match="4 of 12 runs are missing"):
        load_results(folder)
    assert "4 ran now" in resume(experiment_file, folder)
    assert result_files(folder) == reference


def test_a_sweep_refuses_a_folder_another_sweep_is_writing(experiment_file, finished):
    folder, reference = finished
    with FileLock(folder / LOCK), pytest.raises(SweepError, match="another cisim sweep is writing to this folder"):
        run_sweep(load_experiment(experiment_file), folder, executor="serial", resume=True)
    assert result_files(folder) == reference


def test_a_full_disk_stops_the_sweep_plainly_and_resume_finishes_it(experiment_file, finished, tmp_path, monkeypatch):
    _, reference = finished
    folder = tmp_path / "full"
    calls = []
    real_fsync = os.fsync

    def fsync(fd):
        calls.append(fd)
        if len(calls) == 6:  # the design, block 0 (three files and the log), then the first file of block 1
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    args = ["sweep", str(experiment_file), "--out", str(folder), "--executor", "serial", "--quiet"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2, result.output
    assert "error: sweep stopped (cannot write" in result.output and "No space left on device" in result.output
    assert "--resume" in result.output and "Traceback" not in result.output
    assert sorted(str(p.relative_to(folder)) for p in folder.rglob("*.tmp*")) == []
    assert len(read_status(folder)) == 4
    monkeypatch.setattr(os, "fsync", real_fsync)
    assert "8 ran now" in resume(experiment_file, folder)
    assert result_files(folder) == reference


def children_of(pid: int) -> list[psutil.Process]:
    return psutil.Process(pid).children(recursive=True)


def gone(processes: list[psutil.Process], timeout: float = 20) -> list[int]:
    """The processes still running (not ended, not zombies) after waiting up to ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    alive = processes
    while alive and time.monotonic() < deadline:
        alive = [p for p in alive if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
        time.sleep(0.1)
    return [p.pid for p in alive]


@pytest.mark.slow
@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
def test_killing_the_main_process_leaves_no_worker_running(experiment_file, tmp_path, how):
    folder = tmp_path / "out"
    command = [*slow_sweep(experiment_file, folder), "--workers", "2"]
    command[command.index("serial")] = "processes"
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wait_for_runs(folder, 4, process)
    workers = children_of(process.pid)
    assert len(workers) >= 2, "the sweep should be running on worker processes"
    if sys.platform == "linux":  # forked from the sweep's own process (executors.start_method): its command line
        assert {tuple(w.cmdline()) for w in workers} == {tuple(psutil.Process(process.pid).cmdline())}
    process.send_signal(how)
    _, stderr = process.communicate(timeout=60)
    assert gone(workers) == []
    if how == signal.SIGTERM:  # stopped as Ctrl-C stops it: what finished is recorded
        assert process.returncode == 130 and "--resume" in stderr
        assert read_manifest(folder)["status"] == "interrupted"


@pytest.mark.slow
def test_two_resumes_at_once_cannot_both_write(experiment_file, tmp_path):
    folder = tmp_path / "out"
    command = slow_sweep(experiment_file, folder)
    # Long enough that the first resume still runs when the second has started (about 10 s serial).
    experiment_file.write_text(experiment_file.read_text().replace('"run.steps" = [300]', '"run.steps" = [900]'))
    uninterrupted = tmp_path / "whole"
    run_sweep(load_experiment(experiment_file), uninterrupted, executor="serial")
    first = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for_runs(folder, 4, first)
    first.send_signal(signal.SIGKILL)
    first.wait()
    resumed = subprocess.Popen([*command, "--resume"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    before = len(read_status(folder))
    deadline = time.monotonic() + 60
    while len(read_status(folder)) == before and time.monotonic() < deadline:
        time.sleep(0.02)
    second = subprocess.run([*command, "--resume"], capture_output=True, text=True)
    assert second.returncode == 2 and "error: " in second.stderr
    assert "another cisim sweep is writing to this folder" in second.stderr and "Traceback" not in second.stderr
    assert resumed.wait(timeout=120) == 0
    assert result_files(folder) == result_files(uninterrupted)


#: Kill-and-resume cycles in one test, alternating SIGKILL and SIGTERM, serial and worker processes.
CYCLES = 6


@pytest.mark.slow
def test_many_kills_and_resumes_give_the_files_of_an_uninterrupted_sweep(experiment_file, tmp_path):
    folder = tmp_path / "out"
    command = slow_sweep(experiment_file, folder)
    uninterrupted = tmp_path / "whole"
    run_sweep(load_experiment(experiment_file), uninterrupted, executor="serial")
    passed = 0
    for cycle in range(CYCLES):
        args = [*command, *(["--resume"] if cycle else [])]
        if cycle % 2:
            args[args.index("serial")] = "processes"
        process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for_runs(folder, 4 + 4 * cycle, process)
        workers = children_of(process.pid) if process.poll() is None else []
        process.send_signal(signal.SIGKILL if cycle % 3 != 2 else signal.SIGTERM)
        process.wait(timeout=60)
        assert gone(workers) == []
        passed += 1
    assert len(read_status(folder)) < 48, "the last kill should still have come part-way"
    final = subprocess.run([*command, "--resume"], capture_output=True, text=True, timeout=300)
    assert final.returncode == 0, final.stderr
    assert result_files(folder) == result_files(uninterrupted)
    assert len(load_results(folder, incomplete="error")) == 48
    assert passed == CYCLES


def test_the_suggested_resume_repeats_the_options_the_sweep_started_with_and_works_from_anywhere(
    experiment_file, tmp_path, monkeypatch
):
    """A sweep started with --replicates, --steps and --set must be resumed with them: the hint says them all."""
    import shlex

    folder = tmp_path / "out"
    options = ["--replicates", "2", "--steps", "3", "--set", "organizations.budget=50"]
    started = CliRunner().invoke(
        main, ["sweep", str(experiment_file), "--out", str(folder), "--executor", "serial", "--quiet", *options]
    )
    assert started.exit_code == 0, started.output
    lines = (folder / "status.jsonl").read_text().splitlines()
    (folder / "status.jsonl").write_text("\n".join(lines[:-1]) + "\n")  # as if stopped before the last block
    monkeypatch.chdir(tmp_path / "scenarios")  # another folder than the one the sweep started in
    with pytest.warns(IncompleteResultsWarning) as caught:
        load_results(folder)
    command = str(caught[0].message).split("complete them with `")[1].split("`")[0]
    words = shlex.split(command)
    assert words[:3] == ["cisim", "sweep", str(experiment_file)] and words[-3:] == ["--out", str(folder), "--resume"]
    assert " ".join(options) in " ".join(words)
    resumed = CliRunner().invoke(main, [*words[1:], "--executor", "serial", "--quiet"])
    assert resumed.exit_code == 0 and "ran now" in resumed.output, resumed.output


def test_a_manifest_that_cannot_be_read_is_not_called_damaged(finished, monkeypatch):
    """Rebuilding a manifest one may not read is no answer: the message says to check its permissions."""
    from cisim.experiments.store import DamagedResults

    folder, _ = finished
    real = Path.read_bytes

    def read_bytes(path: Path) -> bytes:
        if path.name == "manifest.json":
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    with pytest.raises(DamagedResults, match=r"manifest\.json: cannot be read \(Permission denied\); .*permissions"):
        load_results(folder)
