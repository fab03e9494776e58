"""A step's random numbers made in one compiled call, straight from each stream's own PCG64 state.

Every stream of the model is a numpy ``Generator`` over a ``PCG64`` bit generator. Drawn through numpy, a step's
blocks of draws (``CollectiveImpactModel._draw``) cost a numpy call or more each: about a dozen calls, each a
microsecond or two before any number is made, and the normals no rule reads are counted through numpy's raw
outputs (``cisim.model.skipping``). Here one compiled call makes them all, reading and writing each generator's state in
place, so that the generators are left exactly where numpy's own calls would have left them and every number is
numpy's to the last bit:

- a uniform number is numpy's ``next_double``: the top 53 bits of the next 64-bit output times 2**-53;
- a standard normal number is numpy's ``random_standard_normal`` (numpy/random/src/distributions/
  distributions.c): the same ziggurat, with numpy's own tables (``cisim.model.ziggurat_tables``);
- uniform numbers no rule reads are jumped over (``pcg_advance_lcg_128`` of numpy's pcg64.h: the generator's
  ``advance``); normal numbers no rule reads are counted as the ziggurat would read their outputs, without
  computing them;
- with keyed draws (``run.draws = "keyed"``) a part of a step's draws starts where its stream, jumped ahead from
  where it stood when the model was built, reaches ``step * 2**64 + slot * 2**52`` outputs (``seek``): numpy's
  ``advance`` from that state, in one jump of ``step`` strides of 2**64 and one multiply-add for the slot.

PCG64 steps its 128-bit state as ``state * MULTIPLIER + increment`` (mod 2**128) and outputs the two halves of
the new state XOR-ed, rotated right by the state's top six bits. The state is read where numpy keeps it: the
bit generator's ``ctypes.state_address`` holds a pointer to the state and increment (four 64-bit words, low
half first). That is numpy's layout, not a promised interface, so ``available`` checks it once per process: the
pointer must lead inside the same object, and a program of every kind of step, run on a fresh generator, must
give numpy's numbers and leave numpy's state. Where it does not (another numpy, another bit generator), the
model draws through numpy as before (``cisim.model.model._fills``); results are the same either way.
"""

from __future__ import annotations

import ctypes
import functools
import math
from typing import Any, cast

import numpy as np
from llvmlite import ir
from numba import carray, types
from numba.extending import intrinsic

from cisim.model.ziggurat_tables import FI, KI, NOR_INV_R, NOR_R, WI
from cisim.problem.compiled import RepeatedCall, inlined, kernel

#: What a step of a draw program does: fill its part with uniform or normal numbers, step over them, or put its
#: stream where a keyed part starts.
UNIFORM, NORMAL, SKIP_UNIFORM, SKIP_NORMAL, SEEK = 0, 1, 2, 3, 4

#: Keyed draws: step ``t``'s part in slot ``j`` of its stream starts ``t * STEP_STRIDE + j * SLOT_STRIDE`` outputs
#: after where the stream stood when the model was built. A part holds far fewer than 2**52 numbers, and a stream
#: far fewer than 2**12 parts a step, so no two parts overlap.
STEP_STRIDE, SLOT_STRIDE = 2**64, 2**52
_MULTIPLIER = 0x2360ED051FC65DA44385DF649FCCF645  # PCG_DEFAULT_MULTIPLIER_128
_MODULUS = 2**128

_MULTIPLIER_LOW = np.uint64(_MULTIPLIER & (2**64 - 1))  # its low and high halves, for compiled code
_MULTIPLIER_HIGH = np.uint64(_MULTIPLIER >> 64)
#: Two steps in one: ``state * MULTIPLIER**2 + increment * (MULTIPLIER + 1)`` (see ``_uniforms``).
_SQUARED_LOW = np.uint64(_MULTIPLIER**2 % _MODULUS & (2**64 - 1))
_SQUARED_HIGH = np.uint64(_MULTIPLIER**2 % _MODULUS >> 64)
_NINE = np.uint64(9)
_LOW_BYTE = np.uint64(0xFF)
_MAGNITUDE = np.uint64(0x000FFFFFFFFFFFFF)
_TO_DOUBLE = 1.0 / 9007199254740992.0  # 2**-53
_ZERO, _ONE = np.uint64(0), np.uint64(1)
_SIXTY_FOUR, _FIFTY_EIGHT = np.uint64(64), np.uint64(58)
_KI = KI.astype(np.uint64)  # compared with 52-bit magnitudes: as unsigned integers, like numpy's own

