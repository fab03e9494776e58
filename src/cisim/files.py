"""The one reader and the one writer: every file cisim reads is checked here, every file it writes is written here.

Reading: scenario, experiment and validation files (TOML) and edge lists are read by ``read_text``, which
refuses folders, devices, pipes, files too large and bytes that are not UTF-8 before anything is parsed;
TOML is parsed by ``parse_toml``, which bounds how deeply tables and lists nest and refuses integers TOML
itself does not promise (outside 64 bits) before any of them is turned into a float. Every failure is an
``InputError`` whose messages name the file, the place, the value and what was expected.

Writing: ``replacing`` and ``write_bytes`` write beside the target under a temporary name that only this
write can have (``tempfile.mkstemp`` creates it exclusively), then rename it onto the target. A rename
within a folder is atomic, so no reader, crash, kill or full disk leaves half a file under a result's name,
and two commands writing at once never share a temporary file. The target must be a regular file or absent:
a device (``/dev/null``), a pipe, a folder or a symbolic link is never replaced. Nor is an existing file
inside the results folder of a sweep, compare or run unless this process has claimed the folder it is in
(``claim``): the command line claims a folder only once it has checked it may write there (its own new
folder, the analysed folder, or ``--force``), and a sweep claims its folder once it holds the folder's lock.
"""

from __future__ import annotations

import codecs
import contextlib
import errno
import hashlib
import os
import re
import stat
import sys
import tempfile
import tomllib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

# ----------------------------------------------------------------------------------------------- reading

#: Larger TOML files are refused before reading: no scenario, experiment or validation file needs a megabyte.
MAX_TOML_BYTES = 1_000_000
#: Tables and lists nest at most this deep (a scenario nests two levels, an experiment four).
MAX_DEPTH = 16
#: Brackets and braces outside strings and comments may open at most this deep before TOML is parsed at all: far
#: more than ``MAX_DEPTH`` (which the parsed tables are then held to), far less than what would take Python's
#: parser near its recursion limit, where anything else that runs (a finalizer) fails as well and says so.
PARSE_DEPTH = 64
#: What the nesting scan looks at: strings and comments (skipped whole: brackets inside them nest nothing) and
#: brackets. A multi-line string may end with one or two quotes of its own before its closing three. A string
#: left open ends its token at the end of its line (one-line strings) or of the text, so that every quote starts
#: a token that matches and the scan reads each character once, whatever the file (a string that had to be
#: closed to match was searched afresh from every later quote: quadratic in a long line of quotes).
_NESTING_TOKENS = re.compile(
    r'"""(?:\\.|[^\\])*?(?:""""{0,2}|\\?\Z)'
    r"|'''.*?(?:''''{0,2}|\Z)"
    r'|"(?:\\.|[^"\\\n])*"?'
    r"|'[^'\n]*'?"
    r"|#[^\n]*|[\[\]{}]",
    re.DOTALL,
)
#: TOML's integers: "arbitrary 64-bit signed integers"; anything larger is an error, as the TOML spec says.
INT_LOW, INT_HIGH = -(2**63), 2**63 - 1


