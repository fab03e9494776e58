"""The classroom's views: fast redraws equal full ones, shared scales, the network layout, the page's parts."""

import io
from pathlib import Path

import ipyvuetify as v
import ipywidgets
import numpy as np
import pytest
import solara
from PIL import Image

from cisim.classroom import data
from cisim.classroom.canvas import DPI, HeadlineFigure, LiveFigure
from cisim.classroom.page import (
    CARDS,
    FIXED_LEVELS,
    PENDING,
    gap_sentence,
    library,
    pending,
    problem_words,
    scenario_settings,
)
from cisim.classroom.pair import CHOICES, CONTROLS, SideBySide
from cisim.classroom.views import (
    CONTACT_RGBA,
    VIEWS,
    ConditionsView,
    NetworkView,
    OutcomeView,
    Scale,
    SpendView,
    circle_layout,
    compact_number,
)
from cisim.plots.colours import COALITION_COLOUR, ISOLATED_COLOUR
from cisim.scenarios import default_scenario, load_scenario

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def run():
    """A pair after each of its steps: (pair, [snapshots at step 0, 1, ...]); a half-strength backbone builds levels."""
    scenario = default_scenario().with_values(
        problem__n_elements=10,
        organizations__n_organizations=8,
        run__steps=8,
        conditions__dynamics="built",
        conditions__common_agenda=0.5,
        conditions__backbone=0.5,
    )
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


def test_the_settings_start_at_the_scenarios_own_values_and_build_the_same_pair():
    scenario = default_scenario().with_values(conditions__dynamics="built", problem__k=3)
    settings = scenario_settings(scenario)
    assert set(settings) == {"seed", *(control.name for control in CONTROLS)}
    for control in CONTROLS:
        assert settings[control.name] == scenario[control.key]
    for choice in CHOICES:
        assert settings[choice.name] in choice.values
    built = SideBySide(base=default_scenario(), **settings)
    assert built.base["problem.k"] == 3 and built.base["conditions.dynamics"] == "built"


def test_the_picker_lists_every_scenario_file_in_the_library(tmp_path):
    (tmp_path / "a_failure.toml").write_text('name = "a_failure"\ndescription = "collective impact loses"\n')
    (tmp_path / "broken.toml").write_text("name = 3\n")
    choices, left_out = library(default_scenario(), tmp_path)
    assert "a_failure" in choices and choices["a_failure"].description == "collective impact loses"
    assert default_scenario().name in choices and len(choices) == 2
    assert len(left_out) == 1 and left_out[0].startswith(f"{tmp_path / 'broken.toml'}: ")
    assert "field 'name'" in left_out[0], left_out


def test_the_gap_is_one_signed_number_in_words():
    assert gap_sentence(0.42, 0.89) == "Coalition ahead by 0.47 (coalition minus alone: +0.47)"
    assert gap_sentence(0.9, 0.8).startswith("Isolated impact ahead by 0.10 (coalition minus alone: -0.10)")
    assert gap_sentence(0.5, 0.502).startswith("Level")


def test_a_problem_without_interactions_says_so_and_not_a_share_across_domains():
    technical = default_scenario().with_values(problem__k=0)
    assert "across domains" not in problem_words(technical) and "k = 0" in problem_words(technical)
    assert problem_words(default_scenario().with_values(problem__k=6, problem__k_across=0.75)) == (
        "k = 6 interactions per decision, 75% of them across domains"
    )


def test_equal_condition_levels_still_show_as_five_lines(run):
    pair, frames = run
    view = LiveFigure(ConditionsView, Scale.of(pair.last_step, *frames[0]), frames[0][1]).view
    markers = [line.get_marker() for line in view.lines.values()]
    assert len(set(markers)) == len(markers)


def test_the_headline_redraws_fast_as_it_draws_afresh(run):
    pair, frames = run
    live = HeadlineFigure(pair.last_step)
    for isolated, coalition in frames:
        fast = live.png(isolated, coalition)
    fresh = HeadlineFigure(pair.last_step).png(*frames[-1])
    assert np.abs(pixels(fast).astype(int) - pixels(fresh).astype(int)).max() <= 2


