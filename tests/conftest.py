"""Shared fixtures: small, fast scenarios built from the schema's defaults."""

from __future__ import annotations

import numpy as np
import pytest

from cisim.experiments import replicate_seeds, run_model
from cisim.scenarios import Scenario, default_scenario


@pytest.fixture
def small() -> Scenario:
    """A small complex problem that runs in a fraction of a second."""
    return default_scenario().with_values(problem__n_elements=10, organizations__n_organizations=8, run__steps=25)


def paired_means(
    first: Scenario, second: Scenario, column: str, replicates: int = 10, seed: int = 11, how: str = "mean"
) -> tuple[float, float, float]:
    """Mean of ``column`` (over steps, or its last value) under two scenarios over paired replicates.

    Returns both means and the half-width of the 95 % t-interval of the paired difference.
    """
    from scipy import stats

    first_values, second_values = [], []
    for replicate_seed in replicate_seeds(seed, replicates):
        for scenario, values in ((first, first_values), (second, second_values)):
            series = run_model(scenario, replicate_seed).series[column]
            values.append(series.mean() if how == "mean" else series.iloc[-1])
    differences = np.array(second_values) - np.array(first_values)
    half = stats.t.ppf(0.975, replicates - 1) * differences.std(ddof=1) / np.sqrt(replicates)
    return float(np.mean(first_values)), float(np.mean(second_values)), float(half)


def paired_interval(second, first, confidence: float = 0.95) -> tuple[float, float, float]:
    """Mean of the paired differences ``second - first`` and its t-interval (replicate by replicate)."""
    from scipy import stats

    differences = np.asarray(second, dtype=float) - np.asarray(first, dtype=float)
    mean = float(differences.mean())
    half = float(
        stats.t.ppf(0.5 + confidence / 2, len(differences) - 1) * differences.std(ddof=1) / np.sqrt(len(differences))
    )
    return mean, mean - half, mean + half
