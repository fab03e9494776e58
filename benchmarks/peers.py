"""cisim's model against a plain numpy model and a tight numba kernel, on the same Lazer & Friedman problems.

Usage (from the repository root, after scripts/setup.sh):

    .venv/bin/python benchmarks/peers.py [--problems 200] [--rounds 100] [--draws keyed] [--json FILE]

The work is Lazer & Friedman (2007)'s main study as ``experiments/validation/lazer_friedman_2007.toml`` sets
it: N = 20, K = 5 (each element's K links drawn with replacement), 100 agents each holding its own solution,
on the linear and the complete network. Each round an agent copies its best neighbour if that neighbour's
solution is strictly better, and otherwise flips one random element and keeps the change if it is better;
everyone updates on the previous round's solutions. Score: the mean over agents of (fitness / maximum) ** 8.

cisim builds every problem (``CollectiveImpactModel`` from the experiment file's values, at the replicate
seeds of the validation driver) and exports it: the contribution tables and links of the landscape, its
exact maximum, the agents' starting solutions and the network's neighbour lists. The contenders run on those
arrays:

- **cisim**: the model itself, ``model.step()`` for every round (stepping), and built from its values first
  (end to end: the landscape, its exact optimum, the network, the agents); and ``cisim validate``'s driver on
  the same problems (its two arms built, scored and checked for convergence every round, an arm stopped once
  converged), from nothing to the end;
- **numpy**: a plain vectorised implementation, every agent's fitness and choice as array operations per round;
  end to end, it first finds the problem's optimum by valuing every configuration in chunks;
- **numba**: a tight compiled kernel over all rounds, each agent's fitness kept per element and updated
  incrementally when one element flips; end to end, it first finds the optimum by a compiled walk over every
  configuration in Gray-code order.

Each problem's optimum is found once and serves both networks, by every contender alike. The contenders
alternate problem by problem, so a machine whose load changes affects each alike. Rates are agent-rounds per
second (agents x rounds / seconds; the driver's rounds are those it ran); numpy and numba use their own random numbers
(seeded), so their scores match cisim's in distribution, not draw for draw. Equivalence check: on every
problem the contenders' reading of the exported tables gives cisim's ``Landscape.contributions`` exactly on
the starting solutions, each peer's optimum equals cisim's exact maximum, and each contender's mean final score
over the problems lies within ±0.005 of cisim's, tested as two one-sided tests on the runs paired by problem and
network (the 90 % t-interval of the mean paired difference inside ±0.005: equivalent; wholly outside: not
equivalent, status 1; else too few problems to tell, said as such). The two targets of issue 24 are printed with
their ratios: cisim's stepping against plain numpy's, and the driver's rate against the tight kernel's end to end.
``--draws keyed`` runs cisim's model and driver with ``run.draws = "keyed"`` (other random numbers than the
experiment file's sequential draws, the same rules).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import time
from dataclasses import dataclass, replace
from pathlib import Path

import numba
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
NETWORKS = ("linear", "complete")
#: How far a contender's mean final score over the problems may lie from cisim's.
EQUIVALENCE = 0.005


def equivalence(differences: np.ndarray) -> tuple[str, float, float]:
    """Two one-sided tests at 5 % of a mean paired difference against ±EQUIVALENCE: verdict and 90 % t-interval.

    ``yes`` (the interval inside the margin), ``NO`` (wholly outside it) or ``not settled`` (it straddles a bound:
    more problems would tell). A contender with its own random numbers matches cisim in distribution only, so a
    fixed margin on the means alone says NO by chance on a few problems and nothing about precision on many.
    """
    from scipy import stats

    mean = float(np.mean(differences))
    if len(differences) < 2 or not np.any(differences != differences[0]):
        return ("yes" if abs(mean) <= EQUIVALENCE else "NO"), mean, mean
    half = float(stats.t.ppf(0.95, len(differences) - 1) * stats.sem(differences))
    low, high = mean - half, mean + half
    if low >= -EQUIVALENCE and high <= EQUIVALENCE:
        return "yes", low, high
    if high < -EQUIVALENCE or low > EQUIVALENCE:
        return "NO", low, high
    return "not settled", low, high


def problems_to_settle(differences: np.ndarray, runs_per_problem: int) -> int:
    """Problems the two one-sided tests would need to settle ``differences``' mean inside ±EQUIVALENCE, if the mean
    and spread stay as measured; 0 when the mean lies within a fifth of the margin's edge or beyond (too close to
    the margin for an estimate worth printing)."""
    from scipy import stats

    room = EQUIVALENCE - abs(float(np.mean(differences)))
    if room <= 0.2 * EQUIVALENCE:
        return 0
    runs = (stats.norm.ppf(0.95) * float(np.std(differences, ddof=1)) / room) ** 2
    return math.ceil(runs / runs_per_problem)


@dataclass(frozen=True)
class Problem:
    """One exported problem: the landscape, the starting solutions and the network, as plain arrays."""

    dependencies: np.ndarray  # (N, K + 1): element i's table index has bit p from element dependencies[i, p]
    tables: np.ndarray  # (N, 2 ** (K + 1)) contributions
    maximum: float  # the landscape's exact highest raw fitness
    solutions: np.ndarray  # (agents, N) booleans at the start
    offsets: np.ndarray  # agent i's neighbours are neighbours[offsets[i]:offsets[i + 1]]
    neighbours: np.ndarray


def model_values(network: str) -> dict:
    """The flat keyword values of the validation experiment's main study for one network arm."""
    from cisim.validation import drivers, load_validation

    spec = load_validation(ROOT / "experiments" / "validation" / "lazer_friedman_2007.toml", drivers())
    values = {**spec.model, **spec.arms[network], **spec.studies["main"].overrides}
    return {key.split(".", 1)[1]: value for key, value in values.items()}


