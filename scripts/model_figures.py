"""Regenerate the model's documented figures: the advantage over k and its decomposition by condition.

Run from the repository root after any change to the model:

    .venv/bin/python scripts/model_figures.py            # 100 paired replicates (a few minutes on two cores)
    .venv/bin/python scripts/model_figures.py --quick    # 20 replicates, for a look
    .venv/bin/python scripts/model_figures.py --redraw   # redraw the figures from the recorded figures.json

It writes docs/figures/model/k_curve.png, docs/figures/model/decomposition.png (complex and technical
scenarios), docs/figures/model/failures.png (the coalition's advantage as each failure mechanism grows) and
docs/figures/model/figures.json (every number docs/model.md quotes from these figures).
"""

from __future__ import annotations

import argparse
import json
import os
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from scipy import stats

from cisim.experiments import replicate_seeds, run_model
from cisim.scenarios import Scenario, load_scenario

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "figures" / "model"
CONDITIONS = ("common_agenda", "shared_measurement", "reinforcing_activities", "communication", "backbone")
LABELS = {
    "common_agenda": "common agenda",
    "shared_measurement": "shared measurement\n(less noisy\ninformation)",
    "reinforcing_activities": "reinforcing\nactivities (joint\nchoice of changes)",
    "communication": "communication",
    "backbone": "backbone",
}
SEED = 7_700_001  # a seed block no test uses


def _final(task: tuple[Scenario, int]) -> float:
    scenario, seed = task
    return run_model(scenario, seed).summary["final_outcome"]


def finals(pool: ProcessPoolExecutor, settings: dict[str, Scenario], replicates: int) -> dict[str, np.ndarray]:
    """Final outcome of every setting, replicate ``i`` of each with the same seed."""
    seeds = replicate_seeds(SEED, replicates)
    tasks = [(scenario, seed) for scenario in settings.values() for seed in seeds]
    values = np.array(list(pool.map(_final, tasks, chunksize=8))).reshape(len(settings), replicates)
    return dict(zip(settings, values, strict=True))


def interval(differences: np.ndarray) -> dict[str, float]:
    """Mean and 95 % t-interval of paired differences."""
    mean = float(differences.mean())
    low, high = stats.t.interval(0.95, len(differences) - 1, loc=mean, scale=stats.sem(differences))
    return {"mean": mean, "low": float(low), "high": float(high)}


def k_curve(pool: ProcessPoolExecutor, base: Scenario, replicates: int) -> dict[int, dict[str, float]]:
    """The collective advantage in final outcome at k = 0..10 on the complex scenario."""
    settings = {}
    for k in range(11):
        for arm in ("isolated", "collective"):
            settings[f"{arm} {k}"] = base.with_values(problem__k=k).with_arm(arm)
    values = finals(pool, settings, replicates)
    return {k: interval(values[f"collective {k}"] - values[f"isolated {k}"]) for k in range(11)}


def decomposition(pool: ProcessPoolExecutor, base: Scenario, replicates: int) -> dict[str, dict[str, dict]]:
    """Each condition switched on alone (from isolated impact) and switched off alone (from full collective)."""
    isolated, full = base.with_arm("isolated"), base.with_arm("collective")
    settings = {"isolated": isolated, "full": full}
    for condition in CONDITIONS:
        settings[f"on {condition}"] = isolated.with_values(**{f"conditions__{condition}": 1.0})
        settings[f"off {condition}"] = full.with_values(**{f"conditions__{condition}": 0.0})
    values = finals(pool, settings, replicates)
    return {
        "total": {"all": interval(values["full"] - values["isolated"])},
        "alone": {c: interval(values[f"on {c}"] - values["isolated"]) for c in CONDITIONS},
        "removed": {c: interval(values["full"] - values[f"off {c}"]) for c in CONDITIONS},
    }


#: Each failure mechanism (docs/model.md, "When collective impact fails"): the parameter that sets its strength
#: and the strengths measured, from none to far beyond what the sources make plausible.
FAILURES = {
    "measuring the wrong thing": ("backbone__measurement_coverage", (1.0, 0.75, 0.5, 0.25, 0.125, 0.0)),
    "a captured agenda": ("backbone__agenda_capture", (0.0, 0.25, 0.5, 0.75, 1.0)),
    "coordination that crowds out delivery": ("costs__coordination_cost", (4.0, 15.0, 30.0, 60.0)),
}


def failures(pool: ProcessPoolExecutor, base: Scenario, replicates: int) -> dict[str, dict[str, dict]]:
    """Full collective impact's advantage over isolated impact as each failure mechanism grows.

    On the complex scenario; and the premature-convergence scenario's own design (and full collective impact)
    against isolated impact.
    """
    settings = {"isolated": base.with_arm("isolated")}
    for name, (key, strengths) in FAILURES.items():
        for strength in strengths:
            settings[f"{name} {strength}"] = base.with_arm("collective").with_values(**{key: strength})
    early = load_scenario(ROOT / "scenarios" / "premature_convergence.toml")
    settings["early isolated"] = early.with_arm("isolated")
    settings["early scenario"] = early.with_arm("scenario")
    settings["early collective"] = early.with_arm("collective")
    values = finals(pool, settings, replicates)
    curves: dict[str, dict[str, dict]] = {
        name: {str(s): interval(values[f"{name} {s}"] - values["isolated"]) for s in strengths}
        for name, (_, strengths) in FAILURES.items()
    }
    curves["converging too early"] = {
        arm: interval(values[f"early {arm}"] - values["early isolated"]) for arm in ("scenario", "collective")
    }
    return curves


