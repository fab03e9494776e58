"""Every kind of mistake in a scenario file gets one clear message naming file, field, value and expectation."""

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cisim.scenarios import PARAMETERS, ScenarioError, load_scenario, parse_scenario
from cisim.scenarios.schema import BY_KEY

HEADER = 'name = "test"\ndescription = "a test scenario"\n'


def problems_for(tmp_path: Path, body: str, header: str = HEADER) -> list[str]:
    path = tmp_path / "bad.toml"
    path.write_text(header + body)
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    return caught.value.problems


# (kind of mistake, file body, words every message must contain)
MISTAKES = [
    ("misspelt field", "[problem]\nn_elemnts = 12\n", ["problem.n_elemnts", "did you mean 'n_elements'"]),
    ("misspelt section", "[organisations]\ncapacity = 2\n", ["[organisations]", "did you mean 'organizations'"]),
    ("text for a number", '[problem]\nk = "six"\n', ["problem.k", "'six'", "expected a whole number from 0 to 39"]),
    ("fraction for a whole number", "[problem]\nk = 2.5\n", ["problem.k", "2.5", "whole number"]),
    ("true/false for a number", "[organizations]\nbudget = true\n", ["organizations.budget", "true", "a number"]),
    ("number for true/false", "[backbone]\nmaturity_shift = 1\n", ["backbone.maturity_shift", "1", "true or false"]),
    ("below range", "[conditions]\nbackbone = -0.5\n", ["conditions.backbone", "-0.5", "from 0 to 1"]),
    ("above range", "[conditions]\ncommon_agenda = 1.5\n", ["conditions.common_agenda", "1.5", "from 0 to 1"]),
    (
        "unknown choice",
        '[communication]\nnetwork = "smallworld"\n',
        ["communication.network", "'smallworld'", "did you mean 'small_world'"],
    ),
    ("value where a section belongs", "problem = 3\n", ["'problem' = 3", "expected a section [problem]"]),
    ("list for a number", "[problem]\nk_across = [0.5]\n", ["problem.k_across", "[0.5]", "a number from 0 to 1"]),
    ("not a finite number", "[problem]\nk_across = nan\n", ["problem.k_across", "nan", "a number from 0 to 1"]),
    ("k too large for the problem", "[problem]\nn_elements = 8\nk = 8\n", ["problem.k", "8", "at most"]),
    ("more regions than organizations", "[regions]\nn_regions = 50\n", ["regions.n_regions", "50", "at most"]),
    (
        "network file missing",
        '[communication]\nnetwork = "file"\nnetwork_file = "edges.txt"\n',
        ["communication.network_file", "edges.txt'", "no such file"],
    ),
    ("network file not given", '[communication]\nnetwork = "file"\n', ["communication.network_file", "edge list"]),
    (
        "connected network too sparse to draw",  # 100 organizations, degree 2: connected in about 1 of 1.5 million
        '[organizations]\nn_organizations = 100\n[communication]\nnetwork = "connected_erdos_renyi"\ndegree = 2\n',
        ["communication.degree", "= 2", "100 organizations", "at least 4", "connected_erdos_renyi"],
    ),
    (
        "random starts without own solutions",
        '[organizations]\nstart = "random"\n',
        ["organizations.start", "'random'", "expected 'region'", "organizations.solutions = 'own'"],
    ),
    (
        "communities of practice without a community configuration",  # own solutions: nothing to share
        '[organizations]\nsolutions = "own"\n[regions]\nn_regions = 2\ncross_region = 0.5\n',
        ["regions.cross_region", "0.5", "expected 0", "organizations.solutions = 'own'"],
    ),
    (
        "small world network of degree 1",  # Watts-Strogatz at degree 1 links nobody: networkx gives up at build
        "[communication]\ndegree = 1\n",
        ["communication.degree", "= 1", "expected at least 2 for a small_world network (communication.network)"],
    ),
    (
        "k whose tables do not fit in memory",  # 40 x 2^40 numbers of 8 bytes: 320 TiB, refused before allocating
        "[problem]\nn_elements = 40\nk = 39\n",
        ["problem.k", "= 39", "problem.n_elements = 40", "320 TiB", "expected at most 19 for 40 elements", "512 MiB"],
    ),
]


