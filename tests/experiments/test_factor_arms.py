"""Condition factors name their arms: the isolated arm stays isolated unless the file says otherwise.

A factor on a ``conditions.*`` parameter applies by default to the coalition arms only (every arm whose preset
is not "isolated"); ``[factor_arms]`` names the arms a factor applies to. The manifest records the factors that
apply to each arm and the condition levels it holds.
"""

import json
import re

import pytest
from click.testing import CliRunner

from cisim.analysis.results import Results
from cisim.cli import main
from cisim.experiments.design import load_experiment
from cisim.experiments.estimate import estimate
from cisim.experiments.store import load_results, read_manifest
from cisim.experiments.sweep import SweepError, run_sweep
from cisim.report import build_report
from cisim.scenarios import CONDITIONS, ScenarioError

ARMS = """
[arms.isolated]
preset = "isolated"

[arms.backbone_only]
preset = "isolated"
"conditions.backbone" = 1.0

[arms.design]
preset = "scenario"

[arms.collective]
preset = "collective"
"""

FACTORS = """
[factors]
"conditions.backbone" = [0.25, 0.5]
"problem.k" = [0, 4]

[sample]
method = "lhs"
samples = 3
[sample.ranges]
"conditions.common_agenda" = [0.1, 0.9]
"""


def write(experiment_file, arms: str = ARMS, factors: str = FACTORS, extra: str = "") -> None:
    head = experiment_file.read_text().split("[arms.isolated]")[0]
    experiment_file.write_text(head + arms + factors + extra)


def scenarios_by_arm(experiment):
    """Each design row's resolved scenario, grouped by arm, with the row it came from."""
    found: dict[str, list] = {}
    for row in experiment.design().to_dict("records"):
        found.setdefault(row["arm"], []).append((row, experiment.scenario_for(row)))
    return found


def test_condition_factors_leave_the_isolated_arm_at_zero_and_reach_every_coalition_arm(experiment_file):
    write(experiment_file)
    by_arm = scenarios_by_arm(load_experiment(experiment_file))
    for _, scenario in by_arm["isolated"]:
        assert {c: scenario[f"conditions.{c}"] for c in CONDITIONS} == dict.fromkeys(CONDITIONS, 0.0)
    for row, scenario in by_arm["backbone_only"]:  # preset isolated: keeps its own backbone, nothing else
        assert scenario["conditions.backbone"] == 1.0 and scenario["conditions.common_agenda"] == 0.0
        assert scenario["problem.k"] == row["problem.k"]  # factors on anything else reach every arm
    for arm in ("design", "collective"):
        for row, scenario in by_arm[arm]:
            assert scenario["conditions.backbone"] == row["conditions.backbone"]
            assert scenario["conditions.common_agenda"] == row["conditions.common_agenda"]
            assert scenario["problem.k"] == row["problem.k"]
    for arm, rows in by_arm.items():
        assert len(rows) == 2 * 2 * 3 * 3, arm


def test_factor_arms_names_the_arms_a_factor_applies_to(experiment_file):
    extra = '\n[factor_arms]\n"conditions.backbone" = ["collective", "isolated"]\n"problem.k" = ["collective"]\n'
    write(experiment_file, extra=extra)
    experiment = load_experiment(experiment_file)
    assert experiment.arms_of("conditions.backbone") == ("isolated", "collective")  # in the file's order of arms
    assert experiment.arms_of("conditions.common_agenda") == ("design", "collective")
    by_arm = scenarios_by_arm(experiment)
    for row, scenario in by_arm["isolated"]:
        assert scenario["conditions.backbone"] == row["conditions.backbone"] > 0
        assert scenario["conditions.common_agenda"] == 0.0
    for _, scenario in by_arm["backbone_only"] + by_arm["design"]:
        assert scenario["problem.k"] == 4  # the base scenario's k: problem.k applies to collective only
    assert {scenario["problem.k"] for _, scenario in by_arm["collective"]} == {0, 4}


def test_existing_files_keep_their_meaning_where_no_isolated_arm_is_varied(experiment_file):
    write(experiment_file, arms='[arms.design]\npreset = "scenario"\n')
    experiment = load_experiment(experiment_file)
    assert experiment.factor_arms == {}
    for row, scenario in scenarios_by_arm(experiment)["design"]:
        assert scenario["conditions.backbone"] == row["conditions.backbone"]


