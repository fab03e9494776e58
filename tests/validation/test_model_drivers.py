"""The Lazer & Friedman and Rivkin & Siggelkow experiments on cisim's model, made small: the rules they rely on.

Each test builds the model exactly as the experiment file does (on a smaller problem), so what is checked
here is the behaviour the published comparison assumes: Lazer & Friedman's copy-or-search round, their
convergence, paired problems across arms, and Rivkin & Siggelkow's head adding nothing where departments
do not interact.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from cisim.validation import drivers, run_experiment
from cisim.validation import lazer_friedman as lf
from cisim.validation.model import build_model
from cisim.validation.report import record
from cisim.validation.spec import load_validation
from tests.validation.shipped import shipped, small_model_experiment


def small(name, tmp_path):
    """A shipped model experiment on a small problem (its quick size runs in a few seconds)."""
    path = tmp_path / f"{name}.toml"
    path.write_text(small_model_experiment(name))
    return load_validation(path, drivers())


def lazer_friedman_model(network="linear", seed=3, **changes):
    """The model as the Lazer & Friedman experiment builds it, on 10 elements and 16 organizations."""
    spec = shipped("lazer_friedman_2007")
    values = {**spec.model, **spec.arms[network], "problem.n_elements": 10, "organizations.n_organizations": 16}
    return build_model({**values, **changes}, seed)


def neighbours(model):
    network = model.network
    return [network.neighbours[network.offsets[i] : network.offsets[i + 1]] for i in range(len(network.degree))]


def diverse(model, seed):
    """Give the organizations random solutions to copy from (set by hand, whatever the starting rule)."""
    model.population.known[:] = np.random.default_rng(seed).random(model.population.known.shape) < 0.5
    return model


def rounds(model, count):
    """Step ``count`` rounds, yielding after each the solutions it started from and their fitness."""
    for _ in range(count):
        before = model.solutions.copy()
        fitness = model.landscape.raw_fitness(before)
        model.step()
        yield before, fitness


@pytest.mark.parametrize("network", ["linear", "complete", "random"])
def test_each_round_an_organization_copies_its_best_neighbour_if_better_else_tries_one_change(network):
    """Lazer & Friedman (p. 675), synchronous: everyone acts on the previous round's solutions."""
    model = lazer_friedman_model(network)
    landscape, around = model.landscape, neighbours(model)
    copies = 0
    for before, fitness in rounds(model, 15):
        after = model.solutions
        copied = 0
        for i, others in enumerate(around):
            best = others[np.argmax(fitness[others])]
            if fitness[best] > fitness[i]:
                assert np.array_equal(after[i], before[best])
                copied += 1
            else:
                changed = int((after[i] != before[i]).sum())
                assert changed <= 1
                assert changed == 0 or landscape.raw_fitness(after[i])[0] > fitness[i]
        assert model.adoptions == copied
        assert model.candidates_searched == len(before) - copied  # one change tried by each who did not copy
        copies += copied
    assert copies > 0


def converge_and_stay(model, rounds):
    """Step until the driver says the population has converged (within ``rounds``); then nothing may change."""
    for _ in range(rounds):
        if lf.has_converged(model):
            break
        model.step()
    assert lf.has_converged(model)
    frozen = model.solutions.copy()
    for _ in range(20):
        model.step()
        assert np.array_equal(model.solutions, frozen)


def test_a_population_on_one_unimprovable_solution_never_changes_again():
    """The driver stops a run once it has converged; this is what makes that exact."""
    model = lazer_friedman_model("complete", **{"communication.copy_error": 0.2, "conditions.communication": 0.5})
    converge_and_stay(model, 500)


def test_a_population_with_organizations_alone_converges_when_nothing_can_change():
    """On an Erdos-Renyi network an organization without neighbours ends on a local peak of its own."""
    model = lazer_friedman_model("random", **{"communication.network": "erdos_renyi", "communication.degree": 1})
    assert (model.network.degree == 0).any()
    converge_and_stay(model, 2000)
    assert lf.distinct(model.solutions) > 1


@pytest.mark.parametrize(
    ("network", "changes"),
    [
        ("linear", {}),
        ("complete", {"communication.copy_error": 0.2}),
        ("random", {"communication.network": "erdos_renyi", "communication.degree": 1}),
        ("lattice", {"problem.k": 0}),
        ("linear", {"problem.n_elements": 40, "problem.k": 3}),  # solutions of more than one 64-bit word
    ],
)
def test_the_compiled_reading_of_a_round_is_the_numpy_one_to_the_last_bit(network, changes):
    """The driver reads every round in one compiled call: the same fitness, distinct count and convergence."""
    from cisim.validation.own_solutions import read_population

    model = lazer_friedman_model(network, **changes)
    landscape, links = model.landscape, model.network
    for _ in range(300):
        ratio, count, converged = read_population(
            model.solutions,
            landscape.tables.ravel(),
            landscape.index_tables,
            landscape.maximum,
            links.offsets,
            links.neighbours,
        )
        fitness = landscape.raw_fitness(model.solutions)
        assert ratio.tobytes() == (fitness / landscape.maximum).tobytes()
        assert float(np.mean(ratio**8)) == lf.score(model, 8, fitness=fitness)
        assert count == lf.distinct(model.solutions)
        assert converged == lf.has_converged(model, fitness)
        if converged:
            break
        model.step()
    assert converged


def test_copy_errors_never_make_an_organization_worse():
    """A wrong copy that reads no better than one's own is dropped (Lazer & Friedman, p. 684)."""
    model = lazer_friedman_model("complete", **{"communication.copy_error": 0.3})
    for _ in range(15):
        before = model.landscape.raw_fitness(model.solutions)
        model.step()
        assert (model.landscape.raw_fitness(model.solutions) >= before).all()


