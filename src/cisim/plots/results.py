"""Figures of a sweep's results, readable at slide size, colour-blind safe, saved as PNG and SVG.

Each function takes tables the analysis made (or the results themselves) and returns the paths it wrote;
``plot_all`` draws every kind that the results allow and says why it skipped the others. Intervals come from
``cisim.analysis.statistics`` and labels from ``cisim.model.outputs``.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.patches import Rectangle

from cisim.analysis.attribution import AttributionError, attribute
from cisim.analysis.results import Results, default_baseline, factor_columns
from cisim.analysis.sensitivity import SensitivityError, sensitivity
from cisim.analysis.statistics import CONFIDENCE, RESAMPLES, mean_intervals
from cisim.files import replacing
from cisim.model.outputs import SHARES, label
from cisim.plots.colours import OTHER_COLOURS, arm_colours
from cisim.plots.figures import PALETTE

KINDS = (
    "outcome",
    "distribution",
    "heatmap",
    "along",
    "factors",
    "cost",
    "duplication",
    "levels",
    "attribution",
    "sensitivity",
)
#: A heatmap shows factors of at most this many values each (a grid); sampled factors get ``advantage_by_factor``.
MAX_HEATMAP_LEVELS = 12
#: What the sensitivity figure's whiskers are, in its legend.
SENSITIVITY_WHISKERS = "95 % interval: index ± 1.96 bootstrap standard errors"


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
    """The arm's colour, the same in every figure (``cisim.plots.colours``)."""
    return arm_colours(arms)[arm]


def outcome_over_time(
    series: pd.DataFrame, out: Path, column: str = "community_outcome", baseline: str | None = None
) -> list[Path]:
    """Outcome over time: each arm's mean with a 95 % band, or with three arms or more their differences.

    With three or more arms each is drawn as its paired difference from the baseline, one line per arm, so
    the bands do not pile up on each other.
    """
    if series.empty:
        raise Skip("no per-step series in these results (set outputs.series = true in the experiment)")
    arms = _arms(series)
    name = f"{column}_over_time" if column != "community_outcome" else "outcome_over_time"
    if len(arms) >= 3:
        return _differences_over_time(series, out, column, arms, baseline or default_baseline(arms), name)
    fig, ax = plt.subplots(figsize=(10, 5.5), constrained_layout=True)
    for arm in arms:
        part = series[series["arm"] == arm].groupby("step")[column]
        mean = part.mean()
        low, high = _within(mean_intervals(mean, part.std(ddof=1), part.count()), column)
        ax.plot(mean.index, mean, lw=2.5, color=_colour(arms, arm), label=arm)
        ax.fill_between(mean.index, low, high, color=_colour(arms, arm), alpha=0.25)
    ax.set(xlabel="step", ylabel=label(column), title=f"{label(column)} over time (mean, 95 % CI){_pooled(series)}")
    ax.legend(loc="best")
    ax.grid(alpha=0.3)
    return _save(fig, out, name)


def _differences_over_time(
    series: pd.DataFrame, out: Path, column: str, arms: list[str], baseline: str, name: str
) -> list[Path]:
    keys = [c for c in ("scenario", "point", "replicate", "step") if c in series.columns]
    table = series.pivot_table(index=keys, columns="arm", values=column, aggfunc="first")
    others = [a for a in arms if a != baseline]
    fig, ax = plt.subplots(figsize=(10, 5.5), constrained_layout=True)
    ax.axhline(0, color="black", lw=1)
    ends = {}
    for arm in others:
        difference = (table[arm] - table[baseline]).dropna().groupby(level="step")
        mean = difference.mean()
        low, high = mean_intervals(mean, difference.std(ddof=1), difference.count())
        ax.plot(mean.index, mean, lw=2.5, color=_colour(arms, arm), label=f"{arm} minus {baseline}")
        ax.fill_between(mean.index, low, high, color=_colour(arms, arm), alpha=0.2)
        ends[arm] = (mean.index[-1], float(mean.iloc[-1]))
    first, last = min(step for step, _ in ends.values()), max(step for step, _ in ends.values())
    first = min(first, 0)
    ax.set_xlim(first, last)  # the run's steps only: the names stand in the margin to the right
    bottom, top = ax.get_ylim()
    gap, placed = 0.05 * (top - bottom), list[float]()
    for arm, (step, value) in sorted(ends.items(), key=lambda item: item[1][1]):
        at = max(value, placed[-1] + gap) if placed else value  # names at the ends never overlap
        placed.append(at)
        ax.annotate(
            arm,
            (step, value),
            xytext=(1.01, at),
            textcoords=("axes fraction", "data"),
            va="center",
            fontsize=12,
            color=_colour(arms, arm),
            annotation_clip=False,
            bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.8, "pad": 1},
        )
    ax.set(
        xlabel="step",
        ylabel=f"difference in {label(column)}",
        title=f"each design minus {baseline}, paired run by run (mean, 95 % CI){_pooled(series)}",
    )
    ax.grid(alpha=0.3)  # each line is named at its end: no legend to cover the data
    return _save(fig, out, name)


