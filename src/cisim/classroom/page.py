"""The classroom page: isolated impact and a coalition design side by side, made to be shown to a class.

The page holds one ``SideBySide`` model (Mesa's) and its own controls, sized for a projector: a top panel
with RESET, play and STEP, a speed choice, both sides' community outcome on one chart and the gap between
them as one signed number; below it, the views of both sides in two columns. The sidebar holds the scenario
picker (every scenario in the library), the seed and the settings. Picking a scenario, and RESET, always
build both simulations anew from the picked scenario and the settings shown, and stop any play.
"""

from __future__ import annotations

import io
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import solara
import solara.lab
from mesa.visualization.utils import force_update, update_counter

from cisim.classroom import data
from cisim.classroom.canvas import HeadlineFigure, LiveFigure
from cisim.classroom.many import SEEDS, ManyRuns, many_runs_png, run_many
from cisim.classroom.pair import (
    CONTROLS,
    DEFAULT_SEED,
    Choice,
    SideBySide,
    seed_notice,
    seed_to_run,
    slider_range,
)
from cisim.classroom.views import (
    CONDITION_NAMES,
    VIEWS,
    ConditionsView,
    OutcomeView,
    Scale,
    View,
)
from cisim.plots.colours import COALITION_COLOUR, ISOLATED_COLOUR
from cisim.scenarios.library import DEFAULT_FOLDER, entries
from cisim.scenarios.scenario import Scenario, ScenarioError, default_scenario, load_scenario

#: Environment variable through which ``cisim app`` names the scenario to open with (a path to a TOML file).
SCENARIO_VARIABLE = "CISIM_APP_SCENARIO"

TITLE = "Isolated versus collective impact"
#: The two sides of the page: their names and colours (the arms' colours of every figure, ``cisim.plots.colours``).
SIDES = {"isolated": ("Isolated impact", ISOLATED_COLOUR), "coalition": ("Coalition design", COALITION_COLOUR)}
ISOLATED = "Every organization works alone: no common agenda, no shared data, no joint plan, no backbone."
ONE_STEP = (
    "One step is one planning period (think of a quarter): every organization reviews its plan once and the "
    "community's outcome is measured."
)
FINISHED = "Run finished — press RESET"
PENDING = "Changed settings apply when you press RESET"
FIXED_LEVELS = (
    "Held fixed: this run uses the levels set on the sliders at every step, so there is nothing to draw over time. "
    "Choose built under Condition levels and press RESET to let a backbone raise them over the run (and see them "
    "fade without one)."
)
#: Speeds a teacher can choose, and the pause each leaves between steps (seconds).
SPEEDS = {"slow": 0.6, "normal": 0.2, "fast": 0.05}
#: How long play waits at most for a step's redraw to reach the browser before it takes the next step (seconds).
REDRAW_TIMEOUT = 10.0
#: Pictures and text sized for a projector; Solara's badge and the sidebar's own scrolling kept out of the way.
STYLE = """
.cisim-view { padding: 6px 10px; }
.cisim-title { font-size: 20px; font-weight: 600; }
.cisim-caption { color: #444; font-size: 18px; line-height: 1.35; white-space: normal; overflow: visible; }
.cisim-live { font-size: 18px; font-variant-numeric: tabular-nums; }
.cisim-headline { padding: 4px 12px; }
.cisim-gap { font-size: 30px; font-weight: 700; line-height: 1.2; }
.cisim-status { font-size: 20px; font-variant-numeric: tabular-nums; }
.cisim-finished { font-size: 22px; font-weight: 700; color: #B00020; }
.cisim-pending { font-size: 20px; font-weight: 600; color: #8A4B00; }
.cisim-caption.cisim-note { color: #8A4B00; font-weight: 600; }
.cisim-controls .v-btn { font-size: 18px !important; min-height: 44px; }
.cisim-own-settings.v-btn { max-width: 100%; height: auto !important; min-height: 36px; padding: 6px 8px !important; }
.cisim-own-settings .v-btn__content { white-space: normal; flex: 1 1 auto; text-align: left; }
.cisim-setting .v-label, .cisim-setting .v-select__selection { font-size: 16px; }
.solara-watermark, .v-app-bar .solara-lab-theme-toggle { display: none !important; }
a[href*="solara.dev"] { display: none !important; }
"""


