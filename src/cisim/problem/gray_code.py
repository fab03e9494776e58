"""Exhaustive search of an NK landscape in Gray-code order, compiled with numba.

Consecutive configurations in Gray-code order differ in one element, so moving to the next one changes only
the contributions of the elements that depend on it (``k + 1`` of them on average) instead of all ``n``: the
whole landscape is visited in about ``2^n (k + 1)`` table look-ups. The walk is sequential (each step starts
from the previous one), which numpy cannot vectorise; numba compiles it to a plain loop, and ``cache=True``
keeps the compiled code on disk so that only the first run on a machine pays for compilation.

This module imports numba, which takes a few tenths of a second; :mod:`cisim.problem.landscape` imports it
only when a landscape is large enough to need it.
"""

from __future__ import annotations

import numba
import numpy as np

#: Every so many steps the running sums are recomputed from scratch, so rounding cannot build up.
_RESYNC_MASK = (1 << 14) - 1


@numba.njit(cache=True, nogil=True)
def gray_code_extremes(
    tables: np.ndarray,
    domain_of: np.ndarray,
    n_domains: int,
    dependents: np.ndarray,
    toggles: np.ndarray,
    touched_domains: np.ndarray,
) -> tuple[int, int, np.ndarray, np.ndarray]:  # pragma: no cover - compiled; checked against numpy in tests
    """Codes of the best and worst configurations, overall and per domain.

    A configuration's code has bit ``e`` set when element ``e`` is 1. Rows of the three look-up arrays
    belong to the element that flips and are padded with -1.

    Args:
        tables: contribution tables, shape ``(n, 2^(k+1))``; row ``i`` is indexed by the bits of element
            ``i``'s dependencies, its own bit first.
        domain_of: domain of each element.
        n_domains: number of domains.
        dependents: ``dependents[e, q]`` is the ``q``-th element whose contribution depends on element ``e``.
        toggles: ``toggles[e, q]`` is the bit of that element's table index which ``e`` sets.
        touched_domains: the distinct domains of the elements that depend on ``e``.

    Returns:
        best code, worst code, per-domain best codes, per-domain worst codes.
    """
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
        flipped = 0  # the element that changes: the lowest set bit of the step number
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
        if (step & _RESYNC_MASK) == 0:
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
