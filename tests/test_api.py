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
