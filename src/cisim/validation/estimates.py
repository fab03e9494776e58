"""Means with 95 % intervals, over replicates: the one way every validation figure is summarised."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

CONFIDENCE = 0.95


@dataclass(frozen=True)
class Estimate:
    """A mean over ``n`` replicates with its 95 % t-interval (``low``, ``high``)."""

    mean: float
    low: float
    high: float
    n: int

    def as_json(self) -> dict[str, float | int | list[float]]:
        """The estimate as plain JSON values."""
        return {"mean": self.mean, "interval": [self.low, self.high], "n": self.n}


def mean_interval(values: Sequence[float] | np.ndarray) -> Estimate:
    """Mean of ``values`` with the 95 % t-interval of the mean (zero width when every value is the same)."""
    data = np.asarray(values, dtype=float)
    n = data.size
    mean = float(data.mean()) if n else float("nan")
    if n < 2:
        return Estimate(mean, float("nan"), float("nan"), n)
    spread = float(data.std(ddof=1))
    half = float(stats.t.ppf(0.5 + CONFIDENCE / 2, n - 1) * spread / np.sqrt(n)) if spread > 0 else 0.0
    return Estimate(mean, mean - half, mean + half, n)


def paired_difference(first: Sequence[float] | np.ndarray, second: Sequence[float] | np.ndarray) -> Estimate:
    """Mean of ``first - second`` over paired replicates (same problem and start), with its 95 % interval."""
    return mean_interval(np.asarray(first, dtype=float) - np.asarray(second, dtype=float))


def independent_difference(first: Sequence[float] | np.ndarray, second: Sequence[float] | np.ndarray) -> Estimate:
    """Difference of the means of two independent samples, with Welch's 95 % interval."""
    a, b = np.asarray(first, dtype=float), np.asarray(second, dtype=float)
    difference = float(a.mean() - b.mean())
    va, vb = a.var(ddof=1) / a.size, b.var(ddof=1) / b.size
    se = float(np.sqrt(va + vb))
    if se == 0:
        return Estimate(difference, difference, difference, min(a.size, b.size))
    dof = (va + vb) ** 2 / (va**2 / (a.size - 1) + vb**2 / (b.size - 1))
    half = float(stats.t.ppf(0.5 + CONFIDENCE / 2, dof) * se)
    return Estimate(difference, difference - half, difference + half, min(a.size, b.size))


def share_interval(successes: int, trials: int) -> Estimate:
    """A share with its 95 % Wilson score interval (well behaved near 0 and 1)."""
    if trials == 0:
        return Estimate(float("nan"), float("nan"), float("nan"), 0)
    share = successes / trials
    z = float(stats.norm.ppf(0.5 + CONFIDENCE / 2))
    centre = (share + z**2 / (2 * trials)) / (1 + z**2 / trials)
    half = z * np.sqrt(share * (1 - share) / trials + z**2 / (4 * trials**2)) / (1 + z**2 / trials)
    return Estimate(share, float(centre - half), float(centre + half), trials)
