"""How local worker processes start: forked, warm, from a process with one thread; started fresh beside threads."""

import json
import multiprocessing
import signal
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from cisim.experiments import executors
from cisim.experiments.executors import start_method

ROOT = Path(__file__).parents[2]


def worker_facts() -> dict:
    """What a worker process knows as it runs a task (module level: a started worker imports it by name)."""
    return {
        "process": multiprocessing.current_process().name,
        "sweep imported": "cisim.experiments.sweep" in sys.modules,
        "SIGTERM default": signal.getsignal(signal.SIGTERM) is signal.SIG_DFL,
        "SIGINT raises": signal.getsignal(signal.SIGINT) is signal.default_int_handler,
    }


@pytest.mark.parametrize(
    ("platform", "threads", "method"),
    [("linux", 1, "fork"), ("linux", 2, "spawn"), ("darwin", 1, "spawn"), ("win32", 1, "spawn")],
)
def test_workers_fork_only_on_linux_from_a_process_with_one_thread(monkeypatch, platform, threads, method):
    monkeypatch.setattr(executors.sys, "platform", platform)
    monkeypatch.setattr(executors.threading, "active_count", lambda: threads)
    assert start_method() == method


def test_a_thread_of_this_process_makes_workers_start_fresh():
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert start_method() == "spawn"
    finally:
        stop.set()
        thread.join()


#: Run in a fresh interpreter, with one thread, as ``cisim sweep`` runs: SIGTERM made into Ctrl-C as the
#: command line does, then a pool of two workers; then the same with a thread running beside the main one.
FACTS = """
import json, multiprocessing, signal, threading
from cisim.experiments.executors import make_executor
import cisim.experiments.sweep
from tests.experiments.test_executors import worker_facts

def interrupt(signum, frame):
    raise KeyboardInterrupt

signal.signal(signal.SIGTERM, interrupt)
facts = {}
with make_executor("processes", 2) as pool:
    facts["workers before the first task"] = len(multiprocessing.active_children())
    facts["alone"] = [pool.submit(worker_facts).result() for _ in range(4)]
if {spawn}:
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    with make_executor("processes", 2) as pool:
        facts["beside a thread"] = [pool.submit(worker_facts).result() for _ in range(4)]
    stop.set()
    thread.join()
print(json.dumps(facts))
"""


def _as_from_a_terminal() -> None:
    """Undo ignored signals the test run itself may have been started with (a background job of a script starts
    with SIGINT ignored, and a program it starts inherits that): the script runs as one typed at a terminal."""
    for number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(number, signal.SIG_DFL)


def facts_of_workers(spawn: bool) -> dict:
    script = textwrap.dedent(FACTS).replace("{spawn}", str(spawn))
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        preexec_fn=_as_from_a_terminal,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.skipif(sys.platform != "linux", reason="workers fork on Linux only")
def test_workers_fork_from_the_main_process_with_what_it_imported_and_without_its_signal_handlers():
    found = facts_of_workers(spawn=False)
    # forked at once: a thread started after the executor (a progress bar's) cannot make the fork unsafe
    assert found["workers before the first task"] == 2
    facts = found["alone"]
    assert {f["process"].split("-")[0] for f in facts} == {"ForkProcess"}
    assert all(f["sweep imported"] for f in facts), "a forked worker has what the main process imported"
    assert all(f["SIGTERM default"] and f["SIGINT raises"] for f in facts), "not the main process's SIGTERM handler"


@pytest.mark.slow
def test_beside_a_thread_workers_are_started_fresh_with_default_signal_handlers():
    facts = facts_of_workers(spawn=True)["beside a thread"]
    assert {f["process"].split("-")[0] for f in facts} == {"SpawnProcess"}
    assert not any(f["sweep imported"] for f in facts)
    assert all(f["SIGTERM default"] and f["SIGINT raises"] for f in facts)


def test_a_dask_clients_lost_scheduler_tracebacks_are_quiet_and_worker_warnings_are_not(caplog, monkeypatch):
    """A lost scheduler made Dask's client log whole tracebacks above the sweep's one plain message, while it ran
    and as it closed; a worker's death (the nanny's warning) must still be seen. Levels are as before after."""
    import logging

    import distributed

    from cisim.experiments.executors import make_executor

    class Client:  # what make_executor uses of a client connected to a scheduler
        def __init__(self, address):
            pass

        def get_executor(self):
            return executors.SerialExecutor()

        def scheduler_info(self):
            return {"workers": {"w": {"nthreads": 2}}}

        def close(self):
            logging.getLogger("distributed.client").error("Failed to reconnect to scheduler (on close)")

    monkeypatch.setattr(distributed, "Client", Client)
    client = logging.getLogger("distributed.client")
    before = client.level
    with caplog.at_level(logging.DEBUG):
        with make_executor("dask", scheduler="tcp://127.0.0.1:1") as pool:
            assert pool.workers == 2
            client.error("Failed to reconnect to scheduler")
            logging.getLogger("distributed.nanny").warning("Restarting worker")
        assert [r.getMessage() for r in caplog.records] == ["Restarting worker"]
        assert client.level == before
