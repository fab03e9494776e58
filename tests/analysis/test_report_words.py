"""The report's question and answer say what a reader needs to quote them right (fast: no runs).

The question names the ``--set`` values every run was made with; every interval the answer states says which
interval it is (``cisim compare`` prints a t-interval of the same difference); "clearly" and "did better" need
both the interval and Wilcoxon's test on the same pairs.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from cisim.analysis.findings import Headline, Step
from cisim.analysis.results import Results
from cisim.analysis.statistics import Interval
from cisim.report.words import caption, comparison_headline, number, question, sentence


def results(description, overrides):
    manifest = {"experiment": {"description": description}, "options": {"overrides": overrides}}
    return Results(Path("."), pd.DataFrame(), manifest, {})


@pytest.mark.parametrize(
    ("description", "overrides", "expected"),
    [
        (
            "complex: isolated vs scenario, 20 paired replicates (cisim compare)",
            ["conditions.backbone=0.5"],
            "complex: isolated vs scenario, 20 paired replicates (cisim compare) with --set conditions.backbone=0.5",
        ),
        (
            "Fund a backbone?",
            ["conditions.backbone=0.5", "problem.k=4"],
            "Fund a backbone? Run with --set conditions.backbone=0.5, --set problem.k=4.",
        ),
        ("Fund a backbone?", [], "Fund a backbone?"),
    ],
)
def test_the_question_names_the_set_values_the_runs_were_made_with(description, overrides, expected):
    assert question(results(description, overrides)) == expected


def test_a_manifest_without_options_asks_the_plain_question():
    old = Results(Path("."), pd.DataFrame(), {"experiment": {"description": "Q?"}}, {})
    assert old.overrides == [] and question(old) == "Q?"


def two_arms(low, high, p, estimate=0.003):
    cost = Interval(20000.0, 19000.0, 21000.0, 20)
    step = Step("collective", "isolated", 0.86 + estimate, 0.86, Interval(estimate, low, high, 20), p, cost,
                160000.0, 140000.0)  # fmt: skip
    return Headline(
        baseline="isolated", arm="collective", baseline_mean=0.86, arm_mean=0.86 + estimate,
        difference=step.difference, p_value=p, points=1, cost=cost, against_baseline=(step,),
    )  # fmt: skip


def test_two_designs_are_called_better_only_when_interval_and_test_agree():
    sure = " ".join(comparison_headline(two_arms(0.001, 0.007, 0.002)))
    assert "Collective did better than isolated.</strong>" in sure
    assert "The 95 % bootstrap (BCa) interval of that difference, +0.001 to +0.007" in sure
    assert "unlikely to be chance" in sure and "Each percentage point" in sure

    shaky = " ".join(comparison_headline(two_arms(0.001, 0.007, 0.426)))
    assert "Collective did better than isolated.</strong>" not in shaky
    assert "unlikely to be chance" not in shaky
    assert "did better than isolated on average, but the difference is not distinguishable from zero" in shaky
    assert "Wilcoxon p = 0.426, uncorrected" in shaky and "does not confirm it" in shaky
    assert "Each percentage point" not in shaky  # no price per point of a gain not told from zero

    unclear = " ".join(comparison_headline(two_arms(-0.003, 0.028, 0.072, 0.011)))
    assert "cannot tell collective and isolated apart" in unclear
    assert "Its 95 % bootstrap (BCa) interval, -0.003 to +0.028 over 20 paired runs, includes zero" in unclear


def step(arm, estimate, low, high, p):
    cost = Interval(20000.0, 19000.0, 21000.0, 20)
    return Step(arm, "no_backbone", 0.86 + estimate, 0.86, Interval(estimate, low, high, 20), p, cost, 160000.0,
                140000.0)  # fmt: skip


def designs(steps, ladder=()):
    top = max(steps, key=lambda s: s.difference.estimate)
    return Headline(
        baseline="no_backbone", arm=top.arm, baseline_mean=0.86, arm_mean=top.arm_mean, difference=top.difference,
        p_value=top.p_value, points=1, against_baseline=tuple(steps), ladder=tuple(ladder),
    )  # fmt: skip


def test_the_backbone_decision_numbers_are_not_called_clear():
    """The audit's case: half a backbone's interval clears zero (+0.001 to +0.007), Wilcoxon p = 0.426."""
    half = step("half_backbone", 0.003, 0.001, 0.007, 0.426)
    full = step("full_backbone", 0.011, -0.003, 0.028, 0.072)
    text = " ".join(comparison_headline(designs([half, full], [half])))
    assert "one clearly better" not in text and "did best" not in text and "a clear gain" not in text
    assert "No design did clearly better than no_backbone." in text
    assert (
        "half_backbone did better on average, +0.003 (95 % bootstrap (BCa) interval +0.001 to +0.007 over 20 "
        "paired runs; Wilcoxon p = 0.426, uncorrected), but the difference is not distinguishable from zero at "
        "this number of replicates" in text
    )
    assert "full_backbone did better on average, +0.011" in text and "its interval includes zero" in text
    assert "Each percentage point" not in text
    assert "What each cost: half_backbone cost 14% more" in text and ". full_backbone cost 14% more" in text

    confirmed = step("half_backbone", 0.003, 0.001, 0.007, 0.002)
    text = " ".join(comparison_headline(designs([confirmed, full], [confirmed])))
    assert "half_backbone is the one clearly better than no_backbone" in text and "a clear gain" in text
    assert "full_backbone's mean was higher" in text and "its interval includes zero" in text


def test_several_clear_gains_are_not_called_the_one():
    a = step("a", 0.05, 0.02, 0.08, 0.001)
    b = step("b", 0.03, 0.01, 0.05, 0.001)
    c = step("c", 0.08, -0.01, 0.17, 0.2)
    text = " ".join(comparison_headline(designs([a, b, c])))
    assert "the one clearly better" not in text
    assert "a gained most of the designs clearly better than no_backbone" in text and "Also better than" in text


def test_the_sensitivity_caption_says_what_its_intervals_are():
    """The figure's whiskers are the index ± 1.96 bootstrap standard errors (SALib), not percentile intervals."""
    text = caption("sensitivity", arms_results(["design"]), None)
    assert "95 % interval (the index ± 1.96 standard errors of SALib's bootstrap resamples)" in text


