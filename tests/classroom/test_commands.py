"""`cisim app` refuses plainly what it cannot do; `cisim demo` writes slide-ready files and the lesson's numbers."""

import os
import re
import socket
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from PIL import Image

from cisim.classroom.demo import BEGIN, END, FILES, HOLD_FRAMES, METRICS, page_run, with_shape
from cisim.classroom.pair import DEFAULT_SEED, SideBySide
from cisim.cli import main
from cisim.experiments.compare import Comparison
from cisim.scenarios import load_scenario

ROOT = Path(__file__).resolve().parents[2]


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def test_app_says_plainly_when_its_port_is_taken():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = invoke("app", "--port", port)
    assert result.exit_code == 2
    assert f"error: --port {port}: port {port} on 127.0.0.1 is already in use" in result.output
    assert "--port 0" in result.output and "Traceback" not in result.output


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        (["nosuch"], "'nosuch': no scenario of that name"),
        (["--host", "no-such-host.invalid"], "--host 'no-such-host.invalid': no such address"),
        (["--port", "70000"], "'70000': expected a whole number from 0 to 65535"),
    ],
)
def test_app_refuses_bad_input_with_exit_status_2(arguments, expected):
    result = invoke("app", *arguments)
    assert result.exit_code == 2 and expected in result.output, result.output


@pytest.fixture(scope="module")
def demo_folder(tmp_path_factory):
    """A short demonstration, run where the shipped scenarios are, with a lesson plan to fill in."""
    out = tmp_path_factory.mktemp("demo")
    lesson = out / "lesson.md"
    lesson.write_text(f"# Lesson\n\nBefore.\n\n{BEGIN}\nold numbers\n{END}\n\nAfter.\n")
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(ROOT)
        result = invoke("demo", "--out", out / "demo", "--replicates", 3, "--steps", 6, "--lesson", lesson, "--quiet")
    assert result.exit_code == 0, result.output
    assert f"rewrote the measured numbers in {lesson}" in result.output
    (out / "printed.txt").write_text(result.output)
    return out


@pytest.mark.slow  # the demo's whole run: the slow lane
def test_demo_writes_every_file_its_readme_names(demo_folder):
    folder = demo_folder / "demo"
    written = {path.name for path in folder.iterdir()}
    assert {"outcome_over_time.png", "outcome_per_spend.png", "side_by_side.gif", "numbers.csv", "README.md"} <= written
    readme = (folder / "README.md").read_text()
    for name in written - {"README.md"}:
        assert f"`{name}`" in readme and FILES[name] in readme
    assert "cisim demo --replicates 3 --seed 0 --steps 6" in readme
    said = "(no side_by_side.mp4: ffmpeg is not installed"  # a video missing without a word looks like a fault
    assert ("side_by_side.mp4" in written) != (said in (demo_folder / "printed.txt").read_text())


@pytest.mark.slow  # uses the demo's whole run: the slow lane
def test_demo_figures_are_slide_sized_and_the_animation_shows_every_step(demo_folder):
    folder = demo_folder / "demo"
    for name in ("outcome_over_time.png", "outcome_per_spend.png"):
        with Image.open(folder / name) as figure:
            width, height = figure.size
        assert width >= 1600 and abs(width / height - 16 / 9) < 0.05
    with Image.open(folder / "side_by_side.gif") as animation:
        # The starting state and six steps, then the last one held (Pillow merges identical frames, or not).
        assert animation.n_frames in (7, 7 + HOLD_FRAMES)
        assert animation.size[0] >= 1000


