"""Each arm has one colour in every figure: compare's, plot's, the demo's slides and the classroom page.

A teacher mixing slides from ``cisim compare``, ``cisim plot``, ``cisim demo`` and the page must never see
isolated impact in one colour on one slide and in the coalition's colour on the next.
"""

import numpy as np
import pandas as pd
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_hex
from matplotlib.figure import Figure

import cisim.classroom.many as many
from cisim.classroom.canvas import HeadlineFigure
from cisim.classroom.demo import COMPLEX, DESIGN, TECHNICAL, outcome_figure, spend_figure
from cisim.plots.colours import ARM_COLOURS, COALITION_COLOUR, ISOLATED_COLOUR, arm_colours
from cisim.plots.figures import comparison_figure, run_figure
from cisim.plots.results import cost_effectiveness, distribution, outcome_over_time
from cisim.scenarios import default_scenario

STEPS, REPLICATES = 6, 4


@pytest.fixture
def saved(monkeypatch):
    """Every figure saved while the test runs (kept before it is closed), in order."""
    figures: list[Figure] = []
    original = Figure.savefig

    def keep(self, *args, **kwargs):
        figures.append(self)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Figure, "savefig", keep)
    return figures


def line_colours(figure: Figure, names: dict[str, str]) -> dict[str, str]:
    """The colour of each line whose legend label is a key of ``names``, keyed by the arm it names."""
    found = {}
    for ax in figure.axes:
        for line in ax.get_lines():
            if line.get_label() in names:
                found[names[line.get_label()]] = to_hex(line.get_color())
    return found


def bar_colours(figure: Figure, names: dict[str, str]) -> dict[str, str]:
    found = {}
    for ax in figure.axes:
        for container in ax.containers:
            label = container.get_label()
            if label in names and hasattr(container, "patches"):
                found[names[label]] = to_hex(container.patches[0].get_facecolor())
    return found


def outcomes(arms: tuple[str, ...]) -> pd.DataFrame:
    """Outcome per step (rows) of each arm and replicate (columns, arm first), rising steadily."""
    rng = np.random.default_rng(0)
    columns = pd.MultiIndex.from_product([arms, range(REPLICATES)], names=["arm", "replicate"])
    values = np.linspace(0.2, 0.8, STEPS + 1)[:, None] + rng.uniform(0, 0.1, (STEPS + 1, len(columns)))
    return pd.DataFrame(values, index=pd.RangeIndex(STEPS + 1, name="step"), columns=columns)


def summaries(arms: tuple[str, ...]) -> pd.DataFrame:
    rng = np.random.default_rng(1)
    rows = [
        {"arm": arm, "replicate": r, "final_outcome": rng.uniform(0.3, 0.9), "cost_effectiveness": rng.uniform(1, 3)}
        for arm in arms
        for r in range(REPLICATES)
    ]
    return pd.DataFrame(rows)


def test_isolated_is_vermilion_and_the_coalition_blue_whatever_order_the_arms_come_in():
    for arms in (("isolated", "scenario"), ("scenario", "isolated"), ("collective", "isolated")):
        colours = arm_colours(arms)
        assert colours["isolated"] == ISOLATED_COLOUR
        assert colours[next(a for a in arms if a != "isolated")] == COALITION_COLOUR
    assert ISOLATED_COLOUR != COALITION_COLOUR


def test_no_two_arms_of_one_figure_share_a_colour():
    arms = ("scenario", "backbone_only", "isolated", "collective", "a", "b", "c")
    colours = arm_colours(arms)
    assert len(set(colours.values())) == len(arms)
    assert colours["collective"] == COALITION_COLOUR and colours["isolated"] == ISOLATED_COLOUR
    assert colours["scenario"] not in (ISOLATED_COLOUR, COALITION_COLOUR)  # collective keeps blue


@pytest.mark.parametrize("coalition", ["scenario", "collective"])
def test_compare_and_plot_colour_each_arm_as_the_convention_says(coalition, saved, tmp_path):
    arms = (coalition, "isolated")  # the coalition listed first: a colour by position would swap them
    comparison_figure(outcomes(arms), summaries(arms), tmp_path / "comparison.png", "title")
    long = outcomes(arms).stack(["arm", "replicate"], future_stack=True).rename("community_outcome").reset_index()
    outcome_over_time(long, tmp_path)
    cost_effectiveness(summaries(arms), tmp_path)
    compare, plot, bars = saved[0], saved[1], saved[3]  # outcome_over_time and the bars save PNG and SVG
    expected = {arm: to_hex(ARM_COLOURS[arm]) for arm in arms}
    assert line_colours(compare, {arm: arm for arm in arms}) == expected
    assert line_colours(plot, {arm: arm for arm in arms}) == expected
    assert bar_colours(bars, {arm: arm for arm in arms}) == expected