def library(opening: Scenario, folder: Path = DEFAULT_FOLDER) -> tuple[dict[str, Scenario], list[str]]:
    """The scenarios a teacher can pick, and what is wrong with each scenario file left out of the picker.

    The choices are the one the page opens with, the built-in defaults and the library: every scenario file in
    ``scenarios/``, read when the page opens, so a new file appears in the picker without a change here. A
    file that does not load is left out, and said so (its name and what is wrong with it: the page shows the
    lines under the picker and ``cisim app`` prints them as it starts), so that a scenario prepared for a class
    never goes missing without a word.
    """
    choices = {opening.name: opening}
    choices.setdefault(default_scenario().name, default_scenario())
    left_out = []
    for entry in entries(folder):
        try:
            scenario = load_scenario(entry.path)
        except ScenarioError as error:
            said = "; ".join(error.problems)
            left_out.append(said if said.startswith(str(entry.path)) else f"{entry.path}: {said}")
            continue
        choices.setdefault(scenario.name, scenario)
    return choices, left_out


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


def scenario_settings(scenario: Scenario) -> dict[str, Any]:
    """The settings the sidebar starts from on ``scenario``: its own value for every control, and the page's seed."""
    settings: dict[str, Any] = {"seed": str(DEFAULT_SEED)}
    for control in CONTROLS:
        value = scenario[control.key]
        settings[control.name] = value if isinstance(control, Choice) or control.is_whole else float(value)
    return settings


def changed_settings(settings: dict[str, Any], applied: dict[str, Any]) -> list[str]:
    """The labels of the settings shown that differ from those the running pair was built with, seed first.

    The seed counts as changed when RESET would run another seed: ``" 15"`` is seed 15, and text that is not a
    seed is seed 0 (RESET falls back to it and says so), so ``"abc"`` then ``"0"`` is no change.
    """
    changed = ["seed"] if seed_to_run(settings["seed"]) != seed_to_run(applied["seed"]) else []
    return changed + [control.label for control in CONTROLS if settings[control.name] != applied[control.name]]


def pending(settings: dict[str, Any], applied: dict[str, Any]) -> str | None:
    """What to say near RESET while the settings shown differ from those the running pair was built with."""
    changed = changed_settings(settings, applied)
    return f"{PENDING} (changed: {', '.join(changed)})" if changed else None


def seed_warning(settings: dict[str, Any], applied: dict[str, Any]) -> str:
    """What to say, near RESET and beside the seed box, when the seed box holds text that is not a seed.

    While the text waits for RESET, RESET will use seed 0; once RESET ran it, the run uses 0 (the running
    pair's own ``notice``). ``""`` for a seed.
    """
    typed = settings["seed"]
    return seed_notice(typed, waiting=str(typed) != str(applied["seed"]))


def picked_line(name: str, typed: Any, seed: Any) -> str:
    """What to say after picking scenario ``name``: that the pick dropped the seed typed before, if it did.

    A pick runs the scenario's own settings and the page's seed (``seed``); when the seed box held another
    (``typed``), the line says so, since the teacher may not look at the box again. ``""`` when nothing was lost.
    """
    if seed_to_run(typed) == seed_to_run(seed):
        return ""
    before = str(typed).strip()
    was = f"the seed typed before was {before}" if before else "the seed box was empty"
    return f"Picked {name}: its own settings and seed {seed} ({was})."


def build_pair(scenario: Scenario, settings: dict[str, Any]) -> SideBySide:
    """Both simulations, built from ``scenario`` and the sidebar's ``settings`` (always both: never one alone)."""
    return SideBySide(base=scenario, **settings)


def gap_sentence(isolated: float, coalition: float) -> str:
    """The gap between the two sides' outcome, in words and as one signed number."""
    gap = coalition - isolated
    if abs(gap) < 0.005:
        return f"Level: the two sides are within 0.005 ({gap:+.2f})"
    leader = "Coalition" if gap > 0 else "Isolated impact"
    return f"{leader} ahead by {abs(gap):.2f} (coalition minus alone: {gap:+.2f})"


def problem_words(base: Scenario) -> str:
    """The problem's complexity in words: k, and the share across domains only when there are interactions."""
    k = int(base["problem.k"])
    if k == 0:
        return "k = 0: every decision's effect stands alone (a technical problem)"
    return f"k = {k} interactions per decision, {base['problem.k_across']:.0%} of them across domains"


