"""``cisim run`` and ``cisim compare``: one run of a scenario, and paired replicates of two designs."""

from __future__ import annotations

import contextlib
import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from cisim.cli.errors import (
    COMPARE_SUFFIX,
    UserError,
    fresh_output_folder,
    output_folder,
    remove_if_empty,
    results_folder,
    resumable_folder,
)
from cisim.cli.options import (
    OutPath,
    WholeNumber,
    check_workers,
    force_option,
    progress_bar,
    seed_type,
    set_option,
    steps_option,
)
from cisim.experiments.executors import EXECUTORS
from cisim.scenarios.scenario import ARMS, BUILTIN, Scenario, override_key
from cisim.scenarios.schema import CONDITION_KEYS

if TYPE_CHECKING:
    import pandas as pd

COMPARED_METRICS = [
    "final_outcome",
    "outcome_auc",
    "time_to_target",
    "total_spend",
    "total_income",
    "cost_effectiveness",
    "spend_per_point",
    "mean_duplication",
    "mean_gap_share",
]

out_option = click.option(
    "--out",
    type=OutPath(file_okay=False, path_type=Path),
    help="Output folder [default: a new folder in results/ that never overwrites earlier results].",
)


#: Summaries that are amounts of money: printed in whole units, so an arm that spent or raised nothing reads 0.
MONEY = {
    "total_spend",
    "program_spend",
    "coordination_cost",
    "backbone_cost",
    "total_income",
    "spend_per_point",
    "funds_mobilized",
}


