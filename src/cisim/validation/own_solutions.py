"""One round's reading of organizations that each hold their own solution, in one compiled call.

The Lazer & Friedman driver reads its population every round: each organization's raw fitness (for the score),
how many distinct solutions there are, and whether the population has converged for good. Written with numpy
(``lazer_friedman.score``, ``distinct`` and ``has_converged``, kept as the reference), that is some thirty array
calls a round whose fixed costs came to about half as much time as the model's step itself for 100
organizations. Here they are one compiled loop (:func:`read_population`) that gives the same numbers to the last
bit: each fitness is its contributions summed in numpy's pairwise order (``compiled.numpy_sum``) and divided by
the number of elements, as ``Landscape.raw_fitness`` computes it row by row, and the convergence test compares
those same values. The score's powers are left to numpy (see ``lazer_friedman._run_replicate``): numpy's
vectorised ``power`` may round differently in the last bit from the scalar ``pow`` compiled code calls.
"""

from __future__ import annotations

import numpy as np

from cisim.problem.compiled import inlined, kernel, numpy_sum, table_index


@kernel
def read_population(
    solutions: np.ndarray,
    tables: np.ndarray,
    index_tables: np.ndarray,
    maximum: float,
    offsets: np.ndarray,
    neighbours: np.ndarray,
) -> tuple[np.ndarray, int, bool]:
    """Each organization's raw fitness over the maximum, the number of distinct solutions, and convergence.

    Args:
        solutions: each organization's configuration, ``(O, N)`` booleans.
        tables: the contribution tables in force, flattened (``Landscape.tables.ravel()``).
        index_tables: the landscape's byte look-up tables (``Landscape.index_tables``).
        maximum: the landscape's highest raw fitness.
        offsets: where each organization's neighbours start in ``neighbours`` (``Network.offsets``).
        neighbours: the network's neighbour lists: organization ``o``'s are ``neighbours[offsets[o]:offsets[o + 1]]``.

    Returns:
        ``fitness / maximum`` per organization (``Landscape.raw_fitness(solutions) / maximum``), the number of
        distinct rows of ``solutions`` (``lazer_friedman.distinct``), and whether nobody has a neighbour with a
        strictly higher fitness and no single change raises any solution's fitness
        (``lazer_friedman.has_converged``).
    """
    count, n = solutions.shape
    index = np.empty(n, dtype=np.intp)
    contributions = np.empty(n)
    fitness = np.empty(count)
    for o in range(count):
        fitness[o] = _raw_fitness(solutions, o, tables, index_tables, index, contributions)
    ratio = fitness / maximum
    # Distinct solutions: each row packed into 64-bit words and compared with the first row of each solution
    # found so far (few after the first rounds, and at most a few thousand comparisons of one word at the start).
    words = _packed(solutions)
    first_of = np.empty(count, dtype=np.intp)
    distinct = 0
    for o in range(count):
        seen = False
        for d in range(distinct):
            if _same_words(words, first_of[d], o):
                seen = True
                break
        if not seen:
            first_of[distinct] = o
            distinct += 1
    converged = True
    for o in range(count):  # nobody may have a neighbour with a strictly better solution to copy...
        for slot in range(offsets[o], offsets[o + 1]):
            if fitness[neighbours[slot]] > fitness[o]:
                converged = False
                break
        if not converged:
            break
    if converged:  # ...nor a single change that improves their solution
        flipped = np.empty((1, n), dtype=np.bool_)
        for d in range(distinct):
            o = first_of[d]
            for e in range(n):
                flipped[0, e] = solutions[o, e]
            for e in range(n):
                flipped[0, e] = not flipped[0, e]
                better = _raw_fitness(flipped, 0, tables, index_tables, index, contributions) > fitness[o]
                flipped[0, e] = not flipped[0, e]
                if better:
                    converged = False
                    break
            if not converged:
                break
    return ratio, distinct, converged


@inlined
def _raw_fitness(
    configs: np.ndarray,
    c: int,
    tables: np.ndarray,
    index_tables: np.ndarray,
    index: np.ndarray,
    contributions: np.ndarray,
) -> float:
    """``Landscape.raw_fitness`` of ``configs[c]``, to the last bit (``index`` and ``contributions``: scratch)."""
    n = configs.shape[1]
    table_index(index_tables, configs, c, index)
    for i in range(n):
        contributions[i] = tables[index[i]]
    return numpy_sum(contributions) / n


@inlined
def _packed(configs: np.ndarray) -> np.ndarray:
    """Each configuration's elements as the bits of 64-bit words, ``(B, ceil(N / 64))``."""
    count, n = configs.shape
    words = np.zeros((count, (n + 63) // 64), dtype=np.uint64)
    for c in range(count):
        for e in range(n):
            if configs[c, e]:
                words[c, e // 64] |= np.uint64(1) << np.uint64(e % 64)
    return words


@inlined
def _same_words(words: np.ndarray, a: int, b: int) -> bool:
    """Whether rows ``a`` and ``b`` of ``words`` are equal."""
    for w in range(words.shape[1]):  # noqa: SIM110 - numba compiles loops, not generator expressions
        if words[a, w] != words[b, w]:
            return False
    return True
