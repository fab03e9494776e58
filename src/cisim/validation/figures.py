"""Figures of each validation experiment: cisim's figures (mean, 95 % interval) beside the published ones."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np

from cisim.files import replacing
from cisim.plots.figures import PALETTE
from cisim.validation.estimates import Estimate
from cisim.validation.report import describe_sizes
from cisim.validation.runner import ExperimentOutcome

PUBLISHED_STYLE: dict[str, Any] = {
    "marker": "x",
    "color": "black",
    "linestyle": "none",
    "markersize": 9,
    "markeredgewidth": 2,
}


def _published(outcome: ExperimentOutcome, measure: str) -> dict[str, float]:
    """The published table (or number, under key ``""``) of the first pattern on ``measure``."""
    for pattern in outcome.spec.patterns:
        if pattern.measure == measure and pattern.check == "close":
            if isinstance(pattern.published, dict):
                return pattern.published
            if isinstance(pattern.published, float):
                return {"": pattern.published}
    return {}


def _estimates(outcome: ExperimentOutcome, measure: str) -> dict[str, Estimate]:
    value = outcome.measurements.estimates.get(measure, {})
    return value if isinstance(value, dict) else {"": value}


def _errorbar(ax: Any, xs: list[float], estimates: list[Estimate], **style: Any) -> None:
    means = np.array([e.mean for e in estimates])
    below = means - np.array([e.low for e in estimates])
    above = np.array([e.high for e in estimates]) - means
    ax.errorbar(xs, means, yerr=[below, above], capsize=4, lw=2, marker="o", **style)


def _size(outcome: ExperimentOutcome) -> str:
    return f"cisim ({'quick' if outcome.quick else 'full'} size: {describe_sizes(outcome.sizes)})"


def _save(fig: Any, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with replacing(path) as temporary:  # whole or not at all
        fig.savefig(temporary, dpi=110)
    plt.close(fig)
    return path


def levinthal_figure(outcome: ExperimentOutcome, path: Path) -> Path:
    """Left: mean local peaks by K (Figure 8). Right: distinct forms over time under local search (Figure 1)."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(13, 5), constrained_layout=True)
    peaks = _estimates(outcome, "peaks_by_k")
    ks = sorted(peaks, key=int)
    _errorbar(left, [int(k) for k in ks], [peaks[k] for k in ks], color=PALETTE[0], label=_size(outcome))
    published = _published(outcome, "peaks_by_k")
    left.plot([int(k) for k in published], list(published.values()), label="published", **PUBLISHED_STYLE)
    left.set(
        xlabel="K (interactions per element)",
        ylabel="local peaks per landscape",
        title="Local peaks (Levinthal Fig. 8)",
    )
    left.legend(loc="upper left")
    left.grid(alpha=0.3)
    paths = outcome.measurements.series["forms_by_period"]
    forms_published = _published(outcome, "forms_by_k")
    shown = [k for k in ("0", "1", "5") if k in paths] or list(paths)[:3]
    for i, k in enumerate(shown):
        right.plot(range(len(paths[k])), paths[k], color=PALETTE[i], lw=2.5, label=f"K = {k}")
        if k in forms_published:
            right.axhline(forms_published[k], color=PALETTE[i], ls=":", lw=1.5)
    right.set(
        xlabel="period",
        ylabel="distinct forms among the organizations",
        title="Emergence of order (Levinthal Fig. 1; dotted: published)",
    )
    right.legend(loc="upper right")
    right.grid(alpha=0.3)
    return _save(fig, path)


def march_figure(outcome: ExperimentOutcome, path: Path) -> Path:
    """Equilibrium knowledge of the common agenda against the socialisation rate, one line per learning rate."""
    fig, ax = plt.subplots(figsize=(9, 5.5), constrained_layout=True)
    knowledge = _estimates(outcome, "equilibrium_knowledge")
    published = _published(outcome, "equilibrium_knowledge")
    p1s, p2s = outcome.measurements.series["p1"], outcome.measurements.series["p2"]
    for i, p2 in enumerate(p2s):
        cells = [f"p2={p2:g},p1={p1:g}" for p1 in p1s]
        _errorbar(ax, p1s, [knowledge[c] for c in cells], color=PALETTE[i], label=f"cisim, p2 = {p2:g}")
        points = [(float(c.split("p1=")[1]), published[c]) for c in published if c.startswith(f"p2={p2:g},")]
        if points:
            ax.plot(*zip(*points, strict=True), **{**PUBLISHED_STYLE, "color": PALETTE[i]})
    ax.plot([], [], label="comparison figures", **PUBLISHED_STYLE)
    ax.set(
        xlabel="socialisation rate p1 (how fast members adopt the common agenda)",
        ylabel="equilibrium knowledge of the agenda",
        title=f"Shared agenda and socialisation (March 1991, Fig. 1)\n{_size(outcome)}",
    )
    ax.legend(loc="lower left")
    ax.grid(alpha=0.3)
    return _save(fig, path)