def _within(bounds: tuple[np.ndarray, np.ndarray], metric: str, values: pd.Series | None = None) -> tuple:
    """An interval clipped to the range its metric can take.

    Shares stay within [0, 1]; a metric no run took below 0 stays at 0 or above (a mean cannot lie outside
    the values it averages).
    """
    low, high = (np.asarray(b, dtype=float) for b in bounds)
    floor = 0.0 if metric in SHARES or (values is not None and len(values) and values.min() >= 0) else -np.inf
    ceiling = 1.0 if metric in SHARES else np.inf
    return np.clip(low, floor, ceiling), np.clip(high, floor, ceiling)


def _scenarios(frame: pd.DataFrame) -> list[str]:
    """The base scenarios of the runs, in the experiment's order (one for most experiments)."""
    return list(dict.fromkeys(frame["scenario"])) if "scenario" in frame else []


def _pooled(frame: pd.DataFrame, before: str = "\n") -> str:
    """What a figure drawn over every run must add to its title when the runs come from several base scenarios."""
    count = len(_scenarios(frame))
    return f"{before}the {count} scenarios pooled" if count > 1 else ""


def _name_scenarios(ax: plt.Axes, centres: np.ndarray, scenarios: list[str], arms: list[str]) -> None:
    """Name each scenario's group under it (wrapped, not rotated) and the arms' colours below the names."""
    names = [textwrap.fill(str(name).replace("_", " "), 14) for name in scenarios]
    ax.set_xticks(centres, names)
    lines = max(name.count("\n") + 1 for name in names)
    ax.legend(  # below the scenarios' names, never over the data
        loc="upper center", bbox_to_anchor=(0.5, -0.06 - 0.06 * lines), ncols=min(4, len(arms)), frameon=False
    )


