"""Running an experiment's design on any executor, streaming results to disk, resumable after a stop.

Every run is a pure function of its specification and seed (``execute``); seeds come from the design, by
position, never from completion order, so one experiment gives the same files under every executor and
any number of workers.
"""

from __future__ import annotations

import contextlib
import errno
import itertools
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Executor, Future, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from filelock import FileLock, Timeout

from cisim.experiments.design import Experiment
from cisim.experiments.executors import (
    ExecutorError,
    SerialExecutor,
    check_executor,
    default_workers,
    make_executor,
)
from cisim.experiments.store import (
    BlockWriter,
    DamagedResults,
    absolute_file,
    block_of,
    block_path,
    design_bytes,
    is_comparison,
    now,
    platform_info,
    read_design,
    read_manifest,
    read_status,
    resume_command,
    verify_blocks,
    write_manifest,
)
from cisim.experiments.worker import Task, execute_all
from cisim.files import claim, sha256, write_bytes
from cisim.scenarios.errors import ScenarioError
from cisim.scenarios.scenario import Scenario
from cisim.version import __version__

#: Errors of a disk or a folder (full, over quota, too large a file, read-only, refused, failing), as
#: opposed to a lost connection to a cluster, which is an ``OSError`` too.
DISK_ERRORS = {
    errno.ENOSPC,
    errno.EDQUOT,
    errno.EFBIG,
    errno.EROFS,
    errno.EACCES,
    errno.EPERM,
    errno.EIO,
    errno.ENOENT,
}

#: The lock file that keeps two sweeps from writing into one results folder at once.
LOCK = ".lock"


class SweepError(RuntimeError):
    """A sweep could not start or had to stop; the message says why and what to do."""


class SweepInterrupted(SweepError):
    """The sweep was interrupted (Ctrl-C); what finished is on disk and ``--resume`` continues it."""


class SweepStorageError(SweepError):
    """The results could not be written (a full disk, a folder made read-only); what finished is on disk."""


#: Runs sent to a worker in one message, at most. A run of a dozen organizations takes about ten milliseconds,
#: of the order of what the main process spends submitting a run and taking its result back; sent one at a
#: time, the workers would wait on the main process.
MAX_BATCH = 8


def run_tasks(
    tasks: Iterable[Task],
    executor: str = "serial",
    workers: int | None = None,
    scheduler: str | None = None,
    max_in_flight: int | None = None,
    total: int | None = None,
) -> Iterator[dict[str, Any]]:
    """Run tasks on an executor and yield each result as it finishes: the one way cisim runs many runs.

    Paired comparisons go through here; sweeps open their executor themselves (before their progress bar)
    and then do the same, ``run_batches`` with ``execute_all``. The executor is shut down when the iteration
    ends, is interrupted or raises.
    """
    if total is not None:
        workers = workers_for(total, workers, scheduler)
    with make_executor(executor, workers, scheduler) as pool:
        yield from run_batches(pool, execute_all, tasks, workers, max_in_flight, total)


def workers_for(runs: int, workers: int | None, scheduler: str | None = None) -> int | None:
    """Local worker processes to start for ``runs`` runs: never more than the runs.

    Each worker costs memory and start-up (``--workers 30`` for 4 runs started 30). An existing Dask cluster's
    workers are its own.
    """
    if scheduler:
        return workers
    return min(workers or default_workers(), max(runs, 1))


def run_batches(
    pool: Executor,
    function: Callable[[list[Any]], list[Any]],
    items: Iterable[Any],
    workers: int | None = None,
    max_in_flight: int | None = None,
    total: int | None = None,
) -> Iterator[Any]:
    """Send items to ``pool`` in batches, ``function(batch)`` each, and yield the results as batches finish.

    Worker processes get their items in batches (up to ``MAX_BATCH``, fewer when ``total``, the number of
    items, would not give every worker several batches), and at most ``max_in_flight`` batches (default: 4
    per worker) are submitted and unfinished at once, so memory stays flat however many items there are; in
    series (a ``SerialExecutor``), items run one at a time, so that Ctrl-C stops the next. Results come in
    the order batches finish: each must say which item it belongs to. ``function`` must be picklable (a
    module-level function, or a ``functools.partial`` of one) for a pool of processes.
    """
    if isinstance(pool, SerialExecutor):  # each item runs as it is submitted: one at a time, so Ctrl-C stops at once
        limit, size = 1, 1
    else:
        limit = max_in_flight or 4 * (workers or default_workers())
        size = batch_size(total, limit)
    yield from _bounded(pool, function, _batches(iter(items), size), limit)


