"""The statistics of cisim, written once: every interval, test and correction elsewhere calls these.

Intervals of a mean are t-intervals (``scipy.stats.t.interval``); intervals of a paired difference and of
Shapley values are bootstrap intervals (``scipy.stats.bootstrap``) with a fixed seed, so one results folder
always gives the same numbers; tests are Wilcoxon's signed-rank test (``scipy.stats.wilcoxon``) with Holm's
correction over a table.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats

#: Confidence level of every interval cisim reports, unless a caller asks for another.
CONFIDENCE = 0.95
#: Bootstrap resamples, unless a caller asks for another number.
RESAMPLES = 2000
#: Pairs below which Wilcoxon's two-sided test cannot reach p < 0.05 at all (its smallest p with 5 pairs is
#: 0.0625) and bootstrap intervals are rough; the report warns below ``ENOUGH_PAIRS``.
ENOUGH_PAIRS = 10
#: Values below which the terminal tables of ``cisim compare`` and ``cisim analyze`` show no interval (n/a):
#: an interval of two or three values is too wide to mean much (the CSV files keep it, beside its n).
FEW_PAIRS = 5
#: Paired differences smaller than this share of the values compared are ties: float rounding, not a finding
#: (two sums of the same spend in another order differ by about 1e-16 of their size).
TIE_TOLERANCE = 1e-9


@dataclass(frozen=True)
class Interval:
    """An estimate with its confidence interval, from ``n`` values (NaN where it cannot be computed)."""

    estimate: float
    low: float
    high: float
    n: int

    @property
    def half_width(self) -> float:
        """Half the interval's width."""
        return (self.high - self.low) / 2

    def excludes_zero(self) -> bool:
        """Whether the whole interval lies on one side of zero."""
        return bool(self.low > 0 or self.high < 0)


def mean_intervals(
    mean: ArrayLike, std: ArrayLike, n: ArrayLike, confidence: float = CONFIDENCE
) -> tuple[np.ndarray, np.ndarray]:
    """t-intervals of means from summary statistics, element by element (for bands over steps or groups).

    Args:
        mean: sample means.
        std: sample standard deviations (``ddof=1``).
        n: sample sizes.
        confidence: confidence level.

    Returns:
        (low, high): NaN where ``n < 2``; the mean itself where the values do not vary.
    """
    mean, std, n = np.broadcast_arrays(*(np.asarray(a, dtype=float) for a in (mean, std, n)))
    with np.errstate(divide="ignore", invalid="ignore"):
        sem = std / np.sqrt(n)
    defined = (n >= 2) & np.isfinite(sem)
    varies = defined & (sem > 0)
    low, high = stats.t.interval(confidence, np.maximum(n - 1, 1), loc=mean, scale=np.where(varies, sem, 1.0))
    exact = np.where(defined, mean, np.nan)  # values that do not vary: the interval is the mean itself
    return np.where(varies, low, exact), np.where(varies, high, exact)


def t_critical(confidence: float, dof: ArrayLike) -> np.ndarray:
    """The two-sided critical value of Student's t at ``confidence`` with ``dof`` degrees of freedom."""
    return np.asarray(stats.t.interval(confidence, dof)[1])


def t_test_p(statistic: ArrayLike, dof: ArrayLike) -> np.ndarray:
    """Two-sided p-values of t statistics with ``dof`` degrees of freedom (NaN where the statistic is)."""
    return np.asarray(2 * stats.t.sf(np.abs(np.asarray(statistic, dtype=float)), dof))


def within(interval: Interval, bounds: tuple[float, float] | None) -> Interval:
    """``interval`` clipped to ``bounds`` (the range a metric can take; None: unbounded).

    Only for an interval of a mean: a mean of shares cannot lie outside [0, 1], whatever its t-interval says
    with few or skewed values. Never for a difference, whose range is another.
    """
    if bounds is None:
        return interval
    low, high = bounds
    return Interval(
        interval.estimate, float(np.clip(interval.low, low, high)), float(np.clip(interval.high, low, high)), interval.n
    )


def mean_interval(values: ArrayLike, confidence: float = CONFIDENCE) -> Interval:
    """The mean of ``values`` (missing values dropped) with its t-interval."""
    values = np.asarray(values, dtype=float)
    values = values[~np.isnan(values)]
    n = len(values)
    if n == 0:
        return Interval(np.nan, np.nan, np.nan, 0)
    mean = float(values.mean())
    std = float(values.std(ddof=1)) if n > 1 else np.nan
    low, high = mean_intervals(mean, std, n, confidence)
    return Interval(mean, float(low), float(high), n)