def _fmt(value: float, whole: bool = False) -> str:
    """A number as the tables print it: whole units with separators for money and large values, else 3 decimals."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value:,.0f}" if whole or abs(value) >= 1000 else f"{value:.3f}"


@click.command()
@click.argument("scenario", required=False)
@set_option
@click.option("--seed", default=0, show_default=True, type=seed_type, help="Seed of the run: one seed, one result.")
@steps_option
@click.option(
    "--arm",
    type=click.Choice(list(ARMS)),
    default="scenario",
    show_default=True,
    help="Coalition design: " + "; ".join(f"{k}: {v}" for k, v in ARMS.items()) + ".",
)
@out_option
@force_option
@click.option("--quiet", is_flag=True, help="No progress bar.")
def run(
    scenario: str | None,
    overrides: tuple[str, ...],
    seed: int,
    steps: int | None,
    arm: str,
    out: Path | None,
    force: bool,
    quiet: bool,
) -> None:
    """Run one scenario once and write its time series (CSV) and a figure of the outcome over time (PNG).

    SCENARIO is the name of a scenario in scenarios/ (see `cisim scenarios list`) or the path of a scenario
    file; without it the built-in defaults are used. Results go to results/NAME-ARM-seedN (then -2, -3, ...
    so earlier results are never overwritten), or to --out.
    """
    from cisim.api import resolve_scenario
    from cisim.experiments.runs import SUMMARY_COLUMNS, run_model
    from cisim.files import replacing, write_text
    from cisim.plots.figures import run_figure

    resolved = resolve_scenario(scenario, overrides).with_arm(arm)
    _check_unused_conditions(overrides, (arm,))
    _check_steps_once(overrides, steps, resolved)
    _note_own_values(scenario, overrides, resolved)
    # The default folder is named only when it is used: its name holds the seed, which may be too long for one.
    default = out if out is not None else results_folder(resolved.name, f"-{arm}-seed{seed}")
    folder = fresh_output_folder(out, default, force)
    try:
        result = run_model(resolved, seed, steps, progress=progress_bar(quiet, desc="steps", unit="step"))
    except BaseException:
        if out is None:  # a folder this command claimed, still empty
            remove_if_empty(folder)
        raise
    click.echo(f"{resolved.name} under '{arm}' ({ARMS[arm]}), seed {seed}, {len(result.series) - 1} steps\n")
    for key, value in result.summary.items():
        whole = key in MONEY or key == "time_to_target"  # one run's time to target is a step
        click.echo(f"  {key.replace('_', ' '):<22} {_fmt(value, whole):>12}   {SUMMARY_COLUMNS[key]}")
    # Printed first, written after: a full disk cannot take the numbers with it.
    series_path = folder / "series.csv"
    with replacing(series_path) as temporary:
        result.series.to_csv(temporary)
    # Strict JSON, as every reader takes it: a measure the run has not got (no time to target) is null, not NaN.
    summary = {key: None if isinstance(v, float) and not math.isfinite(v) else v for key, v in result.summary.items()}
    write_text(folder / "summary.json", json.dumps(summary, indent=2, allow_nan=False) + "\n")
    with replacing(folder / "outcome.png") as temporary:
        run_figure(result.series, temporary, f"{resolved.name} ({arm}), seed {seed}", arm)
    click.echo(f"\nwrote {series_path}, {folder / 'summary.json'} and {folder / 'outcome.png'}")


def _note_own_values(scenario: str | None, overrides: Sequence[str], given: Scenario) -> None:
    """Say (on standard error) of each ``--set`` that gives the scenario its own value: the runs are as without it.

    ``given`` is the scenario as resolved with the overrides. A reader who sets ``conditions.backbone=0.5`` on a
    scenario that already has 0.5 expects a change and would otherwise see the same numbers with no word of why.
    """
    if not overrides:
        return
    from cisim.api import resolve_scenario

    own = resolve_scenario(scenario)
    for override in overrides:
        key = override_key(override)
        if key in own.values and own[key] == given[key]:
            click.echo(
                f"note: --set {override}: the scenario's own value of {key} is already {own[key]!r}; "
                "the runs are as without it",
                err=True,
            )


def _check_unused_conditions(overrides: Sequence[str], arms: Sequence[str]) -> None:
    """A ``--set`` of a condition level is refused when no arm run uses it, as a sweep refuses one.

    Isolated impact sets every condition to 0 and full collective impact every one to 1, over the scenario's
    levels; only the arm ``scenario`` runs the levels a ``--set`` gives, and a report would quote it as used.
    """
    if "scenario" in arms:
        return
    for override in overrides:
        if override_key(override) in CONDITION_KEYS:
            who = f"both arms compared ({' and '.join(arms)}) set" if len(arms) > 1 else f"the arm {arms[0]} sets"
            raise UserError(
                f"--set {override}: {who} every condition level over the scenario's, so no run would use it; "
                "expected --arm scenario (the scenario's own design, with the --set), or no --set on a condition"
            )


def _check_steps_once(overrides: Sequence[str], steps: int | None, resolved: Scenario) -> None:
    """``--steps`` beside a ``--set run.steps`` of another number is refused.

    ``--steps`` decides the runs' length, and the report would quote the ``--set`` as used (a sweep refuses the
    same, ``load_experiment``).
    """
    if steps is None or resolved["run.steps"] == steps:
        return
    for override in overrides:
        if override_key(override) == "run.steps":
            raise UserError(
                f"--set '{override}': --steps {steps} replaces the scenario's run.steps, so no run would use it; "
                "expected one of them"
            )


@click.command()
@click.argument("scenario", required=False)
@set_option
@click.option(
    "--replicates",
    default=20,
    show_default=True,
    type=WholeNumber(min=2, max=100_000),
    help="Paired replicates: replicate i of both arms shares its problem and starting state.",
)
@click.option(
    "--seed",
    default=0,
    show_default=True,
    type=seed_type,
    help="Seed of the comparison; replicate seeds derive from it.",
)
@steps_option
@click.option(
    "--arm",
    "arm",
    type=click.Choice([a for a in ARMS if a != "isolated"]),
    default="scenario",
    show_default=True,
    help="Design compared against isolated impact: the scenario file's own condition levels (scenario) "
    "or full collective impact (collective).",
)
@click.option(
    "--executor",
    type=click.Choice(EXECUTORS),
    default="serial",
    show_default=True,
    help="Where runs execute (serial: a comparison's few short runs finish sooner than a pool starts).",
)
@click.option("--workers", type=WholeNumber(min=1), help="Worker processes with --executor processes.")
@out_option
@force_option
@click.option(
    "--resume",
    is_flag=True,
    help="Continue an interrupted comparison: only its missing runs are run (in --out, or else in the newest "
    "results/NAME-compare folder).",
)
@click.option("--quiet", is_flag=True, help="No progress bar.")
def compare(
    scenario: str | None,
    overrides: tuple[str, ...],
    replicates: int,
    seed: int,
    steps: int | None,
    arm: str,
    executor: str,
    workers: int | None,
    out: Path | None,
    force: bool,
    resume: bool,
    quiet: bool,
) -> None:
    """Compare a scenario's own coalition design with isolated impact on the same problems (paired replicates).

    Prints mean outcomes, the paired difference with its 95 % confidence interval, cost per unit of outcome,
    duplication and gaps; writes the per-run table (CSV), the differences (CSV), every run's outcome series
    (CSV) and a comparison figure (PNG) to results/NAME-compare (then -2, -3, ... so earlier results are
    never overwritten), or to --out.

    SCENARIO is the name of a scenario in scenarios/ (see `cisim scenarios list`) or the path of a scenario
    file; without it the built-in defaults (a complex problem under full collective impact) are used.
    """
    from cisim.analysis.paired import compare_table
    from cisim.analysis.results import Results
    from cisim.analysis.statistics import FEW_PAIRS
    from cisim.api import resolve_scenario
    from cisim.experiments.compare import comparison_experiment
    from cisim.experiments.store import read_status
    from cisim.experiments.sweep import SweepError, SweepInterrupted, SweepStorageError, run_sweep
    from cisim.files import replacing
    from cisim.plots.figures import comparison_figure

    check_workers(executor, workers)  # serial is compare's default: --workers alone would be ignored
    resolved = resolve_scenario(scenario, overrides)
    _check_unused_conditions(overrides, ("isolated", arm))
    if not resume:  # a comparison begun before this check keeps what it started with
        _check_steps_once(overrides, steps, resolved)
    _note_own_values(scenario, overrides, resolved)
    default = results_folder(resolved.name, COMPARE_SUFFIX)
    if resume:
        if force:
            raise UserError("--resume and --force: expected one of them (--force starts the comparison again)")
        folder = output_folder(resumable_folder(out or _newest_folder(default)))
    else:
        folder = fresh_output_folder(out, default, force, resumable=True)
    if force:
        _clear_sweep(folder)
    experiment = comparison_experiment(resolved, ("isolated", arm), replicates, seed, steps, overrides, folder.name)
    bar = None if quiet else _sweep_bar()
    claimed = out is None and not resume  # a folder this command made: removed again if it stays empty
    try:
        run_sweep(experiment, folder, executor, workers, progress=bar, resume=resume)
    except SweepInterrupted:
        safe = len(read_status(folder))
        where = "" if out is not None or folder == _newest_folder(default) else f" --out {folder}"
        click.echo(
            f"\ncomparison interrupted; {safe} runs are safe on disk in {folder}. Continue with the same command "
            f"and --resume{where}.",
            err=True,
        )
        raise SystemExit(130) from None
    except (SweepStorageError, SweepError) as error:
        if claimed:
            remove_if_empty(folder)
        raise UserError(str(error)) from None
    except BaseException:
        if claimed:
            remove_if_empty(folder)
        raise
    results = Results.load(folder)
    summaries = results.done.sort_values(["replicate", "arm"])
    if len(summaries) < results.runs:
        failed = results.frame[results.frame.get("status", "done") != "done"]
        reasons = "; ".join(sorted({str(e) for e in failed.get("error", [])})) or "see manifest.json"
        raise UserError(f"{folder}: {results.runs - len(summaries)} of {results.runs} runs failed ({reasons})")
    table = compare_table(summaries, COMPARED_METRICS, "isolated", arm)
    series = results.series
    outcomes = series.pivot_table(index="step", columns=["arm", "replicate"], values="community_outcome")
    outcomes = outcomes[[a for a in ("isolated", arm) if a in outcomes.columns.get_level_values("arm")]]
    n_steps = len(outcomes) - 1
    design = f"{arm} ({_design_words(arm, overrides, resolved.source == BUILTIN)})"
    click.echo(f"{resolved.name}: isolated vs {design}, {replicates} paired replicates, seed {seed}, {n_steps} steps\n")
    click.echo(_render(table, arm, replicates))
    click.echo("\ndifference = " + arm + " - isolated, paired by replicate; CI: 95 % t-interval of the mean difference")
    if (partial := _partial_rows(table, summaries, arm, replicates)) is not None:
        click.echo(partial)
    if (table["pairs"] < FEW_PAIRS).any():
        advice = f" (--replicates {FEW_PAIRS} or more for intervals)" if replicates < FEW_PAIRS else ""
        click.echo(
            f"n/a: fewer than {FEW_PAIRS} paired runs have a value, too few for an interval to mean much, or for a "
            f"mean where only some runs have one (e.g. runs that never reached the target){advice}"
        )
    with replacing(folder / "runs.csv") as temporary:
        summaries.to_csv(temporary, index=False)
    long = outcomes.stack(level=["arm", "replicate"], future_stack=True).rename("community_outcome")
    with replacing(folder / "outcomes.csv") as temporary:
        long.reset_index().to_csv(temporary, index=False)
    with replacing(folder / "differences.csv") as temporary:
        table.to_csv(temporary, index=False)
    names = {"isolated": "isolated impact", "collective": "full collective impact", "scenario": "coalition design"}
    with replacing(folder / "comparison.png") as temporary:
        comparison_figure(
            outcomes,
            summaries,
            temporary,
            f"{resolved.name}: {names['isolated']} vs {names[arm]}, {replicates} paired replicates",
            names,
        )
    click.echo(
        f"wrote {folder / 'runs.csv'}, {folder / 'differences.csv'}, {folder / 'outcomes.csv'} and "
        f"{folder / 'comparison.png'}, beside the results themselves (a results folder as cisim sweep writes: "
        "design, manifest with seed, --set values and hashes, per-run tables)"
    )
    click.echo(f"next: cisim report {folder}   (or cisim analyze / cisim plot {folder})")


def _newest_folder(default: Path) -> Path:
    """The newest of ``default``, ``default-2``, ``default-3``, ... that exists: the comparison to resume.

    Raises:
        UserError: none exists.
    """
    number, found = 1, None
    while True:
        folder = default if number == 1 else default.with_name(f"{default.name}-{number}")
        if folder.is_dir():
            found = folder
        elif number > 1:
            break
        number += 1
    if found is None:
        raise UserError(
            f"--resume: no comparison to continue ({default} does not exist); expected the folder of an "
            "interrupted cisim compare (give it with --out), or run without --resume to start one"
        )
    return found


def _design_words(arm: str, overrides: tuple[str, ...], defaults: bool = False) -> str:
    """What the compared design is, in words: the scenario file's levels, with any --set applied."""
    if arm != "scenario":
        return ARMS[arm]
    if defaults:  # no file: the built-in defaults' design is full collective impact
        given = "".join(f", --set {o}" for o in overrides)
        return f"the built-in defaults' condition levels: {ARMS['collective']}{given}"
    if overrides:
        return "the scenario file's condition levels with " + ", ".join(f"--set {o}" for o in overrides)
    return ARMS[arm]


