import itertools

import numpy as np
import pytest

from cisim.problem import Landscape


def brute_force(landscape: Landscape) -> np.ndarray:
    """Fitness of every configuration by a plain Python loop over elements, for cross-checking."""
    n = landscape.n_elements
    values = []
    for bits in itertools.product([0, 1], repeat=n):
        config = np.array(bits[::-1])
        total = 0.0
        for i in range(n):
            index = sum(int(config[d]) << j for j, d in enumerate(landscape.dependencies[i]))
            total += landscape.tables[i, index]
        values.append(total / n)
    return np.array(values)


@pytest.mark.parametrize("k", [0, 2, 5])
def test_exhaustive_extremes_match_a_brute_force_loop(k):
    landscape = Landscape(8, 2, k, 0.5, np.random.default_rng(k))
    values = brute_force(landscape)
    assert landscape.maximum == pytest.approx(values.max())
    assert landscape.minimum == pytest.approx(values.min())
    assert landscape.outcome(landscape.optimum)[0] == pytest.approx(1.0)


def test_batch_evaluation_equals_one_at_a_time():
    rng = np.random.default_rng(3)
    landscape = Landscape(12, 3, 4, 0.75, rng)
    configs = rng.random((50, 12)) < 0.5
    batch = landscape.outcome(configs)
    single = [landscape.outcome(c)[0] for c in configs]
    np.testing.assert_allclose(batch, single)
    assert ((batch >= 0) & (batch <= 1)).all()


def test_technical_problem_is_decomposable():
    landscape = Landscape(10, 2, 0, 0.0, np.random.default_rng(1))
    best_per_element = landscape.tables.argmax(axis=1).astype(bool)
    np.testing.assert_array_equal(landscape.optimum, best_per_element)


@pytest.mark.parametrize(("k", "k_across"), [(4, 0.0), (4, 0.5), (4, 1.0), (6, 0.75)])
def test_interactions_reach_other_domains_in_the_stated_share(k, k_across):
    landscape = Landscape(16, 4, k, k_across, np.random.default_rng(2))
    partners = landscape.dependencies[:, 1:]
    across = landscape.domain_of[partners] != landscape.domain_of[:, None]
    room_within = 16 // 4 - 1  # a domain of 4 elements leaves 3 partners inside it
    expected = max(round(k * k_across), k - room_within)
    assert across.sum(axis=1).tolist() == [expected] * 16
    assert all(len(set(row)) == k + 1 for row in landscape.dependencies)


def test_turbulence_redraws_tables_and_renormalises():
    rng = np.random.default_rng(5)
    landscape = Landscape(10, 2, 3, 0.5, rng)
    before = landscape.tables.copy()
    redrawn = landscape.redraw(0.5, rng)
    changed_rows = (landscape.tables != before).any(axis=1).sum()
    assert redrawn == changed_rows > 0
    assert landscape.outcome(landscape.optimum)[0] == pytest.approx(1.0)


def test_policy_win_lifts_outcomes_of_every_configuration():
    rng = np.random.default_rng(6)
    landscape = Landscape(10, 2, 3, 0.5, rng)
    configs = rng.random((200, 10)) < 0.5
    before = landscape.outcome(configs)
    landscape.improve(4, 0.5)
    assert (landscape.outcome(configs) >= before).all()


def test_estimated_optimum_is_close_to_the_exact_one():
    landscape = Landscape(14, 2, 4, 0.5, np.random.default_rng(8))
    estimated_min, estimated_max, _ = landscape._estimated_extremes(np.random.default_rng(9))
    assert estimated_max <= landscape.maximum + 1e-12
    assert estimated_max >= landscape.maximum - 0.02
    assert estimated_min >= landscape.minimum - 1e-12


def test_large_problems_use_a_documented_estimate():
    landscape = Landscape(30, 5, 4, 0.5, np.random.default_rng(1))
    assert not landscape.optimum_is_exact
    assert landscape.outcome(landscape.optimum)[0] == pytest.approx(1.0)
