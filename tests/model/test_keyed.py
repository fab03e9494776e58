"""Keyed draws (``run.draws = "keyed"``): each part of a step's draws starts where its step and its slot put it.

Part ``slot`` of a stream at step ``t`` starts ``t * 2**64 + slot * 2**52`` outputs after where the stream stood
once the world was built; parts no rule reads are never made, and nothing else moves. (Keyed runs are also among
the variants of tests/model/test_invariants.py: reproducible, resumed identically after pickling.)
"""

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


def _same_where_both_read(first: CollectiveImpactModel, second: CollectiveImpactModel) -> set[str]:
    """The parts both models read, after checking that five steps gave them the same numbers there."""
    both = set(SLOTS) - first._unread_draws() - second._unread_draws()
    for one, other in zip(_steps(first), _steps(second), strict=True):
        for name in both:
            assert np.array_equal(one[name], other[name]), name
    return both


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


#: Each named part's slot in its stream: its place among the stream's named parts, uniform block first (the
#: order of ``CollectiveImpactModel._draw_layout``), whatever the design.
SLOTS = {
    "revise": ("search", 0),
    "keys": ("search", 1),
    "rounding": ("search", 2),
    "gap": ("search", 3),
    "z_candidates": ("perception", 0),
    "hear": ("communication", 0),
    "contacts": ("communication", 1),
    "share": ("communication", 2),
    "copy": ("communication", 3),
    "cross": ("communication", 4),
    "cross_pick": ("communication", 5),
    "z_offers": ("communication", 6),
    "z_cross": ("communication", 7),
    "z_copy": ("communication", 8),
    "plan": ("coordination", 0),
    "participate": ("coordination", 1),
    "all_in": ("coordination", 2),
    "realign": ("coordination", 3),
    "bid": ("coordination", 4),
    "z_combination": ("coordination", 5),
    "policy": ("backbone", 0),
    "z_policy": ("backbone", 1),
    "review": ("membership", 0),
    "review_decide": ("membership", 1),
    "z_progress": ("membership", 2),
}


@pytest.mark.parametrize("through", ["compiled", "numpy"])
def test_each_part_starts_where_its_step_and_slot_put_it(keyed, monkeypatch, through):
    """The compiled program and numpy's calls (where the program cannot be used) both put each part there, at the
    first steps and at a step far on (the compiled stride's power then takes many squarings)."""
    if through == "numpy":
        monkeypatch.setattr(pcg, "program", lambda *_: None)
    model = CollectiveImpactModel.from_scenario(keyed.with_arm("collective"), rng=8)
    unread = model._unread_draws()
    assert {(stream, slot, name) for stream, _, slot, name in model._keyed_parts(unread)} == {
        (*SLOTS[name], name) for name in SLOTS if name not in unread
    }
    assert "contacts" not in unread and "z_offers" not in unread
    steps = _steps(model, 4)
    model._steps_drawn[0] = far = 2**45 + 3
    steps.append(_steps(model, 1)[0])
    assert isinstance(model._blocks[0][0], pcg.Program) == (through == "compiled")
    for step, drawn in ((0, steps[0]), (3, steps[3]), (far, steps[4])):
        for name, values in drawn.items():
            if name in unread:
                continue
            stream, slot = SLOTS[name]
            kind = "standard_normal" if name.startswith("z_") else "random"
            expected = getattr(_place(model, stream, slot, step), kind)(values.shape)
            assert np.array_equal(values, expected), (step, name)


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
    assert program.sizes(pcg.NORMAL) == [] and program.sizes(pcg.UNIFORM)
    unread = quiet._unread_draws()
    assert {"z_candidates", "z_offers", "z_policy"} <= unread
    for quiet_step, noisy_step in zip(quiet_draws, noisy_draws, strict=True):
        for name, values in quiet_step.items():
            if name in unread:
                assert not values.any(), name
            else:
                assert np.array_equal(values, noisy_step[name]), name


def test_a_part_early_in_a_stream_read_by_one_run_only_moves_nothing_in_the_other(keyed):
    """Own solutions: the contact draws (slot 1 of communication) say where reading starts when offers cost
    capacity, and are read by nobody when they do not; every other part is the same in both runs."""
    own = keyed.with_values(
        regions__cross_region=0.0, organizations__solutions="own", communication__network="complete"
    ).with_arm("collective")
    reading = CollectiveImpactModel.from_scenario(own, rng=9)
    free = CollectiveImpactModel.from_scenario(own.with_values(communication__offers_cost_capacity=False), rng=9)
    assert "contacts" in free._unread_draws() and "contacts" not in reading._unread_draws()
    assert {"share", "hear", "z_offers"} <= _same_where_both_read(reading, free)


def test_two_arms_share_every_part_both_read(keyed):
    isolated = CollectiveImpactModel.from_scenario(keyed.with_arm("isolated"), rng=6)
    collective = CollectiveImpactModel.from_scenario(keyed.with_arm("collective"), rng=6)
    assert {"keys", "z_candidates", "contacts"} <= _same_where_both_read(isolated, collective)


def test_streams_that_cannot_jump_ahead_are_refused_with_a_plain_message(keyed):
    with pytest.raises(ValueError, match=r"run.draws = 'keyed'.*MT19937 cannot.*run.draws = 'sequential'"):
        CollectiveImpactModel.from_scenario(keyed, rng=np.random.Generator(np.random.MT19937(1)))


def test_the_self_check_catches_a_wrong_jump(monkeypatch):
    assert pcg._seeks_as_numpy()
    monkeypatch.setattr(pcg, "jump", lambda delta, increment: (1, increment))
    assert not pcg._seeks_as_numpy()


def test_the_self_check_catches_a_wrong_stride(monkeypatch):
    """The program raises each stream's stride map to the step's power: a wrong map there fails the check."""
    right = pcg.key_arrays

    def wrong_stride(origins, seeks):
        keys, jumps = right(origins, seeks)
        for row, (_, increment) in enumerate(origins):
            keys[row, 2:] = pcg._halves(*pcg.jump(2**63, increment))
        return keys, jumps

    monkeypatch.setattr(pcg, "key_arrays", wrong_stride)
    assert not pcg._seeks_as_numpy()


def test_a_keyed_program_is_not_built_where_seeking_failed_its_check_and_numpy_draws_alike(keyed, monkeypatch):
    scenario = keyed.with_arm("collective")
    compiled = run_model(scenario, 13).series
    monkeypatch.setattr(pcg, "seeks_available", lambda: False)
    model = CollectiveImpactModel.from_scenario(scenario, rng=13)
    model.step()
    assert not any(isinstance(fill, pcg.Program) for fill, _ in model._blocks)
    assert run_model(scenario, 13).series.equals(compiled)
    sequential = CollectiveImpactModel.from_scenario(scenario.with_values(run__draws="sequential"), rng=13)
    sequential.step()
    assert isinstance(sequential._blocks[0][0], pcg.Program)  # sequential programs do not need the seek check


def test_a_jump_is_numpys_advance():
    for delta in (0, 1, 12_345, 2**52 * 3, 2**64 * 7 + 5, 2**128 - 1):
        compiled, drawn = np.random.PCG64(99), np.random.PCG64(99)
        state = compiled.state["state"]
        mult, plus = pcg.jump(delta, state["inc"])
        drawn.advance(delta)
        assert (state["state"] * mult + plus) % 2**128 == drawn.state["state"]["state"], delta
