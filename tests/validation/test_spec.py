"""Validation experiment files: the shipped ones load; every mistake names the file, field, value and expectation."""

from __future__ import annotations

import re

import pytest

from cisim.validation import ValidationFileError, drivers, find_experiments, load_validation
from tests.validation.shipped import FOLDER

SHIPPED = sorted(p.stem for p in FOLDER.glob("*.toml"))


def test_every_published_study_has_a_file():
    assert SHIPPED == [
        "lazer_friedman_2007",
        "levinthal_1997",
        "levinthal_1997_model",
        "march_1991",
        "rivkin_siggelkow_2003",
    ]


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_files_load_and_cite_a_source_for_every_pattern(name):
    spec = load_validation(FOLDER / f"{name}.toml", drivers())
    assert spec.name == name
    assert spec.patterns and all(p.source for p in spec.patterns)
    assert all(p.tolerance or p.tolerance_relative or p.tolerance_se for p in spec.patterns if p.check == "close")


def write(tmp_path, text, name="study.toml"):
    path = tmp_path / name
    path.write_text(text)
    return path


def problems(path):
    with pytest.raises(ValidationFileError) as caught:
        load_validation(path, drivers())
    return caught.value.problems


def test_a_bad_value_names_file_field_value_and_expectation(tmp_path):
    text = (FOLDER / "levinthal_1997.toml").read_text().replace("landscapes = 100", "landscapes = -3", 1)
    path = write(tmp_path, text)
    [problem] = problems(path)
    assert str(path) in problem
    assert "field 'full.landscapes' = -3" in problem
    assert "expected a whole number from 2" in problem


def test_every_problem_is_reported_at_once(tmp_path):
    text = (FOLDER / "levinthal_1997.toml").read_text()
    text = text.replace("seed = 1997", "seed = 'x'").replace("n_elements = 10", "n_elements = 99")
    text = text.replace('check = "above"', 'check = "upward"', 1)
    found = problems(write(tmp_path, text))
    assert any("field 'seed' = 'x'" in p for p in found)
    assert any("field 'parameters.n_elements' = 99" in p and "from 2 to 16" in p for p in found)
    assert any("check' = 'upward'" in p and "'close'" in p for p in found)


def test_a_misspelt_field_gets_a_suggestion(tmp_path):
    text = (FOLDER / "levinthal_1997.toml").read_text().replace("organizations = 100", "organisations = 100", 1)
    found = problems(write(tmp_path, text))
    assert any("unknown field 'full.organisations'" in p and "did you mean 'organizations'" in p for p in found)
    assert any("field 'full.organizations' is missing" in p for p in found)


def test_a_k_at_or_above_n_is_refused_with_the_allowed_range(tmp_path):
    text = (FOLDER / "levinthal_1997.toml").read_text().replace("n_elements = 10", "n_elements = 8")
    [problem] = problems(write(tmp_path, text))
    assert "parameters.k_values" in problem and "expected values from 0 to 7 (K < N)" in problem


def test_a_pattern_on_an_unknown_measure_lists_the_measures(tmp_path):
    text = (FOLDER / "levinthal_1997.toml").read_text().replace('measure = "forms_by_k"', 'measure = "forms_by_kk"')
    [problem] = problems(write(tmp_path, text))
    assert "patterns.forms_by_k.measure' = 'forms_by_kk'" in problem and "did you mean 'forms_by_k'" in problem


def test_unknown_driver_and_broken_toml(tmp_path):
    found = problems(write(tmp_path, 'name = "x"\ndriver = "kauffman"\n'))
    assert any("field 'driver' = 'kauffman'" in p and "'levinthal'" in p for p in found)
    assert any("field 'title' is missing" in p for p in found)
    [problem] = problems(write(tmp_path, "name = [\n", "broken.toml"))
    assert "broken.toml: not valid TOML" in problem


def test_model_parameters_are_checked_against_the_schema(tmp_path):
    text = (FOLDER / "lazer_friedman_2007.toml").read_text()
    text = text.replace("problem.k = 5", "problem.kk = 5").replace('solutions = "own"', 'solutions = "mine"')
    found = problems(write(tmp_path, text))
    assert any("unknown model parameter 'model.problem.kk'" in p and "did you mean 'problem.k'" in p for p in found)
    assert any("field 'model.organizations.solutions' = 'mine'" in p and "'own'" in p for p in found)


def test_a_study_naming_an_undefined_arm_is_refused(tmp_path):
    text = (FOLDER / "lazer_friedman_2007.toml").read_text()
    text = text.replace('"small_world", "random"]', '"small_wold", "random"]')
    found = problems(write(tmp_path, text))
    assert any("studies.main.arms' names 'small_wold'" in p and "did you mean 'small_world'" in p for p in found)


