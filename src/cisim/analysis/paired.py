"""Paired comparisons of arms over replicates that share their random numbers."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from cisim.analysis.statistics import CONFIDENCE, mean_interval, ties_below_tolerance


@dataclass(frozen=True)
class PairedDifference:
    """Mean of ``arm`` minus ``baseline`` over paired replicates, with a t-based confidence interval."""

    metric: str
    baseline: str
    arm: str
    baseline_mean: float
    arm_mean: float
    difference: float
    ci_low: float
    ci_high: float
    pairs: int


def paired_difference(
    summaries: pd.DataFrame, metric: str, baseline: str, arm: str, confidence: float = CONFIDENCE
) -> PairedDifference:
    """Paired difference of ``metric`` between two arms, replicate by replicate.

    Replicates where either arm's value is missing (e.g. time to target never reached) are dropped;
    differences below numerical tolerance are ties (``ties_below_tolerance``).
    """
    table = summaries.pivot(index="replicate", columns="arm", values=metric)[[baseline, arm]].dropna()
    scale = float(np.abs(table.to_numpy(dtype=float)).max()) if len(table) else 1.0
    interval = mean_interval(ties_below_tolerance(table[arm] - table[baseline], scale), confidence)
    return PairedDifference(
        metric=metric,
        baseline=baseline,
        arm=arm,
        baseline_mean=float(table[baseline].mean()) if interval.n else float("nan"),
        arm_mean=float(table[arm].mean()) if interval.n else float("nan"),
        difference=interval.estimate,
        ci_low=interval.low,
        ci_high=interval.high,
        pairs=interval.n,
    )


def compare_table(summaries: pd.DataFrame, metrics: list[str], baseline: str, arm: str) -> pd.DataFrame:
    """One row per metric: both arms' means and the paired difference with its 95 % interval."""
    return pd.DataFrame([asdict(paired_difference(summaries, m, baseline, arm)) for m in metrics])
