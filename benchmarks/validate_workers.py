"""Wall time of ``cisim validate`` in one process against all cores, and whether the records are identical.

Usage (from the repository root, after scripts/setup.sh):

    .venv/bin/python benchmarks/validate_workers.py [NAME ...] [--quick] [--workers 1 2] [--rounds N]
        [--json FILE]

Each round runs the command once per worker count, alternating in fresh processes (``cisim validate NAME
--workers W``), so a machine whose load changes during the measurement changes every count alike; the figure
is the median wall time of the whole command (start-up and worker start-up included) over the rounds, and
the ratio is each count's against the first's. The load average is printed before and after: on a shared
machine it says how far to trust the figures.

Equivalence: the ``--json`` records of every run must be identical, figure for figure, apart from their wall
times; the script says so or exits with status 1.

Target (issue 24): ``cisim validate lazer_friedman_2007`` at the published size on 2 cores in at most 0.55x
the wall time of one process.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: The ratio of wall times, all cores against one process, that issue 24 asks for at two cores.
TARGET = 0.55


def run_validate(names: list[str], quick: bool, workers: int, scratch: Path) -> tuple[float, list[dict]]:
    """Run ``cisim validate`` in a fresh process; its wall time and its JSON record without wall times."""
    record = scratch / f"record-{workers}.json"
    command = [sys.executable, "-m", "cisim", "validate", *names, "--quiet", "--workers", str(workers)]
    command += ["--json", str(record), "--out", str(scratch / f"out-{workers}")] + (["--quick"] if quick else [])
    record.unlink(missing_ok=True)
    start = time.perf_counter()
    finished = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    seconds = time.perf_counter() - start
    if finished.returncode:
        raise SystemExit(f"cisim validate --workers {workers} failed:\n{finished.stderr}")
    entries = json.loads(record.read_text())
    for entry in entries:
        entry.pop("wall_time_seconds")
    return seconds, entries


def main() -> None:
    """Measure, check the records and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", default=["lazer_friedman_2007"], help="experiments to run")
    parser.add_argument("--quick", action="store_true", help="the reduced sizes")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2], help="worker counts; the first is the base")
    parser.add_argument("--rounds", type=int, default=1, help="alternations of every worker count")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    options = parser.parse_args()
    load_before = os.getloadavg()
    times: dict[int, list[float]] = {w: [] for w in options.workers}
    records: dict[int, list[dict]] = {}
    with tempfile.TemporaryDirectory() as scratch:
        for round_ in range(options.rounds):
            for workers in options.workers:
                seconds, records[workers] = run_validate(options.names, options.quick, workers, Path(scratch))
                times[workers].append(seconds)
                print(f"round {round_ + 1}, {workers} worker(s): {seconds:.1f} s", flush=True)
    load_after = os.getloadavg()
    base = options.workers[0]
    identical = all(records[w] == records[base] for w in options.workers)
    medians = {w: statistics.median(t) for w, t in times.items()}
    size = "quick" if options.quick else "full"
    print(f"\n{', '.join(options.names)} ({size}), {options.rounds} round(s), {os.cpu_count()} cores")
    print(f"load average before {load_before[0]:.1f}, after {load_after[0]:.1f} (1 minute)\n")
    print(f"| workers | wall time (median) | each round | ratio to {base} |")
    print("| ---: | ---: | --- | ---: |")
    for workers, median in medians.items():
        each = ", ".join(f"{t:.1f}" for t in times[workers])
        print(f"| {workers} | {median:.1f} s | {each} | {median / medians[base]:.2f} |")
    last = options.workers[-1]
    met = "met" if medians[last] / medians[base] <= TARGET else "not met"
    print(f"\ntarget: {last} workers at most {TARGET}x of {base}: {met}")
    print(f"records identical across worker counts (every figure but wall times): {'yes' if identical else 'NO'}")
    if options.json:
        figures = {
            "names": options.names,
            "size": size,
            "seconds": times,
            "median_seconds": medians,
            "load_average": [load_before[0], load_after[0]],
            "identical": identical,
        }
        options.json.write_text(json.dumps(figures, indent=2) + "\n")
    if not identical:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
