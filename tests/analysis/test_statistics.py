"""The statistics are right: checked against hand-computed values and known cases."""

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from cisim.analysis.attribution import (
    AttributionError,
    attribute,
    game_from_results,
    interaction_weights,
    shapley_weights,
)
from cisim.analysis.sensitivity import morris_indices, morris_levels, sobol_indices
from cisim.analysis.statistics import (
    bootstrap_interval,
    holm,
    mean_difference_interval,
    mean_interval,
    mean_intervals,
    pairs_for_holm,
    smallest_wilcoxon_p,
    wilcoxon_p,
)
from cisim.analysis.tables import describe, paired_comparisons
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


def comparisons_of(levels: int, pairs: int) -> pd.DataFrame:
    """Paired comparisons at ``levels`` factor levels of ``pairs`` pairs each, every pair favouring one arm."""
    rows = []
    for level in range(levels):
        for replicate in range(pairs):
            base = {"scenario": "s", "x.level": level, "replicate": replicate, "status": "done"}
            rows.append({**base, "arm": "isolated", "final_outcome": 0.1 * replicate})
            rows.append({**base, "arm": "collective", "final_outcome": 0.1 * replicate + 0.01 * (replicate + 1)})
    return paired_comparisons(pd.DataFrame(rows), metrics=["final_outcome"], resamples=100)


@pytest.mark.parametrize("pairs", range(1, 31))
def test_the_smallest_wilcoxon_p_is_what_the_test_gives_when_every_pair_agrees(pairs):
    assert smallest_wilcoxon_p(pairs) == 2 / 2**pairs
    assert wilcoxon_p(np.arange(1.0, pairs + 1)) == pytest.approx(smallest_wilcoxon_p(pairs), rel=1e-9)
    assert wilcoxon_p(-np.ones(pairs)) >= smallest_wilcoxon_p(pairs) * (1 - 1e-9)  # ties never go lower


def test_pairs_for_holm_is_the_fewest_that_can_reach_significance():
    assert pairs_for_holm(1) == 6  # 2 / 2^5 = 0.0625, 2 / 2^6 = 0.031
    assert pairs_for_holm(166) == 13  # 166 * 2 / 2^12 = 0.081, 166 * 2 / 2^13 = 0.041
    for tests in (1, 7, 40, 180, 5000):
        needed = pairs_for_holm(tests)
        assert tests * smallest_wilcoxon_p(needed) < 0.05 <= tests * smallest_wilcoxon_p(needed - 1)


def test_holm_caution_says_when_nothing_can_be_significant_and_how_many_pairs_would_do():
    from cisim.analysis.findings import holm_caution

    # 40 tests at 10 pairs: the smallest adjusted p is 40 * 2 / 1024 = 0.078, even with every pair agreeing
    few = comparisons_of(40, 10)
    note = holm_caution(few)
    assert note is not None and few["p_holm"].min() == pytest.approx(40 * 2 / 2**10)
    assert "40 paired tests" in note and "10 pairs" in note and "reach is 0.078" in note
    assert "no difference can reach significance" in note and "At least 11 pairs" in note
    # at 11 pairs the same agreement is significant (0.039), and no caution is given
    enough = comparisons_of(40, 11)
    assert enough["p_holm"].min() < 0.05 and holm_caution(enough) is None
    assert holm_caution(pd.DataFrame()) is None and holm_caution(None) is None


def test_only_shares_and_outcomes_are_bounded_to_zero_and_one():
    from cisim.model.outputs import SHARES, bounds

    assert {"final_outcome", "outcome_auc", "mean_duplication", "mean_gap_share", "community_outcome"} <= SHARES
    assert bounds("final_outcome") == (0.0, 1.0) and bounds("outcome_domain_2") == (0.0, 1.0)
    for unbounded in ("cost_effectiveness", "final_policy_gain", "no_such_metric"):  # a gain can be a loss
        assert unbounded not in SHARES and bounds(unbounded) is None
    for count in ("time_to_target", "total_spend", "total_income", "spend_per_point", "coordination_cost", "income"):
        assert count not in SHARES and bounds(count) == (0.0, math.inf)  # a time or an amount: never below 0