def test_a_copy_with_errors_is_a_partial_copy_of_the_best_neighbour():
    """Lazer & Friedman (p. 684): errors leave dissimilar elements as the copier had them and touch nothing else.

    An organization with a strictly better neighbour either takes a mix of its own solution and that
    neighbour's (never an element neither had), or drops a copy that is no better and tries one change.
    """
    model = diverse(lazer_friedman_model("complete", **{"communication.copy_error": 0.3}), seed=1)
    around = neighbours(model)
    partial = 0
    for before, fitness in rounds(model, 15):
        after = model.solutions
        for i, others in enumerate(around):
            best = others[np.argmax(fitness[others])]
            if fitness[best] <= fitness[i]:
                continue
            mixed = ((after[i] == before[i]) | (after[i] == before[best])).all()
            searched = (after[i] != before[i]).sum() <= 1
            assert mixed or searched
            partial += mixed and not searched and not np.array_equal(after[i], before[best])
    assert partial > 0  # partial copies did happen


@pytest.mark.parametrize("after", ["search", "stay"])
def test_after_a_dropped_copy_an_organization_searches_or_keeps_its_solution(after):
    """Lazer & Friedman (pp. 675, 684): an actor with a better neighbour copies and does not search; a wrong copy
    that is no better leaves it at its status quo ('stay'). cisim's default lets it search that step instead."""
    changes = {"communication.copy_error": 0.5, "communication.after_dropped_copy": after}
    model = diverse(lazer_friedman_model("complete", **changes), seed=2)
    landscape, around = model.landscape, neighbours(model)
    dropped = 0
    for before, fitness in rounds(model, 15):
        better = np.array([fitness[others].max() > fitness[i] for i, others in enumerate(around)])
        if after == "stay":
            moved_up = landscape.raw_fitness(model.solutions) > fitness
            assert model.adoptions == int((better & moved_up).sum())  # whoever moved up with a better neighbour copied
            kept = better & ~moved_up
            assert np.array_equal(model.solutions[kept], before[kept])  # a dropped copy: the status quo, no search
            assert model.candidates_searched == int((~better).sum())
        else:
            assert model.candidates_searched == len(before) - model.adoptions  # a dropped copy: one change tried
        dropped += int(better.sum()) - model.adoptions
    assert dropped > 0  # wrong copies were dropped


def test_the_driver_records_the_published_measures_on_paired_problems(tmp_path):
    spec = small("lazer_friedman_2007", tmp_path)
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
    assert not any(measured["not_converged_by_max_rounds"].values())
    k0 = outcome.measurements.estimates["simple_final_score"]
    assert k0["complete"].mean == pytest.approx(1.0)  # no interactions: everyone reaches the optimum


def test_arms_that_are_not_paired_are_refused(tmp_path, monkeypatch):
    def unpaired(values, seed):
        return build_model(values, seed + (values["communication.network"] == "complete"))

    monkeypatch.setattr(lf, "build_model", unpaired)
    with pytest.raises(RuntimeError, match="paired"):
        run_experiment(small("lazer_friedman_2007", tmp_path), drivers()["lazer_friedman"], quick=True)


def test_crossover_is_the_first_round_from_which_linear_stays_ahead():
    rounds = np.arange(40)
    complete = np.tile(np.minimum(rounds / 10, 0.6), (50, 1))
    linear = np.tile(rounds / 30, (50, 1)) + np.random.default_rng(0).normal(0, 0.01, (50, 40))
    estimate = lf._crossover(linear, complete)
    assert estimate.mean == 19  # 19/30 > 0.6 first, and stays above
    assert estimate.low <= 19 <= estimate.high
    never = lf._crossover(complete * 0.5, complete + 0.1)
    assert np.isnan(never.mean)


def test_where_departments_do_not_interact_the_head_changes_nothing(tmp_path):
    """k_across = 0: each department's best change is also the firm's, so both arms take the same path."""
    spec = small("rivkin_siggelkow_2003", tmp_path)
    spec = replace(spec, parameters={**spec.parameters, "k_across_values": [0.0, 1.0]})
    outcome = run_experiment(spec, drivers()["rivkin_siggelkow"], quick=True)
    advantage = outcome.measurements.estimates["coordination_advantage_by_interdependence"]
    assert (advantage["0"].mean, advantage["0"].low, advantage["0"].high) == (0.0, 0.0, 0.0)
    assert advantage["1"].low != advantage["1"].high  # across departments the head does choose differently


def test_the_head_hears_both_departments_every_round():
    spec = shipped("rivkin_siggelkow_2003")
    values = {**spec.model, **spec.arms["coordinated"], "problem.k_across": 1.0}
    model = build_model(values, 5)
    assert model.landscape.across_share == 1.0
    for _ in range(10):
        model.step()
        assert model.regions[0].plan_ran and model.population.in_plan.all()
        assert model.candidates_searched == 2  # one change per department, as when deciding alone


def test_the_drivers_models_collect_no_per_step_outputs_unless_the_experiment_asks():
    from cisim.validation.model import COLLECT_EVERY

    model = build_model({"organizations.n_organizations": 6, "run.steps": 5}, 1)
    assert model.params.run.collect_every == COLLECT_EVERY
    while model.running:
        model.step()
    assert model.collected_steps == [0, 5]  # built, and the last step
    asked = build_model({"organizations.n_organizations": 6, "run.collect_every": 2}, 1)
    assert asked.params.run.collect_every == 2