def test_the_headline_shows_where_both_sides_start_at_step_0(run):
    pair, frames = run
    headline = HeadlineFigure(pair.last_step)
    image = pixels(headline.png(*frames[0]))[..., :3].astype(int)
    box = headline.figure.axes[0].get_window_extent()  # inside the axes only: the legend has these colours too
    height = image.shape[0]
    inside = image[int(height - box.y1) : int(height - box.y0), int(box.x0) : int(box.x1)]

    def drawn(colour: str) -> int:
        wanted = np.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)])
        return int((np.abs(inside - wanted).max(axis=-1) <= 12).sum())

    assert frames[0][0].series.index.tolist() == [0]  # one value each: no line to draw yet
    assert drawn(ISOLATED_COLOUR) > 20 and drawn(COALITION_COLOUR) > 20


@pytest.mark.parametrize("side", ["isolated", "coalition"])
def test_each_sides_outcome_view_shows_where_it_starts_at_step_0(run, side):
    pair, frames = run
    colour = ISOLATED_COLOUR if side == "isolated" else COALITION_COLOUR
    snapshot = frames[0][0 if side == "isolated" else 1]
    live = LiveFigure(OutcomeView, Scale.of(pair.last_step, *frames[0]), snapshot, colour)
    image = pixels(live.png(snapshot, Scale.of(pair.last_step, *frames[0])))[..., :3].astype(int)
    box = live.figure.axes[0].get_window_extent()
    height = image.shape[0]
    inside = image[int(height - box.y1) : int(height - box.y0), int(box.x0) - 6 : int(box.x1)]
    wanted = np.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)])
    assert snapshot.series.index.tolist() == [0]  # one value: no line to draw yet
    assert int((np.abs(inside - wanted).max(axis=-1) <= 12).sum()) > 20


def _texts_and_pictures(component):
    _, rendered = solara.render(component, handle_error=False)
    try:
        texts = [" ".join(map(str, widget.children)) for widget in rendered.find(v.Html).widgets]
        return texts, len(rendered.find(ipywidgets.Image).widgets)
    finally:
        rendered.close()


@pytest.mark.parametrize("dynamics", ["fixed", "built"])
def test_the_conditions_view_draws_levels_only_when_they_are_built(dynamics):
    scenario = default_scenario().with_values(problem__n_elements=10, organizations__n_organizations=8, run__steps=4)
    pair = SideBySide(base=scenario, seed=1, dynamics=dynamics)
    texts, pictures = _texts_and_pictures(CARDS[(ConditionsView, "coalition")](pair))
    if dynamics == "built":
        assert pictures == 1 and ConditionsView.caption in texts
    else:
        assert pictures == 0 and FIXED_LEVELS in texts and ConditionsView.caption not in texts
    texts, _ = _texts_and_pictures(CARDS[(OutcomeView, "coalition")](pair))
    design = next(text for text in texts if text.startswith(f"{scenario.name}:"))
    assert ("built over the run" in design) == (dynamics == "built") and ("held fixed" in design) == (
        dynamics == "fixed"
    )


def test_the_spend_view_stacks_the_ledgers_three_lines_to_the_spend_and_shows_income_apart(run):
    pair, frames = run
    coalition = frames[-1][1]
    assert coalition.series[data.INCOME].iloc[1:].sum() > 0  # the coalition brought money in: a line to show
    view = LiveFigure(SpendView, Scale.of(pair.last_step, *frames[0]), frames[0][1]).view
    view.update(coalition, Scale.of(pair.last_step, *frames[-1]))
    top = view.bands[-1].get_paths()[0].vertices[:, 1].max()
    assert top == pytest.approx(coalition.series[data.SPEND].iloc[1:].max())
    np.testing.assert_allclose(view.income.get_ydata(), coalition.series[data.INCOME].to_numpy()[1:])
    isolated = frames[-1][0]
    view.update(isolated, Scale.of(pair.last_step, *frames[-1]))
    assert view.bands[0].get_paths()[0].vertices[:, 1].max() == pytest.approx(isolated.series[data.SPEND].max())
    assert not np.any(view.income.get_ydata())


