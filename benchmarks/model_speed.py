"""The model's speed against the previous main, measured in the same run: one default run, scaling, big runs.

Usage (from the repository root, after scripts/setup.sh):

    .venv/bin/python benchmarks/model_speed.py [--previous-commit 12ddc70] [--rounds 5] [--quick] [--json FILE]

"Previous main" is the code before the vectorised model (commit ``12ddc70`` by default). The script exports it
with ``git archive`` into a temporary folder and runs it with this interpreter and this environment's packages
(``PYTHONPATH`` puts its ``src`` first), so that both implementations run on the same Python, numpy and Mesa;
``--previous-python PATH`` runs it with another interpreter instead (a virtual environment made for it). Every
measurement runs in a fresh process; the two implementations alternate, round after round, and medians are
taken over every run of every round, so that other work on a shared machine disturbs both alike. Times are the
processor time of the measuring process (``time.process_time``), which waiting for a processor does not
inflate; wall-clock medians are printed beside them.

What it measures:

1. the default complex run (``scenarios/complex.toml``: 12 organizations, 100 steps, every output collected
   every step), as ``cisim run`` and every sweep run it: building the model, stepping, collecting, the
   summary. Also with outputs collected every 10th step (``run.collect_every = 10``, which the previous main
   did not have: its ratio is against the previous main's every-step run);
2. the cost of a step as the number of organizations grows (10 to 1,000; the complex scenario otherwise), with
   the fitted exponent of cost against organizations, and the same for the previous main;
3. 1,000 organizations x 500 steps, the whole run;
4. the cost of a step as elements x 2^k grows (100 organizations; policy wins off, because each win
   re-normalises the problem, whose cost ``benchmarks/normalisation.py`` measures).

``--quick`` takes fewer rounds and sizes and estimates the previous main's 500-step big run from 100 steps.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COMPLEX = ROOT / "scenarios" / "complex.toml"

#: Runs in a fresh interpreter of either implementation; prints one JSON line.
WORKER = r"""
import json, sys, time

task = json.loads(sys.argv[1])
from cisim.api import resolve_scenario
from cisim.experiments.runs import run_model
from cisim.model import CollectiveImpactModel

def scenario(overrides=()):
    try:
        base = resolve_scenario(task["scenario"], list(overrides))
    except Exception:  # a field this implementation does not know: its own copy of the scenario
        base = resolve_scenario(task["name"], list(overrides))
    return base.with_arm("scenario")

def build(chosen, seed):
    if hasattr(CollectiveImpactModel, "from_scenario"):
        return CollectiveImpactModel.from_scenario(chosen, rng=seed)
    return CollectiveImpactModel(chosen, rng=seed)

def timed(work):
    wall, cpu = time.perf_counter(), time.process_time()
    work()
    return time.process_time() - cpu, time.perf_counter() - wall

out = {}
if task["kind"] == "run":
    chosen = scenario(task.get("overrides", ()))
    run_model(chosen, 0)  # warm-up: imports, compiled code, caches
    times = [timed(lambda s=seed: run_model(chosen, s)) for seed in task["seeds"]]
    out = {"cpu": [c for c, _ in times], "wall": [w for _, w in times]}
elif task["kind"] == "steps":
    chosen = scenario([f"organizations.n_organizations={task['organizations']}", *task.get("overrides", ())])
    warm = build(chosen, 0)
    for _ in range(3):
        warm.step()
    per_step = []
    for seed in task["seeds"]:
        model = build(chosen, seed)
        for _ in range(3):
            model.step()
        cpu, wall = timed(lambda m=model: [m.step() for _ in range(task["steps"])])
        per_step.append((cpu / task["steps"], wall / task["steps"]))
    out = {"cpu": [c for c, _ in per_step], "wall": [w for _, w in per_step]}
elif task["kind"] == "big":
    chosen = scenario([f"organizations.n_organizations={task['organizations']}"])
    run_model(scenario(["organizations.n_organizations=20"]), 0, 5)  # warm-up
    cpu, wall = timed(lambda: run_model(chosen, 1, task["steps"]))
    out = {"cpu": [cpu], "wall": [wall]}
print(json.dumps(out))
"""


def export_previous(commit: str, folder: Path) -> Path:
    """The previous main's files at ``commit`` (``git archive``); returns its ``src`` folder."""
    archive = folder / "previous.tar"
    subprocess.run(["git", "archive", "--format=tar", "-o", str(archive), commit], cwd=ROOT, check=True)
    with tarfile.open(archive) as tar:
        tar.extractall(folder / "previous", filter="data")
    return folder / "previous" / "src"


class Implementation:
    """How to start a measuring process of one implementation."""

    def __init__(self, name: str, python: str, source: Path | None = None) -> None:
        self.name, self.python, self.source = name, python, source

    def measure(self, task: dict, script: Path) -> dict:
        env = dict(os.environ)
        if self.source is not None:
            env["PYTHONPATH"] = str(self.source) + os.pathsep + env.get("PYTHONPATH", "")
        done = subprocess.run(
            [self.python, str(script), json.dumps(task)], capture_output=True, text=True, cwd=ROOT, env=env
        )
        if done.returncode:
            raise SystemExit(f"{self.name}: measurement failed:\n{done.stderr}")
        return json.loads(done.stdout.strip().splitlines()[-1])


