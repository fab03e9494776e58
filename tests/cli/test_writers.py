"""Every writer, stopped: a limit on file sizes (``ulimit -f``, what a full disk does to a writer) and SIGKILL.

Each command that writes files runs in its own process under a limit on file sizes; whatever it left must
be whole (the same bytes as an unlimited run, or an image or document that reads to its end), no temporary
file may remain, and the command says plainly what happened. A kill in the middle of rewriting a figure
leaves the earlier figure as it was. Before these writers went through ``cisim.files``, a cut-off PNG,
SVG or CSV kept its final name and a lesson plan was cut mid-sentence.
"""

import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image

from cisim.cli import main
from tests.analysis.conftest import SALTELLI
from tests.cli.test_errors import leftovers

#: Each test runs whole commands (sweeps, reports, figures): the slow lane, which CI runs.
pytestmark = pytest.mark.slow

ROOT = Path(__file__).parents[2]
SOURCE = os.environ.get("CISIM_SRC", str(ROOT / "src"))


def limited(args: list[str], limit: int, cwd: Path) -> subprocess.CompletedProcess:
    """``cisim ARGS`` in its own process, no file it writes allowed past ``limit`` bytes (``ulimit -f``)."""

    def set_limit() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return subprocess.run(
        [sys.executable, "-m", "cisim", *map(str, args)],
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": SOURCE, "PYTHONDONTWRITEBYTECODE": "1"},
        preexec_fn=set_limit,
        capture_output=True,
        text=True,
        timeout=600,
    )


def assert_whole(path: Path, reference: Path) -> None:
    """``path`` is complete: the reference's bytes for text, or an image or document that reads to its end."""
    if path.suffix in (".png", ".gif"):
        with Image.open(path) as image:
            image.load()
    elif path.suffix == ".svg":
        ElementTree.parse(path)
    elif path.suffix == ".html":
        assert path.read_text().rstrip().endswith("</html>"), path
    elif path.suffix == ".json" and path.name != "summary.json":
        json.loads(path.read_text())
    else:
        assert path.read_bytes() == reference.read_bytes(), path


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    """A finished sweep of two arms over a factorial of two conditions (attribution and plots apply)."""
    from tests.experiments.conftest import SMALL

    root = tmp_path_factory.mktemp("writers")
    (root / "scenarios").mkdir()
    (root / "scenarios" / "small.toml").write_text(SMALL)
    (root / "experiments").mkdir()
    experiment = root / "experiments" / "factorial.toml"
    experiment.write_text(
        'name = "factorial"\ndescription = "two conditions on or off"\nscenarios = ["small"]\nseed = 3\n'
        'replicates = 3\n[arms.design]\npreset = "collective"\n[factors]\n"conditions.common_agenda" = [0.0, 1.0]\n'
        '"conditions.backbone" = [0.0, 1.0]\n[outputs]\nseries = true\n'
    )
    folder = root / "factorial"
    args = ["sweep", str(experiment), "--out", str(folder), "--executor", "serial", "--quiet"]
    assert CliRunner().invoke(main, args).exit_code == 0
    sampled = root / "experiments" / "saltelli.toml"
    sampled.write_text(SALTELLI)
    args = ["sweep", str(sampled), "--out", str(root / "saltelli"), "--executor", "serial", "--quiet"]
    assert CliRunner().invoke(main, args).exit_code == 0
    return root, folder


COMMANDS = {
    "plot": (["plot", "{results}", "--out", "{out}"], 40_000),
    "analyze": (["analyze", "{results}", "--out", "{out}"], 1_500),
    "attribute": (["attribute", "{results}", "--out", "{out}"], 300),
    "sensitivity": (["sensitivity", "{saltelli}", "--out", "{out}"], 300),
    "report": (["report", "{results}", "--out", "{out}/report.html"], 100_000),
    "run": (["run", "{scenario}", "--steps", "5", "--out", "{out}", "--quiet"], 1_000),
    "compare": (["compare", "{scenario}", "--replicates", "2", "--steps", "5", "--out", "{out}", "--quiet"], 2_000),
    "scenarios reference": (["scenarios", "reference", "--folder", "{library}", "--out", "{out}/reference.md"], 2_000),
    "scenarios new": (["scenarios", "new", "mine", "--from", "{scenario}", "--folder", "{out}"], 2_000),
}


