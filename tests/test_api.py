"""The Python API mirrors the command line and returns DataFrames."""

from pathlib import Path

import pandas as pd
import pytest

import cisim
from cisim.analysis import paired_difference
from cisim.experiments.sweep import SweepError

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
    assert set(runs["arm"]) == {"isolated", "scenario"}
    difference = paired_difference(runs, "final_outcome", "isolated", "scenario")
    assert difference.pairs == 3


def test_compare_compares_what_the_command_line_does(tmp_path):
    """Python's default arms are the command line's: isolated against the scenario's own design, same numbers."""
    from click.testing import CliRunner

    from cisim.cli import main

    scenario = SCENARIOS / "immature_backbone.toml"  # its own design differs from full collective impact
    runs = cisim.compare(scenario, replicates=5, steps=8)
    result = CliRunner().invoke(
        main, ["compare", str(scenario), "--replicates", "5", "--steps", "8", "--out", str(tmp_path), "--quiet"]
    )
    assert result.exit_code == 0, result.output
    printed = pd.read_csv(tmp_path / "runs.csv")
    columns = ["arm", "replicate", "seed", "final_outcome", "total_spend"]
    pd.testing.assert_frame_equal(
        runs.sort_values(["replicate", "arm"])[columns].reset_index(drop=True),
        printed.sort_values(["replicate", "arm"])[columns].reset_index(drop=True),
        check_dtype=False,
    )
    full = cisim.compare(scenario, replicates=5, steps=8, arms=("isolated", "collective"))
    own = runs[runs["arm"] == "scenario"]["final_outcome"].to_numpy()
    assert list(full[full["arm"] == "collective"]["final_outcome"]) != list(own)


def test_sweep_into_a_folder_holding_a_sweep_gives_python_advice(experiment_file, tmp_path):
    out = tmp_path / "out"
    cisim.sweep(experiment_file, out=out, executor="serial")
    with pytest.raises(SweepError, match=r"pass resume=True to continue it .* or out= for another folder"):
        cisim.sweep(experiment_file, out=out, executor="serial")


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