def alternate(implementations: list[Implementation], task: dict, rounds: int, script: Path) -> dict[str, dict]:
    """Every implementation measured ``rounds`` times, alternating; all runs pooled per implementation."""
    pooled: dict[str, dict] = {i.name: {"cpu": [], "wall": []} for i in implementations}
    for _ in range(rounds):
        for implementation in implementations:
            result = implementation.measure(task, script)
            pooled[implementation.name]["cpu"] += result["cpu"]
            pooled[implementation.name]["wall"] += result["wall"]
    return pooled


def median(values: list[float]) -> float:
    return statistics.median(values)


def slope(xs: list[float], ys: list[float]) -> float:
    """Least-squares slope of log y against log x: the exponent of a power law."""
    lx, ly = [math.log(x) for x in xs], [math.log(y) for y in ys]
    mx, my = sum(lx) / len(lx), sum(ly) / len(ly)
    return sum((a - mx) * (b - my) for a, b in zip(lx, ly, strict=True)) / sum((a - mx) ** 2 for a in lx)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--previous-commit", default="12ddc70", help="the previous main [default: 12ddc70]")
    parser.add_argument("--previous-python", help="run the previous main with this interpreter (its own venv)")
    parser.add_argument("--rounds", type=int, default=5, help="alternating rounds per measurement [default: 5]")
    parser.add_argument("--quick", action="store_true", help="fewer rounds and sizes (a few minutes)")
    parser.add_argument("--only", type=int, nargs="+", choices=[1, 2, 3, 4], help="measure only these parts")
    parser.add_argument("--json", type=Path, help="also write the measurements to this file")
    options = parser.parse_args()
    parts = set(options.only or [1, 2, 3, 4])
    rounds = 2 if options.quick else options.rounds
    figures: dict = {"previous_commit": options.previous_commit, "rounds": rounds}
    with tempfile.TemporaryDirectory() as scratch_name:
        scratch = Path(scratch_name)
        script = scratch / "worker.py"
        script.write_text(textwrap.dedent(WORKER))
        source = export_previous(options.previous_commit, scratch)
        bench = Bench(
            Implementation("now", sys.executable),
            Implementation("previous main", options.previous_python or sys.executable, source),
            script,
            rounds,
            options.quick,
        )
        if 1 in parts:
            figures["default_run"] = bench.default_run()
        if 2 in parts:
            figures.update(bench.organizations())
        if 3 in parts:
            figures["big_run"] = bench.big_run()
        if 4 in parts:
            figures.update(bench.problem_size())
    report(figures)
    if options.json:
        options.json.write_text(json.dumps(figures, indent=2) + "\n")