@pytest.mark.parametrize(("kind", "body", "words"), MISTAKES, ids=[m[0] for m in MISTAKES])
def test_each_mistake_gets_one_clear_message(tmp_path, kind, body, words):
    problems = problems_for(tmp_path, body)
    assert len(problems) == 1, problems
    message = problems[0]
    assert message.startswith(str(tmp_path / "bad.toml")), message
    for word in words:
        assert word in message, (kind, message)


def test_missing_name_and_description_are_reported(tmp_path):
    problems = problems_for(tmp_path, "[problem]\nk = 2\n", header="")
    assert len(problems) == 2
    assert "field 'name' is missing" in problems[0]
    assert "field 'description' is missing" in problems[1]


def test_every_problem_in_a_file_is_listed_at_once(tmp_path):
    body = "[problem]\nk = -1\nk_acros = 0.5\n[conditions]\nbackbone = 2\n[organizations]\ncapacity = 'x'\n"
    problems = problems_for(tmp_path, body)
    assert len(problems) == 4
    assert [p.split("'")[1] for p in problems] == [
        "problem.k",
        "problem.k_acros",
        "conditions.backbone",
        "organizations.capacity",
    ]


def test_syntax_errors_and_missing_files_name_the_file(tmp_path):
    broken = tmp_path / "broken.toml"
    broken.write_text(HEADER + "[problem\nk = 2\n")
    with pytest.raises(ScenarioError, match=r"broken\.toml: not valid TOML.*line 3"):
        load_scenario(broken)
    with pytest.raises(ScenarioError, match=r"nowhere\.toml: no such scenario file"):
        load_scenario(tmp_path / "nowhere.toml")


@pytest.mark.parametrize(
    ("cut", "place"),
    [
        ("[problem]\nk = [1,\n2\n", "what opens at line 4, column 5 is never closed: 'k = [1,': unclosed array"),
        ('[problem]\nk = 2\nx = {a = "}"', "what opens at line 5, column 5 is never closed"),
        ('[problem]\nk = """two\n\n', 'what opens at line 4, column 5 is never closed: \'k = """two\''),
        ("[problem]\nk = ", "at the end of the file (line 4): 'k = ': invalid value"),
    ],
)
def test_a_file_that_ends_too_soon_says_where_what_it_ends_inside_opens(tmp_path, cut, place):
    """The TOML reader says only "at end of document" of a list, table or string left open: the message gives the
    line and column where it opens (or the last line), as every other syntax error gives its place."""
    broken = tmp_path / "broken.toml"
    broken.write_text(HEADER + cut)
    with pytest.raises(ScenarioError) as raised:
        load_scenario(broken)
    (problem,) = raised.value.problems
    assert problem.startswith(f"{broken}: not valid TOML at the end of the file"), problem
    assert place in problem, problem


def test_an_integer_too_large_for_toml_in_a_known_field_is_given_the_fields_range(tmp_path):
    """A run of 10**23 steps is out of the field's range before it is out of TOML's: the message says the field's."""
    huge = 10**23
    path = tmp_path / "long.toml"
    path.write_text(HEADER + f"[run]\nsteps = {huge}\n[problem]\nweird = {huge}\n")
    with pytest.raises(ScenarioError) as raised:
        load_scenario(path)
    assert raised.value.problems == [
        f"{path}: field 'run.steps' = {huge}: expected {BY_KEY['run.steps'].expected()}",
        f"{path}: field 'problem.weird' = {huge}: expected an integer from -2**63 to 2**63 - 1 "
        "(TOML's 64-bit integers)",
    ]
    with pytest.raises(ScenarioError) as raised:
        plain = tmp_path / "plain.toml"
        plain.write_text(HEADER)
        load_scenario(plain, [f"run.steps={huge}"])
    assert raised.value.problems == [f"--set: field 'run.steps' = {huge}: expected {BY_KEY['run.steps'].expected()}"]


