"""The ``cisim`` command line: run a scenario, or compare isolated against collective impact."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import click
import pandas as pd
from tqdm import tqdm

from cisim.analysis.paired import compare_table
from cisim.api import resolve_scenario
from cisim.experiments.runs import SUMMARY_COLUMNS, compare_arms, run_model
from cisim.plots.figures import comparison_figure, run_figure
from cisim.scenarios.scenario import ARMS, Scenario, ScenarioError
from cisim.version import __version__

COMPARED_METRICS = [
    "final_outcome",
    "outcome_auc",
    "time_to_target",
    "total_spend",
    "cost_effectiveness",
    "spend_per_point",
    "mean_duplication",
    "mean_gap_share",
]


def load_or_exit(name: str | None, overrides: tuple[str, ...] = ()) -> Scenario:
    """Resolve a scenario for a command, or print every problem and exit with status 2 (no traceback)."""
    try:
        return resolve_scenario(name, overrides)
    except ScenarioError as error:
        for problem in error.problems:
            click.echo(f"error: {problem}", err=True)
        raise SystemExit(2) from None


set_option = click.option(
    "--set",
    "overrides",
    multiple=True,
    metavar="SECTION.NAME=VALUE",
    help="Override a parameter after the scenario file, validated like the file (repeatable), "
    "e.g. --set conditions.backbone=0.5.",
)


def _out_dir(out: str | None, default: str) -> Path:
    folder = Path(out) if out else Path("results") / default
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise click.ClickException(f"cannot create output folder {folder}: {error.strerror}") from None
    return folder


def _bar(quiet: bool, **options: Any) -> Any:
    if quiet:
        return None
    return lambda iterable: tqdm(iterable, leave=False, dynamic_ncols=True, **options)


def _fmt(value: float) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.3f}"


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="cisim")
def main() -> None:
    """Simulate isolated versus collective impact on a social problem.

    Organizations work on a problem alone (isolated impact) or under the five conditions of collective
    impact; cisim runs either and compares the two.

    \b
    Start with:
      cisim compare                        built-in complex problem, isolated vs collective
      cisim compare scenarios/technical.toml
      cisim run scenarios/complex.toml --arm isolated
      cisim scenarios list                 the scenario library
      cisim sweep experiments/isolated_vs_collective.toml
      cisim report results/isolated_vs_collective
    """  # noqa: D301  (click's \b keeps the example lines as written)


@main.command()
@click.argument("scenario", required=False)
@set_option
@click.option("--seed", default=0, show_default=True, help="Seed of the run: one seed, one result.")
@click.option("--steps", type=click.IntRange(min=1), help="Steps to simulate [default: the scenario's run.steps].")
@click.option(
    "--arm",
    type=click.Choice(list(ARMS)),
    default="scenario",
    show_default=True,
    help="Coalition design: " + "; ".join(f"{k}: {v}" for k, v in ARMS.items()) + ".",
)
@click.option("--out", type=click.Path(file_okay=False), help="Output folder [default: results/NAME-ARM-seedN].")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def run(
    scenario: str | None,
    overrides: tuple[str, ...],
    seed: int,
    steps: int | None,
    arm: str,
    out: str | None,
    quiet: bool,
) -> None:
    """Run one scenario once and write its time series (CSV) and a figure of the outcome over time (PNG).

    SCENARIO is a scenario file (TOML) or the name of one in scenarios/ (see `cisim scenarios list`);
    without it the built-in defaults are used.
    """
    resolved = load_or_exit(scenario, overrides).with_arm(arm)
    folder = _out_dir(out, f"{resolved.name}-{arm}-seed{seed}")
    result = run_model(resolved, seed, steps, progress=_bar(quiet, desc="steps", unit="step"))
    series_path = folder / "series.csv"
    result.series.to_csv(series_path)
    (folder / "summary.json").write_text(json.dumps(result.summary, indent=2) + "\n")
    figure = run_figure(result.series, folder / "outcome.png", f"{resolved.name} ({arm}), seed {seed}")
    click.echo(f"{resolved.name} under '{arm}' ({ARMS[arm]}), seed {seed}, {len(result.series) - 1} steps\n")
    for key, value in result.summary.items():
        click.echo(f"  {key.replace('_', ' '):<22} {_fmt(value):>12}   {SUMMARY_COLUMNS[key]}")
    click.echo(f"\nwrote {series_path}, {folder / 'summary.json'} and {figure}")


@main.command()
@click.argument("scenario", required=False)
@set_option
@click.option(
    "--replicates",
    default=20,
    show_default=True,
    type=click.IntRange(min=2),
    help="Paired replicates: replicate i of both arms shares its problem and starting state.",
)
@click.option("--seed", default=0, show_default=True, help="Seed of the comparison; replicate seeds derive from it.")
@click.option("--steps", type=click.IntRange(min=1), help="Steps per run [default: the scenario's run.steps].")
@click.option(
    "--arm",
    "arm",
    type=click.Choice([a for a in ARMS if a != "isolated"]),
    default="collective",
    show_default=True,
    help="Design compared against isolated impact.",
)
@click.option("--out", type=click.Path(file_okay=False), help="Output folder [default: results/NAME-compare].")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def compare(
    scenario: str | None,
    overrides: tuple[str, ...],
    replicates: int,
    seed: int,
    steps: int | None,
    arm: str,
    out: str | None,
    quiet: bool,
) -> None:
    """Compare isolated impact with collective impact on the same problems (paired replicates).

    Prints mean outcomes, the paired difference with its 95 % confidence interval, cost per unit of outcome,
    duplication and gaps; writes the per-run table (CSV), the differences (CSV), every run's outcome series
    (CSV) and a comparison figure (PNG).

    SCENARIO is a scenario file (TOML) or the name of one in scenarios/ (see `cisim scenarios list`);
    without it the built-in defaults are used.
    """
    resolved = load_or_exit(scenario, overrides)
    folder = _out_dir(out, f"{resolved.name}-compare")
    arms = ("isolated", arm)
    comparison = compare_arms(resolved, replicates, seed, arms, steps, progress=_bar(quiet, desc="runs", unit="run"))
    comparison.summaries.to_csv(folder / "runs.csv", index=False)
    outcomes = comparison.outcomes.stack(level=["arm", "replicate"], future_stack=True).rename("community_outcome")
    outcomes.reset_index().to_csv(folder / "outcomes.csv", index=False)
    table = compare_table(comparison.summaries, COMPARED_METRICS, "isolated", arm)
    table.to_csv(folder / "differences.csv", index=False)
    figure = comparison_figure(
        comparison.outcomes,
        comparison.summaries,
        folder / "comparison.png",
        f"{resolved.name}: isolated vs {arm}, {replicates} paired replicates",
    )
    n_steps = len(comparison.outcomes) - 1
    click.echo(f"{resolved.name}: isolated vs {arm}, {replicates} paired replicates, seed {seed}, {n_steps} steps\n")
    click.echo(_render(table, arm, replicates))
    click.echo("\ndifference = " + arm + " - isolated, paired by replicate; CI: 95 % t-interval of the mean difference")
    click.echo(f"wrote {folder / 'runs.csv'}, {folder / 'differences.csv'}, {folder / 'outcomes.csv'} and {figure}")


def _render(table: pd.DataFrame, arm: str, replicates: int) -> str:
    header = f"  {'metric':<26} {'isolated':>10} {arm:>11} {'difference':>11}   95 % CI"
    lines = [header, "  " + "-" * (len(header) + 8)]
    for row in table.itertuples():
        ci = f"[{_fmt(row.ci_low)}, {_fmt(row.ci_high)}]"
        label = row.metric.replace("_", " ")
        if row.pairs < replicates:  # e.g. time to target, where some runs never reach it
            label += f" ({row.pairs} of {replicates})"
        lines.append(
            f"  {label:<26} {_fmt(row.baseline_mean):>10} {_fmt(row.arm_mean):>11} {_fmt(row.difference):>11}   {ci}"
        )
    return "\n".join(lines)


from cisim.cli.analysis import analyze, attribute_command, plot, report, sensitivity_command  # noqa: E402
from cisim.cli.scenarios import scenarios  # noqa: E402  (the group needs `main` defined first)
from cisim.cli.sweep import sweep  # noqa: E402
from cisim.cli.validate import validate  # noqa: E402

main.add_command(scenarios)
main.add_command(sweep)
main.add_command(validate)
for command in (analyze, attribute_command, sensitivity_command, plot, report):
    main.add_command(command)

from cisim.cli.classroom import add_classroom_commands  # noqa: E402  (cisim app, cisim demo)

add_classroom_commands(main)