def build(values: dict, seed: int):
    """cisim's model for one problem, as the validation driver builds it (no per-step outputs collected)."""
    from cisim.model import CollectiveImpactModel

    try:
        from cisim.validation.model import COLLECT_EVERY
    except ImportError:  # a cisim from before the drivers stopped collecting per-step outputs
        COLLECT_EVERY = 1
    return CollectiveImpactModel(rng=seed, **{"collect_every": COLLECT_EVERY, **values})


def export(model) -> Problem:
    """A model's problem as arrays, read through its public attributes."""
    landscape, network = model.landscape, model.network
    return Problem(
        landscape.dependencies.copy(),
        landscape.tables.copy(),
        float(landscape.maximum),
        np.array(model.solutions, dtype=bool, copy=True),
        network.offsets.astype(np.int64),
        network.neighbours.astype(np.int64),
    )


def score(fitness: np.ndarray, maximum: float) -> float:
    """Lazer & Friedman's score: the mean over agents of (fitness / maximum) ** 8."""
    return float(np.mean((fitness / maximum) ** 8))


# ----------------------------------------------------------------------------------------------- numpy


def numpy_contributions(solutions: np.ndarray, problem: Problem) -> np.ndarray:
    """Every element's table entry for each row of ``solutions``, shape ``(agents, N)``."""
    weights = 1 << np.arange(problem.dependencies.shape[1])
    index = (solutions[:, problem.dependencies] * weights).sum(axis=2)
    return problem.tables[np.arange(problem.tables.shape[0]), index]


def numpy_fitness(solutions: np.ndarray, problem: Problem) -> np.ndarray:
    """Raw fitness of each row of ``solutions``: the mean of every element's table entry."""
    return numpy_contributions(solutions, problem).mean(axis=1)


