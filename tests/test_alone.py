"""The lock that lets tests marked `alone` run while no other test does, under pytest-xdist (tests/conftest.py)."""

import contextlib
import subprocess
import sys
import time

import pytest

from tests.conftest import _still_waiting

fcntl = pytest.importorskip("fcntl")

HOLD = """
import fcntl, sys, time
note = open(sys.argv[1], "w")
fcntl.flock(note, fcntl.LOCK_EX)
print("held", flush=True)
time.sleep(60)
"""


@contextlib.contextmanager
def holding(path):
    """A process that holds the note's lock, as a waiting worker does; killed and reaped at the end."""
    with subprocess.Popen([sys.executable, "-c", HOLD, str(path)], stdout=subprocess.PIPE, text=True) as process:
        assert process.stdout.readline().strip() == "held"
        try:
            yield process
        finally:
            process.kill()


def test_a_note_held_by_a_live_worker_is_waited_for(tmp_path):
    with holding(tmp_path / "waiting-gw0"):
        assert _still_waiting(tmp_path / "waiting-gw0")


def test_a_killed_workers_note_is_not_waited_for_even_before_it_is_reaped(tmp_path):
    """A worker killed during an `alone` test leaves its note, and stays a zombie until pytest-xdist reaps it: the
    other workers must not wait for it for ever (a check of its process id would say it is alive)."""
    with holding(tmp_path / "waiting-gw0") as process:
        process.kill()
        time.sleep(0.5)  # killed, not yet reaped (Popen reaps it when the block ends)
        assert not _still_waiting(tmp_path / "waiting-gw0")


def test_a_note_already_gone_is_not_waited_for(tmp_path):
    assert not _still_waiting(tmp_path / "waiting-gw0")