def paragraph(text: str, classes: str = "cisim-caption") -> Any:
    """A line of text in a block of its own (the element, to give it a key)."""
    return solara.v.Html(tag="div", class_=classes, children=[text])


def _live_line(pair: SideBySide, snapshot: data.Snapshot, side: str) -> str:
    line = (
        f"step {snapshot.step} of {pair.last_step} · outcome {snapshot.latest(data.OUTCOME):.3f} · "
        f"spent {snapshot.latest(data.TOTAL_SPEND):,.0f} ({snapshot.latest(data.TOTAL_INCOME):,.0f} brought in)"
    )
    if side == "coalition" and pair.levels["backbone"] > 0:
        # Only a backbone wins policy changes; elsewhere the gain is 0 throughout and not worth a word.
        line += f" · policy gain {snapshot.latest(data.POLICY_GAIN):.3f}"
    return line


def brings_money_in(base: Scenario) -> bool:
    """Whether a coalition under ``base`` can bring money in (the ledger's income).

    Funds the backbone raises, budget from engagement, joint bids, or an outside funder paying for the backbone.
    """
    return (
        base["backbone.funding_yield"] > 0
        or base["participation.engagement_budget_effect"] > 0
        or base["intercooperation.joint_bids"] > 0
        or base["costs.backbone_paid_by"] == "funder"
    )


def _design_line(pair: SideBySide, side: str) -> str:
    base = pair.base
    if side == "isolated":
        return f"{ISOLATED} Problem: {problem_words(base)}; data noise {base['organizations.measurement_noise']:.2f}."
    if len(set(pair.levels.values())) == 1:
        levels = f"all five conditions at {next(iter(pair.levels.values())):.2f}"
    else:
        levels = ", ".join(f"{CONDITION_NAMES[name]} {level:.2f}" for name, level in pair.levels.items())
    how = "starting levels, built over the run" if pair.levels_change else "held fixed"
    said = []  # two ways a coalition is misled (docs/teaching.md), and no new money: each only when set
    if base["backbone.measurement_coverage"] < 1:
        said.append(f"shared indicators cover {base['backbone.measurement_coverage']:.2f} of the problem")
    if base["backbone.agenda_capture"] > 0:
        said.append(f"agenda {base['backbone.agenda_capture']:.2f} captured by its largest funder")
    if not brings_money_in(base):  # coordination_overload
        said.append("no new money comes in (no funds raised, no budget from engagement)")
    return (
        f"{base.name}: {levels} ({how}); "
        + "".join(f"{words}; " for words in said)
        + f"coordination cost {base['costs.coordination_cost']:g} per member per step."
    )


def download_caption(pair: SideBySide) -> str:
    """What a downloaded chart of both sides shows, for a slide with no page around it: designs, seed and step."""
    step = pair.snapshots()[1].step
    return (
        f"Isolated impact and a coalition design on one problem, seed {pair.seed_used}, step {step} of "
        f"{pair.last_step}. Coalition: {_design_line(pair, 'coalition')} Isolated: {_design_line(pair, 'isolated')}"
    )


def _csv(frame: Any) -> bytes:
    buffer = io.StringIO()
    frame.to_csv(buffer)
    return buffer.getvalue().encode()


def downloads(name: str, png: Callable[[], bytes], table: Callable[[], Any]) -> None:
    """Two small buttons: the chart as a PNG and its data as a CSV, both as they are when pressed."""
    with solara.Row(gap="4px", classes=["cisim-downloads"]):
        with solara.FileDownload(png, filename=f"{name}.png", mime_type="image/png"):
            solara.Button("PNG", icon_name="mdi-download", text=True, small=True)
        with solara.FileDownload(lambda: _csv(table()), filename=f"{name}.csv", mime_type="text/csv"):
            solara.Button("CSV", icon_name="mdi-download", text=True, small=True)


#: The page's pair of simulations as components take it: the page's reactive holder, or (in tests) the pair itself.
Source = SideBySide | solara.Reactive[SideBySide]


def current(source: Source) -> SideBySide:
    """The pair ``source`` holds now.

    Components read the page's pair from its holder when they render, never from a value handed down earlier:
    a redraw after a step in the play thread then cannot show a pair that a pick or RESET has replaced.
    """
    return source.value if isinstance(source, solara.Reactive) else source


