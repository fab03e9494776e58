"""How the command line reports a user's mistake: one plain paragraph, exit status 2, no traceback."""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from pathlib import Path

import click

from cisim.files import PLAIN_NAME, NotOwned, NotRegularFile, check_target, claim, is_plain_name, results_folder_of

#: Folders a command writes hold these; a folder holding any of them holds earlier results.
RESULT_MARKERS = ("summary.json", "runs.csv", "design.parquet", "manifest.json")
#: A results folder's record of its runs: what ``load_results`` and ``--resume`` read. No command's ``--out`` ever
#: replaces them or writes among the tables' blocks, whatever its options.
RECORD_FILES = ("design.parquet", "manifest.json", "status.jsonl", ".lock", "summary.json", "series.csv")
RECORD_FOLDERS = ("summaries", "series", "agents")


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


def output_folder(path: Path, given: bool = True) -> Path:
    """Create ``path`` (and its parents) for writing results, or raise ``UserError`` saying why it cannot be.

    Checks that the folder can be written before any work starts, so nothing computed is lost to a bad
    ``--out``. The folder is then claimed (``cisim.files.claim``): the writer replaces files in it even when
    it lies in a results folder, so call this only once the command may write there.

    ``given``: the path is the user's ``--out``; otherwise it is the command's default, and the message says so.
    """
    what, instead = ("--out", "") if given else ("the default results folder", " (or give --out)")
    if path.exists() and not path.is_dir():
        raise UserError(
            f"{what} {str(path)!r}: is a file (Not a directory); expected a folder you can write to{instead}"
        )
    refuse_record(path)
    try:
        path.mkdir(parents=True, exist_ok=True)
        # A probe of its own (two commands may check one folder at once), removed at once.
        handle, probe = tempfile.mkstemp(dir=path, prefix=".cisim-write-check-")
        os.close(handle)
        os.unlink(probe)
    except (OSError, ValueError) as error:  # ValueError: a path with a NUL byte
        reason = getattr(error, "strerror", None) or str(error)
        raise UserError(
            f"{what} {str(path)!r}: cannot write there ({reason}); expected a folder you can write to{instead}"
        ) from None
    return claim(path)


def holds_results(path: Path) -> list[str]:
    """The result files already in ``path`` (empty when it does not exist or holds none)."""
    try:
        return [name for name in RESULT_MARKERS if (path / name).exists()]
    except (OSError, ValueError):
        return []


#: How a sweep's manifest status reads in a message about a folder it left (``complete`` is said apart).
UNFINISHED = {
    "stopped": "stopped before the end",
    "interrupted": "stopped before the end",
    "running": "not finished (it is running in another cisim now, or was killed)",
}


def inside_results(path: Path, levels: int = 3) -> Path | None:
    """The nearest results folder of a sweep, compare or run at ``path`` or up to ``levels`` above it, or None."""
    return results_folder_of(path, levels)


def resumable_folder(folder: Path) -> Path:
    """``folder`` for ``--resume``, or a ``UserError`` if there is no such folder to continue (none is made)."""
    if not folder.is_dir():
        raise UserError(
            f"--resume: {str(folder)!r} does not exist, so there is nothing to resume; expected the folder of a "
            "stopped sweep or comparison (check --out), or run without --resume to start"
        )
    return folder


def refuse_record(path: Path, option: str = "--out") -> None:
    """Raise ``UserError`` if ``path`` is one of a results folder's record files or lies among its tables' blocks.

    ``--force`` lets a command replace what another wrote beside the results (a report, figures), never the
    record that ``load_results`` and ``--resume`` read: writing there would lose finished runs.
    """
    outer = inside_results(path) if path.is_dir() else None
    outer = outer or inside_results(path.parent)
    if outer is None:
        return
    try:
        parts = path.absolute().relative_to(outer.absolute()).parts
    except ValueError:
        return
    if (len(parts) == 1 and parts[0] in RECORD_FILES) or (parts and parts[0] in RECORD_FOLDERS):
        raise UserError(
            f"{option} {str(path)!r}: is part of the record of runs in the results folder {str(outer)!r} (what "
            "load_results and --resume read), which no command replaces, even with --force; expected a path "
            "outside it, e.g. a new file or folder beside it"
        )


#: What ``cisim compare NAME`` adds to the scenario's name for its default results folder.
COMPARE_SUFFIX = "-compare"


def results_folder(name: str, suffix: str = "", root: Path = Path("results")) -> Path:
    """The default results folder of a scenario or experiment ``name``: ``results/NAME`` + ``suffix``.

    A name becomes a folder name only after it is checked to be one plain component, so no name (``../x``,
    ``/tmp/x``) ever leads outside ``results/``.
    """
    if not is_plain_name(name):
        raise UserError(f"name {name!r}: cannot name a results folder; expected {PLAIN_NAME} (or give --out)")
    if not is_plain_name(f"{name}{suffix}"):
        shown = suffix if len(suffix) <= 40 else f"{suffix[:30]}... ({len(suffix)} characters)"
        raise UserError(
            f"results folder {name!r} + {shown!r}: too long for a folder's name; expected {PLAIN_NAME} in all "
            "(give --out)"
        )
    return root / f"{name}{suffix}"