@pytest.mark.slow  # uses the demo's whole run: the slow lane
def test_demo_numbers_pair_each_design_with_isolated_impact_and_without_a_backbone_with_the_full_coalition(
    demo_folder,
):
    numbers = pd.read_csv(demo_folder / "demo" / "numbers.csv")
    assert set(numbers["scenario"]) == {"technical", "complex"}
    complex_ = numbers[numbers["scenario"] == "complex"]
    pairs = set(zip(complex_["baseline"], complex_["design"], strict=True))
    without = {"without backbone", "without backbone, levels built"}
    assert pairs == {("isolated", design) for design in {"collective", *without}} | {
        ("collective", design) for design in without
    }
    assert set(numbers["metric"]) == set(METRICS) and {"best_outcome", "falling_steps", "total_income"} <= set(METRICS)
    assert (numbers["pairs"] == 3).all()
    assert numbers["difference"].to_numpy() == pytest.approx(
        (numbers["design_mean"] - numbers["baseline_mean"]).to_numpy()
    )
    assert (numbers["ci_low"] <= numbers["difference"]).all() and (numbers["difference"] <= numbers["ci_high"]).all()
    # Means of one design are the same whichever baseline it is paired with.
    means = complex_.pivot_table(index=["design", "metric"], columns="baseline", values="design_mean")
    assert means.dropna()["collective"].to_numpy() == pytest.approx(means.dropna()["isolated"].to_numpy())


def test_the_outcomes_shape_is_its_best_value_after_the_start_and_the_share_of_steps_it_fell():
    steps = pd.RangeIndex(4, name="step")
    outcomes = pd.DataFrame(
        {("isolated", 0): [0.9, 0.5, 0.7, 0.6], ("collective", 0): [0.9, 0.8, 0.8, 0.85]}, index=steps
    )
    outcomes.columns.names = ["arm", "replicate"]
    summaries = pd.DataFrame({"arm": ["isolated", "collective"], "replicate": [0, 0], "final_outcome": [0.6, 0.85]})
    shaped = with_shape(Comparison(summaries=summaries, outcomes=outcomes, scenario=None)).set_index("arm")
    assert shaped.loc["isolated", "best_outcome"] == 0.7  # the starting state is not reached by anyone's work
    assert shaped.loc["collective", "best_outcome"] == 0.85
    assert shaped.loc["isolated", "falling_steps"] == pytest.approx(2 / 3)
    assert shaped.loc["collective", "falling_steps"] == pytest.approx(1 / 3)
    assert shaped.loc["isolated", "final_outcome"] == 0.6


@pytest.mark.slow  # uses the demo's whole run: the slow lane
def test_demo_rewrites_only_the_lessons_marked_numbers(demo_folder):
    lesson = (demo_folder / "lesson.md").read_text()
    assert lesson.startswith("# Lesson\n\nBefore.\n\n" + BEGIN) and lesson.endswith(END + "\n\nAfter.\n")
    assert "old numbers" not in lesson
    for answer in range(1, 9):
        assert f"**A{answer}.**" in lesson
    assert "cisim demo --replicates 3 --seed 0 --steps 6" in lesson


def test_demo_explains_what_it_needs_when_no_scenario_library_is_found(tmp_path, monkeypatch):
    """Away from scenarios/ the demo reads cisim's own library; an installation without one says what it needs."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("cisim.scenarios.library.look_in", lambda local, name: [local])
    result = invoke("demo", "--out", tmp_path / "out", "--replicates", 2, "--quiet")
    assert result.exit_code == 2
    assert "the shipped scenario 'technical'" in result.output and "Traceback" not in result.output


def test_demo_refuses_a_lesson_without_markers(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    lesson = tmp_path / "lesson.md"
    lesson.write_text("no markers here\n")
    result = invoke("demo", "--out", tmp_path / "out", "--replicates", 2, "--steps", 2, "--lesson", lesson, "--quiet")
    assert result.exit_code == 2 and "no lines" in result.output and BEGIN in result.output
    assert lesson.read_text() == "no markers here\n"


def test_the_lesson_quotes_the_run_the_page_opens_on():
    """The lesson's A9 gives what the page shows at its default seed; after a model change, run cisim demo --lesson."""
    lesson = (ROOT / "docs" / "teaching.md").read_text(encoding="utf-8")
    quoted = re.search(
        r"\*\*A9\.\*\* On the page \(`cisim app complex`, seed (\d+)\), at step (\d+) isolated impact ends at "
        r"([0-9.]+) and the coalition at ([0-9.]+)",
        lesson,
    )
    assert quoted, "docs/teaching.md has no A9: run cisim demo --lesson docs/teaching.md"
    assert int(quoted[1]) == DEFAULT_SEED
    shown = page_run(load_scenario(ROOT / "scenarios" / "complex.toml"))
    assert int(quoted[2]) == shown["coalition"]["step"]
    assert float(quoted[3]) == pytest.approx(shown["isolated"]["outcome"], abs=5e-4)
    assert float(quoted[4]) == pytest.approx(shown["coalition"]["outcome"], abs=5e-4)


