"""What a sweep's worker process runs: one task, a pure function of its specification and seed.

Kept apart from the rest of the runner so that a worker imports only what a run needs.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
from dataclasses import dataclass
from multiprocessing.connection import wait
from typing import Any

import numpy as np

from cisim.experiments.runs import SUMMARY_COLUMNS, StopRule, run_model
from cisim.scenarios.scenario import Scenario


@dataclass(frozen=True)
class Task:
    """One run's specification: everything ``execute`` needs, and nothing else."""

    run_id: int
    seed: int
    scenario: Scenario
    steps: int | None
    stop: StopRule
    series: bool
    agents: bool
    error: str = ""  # set when the run's scenario could not be built: the run is recorded as failed


def execute(task: Task) -> dict[str, Any]:
    """Run one task; a run that raises is returned as failed with its error, never raised.

    The result holds the run's tables as plain values, which pass between processes far faster than data
    frames (a run of a dozen organizations takes about ten milliseconds): ``summaries``, one row as a dict;
    ``series``, one array per column (``run_id`` and ``step`` first), if kept; ``agents``, a frame, if kept.
    ``cisim.experiments.store.table_frame`` turns any of them into a data frame.
    """
    start = time.perf_counter()
    base = {"run_id": task.run_id, "seed": task.seed}
    try:
        if task.error:
            raise ValueError(task.error)
        result = run_model(task.scenario, task.seed, task.steps, stop=task.stop, agents=task.agents, columns=True)
    except Exception as error:  # recorded with its seed; the sweep goes on
        if interrupted(error):
            raise KeyboardInterrupt from None
        message = f"{type(error).__name__}: {error}"
        row = {"run_id": task.run_id, "status": "failed", "error": message, **dict.fromkeys(SUMMARY_COLUMNS, np.nan)}
        return {**base, "status": "failed", "error": message, "seconds": time.perf_counter() - start, "summaries": row}
    series = agents = None
    if task.series:
        series = {"run_id": np.full(len(result.series["step"]), task.run_id), **result.series}
    if task.agents and result.agents is not None:
        agents = result.agents
        agents.insert(0, "run_id", task.run_id)
    return {
        **base,
        "status": "done",
        "error": "",
        "seconds": time.perf_counter() - start,
        "summaries": {"run_id": task.run_id, "status": "done", "error": "", **result.summary},
        "series": series,
        "agents": agents,
    }


def interrupted(error: BaseException) -> bool:
    """Whether an error is Ctrl-C in disguise.

    A compiled function (numba) that Ctrl-C interrupts at the wrong moment returns with the KeyboardInterrupt
    set, and Python reports a SystemError caused by it: recorded as a failed run, it would keep the sweep
    going after its user asked it to stop.
    """
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, KeyboardInterrupt):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def execute_all(tasks: list[Task]) -> list[dict[str, Any]]:
    """Run a batch of tasks, one after another (``execute`` each): what a worker is sent at once."""
    return [execute(task) for task in tasks]


def start_worker() -> None:
    """What the pool runs in each worker as it starts: the main process's signal handlers undone, then ``watch_parent``.

    A worker forked from the main process (``cisim.experiments.executors.start_method``) inherits its signal
    handlers, and ``cisim``'s own turns SIGTERM into Ctrl-C so that the main process records what finished. A
    worker must instead end at once on SIGTERM and raise KeyboardInterrupt on Ctrl-C, as a freshly started
    Python does. A started (``spawn``) worker has those already; this changes nothing there.
    """
    for number in signal.valid_signals():
        handler = signal.getsignal(number)
        if callable(handler) and handler is not signal.default_int_handler:
            signal.signal(number, signal.default_int_handler if number == signal.SIGINT else signal.SIG_DFL)
    watch_parent()


def watch_parent() -> None:
    """End this worker process as soon as the process that started it dies, however it died.

    A sweep's main process that is killed (SIGKILL, a batch system's hard stop, a crash) cannot shut its
    pool down; without this its workers would run on, orphaned. The pool runs this in each worker as it
    starts (``start_worker``): a thread waits on the parent's sentinel, which the operating system closes
    when the parent dies.
    """
    parent = multiprocessing.parent_process()
    if parent is None:
        return
    threading.Thread(target=_exit_with, args=(parent.sentinel,), name="cisim-watch-parent", daemon=True).start()


def _exit_with(sentinel: int) -> None:
    wait([sentinel])
    os._exit(1)
