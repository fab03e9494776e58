"""Reading configurations one at a time in compiled loops, for the model's step.

A step evaluates a handful of configurations per organization (its status quo, its candidates, what it hears).
Batched through numpy, each of those evaluations costs a dozen calls whose fixed cost dwarfs the arithmetic
when there are a few dozen organizations, so the step's rules run as loops compiled with numba
(``cisim.organizations.behaviour``) and read the problem through the helpers here. They use the same byte
look-up tables as ``Landscape.contributions`` and the same normalisation as ``Landscape.normalise``.

Compiled functions are cached on disk (``cache=True``): the first run on a machine compiles them (a few
seconds), later processes load them.
"""

from __future__ import annotations

import functools
import hashlib
import operator
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple, cast

import numba
import numpy as np
from numba.core import caching

#: The modules whose compiled functions call one another, relative to the ``cisim`` package. numba stamps a
#: cached function with its own file only, so a cached function would keep an old copy of a function it calls
#: from another file; the cache here is stamped with all of these files at once instead, and a change to any of
#: them recompiles them all (``tests/problem/test_compiled.py`` checks that the list is complete).
KERNEL_MODULES = (
    "problem/climbing.py",
    "problem/compiled.py",
    "organizations/behaviour.py",
    "model/conditions.py",
    "model/ledger.py",
    "model/network.py",
    "model/phases.py",
    "model/pcg.py",
    "model/plan.py",
    "model/reporters.py",
    "model/skipping.py",
    "validation/own_solutions.py",
)


@functools.cache
def _kernels_stamp() -> bytes:
    """One digest of every file in ``KERNEL_MODULES`` (read once per process)."""
    digest = hashlib.sha256()
    for module in KERNEL_MODULES:
        digest.update((_PACKAGE / module).read_bytes())
    return digest.digest()


class _StampedInTree(caching.InTreeCacheLocator):  # the package's __pycache__, where it is writable
    def get_source_stamp(self) -> bytes:
        return _kernels_stamp()


class _StampedUserWide(caching.UserWideCacheLocator):  # else the user's cache folder
    def get_source_stamp(self) -> bytes:
        return _kernels_stamp()


class _StampedImpl(caching.CompileResultCacheImpl):
    _locator_classes = [_StampedInTree, _StampedUserWide]  # noqa: RUF012 - numba's own class attribute


class _StampedCache(caching.FunctionCache):
    _impl_class = _StampedImpl


def kernel[Function: Callable[..., Any]](function: Function) -> Function:
    """Compile one of the model's functions with numba, cached on disk (stamped with ``KERNEL_MODULES``).

    Division follows numpy (inf and nan rather than an exception), as the array code it replaced did. Typed
    as the function itself, so that type checkers check calls against its signature.
    """
    return cast(Function, _cached(numba.njit(error_model="numpy")(function)))


def borrowing[Function: Callable[..., Any]](function: Function) -> Function:
    """``kernel`` for a function called in the step's inner loops that allocates nothing and returns no array.

    Compiled without numba's reference counting: its array arguments are borrowed from its caller for the
    call. A compiled function otherwise counts a reference to every array argument on entry and drops it on
    every way out (an atomic operation each); for the hearing, called once per listener with seventeen arrays,
    that was about a quarter of a step. The arithmetic is the same, so are the results. Where it allocates an
    array, numba refuses to compile it.
    """
    njit: Any = numba.njit  # numba's type stubs do not list its ``_nrt`` option
    return cast(Function, _cached(njit(error_model="numpy", _nrt=False)(function)))


def inlined[Function: Callable[..., Any]](function: Function) -> Function:
    """``kernel`` for a small helper of the compiled rules, inlined where it is called."""
    return cast(Function, _cached(numba.njit(error_model="numpy", inline="always")(function)))


def _cached(dispatcher: Any) -> Any:
    dispatcher._cache = _StampedCache(dispatcher.py_func)  # what numba.njit(cache=True) sets, stamped
    return dispatcher