def test_describe_clips_the_interval_of_a_mean_share_to_its_bounds_and_nothing_else():
    values = [1.0, 1.0, 0.97, 1.0, 0.99]  # a t-interval of their mean reaches above 1
    frame = pd.DataFrame(
        {
            "scenario": "s",
            "arm": ["isolated"] * 5 + ["collective"] * 5,
            "replicate": list(range(5)) * 2,
            "status": "done",
            "final_outcome": [*values, 0.01, 0.0, 0.03, 0.0, 0.0],
            "mean_duplication": values * 2,
            "cost_effectiveness": [*values, 0.01, 0.0, 0.03, 0.0, 0.0],
        }
    )
    raw = mean_interval(values)
    assert raw.high > 1.0  # what was printed before: a share's interval above 1
    table = describe(frame, ["final_outcome", "mean_duplication", "cost_effectiveness"]).set_index(["arm", "metric"])
    share = table.loc[("isolated", "final_outcome")]
    assert share["ci_high"] == 1.0 and share["ci_low"] == pytest.approx(raw.low) and share["mean"] == raw.estimate
    assert table.loc[("isolated", "mean_duplication"), "ci_high"] == 1.0
    assert table.loc[("collective", "final_outcome"), "ci_low"] == 0.0  # and never below 0
    assert table.loc[("collective", "cost_effectiveness"), "ci_low"] < 0.0  # unbounded: as computed
    assert table.loc[("isolated", "cost_effectiveness"), "ci_high"] == pytest.approx(raw.high)
    # a mean time to target of two runs at steps 4 and 9 is not -38 to 51, but 0 to 51
    times = pd.DataFrame(
        {"scenario": "s", "arm": "isolated", "replicate": [0, 1], "status": "done", "time_to_target": [4.0, 9.0]}
    )
    early = describe(times, ["time_to_target"]).iloc[0]
    assert early["ci_low"] == 0.0 and early["ci_high"] == pytest.approx(mean_interval([4.0, 9.0]).high)
    # a difference of shares is not a share: its interval is left as it is
    difference = paired_comparisons(frame, "isolated", ["final_outcome"], resamples=200).iloc[0]
    assert difference["ci_low"] < difference["ci_high"] < 0.0  # clipped to [0, 1] it would be [0, 0]


def test_the_pooled_answer_of_one_arm_clips_a_shares_intervals_but_not_an_advantage():
    from cisim.analysis.pooled import binned, pooled
    from cisim.analysis.results import Results

    rows = []
    for point in range(24):
        outcome = 0.97 if point % 3 == 0 else 1.0  # every group of points holds some below 1: its interval crosses 1
        for replicate in range(2):
            base = {"scenario": "s", "point": point, "x.level": point / 23, "replicate": replicate, "status": "done"}
            rows.append({**base, "arm": "collective", "final_outcome": outcome})
            rows.append({**base, "arm": "isolated", "final_outcome": outcome - 0.5 + 0.1 * (point % 2)})
    frame = pd.DataFrame(rows)
    one = pooled(Results(Path("one"), frame[frame["arm"] == "collective"].reset_index(drop=True), {}, {}))
    raw = binned(one.points, ["x.level"])
    assert one.baseline is None and (raw["ci_high"] > 1.0).any()  # unclipped, some groups reach above 1
    assert (one.bins["ci_high"] == raw["ci_high"].clip(upper=1.0)).all() and one.overall[2] <= 1.0
    two = pooled(Results(Path("two"), frame, {}, {}), baseline="isolated")
    assert two.baseline == "isolated"
    assert (two.bins[["ci_low", "ci_high"]] == binned(two.points, ["x.level"])[["ci_low", "ci_high"]]).all().all()
    assert two.overall[1] == pytest.approx(mean_interval(two.points["advantage"]).low)


