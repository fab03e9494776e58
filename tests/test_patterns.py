"""Patterns the model must reproduce (MODEL.md section 6), tested over paired replicates.

Each test runs 20 paired replicates with common random numbers (replicate i of every arm shares its problem,
organizations and starting state) and states its effect size and tolerance. Outcomes are shares of
achievable progress (0: the worst configuration, 1: the best).
"""

from pathlib import Path

import pandas as pd
import pytest

from cisim.analysis import paired_difference
from cisim.experiments import compare_arms
from cisim.scenarios import load_scenario

SCENARIOS = Path(__file__).parents[1] / "scenarios"
REPLICATES = 20


@pytest.fixture(scope="module")
def technical():
    return compare_arms(load_scenario(SCENARIOS / "technical.toml"), REPLICATES, seed=2026).summaries


@pytest.fixture(scope="module")
def complex_runs():
    return compare_arms(load_scenario(SCENARIOS / "complex.toml"), REPLICATES, seed=2026).summaries


def test_pattern_1_technical_problems_isolated_about_as_good_and_cheaper(technical):
    """k = 0: the paired difference in final outcome stays within +-0.075 (95 % CI inside that band, mean
    within 0.05), and isolated impact gains more per unit spent (CI of collective - isolated below 0)."""
    outcome = paired_difference(technical, "final_outcome", "isolated", "collective")
    assert abs(outcome.difference) < 0.05, outcome
    assert outcome.ci_low > -0.075 and outcome.ci_high < 0.075, outcome
    per_spend = paired_difference(technical, "cost_effectiveness", "isolated", "collective")
    assert per_spend.ci_high < 0, per_spend


def test_pattern_2_complex_problems_collective_clearly_ahead(complex_runs):
    """k = 6, 75 % across domains: collective impact ahead by 0.10 to 0.40 of achievable progress, with the
    95 % CI's lower bound above 0.10 (measured: 0.31 [0.24, 0.39])."""
    outcome = paired_difference(complex_runs, "final_outcome", "isolated", "collective")
    assert outcome.ci_low > 0.10, outcome
    assert outcome.difference < 0.40, outcome


def test_pattern_2_the_gap_grows_with_k():
    """The collective advantage (final outcome) at k = 0, 3, 6 on the complex scenario: it grows from k = 0
    to k = 3 (CI of the difference in differences above 0) and does not fall from k = 3 to k = 6 by more than
    0.05 (measured: 0.08, 0.22, 0.31)."""
    base = load_scenario(SCENARIOS / "complex.toml")
    gaps = {}
    for k in (0, 3, 6):
        summaries = compare_arms(base.with_values(problem__k=k), REPLICATES, seed=2026).summaries
        table = summaries.pivot(index="replicate", columns="arm", values="final_outcome")
        gaps[k] = (table["collective"] - table["isolated"]).rename(k)
    growth = gaps[3] - gaps[0]
    half = 2.093 * growth.std(ddof=1) / REPLICATES**0.5  # t(0.975, 19)
    assert growth.mean() - half > 0, (gaps[0].mean(), gaps[3].mean())
    assert gaps[6].mean() > gaps[3].mean() - 0.05, (gaps[3].mean(), gaps[6].mean())


def test_pattern_6_duplication_and_gaps_higher_under_isolated_impact(complex_runs):
    """Isolated impact duplicates more effort (measured: 0.84 vs 0.47 of effort) and leaves more
    elements uncovered (0.06 vs 0.00): both paired CIs exclude 0."""
    duplication = paired_difference(complex_runs, "mean_duplication", "isolated", "collective")
    assert duplication.ci_high < -0.2, duplication
    gaps = paired_difference(complex_runs, "mean_gap_share", "isolated", "collective")
    assert gaps.ci_high < 0, gaps


def test_pattern_6_duplication_and_gaps_fall_as_reinforcing_activities_rise():
    """Mutually reinforcing activities at 0, 0.5 and 1 (everything else at full collective impact): mean
    duplication and gap share fall at each step up; the CI of the 0 -> 1 difference excludes 0."""
    base = load_scenario(SCENARIOS / "complex.toml")
    runs = {}
    for level in (0.0, 0.5, 1.0):
        summaries = compare_arms(
            base.with_values(conditions__reinforcing_activities=level), REPLICATES, seed=2026, arms=("scenario",)
        ).summaries
        runs[level] = summaries.assign(arm=f"r={level}")
    table = pd.concat(runs.values())
    for metric in ("mean_duplication", "mean_gap_share"):
        half = paired_difference(table, metric, "r=0.0", "r=0.5")
        full = paired_difference(table, metric, "r=0.5", "r=1.0")
        overall = paired_difference(table, metric, "r=0.0", "r=1.0")
        assert half.difference < 0 and full.difference < 0, (metric, half, full)
        assert overall.ci_high < 0, overall
