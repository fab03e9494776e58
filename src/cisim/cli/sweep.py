"""``cisim sweep``: run an experiment's design on all cores (or a cluster), resumably."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click
from tqdm import tqdm

from cisim.experiments.design import Experiment, load_experiment
from cisim.experiments.executors import EXECUTORS, default_workers
from cisim.experiments.runs import run_model
from cisim.experiments.sweep import SweepError, SweepInterrupted, run_sweep
from cisim.scenarios.scenario import ScenarioError

#: Designs larger than this ask for confirmation (or --yes).
CONFIRM_ABOVE = 20_000


@click.command()
@click.argument("experiment", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--out", type=click.Path(file_okay=False, path_type=Path), help="Results folder [default: results/EXPERIMENT-NAME]."
)
@click.option(
    "--executor",
    type=click.Choice(EXECUTORS),
    default="processes",
    show_default=True,
    help="Where runs execute: in this process, in local worker processes, or on a Dask cluster.",
)
@click.option("--workers", type=click.IntRange(min=1), help="Worker processes [default: all cores].")
@click.option(
    "--scheduler",
    metavar="ADDRESS",
    help="Address of a running Dask scheduler (with --executor dask); without it a local cluster starts.",
)
@click.option("--max-in-flight", type=click.IntRange(min=1), help="Runs submitted at once [default: 4 per worker].")
@click.option("--resume", is_flag=True, help="Continue a stopped sweep in --out: run only what is missing.")
@click.option("--dry-run", is_flag=True, help="Print the design (runs, factors, arms, estimated time) and stop.")
@click.option("--yes", is_flag=True, help=f"Run designs of more than {CONFIRM_ABOVE:,} runs without asking.")
@click.option("--quiet", is_flag=True, help="No progress bar (for batch jobs).")
def sweep(
    experiment: Path,
    out: Path | None,
    executor: str,
    workers: int | None,
    scheduler: str | None,
    max_in_flight: int | None,
    resume: bool,
    dry_run: bool,
    yes: bool,
    quiet: bool,
) -> None:
    """Run the design of an EXPERIMENT file (see experiments/): every scenario x design point x replicate x arm.

    Results stream to the results folder as runs finish (Parquet, readable with pandas.read_parquet or
    cisim.load_results), with the design, a manifest and a status log. Interrupt at any time; the same
    command with --resume runs only what is missing, and gives the same files as an uninterrupted sweep.
    """
    try:
        loaded = load_experiment(experiment)
    except ScenarioError as error:
        for problem in error.problems:
            click.echo(f"error: {problem}", err=True)
        raise SystemExit(2) from None
    folder = out or Path("results") / loaded.name
    workers = 1 if executor == "serial" else (workers or default_workers())
    design = loaded.design()
    if dry_run:
        _describe(loaded, len(design), workers, executor)
        return
    if len(design) > CONFIRM_ABOVE and not yes:
        if not sys.stdin.isatty():
            raise click.ClickException(
                f"the design has {len(design):,} runs (more than {CONFIRM_ABOVE:,}): "
                "check it with --dry-run, then confirm with --yes"
            )
        click.confirm(f"The design has {len(design):,} runs. Run them?", abort=True)

    def bar(total: int) -> tqdm | None:
        if quiet:
            return None
        return tqdm(total=total, unit="run", desc=loaded.name, dynamic_ncols=True)

    try:
        report = run_sweep(loaded, folder, executor, workers, scheduler, resume, max_in_flight, bar)
    except SweepInterrupted as error:
        click.echo(f"\n{error}", err=True)
        raise SystemExit(130) from None
    except (SweepError, RuntimeError) as error:
        raise click.ClickException(str(error)) from None
    rate = report.ran_now / report.seconds if report.seconds else 0.0
    click.echo(
        f"{loaded.name}: {report.done:,} of {report.runs:,} runs done, {report.failed:,} failed; "
        f"{report.ran_now:,} ran now in {report.seconds:.1f} s ({rate:.1f} runs/s, {executor}, "
        f"{workers} worker{'s' if workers > 1 else ''})"
    )
    if report.failed:
        click.echo(f"failed runs, their seeds and errors: {folder / 'manifest.json'} (failures)")
    click.echo(f"results in {folder}: load them with cisim.load_results({str(folder)!r})")


def _describe(experiment: Experiment, runs: int, workers: int, executor: str) -> None:
    points = experiment.points()
    click.echo(f"{experiment.name}: {experiment.description}")
    click.echo(f"  scenarios:  {', '.join(s.name for s in experiment.scenarios)}")
    click.echo(f"  arms:       {', '.join(f'{a.name} ({a.preset})' for a in experiment.arms)}")
    for key, values in experiment.factors.items():
        click.echo(f"  factor:     {key} = {values}")
    if experiment.sample:
        click.echo(
            f"  sampled:    {experiment.sample['samples']} points by {experiment.sample['method']} over "
            + ", ".join(f"{k} in {v}" for k, v in experiment.sample["ranges"].items())
        )
    click.echo(f"  points:     {len(points):,}; replicates: {experiment.replicates}; seed: {experiment.seed}")
    click.echo(f"  runs:       {runs:,}")
    seconds = _estimate(experiment) * runs / workers
    click.echo(
        f"  estimated:  {_duration(seconds)} with {workers} worker{'s' if workers > 1 else ''} ({executor}),"
        " from short timed runs"
    )


def _estimate(experiment: Experiment) -> float:
    """Seconds per run, from short timed runs of each scenario under full collective impact.

    Set-up and per-step costs are timed apart (a 1-step and an 11-step run), so the estimate scales to the
    run length without counting set-up ten times over.
    """
    times = []
    for scenario in experiment.scenarios:
        probe = scenario.with_arm("collective")
        steps = experiment.steps or scenario["run.steps"]
        run_model(probe, seed=0, steps=1)  # warm up imports and caches
        start = time.perf_counter()
        run_model(probe, seed=0, steps=1)
        one = time.perf_counter() - start
        start = time.perf_counter()
        run_model(probe, seed=0, steps=11)
        per_step = max(0.0, time.perf_counter() - start - one) / 10
        times.append(one + per_step * (steps - 1))
    return sum(times) / len(times)


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"about {seconds:.0f} s"
    if seconds < 5400:
        return f"about {seconds / 60:.0f} min"
    return f"about {seconds / 3600:.1f} h"
