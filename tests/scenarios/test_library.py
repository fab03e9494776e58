"""The scenario library: every shipped scenario is valid, runs, and keeps the promise its header makes."""

import errno
from pathlib import Path

import pytest
from click.testing import CliRunner

from cisim.analysis import paired_difference
from cisim.cli import main
from cisim.experiments import compare_arms, run_model
from cisim.scenarios import ScenarioError, entries, load_scenario, reference

ROOT = Path(__file__).parents[2]
LIBRARY = entries(ROOT / "scenarios")
REPLICATES = 20

EXPECTED_NAMES = {
    "technical",
    "complex",
    "cradle_to_career",
    "regional_workforce",
    "kindergarten_readiness",
    "environmental_sustainability",
    "neighborhood_revitalization",
    "intercooperation",
    "communities_of_practice",
    "adaptive_crisis",
    "immature_backbone",
    "premature_convergence",
    "coordination_overload",
    "measuring_the_wrong_thing",
    "captured_agenda",
}


def test_the_library_holds_every_named_scenario():
    assert {entry.path.stem for entry in LIBRARY} >= EXPECTED_NAMES


@pytest.mark.parametrize("entry", LIBRARY, ids=lambda e: e.path.stem)
def test_each_scenario_is_documented_valid_and_runs(entry):
    assert "source" in entry.header.lower() and "What to expect" in entry.header, entry.path
    assert entry.expectations, f"{entry.path}: no '# expect:' line"
    scenario = load_scenario(entry.path)
    assert scenario.name == entry.path.stem
    for arm in ("isolated", "collective", "scenario"):
        series = run_model(scenario.with_arm(arm), seed=1, steps=3).series
        assert len(series) == 4 and series["community_outcome"].notna().all()


PROMISES = [(entry, expectation) for entry in LIBRARY for expectation in entry.expectations]


@pytest.mark.slow
@pytest.mark.parametrize("entry, expectation", PROMISES, ids=[f"{e.path.stem}-{x.arm}-{x.metric}" for e, x in PROMISES])
def test_compare_keeps_the_header_promise(entry, expectation):
    """Over 20 paired replicates: 'ahead of' means the 95 % CI of (arm - isolated) lies above 0; 'behind',
    below 0; 'about the same as', a mean within 0.05 and a CI inside +-0.075 of achievable progress."""
    runs = compare_arms(load_scenario(entry.path), REPLICATES, seed=0, arms=("isolated", expectation.arm)).summaries
    difference = paired_difference(runs, expectation.metric, "isolated", expectation.arm)
    if expectation.direction == "ahead of":
        assert difference.ci_low > 0, difference
    elif expectation.direction == "behind":
        assert difference.ci_high < 0, difference
    else:
        assert abs(difference.difference) < 0.05 and -0.075 < difference.ci_low < difference.ci_high < 0.075


def test_the_reference_is_up_to_date():
    current = (ROOT / "docs" / "scenarios.md").read_text()
    assert current == reference(ROOT / "scenarios"), (
        "docs/scenarios.md is out of date: run `cisim scenarios reference --out docs/scenarios.md`"
    )


# ---------------------------------------------------------------- inheritance, overrides, tools
@pytest.fixture
def family(tmp_path):
    (tmp_path / "grandparent.toml").write_text(
        'name = "grandparent"\ndescription = "g"\n[problem]\nk = 2\nn_elements = 12\n'
    )
    (tmp_path / "parent.toml").write_text(
        'name = "parent"\ndescription = "p"\nextends = "grandparent"\n[problem]\nk = 3\n[conditions]\nbackbone = 0.5\n'
    )
    (tmp_path / "child.toml").write_text(
        'name = "child"\ndescription = "c"\nextends = "parent.toml"\n[conditions]\nbackbone = 0.25\n'
    )
    return tmp_path


