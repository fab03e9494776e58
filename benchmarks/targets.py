"""Every speed target of the project's performance work in one table: measured, needed, met or not.

Usage (from the repository root, after scripts/setup.sh):

    .venv/bin/python benchmarks/targets.py [--full] [--problems 50] [--json FILE]

Runs the benchmarks that measure each target, one after another in fresh processes (their own output goes to
a log, whose path is printed), and prints one table:

- a default complex run in at most 6 ms (``model_speed.py --only 1``: median processor time);
- cisim's stepping at least as fast as a plain numpy model, and cisim's validate driver within 2x of a tight
  numba kernel end to end (``peers.py``, on the same exported Lazer & Friedman problems);
- ``cisim validate lazer_friedman_2007`` on 2 workers in at most 0.55x the wall time of the code before the work
  (``1c03a09``) in one process (``validate_workers.py``; the quick sizes unless ``--full``, about 10 minutes
  more), its records identical;
- the experiment's own 450-run sweep at least 80 % parallel efficiency on 2 workers, start-up included
  (``sweep_throughput.py --repeats 3``: the fastest of three alternating runs each, serial and on the workers; a
  single run of each ranged from 72 % to 106 % within minutes on this shared machine).

Each figure is one run's on whatever else the machine is doing: the load average before and after is printed,
and each script's own table (in the log) says more. A target's ratio is the measured figure over the one needed,
so that 1 or more is met for every row.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent

DEFAULT_RUN_MS = 6.0
VALIDATE_BASE = "1c03a09"  # the code before the performance work: cisim validate in one process


def measure(script: str, arguments: list[str], log: Path) -> dict:
    """Run ``benchmarks/script`` with ``--json`` into a scratch file; its output is added to ``log``."""
    with tempfile.TemporaryDirectory() as scratch:
        record = Path(scratch) / "figures.json"
        command = [sys.executable, str(HERE / script), *arguments, "--json", str(record)]
        started = time.monotonic()
        print(f"running {script} {' '.join(arguments)} ...", flush=True)
        with log.open("a") as out:
            out.write(f"\n$ {' '.join(command)}\n")
            out.flush()
            finished = subprocess.run(command, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, check=False)
        if not record.exists():
            raise SystemExit(f"{script} wrote no figures (status {finished.returncode}); see {log}")
        print(f"  done in {time.monotonic() - started:.0f} s", flush=True)
        return json.loads(record.read_text())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--full", action="store_true", help="cisim validate at the published size")
    parser.add_argument("--problems", type=int, default=50, help="problems per network for peers.py")
    parser.add_argument("--json", type=Path, help="also write the table's figures to this file")
    options = parser.parse_args()
    log = Path(tempfile.mkdtemp(prefix="cisim-targets-")) / "benchmarks.log"
    print(f"each benchmark's own output: {log}")
    load_before = os.getloadavg()

    speed = measure("model_speed.py", ["--only", "1", "--rounds", "3"], log)
    default_ms = speed["default_run"]["now_s"] * 1000
    peers = measure("peers.py", ["--problems", str(options.problems)], log)
    stepping, driver = peers["targets"].values()
    size = [] if options.full else ["--quick"]
    validate = measure(
        "validate_workers.py", [*size, "--workers", "2", "--previous-commit", VALIDATE_BASE, "--rounds", "1"], log
    )
    base, now = validate["median_seconds"]
    sweep = measure("sweep_throughput.py", ["--no-batch-run", "--memory-sizes", "--repeats", "3"], log)
    short = sweep["short_sweep"]
    load_after = os.getloadavg()

    rows = [
        ("default complex run", f"{default_ms:.1f} ms", f"at most {DEFAULT_RUN_MS:g} ms", DEFAULT_RUN_MS / default_ms),
        ("cisim stepping / plain numpy stepping", f"{stepping:.3f}", "1 or more", stepping),
        ("validate driver / tight kernel, end to end", f"{driver:.3f}", "0.5 or more", driver / 0.5),
        (
            f"cisim validate lazer_friedman_2007 ({validate['size']}), 2 workers / {VALIDATE_BASE} in one process",
            f"{now / base:.2f} ({now:.0f} s / {base:.0f} s; records identical: "
            f"{'yes' if validate['identical'] else 'NO'})",
            "at most 0.55",
            0.55 / (now / base),
        ),
        (
            f"{short['runs']}-run sweep, parallel efficiency on {sweep['workers']} workers",
            f"{short['parallel_efficiency']:.0%}",
            f"at least {short['target']:.0%}",
            short["parallel_efficiency"] / short["target"],
        ),
    ]
    print(f"\nload average before {load_before[0]:.1f}, after {load_after[0]:.1f} (1 minute); {os.cpu_count()} cores\n")
    print("| target | measured | needed | measured / needed | met |\n| --- | --- | --- | ---: | --- |")
    for label, measured, needed, ratio in rows:
        print(f"| {label} | {measured} | {needed} | {ratio:.2f} | {'yes' if ratio >= 1 else 'no'} |")
    if options.json:
        figures = {
            label: {"measured": measured, "needed": needed, "ratio": ratio} for label, measured, needed, ratio in rows
        }
        figures["load_average"] = [load_before[0], load_after[0]]
        options.json.write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()
