"""Levinthal (1997), "Adaptation on rugged landscapes": local peaks, and the forms local search converges to.

On cisim's NK landscape with N elements, each interacting with the K elements that follow it (wrapping
round), the experiment counts the local peaks of many landscapes for each K, and lets a population of
organizations, each starting at a random configuration, search locally until every one stands on a peak:
each period an organization tries its one-element changes in random order and takes the first that
improves its fitness (Levinthal 1997, p. 937), with no long jumps and no selection. The number of distinct
forms left is the "emergence of order" of Levinthal's Figure 1.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from cisim.problem import Landscape
from cisim.validation.estimates import Estimate, independent_difference, mean_interval
from cisim.validation.runner import ExperimentOutcome, Measurements, Problem
from cisim.validation.spec import Field, ValidationSpec

#: Above this many elements, enumerating every configuration of a landscape is too slow for a validation run.
MAX_ELEMENTS = 16


class LevinthalDriver:
    """Local peaks and converged forms on adjacent-interaction NK landscapes, for each K."""

    parameters: ClassVar[dict[str, Field]] = {
        "n_elements": Field("int", "elements N of each landscape", 2, MAX_ELEMENTS),
        "k_values": Field("int_list", "interactions K per element, each below N", 0, MAX_ELEMENTS - 1),
        "periods": Field("int", "periods of local search recorded for the forms-over-time figure", 1, 10_000),
    }
    sizes: ClassVar[dict[str, Field]] = {
        "landscapes": Field("int", "landscapes per K", 2, 1_000_000),
        "organizations": Field("int", "organizations searching each landscape", 1, 100_000),
    }
    measures: ClassVar[dict[str, str]] = {
        "peaks_by_k": "mean number of local peaks per landscape, by K",
        "peaks_increase": "difference in mean local peaks between two K ('b-a': K=b minus K=a)",
        "forms_by_k": "mean number of distinct forms once local search has converged, by K",
        "forms_increase": "difference in mean converged forms between two K ('b-a': K=b minus K=a)",
        "initial_forms_by_k": "mean number of distinct forms among the organizations at the start, by K",
        "peak_share_reached": "mean share of a landscape's local peaks that some organization ends on, by K",
    }
    uses_model: ClassVar[bool] = False
    studies: ClassVar[tuple[str, ...]] = ()

    def check(self, spec: ValidationSpec) -> list[str]:
        """Every K must be below N."""
        n = spec.parameters["n_elements"]
        bad = [k for k in spec.parameters["k_values"] if k >= n]
        if bad:
            return [
                f"field 'parameters.k_values' = {spec.parameters['k_values']!r}: "
                f"expected values from 0 to {n - 1} (K < N)"
            ]
        return []

    def problems(self, spec: ValidationSpec, sizes: dict[str, Any]) -> list[Problem]:
        """One problem per K and landscape (each seeded by the experiment's seed, K and its number)."""
        organizations = sizes["organizations"]
        return [
            Problem((k, index, organizations))
            for k in spec.parameters["k_values"]
            for index in range(sizes["landscapes"])
        ]

    def solve(self, spec: ValidationSpec, problem: Problem) -> dict[str, Any]:
        """The peaks of one landscape and the forms its organizations converge to."""
        k, index, organizations = problem.key
        n, periods = spec.parameters["n_elements"], spec.parameters["periods"]
        return one_landscape(spec.seed, n, k, index, organizations, periods)

    def measure(self, spec: ValidationSpec, sizes: dict[str, Any], solutions: Sequence[Any]) -> Measurements:
        """Peaks and converged forms by K, over every landscape."""
        peaks: dict[int, list[int]] = {}
        forms: dict[int, list[int]] = {}
        initial: dict[int, list[int]] = {}
        reached: dict[int, list[float]] = {}
        paths: dict[int, np.ndarray] = {}
        landscapes = sizes["landscapes"]
        for position, k in enumerate(spec.parameters["k_values"]):
            runs = solutions[position * landscapes : (position + 1) * landscapes]
            peaks[k] = [r["peaks"] for r in runs]
            forms[k] = [r["forms"] for r in runs]
            initial[k] = [r["initial"] for r in runs]
            reached[k] = [r["forms"] / r["peaks"] for r in runs]
            paths[k] = np.mean([r["path"] for r in runs], axis=0)
        estimates: dict[str, Any] = {
            "peaks_by_k": {str(k): mean_interval(v) for k, v in peaks.items()},
            "forms_by_k": {str(k): mean_interval(v) for k, v in forms.items()},
            "initial_forms_by_k": {str(k): mean_interval(v) for k, v in initial.items()},
            "peak_share_reached": {str(k): mean_interval(v) for k, v in reached.items()},
            "peaks_increase": _increases(peaks),
            "forms_increase": _increases(forms),
        }
        measured = {
            "peaks_by_k": _means(estimates["peaks_by_k"]),
            "forms_by_k": _means(estimates["forms_by_k"]),
            "initial_forms_by_k": _means(estimates["initial_forms_by_k"]),
            "peaks_sd_by_k": {str(k): float(np.std(v, ddof=1)) for k, v in peaks.items()},
        }
        series = {"forms_by_period": {str(k): path.tolist() for k, path in paths.items()}}
        return Measurements(estimates, measured, series)

    def figures(self, outcome: ExperimentOutcome, folder: Path) -> list[Path]:
        """Peaks by K beside Levinthal's Figure 8; distinct forms over time beside his Figure 1."""
        from cisim.validation.figures import levinthal_figure

        return [levinthal_figure(outcome, folder / f"{outcome.spec.name}.png")]


def one_landscape(seed: int, n: int, k: int, index: int, organizations: int, periods: int) -> dict[str, Any]:
    """Peaks of one landscape and the forms its organizations converge to (one seed per K and landscape)."""
    rng = np.random.default_rng([seed, k, index])
    landscape = Landscape(n, 1, k, 0.0, rng, interaction="adjacent")
    fitness = all_fitness(landscape)
    forms = rng.integers(0, 1 << n, size=organizations)
    path = [np.unique(forms).size]
    period = 0
    while True:
        stepped = local_search_step(forms, fitness, n, rng)
        settled = np.array_equal(stepped, forms)
        forms = stepped
        period += 1
        if period <= periods:
            path.append(np.unique(forms).size)
        if settled and period >= periods:
            break
    # Local search stops only where no one-element change improves: the landscape's own peak test agrees.
    if not landscape.is_local_peak(configurations(np.unique(forms), n)).all():
        raise RuntimeError(f"K = {k}, landscape {index}: local search stopped off a local peak")
    return {
        "peaks": landscape.local_peaks(),
        "forms": int(np.unique(forms).size),
        "initial": path[0],
        "path": path,
    }


def configurations(codes: np.ndarray, n: int) -> np.ndarray:
    """Configurations from their codes (element i is bit i of the code), shape ``(len(codes), n)``."""
    return (np.asarray(codes)[:, None] >> np.arange(n)) & 1 > 0


def all_fitness(landscape: Landscape) -> np.ndarray:
    """Raw fitness of every configuration of a small landscape, indexed by its code (its public evaluation)."""
    n = landscape.n_elements
    return landscape.raw_fitness(configurations(np.arange(1 << n), n))


def local_search_step(forms: np.ndarray, fitness: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """One period of local search for every organization at once.

    Each organization tries its one-element changes in random order and adopts the first that raises its
    fitness; that is a uniformly random choice among its improving neighbours (none: it stays).
    """
    neighbours = forms[:, None] ^ (1 << np.arange(n))[None, :]
    better = fitness[neighbours] > fitness[forms][:, None]
    order = np.where(better, rng.random(neighbours.shape), np.inf)
    pick = order.argmin(axis=1)
    moving = better.any(axis=1)
    stepped = forms.copy()
    stepped[moving] = neighbours[moving, pick[moving]]
    return stepped


def _increases(samples: dict[int, list[int]]) -> dict[str, Estimate]:
    """For every pair of K (a < b): mean at K=b minus mean at K=a, with Welch's interval (independent landscapes)."""
    return {
        f"{b}-{a}": independent_difference(samples[b], samples[a])
        for a, b in itertools.combinations(sorted(samples), 2)
    }


def _means(estimates: dict[str, Estimate]) -> dict[str, float]:
    return {key: estimate.mean for key, estimate in estimates.items()}


DRIVER = LevinthalDriver()
