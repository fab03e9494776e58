"""The one-domain walk finds the codes of the walk that keeps domain sums, exactly."""

import numba
import numpy as np
import pytest

from cisim.problem import Landscape
from cisim.problem import landscape as landscape_module
from cisim.problem.gray_code import SIDE_BY_SIDE_FROM, STRETCHES, _one_domain_extremes, gray_code_extremes


def _general_walk(landscape: Landscape) -> tuple[int, int, np.ndarray, np.ndarray]:
    """The walk with domain sums, on one domain, with an empty second domain so that it keeps them."""
    domain_of = np.zeros(landscape.n_elements, dtype=np.int64)
    return gray_code_extremes(
        np.ascontiguousarray(landscape.tables),
        domain_of,
        2,
        *landscape_module._gray_code_lookups(landscape.dependencies, domain_of),
    )


@pytest.mark.parametrize("interaction", ["random", "with_replacement", "adjacent"])
@pytest.mark.parametrize("n, k", [(1, 0), (2, 1), (5, 0), (8, 3), (10, 9), (12, 5), (15, 4), (16, 2)])
def test_one_domain_walk_finds_the_general_walks_codes(n, k, interaction):
    for seed in range(3):
        landscape = Landscape(n, 1, k, 0.0, np.random.default_rng(1000 * n + 10 * k + seed), interaction=interaction)
        if seed == 2:
            landscape.improve(0, 0.7)  # lifted tables, as after a policy win
        best, worst, domain_best, domain_worst = _general_walk(landscape)
        # With one domain the domain's sum is the total at every step: its codes are the overall ones.
        assert (domain_best[0], domain_worst[0]) == (best, worst)
        lookups = landscape_module._gray_code_lookups(landscape.dependencies, landscape.domain_of)
        assert _one_domain_extremes(np.ascontiguousarray(landscape.tables), *lookups[:2]) == (best, worst)
        codes = gray_code_extremes(
            np.ascontiguousarray(landscape.tables), landscape.domain_of.astype(np.int64), 1, *lookups
        )
        assert (codes[0], codes[1], list(codes[2]), list(codes[3])) == (best, worst, [best], [worst])


@numba.njit  # not cached: a test's compiled code stays out of the source tree
def _reference_walk(tables, domain_of, n_domains, dependents, toggles, touched_domains):  # pragma: no cover
    """The walk as it was before the one-domain walk (one loop for every landscape), kept as the reference."""
    n = tables.shape[0]
    index = np.zeros(n, np.int64)
    domain_sum = np.zeros(n_domains)
    total = 0.0
    for i in range(n):
        total += tables[i, 0]
        domain_sum[domain_of[i]] += tables[i, 0]
    best = total
    worst = total
    best_code = 0
    worst_code = 0
    domain_best = domain_sum.copy()
    domain_worst = domain_sum.copy()
    domain_best_code = np.zeros(n_domains, np.int64)
    domain_worst_code = np.zeros(n_domains, np.int64)
    code = 0
    for step in range(1, 1 << n):
        flipped = 0
        rest = step
        while (rest & 1) == 0:
            rest >>= 1
            flipped += 1
        code ^= 1 << flipped
        for q in range(dependents.shape[1]):
            i = dependents[flipped, q]
            if i < 0:
                break
            old = tables[i, index[i]]
            index[i] ^= toggles[flipped, q]
            delta = tables[i, index[i]] - old
            total += delta
            domain_sum[domain_of[i]] += delta
        if (step & ((1 << 14) - 1)) == 0:
            total = 0.0
            domain_sum[:] = 0.0
            for i in range(n):
                total += tables[i, index[i]]
                domain_sum[domain_of[i]] += tables[i, index[i]]
        if total > best:
            best = total
            best_code = code
        elif total < worst:
            worst = total
            worst_code = code
        for q in range(touched_domains.shape[1]):
            d = touched_domains[flipped, q]
            if d < 0:
                break
            if domain_sum[d] > domain_best[d]:
                domain_best[d] = domain_sum[d]
                domain_best_code[d] = code
            elif domain_sum[d] < domain_worst[d]:
                domain_worst[d] = domain_sum[d]
                domain_worst_code[d] = code
    return best_code, worst_code, domain_best_code, domain_worst_code