def numpy_maximum(problem: Problem, chunk: int = 1 << 15) -> float:
    """The highest raw fitness over every configuration, in chunks of configurations as array operations."""
    n = problem.tables.shape[0]
    bits = 1 << np.arange(n)
    best = -np.inf
    for first in range(0, 1 << n, chunk):
        codes = np.arange(first, min(first + chunk, 1 << n))
        configs = (codes[:, None] & bits) != 0
        best = max(best, float(numpy_fitness(configs, problem).max()))
    return best


def numpy_run(problem: Problem, rounds: int, seed: int) -> float:
    """Every agent at once, round by round, in numpy; the final score."""
    rng = np.random.default_rng(seed)
    solutions = problem.solutions.copy()
    agents, n = solutions.shape
    degree = np.diff(problem.offsets)
    width = int(degree.max())
    # neighbours as a padded matrix: agent i's row holds its neighbours, then -1
    padded = np.full((agents, width), -1)
    column = np.arange(len(problem.neighbours)) - np.repeat(problem.offsets[:-1], degree)
    padded[np.repeat(np.arange(agents), degree), column] = problem.neighbours
    fitness = numpy_fitness(solutions, problem)
    rows = np.arange(agents)
    for _ in range(rounds):
        heard = np.where(padded >= 0, fitness[padded], -np.inf)
        best = padded[rows, heard.argmax(axis=1)]
        copies = heard.max(axis=1) > fitness
        searching = np.flatnonzero(~copies)
        candidates = solutions[searching].copy()
        flipped = rng.integers(0, n, len(searching))
        candidates[np.arange(len(searching)), flipped] ^= True
        candidate_fitness = numpy_fitness(candidates, problem)
        keeps = candidate_fitness > fitness[searching]
        stepped, stepped_fitness = solutions.copy(), fitness.copy()
        stepped[copies], stepped_fitness[copies] = solutions[best[copies]], fitness[best[copies]]
        stepped[searching[keeps]] = candidates[keeps]
        stepped_fitness[searching[keeps]] = candidate_fitness[keeps]
        solutions, fitness = stepped, stepped_fitness
    return score(fitness, problem.maximum)


# ----------------------------------------------------------------------------------------------- numba


