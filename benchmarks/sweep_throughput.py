"""Sweep throughput and memory: cisim's runner (serial and all cores) against mesa.batch_run.

Usage (from the repository root, after scripts/setup.sh):

    .venv/bin/python benchmarks/sweep_throughput.py [--experiment experiments/isolated_vs_collective.toml]
                                                     [--workers N] [--memory-sizes 200 800 3200] [--json FILE]

What it measures, each in a fresh process so that nothing one measurement leaves behind (and nothing
mesa.batch_run changes process-wide: it sets the multiprocessing start method) affects another:

1. runs per second of ``cisim sweep`` on the experiment, serial and with all cores (processes executor),
   and the parallel efficiency: speed-up / workers;
2. runs per second of ``mesa.batch_run`` on the same model, the same runs (scenario, arm, design point,
   seed) and the same number of processes;
3. peak memory (max resident set size) of the main process of a sweep as the number of runs grows, for
   cisim and for mesa.batch_run, on a small scenario with short runs.

Targets (issue 4): parallel efficiency of at least 90 % on 2 cores; faster than mesa.batch_run on the same
work; peak memory independent of the number of runs.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CISIM_SWEEP = """
import json, resource, sys, time
from pathlib import Path
from cisim.experiments.design import load_experiment
from cisim.experiments.sweep import run_sweep

if __name__ == "__main__":
    experiment = load_experiment(sys.argv[1])
    start = time.perf_counter()
    report = run_sweep(experiment, Path(sys.argv[2]), executor=sys.argv[3], workers=int(sys.argv[4]))
    seconds = time.perf_counter() - start
    print(json.dumps({"runs": report.runs, "seconds": seconds,
                      "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

BATCH_RUN = """
import json, resource, sys, time
from cisim.experiments.design import load_experiment
from cisim.model import CollectiveImpactModel
import mesa

if __name__ == "__main__":
    experiment = load_experiment(sys.argv[1])
    design = experiment.design()
    # batch_run crosses its parameter lists with its seeds: one scenario per (design point, arm) crossed
    # with the replicate seeds is exactly the experiment's design.
    rows = design.drop_duplicates(["scenario_index", "point", "arm"]).to_dict("records")
    scenarios = [experiment.scenario_for(row) for row in rows]
    seeds = sorted(set(design["seed"]), key=list(design["seed"]).index)
    steps = experiment.steps or scenarios[0]["run.steps"]
    start = time.perf_counter()
    period = 1 if experiment.series else -1  # keep per-step data when cisim does, for a fair comparison
    results = mesa.batch_run(CollectiveImpactModel, {"scenario": scenarios}, number_processes=int(sys.argv[2]),
                             rng=seeds, max_steps=steps, data_collection_period=period, display_progress=False)
    seconds = time.perf_counter() - start
    print(json.dumps({"runs": len({(r["RunId"]) for r in results}), "seconds": seconds,
                      "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

MEMORY_EXPERIMENT = """
name = "memory_probe"
description = "many short runs of a small problem"
scenarios = ["{scenario}"]
seed = 1
replicates = {replicates}

[arms.collective]
preset = "collective"

[factors]
"run.steps" = [5]
"problem.n_elements" = [8]
"organizations.n_organizations" = [6]

[outputs]
series = true
"""


def measure(script: str, *args: str) -> dict:
    """Run a measurement in a fresh interpreter and return what it printed (JSON)."""
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as handle:
        handle.write(textwrap.dedent(script))
    output = subprocess.run([sys.executable, handle.name, *args], capture_output=True, text=True, cwd=ROOT)
    Path(handle.name).unlink()
    if output.returncode:
        raise SystemExit(f"measurement failed:\n{output.stderr}")
    return json.loads(output.stdout.strip().splitlines()[-1])


def main() -> None:
    """Measure and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--experiment", default=str(ROOT / "experiments" / "isolated_vs_collective.toml"))
    parser.add_argument("--workers", type=int, default=None, help="default: all cores")
    parser.add_argument("--memory-sizes", type=int, nargs="+", default=[200, 800, 3200])
    parser.add_argument("--repeats", type=int, default=1, help="time each runner this often and keep the best")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    options = parser.parse_args()
    from cisim.experiments.executors import default_workers

    workers = options.workers or default_workers()
    figures: dict = {"experiment": options.experiment, "workers": workers}
    with tempfile.TemporaryDirectory() as scratch:

        def best(script: str, *args: str) -> dict:
            trials = []
            for trial in range(options.repeats):
                trials.append(measure(script, *(a.replace("{trial}", str(trial)) for a in args)))
            return min(trials, key=lambda t: t["seconds"])

        serial = best(CISIM_SWEEP, options.experiment, f"{scratch}/serial{{trial}}", "serial", "1")
        parallel = best(CISIM_SWEEP, options.experiment, f"{scratch}/parallel{{trial}}", "processes", str(workers))
        batch_serial = best(BATCH_RUN, options.experiment, "1")
        batch_parallel = best(BATCH_RUN, options.experiment, str(workers))
        figures["throughput"] = {
            "cisim serial": serial["runs"] / serial["seconds"],
            f"cisim processes x{workers}": parallel["runs"] / parallel["seconds"],
            "mesa.batch_run serial": batch_serial["runs"] / batch_serial["seconds"],
            f"mesa.batch_run x{workers}": batch_parallel["runs"] / batch_parallel["seconds"],
        }
        figures["runs"] = serial["runs"]
        figures["parallel_efficiency"] = serial["seconds"] / parallel["seconds"] / workers
        figures["memory_mb"] = {}
        library = Path(scratch) / "scenarios"
        library.mkdir()
        (library / "small.toml").write_text('name = "small"\ndescription = "small"\n')
        experiments = Path(scratch) / "experiments"
        experiments.mkdir()
        for size in options.memory_sizes:
            path = experiments / f"memory_{size}.toml"
            path.write_text(MEMORY_EXPERIMENT.format(scenario="small", replicates=size))
            ours = measure(CISIM_SWEEP, str(path), f"{scratch}/memory_{size}", "processes", str(workers))
            theirs = measure(BATCH_RUN, str(path), str(workers))
            figures["memory_mb"][size] = {"cisim": ours["peak_mb"], "mesa.batch_run": theirs["peak_mb"]}
    print(f"experiment: {options.experiment} ({figures['runs']} runs), {workers} workers\n")
    print(f"{'runner':<28} {'runs/s':>8}")
    for name, rate in figures["throughput"].items():
        print(f"{name:<28} {rate:>8.2f}")
    print(f"\nparallel efficiency (cisim, {workers} workers): {figures['parallel_efficiency']:.0%}")
    print(f"\npeak memory of the main process (MB), series kept:\n{'runs':>8} {'cisim':>8} {'batch_run':>10}")
    for size, peak in figures["memory_mb"].items():
        print(f"{size:>8} {peak['cisim']:>8.0f} {peak['mesa.batch_run']:>10.0f}")
    if options.json:
        options.json.write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()
