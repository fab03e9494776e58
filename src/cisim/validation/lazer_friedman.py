"""Lazer & Friedman (2007), "The network structure of exploration and exploitation", through cisim's model.

Each organization holds its own solution to the whole problem (``organizations.solutions = "own"``) and,
every round, copies its best-scoring network neighbour if that neighbour is strictly better, and otherwise
tries one local change and keeps it if it is better; everyone updates on the previous round's solutions.
A run's score each round is the mean over organizations of ``(raw fitness / global maximum) ** 8``
(Lazer & Friedman 2007, Appendix A). Landscapes and starting solutions are the same across the arms of a
study (paired by seed), so the arms' results are "contests" on the same problems (Appendix B).

Lazer & Friedman ran every simulation "to the point that it converged on a single solution" (p. 677) and
counted the contests of Table B.1 there. A population has converged for good once nobody has a neighbour with
a strictly better solution and no single change improves anybody's: nothing can change again on a fixed
problem. On a connected network that is everyone on one solution; on an Erdos-Renyi network an organization
without neighbours ends on a local peak of its own. The driver stops stepping a run at that
point (its score stays as it is) and, in the main study, keeps stepping after the last plotted round until
every arm has converged or ``max_rounds`` is reached.

Arms are named in the experiment file; the driver needs, in studies ``main`` and ``simple``, arms named
``linear`` and ``complete``; in ``velocity``, arms from the fastest to the slowest; in ``copy_error``, arms
with copy errors and, for each, an error-free arm on the same network.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from cisim.experiments.runs import replicate_seeds
from cisim.validation.estimates import Estimate, mean_interval, paired_difference, share_interval
from cisim.validation.model import build_model
from cisim.validation.runner import ExperimentOutcome, Measurements, Problem
from cisim.validation.spec import Field, Study, ValidationSpec

#: Share of the optimum's score at which a run counts as having reached the optimum (K = 0 study).
OPTIMUM_REACHED = 0.99
#: Parameters that must hold for a converged population to stay converged (a fixed problem, no policy wins).
FIXED_PROBLEM = {"problem.turbulence": 0.0, "conditions.backbone": 0.0}


class LazerFriedmanDriver:
    """Network structure, velocity and copy errors on own-solution organizations learning from neighbours."""

    parameters: ClassVar[dict[str, Field]] = {
        "score_exponent": Field("float", "power the score ratio is raised to (Lazer & Friedman: 8)", 1, 100),
        "early_round": Field("int", "round at which the short-run comparison is made", 1, 100_000),
        "diversity_rounds": Field("int_list", "rounds at which distinct solutions are counted", 0, 100_000),
        "max_rounds": Field(
            "int", "round at which a main-study run that has not converged is ended for the contests", 1, 1_000_000
        ),
    }
    sizes: ClassVar[dict[str, Field]] = {
        "replicates": Field("int", "paired problems (landscape and starting solutions) per study", 2, 1_000_000)
    }
    measures: ClassVar[dict[str, str]] = {
        "mean_by_round": "mean score per round, by arm of the main study",
        "final_score": "mean score at the last plotted round of the main study, by arm",
        "converged_score": "mean score once converged (or at max_rounds), by arm of the main study",
        "linear_wins_share": "share of main-study contests the linear network ends strictly ahead of the complete one",
        "wins_share": "share of main-study contests arm a ends strictly ahead of arm b, by 'a>b'",
        "crossover_round": "first round from which the linear network's mean score stays above the complete one's",
        "early_advantage": "paired difference complete - linear at the early round",
        "final_advantage": "paired difference linear - complete at the last plotted round",
        "unique_solutions": "mean distinct solutions at each diversity round, by 'arm, round t' of the main study",
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
        """The arms the measures refer to must be in their studies, on a problem that holds still."""
        problems = []
        for name in ("main", "simple"):
            for arm in ("linear", "complete"):
                if arm not in spec.studies[name].arms:
                    problems.append(
                        f"field 'studies.{name}.arms' = {list(spec.studies[name].arms)!r}: expected to include {arm!r}"
                    )
        for arm in spec.studies["copy_error"].arms:
            if _copy_error(spec, arm) > 0 and _error_free_twin(spec, arm) is None:
                problems.append(
                    f"field 'studies.copy_error.arms': arm {arm!r} has copy errors: "
                    "expected an arm without them on the same network"
                )
        for study in spec.studies.values():
            for arm in study.arms:
                values = {**spec.model, **spec.arms[arm], **study.overrides}
                for key, required in FIXED_PROBLEM.items():
                    if values.get(key, required) != required:
                        problems.append(
                            f"field '{key}' = {values[key]!r} (study {study.name!r}, arm {arm!r}): expected "
                            f"{required:g}: the contests compare populations on a problem that holds still"
                        )
        for key, studies in (("early_round", ("main", "velocity")), ("diversity_rounds", ("main",))):
            value = spec.parameters[key]
            last = min(spec.studies[name].rounds for name in studies)
            if max(value if isinstance(value, list) else [value]) > last:
                problems.append(
                    f"field 'parameters.{key}' = {value!r}: expected rounds of at most {last}, the last recorded "
                    f"round of the {' and '.join(studies)} {'studies' if len(studies) > 1 else 'study'}"
                )
        if spec.parameters["max_rounds"] < spec.studies["main"].rounds:
            problems.append(
                f"field 'parameters.max_rounds' = {spec.parameters['max_rounds']}: expected at least the main "
                f"study's rounds ({spec.studies['main'].rounds})"
            )
        return problems

    def problems(self, spec: ValidationSpec, sizes: dict[str, Any]) -> list[Problem]:
        """One problem per study and replicate: every arm of the study on that replicate's landscape and starts.

        Replicate by replicate, each replicate's studies together: studies that do not change the problem (all
        but K = 0's) build the same landscape at a replicate's seed, and a process keeps the exact optima it found
        recently (``landscape._SEARCHES``), so side by side (one batch of work) they find it once instead of
        once per study. The order changes no result: every problem is solved on its own.
        """
        seeds = replicate_seeds(spec.seed, sizes["replicates"])
        return [
            Problem((name, replicate, seed), runs=len(study.arms))
            for replicate, seed in enumerate(seeds)
            for name, study in spec.studies.items()
        ]

    def solve(self, spec: ValidationSpec, problem: Problem) -> dict[str, ArmRun]:
        """Every arm of one study on one replicate's problem, paired (the driver checks that they are)."""
        name, _, seed = problem.key
        study = spec.studies[name]
        limit = spec.parameters["max_rounds"] if name == "main" else study.rounds
        return _run_replicate(spec, study, seed, limit)

    def measure(self, spec: ValidationSpec, sizes: dict[str, Any], solutions: Sequence[Any]) -> Measurements:
        """The published measures from every study's runs, paired by replicate."""
        every = len(spec.studies)  # the problems run replicate by replicate, each with every study (``problems``)
        results = {
            name: _study_runs(study, solutions[position::every])
            for position, (name, study) in enumerate(spec.studies.items())
        }
        return _measure(spec, results)

    def figures(self, outcome: ExperimentOutcome, folder: Path) -> list[Path]:
        """Mean score per round: networks (Fig. 4), K = 0 (Fig. 8), velocity (Fig. 10), copy errors (Fig. 11)."""
        from cisim.validation.figures import lazer_friedman_figure

        return [lazer_friedman_figure(outcome, folder / f"{outcome.spec.name}.png")]