def distribution(frame: pd.DataFrame, out: Path, metric: str = "final_outcome") -> list[Path]:
    """The distribution of a per-run metric per arm: box plots with every run shown.

    With several base scenarios (``when_it_fails``) each scenario gets its own group of boxes: pooled, a
    scenario in which the coalition loses hides among those in which it wins.
    """
    arms, scenarios = _arms(frame), _scenarios(frame)
    groups = scenarios if len(scenarios) > 1 else [None]
    width = 0.8 / len(arms)
    fig, ax = plt.subplots(
        figsize=(max(6, 2 + 1.6 * len(arms) * len(groups) ** 0.8), 5.5 + (0.6 if len(groups) > 1 else 0)),
        constrained_layout=True,
    )
    jitter = np.random.default_rng(0)
    for g, scenario in enumerate(groups):
        rows = frame if scenario is None else frame[frame["scenario"] == scenario]
        for a, arm in enumerate(arms):
            values = rows.loc[rows["arm"] == arm, metric].dropna()
            centre = g + 1 + (a - (len(arms) - 1) / 2) * width if scenario is not None else a + 1
            # Black medians: matplotlib draws them orange, which on a slide reads as the isolated arm's colour.
            ax.boxplot(
                [values],
                positions=[centre],
                widths=0.5 if scenario is None else 0.8 * width,
                showfliers=False,
                medianprops={"color": "black", "lw": 2},
            )
            spread = 0.12 if scenario is None else 0.25 * width
            ax.scatter(
                centre + jitter.uniform(-spread, spread, len(values)),
                values,
                s=14 if scenario is None else 10,
                alpha=0.6,
                color=_colour(arms, arm),
                zorder=3,
                label=arm if g == 0 else None,
            )
    if len(groups) > 1:
        _name_scenarios(ax, np.arange(1, len(groups) + 1), groups, arms)
        title = f"{label(metric)} per scenario and arm (every run)"
    else:
        ax.set_xticks(np.arange(1, len(arms) + 1), arms)
        title = f"{label(metric)} per arm (every run)"
    ax.set(ylabel=label(metric), title=title)
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
    sampled: tuple[str, ...] = (),
) -> list[Path]:
    """Mean paired advantage of an arm over the baseline across two grid factors (not ``sampled`` ones).

    Each cell shows the mean paired difference, the half-width of its 95 % t-interval and the number of
    pairs; a cell whose interval includes 0 (or has too few pairs for one) is hatched.
    """
    factors = factor_columns(frame)
    default = [f for f in ("problem.k", "organizations.n_organizations") if f in factors] or factors
    if len(factors) < 2 and not (x and y):
        varied = f"only one ({factors[0]})" if factors else "no factor"
        raise Skip(f"a heatmap needs two factors; these results vary {varied}")
    x = x or default[0]
    y = y or next(f for f in (default + factors) if f != x)
    levels = max(frame[x].nunique(), frame[y].nunique())
    if levels > MAX_HEATMAP_LEVELS or {x, y} & set(sampled):
        raise Skip(
            f"{x} and {y} are sampled (up to {levels} values each): a heatmap would be mostly empty; "
            "the figure of the advantage along each factor shows these results"
        )
    arms = _arms(frame)
    if len(arms) < 2:
        raise Skip(f"one arm ({arms[0]}): there is no advantage to map")
    if baseline not in arms:
        raise Skip(f"no baseline arm {baseline!r} (arms: {', '.join(arms)})")
    arm = arm or next(a for a in reversed(arms) if a != baseline)
    keys = [x, y, "replicate", "scenario"]
    pivot = frame.pivot_table(index=keys, columns="arm", values=metric, aggfunc="mean")
    differences = (pivot[arm] - pivot[baseline]).dropna().groupby(level=[0, 1])
    cells = pd.DataFrame({"mean": differences.mean(), "std": differences.std(ddof=1), "n": differences.count()})
    low, high = mean_intervals(cells["mean"], cells["std"], cells["n"])
    cells["half"] = (high - low) / 2
    cells["unclear"] = ~((low > 0) | (high < 0))  # the interval includes 0, or there is none (NaN)
    advantage = cells["mean"].unstack(x)
    half, pairs, unclear = (cells[c].unstack(x).reindex_like(advantage) for c in ("half", "n", "unclear"))
    fig, ax = plt.subplots(figsize=(9, 6.5), constrained_layout=True)
    limit = np.nanmax(np.abs(advantage.to_numpy()))
    image = ax.imshow(advantage.to_numpy(), cmap="PuOr", vmin=-limit, vmax=limit, origin="lower", aspect="auto")
    ax.set_xticks(range(advantage.shape[1]), [f"{v:g}" for v in advantage.columns])
    ax.set_yticks(range(advantage.shape[0]), [f"{v:g}" for v in advantage.index])
    size = 11 if levels <= 6 else 8
    for (i, j), value in np.ndenumerate(advantage.to_numpy()):
        if not np.isfinite(value):
            continue  # a combination the design does not hold: left blank
        shade = "white" if abs(value) > 0.6 * limit else "black"  # readable on dark and light cells
        spread = half.iloc[i, j]
        text = f"{value:+.2f}" + (f"\n±{spread:.2f}" if np.isfinite(spread) else "") + f"\nn = {pairs.iloc[i, j]:.0f}"
        ax.text(j, i, text, ha="center", va="center", fontsize=size, color=shade, linespacing=1.15)
        if bool(unclear.iloc[i, j]):
            ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, hatch="//", edgecolor="#777777", linewidth=0))
    ax.set(xlabel=x, ylabel=y)
    ax.set_title(
        f"{arm} minus {baseline}: {label(metric)}\n"
        "mean paired difference, ± half-width of its 95 % t-interval, n = pairs;\n"
        "hatched: the interval includes 0 (no clear difference)",
        fontsize=12,
    )
    fig.colorbar(image, ax=ax, label="mean paired difference")
    return _save(fig, out, "advantage_heatmap")


