"""How long a design takes, estimated from a few timed probe runs, without building the design.

A run's cost grows with the values a design varies (organizations, elements, k, regions, steps, ...).
The estimate times probe runs of each base scenario:

- at the *base point*, every varied factor at its smallest value (its first value, for choices), under
  each arm;
- once more per factor, with that factor alone at its largest value (each other value, for choices), under
  an arm the factor applies to (a condition factor skips the isolated arm: ``Experiment.arms_of``).

A probe times a whole run when that is quick (the faster of two tries: a busy machine only ever adds
time); a long run is timed for 1 step and for enough steps to take ``PROBE_SECONDS``, which separates the
set-up from the cost per step, and extrapolated to its full length. Between a numeric factor's smallest
value ``a`` and largest ``b`` the cost is taken to follow a power law, ``cost(x) = cost(a) * (x / a) ** e``
with ``e`` fitted through the two probes (a straight line where ``a`` is 0); factors are taken to act on
the cost independently, so the mean cost of a run over the design is, averaged over the arms, the arm's
base cost times, for each factor that applies to it, the mean of its ratio over the factor's values (a
grid's listed values, or a sampled range taken as uniform). The number of replicates and points is
counted, never built. A stop rule can only make runs shorter: the estimate is for runs that go their full
length.
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

#: A probe of a long run times this many seconds of it, at least, and extrapolates.
PROBE_SECONDS = 0.3
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


def probe_run(scenario: Scenario, steps: int, timer: Timer = time_run) -> float:
    """Estimated seconds of one run of ``scenario`` for ``steps`` steps (see the module's description)."""
    first = min(timer(scenario, 1), timer(scenario, 1))
    if first * steps <= PROBE_SECONDS or steps <= 2:
        return min(timer(scenario, steps), timer(scenario, steps))
    some = min(steps, max(2, math.ceil(PROBE_SECONDS / max(first, 1e-6))))
    per_step = max(timer(scenario, some) - first, 0.0) / (some - 1)
    return max(first - per_step, 0.0) + steps * per_step


#: The real time of a sweep was found within these multiples of the estimate's parts (shipped experiments,
#: measured on a 2-core machine shared with other work; tests/experiments/test_dry_run_ranges.py checks them):
#: runs take from 1 to ``SLOWER_RUNS`` times their probed time (probes keep the faster of two tries, and
#: workers share cores with the main process and each other), and starting (this process, then each worker)
#: from ``FASTER_START`` to ``SLOWER_START`` times the time measured (several workers start at once, on cores
#: the main process also uses). Measured: coalition_size, isolated_vs_collective,
#: conditions_factorial and backbone_roles with --replicates 1 and 30 or 40 steps took 25, 36, 27 and 27 s
#: against upper ends of 32, 49, 42 and 35 s when only the worker's start was doubled; coalition_size at 30 steps
#: then took 21.1 s against 21, so the whole start is doubled (2 workers, a machine busy with other work).
SLOWER_RUNS = 2.0
SLOWER_START = 2.0
#: Starting may also go faster than when it was timed (the machine less busy by then).
FASTER_START = 0.7


@dataclass(frozen=True)
class Estimate:
    """The estimated time of a design, run one after another, and how it was made.

    Attributes:
        seconds: the runs alone, one after another.
        seconds_per_run: their mean.
        probes: timed probe runs.
        notes: what could not be probed, or was not worth probing.
        startup: seconds the first run in a fresh process took beyond a warm one (imports, compiled
            kernels): what each worker process pays once before its first run.
    """

    seconds: float
    seconds_per_run: float
    probes: int
    notes: list[str] = field(default_factory=list)
    startup: float = 0.0

    def wall_range(self, workers: int, setup: float = 0.0) -> tuple[float, float]:
        """The range the sweep's wall-clock time should fall in with ``workers`` workers.

        Args:
            workers: worker processes (1 in series).
            setup: seconds the command spent before probing (starting Python, imports, reading the design),
                which the sweep spends too.
        """
        runs = self.seconds / max(workers, 1)
        start = setup + self.startup
        return FASTER_START * start + runs, SLOWER_START * start + SLOWER_RUNS * runs


def warm_up() -> None:
    """One short run of the built-in defaults: what a fresh worker process does before its first real run."""
    from cisim.experiments.runs import run_model
    from cisim.scenarios.scenario import default_scenario

    run_model(default_scenario().with_arm("collective"), seed=0, steps=1)


def time_worker_start(executor: str) -> float:
    """Seconds from asking for a worker process to its first finished run, and back.

    That is what each worker of a sweep pays before its runs: starting Python, imports, warming up; a
    worker forked from this process (``cisim.experiments.executors.start_method``) has what this process
    imported, and loads only the compiled model, if this process has not. ``dask`` workers are timed as
    local processes.
    """
    from cisim.experiments.executors import make_executor

    started = time.perf_counter()
    with make_executor("serial" if executor == "serial" else "processes", 1) as pool:
        pool.submit(warm_up).result()
    return time.perf_counter() - started


def estimate(
    experiment: Experiment,
    timer: Timer = time_run,
    executor: str = "serial",
) -> Estimate:
    """Estimate how long ``experiment``'s design takes in one process (divide by workers for a pool).

    Probing stops at the base point when the design is so small that probing each factor would take
    longer than running it (the estimate then takes every factor as costing what the base point does).
    With a pool (``executor`` other than ``serial``) a worker's start is timed for real.
    """
    # A pool's worker is timed before this process runs a model: a sweep's workers fork from a process that
    # has not loaded the compiled model (``cisim.experiments.executors.start_method``), and load it themselves.
    worker_start = None if executor == "serial" else time_worker_start(executor)
    warm_scenario = experiment.scenarios[0].with_arm("collective")
    total, probes, notes = 0.0, 0, []
    try:
        first = timer(warm_scenario, 1)  # imports and caches, as a fresh process pays them
        startup = max(first - timer(warm_scenario, 1), 0.0) if worker_start is None else worker_start
    except Exception:  # the probes below fail alike and say why
        startup = worker_start or 0.0
    runs_per_scenario = _number(experiment.n_points()) * experiment.replicates * len(experiment.arms)
    probers = []
    for index, scenario in enumerate(experiment.scenarios):
        prober = _Prober(experiment, index, timer)
        base = prober.base_cost()
        probes += prober.probes
        if base is None:
            failed = f" (a probe run failed: {prober.failures[0]})" if prober.failures else ""
            notes.append(f"scenario {scenario.name!r}: its base point could not be probed{failed}; no estimate for it")
            continue
        probers.append((prober, base))
    # a factor's probe is about one run: a design of fewer runs than probes is quicker run than probed
    worth_probing = len(experiment.factor_keys) < _number(experiment.n_runs())
    if experiment.factor_keys and not worth_probing:
        notes.append(
            "the design has fewer runs than it has factors to probe: the factors were not probed one by one "
            "(that would take longer than the sweep); every run is taken to cost what a run at the smallest "
            "factor values does"
        )
    for prober, base in probers:
        factors: dict[str, float] = {}
        if worth_probing:
            before = prober.probes
            for key in experiment.factor_keys:
                factors[key], note = prober.factor_mean(key)
                if note:
                    notes.append(note)
            probes += prober.probes - before
        # Each arm's base cost times the ratios of the factors that apply to it, averaged over the arms.
        per_arm = [
            cost * math.prod(mean for key, mean in factors.items() if arm in experiment.arms_of(key))
            for arm, cost in prober.arm_costs.items()
        ]
        total += (float(np.mean(per_arm)) if per_arm else base) * runs_per_scenario
    failures = [failure for prober, _ in probers for failure in prober.failures]
    if failures:
        notes.append(
            f"{len(failures)} probe run{'s' if len(failures) > 1 else ''} failed ({failures[0]}): the sweep would "
            "record runs like them as failed"
        )
    runs = _number(experiment.n_runs())
    return Estimate(total, total / runs if runs else 0.0, probes, notes, startup)


def _number(count: int) -> float:
    """A count as a float, however large (a design of more runs than a float holds counts as infinite)."""
    try:
        return float(count)
    except OverflowError:
        return math.inf


class _Prober:
    """Times probe runs of one base scenario of an experiment."""

    def __init__(self, experiment: Experiment, scenario_index: int, timer: Timer) -> None:
        self.experiment, self.scenario_index, self.timer = experiment, scenario_index, timer
        self.low = {key: _values(experiment, key)[0] for key in experiment.factor_keys}
        self.probes = 0
        self.base_arm, self.anchor = experiment.arms[0].name, 0.0
        self.arm_costs: dict[str, float] = {}
        self.failures: list[str] = []  # what probe runs that raised said

    def cost(self, changes: dict[str, Any], arm: str) -> float | None:
        """Seconds of a run at the base point with ``changes``, under ``arm``; None if that is no scenario."""
        row = {"scenario_index": self.scenario_index, "arm": arm, **self.low, **changes}
        try:
            scenario = self.experiment.scenario_for(row)
        except ScenarioError:
            return None
        self.probes += 1
        try:
            return probe_run(scenario, self.experiment.steps or scenario["run.steps"], self.timer)
        except Exception as error:  # a run that raises: the sweep records such runs as failed, so say so
            self.failures.append(f"{type(error).__name__}: {error}")
            return None

    def base_cost(self) -> float | None:
        """The mean cost of a run at the base point over the arms."""
        costs = [self.cost({}, arm.name) for arm in self.experiment.arms]
        self.arm_costs = {a.name: c for a, c in zip(self.experiment.arms, costs, strict=True) if c is not None}
        found = [c for c in costs if c is not None]
        if not found:
            return None
        self.base_arm = self.experiment.arms[costs.index(found[0])].name
        self.anchor = found[0]
        return float(np.mean(found))

    def factor_mean(self, key: str) -> tuple[float, str]:
        """The mean ratio of a run's cost over a factor's values to its cost at the base point, and a note."""
        values = _values(self.experiment, key)
        if len(values) < 2:
            return 1.0, ""
        # Probed under an arm the factor applies to (a condition factor skips the isolated arm).
        applies = [a for a in self.experiment.arms_of(key) if a in self.arm_costs]
        arm = self.base_arm if self.base_arm in applies or not applies else applies[0]
        anchor = self.arm_costs.get(arm, self.anchor)
        if BY_KEY[key].kind in (int, float):
            low, high = values[0], values[-1]
            probed = self.cost({key: high}, arm)
            if probed is None:
                return 1.0, f"{key}: its largest value could not be probed at the base point; taken as no cost"
            return _mean_ratio(low, high, _ratio(probed, anchor), values, self._sampled(key)), ""
        ratios = [1.0]
        for value in values[1:PROBED_CHOICES]:
            probed = self.cost({key: value}, arm)
            if probed is not None:
                ratios.append(_ratio(probed, anchor))
        return float(np.mean(ratios)), ""

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


def _ratio(value: float, base: float) -> float:
    return value / base if base > 0 else 1.0