# ------------------------------------------------------------------------------ one module of statistics


def test_mean_interval_is_the_t_interval_and_says_when_it_cannot_be_computed():
    values = np.array([0.2, 0.5, 0.45, 0.9, 0.61])
    interval = mean_interval(values)
    half = stats.t.ppf(0.975, 4) * values.std(ddof=1) / np.sqrt(5)
    assert (interval.estimate, interval.low, interval.high) == pytest.approx(
        (values.mean(), values.mean() - half, values.mean() + half)
    )
    assert np.isnan(mean_interval([0.3]).low) and mean_interval([0.3]).estimate == 0.3
    assert mean_interval([0.5, 0.5, 0.5]).low == mean_interval([0.5, 0.5, 0.5]).high == 0.5
    assert mean_interval([0.1, np.nan, 0.3]).n == 2


def test_mean_intervals_band_matches_one_interval_at_a_time():
    rng = np.random.default_rng(1)
    groups = [rng.normal(size=n) for n in (2, 5, 30)] + [np.array([1.0]), np.array([2.0, 2.0])]
    low, high = mean_intervals(
        [g.mean() for g in groups], [g.std(ddof=1) if len(g) > 1 else np.nan for g in groups], [len(g) for g in groups]
    )
    for group, lo, hi in zip(groups, low, high, strict=True):
        one = mean_interval(group)
        assert (lo, hi) == pytest.approx((one.low, one.high), nan_ok=True)


def test_holm_agrees_with_statsmodels():
    multitest = pytest.importorskip("statsmodels.stats.multitest")
    p = np.random.default_rng(7).uniform(0, 0.2, 12)
    assert holm(p) == pytest.approx(multitest.multipletests(p, method="holm")[1])
    with_missing = holm(np.array([0.01, np.nan, 0.04]))
    assert np.isnan(with_missing[1]) and with_missing[[0, 2]] == pytest.approx([0.02, 0.04])


def test_bootstrap_intervals_are_reproducible_and_fall_back_to_percentile():
    sample = np.random.default_rng(3).normal(0.1, 0.05, 15)
    assert bootstrap_interval(sample, seed=4) == bootstrap_interval(sample, seed=4)
    assert mean_difference_interval(sample).low < sample.mean() < mean_difference_interval(sample).high
    # two distinct values: BCa cannot be computed, the percentile interval still can
    low, high = bootstrap_interval(np.array([0.0] * 9 + [1.0]), seed=0)
    assert np.isfinite(low) and np.isfinite(high) and low <= 0.1 <= high


def test_attribution_intervals_are_the_paired_percentile_bootstrap_of_replicates():
    """scipy's bootstrap draws the same replicates for every combination, as resampling by hand would."""
    effects = {"a": 0.2, "b": 0.1, "c": 0.0}
    frame = factorial_frame(lambda on: sum(effects[p] for p in on), replicates=12, noise=0.05, seed=5)
    contributions, interactions = attribute(frame, resamples=500, seed=9)
    players, values = game_from_results(frame)
    draws = np.random.default_rng(9).integers(values.shape[1], size=(500, values.shape[1]))
    boot = shapley_weights(3) @ values[:, draws].mean(axis=2)
    by_player = contributions.set_index("player")
    for i, player in enumerate(players):
        assert by_player.loc[player, ["ci_low", "ci_high"]].to_numpy(float) == pytest.approx(
            np.percentile(boot[i], [2.5, 97.5])
        )
    pair = interaction_weights(3)[(0, 1)] @ values[:, draws].mean(axis=2)
    first = interactions.iloc[0]
    assert (first["first"], first["second"]) == (players[0], players[1])
    assert [first["ci_low"], first["ci_high"]] == pytest.approx(np.percentile(pair, [2.5, 97.5]))