BAD = [
    (
        "an arm that does not exist",
        '[factor_arms]\n"conditions.backbone" = ["isolated", "colective"]\n',
        "field 'factor_arms.conditions.backbone' has 'colective': expected a non-empty list of this experiment's "
        "arms (isolated, backbone_only, design, collective) (did you mean 'collective'?)",
    ),
    (
        "a parameter that is not a factor",
        '[factor_arms]\n"conditions.communication" = ["isolated"]\n',
        "field 'factor_arms.conditions.communication': 'conditions.communication' is not a factor of this "
        "experiment: expected a parameter of [factors] or [sample.ranges] (conditions.backbone, problem.k, "
        "conditions.common_agenda)",
    ),
    (
        "not a list",
        '[factor_arms]\n"conditions.backbone" = "isolated"\n',
        "field 'factor_arms.conditions.backbone' = 'isolated': expected a non-empty list of this experiment's arms",
    ),
    (
        "an empty list",
        '[factor_arms]\n"conditions.backbone" = []\n',
        "field 'factor_arms.conditions.backbone' = []: expected a non-empty list",
    ),
    (
        "an arm named twice",
        '[factor_arms]\n"problem.k" = ["design", "design"]\n',
        "field 'factor_arms.problem.k' = ['design', 'design']: names 'design' twice",
    ),
    ("not a table", 'factor_arms = ["isolated"]\n', "field 'factor_arms' = ['isolated']: expected a table"),
]


@pytest.mark.parametrize(("kind", "extra", "message"), BAD, ids=[b[0] for b in BAD])
def test_bad_factor_arms_get_clear_messages(experiment_file, kind, extra, message):
    if extra.startswith("["):  # a table, after the others
        write(experiment_file, extra="\n" + extra)
    else:  # a top-level field, before them
        write(experiment_file)
        experiment_file.write_text(extra + experiment_file.read_text())
    with pytest.raises(ScenarioError) as caught:
        load_experiment(experiment_file)
    problems = caught.value.problems
    assert any(message in p for p in problems), problems
    assert all(p.startswith(str(experiment_file)) for p in problems), problems


def test_a_condition_factor_that_reaches_no_arm_is_refused_and_says_how_to_name_one(experiment_file):
    arms = '[arms.isolated]\npreset = "isolated"\n\n[arms.backbone_only]\npreset = "isolated"\n'
    write(experiment_file, arms=arms, factors='[factors]\n"conditions.backbone" = [0.25, 0.5]\n')
    with pytest.raises(ScenarioError) as caught:
        load_experiment(experiment_file)
    assert caught.value.problems == [
        f"{experiment_file}: field 'factors.conditions.backbone' applies to no arm: a factor on a condition "
        "applies only to arms whose preset is not 'isolated', and every arm here (isolated, backbone_only) has "
        'that preset; name the arms it applies to in [factor_arms], e.g. "conditions.backbone" = ["backbone_only"]'
    ]
    experiment_file.write_text(experiment_file.read_text() + '\n[factor_arms]\n"conditions.backbone" = ["isolated"]\n')
    assert load_experiment(experiment_file).arms_of("conditions.backbone") == ("isolated",)


def test_a_sweep_keeps_the_isolated_arm_isolated_and_its_manifest_records_each_arms_levels(experiment_file, tmp_path):
    arms = '[arms.isolated]\npreset = "isolated"\n\n[arms.collective]\npreset = "collective"\n'
    factors = '[factors]\n"conditions.backbone" = [0.25, 0.5]\n\n[outputs]\nseries = true\n'
    write(experiment_file, arms=arms, factors=factors)
    folder = tmp_path / "out"
    run_sweep(load_experiment(experiment_file), folder, executor="serial")
    runs = load_results(folder)
    isolated, collective = runs[runs["arm"] == "isolated"], runs[runs["arm"] == "collective"]
    assert (isolated["backbone_cost"] == 0).all() and (collective["backbone_cost"] > 0).all()
    series = load_results(folder, "series")
    assert (series.loc[series["arm"] == "isolated", "level_backbone"] == 0.0).all()
    for point, value in ((0, 0.25), (1, 0.5)):
        levels = series.loc[(series["arm"] == "collective") & (series["point"] == point), "level_backbone"]
        assert (levels == value).all()
    manifest = read_manifest(folder)
    described = {arm["name"]: arm for arm in manifest["arms"]}
    assert described["isolated"]["factors"] == [] and described["collective"]["factors"] == ["conditions.backbone"]
    held = described["isolated"]["levels"]["small"]
    assert {c: held[f"conditions.{c}"] for c in CONDITIONS} == dict.fromkeys(CONDITIONS, 0.0)
    assert "conditions.backbone" not in described["collective"]["levels"]["small"]
    assert described["collective"]["levels"]["small"]["conditions.common_agenda"] == 1.0
    assert manifest["factor_arms"] == {"conditions.backbone": ["collective"]}


