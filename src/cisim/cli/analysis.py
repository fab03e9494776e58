"""``cisim analyze``, ``attribute``, ``sensitivity``, ``plot`` and ``report``: answers from a results folder.

They read only the results folder of a sweep, once (``cisim.analysis.results.Results``); nothing is rerun.
Every output folder is checked before any work starts, so a bad ``--out`` costs nothing.
"""

from __future__ import annotations

import os
import re
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING

import click
import numpy as np
import pandas as pd

from cisim.analysis.attribution import AttributionError, attribute
from cisim.analysis.findings import WIDE_INDEX, along_the_factor, cautions
from cisim.analysis.results import Results, ResultsError, default_baseline
from cisim.analysis.sensitivity import SensitivityError, sensitivity
from cisim.analysis.statistics import FEW_PAIRS
from cisim.analysis.tables import METRICS, describe, metrics_in, paired_comparisons, without_few_intervals
from cisim.cli.errors import COMPARE_SUFFIX, UserError, fresh_output_folder, output_file, output_folder
from cisim.cli.options import OutPath
from cisim.files import is_plain_name, replacing
from cisim.model.outputs import RUN_SUMMARIES, label
from cisim.plots.results import KINDS, attribution_bars, plot_all, sensitivity_bars
from cisim.report.words import along_sentence

if TYPE_CHECKING:
    from cisim.analysis.pooled import Pooled


def _existing(context: click.Context, parameter: click.Parameter, results: Path) -> Path:
    """``results`` if it exists; otherwise a user error naming it and, where it can tell, what makes it."""
    if not os.path.exists(results):  # never raises, whatever the path (a NUL byte, a loop of links)
        raise UserError(f"{results}: no such folder; expected the results folder of {_what_makes(results)}")
    return results


def _what_makes(results: Path) -> str:
    """The command that writes a results folder of this name, judged by its last component only.

    ``results/NAME`` is written by ``cisim sweep experiments/NAME.toml`` when that file exists, and
    ``results/NAME-compare`` by ``cisim compare NAME``. The name is used as a path only when it is one plain
    component (``is_plain_name``), so no name reaches outside ``experiments/``.
    """
    name = results.name
    if name.endswith(COMPARE_SUFFIX) and is_plain_name(scenario := name[: -len(COMPARE_SUFFIX)]):
        return f"a comparison (run `cisim compare {scenario}` first)"
    if is_plain_name(name) and is_plain_name(f"{name}.toml"):
        from cisim.experiments.design import experiment_folders

        experiment = f"experiments/{name}.toml"
        if Path(experiment).is_file():
            return f"a sweep (run `cisim sweep {experiment}` first)"
        if any((folder / f"{name}.toml").is_file() for folder in experiment_folders()):
            return f"a sweep (run `cisim sweep {name}` first)"  # one of the experiments cisim ships
    return "a sweep or a comparison (run `cisim sweep EXPERIMENT` or `cisim compare SCENARIO` first)"


results_argument = click.argument("results", type=click.Path(file_okay=False, path_type=Path), callback=_existing)
out_option = click.option(
    "--out", type=OutPath(file_okay=False, path_type=Path), help="Where to write [default: RESULTS/analysis]."
)
force_option = click.option(
    "--force", is_flag=True, help="Let --out write inside the results folder of another command."
)
metric_choice = click.Choice(list(RUN_SUMMARIES))


