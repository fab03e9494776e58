"""The step's draws made in one compiled call are numpy's numbers, and leave every generator where numpy would."""

import pickle

import numpy as np
import pytest

from cisim.model import CollectiveImpactModel, pcg

KINDS = (pcg.UNIFORM, pcg.NORMAL, pcg.SKIP_UNIFORM, pcg.SKIP_NORMAL)


def _through_numpy(generator: np.random.Generator, rows: list[tuple[int, int, int, int]], out: np.ndarray) -> None:
    """What a program's rows do, done with numpy's own calls on one generator."""
    for _, kind, start, stop in rows:
        if kind == pcg.UNIFORM:
            generator.random(out=out[start:stop])
        elif kind == pcg.NORMAL:
            generator.standard_normal(out=out[start:stop])
        elif kind == pcg.SKIP_UNIFORM:
            generator.bit_generator.advance(stop - start)
        else:
            generator.standard_normal(stop - start)


def _rows(sizes_and_kinds: list[tuple[int, int]], stream: int = 0) -> tuple[list[tuple[int, int, int, int]], int]:
    rows, start = [], 0
    for kind, size in sizes_and_kinds:
        rows.append((stream, kind, start, start + size))
        start += size
    return rows, start


def _assert_numpys(steps: list[tuple[int, int]], seed: int) -> tuple[np.random.Generator, np.random.Generator]:
    """A program of these steps gives numpy's numbers and leaves the generator where numpy's calls leave it.

    Returns the generator the program drew from and the one numpy's calls drew from.
    """
    rows, size = _rows(steps)
    compiled, drawn = np.random.default_rng(seed), np.random.default_rng(seed)
    out, expected = np.zeros(size), np.zeros(size)
    pcg.Program(rows, [compiled], out)()
    _through_numpy(drawn, rows, expected)
    assert np.array_equal(out, expected)
    assert compiled.bit_generator.state == drawn.bit_generator.state
    return compiled, drawn


def test_numpy_here_keeps_its_pcg64_state_where_the_program_reads_it():
    assert pcg.available()  # else every run here would draw through numpy: correct, but not what is tested
    assert pcg.usable([np.random.default_rng(1)])


@pytest.mark.parametrize("seed", range(12))
def test_a_program_of_every_kind_gives_numpys_numbers_and_state(seed):
    """Random programs (kinds and sizes drawn, normals enough to reach the ziggurat's tail and wedges)."""
    shape = np.random.default_rng(seed + 900)
    steps = [(int(shape.choice(KINDS)), int(shape.integers(0, 5_000))) for _ in range(12)]
    steps.append((pcg.NORMAL, 30_000))
    compiled, drawn = _assert_numpys(steps, seed)
    assert compiled.random() == drawn.random()  # and they go on alike


def test_the_ziggurats_rare_paths_are_numpys():
    """Over a million normals numpy takes its tail about 250 times and its wedge test about 20,000 times."""
    rows, size = _rows([(pcg.NORMAL, 1_000_000)])
    compiled, drawn = np.random.default_rng(77), np.random.default_rng(77)
    out = np.zeros(size)
    pcg.Program(rows, [compiled], out)()
    expected = drawn.standard_normal(size)
    assert np.array_equal(out, expected)
    assert (np.abs(expected) > 3.6541528853610087).sum() > 100  # beyond the base layer's edge: the tail, taken
    assert compiled.bit_generator.state == drawn.bit_generator.state


def test_stepping_over_a_million_normals_leaves_numpys_state():
    """Numbers are made two at a time where both take the ziggurat's first test: a rare path on either of a pair
    (tail, wedge) must leave the stream where numpy's does, also when nothing is kept."""
    _assert_numpys([(pcg.SKIP_NORMAL, 1_000_000), (pcg.NORMAL, 3)], 78)


@pytest.mark.parametrize("kind", [pcg.UNIFORM, pcg.NORMAL, pcg.SKIP_NORMAL])
def test_short_rows_of_every_length_are_numpys(kind):
    """Rows shorter than a pair, of an odd length, or ending mid-pair: every length up to 11, one after another."""
    _assert_numpys([(kind, length) for length in range(12)], 79)