def fresh_output_folder(out: Path | None, default: Path, force: bool, resumable: bool = False) -> Path:
    """A folder for a command's results that never overwrites earlier ones, claimed for this command alone.

    Without ``--out`` the first of ``default``, ``default-2``, ``default-3``, ... that does not exist yet is
    created (creating a folder is atomic: two commands started at once never get the same one). With
    ``--out`` the folder must hold no results, and lie in no folder of results, unless ``force``.

    ``resumable``: the command continues a stopped run of itself with ``--resume`` (``cisim compare``), so a
    folder of results not yet finished (a manifest, no table of runs) is named as one, with that advice first.

    Raises:
        UserError: ``--out`` holds earlier results or lies inside a results folder (without ``--force``), or
            cannot be written.
    """
    if out is not None:
        found = holds_results(out)
        if "manifest.json" in found and not force:
            from cisim.experiments.store import earlier_runs, resume_command  # as cisim.cli.analysis: starts fast

            earlier = earlier_runs(out)
            if earlier is not None:
                kind, status, runs = earlier
                # compare's --force replaces a sweep's record; other commands' write their own files beside it
                forcing = "replaces it, losing its runs" if resumable else "writes this command's files among its own"
                if status == "complete":
                    raise UserError(
                        f"--out {str(out)!r}: holds a finished {kind} of {runs} ({', '.join(found)}); expected a "
                        f"new or empty folder (choose another --out; --force {forcing})"
                    )
                raise UserError(
                    f"--out {str(out)!r}: holds a {kind} {UNFINISHED.get(status, 'not finished')} ({runs} in its "
                    f"design; {', '.join(found)}); continue it with {resume_command(out)}, or choose another --out "
                    f"(--force {forcing})"
                )
        if resumable and "manifest.json" in found and "runs.csv" not in found and not force:
            raise UserError(
                f"--out {str(out)!r}: holds results not yet finished ({', '.join(found)}); if it is a comparison "
                "stopped before the end, continue it with the same command and --resume; otherwise expected a "
                "new or empty folder (choose another --out, or add --force to start again, replacing them)"
            )
        if found and not force:
            raise UserError(
                f"--out {str(out)!r}: holds the results of an earlier command ({', '.join(found)}); "
                "expected a new or empty folder (choose another --out, or add --force to replace them)"
            )
        outer = inside_results(out.parent)
        if outer is not None and not force:
            raise UserError(
                f"--out {str(out)!r}: lies inside the results folder {str(outer)!r} of an earlier command; "
                "expected a folder outside it (choose another --out, or add --force to write there)"
            )
        return output_folder(out)
    if force:
        return output_folder(default, given=False)
    output_folder(default.parent, given=False)
    number = 1
    while True:
        folder = default if number == 1 else default.with_name(f"{default.name}-{number}")
        try:
            folder.mkdir()
        except FileExistsError:
            number += 1
            continue
        except OSError as error:
            raise UserError(
                f"{str(folder)!r}: cannot make the results folder ({error.strerror}); expected a folder you can "
                "write to (or give --out)"
            ) from None
        return output_folder(folder, given=False)


def remove_if_empty(folder: Path) -> None:
    """Remove a results folder a command claimed when it ends with nothing in it (an error, Ctrl-C)."""
    with contextlib.suppress(OSError):
        folder.rmdir()


def output_file(path: Path, option: str, force: bool) -> Path:
    """Check a file a command writes by ``--out FILE`` before any work: a regular file or new, never a result.

    Raises:
        UserError: ``path`` is a folder, a device, a pipe or a symbolic link (never replaced, whatever the
            options), or an existing file inside a results folder, or one of a results folder's own files
            (replaced only with ``--force``).
    """
    try:
        check_target(path)
    except NotRegularFile as error:
        raise UserError(f"{option} {str(path)!r}: {error.strerror}") from None
    refuse_record(path, option)
    outer = inside_results(path.parent)
    if not force and outer is not None and (path.exists() or path.name in RESULT_MARKERS):
        where = f"the results folder {str(outer)!r}"
        raise UserError(
            f"{option} {str(path)!r}: would replace a file in {where}; expected a new file or one outside it "
            "(choose another path, or add --force to replace it)"
        )
    try:
        output_folder(path.parent)
    except UserError as error:
        reason = error.format_message().split(": ", 1)[-1].split(";")[0]
        raise UserError(
            f"{option} {str(path)!r}: cannot write to the folder {str(path.parent)!r} ({reason}); expected a file "
            "in a folder you can write to"
        ) from None
    return path


def file_error(error: OSError) -> UserError:
    """A plain message for a file that could not be written or read (a full disk, a read-only folder, ...)."""
    name = str(error.filename) if error.filename else "a file"
    reason = error.strerror or str(error)
    if isinstance(error, NotOwned):
        return UserError(f"refusing to replace {name}: it {reason}")
    if error.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
        return UserError(
            f"cannot write {name}: {reason}; free some space and run the command again "
            "(results already on disk are untouched, and nothing was left half-written)"
        )
    if error.errno == errno.EFBIG:  # a limit on file sizes (ulimit -f) or the file system's largest file
        return UserError(
            f"cannot write {name}: {reason}; raise the limit on file sizes (ulimit -f) or write elsewhere "
            "(results already on disk are untouched, and nothing was left half-written)"
        )
    return UserError(f"cannot use {name}: {reason}; expected a file or folder you can read and write")