def test_an_edge_list_beside_the_scenario_is_found(tmp_path):
    (tmp_path / "edges.txt").write_text("0 1\n1 2\n")
    path = tmp_path / "net.toml"
    path.write_text(HEADER + '[communication]\nnetwork = "file"\nnetwork_file = "edges.txt"\n')
    assert load_scenario(path)["communication.network_file"] == str(tmp_path / "edges.txt")


def test_shipped_scenarios_validate():
    for path in sorted(Path(__file__).parents[2].joinpath("scenarios").glob("*.toml")):
        scenario = load_scenario(path)
        assert scenario.name == path.stem


NUMERIC = [
    p
    for p in PARAMETERS
    if p.kind in (int, float)
    and p.low is not None
    and p.high is not None
    and p.key
    not in (
        "problem.k",
        "problem.n_domains",
        "organizations.domains_per_organization",
        "regions.n_regions",
        "problem.n_elements",
        "communication.degree",  # 1 is in range, but not for the default small_world network of 12 organizations
    )
]


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(NUMERIC), st.floats(min_value=0, max_value=1))
def test_any_value_in_range_is_accepted(parameter, share):
    value = parameter.low + share * (parameter.high - parameter.low)
    if parameter.kind is int:
        value = round(value)
    data = {"name": "n", "description": "d", parameter.section: {parameter.name: value}}
    assert parse_scenario(data)[parameter.key] == value


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(NUMERIC), st.floats(min_value=1e-6, max_value=1e6), st.booleans())
def test_any_value_out_of_range_is_refused_with_its_range(parameter, beyond, below):
    value = parameter.low - beyond if below else parameter.high + beyond
    if parameter.kind is int:
        value = int(value - 1) if below else int(value + 1)
    data = {"name": "n", "description": "d", parameter.section: {parameter.name: value}}
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(data, "x.toml")
    assert caught.value.problems == [f"x.toml: field '{parameter.key}' = {value!r}: expected {parameter.expected()}"]


def test_typed_parameters_are_generated_from_the_schema():
    """``cisim/scenarios/params.py`` is what ``python -m cisim.scenarios.codegen`` writes for today's schema."""
    from cisim.scenarios import codegen

    assert codegen.TARGET.read_text(encoding="utf-8") == codegen.render(), (
        "params.py is out of date: run `python -m cisim.scenarios.codegen`"
    )


def test_typed_parameters_read_every_value_of_a_scenario():
    from cisim.scenarios import default_scenario
    from cisim.scenarios.params import Params

    scenario = default_scenario().with_values(problem__k=3, conditions__dynamics="built")
    params = Params.from_values(scenario.values)
    assert params.problem.k == 3 and params.conditions.dynamics == "built"
    assert params.values() == scenario.values
    with pytest.raises(AttributeError):
        params.problem.kk  # noqa: B018 - a misspelt name is an error, not a silent default


def test_a_connected_network_is_refused_only_when_it_is_too_rarely_connected():
    # The formula (no organization left alone) against real draws (4000 each): 100 organizations at degree 4
    # 0.183 / 0.185, at degree 3 0.0077 / 0.0095, 50 at degree 3 0.099 / 0.090. The bound is 1 % of draws.
    from cisim.scenarios.schema import connected_chance

    assert connected_chance(100, 4) == pytest.approx(0.183, abs=0.001)
    assert connected_chance(100, 3) == pytest.approx(0.0077, abs=0.0001)

    def scenario(degree: int, regions: int = 1) -> dict:
        return {
            "name": "n",
            "description": "d",
            "organizations": {"n_organizations": 100},
            "regions": {"n_regions": regions},
            "communication": {"network": "connected_erdos_renyi", "degree": degree},
        }

    assert parse_scenario(scenario(4))["communication.degree"] == 4
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(scenario(3), "x.toml")
    assert caught.value.problems == [
        "x.toml: field 'communication.degree' = 3: a connected_erdos_renyi network of 100 organizations comes out "
        "connected in about 7.7e-03 of draws; expected a degree of at least 4 (connected in 1% of draws or more) "
        "or another communication.network"
    ]
    # Each region draws its own network: two regions of 50 are connected often enough at degree 3.
    assert parse_scenario(scenario(3, regions=2))["communication.degree"] == 3