def bootstrap_interval(
    sample: ArrayLike,
    statistic: Callable[..., Any] = np.mean,
    confidence: float = CONFIDENCE,
    resamples: int = RESAMPLES,
    seed: int = 0,
    method: str = "BCa",
) -> tuple[np.ndarray, np.ndarray]:
    """Bootstrap interval of ``statistic`` over the last axis of ``sample`` (``scipy.stats.bootstrap``).

    Rows of a 2-D sample are resampled together (the same draws of columns for every row), so values that
    belong together, such as the combinations of a factorial within one replicate, stay paired. ``statistic``
    takes ``(sample, axis)``; it may return one value or a vector. BCa falls back to the percentile method
    where it cannot be computed (too few distinct values); the draws come from ``seed``, so the interval is
    the same every time.

    Returns:
        (low, high), each shaped like the statistic.
    """
    sample = np.asarray(sample, dtype=float)

    def interval(how: str) -> Any:
        return stats.bootstrap(
            (sample,),
            statistic,
            axis=-1,
            vectorized=True,
            confidence_level=confidence,
            n_resamples=resamples,
            method=how,
            rng=np.random.default_rng(seed),
        ).confidence_interval

    if method == "BCa":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # BCa warns on degenerate samples; the fallback below handles them
            bounds = interval("BCa")
        if np.all(np.isfinite(bounds.low)) and np.all(np.isfinite(bounds.high)):
            return np.asarray(bounds.low), np.asarray(bounds.high)
        method = "percentile"
    bounds = interval(method)
    return np.asarray(bounds.low), np.asarray(bounds.high)


def mean_difference_interval(
    differences: ArrayLike, confidence: float = CONFIDENCE, resamples: int = RESAMPLES, seed: int = 0
) -> Interval:
    """The mean of paired differences with its bootstrap (BCa) interval; exact where they do not vary."""
    differences = np.asarray(differences, dtype=float)
    n = len(differences)
    if n == 0:
        return Interval(np.nan, np.nan, np.nan, 0)
    mean = float(differences.mean())
    if n < 2:
        return Interval(mean, np.nan, np.nan, n)
    if differences.std(ddof=1) == 0:
        return Interval(mean, mean, mean, n)
    low, high = bootstrap_interval(differences, np.mean, confidence, resamples, seed)
    return Interval(mean, float(low), float(high), n)


def wilcoxon_p(differences: ArrayLike) -> float:
    """Two-sided p-value of Wilcoxon's signed-rank test of paired differences (zeros split between signs)."""
    differences = np.asarray(differences, dtype=float)
    if len(differences) == 0:
        return np.nan
    if not np.any(differences):
        return 1.0
    return float(stats.wilcoxon(differences, zero_method="zsplit").pvalue)


def smallest_wilcoxon_p(pairs: int) -> float:
    """The smallest two-sided p ``wilcoxon_p`` can give with ``pairs`` pairs: 2 / 2^n.

    It comes when every pair lies on the same side of zero: the exact null distribution gives each of the two
    extreme rank sums probability 1 / 2^n. (scipy's exact test, used up to 50 pairs, gives exactly this; above
    50 pairs it uses the normal approximation, whose p is larger, so this stays a lower bound.)
    """
    return 2.0 / 2.0**pairs if pairs >= 1 else float("nan")


def pairs_for_holm(tests: int, level: float = 0.05) -> int:
    """The fewest pairs at which Wilcoxon's smallest p, Holm-corrected over ``tests`` tests, falls below ``level``."""
    pairs = 1
    while tests * smallest_wilcoxon_p(pairs) >= level:
        pairs += 1
    return pairs


def cohens_dz(differences: ArrayLike) -> float:
    """Cohen's d_z: the mean paired difference over the standard deviation of the differences."""
    differences = np.asarray(differences, dtype=float)
    if len(differences) < 2 or differences.std(ddof=1) == 0:
        return np.nan
    return float(differences.mean() / differences.std(ddof=1))


def rank_biserial(differences: ArrayLike) -> float:
    """Matched-pairs rank-biserial correlation: the share of rank sum favouring the arm minus the rest."""
    differences = np.asarray(differences, dtype=float)
    nonzero = differences[differences != 0]
    if len(differences) == 0:
        return np.nan
    if len(nonzero) == 0:
        return 0.0
    ranks = stats.rankdata(np.abs(nonzero))
    return float((ranks[nonzero > 0].sum() - ranks[nonzero < 0].sum()) / ranks.sum())