def _bars(frame: pd.DataFrame, metrics: list[str], out: Path, name: str, title: str) -> list[Path]:
    """Each arm's mean of each metric with its interval; of one metric with several base scenarios, per scenario."""
    arms, scenarios = _arms(frame), _scenarios(frame)
    by_scenario = len(metrics) == 1 and len(scenarios) > 1
    groups = scenarios if by_scenario else metrics
    fig, ax = plt.subplots(figsize=(max(7, 2 + 2 * len(arms) * len(groups) / 2), 5.5), constrained_layout=True)
    width = 0.8 / len(arms)
    for j, arm in enumerate(arms):
        means, lows, highs = [], [], []
        for group in groups:
            rows = frame[frame["scenario"] == group] if by_scenario else frame
            metric = metrics[0] if by_scenario else group
            values = rows.loc[rows["arm"] == arm, metric]
            mean = values.mean()
            bounds = mean_intervals(mean, values.std(ddof=1), values.count())
            low, high = _within(bounds, metric, frame[metric].dropna())
            means.append(float(mean))
            lows.append(float(low))
            highs.append(float(high))
        centres = np.arange(len(groups)) + j * width
        ax.bar(
            centres,
            means,
            width,
            yerr=[np.array(means) - np.array(lows), np.array(highs) - np.array(means)],
            capsize=4,
            color=_colour(arms, arm),
            label=arm,
        )
    if by_scenario:
        ax.set(title=title.replace("per arm", "per scenario and arm"), ylabel=label(metrics[0]))
        _name_scenarios(ax, np.arange(len(groups)) + width * (len(arms) - 1) / 2, groups, arms)
    elif len(metrics) == 1:  # one measure: the arms name the bars, and no legend is needed
        ax.set(title=title)
        ax.set_xticks(np.arange(len(arms)) * width, arms)
        ax.set_ylabel(label(metrics[0]))
    else:
        ax.set(title=f"{title}{_pooled(frame)}")
        ax.set_xticks(np.arange(len(metrics)) + width * (len(arms) - 1) / 2, [label(m) for m in metrics])
        # below the axes, never over a bar
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.1), ncols=min(4, len(arms)), frameon=False)
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
    """The five condition levels over time, one strip per condition and one panel per arm.

    Colour is the level (0 to 1), so conditions at the same level never hide one another as lines would.
    """
    if series.empty:
        raise Skip("no per-step series in these results (set outputs.series = true in the experiment)")
    arms = _arms(series)
    columns = [c for c in series.columns if c.startswith("level_")]
    if not columns:
        raise Skip("these results do not record condition levels over time")
    fig, axes = plt.subplots(
        len(arms), 1, figsize=(11, 1.2 + 1.9 * len(arms)), sharex=True, constrained_layout=True, squeeze=False
    )
    image = None
    for ax, arm in zip(axes[:, 0], arms, strict=True):
        means = series[series["arm"] == arm].groupby("step")[columns].mean()
        steps = means.index.to_numpy()
        image = ax.imshow(
            means.to_numpy().T,
            aspect="auto",
            cmap="cividis",
            vmin=0,
            vmax=1,
            interpolation="nearest",
            extent=(steps[0] - 0.5, steps[-1] + 0.5, len(columns) - 0.5, -0.5),
        )
        ax.set_yticks(range(len(columns)), [label(c).removesuffix(" level") for c in columns], fontsize=12)
        ax.set_title(f"{arm}{_pooled(series, ', ')}", loc="left", fontsize=14)
    axes[-1, 0].set_xlabel("step")
    assert image is not None  # one panel per arm, and there is at least one arm
    fig.colorbar(image, ax=axes[:, 0], label="condition level (mean over runs)", shrink=0.9)
    return _save(fig, out, "condition_levels")