def _sweep_bar() -> Any:
    from tqdm import tqdm

    def bar(total: int) -> Any:
        return tqdm(total=total, unit="run", desc="runs", leave=False, dynamic_ncols=True)

    return bar


def _clear_sweep(folder: Path) -> None:
    """Remove an earlier sweep's or comparison's results from ``folder`` (``--force``), so a new one can be written.

    When the folder held results, what cisim made from them goes too: its reports (``report.html``,
    ``report-ARM.html``) and the tables and figures (CSV, PNG, SVG) that ``analyze``, ``plot``, ``attribute`` and
    ``sensitivity`` wrote into its ``analysis/``; left beside the new results they would read as a report of
    them. Any other file stays, and a folder that held no results loses nothing.
    """
    import re
    import shutil

    record = ("design.parquet", "manifest.json", "status.jsonl", "runs.csv")
    held = any((folder / name).exists() for name in record)
    for name in (*record, "differences.csv", "outcomes.csv"):
        (folder / name).unlink(missing_ok=True)
    for table in ("summaries", "series", "agents"):
        if (folder / table).is_dir():
            shutil.rmtree(folder / table)
    if not held:
        return
    for report in folder.glob("report*.html"):
        if re.fullmatch(r"report(-[A-Za-z0-9_-]+)?\.html", report.name) and report.is_file():
            report.unlink(missing_ok=True)
    analysis = folder / "analysis"
    if analysis.is_dir():
        for made in analysis.iterdir():
            if made.suffix in (".csv", ".png", ".svg") and made.is_file():
                made.unlink(missing_ok=True)
        with contextlib.suppress(OSError):  # kept when something of the user's own is in it
            analysis.rmdir()