@solara.component
def LiveLine(source: Source, side: str) -> None:
    """The step, outcome and spend so far of one side, redrawn after every step."""
    update_counter.get()
    pair = current(source)
    snapshot = pair.snapshots()[0 if side == "isolated" else 1]
    paragraph(_live_line(pair, snapshot, side), f"cisim-live cisim-live-{side}")
    # Effects run once the render's changes went to the browser: play waits for both sides' (see Controls).
    solara.use_effect(lambda: pair.shown(side, snapshot.step), [pair, side, snapshot.step])


@solara.component
def Picture(source: Source, view: type[View], side: str) -> None:
    """One view of one side as a picture, redrawn after every step."""
    update_counter.get()
    pair = current(source)
    snapshots = pair.snapshots()
    index = 0 if side == "isolated" else 1
    scale = Scale.of(pair.last_step, *snapshots)
    colour = SIDES[side][1]
    figure = solara.use_memo(lambda: LiveFigure(view, scale, snapshots[index], colour), dependencies=[pair])
    solara.Image(figure.png(snapshots[index], scale), width="100%", classes=[f"cisim-image-{view.key}-{side}"])


def view_card(view: type[View], side: str) -> Callable[[Source], Any]:
    """A page component showing ``view`` for one side (``isolated`` or ``coalition``), with title and caption.

    The card itself renders once per simulation; only its picture and live numbers (``Picture``,
    ``LiveLine``) render again after each step, which keeps a step's redraw short.
    """
    side_name, colour = SIDES[side]

    @solara.component
    def Card(source: Source) -> None:
        pair = current(source)
        with solara.Column(gap="2px", classes=["cisim-view", f"cisim-{view.key}-{side}"]):
            solara.Text(f"{side_name} · {view.title}", classes=["cisim-title"], style={"color": colour})
            if view is OutcomeView:
                paragraph(_design_line(pair, side))
                LiveLine(source, side)
            if view is ConditionsView and not pair.levels_change:
                paragraph(FIXED_LEVELS)
                return
            Picture(source, view, side)
            paragraph(view.caption)
            index = 0 if side == "isolated" else 1

            def png() -> bytes:
                snapshots = pair.snapshots()
                scale = Scale.of(pair.last_step, *snapshots)
                return LiveFigure(view, scale, snapshots[index], colour).png(snapshots[index], scale)

            downloads(f"{pair.base.name}-{view.key}-{side}", png, lambda: pair.snapshots()[index].series)

    Card.__name__ = f"{view.__name__}{side.title()}"
    return Card


@solara.component
def NoConditions(source: Source) -> None:
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


def both_outcomes(pair: SideBySide) -> Any:
    """Both sides' outcome so far as one table (for download)."""
    isolated, coalition = pair.snapshots()
    frame = isolated.series[[data.OUTCOME]].rename(columns={data.OUTCOME: "isolated"})
    frame["coalition"] = coalition.series[data.OUTCOME]
    frame["gap"] = frame["coalition"] - frame["isolated"]
    return frame


@solara.component
def Headline(source: Source) -> None:
    """Both sides' outcome on one chart and the gap as one number, redrawn after every step."""
    update_counter.get()
    pair = current(source)
    isolated, coalition = pair.snapshots()
    left, right = isolated.latest(data.OUTCOME), coalition.latest(data.OUTCOME)
    figure = solara.use_memo(lambda: HeadlineFigure(pair.last_step), dependencies=[pair])
    paragraph(gap_sentence(left, right), "cisim-gap")
    paragraph(
        f"Step {isolated.step} of {pair.last_step} · alone {left:.2f} · coalition {right:.2f}",
        "cisim-status",
    )
    solara.Image(figure.png(isolated, coalition), width="100%", classes=["cisim-image-headline"])


