"""Slide-ready demonstrations: one coalition design on a technical and on a complex problem.

``run_demo`` runs the shipped ``technical`` and ``complex`` scenarios with paired replicates, isolated and
under full collective impact (and, on the complex problem, the same coalition without a backbone), and
writes figures at slide size, an animation of the two simulations side by side, the measured numbers and a
README naming each file. The same numbers, as sentences, can be written into a lesson plan between markers.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib import rc_context
from matplotlib.animation import FFMpegWriter, FuncAnimation, PillowWriter
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from scipy import stats
from tqdm import tqdm

from cisim.analysis.paired import paired_difference
from cisim.classroom.pair import SideBySide
from cisim.classroom.views import COALITION_COLOUR, ISOLATED_COLOUR, NetworkView, OutcomeView, Scale
from cisim.experiments.compare import compare_arms
from cisim.experiments.runs import replicate_seeds
from cisim.model.outputs import RUN_SUMMARIES
from cisim.scenarios.library import find_scenario
from cisim.scenarios.scenario import Scenario, ScenarioError, load_scenario
from cisim.version import __version__

#: The shipped scenarios the demonstration contrasts.
TECHNICAL, COMPLEX = "technical", "complex"
#: The coalition design shown on both problems (all five conditions at 1, with a backbone), and the same
#: design without its backbone (complex problem only).
DESIGN, NO_BACKBONE = "collective", "without backbone"
#: Run summaries in the numbers table, in order (looked up in ``RUN_SUMMARIES``: a renamed one fails on import).
METRICS = tuple(
    RUN_SUMMARIES[name].name
    for name in (
        "final_outcome",
        "outcome_auc",
        "mean_duplication",
        "mean_gap_share",
        "total_spend",
        "cost_effectiveness",
    )
)
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
    "numbers.csv": "the numbers below as a table: means of both designs and the paired difference with its 95 % "
    "confidence interval, per problem and metric",
}


class DemoError(Exception):
    """The demonstration cannot run as asked (a shipped scenario is missing or invalid)."""


def _shipped(name: str) -> Scenario:
    try:
        return load_scenario(find_scenario(name))
    except ScenarioError as error:
        raise DemoError(
            f"the demonstration needs the shipped scenario '{name}' (scenarios/{name}.toml): "
            f"{'; '.join(error.problems)}; expected to run in the cisim folder, beside scenarios/"
        ) from None


def _bar(enabled: bool, description: str) -> Callable[[Iterable[Any]], Iterable[Any]] | None:
    if not enabled:
        return None
    return lambda items: tqdm(items, desc=description, leave=False, dynamic_ncols=True)


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
    no_backbone = compare_arms(
        complex_.with_arm(DESIGN).with_values(conditions__backbone=0.0),
        replicates,
        seed,
        ("scenario",),
        steps,
        _bar(progress, "complex problem without a backbone, runs"),
    )
    summaries = {
        TECHNICAL: runs[TECHNICAL].summaries,
        COMPLEX: pd.concat(
            [runs[COMPLEX].summaries, no_backbone.summaries.replace({"arm": {"scenario": NO_BACKBONE}})],
            ignore_index=True,
        ),
    }
    numbers = numbers_table(summaries)
    written = [out / "numbers.csv"]
    numbers.to_csv(written[0], index=False)
    scenarios = {TECHNICAL: technical, COMPLEX: complex_}
    outcomes = {name: comparison.outcomes for name, comparison in runs.items()}
    written.append(outcome_figure(outcomes, scenarios, numbers, out / "outcome_over_time.png"))
    written.append(spend_figure(summaries, out / "outcome_per_spend.png"))
    animation_seed = replicate_seeds(seed, replicates)[0]
    written += animation(complex_.with_arm(DESIGN), animation_seed, steps, out / "side_by_side.gif", progress)
    settings = f"--replicates {replicates} --seed {seed}" + (f" --steps {steps}" if steps else "")
    answers = lesson_numbers(numbers, settings)
    written.append(out / "README.md")
    written[-1].write_text(readme(written, settings, answers), encoding="utf-8")
    if lesson is not None:
        rewrite_lesson(lesson, answers)
    return written


def numbers_table(summaries: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Both designs' means and the paired difference (design minus isolated) per problem, design and metric."""
    rows = []
    for scenario, frame in summaries.items():
        for design in [arm for arm in dict.fromkeys(frame["arm"]) if arm != "isolated"]:
            for metric in METRICS:
                rows.append(
                    {
                        "scenario": scenario,
                        "design": design,
                        **asdict(paired_difference(frame, metric, "isolated", design)),
                    }
                )
    table = pd.DataFrame(rows).drop(columns=["baseline", "arm"])
    return table.rename(columns={"baseline_mean": "isolated_mean", "arm_mean": "design_mean"})


