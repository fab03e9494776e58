"""Global sensitivity of an outcome to the sampled factors: Sobol indices and Morris screening (SALib).

A sweep that sampled its factors with ``method = "saltelli"`` gets Sobol first-order and total indices, one
with ``method = "morris"`` elementary effects (the design holds the points in the order SALib's analysis
expects); any other design of enough points (Latin hypercube, Sobol, Monte Carlo, a grid) gets RBD-FAST
first-order indices, which need no special design. Each design point's outcome is its mean over replicates.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from cisim.analysis.results import Results
from cisim.experiments.design import salib_problem, salib_sample


class SensitivityError(ValueError):
    """The results cannot be analysed for sensitivity; the message says why and what to run instead."""


def sobol_indices(problem: dict[str, Any], outputs: np.ndarray, seed: int = 0, resamples: int = 1000) -> pd.DataFrame:
    """Sobol first-order (S1) and total (ST) indices with bootstrap 95 % intervals, from Saltelli-ordered outputs."""
    from SALib.analyze import sobol

    result = sobol.analyze(problem, outputs, calc_second_order=False, num_resamples=resamples, seed=seed)
    return pd.DataFrame(
        {
            "factor": problem["names"],
            "S1": result["S1"],
            "S1_ci_low": result["S1"] - result["S1_conf"],
            "S1_ci_high": result["S1"] + result["S1_conf"],
            "ST": result["ST"],
            "ST_ci_low": result["ST"] - result["ST_conf"],
            "ST_ci_high": result["ST"] + result["ST_conf"],
        }
    )


def morris_levels(problem: dict[str, Any], inputs: np.ndarray) -> int:
    """The number of grid levels p of a Morris design, read from its points.

    Every step of a Morris trajectory moves one factor by delta = p / (2 (p - 1)) of its range, so the
    design itself says which p it was drawn with (``cisim.experiments.design`` chooses it); the analysis
    must use the same p.
    """
    bounds = np.asarray(problem["bounds"], dtype=float)
    unit = (inputs - bounds[:, 0]) / (bounds[:, 1] - bounds[:, 0])
    steps = np.abs(np.diff(unit.reshape(-1, problem["num_vars"] + 1, problem["num_vars"]), axis=1))
    delta = float(steps.max())
    return round(2 * delta / (2 * delta - 1))


def morris_indices(problem: dict[str, Any], inputs: np.ndarray, outputs: np.ndarray, seed: int = 0) -> pd.DataFrame:
    """Morris screening: mean absolute elementary effect (mu_star) with its 95 % interval, and sigma."""
    from SALib.analyze import morris

    result = morris.analyze(problem, inputs, outputs, num_levels=morris_levels(problem, inputs), seed=seed)
    return pd.DataFrame(
        {
            "factor": problem["names"],
            "mu_star": result["mu_star"],
            "mu_star_ci_low": result["mu_star"] - result["mu_star_conf"],
            "mu_star_ci_high": result["mu_star"] + result["mu_star_conf"],
            "sigma": result["sigma"],
        }
    )


def _any_sample(results: Results, metric: str, arm: str) -> pd.DataFrame:
    """RBD-FAST first-order indices of ``metric`` under ``arm`` from whatever points the design holds."""
    from cisim.analysis.pooled import MIN_POINTS, fast_indices, numeric_factors

    frame = results.done[results.done["arm"] == arm]
    factors = numeric_factors(frame)
    # A design point's value is its mean over replicates and base scenarios: the sample is the design's points.
    points = frame.groupby(["point", *factors], sort=True)[metric].mean().rename("advantage")
    if not factors or len(points) < MIN_POINTS:
        raise SensitivityError(
            f"{results.folder}: {len(points)} design point(s) over {len(factors)} numeric factor(s); sensitivity "
            f'indices need at least {MIN_POINTS} points: sample them (a [sample] table with method = "lhs", '
            '"saltelli" for Sobol indices or "morris" for screening, e.g. `cisim sweep sensitivity`)'
        )
    indices = fast_indices(points.reset_index(), factors, seed=int(results.manifest.get("seed", 0)))
    if indices is None:
        raise SensitivityError(f"{results.folder}: the {metric} is the same at every design point; nothing to explain")
    indices.attrs.update(metric=metric, arm=arm, samples=len(points), dynamics=results.dynamics_text(arm))
    return indices


def sensitivity(
    results: Results | str | Path, metric: str = "final_outcome", arm: str | None = None
) -> tuple[str, pd.DataFrame]:
    """Sobol or Morris indices of ``metric`` for a sweep's sampled factors.

    Args:
        results: the sweep's results (or its folder).
        metric: the per-run summary analysed; each design point's value is its mean over replicates.
        arm: the arm analysed (default: the last one).

    Returns:
        the method (``saltelli``, ``morris`` or ``rbd_fast``) and one row per factor.

    Raises:
        SensitivityError: the sweep did not sample for sensitivity, the arm does not exist, or design points
            have no finished run yet.
    """
    results = Results.of(results)
    folder, manifest = results.folder, results.manifest
    sample = manifest.get("sample")
    frame = results.done
    arms = results.arms
    arm = arm or arms[-1]
    if arm not in arms:
        raise SensitivityError(f"{folder}: no arm {arm!r}; arms are {', '.join(arms)}")
    if metric not in frame:
        raise SensitivityError(f"{folder}: no metric {metric!r} in these results")
    if not sample or sample.get("method") not in ("saltelli", "morris"):
        return "rbd_fast", _any_sample(results, metric, arm)
    per_point = frame[frame["arm"] == arm].groupby("point")[metric].mean()
    inputs = salib_sample(sample, manifest["seed"])
    expected = len(inputs)
    if per_point.index.tolist() != list(range(expected)):
        raise SensitivityError(
            f"{folder}: {expected - len(per_point)} of {expected} design points have no "
            "finished run yet; sensitivity needs them all (resume the sweep)"
        )
    outputs = per_point.to_numpy(dtype=float)
    problem = salib_problem(sample)
    if sample["method"] == "saltelli":
        indices = sobol_indices(problem, outputs, seed=manifest["seed"])
    else:
        indices = morris_indices(problem, inputs, outputs, seed=manifest["seed"])
    indices.attrs.update(metric=metric, arm=arm, samples=sample["samples"], dynamics=results.dynamics_text(arm))
    return sample["method"], indices