def advantage_along(results: Results, out: Path, baseline: str | None = None) -> list[Path]:
    """The advantage along a one-factor grid: each level's mean paired difference (95 % bootstrap interval).

    Drawn for what ``cisim.analysis.findings.along_the_factor`` reads (one numeric factor on a grid, one base
    scenario): a zero line, and a dotted line where the mean difference changes sign between two levels.
    """
    from cisim.analysis.findings import along_the_factor
    from cisim.analysis.tables import paired_comparisons

    frame = results.done
    arms = _arms(frame)
    baseline = baseline or default_baseline(arms)
    if len(arms) < 2 or baseline not in arms:
        raise Skip(f"no other arm to set against {baseline!r} (arms: {', '.join(arms)})")
    found = along_the_factor(results, baseline)
    if not found:
        raise Skip(
            "the advantage along a factor is drawn for a grid of one numeric factor on one base scenario; "
            f"these results vary {', '.join(results.factors) or 'no factor'}"
        )
    factor = found[0].factor
    table = paired_comparisons(frame, baseline, ["final_outcome"], by=[factor])
    fig, ax = plt.subplots(figsize=(9, 5.5), constrained_layout=True)
    ax.axhline(0, color="black", lw=0.8)
    for along in found:
        rows = table[table["arm"] == along.arm].sort_values(factor)
        middle = rows["difference"].to_numpy(float)
        low = np.clip(rows["ci_low"].to_numpy(float), -1.0, 1.0)
        high = np.clip(rows["ci_high"].to_numpy(float), -1.0, 1.0)
        ax.errorbar(
            rows[factor],
            middle,
            yerr=[np.nan_to_num(middle - low), np.nan_to_num(high - middle)],
            fmt="o-",
            lw=2,
            capsize=4,
            color=_colour(arms, along.arm),
            label=f"{along.arm} minus {baseline} (95 % interval)",
        )
        for _, _, zero in along.crossings:
            ax.axvline(zero, color=_colour(arms, along.arm), ls=":", lw=1.5)
            ax.annotate(  # at the top of the plot, clear of the points and their intervals
                f"zero near {zero:.3g}",
                (zero, 0.96),
                xycoords=ax.get_xaxis_transform(),
                xytext=(6, 0),
                textcoords="offset points",
                va="top",
                fontsize=12,
                color=_colour(arms, along.arm),
            )
    ax.set(xlabel=factor, ylabel=f"advantage in {label('final_outcome')}")
    ax.set_title(f"Advantage over {baseline} along {factor}\n(mean paired difference at each level)", fontsize=13)
    ax.grid(alpha=0.3)
    fig.legend(loc="outside lower center", ncols=max(1, len(found)), frameon=False)
    return _save(fig, out, "advantage_along")


def advantage_by_factor(
    results: Results, out: Path, metric: str = "final_outcome", baseline: str | None = None
) -> list[Path]:
    """How the advantage moves along each numeric factor of a sampled design.

    Each design point's advantage, the means of five groups of equal width along the factor (95 % CI) and the
    least-squares line.
    """
    from cisim.analysis.pooled import PooledError, pooled

    try:
        answer = pooled(results, metric, baseline)
    except PooledError as error:
        raise Skip(str(error)) from None
    factors = list(answer.model["factor"])
    columns = min(3, len(factors))
    rows = -(-len(factors) // columns)
    fig, axes = plt.subplots(
        rows, columns, figsize=(5 * columns, 4.3 * rows), sharey=True, constrained_layout=True, squeeze=False
    )
    what = label(metric) if answer.baseline is None else f"{answer.arm} minus {answer.baseline}"
    for ax, factor in zip(axes.flat, factors, strict=False):
        points = answer.points
        ax.axhline(0, color="black", lw=0.8)
        ax.scatter(points[factor], points["advantage"], s=16, alpha=0.45, color=PALETTE[5], label="design point")
        groups = answer.bins[answer.bins["factor"] == factor]
        middle = (groups["low"] + groups["high"]) / 2
        # a difference of shares lies in [-1, 1], a share in [0, 1]
        floor, ceiling = (-1.0 if answer.baseline else 0.0, 1.0) if metric in SHARES else (-np.inf, np.inf)
        low, high = groups["ci_low"].clip(floor, ceiling), groups["ci_high"].clip(floor, ceiling)
        ax.errorbar(
            middle,
            groups["advantage"],
            yerr=[groups["advantage"] - low, high - groups["advantage"]],
            fmt="o-",
            color=PALETTE[0],
            lw=2,
            capsize=4,
            label="mean of a fifth of the points (95 % CI)",
        )
        row = answer.model[answer.model["factor"] == factor].iloc[0]
        ends = np.array([row["low"], row["high"]])
        centre = points["advantage"].mean() + (row["effect"] / (row["high"] - row["low"])) * (
            ends - points[factor].mean()
        )
        ax.plot(ends, centre, "--", color=PALETTE[3], lw=1.8, label="least-squares line")
        ax.set_xlabel(factor)  # as experiment files, --set and analyze's tables write it
        ax.set_title(f"effect low to high {row['effect']:+.3f}", fontsize=12)
        ax.grid(alpha=0.3)
    values = answer.points["advantage"]
    margin = 0.25 * max(float(np.ptp(values)), 1e-9)
    axes.flat[0].set_ylim(min(values.min(), 0) - margin, max(values.max(), 0) + margin)  # shared: every panel
    for ax in list(axes.flat)[len(factors) :]:
        ax.set_visible(False)
    for ax in axes[:, 0]:
        ax.set_ylabel(what if answer.baseline is None else f"advantage in {label(metric)}")
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=3, frameon=False)
    subject = label(metric) if answer.baseline is None else f"{what}: {label(metric)}"
    fig.suptitle(f"{subject} along each factor ({len(points)} points, R² {answer.r2:.2f})")
    return _save(fig, out, "advantage_by_factor")