def test_names_resolve_to_files_or_say_what_exists(tmp_path):
    assert [p.stem for p in find_experiments(["march_1991"], FOLDER)] == ["march_1991"]
    with pytest.raises(ValidationFileError) as caught:
        find_experiments(["march_1992"], FOLDER)
    assert "did you mean 'march_1991'" in caught.value.problems[0]
    assert "levinthal_1997" in caught.value.problems[0]


def test_an_arm_naming_a_network_the_model_lacks_is_refused(tmp_path):
    text = (FOLDER / "lazer_friedman_2007.toml").read_text().replace('network = "linear"', 'network = "line"', 1)
    [problem] = problems(write(tmp_path, text))
    assert "field 'arms.linear.communication.network' = 'line'" in problem and "'linear'" in problem


def test_contests_need_a_problem_that_holds_still(tmp_path):
    text = (FOLDER / "lazer_friedman_2007.toml").read_text().replace("turbulence = 0.0", "turbulence = 0.1")
    found = problems(write(tmp_path, text))
    assert any("field 'problem.turbulence' = 0.1" in p and "holds still" in p for p in found)


def test_a_round_past_the_recorded_ones_is_refused_with_the_last_round(tmp_path):
    text = (FOLDER / "lazer_friedman_2007.toml").read_text()
    text = text.replace("diversity_rounds = [2, 5, 10, 16, 25, 50]", "diversity_rounds = [16, 150]")
    text = text.replace("early_round = 10 ", "early_round = 60 ")
    found = problems(write(tmp_path, text))
    assert any("'parameters.diversity_rounds' = [16, 150]" in p and "at most 100" in p for p in found)
    assert any("'parameters.early_round' = 60" in p and "at most 50" in p and "velocity" in p for p in found)


def test_every_shipped_experiment_says_what_it_exercises_and_standalone_ones_say_so():
    specs = {name: load_validation(FOLDER / f"{name}.toml", drivers()) for name in SHIPPED}
    for name, spec in specs.items():
        uses_model = drivers()[spec.driver].uses_model
        assert bool(spec.standalone) != uses_model, name
        if not uses_model:
            assert set(spec.exercises) <= {"landscape"}, name
    assert specs["march_1991"].exercises == () and "cannot be run through" in specs["march_1991"].standalone
    assert "plan" in specs["rivkin_siggelkow_2003"].exercises
    assert {"search", "network"} <= set(specs["lazer_friedman_2007"].exercises)


def test_a_standalone_driver_cannot_claim_the_models_mechanisms(tmp_path):
    text = (FOLDER / "march_1991.toml").read_text().replace("exercises = []", 'exercises = ["agenda"]', 1)
    [problem] = problems(write(tmp_path, text))
    assert "field 'exercises'" in problem and "does not run the model" in problem and "'agenda'" in problem


def test_a_standalone_driver_must_say_what_it_reimplements(tmp_path):
    text = re.sub(r"(?m)^standalone = .*$", "", (FOLDER / "march_1991.toml").read_text())
    [problem] = problems(write(tmp_path, text))
    assert "field 'standalone' is missing" in problem


def test_a_mechanism_is_claimed_only_if_the_arms_exercise_it(tmp_path):
    text = (FOLDER / "rivkin_siggelkow_2003.toml").read_text()
    text = text.replace('exercises = ["landscape", "search", "plan"]', 'exercises = ["plan", "agenda", "teleport"]')
    found = problems(write(tmp_path, text))
    # the agenda is held at 0 in both arms: not tested by the run, so not claimable
    assert any("names 'agenda'" in p and "'conditions.common_agenda' [0.0]" in p for p in found)
    assert any("names 'teleport'" in p for p in found)
    assert not any("names 'plan'" in p for p in found)
    no_plan = text.replace("conditions.reinforcing_activities = 1.0", "conditions.reinforcing_activities = 0.0")
    found = problems(write(tmp_path, no_plan, "no_plan.toml"))
    assert any("names 'plan'" in p and "above 0 in some arm" in p for p in found)


def test_a_tolerance_from_standard_errors_needs_no_fixed_one_and_published_n_needs_it(tmp_path):
    text = (
        (FOLDER / "levinthal_1997.toml")
        .read_text()
        .replace("tolerance_se = 3\npublished_n = 100", "published_n = 100", 1)
    )
    found = problems(write(tmp_path, text))
    assert any("published_n' is given without 'tolerance_se'" in p for p in found)
