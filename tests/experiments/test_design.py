"""Experiment files: validation, design expansion, seeds by position, and sampling."""

import numpy as np
import pytest

from cisim.experiments.design import load_experiment, sample_points
from cisim.experiments.runs import replicate_seeds
from cisim.scenarios import ScenarioError


def test_design_expands_scenarios_points_replicates_and_arms_in_order(experiment_file):
    experiment = load_experiment(experiment_file)
    design = experiment.design()
    assert len(design) == 2 * 3 * 2
    assert design["run_id"].tolist() == list(range(12))
    assert design[["point", "replicate", "arm"]].head(4).values.tolist() == [
        [0, 0, "isolated"],
        [0, 0, "collective"],
        [0, 1, "isolated"],
        [0, 1, "collective"],
    ]
    assert design["problem.k"].tolist() == [0] * 6 + [4] * 6


def test_seeds_come_from_position_and_pair_arms_and_points(experiment_file):
    design = load_experiment(experiment_file).design()
    seeds = replicate_seeds(7, 3)
    assert design.groupby("replicate")["seed"].unique().map(list).tolist() == [[s] for s in seeds]
    assert len(set(seeds)) == 3


def test_stepped_ranges_include_their_stop(experiment_file):
    text = experiment_file.read_text().replace('"problem.k" = [0, 4]', '"problem.k" = {start = 0, stop = 6, step = 2}')
    experiment_file.write_text(text)
    assert load_experiment(experiment_file).factors == {"problem.k": [0, 2, 4, 6]}


@pytest.mark.parametrize("values", ["[0, 4, 4]", "[4, 0, 4.0]"])
def test_a_factor_level_given_twice_is_refused_naming_it(experiment_file, values):
    """The same level twice would run twice on the same seeds and count twice in every statistic."""
    experiment_file.write_text(experiment_file.read_text().replace('"problem.k" = [0, 4]', f'"problem.k" = {values}'))
    twice = r"field 'factors\.problem\.k' = .*: value 4 given twice; expected distinct"
    with pytest.raises(ScenarioError, match=twice):
        load_experiment(experiment_file)


def test_scenario_for_a_row_applies_arm_then_factors(experiment_file):
    experiment = load_experiment(experiment_file)
    row = experiment.design().iloc[7].to_dict()
    scenario = experiment.scenario_for(row)
    assert scenario["problem.k"] == 4 and scenario["conditions.backbone"] == 1.0 and scenario.arm == "collective"


@pytest.mark.parametrize("method", ["lhs", "sobol", "montecarlo"])
def test_sampling_stays_in_range_and_is_reproducible(method):
    sample = {"method": method, "samples": 16, "ranges": {"conditions.backbone": [0.2, 0.8], "problem.k": [0, 6]}}
    points = sample_points(sample, seed=3)
    assert len(points) == 16
    assert all(0.2 <= p["conditions.backbone"] <= 0.8 and p["problem.k"] in range(7) for p in points)
    assert isinstance(points[0]["problem.k"], int)
    assert points == sample_points(sample, seed=3) and points != sample_points(sample, seed=4)


def test_latin_hypercube_fills_every_stratum_once():
    points = sample_points({"method": "lhs", "samples": 10, "ranges": {"conditions.backbone": [0.0, 1.0]}}, 1)
    strata = sorted(int(p["conditions.backbone"] * 10) for p in points)
    assert strata == list(range(10))


def test_sobol_points_are_balanced():
    points = sample_points({"method": "sobol", "samples": 64, "ranges": {"conditions.backbone": [0.0, 1.0]}}, 2)
    values = np.array([p["conditions.backbone"] for p in points])
    assert abs(values.mean() - 0.5) < 0.02
    assert (np.histogram(values, bins=4, range=(0, 1))[0] == 16).all()