@pytest.mark.parametrize("levels", [2, 4, 6])
def test_morris_levels_are_read_from_the_design_itself(levels):
    from SALib.sample import morris

    problem = {"num_vars": 3, "names": ["a", "b", "c"], "bounds": [[0, 1], [10, 50], [-2, 2]]}
    assert morris_levels(problem, morris.sample(problem, 6, num_levels=levels, seed=1)) == levels
    assert morris_levels(salib_problem(MORRIS), salib_sample(MORRIS, seed=0)) == 4  # what the design draws


MORRIS = {"method": "morris", "samples": 5, "ranges": {"a": [0.0, 1.0], "b": [2.0, 3.0]}}


def test_paired_comparisons_pool_design_points_when_asked():
    rng = np.random.default_rng(2)
    rows = []
    for k in (0, 4):
        for replicate in range(5):
            base = rng.uniform()
            for arm, lift in (("isolated", 0.0), ("collective", 0.1 + 0.05 * k)):
                rows.append(
                    {"scenario": "s", "problem.k": k, "replicate": replicate, "arm": arm, "final_outcome": base + lift}
                )
    frame = pd.DataFrame(rows)
    per_point = paired_comparisons(frame, metrics=["final_outcome"])
    pooled = paired_comparisons(frame, metrics=["final_outcome"], by=[]).iloc[0]
    assert list(per_point["difference"]) == pytest.approx([0.1, 0.3])
    assert pooled["pairs"] == 10 and pooled["difference"] == pytest.approx(0.2)
    with pytest.raises(KeyError, match="arms are isolated, collective"):
        paired_comparisons(frame, baseline="nosuch")


def test_an_arm_with_no_run_that_has_a_measure_gets_a_row_of_no_pairs_not_no_row():
    """Where no run of one arm reached the target, its time to target was left out of the paired table (the
    pivot drops a column of nothing but missing values), while a comparison whose runs miss it in different
    replicates got a row of 0 pairs: the caution then counted one comparison fewer than the table has."""
    frame = pd.DataFrame(
        {
            "scenario": "s",
            "replicate": [0, 1, 2] * 3,
            "arm": ["isolated"] * 3 + ["never"] * 3 + ["apart"] * 3,
            "final_outcome": np.arange(9.0) / 10,
            "time_to_target": [1, np.nan, np.nan, np.nan, np.nan, np.nan, np.nan, 4, 5],
            "status": "done",
        }
    )
    table = paired_comparisons(frame, metrics=["final_outcome", "time_to_target"]).set_index(["arm", "metric"])
    assert len(table) == 4
    for arm in ("never", "apart"):
        row = table.loc[(arm, "time_to_target")]
        assert row["pairs"] == 0 and math.isnan(row["difference"]), row


def test_rbd_fast_indices_of_the_same_numbers_are_computed_once_and_each_caller_gets_its_own(monkeypatch):
    """A report asked for the same RBD-FAST indices three times (seconds of bootstrap each): computed once now."""
    import SALib.analyze.rbd_fast

    from cisim.analysis import pooled

    rng = np.random.default_rng(3)
    points = pd.DataFrame({"a": rng.random(60), "b": rng.random(60)})
    points["advantage"] = points["a"] * 2 + rng.normal(0, 0.1, 60)
    calls = []
    real = SALib.analyze.rbd_fast.analyze
    monkeypatch.setattr(SALib.analyze.rbd_fast, "analyze", lambda *a, **k: calls.append(1) or real(*a, **k))
    first = pooled.fast_indices(points, ["a", "b"], seed=11)
    first.loc[0, "S1"] = -99.0  # a caller changing its copy changes no one else's
    second = pooled.fast_indices(points, ["a", "b"], seed=11)
    assert len(calls) == 1 and second.loc[0, "S1"] != -99.0 and second.loc[0, "S1"] > second.loc[1, "S1"]
    pooled.fast_indices(points, ["a", "b"], seed=12)  # another seed: other indices
    points.loc[0, "advantage"] += 1.0
    pooled.fast_indices(points, ["a", "b"], seed=11)  # other numbers: other indices
    assert len(calls) == 3