def _load(results: Path, cautions_follow: bool = False) -> Results:
    """The results folder's finished runs, or a plain error if there are none.

    A note on stderr says when some runs are not in yet, unless the command's own cautions will say so with
    what to do about it (``cautions_follow``: analyze, attribute, sensitivity).
    """
    try:
        loaded = Results.load(results)
    except ResultsError as error:
        raise UserError(str(error)) from None
    if loaded.done.empty:
        if loaded.failed:
            errors = loaded.frame.loc[loaded.frame["status"] != "done", "error"] if "error" in loaded.frame else []
            first = next((str(error) for error in errors if isinstance(error, str) and error), "")
            rest, others = loaded.runs - loaded.failed, ""
            if rest:
                others = f", the other {rest} {'damaged on disk' if loaded.damaged else 'not run yet'}"
            raise UserError(
                f"{results}: no finished runs: {loaded.failed} of {loaded.runs} failed"
                + (f" ({first})" if first else "")
                + f"{others}; each failed run's seed and error are in {results / 'manifest.json'} "
                "(failures); expected a design whose runs can run (resuming reruns no failed run)"
            )
        if loaded.damaged:
            from cisim.experiments.store import resume_command

            raise UserError(
                f"{results}: no intact finished runs: {len(loaded.damaged)} block(s) of results are damaged on disk "
                f"({next(iter(loaded.damaged.values()))}); `{resume_command(results)}` runs them again"
            )
        raise UserError(
            f"{results}: no finished runs yet ({loaded.runs} in the design); run or resume the sweep, then try again"
        )
    if loaded.missing and not cautions_follow:
        if loaded.damaged:
            from cisim.experiments.store import resume_command

            blocks = len(loaded.damaged)
            click.echo(
                f"note: {loaded.missing} of {loaded.runs} runs are missing, {blocks} block{'s' * (blocks > 1)} "
                f"damaged on disk; figures and tables use the intact finished runs (`{resume_command(results)}` "
                "reruns what is damaged)",
                err=True,
            )
        else:
            click.echo(
                f"note: {loaded.missing} of {loaded.runs} runs are not in yet; figures and tables use the finished "
                "ones",
                err=True,
            )
    return loaded


def _unfinished(loaded: Results) -> str:
    """How many runs a partial sweep lacks, and what to do about it, for an error that ends a command."""
    return f"{loaded.missing} of {loaded.runs} runs are not in yet: resume the sweep, then try again"


def _folder(results: Path, out: Path | None, force: bool, default: str = "analysis") -> Path:
    """The output folder, checked writable before anything is computed.

    An ``--out`` at or inside the analysed folder is its own (its ``analysis/`` is the default); any other
    ``--out`` must hold no results and lie in no results folder (another sweep's, compare's or run's) unless
    ``force``, as ``run``, ``compare`` and ``sweep`` require.
    """
    if out is not None:
        if _within(out, results):
            return output_folder(out)
        return fresh_output_folder(out, out, force)
    try:
        return output_folder(results / default if default else results)
    except UserError:
        raise UserError(
            f"{results}: the results folder cannot be written to; choose where to write with --out"
        ) from None


def _within(path: Path, folder: Path) -> bool:
    """Whether ``path`` is ``folder`` or lies inside it (links resolved, so no link leads out of it)."""
    try:
        return path.resolve().is_relative_to(folder.resolve())
    except (OSError, ValueError, RuntimeError):  # a path with a NUL byte, a loop of links
        return False


def report_name(baseline: str | None, default: str | None) -> str:
    """The report's file name in its results folder, one per baseline.

    ``report.html`` against the ``default`` baseline and ``report-ARM.html`` against another arm, so that a report
    against another arm never replaces the first. The arm's name (a key in an experiment file) is kept to letters,
    digits, '-' and '_': it is never a path.
    """
    if baseline is None or baseline == default:
        return "report.html"
    return f"report-{re.sub(r'[^A-Za-z0-9_-]', '_', baseline)[:80]}.html"


def _arm(loaded: Results, arm: str | None, option: str) -> str | None:
    """``arm`` if the results hold it; otherwise a user error naming the arms that exist."""
    if arm is not None and arm not in loaded.arms:
        raise UserError(f"{option} {arm!r}: {loaded.folder} has no such arm; expected one of {', '.join(loaded.arms)}")
    return arm


def _metric(loaded: Results, metric: str) -> str:
    if metric not in loaded.frame.columns:
        present = ", ".join(metrics_in(loaded.frame, list(RUN_SUMMARIES)))
        raise UserError(f"--metric {metric!r}: {loaded.folder} does not record it; expected one of {present}")
    return metric


def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    """A table written whole or not at all (a full disk never leaves a cut-off CSV under its name)."""
    with replacing(path) as temporary:
        frame.to_csv(temporary, index=False)


