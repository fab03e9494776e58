"""The command line: every command works, writes its files, and speaks plainly about bad input."""

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from cisim.cli import main

SCENARIOS = Path(__file__).parents[2] / "scenarios"


@pytest.fixture
def runner():
    return CliRunner()


@pytest.mark.parametrize("command", [[], ["run"], ["compare"]])
def test_help_is_complete(runner, command):
    result = runner.invoke(main, [*command, "--help"])
    assert result.exit_code == 0
    for word in {
        (): ["run", "compare"],
        ("run",): ["--seed", "--steps", "--arm", "--out", "isolated"],
        ("compare",): ["--replicates", "--seed", "--steps", "--out", "paired"],
    }[tuple(command)]:
        assert word in result.output


def test_run_writes_series_summary_and_figure(runner, tmp_path):
    result = runner.invoke(
        main,
        [
            "run",
            str(SCENARIOS / "complex.toml"),
            "--steps",
            "15",
            "--seed",
            "3",
            "--arm",
            "isolated",
            "--out",
            str(tmp_path),
            "--quiet",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "final outcome" in result.output and "isolated" in result.output
    series = pd.read_csv(tmp_path / "series.csv", index_col="step")
    assert len(series) == 16 and series["coalition_size"].eq(0).all()
    summary = json.loads((tmp_path / "summary.json").read_text(), parse_constant=pytest.fail)  # strict JSON
    assert summary["final_outcome"] == pytest.approx(series["community_outcome"].iloc[-1])
    assert summary["time_to_target"] is None  # isolated organizations do not reach it in 15 steps: null, not NaN
    assert (tmp_path / "outcome.png").stat().st_size > 10_000


def test_money_is_printed_in_whole_units_and_a_row_in_one_format(runner, tmp_path):
    """Isolated impact raises no income: its 0 reads as 0, not 0.000, beside the coalition's thousands; a
    difference of a few hundred in a row of thousands is printed as they are."""
    result = runner.invoke(
        main,
        [
            "compare",
            str(SCENARIOS / "complex.toml"),
            "--replicates",
            "6",
            "--steps",
            "20",
            "--out",
            str(tmp_path / "compare"),
            "--quiet",
        ],
    )
    assert result.exit_code == 0, result.output
    rows = {line[2:28].strip(): line[28:].split() for line in result.output.splitlines() if line.startswith("  ")}
    income = rows["total income"]
    assert income[0] == "0" and "," in income[1], income
    money = [rows[name] for name in rows if name.startswith(("total spend", "total income", "spend per point"))]
    for row in money:
        for cell in row[:3]:
            assert "." not in cell, row  # whole units, even where a value is under 1,000
    assert "." in rows["final outcome"][0]  # shares keep their decimals
    run = runner.invoke(
        main,
        [
            "run",
            str(SCENARIOS / "complex.toml"),
            "--arm",
            "isolated",
            "--steps",
            "5",
            "--set",
            "run.target_outcome=0.01",  # reached at once
            "--out",
            str(tmp_path / "run"),
            "--quiet",
        ],
    )
    assert run.exit_code == 0, run.output
    income_line = next(line for line in run.output.splitlines() if line.strip().startswith("total income"))
    assert income_line.split()[2] == "0", income_line
    time_line = next(line for line in run.output.splitlines() if line.strip().startswith("time to target"))
    assert time_line.split()[3] == "0", time_line  # a step, not 0.000


def test_compare_prints_paired_differences_and_writes_files(runner, tmp_path):
    result = runner.invoke(
        main,
        [
            "compare",
            str(SCENARIOS / "technical.toml"),
            "--replicates",
            "3",
            "--steps",
            "10",
            "--out",
            str(tmp_path),
            "--quiet",
        ],
    )
    assert result.exit_code == 0, result.output
    for words in ("final outcome", "95 % CI", "spend per point", "mean duplication", "mean gap share"):
        assert words in result.output
    runs = pd.read_csv(tmp_path / "runs.csv")
    assert sorted(runs["arm"].unique()) == ["isolated", "scenario"] and len(runs) == 6
    assert runs.groupby("replicate")["seed"].nunique().eq(1).all()  # paired: both arms share a seed
    differences = pd.read_csv(tmp_path / "differences.csv")
    assert {"difference", "ci_low", "ci_high"} <= set(differences.columns)
    assert len(pd.read_csv(tmp_path / "outcomes.csv")) == 6 * 11
    assert (tmp_path / "comparison.png").stat().st_size > 10_000


def test_bad_scenario_gets_a_message_not_a_traceback(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "bad"\ndescription = "x"\n[problem]\nk = 99\n[conditons]\nbackbone = 1\n')
    result = subprocess.run([sys.executable, "-m", "cisim", "run", str(bad), "--quiet"], capture_output=True, text=True)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert f"error: {bad}: field 'problem.k' = 99: expected a whole number from 0 to 39" in result.stderr
    assert "unknown section [conditons] (did you mean 'conditions'?)" in result.stderr


def test_unwritable_output_folder_is_reported(runner, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    result = runner.invoke(main, ["run", "--steps", "2", "--out", str(blocker / "sub"), "--quiet"])
    assert result.exit_code == 2
    assert f"error: --out '{blocker / 'sub'}': cannot write there" in result.output


def test_compare_says_how_many_runs_of_each_arm_have_a_measure_some_pairs_lack(runner, tmp_path):
    """`time to target (5 of 20)` counts the pairs in which both runs reached the target; how often each arm did
    (isolated 6 of 20, the coalition 11 at the defaults) was not said, and is the answer a reader wants."""
    result = runner.invoke(main, ["compare", "--out", str(tmp_path), "--quiet"])
    assert result.exit_code == 0, result.output
    runs = pd.read_csv(tmp_path / "runs.csv")
    reached = runs.groupby("arm")["time_to_target"].count()
    both = runs.pivot(index="replicate", columns="arm", values="time_to_target").dropna().shape[0]
    assert 0 < both < 20 and reached["scenario"] != reached["isolated"], reached  # the case the line is for
    assert f"time to target ({both} of 20)" in result.output
    line = next(line for line in result.output.splitlines() if line.startswith("(k of n)"))
    assert f"time to target: isolated {reached['isolated']} of 20 runs, scenario {reached['scenario']}" in line
