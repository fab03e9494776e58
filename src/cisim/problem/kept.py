"""Exact extremes of a small landscape from the fitness of every configuration, kept between searches.

Up to :data:`KEEP_LIMIT` elements, the raw sums of every configuration (its total and each domain's sum of
contributions, ``(n_domains + 1) x 2^n`` numbers) fit in a few megabytes. They are computed once with a
compiled loop, the extremes are read from them with numpy's ``argmax`` and ``argmin``, and they are kept:
when the tables change (a policy win lifts one element, turbulence redraws a few), each changed element's
difference of contributions is added to the total and to its domain's sums, and only the columns that changed
are searched again. At 16 elements (k = 6, 4 domains) the search after a policy win then costs about a
quarter of a full Gray-code walk (:mod:`cisim.problem.gray_code`), 0.36 against 1.38 ms in default runs, and
the first search a little less than the walk; ``benchmarks/README.md`` has the figures.

**The same configurations as the walk.** The search returns configuration codes, and their values are
then computed exactly from the codes (``cisim.problem.landscape._extremes_at``), so the sums here only have
to pick the configuration (or, for a domain, a configuration with the same contributions) the walk picks.
They do, unless two configurations come within :data:`TOLERANCE` of each other at the top or the bottom of
a column, in which case the caller falls back to the walk (:func:`kept_extreme_codes` returns ``None``):

* Every value here and every running sum of the walk is within a small bound of the exact sum
  (:func:`rounding_bound`: at most 1e-8 up to 16 elements, where :data:`TOLERANCE` is 1e-7). A column's
  extreme found here is accepted only when no other configuration's value is within :data:`TOLERANCE` of
  it, so no other configuration can come out ahead in the walk's arithmetic either.
* A domain's sum reads only the elements its own elements depend on; configurations that agree on those
  bits read the same table entries, so their sums here are the same number (the same additions in the same
  order) and their exact values are equal. There are ``2^(n - bits read)`` of them; a domain's extreme is
  accepted when exactly that many values lie within :data:`TOLERANCE` of it. Whichever of them the walk
  picked, its value is the same. The total reads every element, so its extremes are unique configurations.
* Exact ties between different table entries do not occur with tables drawn from a continuous
  distribution (and lifted by a common affine map); where they do (a lift of 1 makes an element's table
  constant), the count exceeds the expected one and the walk decides, as before.

No random numbers are drawn: the sums are a function of the tables alone.

**Memory.** Kept sums live in a pool shared by all landscapes of the process (so that paired arms of one
seed, which share their problem, also share the sums), at most :data:`KEPT_STATES` of them (a landscape with
policy lifts and turbulence uses two: the unlifted tables and the lifted ones), least recently used dropped
first. New sums reuse the memory of dropped ones: writing to fresh memory costs about as much as computing
the sums (1.3 ms for 2.6 MB, measured). Each entry holds ``(n_domains + 1) * 2^n`` float64 sums (2.6 MB at
16 elements and 4 domains; at most 17 x 2^16 x 8 bytes = 8.9 MB), a copy of the tables it describes
(``n * 2^(k+1)`` float64: 16 KB at k = 6, 8 MB at 16 elements and k = 15) and two index arrays (32 KB).
So the pool holds 5.2 MB in a default run and never more than 2 x 17.3 MB.

This module imports numba; :mod:`cisim.problem.landscape` imports it only when a landscape needs it.
"""

from __future__ import annotations

import threading

import numba
import numpy as np

from cisim.problem.gray_code import _RESYNC_MASK

#: The most elements whose sums are kept (2^16 configurations). ``Landscape`` keeps them up to its own
#: ``KEEP_LIMIT``, which may not exceed this (tested); the constant lives here so that this module need not
#: import the landscape, which imports it.
MAX_ELEMENTS = 16