def test_sampled_and_grid_factors_cross(experiment_file):
    text = (
        experiment_file.read_text() + '\n[sample]\nmethod = "lhs"\nsamples = 5\n[sample.ranges]\n'
        '"conditions.backbone" = [0.0, 1.0]\n'
    )
    experiment_file.write_text(text)
    experiment = load_experiment(experiment_file)
    assert len(experiment.points()) == 2 * 5
    assert len(experiment.design()) == 10 * 3 * 2


BAD = [
    ("unknown top-level field", "replicate = 3\n", "unknown field 'replicate' (did you mean 'replicates'?)"),
    (
        "another tool's name for factors",
        '[grid]\n"problem.k" = [0, 4]\n',
        "unknown field 'grid' (cisim calls it 'factors')",
    ),
    (
        "another tool's name for replicates",
        "iterations = 3\n",
        "unknown field 'iterations' (cisim calls it 'replicates')",
    ),
    (
        "replicates not whole",
        ("replicates = 3", "replicates = 2.5"),
        "field 'replicates' = 2.5: expected a whole number of at least 1",
    ),
    ("unknown scenario", None, "field 'scenarios' has 'smal'"),
    (
        "unknown factor",
        '[factors]\n"problem.kk" = [1, 2]\n',
        "field 'factors.problem.kk': unknown parameter 'problem.kk' (did you mean 'problem.k'?)",
    ),
    (
        "factor out of range",
        '[factors]\n"conditions.backbone" = [0.5, 2.0]\n',
        "'conditions.backbone' = 2.0: expected a number from 0 to 1",
    ),
    ("bad range", '[factors]\n"problem.k" = {start = 4, stop = 0, step = 1}\n', "with C > 0 and B >= A"),
    (
        "bad preset",
        '[arms.a]\npreset = "colective"\n',
        "expected one of 'scenario', 'isolated', 'collective' (did you mean 'collective'?)",
    ),
    (
        "sobol not power of two",
        '[sample]\nmethod = "sobol"\nsamples = 10\n[sample.ranges]\n"problem.k" = [0, 4]\n',
        "expected a power of 2 for Sobol sampling (e.g. 8 or 16)",
    ),
    (
        "bad sampling method",
        '[sample]\nmethod = "grid"\nsamples = 8\n[sample.ranges]\n"problem.k" = [0, 4]\n',
        "field 'sample.method' = 'grid'",
    ),
    ("combination invalid", '[factors]\n"problem.k" = [12]\n', "field 'problem.k' = 12: expected at most"),
    ("bad output switch", ("series = true", "series = 1"), "field 'outputs.series' = 1: expected true or false"),
    ("bad stop", "[stop]\noutcome_at_least = 2\n", "field 'stop.outcome_at_least' = 2: expected a number from 0 to 1"),
]


@pytest.mark.parametrize(("kind", "addition", "message"), BAD, ids=[b[0] for b in BAD])
def test_bad_experiment_files_get_clear_messages(experiment_file, kind, addition, message):
    text = experiment_file.read_text()
    if addition is None:
        text = text.replace('scenarios = ["small"]', 'scenarios = ["smal"]')
    elif isinstance(addition, tuple):
        text = text.replace(*addition)
    elif addition.startswith("["):
        text = text.replace('[factors]\n"problem.k" = [0, 4]\n', "") + addition
    else:
        text = addition + text
    experiment_file.write_text(text)
    with pytest.raises(ScenarioError) as caught:
        load_experiment(experiment_file)
    problems = caught.value.problems
    assert any(message in p for p in problems), problems
    assert all(p.startswith(str(experiment_file)) for p in problems), problems


def test_stop_rules_end_runs_early():
    from cisim.experiments.runs import StopRule, run_model
    from cisim.scenarios import default_scenario

    scenario = (
        default_scenario()
        .with_values(problem__n_elements=10, organizations__n_organizations=6, run__steps=60)
        .with_arm("collective")
    )
    reached = run_model(scenario, 3, stop=StopRule(outcome_at_least=0.9)).series
    assert len(reached) < 61 and reached["community_outcome"].iloc[-1] >= 0.9
    assert (reached["community_outcome"].iloc[1:-1] < 0.9).all()
    settled = run_model(scenario, 3, stop=StopRule(patience=5)).series["community_outcome"]
    assert len(settled) < 61 and settled.iloc[-6:].nunique() == 1
    assert len(run_model(scenario, 3).series) == 61


