"""How long a design takes, estimated from a few timed probe runs, without building the design.

A run costs a set-up (building the problem, organizations and networks) plus a cost per step, and both
grow with the values a design varies (organizations, elements, k, regions, ...). The estimate times short
probe runs of each base scenario:

- at the *base point*, every varied factor at its smallest value (and first value, for choices), under
  each arm;
- once more per factor, with that factor alone at its largest value (each other value, for choices).

Each probe is timed twice, for 1 step and for ``1 + PROBE_STEPS`` steps, which separates the set-up from
the cost per step. Between a numeric factor's smallest value ``a`` and largest ``b`` the cost is taken to
follow a power law, ``cost(x) = cost(a) * (x / a) ** e`` with ``e`` fitted through the two probes (a
linear interpolation where ``a`` is 0), and factors are taken to act on the cost independently, so the
mean cost over the design is the base cost times, for each factor, the mean of its ratio over the factor's
values (a grid's listed values, or a sampled range taken as uniform). Nothing here depends on the number of
replicates or points, which are counted, not built. A stop rule can only make runs shorter: the estimate
is for runs that go their full length.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from cisim.experiments.design import Experiment
from cisim.scenarios.errors import ScenarioError
from cisim.scenarios.scenario import Scenario
from cisim.scenarios.schema import BY_KEY

#: Extra steps of the longer probe run.
PROBE_STEPS = 5
#: At most this many values of a choice factor are probed; the others count as the mean of those probed.
PROBED_CHOICES = 4

#: Times one run of a scenario (already under its arm) for a number of steps, in seconds.
Timer = Callable[[Scenario, int], float]


def time_run(scenario: Scenario, steps: int) -> float:
    """Seconds one run of ``scenario`` takes for ``steps`` steps (seed 0)."""
    from cisim.experiments.runs import run_model

    start = time.perf_counter()
    run_model(scenario, seed=0, steps=steps)
    return time.perf_counter() - start


@dataclass(frozen=True)
class Cost:
    """Seconds of set-up and seconds per step of one run."""

    setup: float
    step: float

    def ratio_to(self, base: Cost) -> Cost:
        """This cost as multiples of ``base``'s."""
        return Cost(_ratio(self.setup, base.setup), _ratio(self.step, base.step))


@dataclass(frozen=True)
class Estimate:
    """The estimated time of a design, run one after another, and how it was made."""

    seconds: float
    seconds_per_run: float
    probes: int
    notes: list[str] = field(default_factory=list)


def estimate(experiment: Experiment, timer: Timer = time_run) -> Estimate:
    """Estimate how long ``experiment``'s design takes in one process (divide by workers for a pool)."""
    timer(experiment.scenarios[0].with_arm("collective"), 1)  # warm up imports and caches
    total, probes, notes = 0.0, 0, []
    runs_per_scenario = experiment.n_points() * experiment.replicates * len(experiment.arms)
    mean_steps_override = _mean_steps(experiment)
    for index, scenario in enumerate(experiment.scenarios):
        probe = _Prober(experiment, index, timer)
        base = probe.base_cost()
        if base is None:
            notes.append(f"scenario {scenario.name!r}: its base point could not be probed; estimate not available")
            continue
        setup_factor, step_factor = 1.0, 1.0
        for key in experiment.factor_keys:
            if key == "run.steps":
                continue
            setup_mean, step_mean, note = probe.factor_means(key)
            setup_factor *= setup_mean
            step_factor *= step_mean
            if note:
                notes.append(note)
        steps = mean_steps_override or experiment.steps or scenario["run.steps"]
        per_run = base.setup * setup_factor + steps * base.step * step_factor
        total += per_run * runs_per_scenario
        probes += probe.probes
    runs = experiment.n_runs()
    return Estimate(total, total / runs if runs else 0.0, probes, notes)


