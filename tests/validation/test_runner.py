"""Verdicts: how a published figure and cisim's estimate are judged, row by row."""

from __future__ import annotations

import math

import numpy as np
import pytest

from cisim.validation.estimates import Estimate, independent_difference, mean_interval, share_interval
from cisim.validation.report import number, row_label
from cisim.validation.runner import NOT_MEASURED, NOT_REPRODUCED, REPRODUCED, judge, tolerance_text
from cisim.validation.spec import PatternSpec


def pattern(**fields):
    base = {"name": "p", "label": "x", "measure": "m", "check": "close", "source": "s"}
    return PatternSpec(**{**base, **fields})


def estimate(mean, half=0.1):
    return Estimate(mean, mean - half, mean + half, 100)


def test_close_uses_the_larger_of_absolute_and_relative_tolerance():
    spec = pattern(published=50.0, tolerance=1.0, tolerance_relative=0.05)
    assert judge(spec, estimate(52.4)).verdict == REPRODUCED  # within 5 % of 50
    assert judge(spec, estimate(47.4)).verdict == NOT_REPRODUCED
    assert tolerance_text(spec) == "±1 or ±5 %"


def test_direction_checks_use_the_whole_interval():
    above = pattern(check="above", published="grows")
    assert judge(above, Estimate(0.3, 0.01, 0.6, 50)).verdict == REPRODUCED
    assert judge(above, Estimate(0.3, -0.01, 0.6, 50)).verdict == NOT_REPRODUCED
    below = pattern(check="below", threshold=0.5)
    assert judge(below, Estimate(0.3, 0.2, 0.49, 50)).verdict == REPRODUCED
    assert tolerance_text(below) == "95 % CI < 0.5"


def test_tables_are_judged_row_by_row_and_all_rows_must_pass():
    spec = pattern(published={"1": 4.0, "5": 27.0}, tolerance=3.0)
    outcome = judge(spec, {"1": estimate(4.2), "5": estimate(31.0)})
    assert [row.verdict for row in outcome.rows] == [REPRODUCED, NOT_REPRODUCED]
    assert outcome.verdict == NOT_REPRODUCED


def test_a_reduced_run_is_judged_on_the_keys_it_measured():
    spec = pattern(published={"0.1": 0.86, "0.2": 0.82, "0.9": 0.81}, tolerance=0.02)
    outcome = judge(spec, {"0.1": estimate(0.87), "0.9": estimate(0.80)})
    assert [row.key for row in outcome.rows] == ["0.1", "0.9"]
    assert outcome.verdict == REPRODUCED


def test_nothing_measured_is_said_so():
    assert judge(pattern(published=1.0, tolerance=0.1), None).verdict == NOT_MEASURED
    nan = Estimate(math.nan, math.nan, math.nan, 0)
    assert judge(pattern(published=1.0, tolerance=0.1), nan).verdict == NOT_MEASURED


def test_intervals():
    assert mean_interval([1.0, 1.0, 1.0]) == Estimate(1.0, 1.0, 1.0, 3, 0.0)
    spread = mean_interval([0.0, 1.0, 2.0, 3.0])
    assert spread.low < 1.5 < spread.high
    share = share_interval(845, 1000)
    assert share.low < 0.845 < share.high and share.high - share.low < 0.05
    assert share_interval(0, 20).low >= 0.0
    difference = independent_difference([3.0, 4.0, 5.0], [1.0, 2.0, 3.0])
    assert difference.mean == 2.0 and difference.low < 2.0 < difference.high


def test_labels_and_numbers_read_well():
    assert row_label("peaks, K = {key}", "3") == "peaks, K = 3"
    assert row_label("advantage", "0.5") == "advantage, 0.5"
    assert row_label("score, {key}", None) == "score"
    assert [number(v) for v in (0.8452, 4.04, 35.61, 1024.0)] == ["0.845", "4.04", "35.6", "1024"]


def test_a_tolerance_from_standard_errors_adds_reading_error_and_three_standard_errors_of_the_difference():
    rule = PatternSpec("p", "p", "m", "close", "s", published=0.5, tolerance=0.01, tolerance_se=3, published_n=400)
    # cisim: 100 runs, SE 0.02; the published figure from 400 runs: SE 0.02 x sqrt(100 / 400) = 0.01
    near = Estimate(0.56, 0.52, 0.60, 100, 0.02)
    outcome = judge(rule, near)
    [row] = outcome.rows
    se_difference = (0.02**2 + 0.01**2) ** 0.5
    assert row.allowed == pytest.approx(0.01 + 3 * se_difference)  # 0.0771
    assert row.verdict == REPRODUCED and "0.01 + 3 x 0.0224" in row.arithmetic
    far = Estimate(0.58, 0.54, 0.62, 100, 0.02)
    assert judge(rule, far).verdict == NOT_REPRODUCED
    # the allowance shrinks with cisim's standard error: more runs, a stricter test
    precise = Estimate(0.56, 0.555, 0.565, 10_000, 0.002)
    assert judge(rule, precise).verdict == NOT_REPRODUCED
    # without a standard error the row cannot be judged
    assert judge(rule, Estimate(0.5, 0.4, 0.6, 100)).verdict == NOT_MEASURED


def test_estimates_carry_the_standard_error_of_their_statistics():
    values = [1.0, 2.0, 3.0, 4.0]
    assert mean_interval(values).se == pytest.approx(np.std(values, ddof=1) / 2)
    assert share_interval(30, 100).se == pytest.approx((0.3 * 0.7 / 100) ** 0.5)
    welch = independent_difference([1.0, 2.0, 3.0], [0.0, 0.5, 1.0, 1.5])
    assert welch.se == pytest.approx((np.var([1, 2, 3], ddof=1) / 3 + np.var([0, 0.5, 1, 1.5], ddof=1) / 4) ** 0.5)
