"""Numbers no rule of a run reads are stepped over, not drawn, and every later draw stays as it was."""

from pathlib import Path

import numpy as np
import pytest

from cisim.experiments import run_model
from cisim.model import CollectiveImpactModel, pcg, skipping
from cisim.model.skipping import advance_past_normals
from cisim.validation import drivers, load_validation
from cisim.validation.model import build_model

ROOT = Path(__file__).resolve().parents[2]


def _drawing_everything(monkeypatch):
    monkeypatch.setattr(CollectiveImpactModel, "_unread_draws", lambda self: set())


@pytest.fixture(params=["compiled", "numpy"])
def drawing(request, monkeypatch):
    """Each test below runs twice: with the step's draws made in one compiled call (``cisim.model.pcg``, what a
    run does here) and through numpy's calls block by block (``_fills``, what a run does where that cannot be
    used)."""
    if request.param == "numpy":
        monkeypatch.setattr(pcg, "program", lambda *_: None)
    return request.param


def _through_numpy(monkeypatch):
    monkeypatch.setattr(pcg, "program", lambda *_: None)


@pytest.mark.parametrize(
    "changes, skipped",
    [
        (  # own solutions, offers read out of capacity: the contact draw says where reading starts
            dict(organizations__solutions="own", communication__network="complete", communication__copy_error=0.0),
            {"gap", "copy", "z_copy", "cross", "cross_pick", "z_cross"},
        ),
        (  # own solutions, offers read free of capacity: every neighbour's offer is read, none drawn first
            dict(
                organizations__solutions="own",
                communication__network="complete",
                communication__copy_error=0.0,
                communication__offers_cost_capacity=False,
            ),
            {"contacts", "gap", "copy", "z_copy", "cross", "cross_pick", "z_cross"},
        ),
        (
            dict(organizations__gap_uptake=0.0, regions__n_regions=2, regions__cross_region=0.3),
            {"gap", "copy", "z_copy"},
        ),
        (  # trust that starts full and never fades: every neighbour shares, whatever the draw
            dict(communication__trust_initial=1.0, communication__trust_decay=0.0, communication__copy_error=0.0),
            {"share", "copy", "z_copy", "cross", "cross_pick", "z_cross"},
        ),
    ],
)
def test_skipping_unread_draws_changes_nothing(small, monkeypatch, drawing, changes, skipped):
    scenario = small.with_values(**changes).with_arm("collective")
    model = CollectiveImpactModel.from_scenario(scenario, rng=8)
    assert model._unread_draws() == skipped
    stepping = run_model(scenario, 8).series
    _drawing_everything(monkeypatch)
    drawing = run_model(scenario, 8).series
    assert stepping.equals(drawing)


def test_without_a_coalition_nobody_reads_progress_and_nothing_else_moves(small, monkeypatch, drawing):
    """The isolated arm reviews no membership: its progress readings are stepped over, and its results are those
    of a run that draws them (the membership stream's draws come after every other block of theirs)."""
    scenario = small.with_values(communication__copy_error=0.0, regions__n_regions=2).with_arm("isolated")
    model = CollectiveImpactModel.from_scenario(scenario, rng=8)
    assert "z_progress" in model._unread_draws()
    stepping = run_model(scenario, 8).series
    _drawing_everything(monkeypatch)
    assert run_model(scenario, 8).series.equals(stepping)


@pytest.mark.parametrize("trust_initial, trust_decay", [(0.99, 0.0), (1.0, 0.01)])
def test_shares_are_drawn_where_trust_can_be_short_of_full(small, trust_initial, trust_decay):
    scenario = small.with_values(communication__trust_initial=trust_initial, communication__trust_decay=trust_decay)
    assert "share" not in CollectiveImpactModel.from_scenario(scenario.with_arm("collective"), rng=1)._unread_draws()


def test_the_parts_read_are_the_numbers_a_whole_block_would_hold(small, monkeypatch, drawing):
    monkeypatch.setattr(skipping, "WORTH_STEPPING_OVER", 0)  # step over every unread normal, however few
    scenario = small.with_values(organizations__solutions="own", communication__copy_error=0.0).with_arm("collective")
    stepping = CollectiveImpactModel.from_scenario(scenario, rng=3)
    unread = stepping._unread_draws()
    first = [stepping._draw()._asdict() for _ in range(3)]
    _drawing_everything(monkeypatch)
    whole = CollectiveImpactModel.from_scenario(scenario, rng=3)
    second = [whole._draw()._asdict() for _ in range(3)]
    for step, (kept, full) in enumerate(zip(first, second, strict=True)):
        for name, values in full.items():
            if name in unread:
                assert not kept[name].any(), (step, name)  # stepped over: zeros
            else:
                assert np.array_equal(kept[name], values), (step, name)


