"""Global sensitivity of an outcome to the sampled factors: Sobol indices and Morris screening (SALib).

A sweep that sampled its factors with ``method = "saltelli"`` gets Sobol first-order and total indices, one
with ``method = "morris"`` elementary effects (the design holds the points in the order SALib's analysis
expects); any other design of enough points (Latin hypercube, Sobol, Monte Carlo, a grid) gets RBD-FAST
first-order indices, which need no special design. Each design point's outcome is its mean over replicates;
given a baseline arm, the indices explain an arm's advantage over it instead (each point's mean paired
difference), the quantity a comparison of designs asks about.
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


def _point_values(results: Results, metric: str, arm: str, baseline: str | None) -> pd.DataFrame:
    """Each design point's factors and value: ``arm``'s mean ``metric``, or with ``baseline`` its mean advantage.

    The advantage is paired by replicate (and base scenario), as ``cisim analyze``'s pooled answer takes it; the
    column is ``advantage`` either way. A design point's value is its mean over replicates and base scenarios.
    """
    from cisim.analysis.pooled import numeric_factors, point_advantages

    if baseline is not None:
        return point_advantages(results, metric, baseline, arm)[0]
    frame = results.done[results.done["arm"] == arm]
    keys = ["point", *numeric_factors(frame)]
    return frame.groupby(keys, sort=True)[metric].mean().rename("advantage").reset_index()


def _what(metric: str, arm: str, baseline: str | None) -> str:
    """What the indices explain, in words: one arm's outcome, or its advantage over the baseline."""
    return f"the {metric} of {arm}" if baseline is None else f"{arm}'s advantage over {baseline} in the {metric}"


def _any_sample(results: Results, metric: str, arm: str, baseline: str | None) -> pd.DataFrame:
    """RBD-FAST first-order indices of ``metric`` under ``arm`` (or its advantage) from the design's points."""
    from cisim.analysis.pooled import ADVANTAGE_SEED, MIN_POINTS, fast_indices

    points = _point_values(results, metric, arm, baseline)
    factors = [c for c in points.columns if c not in ("point", "advantage")]
    if not factors or len(points) < MIN_POINTS:
        raise SensitivityError(
            f"{results.folder}: {len(points)} design point(s) over {len(factors)} numeric factor(s); sensitivity "
            f'indices need at least {MIN_POINTS} points: sample them (a [sample] table with method = "lhs", '
            '"saltelli" for Sobol indices or "morris" for screening, e.g. `cisim sweep sensitivity`)'
        )
    seed = int(results.manifest.get("seed", 0)) if baseline is None else ADVANTAGE_SEED  # analyze's, for the advantage
    indices = fast_indices(points, factors, seed=seed)
    if indices is None:
        raise SensitivityError(
            f"{results.folder}: {_what(metric, arm, baseline)} is the same at every design point; nothing to explain"
        )
    indices.attrs.update(samples=len(points))
    return indices


def sensitivity(
    results: Results | str | Path, metric: str = "final_outcome", arm: str | None = None, baseline: str | None = None
) -> tuple[str, pd.DataFrame]:
    """Sobol or Morris indices of ``metric`` for a sweep's sampled factors.

    Args:
        results: the sweep's results (or its folder).
        metric: the per-run summary analysed; each design point's value is its mean over replicates.
        arm: the arm analysed (default: the last one, or with ``baseline`` the last other than it).
        baseline: with it, the indices explain ``arm``'s advantage over ``baseline`` (paired by replicate, each
            design point's mean), the quantity a comparison asks about; without it, ``arm``'s own ``metric``.

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
    arm = arm or next((a for a in reversed(arms) if a != baseline), arms[-1])
    for role, name in (("arm", arm), ("baseline", baseline)):
        if name is not None and name not in arms:
            raise SensitivityError(f"{folder}: no {role} {name!r}; arms are {', '.join(arms)}")
    if baseline == arm:
        raise SensitivityError(f"{folder}: the arm and the baseline are both {arm!r}; expected two different arms")
    if metric not in frame:
        raise SensitivityError(f"{folder}: no metric {metric!r} in these results")
    if not sample or sample.get("method") not in ("saltelli", "morris"):
        method, indices = "rbd_fast", _any_sample(results, metric, arm, baseline)
    else:
        per_point = _point_values(results, metric, arm, baseline).set_index("point")["advantage"]
        inputs = salib_sample(sample, manifest["seed"])
        expected = len(inputs)
        if per_point.index.tolist() != list(range(expected)):
            raise SensitivityError(
                f"{folder}: {expected - len(per_point)} of {expected} design points have no "
                + ("finished run yet" if baseline is None else f"finished pair of {arm} and {baseline} yet")
                + "; sensitivity needs them all (resume the sweep)"
            )
        outputs = per_point.to_numpy(dtype=float)
        problem = salib_problem(sample)
        method = sample["method"]
        if method == "saltelli":
            indices = sobol_indices(problem, outputs, seed=manifest["seed"])
        else:
            indices = morris_indices(problem, inputs, outputs, seed=manifest["seed"])
        indices.attrs.update(samples=sample["samples"])
    indices.attrs.update(metric=metric, arm=arm, baseline=baseline, dynamics=results.dynamics_text(arm))
    return method, indices
