"""Writing result files whole or not at all: write beside the target, then rename onto it.

A rename within a folder is atomic, so a reader, a crash, a kill or a full disk never leaves half a file
under a result's name; and the temporary file is removed when writing fails, so nothing is left behind.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

#: What marks a temporary file: ``summary.json`` is written as ``summary.tmp.json`` first.
TEMPORARY = ".tmp"


def temporary_for(path: Path) -> Path:
    """The temporary name ``path`` is written under (same folder, same suffix, so writers infer the format)."""
    return path.with_name(f"{path.stem}{TEMPORARY}{path.suffix}")


@contextmanager
def replacing(path: Path) -> Iterator[Path]:
    """A temporary path to write ``path``'s content to; renamed onto ``path`` when the block succeeds.

    If the block raises (an error, a full disk, Ctrl-C), the temporary file is removed and ``path`` is left as
    it was.
    """
    temporary = temporary_for(path)
    try:
        yield temporary
        temporary.replace(path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def write_bytes(path: Path, data: bytes, durable: bool = False) -> None:
    """Write ``data`` to ``path`` whole or not at all; ``durable`` also flushes it to the disk first."""
    with replacing(path) as temporary, open(temporary, "wb") as file:
        file.write(data)
        if durable:
            file.flush()
            os.fsync(file.fileno())


def write_text(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` whole or not at all."""
    write_bytes(path, text.encode("utf-8"))


def sha256(data: bytes) -> str:
    """The SHA-256 of some bytes, in hex."""
    return hashlib.sha256(data).hexdigest()