def test_a_stop_rule_in_the_experiment_file_is_read(experiment_file):
    experiment_file.write_text(experiment_file.read_text() + "\n[stop]\noutcome_at_least = 0.95\npatience = 10\n")
    stop = load_experiment(experiment_file).stop
    assert (stop.outcome_at_least, stop.patience) == (0.95, 10)


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("problem.k=3", "--set problem.k=3: problem.k is varied by"),
        ("conditions.backbone=0.5", "every arm of"),
    ],
)
def test_a_set_no_run_would_use_is_refused(experiment_file, override, message):
    """--set on a factor, or on a condition every arm's preset sets, would never reach a run: refused, not ignored."""
    with pytest.raises(ScenarioError) as caught:
        load_experiment(experiment_file, overrides=[override])
    assert any(message in p for p in caught.value.problems), caught.value.problems


@pytest.mark.parametrize(
    ("file_steps", "given_steps", "change", "message"),
    [
        (True, None, {"overrides": ["run.steps=5"]}, "--set 'run.steps=5': "),
        (False, 20, {"overrides": ["run.steps=5"]}, "--set 'run.steps=5': --steps 20 replaces"),
        (True, None, {"factor": '"run.steps" = [5, 10]'}, "field 'factors.run.steps' and field 'steps' = 60"),
        (True, None, {"arm": '"run.steps" = 5'}, "field 'arms.collective.run.steps' and "),
    ],
)
def test_run_steps_set_beside_the_experiments_steps_is_refused(
    experiment_file, file_steps, given_steps, change, message
):
    """The experiment's ``steps`` replaces every scenario's run.steps when the runs are made: a --set, factor or
    arm override of run.steps beside it never reached a run, yet the manifest and report quoted it as used."""
    text = experiment_file.read_text()
    if file_steps:
        text = text.replace("replicates = 3", "replicates = 3\nsteps = 60")
    if "factor" in change:
        text = text.replace('"problem.k" = [0, 4]', '"problem.k" = [0, 4]\n' + change["factor"])
    if "arm" in change:
        text = text.replace('preset = "collective"', 'preset = "collective"\n' + change["arm"])
    experiment_file.write_text(text)
    with pytest.raises(ScenarioError) as caught:
        load_experiment(experiment_file, steps=given_steps, overrides=change.get("overrides", []))
    assert any(message in p for p in caught.value.problems), caught.value.problems
    if "overrides" in change:
        assert any("expected --steps 5" in p for p in caught.value.problems)
    # without the experiment's steps the same change reaches the runs and is accepted
    experiment_file.write_text(text.replace("\nsteps = 60", ""))
    load_experiment(experiment_file, overrides=change.get("overrides", []))


def test_run_steps_beside_steps_the_words_fit_the_case(experiment_file):
    """The same number is no conflict; a value that is no number gets no advice to give it as --steps; a factor
    beside --steps is told to drop --steps; a sweep being resumed keeps what it started with."""
    text = experiment_file.read_text()
    experiment_file.write_text(text.replace("replicates = 3", "replicates = 3\nsteps = 60"))
    load_experiment(experiment_file, overrides=["run.steps=60"])
    load_experiment(experiment_file, overrides=["run.steps=5"], resuming=True)
    with pytest.raises(ScenarioError) as caught:
        load_experiment(experiment_file, overrides=["run.steps=abc"])
    assert any("expected --steps N (a whole number from 1)" in p for p in caught.value.problems)
    assert not any("--steps abc" in p for p in caught.value.problems)
    experiment_file.write_text(text.replace('"problem.k" = [0, 4]', '"problem.k" = [0, 4]\n"run.steps" = [5, 10]'))
    with pytest.raises(ScenarioError) as caught:
        load_experiment(experiment_file, steps=20)
    assert caught.value.problems == [
        f"{experiment_file}: field 'factors.run.steps' and --steps 20: the steps per run set twice, and --steps 20 "
        "would replace every value of 'factors.run.steps'; expected one of them (drop --steps to vary run.steps)"
    ]