#: A column's extreme is taken from the kept sums only if no other configuration (other than those with the
#: same contributions) comes this close to it; otherwise the walk decides. In units of raw sums (not means).
TOLERANCE = 1e-7
#: Kept sums in the pool (2.6 MB each in a default run, 17.3 MB at most; see the module's docstring).
KEPT_STATES = 2
#: After this many changed rows added to the sums they are computed afresh (bounds the rounding that adding
#: differences builds up: see :func:`rounding_bound`).
REBUILD_AFTER = 1 << 20
#: Bits of a configuration code read through the first index table (the rest through the second).
_LOW_BITS = 8
_UNIT = 2.0**-53  # unit round-off of float64

_pool: list[_Kept] = []  # least recently used first
_pool_lock = threading.Lock()


def rounding_bound(n: int, width: int, row_updates: int) -> tuple[float, float]:
    """Bounds on the rounding error of a sum here and of a running sum in the Gray-code walk.

    Contributions lie in [0, 1], so sums lie in [0, n]. Here, a sum of at most ``n`` contributions (a
    domain's, then the total as the sum of the domains') is off by at most ``2 n^2 u`` (``u = 2^-53``);
    adding a changed row's difference (itself rounded) adds at most ``(n + 1) u``. In the walk, each of at
    most ``n * width`` dependents updated per step adds at most ``(n + 1) u``, for at most ``2^14`` steps
    before the sums are recomputed from scratch (at most ``n^2 u`` off).

    Args:
        n: elements.
        width: entries per dependency row (``k + 1``).
        row_updates: changed rows added to the sums since they were computed.

    Returns:
        ``(kept, walk)``: bounds on the absolute error of any sum.
    """
    kept = (2 * n * n + row_updates * (n + 1)) * _UNIT
    walk = ((_RESYNC_MASK + 1) * n * width * (n + 1) + n * n) * _UNIT
    return kept, walk