@dataclass
class StudyRuns:
    """One study's runs, paired by replicate: per arm, arrays of shape (replicates, rounds + 1) or (replicates,)."""

    scores: dict[str, np.ndarray]
    unique: dict[str, np.ndarray]
    end_score: dict[str, np.ndarray]
    end_round: dict[str, np.ndarray]


@dataclass
class ArmRun:
    """One arm's run on one replicate's problem: its record to ``study.rounds`` and where it ended."""

    scores: np.ndarray
    unique: np.ndarray
    end_score: float
    end_round: float


def _study_runs(study: Study, replicates: Sequence[dict[str, ArmRun]]) -> StudyRuns:
    """A study's runs, replicate by replicate in the given order, as arrays per arm."""
    return StudyRuns(
        scores={arm: np.array([runs[arm].scores for runs in replicates]) for arm in study.arms},
        unique={arm: np.array([runs[arm].unique for runs in replicates]) for arm in study.arms},
        end_score={arm: np.array([runs[arm].end_score for runs in replicates]) for arm in study.arms},
        end_round={arm: np.array([runs[arm].end_round for runs in replicates]) for arm in study.arms},
    )


def _run_replicate(spec: ValidationSpec, study: Study, seed: int, limit: int) -> dict[str, ArmRun]:
    """Every arm on one replicate's problem, recorded for ``study.rounds`` rounds and run on to ``limit``."""
    from cisim.validation.own_solutions import read_population  # imported here: compiled, like the model

    exponent = spec.parameters["score_exponent"]
    runs = {}
    start = None
    for arm in study.arms:
        model = build_model({**spec.model, **spec.arms[arm], **study.overrides}, seed)
        fingerprint = _fingerprint(model)
        if start is None:
            start = fingerprint
        elif not all(np.array_equal(a, b) for a, b in zip(start, fingerprint, strict=True)):
            raise RuntimeError(
                f"study {study.name!r}, arm {arm!r}: the model gave this arm a different problem or starting "
                "solutions than the study's first arm at the same seed; the comparison needs them paired"
            )
        landscape, network = model.landscape, model.network
        maximum = landscape.maximum
        scores, unique = np.empty(study.rounds + 1), np.empty(study.rounds + 1)
        round_, converged_at = 0, None
        while True:
            # score, distinct and has_converged in one compiled call, to the last bit; the powers stay numpy's
            ratio, count, converged = read_population(
                model.solutions,
                landscape.tables.ravel(),
                landscape.index_tables,
                maximum,
                network.offsets,
                network.neighbours,
            )
            value = float(np.mean(ratio**exponent))
            if round_ <= study.rounds:
                scores[round_] = value
                unique[round_] = count
            if converged:
                converged_at = round_
                # Nothing can change any more: the rest of the record is this round's.
                scores[round_ + 1 :] = value
                unique[round_ + 1 :] = unique[min(round_, study.rounds)]
                break
            if round_ >= limit:
                break
            model.step()
            round_ += 1
        runs[arm] = ArmRun(scores, unique, value, np.nan if converged_at is None else float(converged_at))
    return runs


