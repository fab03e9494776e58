"""The scenario library: names are names, paths are paths, and no file in it can crash a command."""

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from cisim.cli import main
from cisim.scenarios import ScenarioError, find_scenario
from cisim.scenarios.library import EXPECT, entries

ROOT = Path(__file__).parents[2]
GOOD = 'name = "good"\ndescription = "a good scenario"\n[problem]\nk = 2\n'


@pytest.fixture
def library(tmp_path):
    folder = tmp_path / "lib" / "scenarios"
    folder.mkdir(parents=True)
    (folder / "good.toml").write_text(GOOD)
    return folder


def test_list_survives_binary_and_non_toml_files(library):
    (library / "binary.toml").write_bytes(bytes(range(256)) * 4)
    (library / "prose.toml").write_text("This is not TOML at all.\n")
    (library / "folder.toml").mkdir()
    (library / "notes.txt").write_bytes(b"\x00\xff")
    result = CliRunner().invoke(main, ["scenarios", "list", "--folder", str(library)])
    assert result.exit_code == 0, result.output
    lines = {line.split()[0]: line for line in result.output.splitlines()}
    assert set(lines) == {"binary", "good", "prose"}
    assert "INVALID" in lines["binary"] and "not a text file" in lines["binary"]
    assert "INVALID" in lines["prose"] and "not valid TOML at line 1" in lines["prose"]
    assert "a good scenario" in lines["good"]


def test_a_name_with_path_parts_never_reaches_outside_the_library(library, tmp_path, monkeypatch):
    (tmp_path / "x.toml").write_text(GOOD.replace("good", "outside"))  # lib/scenarios/../../x.toml
    monkeypatch.chdir(library.parent)
    with pytest.raises(ScenarioError, match=r"'\.\./\.\./x': no such scenario file"):
        find_scenario("../../x", library)
    result = CliRunner().invoke(main, ["run", "../../x", "--steps", "1", "--quiet", "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert "error: '../../x': no such scenario file" in result.output
    assert not (tmp_path / "o").exists()
    assert find_scenario("good", library) == library / "good.toml"  # a name
    assert find_scenario(str(tmp_path / "x.toml"), library) == tmp_path / "x.toml"  # a path, as given


def test_new_writes_only_into_the_library_folder(library, tmp_path):
    runner = CliRunner()
    for name in ("../../evil", "../evil", "sub/evil", "/tmp/evil", "evil.toml", ".hidden", ""):
        result = runner.invoke(main, ["scenarios", "new", name, "--from", "good", "--folder", str(library)])
        assert result.exit_code == 2, (name, result.output)
        assert f"error: scenario name {name!r}: expected a name of letters, digits" in result.output
    assert sorted(p.name for p in tmp_path.rglob("*evil*")) == []
    assert sorted(os.listdir(library)) == ["good.toml"]
    made = runner.invoke(main, ["scenarios", "new", "fine-name_2", "--from", "good", "--folder", str(library)])
    assert made.exit_code == 0, made.output
    assert (library / "fine-name_2.toml").is_file()


def test_every_expect_line_of_the_shipped_scenarios_is_one_whole_promise():
    for path in sorted((ROOT / "scenarios").glob("*.toml")):
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            if "# expect:" in line:
                assert line.startswith("# expect:"), f"{path.name}:{number}: run-on expect line: {line!r}"
                assert line.count("expect:") == 1, f"{path.name}:{number}: doubled expect line: {line!r}"
                assert EXPECT.match(line[2:].strip()), f"{path.name}:{number}: {line!r}"
    promises = {
        e.path.stem: [(x.arm, x.direction, x.metric) for x in e.expectations] for e in entries(ROOT / "scenarios")
    }
    assert promises["complex"] == [("collective", "ahead of", "final_outcome")]  # once, not twice
