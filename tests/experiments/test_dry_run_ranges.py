"""Dry runs that answer at once and honestly: huge numbers refused cleanly, huge grids counted without being
built, no dry run slower than its sweep, and a time range the real sweep falls in."""

import re
import resource
import subprocess
import sys
import time

import pytest

from cisim.experiments import design as design_module
from cisim.experiments.design import CHECKED_COMBINATIONS, load_experiment
from cisim.experiments.estimate import Estimate, estimate
from tests.experiments.conftest import EXPERIMENT


def cli(*args, **options):
    return subprocess.run([sys.executable, "-m", "cisim", *map(str, args)], capture_output=True, text=True, **options)


def test_a_400_digit_replicates_is_a_clean_error(experiment_file):
    huge = str(10**399)
    result = cli("sweep", experiment_file, "--dry-run", "--replicates", huge, "--executor", "serial")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.startswith("error:") and "--replicates" in result.stderr
    experiment_file.write_text(experiment_file.read_text().replace("replicates = 3", f"replicates = {huge}"))
    result = cli("sweep", experiment_file, "--dry-run", "--executor", "serial")
    assert result.returncode == 2 and "Traceback" not in result.stderr and "replicates" in result.stderr


HUNDRED_MILLION = """
"organizations.n_organizations" = {start = 1, stop = 1000, step = 1}
"costs.coordination_growth" = {start = 0.0, stop = 1.0, step = 0.001}
"problem.k_across" = {start = 0.0, stop = 1.0, step = 0.01}
"""


def grid_of_a_hundred_million(experiment_file):
    text = EXPERIMENT.replace('"problem.k" = [0, 4]', HUNDRED_MILLION).replace("replicates = 3", "replicates = 1")
    experiment_file.write_text(text)
    return experiment_file


def test_a_grid_of_a_hundred_million_points_is_counted_in_under_a_second(experiment_file, monkeypatch):
    path = grid_of_a_hundred_million(experiment_file)
    load_experiment(path)  # imports and caches, as any command pays them first
    built = []
    original = design_module.Experiment.scenario_for
    monkeypatch.setattr(
        design_module.Experiment, "scenario_for", lambda self, row: built.append(1) or original(self, row)
    )
    started = time.perf_counter()
    experiment = load_experiment(path)
    runs = experiment.n_runs()
    assert time.perf_counter() - started < 1.0
    assert runs == 1000 * 1001 * 101 * 2
    assert len(built) <= CHECKED_COMBINATIONS


def limit_memory():
    resource.setrlimit(resource.RLIMIT_AS, (3 * 2**30, 3 * 2**30))  # the grid itself would need tens of GB


@pytest.mark.slow
def test_the_dry_run_of_a_hundred_million_points_needs_no_memory_for_them(experiment_file):
    path = grid_of_a_hundred_million(experiment_file)
    result = cli("sweep", path, "--dry-run", "--executor", "serial", preexec_fn=limit_memory, timeout=300)
    assert "runs:       202,202,000" in result.stdout  # described within the memory limit
    assert result.returncode == 2 and "a sweep of this design would be refused" in result.stderr, result.stderr


TEN_RANGES = "\n".join(
    f'"{key}" = [{low}, {high}]'
    for key, low, high in (
        ("conditions.common_agenda", 0.0, 1.0),
        ("conditions.shared_measurement", 0.0, 1.0),
        ("conditions.reinforcing_activities", 0.0, 1.0),
        ("conditions.communication", 0.0, 1.0),
        ("conditions.backbone", 0.0, 1.0),
        ("organizations.measurement_noise", 0.01, 0.3),
        ("problem.k_across", 0.0, 1.0),
        ("costs.coordination_growth", 0.0, 0.2),
        ("organizations.revision_rate", 0.2, 0.8),
        ("problem.k", 0, 4),
    )
)


def test_checking_a_large_design_builds_a_bounded_number_of_scenarios(experiment_file, monkeypatch):
    # 5,000 grid points x 10 sampled ranges x 3 arms: every corner of every point would be 15 million scenarios
    text = EXPERIMENT.replace(
        '"problem.k" = [0, 4]',
        '"organizations.n_organizations" = {start = 1, stop = 100, step = 1}\n'
        '"run.steps" = {start = 1, stop = 50, step = 1}',
    ).replace("[arms.collective]", '[arms.scenario]\npreset = "scenario"\n\n[arms.collective]')
    text += f'\n[sample]\nmethod = "lhs"\nsamples = 1\n[sample.ranges]\n{TEN_RANGES}\n'
    experiment_file.write_text(text)
    load_experiment(experiment_file)
    built = []
    original = design_module.Experiment.scenario_for
    monkeypatch.setattr(
        design_module.Experiment, "scenario_for", lambda self, row: built.append(1) or original(self, row)
    )
    experiment = load_experiment(experiment_file)
    assert experiment.n_points() == 5000 and len(experiment.arms) == 3
    assert len(built) <= CHECKED_COMBINATIONS


def test_a_design_smaller_than_its_probes_is_not_probed_factor_by_factor(experiment_file):
    one_run = EXPERIMENT.replace("replicates = 3", "replicates = 1").replace('"problem.k" = [0, 4]', "")
    one_run = one_run.replace('[arms.isolated]\npreset = "isolated"\n', "")  # condition factors reach coalition arms
    experiment_file.write_text(one_run + f'\n[sample]\nmethod = "lhs"\nsamples = 1\n[sample.ranges]\n{TEN_RANGES}\n')
    calls = []

    def timer(scenario, steps):
        calls.append(steps)
        return 0.001 * steps

    experiment = load_experiment(experiment_file)
    assert experiment.n_runs() == 1 and len(experiment.factor_keys) == 10
    found = estimate(experiment, timer)
    assert len(calls) <= 6  # the warm-up and the base point, not ten factors more
    assert "fewer runs than it has factors" in " ".join(found.notes)


def spy(monkeypatch):
    """A list that grows by one for each scenario the design builds."""
    built = []
    original = design_module.Experiment.scenario_for

    def counted(self, row):
        built.append(1)
        return original(self, row)

    monkeypatch.setattr(design_module.Experiment, "scenario_for", counted)
    return built


def test_the_range_holds_start_up_and_runs():
    found = Estimate(seconds=100.0, seconds_per_run=1.0, probes=3, startup=5.0)
    low, high = found.wall_range(workers=2, setup=2.0)
    assert low == pytest.approx(0.7 * 7 + 50) and high == pytest.approx(2 * 7 + 2 * 50)
    assert low < 57 < high


def seconds(text):
    low, high, unit = re.search(r"estimated:\s+([\d.,]+) to ([\d.,]+) (s|min)", text).groups()
    size = 60 if unit == "min" else 1
    return float(low.replace(",", "")) * size, float(high.replace(",", "")) * size


@pytest.mark.slow
@pytest.mark.alone
@pytest.mark.parametrize("name", ["coalition_size", "conditions_factorial"])
def test_the_real_time_of_a_shipped_experiment_falls_in_the_dry_runs_range(name, tmp_path):
    options = ["--replicates", "1", "--steps", "30", "--workers", "2"]
    dry = cli("sweep", f"experiments/{name}.toml", *options, "--dry-run")
    assert dry.returncode == 0, dry.stderr
    low, high = seconds(dry.stdout)
    started = time.perf_counter()
    real = cli("sweep", f"experiments/{name}.toml", *options, "--out", tmp_path / name, "--quiet")
    took = time.perf_counter() - started
    assert real.returncode == 0, real.stderr
    assert low <= took <= high, f"{name}: took {took:.1f} s; the dry run said {low:.0f} to {high:.0f} s"
