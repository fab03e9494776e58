"""An interrupted ``cisim compare`` keeps its finished runs and continues with ``--resume``; what resuming refuses."""

from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from cisim.cli import main
from cisim.experiments import worker

ARGS = ["compare", "technical", "--replicates", "10", "--steps", "4", "--quiet"]


@pytest.fixture
def runner(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "scenarios").mkdir()
    from tests.cli.test_nothing_lost import ROOT

    (tmp_path / "scenarios" / "technical.toml").write_text((ROOT / "scenarios" / "technical.toml").read_text())
    return CliRunner()


def interrupt_after(monkeypatch, runs: int) -> None:
    """Ctrl-C as the run after ``runs`` finished ones starts."""
    real, calls = worker.run_model, []

    def run_model(*args, **kwargs):
        calls.append(1)
        if len(calls) > runs:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(worker, "run_model", run_model)


def test_an_interrupted_compare_resumes_to_the_uninterrupted_results(runner, monkeypatch, tmp_path):
    whole = runner.invoke(main, [*ARGS, "--out", str(tmp_path / "whole")])
    assert whole.exit_code == 0, whole.output
    with monkeypatch.context() as patch:
        interrupt_after(patch, 13)  # a block of ten finished, three runs of the next
        stopped = runner.invoke(main, ARGS)
    assert stopped.exit_code == 130, stopped.output
    assert "comparison interrupted; 10 runs are safe on disk in results/technical-compare" in stopped.output
    assert "Continue with the same command and --resume." in stopped.output
    with monkeypatch.context() as patch:
        interrupt_after(patch, 10)  # ten runs are missing: a resume that ran more would be interrupted
        resumed = runner.invoke(main, [*ARGS, "--resume"])
    assert resumed.exit_code == 0, resumed.output
    assert list((tmp_path / "results").iterdir()) == [tmp_path / "results" / "technical-compare"]  # no new folder
    columns = ["arm", "replicate", "seed", "final_outcome", "total_spend", "candidates_evaluated"]
    one = pd.read_csv(tmp_path / "whole" / "runs.csv")[columns]
    two = pd.read_csv(tmp_path / "results" / "technical-compare" / "runs.csv")[columns]
    pd.testing.assert_frame_equal(one, two)
    assert resumed.output.splitlines()[2:][:12] == whole.output.splitlines()[2:][:12]  # the same printed table


def test_resume_refuses_other_options_naming_each(runner, monkeypatch):
    with monkeypatch.context() as patch:
        interrupt_after(patch, 2)
        assert runner.invoke(main, ARGS).exit_code == 130
    result = runner.invoke(main, [*ARGS, "--resume", "--seed", "3", "--set", "problem.k=1"])
    assert result.exit_code == 2
    assert "--seed is 3 now, 0 when it started" in result.output
    assert "--set is problem.k=1 now, not given when it started" in result.output
    assert "scenario 'technical' changed" not in result.output  # --set explains the changed values
    assert "experiment file" not in result.output


def test_resume_without_a_comparison_to_continue_says_so(runner):
    result = runner.invoke(main, [*ARGS, "--resume"])
    assert result.exit_code == 2
    assert "--resume: no comparison to continue (results/technical-compare does not exist)" in result.output
    assert not Path("results/technical-compare").exists()


def test_resume_and_force_together_are_refused(runner):
    result = runner.invoke(main, [*ARGS, "--resume", "--force"])
    assert result.exit_code == 2 and "--resume and --force" in result.output


def test_a_few_replicates_show_means_without_intervals(runner):
    result = runner.invoke(main, ["compare", "technical", "--replicates", "3", "--steps", "4", "--quiet"])
    assert result.exit_code == 0, result.output
    row = next(line for line in result.output.splitlines() if line.strip().startswith("final outcome"))
    assert row.split()[2:5] != ["n/a", "n/a", "n/a"] and row.split()[-1] == "n/a"
    assert "--replicates 5 or more for intervals" in result.output


def test_the_defaults_design_is_named_for_what_it_is(runner):
    result = runner.invoke(main, ["compare", "--replicates", "2", "--steps", "2", "--quiet"])
    assert result.exit_code == 0, result.output
    first = result.output.splitlines()[0]
    assert "the built-in defaults' condition levels: full collective impact" in first
    assert "scenario file" not in first


def test_the_same_command_again_without_resume_points_to_resume_not_force(runner, monkeypatch, tmp_path):
    out = ["--out", str(tmp_path / "stopped")]
    with monkeypatch.context() as patch:
        interrupt_after(patch, 12)
        assert runner.invoke(main, [*ARGS, *out]).exit_code == 130
    again = runner.invoke(main, [*ARGS, *out])
    assert again.exit_code == 2
    assert "holds a comparison stopped before the end" in again.output
    assert again.output.index("--resume") < again.output.index("--force")  # resuming first: --force replaces
    finished = runner.invoke(main, [*ARGS, *out, "--resume"])
    assert finished.exit_code == 0, finished.output
    assert "holds a finished comparison of" in runner.invoke(main, [*ARGS, *out]).output  # finished now


