"""How the command line reports a user's mistake: one plain paragraph, exit status 2, no traceback."""

from __future__ import annotations

import errno
from pathlib import Path

import click

#: Folders a command writes hold these; a folder holding any of them holds earlier results.
RESULT_MARKERS = ("summary.json", "runs.csv", "design.parquet", "manifest.json")


def printable(text: str) -> str:
    """``text`` with every character a terminal would not show as itself (a newline, a NUL) escaped.

    A message quotes what the user wrote; escaping keeps it one visible line whatever was written.
    """
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


class UserError(click.ClickException):
    """A mistake in what the user asked for (a file, a field, a value, an option); exits with status 2.

    The message names what was wrong, the value given and what was expected. A message of several lines
    (several problems) prints each line as its own ``error:`` line.
    """

    exit_code = 2

    def show(self, file: object = None) -> None:
        """Print ``error: <message>`` on standard error, one line per problem."""
        for line in self.format_message().split("\n"):
            click.echo(f"error: {printable(line)}", err=True)


def output_folder(path: Path) -> Path:
    """Create ``path`` (and its parents) for writing results, or raise ``UserError`` saying why it cannot be.

    Checks that the folder can be written before any work starts, so nothing computed is lost to a bad
    ``--out``.
    """
    if path.exists() and not path.is_dir():
        raise UserError(f"--out {str(path)!r}: is a file (Not a directory); expected a folder you can write to")
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / ".cisim-write-check"
        probe.write_bytes(b"")
        probe.unlink()
    except (OSError, ValueError) as error:  # ValueError: a path with a NUL byte
        reason = getattr(error, "strerror", None) or str(error)
        raise UserError(
            f"--out {str(path)!r}: cannot write there ({reason}); expected a folder you can write to"
        ) from None
    return path


def holds_results(path: Path) -> list[str]:
    """The result files already in ``path`` (empty when it does not exist or holds none)."""
    try:
        return [name for name in RESULT_MARKERS if (path / name).exists()]
    except (OSError, ValueError):
        return []


def fresh_output_folder(out: Path | None, default: Path, force: bool) -> Path:
    """A folder for a command's results that never overwrites earlier ones.

    Without ``--out`` the default folder is used if it holds no results, else the first of ``default-2``,
    ``default-3``, ... that holds none. With ``--out`` the folder must hold no results unless ``force``.

    Raises:
        UserError: ``--out`` holds earlier results (without ``--force``), or cannot be written.
    """
    if out is not None:
        found = holds_results(out)
        if found and not force:
            raise UserError(
                f"--out {str(out)!r}: holds the results of an earlier command ({', '.join(found)}); "
                "expected a new or empty folder (choose another --out, or add --force to replace them)"
            )
        return output_folder(out)
    folder, number = default, 1
    while not force and holds_results(folder):
        number += 1
        folder = default.with_name(f"{default.name}-{number}")
    return output_folder(folder)


def file_error(error: OSError) -> UserError:
    """A plain message for a file that could not be written or read (a full disk, a read-only folder, ...)."""
    name = str(error.filename) if error.filename else "a file"
    reason = error.strerror or str(error)
    if error.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
        return UserError(
            f"cannot write {name}: {reason}; free some space and run the command again "
            "(results already on disk are untouched, and nothing was left half-written)"
        )
    return UserError(f"cannot use {name}: {reason}; expected a file or folder you can read and write")
