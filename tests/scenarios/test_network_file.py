"""Edge lists (communication.network = "file") are read and checked when the scenario is loaded."""

from pathlib import Path

import pytest

from cisim.experiments import run_model
from cisim.model.network import build_graph
from cisim.scenarios import ScenarioError, load_scenario
from cisim.scenarios.network_file import read_edge_list

HEADER = 'name = "net"\ndescription = "a network from a file"\n[organizations]\nn_organizations = 6\n'
NETWORK = '[communication]\nnetwork = "file"\nnetwork_file = "edges.txt"\n'


def scenario_with_edges(tmp_path: Path, edges: bytes | str) -> Path:
    (tmp_path / "edges.txt").write_bytes(edges.encode() if isinstance(edges, str) else edges)
    path = tmp_path / "net.toml"
    path.write_text(HEADER + NETWORK)
    return path


def problems(path: Path) -> list[str]:
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    return caught.value.problems


def test_a_good_edge_list_is_read_with_comments_commas_and_duplicates(tmp_path):
    path = tmp_path / "edges.txt"
    path.write_text("# who talks to whom\n0 1\n\n1,2  # a comma works too\n2\t3\n1 0\n")
    assert read_edge_list(path, 4, "x") == [(0, 1), (1, 2), (2, 3)]


def test_an_edge_list_with_a_byte_order_mark_is_read(tmp_path):
    path = tmp_path / "edges.txt"
    path.write_bytes(b"\xef\xbb\xbf0 1\n1 2\n")  # as Windows Notepad saves UTF-8
    assert read_edge_list(path, 3, "x") == [(0, 1), (1, 2)]


@pytest.mark.parametrize(
    ("edges", "words"),
    [
        ("0 1\nnot an edge list\n", ["line 2", "'not an edge list'", "expected two organization indices from 0 to 5"]),
        ("0 1 2\n", ["line 1", "'0 1 2'", "expected two organization indices"]),
        ("0 1.5\n", ["line 1", "'0 1.5'", "expected two organization indices"]),
        ("0 1\n3 17\n", ["line 2", "'3 17'", "organization 17 does not exist", "from 0 to 5"]),
        ("-1 2\n", ["line 1", "organization -1 does not exist"]),
        ("4 4\n", ["line 1", "a link from organization 4 to itself"]),
        ("", ["no links in the file", "expected two organization indices"]),
        ("# only a comment\n\n", ["no links in the file"]),
        (b"\x89PNG\r\n\x1a\n\x00\x00", ["not a text file", "expected an edge list"]),
    ],
    ids=["words", "three", "fraction", "no-such-node", "negative", "self-link", "empty", "comments-only", "binary"],
)
def test_a_bad_edge_list_is_a_mistake_naming_file_line_value_and_expectation(tmp_path, edges, words):
    found = problems(scenario_with_edges(tmp_path, edges))
    text = "\n".join(found)
    assert found[0].startswith(f"{tmp_path / 'net.toml'}: field 'communication.network_file' = ")
    assert "edges.txt" in found[0]
    for word in words:
        assert word in text, text


def test_a_folder_or_missing_file_is_refused(tmp_path):
    (tmp_path / "edges.txt").mkdir()
    path = tmp_path / "net.toml"
    path.write_text(HEADER + NETWORK)
    assert "is not a file" in problems(path)[0]
    (tmp_path / "edges.txt").rmdir()
    assert "no such file" in problems(path)[0]


def test_nodes_are_checked_against_the_final_number_of_organizations(tmp_path):
    path = scenario_with_edges(tmp_path, "0 1\n4 5\n")
    assert load_scenario(path)["communication.network"] == "file"
    with pytest.raises(ScenarioError, match="organization 5 does not exist"):
        load_scenario(path, ["organizations.n_organizations=5"])
    with pytest.raises(ScenarioError, match="organization 4 does not exist"):
        load_scenario(path).with_values(organizations__n_organizations=4)


def test_the_model_links_exactly_the_listed_pairs(tmp_path):
    path = scenario_with_edges(tmp_path, "0 1\n1 2\n2 3\n3 4\n4 5\n5 0\n")
    graph = build_graph("file", 6, 0, edge_file=str(tmp_path / "edges.txt"), members=list(range(6)))
    assert sorted(graph.edges()) == [(0, 1), (0, 5), (1, 2), (2, 3), (3, 4), (4, 5)]
    series = run_model(load_scenario(path).with_arm("collective"), seed=1, steps=3).series
    assert len(series) == 4


def test_a_region_keeps_only_links_among_its_own_organizations(tmp_path):
    (tmp_path / "edges.txt").write_text("0 2\n1 3\n0 1\n")
    graph = build_graph(
        "file", 2, 0, edge_file=str(tmp_path / "edges.txt"), members=[0, 2]
    )  # region of organizations 0 and 2
    assert sorted(graph.edges()) == [(0, 1)]
