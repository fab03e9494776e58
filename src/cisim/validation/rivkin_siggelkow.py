"""Rivkin & Siggelkow (2003), "Balancing search and stability", mapped onto cisim's organizations and plan.

A firm's decisions are split into departments that each control a block; departments either decide alone,
each on its own block and for its own departmental performance, or propose changes that a coordinating head
evaluates jointly. In cisim: the firm's decisions are the problem's elements, the blocks are its domains,
each department is an organization working on its own domain only (``domains_per_organization = 1``,
``element_coverage = 1``), departmental incentives are a common agenda of 0 (each organization's objective
is its own domain's outcome), and the coordinating head is the plan of mutually reinforcing activities
(``conditions.reinforcing_activities = 1``), which evaluates members' proposals jointly. Interdependence
across departments is ``problem.k_across``: the share of each decision's ``k`` interactions that reach the
other department's block, at fixed ``k``. Both arms search with the same effort (``capacity``,
``revision_rate``) on the same problems (paired by seed).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from cisim.experiments.runs import replicate_seeds
from cisim.validation.estimates import independent_difference, mean_interval, paired_difference
from cisim.validation.model import build_model
from cisim.validation.runner import ExperimentOutcome, Measurements, Problem
from cisim.validation.spec import Field, ValidationSpec

ARMS = ("decentralized", "coordinated")


class RivkinSiggelkowDriver:
    """The advantage of a coordinating head over departments deciding alone, by interdependence across them."""

    parameters: ClassVar[dict[str, Field]] = {
        "k_across_values": Field("float_list", "shares of interactions reaching the other department", 0.0, 1.0),
        "rounds": Field("int", "rounds (steps) per run", 1, 100_000),
    }
    sizes: ClassVar[dict[str, Field]] = {
        "replicates": Field("int", "paired problems per level of interdependence", 2, 1_000_000)
    }
    measures: ClassVar[dict[str, str]] = {
        "coordination_advantage_by_interdependence": "coordinated - decentralized final outcome (paired), by k_across",
        "advantage_growth": "advantage at the highest k_across minus at the lowest (independent problems)",
        "final_outcome": "mean final outcome, by 'arm@k_across'",
    }
    uses_model: ClassVar[bool] = True
    studies: ClassVar[tuple[str, ...]] = ()

    def check(self, spec: ValidationSpec) -> list[str]:
        """Arms named ``decentralized`` and ``coordinated``; two or more levels of interdependence."""
        problems = [f"field 'arms': expected an arm named {arm!r}" for arm in ARMS if arm not in spec.arms]
        if len(set(spec.parameters["k_across_values"])) < 2:
            problems.append(
                f"field 'parameters.k_across_values' = {spec.parameters['k_across_values']!r}: "
                "expected two or more levels"
            )
        return problems

    def problems(self, spec: ValidationSpec, sizes: dict[str, Any]) -> list[Problem]:
        """One problem per level of interdependence and replicate: both arms on that replicate's problem."""
        seeds = replicate_seeds(spec.seed, sizes["replicates"])
        levels = sorted(spec.parameters["k_across_values"])
        return [Problem((level, seed), runs=len(ARMS)) for level in levels for seed in seeds]

    def solve(self, spec: ValidationSpec, problem: Problem) -> dict[str, float]:
        """Each arm's final outcome on one problem (same seed, so the same landscape)."""
        from cisim.model.reporters import community_outcome

        level, seed = problem.key
        finals = {}
        for arm in ARMS:
            values = {**spec.model, **spec.arms[arm], "problem.k_across": level}
            model = build_model(values, seed)
            for _ in range(spec.parameters["rounds"]):
                model.step()
            finals[arm] = community_outcome(model)
        return finals

    def measure(self, spec: ValidationSpec, sizes: dict[str, Any], solutions: Sequence[Any]) -> Measurements:
        """The coordination advantage at every level of interdependence, paired by problem."""
        levels = sorted(spec.parameters["k_across_values"])
        replicates = sizes["replicates"]
        outcome: dict[tuple[str, float], np.ndarray] = {}
        for position, level in enumerate(levels):
            finals = solutions[position * replicates : (position + 1) * replicates]
            for arm in ARMS:
                outcome[arm, level] = np.array([final[arm] for final in finals])
        advantage = {level: outcome["coordinated", level] - outcome["decentralized", level] for level in levels}
        estimates: dict[str, Any] = {
            "coordination_advantage_by_interdependence": {
                f"{level:g}": paired_difference(outcome["coordinated", level], outcome["decentralized", level])
                for level in levels
            },
            "advantage_growth": independent_difference(advantage[levels[-1]], advantage[levels[0]]),
            "final_outcome": {f"{arm}@{level:g}": mean_interval(v) for (arm, level), v in outcome.items()},
        }
        measured = {
            "coordination_advantage_by_interdependence": {
                key: e.mean for key, e in estimates["coordination_advantage_by_interdependence"].items()
            },
            "final_outcome": {key: e.mean for key, e in estimates["final_outcome"].items()},
        }
        return Measurements(estimates, measured)

    def figures(self, outcome: ExperimentOutcome, folder: Path) -> list[Path]:
        """The coordination advantage with its interval against interdependence across departments."""
        from cisim.validation.figures import rivkin_siggelkow_figure

        return [rivkin_siggelkow_figure(outcome, folder / f"{outcome.spec.name}.png")]


DRIVER = RivkinSiggelkowDriver()