@solara.component
def Controls(
    pair: solara.Reactive[SideBySide], playing: solara.Reactive[bool], speed: solara.Reactive[str], reset: Callable
) -> None:
    """RESET, play or pause, STEP and the speed; when the run is over, a line saying so."""
    update_counter.get()
    model = pair.value
    finished = not model.running

    def step() -> None:
        if model.running:
            model.step()
        force_update()

    def play() -> None:
        # Steps while playing, on this model only: a pick or RESET makes a new model and ends this loop.
        # Each step waits until both sides' live numbers of the one before were sent to the browser, so a
        # redraw never moves the two sides on by more than one step (see SideBySide.wait_shown).
        while playing.value and pair.value is model and model.running:
            started = time.monotonic()
            model.step()
            force_update()
            drawn_by = time.monotonic() + REDRAW_TIMEOUT
            while not model.wait_shown(model.isolated.steps, timeout=0.1):
                if not (playing.value and pair.value is model) or time.monotonic() > drawn_by:
                    break
            time.sleep(max(0.0, SPEEDS[speed.value] - (time.monotonic() - started)) or 0.005)
        if pair.value is model and not model.running:
            playing.set(False)

    solara.lab.use_task(play, dependencies=[playing.value, model], prefer_threaded=True)
    with solara.Row(gap="12px", classes=["cisim-controls"], style={"align-items": "center", "flex-wrap": "wrap"}):
        solara.Button("Reset", color="primary", on_click=reset)
        solara.Button(
            "❚❚" if playing.value else "▶",
            color="primary",
            on_click=lambda: playing.set(not playing.value),
            disabled=finished,
        )
        solara.Button("Step", color="primary", on_click=step, disabled=playing.value or finished)
        solara.ToggleButtonsSingle(value=speed, values=list(SPEEDS), classes=["cisim-speed"])
        if finished:
            paragraph(FINISHED, "cisim-finished")


@solara.component
def ManyRunsPanel(scenario: Scenario, settings: dict[str, Any]) -> None:
    """Twenty seeds at once: the mean and spread of both sides, and a sentence on how regular the gap is."""
    shown: solara.Reactive[tuple[str, ManyRuns] | None] = solara.use_reactive(None)
    asked = f"{scenario.name} {sorted(settings.items())}"

    def run() -> None:
        first = seed_to_run(settings["seed"])  # the seed RESET uses
        chosen = {name: value for name, value in settings.items() if name != "seed"}
        shown.set((asked, run_many(scenario, chosen, first_seed=first)))

    task = solara.lab.use_task(run, dependencies=None, prefer_threaded=True)
    with solara.Column(gap="4px", classes=["cisim-view", "cisim-many"]):
        solara.Text("Many runs: is the gap a rule or luck?", classes=["cisim-title"])
        paragraph(
            "Runs the scenario with the settings shown on 20 seeds (from the seed box on), both sides each time. "
            "Lines: the mean outcome; bands: where 8 runs in 10 lie."
        )
        solara.Button(f"Run {SEEDS} seeds", color="primary", on_click=task, disabled=task.pending)
        # One line in one place says "Running…" and then the summary: were they two, the browser could show the
        # summary twice for a moment while it turns the one into the other (seen under load).
        if task.pending:
            paragraph("Running…")
        # Runs of another scenario or other settings than those now shown are not shown.
        elif shown.value is not None and shown.value[0] == asked:
            runs = shown.value[1]
            paragraph(runs.summary(), "cisim-status cisim-many-summary")
            solara.Image(many_runs_png(runs), width="100%", classes=["cisim-image-many"])
            downloads(f"{scenario.name}-many-runs", lambda: many_runs_png(runs), runs.frame)


def setting_control(settings: solara.Reactive[dict[str, Any]], control: Any, scenario: Scenario) -> None:
    """One control of the sidebar, its value shown beside its name."""
    value = settings.value[control.name]

    def change(new: Any) -> None:
        settings.set({**settings.value, control.name: new})

    if isinstance(control, Choice):
        solara.Select(
            control.label, values=list(control.values), value=value, on_value=change, classes=["cisim-setting"]
        )
        return
    low, high = slider_range(control, scenario)
    label = f"{control.label}: {value}" if control.is_whole else f"{control.label}: {value:.2f}"
    # With k = 0 no decision interacts with another, so no share of interactions crosses domains: the slider
    # would change nothing (problem_words says "k = 0" alone too). It stays where it was for when k rises.
    idle = control.name == "k_across" and settings.value["k"] == 0
    if idle:
        label += " (no effect at k = 0)"
    if control.is_whole:
        solara.SliderInt(
            label,
            value=int(value),
            min=int(low),
            max=int(high),
            step=int(control.step),
            on_value=change,
            thumb_label=False,
        )
    else:
        solara.SliderFloat(
            label,
            value=float(value),
            min=low,
            max=high,
            step=control.step,
            on_value=change,
            thumb_label=False,
            disabled=idle,
        )