def _show(frame: pd.DataFrame) -> str:
    return frame.to_string(index=False, float_format=lambda v: f"{v:.3f}", na_rep="n/a")


def _cautions(notes: list[str]) -> None:
    for note in notes:
        click.echo(f"caution: {note}", err=True)


@click.command()
@results_argument
@click.option("--baseline", help="Arm the others are compared with [default: the experiment's, else isolated].")
@click.option(
    "--metric",
    "metrics",
    multiple=True,
    type=metric_choice,
    help=f"Per-run measure to report (repeatable) [default: {', '.join(METRICS)}].",
)
@click.option(
    "--per-point",
    is_flag=True,
    help="Print the tables of every design point too (a sampled design prints its pooled answer only).",
)
@out_option
@force_option
def analyze(
    results: Path, baseline: str | None, metrics: tuple[str, ...], per_point: bool, out: Path | None, force: bool
) -> None:
    """Per arm and factor level: mean, median and 95 % CI of each metric; paired differences between arms.

    Differences are paired by replicate (common random numbers), with bootstrap 95 % intervals, Wilcoxon
    signed-rank p-values corrected for multiple comparisons (Holm) and effect sizes (Cohen's d_z,
    rank-biserial). Writes describe.csv and comparisons.csv. On a grid of one numeric factor it then says where
    the advantage changes sign and at which levels it is clear.

    A sampled design (Latin hypercube, Sobol, Monte Carlo, or a grid over several numeric factors) prints
    its pooled answer first: the mean advantage over every design point, a least-squares metamodel of the
    advantage on each factor with its R², the advantage in five groups of points along each factor, and RBD-FAST
    sensitivity indices; the per-point tables are written to CSV and printed only with --per-point.
    """
    from cisim.analysis.pooled import PooledError, is_sampled, pooled

    loaded = _load(results, cautions_follow=True)
    _arm(loaded, baseline, "--baseline")
    baseline = baseline or loaded.baseline
    chosen = [_metric(loaded, m) for m in metrics] or metrics_in(loaded.frame)
    folder = _folder(results, out, force)
    frame = loaded.done
    click.echo(f"condition dynamics: {loaded.dynamics_text()}\n")
    sampled = is_sampled(loaded)
    written = []
    if sampled:
        try:
            answer = pooled(loaded, chosen[0] if metrics else "final_outcome", baseline)
        except PooledError as error:
            click.echo(f"no pooled answer: {error}\n")
            sampled = False  # the tables of each point are then the answer
        else:
            click.echo(_pooled_text(answer, loaded.replicates))
            _write_csv(answer.points, folder / "pooled_points.csv")
            _write_csv(answer.model, folder / "pooled_model.csv")
            _write_csv(answer.bins, folder / "pooled_bins.csv")
            written += ["pooled_points.csv", "pooled_model.csv", "pooled_bins.csv"]
            if answer.indices is not None:
                _write_csv(answer.indices, folder / "pooled_sensitivity.csv")
                written.append("pooled_sensitivity.csv")
    show = per_point or not sampled
    several = frame["scenario"].nunique() > 1  # rows of two base scenarios must say which is which
    summary = describe(frame, chosen)
    _write_csv(summary, folder / "describe.csv")
    written.append("describe.csv")
    if show:
        click.echo("per arm and factor level (mean, median, 95 % CI):\n")
        shown = without_few_intervals(summary, "n")
        click.echo(_show(shown if several else shown.drop(columns=["scenario"])))
    comparisons = None
    if frame["arm"].nunique() > 1:
        comparisons = paired_comparisons(frame, baseline, chosen)
        _write_csv(comparisons, folder / "comparisons.csv")
        written.append("comparisons.csv")
        if show:
            hidden = {"baseline", "baseline_mean", "arm_mean", *([] if several else ["scenario"])}
            columns = [c for c in comparisons.columns if c not in hidden]
            click.echo(
                f"\npaired differences against '{comparisons['baseline'].iloc[0]}' "
                "(bootstrap 95 % CI, Wilcoxon p with Holm's correction, effect sizes):\n"
            )
            click.echo(_show(without_few_intervals(comparisons[columns], "pairs")))
            for along in along_the_factor(loaded, comparisons["baseline"].iloc[0]):  # one factor on a grid
                click.echo("\n" + textwrap.fill(along_sentence(along, html=False), width=110))
    few = (summary["n"] < FEW_PAIRS).any() or (comparisons is not None and (comparisons["pairs"] < FEW_PAIRS).any())
    if show and few:
        click.echo(
            f"\nn/a: an interval of fewer than {FEW_PAIRS} values (runs, or pairs of runs, that have a value: e.g. "
            "time to target where most runs never reach it) is too wide to mean much; the CSV files keep it "
            "beside its n"
        )
    if not show:
        click.echo(f"per design point ({loaded.points:,} points): in the CSV files below (--per-point prints them)")
    click.echo(f"\nwrote {', '.join(str(folder / name) for name in written)}")
    _cautions(cautions(loaded, comparisons=comparisons))


