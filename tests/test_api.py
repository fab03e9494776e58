"""The Python API mirrors the command line and returns DataFrames."""

from pathlib import Path

import pytest

import cisim
from cisim.analysis import paired_difference

SCENARIOS = Path(__file__).parents[1] / "scenarios"


def test_run_returns_the_series_with_its_summary():
    series = cisim.run(SCENARIOS / "complex.toml", seed=1, steps=10, arm="collective")
    assert len(series) == 11
    assert series.attrs["summary"]["final_outcome"] == pytest.approx(series["community_outcome"].iloc[-1])


def test_run_on_built_in_defaults_and_scenario_objects_agree():
    default = cisim.run(seed=2, steps=5)
    again = cisim.run(cisim.default_scenario(), seed=2, steps=5)
    assert default.equals(again)


def test_compare_returns_paired_runs():
    runs = cisim.compare(SCENARIOS / "technical.toml", replicates=3, steps=5)
    assert set(runs["arm"]) == {"isolated", "collective"}
    difference = paired_difference(runs, "final_outcome", "isolated", "collective")
    assert difference.pairs == 3


def test_bad_scenarios_raise_scenario_error(tmp_path):
    path = tmp_path / "x.toml"
    path.write_text('name = "x"\ndescription = "y"\n[run]\nsteps = 0\n')
    with pytest.raises(cisim.ScenarioError, match=r"run\.steps"):
        cisim.run(path)


@pytest.fixture
def experiment_file(tmp_path):
    from tests.experiments.conftest import EXPERIMENT, SMALL

    (tmp_path / "scenarios").mkdir()
    (tmp_path / "scenarios" / "small.toml").write_text(SMALL)
    (tmp_path / "experiments").mkdir()
    path = tmp_path / "experiments" / "tiny.toml"
    path.write_text(EXPERIMENT)
    return path


def test_sweep_takes_the_command_lines_options(experiment_file, tmp_path):
    frame = cisim.sweep(
        experiment_file,
        tmp_path / "api",
        executor="serial",
        replicates=1,
        steps=3,
        overrides=["organizations.n_organizations=4"],
    )
    assert len(frame) == 2 * 1 * 2 and frame.attrs["missing"] == 0
    assert frame.query("arm == 'collective'")["final_coalition_size"].eq(4).all()
