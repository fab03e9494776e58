"""The headline's words for three or more designs, from findings built by hand (fast: no runs).

Two things a reader would quote wrongly: "did best" said of a design whose mean is not the highest, and "a clear
gain" said of a difference whose interval clears zero while Wilcoxon's test on the same pairs does not.
"""

from __future__ import annotations

from cisim.analysis.findings import Headline, Step
from cisim.analysis.statistics import Interval
from cisim.report.words import comparison_headline


def step(arm, against, estimate, low, high, p):
    return Step(arm, against, 0.86 + estimate, 0.86, Interval(estimate, low, high, 20), p)


def headline(steps, ladder=()):
    top = max(steps, key=lambda s: s.difference.estimate)
    return Headline(
        baseline="none", arm=top.arm, baseline_mean=0.86, arm_mean=top.arm_mean, difference=top.difference,
        p_value=top.p_value, points=1, against_baseline=tuple(steps), ladder=tuple(ladder),
    )  # fmt: skip


def test_best_is_said_only_of_the_design_with_the_highest_mean():
    half = step("half", "none", 0.003, 0.001, 0.007, 0.01)
    full = step("full", "none", 0.011, -0.003, 0.028, 0.20)
    text = " ".join(comparison_headline(headline([half, full])))
    assert "did best" not in text
    assert "half is the one clearly better than none" in text
    assert "Full's mean was higher, +0.011" in text and "includes zero" in text

    clear_top = step("full", "none", 0.011, 0.004, 0.020, 0.01)
    text = " ".join(comparison_headline(headline([half, clear_top])))
    assert "full did best" in text


def test_a_gain_wilcoxon_does_not_confirm_is_not_called_clear():
    shaky = step("half", "none", 0.003, 0.001, 0.007, 0.426)
    text = " ".join(comparison_headline(headline([shaky, step("full", "none", 0.001, -0.002, 0.004, 0.5)], [shaky])))
    assert "Wilcoxon p = 0.426" in text and "Wilcoxon's signed-rank test on the same pairs does not confirm it" in text
    assert "a clear gain" not in text
    assert "a gain by its interval, which Wilcoxon's test does not confirm" in text

    sure = step("half", "none", 0.003, 0.001, 0.007, 0.002)
    text = " ".join(comparison_headline(headline([sure, step("full", "none", 0.001, -0.002, 0.004, 0.5)], [sure])))
    assert "does not confirm" not in text and "a clear gain" in text
