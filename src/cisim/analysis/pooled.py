"""The pooled answer of a sampled design: how the advantage moves with each factor, over every point at once.

A Latin hypercube, Sobol, Monte Carlo or grid design over several factors gives one small sample per point;
tables point by point say little (a Holm-corrected p of 1 almost everywhere). Pooled, the points answer
together:

- the *advantage* of each design point: the mean paired difference of an arm over the baseline across its
  replicates (with one arm, the metric itself);
- a *metamodel*: ordinary least squares of the advantage on every numeric factor, with t-intervals of each
  coefficient, given as the change in advantage from the low to the high end of the factor's range, the
  standardised regression coefficient (SRC: the coefficient in standard deviations; SRC squared is the
  share of variance a factor explains when the model fits and factors are uncorrelated) and the fit's R²;
- *binned means*: the advantage in equal-count bins of each factor (a partial-dependence view that assumes
  no shape), each with its t-interval;
- *sensitivity indices that work on any sample*: first-order indices by RBD-FAST (``SALib.analyze.rbd_fast``:
  the share of the advantage's variance that follows each factor alone), with bootstrap intervals, beside
  the SRCs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from cisim.analysis.results import Results, default_baseline, factor_columns
from cisim.analysis.statistics import CONFIDENCE, mean_interval, t_critical, t_test_p, ties_below_tolerance, within
from cisim.model.outputs import bounds

#: Fewer design points than this cannot support a metamodel or sensitivity indices.
MIN_POINTS = 20
#: Bins per factor in the binned means.
BINS = 5


class PooledError(ValueError):
    """The design cannot be pooled (too few points, no numeric factor); the message says what would."""


@dataclass(frozen=True)
class Pooled:
    """The pooled answer of a sampled design.

    Attributes:
        metric: the per-run summary analysed.
        arm: the arm whose advantage is analysed.
        baseline: the arm it is compared with (None: the metric itself, with one arm).
        points: one row per design point: the factors and ``advantage`` (mean over its replicates).
        overall: the mean advantage over the design points with its t-interval.
        model: one row per factor: ``effect`` (low to high end of its range) with ``ci_low``/``ci_high``,
            ``p``, ``src`` (standardised coefficient); attrs ``r2``, ``r2_adjusted``, ``points``.
        bins: one row per factor and bin: ``low``, ``high``, ``advantage``, ``ci_low``, ``ci_high``, ``n``.
        indices: one row per factor: RBD-FAST ``S1`` with its interval (None when the advantage is constant).
        scenarios: the base scenarios each design point's value is averaged over.
    """

    metric: str
    arm: str
    baseline: str | None
    points: pd.DataFrame
    overall: tuple[float, float, float]
    model: pd.DataFrame
    bins: pd.DataFrame
    indices: pd.DataFrame | None
    scenarios: int = 1

    @property
    def r2(self) -> float:
        """The metamodel's R²: the share of the variance of the advantage over points it explains."""
        return float(self.model.attrs["r2"])


def numeric_factors(frame: pd.DataFrame) -> list[str]:
    """The factors that vary over numbers (not choices or switches), in the design's order."""
    found = []
    for column in factor_columns(frame):
        values = frame[column].dropna()
        if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values) and values.nunique() > 1:
            found.append(column)
    return found


def is_sampled(results: Results) -> bool:
    """Whether the pooled answer applies.

    It does to a sampled design, and to a grid over several numeric factors of at least ``MIN_POINTS``
    points (a small grid's own tables say it better).
    """
    if results.manifest.get("sample"):
        return True
    return len(numeric_factors(results.done)) >= 2 and results.points >= MIN_POINTS


