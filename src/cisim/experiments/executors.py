"""Executors for sweeps: a choice at run time, all behind ``concurrent.futures.Executor``.

- ``serial``: in this process, one run after another.
- ``processes`` (default): local worker processes, started with the ``spawn`` method passed to the pool
  itself, so no process-wide setting changes. Each worker ends itself when the main process dies, even
  when it is killed outright (``cisim.experiments.worker.watch_parent``).
- ``dask``: a Dask distributed cluster (``--scheduler ADDRESS``) or a local one, through
  ``Client.get_executor()``; needs the ``dask`` extra (``pip install cisim[dask]``).
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from contextlib import contextmanager
from typing import Any

EXECUTORS = ("serial", "processes", "dask")


class SerialExecutor(Executor):
    """Runs each task when it is submitted, in this process; useful for debugging and small designs."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
        """Run ``fn(*args, **kwargs)`` now and return a finished future."""
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as error:  # handed to the caller through the future, as any executor does
            future.set_exception(error)
        return future


def default_workers() -> int:
    """All cores this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


@contextmanager
def make_executor(kind: str, workers: int | None = None, scheduler: str | None = None) -> Iterator[Executor]:
    """An executor of the given kind, shut down on exit.

    Args:
        kind: one of ``EXECUTORS``.
        workers: worker processes (default: all cores); ignored by ``serial`` and by an existing Dask cluster.
        scheduler: address of a running Dask scheduler; without it ``dask`` starts a local cluster.
    """
    workers = workers or default_workers()
    if kind == "serial":
        yield SerialExecutor()
    elif kind == "processes":
        from cisim.experiments.worker import watch_parent

        pool = ProcessPoolExecutor(
            max_workers=workers, mp_context=multiprocessing.get_context("spawn"), initializer=watch_parent
        )
        try:
            yield pool
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
    elif kind == "dask":
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            raise RuntimeError("the dask executor needs Dask distributed: pip install 'cisim[dask]'") from None
        cluster = None
        if scheduler:
            client = Client(scheduler)
        else:
            cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None)
            client = Client(cluster)
        try:
            yield client.get_executor()
        finally:
            client.close()
            if cluster is not None:
                cluster.close()
    else:
        raise ValueError(f"unknown executor {kind!r}: expected one of {', '.join(EXECUTORS)}")
