"""Figures of a sweep's results, readable at slide size, colour-blind safe, saved as PNG and SVG.

Each function takes tables the analysis made (or the results themselves) and returns the paths it wrote;
``plot_all`` draws every kind that the results allow and says why it skipped the others. Intervals come from
``cisim.analysis.statistics`` and labels from ``cisim.model.outputs``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from cisim.analysis.attribution import AttributionError, attribute
from cisim.analysis.results import Results, factor_columns
from cisim.analysis.sensitivity import SensitivityError, sensitivity
from cisim.analysis.statistics import mean_intervals
from cisim.files import replacing
from cisim.model.outputs import label
from cisim.plots.figures import PALETTE

KINDS = ("outcome", "distribution", "heatmap", "cost", "duplication", "levels", "attribution", "sensitivity")


class Skip(Exception):
    """A figure kind does not apply to these results; the message says why."""


def _save(fig: plt.Figure, out: Path, name: str) -> list[Path]:
    paths = [out / f"{name}.png", out / f"{name}.svg"]
    with replacing(paths[0]) as temporary:  # whole or not at all: a full disk never leaves half a figure
        fig.savefig(temporary, dpi=120)
    with replacing(paths[1]) as temporary:
        fig.savefig(temporary)
    plt.close(fig)
    return paths


def _arms(frame: pd.DataFrame) -> list[str]:
    return list(dict.fromkeys(frame["arm"]))


def _colour(arms: list[str], arm: str) -> str:
    return PALETTE[arms.index(arm) % len(PALETTE)]


def outcome_over_time(series: pd.DataFrame, out: Path, column: str = "community_outcome") -> list[Path]:
    """Mean outcome over time per arm with a 95 % band, pooled over design points."""
    if series.empty:
        raise Skip("no per-step series in these results (set outputs.series = true in the experiment)")
    arms = _arms(series)
    fig, ax = plt.subplots(figsize=(10, 5.5), constrained_layout=True)
    for arm in arms:
        part = series[series["arm"] == arm].groupby("step")[column]
        mean = part.mean()
        low, high = mean_intervals(mean, part.std(ddof=1), part.count())
        ax.plot(mean.index, mean, lw=2.5, color=_colour(arms, arm), label=arm)
        ax.fill_between(mean.index, low, high, color=_colour(arms, arm), alpha=0.25)
    ax.set(xlabel="step", ylabel=label(column), title=f"{label(column)} over time (mean, 95 % CI)")
    ax.legend(loc="lower right")
    ax.grid(alpha=0.3)
    return _save(fig, out, f"{column}_over_time" if column != "community_outcome" else "outcome_over_time")


def distribution(frame: pd.DataFrame, out: Path, metric: str = "final_outcome") -> list[Path]:
    """The distribution of a per-run metric per arm: box plots with every run shown."""
    arms = _arms(frame)
    fig, ax = plt.subplots(figsize=(max(6, 2 + 1.6 * len(arms)), 5.5), constrained_layout=True)
    data = [frame.loc[frame["arm"] == arm, metric].dropna() for arm in arms]
    ax.boxplot(data, tick_labels=arms, widths=0.5, showfliers=False)
    jitter = np.random.default_rng(0)
    for i, values in enumerate(data):
        ax.scatter(
            i + 1 + jitter.uniform(-0.12, 0.12, len(values)),
            values,
            s=14,
            alpha=0.6,
            color=_colour(arms, arms[i]),
            zorder=3,
        )
    ax.set(ylabel=label(metric), title=f"{label(metric)} per arm (every run)")
    ax.grid(alpha=0.3, axis="y")
    return _save(fig, out, f"{metric}_distribution")


def advantage_heatmap(
    frame: pd.DataFrame,
    out: Path,
    x: str | None = None,
    y: str | None = None,
    baseline: str = "isolated",
    arm: str | None = None,
    metric: str = "final_outcome",
) -> list[Path]:
    """Mean paired advantage of an arm over the baseline across two factors."""
    factors = factor_columns(frame)
    default = [f for f in ("problem.k", "organizations.n_organizations") if f in factors] or factors
    if len(factors) < 2 and not (x and y):
        raise Skip(f"a heatmap needs two factors; these results vary {len(factors)} ({', '.join(factors) or 'none'})")
    x = x or default[0]
    y = y or next(f for f in (default + factors) if f != x)
    arms = _arms(frame)
    if baseline not in arms:
        raise Skip(f"no baseline arm {baseline!r} (arms: {', '.join(arms)})")
    arm = arm or next(a for a in reversed(arms) if a != baseline)
    keys = [x, y, "replicate", "scenario"]
    pivot = frame.pivot_table(index=keys, columns="arm", values=metric, aggfunc="mean")
    advantage = (pivot[arm] - pivot[baseline]).groupby(level=[0, 1]).mean().unstack(x)
    fig, ax = plt.subplots(figsize=(9, 6), constrained_layout=True)
    limit = np.nanmax(np.abs(advantage.to_numpy()))
    image = ax.imshow(advantage.to_numpy(), cmap="PuOr", vmin=-limit, vmax=limit, origin="lower", aspect="auto")
    ax.set_xticks(range(advantage.shape[1]), [f"{v:g}" for v in advantage.columns])
    ax.set_yticks(range(advantage.shape[0]), [f"{v:g}" for v in advantage.index])
    for (i, j), value in np.ndenumerate(advantage.to_numpy()):
        shade = "white" if abs(value) > 0.6 * limit else "black"  # readable on dark and light cells
        ax.text(j, i, f"{value:+.2f}", ha="center", va="center", fontsize=11, color=shade)
    ax.set(xlabel=x, ylabel=y, title=f"{arm} minus {baseline}: {label(metric)}")
    fig.colorbar(image, ax=ax, label="mean paired difference")
    return _save(fig, out, "advantage_heatmap")


def _bars(frame: pd.DataFrame, metrics: list[str], out: Path, name: str, title: str) -> list[Path]:
    arms = _arms(frame)
    fig, ax = plt.subplots(figsize=(max(7, 2 + 2 * len(arms) * len(metrics) / 2), 5.5), constrained_layout=True)
    width = 0.8 / len(arms)
    for j, arm in enumerate(arms):
        values = frame.loc[frame["arm"] == arm, metrics]
        means = values.mean().to_numpy()
        low, high = mean_intervals(means, values.std(ddof=1), values.count())
        ax.bar(
            np.arange(len(metrics)) + j * width,
            means,
            width,
            yerr=[means - low, high - means],
            capsize=4,
            color=_colour(arms, arm),
            label=arm,
        )
    ax.set_xticks(np.arange(len(metrics)) + width * (len(arms) - 1) / 2, [label(m) for m in metrics])
    ax.set(title=title)
    ax.legend()
    ax.grid(alpha=0.3, axis="y")
    return _save(fig, out, name)


def cost_effectiveness(frame: pd.DataFrame, out: Path) -> list[Path]:
    """Points of progress per 100,000 spent, per arm (mean, 95 % CI)."""
    return _bars(frame, ["cost_effectiveness"], out, "cost_effectiveness", "cost-effectiveness per arm (mean, 95 % CI)")


def duplication_gaps(frame: pd.DataFrame, out: Path) -> list[Path]:
    """Duplication and gaps per arm (mean, 95 % CI)."""
    return _bars(
        frame,
        ["mean_duplication", "mean_gap_share"],
        out,
        "duplication_gaps",
        "duplication and gaps per arm (mean, 95 % CI)",
    )


def condition_levels(series: pd.DataFrame, out: Path) -> list[Path]:
    """The five condition levels over time, one panel per arm."""
    if series.empty:
        raise Skip("no per-step series in these results (set outputs.series = true in the experiment)")
    arms = _arms(series)
    columns = [c for c in series.columns if c.startswith("level_")]
    fig, axes = plt.subplots(
        1, len(arms), figsize=(5 * len(arms), 4.8), sharey=True, constrained_layout=True, squeeze=False
    )
    for ax, arm in zip(axes[0], arms, strict=True):
        means = series[series["arm"] == arm].groupby("step")[columns].mean()
        for i, column in enumerate(columns):
            ax.plot(
                means.index,
                means[column],
                lw=2,
                color=PALETTE[i],
                label=label(column),
            )
        ax.set(title=arm, xlabel="step", ylim=(-0.05, 1.05))
        ax.grid(alpha=0.3)
    axes[0][0].set_ylabel("condition level")
    axes[0][-1].legend(loc="lower right", fontsize=9)
    return _save(fig, out, "condition_levels")


def attribution_bars(contributions: pd.DataFrame, out: Path, name: str = "attribution") -> list[Path]:
    """Shapley value of each player with its bootstrap interval."""
    players = contributions[contributions["player"] != "total"]
    fig, ax = plt.subplots(figsize=(9, 1.6 + 0.7 * len(players)), constrained_layout=True)
    positions = np.arange(len(players))[::-1]
    ax.barh(
        positions,
        players["shapley"],
        color=PALETTE[0],
        xerr=[players["shapley"] - players["ci_low"], players["ci_high"] - players["shapley"]],
        capsize=4,
    )
    ax.set_yticks(positions, [p.split(".", 1)[-1].replace("_", " ") for p in players["player"]])
    ax.axvline(0, color="black", lw=0.8)
    total = contributions[contributions["player"] == "total"].iloc[0]
    ax.set(
        xlabel=f"Shapley value ({label(contributions.attrs.get('metric', 'final_outcome'))})",
        title=f"contribution to the advantage of all on over all off ({total['shapley']:+.3f})",
    )
    ax.grid(alpha=0.3, axis="x")
    return _save(fig, out, name)


def sensitivity_bars(indices: pd.DataFrame, method: str, out: Path) -> list[Path]:
    """Sobol first-order and total indices (or Morris mu*) per factor, with 95 % intervals."""
    fig, ax = plt.subplots(figsize=(9, 1.6 + 0.7 * len(indices)), constrained_layout=True)
    positions = np.arange(len(indices))[::-1]
    names = [f.replace("conditions.", "").replace("_", " ") for f in indices["factor"]]
    columns = [("S1", "first order"), ("ST", "total")] if method == "saltelli" else [("mu_star", "mu*")]
    height = 0.8 / len(columns)
    for k, (column, legend) in enumerate(columns):
        ax.barh(
            positions - k * height,
            indices[column],
            height,
            color=PALETTE[k],
            label=legend,
            xerr=[indices[column] - indices[f"{column}_ci_low"], indices[f"{column}_ci_high"] - indices[column]],
            capsize=3,
        )
    ax.set_yticks(positions - height * (len(columns) - 1) / 2, names)
    ax.set(
        xlabel="Sobol index" if method == "saltelli" else "mean absolute elementary effect",
        title=f"global sensitivity of the {label(indices.attrs.get('metric', 'final_outcome'))}",
    )
    ax.legend()
    ax.grid(alpha=0.3, axis="x")
    return _save(fig, out, "sensitivity")


def _sensitivity_figure(results: Results, out: Path, indices: tuple[str, pd.DataFrame] | None) -> list[Path]:
    method, table = sensitivity(results) if indices is None else indices
    return sensitivity_bars(table, method, out)


def plot_all(
    results: Results | Path,
    out: Path,
    kinds: tuple[str, ...] = KINDS,
    report: Callable[[str], None] = print,
    contributions: pd.DataFrame | None = None,
    indices: tuple[str, pd.DataFrame] | None = None,
) -> list[Path]:
    """Draw every requested kind the results allow; ``report`` hears which were skipped and why.

    Args:
        results: the sweep's results (or its folder).
        out: the folder to write into (created if need be).
        kinds: the kinds of figure to draw (``KINDS``).
        report: called with one line per kind skipped.
        contributions: attribution already computed (``attribute``), to draw instead of computing it again.
        indices: sensitivity already computed (``sensitivity``: method and indices), likewise.

    Returns:
        The files written, PNG and SVG for each kind drawn.
    """
    results = Results.of(results)
    out.mkdir(parents=True, exist_ok=True)
    frame = results.done
    if frame.empty:
        report(f"skipped every figure: no finished runs in {results.folder} yet")
        return []
    written: list[Path] = []
    draw: dict[str, Callable[[], list[Path]]] = {
        "outcome": lambda: outcome_over_time(results.series, out),
        "distribution": lambda: distribution(frame, out),
        "heatmap": lambda: advantage_heatmap(frame, out),
        "cost": lambda: cost_effectiveness(frame, out),
        "duplication": lambda: duplication_gaps(frame, out),
        "levels": lambda: condition_levels(results.series, out),
        "attribution": lambda: attribution_bars(attribute(frame)[0] if contributions is None else contributions, out),
        "sensitivity": lambda: _sensitivity_figure(results, out, indices),
    }
    for kind in kinds:
        try:
            written += draw[kind]()
        except (Skip, AttributionError, SensitivityError) as reason:
            report(f"skipped {kind}: {reason}")
    return written
