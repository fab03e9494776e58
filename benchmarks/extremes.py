"""The landscape's exact extremes in model runs: the cost of each search and of a whole run, against an earlier commit.

Usage (from the repository root, after scripts/setup.sh):

    .venv/bin/python benchmarks/extremes.py [--previous-commit 5d0aeab] [--rounds 3] [--runs 20] [--json FILE]

Every outcome is normalised by the landscape's exact extremes, which are searched again after every policy win
and every change of the problem. The previous commit (by default ``5d0aeab``, before the sums of every
configuration were kept between searches: ``cisim.problem.kept``) is exported with ``git archive`` and run with
this interpreter and packages. For each scenario, the two implementations alternate in fresh processes, round
after round (the earlier one first in odd rounds), each process doing a warm-up run and then ``--runs`` runs of
seeds 0, 1, ... (the model built with ``CollectiveImpactModel.from_scenario`` and stepped while it runs):

1. with ``Landscape._search`` wrapped in a timer: the processor time of each search, by what caused it (the
   first one, a policy lift, turbulence: the unlifted tables, then the lifted ones if there are lifts);
2. without the timer: the processor time of each run.

Figures are medians over every search (or run) of every round; times are ``time.process_time``, which waiting
for a processor does not inflate.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

from model_speed import export_previous  # benchmarks/ is on the path when a script runs

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ("complex", "adaptive_crisis", "technical", "cradle_to_career")

#: Runs in a fresh interpreter of either implementation; prints one JSON line.
WORKER = r"""
import json, sys, time
from collections import defaultdict

task = json.loads(sys.argv[1])
from cisim.model.model import CollectiveImpactModel
from cisim.problem import landscape as problem
from cisim.scenarios import load_scenario

scenario = load_scenario(task["scenario"])

def run(seed):
    model = CollectiveImpactModel.from_scenario(scenario, rng=seed)
    while model.running:
        model.step()

searches = defaultdict(list)
if task["kind"] == "searches":
    search, improve, redraw = problem.Landscape._search, problem.Landscape.improve, problem.Landscape.redraw

    def timed_search(self, tables, *rest):
        start = time.process_time()
        found = search(self, tables, *rest)
        seconds = time.process_time() - start
        if self.version == 0:
            kind = "first"
        elif self.__dict__.get("_last_change") == "lift":
            kind = "lift"
        else:
            kind = "turbulence, unlifted" if tables is self.base_tables and self.lifts.any() else "turbulence"
        searches[kind].append(seconds)
        return found

    def timed_improve(self, *arguments):
        self._last_change = "lift"
        return improve(self, *arguments)

    def timed_redraw(self, *arguments):
        self._last_change = "redraw"
        return redraw(self, *arguments)

    problem.Landscape._search = timed_search
    problem.Landscape.improve = timed_improve
    problem.Landscape.redraw = timed_redraw

run(10_000)  # warm-up: imports, compiled code, caches
searches.clear()
runs = []
for seed in range(task["runs"]):
    start = time.process_time()
    run(seed)
    runs.append(time.process_time() - start)
print(json.dumps({"runs": runs, "searches": searches}))
"""


def measure(source: Path, task: dict, script: Path) -> dict:
    done = subprocess.run(
        [sys.executable, str(script), json.dumps(task)],
        env={**os.environ, "PYTHONPATH": str(source)},
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--previous-commit", default="5d0aeab")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--runs", type=int, default=20, help="runs (seeds) per process")
    parser.add_argument("--scenarios", nargs="+", default=list(SCENARIOS))
    parser.add_argument("--json", type=Path, help="also write the measurements to this file")
    arguments = parser.parse_args()
    figures: dict = {}
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        script = folder / "worker.py"
        script.write_text(textwrap.dedent(WORKER))
        sources = {"previous": export_previous(arguments.previous_commit, folder), "now": ROOT / "src"}
        for name in arguments.scenarios:
            path = str(ROOT / "scenarios" / f"{name}.toml")
            collected: dict = {side: {"runs": [], "searches": {}} for side in sources}
            for round_ in range(arguments.rounds):
                order = ["previous", "now"] if round_ % 2 == 0 else ["now", "previous"]
                for kind in ("searches", "runs"):
                    for side in order:
                        task = {"scenario": path, "kind": kind, "runs": arguments.runs}
                        found = measure(sources[side], task, script)
                        if kind == "runs":
                            collected[side]["runs"] += found["runs"]
                        for cause, seconds in found["searches"].items():
                            collected[side]["searches"].setdefault(cause, []).extend(seconds)
            figures[name] = collected
            report(name, collected, arguments.runs * arguments.rounds)
    if arguments.json:
        arguments.json.write_text(json.dumps(figures, indent=1))


LABELS = {
    "first": "first search",
    "lift": "search after a lift",
    "turbulence": "search after turbulence",
    "turbulence, unlifted": "search after turbulence, unlifted tables",
}


def report(name: str, collected: dict, runs: int) -> None:
    previous, now = collected["previous"], collected["now"]
    print(f"\n### {name}: medians of processor time ({runs} runs each)\n")
    print("| | previous | now | ratio |")
    print("| --- | ---: | ---: | ---: |")
    for cause, label in LABELS.items():
        before, after = previous["searches"].get(cause, []), now["searches"].get(cause, [])
        if before and after:
            old, new = statistics.median(before) * 1e3, statistics.median(after) * 1e3
            print(f"| {label} ({len(before) / runs:.2f} a run) | {old:.3f} ms | {new:.3f} ms | {old / new:.1f}x |")
    old, new = (sum(sum(s) for s in side["searches"].values()) / runs * 1e3 for side in (previous, now))
    print(f"| all searches of a run (mean) | {old:.2f} ms | {new:.2f} ms | {old / new:.1f}x |")
    old, new = statistics.median(previous["runs"]) * 1e3, statistics.median(now["runs"]) * 1e3
    print(f"| a run | {old:.2f} ms | {new:.2f} ms | {old / new:.2f}x |")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