class InputError(ValueError):
    """A file or value could not be read; ``problems`` holds one plain message per mistake."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def read_text(path: Path, kind: str, expected: str, max_bytes: int = MAX_TOML_BYTES) -> tuple[str, bytes]:
    """The text of a file and its bytes, after checking it is a regular file, small enough and UTF-8.

    A UTF-8 byte-order mark at the start is left out of the text (the bytes, for hashing, keep it).

    Args:
        path: the file.
        kind: what the file is, in words ("scenario file"), for messages.
        expected: what the file should hold, in words, for messages ("expected ...").
        max_bytes: larger files are refused before reading.

    Raises:
        InputError: naming the file and what is wrong with it.
    """
    where = str(path)
    try:
        info = path.stat()
    except (OSError, ValueError) as error:  # ValueError: a path with a NUL byte
        if isinstance(error, FileNotFoundError):
            what = kind if kind.endswith("file") else f"file ({kind})"
            raise InputError([f"{where}: no such {what}; {expected}"]) from None
        reason = getattr(error, "strerror", None) or str(error)
        raise InputError([f"{where}: cannot be read ({reason}); {expected}"]) from None
    if stat.S_ISDIR(info.st_mode):
        raise InputError([f"{where}: is not a file but a folder; {expected}"])
    if not stat.S_ISREG(info.st_mode):  # a device or a pipe (/dev/zero would never end)
        raise InputError([f"{where}: is not a regular file; {expected}"])
    if info.st_size > max_bytes:
        raise InputError([f"{where}: {info.st_size:,} bytes; expected a {kind} of at most {max_bytes:,} bytes"])
    try:
        with open(path, "rb") as file:
            raw = file.read(max_bytes + 1)  # the file may have grown since it was measured
    except OSError as error:
        raise InputError([f"{where}: cannot be read ({error.strerror or error}); {expected}"]) from None
    if len(raw) > max_bytes:
        raise InputError([f"{where}: more than {max_bytes:,} bytes; expected a {kind} of at most {max_bytes:,} bytes"])
    mark = len(codecs.BOM_UTF8) if raw.startswith(codecs.BOM_UTF8) else 0  # as Windows Notepad saves: not text
    try:
        return raw[mark:].decode("utf-8"), raw
    except UnicodeDecodeError as error:
        at = error.start + mark  # a place in the file, mark included
        raise InputError([f"{where}: not a text file (byte {raw[at]:#04x} at {at} is not UTF-8); {expected}"]) from None


#: What a field whose name a reader knows expects, for the message on an integer too large for TOML (or None).
FieldExpects = Callable[[str], str | None]


def read_toml(
    path: Path, kind: str, expected: str, field_expects: FieldExpects | None = None
) -> tuple[dict[str, Any], bytes]:
    """A TOML file parsed and checked (see ``read_text`` and ``parse_toml``), with its bytes for hashing."""
    text, raw = read_text(path, kind, expected)
    return parse_toml(text, str(path), field_expects), raw


def parse_toml(text: str, where: str, field_expects: FieldExpects | None = None) -> dict[str, Any]:
    """Parse TOML text; nesting bounded, integers within 64 bits, every failure an ``InputError``.

    An integer outside 64 bits in a field ``field_expects`` knows is said to be outside that field's own range.
    """
    if _nesting(text) > PARSE_DEPTH:  # refused before the parser recurses thousands deep
        raise InputError([f"{where}: tables or lists nested too deeply; expected at most {MAX_DEPTH} levels"])
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise InputError([f"{where}: {toml_problem(error, text)}"]) from None
    except RecursionError:
        raise InputError([f"{where}: tables or lists nested too deeply; expected at most {MAX_DEPTH} levels"]) from None
    except ValueError:  # Python's own limit on the digits of an integer (4,300)
        raise InputError(
            [f"{where}: holds an integer of thousands of digits; expected integers within 64 bits, as TOML has"]
        ) from None
    problems: list[str] = []
    _check_tree(data, "", 0, where, problems, field_expects)
    if problems:
        raise InputError(problems[:10])
    return data


def parse_value(raw: str, where: str, key: str, field_expects: FieldExpects | None = None) -> Any:
    """One value as TOML reads it (``--set KEY=VALUE``); text that is not TOML is returned as it is.

    Raises:
        InputError: the value is TOML but nests too deeply or holds an integer outside 64 bits.
    """
    try:
        if _nesting(raw) > PARSE_DEPTH:  # refused before the parser recurses thousands deep
            raise RecursionError
        value = tomllib.loads(f"value = {raw}")["value"]
    except tomllib.TOMLDecodeError:
        return raw
    except (RecursionError, ValueError):  # lists nested thousands deep; an integer of thousands of digits
        shown = raw if len(raw) <= 24 else f"{raw[:12]}... ({len(raw):,} characters)"
        raise InputError(
            [
                f"{where}: field '{key}' = {shown}: expected a value of TOML's size (integers within 64 bits, "
                f"lists nested at most {MAX_DEPTH} deep)"
            ]
        ) from None
    problems: list[str] = []
    _check_tree(value, key, 1, where, problems, field_expects)
    if problems:
        raise InputError(problems)
    return value


def _nesting(text: str) -> int:
    """How deep brackets and braces open in TOML text, outside strings and comments (a table's header counts)."""
    depth = deepest = 0
    for token in _NESTING_TOKENS.finditer(text):
        mark = token.group()
        if mark in ("[", "{"):
            depth += 1
            deepest = max(deepest, depth)
        elif mark in ("]", "}"):
            depth -= 1
    return deepest


def _check_tree(
    value: Any, key: str, depth: int, where: str, problems: list[str], field_expects: FieldExpects | None = None
) -> None:
    """Walk the parsed table without recursing past ``MAX_DEPTH``; collect each out-of-range integer."""
    if depth > MAX_DEPTH:
        problems.append(f"{where}: field '{key}': nested {depth} levels deep; expected at most {MAX_DEPTH} levels")
        return
    if isinstance(value, dict):
        for name, item in value.items():
            _check_tree(item, f"{key}.{name}" if key else str(name), depth + 1, where, problems, field_expects)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check_tree(item, f"{key}[{index}]", depth + 1, where, problems, field_expects)
    elif isinstance(value, int) and not isinstance(value, bool) and not INT_LOW <= value <= INT_HIGH:
        if field_expects is not None and (expected := field_expects(key)):
            problems.append(f"{where}: field '{key}' = {show_number(value)}: expected {expected}")
            return
        problems.append(
            f"{where}: field '{key}' = {show_number(value)}: expected an integer from -2**63 to 2**63 - 1 "
            "(TOML's 64-bit integers)"
        )


def show_number(value: int) -> str:
    """A number as messages show it: in full, or its first digits and how many there are when it is long."""
    text = str(value)
    return text if len(text) <= 24 else f"{text[:12]}... ({len(text.lstrip('-'))} digits)"


def toml_problem(error: tomllib.TOMLDecodeError, text: str) -> str:
    """A TOML syntax error as a plain message with the line, its text and what TOML expected there."""
    message = str(error)
    lines = text.splitlines()
    found = re.search(r"\(at line (\d+), column (\d+)\)", message)
    if found:
        number, column = int(found[1]), found[2]
        place = f"at line {number}, column {column}"
    elif (ended := re.search(r"\(at end of document\)", message)) is not None:
        # The parser says only that the file ended: say where what it ends inside was opened, or its last line.
        opened = _opened_at(text)
        number = text.count("\n", 0, opened) + 1 if opened is not None else max(len(lines), 1)
        column = str(opened - text.rfind("\n", 0, opened)) if opened is not None else ""
        place = (
            f"at the end of the file: what opens at line {number}, column {column} is never closed"
            if opened is not None
            else f"at the end of the file (line {number})"
        )
        found = ended
    else:
        return f"not valid TOML: {message}"
    line = lines[number - 1] if 0 < number <= len(lines) else ""
    reason = message[: found.start()].strip()
    hint = _number_hint(line, int(column) - 1) if column else ""
    return f"not valid TOML {place}: {line[:80]!r}: {reason[0].lower()}{reason[1:]}{hint}"


#: A number as people write it but TOML does not: no digit before or after its point (``.5``, ``-.5``, ``1.``);
#: nothing else (``07``, which TOML refuses for its leading zero, is not read as 7).
LOOSE_NUMBER = re.compile(r"[+-]?(?:[0-9][0-9_]*\.(?![0-9])|\.[0-9][0-9_]*)(?:[eE][+-]?[0-9]+)?")


def toml_number(loose: str) -> str:
    """A number written as ``.5``, ``-.5`` or ``1.`` as TOML writes it: ``0.5``, ``-0.5``, ``1.0``."""
    sign = loose[0] if loose[0] in "+-" else ""
    body = loose.removeprefix(sign)
    if body.startswith("."):
        body = "0" + body
    return sign + re.sub(r"\.(?![0-9])", ".0", body)


def _number_hint(line: str, column: int) -> str:
    """How TOML writes the number at ``column`` of ``line``, when it is one TOML refuses (``.5``, ``1.``); else ""."""
    for found in re.finditer(r"(?<![\w.])[+-]?[0-9_.]+(?:[eE][+-]?[0-9]+)?(?![\w.])", line):
        if found.start() <= column < found.end() and LOOSE_NUMBER.fullmatch(found.group()):
            return f"; {found.group()!r} is not a number as TOML writes it: write {toml_number(found.group())}"
    return ""


def _opened_at(text: str) -> int | None:
    """Where the list, inline table, table header or string that ``text`` ends inside opens, or None."""
    opened: list[int] = []
    for token in _NESTING_TOKENS.finditer(text):
        mark = token.group()
        if mark in ("[", "{"):
            opened.append(token.start())
        elif mark in ("]", "}"):
            if opened:
                opened.pop()
        elif mark[0] in "\"'":
            quote = mark[:3] if mark[:3] in ('"""', "'''") else mark[0]
            if len(mark) < 2 * len(quote) or not mark.endswith(quote):
                return token.start()  # a string the file ends inside
    return opened[-1] if opened else None


# ----------------------------------------------------------------------------------------------- names

#: What a name must be to become part of a folder's name: one plain component of a path.
PLAIN_NAME = "a plain name (no '/', '\\' or control characters, not '.' or '..', at most 100 characters)"


def is_plain_name(name: str) -> bool:
    """Whether ``name`` can become (part of) one folder name: it can never lead outside the folder it is put in."""
    return 0 < len(name) <= 100 and name not in (".", "..") and not any(c in "/\\" or not c.isprintable() for c in name)


# ----------------------------------------------------------------------------------------------- writing

#: What marks a temporary file: ``summary.json`` is written as ``.summary.json.k3j9x.tmp.json`` first.
TEMPORARY = ".tmp"


class NotRegularFile(OSError):
    """The target of a write exists and is not a regular file (a device, a pipe, a folder, a symbolic link)."""


def check_target(path: Path) -> None:
    """Raise ``NotRegularFile`` if ``path`` exists and is anything but a regular file (links are not followed)."""
    try:
        mode = os.lstat(path).st_mode
    except (FileNotFoundError, NotADirectoryError):  # nothing there to replace (the folder may not be either)
        return
    if not stat.S_ISREG(mode):
        what = "a symbolic link" if stat.S_ISLNK(mode) else "a folder" if stat.S_ISDIR(mode) else "a device or pipe"
        raise NotRegularFile(
            errno.EEXIST, f"is {what}, not a regular file; expected a file cisim may replace", str(path)
        )


#: What marks a folder as the results of a command, file by file: a sweep, a compare, a run.
RESULT_FOLDERS = (("design.parquet", "manifest.json"), ("runs.csv", "differences.csv"), ("summary.json", "series.csv"))

#: Folders this process may replace files in, though they lie in a results folder (see ``claim``).
_CLAIMED: set[Path] = set()


class NotOwned(OSError):
    """The target of a write is an existing file inside a results folder this process has not claimed."""


def results_folder_of(path: Path, levels: int = 3) -> Path | None:
    """The nearest results folder of a sweep, compare or run at ``path`` or up to ``levels`` above it, or None."""
    try:
        for folder in [path, *path.absolute().parents][:levels]:
            if any(all((folder / name).is_file() for name in marks) for marks in RESULT_FOLDERS):
                return folder
    except (OSError, ValueError):
        return None
    return None


def claim(folder: Path) -> Path:
    """Let this process replace files at or below ``folder`` although they lie in a results folder.

    Call it only for a folder the caller made, or checked it may write in (the analysed folder, ``--force``).
    """
    _CLAIMED.add(_resolved(folder))
    return folder


def check_owner(path: Path) -> None:
    """Raise ``NotOwned`` if ``path`` exists inside a results folder and no claim of this process covers it.

    A claim covers ``path`` when it is ``path``'s folder or one above it that lies at or inside the results
    folder: claiming ``results/`` itself never gives away the results folders within it.
    """
    if not os.path.lexists(path):  # a new file replaces nothing
        return
    outer = results_folder_of(path.parent)
    if outer is None:
        return
    here, top = _resolved(path.parent), _resolved(outer)
    if any(here.is_relative_to(c) and c.is_relative_to(top) for c in _CLAIMED):
        return
    raise NotOwned(
        errno.EEXIST,
        f"is a file of the results folder {str(outer)!r}, which this command did not create; expected a new "
        "file (write elsewhere, or add --force where the command offers it)",
        str(path),
    )


def _resolved(folder: Path) -> Path:
    try:
        return Path(folder).resolve()
    except (OSError, RuntimeError):  # a loop of links: taken as written
        return Path(folder).absolute()


@contextmanager
def replacing(path: Path) -> Iterator[Path]:
    """A temporary path to write ``path``'s content to; renamed onto ``path`` when the block succeeds.

    The temporary file is in ``path``'s folder, keeps its suffix (so writers infer the format) and has a name
    no other write can take. If the block raises (an error, a full disk, Ctrl-C), it is removed and ``path``
    is left as it was.

    Raises:
        NotRegularFile: ``path`` is a device, a pipe, a folder or a symbolic link.
        NotOwned: ``path`` is an existing file inside a results folder this process has not claimed.
    """
    path = Path(path)
    check_target(path)
    check_owner(path)
    handle, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=f"{TEMPORARY}{path.suffix}")
    os.close(handle)
    temporary = Path(name)
    try:
        yield temporary
        os.chmod(temporary, _file_mode())
        check_target(path)
        check_owner(path)
        os.replace(temporary, path)
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


def _file_mode() -> int:
    """The mode a new file gets from the user's umask (``mkstemp`` makes it private to the user)."""
    umask = 0o022
    with contextlib.suppress(OSError, ValueError):
        if sys.platform == "linux":
            for line in Path("/proc/self/status").read_text().splitlines():
                if line.startswith("Umask:"):
                    umask = int(line.split()[1], 8)
    return 0o666 & ~umask