# --------------------------------------------------------------------- compiled loops
@numba.njit(cache=True, nogil=True)
def _split_indexes(dependencies: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:  # pragma: no cover
    """Each element's table index for every value of a code's low and high bits (``lo | hi`` is the index)."""
    low = min(n, _LOW_BITS)
    rows, width = dependencies.shape
    lo = np.zeros((rows, 1 << low), np.int32)
    hi = np.zeros((rows, 1 << (n - low)), np.int32)
    for i in range(rows):
        for j in range(width):
            e = dependencies[i, j]
            if e < low:
                for v in range(1 << low):
                    lo[i, v] |= ((v >> e) & 1) << j
            else:
                for h in range(1 << (n - low)):
                    hi[i, h] |= ((h >> (e - low)) & 1) << j
    return lo, hi


@numba.njit(cache=True, nogil=True)
def _build_sums(
    tables: np.ndarray, lo: np.ndarray, hi: np.ndarray, order: np.ndarray, kinds: np.ndarray, sums: np.ndarray
) -> None:  # pragma: no cover - compiled; checked against the walk in tests
    """Fill ``sums[d, code]`` with domain ``d``'s sum of contributions and ``sums[-1, code]`` with the total.

    Codes are visited in blocks of equal high bits; within a block each element's contributions are read
    through its low-bit index. ``order`` lists each domain's elements in three groups, whose ends
    ``kinds[d]`` gives: those that read low bits only (their sums are the same in every block, so they are
    added up once), those that read high bits only (one number per block), then the rest, two at a time.
    Every code's sum is formed by the same additions in the same order.
    """
    n_domains = kinds.shape[0]
    size = lo.shape[1]
    low_part = np.zeros((n_domains, size))
    for d in range(n_domains):
        start = kinds[d - 1, 2] if d else 0
        for i in order[start : kinds[d, 0]]:
            row, low = tables[i], lo[i]
            for v in range(size):
                low_part[d, v] += row[low[v]]
    for h in range(hi.shape[1]):
        base = h * size
        total = sums[n_domains, base : base + size]
        total[:] = 0.0
        for d in range(n_domains):
            high_part = 0.0
            for i in order[kinds[d, 0] : kinds[d, 1]]:
                high_part += tables[i, hi[i, h]]
            domain = sums[d, base : base + size]
            for v in range(size):
                domain[v] = low_part[d, v] + high_part
            mixed = order[kinds[d, 1] : kinds[d, 2]]
            for m in range(0, mixed.size - 1, 2):  # the row from this block's high bits on, by the low bits' index
                i, j = mixed[m], mixed[m + 1]
                first, first_low = tables[i, hi[i, h] :], lo[i]
                second, second_low = tables[j, hi[j, h] :], lo[j]
                for v in range(size):
                    domain[v] += first[first_low[v]] + second[second_low[v]]
            if mixed.size % 2:
                i = mixed[mixed.size - 1]
                first, first_low = tables[i, hi[i, h] :], lo[i]
                for v in range(size):
                    domain[v] += first[first_low[v]]
            for v in range(size):
                total[v] += domain[v]


@numba.njit(cache=True, nogil=True)
def _add_changes(
    changes: np.ndarray, rows: np.ndarray, lo: np.ndarray, hi: np.ndarray, domain_of: np.ndarray, sums: np.ndarray
) -> None:  # pragma: no cover - compiled; checked against the walk in tests
    """Add each changed row's differences of contributions (``changes[r]`` for element ``rows[r]``)."""
    n_domains = sums.shape[0] - 1
    size = lo.shape[1]
    total = sums[n_domains]
    for r in range(rows.size):
        i = rows[r]
        change = changes[r]
        low = lo[i]
        domain = sums[domain_of[i]]
        for h in range(hi.shape[1]):
            base = h * size
            high = hi[i, h]
            for v in range(size):
                x = change[low[v] | high]
                total[base + v] += x
                domain[base + v] += x


# --------------------------------------------------------------------- kept sums
class _Kept:
    """The sums of every configuration for one set of tables, and the extremes found in them."""

    def __init__(
        self,
        tables: np.ndarray,
        dependencies: np.ndarray,
        domain_of: np.ndarray,
        n_domains: int,
        reuse: _Kept | None = None,
    ) -> None:
        n = tables.shape[0]
        self.dependencies = dependencies.copy()
        self.domain_of = domain_of.astype(np.int64)
        self.n_domains = n_domains
        self.lo, self.hi = _split_indexes(self.dependencies.astype(np.int64), n)
        # Each domain's elements: those reading low bits only, high bits only, both (see _build_sums).
        group = np.where(~self.hi.any(axis=1), 0, np.where(~self.lo.any(axis=1), 1, 2))
        self.order = np.lexsort((group, self.domain_of)).astype(np.int64)
        self.kinds = np.searchsorted(
            self.domain_of * 3 + group, np.arange(n_domains)[:, None] * 3 + np.array([1, 2, 3]), sorter=self.order
        ).astype(np.int64)
        # Configurations with the same contributions in a column: 2^(bits the column does not read).
        bits = 1 << self.dependencies.astype(np.int64)
        reads = np.zeros(n_domains + 1, dtype=np.int64)
        np.bitwise_or.at(reads, np.repeat(self.domain_of, dependencies.shape[1]), bits.ravel())
        reads[-1] = np.bitwise_or.reduce(reads[:-1])
        self.copies = np.array([1 << (n - int(r).bit_count()) for r in reads], dtype=np.int64)
        # Memory of sums dropped from the pool is reused: writing to fresh memory costs about as much as a build.
        shape = (n_domains + 1, 1 << n)
        self.sums: np.ndarray = reuse.sums if reuse is not None and reuse.sums.shape == shape else np.empty(shape)
        self.best = np.zeros(n_domains + 1, dtype=np.int64)
        self.worst = np.zeros(n_domains + 1, dtype=np.int64)
        self.settled = np.zeros(n_domains + 1, dtype=bool)
        self.tables = np.array(tables, dtype=np.float64)
        self.build()

    @property
    def nbytes(self) -> int:
        return self.sums.nbytes + self.tables.nbytes + self.lo.nbytes + self.hi.nbytes

    def fits(self, dependencies: np.ndarray, domain_of: np.ndarray, n_domains: int, shape: tuple[int, ...]) -> bool:
        return (
            self.n_domains == n_domains
            and self.tables.shape == shape
            and np.array_equal(self.dependencies, dependencies)
            and np.array_equal(self.domain_of, domain_of)
        )

    def build(self) -> None:
        """Compute every sum afresh from ``self.tables`` and search every column."""
        _build_sums(self.tables, self.lo, self.hi, self.order, self.kinds, self.sums)
        self.row_updates = 0
        self.search(np.arange(self.n_domains + 1))

    def change_to(self, tables: np.ndarray, rows: np.ndarray) -> None:
        """Move to ``tables``, which differ from the kept ones in ``rows`` only, by adding their differences."""
        changes = tables[rows] - self.tables[rows]
        _add_changes(changes, rows.astype(np.int64), self.lo, self.hi, self.domain_of, self.sums)
        self.tables[rows] = tables[rows]
        self.row_updates += len(rows)
        self.search(np.append(np.unique(self.domain_of[rows]), self.n_domains))

    def search(self, columns: np.ndarray) -> None:
        """Find the extremes of these columns and whether they are settled (see the module's docstring)."""
        for column in columns:
            values = self.sums[column]
            best, worst = int(values.argmax()), int(values.argmin())
            self.best[column], self.worst[column] = best, worst
            copies = self.copies[column]
            self.settled[column] = (
                np.count_nonzero(values >= values[best] - TOLERANCE) == copies
                and np.count_nonzero(values <= values[worst] + TOLERANCE) == copies
            )


def kept_extreme_codes(
    tables: np.ndarray, dependencies: np.ndarray, domain_of: np.ndarray, n_domains: int
) -> tuple[int, int, np.ndarray, np.ndarray] | None:
    """Codes of the best and worst configurations, overall and per domain, from kept sums.

    The sums nearest to ``tables`` in the pool (fewest rows differ) are brought up to date, or new ones are
    computed when none are near. Returns the codes as :func:`cisim.problem.gray_code.gray_code_extremes`
    does, or ``None`` when an extreme is too close to call from the sums (the caller then walks).

    Args:
        tables: contribution tables, ``(n, 2^(k+1))``, with entries in [0, 1]; ``n <= MAX_ELEMENTS``.
        dependencies: each element followed by its partners, ``(n, k+1)``.
        domain_of: domain of each element (contiguous blocks).
        n_domains: number of domains.
    """
    n = tables.shape[0]
    if n > MAX_ELEMENTS:
        raise ValueError(f"sums are kept up to {MAX_ELEMENTS} elements, got {n}")
    kept = _take(tables, dependencies, domain_of, n_domains)
    try:
        if kept.settled.all():
            return int(kept.best[-1]), int(kept.worst[-1]), kept.best[:-1].copy(), kept.worst[:-1].copy()
        return None
    finally:
        _give_back(kept)


def _take(tables: np.ndarray, dependencies: np.ndarray, domain_of: np.ndarray, n_domains: int) -> _Kept:
    """Take the nearest kept sums out of the pool, brought up to ``tables`` (or new ones)."""
    n = tables.shape[0]
    with _pool_lock:
        nearest, rows, dropped = None, None, None
        for kept in _pool:
            if kept.fits(dependencies, domain_of, n_domains, tables.shape):
                changed = np.flatnonzero((kept.tables != tables).any(axis=1))
                if rows is None or len(changed) < len(rows):
                    nearest, rows = kept, changed
        if nearest is not None and rows is not None and 2 * len(rows) <= n:
            _pool.remove(nearest)
        else:  # none near enough: new sums (in the memory of the least recently used, if the pool is full)
            nearest = None
            if len(_pool) >= KEPT_STATES:
                dropped = _pool.pop(0)
    if nearest is None:
        return _Kept(tables, dependencies, domain_of, n_domains, reuse=dropped)
    assert rows is not None
    if nearest.row_updates + len(rows) > REBUILD_AFTER:
        nearest.tables[:] = tables
        nearest.build()
    elif len(rows):
        nearest.change_to(tables, rows)
    return nearest


def _give_back(kept: _Kept) -> None:
    with _pool_lock:
        _pool.append(kept)  # most recently used last
        del _pool[:-KEPT_STATES]


def clear() -> None:
    """Drop every kept sum (for tests and benchmarks)."""
    with _pool_lock:
        _pool.clear()
