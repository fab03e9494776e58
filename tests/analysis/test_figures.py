"""The sweep's figures say how sure they are: the heatmap's intervals and pairs, the attribution's error bars
named, and the outcome's time axis no longer than the run."""

import numpy as np
import pandas as pd
import pytest
from matplotlib.patches import Rectangle

import cisim.plots.results as figures

REPLICATES = 4


def heatmap_frame() -> pd.DataFrame:
    """Two factors of two levels; collective beats isolated clearly where k = 4, not at all where k = 0.

    At k = 0 the paired differences are -0.1, +0.1, -0.05, +0.05 (mean 0); at k = 4 they are 0.30 to 0.33.
    """
    noise = {0: [-0.1, 0.1, -0.05, 0.05], 4: [0.30, 0.31, 0.32, 0.33]}
    rows = []
    for k in (0, 4):
        for n in (6, 12):
            for replicate in range(REPLICATES):
                base = 0.5
                rows.append(
                    {"problem.k": k, "organizations.n_organizations": n, "replicate": replicate, "scenario": "s"}
                    | {"arm": "isolated", "final_outcome": base}
                )
                rows.append(rows[-1] | {"arm": "collective", "final_outcome": base + noise[k][replicate]})
    return pd.DataFrame(rows)


def test_the_heatmap_gives_each_cell_its_interval_and_pairs_and_hatches_the_unclear_ones(drawn, tmp_path):
    figures.advantage_heatmap(heatmap_frame(), tmp_path)
    ax = drawn[0].axes[0]
    texts = [t.get_text() for t in ax.texts]
    assert len(texts) == 4 and all("±" in t and f"n = {REPLICATES}" in t for t in texts)
    clear = next(t for t in texts if t.startswith("+0.32"))  # k = 4: differences 0.30 to 0.33
    assert clear.split("\n")[1] == "±0.02"  # t(0.975, 3) x sd 0.0129 / 2 = 0.0205
    hatched = [p for p in ax.patches if isinstance(p, Rectangle) and p.get_hatch()]
    assert sorted(p.get_x() + 0.5 for p in hatched) == [0.0, 0.0]  # the k = 0 column only (its interval holds 0)
    assert "hatched: the interval includes 0" in ax.get_title()
    assert "n = pairs" in ax.get_title()


def test_the_attribution_names_its_error_bars(drawn, tmp_path):
    contributions = pd.DataFrame(
        {
            "player": ["conditions.common_agenda", "conditions.backbone", "total"],
            "shapley": [0.2, 0.1, 0.3],
            "ci_low": [0.15, -0.02, 0.25],
            "ci_high": [0.25, 0.2, 0.35],
        }
    )
    contributions.attrs.update(metric="final_outcome", replicates=5, confidence=0.9, resamples=500)
    figures.attribution_bars(contributions, tmp_path)
    legend = drawn[0].legends[0]
    labels = [t.get_text() for t in legend.get_texts()]
    assert labels == [
        "Shapley value (from the means over 5 replicates)",
        "90 % percentile bootstrap interval (500 resamples of the replicates)",
    ]
    # each player as experiment files, the sensitivity figure and the report name it, not shortened here alone
    ticks = [t.get_text() for t in drawn[0].axes[0].get_yticklabels()]
    assert ticks == ["conditions.common_agenda", "conditions.backbone"]


def test_outcome_over_time_ends_its_axis_at_the_last_step_with_the_names_beside_it(drawn, tmp_path):
    steps = 20
    rows = [
        {"arm": arm, "replicate": r, "step": s, "community_outcome": 0.3 + shift * s / steps + 0.01 * r}
        for arm, shift in (("isolated", 0.1), ("backbone_only", 0.15), ("collective", 0.4))
        for r in range(REPLICATES)
        for s in range(steps + 1)
    ]
    figures.outcome_over_time(pd.DataFrame(rows), tmp_path)
    fig = drawn[0]
    ax = fig.axes[0]
    assert ax.get_xlim() == (0, steps)
    fig.canvas.draw()
    right = ax.get_window_extent().x1
    names = {t.get_text(): t.get_window_extent() for t in ax.texts}
    assert set(names) == {"backbone_only", "collective"}
    assert all(box.x0 >= right and box.x1 <= fig.bbox.x1 for box in names.values())  # beside the axes, on the page
    assert np.isclose(ax.lines[1].get_xdata()[-1], steps)


def test_the_sensitivity_figure_names_factors_as_files_do_and_its_whiskers_in_the_legend(drawn, tmp_path):
    factors = ["conditions.common_agenda", "problem.k", "organizations.measurement_noise"]
    s1, st = [0.12, 0.35, 0.05], [0.2, 0.45, 0.1]
    indices = pd.DataFrame(
        {"factor": factors, "S1": s1, "ST": st}
        | {"S1_ci_low": np.subtract(s1, 0.04), "S1_ci_high": np.add(s1, 0.04)}
        | {"ST_ci_low": np.subtract(st, 0.05), "ST_ci_high": np.add(st, 0.05)}
    )
    figures.sensitivity_bars(indices, "saltelli", tmp_path)
    fig = drawn[0]
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == factors  # as written in experiment files
    entries = [t.get_text() for t in fig.legends[0].get_texts()]
    assert figures.SENSITIVITY_WHISKERS in entries and {"first order", "total"} <= set(entries)


