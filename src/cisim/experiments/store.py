"""The results folder of a sweep: written as runs finish, readable at any time, resumable after a stop.

Layout::

    design.parquet          every run of the design, with its seed, written before any run starts
    manifest.json           cisim version, experiment and scenarios with hashes, seeds, executor, platform,
                            timestamps and run statistics
    status.jsonl            append-only: one line per run once its results are on disk (done or failed),
                            then one line per block with the size and SHA-256 of each of its files
    summaries/block-N.parquet   per-run summaries of runs N*block_size ... in run order
    series/block-N.parquet      per-step series (if kept)
    agents/block-N.parquet      organizations' final states (if kept)

Runs are grouped into blocks by position; a block is written, sorted by ``run_id``, once all its runs are
in, so the files do not depend on the order in which runs finish, and memory holds only open blocks.
Every file is written under a temporary name and renamed when whole. A block counts as done only when its
record in the status log is there and each of its files has the size and hash recorded: ``--resume``
recomputes a block that is missing or damaged, and ``load_results`` reads only verified blocks and warns
when runs are missing.
"""

from __future__ import annotations

import io
import json
import os
import platform
import shlex
import sys
import warnings
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from cisim.files import sha256, write_bytes, write_text
from cisim.scenarios.scenario import BUILTIN

TABLES = ("summaries", "series", "agents")


class IncompleteResultsWarning(UserWarning):
    """A results folder lacks some of its design's runs (not yet run, stopped, or damaged on disk)."""


class IncompleteResultsError(ValueError):
    """A results folder lacks some of its design's runs and ``incomplete="error"`` was asked for."""


def now() -> str:
    """The current time, ISO 8601 in UTC."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def platform_info() -> dict[str, Any]:
    """What the sweep ran on."""
    return {
        "python": sys.version.split()[0],
        "system": platform.platform(),
        "machine": platform.machine(),
        "cores": os.cpu_count(),
    }


def _log_lines(folder: Path) -> list[dict[str, Any]]:
    """Every whole, well-formed line of the status log.

    A torn line from a kill, or a line of another shape, is ignored: a run it names counts as not run, and
    ``--resume`` reruns it.
    """
    path = folder / "status.jsonl"
    entries = []
    if path.exists():
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            try:
                entry = json.loads(line)
            except (json.JSONDecodeError, RecursionError):
                continue
            if _run_line(entry) or _block_line(entry):
                entries.append(entry)
    return entries


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _run_line(entry: Any) -> bool:
    """Whether a status line records one run as the sweep writes it."""
    return (
        isinstance(entry, dict)
        and _whole(entry.get("run_id"))
        and entry.get("status") in ("done", "failed")
        and isinstance(entry.get("seconds", 0.0), int | float)
        and "block" not in entry
    )


def _block_line(entry: Any) -> bool:
    """Whether a status line records one block with the size and hash of each of its files."""
    return (
        isinstance(entry, dict)
        and _whole(entry.get("block"))
        and isinstance(entry.get("files"), dict)
        and all(
            isinstance(record, dict) and _whole(record.get("size")) and isinstance(record.get("sha256"), str)
            for record in entry["files"].values()
        )
    )


def read_status(folder: Path) -> dict[int, dict[str, Any]]:
    """The last status line of every run recorded so far."""
    return {entry["run_id"]: entry for entry in _log_lines(folder) if "run_id" in entry}


def block_of(run_id: int, block_size: int) -> int:
    """The block a run's results are written in."""
    return run_id // block_size


def block_path(table: str, block: int) -> str:
    """Where a block of a table lives, relative to the results folder."""
    return f"{table}/block-{block:06d}.parquet"


@dataclass(frozen=True)
class Verified:
    """What a results folder holds, block by block, checked against the status log."""

    complete: set[int]
    damaged: dict[int, str]
    status: dict[int, dict[str, Any]]

    def runs_done(self, block_size: int) -> dict[int, dict[str, Any]]:
        """Status lines of the runs whose blocks are complete and intact."""
        return {r: s for r, s in self.status.items() if block_of(r, block_size) in self.complete}