@solara.component
def Page() -> None:
    """The classroom page (``solara run`` serves the component named ``Page``)."""
    opening, warning = solara.use_memo(opening_scenario, dependencies=[])
    choices, left_out = solara.use_memo(lambda: library(opening), dependencies=[])
    chosen = solara.use_reactive(opening.name)
    settings = solara.use_reactive(scenario_settings(opening))
    applied = solara.use_reactive(scenario_settings(opening))  # the settings the running pair was built with
    first: SideBySide = solara.use_memo(lambda: build_pair(opening, scenario_settings(opening)), [])
    pair: solara.Reactive[SideBySide] = solara.use_reactive(first)
    playing = solara.use_reactive(False)
    speed = solara.use_reactive("normal")
    picked = solara.use_reactive("")  # after a pick that dropped a seed typed before, a line saying so
    scenario = choices[chosen.value]

    def reset() -> None:
        playing.set(False)
        picked.set("")
        applied.set(dict(settings.value))
        pair.set(build_pair(choices[chosen.value], settings.value))
        force_update()

    def pick(name: str) -> None:
        # A new scenario: its own settings, a new pair of simulations, and no play or end state carried over.
        playing.set(False)
        chosen.set(name)
        own = scenario_settings(choices[name])
        picked.set(picked_line(name, settings.value["seed"], own["seed"]))
        settings.set(own)
        applied.set(scenario_settings(choices[name]))
        pair.set(build_pair(choices[name], settings.value))
        force_update()

    solara.Style(STYLE)
    solara.Title(TITLE)
    with solara.AppBar():
        solara.AppBarTitle(TITLE)
    with solara.Sidebar():
        with solara.Card("Scenario"):
            solara.Select("Scenario", values=list(choices), value=chosen.value, on_value=pick)
            own = scenario_settings(scenario)
            if changed_settings(settings.value, own) or changed_settings(applied.value, own):
                # Picking the scenario already picked changes nothing (the picker's value does not change): this
                # is the way back to its own settings, as a pick of it would give.
                solara.Button(
                    "Back to the scenario's own settings",
                    on_click=lambda: pick(chosen.value),
                    text=True,
                    classes=["cisim-own-settings"],
                )
            if picked.value:
                paragraph(picked.value, "cisim-caption cisim-note cisim-picked")
            paragraph(scenario.description)
            if warning:
                solara.Warning(warning, dense=True)
            for line in left_out:  # a teacher's own file with a mistake: said, not silently missing
                solara.Warning(f"Left out of the picker: {line}", dense=True)
        with solara.Card("Settings"):
            paragraph("Move a slider or change a choice, then press RESET: both sides start again with it.")

            def type_seed(text: str) -> None:
                picked.set("")
                settings.set({**settings.value, "seed": text})

            solara.InputText(
                "Seed (the same for both sides)",
                value=str(settings.value["seed"]),
                on_value=type_seed,
                continuous_update=True,
                error=bool(seed_warning(settings.value, applied.value)),
            )
            if warned := seed_warning(settings.value, applied.value):
                paragraph(warned, "cisim-caption cisim-note cisim-seed-warning")
            for control in CONTROLS:
                setting_control(settings, control, scenario)
    model = pair.value
    with solara.Column(gap="4px", classes=["cisim-headline"]):
        Controls(pair, playing, speed, reset)
        if (notice := pending(settings.value, applied.value)) is not None:
            paragraph(notice, "cisim-pending").key("pending")
        # Beside RESET too, where the teacher looks, not only under the seed box (or, once run, under a chart).
        # Keyed, so that when the line above goes the browser moves this one up rather than showing it twice.
        if warned := seed_warning(settings.value, applied.value):
            paragraph(warned, "cisim-pending cisim-seed-warning").key("seed-warning")
        Headline(pair)
        paragraph(ONE_STEP, "cisim-caption cisim-one-step")
        downloads(
            f"{model.base.name}-seed{model.seed_used}-both-outcomes",
            lambda: HeadlineFigure(model.last_step, download_caption(model)).png(*model.snapshots()),
            lambda: both_outcomes(model),
        )
    with solara.Columns([1, 1]):
        for side in SIDES:
            with solara.Column(gap="8px"):
                for view in VIEWS:
                    card = NoConditions if (view is ConditionsView and side == "isolated") else CARDS[(view, side)]
                    card(pair)
    ManyRunsPanel(scenario, dict(settings.value))
