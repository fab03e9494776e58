"""Lazer & Friedman (2007), "The network structure of exploration and exploitation", through cisim's model.

Each organization holds its own solution to the whole problem (``organizations.solutions = "own"``) and,
every round, copies its best-scoring network neighbour if that neighbour is strictly better, and otherwise
tries one local change and keeps it if it is better; everyone updates on the previous round's solutions.
A run's score each round is the mean over organizations of ``(raw fitness / global maximum) ** 8``
(Lazer & Friedman 2007, Appendix A). Landscapes and starting solutions are the same across the arms of a
study (paired by seed), so the arms' results are "contests" on the same problems (Appendix B).

Arms are named in the experiment file; the driver needs, in studies ``main`` and ``simple``, arms named
``linear`` and ``complete``; in ``velocity``, arms from the fastest to the slowest; in ``copy_error``, arms
with copy errors and, for each, an error-free arm on the same network.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from cisim.experiments.runs import replicate_seeds
from cisim.validation.contract import missing_parameters
from cisim.validation.estimates import Estimate, mean_interval, paired_difference, share_interval
from cisim.validation.runner import ExperimentOutcome, Measurements, Tick
from cisim.validation.spec import Field, Study, ValidationSpec

#: What cisim must offer for this experiment, beyond parameters in its schema.
MODEL_NEEDS = (
    "CollectiveImpactModel(rng=..., **parameters) with flat parameter names",
    "model.solutions: each organization's own configuration (organizations.solutions = 'own')",
    "model.landscape.raw_fitness(configs) and model.landscape.maximum (the global maximum)",
)
#: Share of the optimum's score at which a run counts as having reached the optimum (K = 0 study).
OPTIMUM_REACHED = 0.99


class LazerFriedmanDriver:
    """Network structure, velocity and copy errors on own-solution organizations learning from neighbours."""

    parameters: ClassVar[dict[str, Field]] = {
        "score_exponent": Field("float", "power the score ratio is raised to (Lazer & Friedman: 8)", 1, 100),
        "early_round": Field("int", "round at which the short-run comparison is made", 1, 100_000),
        "diversity_round": Field("int", "round at which distinct solutions are counted", 0, 100_000),
    }
    sizes: ClassVar[dict[str, Field]] = {
        "replicates": Field("int", "paired problems (landscape and starting solutions) per study", 2, 1_000_000)
    }
    measures: ClassVar[dict[str, str]] = {
        "mean_by_round": "mean score per round, by arm of the main study",
        "final_score": "mean score at the last round of the main study, by arm",
        "linear_wins_share": "share of main-study contests the linear network ends strictly ahead of the complete one",
        "wins_share": "share of main-study contests arm a ends strictly ahead of arm b, by 'a>b'",
        "crossover_round": "first round from which the linear network's mean score stays above the complete one's",
        "early_advantage": "paired difference complete - linear at the early round",
        "final_advantage": "paired difference linear - complete at the last round",
        "unique_solutions": "mean number of distinct solutions at the diversity round, by arm of the main study",
        "simple_final_score": "mean score at the last round of the K = 0 study, by arm",
        "simple_rounds_to_optimum": "mean rounds until the mean score reaches 0.99 of the optimum (K = 0), by arm",
        "simple_complete_first": "paired difference in rounds to the optimum: linear - complete (K = 0)",
        "velocity_final_score": "mean score at the last round of the velocity study, by arm",
        "velocity_long_run_gain": "paired difference slowest - fastest arm at the last round of the velocity study",
        "velocity_short_run_cost": "paired difference fastest - slowest arm at the early round of the velocity study",
        "copy_error_gain": "paired difference with copy errors - without, at the last round, by arm with errors",
    }
    uses_model: ClassVar[bool] = True
    studies: ClassVar[tuple[str, ...]] = ("main", "simple", "velocity", "copy_error")

    def check(self, spec: ValidationSpec) -> list[str]:
        """The arms the measures refer to must be in their studies."""
        problems = []
        for study in ("main", "simple"):
            for arm in ("linear", "complete"):
                if arm not in spec.studies[study].arms:
                    problems.append(
                        f"field 'studies.{study}.arms' = {list(spec.studies[study].arms)!r}: "
                        f"expected to include {arm!r}"
                    )
        for arm in spec.studies["copy_error"].arms:
            if _copy_error(spec, arm) > 0 and _error_free_twin(spec, arm) is None:
                problems.append(
                    f"field 'studies.copy_error.arms': arm {arm!r} has copy errors: "
                    "expected an arm without them on the same network"
                )
        return problems

    def needs(self, spec: ValidationSpec) -> list[str]:
        """Parameters the model's schema lacks, plus the model API this driver relies on."""
        missing = missing_parameters(spec.model, *spec.arms.values(), *(s.overrides for s in spec.studies.values()))
        return [*missing, *MODEL_NEEDS] if missing else []

    def units(self, spec: ValidationSpec, sizes: dict[str, Any]) -> int:
        """One unit per run (study x replicate x arm)."""
        return sizes["replicates"] * sum(len(s.arms) for s in spec.studies.values())

    def run(self, spec: ValidationSpec, sizes: dict[str, Any], tick: Tick) -> Measurements:
        """Run every study's arms on the same problems and collect the published measures."""
        exponent = spec.parameters["score_exponent"]
        seeds = replicate_seeds(spec.seed, sizes["replicates"])
        results = {name: _run_study(spec, study, seeds, exponent, tick) for name, study in spec.studies.items()}
        return _measure(spec, results)

    def figures(self, outcome: ExperimentOutcome, folder: Path) -> list[Path]:
        """Mean score per round by network (Figure 4), K = 0 (Figure 8), velocity (Figure 10)."""
        from cisim.validation.figures import lazer_friedman_figure

        return [lazer_friedman_figure(outcome, folder / f"{outcome.spec.name}.png")]


