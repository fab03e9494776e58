"""The classroom's views: fast redraws equal full ones, shared scales, the network layout, the page's parts."""

import io

import numpy as np
import pytest
from PIL import Image

from cisim.classroom import data
from cisim.classroom.canvas import LiveFigure
from cisim.classroom.page import model_params, page_components
from cisim.classroom.pair import SETTINGS, SideBySide
from cisim.classroom.views import VIEWS, ConditionsView, NetworkView, Scale, circle_layout, compact_number
from cisim.scenarios import default_scenario


@pytest.fixture(scope="module")
def run():
    """A pair after each of its steps: (pair, [snapshots at step 0, 1, ...])."""
    scenario = default_scenario().with_values(problem__n_elements=10, organizations__n_organizations=8, run__steps=8)
    pair = SideBySide(base=scenario, seed=4)
    frames = [pair.snapshots()]
    while pair.running:
        pair.step()
        frames.append(pair.snapshots())
    return pair, frames


def pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGBA"))


@pytest.mark.parametrize("view", VIEWS, ids=lambda view: view.key)
def test_a_fast_redraw_gives_the_same_picture_as_drawing_afresh(run, view):
    pair, frames = run
    live = LiveFigure(view, Scale.of(pair.last_step, *frames[0]), frames[0][1])
    for step, (_, coalition) in enumerate(frames):
        png = live.png(coalition, Scale.of(pair.last_step, *frames[step]))
    last = frames[-1]
    fresh = LiveFigure(view, Scale.of(pair.last_step, *last), frames[0][1]).png(
        last[1], Scale.of(pair.last_step, *last)
    )
    np.testing.assert_array_equal(pixels(png), pixels(fresh))


def test_views_change_as_the_simulation_moves(run):
    pair, frames = run
    for view in VIEWS:
        live = LiveFigure(view, Scale.of(pair.last_step, *frames[0]), frames[0][1])
        first, last = (
            live.png(frames[0][1], Scale.of(pair.last_step, *frames[0])),
            live.png(frames[-1][1], Scale.of(pair.last_step, *frames[-1])),
        )
        assert not np.array_equal(pixels(first), pixels(last)), view.key


def test_both_sides_share_a_spend_scale_that_holds_the_highest_spend(run):
    pair, frames = run
    scale = Scale.of(pair.last_step, *frames[-1])
    highest = max(snapshot.series[data.SPEND].max() for snapshot in frames[-1])
    assert highest <= scale.spend <= 2.5 * highest
    assert scale.steps == pair.last_step
    assert Scale.of(5).spend == 1.0


def test_compact_numbers_stay_short():
    assert [compact_number(v) for v in (0, 950, 1500, 20_000, 1_200_000)] == ["0", "950", "1.5k", "20k", "1.2M"]


def test_each_organization_sits_on_its_regions_circle_grouped_by_domain():
    scenario = default_scenario().with_values(regions__n_regions=2, organizations__n_organizations=10)
    state = data.network(data.build_model(scenario, 1))
    positions, centres = circle_layout(state)
    distances = np.linalg.norm(positions - centres[state.region], axis=1)
    np.testing.assert_allclose(distances, 1.0)
    assert len({tuple(np.round(p, 9)) for p in positions}) == len(positions)


def test_the_network_shows_members_and_backbones_only_on_the_coalition_side(run):
    pair, frames = run
    isolated, coalition = frames[-1]
    view = LiveFigure(NetworkView, Scale.of(pair.last_step, *frames[0]), coalition).view
    view.update(coalition, Scale.of(pair.last_step, *frames[-1]))
    assert len(view.backbones.get_xdata()) == len(coalition.network.backbone_regions) > 0
    assert len(view.spokes.get_segments()) == int(coalition.network.member.sum())
    view.update(isolated, Scale.of(pair.last_step, *frames[-1]))
    assert len(view.backbones.get_xdata()) == 0 and len(view.spokes.get_segments()) == 0


def test_the_page_pairs_every_view_left_and_right_and_offers_every_setting():
    scenario = default_scenario().with_values(conditions__dynamics="built")
    cards = page_components(scenario)
    assert len(cards) == 2 * len(VIEWS)  # built levels move, so the page shows them over time
    assert len(page_components(default_scenario())) == 2 * (len(VIEWS) - 1)  # fixed levels need no view
    params = model_params(scenario)
    assert set(params) == {"base", "seed", *(setting.name for setting in SETTINGS)}
    for setting in SETTINGS:
        slider = params[setting.name]
        assert slider.min <= slider.value <= slider.max
    isolated_only = default_scenario().with_arm("isolated")
    assert len(page_components(isolated_only)) == 2 * (len(VIEWS) - 1)
    assert ConditionsView in VIEWS