def attribution_bars(contributions: pd.DataFrame, out: Path, name: str = "attribution") -> list[Path]:
    """Shapley value of each player with its percentile bootstrap interval over replicates, named in a legend."""
    players = contributions[contributions["player"] != "total"]
    fig, ax = plt.subplots(figsize=(9, 2.2 + 0.7 * len(players)), constrained_layout=True)
    positions = np.arange(len(players))[::-1]
    replicates = contributions.attrs.get("replicates")
    ax.barh(
        positions,
        players["shapley"],
        color=PALETTE[0],
        label="Shapley value" + (f" (from the means over {replicates} replicates)" if replicates else ""),
    )
    confidence = contributions.attrs.get("confidence", CONFIDENCE)
    resamples = contributions.attrs.get("resamples", RESAMPLES)
    ax.errorbar(
        players["shapley"],
        positions,
        xerr=[players["shapley"] - players["ci_low"], players["ci_high"] - players["shapley"]],
        fmt="none",
        ecolor="black",
        capsize=4,
        label=f"{confidence * 100:g} % percentile bootstrap interval ({resamples:,} resamples of the replicates)",
    )
    ax.set_yticks(positions, [str(p) for p in players["player"]])  # as experiment files and the report name them
    ax.axvline(0, color="black", lw=0.8)
    total = contributions[contributions["player"] == "total"].iloc[0]
    ax.set(
        xlabel=f"Shapley value ({label(contributions.attrs.get('metric', 'final_outcome'))})",
        title=f"contribution to the advantage of all on over all off ({total['shapley']:+.3f})",
    )
    ax.grid(alpha=0.3, axis="x")
    fig.legend(loc="outside lower center", ncols=1, frameon=False)  # below the axes, never over a bar
    return _save(fig, out, name)


def sensitivity_bars(indices: pd.DataFrame, method: str, out: Path) -> list[Path]:
    """Sobol first-order and total indices (or Morris mu*) per factor, with 95 % intervals."""
    fig, ax = plt.subplots(figsize=(9, 1.6 + 0.7 * len(indices)), constrained_layout=True)
    positions = np.arange(len(indices))[::-1]
    # Each factor as it is written in experiment files and `--set` (problem.k, conditions.common_agenda), as
    # analyze's tables and the other figures name it: one convention, nothing shortened for one section only.
    names = [str(f) for f in indices["factor"]]
    columns = {
        "saltelli": [("S1", "first order"), ("ST", "total")],
        "rbd_fast": [("S1", "first order (RBD-FAST)")],
    }.get(method, [("mu_star", "mu*")])
    height = 0.8 / len(columns)
    for k, (column, legend) in enumerate(columns):
        ax.barh(
            positions - k * height,
            indices[column],
            height,
            color=OTHER_COLOURS[k],  # not an arm's colour: these bars are indices, not designs
            label=legend,
            xerr=[indices[column] - indices[f"{column}_ci_low"], indices[f"{column}_ci_high"] - indices[column]],
            capsize=3,
            error_kw={"ecolor": "black"},
        )
    # The whiskers named once in the legend as SALib computes them (Sobol, Morris and RBD-FAST alike): the index
    # plus or minus z(0.975) times the standard deviation of its bootstrap resamples, not percentiles of them.
    ax.plot([], [], color="black", lw=1.5, label=SENSITIVITY_WHISKERS)
    ax.set_yticks(positions - height * (len(columns) - 1) / 2, names)
    ax.set(
        xlabel={
            "morris": "mean absolute elementary effect",
            "rbd_fast": "share of variance (first-order index, estimated by RBD-FAST)",
        }.get(method, "share of variance (Sobol index)"),
        title=sensitivity_title(indices),
    )
    fig.legend(loc="outside lower center", ncols=len(columns) + 1, frameon=False)  # never over a bar
    ax.grid(alpha=0.3, axis="x")
    return _save(fig, out, "sensitivity")