def _run_study(
    spec: ValidationSpec, study: Study, seeds: list[int], exponent: float, tick: Tick
) -> dict[str, dict[str, np.ndarray]]:
    """Scores (replicates x rounds+1) and distinct solutions per round for every arm, paired by seed."""
    scores = {arm: np.empty((len(seeds), study.rounds + 1)) for arm in study.arms}
    unique = {arm: np.empty((len(seeds), study.rounds + 1)) for arm in study.arms}
    for replicate, seed in enumerate(seeds):
        start = None
        for arm in study.arms:
            values = {**spec.model, **spec.arms[arm], **study.overrides}
            model = _build(values, seed)
            fingerprint = _fingerprint(model)
            if start is None:
                start = fingerprint
            elif not all(np.array_equal(a, b) for a, b in zip(start, fingerprint, strict=True)):
                raise RuntimeError(
                    f"study {study.name!r}, arm {arm!r}: the model gave this arm a different problem or starting "
                    "solutions than the study's first arm at the same seed; the comparison needs them paired"
                )
            for round_ in range(study.rounds + 1):
                if round_:
                    model.step()
                scores[arm][replicate, round_] = score(model, exponent)
                unique[arm][replicate, round_] = len(np.unique(model.solutions, axis=0))
            tick(1)
    return {"scores": scores, "unique": unique}


def _build(values: dict[str, Any], seed: int) -> Any:
    """The model with ``values`` (dotted names) passed as flat keyword parameters, as the model's API takes them."""
    from cisim.model import CollectiveImpactModel

    flat = {key.split(".", 1)[1]: value for key, value in values.items()}
    return CollectiveImpactModel(rng=seed, **flat)


def score(model: Any, exponent: float) -> float:
    """Lazer & Friedman's score: mean over organizations of (raw fitness / global maximum) ** exponent."""
    ratio = model.landscape.raw_fitness(model.solutions) / model.landscape.maximum
    return float(np.mean(ratio**exponent))


def _fingerprint(model: Any) -> tuple[np.ndarray, np.ndarray]:
    """What must be equal across paired arms: the landscape (its fitness on fixed probes) and the starting solutions."""
    n = model.solutions.shape[1]
    probes = np.random.default_rng(0).random((32, n)) < 0.5
    return model.landscape.raw_fitness(probes), np.array(model.solutions, copy=True)


