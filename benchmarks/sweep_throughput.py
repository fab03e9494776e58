"""Sweep throughput and memory: cisim's runner serial and on all cores, against mesa.batch_run.

Usage (from the repository root, after scripts/setup.sh):

    .venv/bin/python benchmarks/sweep_throughput.py [--experiment experiments/isolated_vs_collective.toml]
        [--replicates N] [--workers N] [--repeats N] [--memory-sizes [1000 3000 10000]] [--no-batch-run]
        [--json FILE]

What it measures, each in a fresh process so that nothing one measurement leaves behind (and nothing
mesa.batch_run changes process-wide: it sets the multiprocessing start method) affects another:

1. runs per second of ``cisim sweep`` on the experiment, serial and with all cores (processes executor), and
   the parallel efficiency: speed-up / workers. Two figures: over the whole sweep (from the call to the
   last run: workers starting and loading the compiled model, the last runs finishing on fewer workers), and
   in steady state (from the first finished run to the last), which is what a long sweep sees. With
   ``--replicates``, the experiment is also swept with its own replicates (450 runs for the default): a
   short sweep, where workers' start-up counts most;
2. runs per second of ``mesa.batch_run`` on the arms it can express (``arm="isolated"`` and
   ``arm="collective"``, crossed with the experiment's factors and seeds), serial and with all cores;
3. peak memory (maximum resident set size) of the main process and of the largest worker as the number of
   runs grows, on a small scenario with short runs and every step's outputs kept: flat means independent
   of the number of runs.

Targets: parallel efficiency of at least 90 % (steady state) on this machine's cores, and of at least 80 %
over the whole of the short sweep of the experiment's own replicates; peak memory flat from 1,000 to 10,000
runs. ``--repeats N`` times each sweep N times and keeps the fastest (the machine may be shared);
``--memory-sizes`` with no sizes skips part 3.
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
#: Parallel efficiency over the whole of a short sweep (the experiment's own replicates) to reach at least.
SHORT_TARGET = 0.80

CISIM_SWEEP = """
import json, resource, sys, time
from pathlib import Path
from cisim.experiments.design import load_experiment
from cisim.experiments.sweep import run_sweep

class Clock:
    # a progress 'bar' that records when each run finished
    def __init__(self, total):
        self.times = []
    def update(self, n):
        self.times.extend([time.perf_counter()] * n)
    def set_postfix_str(self, text):
        pass
    def close(self):
        pass

