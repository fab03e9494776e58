"""Slide-ready demonstrations: one coalition design on a technical and on a complex problem.

``run_demo`` runs the shipped ``technical`` and ``complex`` scenarios with paired replicates, isolated and
under full collective impact (and, on the complex problem, the same coalition without a backbone, with its
condition levels held fixed and with them built over the run), and writes figures at slide size, an
animation of the two simulations side by side, the measured numbers and a README naming each file. The same
numbers, as tables and sentences, can be written into a lesson plan between markers.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib import rc_context
from matplotlib.animation import FFMpegWriter, FuncAnimation, PillowWriter
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.layout_engine import ConstrainedLayoutEngine
from scipy import stats
from tqdm import tqdm

from cisim.analysis.paired import paired_difference
from cisim.classroom.data import DUPLICATION, GAPS, LEVELS, OUTCOME, build_model, series
from cisim.classroom.pair import DEFAULT_SEED, SideBySide
from cisim.classroom.views import NetworkView, OutcomeView, Scale
from cisim.experiments.compare import Comparison, compare_arms
from cisim.experiments.runs import replicate_seeds
from cisim.files import replacing, write_text
from cisim.model.outputs import RUN_SUMMARIES
from cisim.plots.colours import arm_colours
from cisim.scenarios.library import find_scenario
from cisim.scenarios.scenario import Scenario, ScenarioError, load_scenario
from cisim.scenarios.schema import CONDITIONS
from cisim.version import __version__

#: The shipped scenarios the demonstration contrasts.
TECHNICAL, COMPLEX = "technical", "complex"
#: The coalition design shown on both problems (all five conditions at 1, with a backbone), and on the complex
#: problem the same design without its backbone: with the other four levels held fixed (the model's default),
#: and with them built over the run (``conditions.dynamics = "built"``), where without a backbone they erode.
DESIGN, NO_BACKBONE, NO_BACKBONE_BUILT = "collective", "without backbone", "without backbone, levels built"
#: How each design is named in the lesson's tables.
DESIGN_NAMES = {
    "isolated": "isolated impact",
    DESIGN: "collective impact",
    NO_BACKBONE: "collective, no backbone",
    NO_BACKBONE_BUILT: "collective, no backbone, levels built",
}
#: The two designs' colours, as in every figure of cisim: isolated vermilion, collective blue.
COLOURS = arm_colours(("isolated", DESIGN))
#: What the demonstration measures on each run's outcome series beyond the model's run summaries: how high the
#: outcome got, and how often it fell (alone on a complex problem it rises and falls; a coalition holds).
SHAPE = {
    "best_outcome": ("best outcome reached", "highest community outcome reached at any step of the run"),
    "falling_steps": ("steps with a fall", "share of steps in which the community outcome fell"),
}
#: The lesson's table of effort and money (means).
MONEY_COLUMNS = (
    "mean_duplication",
    "mean_gap_share",
    "total_spend",
    "total_income",
    "coordination_cost",
    "backbone_cost",
    "cost_effectiveness",
)
#: Run summaries in the numbers table, in order (looked up in ``RUN_SUMMARIES``: a renamed one fails on import),
#: and the outcome's shape.
METRICS = (
    *(RUN_SUMMARIES[name].name for name in ("final_outcome", "outcome_auc", "final_policy_gain", *MONEY_COLUMNS)),
    *SHAPE,
)
#: The lesson's table of how the community does (means).
OUTCOME_COLUMNS = ("final_outcome", "best_outcome", "falling_steps", "final_policy_gain")
#: Money is shown in whole units, shares of steps as percentages, points per 100k with one decimal, everything
#: else with three.
MONEY = {"total_spend", "total_income", "coordination_cost", "backbone_cost"}
PERCENT = {"falling_steps"}
POINTS = {"cost_effectiveness"}
#: Slide style: 16:9 figures with fonts readable from the back of a room.
SLIDE_SIZE, SLIDE_DPI = (13.33, 7.5), 150
SLIDE_STYLE: dict[Any, Any] = {
    "font.size": 18,
    "axes.titlesize": 20,
    "axes.labelsize": 18,
    "xtick.labelsize": 16,
    "ytick.labelsize": 16,
    "legend.fontsize": 16,
    "figure.titlesize": 24,
}
#: The animation: its style, frame size (inches at ``ANIMATION_DPI``) and speed.
ANIMATION_STYLE: dict[Any, Any] = SLIDE_STYLE | {"font.size": 15, "axes.labelsize": 15, "legend.fontsize": 13}
ANIMATION_SIZE, ANIMATION_DPI, FRAMES_PER_SECOND = (12.8, 7.2), 80, 10
#: The band at the foot of the animation kept for the takeaway of its last frame (a share of the frame's height):
#: two lines of large type in a box; the panels are laid out above it.
TAKEAWAY_BAND = 0.15
#: How to read the animation's networks, in its band until the takeaway takes it.
NETWORK_KEY = (
    "Networks: circles are organizations, coloured by domain and sized by budget; ringed circles are coalition\n"
    "members; the black diamond is the backbone. Lines are links, thicker where trust is higher,\n"
    "and dark where something was shared over them this step."
)
#: Copies of the animation's last frame: three seconds to read its takeaway.
HOLD_FRAMES = 3 * FRAMES_PER_SECOND
#: Markers around the measured numbers in a lesson plan (``--lesson``).
BEGIN, END = "<!-- cisim demo: numbers begin -->", "<!-- cisim demo: numbers end -->"
FILES = {
    "outcome_over_time.png": "the same coalition design on a technical and a complex problem: mean community "
    "outcome over time of isolated and collective impact, with 95 % confidence bands over paired replicates",
    "outcome_per_spend.png": "community outcome gained per 100,000 spent, by problem and design, with 95 % "
    "confidence intervals",
    "side_by_side.gif": "one run of the complex problem, isolated impact (left) and collective impact (right) "
    "side by side, step by step: the outcome over time and the organizations' network",
    "side_by_side.mp4": "the same animation as a video",
    "numbers.csv": "every measured number: for each problem, design and metric, the means of the design and its "
    "baseline (isolated impact, or for the designs without a backbone also the full coalition) and their paired "
    "difference with its 95 % confidence interval",
}


class DemoError(Exception):
    """The demonstration cannot run as asked (a shipped scenario is missing or invalid)."""


def _shipped(name: str) -> Scenario:
    try:
        return load_scenario(find_scenario(name))
    except ScenarioError as error:
        raise DemoError(
            f"the demonstration needs the shipped scenario '{name}' (scenarios/{name}.toml): "
            f"{'; '.join(error.problems)}; expected cisim's own scenario library (scenarios/ here, or the one "
            "installed with cisim)"
        ) from None


def _bar(enabled: bool, description: str) -> Callable[[Iterable[Any]], Iterable[Any]] | None:
    if not enabled:
        return None
    return lambda items: tqdm(items, desc=description, leave=False, dynamic_ncols=True)


def without_backbone(scenario: Scenario, dynamics: str) -> Scenario:
    """Full collective impact on ``scenario`` without a backbone, with condition levels ``dynamics``."""
    return scenario.with_arm(DESIGN).with_values(conditions__backbone=0.0, conditions__dynamics=dynamics)


def with_shape(comparison: Comparison) -> pd.DataFrame:
    """The comparison's run summaries with the outcome's shape (``SHAPE``) measured on each run's series."""
    outcomes = comparison.outcomes
    after_start = outcomes.loc[outcomes.index > outcomes.index.min()]
    falls = outcomes.diff().iloc[1:] < 0
    shape = pd.DataFrame(
        {
            "arm": [arm for arm, _ in outcomes.columns],
            "replicate": [replicate for _, replicate in outcomes.columns],
            "best_outcome": after_start.max().to_numpy(),
            "falling_steps": falls.mean().to_numpy(),
        }
    )
    return comparison.summaries.merge(shape, on=["arm", "replicate"], how="left", validate="one_to_one")