def score(model: Any, exponent: float, maximum: float | None = None, fitness: np.ndarray | None = None) -> float:
    """Lazer & Friedman's score: mean over organizations of (raw fitness / global maximum) ** exponent.

    ``fitness``: the organizations' raw fitness, if already read. The driver reads the ratios compiled
    (``own_solutions.read_population``) and raises them to the power as here; this is the reference.
    """
    landscape = model.landscape
    if fitness is None:
        fitness = landscape.raw_fitness(model.solutions)
    ratio = fitness / (landscape.maximum if maximum is None else maximum)
    return float(np.mean(ratio**exponent))


def distinct(solutions: np.ndarray) -> int:
    """How many different solutions the organizations hold (rows of a boolean array), without sorting rows.

    Each row is packed into bytes and read as one opaque value, so counting is a sort of 100 values rather than
    ``np.unique(..., axis=0)``'s sort of rows, which took a sixth of a run's time.
    """
    packed = np.packbits(solutions, axis=1)
    return len(np.unique(packed.view(np.dtype((np.void, packed.shape[1]))).ravel()))


def has_converged(model: Any, fitness: np.ndarray | None = None) -> bool:
    """Whether nothing can change again: no better neighbour to copy and no single change that improves.

    On a connected network that means everyone holds one solution no single change improves; an organization
    with no neighbour (an ``erdos_renyi`` network may leave one alone) ends on a local peak of its own.
    ``fitness``: the organizations' raw fitness, if already read. The driver asks the same question compiled
    (``own_solutions.read_population``), to the same answer; this is the reference.
    """
    solutions, landscape = model.solutions, model.landscape
    if (solutions == solutions[0]).all():
        return bool(landscape.is_local_peak(solutions[:1])[0])
    if fitness is None:
        fitness = landscape.raw_fitness(solutions)
    network = model.network
    heard = np.append(fitness[network.neighbours], -np.inf)  # padded: an organization without links reads -inf
    best = np.maximum.reduceat(heard, network.offsets[:-1])
    best[network.degree == 0] = -np.inf
    if (best > fitness).any():
        return False
    return bool(landscape.is_local_peak(np.unique(solutions, axis=0)).all())


def _fingerprint(model: Any) -> tuple[np.ndarray, np.ndarray]:
    """What must be equal across paired arms: the landscape (its fitness on fixed probes) and the starting solutions."""
    n = model.solutions.shape[1]
    probes = np.random.default_rng(0).random((32, n)) < 0.5
    return model.landscape.raw_fitness(probes), np.array(model.solutions, copy=True)


