"""Lazer & Friedman's rules written out directly, on the problems and starting solutions cisim's experiment builds.

A diagnostic for docs/validation.md ("Not reproduced, and why"). Where cisim's figure misses a published one,
running the paper's rules (pp. 675-677, 683-684) on the very problems, networks and starting solutions of
``cisim validate lazer_friedman_2007`` tells a difference of cisim's rules from a difference of problems,
sampling or reading a plot: if the paper's rules give cisim's figure, the gap is not in cisim's rules.

Run from the repository root:

    .venv/bin/python scripts/lazer_friedman_rules.py                  # the experiment's 1000 problems (~8 min)
    .venv/bin/python scripts/lazer_friedman_rules.py --problems 200   # a first look

Each round every actor whose best neighbour scores strictly higher copies it (with copy errors: each element
on which the two differ stays as the actor's with probability e, and an actor whose copy comes out no better
keeps its status quo); every other actor flips one random element and keeps the change if it scores higher.
Everyone acts on the previous round's solutions; each network draws its own random numbers, as the
experiment's arms do (each has its own ``run.draws_key``). Two variants isolate differences:

- ``--shared-draws``: every network of a problem also uses the same random numbers for search (common random
  numbers), which is what cisim's arms do when they share a draws key.
- ``search after a dropped copy``: an actor whose copy came out no better searches instead, as in cisim.
"""

from __future__ import annotations

import argparse
import itertools
import time
from pathlib import Path
from typing import Any

import numpy as np

from cisim.experiments import replicate_seeds
from cisim.model import CollectiveImpactModel
from cisim.validation import drivers, load_validation

ROOT = Path(__file__).resolve().parents[1]
EXPERIMENT = ROOT / "experiments" / "validation" / "lazer_friedman_2007.toml"
NETWORKS = ("linear", "complete", "lattice", "small_world", "random")
VELOCITIES = {"complete": 1.0, "complete_velocity_50": 0.5, "complete_velocity_20": 0.2, "complete_velocity_10": 0.1}
COPY_ERROR_ARMS = {"linear": 0.0, "linear_copy_error_20": 0.2, "complete": 0.0, "complete_copy_error_20": 0.2}


def world(spec: Any, arm: str, seed: int) -> tuple[Any, np.ndarray, np.ndarray]:
    """The landscape, starting solutions and neighbours (padded with -1) cisim's experiment builds for an arm."""
    values = {**spec.model, **spec.arms[arm]}
    model = CollectiveImpactModel(rng=seed, **{key.split(".", 1)[1]: value for key, value in values.items()})
    network = model.network
    degree = np.diff(network.offsets)
    neighbours = -np.ones((len(degree), max(1, int(degree.max()))), dtype=int)
    for actor, count in enumerate(degree):
        neighbours[actor, :count] = network.neighbours[network.offsets[actor] : network.offsets[actor] + count]
    return model.landscape, model.solutions.copy(), neighbours


def run(
    landscape: Any,
    solutions: np.ndarray,
    neighbours: np.ndarray,
    rounds: int,
    rng: np.random.Generator,
    velocity: float = 1.0,
    error: float = 0.0,
    search_after_dropped_copy: bool = False,
    to_convergence: bool = False,
    max_rounds: int = 5000,
) -> tuple[np.ndarray, np.ndarray, float]:
    """Scores and distinct solutions per round up to ``rounds``, and the score at the end of the run."""
    maximum = landscape.maximum
    actors, n = solutions.shape
    rows = np.arange(actors)
    scores, distinct = [], []
    round_ = 0
    while True:
        fitness = landscape.raw_fitness(solutions)
        if round_ <= rounds:
            scores.append(float(np.mean((fitness / maximum) ** 8)))
            distinct.append(len(np.unique(solutions, axis=0)))
        heard = np.where(neighbours >= 0, fitness[np.maximum(neighbours, 0)], -np.inf)
        # Converged for good: nobody hears a better solution and nobody's one-element change improves (an actor
        # without neighbours, as an Erdos-Renyi network may leave one, ends on a local peak of its own).
        converged = not (heard.max(axis=1) > fitness).any() and landscape.is_local_peak(solutions).all()
        if converged or round_ >= max_rounds or (round_ >= rounds and not to_convergence):
            break
        best = neighbours[rows, heard.argmax(axis=1)]
        copies = (rng.random(actors) < velocity) & (heard.max(axis=1) > fitness)
        flips = rng.integers(n, size=actors)
        failures = rng.random((actors, n)) < error
        following = solutions.copy()
        source = solutions[best]
        attempt = np.where((source != solutions) & failures, solutions, source)
        kept = copies & (landscape.raw_fitness(attempt) > fitness)
        following[kept] = attempt[kept]
        searching = ~kept if search_after_dropped_copy else ~copies
        trial = solutions.copy()
        trial[rows, flips] ^= True
        improves = searching & (landscape.raw_fitness(trial) > fitness)
        following[improves] = trial[improves]
        solutions = following
        round_ += 1
    scores += [scores[-1]] * (rounds + 1 - len(scores))
    distinct += [distinct[-1]] * (rounds + 1 - len(distinct))
    return np.array(scores), np.array(distinct), float(np.mean((landscape.raw_fitness(solutions) / maximum) ** 8))