def test_a_network_is_refused_at_load_exactly_when_it_cannot_be_built():
    """Every kind of network at degrees from 1 to beyond the region's size: a scenario loads if its network builds
    (a connected_erdos_renyi network is also refused when it is too rarely connected, tested above)."""
    from cisim.model.network import graph_edges
    from cisim.scenarios.schema import NETWORKS

    for network in (n for n in NETWORKS if n != "file"):
        for organizations, regions in ((1, 1), (2, 1), (3, 1), (5, 1), (12, 1), (12, 6), (12, 4)):
            for degree in (1, 2, 3, 4, 20):
                data = {
                    "name": "n",
                    "description": "d",
                    "organizations": {"n_organizations": organizations},
                    "regions": {"n_regions": regions},
                    "communication": {"network": network, "degree": degree},
                }
                try:
                    parse_scenario(data)
                    accepted = True
                except ScenarioError:
                    accepted = False
                size = -(-organizations // regions)
                try:
                    graph_edges(network, size, 7, degree, 0.1)
                    built = True
                except Exception:  # networkx's NetworkXError, or any other failure to build
                    built = False
                case = (network, organizations, regions, degree)
                if network == "connected_erdos_renyi":
                    assert built or not accepted, case
                else:
                    assert accepted == built, case


def test_the_tables_limit_is_what_the_problem_allocates_and_what_the_docs_say():
    import numpy as np

    from cisim.problem.landscape import Landscape
    from cisim.scenarios.schema import MAX_TABLE_BYTES, largest_k, table_bytes

    landscape = Landscape(22, 4, 5, 0.75, np.random.default_rng(0))
    assert landscape.tables.nbytes == landscape.base_tables.nbytes == table_bytes(22, 5)
    # As the help of problem.k (and docs/scenarios.md) says: k up to n_elements - 1, at most 20 above 21 elements
    # and 19 above 32 (tables of at most 512 MiB).
    assert MAX_TABLE_BYTES == 512 * 2**20
    assert [largest_k(n) for n in (2, 16, 21, 22, 32, 33, 40)] == [1, 15, 20, 20, 20, 19, 19]
    assert "at most 20 above 21 elements and 19 above 32" in BY_KEY["problem.k"].help
    assert parse_scenario({"name": "n", "description": "d", "problem": {"n_elements": 40, "k": 19}})["problem.k"] == 19
    with pytest.raises(ScenarioError) as caught:
        parse_scenario({"name": "n", "description": "d", "problem": {"n_elements": 40, "k": 20}}, "x.toml")
    assert caught.value.problems == [
        "x.toml: field 'problem.k' = 20: with problem.n_elements = 40 the problem's contribution tables would take "
        "640 MiB (40 x 2^21 numbers of 8 bytes, and a run holds several copies); expected at most 19 for 40 "
        "elements (tables of at most 512 MiB), or fewer problem.n_elements"
    ]


@pytest.mark.parametrize(
    ("written", "shown", "fixed"),
    [(".5", ".5", "0.5"), ("1.", "1.", "1.0"), ("-.5", "-.5", "-0.5"), ("[.5, 1]", ".5", "0.5")],
)
def test_a_number_toml_does_not_accept_is_shown_as_toml_writes_it(tmp_path, written, shown, fixed):
    problems = problems_for(tmp_path, f"[conditions]\nbackbone = {written}  # half\n")
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"{tmp_path / 'bad.toml'}: not valid TOML at line 4"), problems
    assert problems[0].endswith(f"; {shown!r} is not a number as TOML writes it: write {fixed}"), problems