#: The self-check's seed and program: every kind of step, with enough normals to take the ziggurat's tail.
SELF_CHECK_SEED = 20_261_207
SELF_CHECK_PROGRAM = (
    (UNIFORM, 1_000),
    (NORMAL, 60_000),
    (SKIP_UNIFORM, 12_345),
    (SKIP_NORMAL, 40_000),
    (UNIFORM, 7),
    (SKIP_UNIFORM, 1),
    (NORMAL, 9),
)


@intrinsic
def _affine(typingctx: Any, low: Any, high: Any, a_low: Any, a_high: Any, c_low: Any, c_high: Any) -> Any:
    """``x * a + c`` modulo 2**128 (``x`` is ``low, high``), each number as its low and high 64-bit halves.

    In 128-bit arithmetic, as numpy's C computes PCG64's step and its jumps.
    """
    pair = types.UniTuple(types.uint64, 2)
    signature = pair(*[types.uint64] * 6)

    def codegen(context: Any, builder: Any, sig: Any, args: Any) -> Any:
        wide, narrow = ir.IntType(128), ir.IntType(64)
        sixty_four = ir.Constant(wide, 64)

        def joined(low: Any, high: Any) -> Any:
            return builder.or_(builder.shl(builder.zext(high, wide), sixty_four), builder.zext(low, wide))

        result = builder.add(builder.mul(joined(args[0], args[1]), joined(args[2], args[3])), joined(args[4], args[5]))
        halves = (builder.trunc(result, narrow), builder.trunc(builder.lshr(result, sixty_four), narrow))
        return context.make_tuple(builder, sig.return_type, halves)

    return signature, codegen


@intrinsic
def _words_at(typingctx: Any, address: Any) -> Any:
    """The four 64-bit words behind the pointer stored at ``address`` (numpy's ``pcg64_state.pcg_state``)."""
    signature = types.CPointer(types.uint64)(types.intp)

    def codegen(context: Any, builder: Any, sig: Any, args: Any) -> Any:
        words = ir.IntType(64).as_pointer()
        return builder.load(builder.inttoptr(args[0], words.as_pointer()))

    return signature, codegen


@inlined
def _step(low: np.uint64, high: np.uint64, inc_low: np.uint64, inc_high: np.uint64) -> tuple:
    """The state after one step: ``state * MULTIPLIER + increment`` (``pcg_setseq_128_step_r``)."""
    return _affine(low, high, _MULTIPLIER_LOW, _MULTIPLIER_HIGH, inc_low, inc_high)


@inlined
def _output(low: np.uint64, high: np.uint64) -> np.uint64:
    """A state's 64-bit output (``pcg_output_xsl_rr_128_64``): its halves XOR-ed, rotated by its top six bits."""
    mixed, rotation = high ^ low, high >> _FIFTY_EIGHT
    return (mixed >> rotation) | (mixed << ((_SIXTY_FOUR - rotation) & np.uint64(63)))


@inlined
def _double(output: np.uint64) -> float:
    """A uniform number from an output, as numpy's ``next_double`` for PCG64: its top 53 bits times 2**-53."""
    return np.int64(output >> np.uint64(11)) * _TO_DOUBLE  # below 2**53: converted as a signed number, exactly


