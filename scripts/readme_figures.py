"""Measure the figures the README and the scenario headers quote, from the model as it is.

Run from the repository root after any change to the model:

    .venv/bin/python scripts/readme_figures.py

It runs 20 paired replicates (seed 0, as ``cisim compare`` does by default) of isolated impact against full
collective impact and against each scenario's own design, for every shipped scenario, and prints Markdown:
the headline table for the built-in defaults and one row per scenario for the scenario library.
"""

from __future__ import annotations

import time
from pathlib import Path

import cisim
from cisim.analysis.paired import paired_difference
from cisim.scenarios import load_scenario

ROOT = Path(__file__).resolve().parents[1]
REPLICATES, SEED = 20, 0
HEADLINE = {
    "final_outcome": "final outcome (share of what is achievable)",
    "mean_duplication": "mean duplication (share of effort)",
    "mean_gap_share": "mean gap share (elements nobody works on)",
    "total_spend": "total spend",
    "total_income": "of which income brought in",
    "cost_effectiveness": "points of outcome per 100,000 spent",
}


def number(value: float) -> str:
    """Numbers as the README writes them: thousands with commas, shares with three decimals."""
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.3f}"


def signed(value: float) -> str:
    """A difference with its sign."""
    return f"{value:+,.0f}" if abs(value) >= 1000 else f"{value:+.3f}"


def headline() -> None:
    """The built-in defaults, as ``cisim compare`` runs them: isolated against the defaults' own design."""
    runs = cisim.compare(None, replicates=REPLICATES, seed=SEED, executor="processes")
    print("| metric | isolated | scenario | difference (95 % CI) |\n| --- | ---: | ---: | --- |")
    for metric, label in HEADLINE.items():
        d = paired_difference(runs, metric, "isolated", "scenario")
        mean = runs.groupby("arm")[metric].mean()
        print(
            f"| {label} | {number(mean['isolated'])} | {number(mean['scenario'])} | "
            f"{signed(d.difference)} [{signed(d.ci_low)}, {signed(d.ci_high)}] |"
        )


def library() -> None:
    """One row per shipped scenario: collective and the scenario's own design, each against isolated."""
    print("\n| scenario | isolated -> collective | isolated -> own design |\n| --- | --- | --- |")
    for path in sorted((ROOT / "scenarios").glob("*.toml")):
        scenario = load_scenario(path)
        runs = cisim.compare(
            scenario,
            replicates=REPLICATES,
            seed=SEED,
            arms=("isolated", "collective", "scenario"),
            executor="processes",
        )
        cells = []
        for arm in ("collective", "scenario"):
            d = paired_difference(runs, "final_outcome", "isolated", arm)
            mean = runs.groupby("arm")["final_outcome"].mean()
            cells.append(
                f"{mean['isolated']:.3f} → {mean[arm]:.3f}: {d.difference:+.3f} [{d.ci_low:+.3f}, {d.ci_high:+.3f}]"
            )
        print(f"| `{path.stem}` | {cells[0]} | {cells[1]} |", flush=True)


if __name__ == "__main__":
    started = time.perf_counter()
    headline()
    library()
    print(f"\n({time.perf_counter() - started:.0f} s)")