def arms_results(arms: list[str]) -> Results:
    """Results holding one finished run per arm: enough for the words that depend on how many arms there are."""
    frame = pd.DataFrame({"arm": arms, "status": "done", "final_outcome": 0.5})
    return Results(Path("."), frame, {"experiment": {"baseline": arms[0]}, "arms": [{"name": a} for a in arms]}, {})


def test_the_outcome_caption_describes_the_figure_drawn_for_that_many_arms():
    """One arm: a level, no arms to tell apart; two: per-arm bands; three or more: differences from the baseline."""
    one = caption("outcome", arms_results(["design"]), None)
    two = caption("outcome", arms_results(["isolated", "collective"]), None)
    three = caption("outcome", arms_results(["no_backbone", "half_backbone", "full_backbone"]), None)
    assert "arms differ" not in one and "per arm" not in one and "band" in one
    assert "per arm" in two and "bands do not overlap" in two
    assert "minus no_backbone's" in three and "zero line" in three and "bands do not overlap" not in three


def test_one_arm_captions_speak_of_the_outcome_not_an_advantage():
    one = arms_results(["design"])
    assert "per arm" not in caption("distribution", one, None) and "arms overlap" not in caption(
        "distribution", one, None
    )
    assert "advantage" not in caption("factors", one, None)
    assert "advantage" in caption("factors", arms_results(["isolated", "collective"]), None)


@pytest.mark.parametrize(
    ("method", "named", "unnamed"),
    [
        ("saltelli", "Sobol first-order", "Morris"),
        ("morris", "Morris screening", "Sobol"),
        ("rbd_fast", "RBD-FAST", "Sobol"),
    ],
)
def test_the_sensitivity_caption_names_the_method_drawn_and_the_arm(method, named, unnamed):
    indices = pd.DataFrame({"factor": ["problem.k"]})
    indices.attrs.update(metric="final_outcome", arm="collective")
    two = caption("sensitivity", arms_results(["isolated", "collective"]), None, (method, indices))
    assert named in two and unnamed not in two
    assert "under collective (one arm's outcome, not an advantage)" in two
    assert "under collective" not in caption("sensitivity", arms_results(["collective"]), None, (method, indices))
    indices.attrs.update(baseline="isolated")  # the report's, with several arms: the advantage's indices
    advantage = caption("sensitivity", arms_results(["isolated", "collective"]), None, (method, indices))
    assert "of collective's advantage over isolated in the final outcome" in advantage
    assert "one arm" not in advantage