class Bench:
    """The measurements, each alternating the implementations it compares."""

    def __init__(
        self, current: Implementation, previous: Implementation, script: Path, rounds: int, quick: bool
    ) -> None:
        self.current, self.previous, self.script, self.rounds, self.quick = current, previous, script, rounds, quick
        self.base = {"scenario": str(COMPLEX), "name": "complex"}

    def default_run(self) -> dict:
        """1. The default complex run, every output every step and every 10th step."""
        print("1. default complex run ...", flush=True)
        task = {**self.base, "kind": "run", "seeds": list(range(1, 11))}
        default = alternate([self.current, self.previous], task, self.rounds, self.script)
        strided = alternate([self.current], {**task, "overrides": ["run.collect_every=10"]}, self.rounds, self.script)
        return {
            "now_s": median(default["now"]["cpu"]),
            "now_wall_s": median(default["now"]["wall"]),
            "previous_s": median(default["previous main"]["cpu"]),
            "previous_wall_s": median(default["previous main"]["wall"]),
            "strided_s": median(strided["now"]["cpu"]),
            "strided_wall_s": median(strided["now"]["wall"]),
            "runs": len(default["now"]["cpu"]),
        }

    def organizations(self) -> dict:
        """2. Cost per step against organizations, both implementations, and the fitted exponents."""
        print("2. cost per step against organizations ...", flush=True)
        sizes = [10, 100, 1000] if self.quick else [10, 30, 100, 300, 1000]
        rows = []
        for count in sizes:
            steps = 100 if count <= 100 else 30
            task = {**self.base, "kind": "steps", "organizations": count, "steps": steps, "seeds": [1, 2, 3]}
            measured = alternate([self.current, self.previous], task, max(1, self.rounds // 2), self.script)
            rows.append(
                {
                    "organizations": count,
                    "now_ms": 1000 * median(measured["now"]["cpu"]),
                    "previous_ms": 1000 * median(measured["previous main"]["cpu"]),
                }
            )
            print(f"   {count} organizations: {rows[-1]['now_ms']:.3f} ms per step", flush=True)
        return {
            "per_step": rows,
            "exponent_now": slope(sizes, [row["now_ms"] for row in rows]),
            "exponent_previous": slope(sizes, [row["previous_ms"] for row in rows]),
        }

    def big_run(self) -> dict:
        """3. 1,000 organizations x 500 steps (the previous main: from 100 steps with --quick)."""
        print("3. 1,000 organizations x 500 steps ...", flush=True)
        task = {**self.base, "kind": "big", "organizations": 1000, "steps": 500}
        now = alternate([self.current], task, 1, self.script)["now"]
        previous_steps = 100 if self.quick else 500
        before = alternate([self.previous], {**task, "steps": previous_steps}, 1, self.script)["previous main"]
        return {
            "now_s": now["cpu"][0],
            "now_wall_s": now["wall"][0],
            "previous_s": before["cpu"][0] * 500 / previous_steps,
            "previous_steps_measured": previous_steps,
        }

    def problem_size(self) -> dict:
        """4. Cost per step against elements x 2^k (100 organizations, no policy wins)."""
        print("4. cost per step against elements x 2^k ...", flush=True)
        shapes = [(8, 2), (16, 6), (24, 10)] if self.quick else [(8, 2), (16, 2), (16, 6), (24, 6), (24, 10)]
        rows = []
        for n, k in shapes:
            overrides = [f"problem.n_elements={n}", f"problem.k={k}", "backbone.policy_win_rate=0"]
            task = {
                **self.base,
                "kind": "steps",
                "organizations": 100,
                "steps": 50,
                "seeds": [1, 2],
                "overrides": overrides,
            }
            measured = alternate([self.current], task, 1, self.script)
            rows.append({"n": n, "k": k, "size": n * 2**k, "now_ms": 1000 * median(measured["now"]["cpu"])})
            print(f"   n={n} k={k}: {rows[-1]['now_ms']:.3f} ms per step", flush=True)
        return {
            "per_step_problem": rows,
            "exponent_problem": slope([row["size"] for row in rows], [row["now_ms"] for row in rows]),
        }


def report(figures: dict) -> None:
    """Print the tables in Markdown (of the parts measured)."""
    if "default_run" in figures:
        report_default_run(figures["default_run"])
    if "per_step" in figures:
        report_organizations(figures)
    if "big_run" in figures:
        report_big_run(figures["big_run"])
    if "per_step_problem" in figures:
        report_problem_size(figures)


def report_default_run(run: dict) -> None:
    print(f"\n### Default complex run (12 organizations, 100 steps): median of {run['runs']} runs, CPU seconds\n")
    print("| | now | previous main | ratio |")
    print("| --- | ---: | ---: | ---: |")
    print(
        f"| every output every step | {run['now_s'] * 1000:.1f} ms | {run['previous_s'] * 1000:.1f} ms "
        f"| {run['previous_s'] / run['now_s']:.1f}x |"
    )
    print(
        f"| outputs every 10th step | {run['strided_s'] * 1000:.1f} ms | {run['previous_s'] * 1000:.1f} ms "
        f"| {run['previous_s'] / run['strided_s']:.1f}x |"
    )
    print(
        f"| (wall clock, every step) | {run['now_wall_s'] * 1000:.1f} ms | {run['previous_wall_s'] * 1000:.1f} ms "
        f"| {run['previous_wall_s'] / run['now_wall_s']:.1f}x |"
    )


def report_organizations(figures: dict) -> None:
    print("\n### Cost of a step against organizations (complex scenario): CPU milliseconds per step\n")
    print("| organizations | now | previous main | ratio |")
    print("| ---: | ---: | ---: | ---: |")
    for row in figures["per_step"]:
        ratio = row["previous_ms"] / row["now_ms"]
        print(f"| {row['organizations']:,} | {row['now_ms']:.3f} | {row['previous_ms']:.3f} | {ratio:.1f}x |")
    print(
        f"\nFitted exponent of cost per step against organizations: now {figures['exponent_now']:.2f}, "
        f"previous main {figures['exponent_previous']:.2f} (1 is linear)."
    )


def report_big_run(big: dict) -> None:
    note = "" if big["previous_steps_measured"] == 500 else f" (from {big['previous_steps_measured']} steps)"
    print(
        f"\n### 1,000 organizations x 500 steps\n\nnow {big['now_s']:.2f} s CPU ({big['now_wall_s']:.2f} s wall), "
        f"previous main {big['previous_s']:.1f} s{note}: {big['previous_s'] / big['now_s']:.1f}x"
    )


def report_problem_size(figures: dict) -> None:
    print("\n### Cost of a step against elements x 2^k (100 organizations, no policy wins): CPU ms per step\n")
    print("| n | k | n x 2^k | now |")
    print("| ---: | ---: | ---: | ---: |")
    for row in figures["per_step_problem"]:
        print(f"| {row['n']} | {row['k']} | {row['size']:,} | {row['now_ms']:.3f} |")
    print(f"\nFitted exponent of cost per step against n x 2^k: {figures['exponent_problem']:.2f}.")


if __name__ == "__main__":
    main()