@inlined
def _normal(
    low: np.uint64,
    high: np.uint64,
    inc_low: np.uint64,
    inc_high: np.uint64,
    ki: np.ndarray,
    wi: np.ndarray,
    fi: np.ndarray,
    keep: bool,
) -> tuple:
    """A standard normal number from this state, as numpy's ``random_standard_normal``, and the state after it.

    With ``keep`` false the outputs are read but no number is made (0 is returned). Each try reads one output,
    whose low byte picks a layer, the next bit the sign and the 52 above it a magnitude, returning at once if
    the magnitude is below ``ki[layer]``; in the base layer it samples the tail (two uniform doubles a try until
    one is accepted), in any other it reads one uniform double for the wedge test and starts over if that
    rejects. The state is kept in local variables, not written back after every output, so that each output
    waits only on the arithmetic of the one before it.
    """
    while True:
        low, high = _step(low, high, inc_low, inc_high)
        r = _output(low, high)
        layer = r & _LOW_BYTE
        r >>= np.uint64(8)
        magnitude = (r >> _ONE) & _MAGNITUDE
        if magnitude < ki[layer]:
            if not keep:
                return 0.0, low, high
            x = magnitude * wi[layer]
            return (-x if r & _ONE else x), low, high
        x = magnitude * wi[layer]
        if r & _ONE:
            x = -x
        if layer == 0:
            while True:
                low, high = _step(low, high, inc_low, inc_high)
                xx = -NOR_INV_R * math.log1p(-_double(_output(low, high)))
                low, high = _step(low, high, inc_low, inc_high)
                yy = -math.log1p(-_double(_output(low, high)))
                if yy + yy > xx * xx:
                    return (-(NOR_R + xx) if (magnitude >> np.uint64(8)) & _ONE else NOR_R + xx), low, high
        else:
            low, high = _step(low, high, inc_low, inc_high)
            if (fi[layer - _ONE] - fi[layer]) * _double(_output(low, high)) + fi[layer] < math.exp(-0.5 * x * x):
                return x, low, high


@inlined
def _uniforms(
    low: np.uint64, high: np.uint64, inc_low: np.uint64, inc_high: np.uint64, out: np.ndarray, start: int, stop: int
) -> tuple:
    """Fill ``out[start:stop]`` with uniform numbers from this state, as ``_double(_output(...))`` one by one would.

    Two outputs' states at a time: each of a pair is two steps on from its own predecessor of the pair before
    (``state * MULTIPLIER**2 + increment * (MULTIPLIER + 1)``), so the two multiplications do not wait on each
    other. One output's state waits on the one before it, and that wait was most of a number's time: about 1.7
    against 1.3 ns a number in draw programs (alternating processes). The same states, the same numbers. Returns
    the state after the last.
    """
    i = start
    if stop - start >= 4:
        twice_low: np.uint64  # the increment of two steps: increment * (MULTIPLIER + 1)
        twice_high: np.uint64
        twice_low, twice_high = _affine(inc_low, inc_high, _MULTIPLIER_LOW, _MULTIPLIER_HIGH, inc_low, inc_high)
        first_low, first_high = _step(low, high, inc_low, inc_high)
        second_low, second_high = _step(first_low, first_high, inc_low, inc_high)
        while True:
            out[i] = _double(_output(first_low, first_high))
            out[i + 1] = _double(_output(second_low, second_high))
            i += 2
            if stop - i < 2:
                break
            first_low, first_high = _affine(first_low, first_high, _SQUARED_LOW, _SQUARED_HIGH, twice_low, twice_high)
            second_low, second_high = _affine(
                second_low, second_high, _SQUARED_LOW, _SQUARED_HIGH, twice_low, twice_high
            )
        low, high = second_low, second_high
    for j in range(i, stop):
        low, high = _step(low, high, inc_low, inc_high)
        out[j] = _double(_output(low, high))
    return low, high


@inlined
def _signed(output: np.uint64, magnitude: np.uint64, layer: np.uint64, wi: np.ndarray) -> float:
    """The number made from an output that takes the ziggurat's first test (``_normal``'s first return).

    Its magnitude times ``wi[layer]``, signed by the output's ninth bit.
    """
    x = magnitude * wi[layer]
    return -x if (output >> np.uint64(8)) & _ONE else x


