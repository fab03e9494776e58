"""Dry runs: the design counted, never built, and a time estimate that follows the factor values."""

import resource
import subprocess
import sys

import pytest
from click.testing import CliRunner

from cisim.cli import main
from cisim.experiments.design import load_experiment
from cisim.experiments.estimate import estimate


def test_counts_match_the_built_design(experiment_file):
    text = experiment_file.read_text()
    for extra in (
        "",
        '\n[sample]\nmethod = "saltelli"\nsamples = 4\n[sample.ranges]\n"conditions.backbone" = [0.0, 1.0]\n',
    ):
        experiment_file.write_text(text + extra)
        experiment = load_experiment(experiment_file)
        assert experiment.n_points() == len(experiment.points())
        assert experiment.n_runs() == len(experiment.design())
    experiment_file.write_text(
        text + '\n[sample]\nmethod = "morris"\nsamples = 3\n[sample.ranges]\n"conditions.backbone" = [0.0, 1.0]\n'
        '"problem.k_across" = [0.0, 1.0]\n'
    )
    experiment = load_experiment(experiment_file)
    assert experiment.n_points() == len(experiment.points()) == 2 * 3 * 3


def limit_memory():
    limit = 3 * 2**30  # 3 GiB of address space: the whole design of a billion replicates would need far more
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


@pytest.mark.slow
def test_a_billion_replicates_are_counted_not_allocated(experiment_file):
    text = experiment_file.read_text().replace("replicates = 3", "replicates = 1000000000")
    experiment_file.write_text(text.replace("[outputs]", "[outputs]\n").replace("steps = 12", "steps = 2"))
    result = subprocess.run(
        [sys.executable, "-m", "cisim", "sweep", str(experiment_file), "--dry-run"],
        capture_output=True,
        text=True,
        preexec_fn=limit_memory,
        timeout=300,
    )
    assert result.returncode == 2, result.stderr  # described, then refused as a sweep of it would be
    assert "runs:       4,000,000,000" in result.stdout and "replicates: 1,000,000,000" in result.stdout
    assert "estimated:" in result.stdout
    assert "a sweep of this design would be refused" in result.stderr and "Traceback" not in result.stderr


def test_such_a_design_is_refused_when_run(experiment_file, tmp_path):
    experiment_file.write_text(experiment_file.read_text().replace("replicates = 3", "replicates = 1000000000"))
    result = CliRunner().invoke(main, ["sweep", str(experiment_file), "--out", str(tmp_path / "o"), "--yes"])
    assert result.exit_code == 2 and "the design has 4,000,000,000 runs (1 scenarios x 2 points" in result.output
    assert "expected at most 10,000,000" in result.output
    assert not (tmp_path / "o").exists()


def test_a_dry_run_of_such_a_design_says_it_would_be_refused(experiment_file, tmp_path):
    """The design is described, then refused as the sweep refuses it: exit status 2, not an estimate and 0."""
    runner = CliRunner()
    over = runner.invoke(main, ["sweep", str(experiment_file), "--replicates", "2500001", "--dry-run"])
    assert over.exit_code == 2, over.output
    assert "runs:       10,000,004" in over.output and "estimated:" in over.output
    assert (
        f"error: {experiment_file}: a sweep of this design would be refused: it has 10,000,004 runs (1 scenarios x "
        "2 points x 2,500,001 replicates (--replicates) x 2 arms); expected at most 10,000,000 in one sweep"
    ) in over.output
    at_limit = runner.invoke(main, ["sweep", str(experiment_file), "--replicates", "2500000", "--dry-run"])
    assert at_limit.exit_code == 0 and "runs:       10,000,000" in at_limit.output and "error" not in at_limit.output


def organizations_cost(scenario, steps):
    """A stand-in timer: a run costs 1 ms per organization per step, plus 10 ms of set-up."""
    return 0.010 + 0.001 * scenario["organizations.n_organizations"] * steps


def with_organizations(experiment_file, spec: str):
    """The tiny experiment varying organizations instead of k."""
    from tests.experiments.conftest import EXPERIMENT

    experiment_file.write_text(EXPERIMENT.replace('"problem.k" = [0, 4]', f'"organizations.n_organizations" = {spec}'))
    return load_experiment(experiment_file)


def test_the_estimate_follows_the_factor_values(experiment_file):
    small = estimate(with_organizations(experiment_file, "[10]"), organizations_cost)
    wide = estimate(with_organizations(experiment_file, "[10, 1000]"), organizations_cost)
    assert small.seconds_per_run == pytest.approx(0.010 + 0.001 * 10 * 12, rel=0.01)
    # The mean of 10 and 1000 organizations, not 10 twice.
    assert wide.seconds_per_run == pytest.approx(0.010 + 0.001 * 505 * 12, rel=0.02)
    assert wide.seconds == pytest.approx(wide.seconds_per_run * 12, rel=1e-9)


def test_sampled_ranges_are_averaged_over_the_range(experiment_file):
    text = experiment_file.read_text().replace('[factors]\n"problem.k" = [0, 4]\n', "")
    experiment_file.write_text(
        text
        + '\n[sample]\nmethod = "lhs"\nsamples = 7\n[sample.ranges]\n"organizations.n_organizations" = [10, 1000]\n'
    )
    found = estimate(load_experiment(experiment_file), organizations_cost)
    assert found.seconds_per_run == pytest.approx(0.010 + 0.001 * 505 * 12, rel=0.02)


def test_real_probe_runs_see_that_larger_designs_cost_more(experiment_file):
    small = estimate(with_organizations(experiment_file, "[4]"))
    experiment_file.write_text(
        experiment_file.read_text().replace(
            '"organizations.n_organizations" = [4]', '"organizations.n_organizations" = [4, 1000]'
        )
    )
    large = estimate(load_experiment(experiment_file))
    assert large.seconds_per_run > 3 * small.seconds_per_run