def mean_ci(values: Any) -> str:
    """Mean with the half-width of its 95 % interval."""
    values = np.asarray(values, dtype=float)
    return f"{values.mean():.3f} ± {1.96 * values.std(ddof=1) / np.sqrt(len(values)):.3f}"


def main_study(spec: Any, seeds: list[int], shared_draws: bool) -> None:
    """Figure 4, Figure 5's distinct solutions and Table B.1's contests."""
    results: dict[str, list[tuple[np.ndarray, np.ndarray, float]]] = {arm: [] for arm in NETWORKS}
    for seed in seeds:
        for index, arm in enumerate(NETWORKS):
            rng = np.random.default_rng([1, seed] if shared_draws else [1, seed, index])
            results[arm].append(run(*world(spec, arm, seed), 100, rng, to_convergence=True))
    print(f"main study, {'draws shared across networks' if shared_draws else 'each network its own draws'}:")
    for arm in NETWORKS:
        scores = np.array([r[0] for r in results[arm]])
        distinct = np.array([r[1] for r in results[arm]])
        print(
            f"  {arm:12s} round 10 {mean_ci(scores[:, 10])}  round 100 {mean_ci(scores[:, 100])}  "
            f"at convergence {mean_ci([r[2] for r in results[arm]])}  distinct at round 16 {mean_ci(distinct[:, 16])}"
        )
    ends = {arm: np.array([r[2] for r in results[arm]]) for arm in NETWORKS}
    for a, b in itertools.permutations(NETWORKS, 2):
        print(f"  {a} beats {b}: {np.mean(ends[a] > ends[b]):.3f} (ties {np.mean(ends[a] == ends[b]):.3f})")


def velocity_study(spec: Any, seeds: list[int]) -> None:
    """Figure 10: the complete network with actors looking at their neighbours less often."""
    scores: dict[str, list[np.ndarray]] = {arm: [] for arm in VELOCITIES}
    for seed in seeds:
        for index, (arm, velocity) in enumerate(VELOCITIES.items()):
            rng = np.random.default_rng([2, seed, index])
            scores[arm].append(run(*world(spec, "complete", seed), 50, rng, velocity=velocity)[0])
    print("velocity study:")
    for arm, series in scores.items():
        table = np.array(series)
        print(f"  {arm:22s} round 10 {mean_ci(table[:, 10])}  round 50 {mean_ci(table[:, 50])}")


def copy_error_study(spec: Any, seeds: list[int], search_after_dropped_copy: bool) -> None:
    """Figure 11: 20 % copy errors on the linear and complete networks, 400 rounds."""
    scores: dict[str, list[np.ndarray]] = {arm: [] for arm in COPY_ERROR_ARMS}
    for seed in seeds:
        for index, (arm, error) in enumerate(COPY_ERROR_ARMS.items()):
            network = arm.split("_copy", 1)[0]
            rng = np.random.default_rng([3, seed, index])
            outcome = run(
                *world(spec, network, seed), 400, rng, error=error, search_after_dropped_copy=search_after_dropped_copy
            )
            scores[arm].append(outcome[0])
    rule = "search after a dropped copy" if search_after_dropped_copy else "the paper's: keep the status quo"
    print(f"copy-error study ({rule}):")
    final = {arm: np.array(series)[:, 400] for arm, series in scores.items()}
    for arm, values in final.items():
        print(f"  {arm:24s} round 400 {mean_ci(values)}")
    for network in ("linear", "complete"):
        print(f"  gain from errors, {network}: {mean_ci(final[f'{network}_copy_error_20'] - final[network])}")


def main() -> None:
    """Run the paper's rules on the experiment's problems and print the figures docs/validation.md quotes."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--problems", type=int, default=1000, help="problems (the experiment's first ones)")
    parser.add_argument("--shared-draws", action="store_true", help="also run the networks on shared draws")
    parser.add_argument("--main-only", action="store_true", help="only the main study (networks and contests)")
    args = parser.parse_args()
    spec = load_validation(EXPERIMENT, drivers())
    seeds = replicate_seeds(spec.seed, spec.sizes(quick=False)["replicates"])[: args.problems]
    started = time.time()
    main_study(spec, seeds, shared_draws=False)
    if args.shared_draws:
        main_study(spec, seeds, shared_draws=True)
    if not args.main_only:
        velocity_study(spec, seeds)
        copy_error_study(spec, seeds, search_after_dropped_copy=False)
        copy_error_study(spec, seeds, search_after_dropped_copy=True)
    print(f"{len(seeds)} problems, {time.time() - started:.0f} s")


if __name__ == "__main__":
    main()
