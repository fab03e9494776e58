"""Adjacent interactions and local-peak counting on cisim's landscape, until the landscape offers them itself.

TEMPORARY SHIM, to be replaced when ``Landscape(..., interaction="adjacent")`` and ``Landscape.local_peaks()``
are on main: ``adjacent_landscape(n, k, rng)`` becomes ``Landscape(n, 1, k, 0.0, rng, interaction="adjacent")``
and ``local_peaks(landscape)`` becomes ``landscape.local_peaks()``. Nothing else in ``cisim.validation``
depends on how these two are built; the tests in ``tests/validation`` check the structure through public
evaluation only (``contributions``), so they keep guarding the swap.
"""

from __future__ import annotations

import numpy as np

from cisim.problem import Landscape


def adjacent_landscape(n_elements: int, k: int, rng: np.random.Generator) -> Landscape:
    """An NK landscape on cisim's ``Landscape`` where element i depends on itself and the k elements after it.

    The interactions wrap round (element n-1 is followed by element 0), as in Levinthal (1997, footnote 4).
    Contribution tables are drawn uniformly on [0, 1] by ``Landscape`` itself.
    """
    return Landscape(n_elements, 1, k, 0.0, rng, interaction="adjacent")


def local_peaks(landscape: Landscape) -> int:
    """How many configurations no one-element change improves (exhaustive; small landscapes only)."""
    fitness = all_fitness(landscape)
    return int(is_peak(fitness, landscape.n_elements).sum())


def all_fitness(landscape: Landscape) -> np.ndarray:
    """Raw fitness of every configuration, indexed by the configuration read as a binary number."""
    n = landscape.n_elements
    codes = np.arange(1 << n)
    return landscape.raw_fitness((codes[:, None] >> np.arange(n)) & 1 > 0)


def is_peak(fitness: np.ndarray, n_elements: int) -> np.ndarray:
    """For each configuration code, whether every one-element neighbour is strictly worse."""
    codes = np.arange(fitness.size)
    neighbours = codes[:, None] ^ (1 << np.arange(n_elements))[None, :]
    return (fitness[neighbours] < fitness[:, None]).all(axis=1)
