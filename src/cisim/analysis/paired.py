"""Paired comparisons of arms over replicates that share their random numbers."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
from scipy import stats


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
    summaries: pd.DataFrame, metric: str, baseline: str, arm: str, confidence: float = 0.95
) -> PairedDifference:
    """Paired difference of ``metric`` between two arms, replicate by replicate.

    Replicates where either arm's value is missing (e.g. time to target never reached) are dropped.
    """
    table = summaries.pivot(index="replicate", columns="arm", values=metric)[[baseline, arm]].dropna()
    differences = (table[arm] - table[baseline]).to_numpy(dtype=float)
    n = len(differences)
    mean = float(differences.mean()) if n else float("nan")
    if n >= 2 and differences.std(ddof=1) > 0:
        half = float(stats.t.ppf(0.5 + confidence / 2, n - 1) * differences.std(ddof=1) / np.sqrt(n))
    else:
        half = 0.0 if n >= 2 else float("nan")
    return PairedDifference(
        metric=metric,
        baseline=baseline,
        arm=arm,
        baseline_mean=float(table[baseline].mean()) if n else float("nan"),
        arm_mean=float(table[arm].mean()) if n else float("nan"),
        difference=mean,
        ci_low=mean - half,
        ci_high=mean + half,
        pairs=n,
    )


def compare_table(summaries: pd.DataFrame, metrics: list[str], baseline: str, arm: str) -> pd.DataFrame:
    """One row per metric: both arms' means and the paired difference with its 95 % interval."""
    return pd.DataFrame([asdict(paired_difference(summaries, m, baseline, arm)) for m in metrics])