def _row(numbers: pd.DataFrame, scenario: str, metric: str, design: str = DESIGN) -> pd.Series:
    chosen = numbers[(numbers["scenario"] == scenario) & (numbers["design"] == design) & (numbers["metric"] == metric)]
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
                ("isolated", ISOLATED_COLOUR, "isolated impact"),
                (DESIGN, COALITION_COLOUR, "collective impact"),
            ):
                mean, half = _band(frame[arm].to_numpy())
                ax.plot(frame.index, mean, color=colour, linewidth=3, label=label)
                ax.fill_between(frame.index, mean - half, mean + half, color=colour, alpha=0.25, linewidth=0)
            row = _row(numbers, name, "final_outcome")
            ax.set_title(_problem_title(scenarios[name]))
            ax.text(
                0.98,
                0.04,
                f"collective minus isolated at the end:\n{_interval(row, 2)}",
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
        figure.savefig(path, dpi=SLIDE_DPI)
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
            (("isolated", ISOLATED_COLOUR, "isolated impact"), (DESIGN, COALITION_COLOUR, "collective impact")),
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
        figure.savefig(path, dpi=SLIDE_DPI)
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
        total=len(frames), desc="animation, drawing frames", leave=False, dynamic_ncols=True, disable=not progress
    )
    scale = Scale.of(last, *frames[-1])
    with rc_context(ANIMATION_STYLE):
        figure = _slide_figure(ANIMATION_SIZE)
        grid = figure.subplots(2, 2, height_ratios=(1, 1.5))
        views = []
        for column, (colour, name) in enumerate(
            ((ISOLATED_COLOUR, "Isolated impact"), (COALITION_COLOUR, "Collective impact"))
        ):
            outcome = OutcomeView(grid[0, column], scale, frames[0][column], colour)
            grid[0, column].set_title(name, color=colour, fontweight="bold")
            network = NetworkView(grid[1, column], scale, frames[0][column], colour)
            views.append((column, outcome, network))
        title = figure.suptitle("")

        def draw(index: int) -> list[Any]:
            for column, outcome, network in views:
                outcome.update(frames[index][column], scale)
                network.update(frames[index][column], scale)
            title.set_text(f"{scenario.name.capitalize()} problem, one run: step {index} of {last}")
            return []

        movie = FuncAnimation(figure, draw, frames=len(frames), interval=1000 / FRAMES_PER_SECOND, blit=False)

        def advance(frame: int, total: int) -> None:
            bar.update(1)

        movie.save(path, writer=PillowWriter(fps=FRAMES_PER_SECOND), dpi=ANIMATION_DPI, progress_callback=advance)
        written = [path]
        if FFMpegWriter.isAvailable():
            video = path.with_suffix(".mp4")
            bar.reset()
            movie.save(video, writer=FFMpegWriter(fps=FRAMES_PER_SECOND), dpi=ANIMATION_DPI, progress_callback=advance)
            written.append(video)
    bar.close()
    return written


def _verdict(row: pd.Series, higher: str, lower: str, same: str) -> str:
    if row["ci_low"] > 0:
        return higher
    if row["ci_high"] < 0:
        return lower
    return same