NORMAL_PARTS = {"z_candidates", "z_offers", "z_cross", "z_copy", "z_combination", "z_policy", "z_progress"}


def _lazer_friedman(network: str) -> dict:
    """The validation experiment's noise-free model for one network arm (dotted names)."""
    spec = load_validation(ROOT / "experiments" / "validation" / "lazer_friedman_2007.toml", drivers())
    return {**spec.model, **spec.arms[network], **spec.studies["main"].overrides}


def _run(values: dict, seed: int, steps: int) -> tuple[list[float], np.ndarray, dict]:
    model = build_model(values, seed)
    for _ in range(steps):
        model.step()
    return (
        model.outcomes,
        model.population.known.copy(),
        {name: s.bit_generator.state for name, s in model.streams.items()},
    )


def _stepped_over_normals(model: CollectiveImpactModel) -> list[int]:
    """How many normals each of the model's normal blocks steps over each step (drawing through numpy)."""
    model.step()
    return [count for fill, count in model._blocks if getattr(fill, "func", None) is advance_past_normals]


def _program(model: CollectiveImpactModel) -> pcg.Program:
    """The model's compiled draw program, after a step."""
    model.step()
    [(program, _)] = model._blocks
    assert isinstance(program, pcg.Program)
    return program


@pytest.mark.parametrize("least", [skipping.WORTH_STEPPING_OVER, 0])
@pytest.mark.parametrize("network", ["linear", "complete", "linear_copy_error_20"])
def test_stepping_over_normals_of_a_noise_free_run_changes_nothing(monkeypatch, network, least):
    _through_numpy(monkeypatch)
    monkeypatch.setattr(skipping, "WORTH_STEPPING_OVER", least)
    values = _lazer_friedman(network)
    model = build_model(values, 5)
    assert model._unread_draws() >= NORMAL_PARTS
    stepped_over = _stepped_over_normals(model)
    if least:  # only the communication block is long enough to step over
        assert stepped_over == [(20_800 if network == "complete" else 1_400)]
    else:
        # perception, communication, coordination, the backbone's reading and membership's reading of progress
        assert len(stepped_over) == 5
    stepping = _run(values, 5, 30)
    _drawing_everything(monkeypatch)
    drawing = _run(values, 5, 30)
    assert stepping[0] == drawing[0]
    assert np.array_equal(stepping[1], drawing[1])
    assert stepping[2] == drawing[2]  # every stream where drawing leaves it, to the last output


@pytest.mark.parametrize("network", ["linear", "complete", "linear_copy_error_20"])
def test_the_compiled_draws_step_over_every_unread_normal_and_change_nothing(monkeypatch, network):
    values = _lazer_friedman(network)
    program = _program(build_model(values, 5))
    # perception, communication, coordination, the backbone's reading and membership's reading of progress:
    # stepped over however few (counting a normal's outputs costs less than making it), none made
    assert len(program.sizes(pcg.SKIP_NORMAL)) == 5
    assert sum(program.sizes(pcg.SKIP_NORMAL)) == sum(
        model_part.size for name, model_part in build_model(values, 5)._draw()._asdict().items() if name in NORMAL_PARTS
    )
    assert program.sizes(pcg.NORMAL) == []
    compiled = _run(values, 5, 30)
    _through_numpy(monkeypatch)
    through_numpy = _run(values, 5, 30)
    _drawing_everything(monkeypatch)
    drawing = _run(values, 5, 30)
    for other in (through_numpy, drawing):
        assert compiled[0] == other[0]
        assert np.array_equal(compiled[1], other[1])
        assert compiled[2] == other[2]  # every stream where drawing leaves it, to the last output


def test_short_runs_of_unread_normals_are_drawn(small, monkeypatch):
    _through_numpy(monkeypatch)
    model = CollectiveImpactModel.from_scenario(small.with_arm("collective"), rng=1)
    assert {"z_copy", "z_cross"} <= model._unread_draws()
    assert _stepped_over_normals(model) == []  # 64 normals a step: cheaper to draw


def test_noisy_readings_draw_their_normals(small):
    model = CollectiveImpactModel.from_scenario(small.with_arm("collective"), rng=1)
    assert not {"z_candidates", "z_offers", "z_combination"} & model._unread_draws()
    quiet = small.with_values(organizations__measurement_noise=0.0).with_arm("collective")
    assert "z_offers" not in CollectiveImpactModel.from_scenario(quiet, rng=1)._unread_draws()  # shared noise left