def _measure(spec: ValidationSpec, results: dict[str, dict[str, dict[str, np.ndarray]]]) -> Measurements:
    early, diversity = spec.parameters["early_round"], spec.parameters["diversity_round"]
    main = results["main"]["scores"]
    linear, complete = main["linear"], main["complete"]
    estimates: dict[str, Any] = {
        "final_score": {arm: mean_interval(s[:, -1]) for arm, s in main.items()},
        "linear_wins_share": share_interval(int((linear[:, -1] > complete[:, -1]).sum()), len(linear)),
        "wins_share": {
            f"{a}>{b}": share_interval(int((main[a][:, -1] > main[b][:, -1]).sum()), len(main[a]))
            for a, b in itertools.permutations(main, 2)
        },
        "crossover_round": _crossover(linear, complete),
        "early_advantage": paired_difference(
            complete[:, min(early, complete.shape[1] - 1)], linear[:, min(early, linear.shape[1] - 1)]
        ),
        "final_advantage": paired_difference(linear[:, -1], complete[:, -1]),
        "unique_solutions": {
            arm: mean_interval(u[:, min(diversity, u.shape[1] - 1)]) for arm, u in results["main"]["unique"].items()
        },
    }
    simple = results["simple"]["scores"]
    reach = {arm: _rounds_to(s, OPTIMUM_REACHED) for arm, s in simple.items()}
    estimates["simple_final_score"] = {arm: mean_interval(s[:, -1]) for arm, s in simple.items()}
    estimates["simple_rounds_to_optimum"] = {arm: mean_interval(r) for arm, r in reach.items()}
    estimates["simple_complete_first"] = paired_difference(reach["linear"], reach["complete"])
    velocity = results["velocity"]["scores"]
    fastest, slowest = spec.studies["velocity"].arms[0], spec.studies["velocity"].arms[-1]
    estimates["velocity_final_score"] = {arm: mean_interval(s[:, -1]) for arm, s in velocity.items()}
    estimates["velocity_long_run_gain"] = paired_difference(velocity[slowest][:, -1], velocity[fastest][:, -1])
    at = min(early, velocity[fastest].shape[1] - 1)
    estimates["velocity_short_run_cost"] = paired_difference(velocity[fastest][:, at], velocity[slowest][:, at])
    errors = results["copy_error"]["scores"]
    estimates["copy_error_gain"] = {
        arm: paired_difference(errors[arm][:, -1], errors[twin][:, -1])
        for arm in errors
        if (twin := _error_free_twin(spec, arm)) is not None and _copy_error(spec, arm) > 0
    }
    measured = {
        "linear_wins_share": estimates["linear_wins_share"].mean,
        "crossover_round": estimates["crossover_round"].mean,
        "mean_by_round": {arm: s.mean(axis=0).tolist() for arm, s in main.items()},
        "final_score": {arm: e.mean for arm, e in estimates["final_score"].items()},
        "wins_share": {key: e.mean for key, e in estimates["wins_share"].items()},
        "simple_mean_by_round": {arm: s.mean(axis=0).tolist() for arm, s in simple.items()},
        "velocity_mean_by_round": {arm: s.mean(axis=0).tolist() for arm, s in velocity.items()},
        "copy_error_mean_by_round": {arm: s.mean(axis=0).tolist() for arm, s in errors.items()},
        "unique_solutions_by_round": {arm: u.mean(axis=0).tolist() for arm, u in results["main"]["unique"].items()},
    }
    series = {key: measured[key] for key in ("mean_by_round", "simple_mean_by_round", "velocity_mean_by_round")}
    return Measurements(estimates, measured, series)


def _crossover(linear: np.ndarray, complete: np.ndarray) -> Estimate:
    """First round from which the linear mean stays above the complete mean, with a bootstrap-free interval.

    The interval comes from the rounds at which the paired difference's 95 % interval first lies wholly
    above and wholly at or below zero, bracketing the crossing of the means.
    """
    difference = linear - complete
    means = difference.mean(axis=0)
    rounds = np.arange(difference.shape[1])
    ahead = means > 0
    later_behind = np.flatnonzero(~ahead)
    first = int(later_behind[-1] + 1) if later_behind.size else 0
    if first >= difference.shape[1]:
        return Estimate(float("nan"), float("nan"), float("nan"), len(linear))
    intervals = [mean_interval(difference[:, r]) for r in rounds]
    clearly_ahead = [r for r in rounds if intervals[r].low > 0 and all(i.low > 0 for i in intervals[r:])]
    clearly_behind = [r for r in rounds[:first] if intervals[r].high < 0]
    low = float(clearly_behind[-1] + 1) if clearly_behind else 0.0
    high = float(clearly_ahead[0]) if clearly_ahead else float(difference.shape[1] - 1)
    return Estimate(float(first), low, high, len(linear))


def _rounds_to(scores: np.ndarray, level: float) -> np.ndarray:
    """Per replicate, the first round whose score reaches ``level`` (the run length + 1 if never)."""
    reached = scores >= level
    return np.where(reached.any(axis=1), reached.argmax(axis=1), scores.shape[1]).astype(float)


def _copy_error(spec: ValidationSpec, arm: str) -> float:
    values = {**spec.model, **spec.arms[arm], **spec.studies["copy_error"].overrides}
    return float(values.get("communication.copy_error", 0.0))


def _error_free_twin(spec: ValidationSpec, arm: str) -> str | None:
    """The arm of the copy-error study on the same network without copy errors."""
    study = spec.studies["copy_error"]

    def network(name: str) -> Any:
        values = {**spec.model, **spec.arms[name], **study.overrides}
        return (
            values.get("communication.network"),
            values.get("communication.degree"),
            values.get("communication.rewiring"),
        )

    return next((o for o in study.arms if o != arm and _copy_error(spec, o) == 0 and network(o) == network(arm)), None)


DRIVER = LazerFriedmanDriver()