def flip_lists(dependencies: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each element j: the elements whose table index it sets and the bits it sets there (CSR)."""
    n = dependencies.shape[0]
    starts, elements, masks = [0], [], []
    for j in range(n):
        for i in range(n):
            mask = sum(1 << p for p in range(dependencies.shape[1]) if dependencies[i, p] == j)
            if mask:
                elements.append(i)
                masks.append(mask)
        starts.append(len(elements))
    return np.array(starts), np.array(elements), np.array(masks)


@numba.njit(cache=True)
def _seed_numba(seed: int) -> None:
    np.random.seed(seed)


@numba.njit(cache=True)
def _numba_rounds(
    solutions: np.ndarray,
    index: np.ndarray,
    tables: np.ndarray,
    offsets: np.ndarray,
    neighbours: np.ndarray,
    starts: np.ndarray,
    elements: np.ndarray,
    masks: np.ndarray,
    rounds: int,
) -> np.ndarray:
    """All rounds for all agents: copy the best neighbour if better, else flip one element if that is better.

    ``index[a, i]`` is agent a's row in element i's table; a flip of element j changes only the elements
    ``elements[starts[j]:starts[j + 1]]``, whose indexes toggle ``masks``. Sums of contributions stand for
    fitness (the mean times N), so comparisons are the same.
    """
    agents, n = solutions.shape
    total = np.zeros(agents)
    for a in range(agents):
        for i in range(n):
            total[a] += tables[i, index[a, i]]
    next_solutions, next_index, next_total = solutions.copy(), index.copy(), total.copy()
    for _ in range(rounds):
        for a in range(agents):
            best, best_total = -1, total[a]
            for slot in range(offsets[a], offsets[a + 1]):
                other = neighbours[slot]
                if total[other] > best_total:
                    best, best_total = other, total[other]
            if best >= 0:
                next_solutions[a, :] = solutions[best, :]
                next_index[a, :] = index[best, :]
                next_total[a] = total[best]
                continue
            j = np.random.randint(n)
            change = 0.0
            for slot in range(starts[j], starts[j + 1]):
                i = elements[slot]
                change += tables[i, index[a, i] ^ masks[slot]] - tables[i, index[a, i]]
            next_solutions[a, :] = solutions[a, :]
            next_index[a, :] = index[a, :]
            next_total[a] = total[a]
            if change > 0.0:
                next_solutions[a, j] = not solutions[a, j]
                for slot in range(starts[j], starts[j + 1]):
                    next_index[a, elements[slot]] ^= masks[slot]
                next_total[a] = total[a] + change
        solutions, next_solutions = next_solutions, solutions
        index, next_index = next_index, index
        total, next_total = next_total, total
    return total


@numba.njit(cache=True)
def _numba_best_code(tables: np.ndarray, starts: np.ndarray, elements: np.ndarray, masks: np.ndarray) -> int:
    """The code of the best configuration, by a walk over all of them in Gray-code order (one flip a step)."""
    n = tables.shape[0]
    index = np.zeros(n, dtype=np.int64)
    total = 0.0
    for i in range(n):
        total += tables[i, 0]
    best, best_code, code = total, 0, 0
    for step in range(1, 1 << n):
        j = 0
        while not (step >> j) & 1:
            j += 1
        code ^= 1 << j
        for slot in range(starts[j], starts[j + 1]):
            i = elements[slot]
            old = tables[i, index[i]]
            index[i] ^= masks[slot]
            total += tables[i, index[i]] - old
        if total > best:
            best, best_code = total, code
    return best_code


def numba_maximum(problem: Problem) -> float:
    """The highest raw fitness, by the compiled Gray-code walk; the best configuration valued afresh."""
    n = problem.tables.shape[0]
    code = _numba_best_code(problem.tables, *flip_lists(problem.dependencies))
    best = (code >> np.arange(n)) & 1 == 1
    return float(numpy_fitness(best[None, :], problem)[0])


def numba_run(problem: Problem, rounds: int, seed: int) -> float:
    """The compiled kernel on one problem; the final score."""
    weights = 1 << np.arange(problem.dependencies.shape[1])
    index = (problem.solutions[:, problem.dependencies] * weights).sum(axis=2).astype(np.int64)
    starts, elements, masks = flip_lists(problem.dependencies)
    _seed_numba(seed)
    total = _numba_rounds(
        problem.solutions.copy(),
        index,
        problem.tables,
        problem.offsets,
        problem.neighbours,
        starts,
        elements,
        masks,
        rounds,
    )
    return score(total / problem.tables.shape[0], problem.maximum)


# ----------------------------------------------------------------------------------------------- cisim


def cisim_run(values: dict, seed: int, rounds: int) -> tuple[float, float, float, Problem]:
    """cisim's model: seconds to build, seconds to step, the final score, and the problem it exported."""
    start = time.perf_counter()
    model = build(values, seed)
    built = time.perf_counter()
    problem = export(model)  # before stepping: the starting solutions
    stepping = time.perf_counter()
    for _ in range(rounds):
        model.step()
    stepped = time.perf_counter()
    final = score(model.landscape.raw_fitness(model.solutions), model.landscape.maximum)
    return built - start, stepped - stepping, final, problem


def driver_run(spec, seed: int, rounds: int) -> tuple[float, int]:
    """``cisim validate``'s driver on one problem, its linear and complete arms from the start: seconds, agent-rounds.

    The driver builds each arm's model, reads the score and the distinct solutions every round and stops an arm
    once its population has converged (``rounds`` at most). The problem's optimum is found afresh (the process
    keeps the optima it found for arms that share a problem; an earlier contender's is forgotten first).
    """
    from cisim.problem import landscape
    from cisim.validation.lazer_friedman import _run_replicate

    study = replace(spec.studies["main"], arms=NETWORKS, rounds=rounds)
    landscape._SEARCHES.clear()
    start = time.perf_counter()
    runs = _run_replicate(spec, study, seed, rounds)
    seconds = time.perf_counter() - start
    agents = spec.model["organizations.n_organizations"]
    stepped = sum(rounds if np.isnan(run.end_round) else int(run.end_round) for run in runs.values())
    return seconds, agents * stepped


def check_contributions(problem: Problem, values: np.ndarray) -> None:
    """The contenders read the exported problem as cisim does: every element's contribution, exactly."""
    if not np.array_equal(numpy_contributions(problem.solutions, problem), values):
        raise SystemExit("the exported problem's contributions differ from cisim's Landscape.contributions")


def main() -> None:
    """Measure, check equivalence and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--problems", type=int, default=200, help="problems per network")
    parser.add_argument("--rounds", type=int, default=100)
    parser.add_argument("--draws", choices=("sequential", "keyed"), default="sequential", help="cisim's run.draws")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    options = parser.parse_args()
    from cisim.experiments.runs import replicate_seeds
    from cisim.problem import landscape
    from cisim.validation import drivers, load_validation

    values = {network: {**model_values(network), "draws": options.draws} for network in NETWORKS}
    spec = load_validation(ROOT / "experiments" / "validation" / "lazer_friedman_2007.toml", drivers())
    spec = replace(spec, model={**spec.model, "run.draws": options.draws})
    seeds = replicate_seeds(2007, options.problems)
    agents = values["linear"]["n_organizations"]
    # warm up: compile or load every compiled function before anything is timed
    _, _, _, warm = cisim_run(values["complete"], seeds[0], 2)
    numba_run(warm, 2, 0)
    numba_maximum(warm)
    driver_run(spec, seeds[0], 2)
    seconds = dict.fromkeys(("cisim build", "cisim", "numpy", "numba", "numpy optimum", "numba optimum"), 0.0)
    driver_seconds, driver_work = 0.0, 0
    finals: dict[str, dict[str, list[float]]] = {c: {n: [] for n in NETWORKS} for c in ("cisim", "numpy", "numba")}
    load_before = os.getloadavg()
    for number, seed in enumerate(seeds):
        landscape._SEARCHES.clear()  # each problem's optimum found once, shared by its two networks, as by each peer
        for network in NETWORKS:
            building, stepping, final, problem = cisim_run(values[network], seed, options.rounds)
            seconds["cisim build"] += building
            seconds["cisim"] += stepping
            finals["cisim"][network].append(final)
            model = build(values[network], seed)
            check_contributions(problem, model.landscape.contributions(problem.solutions))
            for name, run in (("numpy", numpy_run), ("numba", numba_run)):
                start = time.perf_counter()
                finals[name][network].append(run(problem, options.rounds, number))
                seconds[name] += time.perf_counter() - start
        for name, find in (("numpy", numpy_maximum), ("numba", numba_maximum)):
            start = time.perf_counter()
            found = find(problem)
            seconds[f"{name} optimum"] += time.perf_counter() - start
            if not math.isclose(found, problem.maximum, rel_tol=1e-12):
                raise SystemExit(f"{name}'s optimum {found!r} differs from cisim's exact maximum {problem.maximum!r}")
        taken, work_done = driver_run(spec, seed, options.rounds)
        driver_seconds += taken
        driver_work += work_done
    load_after = os.getloadavg()
    work = agents * options.rounds * options.problems * len(NETWORKS)
    stepping = {name: work / seconds[name] for name in ("cisim", "numpy", "numba")}
    end_to_end = {
        "cisim": work / (seconds["cisim"] + seconds["cisim build"]),
        "numpy": work / (seconds["numpy"] + seconds["numpy optimum"]),
        "numba": work / (seconds["numba"] + seconds["numba optimum"]),
    }
    driver_rate = driver_work / driver_seconds
    means = {name: {n: float(np.mean(v)) for n, v in by_network.items()} for name, by_network in finals.items()}
    overall = {
        name: float(np.mean([v for vs in by_network.values() for v in vs])) for name, by_network in finals.items()
    }
    paired = {
        name: np.concatenate([np.subtract(finals[name][n], finals["cisim"][n]) for n in NETWORKS]) for name in finals
    }
    verdicts = {name: equivalence(paired[name]) for name in finals}
    print(
        f"\nLazer & Friedman main study: N = 20, K = 5, {agents} agents, {options.rounds} rounds, "
        f"{options.problems} problems x {len(NETWORKS)} networks; load average {load_before[0]:.1f} before, "
        f"{load_after[0]:.1f} after, {os.cpu_count()} cores\n"
    )
    print(
        "| contender | stepping, agent-rounds/s | end to end (set-up, optimum, rounds) | mean final score, "
        "linear / complete | difference from cisim, 90 % interval | within ±0.005 |"
    )
    print("| --- | ---: | ---: | ---: | ---: | --- |")
    labels = {"cisim": "cisim's model", "numpy": "plain numpy", "numba": "tight numba kernel"}
    for name, label in labels.items():
        verdict, low, high = verdicts[name]
        shown = "" if name == "cisim" else f"{np.mean(paired[name]):+.4f} [{low:+.4f}, {high:+.4f}]"
        print(
            f"| {label} | {stepping[name] / 1e3:,.0f} k | {end_to_end[name] / 1e3:,.0f} k | "
            f"{means[name]['linear']:.4f} / {means[name]['complete']:.4f} | {shown} | {verdict} |"
        )
    print(
        f"| cisim's validate driver (stops a converged arm) | | {driver_rate / 1e3:,.0f} k "
        f"({driver_work / (agents * options.problems * len(NETWORKS)):.1f} rounds an arm on average) | | | |"
    )
    targets = [
        ("cisim stepping at least as fast as plain numpy", stepping["cisim"] / stepping["numpy"], 1.0),
        ("validate driver within 2x of the tight kernel end to end", driver_rate / end_to_end["numba"], 0.5),
    ]
    print("\n| target | ratio | needed | met |\n| --- | ---: | ---: | --- |")
    for label, ratio, needed in targets:
        print(f"| {label} | {ratio:.3g} | {needed:g} or more | {'yes' if ratio >= needed else 'no'} |")
    said = {verdict for verdict, _, _ in verdicts.values()}
    equivalent = "NO" if "NO" in said else "not settled" if "not settled" in said else "yes"
    if equivalent == "not settled":
        needed = [problems_to_settle(paired[name], len(NETWORKS)) for name in finals if name != "cisim"]
        equivalent += (
            f" (about {max(needed):,} problems would settle it, if the differences stay as measured)"
            if all(needed)
            else " (a mean difference this close to the margin would need far more problems)"
        )
    print(
        f"\nequivalence: every contender's mean final score over the {options.problems * len(NETWORKS)} runs within "
        f"±{EQUIVALENCE} of cisim's ({overall['cisim']:.4f}; two one-sided tests, paired by problem and network): "
        f"{equivalent}; "
        "every problem's exported contributions equal to cisim's exactly, and each peer's optimum equal to "
        "cisim's exact maximum: yes"
    )
    if options.json:
        figures = {
            "problems": options.problems,
            "rounds": options.rounds,
            "draws": options.draws,
            "agent_rounds_per_second": {"stepping": stepping, "end_to_end": end_to_end, "validate_driver": driver_rate},
            "targets": {label: ratio for label, ratio, _ in targets},
            "mean_final_score": means,
            "load_average": [load_before[0], load_after[0]],
            "equivalent": equivalent,
        }
        options.json.write_text(json.dumps(figures, indent=2) + "\n")
    if equivalent == "NO":
        raise SystemExit(1)


if __name__ == "__main__":
    main()
