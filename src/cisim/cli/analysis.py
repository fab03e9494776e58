"""``cisim analyze``, ``attribute``, ``sensitivity``, ``plot`` and ``report``: answers from a results folder.

They read only the results folder of a sweep; nothing is rerun.
"""

from __future__ import annotations

from pathlib import Path

import click
import pandas as pd

from cisim.analysis.attribution import AttributionError, attribute
from cisim.analysis.sensitivity import SensitivityError, sensitivity
from cisim.analysis.tables import METRICS, describe, paired_comparisons
from cisim.experiments.store import load_results
from cisim.plots.results import KINDS, attribution_bars, plot_all, sensitivity_bars

results_argument = click.argument("results", type=click.Path(exists=True, file_okay=False, path_type=Path))
out_option = click.option(
    "--out", type=click.Path(file_okay=False, path_type=Path), help="Where to write [default: RESULTS/analysis]."
)


def _load(results: Path) -> pd.DataFrame:
    try:
        frame = load_results(results)
    except FileNotFoundError as error:
        raise click.ClickException(str(error)) from None
    if frame.attrs["missing"]:
        click.echo(
            f"note: {frame.attrs['missing']} of {frame.attrs['runs']} runs are not in yet; "
            "figures and tables use the finished ones",
            err=True,
        )
    return frame[frame["status"] == "done"]


def _folder(results: Path, out: Path | None) -> Path:
    folder = out or results / "analysis"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _show(frame: pd.DataFrame) -> str:
    return frame.to_string(index=False, float_format=lambda v: f"{v:.3f}", na_rep="n/a")


@click.command()
@results_argument
@click.option("--baseline", help="Arm the others are compared with [default: isolated, if present].")
@click.option(
    "--metric",
    "metrics",
    multiple=True,
    type=click.Choice(list(METRICS)),
    help="Metric to report (repeatable) [default: all].",
)
@out_option
def analyze(results: Path, baseline: str | None, metrics: tuple[str, ...], out: Path | None) -> None:
    """Per arm and factor level: mean, median and 95 % CI of each metric; paired differences between arms.

    Differences are paired by replicate (common random numbers), with bootstrap 95 % intervals, Wilcoxon
    signed-rank p-values corrected for multiple comparisons (Holm) and effect sizes (Cohen's d_z,
    rank-biserial). Writes describe.csv and comparisons.csv.
    """
    frame = _load(results)
    chosen = list(metrics) or list(METRICS)
    folder = _folder(results, out)
    summary = describe(frame, chosen)
    summary.to_csv(folder / "describe.csv", index=False)
    click.echo("per arm and factor level (mean, median, 95 % CI):\n")
    click.echo(_show(summary.drop(columns=["scenario"])))
    if frame["arm"].nunique() > 1:
        comparisons = paired_comparisons(frame, baseline, chosen)
        comparisons.to_csv(folder / "comparisons.csv", index=False)
        columns = [c for c in comparisons.columns if c not in ("scenario", "baseline", "baseline_mean", "arm_mean")]
        click.echo(
            f"\npaired differences against '{comparisons['baseline'].iloc[0]}' "
            "(bootstrap 95 % CI, Wilcoxon p with Holm's correction, effect sizes):\n"
        )
        click.echo(_show(comparisons[columns]))
    click.echo(
        f"\nwrote {folder / 'describe.csv'}"
        + (f" and {folder / 'comparisons.csv'}" if frame["arm"].nunique() > 1 else "")
    )


@click.command("attribute")
@results_argument
@click.option("--metric", default="final_outcome", show_default=True, type=click.Choice(list(METRICS)))
@click.option("--arm", help="Arm to attribute within, when the results hold several.")
@out_option
def attribute_command(results: Path, metric: str, arm: str | None, out: Path | None) -> None:
    """Shapley value of each factor's contribution, from a full two-level factorial.

    Use it on experiments/conditions_factorial.toml (the five conditions) or experiments/backbone_roles.toml
    (the six roles): "if not for X, would Y have happened?" (source 002), with bootstrap intervals and
    pairwise interactions. Writes attribution.csv, interactions.csv and attribution.png/.svg.
    """
    frame = _load(results)
    if arm:
        frame = frame[frame["arm"] == arm]
    try:
        contributions, interactions = attribute(frame, metric)
    except AttributionError as error:
        raise click.ClickException(f"{results}: {error}") from None
    folder = _folder(results, out)
    contributions.to_csv(folder / "attribution.csv", index=False)
    interactions.to_csv(folder / "interactions.csv", index=False)
    attribution_bars(contributions, folder)
    click.echo(
        f"{metric.replace('_', ' ')}: all off {contributions.attrs['baseline']:.3f}, all on "
        f"{contributions.attrs['full']:.3f}, over {contributions.attrs['replicates']} replicates\n"
    )
    click.echo(_show(contributions))
    click.echo("\npairwise interactions (Shapley interaction index, bootstrap 95 % CI):\n")
    click.echo(_show(interactions))
    click.echo(f"\nwrote {folder / 'attribution.csv'}, {folder / 'interactions.csv'} and {folder / 'attribution.png'}")


@click.command("sensitivity")
@results_argument
@click.option("--metric", default="final_outcome", show_default=True, type=click.Choice(list(METRICS)))
@click.option("--arm", help="Arm to analyse [default: the last one].")
@out_option
def sensitivity_command(results: Path, metric: str, arm: str | None, out: Path | None) -> None:
    """Global sensitivity to each sampled factor: Sobol indices (saltelli design) or Morris screening.

    Needs a sweep whose [sample] method is "saltelli" (Sobol first-order and total indices with 95 %
    intervals) or "morris" (mean absolute elementary effects). Writes sensitivity.csv and sensitivity.png/.svg.
    """
    try:
        method, indices = sensitivity(results, metric, arm)
    except SensitivityError as error:
        raise click.ClickException(str(error)) from None
    folder = _folder(results, out)
    indices.to_csv(folder / "sensitivity.csv", index=False)
    sensitivity_bars(indices, method, folder)
    click.echo(f"{'Sobol indices' if method == 'saltelli' else 'Morris screening'} of {metric.replace('_', ' ')}:\n")
    click.echo(_show(indices))
    click.echo(f"\nwrote {folder / 'sensitivity.csv'} and {folder / 'sensitivity.png'}")


@click.command()
@results_argument
@click.option(
    "--kind",
    "kinds",
    multiple=True,
    type=click.Choice(KINDS),
    help="Figure to draw (repeatable) [default: every kind the results allow].",
)
@out_option
def plot(results: Path, kinds: tuple[str, ...], out: Path | None) -> None:
    """Figures as PNG and SVG, ready for slides.

    Kinds: outcome over time, distributions, advantage heatmap, cost-effectiveness, duplication and gaps,
    condition levels, attribution and sensitivity bars.
    """
    folder = _folder(results, out)
    written = plot_all(results, folder, kinds or KINDS, report=lambda text: click.echo(text, err=True))
    for path in written:
        click.echo(f"wrote {path}")


@click.command()
@results_argument
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="[default: RESULTS/report.html]")
def report(results: Path, out: Path | None) -> None:
    """One self-contained HTML report of a sweep, to share or archive as it is.

    It holds the question, the design, the scenario parameters, the tables, the figures and the manifest.
    """
    from cisim.analysis.report import build_report

    target = out or results / "report.html"
    target.write_text(build_report(results), encoding="utf-8")
    click.echo(f"wrote {target} ({target.stat().st_size / 1e6:.1f} MB)")