def _pooled_text(answer: Pooled, replicates: int) -> str:
    """The pooled answer of a sampled design as lines for the terminal (well under a screenful per factor)."""
    what = label(answer.metric)
    if answer.baseline is None:
        subject = f"{what} under {answer.arm}"
    else:
        subject = f"advantage of {answer.arm} over {answer.baseline} in the {what}"
    mean, low, high = answer.overall
    model = answer.model
    lines = [
        f"pooled answer: {subject}, over {len(answer.points):,} design points "
        f"(each the mean of {replicates} paired replicate{'s' if replicates != 1 else ''}"
        + (f" in each of {answer.scenarios} base scenarios)" if answer.scenarios > 1 else ")"),
        f"  mean over the points: {mean:+.3f} (95 % CI {low:+.3f} to {high:+.3f})",
        "",
        f"how it moves with each factor: least squares over the points, R² {model.attrs['r2']:.2f} "
        f"(adjusted {model.attrs['r2_adjusted']:.2f})",
    ]
    width = max(len(f) for f in model["factor"])
    lines.append(f"  {'factor':<{width}}  {'range':>15}  {'low to high':>11}  {'95 % CI':>17}  {'p':>6}  {'SRC':>6}")
    for row in model.itertuples():
        span = f"{row.low:.3g} to {row.high:.3g}"
        lines.append(
            f"  {row.factor:<{width}}  {span:>15}  {row.effect:>+11.3f}  "
            f"{f'[{row.ci_low:+.3f}, {row.ci_high:+.3f}]':>17}  {_p(row.p):>6}  {row.src:>+6.2f}"
        )
    lines += ["", "the same, assuming no shape: the mean in five groups of equal width along each factor (95 % CI, n)"]
    for factor, part in answer.bins.groupby("factor", sort=False):
        lines.append(f"  {factor}")
        for row in part.itertuples():
            ci = "n/a" if np.isnan(row.ci_low) else f"[{row.ci_low:+.3f}, {row.ci_high:+.3f}]"
            lines.append(f"    {row.low:>8.3g} to {row.high:<8.3g} {row.advantage:+.3f} {ci:>17} ({row.n})")
    notes = []
    if answer.indices is not None:
        lines += ["", f"sensitivity of the {subject}: RBD-FAST first-order index (share of variance, 95 % CI)"]
        for row in answer.indices.sort_values("S1", ascending=False).itertuples():
            lines.append(f"  {row.factor:<{width}}  {row.S1:+.2f} [{row.S1_ci_low:+.2f}, {row.S1_ci_high:+.2f}]")
        rough = answer.indices[(answer.indices["S1_ci_high"] - answer.indices["S1_ci_low"]) / 2 > WIDE_INDEX]
        if len(rough):
            notes.append(
                f"the RBD-FAST intervals of {', '.join(rough['factor'])} are wider than ±{WIDE_INDEX}: too few points "
                "to rank these factors by it; sample more points"
            )
    if model.attrs["r2"] < 0.5:
        notes.append(
            f"R² {model.attrs['r2']:.2f}: straight lines explain little of how the advantage varies between points "
            "(curved effects, interactions or replicate noise); read the groups above rather than the slopes"
        )
    lines += [""] + [f"caution: {note}" for note in notes]
    return "\n".join(lines) + "\n"