def animation_frames(design, steps):
    """The complex scenario under ``design`` and both sides' snapshots at each of its first ``steps`` steps."""
    scenario = load_scenario(ROOT / "scenarios" / "complex.toml").with_arm(design)
    pair = SideBySide(base=scenario, seed=DEFAULT_SEED)
    frames = [pair.snapshots()]
    for _ in range(steps):
        pair.step()
        frames.append(pair.snapshots())
    return scenario, frames


def test_the_animations_takeaway_covers_no_tick_label_or_axis_label():
    """On the last frame, at the animation's size, the takeaway's box lies apart from every panel's text."""
    from matplotlib import rc_context

    from cisim.classroom.demo import ANIMATION_DPI, ANIMATION_STYLE, DESIGN, animation_figure

    scenario, frames = animation_frames(DESIGN, 3)
    with rc_context(ANIMATION_STYLE):
        figure, draw = animation_figure(scenario, DEFAULT_SEED, frames)
        figure.set_dpi(ANIMATION_DPI)
        draw(len(frames) - 1)
        figure.canvas.draw()
    renderer = figure.canvas.get_renderer()
    takeaway = next(text for text in figure.texts if text.get_gid() == "takeaway")
    assert takeaway.get_text().startswith("Takeaway")
    box = takeaway.get_bbox_patch().get_window_extent(renderer)
    assert figure.bbox.x0 <= box.x0 and box.x1 <= figure.bbox.x1 and figure.bbox.y0 <= box.y0  # whole in the frame

    def drawn(ticks, low, high, axis=0):
        """The tick labels drawn: those within the axis's limits."""
        return [label for label in ticks if label.get_text() and low <= label.get_position()[axis] <= high]

    texts = [figure._suptitle]
    for ax in figure.axes:
        texts += drawn(ax.get_xticklabels(), *sorted(ax.get_xlim()))
        texts += drawn(ax.get_yticklabels(), *sorted(ax.get_ylim()), axis=1)
        texts += [ax.xaxis.label, ax.yaxis.label, ax.title]
        if ax.get_legend() is not None:
            texts += ax.get_legend().get_texts()
    texts = [text for text in texts if text.get_visible() and text.get_text()]
    assert len(texts) > 20
    covered = [text.get_text() for text in texts if text.get_window_extent(renderer).overlaps(box)]
    assert covered == []


def test_the_animation_says_how_to_read_its_networks_until_the_takeaway():
    """The animation (for slides, with no caption beside it) drew a backbone diamond, ringed members and links of
    varying width with no key: the band kept for the takeaway says how to read them until the last frame."""
    from matplotlib import rc_context

    from cisim.classroom.demo import ANIMATION_DPI, ANIMATION_STYLE, DESIGN, NETWORK_KEY, animation_figure

    scenario, frames = animation_frames(DESIGN, 3)
    with rc_context(ANIMATION_STYLE):
        figure, draw = animation_figure(scenario, DEFAULT_SEED, frames)
        figure.set_dpi(ANIMATION_DPI)
        key = next(text for text in figure.texts if text.get_gid() == "key")
        for index in range(len(frames)):
            draw(index)
            figure.canvas.draw()
            assert key.get_visible() == (index < len(frames) - 1), index
        draw(1)
        figure.canvas.draw()
    renderer = figure.canvas.get_renderer()
    assert key.get_text() == NETWORK_KEY and "diamond is the backbone" in NETWORK_KEY and "ringed" in NETWORK_KEY
    box = key.get_window_extent(renderer)
    assert figure.bbox.x0 <= box.x0 and box.x1 <= figure.bbox.x1 and figure.bbox.y0 <= box.y0, box  # not cut
    panels = [ax.get_tightbbox(renderer) for ax in figure.axes]
    assert not [panel for panel in panels if panel.overlaps(box)]