class RepeatedCall:
    """A compiled function called step after step with the same arguments, typed once rather than on every call.

    numba's dispatcher works out the type of every argument on every call (about 0.1 microseconds per array or
    number, each field of a NamedTuple included: 9 of the 17 microseconds of the organizations' turn in a
    default run) before it runs the machine code compiled for those types. A run passes the same bundles every
    step (their arrays change in place), and the types of the very same objects cannot change: an array's
    dtype, dimensions and layout are fixed, and a NamedTuple cannot be changed. So after a call through the
    dispatcher, while the function has a single compiled version (the one that call ran), later calls with
    the same objects (``is``) run that version's machine code directly. Other arguments go through the
    dispatcher again and are remembered in their turn. Once a function has two compiled versions (another run
    in the process passed other types), every call goes through the dispatcher: slower, never wrong.

    What this rests on, which cisim's phases keep and other callers must too: no argument is changed in a way
    that changes its numba type while it stays the same object (numpy allows setting an array's ``flags``,
    ``dtype`` or ``shape`` in place; cisim never does, on anything it passes), and every argument is given
    (the machine code does not fill in defaults). Keep one per run (its arguments are that run's), and do not
    pickle it.
    """

    def __init__(self, function: Any) -> None:
        """Wrap ``function``, a compiled function (``kernel``)."""
        self.function = function
        self._arguments: tuple[Any, ...] = ()
        self._machine_code: Any = None

    def __call__(self, *arguments: Any) -> Any:
        """``function(*arguments)``."""
        if (
            self._machine_code is not None
            and len(arguments) == len(self._arguments)
            and all(map(operator.is_, arguments, self._arguments))
        ):
            return self._machine_code(*arguments)
        self._machine_code = None  # an interrupt below must not leave new arguments beside old machine code
        result = self.function(*arguments)
        machine_code = _only_version(self.function)
        self._arguments, self._machine_code = arguments, machine_code  # one statement: both or neither
        return result


#: The machine code of each compiled function's only compiled version, as first read.
_ONLY_VERSIONS: dict[Any, Any] = {}


def _only_version(function: Any) -> Any:
    """The machine code of a compiled function's only compiled version (``None`` if it has several).

    Read once per function and kept: reading numba's table of compiled versions hashes their signatures, which
    for NamedTuple arguments costs about 40 microseconds. numba adds versions to the table but replaces them
    only when a function is recompiled (``recompile``), which cisim never does.
    """
    if len(function.overloads) != 1:
        return None
    if function not in _ONLY_VERSIONS:
        _ONLY_VERSIONS[function] = next(iter(function.overloads.values())).entry_point
    return _ONLY_VERSIONS[function]


_PACKAGE = Path(__file__).resolve().parents[1]


class ProblemView(NamedTuple):
    """The problem as the step's rules read it.

    Attributes:
        tables: flattened contribution tables, one row per version of the problem that someone's data
            describe; row 0 is the problem as it is now, shape ``(V, n_elements * 2^(k+1))``.
        table_of: the row of ``tables`` each organization's data describe, shape ``(O,)``.
        index_tables: the landscape's byte look-up tables, shape ``(bytes, 256, n_elements)``.
        minimum: lowest raw fitness of each version, one per row of ``tables``.
        spread: highest minus lowest raw fitness of each version (0 or less: a flat landscape, every outcome 1).
            A reading of a version is normalised with that version's own extremes: late data show what a
            configuration achieved then, on the scale it had then.
        clip: whether the extremes are estimates, so that outcomes are clipped to [0, 1].
    """

    tables: np.ndarray
    table_of: np.ndarray
    index_tables: np.ndarray
    minimum: np.ndarray
    spread: np.ndarray
    clip: bool


@inlined
def table_index(index_tables: np.ndarray, configs: np.ndarray, c: int, index: np.ndarray) -> None:
    """Each element's position in the flattened tables for configuration ``configs[c]``, written into ``index``.

    Configurations are passed as a 2-D array and a row (here and in every compiled rule), not as row views:
    in compiled code each view costs more than reading a configuration does.
    """
    n = configs.shape[1]
    for i in range(n):
        index[i] = 0
    for byte in range(index_tables.shape[0]):
        value = 0
        for bit in range(8):
            element = 8 * byte + bit
            if element < n and configs[c, element]:
                value |= 1 << bit
        for i in range(n):
            index[i] += index_tables[byte, value, i]


@inlined
def raw_sums(
    tables: np.ndarray,
    row: int,
    index_tables: np.ndarray,
    configs: np.ndarray,
    c: int,
    masks: np.ndarray,
    m: int,
    index: np.ndarray,
) -> tuple[float, float]:
    """Sum of a configuration's contributions, and the sum over the elements of a mask.

    Args:
        tables: flattened versions of the contribution tables, one per row.
        row: the version to read.
        index_tables: the landscape's byte look-up tables.
        configs: configurations, one per row (one boolean per element).
        c: the configuration to read.
        masks: masks of elements, one per row.
        m: the mask of the partial sum.
        index: scratch space of one integer per element.
    """
    table_index(index_tables, configs, c, index)
    total = 0.0
    inside = 0.0
    for i in range(configs.shape[1]):
        contribution = tables[row, index[i]]
        total += contribution
        if masks[m, i]:
            inside += contribution
    return total, inside