def final_levels(scenario: Scenario, seed: int, steps: int | None) -> dict[str, float]:
    """The condition levels at the end of one run of ``scenario`` (under its own design) with ``seed``."""
    model = build_model(scenario, seed)
    for _ in range(int(scenario["run.steps"]) if steps is None else steps):
        model.step()
    last = series(model).iloc[-1]
    return {condition: float(last[LEVELS[condition]]) for condition in CONDITIONS}


def run_demo(
    out: Path,
    replicates: int = 20,
    seed: int = 0,
    steps: int | None = None,
    lesson: Path | None = None,
    progress: bool = True,
) -> list[Path]:
    """Run the demonstration and write its files into ``out``; return the files written.

    Args:
        out: the folder to write into (created if need be).
        replicates: paired replicates per problem and design.
        seed: the demonstration's seed; replicate seeds derive from it.
        steps: steps per run (default: the scenarios' ``run.steps``).
        lesson: a lesson plan whose numbers (between ``BEGIN`` and ``END``) are rewritten.
        progress: show progress bars.
    """
    technical, complex_ = _shipped(TECHNICAL), _shipped(COMPLEX)
    if lesson is not None:
        check_lesson(lesson)
    out.mkdir(parents=True, exist_ok=True)
    arms = ("isolated", DESIGN)
    runs = {
        TECHNICAL: compare_arms(technical, replicates, seed, arms, steps, _bar(progress, "technical problem, runs")),
        COMPLEX: compare_arms(complex_, replicates, seed, arms, steps, _bar(progress, "complex problem, runs")),
    }
    without = {
        NO_BACKBONE: without_backbone(complex_, "fixed"),
        NO_BACKBONE_BUILT: without_backbone(complex_, "built"),
    }
    variants = {
        design: compare_arms(scenario, replicates, seed, ("scenario",), steps, _bar(progress, f"complex, {design}"))
        for design, scenario in without.items()
    }
    summaries = {
        TECHNICAL: with_shape(runs[TECHNICAL]),
        COMPLEX: pd.concat(
            [
                with_shape(runs[COMPLEX]),
                *(with_shape(run).replace({"arm": {"scenario": design}}) for design, run in variants.items()),
            ],
            ignore_index=True,
        ),
    }
    numbers = numbers_table(summaries)
    written = [out / "numbers.csv"]
    with replacing(written[0]) as temporary:  # every file whole or not at all
        numbers.to_csv(temporary, index=False)
    scenarios = {TECHNICAL: technical, COMPLEX: complex_}
    outcomes = {name: comparison.outcomes for name, comparison in runs.items()}
    written.append(outcome_figure(outcomes, scenarios, numbers, out / "outcome_over_time.png"))
    written.append(spend_figure(summaries, out / "outcome_per_spend.png"))
    # The animation is the run the page opens on (``cisim app complex``, its default seed), so the two agree.
    written += animation(complex_.with_arm(DESIGN), DEFAULT_SEED, steps, out / "side_by_side.gif", progress)
    settings = f"--replicates {replicates} --seed {seed}" + (f" --steps {steps}" if steps else "")
    eroded = final_levels(without[NO_BACKBONE_BUILT], replicate_seeds(seed, replicates)[0], steps)
    answers = lesson_numbers(
        numbers,
        settings,
        eroded,
        complex_["costs.backbone_paid_by"] == "members",
        page_run(complex_, steps),
        representative_seed(complex_, steps),
    )
    written.append(out / "README.md")
    write_text(written[-1], readme(written, settings, answers))
    if lesson is not None:
        rewrite_lesson(lesson, answers)
    return written