def batch_size(total: int | None, in_flight: int) -> int:
    """Tasks per batch: ``MAX_BATCH``, or fewer so that ``total`` tasks still fill ``in_flight`` batches."""
    if total is None:
        return MAX_BATCH
    return max(1, min(MAX_BATCH, total // in_flight))


def _batches(items: Iterator[Any], size: int) -> Iterator[list[Any]]:
    while batch := list(itertools.islice(items, size)):
        yield batch


@dataclass(frozen=True)
class SweepReport:
    """What a sweep (or one session of it) did."""

    folder: Path
    runs: int
    done: int
    failed: int
    ran_now: int
    seconds: float
    workers: int = 1  # what the runs ran on: worker processes, or an existing Dask cluster's worker threads


def run_sweep(
    experiment: Experiment,
    folder: Path,
    executor: str = "processes",
    workers: int | None = None,
    scheduler: str | None = None,
    resume: bool = False,
    max_in_flight: int | None = None,
    progress: Callable[[int], Any] | None = None,
) -> SweepReport:
    """Run (or resume) an experiment into ``folder``.

    Args:
        experiment: the validated experiment.
        folder: the results folder.
        executor: ``serial``, ``processes`` or ``dask`` (see ``cisim.experiments.executors``).
        workers: worker processes (default: all cores).
        scheduler: address of a running Dask scheduler.
        resume: continue a stopped sweep in ``folder``: only missing runs are run.
        max_in_flight: batches of runs submitted but not finished, at most (default: 4 per worker; in series, one).
        progress: called with the number of runs to do; returns a bar with ``update(n)``,
            ``set_postfix_str(text)`` and ``close()`` (e.g. ``tqdm``), or None.

    Raises:
        SweepError: the folder holds another sweep, the experiment changed since, or workers crashed.
        SweepInterrupted: on Ctrl-C, after recording what finished.
    """
    try:
        check_executor(executor, scheduler)
    except ExecutorError as error:
        raise SweepError(str(error)) from None
    design = experiment.design()
    workers = 1 if executor == "serial" else (workers or default_workers())
    folder.mkdir(parents=True, exist_ok=True)
    lock = FileLock(folder / LOCK)
    try:
        lock.acquire(timeout=0)
    except Timeout:
        raise SweepError(
            f"{folder}: another cisim sweep is writing to this folder now (it holds {folder / LOCK}); "
            "wait for it to finish or stop it, then run again with --resume"
        ) from None
    claim(folder)  # the lock makes this the folder's one writer; _prepare refuses another sweep's folder
    try:
        return _run_locked(experiment, design, folder, executor, workers, scheduler, resume, max_in_flight, progress)
    finally:
        lock.release()


def _run_locked(
    experiment: Experiment,
    design: pd.DataFrame,
    folder: Path,
    executor: str,
    workers: int,
    scheduler: str | None,
    resume: bool,
    max_in_flight: int | None,
    progress: Callable[[int], Any] | None,
) -> SweepReport:
    _prepare(experiment, design, folder, resume)
    block_size = experiment.block_size
    verified = verify_blocks(folder, len(design), block_size)
    todo = [int(r) for r in design["run_id"] if block_of(int(r), block_size) not in verified.complete]
    if executor != "serial":
        workers = workers_for(len(todo), workers, scheduler)
    manifest = read_manifest(folder)
    session = {
        "started": now(),
        "executor": executor,
        "workers": workers,
        "scheduler": scheduler,
        "runs_to_do": len(todo),
    }
    if verified.damaged:
        session["damaged_blocks"] = {str(b): reason for b, reason in verified.damaged.items()}
    manifest.setdefault("sessions", []).append(session)
    manifest["status"] = "running"
    write_manifest(folder, manifest)

    writer = BlockWriter(folder, block_size, len(design))
    writer.expect(todo)
    rows = design.set_index("run_id")
    bar = None
    # Runs of this session safe on disk: counted when their block is written, as --resume and the message on
    # a stop count them (a run whose block is still open is lost on a stop and runs again).
    done_now = failed_now = 0
    open_blocks: dict[int, list[int]] = {}  # per block not written yet: its runs done and failed so far
    failed_seen = 0  # for the progress bar: every failed run, written or not
    started = time.perf_counter()

    # The replicates of a design point under one arm share their scenario, and come one after another in the
    # design: each is built once, and only the last few are kept.
    built: dict[tuple[Any, ...], Scenario] = {}

    def scenario_of(row: dict[str, Any]) -> Scenario:
        key = (row["scenario_index"], row["point"], row["arm"])
        if key not in built:
            if len(built) >= 64:
                built.clear()
            built[key] = experiment.scenario_for(row)
        return built[key]

    def tasks() -> Iterator[Task]:
        for run_id in todo:
            row = {"run_id": run_id, **rows.loc[run_id].to_dict()}
            try:
                scenario, error = scenario_of(row), ""
            except ScenarioError as problem:  # recorded as a failed run with its reason; the sweep goes on
                scenario, error = experiment.scenarios[int(row["scenario_index"])], "; ".join(problem.problems)
            yield Task(
                run_id,
                int(row["seed"]),
                scenario,
                experiment.steps,
                experiment.stop,
                experiment.series,
                experiment.agents,
                error,
            )

    outcome = "complete"
    try:
        # The executor before the progress bar: a bar may start a thread (tqdm's monitor), and worker processes
        # fork only from a process that runs one thread (``cisim.experiments.executors.start_method``).
        with make_executor(executor, workers, scheduler) as pool:
            if getattr(pool, "workers", None):  # an existing Dask cluster: its own workers, not the ones asked for
                workers = session["workers"] = int(pool.workers)
            bar = progress(len(todo)) if progress else None
            for result in run_batches(pool, execute_all, tasks(), workers, max_in_flight, total=len(todo)):
                block = block_of(int(result["run_id"]), block_size)
                tally = open_blocks.setdefault(block, [0, 0])
                tally[0] += result["status"] == "done"
                tally[1] += result["status"] == "failed"
                failed_seen += result["status"] == "failed"
                writer.add(result)
                if block not in writer.expected:  # the writer wrote the block: its runs are safe on disk
                    done, failed = open_blocks.pop(block)
                    done_now, failed_now = done_now + done, failed_now + failed
                if bar is not None:
                    bar.update(1)
                    if failed_seen:
                        bar.set_postfix_str(f"{failed_seen} failed")
    except KeyboardInterrupt:
        outcome = "interrupted"
        raise SweepInterrupted(_stopped_message(folder, "interrupted")) from None
    except SweepError:
        outcome = "stopped"
        raise
    except OSError as error:  # the results folder: a full disk, made read-only, removed
        outcome = "stopped"
        if error.filename is None and error.errno not in DISK_ERRORS:  # a connection (a Dask scheduler lost)
            raise SweepError(_stopped_message(folder, f"stopped: {error.strerror or error}")) from None
        reason = f"cannot write {error.filename or folder}: {error.strerror or error}"
        raise SweepStorageError(_stopped_message(folder, f"stopped ({reason})")) from None
    except Exception as error:  # a crashed worker or a lost cluster: nothing finished is lost
        outcome = "stopped"
        raise SweepError(_stopped_message(folder, f"stopped: {_what_stopped(error)}")) from None
    finally:
        if bar is not None:
            bar.close()
        # The disk that stopped the sweep may refuse the manifest too; the status log holds the runs.
        with contextlib.suppress(OSError):
            _close_session(folder, session, outcome, time.perf_counter() - started, done_now, failed_now)
    status = verify_blocks(folder, len(design), block_size).runs_done(block_size)
    return SweepReport(
        folder,
        len(design),
        sum(s["status"] == "done" for s in status.values()),
        sum(s["status"] == "failed" for s in status.values()),
        len(todo),
        time.perf_counter() - started,
        workers,
    )


def _bounded(
    pool: Executor, function: Callable[[list[Any]], list[Any]], batches: Iterator[list[Any]], limit: int
) -> Iterator[Any]:
    """Submit ``function(batch)`` for each batch keeping at most ``limit`` in flight; yield results as they finish."""
    in_flight: set[Future] = set()
    try:
        for batch in batches:
            if len(in_flight) >= limit:
                finished, in_flight = wait(in_flight, return_when=FIRST_COMPLETED)
                for future in finished:
                    yield from future.result()
            in_flight.add(pool.submit(function, batch))
        while in_flight:
            finished, in_flight = wait(in_flight, return_when=FIRST_COMPLETED)
            for future in finished:
                yield from future.result()
    finally:
        for future in in_flight:
            future.cancel()


def _prepare(experiment: Experiment, design: pd.DataFrame, folder: Path, resume: bool) -> None:
    """Write the design and manifest before any run, or check that a resumed sweep is the same one.

    On ``--resume`` a manifest or design that is missing or damaged (a kill as the sweep started, a cut-off
    file, an edit) is rebuilt from the experiment file, when the runs already on disk show they come from the
    same design; otherwise the message says what differs.
    """
    if not resume:
        if (folder / "design.parquet").exists() or (folder / "manifest.json").exists():
            raise SweepError(
                f"{folder} already holds a sweep or comparison: continue it with {resume_command(folder)}, or "
                "choose another --out"
            )
        _write_design(folder, design)
        write_manifest(folder, _new_manifest(experiment, design))
        return
    if not any((folder / name).exists() for name in ("design.parquet", "manifest.json", "status.jsonl")):
        raise SweepError(f"{folder}: nothing to resume (no design.parquet); run without --resume to start")
    try:
        manifest: dict[str, Any] | None = read_manifest(folder)
    except DamagedResults:
        manifest = None
    if manifest is not None:
        _check_same_sweep(experiment, manifest, folder)
    try:
        on_disk: pd.DataFrame | None = read_design(folder, manifest)
    except DamagedResults:
        on_disk = None
    if on_disk is not None and not on_disk.equals(design):
        raise SweepError(
            f"{folder}: refusing to resume: the design differs from the one on disk. Start a new sweep in another "
            "folder (--out), or restore the files."
        )
    if manifest is None:
        _check_recorded_seeds(design, folder)
        _check_a_recorded_run(experiment, design, folder)
        manifest = {**_new_manifest(experiment, design), "status": "rebuilt", "rebuilt": now()}
    if on_disk is None:
        _check_recorded_seeds(design, folder)
        _write_design(folder, design)
    manifest["design_sha256"] = sha256((folder / "design.parquet").read_bytes())
    write_manifest(folder, manifest)


def _check_same_sweep(experiment: Experiment, manifest: dict[str, Any], folder: Path) -> None:
    """Refuse to resume when the experiment, a scenario or a command-line option differs from the sweep's."""
    held, given = is_comparison(manifest.get("options")), is_comparison(experiment.options)
    if held != given:  # one command resuming the other's folder: every option would differ; say what it holds
        recorded = manifest.get("experiment", {})
        name = recorded.get("name") if isinstance(recorded, dict) else None
        what = "a comparison (cisim compare)" if held else f"the sweep {name!r} (cisim sweep)"
        raise SweepError(
            f"{folder}: refusing to resume: the folder holds {what}, not {'a comparison' if given else 'a sweep'}; "
            f"continue it with: {resume_command(folder)}"
        )
    recorded = manifest.get("scenarios")
    held_names = [s.get("name") for s in recorded if isinstance(s, dict)] if isinstance(recorded, list) else []
    given_names = [s.name for s in experiment.scenarios]
    if held and given and held_names and held_names != given_names:  # two comparisons: say which scenarios
        raise SweepError(
            f"{folder}: refusing to resume: the folder holds a comparison of the scenario {held_names[0]!r}, not of "
            f"{given_names[0]!r}; continue it with: {resume_command(folder)}, or give another --out to compare "
            f"{given_names[0]!r}"
        )
    other = _other_experiment(experiment, manifest.get("experiment", {}))
    if other:
        raise SweepError(
            f"{folder}: refusing to resume: the folder holds a sweep of {other}, not of {experiment.name!r} "
            f"({experiment.source}); --resume needs the experiment that sweep started with, or give another --out "
            f"to sweep {experiment.name!r}"
        )
    changed = []
    if manifest.get("experiment", {}).get("sha256") != experiment.sha256:
        changed.append(f"the experiment file {experiment.source} changed since the sweep started")
    options = _options(experiment)
    started = manifest.get("options", options)
    before = manifest.get("scenario_hashes", {})
    if list(started.get("overrides", [])) == options["overrides"]:  # else --set explains the change (below)
        for name, digest in experiment.scenario_hashes().items():
            if before.get(name) != digest:
                changed.append(f"scenario {name!r} changed since the sweep started")
    for option in ("replicates", "steps", "seed", "arm"):
        if option in options and started.get(option) != options[option]:
            changed.append(
                f"--{option} is {_given(options[option])} now, {_given(started.get(option))} when it started"
            )
    if list(started.get("overrides", [])) != options["overrides"]:
        changed.append(
            f"--set is {_given(options['overrides'])} now, {_given(started.get('overrides'))} when it started"
        )
    # A sweep started before factors named their arms applied every factor to every arm.
    every_arm = [arm["name"] for arm in manifest.get("arms", [])]
    applied = manifest.get("factor_arms", dict.fromkeys(manifest.get("factors", []), every_arm))
    if applied != _factor_arms(experiment):
        changed.append(f"the arms each factor applies to differ (the sweep started with {applied})")
    if changed:
        kind = "comparison" if given else "sweep"
        raise SweepError(
            f"{folder}: refusing to resume: "
            + "; ".join(changed)
            + f". Give the options the {kind} started with, start a new {kind} in another folder (--out), or "
            "restore the files."
        )


def _other_experiment(experiment: Experiment, recorded: Any) -> str:
    """The experiment a folder's sweep ran, in words, when it is not ``experiment`` (another name or file); else ""."""
    if not isinstance(recorded, dict) or recorded.get("sha256") == experiment.sha256:
        return ""  # the same experiment file (a copy of it elsewhere resumes the same sweep)
    name, path = recorded.get("name"), recorded.get("path")
    another_file = False
    if isinstance(path, str) and path:
        with contextlib.suppress(OSError, ValueError):  # a file moved since, or given from another folder: unknown
            another_file = Path(path).is_file() and not Path(path).samefile(experiment.source)
    if name == experiment.name and not another_file:
        return ""  # the same experiment, edited: said as a change
    return f"the experiment {name!r}" + (f" (file {path})" if isinstance(path, str) and path else "")


def _given(value: Any) -> str:
    if value is None or value == []:
        return "not given"
    return " ".join(map(str, value)) if isinstance(value, list) else str(value)


def _check_recorded_seeds(design: pd.DataFrame, folder: Path) -> None:
    """Before rebuilding a manifest or design: the runs on disk must be runs of this design (same seeds)."""
    seeds = dict(zip(design["run_id"].tolist(), design["seed"].tolist(), strict=True))
    wrong = [r for r, entry in read_status(folder).items() if seeds.get(r) != entry.get("seed")]
    if wrong:
        raise SweepError(
            f"{folder}: refusing to resume: its manifest or design is damaged, and {len(wrong):,} runs on disk "
            f"(run {wrong[0]} first) have seeds this experiment does not give them, so they come from another "
            "design. Start a new sweep in another folder (--out)."
        )


def _check_a_recorded_run(experiment: Experiment, design: pd.DataFrame, folder: Path) -> None:
    """Before rebuilding a lost manifest: one finished run, run again with these options, must come out as on disk.

    The manifest held the options the sweep started with (``--steps``, ``--set``); without it the seeds alone
    cannot tell a resume with other options from the same sweep, which would then mix runs of two designs in one
    folder under a manifest naming only the second. A run gives the same numbers for the same seed and scenario
    on every executor, so one run (the first finished one whose summaries block can be read) settles it.
    """
    status = read_status(folder)
    done = sorted(run for run, entry in status.items() if entry.get("status") == "done")
    rows = design.set_index("run_id")
    unreadable: set[int] = set()
    for run_id in done:
        number = block_of(run_id, experiment.block_size)
        if number in unreadable:
            continue
        try:
            block = pd.read_parquet(folder / block_path("summaries", number))
            recorded = block[block["run_id"] == run_id].iloc[0]
        except (OSError, ValueError, KeyError, IndexError):  # a damaged block: resume reruns it anyway
            unreadable.add(number)
            continue
        row = {"run_id": run_id, **rows.loc[run_id].to_dict()}
        try:
            scenario = experiment.scenario_for(row)
        except ScenarioError:
            return  # a run these options cannot build: the resume records it as failed, as the sweep would
        task = Task(run_id, int(row["seed"]), scenario, experiment.steps, experiment.stop, False, False)
        [again] = execute_all([task])
        for column in ("final_outcome", "outcome_auc", "total_spend", "candidates_evaluated"):
            before, given = recorded.get(column), again["summaries"].get(column)
            if before is None or given is None or (pd.isna(before) and pd.isna(given)) or before == given:
                continue
            raise SweepError(
                f"{folder}: refusing to resume: its manifest is gone, and run {run_id} on disk does not come out "
                f"the same with the options given now ({column.replace('_', ' ')} {before:.6g} on disk, "
                f"{given:.6g} now), so the runs on disk were made with other options (--steps, --set). Resume with "
                "the options the sweep started with, or start a new sweep in another folder (--out)."
            )
        return


def _write_design(folder: Path, design: pd.DataFrame) -> None:
    write_bytes(folder / "design.parquet", design_bytes(design), durable=True)


def _new_manifest(experiment: Experiment, design: pd.DataFrame) -> dict[str, Any]:
    return {
        "cisim_version": __version__,
        "experiment": {
            "name": experiment.name,
            "description": experiment.description,
            "path": absolute_file(experiment.source),  # the resume command it suggests works from any folder
            "sha256": experiment.sha256,
            "baseline": experiment.baseline,
        },
        "scenarios": [{"name": s.name, "path": s.source, "values": s.values} for s in experiment.scenarios],
        "scenario_hashes": experiment.scenario_hashes(),
        "seed": experiment.seed,
        "replicates": experiment.replicates,
        "options": _options(experiment),
        "arms": experiment.arm_levels(),  # with the factors that apply to each and the levels it holds
        "factors": experiment.factor_keys,
        "factor_arms": _factor_arms(experiment),
        "grid": experiment.factors,
        "sample": experiment.sample,
        "runs": len(design),
        "block_size": experiment.block_size,
        "design_sha256": sha256(design_bytes(design)),
        "platform": platform_info(),
        "created": now(),
        "status": "created",
    }


def _factor_arms(experiment: Experiment) -> dict[str, list[str]]:
    """Each factor with the names of the arms it applies to, as the manifest records them."""
    return {key: list(experiment.arms_of(key)) for key in experiment.factor_keys}


def _options(experiment: Experiment) -> dict[str, Any]:
    """What the command line changed (--replicates, --steps, --set; a comparison's --seed and --arm too).

    A resume must give the same.
    """
    given = experiment.options
    options = {
        "replicates": given.get("replicates"),
        "steps": given.get("steps"),
        "overrides": list(given.get("overrides", [])),
    }
    options.update({option: given[option] for option in ("seed", "arm") if option in given})  # a comparison's
    return options


def _what_stopped(error: BaseException) -> str:
    """An error that stopped a sweep, in words: its kind and message, or, with no message, what it means."""
    name = type(error).__name__
    if str(error).strip():
        return f"{name}: {error}"
    if name == "CancelledError":  # what a Dask client raises for every run in flight when its scheduler is lost
        return "the runs in flight were cancelled (CancelledError: a Dask scheduler or its workers were lost)"
    return f"{name} (with no message)"


def _stopped_message(folder: Path, what: str) -> str:
    status = read_status(folder)
    return (
        f"sweep {what}; {len(status)} runs are safe on disk in {folder}. Continue with the same command and --resume."
    )


def _close_session(folder: Path, session: dict[str, Any], outcome: str, seconds: float, done: int, failed: int) -> None:
    """Record a session's end: its runs safe on disk (``done``, ``failed``), and the whole sweep's statistics.

    The statistics are of the whole sweep, every session so far: the runs on disk, the sessions' seconds
    summed (``elapsed_seconds``) and the runs the sessions finished per second of that time (``runs_per_second``;
    a session killed before it could record its time counts in neither).
    """
    manifest = read_manifest(folder)
    status = read_status(folder)
    session.update(finished=now(), outcome=outcome, seconds=round(seconds, 3), runs_done=done, runs_failed=failed)
    manifest["sessions"][-1] = session
    finished_runs = [s for s in status.values() if s["status"] in ("done", "failed")]
    per_run = [s["seconds"] for s in finished_runs]
    manifest["status"] = "complete" if outcome == "complete" and len(status) == manifest["runs"] else outcome
    elapsed = sum(s.get("seconds", 0.0) for s in manifest["sessions"])
    # The rate counts only sessions that recorded their time: a killed session records none, and its runs over
    # the others' seconds would make the sweep look several times faster than it ran.
    timed = [s for s in manifest["sessions"] if s.get("seconds")]
    timed_runs = sum(s.get("runs_done", 0) + s.get("runs_failed", 0) for s in timed)
    manifest["statistics"] = {
        "cores": platform_info()["cores"],
        "runs": manifest["runs"],
        "done": sum(s["status"] == "done" for s in status.values()),
        "failed": sum(s["status"] == "failed" for s in status.values()),
        "elapsed_seconds": round(elapsed, 3),
        "mean_seconds_per_run": round(float(np.mean(per_run)), 4) if per_run else None,
        "runs_per_second": round(timed_runs / elapsed, 3) if elapsed > 0 else None,
    }
    manifest["failures"] = [
        {"run_id": s["run_id"], "seed": s["seed"], "error": s["error"]}
        for s in finished_runs
        if s["status"] == "failed"
    ]
    write_manifest(folder, manifest)
