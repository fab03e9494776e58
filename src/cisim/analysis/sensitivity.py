"""Global sensitivity of an outcome to the sampled factors: Sobol indices and Morris screening (SALib).

The sweep must have sampled its factors with ``method = "saltelli"`` (Sobol first-order and total indices)
or ``method = "morris"`` (elementary effects), so that the design holds the points in the order SALib's
analysis expects. Each design point's outcome is its mean over replicates.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

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


def morris_indices(problem: dict[str, Any], inputs: np.ndarray, outputs: np.ndarray, seed: int = 0) -> pd.DataFrame:
    """Morris screening: mean absolute elementary effect (mu_star) with its 95 % interval, and sigma."""
    from SALib.analyze import morris

    result = morris.analyze(problem, inputs, outputs, num_levels=4, seed=seed)
    return pd.DataFrame(
        {
            "factor": problem["names"],
            "mu_star": result["mu_star"],
            "mu_star_ci_low": result["mu_star"] - result["mu_star_conf"],
            "mu_star_ci_high": result["mu_star"] + result["mu_star_conf"],
            "sigma": result["sigma"],
        }
    )


def sensitivity(folder: str | Path, metric: str = "final_outcome", arm: str | None = None) -> tuple[str, pd.DataFrame]:
    """Sobol or Morris indices of ``metric`` for a sweep's sampled factors, read from its results folder.

    Returns:
        the method (``saltelli`` or ``morris``) and one row per factor.
    """
    from cisim.experiments.store import load_results

    folder = Path(folder)
    manifest = json.loads((folder / "manifest.json").read_text())
    sample = manifest.get("sample")
    if not sample or sample.get("method") not in ("saltelli", "morris"):
        raise SensitivityError(
            f'{folder}: the sweep did not sample its factors with method = "saltelli" (Sobol '
            'indices) or "morris" (screening); add such a [sample] to the experiment'
        )
    frame = load_results(folder)
    frame = frame[frame["status"] == "done"]
    arms = list(dict.fromkeys(frame["arm"]))
    arm = arm or arms[-1]
    if arm not in arms:
        raise SensitivityError(f"{folder}: no arm {arm!r}; arms are {', '.join(arms)}")
    per_point = frame[frame["arm"] == arm].groupby("point")[metric].mean()
    expected = len(salib_sample(sample, manifest["seed"]))
    if per_point.index.tolist() != list(range(expected)):
        raise SensitivityError(
            f"{folder}: {expected - len(per_point)} of {expected} design points have no "
            "finished run yet; sensitivity needs them all (resume the sweep)"
        )
    outputs = per_point.to_numpy(dtype=float)
    problem = salib_problem(sample)
    if sample["method"] == "saltelli":
        return "saltelli", sobol_indices(problem, outputs, seed=manifest["seed"])
    inputs = salib_sample(sample, manifest["seed"])
    return "morris", morris_indices(problem, inputs, outputs, seed=manifest["seed"])
