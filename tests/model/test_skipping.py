"""Stepping over standard normals leaves a generator exactly where numpy's ``standard_normal`` leaves it."""

import math

import numpy as np
import pytest

from cisim.model import skipping
from cisim.model.ziggurat_tables import FI, KI, NOR_INV_R, NOR_R, WI

KINDS = [np.random.PCG64, np.random.PCG64DXSM]


def _reference_normals(raw: np.ndarray, count: int) -> tuple[np.ndarray, int]:
    """numpy's ``random_standard_normal`` transcribed line by line: the normals and the outputs they read."""
    values, position = [], 0

    def next_double() -> float:
        nonlocal position
        position += 1
        return (int(raw[position - 1]) >> 11) * (1.0 / 9007199254740992.0)

    for _ in range(count):
        while True:
            r = int(raw[position])
            position += 1
            layer, r = r & 0xFF, r >> 8
            sign, magnitude = r & 0x1, (r >> 1) & 0x000FFFFFFFFFFFFF
            x = magnitude * float(WI[layer])
            x = -x if sign else x
            if magnitude < int(KI[layer]):
                break
            if layer == 0:
                while True:
                    xx = -NOR_INV_R * math.log1p(-next_double())
                    yy = -math.log1p(-next_double())
                    if yy + yy > xx * xx:
                        break
                x = -(NOR_R + xx) if (magnitude >> 8) & 0x1 else NOR_R + xx
                break
            if (float(FI[layer - 1]) - float(FI[layer])) * next_double() + float(FI[layer]) < math.exp(-0.5 * x * x):
                break
        values.append(x)
    return np.array(values), position


@pytest.mark.parametrize("kind", KINDS)
def test_the_tables_and_constants_give_numpys_normals_to_the_last_bit(kind):
    """Every table entry and constant the replay reads gives numpy's own numbers (fast path, wedge and tail)."""
    count = 200_000
    raw = kind(5).random_raw(count + 10_000)
    expected = np.random.Generator(kind(5)).standard_normal(count)
    values, _ = _reference_normals(raw, count)
    assert values.view(np.uint64).tolist() == expected.view(np.uint64).tolist()
    assert (np.abs(expected) > NOR_R).sum() > 20  # the tail was taken


@pytest.mark.parametrize("kind", KINDS)
def test_uniform_doubles_are_an_outputs_top_53_bits(kind):
    raw = kind(2).random_raw(10_000)
    assert np.array_equal(np.random.Generator(kind(2)).random(10_000), (raw >> np.uint64(11)) * 2.0**-53)


@pytest.mark.parametrize("kind", KINDS)
def test_an_advance_by_two_to_the_128_less_k_steps_back_k(kind):
    bit_generator = kind(9)
    start = bit_generator.state
    bit_generator.random_raw(1_000)
    bit_generator.advance(2**128 - 1_000)
    assert bit_generator.state == start


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("seed", [1, 2024, 987_654_321])
def test_stepping_over_ten_million_normals_reads_what_numpy_reads(kind, seed):
    """Blocks of 1, 2, 255, 256 and 20,800 normals, over 10.4 million in all, stepped over and drawn."""
    drawn, stepped = kind(seed), kind(seed)
    generator = np.random.Generator(drawn)
    normals = tails = 0
    for size, blocks in [(1, 20_000), (2, 20_000), (255, 4_000), (256, 4_000), (20_800, 400)]:
        for _ in range(blocks):
            tails += int((np.abs(generator.standard_normal(size)) > NOR_R).sum())
            skipping.advance_past_normals(stepped, size)
        normals += size * blocks
        assert stepped.state == drawn.state, size
    # The rejection paths were taken thousands of times: each tail reads two or more outputs beyond its first,
    # each wedge test one; the outputs read beyond one a normal are their sum (the states agree, so the count
    # of the outputs read is numpy's).
    done, used = skipping.normal_outputs(kind(seed).random_raw(normals + normals // 10), normals, KI, WI, FI, NOR_INV_R)
    assert done == normals
    assert tails > 1_000
    assert used - normals - 2 * tails > 50_000


@pytest.mark.parametrize("spare", [0, 1, 3])
def test_drawing_again_when_the_outputs_run_short_changes_nothing(spare):
    drawn, stepped = np.random.PCG64(77), np.random.PCG64(77)
    generator = np.random.Generator(drawn)
    for size in [1, 2, 7, 255, 256, 1_000, 20_800] * 5:
        generator.standard_normal(size)
        skipping.advance_past_normals(stepped, size, spare=spare)
        assert stepped.state == drawn.state, size


def test_the_counter_stops_before_a_normal_whose_outputs_run_past_the_end():
    raw = np.random.PCG64(3).random_raw(300)
    _, whole = skipping.normal_outputs(raw, 250, KI, WI, FI, NOR_INV_R)
    assert whole > 250  # some rare path in there
    for cut in range(250, whole):
        done, used = skipping.normal_outputs(raw[:cut], 250, KI, WI, FI, NOR_INV_R)
        assert done < 250 and used <= cut
        assert skipping.normal_outputs(raw[:used], done, KI, WI, FI, NOR_INV_R) == (done, used)


def test_the_self_check_passes_here_and_other_generators_draw():
    assert skipping.can_skip_normals(np.random.PCG64)
    assert skipping.can_skip_normals(np.random.PCG64DXSM)
    assert not skipping.can_skip_normals(np.random.MT19937)
    assert not skipping.can_skip_normals(np.random.Philox)