def _p(p: float) -> str:
    return "n/a" if np.isnan(p) else ("<0.001" if p < 0.001 else f"{p:.3f}")


@click.command("attribute")
@results_argument
@click.option("--metric", default="final_outcome", show_default=True, type=metric_choice)
@click.option("--arm", help="Arm to attribute within, when the results hold several.")
@out_option
@force_option
def attribute_command(results: Path, metric: str, arm: str | None, out: Path | None, force: bool) -> None:
    """Shapley value of each factor's contribution, from a full two-level factorial.

    Use it on experiments/conditions_factorial.toml (the five conditions) or experiments/backbone_roles.toml
    (the six roles): "if not for X, would Y have happened?" (source 002), with bootstrap intervals and
    pairwise interactions. Writes attribution.csv, interactions.csv and attribution.png/.svg.
    """
    loaded = _load(results, cautions_follow=True)
    _arm(loaded, arm, "--arm")
    _metric(loaded, metric)
    folder = _folder(results, out, force)
    frame = loaded.done if arm is None else loaded.done[loaded.done["arm"] == arm]
    try:
        contributions, interactions = attribute(frame, metric)
    except AttributionError as error:
        # The cautions that would say runs are missing never come: the error says it, once, and what to do.
        unfinished = f"; {_unfinished(loaded)}" if loaded.missing else ""
        raise UserError(f"{results}: {error}{unfinished}") from None
    _write_csv(contributions, folder / "attribution.csv")
    _write_csv(interactions, folder / "interactions.csv")
    attribution_bars(contributions, folder)
    arm = arm or str(frame["arm"].iloc[0])
    click.echo(f"condition dynamics: {loaded.dynamics_text(arm)} (arm {arm})")
    click.echo(
        f"{label(metric)}: all off {contributions.attrs['baseline']:.3f}, all on "
        f"{contributions.attrs['full']:.3f}, over {contributions.attrs['replicates']} replicates\n"
    )
    click.echo(_show(contributions))
    click.echo("\npairwise interactions (Shapley interaction index, bootstrap 95 % CI):\n")
    click.echo(_show(interactions))
    written = ("attribution.csv", "interactions.csv", "attribution.png", "attribution.svg")
    click.echo(f"\nwrote {', '.join(str(folder / name) for name in written)}")
    _cautions(cautions(loaded, contributions=contributions))


