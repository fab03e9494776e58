"""Levinthal (1997)'s local search through the model (driver ``local_search``): it goes through the model's
own search step, ends every run on local peaks, and leaves the forms Levinthal's rule leaves."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from cisim.validation import drivers, run_experiment
from cisim.validation.local_search import REQUIRED
from cisim.validation.runner import REPRODUCED
from tests.validation.shipped import shipped


@pytest.fixture(scope="module")
def small_run():
    spec = shipped("levinthal_1997_model")
    small = replace(spec, quick={"landscapes": 6})
    return run_experiment(small, drivers()[spec.driver], quick=True)


def test_every_run_ends_with_every_organization_on_a_local_peak(small_run):
    assert not small_run.measurements.notes  # no run stopped at max_rounds short of peaks
    rounds = small_run.measurements.estimates["rounds_to_peaks"]
    assert all(0 < rounds[k].mean < 2000 for k in ("1", "5"))


def test_a_smooth_problem_leaves_one_form_and_a_rugged_one_many(small_run):
    forms = small_run.measurements.estimates["forms_by_k"]
    assert forms["0"].mean == 1.0 and forms["0"].low == forms["0"].high == 1.0
    assert forms["5"].mean > forms["1"].mean > 1.0
    assert {p.spec.name: p.verdict for p in small_run.patterns}["forms_increase_with_k"] == REPRODUCED


def test_the_same_seed_gives_the_same_forms_and_another_seed_other_forms():
    spec = shipped("levinthal_1997_model")
    small = replace(spec, quick={"landscapes": 3}, parameters={**spec.parameters, "k_values": [2]})
    first, second = (run_experiment(small, drivers()[spec.driver], quick=True) for _ in range(2))
    assert first.measurements.measured == second.measurements.measured
    other = run_experiment(replace(small, seed=small.seed + 1), drivers()[spec.driver], quick=True)
    assert other.measurements.measured != first.measurements.measured


def test_the_file_sets_what_levinthals_rule_needs_and_the_driver_refuses_otherwise(tmp_path):
    from cisim.validation import ValidationFileError, load_validation

    spec = shipped("levinthal_1997_model")
    for key, value in REQUIRED.items():
        assert spec.model[key] == value, key
    text = spec.path.read_text().replace("conditions.communication = 0.0", "conditions.communication = 1.0")
    path = tmp_path / "imitating.toml"
    path.write_text(text)
    with pytest.raises(ValidationFileError) as caught:
        load_validation(path, drivers())
    assert any("conditions.communication" in p and "Levinthal's local search needs" in p for p in caught.value.problems)


def test_forms_are_counted_from_the_models_own_organizations():
    """The driver reads the model's public state: the same count as counting rows of ``model.solutions``."""
    from cisim.model import CollectiveImpactModel
    from cisim.validation.lazer_friedman import distinct

    spec = shipped("levinthal_1997_model")
    flat = {key.split(".", 1)[1]: value for key, value in {**spec.model, "problem.k": 1}.items()}
    model = CollectiveImpactModel(rng=5, **flat)
    for _ in range(300):
        model.step()
    assert model.landscape.is_local_peak(model.solutions).all()
    assert distinct(model.solutions) == len(np.unique(model.solutions, axis=0))


def test_the_record_says_the_run_goes_through_the_models_landscape_and_search(small_run):
    from cisim.validation.report import record

    entry = record(small_run)
    assert entry["exercises"] == ["landscape", "search"] and entry["runs_through_model"] is True
    assert "standalone" not in entry
    forms = entry["patterns"]["forms_by_k"]
    assert set(forms["tolerance_arithmetic"]) == {"0", "1", "5"}
    assert all(text.startswith("±") and "0.5 + 3 x" in text for text in forms["tolerance_arithmetic"].values())
