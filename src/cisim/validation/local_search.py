"""Levinthal (1997)'s local search run through cisim's model: the forms a population converges to, by K.

The standalone Levinthal driver (``levinthal.py``) searches cisim's landscape with its own loop. This one
builds ``CollectiveImpactModel`` from the experiment's model parameters, as ``cisim run`` does, and steps it:
each organization holds its own configuration of the whole problem (``organizations.solutions = "own"``,
starting from its own random one), evaluates one candidate change a step (``capacity = 1``,
``revision_rate = 1``) with exact readings, and hears nobody (``conditions.communication = 0``). One random
one-element change a step, kept if it improves, takes an organization to a uniformly chosen improving
neighbour, as Levinthal's rule does (p. 937: changes tried in random order, the first superior one
adopted), so the forms it ends on have the same distribution. A run ends when every organization stands on
a local peak of the landscape (``Landscape.is_local_peak``); its distinct forms are then counted.

Arms (``[arms]``) are run on the same landscapes and starting configurations (paired by seed); the experiment
file gives the K values through ``parameters.k_values``, each applied as ``problem.k``.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from cisim.experiments.runs import replicate_seeds
from cisim.validation.estimates import independent_difference, mean_interval, paired_difference
from cisim.validation.lazer_friedman import distinct
from cisim.validation.model import build_model
from cisim.validation.runner import ExperimentOutcome, Measurements, Problem
from cisim.validation.spec import Field, ValidationSpec

#: What the rule above needs of the model: organizations on their own configurations, hearing nobody, one exact
#: reading of one candidate a step, on a problem that holds still.
REQUIRED = {
    "organizations.solutions": "own",
    "organizations.start": "random",
    "organizations.capacity": 1,
    "organizations.revision_rate": 1.0,
    "organizations.measurement_noise": 0.0,
    "conditions.communication": 0.0,
    "problem.turbulence": 0.0,
    "conditions.backbone": 0.0,
}


class LocalSearchDriver:
    """Distinct forms after local search through the model's own search step, for each K."""

    parameters: ClassVar[dict[str, Field]] = {
        "k_values": Field("int_list", "interactions K per element (problem.k), each below N", 0, 63),
        "max_rounds": Field("int", "steps after which a run that has not reached peaks everywhere is ended", 1, 10**6),
    }
    sizes: ClassVar[dict[str, Field]] = {"landscapes": Field("int", "landscapes per K (paired across arms)", 2, 10**6)}
    measures: ClassVar[dict[str, str]] = {
        "forms_by_k": "mean distinct forms once every organization stands on a local peak, by K (first arm)",
        "forms_increase": "difference in mean converged forms between two K ('b-a': K=b minus K=a; first arm)",
        "initial_forms_by_k": "mean distinct forms among the organizations at the start, by K (first arm)",
        "rounds_to_peaks": "mean steps until every organization stands on a local peak, by K (first arm)",
    }
    uses_model: ClassVar[bool] = True
    studies: ClassVar[tuple[str, ...]] = ()

    def check(self, spec: ValidationSpec) -> list[str]:
        """The model values the search rule needs, and K below N."""
        problems = []
        for arm, values in spec.arms.items():
            merged = {**spec.model, **values}
            for key, required in REQUIRED.items():
                if merged.get(key) != required:
                    problems.append(
                        f"field '{key}' = {merged.get(key)!r} (arm {arm!r}): expected {required!r}, which Levinthal's "
                        "local search needs (own configurations, no imitation, one exact reading a step)"
                    )
            n = merged.get("problem.n_elements", 0)
            bad = [k for k in spec.parameters["k_values"] if k >= n]
            if bad:
                problems.append(f"field 'parameters.k_values' = {bad!r}: expected values below N = {n} (arm {arm!r})")
        return problems

    def problems(self, spec: ValidationSpec, sizes: dict[str, Any]) -> list[Problem]:
        """One problem per K and landscape: every arm on that landscape and its starting configurations."""
        seeds = replicate_seeds(spec.seed, sizes["landscapes"])
        return [Problem((k, seed), runs=len(spec.arms)) for k in spec.parameters["k_values"] for seed in seeds]

    def solve(self, spec: ValidationSpec, problem: Problem) -> dict[str, tuple[int, int, int, bool]]:
        """Per arm, on one landscape: distinct forms at the start and the end, steps, and whether all are on peaks."""
        k, seed = problem.key
        runs = {}
        for arm, values in spec.arms.items():
            model = build_model({**spec.model, **values, "problem.k": k}, seed)
            start = distinct(model.solutions)
            step = 0
            while not model.landscape.is_local_peak(model.solutions).all() and step < spec.parameters["max_rounds"]:
                model.step()
                step += 1
            finished = bool(model.landscape.is_local_peak(model.solutions).all())
            runs[arm] = (start, distinct(model.solutions), step, finished)
        return runs

    def measure(self, spec: ValidationSpec, sizes: dict[str, Any], solutions: Sequence[Any]) -> Measurements:
        """Converged forms by K for every arm, paired across arms by landscape."""
        ks = spec.parameters["k_values"]
        first = next(iter(spec.arms))
        landscapes = sizes["landscapes"]
        forms: dict[tuple[str, int], np.ndarray] = {}
        initial: dict[tuple[str, int], np.ndarray] = {}
        rounds: dict[tuple[str, int], np.ndarray] = {}
        unfinished = 0
        for position, k in enumerate(ks):
            runs = solutions[position * landscapes : (position + 1) * landscapes]
            for arm in spec.arms:
                initial[arm, k] = np.array([run[arm][0] for run in runs])
                forms[arm, k] = np.array([run[arm][1] for run in runs])
                rounds[arm, k] = np.array([run[arm][2] for run in runs])
                unfinished += sum(not run[arm][3] for run in runs)
        estimates: dict[str, Any] = {
            "forms_by_k": {str(k): mean_interval(forms[first, k]) for k in ks},
            "initial_forms_by_k": {str(k): mean_interval(initial[first, k]) for k in ks},
            "rounds_to_peaks": {str(k): mean_interval(rounds[first, k]) for k in ks},
            "forms_increase": {
                f"{b}-{a}": independent_difference(forms[first, b], forms[first, a]) for a, b in itertools.pairwise(ks)
            },
        }
        for arm in list(spec.arms)[1:]:
            estimates[f"forms_{arm}_minus_{first}"] = {
                str(k): paired_difference(forms[arm, k], forms[first, k]) for k in ks
            }
        measured = {
            "forms_by_k": {f"{arm}, K = {k}": float(v.mean()) for (arm, k), v in forms.items()},
            "initial_forms_by_k": {f"{arm}, K = {k}": float(v.mean()) for (arm, k), v in initial.items()},
            "rounds_to_peaks": {f"{arm}, K = {k}": float(v.mean()) for (arm, k), v in rounds.items()},
        }
        notes = [f"{unfinished} runs had not reached local peaks everywhere by max_rounds"] if unfinished else []
        return Measurements(estimates, measured, notes=notes)

    def figures(self, outcome: ExperimentOutcome, folder: Path) -> list[Path]:
        """Converged forms by K, cisim through the model beside the published figures."""
        from cisim.validation.figures import local_search_figure

        return [local_search_figure(outcome, folder / f"{outcome.spec.name}.png")]


DRIVER = LocalSearchDriver()