class _Prober:
    """Times probe runs of one base scenario of an experiment, remembering what it has timed."""

    def __init__(self, experiment: Experiment, scenario_index: int, timer: Timer) -> None:
        self.experiment, self.scenario_index, self.timer = experiment, scenario_index, timer
        self.low = {key: _values(experiment, key)[0] for key in experiment.factor_keys}
        self.probes = 0

    def cost(self, changes: dict[str, Any], arm: str) -> Cost | None:
        """The cost at the base point with ``changes``, under ``arm``; None if that point is not a scenario."""
        row = {"scenario_index": self.scenario_index, "arm": arm, **self.low, **changes}
        try:
            scenario = self.experiment.scenario_for(row)
        except ScenarioError:
            return None
        self.probes += 1
        short = self.timer(scenario, 1)
        long = self.timer(scenario, 1 + PROBE_STEPS)
        step = max(long - short, 0.0) / PROBE_STEPS
        return Cost(max(short - step, 0.0), step)

    def base_cost(self) -> Cost | None:
        """The mean cost at the base point over the arms."""
        costs = [self.cost({}, arm.name) for arm in self.experiment.arms]
        found = [c for c in costs if c is not None]
        if not found:
            return None
        self.base_arm = self.experiment.arms[costs.index(found[0])].name
        self.anchor = found[0]
        return Cost(float(np.mean([c.setup for c in found])), float(np.mean([c.step for c in found])))

    def factor_means(self, key: str) -> tuple[float, float, str]:
        """Mean set-up and step ratios over a factor's values, and a note if it could not be probed."""
        values = _values(self.experiment, key)
        anchor = self.anchor
        if BY_KEY[key].kind in (int, float) and len(values) > 1:
            low, high = values[0], values[-1]
            probed = self.cost({key: high}, self.base_arm)
            if probed is None:
                return 1.0, 1.0, f"{key}: its largest value could not be probed at the base point; taken as no cost"
            ratio = probed.ratio_to(anchor)
            setup = _mean_ratio(low, high, ratio.setup, values, self._sampled(key))
            step = _mean_ratio(low, high, ratio.step, values, self._sampled(key))
            return setup, step, ""
        ratios = [Cost(1.0, 1.0)]
        for value in values[1:PROBED_CHOICES]:
            probed = self.cost({key: value}, self.base_arm)
            if probed is not None:
                ratios.append(probed.ratio_to(anchor))
        return float(np.mean([r.setup for r in ratios])), float(np.mean([r.step for r in ratios])), ""

    def _sampled(self, key: str) -> bool:
        sample = self.experiment.sample
        return sample is not None and key in sample["ranges"]


def _values(experiment: Experiment, key: str) -> list[Any]:
    """A factor's values in order: a grid factor's values sorted (numbers) or as listed; a sampled range's ends."""
    if key in experiment.factors:
        values = experiment.factors[key]
        return sorted(values) if BY_KEY[key].kind in (int, float) else list(values)
    ranges = experiment.sample["ranges"] if experiment.sample else {}
    low, high = ranges.get(key, (0, 0))
    return [low, high]


def _mean_ratio(low: float, high: float, ratio: float, values: list[Any], sampled: bool) -> float:
    """The mean of a factor's cost ratio over its values (uniform over the range when sampled)."""
    points = np.linspace(low, high, 201) if sampled else np.asarray(values, dtype=float)
    if low > 0 and high > low and ratio > 0:
        exponent = math.log(ratio) / math.log(high / low)
        return float(np.mean((points / low) ** exponent))
    return float(np.mean(1.0 + (ratio - 1.0) * (points - low) / (high - low))) if high > low else 1.0


def _mean_steps(experiment: Experiment) -> float | None:
    """The mean run length when ``run.steps`` is itself a factor."""
    if "run.steps" not in experiment.factor_keys:
        return None
    values = _values(experiment, "run.steps")
    if experiment.sample and "run.steps" in experiment.sample["ranges"]:
        return (values[0] + values[-1]) / 2
    return float(np.mean(values))


def _ratio(value: float, base: float) -> float:
    return value / base if base > 0 else 1.0