def test_the_pages_run_averages_its_steps_as_the_run_summaries_do():
    """A9 compares the page's run with A3's means of run summaries: both average every step from step 0."""
    from cisim.experiments import run_model

    scenario = load_scenario(ROOT / "scenarios" / "complex.toml").with_values(run__steps=12)
    shown = page_run(scenario)
    for side, arm in (("isolated", "isolated"), ("coalition", "scenario")):
        summary = run_model(scenario.with_arm(arm), DEFAULT_SEED).summary
        assert shown[side]["mean_gaps"] == pytest.approx(summary["mean_gap_share"], abs=1e-12)
        assert shown[side]["mean_duplication"] == pytest.approx(summary["mean_duplication"], abs=1e-12)


def test_an_interval_that_clears_0_by_less_than_its_printed_digits_is_said_to_clear_it_only_just():
    import pandas as pd

    from cisim.classroom.demo import _verdict

    def said(low: float, high: float) -> str:
        return _verdict(pd.Series({"ci_low": low, "ci_high": high}), "higher.", "lower.", "level.")

    assert said(0.00028, 0.058) == "higher, only just (the interval's nearer end is 0 to three places)."
    assert said(0.002, 0.058) == "higher."
    assert said(-0.058, -0.0001).startswith("lower, only just")
    assert said(-0.001, 0.058) == "level."


def test_the_lesson_s_early_stumbles_are_the_page_s():
    """Segment 5-15 min warns that the page's default run stumbles on both sides before step 30: its counts."""
    lesson = (ROOT / "docs" / "teaching.md").read_text(encoding="utf-8")
    said = re.search(
        r"in this run \(seed (\d+)\) the coalition stumbles too, early,\s+more than in most runs\. "
        r"Up to step 30 it falls back in (\d+) steps and the left side in (\d+), and it is behind the\s+left side "
        r"at (\d+) of steps 1 to 29; over steps 31 to 100 it falls back in (\w+) step, the left side in (\d+)\..*?"
        r"With programmes that never lapse \(`costs.lapse_rate = 0`\) this\s+run's coalition falls back (\w+) "
        r"in its first 30 steps\.",
        lesson,
        re.DOTALL,
    )
    assert said, "docs/teaching.md's segment 5-15 min no longer gives the default run's stumbles"
    assert int(said[1]) == DEFAULT_SEED
    pair = SideBySide(base=load_scenario(ROOT / "scenarios" / "complex.toml"), seed=DEFAULT_SEED)
    for _ in range(pair.last_step):
        pair.step()
    isolated, coalition = (snapshot.series["community_outcome"].to_numpy() for snapshot in pair.snapshots())
    assert len(coalition) == 101

    def falls(outcome, start, end):  # steps start + 1 to end at which the outcome is lower than the step before
        return int((outcome[start + 1 : end + 1] < outcome[start:end]).sum())

    assert (falls(coalition, 0, 30), falls(isolated, 0, 30)) == (int(said[2]), int(said[3]))
    assert int((coalition[1:30] < isolated[1:30]).sum()) == int(said[4])
    assert (falls(coalition, 30, 100), falls(isolated, 30, 100)) == ({"one": 1}.get(said[5], -1), int(said[6]))
    kept = SideBySide(base=load_scenario(ROOT / "scenarios" / "complex.toml").with_values(costs__lapse_rate=0.0))
    for _ in range(30):
        kept.step()
    steady = kept.snapshots()[1].series["community_outcome"].to_numpy()
    assert falls(steady, 0, 30) == {"once": 1, "never": 0}.get(said[7], -1)  # the stumbles are lapses


