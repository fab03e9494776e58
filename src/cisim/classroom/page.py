"""The classroom page: isolated impact and a coalition design side by side, on Mesa's SolaraViz.

The page is Mesa's ``SolaraViz`` around a ``SideBySide`` model: Mesa's controls (play, step, reset) and
parameter sliders in the sidebar, and the views of both simulations in two columns, isolated impact on the
left and the coalition design on the right. A scenario picker above them swaps the whole page (both
simulations and the sliders' starting values) to another scenario.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import solara
from mesa.visualization import SolaraViz
from mesa.visualization.user_param import Slider
from mesa.visualization.utils import update_counter

from cisim.classroom import data
from cisim.classroom.canvas import LiveFigure
from cisim.classroom.pair import CONTROLS, Choice, SideBySide, slider_range
from cisim.classroom.views import (
    COALITION_COLOUR,
    CONDITION_NAMES,
    ISOLATED_COLOUR,
    VIEWS,
    ConditionsView,
    OutcomeView,
    Scale,
    View,
)
from cisim.scenarios.library import entries
from cisim.scenarios.scenario import Scenario, ScenarioError, default_scenario, load_scenario

#: Environment variable through which ``cisim app`` names the scenario to open with (a path to a TOML file).
SCENARIO_VARIABLE = "CISIM_APP_SCENARIO"

TITLE = "Isolated versus collective impact"
#: The two sides of the page: their names and colours.
SIDES = {"isolated": ("Isolated impact", ISOLATED_COLOUR), "coalition": ("Coalition design", COALITION_COLOUR)}
ISOLATED = "Every organization works alone: no common agenda, no shared data, no joint plan, no backbone."
FIXED_LEVELS = (
    "Held fixed: this run uses the levels set on the sliders at every step, so there is nothing to draw over time. "
    "Choose built under Condition levels and press RESET to let a backbone raise them over the run (and see them "
    "fade without one)."
)
STYLE = """
.cisim-view { padding: 6px 10px; }
.cisim-side { font-weight: 700; }
.cisim-title { font-size: 1.05em; font-weight: 600; }
.cisim-caption { color: #555; font-size: 0.85em; line-height: 1.3; }
.cisim-live { font-variant-numeric: tabular-nums; }
"""


def library(opening: Scenario) -> dict[str, Scenario]:
    """The scenarios a teacher can pick: the one the page opens with, the built-in defaults and the library.

    Library files that do not load are left out (``cisim scenarios validate`` explains them).
    """
    choices = {opening.name: opening}
    choices.setdefault(default_scenario().name, default_scenario())
    for entry in entries():
        try:
            scenario = load_scenario(entry.path)
        except ScenarioError:
            continue
        choices.setdefault(scenario.name, scenario)
    return choices


def opening_scenario() -> tuple[Scenario, str]:
    """The scenario the page opens with, named by ``cisim app`` (``SCENARIO_VARIABLE``), and a warning, if any."""
    named = os.environ.get(SCENARIO_VARIABLE, "").strip()
    if not named:
        return default_scenario(), ""
    try:
        return load_scenario(Path(named)), ""
    except ScenarioError as error:
        return (
            default_scenario(),
            f"Could not open {named}: {'; '.join(error.problems)}. Showing the built-in defaults.",
        )


def model_params(scenario: Scenario) -> dict[str, Any]:
    """Mesa's parameter description for the sidebar: the seed box, one slider per setting and a list per choice."""
    params: dict[str, Any] = {
        "base": scenario,
        "seed": {"type": "InputText", "value": "0", "label": "Seed (the same for both sides)"},
    }
    for setting in CONTROLS:
        if isinstance(setting, Choice):
            params[setting.name] = {
                "type": "Select",
                "value": scenario[setting.key],
                "values": list(setting.values),
                "label": setting.label,
            }
            continue
        low, high = slider_range(setting, scenario)
        kind = int if setting.is_whole else float
        params[setting.name] = Slider(
            setting.label,
            value=kind(scenario[setting.key]),
            min=kind(low),
            max=kind(high),
            step=kind(setting.step),
            dtype=kind,
        )
    return params


def paragraph(text: str, classes: str = "cisim-caption") -> None:
    """A line of text in a block of its own."""
    solara.v.Html(tag="div", class_=classes, children=[text])


def _live_line(pair: SideBySide, snapshot: data.Snapshot, side: str) -> str:
    line = (
        f"step {snapshot.step} of {pair.last_step} · outcome {snapshot.latest(data.OUTCOME):.3f} · "
        f"spent {snapshot.latest(data.TOTAL_SPEND):,.0f} ({snapshot.latest(data.TOTAL_INCOME):,.0f} brought in)"
    )
    if side == "coalition" and pair.levels["backbone"] > 0:
        # Only a backbone wins policy changes; elsewhere the gain is 0 throughout and not worth a word.
        line += f" · policy gain {snapshot.latest(data.POLICY_GAIN):.3f}"
    return line


def _design_line(pair: SideBySide, side: str) -> str:
    base = pair.base
    if side == "isolated":
        return (
            f"{ISOLATED} Problem: k = {base['problem.k']} interactions per decision, "
            f"{base['problem.k_across']:.0%} across domains; data noise {base['organizations.measurement_noise']:.2f}."
        )
    if len(set(pair.levels.values())) == 1:
        levels = f"all five conditions at {next(iter(pair.levels.values())):.2f}"
    else:
        levels = ", ".join(f"{CONDITION_NAMES[name]} {level:.2f}" for name, level in pair.levels.items())
    how = "starting levels, built over the run" if pair.levels_change else "held fixed"
    return f"{base.name}: {levels} ({how}); coordination cost {base['costs.coordination_cost']:g} per member per step."


@solara.component
def LiveLine(pair: SideBySide, side: str) -> None:
    """The step, outcome and spend so far of one side, redrawn after every step."""
    update_counter.get()
    snapshot = pair.snapshots()[0 if side == "isolated" else 1]
    paragraph(_live_line(pair, snapshot, side), f"cisim-live cisim-live-{side}")


@solara.component
def Picture(pair: SideBySide, view: type[View], side: str) -> None:
    """One view of one side as a picture, redrawn after every step."""
    update_counter.get()
    snapshots = pair.snapshots()
    snapshot = snapshots[0 if side == "isolated" else 1]
    scale = Scale.of(pair.last_step, *snapshots)
    colour = SIDES[side][1]
    figure = solara.use_memo(lambda: LiveFigure(view, scale, snapshot, colour), dependencies=[pair])
    solara.Image(figure.png(snapshot, scale), width="100%", classes=[f"cisim-image-{view.key}-{side}"])


def view_card(view: type[View], side: str) -> Callable[[SideBySide], Any]:
    """A page component showing ``view`` for one side (``isolated`` or ``coalition``), with title and caption.

    The card itself renders once per simulation; only its picture and live numbers (``Picture``,
    ``LiveLine``) render again after each step, which keeps a step's redraw short.
    """
    side_name, colour = SIDES[side]

    @solara.component
    def Card(pair: SideBySide) -> None:
        with solara.Column(gap="2px", classes=["cisim-view", f"cisim-{view.key}-{side}"]):
            solara.Text(f"{side_name} · {view.title}", classes=["cisim-title"], style={"color": colour})
            if view is OutcomeView:
                paragraph(_design_line(pair, side))
                LiveLine(pair, side)
                if pair.notice:
                    solara.Warning(pair.notice, dense=True)
            if view is ConditionsView and not pair.levels_change:
                paragraph(FIXED_LEVELS)
            else:
                Picture(pair, view, side)
                paragraph(view.caption)

    Card.__name__ = f"{view.__name__}{side.title()}"
    return Card


@solara.component
def NoConditions(pair: SideBySide) -> None:
    """The isolated side's place for the conditions view: alone, there is nothing to build."""
    side_name, colour = SIDES["isolated"]
    with solara.Column(gap="2px", classes=["cisim-view"]):
        solara.Text(f"{side_name} · {ConditionsView.title}", classes=["cisim-title"], style={"color": colour})
        paragraph(
            "Alone, organizations form no coalition: all five conditions stay at 0, so there is nothing to build. "
            "Compare the right-hand side."
        )


#: The components of every view, made once (a component made anew at each render would start afresh).
CARDS = {(view, side): view_card(view, side) for view in VIEWS for side in SIDES}


def page_components() -> list[Any]:
    """The page's views, left and right, built from ``CARDS``.

    Every view is always there, so that choosing how condition levels behave (a choice in the sidebar, taken
    up on RESET) needs no new page: with fixed levels the conditions view says so instead of drawing flat lines.
    """
    cards: list[Any] = []
    for view in VIEWS:
        cards.append(NoConditions if view is ConditionsView else CARDS[(view, "isolated")])
        cards.append(CARDS[(view, "coalition")])
    return cards


@solara.component
def Page() -> None:
    """The classroom page (``solara run`` serves the component named ``Page``)."""
    opening, warning = solara.use_memo(opening_scenario, dependencies=[])
    choices = solara.use_memo(lambda: library(opening), dependencies=[])
    chosen = solara.use_reactive(opening.name)
    scenario = choices[chosen.value]
    pair = solara.use_memo(lambda: SideBySide(base=scenario), dependencies=[chosen.value])
    solara.Style(STYLE)
    solara.Title(TITLE)
    with solara.Sidebar(), solara.Card("Scenario"):
        solara.Select("Scenario", values=list(choices), value=chosen)
        paragraph(scenario.description)
        paragraph("Move the sliders or change a choice below, then press RESET: both sides start again with it.")
        if warning:
            solara.Warning(warning, dense=True)
    SolaraViz(pair, components=page_components(), model_params=model_params(scenario), name=TITLE).key(
        f"viz-{chosen.value}"
    )
