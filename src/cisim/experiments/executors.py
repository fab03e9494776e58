"""Executors for sweeps: a choice at run time, all behind ``concurrent.futures.Executor``.

- ``serial``: in this process, one run after another.
- ``processes`` (default): local worker processes, forked from this process where that is safe and started
  fresh (``spawn``) otherwise (``start_method`` says when and why); the method is passed to the pool itself,
  so no process-wide setting changes. Each worker ends itself when the main process dies, even when it is
  killed outright (``cisim.experiments.worker.watch_parent``).
- ``dask``: a Dask distributed cluster (``--scheduler ADDRESS``) or a local one, through
  ``Client.get_executor()``; needs the ``dask`` extra (``pip install cisim[dask]``).
"""

from __future__ import annotations

import gc
import logging
import multiprocessing
import os
import sys
import threading
import warnings
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from contextlib import contextmanager
from typing import Any

EXECUTORS = ("serial", "processes", "dask")
#: Seconds to wait for a Dask scheduler to answer before saying it cannot be reached.
CONNECT_SECONDS = 5.0


class ExecutorError(ValueError):
    """An executor cannot be used as asked (an unknown kind, a scheduler address that is wrong or unreachable)."""


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


def start_method() -> str:
    """How local worker processes start: ``fork`` where that is safe, else ``spawn``.

    A worker started with ``spawn`` is a new Python: it imports cisim, numpy and mesa before its first run,
    a second or more during which a short sweep waits (450 runs of about 8 ms on 2 workers ran at about half
    the speed of 2 workers in steady state, ``benchmarks/README.md``). A worker forked from this process has
    all of that already and starts in milliseconds; only the compiled model, if this process has not run
    one, is loaded from numba's cache on its first run (a few tenths of a second, which a run in series pays
    too).

    Fork copies only the thread that calls it: a lock another thread held at that moment stays locked in the
    worker forever. So fork is used only on Linux (macOS's system libraries are not safe to use in a forked
    child, and Windows has no fork) and when this process runs no thread but its main one, which is the test
    Python applies before it warns that a fork may deadlock. A notebook, a web application or any program
    with threads of its own gets ``spawn``, as every caller did before. numpy's BLAS threads are no Python
    threads and prepare themselves for a fork.
    """
    if sys.platform == "linux" and threading.active_count() == 1:
        return "fork"
    return "spawn"


def check_executor(kind: str, scheduler: str | None = None, timeout: float | None = None) -> None:
    """Check, before anything is written, that the executor can be used: its kind, and a Dask scheduler's address.

    A scheduler is reached once (and let go): a mistyped address or one where nothing answers is said in
    words before any design or manifest exists.

    Raises:
        ExecutorError: naming the option, the value and what was expected.
    """
    if kind not in EXECUTORS:
        raise ExecutorError(f"--executor {kind!r}: expected one of {', '.join(EXECUTORS)}")
    if scheduler is not None and kind != "dask":
        raise ExecutorError(
            f"--scheduler {scheduler!r}: a scheduler is used only by the dask executor (--executor is {kind!r}); "
            "expected --executor dask with it, or no --scheduler"
        )
    if kind != "dask":
        return
    try:
        import distributed  # noqa: F401
    except ImportError:
        raise ExecutorError(
            "--executor dask: Dask distributed is not installed; expected it installed (pip install 'cisim[dask]')"
        ) from None
    if scheduler is None:
        return
    import asyncio

    from distributed.comm import connect

    async def reach() -> None:
        comm = await connect(scheduler, timeout=timeout or CONNECT_SECONDS)
        await comm.close()

    expected = "expected the address of a running Dask scheduler, e.g. tcp://HOST:8786"
    try:
        with warnings.catch_warnings():  # a probe's own socket warnings say nothing about the address
            warnings.simplefilter("ignore", ResourceWarning)
            try:
                asyncio.run(reach())
            finally:
                # A connection attempt that timed out can leave its socket in a reference cycle; collected here,
                # under this filter, its warning is ignored, not raised at whatever later moment Python's
                # collector runs (a generated-address test failed so, on 1 run in several).
                gc.collect()
    except ValueError as error:
        raise ExecutorError(f"--scheduler {scheduler!r}: not an address ({error}); {expected}") from None
    except (OSError, TimeoutError) as error:
        raise ExecutorError(f"--scheduler {scheduler!r}: nothing answers there ({error}); {expected}") from None
    except (Exception, asyncio.CancelledError) as error:  # a scheme cisim cannot use as given (tls://, ucx://)
        raise ExecutorError(
            f"--scheduler {scheduler!r}: cannot connect this way ({type(error).__name__}: {error}); {expected}"
        ) from None


@contextmanager
def _quiet_log(name: str) -> Iterator[None]:
    """Only critical records from the logger ``name`` (and those below it that set no level) while the block runs.

    Dask's client logs a lost scheduler as errors with whole tracebacks on standard error; the sweep stops
    then with one plain message saying what finished and how to resume, so the tracebacks are left out.
    """
    logger = logging.getLogger(name)
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(level)


@contextmanager
def make_executor(kind: str, workers: int | None = None, scheduler: str | None = None) -> Iterator[Executor]:
    """An executor of the given kind, shut down on exit.

    Local worker processes that fork (``start_method``) do so here, before this returns: make the executor
    before starting threads of your own (a progress bar's), or its workers are started with ``spawn``.

    Args:
        kind: one of ``EXECUTORS``.
        workers: worker processes (default: all cores); ignored by ``serial`` and by an existing Dask cluster,
            whose executor then carries the threads its workers run as ``workers``.
        scheduler: address of a running Dask scheduler; without it ``dask`` starts a local cluster.
    """
    workers = workers or default_workers()
    if kind == "serial":
        yield SerialExecutor()
    elif kind == "processes":
        from cisim.experiments.worker import start_worker

        method = start_method()
        pool = ProcessPoolExecutor(
            max_workers=workers, mp_context=multiprocessing.get_context(method), initializer=start_worker
        )
        try:
            if method == "fork":  # every worker forks at the first task: now, while this is still the one thread
                pool.submit(int)
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
        # A lost scheduler is the sweep's one message, not the client's tracebacks (as it stops and as it closes).
        with _quiet_log("distributed.client"):
            try:
                pool = client.get_executor()
                if scheduler:  # an existing cluster runs on its own workers, whatever was asked: record those
                    pool.workers = sum(int(w.get("nthreads", 1)) for w in client.scheduler_info()["workers"].values())
                yield pool
            finally:
                client.close()
                if cluster is not None:
                    cluster.close()
    else:
        raise ValueError(f"unknown executor {kind!r}: expected one of {', '.join(EXECUTORS)}")