def _assert_the_reference_walks_codes(arguments: tuple, case: tuple) -> None:
    """``gray_code_extremes`` finds the plain walk's codes, overall and per domain."""
    best, worst, domain_best, domain_worst = gray_code_extremes(*arguments)
    expected = _reference_walk(*arguments)
    assert (best, worst, list(domain_best), list(domain_worst)) == (
        expected[0],
        expected[1],
        list(expected[2]),
        list(expected[3]),
    ), case


@pytest.mark.parametrize("n", range(2, 18))
def test_walk_finds_the_reference_walks_codes(n):
    """Every walk (one domain or several) finds exactly the codes of the plain walk, on random landscapes.

    K from 0 to N - 1, partners drawn with and without replacement (and adjacent), lifted tables as after policy
    wins; N above 14 runs long enough to resynchronise the sums.
    """
    rng = np.random.default_rng(n)
    for trial in range(12):
        k = int(rng.integers(0, n)) if trial > 1 else (0, n - 1)[trial]
        n_domains = 1 if trial % 2 == 0 else int(rng.integers(1, n + 1))
        interaction = ("with_replacement", "random", "adjacent")[trial % 3]
        landscape = Landscape(n, n_domains, k, float(rng.random()), rng, interaction=interaction)
        if trial % 4 == 3:
            landscape.improve(int(rng.integers(n)), 0.6)
        arguments = (
            np.ascontiguousarray(landscape.tables),
            landscape.domain_of.astype(np.int64),
            n_domains,
            *landscape_module._gray_code_lookups(landscape.dependencies, landscape.domain_of),
        )
        _assert_the_reference_walks_codes(arguments, (n, k, n_domains, interaction))


@pytest.mark.parametrize(
    "n, k, interaction", [(19, 5, "with_replacement"), (19, 2, "random"), (20, 5, "with_replacement")]
)
def test_the_walk_side_by_side_finds_the_plain_walks_codes(n, k, interaction):
    """From ``SIDE_BY_SIDE_FROM`` elements the one-domain walk runs in stretches; it finds the plain walk's codes.

    Random tables, lifted ones (as after a policy win), and tables of quarters, whose sums are exact: there
    every sum is reached by many configurations, so the codes are those of the first best and first worst in
    the walk's order only if the stretches keep each one's first and compare them in order.
    """
    assert n >= SIDE_BY_SIDE_FROM and (1 << n) // STRETCHES % (1 << 14) == 0
    for seed in range(3):
        landscape = Landscape(n, 1, k, 0.0, np.random.default_rng(7000 + 10 * n + seed), interaction=interaction)
        tables = np.ascontiguousarray(landscape.tables)
        if seed == 1:
            landscape.improve(3, 0.7)
            tables = np.ascontiguousarray(landscape.tables)
        if seed == 2:
            tables = np.round(tables * 4) / 4  # quarters: many configurations with exactly the same sum
        domain_of = np.zeros(n, dtype=np.int64)
        lookups = landscape_module._gray_code_lookups(landscape.dependencies, domain_of)
        expected = _reference_walk(tables, domain_of, 1, *lookups)
        assert _one_domain_extremes(tables, *lookups[:2]) == (expected[0], expected[1]), (n, k, seed)


@pytest.mark.parametrize("n, k, n_domains", [(19, 5, 4), (19, 1, 7), (20, 6, 2)])
def test_the_walk_with_domains_side_by_side_finds_the_plain_walks_codes(n, k, n_domains):
    """The walk with domain sums, in stretches from ``SIDE_BY_SIDE_FROM`` elements: the plain walk's codes.

    As for one domain: random, lifted and quarter tables (many exact ties, overall and within domains).
    """
    for seed in range(3):
        rng = np.random.default_rng(8000 + 10 * n + seed)
        landscape = Landscape(n, n_domains, k, 0.5, rng, interaction=("random", "with_replacement", "adjacent")[seed])
        if seed == 1:
            landscape.improve(2, 0.7)
        tables = np.ascontiguousarray(landscape.tables)
        if seed == 2:
            tables = np.round(tables * 4) / 4
        arguments = (
            tables,
            landscape.domain_of.astype(np.int64),
            n_domains,
            *landscape_module._gray_code_lookups(landscape.dependencies, landscape.domain_of),
        )
        _assert_the_reference_walks_codes(arguments, (n, k, n_domains, seed))