def test_resuming_a_sweeps_folder_as_a_comparison_or_back_names_what_it_holds(runner, monkeypatch):
    sweep = ["sweep", "backbone_decision", "--replicates", "1", "--steps", "2", "--quiet", "--executor", "serial"]
    assert runner.invoke(main, [*sweep, "--out", "swept"]).exit_code == 0
    with monkeypatch.context() as patch:
        interrupt_after(patch, 12)  # stopped: a finished comparison's tables are refused a sweep outright
        assert runner.invoke(main, [*ARGS, "--out", "compared"]).exit_code == 130
    as_comparison = runner.invoke(main, [*ARGS, "--out", "swept", "--resume"])
    assert as_comparison.exit_code == 2
    assert "holds the sweep 'backbone_decision' (cisim sweep), not a comparison" in as_comparison.output
    assert "continue it with: cisim sweep" in as_comparison.output and "changed since" not in as_comparison.output
    as_sweep = runner.invoke(main, [*sweep, "--out", "compared", "--resume"])
    assert as_sweep.exit_code == 2
    assert "holds a comparison (cisim compare), not a sweep" in as_sweep.output
    assert "continue it with: cisim compare" in as_sweep.output


def test_resuming_another_scenarios_comparison_names_both_scenarios(runner, monkeypatch):
    with monkeypatch.context() as patch:
        interrupt_after(patch, 2)
        assert runner.invoke(main, [*ARGS, "--out", "held"]).exit_code == 130
    result = runner.invoke(
        main, ["compare", "complex", "--replicates", "10", "--steps", "4", "--out", "held", "--resume"]
    )
    assert result.exit_code == 2
    assert "the folder holds a comparison of the scenario 'technical', not of 'complex'" in result.output


def test_a_comparison_of_the_built_in_defaults_with_a_block_lost_says_a_command_that_runs(runner, tmp_path):
    """The resume command in analyze's caution named the built-in defaults' scenario as `'<built-in defaults>'`,
    which no command takes, and called a summaries file that is gone 'damaged (changed or cut short)': it names no
    scenario for them now, runs as printed, and gives the block's own reason."""
    import shlex

    out = tmp_path / "defaults"
    made = runner.invoke(main, ["compare", "--replicates", "10", "--steps", "4", "--quiet", "--out", str(out)])
    assert made.exit_code == 0, made.output
    (out / "summaries" / "block-000000.parquet").unlink()
    analysed = runner.invoke(main, ["analyze", str(out), "--out", str(tmp_path / "analysis")])
    assert analysed.exit_code == 0, analysed.output
    caution = next(line for line in analysed.output.splitlines() if line.startswith("caution: ") and "--resume" in line)
    assert "is missing or damaged (summaries/block-000000.parquet is missing)" in caution, caution
    command = shlex.split(caution.split("`")[1])
    assert command[:3] == ["cisim", "compare", "--arm"] and "<built-in defaults>" not in caution, command
    resumed = runner.invoke(main, [*command[1:], "--quiet"])
    assert resumed.exit_code == 0, resumed.output
    assert len(pd.read_csv(out / "runs.csv")) == 20


def test_force_removes_the_reports_and_analysis_made_from_the_results_it_replaces(runner, tmp_path):
    """A report and analysis/ left beside new results read as theirs (a 3-arm sweep's report over a 2-arm
    comparison): --force removes what was made from the results it replaces, and only that."""
    out = tmp_path / "out"
    first = runner.invoke(main, [*ARGS, "--out", str(out)])
    assert first.exit_code == 0, first.output
    assert runner.invoke(main, ["analyze", str(out)]).exit_code == 0
    assert runner.invoke(main, ["report", str(out)]).exit_code == 0
    assert (out / "report.html").is_file() and (out / "analysis").is_dir()
    (out / "notes.txt").write_text("the user's own")
    (out / "report_draft.html").write_text("the user's own")
    again = runner.invoke(main, [*ARGS, "--out", str(out), "--seed", "3", "--force"])
    assert again.exit_code == 0, again.output
    assert not (out / "report.html").exists() and not (out / "analysis").exists()
    assert (out / "notes.txt").read_text() == "the user's own" and (out / "runs.csv").is_file()
    assert (out / "report_draft.html").is_file()
    assert runner.invoke(main, ["analyze", str(out)]).exit_code == 0
    (out / "analysis" / "notes.md").write_text("the user's own")
    assert runner.invoke(main, [*ARGS, "--out", str(out), "--force"]).exit_code == 0
    assert [p.name for p in (out / "analysis").iterdir()] == ["notes.md"]


def test_force_into_a_folder_that_held_no_results_removes_nothing_of_the_users(runner, tmp_path):
    own = tmp_path / "own"
    (own / "analysis").mkdir(parents=True)
    (own / "analysis" / "table.csv").write_text("the user's own")
    (own / "report.html").write_text("the user's own")
    result = runner.invoke(main, [*ARGS, "--out", str(own), "--force"])
    assert result.exit_code == 0, result.output
    assert (own / "analysis" / "table.csv").is_file() and (own / "report.html").read_text() == "the user's own"


@pytest.mark.parametrize("command", ["compare", "run"])
def test_steps_beside_a_set_of_run_steps_is_refused_unless_the_same(runner, command):
    """--steps decides a run's length: a --set run.steps of another number beside it never reached a run, yet
    the report's question and parameter table quoted it as used."""
    args = [command, "technical", "--steps", "5", "--quiet"] + (["--replicates", "2"] if command == "compare" else [])
    refused = runner.invoke(main, [*args, "--set", "run.steps=3"])
    assert refused.exit_code == 2
    assert "--set 'run.steps=3': --steps 5 replaces the scenario's run.steps, so no run would use it" in refused.output
    assert runner.invoke(main, [*args, "--set", "run.steps=5"]).exit_code == 0