def backbone_cost(scenario, steps):
    """A stand-in timer: a run costs 10 ms, and 100 ms more at a full backbone."""
    return 0.010 + 0.100 * scenario["conditions.backbone"]


def test_the_time_estimate_probes_a_condition_factor_under_the_arms_it_applies_to(experiment_file):
    arms = '[arms.isolated]\npreset = "isolated"\n\n[arms.collective]\npreset = "collective"\n'
    write(experiment_file, arms=arms, factors='[factors]\n"conditions.backbone" = [0.0, 1.0]\n')
    found = estimate(load_experiment(experiment_file), backbone_cost)
    # isolated: 0.010 at every point; collective: 0.010 and 0.110; the mean of the four.
    assert found.seconds_per_run == pytest.approx((3 * 0.010 + 0.110) / 4, rel=1e-9)


def test_a_sweep_started_when_every_factor_reached_every_arm_is_not_resumed_under_the_new_rule(
    experiment_file, tmp_path
):
    arms = '[arms.isolated]\npreset = "isolated"\n\n[arms.collective]\npreset = "collective"\n'
    write(experiment_file, arms=arms, factors='[factors]\n"conditions.backbone" = [0.25, 0.5]\n')
    folder = tmp_path / "out"
    run_sweep(load_experiment(experiment_file), folder, executor="serial")
    run_sweep(load_experiment(experiment_file), folder, executor="serial", resume=True)  # the same: resumes
    manifest = json.loads((folder / "manifest.json").read_text())
    del manifest["factor_arms"]  # as a manifest written when factors applied to every arm,
    for digest in ("manifest_sha256", "design_sha256"):  # which recorded no hashes either
        manifest.pop(digest)
    (folder / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(SweepError, match=r"the arms each factor applies to differ \(the sweep started with "):
        run_sweep(load_experiment(experiment_file), folder, executor="serial", resume=True)


def test_the_report_shows_the_level_an_arm_held_where_a_factor_skipped_it(experiment_file, tmp_path):
    arms = '[arms.isolated]\npreset = "isolated"\n\n[arms.collective]\npreset = "collective"\n'
    write(experiment_file, arms=arms, factors='[factors]\n"conditions.backbone" = [0.25, 0.5]\n"problem.k" = [0, 4]\n')
    folder = tmp_path / "out"
    run_sweep(load_experiment(experiment_file), folder, executor="serial")
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", build_report(folder)))
    assert "conditions.backbone isolated: 0.0; collective: varied by the design (see Design)" in text
    assert "problem.k varied by the design (see Design)" in text


def test_results_read_each_arms_condition_dynamics_where_a_factor_skipped_it(experiment_file, tmp_path):
    arms = '[arms.isolated]\npreset = "isolated"\n\n[arms.collective]\npreset = "collective"\n'
    write(experiment_file, arms=arms, factors='[factors]\n"conditions.dynamics" = ["fixed", "built"]\n')
    folder = tmp_path / "out"
    run_sweep(load_experiment(experiment_file), folder, executor="serial")
    assert Results.load(folder).dynamics() == {"isolated": ["fixed"], "collective": ["built", "fixed"]}


def test_a_dry_run_says_which_arms_a_factor_skips(experiment_file):
    write(experiment_file)
    result = CliRunner().invoke(main, ["sweep", str(experiment_file), "--dry-run", "--steps", "2"])
    assert result.exit_code == 0, result.output
    assert "applies:    conditions.backbone to design, collective, not isolated, backbone_only" in result.output
    assert "applies:    conditions.common_agenda to design, collective, not isolated, backbone_only" in result.output
    assert "applies:    problem.k" not in result.output
