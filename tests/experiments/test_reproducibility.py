"""One seed, one result: on every executor, on a Dask cluster of separate processes, and across a pickle."""

import json
import pickle
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cisim.experiments import compare_arms, replicate_seeds, run_model
from cisim.experiments.design import load_experiment
from cisim.experiments.sweep import run_sweep
from cisim.model import CollectiveImpactModel
from cisim.scenarios import default_scenario, load_scenario
from tests.experiments.test_sweep import result_files

SCENARIOS = sorted((Path(__file__).parents[2] / "scenarios").glob("*.toml"))


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_a_model_pickled_mid_run_ends_as_one_run_straight_through(path):
    scenario = load_scenario(path).with_arm("collective")
    straight = CollectiveImpactModel.from_scenario(scenario, rng=5)
    paused = CollectiveImpactModel.from_scenario(scenario, rng=5)
    for _ in range(8):
        straight.step()
        paused.step()
    resumed = pickle.loads(pickle.dumps(paused))
    for _ in range(8):
        straight.step()
        resumed.step()
    assert resumed.datacollector.get_model_vars_dataframe().equals(straight.datacollector.get_model_vars_dataframe())
    assert resumed.rng.random() == straight.rng.random()


def test_compare_goes_through_the_sweep_engine_with_the_results_of_single_runs():
    scenario = default_scenario().with_values(problem__n_elements=10, organizations__n_organizations=5)
    comparison = compare_arms(scenario, replicates=3, seed=4, arms=("isolated", "scenario"), steps=6)
    seeds = replicate_seeds(4, 3)
    for row in comparison.summaries.itertuples():
        single = run_model(scenario.with_arm(row.arm), seeds[row.replicate], 6)
        assert row.seed == seeds[row.replicate]
        assert row.final_outcome == single.summary["final_outcome"]
        assert row.total_spend == single.summary["total_spend"]
        assert comparison.outcomes[(row.arm, row.replicate)].tolist() == single.series["community_outcome"].tolist()


@pytest.mark.slow
def test_compare_gives_identical_results_on_processes_and_in_series():
    scenario = default_scenario().with_values(problem__n_elements=10, organizations__n_organizations=5)
    serial = compare_arms(scenario, replicates=3, seed=9, steps=6)
    pooled = compare_arms(scenario, replicates=3, seed=9, steps=6, executor="processes", workers=2)
    assert serial.summaries.equals(pooled.summaries)
    assert serial.outcomes.equals(pooled.outcomes)


def start(command: list[str]) -> subprocess.Popen:
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


@pytest.mark.slow
def test_a_dask_scheduler_and_two_worker_processes_give_the_files_of_a_serial_sweep(experiment_file, tmp_path):
    """The path to a cluster: a scheduler and workers started as separate processes, as on a batch system."""
    serial = tmp_path / "serial"
    run_sweep(load_experiment(experiment_file), serial, executor="serial")
    address_file = tmp_path / "scheduler.json"
    dask = [sys.executable, "-m", "distributed.cli.dask_scheduler"]
    scheduler = start(
        [*dask, "--host", "127.0.0.1", "--port", "0", "--no-dashboard", "--scheduler-file", str(address_file)]
    )
    worker = [sys.executable, "-m", "distributed.cli.dask_worker", "--scheduler-file", str(address_file)]
    workers = [start([*worker, "--nthreads", "1", "--no-dashboard", "--host", "127.0.0.1"]) for _ in range(2)]
    try:
        deadline = time.monotonic() + 60
        while not address_file.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        address = json.loads(address_file.read_text())["address"]
        from distributed import Client

        with Client(address, timeout=60) as client:
            client.wait_for_workers(2, timeout=60)
            assert len(client.scheduler_info()["workers"]) == 2
        clustered = tmp_path / "cluster"
        # Five workers asked for; the cluster has two, and the record says so.
        report = run_sweep(load_experiment(experiment_file), clustered, executor="dask", scheduler=address, workers=5)
        assert result_files(clustered) == result_files(serial)
        assert report.workers == 2
        assert json.loads((clustered / "manifest.json").read_text())["sessions"][-1]["workers"] == 2
    finally:
        for process in [*workers, scheduler]:
            process.terminate()
        for process in [*workers, scheduler]:
            process.wait(timeout=60)