def sensitivity_title(indices: pd.DataFrame) -> str:
    """What the indices explain: an arm's outcome, or its advantage over a baseline (``sensitivity``'s attrs)."""
    metric, arm = label(indices.attrs.get("metric", "final_outcome")), indices.attrs.get("arm")
    if arm and indices.attrs.get("baseline"):
        return f"global sensitivity of {arm}'s advantage over {indices.attrs['baseline']}\nin the {metric}"
    return f"global sensitivity of the {metric}" + (f" under {arm}" if arm else "")


def _sensitivity_figure(
    results: Results, out: Path, indices: tuple[str, pd.DataFrame] | None, baseline: str
) -> list[Path]:
    """The sensitivity figure; with several arms, of the advantage over the baseline (as the report's)."""
    if indices is None:
        several = results.done["arm"].nunique() > 1
        indices = sensitivity(results, baseline=baseline if several else None)
    method, table = indices
    return sensitivity_bars(table, method, out)


def plot_all(
    results: Results | Path,
    out: Path,
    kinds: tuple[str, ...] = KINDS,
    report: Callable[[str], None] = print,
    contributions: pd.DataFrame | None = None,
    indices: tuple[str, pd.DataFrame] | None = None,
    baseline: str | None = None,
    explain: Callable[[str, str], None] | None = None,
) -> list[Path]:
    """Draw every requested kind the results allow; ``report`` hears which were skipped and why.

    Args:
        results: the sweep's results (or its folder).
        out: the folder to write into (created if need be).
        kinds: the kinds of figure to draw (``KINDS``).
        report: called with one line per kind skipped.
        contributions: attribution already computed (``attribute``), to draw instead of computing it again.
        indices: sensitivity already computed (``sensitivity``: method and indices), likewise.
        baseline: the arm others are compared with (default: the experiment's, else isolated, else the first).
        explain: called with each kind skipped and the reason, instead of ``report`` (so a caller can choose
            what to say about kinds nobody asked for).

    Returns:
        The files written, PNG and SVG for each kind drawn.
    """
    results = Results.of(results)
    baseline = baseline or results.baseline
    sampled = (results.manifest.get("sample") or {}).get("ranges", {})
    out.mkdir(parents=True, exist_ok=True)
    frame = results.done
    if frame.empty:
        report(f"skipped every figure: no finished runs in {results.folder} yet")
        return []
    written: list[Path] = []
    against = baseline or default_baseline(_arms(frame))  # the arm the advantage figures subtract
    draw: dict[str, Callable[[], list[Path]]] = {
        "outcome": lambda: outcome_over_time(results.series, out, baseline=baseline),
        "distribution": lambda: distribution(frame, out),
        "heatmap": lambda: advantage_heatmap(frame, out, baseline=against, sampled=tuple(sampled)),
        "along": lambda: advantage_along(results, out, baseline=baseline),
        "factors": lambda: advantage_by_factor(results, out, baseline=baseline),
        "cost": lambda: cost_effectiveness(frame, out),
        "duplication": lambda: duplication_gaps(frame, out),
        "levels": lambda: condition_levels(results.series, out),
        "attribution": lambda: attribution_bars(attribute(frame)[0] if contributions is None else contributions, out),
        "sensitivity": lambda: _sensitivity_figure(results, out, indices, against),
    }
    for kind in kinds:
        try:
            written += draw[kind]()
        except (Skip, AttributionError, SensitivityError) as reason:
            if explain is None:
                report(f"skipped {kind}: {reason}")
            else:
                explain(kind, str(reason))
    return written
