"""The one-domain walk finds the codes of the walk that keeps domain sums, exactly."""

import numpy as np
import pytest

from cisim.problem import Landscape
from cisim.problem import landscape as landscape_module
from cisim.problem.gray_code import _one_domain_extremes, gray_code_extremes


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