def point_advantages(
    results: Results, metric: str = "final_outcome", baseline: str | None = None, arm: str | None = None
) -> tuple[pd.DataFrame, str, str | None]:
    """Each design point's factors and mean advantage of ``arm`` over ``baseline`` (paired by replicate).

    With several base scenarios a design point's value is its mean over them and their replicates: the
    design's points are the sample, whatever number of scenarios each was run on.
    """
    frame = results.done
    arms = [a for a in results.arms if a in set(frame["arm"])]
    factors = numeric_factors(frame)
    keys = ["point", *factors]
    if len(arms) == 1:
        arm, baseline = arms[0], None
        values = frame.groupby(keys, sort=True)[metric].mean().rename("advantage")
        return values.reset_index(), arm, baseline
    baseline = baseline or results.baseline or default_baseline(arms)
    arm = arm or max(
        (a for a in arms if a != baseline),
        key=lambda a: frame.loc[frame["arm"] == a, metric].mean(),
    )
    pivot = frame[frame["arm"].isin([baseline, arm])].pivot_table(
        index=["scenario", *keys, "replicate"], columns="arm", values=metric, aggfunc="first"
    )
    pivot = pivot.dropna()
    scale = float(np.abs(pivot.to_numpy(dtype=float)).max()) if len(pivot) else 1.0
    pivot["advantage"] = ties_below_tolerance((pivot[arm] - pivot[baseline]).to_numpy(float), scale)
    values = pivot.groupby(level=keys, sort=True)["advantage"].mean()
    return values.reset_index(), arm, baseline


#: The bootstrap seed of the advantage's RBD-FAST intervals: ``pooled``'s, and ``sensitivity``'s with a baseline,
#: so that ``cisim analyze``, ``cisim sensitivity --baseline`` and the report print the same interval.
ADVANTAGE_SEED = 0


def pooled(
    results: Results,
    metric: str = "final_outcome",
    baseline: str | None = None,
    arm: str | None = None,
    seed: int = ADVANTAGE_SEED,
    confidence: float = CONFIDENCE,
) -> Pooled:
    """The pooled answer of a sampled design (see the module's description).

    Raises:
        PooledError: no numeric factor varies, or there are fewer than ``MIN_POINTS`` design points.
    """
    if metric not in results.done:
        raise PooledError(f"{results.folder}: no metric {metric!r} in these results")
    points, arm, baseline = point_advantages(results, metric, baseline, arm)
    factors = numeric_factors(results.done)
    if not factors:
        raise PooledError(
            f"{results.folder}: the design varies no numeric factor, so there is nothing to pool over; a sampled "
            'design needs a [sample] table (e.g. method = "lhs") in the experiment file'
        )
    if len(points) < MIN_POINTS:
        raise PooledError(
            f"{results.folder}: {len(points)} design points; a metamodel and sensitivity indices need at least "
            f'{MIN_POINTS} (sample more points, e.g. [sample] method = "lhs", samples = 64)'
        )
    overall = mean_interval(points["advantage"], confidence)
    bins = binned(points, factors, confidence)
    if baseline is None:  # one arm: the "advantage" is the metric itself, so its mean keeps the metric's bounds
        overall = within(overall, bounds(metric))
        if (limits := bounds(metric)) is not None:
            bins[["ci_low", "ci_high"]] = bins[["ci_low", "ci_high"]].clip(*limits)
    return Pooled(
        metric=metric,
        arm=arm,
        baseline=baseline,
        points=points,
        overall=(overall.estimate, overall.low, overall.high),
        model=regression(points, factors, confidence),
        bins=bins,
        indices=fast_indices(points, factors, seed),
        scenarios=int(results.done["scenario"].nunique()),
    )