def verify_blocks(folder: Path, n_runs: int, block_size: int, table: str | None = None) -> Verified:
    """Check every block recorded in the status log: all its runs in, each file of the size and hash recorded.

    Blocks the log does not record as complete are simply not complete (they are run on ``--resume``);
    recorded blocks whose files are missing or differ from the record are reported as damaged. With ``table``
    (a reader of that table alone), a block whose ``table`` file is intact stays complete although another of
    its files is damaged (still reported as damaged, so that ``--resume`` reruns it): an intact block of
    summaries is not lost to a damaged block of series.
    """
    lines = _log_lines(folder)
    status = {entry["run_id"]: entry for entry in lines if "run_id" in entry}
    records = {entry["block"]: entry for entry in lines if "block" in entry and "files" in entry}
    legacy = not records and bool(status)  # folders written before blocks were recorded
    complete, damaged = set(), {}
    for block in range((n_runs + block_size - 1) // block_size):
        expected = range(block * block_size, min(n_runs, (block + 1) * block_size))
        if legacy:
            if all(r in status for r in expected):
                complete.add(block)
            continue
        record = records.get(block)
        if record is None:
            continue
        if not all(r in status for r in expected):
            damaged[block] = "some of its runs are not in the status log"
            continue
        problems = {f: p for f, r in record["files"].items() if (p := _check_file(folder, f, r))}
        if problems:
            damaged[block] = next(iter(problems.values()))
        if not problems or (table is not None and not any(f.startswith(f"{table}/") for f in problems)):
            complete.add(block)
    return Verified(complete, damaged, status)


def _check_file(folder: Path, relative: str, record: dict[str, Any]) -> str:
    path = folder / relative
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return f"{relative} is missing"
    except OSError as error:
        return f"{relative} cannot be read ({error.strerror})"
    if len(data) != record["size"]:
        return f"{relative} has {len(data):,} bytes, the status log recorded {record['size']:,}"
    if sha256(data) != record["sha256"]:
        return f"{relative} differs from what was written (its SHA-256 does not match the status log)"
    return ""


class TableNotKept(ValueError):
    """A results folder's sweep did not keep the table asked for (``outputs.series`` or ``outputs.agents`` off)."""


class DamagedResults(ValueError):
    """A results folder's manifest or design is missing, unreadable or not what was written.

    The message names the file and what to do.
    """


#: The manifest's own hash: of its JSON with this field left out, so an edit or a cut is seen when it is read.
MANIFEST_HASH = "manifest_sha256"


def _canonical(manifest: dict[str, Any]) -> bytes:
    body = {k: v for k, v in manifest.items() if k != MANIFEST_HASH}
    return json.dumps(body, sort_keys=True, default=str).encode("utf-8")


def read_manifest(folder: Path) -> dict[str, Any]:
    """The sweep's manifest, checked against its own hash.

    Raises:
        DamagedResults: the manifest is missing, is not JSON (cut off by a kill or a full disk), differs
            from what cisim wrote, or has lost its own hash (a manifest written before cisim recorded hashes
            has neither its own nor the design's); the message says how to rebuild it.
    """
    path = folder / "manifest.json"
    try:
        manifest = json.loads(path.read_bytes().decode("utf-8"))
    except FileNotFoundError:
        raise DamagedResults(f"{path}: missing; {_rebuild(folder)}") from None
    except PermissionError as error:  # whole, perhaps, but not ours to read: rebuilding it is no answer
        raise DamagedResults(
            f"{path}: cannot be read ({error.strerror}); expected a file you may read (check its permissions)"
        ) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError) as error:
        reason = getattr(error, "strerror", None) or f"not whole JSON: {error}"
        raise DamagedResults(f"{path}: damaged ({reason}); {_rebuild(folder)}") from None
    if not isinstance(manifest, dict):
        raise DamagedResults(f"{path}: damaged (not a JSON object); {_rebuild(folder)}")
    recorded = manifest.get(MANIFEST_HASH)
    if recorded is None and "design_sha256" in manifest:
        # cisim has recorded both hashes since it recorded either: a manifest without its own hash is one written
        # before then (no design hash either), or one whose hash's name was damaged
        raise DamagedResults(
            f"{path}: damaged (it records the design's SHA-256 but not its own, '{MANIFEST_HASH}'); {_rebuild(folder)}"
        )
    if recorded is not None and recorded != sha256(_canonical(manifest)):
        raise DamagedResults(
            f"{path}: damaged (its content does not match the SHA-256 it was written with); {_rebuild(folder)}"
        )
    return manifest


