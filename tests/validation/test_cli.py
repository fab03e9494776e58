"""``cisim validate``: runs, prints each published figure beside cisim's, writes its record, speaks plainly."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from cisim.cli import main
from tests.validation.shipped import FOLDER, small_model_experiment


@pytest.fixture
def runner():
    return CliRunner()


def small_levinthal(tmp_path, **replace):
    """A Levinthal experiment small enough for a second of work."""
    text = (FOLDER / "levinthal_1997.toml").read_text()
    text = text.replace("k_values = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]", "k_values = [0, 1, 5]")
    text = text.replace("landscapes = 50", "landscapes = 10")
    for old, new in replace.items():
        text = text.replace(old, new)
    path = tmp_path / "levinthal_small.toml"
    path.write_text(text)
    return path


def test_validate_prints_published_beside_cisim_and_writes_record_and_figure(runner, tmp_path):
    path = small_levinthal(tmp_path)
    out, record = tmp_path / "out", tmp_path / "validation.json"
    arguments = ["validate", str(path), "--quick", "--quiet", "--json", str(record), "--out", str(out)]
    result = runner.invoke(main, arguments)
    assert result.exit_code == 0, result.output
    assert "published" in result.output and "cisim [95 % CI]" in result.output and "tolerance" in result.output
    assert "mean local peaks per landscape, K = 5" in result.output
    assert "where the published figures come from" in result.output and "Figure 8 (p. 946)" in result.output
    [entry] = json.loads(record.read_text())
    assert entry["size"] == "quick" and entry["wall_time_seconds"] > 0
    assert set(entry["measured"]["peaks_by_k"]) == {"0", "1", "5"}
    assert set(entry["measured"]["forms_by_k"]) == {"0", "1", "5"}
    pattern = entry["patterns"]["peaks_by_k"]
    assert set(pattern) >= {"published", "measured", "interval", "tolerance", "verdict", "source"}
    assert pattern["published"]["5"] == 35.6 and pattern["tolerance"]["absolute"] == 0.5
    assert pattern["tolerance"]["standard_errors"] == 3 and pattern["tolerance"]["published_n"] == 100
    # the allowance is the reading error plus three standard errors of the difference, with its arithmetic
    se = pattern["standard_error"]["5"]
    landscapes = entry["sizes"]["landscapes"]
    assert pattern["allowed"]["5"] == pytest.approx(0.5 + 3 * se * (1 + landscapes / 100) ** 0.5)
    assert "0.5 + 3 x" in pattern["tolerance_arithmetic"]["5"]
    assert entry["exercises"] == ["landscape"] and entry["runs_through_model"] is False
    assert "outside cisim's model" in entry["standalone"]
    assert (out / "levinthal_1997.png").stat().st_size > 10_000
    assert "levinthal_1997" in (out / "report.txt").read_text()


def test_a_pattern_label_longer_than_its_column_is_printed_whole_on_its_own_line(runner, tmp_path):
    """Labels were cut to the column with an ellipsis ("contests the linear network wins against the comp…"): a
    long one is now said whole on a line of its own, its figures on the next line in their columns."""
    long = "mean local peaks per landscape of this many elements and interactions, K = {key}"
    path = small_levinthal(tmp_path, **{'label = "mean local peaks per landscape, K = {key}"': f'label = "{long}"'})
    result = runner.invoke(main, ["validate", str(path), "--quick", "--quiet", "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    header = next(line for line in lines if line.lstrip().startswith("pattern "))
    for key in ("0", "1", "5"):
        said = lines.index("  " + long.format(key=key))
        figures = lines[said + 1]
        assert figures[: header.index("published")].strip() == "", figures  # the label's column left empty
        assert figures.rstrip().endswith(("reproduced", "not reproduced")), figures
    assert "…" not in result.output


def test_strict_exits_1_when_a_pattern_is_not_reproduced(runner, tmp_path):
    path = small_levinthal(tmp_path, **{'"5" = 27.0': '"5" = 70.0'})
    result = runner.invoke(main, ["validate", str(path), "--quick", "--quiet", "--strict", "--out", str(tmp_path)])
    assert result.exit_code == 1
    assert "not reproduced" in result.output
    lenient = runner.invoke(main, ["validate", str(path), "--quick", "--quiet", "--out", str(tmp_path)])
    assert lenient.exit_code == 0


def test_a_model_experiment_runs_through_the_command_and_records_the_required_measures(runner, tmp_path):
    path = tmp_path / "lazer_friedman_small.toml"
    path.write_text(small_model_experiment("lazer_friedman_2007"))
    record = tmp_path / "v.json"
    arguments = ["validate", str(path), "--quick", "--quiet", "--json", str(record), "--out", str(tmp_path)]
    result = runner.invoke(main, arguments)
    assert result.exit_code == 0, result.output
    assert "contests the linear network wins against the comp" in result.output
    [entry] = json.loads(record.read_text())
    measured = entry["measured"]
    assert {"linear_wins_share", "crossover_round", "mean_by_round"} <= set(measured)
    assert set(measured["mean_by_round"]) == {"linear", "complete", "lattice", "small_world", "random"}
    assert entry["patterns"]["linear_beats_complete"]["published"] == 0.845
    assert (tmp_path / "lazer_friedman_2007.png").stat().st_size > 10_000


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["nosuch"], "nosuch: no such validation experiment"),
        (["march_1992"], "did you mean 'march_1991'"),
    ],
)
def test_unknown_names_exit_2_with_a_plain_message(runner, arguments, message):
    result = runner.invoke(main, ["validate", *arguments])
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


def test_a_bad_file_exits_2_naming_file_and_field_before_any_work(runner, tmp_path):
    path = small_levinthal(tmp_path, **{"seed = 1997": "seed = -1"})
    result = runner.invoke(main, ["validate", str(path), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert f"error: {path}: field 'seed' = -1" in result.output
    assert not (tmp_path / "out").exists()


def test_a_json_path_that_cannot_be_written_is_refused_before_any_work(runner, tmp_path):
    path = small_levinthal(tmp_path)
    result = runner.invoke(main, ["validate", str(path), "--json", str(tmp_path), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert "--json" in result.output and "is a directory" in result.output
    assert not (tmp_path / "o" / "report.txt").exists()
    blocked = tmp_path / "file"
    blocked.write_text("")
    arguments = ["validate", str(path), "--json", str(blocked / "v.json"), "--out", str(tmp_path / "o")]
    result = runner.invoke(main, arguments)
    assert result.exit_code == 2
    assert "error: --json" in result.output and "cannot write to the folder" in result.output
    assert not (tmp_path / "o" / "report.txt").exists()


def test_the_closing_lines_name_the_mechanisms_exercised_through_the_model_and_those_not(tmp_path):
    path = tmp_path / "levinthal_1997.toml"
    path.write_text((FOLDER / "levinthal_1997.toml").read_text().replace("landscapes = 50", "landscapes = 3"))
    result = CliRunner().invoke(main, ["validate", str(path), "--quick", "--quiet", "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    # a standalone experiment counts for none of the model's mechanisms, not even the landscape it reuses
    assert "mechanisms of the model exercised: none" in result.output
    assert (
        "not exercised by these runs: landscape, search, network, agenda, measurement, plan, backbone" in result.output
    )
    assert "; reused, outside the model, by a standalone reimplementation: landscape" in result.output


def test_a_scenario_or_experiment_file_is_named_as_one_with_the_command_that_runs_it(runner, tmp_path):
    root = FOLDER.parents[1]
    scenario, experiment = root / "scenarios" / "technical.toml", root / "experiments" / "coalition_size.toml"
    result = runner.invoke(main, ["validate", str(scenario), str(experiment), "--out", str(tmp_path)])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert lines == [
        f"error: {scenario}: is a scenario file, not a validation experiment; expected one of experiments/validation/. "
        f"To compare its coalition design with isolated impact, run: cisim compare {scenario}",
        f"error: {experiment}: is an experiment file, not a validation experiment; expected one of "
        f"experiments/validation/. To run its sweep, run: cisim sweep {experiment}",
    ]


def test_each_problem_of_a_bad_file_is_one_error_line_and_a_missing_field_is_said_missing(runner, tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text('name = "x"\nfoo = 1\n')
    result = runner.invoke(main, ["validate", str(path), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) > 2 and all(line.startswith("error: ") and "error: error:" not in line for line in lines)
    assert f"error: {path}: field 'seed' is missing: expected seed of the experiment" in result.output
