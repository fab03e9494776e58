"""The results folder of a sweep: written as runs finish, readable at any time, resumable after a stop.

Layout::

    design.parquet          every run of the design, with its seed, written before any run starts
    manifest.json           cisim version, experiment and scenarios with hashes, seeds, executor, platform,
                            timestamps and run statistics
    status.jsonl            append-only: one line per run once its results are on disk (done or failed)
    summaries/block-N.parquet   per-run summaries of runs N*block_size ... in run order
    series/block-N.parquet      per-step series (if kept)
    agents/block-N.parquet      organizations' final states (if kept)

Runs are grouped into blocks by position; a block is written, sorted by ``run_id``, once all its runs are
in, so the files do not depend on the order in which runs finish, and memory holds only open blocks.
"""

from __future__ import annotations

import json
import os
import platform
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

TABLES = ("summaries", "series", "agents")


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


def read_status(folder: Path) -> dict[int, dict[str, Any]]:
    """The last status line of every run recorded so far (a torn last line from a kill is ignored)."""
    status: dict[int, dict[str, Any]] = {}
    path = folder / "status.jsonl"
    if path.exists():
        for line in path.read_text().splitlines():
            try:
                entry = json.loads(line)
            except json.JSONDecodeError:
                continue
            status[entry["run_id"]] = entry
    return status


def read_manifest(folder: Path) -> dict[str, Any]:
    """The sweep's manifest."""
    return json.loads((folder / "manifest.json").read_text())


def write_manifest(folder: Path, manifest: dict[str, Any]) -> None:
    """Write the manifest atomically (a stop never leaves half a file)."""
    temporary = folder / "manifest.json.tmp"
    temporary.write_text(json.dumps(manifest, indent=2, default=str) + "\n")
    temporary.replace(folder / "manifest.json")


@dataclass
class BlockWriter:
    """Collects finished runs and writes each block of ``block_size`` runs when it is complete."""

    folder: Path
    block_size: int
    n_runs: int
    expected: dict[int, set[int]] = field(default_factory=dict)
    pending: dict[int, dict[str, list[Any]]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(list)))
    received: dict[int, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))

    def __post_init__(self) -> None:
        for table in TABLES:
            (self.folder / table).mkdir(parents=True, exist_ok=True)

    def expect(self, run_ids: list[int]) -> None:
        """Declare the runs to be done now; blocks wait only for these (others are already on disk)."""
        for run_id in run_ids:
            self.expected.setdefault(run_id // self.block_size, set()).add(run_id)

    def add(self, result: dict[str, Any]) -> None:
        """Take one run's result; write its block if that was the last run it waited for."""
        run_id = result["run_id"]
        block = run_id // self.block_size
        for table in TABLES:
            if result.get(table) is not None:
                self.pending[block][table].append(result[table])
        self.received[block].append({k: result[k] for k in ("run_id", "status", "seconds", "error", "seed")})
        self.expected[block].discard(run_id)
        if not self.expected[block]:
            self._write(block)

    def _write(self, block: int) -> None:
        for table, frames in self.pending.pop(block, {}).items():
            frame = pd.concat(frames, ignore_index=True)
            frame = frame.sort_values(["run_id", *(["step"] if "step" in frame else [])], kind="stable")
            path = self.folder / table / f"block-{block:06d}.parquet"
            temporary = path.with_suffix(".tmp")
            frame.reset_index(drop=True).to_parquet(temporary, index=False)
            temporary.replace(path)
        with open(self.folder / "status.jsonl", "a") as log:
            for entry in sorted(self.received.pop(block), key=lambda e: e["run_id"]):
                log.write(json.dumps(entry) + "\n")
            log.flush()
            os.fsync(log.fileno())
        del self.expected[block]


def load_results(folder: str | Path, table: str = "summaries") -> pd.DataFrame:
    """Results of a sweep as one tidy DataFrame: the design joined with the chosen table.

    Works on a finished or a partial (still running or stopped) sweep; ``frame.attrs`` says how many runs
    the design has, how many are in, and how many failed.

    Args:
        folder: the sweep's results folder.
        table: ``summaries`` (one row per run), ``series`` (one row per run and step) or ``agents``.
    """
    folder = Path(folder)
    if not (folder / "design.parquet").exists():
        raise FileNotFoundError(f"{folder}: not a sweep results folder (no design.parquet)")
    if table not in TABLES:
        raise ValueError(f"unknown table {table!r}: expected one of {', '.join(TABLES)}")
    design = pd.read_parquet(folder / "design.parquet")
    parts = sorted((folder / table).glob("block-*.parquet"))
    if parts:
        results = pd.concat([pd.read_parquet(p) for p in parts], ignore_index=True)
        frame = design.merge(results, on="run_id", how="inner")
    else:
        frame = design.iloc[:0]
    status = read_status(folder)
    frame.attrs.update(
        runs=len(design),
        done=sum(1 for s in status.values() if s["status"] == "done"),
        failed=sum(1 for s in status.values() if s["status"] == "failed"),
        missing=len(design) - len(status),
    )
    return frame
