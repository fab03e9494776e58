"""Levinthal (1997): the adjacent landscape, peak counting, local search, and the published patterns (quick size)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from cisim.problem import Landscape
from cisim.validation import drivers, run_experiment
from cisim.validation.levinthal import all_fitness, configurations, local_search_step
from cisim.validation.runner import REPRODUCED
from tests.validation.shipped import shipped


def adjacent_landscape(n: int, k: int, rng: np.random.Generator) -> Landscape:
    """Levinthal's landscape as the driver builds it: one domain, element i depending on the k after it."""
    return Landscape(n, 1, k, 0.0, rng, interaction="adjacent")


def is_peak(fitness: np.ndarray, n: int) -> np.ndarray:
    """For each configuration code, whether every one-element neighbour is strictly worse (from the table)."""
    codes = np.arange(fitness.size)
    return (fitness[codes[:, None] ^ (1 << np.arange(n))[None, :]] < fitness[:, None]).all(axis=1)


@pytest.mark.parametrize("k", [0, 1, 3, 9])
def test_each_element_depends_on_itself_and_the_k_elements_after_it(k):
    """Flipping element j changes exactly the contributions of elements j-k .. j (wrapping round)."""
    n = 10
    landscape = adjacent_landscape(n, k, np.random.default_rng(k))
    base = np.random.default_rng(99).random(n) < 0.5
    for j in range(n):
        flipped = base.copy()
        flipped[j] = ~flipped[j]
        changed = np.flatnonzero(landscape.contributions(flipped)[0] != landscape.contributions(base)[0])
        assert set(changed) == {(j - d) % n for d in range(k + 1)}


def test_peak_count_matches_a_plain_loop_over_every_configuration():
    n = 8
    landscape = adjacent_landscape(n, 3, np.random.default_rng(5))
    count = 0
    for code in range(1 << n):
        config = np.array([(code >> i) & 1 for i in range(n)], dtype=bool)
        here = landscape.raw_fitness(config)[0]
        neighbours = np.array([config ^ (np.arange(n) == i) for i in range(n)])
        count += bool((landscape.raw_fitness(neighbours) < here).all())
    assert landscape.local_peaks() == count > 1
    codes = np.arange(1 << n)
    assert landscape.is_local_peak(configurations(codes, n)).sum() == count


def test_the_fitness_table_is_indexed_by_configuration_codes():
    n = 9
    landscape = adjacent_landscape(n, 2, np.random.default_rng(8))
    fitness = all_fitness(landscape)
    codes = np.random.default_rng(1).integers(0, 1 << n, size=20)
    configs = np.array([[(code >> i) & 1 for i in range(n)] for code in codes], dtype=bool)
    assert np.array_equal(fitness[codes], landscape.raw_fitness(configs))


def test_a_landscape_without_interactions_has_one_peak_and_it_is_the_optimum():
    landscape = adjacent_landscape(10, 0, np.random.default_rng(1))
    fitness = all_fitness(landscape)
    peaks = np.flatnonzero(is_peak(fitness, 10))
    assert peaks.size == 1
    assert fitness[peaks[0]] == pytest.approx(landscape.maximum)


def test_local_search_climbs_one_element_at_a_time_and_stops_on_peaks():
    n = 10
    rng = np.random.default_rng(3)
    fitness = all_fitness(adjacent_landscape(n, 4, rng))
    peak = is_peak(fitness, n)
    forms = rng.integers(0, 1 << n, size=200)
    for _ in range(60):
        stepped = local_search_step(forms, fitness, n, rng)
        moved = stepped != forms
        assert (fitness[stepped[moved]] > fitness[forms[moved]]).all()
        assert all(bin(int(a) ^ int(b)).count("1") == 1 for a, b in zip(stepped[moved], forms[moved], strict=True))
        assert not moved[peak[forms]].any()  # an organization on a peak stays
        forms = stepped
    assert peak[forms].all()


def test_one_seed_gives_one_result_and_another_seed_another():
    spec = shipped("levinthal_1997")
    small = replace(spec, parameters={**spec.parameters, "k_values": [2, 6]}, quick={**spec.quick, "landscapes": 4})
    first, second = (run_experiment(small, drivers()[spec.driver], quick=True) for _ in range(2))
    assert first.measurements.measured == second.measurements.measured
    other = run_experiment(replace(small, seed=small.seed + 1), drivers()[spec.driver], quick=True)
    assert other.measurements.measured != first.measurements.measured


def test_quick_run_reproduces_the_published_directions(levinthal_quick):
    """Peaks and converged forms rise with K (every 95 % interval of the differences above 0)."""
    verdicts = {p.spec.name: p.verdict for p in levinthal_quick.patterns}
    assert verdicts["peaks_increase_with_k"] == REPRODUCED
    assert verdicts["forms_increase_with_k"] == REPRODUCED


def test_quick_run_lands_within_the_stated_tolerance_of_the_published_figures(levinthal_quick):
    """Tolerance: reading error plus 3 standard errors of the difference (the experiment file's own).

    One figure is not reproduced, as docs/validation.md says: the forms local search leaves at K = 5 (Figure 1,
    27) are about 29 in cisim, further than the tolerance of about 2 allows.
    """
    verdicts = {p.spec.name: p.verdict for p in levinthal_quick.patterns}
    for name in ("peaks_by_k", "peaks_at_full_interaction", "initial_forms"):
        assert verdicts[name] == REPRODUCED, name
    forms = {row.key: row for p in levinthal_quick.patterns if p.spec.name == "forms_by_k" for row in p.rows}
    assert forms["0"].verdict == forms["1"].verdict == REPRODUCED
    assert forms["5"].verdict != REPRODUCED and forms["5"].estimate.mean > 27.0 + forms["5"].allowed
    measured = levinthal_quick.measurements.measured
    assert measured["peaks_by_k"]["0"] == 1.0
    assert measured["forms_by_k"]["0"] == 1.0