def test_sweep_takes_an_experiments_name_from_any_folder_as_the_command_line_does(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no experiments/ here: the name is one of cisim's own
    results = cisim.sweep("backbone_decision", out="named", executor="serial", replicates=1, steps=3)
    assert set(results["arm"]) == {"no_backbone", "half_backbone", "full_backbone"}
    with pytest.raises(cisim.ScenarioError, match=r"did you mean 'backbone_decision'"):
        cisim.sweep("backbone_decisoin", out="misspelt", executor="serial")
    with pytest.raises(cisim.ScenarioError, match=r"'backbone_decision' is one \(cisim sweep backbone_decision\)"):
        cisim.sweep("experiments/backbone_decision.toml", out="pathed", executor="serial")
    assert not (tmp_path / "misspelt").exists() and not (tmp_path / "pathed").exists()


@pytest.mark.parametrize(
    ("call", "error", "words"),
    [
        (
            lambda: cisim.run(seed=-1, steps=2),
            ValueError,
            "cisim.run: seed = -1: expected a whole number of at least 0",
        ),
        (lambda: cisim.run(seed=1.5, steps=2), TypeError, "cisim.run: seed = 1.5: expected a whole number"),
        (lambda: cisim.run(seed=None, steps=2), TypeError, "cisim.run: seed = None"),
        (lambda: cisim.run(steps=0), ValueError, "cisim.run: steps = 0: expected a whole number from 1 to 1,000,000"),
        (lambda: cisim.run(steps="3"), TypeError, "cisim.run: steps = '3'"),
        (lambda: cisim.compare(replicates=0), ValueError, "cisim.compare: replicates = 0: expected a whole number"),
        (lambda: cisim.compare(replicates=1), ValueError, "replicates = 1: expected a whole number from 2"),
        (lambda: cisim.compare(replicates=2.5), TypeError, "replicates = 2.5"),
        (lambda: cisim.compare(arms=()), ValueError, "cisim.compare: arms = (): expected two or more distinct arms"),
        (lambda: cisim.compare(arms=("isolated", "isolated")), ValueError, "expected two or more distinct arms"),
        (lambda: cisim.compare(arms=("isolated",)), ValueError, "arms = ('isolated',): expected two or more distinct"),
        (lambda: cisim.compare(arms="isolated"), TypeError, "arms = 'isolated': expected a list of strings"),
        (lambda: cisim.compare(workers=2), ValueError, "workers = 2 with executor = 'serial'"),
        (lambda: cisim.compare(workers=0, executor="processes"), ValueError, "workers = 0"),
        (lambda: cisim.sweep("coalition_size", overrides="problem.k=3"), TypeError, "overrides = 'problem.k=3'"),
        (
            lambda: cisim.sweep("coalition_size", executor="serial", workers=2),
            ValueError,
            "cisim.sweep: workers = 2 with executor = 'serial'",
        ),
        (
            lambda: cisim.sweep("coalition_size", replicates=10**8, executor="serial"),
            ValueError,
            "100,000,000 replicates (replicates=) x 2 arms); expected at most 10,000,000 in one sweep",
        ),
        (lambda: cisim.resolve_scenario("complex", "problem.k=3"), TypeError, "expected a list of strings"),
        (lambda: cisim.load_results(None), TypeError, "folder = None: expected a results folder's path"),
        (lambda: cisim.sweep("coalition_size", out=3), TypeError, "cisim.sweep: out = 3: expected a folder's path"),
        (lambda: cisim.sweep("coalition_size", out=""), ValueError, "cisim.sweep: out = '': expected a folder's path"),
        (
            lambda: cisim.load_scenario(
                Path(__file__).resolve().parents[1] / "scenarios" / "complex.toml", "problem.k=3"
            ),
            ValueError,
            "overrides = 'problem.k=3': expected a list of 'section.name=value' strings",
        ),
        (
            lambda: cisim.sweep("coalition_size", overrides=["problem.k=abc"]),
            ValueError,
            "overrides: field 'problem.k' = 'abc': expected a whole number",
        ),
        (
            lambda: cisim.sweep("coalition_size", overrides=["nosuch.x=1"]),
            ValueError,
            "overrides entry 'nosuch.x=1': unknown field",
        ),
    ],
)
def test_bad_arguments_are_refused_before_any_run_with_what_was_expected(call, error, words):
    with pytest.raises(error) as raised:
        call()
    assert words in str(raised.value)


def test_numpy_whole_numbers_are_whole_numbers():
    import numpy as np

    assert cisim.run(seed=np.int64(2), steps=np.int32(5)).equals(cisim.run(seed=2, steps=5))


def test_seeds_stay_exact_when_two_comparisons_are_put_together(tmp_path):
    """Replicate seeds lie anywhere in 0 to 2**64 - 1: frames hold them as uint64 whatever their values.

    Seed 0's two replicate seeds both lie below 2**63 and seed 3's both above, so pandas alone would infer int64
    for one frame and uint64 for the other, and their concatenation would hold the seeds as floats.
    """
    from cisim.experiments.runs import replicate_seeds

    low, high = (cisim.compare(replicates=2, steps=2, seed=seed) for seed in (0, 3))
    assert max(replicate_seeds(0, 2)) < 2**63 <= min(replicate_seeds(3, 2))
    both = pd.concat([low, high], ignore_index=True)
    assert both["seed"].dtype == "uint64"
    assert sorted(set(both["seed"].tolist())) == sorted(replicate_seeds(0, 2) + replicate_seeds(3, 2))
    out = tmp_path / "low"
    from click.testing import CliRunner

    from cisim.cli import main

    result = CliRunner().invoke(main, ["compare", "--replicates", "2", "--steps", "2", "--out", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    assert cisim.load_results(out)["seed"].dtype == "uint64"


def test_a_file_given_as_out_is_named_as_one(experiment_file, tmp_path):
    """cisim.sweep(out=<a file>) raised pathlib's bare FileExistsError."""
    (tmp_path / "afile").write_text("")
    with pytest.raises(ValueError, match=r"out = '.*afile': is a file, not a folder; expected a folder's path"):
        cisim.sweep(experiment_file, tmp_path / "afile", executor="serial", replicates=1, steps=2)


def test_errors_from_the_sweep_engine_name_the_python_arguments(experiment_file, tmp_path):
    """A notebook user passed executor='bogus' or steps=3: the message says so, not --executor or --steps."""
    out = tmp_path / "api"
    cisim.sweep(experiment_file, out, executor="serial", replicates=1, steps=2)
    said = {}
    calls = {
        "executor": dict(out=tmp_path / "other", executor="bogus"),
        "scheduler": dict(out=tmp_path / "other", executor="serial", scheduler="tcp://127.0.0.1:1"),
        "steps": dict(out=out, executor="serial", resume=True, steps=3),
        "overrides": dict(out=out, executor="serial", resume=True, overrides=["problem.n_elements=12"]),
        "varied": dict(out=tmp_path / "other", executor="serial", overrides=["problem.k=3"]),
    }
    for name, call in calls.items():
        arguments = {"replicates": 1, "steps": 2, **call}
        with pytest.raises((SweepError, ValueError)) as raised:
            cisim.sweep(experiment_file, **arguments)
        said[name] = str(raised.value)
    assert said["executor"].startswith("executor = 'bogus': expected one of serial, processes, dask")
    assert "scheduler = 'tcp://127.0.0.1:1'" in said["scheduler"]
    assert "expected executor='dask' with it, or no scheduler" in said["scheduler"]
    assert "refusing to resume: steps is 3 now, 2 when it started" in said["steps"]
    assert "in another folder (out=)" in said["steps"]
    assert "overrides is problem.n_elements=12 now" in said["overrides"]
    assert "overrides entry 'problem.k=3': problem.k is varied by" in said["varied"]
    assert not [name for name, message in said.items() if "--" in message], said
    assert not (tmp_path / "other").exists()
