"""Shared fixtures: small, fast scenarios built from the schema's defaults."""

from __future__ import annotations

import contextlib
import os
import tempfile
import time
from pathlib import Path

import numpy as np
import pytest

from cisim.experiments import replicate_seeds, run_model
from cisim.scenarios import Scenario, default_scenario


@pytest.fixture
def small() -> Scenario:
    """A small complex problem that runs in a fraction of a second."""
    return default_scenario().with_values(problem__n_elements=10, organizations__n_organizations=8, run__steps=25)


def paired_means(
    first: Scenario, second: Scenario, column: str, replicates: int = 10, seed: int = 11, how: str = "mean"
) -> tuple[float, float, float]:
    """Mean of ``column`` (over steps, or its last value) under two scenarios over paired replicates.

    Returns both means and the half-width of the 95 % t-interval of the paired difference.
    """
    from scipy import stats

    first_values, second_values = [], []
    for replicate_seed in replicate_seeds(seed, replicates):
        for scenario, values in ((first, first_values), (second, second_values)):
            series = run_model(scenario, replicate_seed).series[column]
            values.append(series.mean() if how == "mean" else series.iloc[-1])
    differences = np.array(second_values) - np.array(first_values)
    half = stats.t.ppf(0.975, replicates - 1) * differences.std(ddof=1) / np.sqrt(replicates)
    return float(np.mean(first_values)), float(np.mean(second_values)), float(half)


def paired_interval(second, first, confidence: float = 0.95) -> tuple[float, float, float]:
    """Mean of the paired differences ``second - first`` and its t-interval (replicate by replicate)."""
    from scipy import stats

    differences = np.asarray(second, dtype=float) - np.asarray(first, dtype=float)
    mean = float(differences.mean())
    half = float(
        stats.t.ppf(0.5 + confidence / 2, len(differences) - 1) * differences.std(ddof=1) / np.sqrt(len(differences))
    )
    return mean, mean - half, mean + half


# Tests that time themselves against an estimate made moments before (`alone`-marked) need the cores to
# themselves. Under pytest-xdist, which CI uses, every test holds a shared lock while it runs (its fixtures'
# setup and teardown included) and an `alone` test holds it exclusively: it first leaves a note that it is
# waiting (a file it keeps locked), the other workers start nothing new while such a note is locked, and it runs
# once their current tests end.
# Without xdist, or without fcntl (Windows), tests run as they come.
try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None


@contextlib.contextmanager
def _turn(item):
    run = os.environ.get("PYTEST_XDIST_TESTRUNUID")
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if fcntl is None or not run or not worker:
        yield
        return
    folder = Path(tempfile.gettempdir()) / f"cisim-tests-{run}"
    folder.mkdir(exist_ok=True)
    alone = item.get_closest_marker("alone") is not None
    waiting = folder / f"waiting-{worker}"
    note = None
    if alone:  # the note is locked for as long as its test waits and runs: a killed worker's lock goes with it
        note = open(waiting, "w")  # noqa: SIM115 - closed in the finally below
        fcntl.flock(note, fcntl.LOCK_EX)
    else:
        while any(_still_waiting(path) for path in folder.glob("waiting-*")):
            time.sleep(0.2)
    try:
        with open(folder / "lock", "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX if alone else fcntl.LOCK_SH)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
    finally:
        if note is not None:
            waiting.unlink(missing_ok=True)
            note.close()


def _still_waiting(path: Path) -> bool:
    """Whether a live worker holds this note (the kernel drops a lock when its process dies, even unreaped)."""
    try:
        with open(path) as note:
            fcntl.flock(note, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    except OSError:  # the note is gone: its test has ended
        return False
    return False


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    with _turn(item):
        yield