def _measure(spec: ValidationSpec, results: dict[str, StudyRuns]) -> Measurements:
    early, diversity = spec.parameters["early_round"], spec.parameters["diversity_rounds"]
    main = results["main"]
    scores, ends = main.scores, main.end_score
    linear, complete = scores["linear"], scores["complete"]

    def at(series: np.ndarray, round_: int) -> np.ndarray:
        return series[:, min(round_, series.shape[1] - 1)]

    def wins(a: str, b: str) -> Estimate:
        return share_interval(int((ends[a] > ends[b]).sum()), len(ends[a]))

    estimates: dict[str, Any] = {
        "final_score": {arm: mean_interval(s[:, -1]) for arm, s in scores.items()},
        "converged_score": {arm: mean_interval(e) for arm, e in ends.items()},
        "linear_wins_share": wins("linear", "complete"),
        "wins_share": {f"{a}>{b}": wins(a, b) for a, b in itertools.permutations(scores, 2)},
        "crossover_round": _crossover(linear, complete),
        "early_advantage": paired_difference(at(complete, early), at(linear, early)),
        "final_advantage": paired_difference(linear[:, -1], complete[:, -1]),
        "unique_solutions": {
            f"{arm}, round {t}": mean_interval(at(u, t)) for arm, u in main.unique.items() for t in diversity
        },
    }
    simple = results["simple"].scores
    reach = {arm: _rounds_to(s, OPTIMUM_REACHED) for arm, s in simple.items()}
    estimates["simple_final_score"] = {arm: mean_interval(s[:, -1]) for arm, s in simple.items()}
    estimates["simple_rounds_to_optimum"] = {arm: mean_interval(r) for arm, r in reach.items()}
    estimates["simple_complete_first"] = paired_difference(reach["linear"], reach["complete"])
    velocity = results["velocity"].scores
    fastest, slowest = spec.studies["velocity"].arms[0], spec.studies["velocity"].arms[-1]
    estimates["velocity_final_score"] = {arm: mean_interval(s[:, -1]) for arm, s in velocity.items()}
    estimates["velocity_long_run_gain"] = paired_difference(velocity[slowest][:, -1], velocity[fastest][:, -1])
    estimates["velocity_short_run_cost"] = paired_difference(at(velocity[fastest], early), at(velocity[slowest], early))
    errors = results["copy_error"].scores
    estimates["copy_error_gain"] = {
        arm: paired_difference(errors[arm][:, -1], errors[twin][:, -1])
        for arm in errors
        if (twin := _error_free_twin(spec, arm)) is not None and _copy_error(spec, arm) > 0
    }
    unconverged = {arm: int(np.isnan(r).sum()) for arm, r in main.end_round.items()}
    measured = {
        "linear_wins_share": estimates["linear_wins_share"].mean,
        "crossover_round": estimates["crossover_round"].mean,
        "mean_by_round": {arm: s.mean(axis=0).tolist() for arm, s in scores.items()},
        "final_score": {arm: e.mean for arm, e in estimates["final_score"].items()},
        "converged_score": {arm: e.mean for arm, e in estimates["converged_score"].items()},
        "rounds_to_converge": {arm: _nan_mean(r) for arm, r in main.end_round.items()},
        "not_converged_by_max_rounds": unconverged,
        "wins_share": {key: e.mean for key, e in estimates["wins_share"].items()},
        "simple_mean_by_round": {arm: s.mean(axis=0).tolist() for arm, s in simple.items()},
        "velocity_mean_by_round": {arm: s.mean(axis=0).tolist() for arm, s in velocity.items()},
        "copy_error_mean_by_round": {arm: s.mean(axis=0).tolist() for arm, s in errors.items()},
        "unique_solutions_by_round": {arm: u.mean(axis=0).tolist() for arm, u in main.unique.items()},
    }
    notes = []
    if any(unconverged.values()):
        counts = ", ".join(f"{arm} {count}" for arm, count in unconverged.items() if count)
        notes.append(f"runs not converged by round {spec.parameters['max_rounds']} (contests judged there): {counts}")
    series = {
        key: measured[key]
        for key in (
            "mean_by_round",
            "simple_mean_by_round",
            "velocity_mean_by_round",
            "copy_error_mean_by_round",
            "unique_solutions_by_round",
        )
    }
    return Measurements(estimates, measured, series, notes)


def _nan_mean(values: np.ndarray) -> float | None:
    """Mean of the finite values (None if there are none)."""
    finite = values[np.isfinite(values)]
    return float(finite.mean()) if finite.size else None


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