if __name__ == "__main__":
    replicates = int(sys.argv[5]) if sys.argv[5] != "-" else None
    experiment = load_experiment(sys.argv[1], replicates=replicates)
    clocks = []
    start = time.perf_counter()
    report = run_sweep(experiment, Path(sys.argv[2]), executor=sys.argv[3], workers=int(sys.argv[4]),
                       progress=lambda total: clocks.append(Clock(total)) or clocks[-1])
    seconds = time.perf_counter() - start
    times = clocks[0].times
    print(json.dumps({"runs": report.runs, "seconds": seconds,
                      "steady_rate": (len(times) - 1) / (times[-1] - times[0]) if len(times) > 1 else None,
                      "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                      "worker_peak_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))
"""

BATCH_RUN = """
import json, resource, sys, time
from cisim.experiments.design import load_experiment
from cisim.model import CollectiveImpactModel
from cisim.scenarios.params import Params
from cisim.scenarios.schema import BY_KEY
import mesa

if __name__ == "__main__":
    experiment = load_experiment(sys.argv[1], replicates=int(sys.argv[3]) if sys.argv[3] != "-" else None)
    design = experiment.design()
    # batch_run crosses its parameter lists with its seeds: the scenario's values as scalars, the factors and
    # the arms the model's `arm` keyword expresses as lists, the experiment's replicate seeds as rng.
    base = Params.from_values(experiment.scenarios[0].values).flat()
    parameters = {**base, "arm": ["isolated", "collective"]}
    for key, values in experiment.factors.items():
        parameters[BY_KEY[key].name] = list(values)
    seeds = sorted(set(design["seed"]), key=list(design["seed"]).index)
    steps = experiment.steps or experiment.scenarios[0]["run.steps"]
    start = time.perf_counter()
    period = 1 if experiment.series else -1  # keep per-step data when cisim does, for a fair comparison
    results = mesa.batch_run(CollectiveImpactModel, parameters, number_processes=int(sys.argv[2]),
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
    """Measure and print the tables."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--experiment", default=str(ROOT / "experiments" / "isolated_vs_collective.toml"))
    parser.add_argument("--replicates", type=int, help="replace the experiment's replicates (a longer sweep)")
    parser.add_argument("--workers", type=int, default=None, help="default: all cores")
    parser.add_argument("--memory-sizes", type=int, nargs="*", default=[1000, 3000, 10000])
    parser.add_argument("--repeats", type=int, default=1, help="time each runner this often and keep the best")
    parser.add_argument("--no-batch-run", action="store_true", help="skip the mesa.batch_run comparison")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    options = parser.parse_args()
    from cisim.experiments.executors import default_workers

    workers = options.workers or default_workers()
    replicates = str(options.replicates) if options.replicates else "-"
    figures: dict = {"experiment": options.experiment, "workers": workers, "replicates": options.replicates}
    with tempfile.TemporaryDirectory() as scratch:

        def best(script: str, *args: str) -> dict:
            trials = []
            for trial in range(options.repeats):
                trials.append(measure(script, *(a.replace("{trial}", str(trial)) for a in args)))
            return min(trials, key=lambda t: t["seconds"])

        def sweeps(replicates: str, name: str) -> tuple[list[dict], list[dict]]:
            """The sweep serial and on the workers, ``--repeats`` times each, alternating."""
            serial, parallel = [], []
            for trial in range(options.repeats):
                serial.append(
                    measure(CISIM_SWEEP, options.experiment, f"{scratch}/{name}s{trial}", "serial", "1", replicates)
                )
                parallel.append(
                    measure(
                        CISIM_SWEEP,
                        options.experiment,
                        f"{scratch}/{name}p{trial}",
                        "processes",
                        str(workers),
                        replicates,
                    )
                )
            return serial, parallel

        def fastest(trials: list[dict]) -> dict:
            return min(trials, key=lambda t: t["seconds"])

        serial_trials, parallel_trials = sweeps(replicates, "sweep")
        serial, parallel = fastest(serial_trials), fastest(parallel_trials)
        figures["runs"] = serial["runs"]
        figures["throughput"] = {
            "cisim serial": serial["runs"] / serial["seconds"],
            f"cisim processes x{workers}": parallel["runs"] / parallel["seconds"],
        }
        figures["steady_throughput"] = {
            "cisim serial": serial["steady_rate"],
            f"cisim processes x{workers}": parallel["steady_rate"],
        }
        figures["parallel_efficiency"] = serial["seconds"] / parallel["seconds"] / workers
        figures["steady_parallel_efficiency"] = parallel["steady_rate"] / serial["steady_rate"] / workers
        if options.replicates:
            serial_trials, parallel_trials = sweeps("-", "short")
        short_serial, short_parallel = fastest(serial_trials), fastest(parallel_trials)
        figures["short_sweep"] = {
            "runs": short_serial["runs"],
            "seconds": {"serial": short_serial["seconds"], f"processes x{workers}": short_parallel["seconds"]},
            "parallel_efficiency": short_serial["seconds"] / short_parallel["seconds"] / workers,
            "steady_parallel_efficiency": short_parallel["steady_rate"] / short_serial["steady_rate"] / workers,
            "target": SHORT_TARGET,
            "rounds": [
                s["seconds"] / p["seconds"] / workers for s, p in zip(serial_trials, parallel_trials, strict=True)
            ],
        }
        if not options.no_batch_run:
            batch_serial = best(BATCH_RUN, options.experiment, "1", replicates)
            batch_parallel = best(BATCH_RUN, options.experiment, str(workers), replicates)
            figures["throughput"]["mesa.batch_run serial"] = batch_serial["runs"] / batch_serial["seconds"]
            figures["throughput"][f"mesa.batch_run x{workers}"] = batch_parallel["runs"] / batch_parallel["seconds"]
        figures["memory_mb"] = {}
        library = Path(scratch) / "scenarios"
        library.mkdir()
        (library / "small.toml").write_text('name = "small"\ndescription = "small"\n')
        experiments = Path(scratch) / "experiments"
        experiments.mkdir()
        for size in options.memory_sizes:
            path = experiments / f"memory_{size}.toml"
            path.write_text(MEMORY_EXPERIMENT.format(scenario="small", replicates=size))
            ours = measure(CISIM_SWEEP, str(path), f"{scratch}/memory_{size}", "processes", str(workers), "-")
            figures["memory_mb"][size] = {
                "main": ours["peak_mb"],
                "largest worker": ours["worker_peak_mb"],
                "seconds": ours["seconds"],
            }
            print(f"memory probe: {size} runs in {ours['seconds']:.1f} s", flush=True)
    report(figures, workers)
    if options.json:
        options.json.write_text(json.dumps(figures, indent=2) + "\n")


def report(figures: dict, workers: int) -> None:
    """Print the tables in Markdown."""
    print(f"\nexperiment: {figures['experiment']} ({figures['runs']} runs), {workers} workers\n")
    print("| runner | runs/s, whole sweep | runs/s, steady state |")
    print("| --- | ---: | ---: |")
    for name, rate in figures["throughput"].items():
        steady = figures["steady_throughput"].get(name)
        print(f"| {name} | {rate:.1f} | {'—' if steady is None else f'{steady:.1f}'} |")
    print(
        f"\nparallel efficiency (cisim, {workers} workers): {figures['parallel_efficiency']:.0%} over the whole "
        f"sweep, {figures['steady_parallel_efficiency']:.0%} in steady state"
    )
    short = figures["short_sweep"]
    verdict = "reached" if short["parallel_efficiency"] >= short["target"] else "NOT reached"
    seconds = ", ".join(f"{name} {value:.2f} s" for name, value in short["seconds"].items())
    print(
        f"short sweep, the experiment's own replicates ({short['runs']} runs; {seconds}): parallel efficiency "
        f"{short['parallel_efficiency']:.0%} over the whole sweep (target: at least {short['target']:.0%}, "
        f"{verdict}), {short['steady_parallel_efficiency']:.0%} in steady state; round by round (serial, then "
        f"workers): {', '.join(f'{e:.0%}' for e in short['rounds'])}"
    )
    if not figures["memory_mb"]:
        return
    print("\npeak memory (MB), every step's outputs kept:\n")
    print("| runs | main process | largest worker | seconds |")
    print("| ---: | ---: | ---: | ---: |")
    for size, peak in figures["memory_mb"].items():
        print(f"| {size:,} | {peak['main']:.0f} | {peak['largest worker']:.0f} | {peak['seconds']:.1f} |")


if __name__ == "__main__":
    main()
