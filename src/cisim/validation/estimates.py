"""Means with 95 % intervals and their standard errors, over replicates: how every validation figure is summarised.

The arithmetic lives in ``cisim.analysis.statistics`` (one home for cisim's statistics); this module only
adds the standard error each tolerance is derived from and keeps the record's shape (``Estimate``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from cisim.analysis import statistics
from cisim.analysis.statistics import CONFIDENCE

__all__ = [
    "CONFIDENCE",
    "Estimate",
    "independent_difference",
    "mean_interval",
    "paired_difference",
    "share_interval",
]


@dataclass(frozen=True)
class Estimate:
    """A mean over ``n`` replicates with its 95 % interval (``low``, ``high``) and standard error ``se``.

    ``se`` is NaN where no standard error applies (e.g. a round read off a curve of means).
    """

    mean: float
    low: float
    high: float
    n: int
    se: float = math.nan

    def as_json(self) -> dict[str, float | int | list[float] | None]:
        """The estimate as plain JSON values (a missing standard error as null)."""
        return {
            "mean": self.mean,
            "interval": [self.low, self.high],
            "n": self.n,
            "standard_error": None if math.isnan(self.se) else self.se,
        }


def _estimate(interval: statistics.Interval, se: float) -> Estimate:
    return Estimate(interval.estimate, interval.low, interval.high, interval.n, se)


def mean_interval(values: Sequence[float] | np.ndarray) -> Estimate:
    """Mean of ``values`` with the 95 % t-interval of the mean (zero width when every value is the same)."""
    data = np.asarray(values, dtype=float)
    data = data[~np.isnan(data)]
    se = float(data.std(ddof=1) / np.sqrt(data.size)) if data.size > 1 else math.nan
    return _estimate(statistics.mean_interval(data), se)


def paired_difference(first: Sequence[float] | np.ndarray, second: Sequence[float] | np.ndarray) -> Estimate:
    """Mean of ``first - second`` over paired replicates (same problem and start), with its 95 % t-interval."""
    return mean_interval(np.asarray(first, dtype=float) - np.asarray(second, dtype=float))


def independent_difference(first: Sequence[float] | np.ndarray, second: Sequence[float] | np.ndarray) -> Estimate:
    """Difference of the means of two independent samples, with Welch's 95 % interval."""
    return _estimate(*statistics.welch_interval(first, second))


def share_interval(successes: int, trials: int) -> Estimate:
    """A share with its 95 % Wilson score interval (well behaved near 0 and 1)."""
    return _estimate(*statistics.wilson_interval(successes, trials))