def write_manifest(folder: Path, manifest: dict[str, Any]) -> None:
    """Write the manifest atomically (a stop never leaves half a file), with its own hash."""
    manifest[MANIFEST_HASH] = sha256(_canonical(manifest))
    write_text(folder / "manifest.json", json.dumps(manifest, indent=2, default=str) + "\n")


def design_bytes(design: pd.DataFrame) -> bytes:
    """The design as the Parquet bytes written to ``design.parquet``."""
    buffer = io.BytesIO()
    design.to_parquet(buffer, index=False)
    return buffer.getvalue()


def read_design(folder: Path, manifest: dict[str, Any] | None) -> pd.DataFrame:
    """The sweep's design, checked against the SHA-256 the manifest recorded when it was written.

    Raises:
        DamagedResults: ``design.parquet`` is missing, cut off, not Parquet, or not what was written.
    """
    path = folder / "design.parquet"
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise DamagedResults(f"{path}: missing; {_rebuild(folder)}") from None
    except OSError as error:
        raise DamagedResults(f"{path}: cannot be read ({error.strerror or error}); {_rebuild(folder)}") from None
    recorded = (manifest or {}).get("design_sha256")
    if recorded is not None and sha256(data) != recorded:
        raise DamagedResults(
            f"{path}: damaged (its SHA-256 differs from the one recorded in manifest.json when it was written); "
            f"{_rebuild(folder)}"
        )
    try:
        design = pq.read_table(pa.BufferReader(data)).to_pandas()  # the bytes hashed, not a second read
    except Exception as error:  # pyarrow's errors for a cut or foreign file take several types
        raise DamagedResults(f"{path}: damaged (not a whole Parquet file: {error}); {_rebuild(folder)}") from None
    if "run_id" not in design.columns or "seed" not in design.columns:
        raise DamagedResults(f"{path}: not a sweep's design (no run_id or seed column); {_rebuild(folder)}")
    return design


def _rebuild(folder: Path) -> str:
    """What to do about a damaged manifest or design: the resume that rebuilds it from the experiment file."""
    command = resume_command(folder)
    # Without a readable manifest the options the sweep started with are unknown here: the resume must give them.
    options = " with the --replicates, --steps and --set it started with" if "EXPERIMENT" in command else ""
    return f"rebuild it from the experiment file with `{command}`{options} (finished runs are kept)"


def table_frame(table: str, parts: list[Any]) -> pd.DataFrame:
    """One table of several runs' results as a data frame, the runs in the order given.

    ``parts`` are the table's entries in ``cisim.experiments.worker.execute``'s results: summary rows (dicts),
    series (one array per column) or agents (frames).
    """
    if table == "summaries":
        return pd.DataFrame(parts)
    if table == "series":
        return pd.DataFrame({name: np.concatenate([part[name] for part in parts]) for name in parts[0]})
    return pd.concat(parts, ignore_index=True)


@dataclass
class BlockWriter:
    """Collects finished runs and writes each block of ``block_size`` runs when it is complete."""

    folder: Path
    block_size: int
    n_runs: int
    expected: dict[int, set[int]] = field(default_factory=dict)
    pending: dict[int, dict[str, list[Any]]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(list)))
    received: dict[int, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))

    def expect(self, run_ids: list[int]) -> None:
        """Declare the runs to be done now; blocks wait only for these (others are already on disk)."""
        for run_id in run_ids:
            self.expected.setdefault(block_of(run_id, self.block_size), set()).add(run_id)

    def add(self, result: dict[str, Any]) -> None:
        """Take one run's result; write its block if that was the last run it waited for."""
        run_id = result["run_id"]
        block = block_of(run_id, self.block_size)
        for table in TABLES:
            if result.get(table) is not None:
                self.pending[block][table].append(result[table])
        self.received[block].append({k: result[k] for k in ("run_id", "status", "seconds", "error", "seed")})
        self.expected[block].discard(run_id)
        if not self.expected[block]:
            self._write(block)

    def _write(self, block: int) -> None:
        """Write a block's files whole, then record its runs and, last, the block with each file's size and hash."""
        files = {}
        for table, parts in self.pending.pop(block, {}).items():
            frame = table_frame(table, parts)
            frame = frame.sort_values(["run_id", *(["step"] if "step" in frame else [])], kind="stable")
            buffer = io.BytesIO()
            frame.reset_index(drop=True).to_parquet(buffer, index=False)
            data = buffer.getvalue()
            relative = block_path(table, block)
            (self.folder / relative).parent.mkdir(exist_ok=True)  # only tables the sweep keeps get a folder
            write_bytes(self.folder / relative, data, durable=True)
            files[relative] = {"size": len(data), "sha256": sha256(data)}
        entries = sorted(self.received.pop(block), key=lambda e: e["run_id"])
        lines = [json.dumps(entry) for entry in entries]
        lines.append(json.dumps({"block": block, "runs": len(entries), "files": files}))
        with open(self.folder / "status.jsonl", "a", encoding="utf-8") as log:
            log.write("\n".join(lines) + "\n")
            log.flush()
            os.fsync(log.fileno())
        del self.expected[block]