def test_changed_settings_are_said_to_wait_for_reset_until_they_are_the_ones_running():
    applied = scenario_settings(default_scenario())
    assert pending(dict(applied), applied) is None
    assert pending({**applied, "seed": "9"}, applied) == f"{PENDING} (changed: seed)"  # a new seed in the box
    assert pending({**applied, "seed": f" {applied['seed']} "}, applied) is None  # the same seed, typed with spaces
    assert pending({**applied, "seed": "seven"}, applied) == f"{PENDING} (changed: seed)"  # RESET falls back to 0
    moved = CONTROLS[0]
    assert pending({**applied, moved.name: "something else"}, applied) == f"{PENDING} (changed: {moved.label})"
    both = pending({**applied, "seed": "9", moved.name: "something else"}, applied)
    assert both == f"{PENDING} (changed: seed, {moved.label})"


def test_text_that_is_no_seed_is_seed_0_as_reset_runs_it():
    """RESET runs seed 0 for text that is not a seed: typing 0 after it changes nothing, so no notice."""
    applied = {**scenario_settings(default_scenario()), "seed": "abc"}
    assert pending({**applied, "seed": "0"}, applied) is None
    assert pending({**applied, "seed": " 3"}, applied) == f"{PENDING} (changed: seed)"


def test_many_runs_summary_names_its_seeds_and_calls_a_gap_under_half_a_hundredth_level():
    import pandas as pd

    from cisim.classroom.many import ManyRuns

    steps = pd.RangeIndex(3)
    isolated = pd.DataFrame({7: [0.4, 0.5, 0.600], 8: [0.4, 0.5, 0.700]}, index=steps)
    coalition = pd.DataFrame({7: [0.4, 0.5, 0.598], 8: [0.4, 0.5, 0.699]}, index=steps)
    text = ManyRuns(isolated=isolated, coalition=coalition).summary()
    assert text.startswith("Over 2 runs (seeds 7 to 8):") and "(level)" in text and "-0.00" not in text
    ahead = ManyRuns(isolated=isolated, coalition=coalition + 0.1).summary()
    assert "(gap +0.10)" in ahead


#: A view's width on the page on a 1280 x 720 projector (pixels; each view is drawn 480 wide and shown scaled to
#: its column). test_page_teacher.py checks the text as the browser shows it; this checks it without a browser.
SHOWN_AT_PROJECTOR = 396
#: The smallest text a class reads from the back of the room (pixels as shown; the captions are 18).
READABLE_PX = 14


def drawn_texts(figure):
    """Every text a view draws: tick labels within the axes' limits, axis labels and legend entries."""
    texts = []
    for ax in figure.axes:
        if ax.axison:
            low, high = sorted(ax.get_xlim())
            texts += [t for t in ax.get_xticklabels() if t.get_text() and low <= t.get_position()[0] <= high]
            low, high = sorted(ax.get_ylim())
            texts += [t for t in ax.get_yticklabels() if t.get_text() and low <= t.get_position()[1] <= high]
            texts += [ax.xaxis.label, ax.yaxis.label]
        if ax.get_legend() is not None:
            texts += ax.get_legend().get_texts()
    return [text for text in texts if text.get_visible() and text.get_text()]


def eight_domains_in_three_regions():
    """The most a network's legend shows (eight domains, in two rows) and three circles side by side."""
    scenario = default_scenario().with_values(
        problem__n_elements=16,
        problem__n_domains=8,
        organizations__n_organizations=16,
        regions__n_regions=3,
        run__steps=4,
        conditions__dynamics="built",
    )
    pair = SideBySide(base=scenario, seed=1)
    pair.step()
    return pair, [pair.snapshots()]


@pytest.mark.parametrize("view", VIEWS, ids=lambda view: view.key)
@pytest.mark.parametrize("case", ["small", "eight domains"])
def test_every_text_of_a_view_is_readable_from_the_back_of_a_classroom_whole_and_apart(run, view, case):
    pair, frames = run if case == "small" else eight_domains_in_three_regions()
    snapshot = frames[-1][1]
    figure = LiveFigure(view, Scale.of(pair.last_step, *frames[-1]), snapshot)
    figure.png(snapshot, Scale.of(pair.last_step, *frames[-1]))
    renderer = figure.canvas.get_renderer()
    texts = drawn_texts(figure.figure)
    assert texts
    scale = SHOWN_AT_PROJECTOR / figure.figure.bbox.width
    small = [(t.get_text(), t.get_fontsize()) for t in texts if t.get_fontsize() * DPI / 72 * scale < READABLE_PX]
    assert small == []
    boxes = [(text.get_text(), text.get_window_extent(renderer)) for text in texts]
    whole = figure.figure.bbox.padded(0.5)
    assert [
        name for name, box in boxes if not whole.contains(box.x0, box.y0) or not whole.contains(box.x1, box.y1)
    ] == []
    overlapping = [(a, b) for i, (a, one) in enumerate(boxes) for b, other in boxes[i + 1 :] if one.overlaps(other)]
    assert overlapping == []


