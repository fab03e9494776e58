"""Summary tables of a sweep: per arm and factor level, and paired differences between arms.

Analysis reads only the results folder (``cisim.load_results``); it never reruns the model.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

#: Per-run metrics an analyst reads first, with their plain names.
METRICS: dict[str, str] = {
    "final_outcome": "final outcome",
    "outcome_auc": "area under the outcome curve",
    "time_to_target": "time to target (steps)",
    "cost_effectiveness": "points per 100,000 spent",
    "mean_duplication": "duplication",
    "mean_gap_share": "gaps",
}

#: Columns of the design that are not factors.
DESIGN_COLUMNS = {"run_id", "scenario", "scenario_index", "point", "replicate", "arm", "seed"}


def factor_columns(frame: pd.DataFrame) -> list[str]:
    """The design's factors (dotted parameter names) present in a results frame."""
    return [c for c in frame.columns if "." in c and c not in DESIGN_COLUMNS]


def _done(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[frame["status"] == "done"] if "status" in frame else frame


def describe(frame: pd.DataFrame, metrics: list[str] | None = None, confidence: float = 0.95) -> pd.DataFrame:
    """Mean, median and t-based confidence interval of each metric, per scenario, factor level and arm."""
    metrics = metrics or list(METRICS)
    keys = ["scenario", *factor_columns(frame), "arm"]
    rows = []
    for group, part in _done(frame).groupby(keys, sort=True, dropna=False):
        for metric in metrics:
            values = part[metric].dropna().to_numpy(dtype=float)
            n = len(values)
            mean = float(values.mean()) if n else np.nan
            half = (
                float(stats.t.ppf(0.5 + confidence / 2, n - 1) * values.std(ddof=1) / np.sqrt(n)) if n > 1 else np.nan
            )
            rows.append(
                {
                    **dict(zip(keys, group, strict=True)),
                    "metric": metric,
                    "n": n,
                    "mean": mean,
                    "median": float(np.median(values)) if n else np.nan,
                    "ci_low": mean - half,
                    "ci_high": mean + half,
                }
            )
    return pd.DataFrame(rows)


def holm(p_values: np.ndarray) -> np.ndarray:
    """Holm's step-down adjustment of p-values for multiple comparisons (controls the family-wise error)."""
    p_values = np.asarray(p_values, dtype=float)
    adjusted = np.full_like(p_values, np.nan)
    valid = ~np.isnan(p_values)
    order = np.argsort(p_values[valid])
    m = valid.sum()
    stepped = np.maximum.accumulate((m - np.arange(m)) * p_values[valid][order])
    values = np.empty(m)
    values[order] = np.minimum(stepped, 1.0)
    adjusted[valid] = values
    return adjusted


def paired_comparisons(
    frame: pd.DataFrame,
    baseline: str | None = None,
    metrics: list[str] | None = None,
    confidence: float = 0.95,
    resamples: int = 2000,
    seed: int = 0,
) -> pd.DataFrame:
    """Each arm against a baseline arm, replicate by replicate (common random numbers), per factor level.

    For every pair: the mean paired difference with a bootstrap confidence interval (``scipy.stats.bootstrap``,
    BCa where it can be computed), the Wilcoxon signed-rank test with Holm's correction over all comparisons
    in the table, and two effect sizes: Cohen's d_z (mean difference over its standard deviation) and the
    matched-pairs rank-biserial correlation.
    """
    metrics = metrics or list(METRICS)
    frame = _done(frame)
    arms = list(dict.fromkeys(frame["arm"]))
    baseline = baseline or ("isolated" if "isolated" in arms else arms[0])
    keys = ["scenario", *factor_columns(frame)]
    rows = []
    for group, part in frame.groupby(keys, sort=True, dropna=False):
        for arm in (a for a in arms if a != baseline):
            for metric in metrics:
                table = part.pivot_table(index="replicate", columns="arm", values=metric, aggfunc="first")
                if baseline not in table or arm not in table:
                    continue
                pairs = table[[baseline, arm]].dropna()
                rows.append(
                    {
                        **dict(zip(keys, group, strict=True)),
                        "arm": arm,
                        "baseline": baseline,
                        "metric": metric,
                        **_paired(
                            pairs[arm].to_numpy() - pairs[baseline].to_numpy(),
                            pairs[baseline].mean(),
                            pairs[arm].mean(),
                            confidence,
                            resamples,
                            seed,
                        ),
                    }
                )
    result = pd.DataFrame(rows)
    if len(result):
        result["p_holm"] = holm(result["p_wilcoxon"].to_numpy())
    return result


def _paired(
    differences: np.ndarray, baseline_mean: float, arm_mean: float, confidence: float, resamples: int, seed: int
) -> dict[str, Any]:
    n = len(differences)
    out: dict[str, Any] = {
        "pairs": n,
        "baseline_mean": baseline_mean,
        "arm_mean": arm_mean,
        "difference": float(differences.mean()) if n else np.nan,
        "ci_low": np.nan,
        "ci_high": np.nan,
        "p_wilcoxon": np.nan,
        "cohens_dz": np.nan,
        "rank_biserial": np.nan,
    }
    if n < 2:
        return out
    spread = differences.std(ddof=1)
    if spread == 0:
        out.update(ci_low=out["difference"], ci_high=out["difference"])
    else:

        def interval(method: str) -> Any:
            return stats.bootstrap(
                (differences,),
                np.mean,
                confidence_level=confidence,
                n_resamples=resamples,
                method=method,
                rng=np.random.default_rng(seed),
            ).confidence_interval

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # BCa can warn on small samples; the percentile fallback is below
            bounds = interval("BCa")
        if not np.isfinite(bounds.low) or not np.isfinite(bounds.high):
            bounds = interval("percentile")
        out.update(ci_low=float(bounds.low), ci_high=float(bounds.high), cohens_dz=float(differences.mean() / spread))
    nonzero = differences[differences != 0]
    if len(nonzero):
        out["p_wilcoxon"] = float(stats.wilcoxon(differences, zero_method="zsplit").pvalue)
        ranks = stats.rankdata(np.abs(nonzero))
        out["rank_biserial"] = float((ranks[nonzero > 0].sum() - ranks[nonzero < 0].sum()) / ranks.sum())
    else:
        out["p_wilcoxon"] = 1.0
        out["rank_biserial"] = 0.0
    return out