@inlined
def _normals(
    low: np.uint64,
    high: np.uint64,
    inc_low: np.uint64,
    inc_high: np.uint64,
    ki: np.ndarray,
    wi: np.ndarray,
    fi: np.ndarray,
    out: np.ndarray,
    start: int,
    stop: int,
    keep: bool,
) -> tuple:
    """``stop - start`` standard normal numbers into ``out[start:stop]`` (with ``keep``; else stepped over).

    As ``_normal`` one by one, two at a time where it can: the next two outputs' states are made as ``_uniforms``
    makes them, and where both outputs take the ziggurat's first test (about 98 % of pairs) both numbers are
    made from them; otherwise the first number is made (or started) from the state before, by ``_normal``, and
    the next pair's states are made from wherever it ended. The same outputs are read in the same order, so the
    numbers and the final state are numpy's. In draw programs (alternating processes) a number stepped over took
    about 1.6 ns against 2.3 one by one, and one made 2.1 against 3.4. Returns the state after the last.
    """
    twice_low: np.uint64  # the increment of two steps: increment * (MULTIPLIER + 1)
    twice_high: np.uint64
    twice_low, twice_high = _affine(inc_low, inc_high, _MULTIPLIER_LOW, _MULTIPLIER_HIGH, inc_low, inc_high)
    i = start
    first_low, first_high = _step(low, high, inc_low, inc_high)
    second_low, second_high = _step(first_low, first_high, inc_low, inc_high)
    while stop - i >= 2:
        first, second = _output(first_low, first_high), _output(second_low, second_high)
        first_layer, second_layer = first & _LOW_BYTE, second & _LOW_BYTE
        first_magnitude, second_magnitude = (first >> _NINE) & _MAGNITUDE, (second >> _NINE) & _MAGNITUDE
        first_taken = first_magnitude < ki[first_layer]
        if first_taken and second_magnitude < ki[second_layer]:
            if keep:
                out[i] = _signed(first, first_magnitude, first_layer, wi)
                out[i + 1] = _signed(second, second_magnitude, second_layer, wi)
            i += 2
            low, high = second_low, second_high
            first_low, first_high = _affine(first_low, first_high, _SQUARED_LOW, _SQUARED_HIGH, twice_low, twice_high)
            second_low, second_high = _affine(
                second_low, second_high, _SQUARED_LOW, _SQUARED_HIGH, twice_low, twice_high
            )
            continue
        if first_taken:
            if keep:
                out[i] = _signed(first, first_magnitude, first_layer, wi)
            i += 1
            low, high = first_low, first_high
        value, low, high = _normal(low, high, inc_low, inc_high, ki, wi, fi, keep)
        if keep:
            out[i] = value
        i += 1
        first_low, first_high = _step(low, high, inc_low, inc_high)
        second_low, second_high = _step(first_low, first_high, inc_low, inc_high)
    while i < stop:
        value, low, high = _normal(low, high, inc_low, inc_high, ki, wi, fi, keep)
        if keep:
            out[i] = value
        i += 1
    return low, high


@inlined
def _power(mult_low: np.uint64, mult_high: np.uint64, plus_low: np.uint64, plus_high: np.uint64, times: int) -> tuple:
    """The map ``x -> x * mult + plus`` (mod 2**128) applied ``times`` times, as its own multiplier and addend.

    Squaring as ``pcg_advance_lcg_128`` does: with ``(MULTIPLIER, increment)`` it is numpy's ``advance``.
    """
    step = np.uint64(times)
    acc_mult_low, acc_mult_high, acc_plus_low, acc_plus_high = _ONE, _ZERO, _ZERO, _ZERO
    while step > _ZERO:
        if step & _ONE:
            acc_mult_low, acc_mult_high = _affine(acc_mult_low, acc_mult_high, mult_low, mult_high, _ZERO, _ZERO)
            acc_plus_low, acc_plus_high = _affine(acc_plus_low, acc_plus_high, mult_low, mult_high, plus_low, plus_high)
        # (mult + 1) * plus
        plus_low, plus_high = _affine(plus_low, plus_high, mult_low, mult_high, plus_low, plus_high)
        mult_low, mult_high = _affine(mult_low, mult_high, mult_low, mult_high, _ZERO, _ZERO)
        step >>= _ONE
    return acc_mult_low, acc_mult_high, acc_plus_low, acc_plus_high


@kernel
def _advance(words: np.ndarray, delta: int) -> None:
    """Step the generator ``delta`` outputs on in one jump (``pcg_advance_lcg_128``: numpy's ``advance``)."""
    mult_low, mult_high, plus_low, plus_high = _power(_MULTIPLIER_LOW, _MULTIPLIER_HIGH, words[2], words[3], delta)
    words[0], words[1] = _affine(words[0], words[1], mult_low, mult_high, plus_low, plus_high)


