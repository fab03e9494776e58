"""How the command line reports a user's mistake: one plain paragraph, exit status 2, no traceback."""

from __future__ import annotations

from pathlib import Path

import click


class UserError(click.ClickException):
    """A mistake in what the user asked for (a file, a field, a value, an option); exits with status 2.

    The message names what was wrong, the value given and what was expected.
    """

    exit_code = 2

    def show(self, file: object = None) -> None:
        """Print ``error: <message>`` on standard error."""
        click.echo(f"error: {self.format_message()}", err=True)


def output_folder(path: Path) -> Path:
    """Create ``path`` (and its parents) for writing results, or raise ``UserError`` saying why it cannot be.

    Checks that the folder can be written before any work starts, so nothing computed is lost to a bad
    ``--out``.
    """
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / ".cisim-write-check"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as error:
        reason = error.strerror or str(error)
        raise UserError(
            f"--out {str(path)!r}: cannot write there ({reason}); expected a folder you can write to"
        ) from None
    return path
