"""Exhaustive search of an NK landscape in Gray-code order, compiled with numba.

Consecutive configurations in Gray-code order differ in one element, so moving to the next one changes only
the contributions of the elements that depend on it (``k + 1`` of them on average) instead of all ``n``: the
whole landscape is visited in about ``2^n (k + 1)`` table look-ups. The walk is sequential (each step starts
from the previous one), which numpy cannot vectorise; numba compiles it to a plain loop, and ``cache=True``
keeps the compiled code on disk so that only the first run on a machine pays for compilation. With one domain
(as in the validation experiments) a leaner walk keeps the total alone (``_one_domain_extremes``: 8.5 against
21 ms for N = 20, K = 5), and from 19 elements it walks 32 stretches of the order side by side, whose chains of
additions the processor works on at once (``_side_by_side``: 3.7 against 6.3 ms for N = 20, K = 5), finding the
same configurations; so does the walk with domain sums (``_side_by_side_domains``: 5.0 against 11.3 ms for
N = 20, K = 5 and 4 domains; 91 against 213 ms for N = 24, K = 6).

This module imports numba, which takes a few tenths of a second; :mod:`cisim.problem.landscape` imports it
only when a landscape is large enough to need it.
"""

from __future__ import annotations

import numba
import numpy as np

#: Every so many steps the running sums are recomputed from scratch, so rounding cannot build up.
_RESYNC_MASK = (1 << 14) - 1

#: The one-domain walk of a landscape this large is cut into this many stretches walked side by side
#: (``_side_by_side``); each stretch must start where the walk recomputes its sum (a multiple of 2^14 steps).
STRETCHES = 32
#: From this many elements on (2^n / STRETCHES >= 2^14).
SIDE_BY_SIDE_FROM = 19


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
    if n_domains == 1:  # the domain's sum is the total, step by step: walk once, without domain sums
        best_code, worst_code = _one_domain_extremes(tables, dependents, toggles)
        return best_code, worst_code, np.full(1, best_code, np.int64), np.full(1, worst_code, np.int64)
    if n >= SIDE_BY_SIDE_FROM:
        return _side_by_side_domains(tables, domain_of, n_domains, dependents, toggles, touched_domains)
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


@numba.njit(cache=True, nogil=True)
def _one_domain_extremes(
    tables: np.ndarray, dependents: np.ndarray, toggles: np.ndarray
) -> tuple[int, int]:  # pragma: no cover - compiled; checked against the walk with domains in tests
    """``gray_code_extremes`` for one domain: codes of the best and worst configurations.

    With one domain the domain's running sum takes the same deltas in the same order as the total, and is recomputed
    at the same steps, so it is the same number at every step, and its best and worst are the total's (the walk with
    domains compares a domain's sum at the steps that change one of its elements; every element depends on itself,
    so every step changes one). This walk keeps the total alone, with the same operations in the same order, so it
    finds the same codes. It keeps each element's current entry and where it is in the flattened tables, so a step
    reads one entry per dependent. The loops are the plainest ones: the flipped element found bit by bit and the
    dependents read up to their padding. Each is faster than what it replaced (the lowest set bit read from a table
    of bytes; a loop over each element's count of dependents): for N = 20, K = 5 (median of 20 problems) this walk
    takes 8.5 ms, against 10.5 ms with the count loop alone, 11.2 ms with the byte table alone, 12.6 ms with both,
    and 21 ms for the walk with domain sums. numba's own count of trailing zeros was no faster than the loop.
    """
    n, width = tables.shape
    if n >= SIDE_BY_SIDE_FROM:
        return _side_by_side(tables, dependents, toggles)
    flat = tables.ravel()
    position = np.arange(n) * width  # where element i's entry is in ``flat``: its row, then its table index
    current = np.zeros(n)  # that entry
    total = 0.0
    for i in range(n):
        current[i] = flat[position[i]]
        total += current[i]
    best = total
    worst = total
    best_code = 0
    worst_code = 0
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
            old = current[i]
            position[i] ^= toggles[flipped, q]
            current[i] = flat[position[i]]
            delta = current[i] - old
            total += delta
        if (step & _RESYNC_MASK) == 0:
            total = 0.0
            for i in range(n):
                total += current[i]
        if total > best:
            best = total
            best_code = code
        elif total < worst:
            worst = total
            worst_code = code
    return best_code, worst_code


@numba.njit(cache=True, inline="always")
def _lowest_bit(step: int) -> int:  # pragma: no cover - compiled
    """The element that flips at this step of the walk: the lowest set bit of the step number."""
    flipped = 0
    while (step & 1) == 0:
        step >>= 1
        flipped += 1
    return flipped