@kernel
def run_program(
    program: np.ndarray,
    addresses: np.ndarray,
    out: np.ndarray,
    ki: np.ndarray,
    wi: np.ndarray,
    fi: np.ndarray,
    keys: np.ndarray,
    jumps: np.ndarray,
    step: np.ndarray,
) -> None:
    """Run a draw program: row ``(stream, kind, start, stop)`` fills ``out[start:stop]`` or steps over as many.

    ``addresses[stream]`` is the stream's ``ctypes.state_address``; the rows run in order, so each stream's
    numbers come in the order its blocks list them. A ``SEEK`` row ``(stream, SEEK, jump, 0)`` puts the stream
    where keyed part ``jump`` of step ``step[0]`` starts: ``keys[stream]`` holds where the stream stood when the
    model was built (state, low half first) and the multiplier and addend of a stride of ``STEP_STRIDE``
    outputs; ``jumps[jump]`` the multiplier and addend from there to the part's slot. Unkeyed programs pass
    empty ``keys`` and ``jumps``.
    """
    bases = np.empty((keys.shape[0], 2), dtype=np.uint64)
    for stream in range(keys.shape[0]):  # where each keyed stream's step starts
        mult_low, mult_high, plus_low, plus_high = _power(
            keys[stream, 2], keys[stream, 3], keys[stream, 4], keys[stream, 5], step[0]
        )
        bases[stream, 0], bases[stream, 1] = _affine(
            keys[stream, 0], keys[stream, 1], mult_low, mult_high, plus_low, plus_high
        )
    for row in range(program.shape[0]):
        stream, kind, start, stop = program[row, 0], program[row, 1], program[row, 2], program[row, 3]
        words = carray(_words_at(addresses[stream]), 4)
        if kind == SKIP_UNIFORM:
            _advance(words, stop - start)
            continue
        if kind == SEEK:
            words[0], words[1] = _affine(
                bases[stream, 0], bases[stream, 1], jumps[start, 0], jumps[start, 1], jumps[start, 2], jumps[start, 3]
            )
            continue
        low, high, inc_low, inc_high = words[0], words[1], words[2], words[3]
        if kind == UNIFORM:
            low, high = _uniforms(low, high, inc_low, inc_high, out, start, stop)
        elif kind == NORMAL:  # each with its own constant: the compiled loops test nothing they need not
            low, high = _normals(low, high, inc_low, inc_high, ki, wi, fi, out, start, stop, True)
        else:
            low, high = _normals(low, high, inc_low, inc_high, ki, wi, fi, out, start, stop, False)
        words[0], words[1] = low, high


def jump(delta: int, increment: int) -> tuple[int, int]:
    """The multiplier and addend that step a PCG64 state with this increment ``delta`` outputs on (mod 2**128)."""
    acc_mult, acc_plus, mult, plus = 1, 0, _MULTIPLIER, increment
    while delta:
        if delta & 1:
            acc_mult, acc_plus = acc_mult * mult % _MODULUS, (acc_plus * mult + plus) % _MODULUS
        plus, mult = (mult + 1) * plus % _MODULUS, mult * mult % _MODULUS
        delta >>= 1
    return acc_mult, acc_plus


def _halves(*numbers: int) -> list[int]:
    """Each 128-bit number as its low and high 64-bit halves, in order."""
    return [half for number in numbers for half in (number & (2**64 - 1), number >> 64)]


def key_arrays(origins: list[tuple[int, int]], seeks: list[tuple[int, int]]) -> tuple[np.ndarray, np.ndarray]:
    """``keys`` and ``jumps`` for ``run_program``, from where each stream stood and each ``SEEK``'s slot.

    ``origins[stream]`` is ``(state, increment)`` where the stream stood when the model was built; ``seeks``
    lists each ``SEEK`` row's ``(stream, slot)``, in order.
    """
    keys = [[*_halves(state), *_halves(*jump(STEP_STRIDE, increment))] for state, increment in origins]
    jumps = [_halves(*jump(slot * SLOT_STRIDE, origins[stream][1])) for stream, slot in seeks]
    return np.array(keys, dtype=np.uint64).reshape(-1, 6), np.array(jumps, dtype=np.uint64).reshape(-1, 4)


_NO_KEYS, _NO_JUMPS = np.zeros((0, 6), dtype=np.uint64), np.zeros((0, 4), dtype=np.uint64)


_capsule_pointer = ctypes.pythonapi.PyCapsule_GetPointer
_capsule_pointer.restype = ctypes.c_void_p
_capsule_pointer.argtypes = [ctypes.py_object, ctypes.c_char_p]