def lazer_friedman_figure(outcome: ExperimentOutcome, path: Path) -> Path:
    """Score per round (Figs. 4, 8, 10, 11) and distinct solutions per round (Fig. 5), one panel each.

    Crosses mark the published figures at the rounds they were read (in the colour of their arm).
    """
    series = outcome.measurements.series
    panels = [
        ("mean_by_round", "final_score", "networks, K = 5 (Fig. 4)"),
        ("simple_mean_by_round", "simple_final_score", "K = 0 (Fig. 8)"),
        ("velocity_mean_by_round", "velocity_final_score", "velocity, complete network (Fig. 10)"),
        ("copy_error_mean_by_round", "", "copy errors (Fig. 11)"),
    ]
    fig, axes = plt.subplots(1, 5, figsize=(27, 5.2), constrained_layout=True)
    for ax, (key, measure, title) in zip(axes[:-1], panels, strict=True):
        published = _published(outcome, measure) if measure else {}
        for i, (arm, means) in enumerate(series[key].items()):
            color = PALETTE[i % len(PALETTE)]
            ax.plot(range(len(means)), means, color=color, lw=2.2, label=arm)
            if arm in published:
                ax.plot([len(means) - 1], [published[arm]], **{**PUBLISHED_STYLE, "color": color})
        ax.set(xlabel="round", ylabel="mean score (r^8)", title=title, ylim=(0, 1.02))
        ax.legend(loc="lower right", fontsize=8)
        ax.grid(alpha=0.3)
    _diversity_panel(axes[-1], series["unique_solutions_by_round"], _published(outcome, "unique_solutions"))
    axes[0].plot([], [], label="published (x)", **PUBLISHED_STYLE)
    axes[0].legend(loc="lower right", fontsize=8)
    fig.suptitle(f"Lazer & Friedman (2007) through cisim's model: {_size(outcome)}")
    return _save(fig, path)


def _diversity_panel(ax: Any, series: dict[str, list[float]], published: dict[str, float]) -> None:
    """Distinct solutions per round by network; published keys read 'arm, round t'."""
    for i, (arm, means) in enumerate(series.items()):
        color = PALETTE[i % len(PALETTE)]
        ax.plot(range(len(means)), means, color=color, lw=2.2, label=arm)
        points = [(int(key.rsplit(" ", 1)[1]), value) for key, value in published.items() if key.startswith(f"{arm}, ")]
        if points:
            ax.plot(*zip(*points, strict=True), **{**PUBLISHED_STYLE, "color": color})
    ax.set(xlabel="round", ylabel="distinct solutions", title="distinct solutions, networks (Fig. 5)", ylim=(0, 101))
    ax.legend(loc="upper right", fontsize=8)
    ax.grid(alpha=0.3)


def rivkin_siggelkow_figure(outcome: ExperimentOutcome, path: Path) -> Path:
    """The coordination advantage (paired, 95 % interval) against interdependence across departments."""
    fig, ax = plt.subplots(figsize=(8, 5), constrained_layout=True)
    advantage = _estimates(outcome, "coordination_advantage_by_interdependence")
    levels = sorted(advantage, key=float)
    _errorbar(ax, [float(v) for v in levels], [advantage[v] for v in levels], color=PALETTE[0], label=_size(outcome))
    ax.axhline(0, color="grey", lw=1)
    ax.set(
        xlabel="share of interactions reaching the other department (k_across)",
        ylabel="coordinated - decentralized final outcome",
        title="Coordination advantage by interdependence (Rivkin & Siggelkow 2003)",
    )
    ax.legend(loc="upper left")
    ax.grid(alpha=0.3)
    return _save(fig, path)


def local_search_figure(outcome: ExperimentOutcome, path: Path) -> Path:
    """Distinct forms once local search through the model has converged, by K, beside Levinthal's Figure 1."""
    fig, ax = plt.subplots(figsize=(7, 5), constrained_layout=True)
    forms = _estimates(outcome, "forms_by_k")
    ks = sorted(forms, key=int)
    _errorbar(ax, [int(k) for k in ks], [forms[k] for k in ks], color=PALETTE[0], label=_size(outcome))
    published = _published(outcome, "forms_by_k")
    ax.plot([int(k) for k in published], list(published.values()), label="published", **PUBLISHED_STYLE)
    ax.set(
        xlabel="K (interactions per element)",
        ylabel="distinct forms after local search",
        title="Local search through cisim's model (Levinthal 1997, Fig. 1)",
    )
    ax.legend(loc="upper left")
    ax.grid(alpha=0.3)
    return _save(fig, path)