@pytest.mark.parametrize("arm", ["isolated", "scenario", "collective"])
def test_one_runs_figure_draws_the_community_in_its_arms_colour_and_no_domain_in_an_arms(arm, saved, tmp_path):
    """``cisim run``'s figure: an isolated run's community line is vermilion, a coalition's blue."""
    steps = np.arange(STEPS)
    series = pd.DataFrame(
        {"community_outcome": steps / 10, **{f"outcome_domain_{d}": steps / 10 + d / 100 for d in range(4)}}
    )
    run_figure(series, tmp_path / "outcome.png", "title", arm)
    colours = {to_hex(line.get_color()): line.get_label() for line in saved[0].axes[0].get_lines()}
    assert colours[to_hex(ARM_COLOURS[arm])] == "community"
    assert to_hex(ISOLATED_COLOUR) not in colours or arm == "isolated"
    assert to_hex(COALITION_COLOUR) not in colours or arm != "isolated"


def test_a_runs_legend_sits_beside_its_plot_and_covers_no_line(saved, tmp_path):
    """Domain lines reach every corner of the plot (a domain can fall to 0.1 late in a run): no corner is free."""
    steps = np.arange(101)
    series = pd.DataFrame(
        {"community_outcome": 0.5 + 0 * steps, **{f"outcome_domain_{d}": (steps % (d + 2)) / (d + 1) for d in range(4)}}
    )
    run_figure(series, tmp_path / "outcome.png", "title", "isolated")
    figure = saved[0]
    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    renderer = canvas.get_renderer()
    axes, legend = figure.axes[0], figure.axes[0].get_legend()
    plot, box = axes.get_window_extent(renderer), legend.get_window_extent(renderer)
    assert box.x0 >= plot.x1, (box, plot)  # to the right of the plot, not over it
    assert box.x1 <= figure.bbox.x1  # and inside the figure
    assert [t.get_text() for t in legend.get_texts()][:4] == [f"outcome, domain {d}" for d in range(4)]


def test_the_distributions_boxes_and_medians_are_black_so_only_the_runs_carry_arm_colours(saved, tmp_path):
    """matplotlib draws medians orange: in the coalition's box that would read as isolated impact."""
    arms = ("isolated", "scenario")
    distribution(summaries(arms), tmp_path)
    lines = [to_hex(line.get_color()) for line in saved[0].axes[0].get_lines()]
    assert lines and set(lines) == {"#000000"}
    points = {to_hex(c.get_facecolor()[0], keep_alpha=False) for c in saved[0].axes[0].collections}
    assert points == {to_hex(ISOLATED_COLOUR), to_hex(COALITION_COLOUR)}


def test_the_demo_and_the_page_use_the_colours_compare_uses(saved, tmp_path, monkeypatch):
    arms = ("isolated", DESIGN)
    comparison_figure(outcomes(arms), summaries(arms), tmp_path / "comparison.png", "title")
    compare = line_colours(saved[-1], {arm: arm for arm in arms})

    frame = outcomes(arms)  # the demo's frames: outcome per step, runs of each arm under its name
    scenario = default_scenario()
    numbers = pd.DataFrame(
        [
            {
                "scenario": name,
                "baseline": "isolated",
                "design": DESIGN,
                "metric": "final_outcome",
                "difference": 0.1,
                "ci_low": 0.05,
                "ci_high": 0.15,
                "pairs": REPLICATES,
            }
            for name in (TECHNICAL, COMPLEX)
        ]
    )
    outcome_figure(
        {TECHNICAL: frame, COMPLEX: frame}, {TECHNICAL: scenario, COMPLEX: scenario}, numbers, tmp_path / "o.png"
    )
    demo = line_colours(saved[-1], {"isolated impact": "isolated", "collective impact": DESIGN})
    spend_figure({TECHNICAL: summaries(arms), COMPLEX: summaries(arms)}, tmp_path / "s.png")
    spend = bar_colours(saved[-1], {"isolated impact": "isolated", "collective impact": DESIGN})

    page_names = {"isolated impact": "isolated", "coalition design": DESIGN}
    headline = HeadlineFigure(STEPS)
    page = line_colours(headline.figure, page_names)
    drawn: list[Figure] = []
    monkeypatch.setattr(many, "encode_png", lambda canvas: drawn.append(canvas.figure) or b"")
    series = pd.DataFrame(np.linspace(0.2, 0.8, STEPS + 1)[:, None].repeat(3, axis=1))
    many.many_runs_png(many.ManyRuns(isolated=series, coalition=series))
    spread = line_colours(drawn[0], {f"{name} (mean)": arm for name, arm in page_names.items()})

    assert compare == {"isolated": to_hex(ISOLATED_COLOUR), DESIGN: to_hex(COALITION_COLOUR)}
    assert demo == spend == page == spread == compare


def test_compare_s_figure_names_the_designs_in_words_and_draws_the_outcome_on_its_whole_scale(saved, tmp_path):
    """On a slide the arms read as designs, not as cisim's arm names, and the outcome axis does not flatter a gap."""
    arms = ("isolated", "scenario")
    names = {"isolated": "isolated impact", "scenario": "coalition design"}
    comparison_figure(outcomes(arms), summaries(arms), tmp_path / "comparison.png", "title", names)
    left, right = saved[-1].axes
    assert [text.get_text() for text in left.get_legend().get_texts()] == ["isolated impact", "coalition design"]
    assert [tick.get_text() for tick in right.get_xticklabels()] == ["isolated impact", "coalition design"]
    assert left.get_ylim() == (0, 1.02)
    assert right.get_ylim()[0] > 0 and "axis zoomed to the runs" in right.get_title()