def _state_address(bit_generator: np.random.PCG64) -> int | None:
    """The bit generator's state address if the pointer stored there leads inside the same object, else ``None``.

    Read from the bit generator's ``capsule`` (numpy's ``bitgen_t``, whose first member is the state address:
    ``ctypes.state_address``, without building the ctypes interface, which costs several times as much). numpy's
    PCG64 keeps, at that address, a pointer to its state and increment, both members of the same object (24
    bytes on): a pointer that leads anywhere else means another layout, and is never followed. ``available``
    checks once per process that the words it leads to are the state numpy reports.
    """
    bitgen = _capsule_pointer(bit_generator.capsule, b"BitGenerator")
    address = ctypes.c_void_p.from_address(bitgen).value if bitgen else None
    if address is None:
        return None
    pointer = ctypes.c_void_p.from_address(address).value
    return address if pointer is not None and 0 < pointer - address <= 256 else None


def _reads_numpys_state(bit_generator: np.random.PCG64, address: int) -> bool:
    """Whether the four words behind ``address`` are the state and increment numpy reports (low halves first)."""
    pointer = ctypes.c_void_p.from_address(address).value
    low, high, inc_low, inc_high = (int(word) for word in (ctypes.c_uint64 * 4).from_address(pointer or 0))
    state = bit_generator.state["state"]
    return (high << 64 | low, inc_high << 64 | inc_low) == (state["state"], state["inc"])


@functools.cache
def available() -> bool:
    """Whether ``run_program`` makes numpy's numbers from numpy's PCG64 in this process (checked once).

    Runs ``SELF_CHECK_PROGRAM`` on one generator and the same draws through numpy on another from the same seed
    (advancing and drawing normals to discard where the program steps over), and compares every number and the
    final state.
    """
    compiled, drawn = np.random.PCG64(SELF_CHECK_SEED), np.random.PCG64(SELF_CHECK_SEED)
    address = _state_address(compiled)
    if address != compiled.ctypes.state_address or not _reads_numpys_state(compiled, address):
        return False
    rows, start = [], 0
    for kind, size in SELF_CHECK_PROGRAM:
        rows.append((0, kind, start, start + size))
        start += size
    out = np.zeros(start)
    addresses = np.array([address], dtype=np.intp)
    run_program(np.array(rows, dtype=np.int64), addresses, out, _KI, WI, FI, _NO_KEYS, _NO_JUMPS, np.zeros(1, np.int64))
    expected, generator = np.zeros(start), np.random.Generator(drawn)
    for _, kind, begin, end in rows:
        if kind == UNIFORM:
            generator.random(out=expected[begin:end])
        elif kind == NORMAL:
            generator.standard_normal(out=expected[begin:end])
        elif kind == SKIP_UNIFORM:
            drawn.advance(end - begin)
        else:
            generator.standard_normal(end - begin)
    return bool(np.array_equal(out, expected)) and compiled.state == drawn.state


@functools.cache
def seeks_available() -> bool:
    """Whether ``run_program`` puts keyed parts where numpy would in this process (checked once, when first asked).

    Asked only by keyed programs: a sequential one needs ``available`` alone.
    """
    return available() and _seeks_as_numpy()


def _seeks_as_numpy() -> bool:
    """Whether keyed parts start where numpy's ``advance`` from the stream's starting state puts them.

    Two parts of one stream at a step far from the first, so that the stride's power takes many squarings.
    """
    compiled, drawn = np.random.PCG64(SELF_CHECK_SEED + 1), np.random.PCG64(SELF_CHECK_SEED + 1)
    address = _state_address(compiled)
    if address is None or address != compiled.ctypes.state_address:
        return False
    origin = compiled.state
    state = origin["state"]
    step, slots, sizes = 2**40 + 7, (3, 0), (5, 4)
    keys, jumps = key_arrays([(state["state"], state["inc"])], [(0, slot) for slot in slots])
    rows = [(0, SEEK, 0, 0), (0, UNIFORM, 0, 5), (0, SEEK, 1, 0), (0, NORMAL, 5, 9)]
    out = np.zeros(sum(sizes))
    step_array = np.full(1, step, dtype=np.int64)
    run_program(np.array(rows, dtype=np.int64), np.array([address], np.intp), out, _KI, WI, FI, keys, jumps, step_array)
    generator = np.random.Generator(drawn)
    drawn.advance(step * STEP_STRIDE + slots[0] * SLOT_STRIDE)
    uniform = generator.random(sizes[0])
    drawn.state = origin
    drawn.advance(step * STEP_STRIDE + slots[1] * SLOT_STRIDE)
    normal = generator.standard_normal(sizes[1])
    return bool(np.array_equal(out, np.concatenate([uniform, normal]))) and compiled.state == drawn.state