@pytest.mark.parametrize("view", [v for v in VIEWS if v.key in ("waste", "spend", "conditions")], ids=lambda v: v.key)
def test_a_time_views_legend_sits_above_its_axes_where_no_line_can_run_through_it(run, view):
    """Duplication can stay near 1 for a whole run: a legend inside the axes would be struck through by it."""
    pair, frames = run
    snapshot = frames[-1][1]
    figure = LiveFigure(view, Scale.of(pair.last_step, *frames[-1]), snapshot)
    figure.png(snapshot, Scale.of(pair.last_step, *frames[-1]))
    renderer = figure.canvas.get_renderer()
    ax = figure.figure.axes[0]
    legend = ax.get_legend().get_window_extent(renderer)
    assert legend.y0 >= ax.get_window_extent(renderer).y1 - 1


def test_a_downloaded_chart_of_both_sides_says_what_it_shows(tmp_path):
    """A slide made from the page's PNG has no page around it: the chart carries its designs, seed and step."""
    from cisim.classroom.canvas import HEADLINE_SIZE
    from cisim.classroom.page import download_caption

    misled = default_scenario().with_values(backbone__measurement_coverage=0.5)
    pair = SideBySide(base=misled, seed=7)
    for _ in range(12):
        pair.step()
    caption = download_caption(pair)
    assert "seed 7, step 12 of 100" in caption
    assert "shared indicators cover 0.50 of the problem" in caption and "data noise" in caption
    chart = HeadlineFigure(pair.last_step, caption)
    picture = Image.open(io.BytesIO(chart.png(*pair.snapshots())))
    assert picture.height > HEADLINE_SIZE[1] * 100  # taller than the page's own chart, by the caption
    renderer = chart.canvas.get_renderer()
    (text,) = chart.figure.texts
    box = text.get_window_extent(renderer)
    assert box.x0 >= 0 and box.x1 <= picture.width and box.y0 >= 0, "the caption lies inside the picture"
    axes = chart.figure.axes[0].get_tightbbox(renderer)
    assert box.y1 < axes.y0, "the caption lies under the axes and their labels"


def test_the_network_darkens_the_links_shared_over_this_step_and_those_are_the_links_trust_did_not_fade_on():
    """In ``premature_convergence`` both sides' networks were one grey disc (20 organizations, all linked): the
    view drew trust alone, so everyone hearing everyone every step looked like peers heard now and then. It now
    darkens the links something was shared over this step, which are the ones whose trust did not fade."""
    scenario = load_scenario(ROOT / "scenarios" / "premature_convergence.toml").with_values(run__steps=6)
    decay = scenario["communication.trust_decay"]
    pair = SideBySide(base=scenario, seed=0)
    before = pair.snapshots()
    contacts = {"isolated": 0, "coalition": 0}
    while pair.running:
        pair.step()
        after = pair.snapshots()
        for side, old, new in zip(contacts, before, after, strict=True):
            contact = new.network.contact
            contacts[side] += int(contact.sum())
            np.testing.assert_allclose(new.network.trust[~contact], old.network.trust[~contact] * (1 - decay))
            assert (new.network.trust[contact] >= old.network.trust[contact]).all()
            view = LiveFigure(NetworkView, Scale.of(pair.last_step, *after), new).view
            view.update(new, Scale.of(pair.last_step, *after))
            dark = np.all(view.links.get_colors() == CONTACT_RGBA, axis=1)
            assert dark.sum() == contact.sum() and len(dark) == len(contact)
        before = after
    # The coalition's design keeps everyone in touch every step; organizations apart hear peers now and then.
    assert contacts["coalition"] > 2 * contacts["isolated"] > 0