def lesson_numbers(numbers: pd.DataFrame, settings: str) -> str:
    """The measured numbers as Markdown: a table and the answers the lesson plan refers to (A1 to A6)."""
    lines = [
        f"Measured with `cisim demo {settings}` (cisim {__version__}). Differences are the design minus isolated "
        "impact, paired by replicate, with 95 % confidence intervals.",
        "",
        "| problem | design | metric | isolated | design | difference [95 % CI] |",
        "| --- | --- | --- | ---: | ---: | --- |",
    ]
    for row in numbers.itertuples():
        digits = 0 if row.metric == "total_spend" else 3
        lines.append(
            f"| {row.scenario} | {row.design} | {RUN_SUMMARIES[row.metric].label} | {row.isolated_mean:,.{digits}f} | "
            f"{row.design_mean:,.{digits}f} | {_interval(pd.Series(row._asdict()), digits)} |"
        )
    complex_outcome = _row(numbers, COMPLEX, "final_outcome")
    technical_outcome = _row(numbers, TECHNICAL, "final_outcome")
    duplication = _row(numbers, COMPLEX, "mean_duplication")
    gaps = _row(numbers, COMPLEX, "mean_gap_share")
    spend = _row(numbers, COMPLEX, "total_spend")
    complex_value = _row(numbers, COMPLEX, "cost_effectiveness")
    technical_value = _row(numbers, TECHNICAL, "cost_effectiveness")
    no_backbone = _row(numbers, COMPLEX, "final_outcome", NO_BACKBONE)
    extra = spend["difference"] / spend["isolated_mean"] if spend["isolated_mean"] else float("nan")
    answers = [
        f"**A1.** On the complex problem the coalition ends at {complex_outcome['design_mean']:.3f} of what is "
        f"achievable, isolated organizations at {complex_outcome['isolated_mean']:.3f}: "
        f"{_interval(complex_outcome)}, "
        + _verdict(
            complex_outcome,
            "the coalition is clearly ahead.",
            "isolated impact is clearly ahead.",
            "no clear difference.",
        ),
        f"**A2.** On the technical problem the coalition ends at {technical_outcome['design_mean']:.3f}, isolated "
        f"organizations at {technical_outcome['isolated_mean']:.3f}: {_interval(technical_outcome)}, "
        + _verdict(
            technical_outcome,
            "the coalition is ahead, by less than on the complex problem."
            if technical_outcome["difference"] < complex_outcome["difference"]
            else "the coalition is ahead.",
            "isolated impact is ahead.",
            "no clear difference.",
        ),
        f"**A3.** On the complex problem, duplication (share of effort on what others also do) is "
        f"{duplication['isolated_mean']:.2f} alone and {duplication['design_mean']:.2f} in the coalition; "
        f"gaps (share of the problem nobody works on) {gaps['isolated_mean']:.3f} alone and "
        f"{gaps['design_mean']:.3f} in the coalition.",
        f"**A4.** On the complex problem the coalition spends {spend['design_mean']:,.0f} over a run against "
        f"{spend['isolated_mean']:,.0f} alone ({extra:+.0%}); per 100,000 spent it gains "
        f"{complex_value['design_mean']:.1f} percentage points of outcome against "
        f"{complex_value['isolated_mean']:.1f} alone: "
        + _verdict(
            complex_value,
            "the coalition is better value.",
            "isolated organizations are better value.",
            "no clear difference in value.",
        ),
        f"**A5.** On the technical problem each 100,000 buys {technical_value['isolated_mean']:.1f} points alone and "
        f"{technical_value['design_mean']:.1f} in the coalition: "
        + _verdict(
            technical_value,
            "the coalition is better value even here.",
            "isolated organizations are better value.",
            "no clear difference in value.",
        ),
        f"**A6.** Without its backbone the same coalition ends at {no_backbone['design_mean']:.3f} on the complex "
        f"problem (with it: {complex_outcome['design_mean']:.3f}; alone: {no_backbone['isolated_mean']:.3f}); "
        f"against isolated impact: {_interval(no_backbone)}.",
    ]
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
    lesson.write_text(MARKED.sub(lambda _: f"{BEGIN}\n{answers}\n{END}", text), encoding="utf-8")