@pytest.mark.parametrize("method", ["saltelli", "morris", "rbd_fast"])
def test_the_sensitivity_whiskers_are_named_for_what_salib_computes(drawn, tmp_path, method):
    """Every method's whiskers are the index ± z(0.975) x the standard deviation of its bootstrap resamples
    (SALib), not percentiles of the resamples as the attribution's are: the legend says so."""
    column = "mu_star" if method == "morris" else "S1"
    indices = pd.DataFrame(
        {"factor": ["problem.k"], column: [0.3], f"{column}_ci_low": [0.2], f"{column}_ci_high": [0.4]}
    )
    indices["ST"], indices["ST_ci_low"], indices["ST_ci_high"] = 0.4, 0.3, 0.5
    figures.sensitivity_bars(indices, method, tmp_path)
    entries = [t.get_text() for t in drawn[0].legends[0].get_texts()]
    assert "95 % interval: index ± 1.96 bootstrap standard errors" in entries
    assert not any("percentile" in entry for entry in entries)
    axis = drawn[0].axes[0].get_xlabel()  # each method's index named for what it is
    assert ("Sobol" in axis) == (method == "saltelli") and ("RBD-FAST" in axis) == (method == "rbd_fast")


def test_salib_sobol_intervals_are_1_96_bootstrap_standard_errors():
    """The claim the sensitivity figure's legend makes, checked against the SALib these results are made with."""
    from SALib.analyze import sobol
    from SALib.sample import sobol as sample

    problem = {"num_vars": 2, "names": ["a", "b"], "bounds": [[0, 1], [0, 1]]}
    inputs = sample.sample(problem, 64, calc_second_order=False, seed=1)
    outputs = inputs[:, 0] + 0.3 * inputs[:, 1] ** 2
    result = sobol.analyze(problem, outputs, calc_second_order=False, num_resamples=200, seed=2, keep_resamples=True)
    assert np.allclose(result["S1_conf"], 1.959964 * result["S1_conf_all"].std(axis=0, ddof=1))
    assert np.allclose(result["ST_conf"], 1.959964 * result["ST_conf_all"].std(axis=0, ddof=1))


def test_a_heatmap_without_two_factors_says_so_in_words(tmp_path):
    frame = heatmap_frame()
    for dropped, words in (
        (["problem.k", "organizations.n_organizations"], "these results vary no factor"),
        (["problem.k"], "these results vary only one (organizations.n_organizations)"),
    ):
        with pytest.raises(figures.Skip) as skipped:
            figures.advantage_heatmap(frame.drop(columns=dropped), tmp_path)
        assert str(skipped.value) == f"a heatmap needs two factors; {words}"


def test_with_several_scenarios_each_gets_its_own_boxes_and_bars(tmp_path, monkeypatch):
    """when_it_fails's figures pooled its five scenarios, so premature_convergence's loss hid among four gains: the
    distribution and cost figures give each scenario its group, and the two-measure figure says it pools."""
    drawn = {}

    def keep(fig, out, name):
        drawn[name] = fig
        return []

    monkeypatch.setattr(figures, "_save", keep)
    rows = []
    for scenario, gain in (("wins_here", 0.3), ("loses_here", -0.2)):
        for replicate in range(REPLICATES):
            base = {"scenario": scenario, "replicate": replicate, "mean_duplication": 0.5, "mean_gap_share": 0.1}
            rows.append(base | {"arm": "isolated", "final_outcome": 0.5, "cost_effectiveness": 10.0})
            rows.append(base | {"arm": "scenario", "final_outcome": 0.5 + gain, "cost_effectiveness": 10 + 20 * gain})
    frame = pd.DataFrame(rows)
    figures.distribution(frame, tmp_path)
    figures.cost_effectiveness(frame, tmp_path)
    figures.duplication_gaps(frame, tmp_path)
    for name in ("final_outcome_distribution", "cost_effectiveness"):
        ax = drawn[name].axes[0]
        assert [t.get_text() for t in ax.get_xticklabels()] == ["wins here", "loses here"], name
        assert "per scenario and arm" in ax.get_title()
    points = drawn["final_outcome_distribution"].axes[0].collections  # one scatter per scenario and arm
    means = [float(np.mean(c.get_offsets()[:, 1])) for c in points]
    assert means == pytest.approx([0.5, 0.8, 0.5, 0.3])
    bars = [p.get_height() for p in drawn["cost_effectiveness"].axes[0].patches if isinstance(p, Rectangle)]
    assert sorted(bars) == pytest.approx([6.0, 10.0, 10.0, 16.0])
    assert "the 2 scenarios pooled" in drawn["duplication_gaps"].axes[0].get_title()
    series = pd.DataFrame(
        [
            {"scenario": scenario, "arm": arm, "replicate": r, "step": step, "community_outcome": 0.5, "level_x": 0.5}
            for scenario in ("wins_here", "loses_here")
            for arm in ("isolated", "scenario")
            for r in range(REPLICATES)
            for step in range(3)
        ]
    )
    figures.outcome_over_time(series, tmp_path)
    figures.condition_levels(series, tmp_path)
    assert drawn["outcome_over_time"].axes[0].get_title().endswith("\nthe 2 scenarios pooled")
    assert drawn["condition_levels"].axes[0].get_title(loc="left") == "isolated, the 2 scenarios pooled"