@click.command("sensitivity")
@results_argument
@click.option("--metric", default="final_outcome", show_default=True, type=metric_choice)
@click.option("--arm", help="Arm to analyse [default: the last one, or with --baseline the last other than it].")
@click.option(
    "--baseline",
    help="Explain the arm's advantage over this arm (each design point's mean paired difference) instead of the "
    "arm's own outcome, as `cisim report` does for a comparison.",
)
@out_option
@force_option
def sensitivity_command(
    results: Path, metric: str, arm: str | None, baseline: str | None, out: Path | None, force: bool
) -> None:
    """Global sensitivity to each sampled factor: Sobol indices, Morris screening, or RBD-FAST on any sample.

    A sweep whose [sample] method is "saltelli" gets Sobol first-order and total indices with 95 % intervals,
    "morris" mean absolute elementary effects; any other design of 20 or more points (lhs, sobol,
    montecarlo, a grid) RBD-FAST first-order indices. Writes sensitivity.csv and sensitivity.png/.svg.
    """
    loaded = _load(results, cautions_follow=True)
    _arm(loaded, arm, "--arm")
    _arm(loaded, baseline, "--baseline")
    _metric(loaded, metric)
    if baseline is not None and baseline == arm:
        raise UserError(f"--arm and --baseline are both {arm!r}: expected two different arms")
    folder = _folder(results, out, force)
    try:
        method, indices = sensitivity(loaded, metric, arm, baseline)
    except SensitivityError as error:
        raise UserError(str(error)) from None
    _write_csv(indices, folder / "sensitivity.csv")
    sensitivity_bars(indices, method, folder)
    click.echo(f"condition dynamics: {indices.attrs['dynamics']} (arm {indices.attrs['arm']})")
    name = {"saltelli": "Sobol indices", "morris": "Morris screening", "rbd_fast": "RBD-FAST first-order indices"}
    arms = loaded.done["arm"].nunique()
    if baseline is not None:
        under = f" of {indices.attrs['arm']}'s advantage over {baseline} in the {label(metric)}"
    else:
        choose = " (one arm's outcome; --arm chooses another, --baseline explains an advantage)" if arms > 1 else ""
        under = f" of the {label(metric)} under {indices.attrs['arm']}{choose}"
    click.echo(f"{name[method]}{under}:\n")
    click.echo(_show(indices))
    click.echo(
        f"\nwrote {', '.join(str(folder / name) for name in ('sensitivity.csv', 'sensitivity.png', 'sensitivity.svg'))}"
    )
    _cautions(cautions(loaded, sensitivity=(method, indices)))


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
@force_option
def plot(results: Path, kinds: tuple[str, ...], out: Path | None, force: bool) -> None:
    """Figures as PNG and SVG, ready for slides.

    Kinds: outcome over time, distributions, advantage heatmap, advantage along a one-factor grid, the advantage
    along each sampled factor, cost-effectiveness, duplication and gaps,
    condition levels, attribution and sensitivity bars. Without --kind, every kind the results allow is drawn
    and the others are named in one line; a kind asked for with --kind that they do not allow is explained,
    and the command exits with status 1 (after writing the kinds it could draw).
    """
    loaded = _load(results)
    folder = _folder(results, out, force)
    skipped: dict[str, str] = {}
    written = plot_all(
        loaded,
        folder,
        kinds or KINDS,
        report=lambda text: click.echo(text, err=True),
        explain=skipped.__setitem__,
    )
    for path in written:
        click.echo(f"wrote {path}")
    if kinds:  # asked for by name: say why each was not drawn
        for kind, reason in skipped.items():
            click.echo(f"skipped {kind}: {reason}", err=True)
        if skipped:  # a script that asked for a figure learns it is not there; what was drawn stays written
            raise click.exceptions.Exit(1)
    elif skipped:
        click.echo(f"not drawn (these results do not allow them): {', '.join(skipped)}; --kind NAME says why", err=True)


@click.command()
@results_argument
@click.option(
    "--baseline",
    help="Arm the others are compared with [default: the experiment's baseline, else isolated, if present].",
)
@click.option(
    "--out",
    type=OutPath(dir_okay=False, path_type=Path),
    help="[default: RESULTS/report.html; with --baseline, RESULTS/report-BASELINE.html]",
)
@click.option("--force", is_flag=True, help="Let --out replace a file inside a results folder.")
def report(results: Path, baseline: str | None, out: Path | None, force: bool) -> None:
    """One self-contained HTML report of a sweep, to share or archive as it is.

    It opens with the answer in plain words (which design did better, by how much, how surely, at what
    cost), then the key table, cautions, figures with captions, the design, detailed tables, the scenario
    parameters and the manifest.
    """
    from cisim.report import write_report

    if out is not None:
        if out.is_dir():
            raise UserError(f"--out {str(out)!r}: is a folder; expected the path of an HTML file to write")
        output_file(out, "--out", force)  # never a device, never a result file without --force
    # output_file has checked the file itself: a new report may go beside another command's results.
    _folder(results, None if out is None else out.parent, force=True, default="")
    loaded = _load(results)
    _arm(loaded, baseline, "--baseline")
    default = loaded.baseline or (default_baseline(loaded.arms) if loaded.arms else None)
    target = out or results / report_name(baseline, default)
    if target.is_dir():
        raise UserError(f"{str(target)!r}: is a folder; expected the path of an HTML file to write (or --out FILE)")
    earlier = out is None and target.is_file()  # a report this command wrote before, against the same baseline
    try:
        write_report(loaded, target, baseline)
    except OSError as error:
        raise UserError(
            f"--out {str(target)!r}: cannot write the report ({error.strerror or error}); results are untouched, "
            "and nothing was left half-written"
        ) from None
    again = " (in place of the report written before)" if earlier else ""
    click.echo(f"wrote {target} ({target.stat().st_size / 1e6:.1f} MB){again}")
