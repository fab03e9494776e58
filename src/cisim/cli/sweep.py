"""``cisim sweep``: run an experiment's design on all cores (or a cluster), resumably."""

from __future__ import annotations

import math
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from cisim.cli.errors import (
    UserError,
    holds_results,
    inside_results,
    output_folder,
    results_folder,
    resumable_folder,
)
from cisim.cli.options import OutPath, WholeNumber, check_workers, set_option, steps_type
from cisim.experiments.executors import EXECUTORS, default_workers

if TYPE_CHECKING:
    from cisim.experiments.design import Experiment

#: Designs larger than this ask for confirmation (or --yes).
CONFIRM_ABOVE = 20_000


@click.command()
@click.argument("experiment", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--out", type=OutPath(file_okay=False, path_type=Path), help="Results folder [default: results/EXPERIMENT-NAME]."
)
@click.option(
    "--replicates",
    type=WholeNumber(min=1),
    help="Paired replicates per design point [default: the experiment file's replicates].",
)
@click.option("--steps", type=steps_type, help="Steps per run [default: the experiment's steps, or each scenario's].")
@set_option
@click.option(
    "--executor",
    type=click.Choice(EXECUTORS),
    default="processes",
    show_default=True,
    help="Where runs execute: in this process, in local worker processes, or on a Dask cluster.",
)
@click.option(
    "--workers",
    type=WholeNumber(min=1),
    help="Worker processes, with --executor processes or dask [default: all cores]; a running Dask cluster "
    "(--scheduler) uses its own workers instead.",
)
@click.option(
    "--scheduler",
    metavar="ADDRESS",
    help="Address of a running Dask scheduler (with --executor dask); without it a local cluster starts.",
)
@click.option(
    "--max-in-flight", type=WholeNumber(min=1), help="Batches of runs submitted at once [default: 4 per worker]."
)
@click.option("--resume", is_flag=True, help="Continue a stopped sweep in --out: run only what is missing or damaged.")
@click.option("--dry-run", is_flag=True, help="Print the design (runs, factors, arms, estimated time) and stop.")
@click.option("--yes", is_flag=True, help=f"Run designs of more than {CONFIRM_ABOVE:,} runs without asking.")
@click.option("--quiet", is_flag=True, help="No progress bar (for batch jobs).")
def sweep(
    experiment: Path,
    out: Path | None,
    replicates: int | None,
    steps: int | None,
    overrides: tuple[str, ...],
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
    cisim.load_results), with the design, a manifest and a status log. Interrupt at any time (Ctrl-C or
    SIGTERM); the same command with --resume runs only what is missing or damaged, and gives the same files
    as an uninterrupted sweep. --replicates, --steps and --set change the design as given on the command line
    and must be given again, the same, with --resume.
    """
    import time

    entered = time.perf_counter()
    from cisim.experiments.design import load_experiment
    from cisim.experiments.executors import ExecutorError, check_executor

    check_workers(executor, workers)  # before anything is read, run or written
    if scheduler is not None and executor != "dask":  # refused before a dry run too, as the sweep would refuse it
        try:
            check_executor(executor, scheduler)  # says so without reaching the scheduler
        except ExecutorError as error:
            raise UserError(str(error)) from None
    experiment = experiment_file(experiment)
    loaded = load_experiment(experiment, replicates, steps, overrides, resuming=resume)
    folder = out or results_folder(loaded.name)
    runs = loaded.n_runs()
    if executor == "serial":
        workers = 1
    else:  # as the sweep will start them: never more local workers than runs
        from cisim.experiments.sweep import workers_for

        workers = workers_for(runs, workers, scheduler) or default_workers()
    too_large = loaded.too_large("--replicates" if replicates is not None else "")
    if dry_run:
        _describe(loaded, runs, workers, executor, time.perf_counter() - entered + STARTING_PYTHON)
        if too_large:  # described, then refused as the sweep itself would be
            raise UserError(f"{experiment}: a sweep of this design would be refused: it has {too_large})")
        return
    if too_large:
        raise UserError(f"{experiment}: the design has {too_large}; --dry-run shows the design)")
    if runs > CONFIRM_ABOVE and not yes:
        if not sys.stdin.isatty():
            raise UserError(
                f"the design has {runs:,} runs (more than {CONFIRM_ABOVE:,}): "
                "check it with --dry-run, then confirm with --yes"
            )
        # No is a decision, not an interruption (exit status 1); Ctrl-C at the prompt is still one (130).
        if not click.confirm(f"The design has {runs:,} runs. Run them?"):
            click.echo("nothing run (answered no)", err=True)
            raise SystemExit(1)
    try:
        check_executor(executor, scheduler)  # before anything is written
    except ExecutorError as error:
        raise UserError(str(error)) from None
    other = [name for name in holds_results(folder) if name in ("summary.json", "runs.csv")]
    if other:  # a run's or a comparison's: a sweep writes neither
        raise UserError(
            f"--out {str(folder)!r}: holds the results of an earlier command ({', '.join(other)}), not a sweep; "
            "expected a new folder, or one holding a sweep to resume (choose another --out)"
        )
    outer = inside_results(folder.parent)
    if outer is not None:
        raise UserError(
            f"--out {str(folder)!r}: lies inside the results folder {str(outer)!r} of an earlier command; expected "
            "a folder outside it (choose another --out)"
        )
    output_folder(resumable_folder(folder) if resume else folder)
    _run(loaded, folder, executor, workers, scheduler, resume, max_in_flight, quiet)


def _run(
    loaded: Experiment,
    folder: Path,
    executor: str,
    workers: int,
    scheduler: str | None,
    resume: bool,
    max_in_flight: int | None,
    quiet: bool,
) -> None:
    from tqdm import tqdm

    from cisim.experiments.sweep import SweepError, SweepInterrupted, SweepStorageError, run_sweep

    def bar(total: int) -> Any:
        if quiet:
            return None
        return tqdm(total=total, unit="run", desc=loaded.name, dynamic_ncols=True)

    try:
        report = run_sweep(loaded, folder, executor, workers, scheduler, resume, max_in_flight, bar)
    except SweepInterrupted as error:
        click.echo(f"\n{error}", err=True)
        raise SystemExit(130) from None
    except SweepStorageError as error:
        raise UserError(str(error)) from None
    except (SweepError, RuntimeError) as error:
        raise UserError(str(error)) from None
    rate = report.ran_now / report.seconds if report.seconds else 0.0
    click.echo(
        f"{loaded.name}: {report.done:,} of {report.runs:,} runs done, {report.failed:,} failed; "
        f"{report.ran_now:,} ran now in {report.seconds:.1f} s ({rate:.1f} runs/s, {executor}, "
        f"{report.workers} worker{'s' if report.workers > 1 else ''})"
    )
    if report.failed:
        click.echo(f"failed runs, their seeds and errors: {folder / 'manifest.json'} (failures)")
    click.echo(f"results in {folder}: load them with cisim.load_results({str(folder)!r})")
    if report.failed:
        # A batch job must be able to tell: every result is written, and the exit status says some runs failed
        # (not "error:", which is a refusal with status 2 before anything runs).
        click.echo(
            f"failed: {report.failed:,} of {report.runs:,} runs (their errors: the manifest's failures); exit status 1",
            err=True,
        )
        raise SystemExit(1)


def experiment_file(given: Path) -> Path:
    """The experiment file a command names: a path as given, or a name (``find_experiment``).

    A scenario file given instead is named as one, with the command that runs it, by ``load_experiment``.

    Raises:
        UserError: no such file, with the closest name in ``experiments/``.
    """
    from cisim.experiments.design import find_experiment
    from cisim.scenarios.errors import ScenarioError

    try:
        path = find_experiment(given)
    except ScenarioError as error:
        raise UserError(str(error)) from None
    return path


def _describe(experiment: Experiment, runs: int, workers: int, executor: str, setup: float) -> None:
    """Print the design, counted (never built), and its estimated time from a few timed probe runs."""
    from cisim.experiments.design import sampled_count
    from cisim.experiments.estimate import estimate

    click.echo(f"{experiment.name}: {experiment.description}")
    click.echo(f"  scenarios:  {', '.join(s.name for s in experiment.scenarios)}")
    click.echo(f"  arms:       {', '.join(f'{a.name} ({a.preset})' for a in experiment.arms)}")
    for key, values in experiment.factors.items():
        shown = values if len(values) <= 12 else [*values[:5], "...", *values[-5:]]
        click.echo(f"  factor:     {key} = {shown}".replace("'...'", "..."))
    if experiment.sample:
        click.echo(
            f"  sampled:    {sampled_count(experiment.sample):,} points by {experiment.sample['method']} over "
            + ", ".join(f"{k} in {v}" for k, v in experiment.sample["ranges"].items())
        )
    every = [arm.name for arm in experiment.arms]
    for key in experiment.factor_keys:  # factors that skip some arm (a condition factor skips isolated ones)
        skipped = [name for name in every if name not in experiment.arms_of(key)]
        if skipped:
            click.echo(f"  applies:    {key} to {', '.join(experiment.arms_of(key))}, not {', '.join(skipped)}")
    click.echo(
        f"  points:     {experiment.n_points():,}; replicates: {experiment.replicates:,}; seed: {experiment.seed}"
    )
    click.echo(f"  runs:       {runs:,}", nl=True)
    found = estimate(experiment, executor=executor)
    low, high = found.wall_range(workers, setup)
    plural = "s" if workers > 1 else ""
    click.echo(
        f"  estimated:  {_span(low, high)} with {workers} worker{plural} ({executor}), start-up included; "
        f"{found.seconds_per_run:.3g} s per run on average, from {found.probes} timed probe runs at the smallest "
        "and largest factor values"
    )
    click.echo(
        f"              (start-up: {setup:.1f} s to start and read the design, then {found.startup:.1f} s to "
        f"{'start a worker (timed)' if executor != 'serial' else 'warm up the model'}; "
        "the upper end is for a busy machine)"
    )
    for note in found.notes:
        click.echo(f"  note:       {note}")


#: Seconds Python takes to start and load the command line, before ``sweep`` can measure anything.
STARTING_PYTHON = 0.3


def _span(low: float, high: float) -> str:
    """A range of durations in the unit of its upper end: ``20 to 45 s``, ``2 to 5 min``, ``3 to 7 days``."""
    if not math.isfinite(high):
        return "longer than anyone can wait"
    units = ((90, "s", 1), (5400, "min", 60), (3 * 86400, "h", 3600), (3 * 365 * 86400, "days", 86400))
    _, unit, size = next((u for u in units if high < u[0]), (0, "years", 365 * 86400))
    digits = 1 if unit == "h" else 0
    return f"{low / size:,.{digits}f} to {high / size:,.{digits}f} {unit}"
