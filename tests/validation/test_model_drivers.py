"""The Lazer & Friedman and Rivkin & Siggelkow drivers, run against a stand-in that follows the model's API.

The stand-ins implement only what the drivers use (construction by flat keywords and a seed, ``solutions``,
``landscape``, ``step``, ``datacollector``), so these tests check the drivers' pairing, measures and records
until the collective-impact model offers the per-organization mode; the experiments themselves are then run
on the model (tests/validation/test_full_size.py).
"""

from __future__ import annotations

from types import SimpleNamespace

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from cisim.problem import Landscape
from cisim.validation import drivers, run_experiment
from cisim.validation.lazer_friedman import _crossover
from cisim.validation.report import record
from cisim.validation.runner import REPRODUCED
from tests.validation.shipped import shipped


class OwnSolutions:
    """Organizations each holding a solution, copying a strictly better neighbour or trying one local change."""

    def __init__(self, rng, n_elements, k, n_organizations, network, communication=1.0, copy_error=0.0, **rest):
        streams = [np.random.default_rng(s) for s in np.random.SeedSequence(rng).spawn(3)]
        self.landscape = Landscape(n_elements, 1, k, 0.0, streams[0])
        self.solutions = streams[1].random((n_organizations, n_elements)) < 0.5
        seed = int(streams[2].integers(2**31))
        graphs = {
            "linear": lambda: nx.path_graph(n_organizations),
            "complete": lambda: nx.complete_graph(n_organizations),
            "small_world": lambda: nx.connected_watts_strogatz_graph(
                n_organizations, rest["degree"], rest["rewiring"], seed=seed
            ),
            "random": lambda: nx.connected_watts_strogatz_graph(n_organizations, rest["degree"], 1.0, seed=seed),
        }
        self.neighbours = [list(g) for g in nx.to_dict_of_lists(graphs[network]()).values()]
        self.velocity, self.copy_error, self.rng = communication, copy_error, streams[2]

    def step(self):
        fitness = self.landscape.raw_fitness(self.solutions)
        new = self.solutions.copy()
        for i, others in enumerate(self.neighbours):
            best = max(others, key=lambda j: fitness[j])
            if self.rng.random() < self.velocity and fitness[best] > fitness[i]:
                copy = np.where(self.rng.random(new.shape[1]) < self.copy_error, new[i], self.solutions[best])
                if self.landscape.raw_fitness(copy)[0] > fitness[i]:
                    new[i] = copy
                continue
            trial = self.solutions[i].copy()
            trial[self.rng.integers(trial.size)] ^= True
            if self.landscape.raw_fitness(trial)[0] > fitness[i]:
                new[i] = trial
        self.solutions = new


@pytest.fixture
def contract_model(monkeypatch):
    """Pretend the model offers everything; construct the stand-in from the experiment's own parameters."""
    monkeypatch.setattr("cisim.validation.lazer_friedman.missing_parameters", lambda *layers: [])
    monkeypatch.setattr("cisim.model.CollectiveImpactModel", OwnSolutions)


def small(spec, **sizes):
    """The shipped experiment on a small problem, so the stand-in runs in seconds."""
    model = {**spec.model, "problem.n_elements": 10, "problem.k": 3, "organizations.n_organizations": 16}
    studies = {
        name: type(study)(study.name, study.arms, min(study.rounds, 20), study.overrides)
        for name, study in spec.studies.items()
    }
    return type(spec)(**{**spec.__dict__, "model": model, "studies": studies, "quick": {**spec.quick, **sizes}})


def test_lazer_friedman_driver_records_the_published_measures(contract_model):
    spec = small(shipped("lazer_friedman_2007"), replicates=4)
    outcome = run_experiment(spec, drivers()["lazer_friedman"], quick=True)
    entry = record(outcome)
    measured = entry["measured"]
    assert 0 <= measured["linear_wins_share"] <= 1
    assert set(measured["mean_by_round"]) == {"linear", "complete", "lattice", "small_world", "random"}
    assert all(len(series) == 21 for series in measured["mean_by_round"].values())
    assert all(0 <= value <= 1 for series in measured["mean_by_round"].values() for value in series)
    first = {arm: series[0] for arm, series in measured["mean_by_round"].items()}
    assert len(set(first.values())) == 1  # paired: every arm starts from the same problems and solutions
    assert set(entry["patterns"]) == {p.name for p in spec.patterns}
    assert all(p["verdict"] in {"reproduced", "not reproduced", "not measured"} for p in entry["patterns"].values())
    k0 = outcome.measurements.estimates["simple_final_score"]
    assert k0["complete"].mean == pytest.approx(1.0, abs=0.02)  # no interactions: everyone reaches the optimum


def test_lazer_friedman_driver_refuses_arms_that_are_not_paired(contract_model, monkeypatch):
    class Unpaired(OwnSolutions):
        def __init__(self, rng, network, **parameters):
            super().__init__(rng + (network == "complete"), network=network, **parameters)

    monkeypatch.setattr("cisim.model.CollectiveImpactModel", Unpaired)
    spec = small(shipped("lazer_friedman_2007"), replicates=2)
    with pytest.raises(RuntimeError, match="paired"):
        run_experiment(spec, drivers()["lazer_friedman"], quick=True)


def test_crossover_is_the_first_round_from_which_linear_stays_ahead():
    rounds = np.arange(40)
    complete = np.tile(np.minimum(rounds / 10, 0.6), (50, 1))
    linear = np.tile(rounds / 30, (50, 1)) + np.random.default_rng(0).normal(0, 0.01, (50, 40))
    estimate = _crossover(linear, complete)
    assert estimate.mean == 19  # 19/30 > 0.6 first, and stays above
    assert estimate.low <= 19 <= estimate.high
    never = _crossover(complete * 0.5, complete + 0.1)
    assert np.isnan(never.mean)


class Departments:
    """A stand-in whose final outcome gains from the head in proportion to the cross-department share."""

    def __init__(self, rng, k_across, reinforcing_activities, **rest):
        base = np.random.default_rng(rng).uniform(0.5, 0.7)
        self.final = base + 0.2 * k_across * reinforcing_activities
        self.datacollector = SimpleNamespace(get_model_vars_dataframe=self.frame)

    def frame(self):
        return pd.DataFrame({"community_outcome": [0.0, self.final]})

    def step(self):
        pass


def test_rivkin_siggelkow_driver_measures_the_advantage_by_interdependence(monkeypatch):
    monkeypatch.setattr("cisim.validation.rivkin_siggelkow.missing_parameters", lambda *layers: [])
    monkeypatch.setattr("cisim.model.CollectiveImpactModel", Departments)
    spec = shipped("rivkin_siggelkow_2003")
    outcome = run_experiment(spec, drivers()["rivkin_siggelkow"], quick=True)
    advantage = outcome.measurements.measured["coordination_advantage_by_interdependence"]
    assert advantage == pytest.approx({"0": 0.0, "0.5": 0.1, "1": 0.2})
    assert outcome.patterns[0].verdict == REPRODUCED
