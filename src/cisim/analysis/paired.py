"""Paired comparisons of arms over replicates that share their random numbers."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import pandas as pd

from cisim.analysis.statistics import CONFIDENCE, mean_interval


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

    Replicates where either arm's value is missing (e.g. time to target never reached) are dropped.
    """
    table = summaries.pivot(index="replicate", columns="arm", values=metric)[[baseline, arm]].dropna()
    interval = mean_interval(table[arm] - table[baseline], confidence)
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