@pytest.mark.parametrize(
    ("value", "signed", "shown"),
    [
        (-0.0004, True, "-0.0004"),
        (0.0004, True, "+0.0004"),
        (0.0, True, "+0.000"),
        (-0.021, True, "-0.021"),
        (0.00004, False, "4e-05"),
        (1234.5, True, "+1,234"),
    ],
)
def test_a_number_too_small_for_three_decimals_keeps_its_sign(value, signed, shown):
    """A bound just below zero printed as -0.000 (or rounded to +0.000) reads as zero; it keeps one digit."""
    assert number(value, signed=signed) == shown


def test_the_report_keeps_arm_names_as_the_experiment_file_spells_them():
    """A plain word opens a sentence capitalised; an identifier such as half_backbone is kept as written."""
    assert sentence("collective") == "Collective"
    assert sentence("half_backbone") == "half_backbone" and sentence("arm2") == "arm2"


@pytest.mark.parametrize(
    ("cost", "expected"),
    [
        (
            Interval(540.0, 120.0, 960.0, 20),
            "It cost 2% more in total spend (30,000 under isolated, 30,540 under collective, per run). Each "
            "percentage point of final outcome gained cost 27.0 more in spend.",
        ),
        (
            Interval(540.0, -300.0, 1380.0, 20),
            "It cost 2% more in total spend (30,000 under isolated, 30,540 under collective, per run); the interval "
            "of that change includes zero, so these runs put no price on a point gained.",
        ),
        (
            Interval(-540.0, -1380.0, 300.0, 20),
            "It cost 2% less in total spend (30,000 under isolated, 29,460 under collective, per run); the interval "
            "of that change includes zero, so these runs put no price on a point gained.",
        ),
    ],
)
def test_a_point_gained_is_priced_only_from_a_change_in_spend_the_runs_can_tell(cost, expected):
    """The report said spend was "about the same ... the interval includes zero" and then priced each point gained
    from that same change in spend: a price is said only when the spend's interval excludes zero."""
    from cisim.report.words import cost_sentence

    difference = Interval(0.2, 0.1, 0.3, 20)
    step = Step("collective", "isolated", 0.8, 0.6, difference, 0.001, cost, 30_000 + cost.estimate, 30_000.0)
    assert cost_sentence(step) == expected


def contributions(values: dict[str, float]) -> pd.DataFrame:
    total = sum(values.values())
    rows = [
        {"player": name, "shapley": value, "share": value / total, "ci_low": value - 0.01, "ci_high": value + 0.01}
        for name, value in sorted(values.items(), key=lambda item: -abs(item[1]))
    ]
    rows.append({"player": "total", "shapley": total, "share": 1.0, "ci_low": total - 0.01, "ci_high": total + 0.01})
    frame = pd.DataFrame(rows)
    frame.attrs.update(metric="final_outcome", full=0.8, baseline=0.8 - total)
    return frame


def test_attribution_shares_past_100_percent_say_which_factors_pulled_the_other_way():
    """Shares are of the total: with one factor against the rest they add up past 100 % (99 % and 59 %), which
    read as an error; the answer names the factors that pulled the other way."""
    from cisim.report.words import attribution_headline

    mixed = attribution_headline(contributions({"shared_measurement": 0.072, "common_agenda": 0.043, "plan": -0.042}))[
        0
    ]
    assert "(99%)" in mixed and "(59%)" in mixed
    assert "plan -0.042 pulled the other way, so the shares add up to more than 100 %" in mixed
    same = attribution_headline(contributions({"shared_measurement": 0.05, "common_agenda": 0.03}))[0]
    assert "pulled the other way" not in same
    tiny = attribution_headline(contributions({"a": 0.05, "b": 0.04, "c": -0.00004}))[0]  # 56 % and 44 %: no more
    assert "pulled the other way" not in tiny
