"""Summary tables of a sweep: per arm and factor level, and paired differences between arms.

Analysis reads only the results (``Results`` or ``cisim.load_results``); it never reruns the model. Metric
names and labels come from ``cisim.model.outputs``; the statistics from ``cisim.analysis.statistics``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from cisim.analysis.results import DESIGN_COLUMNS, default_baseline, factor_columns
from cisim.analysis.statistics import (
    CONFIDENCE,
    FEW_PAIRS,
    RESAMPLES,
    holm,
    mean_interval,
    paired_statistics,
    within,
)
from cisim.model.outputs import RUN_SUMMARIES, bounds, label

__all__ = [
    "DESIGN_COLUMNS",
    "METRICS",
    "describe",
    "factor_columns",
    "holm",
    "metrics_in",
    "paired_comparisons",
]

#: The per-run summaries an analyst reads first (names from ``RUN_SUMMARIES``), with their labels.
METRICS: dict[str, str] = {
    name: label(name)
    for name in (
        "final_outcome",
        "outcome_auc",
        "time_to_target",
        "cost_effectiveness",
        "mean_duplication",
        "mean_gap_share",
    )
    if name in RUN_SUMMARIES
}


def metrics_in(frame: pd.DataFrame, metrics: Sequence[str] | None = None) -> list[str]:
    """The metrics asked for (default: ``METRICS``) that the results hold."""
    return [m for m in (metrics or METRICS) if m in frame.columns]


def _done(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[frame["status"] == "done"] if "status" in frame else frame


def without_few_intervals(frame: pd.DataFrame, count: str) -> pd.DataFrame:
    """``frame`` as a reader is shown it: no interval (NaN, shown n/a) where it rests on too few values.

    Too few: under ``FEW_PAIRS`` in column ``count`` (how many values or pairs). The CSV files keep every
    interval beside its n.
    """
    few = frame[count] < FEW_PAIRS
    if not few.any():
        return frame
    frame = frame.copy()
    frame.loc[few, ["ci_low", "ci_high"]] = np.nan
    return frame


def describe(frame: pd.DataFrame, metrics: list[str] | None = None, confidence: float = CONFIDENCE) -> pd.DataFrame:
    """Mean, median and t-based confidence interval of each metric, per scenario, factor level and arm.

    The interval of a bounded metric (a share: ``cisim.model.outputs.bounds``) is clipped to its bounds.
    """
    metrics = metrics_in(frame, metrics)
    keys = ["scenario", *factor_columns(frame), "arm"]
    rows = []
    for group, part in _done(frame).groupby(keys, sort=True, dropna=False):
        for metric in metrics:
            values = part[metric].dropna()
            interval = within(mean_interval(values, confidence), bounds(metric))
            rows.append(
                {
                    **dict(zip(keys, group, strict=True)),
                    "metric": metric,
                    "n": interval.n,
                    "mean": interval.estimate,
                    "median": float(values.median()) if interval.n else float("nan"),
                    "ci_low": interval.low,
                    "ci_high": interval.high,
                }
            )
    return pd.DataFrame(rows)


def paired_comparisons(
    frame: pd.DataFrame,
    baseline: str | None = None,
    metrics: list[str] | None = None,
    confidence: float = CONFIDENCE,
    resamples: int = RESAMPLES,
    seed: int = 0,
    by: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Each arm against a baseline arm, replicate by replicate (common random numbers), per factor level.

    For every pair: the mean paired difference with a bootstrap confidence interval (``scipy.stats.bootstrap``,
    BCa where it can be computed), the Wilcoxon signed-rank test with Holm's correction over all comparisons
    in the table, and two effect sizes: Cohen's d_z (mean difference over its standard deviation) and the
    matched-pairs rank-biserial correlation.

    Args:
        frame: per-run results.
        baseline: the arm the others are compared with (default: ``isolated`` if present, else the first).
        metrics: metrics to compare (default: ``METRICS``).
        confidence: confidence level of the intervals.
        resamples: bootstrap resamples.
        seed: seed of the bootstrap draws.
        by: columns to compare within (default: scenario and every factor). Runs are paired on the rest of
            scenario, factors and replicate, so ``by=["scenario"]`` pools every design point of a scenario
            and ``by=[]`` pools everything.

    Raises:
        KeyError: ``baseline`` is not an arm of the results.
    """
    metrics = metrics_in(frame, metrics)
    frame = _done(frame)
    arms = list(dict.fromkeys(frame["arm"]))
    baseline = baseline or default_baseline(arms)
    if baseline not in arms:
        raise KeyError(f"no arm {baseline!r} in these results; arms are {', '.join(arms)}")
    design = ["scenario", *factor_columns(frame)]
    keys = list(design if by is None else by)
    pairing = [c for c in design if c not in keys] + ["replicate"]
    rows = []
    groups = frame.groupby(keys, sort=True, dropna=False) if keys else [((), frame)]
    for group, part in groups:
        table = part.pivot_table(index=pairing, columns="arm", values=metrics, aggfunc="first")
        present = set(part["arm"])
        for arm in (a for a in arms if a != baseline):
            if arm not in present or baseline not in present:
                continue
            for metric in metrics:
                if (metric, baseline) not in table or (metric, arm) not in table:
                    # No run of one arm has the measure here (no run reached the target): a row of no pairs, as
                    # where both arms have it in different runs, not a row left out.
                    first = second = np.array([], dtype=float)
                else:
                    pairs = table[[(metric, baseline), (metric, arm)]].dropna()
                    first, second = pairs[(metric, baseline)].to_numpy(float), pairs[(metric, arm)].to_numpy(float)
                scale = float(np.abs(np.concatenate([first, second])).max()) if len(first) else 1.0
                summary = paired_statistics(second - first, confidence, resamples, seed, scale=scale)
                rows.append(
                    {
                        **dict(zip(keys, group if isinstance(group, tuple) else (group,), strict=True)),
                        "arm": arm,
                        "baseline": baseline,
                        "metric": metric,
                        "pairs": summary.pop("pairs"),
                        "baseline_mean": float(first.mean()) if len(first) else float("nan"),
                        "arm_mean": float(second.mean()) if len(second) else float("nan"),
                        **summary,
                    }
                )
    result = pd.DataFrame(rows)
    if len(result):
        result["p_holm"] = holm(result["p_wilcoxon"].to_numpy())
    return result
