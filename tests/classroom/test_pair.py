"""Two simulations side by side: one problem and seed, two coalition designs, stepping together."""

import inspect
import threading

import numpy as np
import pytest

from cisim.classroom import data
from cisim.classroom.pair import CHOICES, SETTINGS, SideBySide, parse_seed, slider_range
from cisim.scenarios import default_scenario
from cisim.scenarios.schema import CONDITIONS


@pytest.fixture
def small():
    return default_scenario().with_values(problem__n_elements=10, organizations__n_organizations=8, run__steps=6)


def test_both_sides_start_from_the_same_problem_organizations_and_state(small):
    pair = SideBySide(base=small, seed=3)
    isolated, coalition = pair.snapshots()
    assert isolated.latest(data.OUTCOME) == coalition.latest(data.OUTCOME)
    for field in ("region", "domain", "budget", "edges", "trust"):
        np.testing.assert_array_equal(getattr(isolated.network, field), getattr(coalition.network, field))


def test_only_the_right_side_has_a_coalition_and_a_backbone(small):
    pair = SideBySide(base=small, seed=3)
    pair.step()
    isolated, coalition = pair.snapshots()
    assert not isolated.network.member.any() and isolated.network.backbone_regions == ()
    assert coalition.network.member.any() and coalition.network.backbone_regions != ()
    assert all(pair.isolated_scenario[f"conditions.{c}"] == 0 for c in CONDITIONS)
    assert pair.levels == {c: small[f"conditions.{c}"] for c in CONDITIONS}


def test_both_step_together_until_the_scenarios_last_step(small):
    pair = SideBySide(base=small, seed=3)
    while pair.running:
        pair.step()
    isolated, coalition = pair.snapshots()
    assert pair.steps == small["run.steps"] == isolated.step == coalition.step
    assert len(isolated.series) == len(coalition.series) == small["run.steps"] + 1


def test_settings_change_the_problem_for_both_and_the_design_for_the_right_only(small):
    pair = SideBySide(base=small, seed=3, k=2, common_agenda=0.25, backbone=0.0, measurement_noise=0.2)
    assert pair.isolated_scenario["problem.k"] == pair.coalition_scenario["problem.k"] == 2
    assert pair.isolated_scenario["organizations.measurement_noise"] == 0.2
    assert pair.levels["common_agenda"] == 0.25 and pair.levels["backbone"] == 0.0
    assert pair.isolated_scenario["conditions.common_agenda"] == 0.0
    pair.step()
    assert pair.snapshots()[1].network.backbone_regions == ()


def test_one_seed_one_history_and_another_seed_another(small):
    def outcomes(seed):
        pair = SideBySide(base=small, seed=seed)
        for _ in range(4):
            pair.step()
        return [snapshot.series[data.OUTCOME].tolist() for snapshot in pair.snapshots()]

    assert outcomes(5) == outcomes("5") == outcomes(" 5 ")
    assert outcomes(5) != outcomes(6)


def test_a_seed_that_is_not_a_whole_number_falls_back_to_0_with_a_notice(small):
    assert parse_seed("12") == 12 and parse_seed(-1) is None and parse_seed("1.5") is None and parse_seed("x") is None
    pair = SideBySide(base=small, seed="abc")
    assert pair.seed_used == 0 and "'abc'" in pair.notice and "using 0" in pair.notice
    assert SideBySide(base=small, seed=7).notice == ""


def test_every_setting_is_a_keyword_of_the_model_with_a_range_holding_the_scenarios_value():
    keywords = inspect.signature(SideBySide).parameters
    scenario = default_scenario()
    for setting in SETTINGS:
        assert setting.name in keywords
        low, high = slider_range(setting, scenario)
        assert low <= scenario[setting.key] <= high
    for choice in CHOICES:
        assert choice.name in keywords and scenario[choice.key] in choice.values


def _levels(snapshot):
    return snapshot.series[[data.LEVELS[c] for c in CONDITIONS if c != "backbone"]].to_numpy()


@pytest.mark.parametrize("dynamics", ["fixed", "built"])
def test_the_choice_of_condition_dynamics_holds_the_coalitions_levels_or_lets_them_move(small, dynamics):
    pair = SideBySide(base=small, seed=3, dynamics=dynamics, backbone=0.0)
    assert pair.coalition_scenario["conditions.dynamics"] == pair.isolated_scenario["conditions.dynamics"] == dynamics
    assert pair.levels_change == (dynamics == "built")
    while pair.running:
        pair.step()
    isolated, coalition = pair.snapshots()
    assert not _levels(isolated).any()
    levels = _levels(coalition)
    if dynamics == "fixed":
        assert (levels == levels[0]).all()
    else:  # without a backbone, built levels erode every step
        assert (np.diff(levels, axis=0) < 0).all()


def test_play_waits_until_both_sides_were_shown_at_a_step(small):
    pair = SideBySide(base=small)
    pair.step()
    assert not pair.wait_shown(1, timeout=0.01)
    pair.shown("isolated", 1)
    assert not pair.wait_shown(1, timeout=0.01), "one side alone shown"
    waiter = threading.Thread(target=lambda: pair.shown("coalition", 1))
    waiter.start()
    assert pair.wait_shown(1, timeout=5)
    waiter.join()
    pair.shown("isolated", 0)  # a late redraw of an earlier step does not go back
    assert pair.wait_shown(1, timeout=0.01)


@pytest.mark.parametrize(
    ("setting", "value", "shipped"),
    [("measurement_coverage", 0.5, "measuring_the_wrong_thing"), ("agenda_capture", 0.5, "captured_agenda")],
)
def test_a_misled_coalitions_slider_runs_its_shipped_scenario(setting, value, shipped):
    """The two sliders for a misled coalition (docs/teaching.md): sliding `complex` to the shipped scenario's value
    runs that scenario, step for step, on both sides; isolated impact is the same either way."""
    from cisim.scenarios import load_scenario
    from cisim.shipped import shipped_folder

    complex_ = load_scenario(shipped_folder("scenarios") / "complex.toml")
    slid = SideBySide(base=complex_, seed=4, **{setting: value})
    picked = SideBySide(base=load_scenario(shipped_folder("scenarios") / f"{shipped}.toml"), seed=4)
    plain = SideBySide(base=complex_, seed=4)
    for _ in range(30):
        for pair in (slid, picked, plain):
            pair.step()
    (slid_alone, slid_coalition), (alone, coalition) = slid.snapshots(), picked.snapshots()
    np.testing.assert_array_equal(slid_coalition.series[data.OUTCOME], coalition.series[data.OUTCOME])
    np.testing.assert_array_equal(slid_alone.series[data.OUTCOME], alone.series[data.OUTCOME])
    np.testing.assert_array_equal(slid_alone.series[data.OUTCOME], plain.snapshots()[0].series[data.OUTCOME])
    assert not np.array_equal(slid_coalition.series[data.OUTCOME], plain.snapshots()[1].series[data.OUTCOME])
