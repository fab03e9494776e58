"""Stepping a stream past random numbers no rule reads, so that every later draw is what it would have been.

This is how a model steps over when it draws through numpy's own calls (``cisim.model.model._fills``): where its
streams are not numpy's PCG64, or ``cisim.model.pcg``'s self-check did not pass. Otherwise a step's draw program
(``cisim.model.pcg``) steps over in compiled code, by the same rules, to the same place.

A uniform number costs its generator one 64-bit output, so ``advance(n)`` steps over ``n`` of them. A standard
normal number costs a varying number: numpy's ``Generator.standard_normal`` (``random_standard_normal`` in
numpy/random/src/distributions/distributions.c) is a ziggurat that returns after one output most of the time
(about 98 %) and reads more on its rejection paths. ``advance_past_normals`` replays the ziggurat's decisions
on the raw outputs (``random_raw``, about four times cheaper than a normal number) without computing the
normals, then gives back the outputs it drew beyond them: PCG64's ``advance`` steps modulo 2**128, so an
advance by ``2**128 - k`` steps back by ``k``.

The replay must decide as numpy does, to the last bit: it reads numpy's own tables
(``cisim.model.ziggurat_tables``) and computes its comparisons in the same order with the same ``exp`` and
``log1p`` (numpy's tail takes ``log1p`` of minus a uniform double, as ``math.log1p`` here). ``can_skip_normals``
checks this once per process and bit generator type against numpy itself; a numpy whose ziggurat differs draws
the numbers instead, so results never change.
"""

from __future__ import annotations

import functools
import math

import numpy as np

from cisim.model.ziggurat_tables import FI, KI, NOR_INV_R, WI
from cisim.problem.compiled import kernel

#: Bit generators whose ``advance`` steps exactly one 64-bit output per step, forwards and (modulo 2**128) back.
ADVANCEABLE = (np.random.PCG64, np.random.PCG64DXSM)

#: Runs of fewer unread normals than this are drawn, not stepped over: stepping over costs about 3 microseconds
#: whatever the count, and about 3.7 nanoseconds a normal against 9.5 to draw one (on the machine of
#: docs/performance.md: 1,000 normals drawn in 9.9 microseconds, stepped over in 7.0; 96 in 1.5 and 3.8).
WORTH_STEPPING_OVER = 1_000

#: The self-check: normals drawn from a fixed seed and counted, in blocks of these sizes (their sum, 100,000,
#: takes the wedge test some 2,000 times and the tail about 25 times; about 3 milliseconds in all).
SELF_CHECK_SEED = 20_261_204
SELF_CHECK_BLOCKS = (1, 2, 255, 256, 20_800, 78_686)

_LOW_BYTE = np.uint64(0xFF)
_MAGNITUDE = np.uint64(0x000FFFFFFFFFFFFF)  # the 52 bits above the layer and sign bits
_TO_DOUBLE = 1.0 / 9007199254740992.0  # 2**-53: a uniform double is an output's top 53 bits times this


@kernel
def normal_outputs(
    raw: np.ndarray, count: int, ki: np.ndarray, wi: np.ndarray, fi: np.ndarray, nor_inv_r: float
) -> tuple[int, int]:
    """How many of ``count`` standard normals numpy would draw from the 64-bit outputs ``raw``, and from how many.

    Replays ``random_standard_normal``: each try reads one output, whose low byte picks a layer, the next bit the
    sign and the 52 above it a magnitude; it returns at once if the magnitude is below ``ki[layer]``. Else, in
    the base layer (0) it samples the tail, two uniform doubles a try until one is accepted; in any other layer
    it reads one uniform double for the wedge test, and starts over if that rejects. Uniform doubles are the
    top 53 bits of an output times 2**-53 (numpy's ``next_double`` for PCG64 and PCG64DXSM).

    Returns:
        the normals whose outputs all lie in ``raw`` (``count`` if ``raw`` holds them all) and the outputs they
        use, as a plain tuple (``cisim.model.phases.organizations_act`` says why not a named tuple).
    """
    available = raw.shape[0]
    done = used = position = 0  # normals complete, the outputs they use, the outputs read
    while done < count:
        if position >= available:
            return done, used
        layer = raw[position] & _LOW_BYTE
        magnitude = (raw[position] >> np.uint64(9)) & _MAGNITUDE
        position += 1
        if magnitude < ki[layer]:  # the fast path
            done, used = done + 1, position
            continue
        if layer == 0:  # the tail: two doubles a try until one is accepted
            accepted = False
            while not accepted:
                if position + 2 > available:
                    return done, used
                xx = -nor_inv_r * math.log1p(-((raw[position] >> np.uint64(11)) * _TO_DOUBLE))
                yy = -math.log1p(-((raw[position + 1] >> np.uint64(11)) * _TO_DOUBLE))
                position += 2
                accepted = yy + yy > xx * xx
            done, used = done + 1, position
            continue
        if position >= available:
            return done, used
        x = magnitude * wi[layer]  # the sign is left out: it changes no comparison below
        u = (raw[position] >> np.uint64(11)) * _TO_DOUBLE
        position += 1
        if (fi[layer - 1] - fi[layer]) * u + fi[layer] < math.exp(-0.5 * x * x):  # the wedge test
            done, used = done + 1, position
        # else rejected: this normal starts over with the next output
    return done, used


def advance_past_normals(
    bit_generator: np.random.PCG64 | np.random.PCG64DXSM, count: int, spare: int | None = None
) -> None:
    """Step a PCG64 or PCG64DXSM bit generator past ``count`` standard normals, as drawing them would.

    Draws the normals' raw outputs and ``spare`` more (by default a few per cent: the rejection paths read
    about one output in a hundred more), counts with ``normal_outputs``, draws again if they ran short, and
    steps back over the outputs it drew beyond them.
    """
    if spare is None:
        spare = count // 32 + 64
    raw = bit_generator.random_raw(count + spare)
    while True:
        done, used = normal_outputs(raw, count, KI, WI, FI, NOR_INV_R)
        if done == count:
            break
        count -= done  # the rest start at raw[used]: keep those outputs and draw at least one per normal left
        raw = np.concatenate((raw[used:], bit_generator.random_raw(count + spare)))
    surplus = raw.shape[0] - used
    if surplus:
        bit_generator.advance(2**128 - surplus)


@functools.cache
def can_skip_normals(kind: type[np.random.BitGenerator]) -> bool:
    """Whether ``advance_past_normals`` leaves bit generators of this type where drawing normals would.

    Checked once per process and type: blocks of normals drawn from one seed with numpy, the same blocks
    stepped over from the same seed, and the two generators' states compared after each block.
    """
    if not issubclass(kind, ADVANCEABLE):
        return False
    drawn, stepped = kind(SELF_CHECK_SEED), kind(SELF_CHECK_SEED)
    generator = np.random.Generator(drawn)
    for size in SELF_CHECK_BLOCKS:
        generator.standard_normal(size)
        advance_past_normals(stepped, size)
        if stepped.state != drawn.state:
            return False
    return True