@inlined
def normalised(raw: float, minimum: float, spread: float, clip: bool) -> float:
    """Raw fitness as a share of achievable progress (``Landscape.normalise`` for one value)."""
    if spread <= 0.0:
        return 1.0
    share = (raw - minimum) / spread
    if clip:
        share = min(max(share, 0.0), 1.0)
    return share


@kernel
def outcome_of(problem: ProblemView, row: int, configs: np.ndarray, c: int, index: np.ndarray) -> float:
    """Community outcome of ``configs[c]`` read with tables ``row`` (normalised to that version's extremes)."""
    total, _ = raw_sums(problem.tables, row, problem.index_tables, configs, c, configs, c, index)
    return normalised(total / configs.shape[1], problem.minimum[row], problem.spread[row], problem.clip)


@kernel
def numpy_sum(values: np.ndarray) -> float:
    """The sum of a 1-D array as numpy's ``sum`` computes it (pairwise, eight partial sums at a time).

    Compiled code that sums in numpy's order gives the same floats to the last bit as the array code it
    replaces, so results do not change with the implementation.
    """
    n = values.shape[0]
    if n <= 128:  # one block, the usual case: summed here (inlined) rather than through the pairwise stack
        return 0.0 + _block_sum(values, 0, n)
    return 0.0 + _pairwise_sum(values, 0, n)


@kernel
def _pairwise_sum(values: np.ndarray, start: int, n: int) -> float:
    """Pairwise summation of ``values[start:start + n]`` as numpy does it.

    Blocks of up to 128 are summed eight at a time; larger stretches are halved (at a multiple of 8) and the
    halves' sums added. Written without recursion, which numba cannot cache: the halves wait on a stack.
    """
    if n <= 128:
        return _block_sum(values, start, n)
    starts = np.empty(64, dtype=np.intp)
    sizes = np.empty(64, dtype=np.intp)
    lefts = np.empty(64)
    waiting = np.zeros(64, dtype=np.bool_)  # whether the left half's sum is in ``lefts``
    starts[0], sizes[0], top = start, n, 0
    while True:
        if sizes[top] > 128:  # split: work on the left half first
            half = sizes[top] // 2
            half -= half % 8
            starts[top + 1], sizes[top + 1], waiting[top + 1] = starts[top], half, False
            top += 1
            continue
        total = _block_sum(values, starts[top], sizes[top])
        top -= 1
        while top >= 0 and waiting[top]:  # both halves done: add them and return to the parent
            total = lefts[top] + total
            top -= 1
        if top < 0:
            return total
        half = sizes[top] // 2
        half -= half % 8
        lefts[top], waiting[top] = total, True
        starts[top + 1], sizes[top + 1], waiting[top + 1] = starts[top] + half, sizes[top] - half, False
        top += 1


@inlined
def _block_sum(values: np.ndarray, start: int, n: int) -> float:
    if n < 8:
        total = -0.0
        for i in range(start, start + n):
            total += values[i]
        return total
    # Eight running sums, as numpy keeps them; in local variables rather than a small array, whose allocation
    # cost 65 of the 70 ns of a sum of 20 values (a step sums one per organization).
    p0, p1, p2, p3 = values[start], values[start + 1], values[start + 2], values[start + 3]
    p4, p5, p6, p7 = values[start + 4], values[start + 5], values[start + 6], values[start + 7]
    i = 8
    while i < n - n % 8:
        at = start + i
        p0 += values[at]
        p1 += values[at + 1]
        p2 += values[at + 2]
        p3 += values[at + 3]
        p4 += values[at + 4]
        p5 += values[at + 5]
        p6 += values[at + 6]
        p7 += values[at + 7]
        i += 8
    total = ((p0 + p1) + (p2 + p3)) + ((p4 + p5) + (p6 + p7))
    while i < n:
        total += values[start + i]
        i += 1
    return total


@kernel
def outcomes(
    tables: np.ndarray,
    index_tables: np.ndarray,
    minimum: float,
    spread: float,
    clip: bool,
    configs: np.ndarray,
) -> tuple[np.ndarray, float]:
    """Community outcome of each configuration (``Landscape.outcome``, to the last bit), and their mean.

    ``configs`` has shape ``(B, N)``.
    """
    count, n = configs.shape
    index = np.empty(n, dtype=np.intp)
    contributions = np.empty(n)
    result = np.empty(count)
    for c in range(count):
        table_index(index_tables, configs, c, index)
        for i in range(n):
            contributions[i] = tables[index[i]]
        result[c] = normalised(numpy_sum(contributions) / n, minimum, spread, clip)
    return result, numpy_sum(result) / count