def numbers_table(summaries: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Means of two designs and their paired difference (design minus baseline), per problem, design and metric.

    Every design is compared with isolated impact; on the complex problem the designs without a backbone are
    compared with the full coalition too (the same replicates: what the backbone adds).
    """
    rows = []
    for scenario, frame in summaries.items():
        designs = [arm for arm in dict.fromkeys(frame["arm"]) if arm != "isolated"]
        pairs = [("isolated", design) for design in designs]
        pairs += [(DESIGN, design) for design in designs if design in (NO_BACKBONE, NO_BACKBONE_BUILT)]
        for baseline, design in pairs:
            for metric in METRICS:
                difference = asdict(paired_difference(frame, metric, baseline, design))
                rows.append({"scenario": scenario, "design": design, **difference})
    table = pd.DataFrame(rows).drop(columns=["arm"]).rename(columns={"arm_mean": "design_mean"})
    return table[
        ["scenario", "baseline", "design", *[c for c in table.columns if c not in ("scenario", "baseline", "design")]]
    ]


def _row(
    numbers: pd.DataFrame, scenario: str, metric: str, design: str = DESIGN, baseline: str = "isolated"
) -> pd.Series:
    chosen = numbers[
        (numbers["scenario"] == scenario)
        & (numbers["baseline"] == baseline)
        & (numbers["design"] == design)
        & (numbers["metric"] == metric)
    ]
    return chosen.iloc[0]


def _band(runs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean over runs (columns) per row and the half-width of its 95 % t-interval."""
    n = runs.shape[1]
    mean = runs.mean(axis=1)
    half = stats.t.ppf(0.975, n - 1) * runs.std(axis=1, ddof=1) / np.sqrt(n)
    return mean, half


def _signed(value: float, digits: int = 3) -> str:
    return f"{value:+,.{digits}f}"


def _interval(row: pd.Series, digits: int = 3) -> str:
    return f"{_signed(row['difference'], digits)} [{_signed(row['ci_low'], digits)}, {_signed(row['ci_high'], digits)}]"


def _slide_figure(size: tuple[float, float] = SLIDE_SIZE) -> Figure:
    figure = Figure(figsize=size, layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def _problem_title(scenario: Scenario) -> str:
    return f"{scenario.name.capitalize()} problem (k = {scenario['problem.k']})"


def outcome_figure(
    outcomes: dict[str, pd.DataFrame], scenarios: dict[str, Scenario], numbers: pd.DataFrame, path: Path
) -> Path:
    """Two panels, one per problem: mean community outcome over time of both designs with 95 % bands."""
    with rc_context(SLIDE_STYLE):
        figure = _slide_figure()
        panels = figure.subplots(1, 2, sharey=True)
        for ax, (name, frame) in zip(panels, outcomes.items(), strict=True):
            for arm, colour, label in (
                ("isolated", COLOURS["isolated"], "isolated impact"),
                (DESIGN, COLOURS[DESIGN], "collective impact"),
            ):
                mean, half = _band(frame[arm].to_numpy())
                ax.plot(frame.index, mean, color=colour, linewidth=3, label=label)
                ax.fill_between(frame.index, mean - half, mean + half, color=colour, alpha=0.25, linewidth=0)
            row = _row(numbers, name, "final_outcome")
            ax.set_title(_problem_title(scenarios[name]))
            ax.text(
                0.98,
                0.04,
                f"collective minus isolated at the end:\n{_interval(row)}",
                transform=ax.transAxes,
                ha="right",
                va="bottom",
                fontsize=16,
            )
            ax.set_xlabel("step")
            ax.set_ylim(0, max(1.05, float(np.nanmax(frame.to_numpy())) + 0.02))
            ax.grid(alpha=0.3)
            ax.spines[["top", "right"]].set_visible(False)
        panels[0].set_ylabel("community outcome\n(share of what is achievable)")
        replicates = int(_row(numbers, COMPLEX, "final_outcome")["pairs"])
        handles, labels = panels[0].get_legend_handles_labels()
        figure.legend(
            handles,
            labels,
            loc="outside lower center",
            ncols=2,
            frameon=False,
        )
        figure.suptitle(f"One coalition design on two problems (mean of {replicates} paired runs, 95 % bands)")
        with replacing(path) as temporary:
            figure.savefig(temporary, dpi=SLIDE_DPI)
    return path


def spend_figure(summaries: dict[str, pd.DataFrame], path: Path) -> Path:
    """Bars: community outcome gained per 100,000 spent, by problem and design, with 95 % intervals."""
    with rc_context(SLIDE_STYLE):
        figure = _slide_figure()
        ax = figure.subplots()
        width = 0.38
        positions = np.arange(2)
        for offset, (design, colour, label) in zip(
            (-width / 2, width / 2),
            (("isolated", COLOURS["isolated"], "isolated impact"), (DESIGN, COLOURS[DESIGN], "collective impact")),
            strict=True,
        ):
            means, errors = [], []
            for scenario in (TECHNICAL, COMPLEX):
                frame = summaries[scenario]
                mean, half = _band(frame.loc[frame["arm"] == design, ["cost_effectiveness"]].to_numpy().T)
                means.append(float(mean[0]))
                errors.append(float(half[0]))
            bars = ax.bar(positions + offset, means, width, yerr=errors, capsize=8, color=colour, label=label)
            ax.bar_label(bars, labels=[f"{m:.1f}" for m in means], padding=10, fontsize=16)
        ax.set_xticks(positions, [f"{TECHNICAL} problem", f"{COMPLEX} problem"])
        ax.set_ylabel("outcome gained per 100,000 spent\n(percentage points)")
        ax.set_title("What each 100,000 spent buys (mean and 95 % interval)")
        ax.legend(loc="upper right", frameon=False)
        ax.grid(axis="y", alpha=0.3)
        ax.spines[["top", "right"]].set_visible(False)
        ax.set_ylim(0, ax.get_ylim()[1] * 1.12)
        with replacing(path) as temporary:
            figure.savefig(temporary, dpi=SLIDE_DPI)
    return path


def animation(scenario: Scenario, seed: int, steps: int | None, path: Path, progress: bool = True) -> list[Path]:
    """Animate one run of ``scenario``: isolated impact left, its coalition design right; return the files.

    Writes a GIF, and an MP4 beside it where ffmpeg is installed.
    """
    pair = SideBySide(base=scenario, seed=seed)
    last = pair.last_step if steps is None else steps
    frames = [pair.snapshots()]
    ticks: Iterable[int] = range(last)
    if progress:
        ticks = tqdm(ticks, desc="animation, simulating", leave=False, dynamic_ncols=True)
    for _ in ticks:
        pair.step()
        frames.append(pair.snapshots())
    bar = tqdm(
        total=len(frames) + HOLD_FRAMES,
        desc="animation, drawing frames",
        leave=False,
        dynamic_ncols=True,
        disable=not progress,
    )
    with rc_context(ANIMATION_STYLE):
        figure, draw = animation_figure(scenario, seed, frames)

        # The last frame, with the takeaway under it, is held for a while (Pillow may merge the copies into one).
        order = [*range(len(frames)), *[len(frames) - 1] * HOLD_FRAMES]
        movie = FuncAnimation(figure, draw, frames=order, interval=1000 / FRAMES_PER_SECOND, blit=False)

        def advance(frame: int, total: int) -> None:
            bar.update(1)

        with replacing(path) as temporary:
            movie.save(
                temporary, writer=PillowWriter(fps=FRAMES_PER_SECOND), dpi=ANIMATION_DPI, progress_callback=advance
            )
        written = [path]
        if FFMpegWriter.isAvailable():
            video = path.with_suffix(".mp4")
            bar.reset()
            with replacing(video) as temporary:
                movie.save(
                    temporary, writer=FFMpegWriter(fps=FRAMES_PER_SECOND), dpi=ANIMATION_DPI, progress_callback=advance
                )
            written.append(video)
    bar.close()
    return written


def animation_figure(
    scenario: Scenario, seed: int, frames: Sequence[tuple[Any, Any]]
) -> tuple[Figure, Callable[[int], list[Any]]]:
    """The animation's figure for ``frames`` (both sides' snapshots at each step), and a function drawing one frame.

    Both sides' outcome over time above their networks; the takeaway, set on the last frame only, in a band
    at the foot of the frame kept free for it (``TAKEAWAY_BAND``), where it covers no panel's ticks or labels.
    Call it under ``ANIMATION_STYLE``.
    """
    last = len(frames) - 1
    scale = Scale.of(last, *frames[-1])
    figure = _slide_figure(ANIMATION_SIZE)
    # The panels are laid out above the band; the band stays empty until the last frame.
    engine = figure.get_layout_engine()
    if not isinstance(engine, ConstrainedLayoutEngine):  # _slide_figure lays slides out with constrained layout
        raise TypeError(f"the animation's figure needs constrained layout, not {engine!r}")
    engine.set(rect=(0, TAKEAWAY_BAND, 1, 1 - TAKEAWAY_BAND))
    grid = figure.subplots(2, 2, height_ratios=(1, 1.5))
    views = []
    for column, (colour, name) in enumerate(
        ((COLOURS["isolated"], "Isolated impact"), (COLOURS[DESIGN], "Collective impact"))
    ):
        outcome = OutcomeView(grid[0, column], scale, frames[0][column], colour)
        grid[0, column].set_title(name, color=colour, fontweight="bold")
        network = NetworkView(grid[1, column], scale, frames[0][column], colour)
        views.append((column, outcome, network))
    title = figure.suptitle("")
    title.set_fontsize("large")
    takeaway = figure.text(
        0.5,
        TAKEAWAY_BAND / 2,
        "",
        ha="center",
        va="center",
        fontsize="large",
        fontweight="bold",
        wrap=True,
        bbox={"boxstyle": "round,pad=0.6", "facecolor": "white", "edgecolor": "#333333"},
        gid="takeaway",
    )

    # Until the takeaway, the band says how to read the networks (the page says it under its own network view).
    key = figure.text(0.5, TAKEAWAY_BAND / 2, NETWORK_KEY, ha="center", va="center", fontsize="medium", gid="key")

    def draw(index: int) -> list[Any]:
        key.set_visible(index != last)
        for column, outcome, network in views:
            outcome.update(frames[index][column], scale)
            network.update(frames[index][column], scale)
        alone, together = (float(frames[index][side].latest(OUTCOME)) for side in (0, 1))
        title.set_text(
            f"{scenario.name.capitalize()} problem, the page's default run (seed {seed}): step {index} of {last}\n"
            f"alone {alone:.2f} · coalition {together:.2f} · gap {together - alone:+.2f}"
        )
        takeaway.set_text(_takeaway(frames[-1]) if index == last else "")
        return []

    return figure, draw


def _takeaway(last: tuple[Any, Any]) -> str:
    """What the animation's run shows, in one sentence: who ends ahead, by how much."""
    alone, together = (float(snapshot.latest(OUTCOME)) for snapshot in last)
    gap = together - alone
    if abs(gap) < 0.005:
        return f"Takeaway: working alone did as well as the coalition here ({gap:+.2f})."
    if gap > 0:
        return (
            "Takeaway: alone, organizations keep undoing each other's gains;\n"
            f"the coalition holds on and ends ahead by {gap:+.2f}."
        )
    return f"Takeaway: here the coalition ends behind working alone ({gap:+.2f}): coordination did not pay."


def _verdict(row: pd.Series, higher: str, lower: str, same: str) -> str:
    """``higher``, ``lower`` or ``same`` as the interval lies above 0, below it or across it.

    An interval whose nearer end prints as 0 (``_interval``'s three digits) is said to clear 0 only just.
    """
    if row["ci_low"] > 0:
        verdict, edge = higher, row["ci_low"]
    elif row["ci_high"] < 0:
        verdict, edge = lower, row["ci_high"]
    else:
        return same
    if abs(edge) < 0.0005:
        return verdict.removesuffix(".") + ", only just (the interval's nearer end is 0 to three places)."
    return verdict


def _label(metric: str) -> str:
    return SHAPE[metric][0] if metric in SHAPE else RUN_SUMMARIES[metric].label


def _value(metric: str, value: float) -> str:
    if metric in MONEY:
        return f"{value:,.0f}"
    if metric in PERCENT:
        return f"{value:.0%}"
    if metric in POINTS:
        return f"{value:.1f}"
    return f"{value:.3f}"


def _means_table(numbers: pd.DataFrame, columns: Sequence[str]) -> list[str]:
    """A Markdown table of means: one row per problem and design (isolated impact first), one column per metric."""
    lines = [
        "| problem | design | " + " | ".join(_label(metric) for metric in columns) + " |",
        "| --- | --- |" + " ---: |" * len(columns),
    ]
    against_isolated = numbers[numbers["baseline"] == "isolated"]
    for scenario in dict.fromkeys(against_isolated["scenario"]):
        rows = against_isolated[against_isolated["scenario"] == scenario]
        designs = ["isolated", *dict.fromkeys(rows["design"])]
        for design in designs:
            cells = []
            for metric in columns:
                row = _row(numbers, scenario, metric, DESIGN if design == "isolated" else design)
                cells.append(_value(metric, row["baseline_mean" if design == "isolated" else "design_mean"]))
            lines.append(f"| {scenario} | {DESIGN_NAMES.get(design, design)} | " + " | ".join(cells) + " |")
    return lines


def page_run(scenario: Scenario, steps: int | None = None, seed: int = DEFAULT_SEED) -> dict[str, dict[str, float]]:
    """What the page shows for ``scenario`` at its default seed, side by side: outcome, duplication and gaps.

    For each side (``isolated``, ``coalition``): the values at the last step (what the page's lines end on)
    and duplication and gaps averaged over the run's steps (as the demo's tables average them).
    """
    pair = SideBySide(base=scenario, seed=seed)
    for _ in range(pair.last_step if steps is None else steps):
        pair.step()
    shown = {}
    for side, snapshot in zip(("isolated", "coalition"), pair.snapshots(), strict=True):
        frame = snapshot.series  # every step from the starting state (step 0), as the run summaries average
        shown[side] = {
            "step": float(snapshot.step),
            "outcome": snapshot.latest(OUTCOME),
            "duplication": snapshot.latest(DUPLICATION),
            "gaps": snapshot.latest(GAPS),
            "mean_duplication": float(frame[DUPLICATION].mean()),
            "mean_gaps": float(frame[GAPS].mean()),
        }
    return shown


def representative_seed(scenario: Scenario, steps: int | None = None, seeds: int = 20) -> int:
    """The seed among the first ``seeds`` whose run of ``scenario`` lies nearest the runs' means.

    Nearest over both sides' final outcome, mean duplication and mean gaps, each measured in standard deviations
    across the runs: the run a page should open on so that one run tells the story the means tell.
    """
    keys = ("outcome", "mean_duplication", "mean_gaps")
    table = np.array(
        [
            [run[side][key] for side in ("isolated", "coalition") for key in keys]
            for run in (page_run(scenario, steps, seed) for seed in range(seeds))
        ]
    )
    spread = table.std(axis=0)
    distance = np.abs(table - table.mean(axis=0)) / np.where(spread > 0, spread, 1.0)
    return int(np.argmin(distance.sum(axis=1)))


def lesson_numbers(
    numbers: pd.DataFrame,
    settings: str,
    eroded: dict[str, float],
    members_pay_backbone: bool = True,
    page: dict[str, dict[str, float]] | None = None,
    representative: int | None = None,
) -> str:
    """The measured numbers as Markdown: two tables of means and the answers the lesson plan refers to (A1 to A8).

    Args:
        numbers: the numbers table (``numbers_table``).
        settings: the command-line options they were measured with.
        eroded: the condition levels at the end of one run of the coalition without a backbone, levels built.
        members_pay_backbone: whether the complex problem's coalition pays its backbone out of members' budgets
            (``costs.backbone_paid_by = "members"``) rather than an outside funder.
        page: what the page shows on the complex problem at its default seed (``page_run``), quoted beside the
            means as A9.
        representative: the seed whose run on the complex problem lies nearest the means (``representative_seed``).
    """
    lines = [
        f"Measured with `cisim demo {settings}` (cisim {__version__}): means over paired runs (the same problems "
        "for every design). In the answers, differences are paired by run, with 95 % confidence intervals.",
        "",
        "How the community does:",
        "",
        *_means_table(numbers, OUTCOME_COLUMNS),
        "",
        "Effort and money (totals over a run; total spend is programs + coordination + backbone, and income, money "
        "brought in from outside, is part of it; points per 100k: percentage points of outcome gained per 100,000 "
        "spent):",
        "",
        *_means_table(numbers, MONEY_COLUMNS),
    ]
    final = _row(numbers, COMPLEX, "final_outcome")
    best = _row(numbers, COMPLEX, "best_outcome")
    falls = _row(numbers, COMPLEX, "falling_steps")
    technical = _row(numbers, TECHNICAL, "final_outcome")
    technical_policy = _row(numbers, TECHNICAL, "final_policy_gain")
    duplication = _row(numbers, COMPLEX, "mean_duplication")
    gaps = _row(numbers, COMPLEX, "mean_gap_share")
    spend = _row(numbers, COMPLEX, "total_spend")
    income = _row(numbers, COMPLEX, "total_income")
    coordination = _row(numbers, COMPLEX, "coordination_cost")
    backbone = _row(numbers, COMPLEX, "backbone_cost")
    complex_value = _row(numbers, COMPLEX, "cost_effectiveness")
    technical_value = _row(numbers, TECHNICAL, "cost_effectiveness")
    fixed = _row(numbers, COMPLEX, "final_outcome", NO_BACKBONE)
    fixed_against_full = _row(numbers, COMPLEX, "final_outcome", NO_BACKBONE, DESIGN)
    fixed_income = _row(numbers, COMPLEX, "total_income", NO_BACKBONE)
    fixed_policy = _row(numbers, COMPLEX, "final_policy_gain", NO_BACKBONE)
    built = _row(numbers, COMPLEX, "final_outcome", NO_BACKBONE_BUILT)
    built_best = _row(numbers, COMPLEX, "best_outcome", NO_BACKBONE_BUILT)
    built_against_full = _row(numbers, COMPLEX, "final_outcome", NO_BACKBONE_BUILT, DESIGN)
    extra = spend["difference"] / spend["baseline_mean"] if spend["baseline_mean"] else float("nan")
    own = spend["design_mean"] - income["design_mean"]
    faded = float(np.mean([level for condition, level in eroded.items() if condition != "backbone"]))
    answers = [
        f"**A1.** On the complex problem the coalition ends at {final['design_mean']:.3f} of what is achievable, "
        f"isolated organizations at {final['baseline_mean']:.3f}: {_interval(final)}, "
        + _verdict(
            final, "the coalition is clearly ahead.", "isolated impact is clearly ahead.", "no clear difference."
        ),
        f"**A2.** Alone, organizations on the complex problem reach {best['baseline_mean']:.3f} at their best moment "
        f"of a run but end at {final['baseline_mean']:.3f}; their outcome falls in {falls['baseline_mean']:.0%} of "
        f"steps. The coalition reaches {best['design_mean']:.3f} and ends at {final['design_mean']:.3f}, falling in "
        f"{falls['design_mean']:.0%} of steps. Best moments, coalition minus alone: {_interval(best)}, "
        + _verdict(
            best,
            "the coalition's are higher.",
            "alone, they are higher.",
            "about level.",
        ),
        f"**A3.** On the complex problem, duplication (share of effort on what others also do) is "
        f"{duplication['baseline_mean']:.2f} alone and {duplication['design_mean']:.2f} in the coalition; "
        f"gaps (share of the problem nobody works on) {gaps['baseline_mean']:.3f} alone and "
        f"{gaps['design_mean']:.3f} in the coalition.",
        f"**A4.** On the technical problem the coalition ends at {technical['design_mean']:.3f}, isolated "
        f"organizations at {technical['baseline_mean']:.3f}: {_interval(technical)}, "
        + _verdict(
            technical,
            "the coalition is ahead, by less than on the complex problem."
            if technical["difference"] < final["difference"]
            else "the coalition is ahead.",
            "isolated impact is ahead.",
            "no clear difference.",
        )
        + f" Its backbone's policy wins raised the best achievable by {technical_policy['design_mean']:.3f} of the "
        "problem's range (policy gain), which the outcome, a share of what is achievable at the time, leaves out.",
        f"**A5.** With the other four conditions held at 1 but no backbone, the coalition ends at "
        f"{fixed['design_mean']:.3f} on the complex problem (with a backbone: {final['design_mean']:.3f}; alone: "
        f"{final['baseline_mean']:.3f}). Without minus with the backbone: {_interval(fixed_against_full)}, "
        + _verdict(
            fixed_against_full,
            "better without it.",
            "the backbone helps.",
            "no clear difference while the other conditions hold.",
        )
        + f" Without a backbone the coalition brings in {fixed_income['design_mean']:,.0f} from outside and its "
        f"policy gain is {fixed_policy['design_mean']:.3f}.",
        f'**A6.** When condition levels are built over the run (`conditions.dynamics = "built"`) and there is no '
        f"backbone, the other four fade from 1.00 to {faded:.2f} by the end of a run, and the coalition "
        f"reaches {built_best['design_mean']:.3f} at its best and ends at {built['design_mean']:.3f} (with a full "
        f"backbone the levels stay at 1 and it ends at {final['design_mean']:.3f}; alone: "
        f"{final['baseline_mean']:.3f}). Without minus with the backbone: {_interval(built_against_full)}, "
        + _verdict(
            built_against_full,
            "better without it.",
            "the backbone helps by keeping the conditions up.",
            "no clear difference.",
        ),
        f"**A7.** On the complex problem the coalition spends {spend['design_mean']:,.0f} over a run against "
        f"{spend['baseline_mean']:,.0f} alone ({extra:+.0%}). Of that, {income['design_mean']:,.0f} was brought in "
        f"from outside (grants, joint bids and budgets raised by engagement), so from their own budgets the members "
        f"spend {own:,.0f}; "
        + (
            f"coordination took {coordination['design_mean']:,.0f} and the backbone {backbone['design_mean']:,.0f} "
            "of it, out of their programs."
            if members_pay_backbone
            else f"coordination took {coordination['design_mean']:,.0f} of it, out of their programs, and an outside "
            f"funder paid the backbone's {backbone['design_mean']:,.0f}."
        )
        + " Per 100,000 spent the coalition gains "
        f"{complex_value['design_mean']:.1f} percentage points of outcome against {complex_value['baseline_mean']:.1f}"
        " alone: "
        + _verdict(
            complex_value,
            "the coalition is better value.",
            "isolated organizations are better value.",
            "no clear difference in value.",
        ),
        f"**A8.** On the technical problem each 100,000 buys {technical_value['baseline_mean']:.1f} points alone and "
        f"{technical_value['design_mean']:.1f} in the coalition: "
        + _verdict(
            technical_value,
            "the coalition is better value even here.",
            "isolated organizations are better value.",
            "no clear difference in value.",
        ),
    ]
    if page is not None:
        alone, together = page["isolated"], page["coalition"]
        answers.append(
            f"**A9.** On the page (`cisim app complex`, seed {DEFAULT_SEED}), at step {together['step']:.0f} isolated "
            f"impact ends at {alone['outcome']:.3f} and the coalition at {together['outcome']:.3f} "
            f"(gap {together['outcome'] - alone['outcome']:+.3f}; the means above: {final['baseline_mean']:.3f} and "
            f"{final['design_mean']:.3f}). Its waste view ends on duplication {alone['duplication']:.2f} alone and "
            f"{together['duplication']:.2f} in the coalition and gaps {alone['gaps']:.3f} and {together['gaps']:.3f}; "
            f"averaged over that run's steps, duplication {alone['mean_duplication']:.2f} and "
            f"{together['mean_duplication']:.2f}, gaps {alone['mean_gaps']:.3f} and {together['mean_gaps']:.3f} "
            f"(the means above: {duplication['baseline_mean']:.2f} and {duplication['design_mean']:.2f}; "
            f"{gaps['baseline_mean']:.3f} and {gaps['design_mean']:.3f})."
            + (
                f" Of seeds 0 to 19 on the page, seed {representative} runs nearest these means"
                + (" (the page's default)." if representative == DEFAULT_SEED else ".")
                if representative is not None
                else ""
            )
        )
    return "\n".join([*lines, "", *(f"- {answer}" for answer in answers)])


def readme(written: list[Path], settings: str, answers: str) -> str:
    """The folder's README: what each file shows, how to make them again, and the numbers."""
    lines = [
        "# cisim demo: one coalition design on a technical and a complex problem",
        "",
        f"Made by `cisim demo {settings}`. Run it again to remake every file here.",
        "",
        "| file | what it shows |",
        "| --- | --- |",
    ]
    lines += [f"| `{path.name}` | {FILES[path.name]} |" for path in written if path.name in FILES]
    lines += ["", "## The numbers", "", answers, ""]
    return "\n".join(lines)


MARKED = re.compile(re.escape(BEGIN) + r".*?" + re.escape(END), re.DOTALL)


def check_lesson(lesson: Path) -> None:
    """Check, before any run, that ``lesson`` can take the numbers.

    Raises:
        DemoError: if it cannot be read or has no ``BEGIN`` and ``END`` markers.
    """
    try:
        text = lesson.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise DemoError(f"--lesson {str(lesson)!r}: cannot be read ({error}); expected a Markdown file") from None
    if not MARKED.search(text):
        raise DemoError(f"--lesson {str(lesson)!r}: no lines {BEGIN} and {END}; expected both, around the numbers")


def rewrite_lesson(lesson: Path, answers: str) -> None:
    """Replace the text between ``BEGIN`` and ``END`` in ``lesson`` with ``answers`` (see ``check_lesson``)."""
    check_lesson(lesson)
    text = lesson.read_text(encoding="utf-8")
    write_text(lesson, MARKED.sub(lambda _: f"{BEGIN}\n{answers}\n{END}", text))  # never cut mid-sentence