def _recorded_without(folder: Path, table: str, complete: set[int]) -> bool:
    """Whether blocks are complete and the status log records each one's files without any of ``table``'s."""
    records = [e for e in _log_lines(folder) if e.get("block") in complete and "files" in e]
    return bool(records) and not any(f.startswith(f"{table}/") for e in records for f in e["files"])


def seeds_unsigned(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with its ``seed`` column (if it has one) as unsigned 64-bit integers, changed in place.

    Replicate seeds span the whole unsigned 64-bit range, so pandas infers int64 for a column of them when
    every seed happens to lie below 2**63 and uint64 otherwise; two such frames concatenated would hold the
    seeds as floats, which cannot keep them exactly. Frames handed to users always hold uint64 seeds (the files
    on disk are as written: a resume compares its design with them exactly).
    """
    if "seed" in frame.columns and frame["seed"].dtype != np.uint64:
        frame["seed"] = frame["seed"].astype(np.uint64)
    return frame


def load_results(folder: str | Path, table: str = "summaries", incomplete: str = "warn") -> pd.DataFrame:
    """Results of a sweep as one tidy DataFrame: the design joined with the chosen table.

    Only blocks whose files match the status log (size and SHA-256) are read. ``frame.attrs`` says how many
    runs the design has, how many are in, how many failed, how many are missing, and which blocks are
    damaged.

    Args:
        folder: the sweep's results folder.
        table: ``summaries`` (one row per run), ``series`` (one row per run and step) or ``agents``.
        incomplete: what to do when runs are missing (a sweep still running, stopped, or with damaged
            blocks): ``"warn"`` (an ``IncompleteResultsWarning`` saying what is missing and how to finish
            it), ``"error"`` (raise ``IncompleteResultsError``) or ``"ignore"``.

    Raises:
        FileNotFoundError: the folder holds no sweep.
        DamagedResults: its manifest or design is missing or damaged (the message says how to rebuild it).
        IncompleteResultsError: runs are missing and ``incomplete="error"``.
        TableNotKept: ``table`` is ``series`` or ``agents`` and the sweep did not keep it.
    """
    if not isinstance(folder, str | os.PathLike):
        raise TypeError(f"load_results: folder = {folder!r}: expected a results folder's path (text or a Path)")
    folder = Path(folder)
    if not (folder / "design.parquet").exists() and not (folder / "manifest.json").exists():
        raise FileNotFoundError(f"{folder}: not a sweep results folder (no design.parquet)")
    if table not in TABLES:
        raise ValueError(f"unknown table {table!r}: expected one of {', '.join(TABLES)}")
    if incomplete not in ("warn", "error", "ignore"):
        raise ValueError(f"incomplete={incomplete!r}: expected 'warn', 'error' or 'ignore'")
    manifest = read_manifest(folder)
    design = read_design(folder, manifest)
    block_size = _whole_or(manifest.get("block_size"), 50)
    verified = verify_blocks(folder, len(design), block_size, table)
    parts = [folder / block_path(table, b) for b in sorted(verified.complete)]
    parts = [p for p in parts if p.exists()]
    if not parts and table != "summaries" and _recorded_without(folder, table, verified.complete):
        compare = "; `cisim compare` keeps summaries and series only" if table == "agents" else ""
        raise TableNotKept(
            f"{folder}: this sweep did not keep the {table} table (its experiment's outputs.{table} was false"
            f"{compare}); to have it, set outputs.{table} = true in an experiment file and sweep it into a new folder"
        )
    if parts:
        results = pd.concat([pd.read_parquet(p) for p in parts], ignore_index=True)
        frame = design.merge(results, on="run_id", how="inner")
    else:
        frame = design.iloc[:0].copy()
    seeds_unsigned(frame)
    done = verified.runs_done(block_size)
    missing = len(design) - len(done)
    frame.attrs.update(
        runs=len(design),
        done=sum(1 for s in done.values() if s["status"] == "done"),
        failed=sum(1 for s in done.values() if s["status"] == "failed"),
        missing=missing,
        damaged={int(b): reason for b, reason in verified.damaged.items()},
    )
    if missing and incomplete != "ignore":
        message = incomplete_message(folder, len(design), missing, verified.damaged, block_size)
        if incomplete == "error":
            raise IncompleteResultsError(message)
        warnings.warn(message, IncompleteResultsWarning, stacklevel=2)
    return frame


def incomplete_message(folder: Path, runs: int, missing: int, damaged: dict[int, str], block_size: int) -> str:
    """What is missing from a results folder, and how to complete it."""
    text = f"{folder}: {missing:,} of {runs:,} runs are missing"
    if damaged:
        shown = "; ".join(
            f"block {b} (runs {b * block_size} to {min(runs, (b + 1) * block_size) - 1}): {reason}"
            for b, reason in sorted(damaged.items())[:3]
        )
        more = f"; and {len(damaged) - 3} more damaged blocks" if len(damaged) > 3 else ""
        text += f", damaged on disk: {shown}{more}"
    else:
        text += " (the sweep is still running, or was stopped)"
    return (
        f"{text}. The results are incomplete: complete them with "
        f"`{resume_command(folder)}`, which reruns only what is missing or damaged."
    )


def _whole_or(value: Any, default: int) -> int:
    return value if _whole(value) and value > 0 else default


def is_comparison(options: Any) -> bool:
    """Whether a sweep's recorded (or given) options are a comparison's: ``cisim compare`` records its arms and seed."""
    return isinstance(options, dict) and "arm" in options and "seed" in options


def earlier_runs(folder: Path) -> tuple[str, str, str] | None:
    """What a sweep or comparison left in ``folder``: its kind, its status and its runs, as words.

    Read from its manifest (``("sweep", "complete", "12 runs")``); None where the manifest cannot be read (the
    caller's plainer message stands).
    """
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        kind = "comparison" if is_comparison(manifest.get("options")) else "sweep"
        runs = int(manifest["runs"])
        status = str(manifest.get("status", ""))
    except (OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError):
        return None
    return kind, status, f"{runs:,} run{'s' if runs != 1 else ''}"


def resume_command(folder: Path) -> str:
    """The command that continues the sweep (or comparison) in ``folder``, as the manifest recorded it.

    A resume must repeat the options the sweep started with (``--replicates``, ``--steps``, every ``--set``;
    a comparison's ``--seed`` and ``--arm`` too), so they are written out; paths are absolute, so the
    command works from any folder.
    """
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        experiment = manifest["experiment"]
        options = manifest.get("options") or {}
        source = str(experiment["path"])
    except (OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError):
        return f"cisim sweep EXPERIMENT --out {shlex.quote(str(folder.absolute()))} --resume"
    if is_comparison(options):  # a comparison records its scenario's file as the experiment's
        # The built-in defaults have no file: the command names no scenario for them.
        words = ["cisim", "compare"] + ([] if source == BUILTIN else [absolute_file(source)])
        arms = str(options["arm"]).split(" vs ")
        if len(arms) == 2:
            words += ["--arm", arms[1]]
        words += ["--seed", str(options["seed"])]
    else:
        words = ["cisim", "sweep", absolute_file(source)]
    if options.get("replicates") is not None:
        words += ["--replicates", str(options["replicates"])]
    if options.get("steps") is not None:
        words += ["--steps", str(options["steps"])]
    for override in options.get("overrides") or []:
        words += ["--set", str(override)]
    words += ["--out", str(folder.absolute()), "--resume"]
    return shlex.join(words)


def absolute_file(source: str) -> str:
    """A file's path made absolute, so that a command naming it works from any folder.

    ``source`` is returned as given when it names no file here (a description in words, or a file since moved).
    """
    path = Path(source)
    return str(path.absolute()) if path.is_file() else source