@kernel
def tracked_outcomes(
    tables: np.ndarray,
    index_tables: np.ndarray,
    minimum: float,
    spread: float,
    clip: bool,
    configs: np.ndarray,
    tracked: np.ndarray,
) -> np.ndarray:
    """What a shared measurement system tracking ``tracked`` shows of each configuration's community outcome.

    The mean contribution of the tracked elements, on the community outcome's scale (``outcomes``' minimum and
    spread): the tracked elements weighed equally and scaled up to sum to 1, as a member reads an objective
    through the shared system (``cisim.model.conditions``). ``configs`` has shape ``(B, N)``, ``tracked`` ``(N,)``.
    Clipped to [0, 1] like ``outcomes`` where the extremes are estimated (``clip``): a tracked part better than the
    whole problem's estimated best reads 1.
    """
    count, n = configs.shape
    index = np.empty(n, dtype=np.intp)
    seen = 0
    for i in range(n):
        seen += tracked[i]
    result = np.empty(count)
    for c in range(count):
        table_index(index_tables, configs, c, index)
        total = 0.0
        for i in range(n):
            if tracked[i]:
                total += tables[index[i]]
        result[c] = normalised(total / seen, minimum, spread, clip)
    return result


@kernel
def values_at_codes(
    tables: np.ndarray,
    dependencies: np.ndarray,
    domain_starts: np.ndarray,
    domain_sizes: np.ndarray,
    codes: np.ndarray,
) -> np.ndarray:
    """Raw fitness and domain means at configurations given by their codes, as the extremes are valued.

    To the last bit of ``cisim.problem.landscape._extremes_at``'s numpy: ``codes`` holds the best and the worst
    configuration's code (bit ``e`` is element ``e``), then each domain's best, then each domain's worst. The
    values come in the same order: the best's and the worst's mean contribution (numpy's ``mean`` of a row:
    ``numpy_sum`` over ``n``), then domain ``d``'s mean contribution at its own best and worst codes (numpy's
    ``reduceat``: the domain's first element plus the rest summed pairwise, over the domain's size). Every domain
    has at least one element.
    """
    n, width = dependencies.shape
    domains = domain_starts.shape[0]
    contributions = np.empty(n)
    values = np.empty(codes.shape[0])
    for c in range(codes.shape[0]):
        code = codes[c]
        for i in range(n):
            index = 0
            for j in range(width):
                index |= ((code >> dependencies[i, j]) & 1) << j
            contributions[i] = tables[i, index]
        if c < 2:
            values[c] = numpy_sum(contributions) / n
        else:
            d = (c - 2) % domains
            start, size = domain_starts[d], domain_sizes[d]
            values[c] = (contributions[start] + _pairwise_sum(contributions, start + 1, size - 1)) / size
    return values


@kernel
def mean_domain_outcomes(
    tables: np.ndarray,
    index_tables: np.ndarray,
    domain_starts: np.ndarray,
    domain_sizes: np.ndarray,
    domain_minimum: np.ndarray,
    domain_spread: np.ndarray,
    clip: bool,
    configs: np.ndarray,
) -> np.ndarray:
    """Each domain's outcome, mean over configurations: ``Landscape.domain_outcomes(configs).mean(axis=0)``.

    To the last bit: a domain's sum is its first element's contribution plus the rest summed pairwise (as
    numpy's ``reduceat``), and the mean over configurations adds them in order (pairwise for one domain).
    """
    count, n = configs.shape
    domains = domain_starts.shape[0]
    index = np.empty(n, dtype=np.intp)
    contributions = np.empty(n)
    shares = np.empty((domains, count))
    for c in range(count):
        table_index(index_tables, configs, c, index)
        for i in range(n):
            contributions[i] = tables[index[i]]
        for d in range(domains):
            start = domain_starts[d]
            size = domain_sizes[d]
            raw = (contributions[start] + _pairwise_sum(contributions, start + 1, size - 1)) / size
            spread = domain_spread[d]
            share = 1.0 if spread <= 0.0 else (raw - domain_minimum[d]) / spread
            shares[d, c] = min(max(share, 0.0), 1.0) if clip else share
    means = np.empty(domains)
    for d in range(domains):
        if domains == 1:
            total = numpy_sum(shares[d])
        else:
            total = 0.0
            for c in range(count):
                total += shares[d, c]
        means[d] = total / count
    return means
