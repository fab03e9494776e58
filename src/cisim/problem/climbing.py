"""Steepest ascent and descent on an NK landscape, one start after another, compiled with numba.

``Landscape.estimated_extremes`` climbs from 1,024 random starts above 24 elements, after every change of the
problem. Its numpy climber (``cisim.problem.landscape._Climber``) moves every start in lockstep, one array
operation at a time; climbing each start in a compiled loop reaches the same configurations with the same
arithmetic, without the arrays. Each start's climb depends on that start alone, so climbing them one after
another or in lockstep gives each the same path:

* a start's table indexes are whole numbers, made from its configuration as numpy makes them;
* each one-element change's gain is the sum of its pairs' differences of contributions in the climber's
  grouped order, summed as ``numpy.add.reduceat`` sums a group (the first difference, plus numpy's pairwise
  sum of the rest), then times the sign;
* the move is the first element of highest gain (``argmax``), taken while the gain exceeds ``1e-12``.

The climber then values the peaks with numpy, as it always did (the order in which numpy sums a row of that
array depends on its memory layout, so it is left to numpy), and keeps the first of highest value.

``tests/problem/test_climbing.py`` checks the peaks against the numpy climber's on many landscapes.

Compiled as the model's kernels are (``cisim.problem.compiled.kernel``, cached with ``KERNEL_MODULES``' stamp, so
the cache follows the helpers it inlines); :mod:`cisim.problem.landscape` imports it only when it estimates
extremes (numba is slow to import).
"""

from __future__ import annotations

import numpy as np

from cisim.problem.compiled import _block_sum, _pairwise_sum, inlined, kernel

#: A change is taken only if it gains more than this (the numpy climber's threshold).
GAIN_THRESHOLD = 1e-12


@kernel
def climb(
    tables: np.ndarray,
    dependencies: np.ndarray,
    offsets: np.ndarray,
    toggles: np.ndarray,
    pair_rows: np.ndarray,
    pair_masks: np.ndarray,
    grouped: np.ndarray,
    moved: np.ndarray,
    group_starts: np.ndarray,
    starts: np.ndarray,
    sign: float,
) -> np.ndarray:  # pragma: no cover - compiled; checked against the numpy climber in tests
    """The peak each start climbs to (``sign = -1``: descending), one row per start: ``_Climber.__call__``.

    Args:
        tables: the climbed rows' contribution tables, flattened.
        dependencies: the rows' dependencies, ``(m, k+1)``, naming elements of the whole problem.
        offsets: where each row's table starts in ``tables``.
        toggles: ``toggles[e, r]``, the bits of row ``r``'s table index that flip when element ``e`` flips.
        pair_rows: each (row, element) pair's row.
        pair_masks: the bits the pair's element flips in that row's table index.
        grouped: the pairs in the order of their elements (stable).
        moved: the elements that have pairs, in order.
        group_starts: where each of those elements' pairs start in ``grouped``.
        starts: the starting configurations, ``(S, n)``.
        sign: 1 to climb, -1 to descend.
    """
    count, n = starts.shape
    rows = dependencies.shape[0]
    index = np.empty(rows, dtype=np.intp)
    changes = np.empty(grouped.shape[0])
    gains = np.empty(n)
    peaks = starts.copy()
    for s in range(count):
        config = peaks[s]
        table_indexes(config, dependencies, offsets, index)
        while True:
            change_gains(tables, index, pair_rows, pair_masks, grouped, moved, group_starts, sign, changes, gains)
            move = 0
            for e in range(1, n):  # the first element of highest gain, as ``argmax``
                if gains[e] > gains[move]:
                    move = e
            if not gains[move] > GAIN_THRESHOLD:
                break
            config[move] = not config[move]
            for r in range(rows):
                index[r] ^= toggles[move, r]
    return peaks


@inlined
def table_indexes(
    config: np.ndarray, dependencies: np.ndarray, offsets: np.ndarray, index: np.ndarray
) -> None:  # pragma: no cover - compiled
    """Each row's place in the flattened tables for this configuration, into ``index``."""
    for r in range(dependencies.shape[0]):
        code = 0
        for j in range(dependencies.shape[1]):
            if config[dependencies[r, j]]:
                code += 1 << j
        index[r] = code + offsets[r]


@inlined
def change_gains(
    tables: np.ndarray,
    index: np.ndarray,
    pair_rows: np.ndarray,
    pair_masks: np.ndarray,
    grouped: np.ndarray,
    moved: np.ndarray,
    group_starts: np.ndarray,
    sign: float,
    changes: np.ndarray,
    gains: np.ndarray,
) -> None:  # pragma: no cover - compiled
    """Each one-element change's gain from the configuration at ``index``, into ``gains`` (-inf: no change).

    The pairs' differences in grouped order, each group summed as ``numpy.add.reduceat`` sums it (its first
    difference plus numpy's pairwise sum of the rest), times ``sign``. ``changes`` is scratch space.
    """
    pairs = grouped.shape[0]
    for t in range(pairs):
        p = grouped[t]
        at = index[pair_rows[p]]
        changes[t] = tables[at ^ pair_masks[p]] - tables[at]
    gains[:] = -np.inf
    for g in range(moved.shape[0]):
        first = group_starts[g]
        size = (group_starts[g + 1] if g + 1 < moved.shape[0] else pairs) - first
        total = changes[first]
        if size > 129:
            total += _pairwise_sum(changes, first + 1, size - 1)
        elif size > 1:  # one of numpy's blocks (the usual case), summed here: ``_pairwise_sum`` does the same
            total += _block_sum(changes, first + 1, size - 1)
        gains[moved[g]] = sign * total
