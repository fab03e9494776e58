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

With ``--previous-commit COMMIT`` the code at ``COMMIT`` (exported with ``git archive``, run with this
interpreter and packages, from its own folder and experiment files) takes part as well, in one process
(``--workers 1``), and is the base of the ratios: the issue's target compares this main on all cores with the
code before its work on one.

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
from typing import NamedTuple

from model_speed import export_previous  # benchmarks/ is on the path when a script runs

ROOT = Path(__file__).resolve().parents[1]
#: The ratio of wall times, all cores against one process, that issue 24 asks for at two cores.
TARGET = 0.55


class Contender(NamedTuple):
    """One way of running the command: a label, the worker count, and the code's root (``None``: this one)."""

    label: str
    workers: int
    root: Path | None = None


WARM_UP = "from cisim.model import CollectiveImpactModel as M; M(rng=1).step(); M(rng=1, solutions='own').step()"


def warm_up(contender: Contender) -> None:
    """Compile (or load from numba's cache) the code's kernels once, so that no timed run pays for compiling."""
    environment = dict(os.environ)
    if contender.root is not None:
        environment["PYTHONPATH"] = str(contender.root / "src")
    subprocess.run([sys.executable, "-c", WARM_UP], cwd=contender.root or ROOT, env=environment, check=True)


def run_validate(names: list[str], quick: bool, contender: Contender, scratch: Path) -> tuple[float, list[dict]]:
    """Run ``cisim validate`` in a fresh process; its wall time and its JSON record without wall times."""
    tag = f"{contender.label}-{contender.workers}"
    record = scratch / f"record-{tag}.json"
    command = [sys.executable, "-m", "cisim", "validate", *names, "--quiet", "--workers", str(contender.workers)]
    command += ["--json", str(record), "--out", str(scratch / f"out-{tag}")] + (["--quick"] if quick else [])
    record.unlink(missing_ok=True)
    environment, folder = dict(os.environ), ROOT
    if contender.root is not None:
        environment["PYTHONPATH"] = str(contender.root / "src")
        folder = contender.root
    start = time.perf_counter()
    finished = subprocess.run(command, capture_output=True, text=True, cwd=folder, env=environment)
    seconds = time.perf_counter() - start
    if finished.returncode:
        raise SystemExit(
            f"cisim validate ({contender.label}, --workers {contender.workers}) failed:\n{finished.stderr}"
        )
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
    parser.add_argument("--previous-commit", help="also run the code at this commit in one process, as the base")
    options = parser.parse_args()
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as scratch:
        contenders = [Contender("now", workers) for workers in options.workers]
        if options.previous_commit:
            root = export_previous(options.previous_commit, Path(scratch)).parent
            contenders.insert(0, Contender(options.previous_commit, 1, root))
        for contender in contenders:
            warm_up(contender)
        times: dict[Contender, list[float]] = {c: [] for c in contenders}
        records: dict[Contender, list[dict]] = {}
        for round_ in range(options.rounds):
            for contender in contenders:
                seconds, records[contender] = run_validate(options.names, options.quick, contender, Path(scratch))
                times[contender].append(seconds)
                print(
                    f"round {round_ + 1}, {contender.label}, {contender.workers} worker(s): {seconds:.1f} s", flush=True
                )
    load_after = os.getloadavg()
    base = contenders[0]
    identical = all(records[c] == records[base] for c in contenders)
    medians = {c: statistics.median(t) for c, t in times.items()}
    size = "quick" if options.quick else "full"
    print(f"\n{', '.join(options.names)} ({size}), {options.rounds} round(s), {os.cpu_count()} cores")
    print(f"load average before {load_before[0]:.1f}, after {load_after[0]:.1f} (1 minute)\n")
    print(f"| code | workers | wall time (median) | each round | ratio to {base.label}, {base.workers} worker(s) |")
    print("| --- | ---: | ---: | --- | ---: |")
    for contender, median in medians.items():
        each = ", ".join(f"{t:.1f}" for t in times[contender])
        ratio = median / medians[base]
        print(f"| {contender.label} | {contender.workers} | {median:.1f} s | {each} | {ratio:.2f} |")
    last = contenders[-1]
    met = "met" if medians[last] / medians[base] <= TARGET else "not met"
    print(
        f"\ntarget: {last.label} on {last.workers} workers at most {TARGET}x of {base.label} on {base.workers}: {met}"
    )
    print(f"records identical (every figure but wall times): {'yes' if identical else 'NO'}")
    if options.json:
        figures = {
            "names": options.names,
            "size": size,
            "contenders": [[c.label, c.workers] for c in contenders],
            "seconds": [times[c] for c in contenders],
            "median_seconds": [medians[c] for c in contenders],
            "load_average": [load_before[0], load_after[0]],
            "identical": identical,
        }
        options.json.write_text(json.dumps(figures, indent=2) + "\n")
    if not identical:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