@numba.njit(cache=True, inline="always")
def _start_stretches(
    index: np.ndarray, part: int, dependents: np.ndarray, toggles: np.ndarray
) -> None:  # pragma: no cover - compiled
    """Each stretch's first configuration (the Gray code of step ``s * part``) into ``index[:, s]``.

    Every bit the configuration sets is toggled into its dependents' table indexes, over what ``index`` holds
    (zeros, or where each element's row starts in the flattened tables).
    """
    for s in range(index.shape[1]):
        first = s * part
        code = first ^ (first >> 1)
        for e in range(index.shape[0]):
            if (code >> e) & 1:
                for q in range(dependents.shape[1]):
                    i = dependents[e, q]
                    if i < 0:
                        break
                    index[i, s] ^= toggles[e, q]


@numba.njit(cache=True, inline="always")
def _keep_extremes(
    sums: np.ndarray, best: np.ndarray, worst: np.ndarray, best_step: np.ndarray, worst_step: np.ndarray, step: int
) -> None:  # pragma: no cover - compiled
    """Each stretch's first strictly best and worst sum so far, and their steps, given its sum at ``step``.

    Two separate tests: a sum above the best is never below the worst, since both start from one value.
    """
    for s in range(sums.shape[0]):
        if sums[s] > best[s]:
            best[s] = sums[s]
            best_step[s] = step
        if sums[s] < worst[s]:
            worst[s] = sums[s]
            worst_step[s] = step


@numba.njit(cache=True, inline="always")
def _first_code(values: np.ndarray, steps: np.ndarray, part: int, sign: float) -> int:  # pragma: no cover
    """The code of the walk's first best (``sign`` 1) or worst (-1) step, from each stretch's own first.

    The stretches are compared in order, a later one winning only when strictly better (negating is exact, so
    ``-a > -b`` exactly when ``a < b``): the single walk's first strict best or worst.
    """
    top, top_step = values[0], steps[0]
    for s in range(1, values.shape[0]):
        if sign * values[s] > sign * top:
            top, top_step = values[s], s * part + steps[s]
    return top_step ^ (top_step >> 1)


@numba.njit(cache=True, nogil=True)
def _side_by_side(
    tables: np.ndarray, dependents: np.ndarray, toggles: np.ndarray
) -> tuple[int, int]:  # pragma: no cover - compiled; checked against the single walk in tests
    """``_one_domain_extremes``' walk cut into ``STRETCHES`` equal stretches, walked side by side.

    The single walk is one chain of additions, each waiting for the one before. Stretch ``s`` is the walk's
    steps ``s * part`` to ``(s + 1) * part - 1`` (``part = 2^n / STRETCHES``); it starts from its first
    configuration (Gray code ``step ^ (step >> 1)``) with its sum computed from scratch, element by element, which
    is what the single walk computes at that step too, since ``part`` is a multiple of the resynchronisation
    period. Every later step then flips the same element in every stretch (the lowest set bit of ``s * part + t``
    is that of ``t``) and each stretch takes the same deltas in the same order as the single walk, and is
    recomputed at the same steps: so each stretch's sum at each step is the single walk's sum at that step, to
    the last bit. The stretches' chains are independent, so the processor works on many at once: for N = 20, K = 5
    (one domain, partners drawn with replacement) the median of 20 problems was 3.7 ms against 6.3 for the single
    walk, and for N = 24, K = 6 (4 problems) 66-68 against 109 ms, in alternating processes.

    The single walk keeps the first configuration of strictly higher (lower) sum; here each stretch keeps its
    own first, and the stretches are compared in order, a later one winning only when strictly better: the
    first best (worst) of the whole walk, so the same codes.
    """
    n, width = tables.shape
    flat = tables.ravel()
    part = (1 << n) // STRETCHES
    position = np.empty((n, STRETCHES), np.int64)
    current = np.empty((n, STRETCHES))
    total = np.zeros(STRETCHES)
    best = np.empty(STRETCHES)
    worst = np.empty(STRETCHES)
    best_step = np.zeros(STRETCHES, np.int64)
    worst_step = np.zeros(STRETCHES, np.int64)
    for i in range(n):
        position[i, :] = i * width
    _start_stretches(position, part, dependents, toggles)
    for s in range(STRETCHES):
        for i in range(n):
            current[i, s] = flat[position[i, s]]
            total[s] += current[i, s]
        best[s] = total[s]
        worst[s] = total[s]
    for step in range(1, part):
        flipped = _lowest_bit(step)
        for q in range(dependents.shape[1]):
            i = dependents[flipped, q]
            if i < 0:
                break
            toggle = toggles[flipped, q]
            for s in range(STRETCHES):
                old = current[i, s]
                position[i, s] ^= toggle
                current[i, s] = flat[position[i, s]]
                total[s] += current[i, s] - old
        if (step & _RESYNC_MASK) == 0:
            for s in range(STRETCHES):
                total[s] = 0.0
            for i in range(n):
                for s in range(STRETCHES):
                    total[s] += current[i, s]
        _keep_extremes(total, best, worst, best_step, worst_step, step)
    return _first_code(best, best_step, part, 1.0), _first_code(worst, worst_step, part, -1.0)