def test_inheritance_and_overrides_resolve_as_show_reports(family):
    scenario = load_scenario(family / "child.toml", ["problem.k=4", "communication.network=ring"])
    assert scenario["problem.k"] == 4 and scenario.origins["problem.k"] == "override"
    assert scenario["communication.network"] == "ring"
    assert scenario["conditions.backbone"] == 0.25 and scenario.origins["conditions.backbone"] == "file"
    assert scenario["problem.n_elements"] == 12
    assert scenario.origins["problem.n_elements"] == f"parent {family / 'grandparent.toml'}"
    assert scenario.origins["problem.k_across"] == "default"
    result = CliRunner().invoke(main, ["scenarios", "show", "child", "--folder", str(family), "--set", "problem.k=4"])
    assert result.exit_code == 0, result.output
    rows = {line.split()[0]: line.split()[1:] for line in result.output.splitlines() if line.startswith("  ")}
    assert rows["k"] == ["4", "override"]
    assert rows["backbone"] == ["0.25", "file"]
    assert rows["n_elements"] == ["12", "parent", str(family / "grandparent.toml")]
    assert rows["k_across"] == ["0.75", "default"]
    assert "extends: " in result.output


def test_parent_problems_name_the_parent_file(family):
    (family / "parent.toml").write_text('name = "parent"\ndescription = "p"\n[problem]\nk = 99\n')
    with pytest.raises(ScenarioError) as caught:
        load_scenario(family / "child.toml")
    assert caught.value.problems[0].startswith(f"{family / 'parent.toml'}: field 'problem.k' = 99")


def test_missing_and_circular_parents_are_reported(family):
    (family / "lost.toml").write_text('name = "lost"\ndescription = "l"\nextends = "parnet"\n')
    with pytest.raises(
        ScenarioError,
        match=r"no scenario file .*parnet\.toml; expected the name of a scenario file beside it .*'parent'\?\)",
    ):
        load_scenario(family / "lost.toml")
    (family / "shipped.toml").write_text('name = "shipped"\ndescription = "s"\nextends = "complx"\n')
    with pytest.raises(ScenarioError, match=r"'complx'.*did you mean 'complex'\?"):  # cisim's own, misspelt
        load_scenario(family / "shipped.toml")
    (family / "a.toml").write_text('name = "a"\ndescription = "a"\nextends = "b"\n')
    (family / "b.toml").write_text('name = "b"\ndescription = "b"\nextends = "a"\n')
    with pytest.raises(ScenarioError, match="in a circle"):
        load_scenario(family / "a.toml")


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("conditions.backbone=2", "--set: field 'conditions.backbone' = 2: expected a number from 0 to 1"),
        ("conditions.backbon=1", "unknown field 'conditions.backbon' (did you mean 'conditions.backbone'?)"),
        ("conditions.backbone", "expected section.name=value"),
        ("communication.network=star", "expected one of 'complete'"),
        # in range alone, out of range with the file's other values: the message names the --set that did it
        ("problem.k=20", "with --set problem.k=20: field 'problem.k' = 20: expected at most problem.n_elements - 1"),
    ],
)
def test_bad_overrides_get_clear_messages(override, message):
    result = CliRunner().invoke(main, ["run", "complex", "--steps", "2", "--quiet", "--set", override])
    assert result.exit_code == 2
    assert message in result.output


def test_numbers_without_a_digit_before_or_after_the_point_are_numbers_in_set(tmp_path):
    """TOML refuses .5 and 1., but on a command line they are numbers: taken as such for a number's field."""
    path = tmp_path / "plain.toml"
    path.write_text('name = "plain"\ndescription = "p"\n')
    scenario = load_scenario(path, ["conditions.backbone=.5", "conditions.common_agenda=1.", "problem.k=5."])
    assert (scenario["conditions.backbone"], scenario["conditions.common_agenda"]) == (0.5, 1.0)
    assert scenario["problem.k"] == 5 and isinstance(scenario["problem.k"], int)
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path, ["conditions.backbone=-.5"])
    assert caught.value.problems == ["--set: field 'conditions.backbone' = -0.5: expected a number from 0 to 1"]
    with pytest.raises(ScenarioError) as caught:  # a text field keeps it as text
        load_scenario(path, ["communication.network=.5"])
    assert caught.value.problems == [
        "--set: field 'communication.network' = '.5': expected one of "
        + ", ".join(
            repr(n)
            for n in (
                "complete",
                "small_world",
                "ring",
                "linear",
                "random",
                "erdos_renyi",
                "connected_erdos_renyi",
                "scale_free",
                "file",
            )
        )
    ]
    result = CliRunner().invoke(
        main,
        ["run", "complex", "--steps", "2", "--quiet", "--out", str(tmp_path / "o"), "--set", "conditions.backbone=.5"],
    )
    assert result.exit_code == 0, result.output


