"""Support for tests in a real browser: Debian's Chromium, driven by Playwright, headless.

The browser is the system's Chromium (Debian package ``chromium``; ``.ci/run`` installs it), started by
Playwright with ``executable_path`` and a fresh profile folder: a test tool's own browser download is not
used. Where no Chromium can be found the tests are skipped, and the reason is printed (pytest ``-ra``).

Screenshots and other artifacts go to ``tests/artifacts/`` (or ``$CISIM_TEST_ARTIFACTS``); each test prints
the path of what it saved.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

#: Chromium's switches: headless, no sandbox (CI runs as root), and none of its calls home, which a closed
#: network refuses (each refusal would otherwise show up as noise in the console).
CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
CHROMIUM_CANDIDATES = ("chromium", "chromium-browser", "/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = Path(os.environ.get("CISIM_TEST_ARTIFACTS", ROOT / "tests" / "artifacts"))
INSTALL_HINT = "install Debian's Chromium (as root: apt-get install -y chromium chromium-driver), as .ci/run does"


def find_chromium() -> str | None:
    """The Chromium to drive: ``$CISIM_CHROMIUM``, else the first of ``CHROMIUM_CANDIDATES`` found."""
    named = os.environ.get("CISIM_CHROMIUM")
    if named:
        return named if Path(named).is_file() else None
    for candidate in CHROMIUM_CANDIDATES:
        found = shutil.which(candidate)
        if found:
            return found
    return None


def require_chromium() -> str:
    """The Chromium to drive, or skip the test saying why there is none."""
    pytest.importorskip("playwright.sync_api", reason="Playwright is not installed (pip install -e '.[test]')")
    chromium = find_chromium()
    if chromium is None:
        pytest.skip(f"no Chromium found (looked for $CISIM_CHROMIUM, {', '.join(CHROMIUM_CANDIDATES)}): {INSTALL_HINT}")
    return chromium


@dataclass
class Console:
    """What a page reported: console messages of type error, and uncaught page errors."""

    errors: list[str] = field(default_factory=list)

    def watch(self, page: Any) -> Any:
        """Record ``page``'s errors from now on; returns the page."""
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.errors.append(f"page error: {error}"))
        return page

    def _console(self, message: Any) -> None:
        if message.type == "error":
            location = message.location or {}
            self.errors.append(f"console error: {message.text} ({location.get('url', '')})")


@contextmanager
def browser(profile: Path, width: int = 1400, height: int = 1000) -> Iterator[Any]:
    """A headless Chromium with a fresh profile in ``profile`` and a viewport of ``width`` x ``height``."""
    from playwright.sync_api import sync_playwright

    chromium = require_chromium()
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            user_data_dir=str(profile),
            executable_path=chromium,
            headless=True,
            args=list(CHROMIUM_ARGS),
            viewport={"width": width, "height": height},
        )
        try:
            yield context
        finally:
            context.close()


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _answers(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", port)) == 0


@contextmanager
def served(command: Sequence[str], port: int, log: Path, cwd: Path = ROOT, timeout: float = 90.0) -> Iterator[str]:
    """Run a server ``command`` that listens on ``port``; yield its address once it answers, then stop it.

    The server's output goes to ``log`` (shown in the failure message if it never answers). It is stopped
    by its process id, and killed if it does not stop within ten seconds.
    """
    with log.open("w") as output:
        process = subprocess.Popen(list(command), cwd=cwd, stdout=output, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + timeout
        while not _answers(port):
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"{' '.join(command)} did not start listening on port {port}:\n{log.read_text()}")
            time.sleep(0.25)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def cisim_command(*arguments: str) -> list[str]:
    """The ``cisim`` command line of this interpreter's environment."""
    return [sys.executable, "-m", "cisim", *arguments]


def save_screenshot(page: Any, name: str, full_page: bool = True) -> Path:
    """Save a screenshot of ``page`` as an artifact ``name`` and print where it went."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / name
    page.screenshot(path=str(path), full_page=full_page)
    print(f"screenshot saved: {path}")
    return path
