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

from collections.abc import Callable
from typing import Any, NamedTuple, cast

import numba
import numpy as np


def kernel[Function: Callable[..., Any]](function: Function) -> Function:
    """Compile one of the model's functions with numba, cached on disk.

    Division follows numpy (inf and nan rather than an exception), as the array code it replaced did. Typed
    as the function itself, so that type checkers check calls against its signature.
    """
    return cast(Function, numba.njit(cache=True, error_model="numpy")(function))


class ProblemView(NamedTuple):
    """The problem as the step's rules read it.

    Attributes:
        tables: flattened contribution tables, one row per version of the problem that someone's data
            describe; row 0 is the problem as it is now, shape ``(V, n_elements * 2^(k+1))``.
        table_of: the row of ``tables`` each organization's data describe, shape ``(O,)``.
        index_tables: the landscape's byte look-up tables, shape ``(bytes, 256, n_elements)``.
        minimum: lowest raw fitness of the problem as it is now.
        spread: highest minus lowest raw fitness (0 or less: a flat landscape, every outcome 1).
        clip: whether the extremes are estimates, so that outcomes are clipped to [0, 1].
    """

    tables: np.ndarray
    table_of: np.ndarray
    index_tables: np.ndarray
    minimum: float
    spread: float
    clip: bool


@kernel
def table_index(index_tables: np.ndarray, config: np.ndarray, index: np.ndarray) -> None:
    """Each element's position in the flattened tables for one configuration, written into ``index``."""
    n = config.shape[0]
    for i in range(n):
        index[i] = 0
    for byte in range(index_tables.shape[0]):
        value = 0
        for bit in range(8):
            element = 8 * byte + bit
            if element < n and config[element]:
                value |= 1 << bit
        row = index_tables[byte, value]
        for i in range(n):
            index[i] += row[i]


@kernel
def raw_sums(tables: np.ndarray, index_tables: np.ndarray, config: np.ndarray, mask: np.ndarray, index: np.ndarray):
    """Sum of a configuration's contributions, and the sum over the elements in ``mask``.

    Args:
        tables: one flattened version of the contribution tables.
        index_tables: the landscape's byte look-up tables.
        config: the configuration, one boolean per element.
        mask: the elements of the partial sum.
        index: scratch space of one integer per element.
    """
    table_index(index_tables, config, index)
    total = 0.0
    inside = 0.0
    for i in range(config.shape[0]):
        contribution = tables[index[i]]
        total += contribution
        if mask[i]:
            inside += contribution
    return total, inside


@kernel
def normalised(raw: float, minimum: float, spread: float, clip: bool) -> float:
    """Raw fitness as a share of achievable progress (``Landscape.normalise`` for one value)."""
    if spread <= 0.0:
        return 1.0
    share = (raw - minimum) / spread
    if clip:
        share = min(max(share, 0.0), 1.0)
    return share


@kernel
def outcome_of(problem: ProblemView, row: int, config: np.ndarray, index: np.ndarray) -> float:
    """Community outcome of one configuration read with tables ``row`` (normalised to the problem now)."""
    total, _ = raw_sums(problem.tables[row], problem.index_tables, config, config, index)
    return normalised(total / config.shape[0], problem.minimum, problem.spread, problem.clip)


@kernel
def numpy_sum(values: np.ndarray) -> float:
    """The sum of a 1-D array as numpy's ``sum`` computes it (pairwise, eight partial sums at a time).

    Compiled code that sums in numpy's order gives the same floats to the last bit as the array code it
    replaces, so results do not change with the implementation.
    """
    return 0.0 + _pairwise_sum(values, 0, values.shape[0])


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


@kernel
def _block_sum(values: np.ndarray, start: int, n: int) -> float:
    if n < 8:
        total = -0.0
        for i in range(start, start + n):
            total += values[i]
        return total
    partial = values[start : start + 8].copy()
    i = 8
    while i < n - n % 8:
        for j in range(8):
            partial[j] += values[start + i + j]
        i += 8
    total = ((partial[0] + partial[1]) + (partial[2] + partial[3])) + (
        (partial[4] + partial[5]) + (partial[6] + partial[7])
    )
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
) -> np.ndarray:
    """Community outcome of each configuration (``Landscape.outcome``, to the last bit), ``configs`` ``(B, N)``."""
    count, n = configs.shape
    index = np.empty(n, dtype=np.intp)
    contributions = np.empty(n)
    result = np.empty(count)
    for c in range(count):
        table_index(index_tables, configs[c], index)
        for i in range(n):
            contributions[i] = tables[index[i]]
        result[c] = normalised(numpy_sum(contributions) / n, minimum, spread, clip)
    return result