def holm(p_values: ArrayLike) -> np.ndarray:
    """Holm's step-down adjustment of p-values for multiple comparisons (controls the family-wise error).

    Missing p-values stay missing and do not count towards the family. (scipy has only Benjamini-Hochberg
    and Benjamini-Yekutieli; these few lines spare a dependency, and the tests check them against
    statsmodels.)
    """
    p_values = np.asarray(p_values, dtype=float)
    adjusted = np.full_like(p_values, np.nan)
    valid = ~np.isnan(p_values)
    order = np.argsort(p_values[valid])
    m = int(valid.sum())
    stepped = np.maximum.accumulate((m - np.arange(m)) * p_values[valid][order])
    values = np.empty(m)
    values[order] = np.minimum(stepped, 1.0)
    adjusted[valid] = values
    return adjusted


def ties_below_tolerance(differences: ArrayLike, scale: float, tolerance: float = TIE_TOLERANCE) -> np.ndarray:
    """``differences`` with those smaller than ``tolerance`` times ``scale`` (at least 1) set to exactly 0.

    ``scale`` is the size of the values compared (their largest magnitude): a difference of 1e-10 between two
    spends of 277,700 is rounding, and a test must not call it significant.
    """
    differences = np.asarray(differences, dtype=float)
    bound = tolerance * max(float(scale), 1.0) if np.isfinite(scale) else tolerance
    return np.where(np.abs(differences) <= bound, 0.0, differences)


def paired_statistics(
    differences: ArrayLike,
    confidence: float = CONFIDENCE,
    resamples: int = RESAMPLES,
    seed: int = 0,
    scale: float = 1.0,
) -> dict[str, Any]:
    """Everything cisim reports about paired differences, as one table row.

    Differences below numerical tolerance of ``scale`` (the size of the values compared) count as ties
    (``ties_below_tolerance``): they give a difference of exactly 0 and a p-value of 1.

    Keys: ``pairs``, ``difference`` (mean), ``ci_low`` and ``ci_high`` (bootstrap), ``p_wilcoxon``,
    ``cohens_dz`` and ``rank_biserial``.
    """
    differences = ties_below_tolerance(differences, scale)
    interval = mean_difference_interval(differences, confidence, resamples, seed)
    enough = len(differences) >= 2
    return {
        "pairs": len(differences),
        "difference": interval.estimate,
        "ci_low": interval.low,
        "ci_high": interval.high,
        "p_wilcoxon": wilcoxon_p(differences) if enough else np.nan,
        "cohens_dz": cohens_dz(differences),
        "rank_biserial": rank_biserial(differences) if enough else np.nan,
    }


def welch_interval(first: ArrayLike, second: ArrayLike, confidence: float = CONFIDENCE) -> tuple[Interval, float]:
    """Difference of the means of two independent samples with Welch's t-interval, and its standard error.

    Returns:
        (interval, standard error); the interval is the difference itself where neither sample varies.
    """
    a, b = np.asarray(first, dtype=float), np.asarray(second, dtype=float)
    difference = float(a.mean() - b.mean())
    n = min(a.size, b.size)
    if n < 2:
        return Interval(difference, np.nan, np.nan, n), np.nan
    va, vb = a.var(ddof=1) / a.size, b.var(ddof=1) / b.size
    se = float(np.sqrt(va + vb))
    if se == 0:
        return Interval(difference, difference, difference, n), 0.0
    dof = (va + vb) ** 2 / (va**2 / (a.size - 1) + vb**2 / (b.size - 1))
    low, high = stats.t.interval(confidence, dof, loc=difference, scale=se)
    return Interval(difference, float(low), float(high), n), se


def wilson_interval(successes: int, trials: int, confidence: float = CONFIDENCE) -> tuple[Interval, float]:
    """A share with its Wilson score interval (well behaved near 0 and 1), and its binomial standard error.

    Returns:
        (interval, standard error ``sqrt(p (1 - p) / n)``); NaN where there are no trials.
    """
    if trials == 0:
        return Interval(np.nan, np.nan, np.nan, 0), np.nan
    share = successes / trials
    z = float(stats.norm.ppf(0.5 + confidence / 2))
    centre = (share + z**2 / (2 * trials)) / (1 + z**2 / trials)
    half = z * np.sqrt(share * (1 - share) / trials + z**2 / (4 * trials**2)) / (1 + z**2 / trials)
    return Interval(share, float(centre - half), float(centre + half), trials), float(
        np.sqrt(share * (1 - share) / trials)
    )