def draw_failures(curves: dict[str, dict[str, dict]], path: Path) -> None:
    """One panel per graded failure mechanism: the coalition's advantage against its strength."""
    fig, axes = plt.subplots(1, len(FAILURES), figsize=(12, 3.8), sharey=True)
    for ax, (name, (key, strengths)) in zip(axes, FAILURES.items(), strict=True):
        mean = np.array([curves[name][str(s)]["mean"] for s in strengths])
        low = np.array([curves[name][str(s)]["low"] for s in strengths])
        high = np.array([curves[name][str(s)]["high"] for s in strengths])
        ax.errorbar(strengths, mean, yerr=[mean - low, high - mean], marker="o", capsize=3)
        ax.axhline(0, color="grey", linewidth=0.8)
        ax.set(title=name, xlabel=key.replace("__", "."))
    axes[0].set_ylabel("collective - isolated, final outcome")
    fig.suptitle("When collective impact fails: the advantage as each mechanism grows (complex scenario, 95 % CI)")
    fig.tight_layout()
    fig.savefig(path, dpi=150)
    plt.close(fig)


def draw_k_curve(curve: dict[int, dict[str, float]], path: Path) -> None:
    """The advantage over k with its interval band."""
    ks = sorted(curve)
    mean = np.array([curve[k]["mean"] for k in ks])
    low = np.array([curve[k]["low"] for k in ks])
    high = np.array([curve[k]["high"] for k in ks])
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.fill_between(ks, low, high, alpha=0.25, label="95 % interval")
    ax.plot(ks, mean, marker="o", label="mean paired difference")
    ax.axhline(0, color="grey", linewidth=0.8)
    ax.set(
        xlabel="interactions per element, k",
        ylabel="collective - isolated, final outcome",
        title="The collective-impact advantage over k (complex scenario)",
    )
    ax.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=150)
    plt.close(fig)


def draw_decomposition(problems: dict[str, dict[str, dict[str, dict]]], path: Path) -> None:
    """Each condition's gain switched on alone and loss when removed, against the full advantage, per problem."""
    fig, axes = plt.subplots(1, len(problems), figsize=(9 * len(problems), 5), sharey=True, squeeze=False)
    for ax, (problem, parts) in zip(axes[0], problems.items(), strict=True):
        _draw_parts(ax, parts, problem)
    fig.tight_layout()
    fig.savefig(path, dpi=150)
    plt.close(fig)


def _draw_parts(ax: plt.Axes, parts: dict[str, dict[str, dict]], problem: str) -> None:
    positions = np.arange(len(CONDITIONS))
    for offset, (key, label) in zip(
        (-0.2, 0.2), (("alone", "switched on alone"), ("removed", "lost when removed")), strict=True
    ):
        mean = np.array([parts[key][c]["mean"] for c in CONDITIONS])
        low = np.array([parts[key][c]["low"] for c in CONDITIONS])
        high = np.array([parts[key][c]["high"] for c in CONDITIONS])
        ax.bar(positions + offset, mean, width=0.4, label=label, yerr=[mean - low, high - mean], capsize=3)
    total = parts["total"]["all"]
    ax.axhline(total["mean"], color="black", linestyle="--", linewidth=1, label=f"full advantage {total['mean']:+.3f}")
    ax.axhline(0, color="grey", linewidth=0.8)
    ax.set_xticks(positions, [LABELS[c] for c in CONDITIONS], fontsize=8)
    title = f"Where the advantage comes from ({problem} scenario)"
    ax.set(ylabel="change in final outcome (95 % interval)", title=title)
    ax.legend(fontsize=8)


def main() -> None:
    """Measure, draw and record both figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="20 replicates instead of 100")
    parser.add_argument("--redraw", action="store_true", help="redraw from the recorded figures.json, no runs")
    arguments = parser.parse_args()
    if arguments.redraw:
        record = json.loads((OUT / "figures.json").read_text(encoding="utf-8"))
        draw_k_curve({int(k): v for k, v in record["k_curve"].items()}, OUT / "k_curve.png")
        draw_decomposition(record["decomposition"], OUT / "decomposition.png")
        draw_failures(record["failures"], OUT / "failures.png")
        return
    replicates = 20 if arguments.quick else 100
    OUT.mkdir(parents=True, exist_ok=True)
    base = load_scenario(ROOT / "scenarios" / "complex.toml")
    problems = {name: load_scenario(ROOT / "scenarios" / f"{name}.toml") for name in ("complex", "technical")}
    started = time.perf_counter()
    with ProcessPoolExecutor(os.cpu_count() or 1, mp_context=get_context("spawn")) as pool:
        curve = k_curve(pool, base, replicates)
        parts = {name: decomposition(pool, scenario, replicates) for name, scenario in problems.items()}
        failed = failures(pool, base, replicates)
    draw_k_curve(curve, OUT / "k_curve.png")
    draw_decomposition(parts, OUT / "decomposition.png")
    draw_failures(failed, OUT / "failures.png")
    record = {"replicates": replicates, "seed": SEED, "k_curve": curve, "decomposition": parts, "failures": failed}
    (OUT / "figures.json").write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(record, indent=2))
    print(f"written to {OUT} in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