class Program:
    """A step's draws as one compiled call (``run_program``) into one buffer ``out``.

    Holds the streams' generators, so that the state addresses it reads stay theirs for as long as it lives.
    Never pickled (the addresses are this process's): the model builds it again after unpickling.
    """

    def __init__(
        self,
        rows: list[tuple[int, int, int, int]],
        generators: list[np.random.Generator],
        out: np.ndarray,
        addresses: list[int] | None = None,
        origins: list[tuple[int, int]] | None = None,
        step: np.ndarray | None = None,
    ) -> None:
        """Rows as ``run_program`` reads them; ``generators[stream]`` is row ``(stream, ...)``'s.

        ``addresses`` are the generators' state addresses as ``_addresses`` gives them (read here if not given).
        Keyed programs give each generator's ``(state, increment)`` where it stood when the model was built
        (``origins``) and a one-number array holding the step being drawn (``step``, read at every call); their
        ``SEEK`` rows are ``(stream, SEEK, slot, 0)``.
        """
        addresses = addresses or _addresses(generators)
        if addresses is None:  # never follow a pointer whose layout is not the one checked
            raise ValueError("a compiled program draws from numpy's PCG64 only, where pcg.available() says it can")
        if origins is None and any(row[1] == SEEK for row in rows):
            raise ValueError("a program that seeks keyed parts needs where each stream stood (origins)")
        seeks = [(stream, slot) for stream, kind, slot, _ in rows if kind == SEEK]
        numbered = iter(range(len(seeks)))  # a SEEK row names its jump by number
        self.rows = np.array(
            [(stream, kind, next(numbered) if kind == SEEK else a, b) for stream, kind, a, b in rows], dtype=np.int64
        ).reshape(-1, 4)
        self.keys: np.ndarray
        self.jumps: np.ndarray
        self.keys, self.jumps = key_arrays(origins, seeks) if origins is not None else (_NO_KEYS, _NO_JUMPS)
        self.step = step if step is not None else np.zeros(1, dtype=np.int64)
        self.generators = generators
        self.addresses = np.array(addresses, dtype=np.intp)
        self.out = out
        self._run = RepeatedCall(run_program)  # the same arrays every step: typed once

    def __call__(self, _: Any = None) -> None:
        """Make this step's numbers (the argument is ignored: the program fills its own buffer)."""
        self._run(self.rows, self.addresses, self.out, _KI, WI, FI, self.keys, self.jumps, self.step)

    def sizes(self, kind: int) -> list[int]:
        """How many numbers each row of this kind makes or steps over, in order."""
        return [int(stop - start) for _, k, start, stop in self.rows if k == kind]


def program(
    rows: list[tuple[int, int, int, int]],
    generators: list[np.random.Generator],
    out: np.ndarray,
    origins: list[tuple[int, int]] | None = None,
    step: np.ndarray | None = None,
) -> Program | None:
    """A ``Program`` of these rows, or ``None`` where one cannot draw for these generators (``usable``).

    A keyed program (``origins`` given) needs ``seeks_available`` too.
    """
    addresses = _addresses(generators)
    if addresses is None or (origins is not None and not seeks_available()):
        return None
    return Program(rows, generators, out, addresses, origins, step)


def usable(generators: list[np.random.Generator]) -> bool:
    """Whether a program can draw for these generators.

    It can where this process's numpy passed the self-check (``available``) and every generator is numpy's PCG64
    with its state where it is read.
    """
    return _addresses(generators) is not None


def _addresses(generators: list[np.random.Generator]) -> list[int] | None:
    """Each generator's state address, or ``None`` unless a program can draw for them all."""
    if not available() or any(type(g.bit_generator) is not np.random.PCG64 for g in generators):
        return None
    addresses = [_state_address(g.bit_generator) for g in generators]
    return None if None in addresses else cast(list[int], addresses)