def test_overrides_change_the_run(tmp_path):
    result = CliRunner().invoke(
        main,
        [
            "run",
            "--steps",
            "3",
            "--quiet",
            "--out",
            str(tmp_path),
            "--set",
            "organizations.n_organizations=5",
            "--set",
            "conditions.backbone=0",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "coalition size" in result.output
    assert "final coalition size              5" in result.output
    assert "funds mobilized                   0" in result.output  # no backbone to mobilize funds


def test_validate_lists_every_problem_and_sets_the_exit_status(family):
    (family / "bad.toml").write_text('name = "bad"\ndescription = "b"\n[problem]\nk = -1\n[conditions]\na = 1\n')
    runner = CliRunner()
    good = runner.invoke(main, ["scenarios", "validate", str(family / "child.toml")])
    assert good.exit_code == 0 and "ok:" in good.output
    bad = runner.invoke(main, ["scenarios", "validate", str(family / "child.toml"), str(family / "bad.toml")])
    assert bad.exit_code == 2
    assert "problem.k" in bad.output and "conditions.a" in bad.output and "1 of 2" in bad.output


def test_new_starts_a_commented_file_that_validates(family):
    runner = CliRunner()
    result = runner.invoke(main, ["scenarios", "new", "mine", "--from", "parent", "--folder", str(family)])
    assert result.exit_code == 0, result.output
    text = (family / "mine.toml").read_text()
    assert 'extends = "parent"' in text and "# k = 3" in text
    mine, parent = load_scenario(family / "mine.toml"), load_scenario(family / "parent.toml")
    assert mine.values == parent.values
    again = runner.invoke(main, ["scenarios", "new", "mine", "--from", "parent", "--folder", str(family)])
    assert again.exit_code == 2 and "exists" in again.output


@pytest.mark.parametrize(
    ("number", "reason", "said"),
    [
        (errno.EROFS, "Read-only file system", "the folder is not writable (Read-only file system)"),
        (errno.ENOSPC, "No space left on device", "No space left on device; free some space"),
    ],
)
def test_new_into_a_folder_that_cannot_be_written_names_the_file_meant(family, monkeypatch, number, reason, said):
    """Not the writer's temporary file: the scenario file it meant to write, and why it could not."""
    import tempfile

    def refused(*args, dir=None, prefix="", suffix="", **kwargs):
        raise OSError(number, reason, str(Path(dir) / f"{prefix}x1y2{suffix}"))

    monkeypatch.setattr(tempfile, "mkstemp", refused)
    result = CliRunner().invoke(main, ["scenarios", "new", "other", "--from", "parent", "--folder", str(family)])
    assert result.exit_code == 2, result.output
    meant = "cannot write the new scenario" if number == errno.EROFS else "cannot write"
    assert f"{meant} {family / 'other.toml'}" in result.output and said in result.output
    assert ".tmp" not in result.output and "Traceback" not in result.output
    assert not (family / "other.toml").exists()


def test_list_shows_names_and_descriptions():
    result = CliRunner().invoke(main, ["scenarios", "list", "--folder", str(ROOT / "scenarios")])
    assert result.exit_code == 0
    assert "cradle_to_career" in result.output and "Strive Partnership" in result.output


def test_a_folder_or_a_dangling_link_where_a_scenario_file_goes_is_named_as_such(family, tmp_path, monkeypatch):
    from cisim.scenarios.library import find_scenario

    (tmp_path / "d.toml").mkdir()
    (tmp_path / "gone.toml").symlink_to(tmp_path / "nowhere.toml")
    (tmp_path / "scenarios" / "folder.toml").mkdir(parents=True)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ScenarioError, match=r"'d\.toml': is a folder, not a scenario file; expected the path"):
        find_scenario("d.toml")
    with pytest.raises(ScenarioError, match=r"'gone\.toml': a link to nothing"):
        find_scenario("gone.toml")
    with pytest.raises(ScenarioError, match=r"'folder': scenarios/folder\.toml is a folder, not a scenario file"):
        find_scenario("folder")
    (family / "dir.toml").mkdir()
    (family / "odd.toml").write_text('name = "odd"\ndescription = "o"\nextends = "dir"\n')
    with pytest.raises(ScenarioError, match=r"dir\.toml is a folder, not a scenario file; expected") as caught:
        load_scenario(family / "odd.toml")
    assert "did you mean 'dir'" not in str(caught.value)


def test_an_experiment_where_a_scenario_goes_is_named_with_the_command_that_runs_it(tmp_path, monkeypatch):
    root = Path(__file__).parents[2]
    experiment, validation = root / "experiments" / "coalition_size.toml", root / "experiments" / "validation"
    with pytest.raises(ScenarioError, match=r"is an experiment file, not a scenario file; .* cisim sweep "):
        load_scenario(experiment)
    with pytest.raises(ScenarioError, match=r"is a validation experiment, not a scenario file; .* cisim validate "):
        load_scenario(validation / "levinthal_1997.toml")
    result = CliRunner().invoke(main, ["run", str(experiment), "--steps", "2"])
    assert result.exit_code == 2 and result.output.count("error: ") == 1, result.output
    monkeypatch.chdir(root)
    result = CliRunner().invoke(main, ["compare", "isolated_vs_collective"])
    assert "but an experiment has that name: cisim sweep isolated_vs_collective" in result.output


def test_a_scenario_file_given_as_an_experiment_is_named_as_one(tmp_path):
    from cisim.experiments.design import load_experiment

    scenario = Path(__file__).parents[2] / "scenarios" / "technical.toml"
    with pytest.raises(ScenarioError) as caught:
        load_experiment(scenario)
    assert caught.value.problems == [
        f"{scenario}: is a scenario file, not an experiment file; expected an experiment file (see experiments/). "
        f"To compare its coalition design with isolated impact, run: cisim compare {scenario}"
    ]


def test_an_unknown_set_name_gets_the_parameter_it_may_mean_or_the_sections():
    """``--set k=3`` said only "unknown field 'k'"; ``--set nosuch.x=1`` gave no idea what a name looks like."""
    from cisim.scenarios import default_scenario

    for given, words in (
        ("k=3", "(did you mean 'problem.k'?)"),
        ("model.degree=1", "(did you mean 'communication.degree'?)"),
        ("nosuch.x=1", "expected section.name, with a section among problem, organizations, conditions"),
    ):
        with pytest.raises(ScenarioError) as refused:
            default_scenario().with_overrides([given])
        assert words in str(refused.value), str(refused.value)
    with pytest.raises(ScenarioError) as refused:
        default_scenario().with_values(k=3)
    assert "(did you mean 'problem.k'?)" in str(refused.value)


def test_a_whole_number_s_bounds_are_written_in_full():
    """run.draws_key's bound was shown as 2.14748e+09, which is not the number 2147483647 the check uses."""
    from cisim.scenarios import default_scenario

    with pytest.raises(ScenarioError) as refused:
        default_scenario().with_overrides(["run.draws_key=-1"])
    assert "expected a whole number from 0 to 2147483647" in str(refused.value)
    assert "| 0 to 2147483647 |" in reference() and "| 0.001 to 1e+09 |" in reference()