@numba.njit(cache=True, nogil=True)
def _side_by_side_domains(
    tables: np.ndarray,
    domain_of: np.ndarray,
    n_domains: int,
    dependents: np.ndarray,
    toggles: np.ndarray,
    touched_domains: np.ndarray,
) -> tuple[int, int, np.ndarray, np.ndarray]:  # pragma: no cover - compiled; checked against the plain walk in tests
    """``gray_code_extremes``' walk with domain sums, in ``STRETCHES`` stretches side by side (``_side_by_side``).

    Each stretch starts where the single walk recomputes its sums, so its total and domain sums at every step are
    the single walk's, to the last bit. The single walk compares a domain's sum only at the steps that change one
    of its elements (and at step 0): a stretch does the same, its first step included (each domain changed by the
    element that flips there), and holds no best or worst for a domain until then. A new best is never a new
    worst (every best and worst starts from one value), so best and worst are kept with two separate tests. Each
    stretch keeps its first best and worst of the total and of each domain; compared in order, a later stretch
    winning only when strictly better, they give the single walk's codes.
    """
    n = tables.shape[0]
    part = (1 << n) // STRETCHES
    index = np.zeros((n, STRETCHES), np.int64)
    total = np.zeros(STRETCHES)
    domain_sum = np.zeros((n_domains, STRETCHES))
    best = np.empty(STRETCHES)
    worst = np.empty(STRETCHES)
    best_step = np.zeros(STRETCHES, np.int64)
    worst_step = np.zeros(STRETCHES, np.int64)
    domain_best = np.full((n_domains, STRETCHES), -np.inf)
    domain_worst = np.full((n_domains, STRETCHES), np.inf)
    domain_best_step = np.zeros((n_domains, STRETCHES), np.int64)
    domain_worst_step = np.zeros((n_domains, STRETCHES), np.int64)
    _start_stretches(index, part, dependents, toggles)
    for s in range(STRETCHES):
        for i in range(n):
            total[s] += tables[i, index[i, s]]
            domain_sum[domain_of[i], s] += tables[i, index[i, s]]
        best[s] = total[s]
        worst[s] = total[s]
        if s == 0:  # the walk's first configuration: every domain's first best and worst
            for d in range(n_domains):
                domain_best[d, 0] = domain_sum[d, 0]
                domain_worst[d, 0] = domain_sum[d, 0]
        else:  # the domains changed by the element that flips at this step
            flipped = _lowest_bit(s * part)
            for q in range(touched_domains.shape[1]):
                d = touched_domains[flipped, q]
                if d < 0:
                    break
                domain_best[d, s] = domain_sum[d, s]
                domain_worst[d, s] = domain_sum[d, s]
    for step in range(1, part):
        flipped = _lowest_bit(step)
        for q in range(dependents.shape[1]):
            i = dependents[flipped, q]
            if i < 0:
                break
            toggle, d = toggles[flipped, q], domain_of[i]
            for s in range(STRETCHES):
                old = tables[i, index[i, s]]
                index[i, s] ^= toggle
                delta = tables[i, index[i, s]] - old
                total[s] += delta
                domain_sum[d, s] += delta
        if (step & _RESYNC_MASK) == 0:
            for s in range(STRETCHES):
                total[s] = 0.0
            domain_sum[:] = 0.0
            for i in range(n):
                for s in range(STRETCHES):
                    total[s] += tables[i, index[i, s]]
                    domain_sum[domain_of[i], s] += tables[i, index[i, s]]
        _keep_extremes(total, best, worst, best_step, worst_step, step)
        for q in range(touched_domains.shape[1]):
            d = touched_domains[flipped, q]
            if d < 0:
                break
            for s in range(STRETCHES):
                if domain_sum[d, s] > domain_best[d, s]:
                    domain_best[d, s] = domain_sum[d, s]
                    domain_best_step[d, s] = step
                if domain_sum[d, s] < domain_worst[d, s]:
                    domain_worst[d, s] = domain_sum[d, s]
                    domain_worst_step[d, s] = step
    domain_best_code = np.zeros(n_domains, np.int64)
    domain_worst_code = np.zeros(n_domains, np.int64)
    for d in range(n_domains):
        domain_best_code[d] = _first_code(domain_best[d], domain_best_step[d], part, 1.0)
        domain_worst_code[d] = _first_code(domain_worst[d], domain_worst_step[d], part, -1.0)
    best_code, worst_code = _first_code(best, best_step, part, 1.0), _first_code(worst, worst_step, part, -1.0)
    return best_code, worst_code, domain_best_code, domain_worst_code