def test_run_steps_beside_steps_in_python_names_the_arguments(experiment_file):
    import cisim

    with pytest.raises(ScenarioError) as caught:
        cisim.sweep(str(experiment_file), steps=20, overrides=["run.steps = 5"])
    problem = caught.value.problems[0]
    assert problem.startswith("overrides entry 'run.steps = 5': steps=20 replaces"), problem
    assert "expected steps=5 to change" in problem and "--" not in problem


def test_a_set_that_reaches_runs_is_accepted(experiment_file):
    experiment = load_experiment(experiment_file, overrides=["organizations.budget=50"])
    assert all(s.values["organizations.budget"] == 50 for s in experiment.scenarios)


@pytest.mark.parametrize("method", ["lhs", "montecarlo"])
def test_a_whole_number_range_is_sampled_uniformly_ends_included(method):
    """[0, 8] is nine values drawn alike: rounding a scaled value gave 0 and 8 half the share of the others."""
    points = sample_points({"method": method, "samples": 4500, "ranges": {"problem.k": [0, 8]}}, seed=3)
    counts = np.bincount([p["problem.k"] for p in points], minlength=9)
    assert len(counts) == 9
    # each count is binomial(4500, 1/9): mean 500, sd 21; a Latin hypercube hits 500 exactly
    assert counts.min() > 500 - 5 * 21 and counts.max() < 500 + 5 * 21, counts
    assert counts[0] / counts[1:8].mean() > 0.8 and counts[8] / counts[1:8].mean() > 0.8, counts


def test_the_example_experiment_in_the_docs_loads_as_written(tmp_path):
    """docs/experiments.md's annotated example file is what a researcher copies first: it must load as it stands,
    with every table it shows (arms, a grid, a sample, factor arms)."""
    import re
    from pathlib import Path

    from cisim.experiments.design import load_experiment

    text = (Path(__file__).parents[2] / "docs" / "experiments.md").read_text(encoding="utf-8")
    example = re.findall(r"```toml\n(.*?)```", text, re.S)[0]
    (tmp_path / "example.toml").write_text(example)
    experiment = load_experiment(tmp_path / "example.toml")
    assert experiment.name == "isolated_vs_collective"
    for table in ("[factors]", "[sample]", "[sample.ranges]", "[factor_arms]"):
        assert table in example


def test_an_empty_sampled_table_and_a_range_with_an_extra_key_say_what_is_wrong(experiment_file):
    base = experiment_file.read_text()
    experiment_file.write_text(base + '\n[sample]\nmethod = "lhs"\nsamples = 4\n[sample.ranges]\n')
    with pytest.raises(ScenarioError, match=r"'sample\.ranges' = \{\}: expected a table of at least one entry"):
        load_experiment(experiment_file)
    extra = '"problem.k" = {start = 0, stop = 4, step = 2, foo = 1}'
    experiment_file.write_text(base.replace('"problem.k" = [0, 4]', extra))
    with pytest.raises(ScenarioError, match=r"unknown key foo in the range; expected"):
        load_experiment(experiment_file)


def test_an_experiment_seed_beyond_toml_s_integers_is_named_as_a_seed(experiment_file):
    """A seed of 2**64 - 1 was refused as 'an integer from -2**63 to 2**63 - 1', a range a seed never has."""
    experiment_file.write_text(experiment_file.read_text().replace("seed = 7", f"seed = {2**64 - 1}"))
    with pytest.raises(ScenarioError) as refused:
        load_experiment(experiment_file)
    assert "field 'seed' = 18446744073709551615: expected a whole number from 0 to 2**63 - 1" in str(refused.value)
