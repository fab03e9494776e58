"""cisim's own scenarios and experiments are found from any working folder; a user's own files shadow them."""

import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from cisim.cli import main
from cisim.cli.sweep import experiment_file
from cisim.cli.validate import validation_folder
from cisim.scenarios.errors import ScenarioError
from cisim.scenarios.library import entries, find_scenario
from cisim.scenarios.scenario import load_scenario
from cisim.shipped import FOLDERS, shipped_folder

ROOT = Path(__file__).parents[2]


@pytest.fixture
def elsewhere(tmp_path, monkeypatch):
    """A working folder of a user's own, with no scenarios/ or experiments/ in it."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_the_checkout_ships_its_own_folders():
    for name in FOLDERS:
        assert shipped_folder(name) == (ROOT / name).resolve()
    with pytest.raises(ValueError, match="ships no folder"):
        shipped_folder("results")


def test_names_are_found_in_cisims_library_from_any_folder(elsewhere):
    assert find_scenario("complex") == shipped_folder("scenarios") / "complex.toml"
    listed = {entry.path.stem for entry in entries()}
    assert listed == {path.stem for path in (ROOT / "scenarios").glob("*.toml")}
    assert experiment_file(Path("backbone_decision")) == shipped_folder("experiments") / "backbone_decision.toml"
    assert validation_folder() == shipped_folder("experiments/validation")
    looked = r"no scenario of that name in scenarios or .*scenarios.*did you mean 'complex'"
    with pytest.raises(ScenarioError, match=looked):
        find_scenario("complx")


def test_a_users_own_scenario_of_the_same_name_shadows_cisims(elsewhere):
    (elsewhere / "scenarios").mkdir()
    own = elsewhere / "scenarios" / "complex.toml"
    own.write_text('name = "complex"\ndescription = "my own complex"\n')
    assert find_scenario("complex") == Path("scenarios") / "complex.toml"
    found = {entry.path.stem: entry.path for entry in entries()}
    assert found["complex"] == Path("scenarios") / "complex.toml" and found["technical"].parent == shipped_folder(
        "scenarios"
    )
    # An explicit --folder is that folder only.
    assert {entry.path.stem for entry in entries(elsewhere / "scenarios")} == {"complex"}


def test_a_new_scenario_extends_cisims_by_name_and_loads_from_any_folder(elsewhere):
    runner = CliRunner()
    result = runner.invoke(main, ["scenarios", "new", "mine", "--from", "technical"])
    assert result.exit_code == 0, result.output
    text = (elsewhere / "scenarios" / "mine.toml").read_text()
    assert tomllib.loads(text)["extends"] == "technical"  # a name, not this machine's install path
    mine = load_scenario(elsewhere / "scenarios" / "mine.toml")
    assert mine.name == "mine" and mine["problem.k"] == load_scenario(find_scenario("technical"))["problem.k"]
    listing = runner.invoke(main, ["scenarios", "list"])
    assert "from scenarios: mine; the rest from cisim's own library" in listing.output


def test_new_with_a_folder_extends_cisims_scenario_by_name_unless_the_folder_has_its_own(elsewhere):
    """``--from NAME`` looks in --folder, then cisim's own library, as it does without --folder."""
    runner = CliRunner()
    result = runner.invoke(main, ["scenarios", "new", "other", "--folder", "newdir"])  # --from complex
    assert result.exit_code == 0, result.output
    text = (elsewhere / "newdir" / "other.toml").read_text()
    assert tomllib.loads(text)["extends"] == "complex"  # by name, as without --folder
    assert load_scenario(elsewhere / "newdir" / "other.toml").values == load_scenario(find_scenario("complex")).values
    # A scenario of that name in the folder comes first.
    (elsewhere / "newdir" / "complex.toml").write_text('name = "complex"\ndescription = "mine"\n[problem]\nk = 3\n')
    own = runner.invoke(main, ["scenarios", "new", "third", "--folder", "newdir"])
    assert own.exit_code == 0, own.output
    assert load_scenario(elsewhere / "newdir" / "third.toml")["problem.k"] == 3
    missing = runner.invoke(main, ["scenarios", "new", "fourth", "--folder", "newdir", "--from", "complx"])
    assert missing.exit_code == 2 and "no scenario of that name in newdir or" in missing.output
    assert "did you mean 'complex'" in missing.output


@pytest.mark.parametrize(
    ("name", "given"),
    [
        ("complex", []),  # --from complex, the default: cisim's own, shadowed by the new file itself
        ("technical", ["--from", "technical"]),
        ("technical", ["--from", str(ROOT / "scenarios" / "technical.toml")]),  # a path into cisim's library
    ],
)
def test_a_new_scenario_named_as_the_one_it_extends_is_refused_not_written_in_a_circle(elsewhere, name, given):
    """A name is looked up in the file's own folder first: scenarios/complex.toml extending "complex" would extend
    itself, and every command in that folder would fail after. It is refused, and nothing is written."""
    result = CliRunner().invoke(main, ["scenarios", "new", name, *given])
    assert result.exit_code == 2, result.output
    assert f"scenario name {name!r}" in result.output and "it would extend itself" in result.output
    assert f"e.g. my_{name}" in result.output and "Traceback" not in result.output
    assert not (elsewhere / "scenarios" / f"{name}.toml").exists()
    # The suggested name works, and the scenario it writes runs.
    fine = CliRunner().invoke(main, ["scenarios", "new", f"my_{name}", *given])
    assert fine.exit_code == 0, fine.output
    assert load_scenario(elsewhere / "scenarios" / f"my_{name}.toml").name == f"my_{name}"


def test_a_name_beside_the_file_comes_before_cisims_own(elsewhere):
    (elsewhere / "technical.toml").write_text('name = "technical"\ndescription = "mine"\n[problem]\nk = 3\n')
    (elsewhere / "child.toml").write_text('name = "child"\ndescription = "child"\nextends = "technical"\n')
    assert load_scenario(elsewhere / "child.toml")["problem.k"] == 3
    (elsewhere / "lost.toml").write_text('name = "lost"\ndescription = "x"\nextends = "no_such_parent"\n')
    with pytest.raises(ScenarioError, match="beside it or in cisim's own library"):
        load_scenario(elsewhere / "lost.toml")


def test_wheels_install_every_shipped_folder_where_cisim_looks():
    """pyproject's data-files put each folder under <prefix>/share/cisim/, where ``shipped_folder`` looks."""
    data_files = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["data-files"]
    assert data_files == {f"share/cisim/{name}": [f"{name}/*.toml"] for name in FOLDERS}
    for name in FOLDERS:
        assert not [p for p in (ROOT / name).iterdir() if p.is_file() and p.suffix != ".toml"], name


@pytest.mark.parametrize(
    ("line", "said"),
    [
        ('extend = "technical"', "unknown field 'extend' = 'technical' (did you mean 'extends'?)"),
        ('descripton = "x"', "unknown field 'descripton' = 'x' (did you mean 'description'?)"),
        ("k = 4", "unknown field 'k' = 4 (k is a parameter of [problem]: put it there)"),
    ],
)
def test_a_top_level_typo_is_named_as_a_field_with_what_was_meant(tmp_path, line, said):
    path = tmp_path / "t.toml"
    path.write_text(f'name = "t"\ndescription = "d"\n{line}\n')
    with pytest.raises(ScenarioError) as error:
        load_scenario(path)
    assert any(
        said in problem and "top-level fields name, description, extends" in problem for problem in error.value.problems
    )
