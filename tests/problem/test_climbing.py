"""The compiled climber reaches the peaks of the lockstep numpy climber it replaced, exactly.

``Landscape.estimated_extremes`` climbs from many random starts (above 24 elements, after every change of the
problem). The climb moved every start at once with array operations (``_lockstep`` below, kept as the
reference); ``cisim.problem.climbing.climb`` climbs one start after another with the same arithmetic. The
estimate, and so every outcome of a run above 24 elements, must not change.
"""

import numpy as np
import pytest

from cisim.problem import Landscape
from cisim.problem import landscape as landscape_module
from cisim.problem.climbing import change_gains, table_indexes


def _lockstep(climber: landscape_module._Climber, starts: np.ndarray, sign: float) -> np.ndarray:
    """The numpy climber as it was: every start in lockstep, one array operation at a time."""
    configs = starts.copy()
    index = (configs[:, climber.dependencies].astype(np.intp) * climber.bit).sum(axis=2) + climber.offsets
    active = np.arange(len(configs))
    while active.size:
        here = climber.tables[index[active]]
        there = climber.tables[index[active][:, climber.pair_rows] ^ climber.pair_masks]
        changes = (there - here[:, climber.pair_rows])[:, climber.grouped]
        gains = np.full((active.size, climber.n_elements), -np.inf)
        gains[:, climber.moved] = sign * np.add.reduceat(changes, climber.group_starts, axis=1)
        move = gains.argmax(axis=1)
        climbing = gains[np.arange(active.size), move] > 1e-12
        active, move = active[climbing], move[climbing]
        configs[active, move] ^= True
        index[active] ^= climber.toggles[move]
    values = climber.tables[index].sum(axis=1)
    return configs[int((sign * values).argmax())].copy()


def _climbers(landscape: Landscape, tables: np.ndarray) -> list[landscape_module._Climber]:
    """The climber of the whole problem and each domain's, as ``estimated_extremes`` builds them."""
    n = landscape.n_elements
    domains = np.split(np.arange(n), landscape._geometry.domain_starts[1:])
    return [landscape_module._Climber(tables, landscape.dependencies, n)] + [
        landscape_module._Climber(tables[rows], landscape.dependencies[rows], n) for rows in domains
    ]


@pytest.mark.parametrize("interaction", ["random", "with_replacement", "adjacent"])
@pytest.mark.parametrize(
    "n, k, n_domains", [(8, 0, 1), (12, 3, 2), (20, 5, 4), (26, 6, 4), (32, 2, 3), (40, 10, 4), (40, 18, 1)]
)
def test_the_compiled_climb_reaches_the_lockstep_climbs_peaks(n, k, n_domains, interaction):
    """Random, lifted and quarter tables (where many changes gain exactly alike: ties go to the first element)."""
    rng = np.random.default_rng(n * 1000 + k * 10 + n_domains)
    for trial in range(3):
        landscape = Landscape(n, n_domains, k, 0.75, rng, interaction=interaction)
        tables = landscape.tables
        if trial == 1:
            landscape.improve(int(rng.integers(n)), 0.6)
            tables = landscape.tables
        if trial == 2:
            tables = np.round(tables * 4) / 4
        starts = rng.random((64, n)) < 0.5
        for climber in _climbers(landscape, tables):
            for sign in (1.0, -1.0):
                expected = _lockstep(climber, starts, sign)
                assert np.array_equal(climber(starts, sign), expected), (n, k, n_domains, interaction, trial, sign)


def test_the_estimate_of_a_landscape_is_the_lockstep_climbs():
    """End to end: ``estimated_extremes`` with the compiled climb picks the configurations the lockstep one picks."""
    landscape = Landscape(30, 4, 6, 0.75, np.random.default_rng(11))
    estimate = landscape.estimated_extremes(starts=256)
    rng = np.random.default_rng(landscape._estimate_seed)
    starts = rng.random((256, 30)) < 0.5
    climbers = _climbers(landscape, landscape.tables)
    best = _lockstep(climbers[0], starts, 1.0)
    worst = _lockstep(climbers[0], starts, -1.0)
    raw = landscape.raw_fitness(np.array([best, worst]))
    assert estimate.maximum == raw[0] and estimate.minimum == raw[1]


@pytest.mark.parametrize("interaction", ["random", "with_replacement"])
@pytest.mark.parametrize("n, k", [(26, 6), (40, 10), (30, 14)])
def test_every_gain_is_numpys_to_the_last_bit(n, k, interaction):
    """The sums themselves, not only the moves they lead to: each change's gain, bit for bit.

    As ``numpy.add.reduceat`` sums the grouped differences (groups past numpy's blocks of 8 here), on many
    configurations.
    """
    rng = np.random.default_rng(n + 100 * k)
    landscape = Landscape(n, 4, k, 0.5, rng, interaction=interaction)
    climber = _climbers(landscape, landscape.tables)[0]
    configs = rng.random((200, n)) < 0.5
    indexes = (configs[:, climber.dependencies].astype(np.intp) * climber.bit).sum(axis=2) + climber.offsets
    here = climber.tables[indexes]
    there = climber.tables[indexes[:, climber.pair_rows] ^ climber.pair_masks]
    changes = (there - here[:, climber.pair_rows])[:, climber.grouped]
    expected_gains = np.full((len(configs), n), -np.inf)
    expected_gains[:, climber.moved] = -1.0 * np.add.reduceat(changes, climber.group_starts, axis=1)
    index = np.empty(len(climber.dependencies), dtype=np.intp)
    scratch, gains = np.empty(len(climber.grouped)), np.empty(n)
    for c, config in enumerate(configs):
        table_indexes(config, climber.dependencies, climber.offsets, index)
        assert np.array_equal(index, indexes[c])
        change_gains(
            climber.tables,
            index,
            climber.pair_rows,
            climber.pair_masks,
            climber.grouped,
            climber.moved,
            climber.group_starts,
            -1.0,
            scratch,
            gains,
        )
        assert gains.tobytes() == expected_gains[c].tobytes(), c