@pytest.mark.parametrize("delta", [1, 2, 3, 1_000, 2**31 + 5, 2**62 + 12_345])
def test_stepping_over_uniform_numbers_is_numpys_advance(delta):
    compiled, drawn = np.random.default_rng(5), np.random.default_rng(5)
    compiled.random(3), drawn.random(3)
    pcg.Program([(0, pcg.SKIP_UNIFORM, 0, delta)], [compiled], np.zeros(0))()
    drawn.bit_generator.advance(delta)
    assert compiled.bit_generator.state == drawn.bit_generator.state


def test_rows_of_several_streams_run_in_order_each_on_its_own_stream():
    first, second = np.random.default_rng(1), np.random.default_rng(2)
    rows = [(0, pcg.UNIFORM, 0, 10), (1, pcg.NORMAL, 10, 30), (0, pcg.SKIP_NORMAL, 30, 40), (1, pcg.UNIFORM, 40, 45)]
    out = np.zeros(45)
    program = pcg.Program(rows, [first, second], out)
    program()
    program()  # a second step refills the same buffer from where the first left the streams
    again_first, again_second = np.random.default_rng(1), np.random.default_rng(2)
    expected = np.zeros(45)
    for _ in range(2):
        _through_numpy(again_first, [rows[0], rows[2]], expected)
        _through_numpy(again_second, [rows[1], rows[3]], expected)
    assert np.array_equal(out, expected)
    assert first.bit_generator.state == again_first.bit_generator.state
    assert second.bit_generator.state == again_second.bit_generator.state
    assert program.sizes(pcg.UNIFORM) == [10, 5] and program.sizes(pcg.SKIP_NORMAL) == [10]


@pytest.mark.parametrize("kind", [np.random.PCG64DXSM, np.random.MT19937, np.random.Philox])
def test_other_bit_generators_are_drawn_through_numpy(small, kind):
    """A model whose streams are not PCG64 draws block by block through numpy: the program reads PCG64 only."""
    assert not pcg.usable([np.random.Generator(kind(1))])
    model = CollectiveImpactModel.from_scenario(small.with_arm("collective"), rng=np.random.Generator(kind(3)))
    model.step()
    assert not any(isinstance(fill, pcg.Program) for fill, _ in model._blocks)
    while model.running:
        model.step()
    assert 0.0 <= model.outcomes[-1] <= 1.0


def test_numpys_own_calls_and_the_program_give_a_model_the_same_draws_every_step(small, monkeypatch):
    """Every part a rule reads, every step, and every stream's state after each step. Parts no rule reads are
    stepped over by the program (zeros) however short; numpy's calls draw short runs of them (cheaper there)."""
    scenario = small.with_values(regions__n_regions=2, organizations__solutions="own").with_arm("collective")

    def steps(model: CollectiveImpactModel) -> list[tuple[dict, dict]]:
        seen = []
        for _ in range(6):
            draws = {name: part.copy() for name, part in model._draw()._asdict().items()}
            seen.append((draws, {name: s.bit_generator.state for name, s in model.streams.items()}))
        return seen

    model = CollectiveImpactModel.from_scenario(scenario, rng=21)
    unread = model._unread_draws()
    assert "z_copy" in unread and "z_cross" not in unread  # a short unread part, and one read between regions
    compiled = steps(model)
    monkeypatch.setattr(pcg, "program", lambda *_: None)
    through_numpy = steps(CollectiveImpactModel.from_scenario(scenario, rng=21))
    for (draws, states), (numpy_draws, numpy_states) in zip(compiled, through_numpy, strict=True):
        assert draws.keys() == numpy_draws.keys()
        for name, values in draws.items():
            if name in unread:
                assert not values.any(), name
            else:
                assert np.array_equal(values, numpy_draws[name]), name
        assert states == numpy_states


def test_a_model_unpickled_mid_run_builds_its_program_again_and_goes_on_alike(small):
    scenario = small.with_arm("collective")
    model = CollectiveImpactModel.from_scenario(scenario, rng=4)
    for _ in range(5):
        model.step()
    copy = pickle.loads(pickle.dumps(model))
    while model.running:
        model.step()
        copy.step()
    assert copy.outcomes == model.outcomes
    [(program, _)] = copy._blocks
    assert all(g is copy.streams[name] for name, g in copy.streams.items() if g in program.generators)
    assert not set(map(id, program.generators)) & set(map(id, model.streams.values()))