def test_other_syntax_errors_get_no_number_hint(tmp_path):
    for body in ("[conditions]\nbackbone = 0.5.\n", "[conditions]\nbackbone = x\n", "[conditions\n"):
        (problem,) = problems_for(tmp_path, body)
        assert "not valid TOML" in problem and "as TOML writes it" not in problem, problem


def test_a_file_with_a_byte_order_mark_is_read(tmp_path):
    """Windows Notepad saves UTF-8 with a byte-order mark: scenario and experiment files read as without it."""
    from cisim.scenarios.scenario import read_toml

    path = tmp_path / "notepad.toml"
    path.write_bytes(b"\xef\xbb\xbf" + (HEADER + "[conditions]\nbackbone = 0.5\n").encode())
    scenario = load_scenario(path)
    assert (scenario.name, scenario["conditions.backbone"]) == ("test", 0.5)
    data, raw = read_toml(path, "experiment file")
    assert data["name"] == "test" and raw.startswith(b"\xef\xbb\xbf")  # hashed as the file is


def test_a_validation_file_with_a_byte_order_mark_is_read(tmp_path):
    """Validation files go through the same reader (``cisim.files.read_text``), which leaves the mark out."""
    from dataclasses import replace

    from cisim.validation import drivers
    from cisim.validation.spec import load_validation

    shipped = Path(__file__).resolve().parents[2] / "experiments" / "validation" / "lazer_friedman_2007.toml"
    path = tmp_path / "lazer_friedman_2007.toml"
    path.write_bytes(b"\xef\xbb\xbf" + shipped.read_bytes())
    assert replace(load_validation(path, drivers()), path=shipped) == load_validation(shipped, drivers())


def test_extends_naming_a_folder_or_another_kind_of_file_says_what_it_names(tmp_path):
    """``extends = "/tmp"`` was reported as "no scenario file /tmp.toml", a path the file never gave."""
    (tmp_path / "parts").mkdir()
    (tmp_path / "notes.txt").write_text("")
    (problem,) = problems_for(tmp_path, 'extends = "parts"\n')
    assert f"{tmp_path / 'parts'} is a folder, not a scenario file" in problem and "parts.toml" not in problem
    (problem,) = problems_for(tmp_path, 'extends = "notes.txt"\n')
    assert "is not a scenario file (a regular file whose name ends in .toml)" in problem and "txt.toml" not in problem


def test_an_empty_scenario_name_is_not_the_working_folder():
    """``cisim run ''`` said "'': is a folder" (an empty path is the working folder)."""
    from cisim.scenarios import find_scenario

    for empty in ("", "  "):
        with pytest.raises(ScenarioError) as refused:
            find_scenario(empty)
        assert f"{empty!r}: an empty name; expected the path of a scenario file" in str(refused.value)


def test_a_non_utf8_byte_after_a_byte_order_mark_is_placed_in_the_file(tmp_path):
    """With the mark left out of the text, the bad byte's place was counted without it (26, not 29)."""
    path = tmp_path / "bom.toml"
    body = b'name = "test"\ndescription = "\xff"\n'
    path.write_bytes(b"\xef\xbb\xbf" + body)
    with pytest.raises(ScenarioError) as refused:
        load_scenario(path)
    place = 3 + body.index(b"\xff")  # its place in the file, the mark's three bytes included
    assert f"byte 0xff at {place} is not UTF-8" in str(refused.value)


def test_an_experiment_saved_again_with_a_byte_order_mark_has_the_same_hash(tmp_path):
    """Saving an unchanged experiment in Notepad adds a mark; --resume compares hashes and refused it."""
    from cisim.experiments.design import load_experiment

    shipped = Path(__file__).resolve().parents[2] / "experiments" / "coalition_size.toml"
    plain, marked = tmp_path / "plain" / "coalition_size.toml", tmp_path / "marked" / "coalition_size.toml"
    for path, prefix in ((plain, b""), (marked, b"\xef\xbb\xbf")):
        path.parent.mkdir()
        path.write_bytes(prefix + shipped.read_bytes())
    assert load_experiment(plain).sha256 == load_experiment(marked).sha256
