"""Figures readable at slide size, in a colour-blind-safe palette (Okabe-Ito)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only; no display needed

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from cisim.analysis.statistics import mean_intervals
from cisim.files import replacing
from cisim.model.outputs import label
from cisim.plots.colours import OKABE_ITO, OTHER_COLOURS, arm_colours

PALETTE = list(OKABE_ITO)
plt.rcParams.update({"font.size": 13, "axes.titlesize": 14, "axes.labelsize": 13, "legend.fontsize": 11})


def run_figure(series: pd.DataFrame, path: Path, title: str, arm: str = "scenario") -> Path:
    """Community outcome and per-domain outcomes over one run.

    The community line takes ``arm``'s colour (``cisim.plots.colours``: an isolated run's is vermilion, a
    coalition's blue, as in every other figure); the domains take colours no arm is known by.
    """
    fig, ax = plt.subplots(figsize=(9, 5), constrained_layout=True)
    domains = [c for c in series.columns if c.startswith("outcome_domain_")]
    community = arm_colours([arm])[arm]
    others = [c for c in OTHER_COLOURS if c != community]
    for i, column in enumerate(domains):
        ax.plot(
            series.index,
            series[column],
            color=others[i % len(others)],
            lw=1.2,
            alpha=0.7,
            label=label(column),
        )
    ax.plot(series.index, series["community_outcome"], color=community, lw=3, label="community")
    ax.set(xlabel="step", ylabel=label("community_outcome"), title=title)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))  # beside the plot: domain lines reach every corner
    ax.grid(alpha=0.3)
    with replacing(path) as temporary:  # whole or not at all
        fig.savefig(temporary, dpi=120)
    plt.close(fig)
    return path


def comparison_figure(
    outcomes: pd.DataFrame, summaries: pd.DataFrame, path: Path, title: str, names: dict[str, str] | None = None
) -> Path:
    """Left: mean outcome over time per arm with a 95 % band; right: final outcome per replicate, paired.

    ``names`` gives each arm's name on the figure (``isolated impact``, ``coalition design``); arms it does not
    name keep their own. The outcome over time is drawn on its whole scale, 0 to 1, as the classroom page draws
    it, so that a gap looks as large as it is; the final outcomes are zoomed to the runs (to tell the pairs
    apart), and the panel's title says so when they are.
    """
    arms = list(dict.fromkeys(outcomes.columns.get_level_values("arm")))
    shown = {arm: (names or {}).get(arm, arm) for arm in arms}
    colours = arm_colours(arms)  # the same colour for an arm in every figure (cisim.plots.colours)
    fig, (left, right) = plt.subplots(
        1, 2, figsize=(12, 5), constrained_layout=True, gridspec_kw={"width_ratios": [3, 2]}
    )
    for arm in arms:
        runs = outcomes[arm].to_numpy()
        mean = runs.mean(axis=1)
        low, high = mean_intervals(mean, runs.std(axis=1, ddof=1), runs.shape[1])
        left.plot(outcomes.index, mean, color=colours[arm], lw=2.5, label=shown[arm])
        left.fill_between(outcomes.index, low, high, color=colours[arm], alpha=0.25)
    left.set(
        xlabel="step", ylabel=label("community_outcome"), title="outcome over time (mean, 95 % CI)", ylim=(0, 1.02)
    )
    left.legend(loc="lower right")
    left.grid(alpha=0.3)
    finals = summaries.pivot(index="replicate", columns="arm", values="final_outcome")[arms]
    positions = np.arange(len(arms))
    for _, row in finals.iterrows():
        right.plot(positions, row.to_numpy(), color="grey", alpha=0.35, lw=1)
    for i, arm in enumerate(arms):
        right.scatter(np.full(len(finals), i), finals[arm], color=colours[arm], s=30, zorder=3)
    right.set_xticks(positions, [textwrap.fill(shown[arm], 16) for arm in arms])  # long names on two lines
    right.set_xlim(-0.4, len(arms) - 0.6)  # room for the outer names inside the figure
    zoomed = right.get_ylim()[0] > 0
    right.set(
        ylabel=label("final_outcome"),
        title="final outcome per replicate\n(lines pair them" + ("; axis zoomed to the runs)" if zoomed else ")"),
    )
    right.grid(alpha=0.3)
    fig.suptitle(title)
    with replacing(path) as temporary:  # whole or not at all
        fig.savefig(temporary, dpi=120)
    plt.close(fig)
    return path