def _partial_rows(table: pd.DataFrame, summaries: pd.DataFrame, arm: str, replicates: int) -> str | None:
    """A line on the rows measured in fewer pairs than ran (``time to target (5 of 20)``), or None.

    It says how many runs of each arm have the measure, which the pairs' count alone hides: a coalition that
    reaches the target twice as often as isolated organizations is not seen in the five pairs where both did.
    """
    partial = [row.metric for row in table.itertuples() if row.pairs < replicates and row.metric in summaries]
    if not partial:
        return None
    said = []
    for metric in partial:
        counts = summaries.groupby("arm")[metric].count()
        said.append(
            f"{metric.replace('_', ' ')}: isolated {counts.get('isolated', 0)} of {replicates} runs, "
            f"{arm} {counts.get(arm, 0)}"
        )
    return "(k of n): the pairs in which both runs have the measure; runs with it, by arm: " + "; ".join(said)


def _render(table: pd.DataFrame, arm: str, replicates: int) -> str:
    from cisim.analysis.statistics import FEW_PAIRS

    header = f"  {'metric':<26} {'isolated':>10} {arm:>11} {'difference':>11}   95 % CI"
    lines = [header, "  " + "-" * (len(header) + 8)]
    for row in table.itertuples():
        # One row, one format: a difference of a few hundred in a row of thousands is printed as they are.
        numbers = [row.baseline_mean, row.arm_mean, row.difference, row.ci_low, row.ci_high]
        whole = row.metric in MONEY or any(abs(n) >= 1000 for n in numbers if n is not None and not math.isnan(n))
        ci = f"[{_fmt(row.ci_low, whole)}, {_fmt(row.ci_high, whole)}]"
        label = row.metric.replace("_", " ")
        if row.pairs < replicates:  # e.g. time to target, where some runs never reach it
            label += f" ({row.pairs} of {replicates})"
        if row.pairs < FEW_PAIRS and row.pairs < replicates:  # a few runs of many: their mean would mislead
            lines.append(f"  {label:<26} {'n/a':>10} {'n/a':>11} {'n/a':>11}   n/a")
            continue
        if row.pairs < FEW_PAIRS:  # every run, but too few of them for an interval
            ci = "n/a"
        lines.append(
            f"  {label:<26} {_fmt(row.baseline_mean, whole):>10} {_fmt(row.arm_mean, whole):>11}"
            f" {_fmt(row.difference, whole):>11}   {ci}"
        )
    return "\n".join(lines)