@pytest.mark.parametrize("command", COMMANDS)
def test_a_limit_on_file_sizes_leaves_every_file_whole_or_absent(finished, tmp_path, command):
    root, results = finished
    template, limit = COMMANDS[command]

    def args(out: Path) -> list[str]:
        library = root / "scenarios"
        values = {"results": results, "saltelli": root / "saltelli", "out": out, "scenario": library / "small.toml"}
        values["library"] = library
        return [part.format(**values) for part in template]

    reference = tmp_path / "reference"
    reference.mkdir()
    assert CliRunner().invoke(main, args(reference)).exit_code == 0
    out = tmp_path / "limited"
    out.mkdir()
    process = limited(args(out), limit, tmp_path)
    assert process.returncode == 2, process.stdout + process.stderr
    assert "Traceback" not in process.stderr and process.stderr.startswith("error: "), process.stderr
    assert "File too large" in process.stderr and "nothing was left half-written" in process.stderr
    assert leftovers(out) == []
    written = sorted(p for p in out.rglob("*") if p.is_file())
    assert len(written) < len([p for p in reference.rglob("*") if p.is_file()])  # the limit did stop it
    for path in written:
        assert_whole(path, reference / path.relative_to(out))


def test_a_kill_while_a_figure_is_rewritten_leaves_the_earlier_one_whole(finished, tmp_path):
    _, results = finished
    out = tmp_path / "figures"
    assert CliRunner().invoke(main, ["plot", str(results), "--out", str(out), "--kind", "outcome"]).exit_code == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    assert "outcome_over_time.svg" in before
    script = textwrap.dedent(
        f"""
        import os, signal
        from matplotlib.figure import Figure
        save = Figure.savefig

        def savefig(self, path, *args, **kwargs):
            if str(path).endswith(".svg"):  # half the figure on disk, then killed outright
                with open(path, "w") as file:
                    file.write("<svg")
                    file.flush()
                os.kill(os.getpid(), signal.SIGKILL)
            return save(self, path, *args, **kwargs)

        Figure.savefig = savefig
        from cisim.cli import main
        main(["plot", {str(results)!r}, "--out", {str(out)!r}, "--kind", "outcome"])
        """
    )
    process = subprocess.run(
        [sys.executable, "-c", script], env={**os.environ, "PYTHONPATH": SOURCE}, capture_output=True, timeout=300
    )
    assert process.returncode == -signal.SIGKILL
    assert (out / "outcome_over_time.svg").read_bytes() == before["outcome_over_time.svg"]
    ElementTree.parse(out / "outcome_over_time.svg")


def test_a_lesson_plan_is_never_cut_mid_sentence(tmp_path):
    from cisim.classroom.demo import BEGIN, END

    lesson = tmp_path / "lesson.md"
    sentence = "Students compare isolated and collective impact on one problem, step by step. "
    original = f"# Lesson\n\n{sentence * 400}\n\n{BEGIN}\nold numbers\n{END}\n\n{sentence * 400}\n"
    lesson.write_text(original)
    script = (
        "from pathlib import Path\nfrom cisim.classroom.demo import rewrite_lesson\n"
        f"rewrite_lesson(Path({str(lesson)!r}), 'new numbers')"
    )

    def set_limit() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (20_000, 20_000))

    process = subprocess.run(
        [sys.executable, "-c", script],
        env={**os.environ, "PYTHONPATH": SOURCE, "PYTHONDONTWRITEBYTECODE": "1"},
        preexec_fn=set_limit,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert process.returncode != 0 and "File too large" in process.stderr
    assert lesson.read_text() == original
    assert leftovers(tmp_path) == []


def test_a_lesson_plan_that_is_a_link_is_refused_before_any_run(tmp_path):
    real = tmp_path / "real.md"
    real.write_text("mine")
    link = tmp_path / "lesson.md"
    link.symlink_to(real)
    result = CliRunner().invoke(main, ["demo", "--out", str(tmp_path / "demo"), "--lesson", str(link), "--quiet"])
    assert result.exit_code == 2 and "error: --lesson" in result.output and "symbolic link" in result.output
    assert real.read_text() == "mine" and link.is_symlink()
    assert not any((tmp_path / "demo").glob("*"))


@pytest.mark.slow
@pytest.mark.parametrize("limit", [2_000, 10_000, 30_000, 60_000, 150_000])
def test_plots_under_many_limits_leave_only_whole_figures(finished, tmp_path, limit):
    _, results = finished
    reference = tmp_path / "reference"
    assert CliRunner().invoke(main, ["plot", str(results), "--out", str(reference)]).exit_code == 0
    out = tmp_path / "limited"
    out.mkdir()
    process = limited(["plot", results, "--out", out], limit, tmp_path)
    assert process.returncode in (0, 2) and "Traceback" not in process.stderr, process.stderr
    assert leftovers(out) == []
    for path in out.iterdir():
        assert_whole(path, reference / path.name)
    shutil.rmtree(out)