def test_app_says_which_scenario_files_the_picker_leaves_out(tmp_path, monkeypatch):
    """A teacher's own file with a mistake is not silently missing from the picker: cisim app says so as it starts."""
    import solara.__main__

    started = []
    monkeypatch.setattr(solara.__main__.run, "main", lambda **kwargs: started.append(kwargs))
    monkeypatch.setattr(os, "environ", {**os.environ})  # the command sets the page's variables: undone after
    monkeypatch.chdir(tmp_path)
    (tmp_path / "scenarios").mkdir()
    (tmp_path / "scenarios" / "mine.toml").write_text('name = "mine"\ndescription = "fine"\n')
    (tmp_path / "scenarios" / "typo.toml").write_text('name = "typo"\ndescription = "x"\n[conditions]\nbackbon = 0.5\n')
    result = CliRunner().invoke(main, ["app", "--port", "0"])
    assert result.exit_code == 0 and len(started) == 1, result.output
    assert (
        "cisim app: warning: left out of the page's scenario picker: scenarios/typo.toml: unknown field "
        "'conditions.backbon' (did you mean 'backbone'?)"
    ) in result.output
    assert "mine" not in result.output


def test_app_sets_solara_s_settings_before_solara_reads_them(tmp_path):
    """No "runs on Solara" badge over the page's captions: cisim app sets it off before anything imports Solara.

    Solara reads its settings once, when first imported, so this runs in a fresh process; the server itself is
    replaced by a stand-in that returns at once.
    """
    import subprocess
    import sys

    (tmp_path / "scenarios").mkdir()
    (tmp_path / "scenarios" / "typo.toml").write_text('name = "typo"\ndescription = "x"\n[conditions]\nbackbon = 1\n')
    script = (
        "import sys, types\n"
        "stand_in = types.ModuleType('solara.__main__')\n"
        "stand_in.run = types.SimpleNamespace(main=lambda **kwargs: None)\n"
        "sys.modules['solara.__main__'] = stand_in\n"
        "from cisim.cli import main\n"
        "main(['app', '--port', '0'], standalone_mode=False)\n"
        "from solara.server import settings\n"
        "print('banner', settings.theme.show_banner)\n"
    )
    environment = {k: v for k, v in os.environ.items() if not k.startswith("SOLARA_")}
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, env=environment, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert "banner False" in done.stdout, done.stdout + done.stderr
    assert "left out of the page's scenario picker: scenarios/typo.toml" in done.stderr


def test_the_lesson_s_count_of_links_shared_over_is_the_page_s():
    """The segment on when a coalition is not worth it says how many of premature_convergence's links are dark."""
    lesson = (ROOT / "docs" / "teaching.md").read_text(encoding="utf-8")
    said = re.search(
        r"on the right nearly every one of the (\d+) links is dark every step \((\d+) on average in the page's default "
        r"run\), on\s+the left only the links of the few organizations that heard their peers that step \((\d+) on "
        r"average\)",
        lesson,
    )
    assert said, "docs/teaching.md's segment on when a coalition is not worth it no longer counts the dark links"
    pair = SideBySide(base=load_scenario(ROOT / "scenarios" / "premature_convergence.toml"), seed=DEFAULT_SEED)
    dark = []
    while pair.running:
        pair.step()
        dark.append([int(snapshot.network.contact.sum()) for snapshot in pair.snapshots()])
    isolated, coalition = np.mean(dark, axis=0)
    assert pair.snapshots()[0].network.contact.size == int(said[1])
    assert (round(coalition), round(isolated)) == (int(said[2]), int(said[3]))
