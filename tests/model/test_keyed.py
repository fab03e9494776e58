"""Keyed draws (``run.draws = "keyed"``): each part of a step's draws starts where its step and its slot put it.

Part ``slot`` of a stream at step ``t`` starts ``t * 2**64 + slot * 2**52`` outputs after where the stream stood
once the world was built; parts no rule reads are never made, and nothing else moves.
"""

import pickle

import numpy as np
import pytest

from cisim.experiments import run_model
from cisim.model import CollectiveImpactModel, pcg

NOISE_FREE = dict(organizations__measurement_noise=0.0, backbone__shared_noise=0.0)


@pytest.fixture
def keyed(small):
    return small.with_values(run__draws="keyed", regions__n_regions=2, regions__cross_region=0.3)


def _steps(model: CollectiveImpactModel, count: int = 5) -> list[dict[str, np.ndarray]]:
    return [{name: part.copy() for name, part in model._draw()._asdict().items()} for _ in range(count)]


def _place(model: CollectiveImpactModel, stream: str, slot: int, step: int) -> np.random.Generator:
    """A generator where keyed part ``slot`` of ``stream`` starts at ``step``, put there by numpy's own calls."""
    bit_generator = np.random.PCG64()
    bit_generator.state = model._draw_origins[stream]
    bit_generator.advance(step * pcg.STEP_STRIDE + slot * pcg.SLOT_STRIDE)
    return np.random.Generator(bit_generator)


def test_the_default_is_sequential_and_keyed_draws_give_other_numbers(small):
    sequential = run_model(small, 3).series
    assert CollectiveImpactModel.from_scenario(small, rng=3)._draw_origins is None
    keyed = run_model(small.with_values(run__draws="keyed"), 3).series
    assert not sequential["community_outcome"].equals(keyed["community_outcome"])


@pytest.mark.parametrize("through", ["compiled", "numpy"])
def test_each_part_starts_where_its_step_and_slot_put_it(keyed, monkeypatch, through):
    """The compiled program and numpy's calls (where the program cannot be used) both put each part there."""
    if through == "numpy":
        monkeypatch.setattr(pcg, "program", lambda *_: None)
    model = CollectiveImpactModel.from_scenario(keyed.with_arm("collective"), rng=8)
    assert isinstance(model._draw_blocks()[0][0][0], pcg.Program) == (through == "compiled")
    parts = model._keyed_parts(model._unread_draws())
    steps = _steps(model, 4)
    for step in (0, 3):
        for stream, kind, slot, name in parts:
            expected = getattr(_place(model, stream, slot, step), kind)(steps[step][name].shape)
            assert np.array_equal(steps[step][name], expected), (step, name)


def test_compiled_and_numpy_draws_give_the_same_run(keyed, monkeypatch):
    scenario = keyed.with_arm("collective")
    compiled = run_model(scenario, 12)
    monkeypatch.setattr(pcg, "program", lambda *_: None)
    through_numpy = run_model(scenario, 12)
    assert compiled.series.equals(through_numpy.series)


def test_parts_no_rule_reads_are_not_made_and_move_nothing(keyed):
    """Without noise no normal number is made at all; every part both runs read is the same, step by step."""
    noisy = CollectiveImpactModel.from_scenario(keyed.with_arm("collective"), rng=5)
    quiet = CollectiveImpactModel.from_scenario(keyed.with_values(**NOISE_FREE).with_arm("collective"), rng=5)
    quiet_draws, noisy_draws = _steps(quiet), _steps(noisy)
    program = quiet._blocks[0][0]
    assert isinstance(program, pcg.Program)
    assert program.sizes(pcg.NORMAL) == program.sizes(pcg.SKIP_NORMAL) == program.sizes(pcg.SKIP_UNIFORM) == []
    unread = quiet._unread_draws()
    assert {"z_candidates", "z_offers", "z_policy"} <= unread
    for quiet_step, noisy_step in zip(quiet_draws, noisy_draws, strict=True):
        for name, values in quiet_step.items():
            if name in unread:
                assert not values.any(), name
            else:
                assert np.array_equal(values, noisy_step[name]), name


def test_two_arms_share_every_part_both_read(keyed):
    isolated = CollectiveImpactModel.from_scenario(keyed.with_arm("isolated"), rng=6)
    collective = CollectiveImpactModel.from_scenario(keyed.with_arm("collective"), rng=6)
    names = {name for *_, cuts in isolated._layout for name, *_ in cuts}
    read_by_both = names - isolated._unread_draws() - collective._unread_draws()
    assert {"keys", "z_candidates", "contacts"} <= read_by_both
    for first, second in zip(_steps(isolated), _steps(collective), strict=True):
        for name in read_by_both:
            assert np.array_equal(first[name], second[name]), name


def test_a_model_unpickled_mid_run_goes_on_with_the_same_draws(keyed):
    model = CollectiveImpactModel.from_scenario(keyed.with_arm("collective"), rng=4)
    for _ in range(5):
        model.step()
    copy = pickle.loads(pickle.dumps(model))
    while model.running:
        model.step()
        copy.step()
    assert model.series().equals(copy.series())


def test_streams_that_cannot_jump_ahead_are_refused_with_a_plain_message(keyed):
    with pytest.raises(ValueError, match=r"run.draws = 'keyed'.*MT19937 cannot.*run.draws = 'sequential'"):
        CollectiveImpactModel.from_scenario(keyed, rng=np.random.Generator(np.random.MT19937(1)))


def test_the_self_check_catches_a_wrong_jump(monkeypatch):
    assert pcg._seeks_as_numpy()
    monkeypatch.setattr(pcg, "jump", lambda delta, increment: (1, increment))
    assert not pcg._seeks_as_numpy()


def test_a_jump_is_numpys_advance():
    for delta in (0, 1, 12_345, 2**52 * 3, 2**64 * 7 + 5, 2**128 - 1):
        compiled, drawn = np.random.PCG64(99), np.random.PCG64(99)
        state = compiled.state["state"]
        mult, plus = pcg.jump(delta, state["inc"])
        drawn.advance(delta)
        assert (state["state"] * mult + plus) % 2**128 == drawn.state["state"]["state"], delta