def regression(points: pd.DataFrame, factors: list[str], confidence: float = CONFIDENCE) -> pd.DataFrame:
    """Least squares of the advantage on the factors, each coefficient as an effect over the factor's range."""
    x = points[factors].to_numpy(dtype=float)
    y = points["advantage"].to_numpy(dtype=float)
    n, k = x.shape
    spread = x.max(axis=0) - x.min(axis=0)
    design = np.column_stack([np.ones(n), x])
    coefficients, *_ = np.linalg.lstsq(design, y, rcond=None)
    residuals = y - design @ coefficients
    dof = max(n - k - 1, 1)
    sigma2 = float(residuals @ residuals) / dof
    covariance = sigma2 * np.linalg.pinv(design.T @ design)
    errors = np.sqrt(np.clip(np.diag(covariance), 0, None))[1:]
    slope = coefficients[1:]
    t = float(t_critical(confidence, dof))
    with np.errstate(divide="ignore", invalid="ignore"):
        p = t_test_p(slope / errors, dof)
        src = slope * x.std(axis=0, ddof=1) / y.std(ddof=1)
    total = float(((y - y.mean()) ** 2).sum())
    r2 = 1 - float(residuals @ residuals) / total if total > 0 else float("nan")
    model = pd.DataFrame(
        {
            "factor": factors,
            "low": x.min(axis=0),
            "high": x.max(axis=0),
            "effect": slope * spread,
            "ci_low": (slope - t * errors) * spread,
            "ci_high": (slope + t * errors) * spread,
            "p": p,
            "src": src,
        }
    )
    model.attrs.update(r2=r2, r2_adjusted=1 - (1 - r2) * (n - 1) / dof, points=n)
    return model


def binned(points: pd.DataFrame, factors: list[str], confidence: float = CONFIDENCE, bins: int = BINS) -> pd.DataFrame:
    """The mean advantage in equal-count bins of each factor, with t-intervals (no shape assumed)."""
    rows = []
    for factor in factors:
        values = points[factor].to_numpy(dtype=float)
        count = min(bins, len(np.unique(values)))
        groups = pd.qcut(values, count, duplicates="drop") if count > 1 else pd.Categorical(values)
        for _, part in points.groupby(groups, observed=True):
            interval = mean_interval(part["advantage"], confidence)
            rows.append(
                {
                    "factor": factor,
                    "low": float(part[factor].min()),
                    "high": float(part[factor].max()),
                    "advantage": interval.estimate,
                    "ci_low": interval.low,
                    "ci_high": interval.high,
                    "n": interval.n,
                }
            )
    return pd.DataFrame(rows)


def fast_indices(points: pd.DataFrame, factors: list[str], seed: int = 0, resamples: int = 500) -> pd.DataFrame | None:
    """First-order sensitivity indices from any sample: RBD-FAST (``SALib.analyze.rbd_fast``), with intervals.

    RBD-FAST orders the points along each factor and reads the share of the output's variance that follows
    it, so it needs no special design (Tarantola et al. 2006; Plischke 2010). None when the advantage does
    not vary at all.

    Its bootstrap takes seconds on a few hundred points, and a report asks for the same indices up to three
    times (its answer, its sensitivity table, its details): the last few are kept, keyed by the numbers
    themselves, and each caller gets its own copy.
    """
    import warnings

    from SALib.analyze import rbd_fast

    x = points[factors].to_numpy(dtype=float)
    y = points["advantage"].to_numpy(dtype=float)
    if np.ptp(y) == 0:
        return None
    key = (tuple(factors), seed, resamples, x.shape, x.tobytes(), y.tobytes())
    if (kept := _KEPT_INDICES.get(key)) is not None:
        return kept.copy()
    problem = {
        "num_vars": len(factors),
        "names": factors,
        "bounds": [[float(x[:, i].min()), float(x[:, i].max())] for i in range(len(factors))],
    }
    harmonics = int(min(10, max(1, (len(y) - 1) // 4)))  # RBD-FAST needs more points than twice its harmonics
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SALib warns of small samples; the intervals say how rough they are
        result = rbd_fast.analyze(problem, x, y, M=harmonics, num_resamples=resamples, seed=seed)
    first, half = np.asarray(result["S1"], dtype=float), np.asarray(result["S1_conf"], dtype=float)
    indices = pd.DataFrame({"factor": factors, "S1": first, "S1_ci_low": first - half, "S1_ci_high": first + half})
    if len(_KEPT_INDICES) >= 4:
        _KEPT_INDICES.pop(next(iter(_KEPT_INDICES)))
    _KEPT_INDICES[key] = indices.copy()
    return indices


#: The last few RBD-FAST results (``fast_indices``), by the numbers and settings they were computed from.
_KEPT_INDICES: dict[tuple, pd.DataFrame] = {}
