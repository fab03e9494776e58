"""The statistics are right: checked against hand-computed values and known cases."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from cisim.analysis.attribution import AttributionError, attribute, interaction_weights, shapley_weights
from cisim.analysis.sensitivity import morris_indices, sobol_indices
from cisim.analysis.tables import describe, holm, paired_comparisons
from cisim.experiments.design import salib_problem, salib_sample


def factorial_frame(value, players=("a", "b", "c"), replicates=8, noise=0.0, seed=0):
    """Results of a full two-level factorial whose mean outcome is value(set of players on)."""
    rng = np.random.default_rng(seed)
    rows = []
    for mask in range(1 << len(players)):
        on = {p for i, p in enumerate(players) if mask & (1 << i)}
        for replicate in range(replicates):
            rows.append(
                {
                    "scenario": "s",
                    "arm": "design",
                    "replicate": replicate,
                    "status": "done",
                    **{f"x.{p}": float(p in on) for p in players},
                    "final_outcome": value(on) + noise * rng.normal(),
                }
            )
    return pd.DataFrame(rows)


def test_shapley_values_of_an_additive_game_are_each_players_own_effect():
    effects = {"a": 0.3, "b": 0.1, "c": -0.05}
    contributions, interactions = attribute(factorial_frame(lambda on: sum(effects[p] for p in on)))
    values = dict(zip(contributions["player"], contributions["shapley"], strict=True))
    for player, effect in effects.items():
        assert values[f"x.{player}"] == pytest.approx(effect)
    assert values["total"] == pytest.approx(sum(effects.values()))
    assert np.allclose(interactions["interaction"], 0)


def test_shapley_of_a_unanimity_game_splits_evenly_and_shows_the_interaction():
    contributions, interactions = attribute(factorial_frame(lambda on: 1.0 if {"a", "b"} <= on else 0.0))
    values = dict(zip(contributions["player"], contributions["shapley"], strict=True))
    assert values["x.a"] == pytest.approx(0.5) and values["x.b"] == pytest.approx(0.5)
    assert values["x.c"] == pytest.approx(0.0)
    pair = interactions[(interactions["first"] == "x.a") & (interactions["second"] == "x.b")]
    assert pair["interaction"].iloc[0] == pytest.approx(1.0)


def test_shapley_values_add_up_and_intervals_cover_the_truth_under_noise():
    effects = {"a": 0.2, "b": 0.1, "c": 0.0}
    frame = factorial_frame(lambda on: sum(effects[p] for p in on), replicates=30, noise=0.05, seed=3)
    contributions, _ = attribute(frame, resamples=4000)
    players = contributions[contributions["player"] != "total"]
    assert players["shapley"].sum() == pytest.approx(contributions.iloc[-1]["shapley"])
    for row in players.itertuples():
        truth = effects[row.player.removeprefix("x.")]
        assert row.ci_low < truth < row.ci_high


def test_shapley_weights_are_efficient_and_symmetric():
    weights = shapley_weights(4)
    assert np.allclose(weights.sum(axis=0)[1:-1], 0)  # efficiency: coefficients sum to v(N) - v(empty)
    assert np.allclose(weights.sum(axis=0)[[0, -1]], [-1, 1])
    assert len(interaction_weights(4)) == 6


def test_attribution_needs_the_full_factorial():
    frame = factorial_frame(lambda on: len(on))
    with pytest.raises(AttributionError, match="1 of 8 combinations"):
        attribute(frame[~((frame["x.a"] == 1) & (frame["x.b"] == 1) & (frame["x.c"] == 1))])


def test_sobol_indices_of_the_ishigami_function_match_their_analytic_values():
    """Ishigami (a = 7, b = 0.1): S1 = (0.3139, 0.4424, 0), ST = (0.5576, 0.4424, 0.2437)."""
    sample = {"method": "saltelli", "samples": 4096, "ranges": {n: [-np.pi, np.pi] for n in ("x1", "x2", "x3")}}
    problem = salib_problem(sample)
    x = _sample(problem, 4096)
    y = np.sin(x[:, 0]) + 7 * np.sin(x[:, 1]) ** 2 + 0.1 * x[:, 2] ** 4 * np.sin(x[:, 0])
    indices = sobol_indices(problem, y, seed=1)
    assert indices["S1"].to_numpy() == pytest.approx([0.3139, 0.4424, 0.0], abs=0.03)
    assert indices["ST"].to_numpy() == pytest.approx([0.5576, 0.4424, 0.2437], abs=0.03)
    assert (indices["S1_ci_low"] < indices["S1_ci_high"]).all()


def _sample(problem, n):
    from SALib.sample import sobol

    return sobol.sample(problem, n, calc_second_order=False, seed=1)


def test_morris_ranks_an_inert_factor_last():
    sample = {"method": "morris", "samples": 40, "ranges": {"a": [0.0, 1.0], "b": [0.0, 1.0], "c": [0.0, 1.0]}}
    problem = salib_problem(sample)
    x = salib_sample(sample, seed=2)
    y = 5 * x[:, 0] + x[:, 1] ** 2
    indices = morris_indices(problem, x, y)
    assert indices["mu_star"].to_numpy() == pytest.approx([5.0, 1.0, 0.0], abs=0.35)


def test_holm_matches_a_hand_computed_example():
    assert holm(np.array([0.01, 0.04, 0.03, 0.005])) == pytest.approx([0.03, 0.06, 0.06, 0.02])


def test_paired_comparisons_match_hand_computed_values():
    rng = np.random.default_rng(4)
    base = rng.normal(0.5, 0.1, 12)
    diff = rng.normal(0.2, 0.05, 12)
    frame = pd.DataFrame(
        [
            {"scenario": "s", "replicate": r, "arm": "isolated", "final_outcome": base[r], "status": "done"}
            for r in range(12)
        ]
        + [
            {"scenario": "s", "replicate": r, "arm": "collective", "final_outcome": base[r] + diff[r], "status": "done"}
            for r in range(12)
        ]
    )
    row = paired_comparisons(frame, metrics=["final_outcome"]).iloc[0]
    assert row["difference"] == pytest.approx(diff.mean())
    assert row["cohens_dz"] == pytest.approx(diff.mean() / diff.std(ddof=1))
    assert row["p_wilcoxon"] == pytest.approx(stats.wilcoxon(diff).pvalue)
    assert row["rank_biserial"] == pytest.approx(1.0)
    assert row["ci_low"] < diff.mean() < row["ci_high"]
    described = describe(frame, ["final_outcome"])
    iso = described[described["arm"] == "isolated"].iloc[0]
    half = stats.t.ppf(0.975, 11) * base.std(ddof=1) / np.sqrt(12)
    assert (iso["mean"], iso["ci_low"]) == pytest.approx((base.mean(), base.mean() - half))
