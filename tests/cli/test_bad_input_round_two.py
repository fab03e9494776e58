"""Generated bad input, the families the one reader and the results checks added.

Numbers beyond TOML's 64 bits anywhere a number goes, nesting of any depth, names that are not one plain
folder name, status-log lines of any shape, and manifests and designs cut or altered anywhere. Each must
get plain ``error:`` lines (exit status 2) naming the file or option, or be taken as harmless (status lines
of another shape are ignored), and leave results already computed as they were. The fast lane tries a few
of each; the slow lane many more. They count towards the total printed at the end of the run.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from cisim.cli import main
from tests.cli.test_bad_input import (
    EXPERIMENT,
    FAST,
    HANDLED,
    HEADER,
    NUMERIC,
    SLOW,
    check,
    fresh,
    toml_value,
    workspace,
)

__all__ = ["workspace"]

#: Integers TOML does not promise, as written: past 64 bits, up to past Python's own limit of 4,300 digits.
beyond_64_bits = st.one_of(
    st.integers(min_value=2**63, max_value=10**40).map(str),
    st.integers(max_value=-(2**63) - 1, min_value=-(10**40)).map(str),
    st.tuples(st.sampled_from(["", "-", "+"]), st.integers(min_value=20, max_value=6000)).map(
        lambda signed: signed[0] + "9" * signed[1]
    ),
)


@st.composite
def huge_numbers(draw) -> tuple[str, list[str], tuple[str, ...]]:
    """A number past 64 bits in a scenario file, an experiment's factors, or ``--set``."""
    number = draw(beyond_64_bits)
    parameter = draw(st.sampled_from(NUMERIC))
    digits = len(number.lstrip("+-"))
    where = draw(st.sampled_from(["scenario", "experiment list", "experiment range", "--set"]))
    named = () if digits > 4300 else (parameter.key,)
    if where == "scenario":
        return f"{HEADER}[{parameter.section}]\n{parameter.name} = {number}\n", ["scenarios", "validate"], named
    if where == "--set":
        return "", ["scenarios", "show", "small", "--set", f"{parameter.key}={number}"], ("--set", parameter.key)
    spec = f"[{number}]" if where == "experiment list" else f"{{start = 0, stop = {number}, step = 1}}"
    return f'{EXPERIMENT}[factors]\n"{parameter.key}" = {spec}\n', ["sweep", "--resume", "--out", "results/good"], ()


def number_case(workspace, case) -> None:
    root, _ = workspace
    text, args, words = case
    if not text:
        check(workspace, "huge numbers", args, words)
        return
    path = fresh(root) / "huge.toml"
    path.write_text(text)
    position = 2 if args[0] == "scenarios" else 1
    check(workspace, "huge numbers", [*args[:position], str(path), *args[position:]], (str(path), *words))


@FAST
@given(huge_numbers())
def test_numbers_past_64_bits(workspace, case):
    number_case(workspace, case)


@pytest.mark.slow
@SLOW
@given(huge_numbers())
def test_many_numbers_past_64_bits(workspace, case):
    number_case(workspace, case)


@st.composite
def deep_files(draw) -> tuple[str, str]:
    """A file nesting lists or inline tables deeper than any file needs, of each kind cisim reads."""
    depth = draw(st.integers(min_value=17, max_value=6000))
    opening, innermost, closing = draw(st.sampled_from([("[", "", "]"), ("{a = ", "1", "}")]))
    value = opening * depth + innermost + closing * depth
    kind = draw(st.sampled_from(["scenario", "experiment", "validation"]))
    return f"{HEADER}x = {value}\n", kind


def deep_case(workspace, case) -> None:
    root, _ = workspace
    text, kind = case
    path = fresh(root) / "deep.toml"
    path.write_text(text)
    args = {
        "scenario": ["scenarios", "validate", str(path)],
        "experiment": ["sweep", str(path), "--resume", "--out", "results/good"],
        "validation": ["validate", str(path)],
    }[kind]
    check(workspace, "deep nesting", args, (str(path), "nested"))


@FAST
@given(deep_files())
def test_deep_nesting(workspace, case):
    deep_case(workspace, case)


@pytest.mark.slow
@SLOW
@given(deep_files())
def test_much_deep_nesting(workspace, case):
    deep_case(workspace, case)


@st.composite
def path_like_names(draw) -> str:
    """Names that are not one plain folder name: separators, '.', '..', control characters, too long."""
    piece = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters='"\\'), max_size=8)
    kind = draw(st.sampled_from(["separator", "dots", "control", "long"]))
    if kind == "separator":
        return draw(piece) + "/" + draw(piece)
    if kind == "dots":
        return draw(st.sampled_from([".", ".."]))
    if kind == "control":
        return draw(piece) + draw(st.sampled_from(["\n", "\t", "\x7f", "\x1b"])) + draw(piece)
    return "n" * draw(st.integers(min_value=101, max_value=300))


def name_case(workspace, name: str, command: str) -> None:
    root, _ = workspace
    folder = fresh(root)
    escaped = toml_value(name)
    if command == "sweep":
        path = folder / "named.toml"
        path.write_text(
            EXPERIMENT.replace('name = "gen"', f"name = {escaped}").replace('"small"', '"../scenarios/small.toml"')
        )
        args = ["sweep", str(path), "--executor", "serial", "--quiet"]
    else:
        path = folder / "named.toml"
        path.write_text(HEADER.replace('name = "made"', f"name = {escaped}"))
        args = [command, str(path), "--steps", "1", "--quiet"]
    check(workspace, "names", args, (str(path), "field 'name'", "expected"))
    assert sorted(p.name for p in folder.iterdir()) == ["named.toml"]


@FAST
@given(path_like_names(), st.sampled_from(["run", "compare", "sweep"]))
def test_names_that_are_not_folder_names(workspace, name, command):
    name_case(workspace, name, command)


@pytest.mark.slow
@SLOW
@given(path_like_names(), st.sampled_from(["run", "compare", "sweep"]))
def test_many_names_that_are_not_folder_names(workspace, name, command):
    name_case(workspace, name, command)


# ------------------------------------------------------------------ damaged results folders
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=6), children, max_size=3),
    max_leaves=8,
)
status_lines = st.one_of(
    json_values.map(json.dumps),
    st.fixed_dictionaries(
        {"run_id": st.one_of(st.integers(-3, 40), st.text(max_size=3), st.none())},
        optional={"status": st.sampled_from(["done", "failed", "lost", 3]), "block": st.integers(-1, 5)},
    ).map(json.dumps),
    st.text(max_size=30).filter(lambda t: "\n" not in t and "\r" not in t),
)


def copy_of_results(root: Path) -> Path:
    target = Path(tempfile.mkdtemp(dir=root)) / "copy"
    shutil.copytree(root / "results" / "good", target, ignore=shutil.ignore_patterns(".lock"))
    return target


def status_case(workspace, lines: list[str]) -> None:
    root, _ = workspace
    folder = copy_of_results(root)
    with open(folder / "status.jsonl", "a", encoding="utf-8") as log:
        log.write("\n".join(lines) + "\n")
    result = CliRunner().invoke(main, ["analyze", str(folder), "--out", str(folder.parent / "analysis")])
    assert result.exit_code == 0 and "Traceback" not in result.output, result.output
    HANDLED["status lines"] += 1


@FAST
@given(st.lists(status_lines, min_size=1, max_size=5))
def test_status_lines_of_any_shape(workspace, lines):
    status_case(workspace, lines)


@pytest.mark.slow
@SLOW
@given(st.lists(status_lines, min_size=1, max_size=5))
def test_many_status_lines_of_any_shape(workspace, lines):
    status_case(workspace, lines)


@st.composite
def damage(draw) -> tuple[str, str, int, int]:
    """A cut or a changed byte, anywhere in the manifest or the design."""
    name = draw(st.sampled_from(["manifest.json", "design.parquet"]))
    how = draw(st.sampled_from(["cut", "flip"]))
    return name, how, draw(st.integers(min_value=0, max_value=10**6)), draw(st.integers(min_value=1, max_value=255))


def _same_json(original: bytes, changed: bytes) -> bool:
    """Whether ``changed`` parses as the same JSON value as ``original``."""
    try:
        return json.loads(changed.decode("utf-8")) == json.loads(original.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return False


def damage_case(workspace, case) -> None:
    root, _ = workspace
    name, how, where, mask = case
    folder = copy_of_results(root)
    path = folder / name
    data = bytearray(path.read_bytes())
    position = where % len(data)
    if how == "cut":
        data = data[:position]
    else:
        data[position] ^= mask
    original = path.read_bytes()
    path.write_bytes(bytes(data))
    result = CliRunner().invoke(main, ["analyze", str(folder), "--out", str(folder.parent / "analysis")])
    output = result.output
    if name == "manifest.json" and _same_json(original, bytes(data)):
        # a changed byte of JSON whitespace (a space become a carriage return) leaves the manifest's content as
        # it was written: nothing is damaged, and the analysis runs
        assert result.exit_code == 0 and "Traceback" not in output, output
        return
    assert result.exit_code == 2 and "Traceback" not in output, output
    assert output.startswith("error: ") and name in output and "--resume" in output, output
    HANDLED["damaged results"] += 1


def test_a_manifest_whose_own_hash_lost_its_name_is_damaged(workspace):
    """One changed byte in the hash's key ("manifest_sha256" become "manifest_sha257") hides the hash.

    Found by the slow lane's generated damage: such a manifest read as one written before cisim recorded hashes,
    and was not checked. cisim records both hashes since it records either, so the design's gives it away.
    """
    root, _ = workspace
    folder = copy_of_results(root)
    path = folder / "manifest.json"
    text = path.read_text()
    assert text.count('"manifest_sha256"') == 1
    path.write_text(text.replace('"manifest_sha256"', '"manifest_sha257"'))
    result = CliRunner().invoke(main, ["analyze", str(folder), "--out", str(folder.parent / "analysis")])
    assert result.exit_code == 2 and "Traceback" not in result.output, result.output
    assert result.output.startswith("error: ") and "manifest.json: damaged" in result.output
    assert "'manifest_sha256'" in result.output and "--resume" in result.output


@FAST
@given(damage())
def test_damaged_manifests_and_designs(workspace, case):
    damage_case(workspace, case)


@pytest.mark.slow
@SLOW
@given(damage())
def test_many_damaged_manifests_and_designs(workspace, case):
    damage_case(workspace, case)


# ------------------------------------------------------------------ scheduler addresses
addresses = st.one_of(
    st.text(max_size=20),
    st.tuples(
        st.sampled_from(["", "tcp://", "tls://", "ws://", "wss://", "ucx://", "inproc://", "foo://"]),
        st.text(st.characters(blacklist_categories=("Cs",)), max_size=10),
        st.sampled_from(["", ":", ":1", ":99999", ":-1", "::"]),
    ).map("".join),
)


def address_case(address: str) -> None:
    from cisim.experiments.executors import ExecutorError, check_executor

    try:
        check_executor("dask", address)
    except ExecutorError as error:
        assert str(error).startswith(f"--scheduler {address!r}: ") and "expected the address" in str(error)
    HANDLED["scheduler addresses"] += 1


@FAST
@given(addresses)
def test_scheduler_addresses(monkeypatch_module, address):
    address_case(address)


@pytest.mark.slow
@SLOW
@given(addresses)
def test_many_scheduler_addresses(monkeypatch_module, address):
    address_case(address)


@pytest.fixture(scope="module")
def monkeypatch_module():
    """Nothing answers at a generated address: a short wait says so as surely as a long one."""
    pytest.importorskip("distributed")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("cisim.experiments.executors.CONNECT_SECONDS", 0.2)
        yield patch


def test_a_dry_run_refuses_a_scheduler_without_the_dask_executor_as_the_sweep_does(tmp_path, monkeypatch):
    """--dry-run promised a sweep that the same command without it then refused."""
    monkeypatch.chdir(tmp_path)
    for extra in (["--dry-run"], []):
        result = CliRunner().invoke(main, ["sweep", "coalition_size", "--scheduler", "tcp://x:1", *extra])
        assert result.exit_code == 2, (extra, result.output)
        assert "--scheduler 'tcp://x:1': a scheduler is used only by the dask executor" in result.output
        assert "Traceback" not in result.output
    assert not (tmp_path / "results").exists()


def test_demo_refuses_more_steps_than_a_scenario_may_have(tmp_path, monkeypatch):
    """run, compare and sweep refuse over 1,000,000 steps (the schema's limit of run.steps); so does demo."""
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["demo", "--steps", "2000000", "--out", str(tmp_path / "demo")])
    assert result.exit_code == 2
    assert "--steps" in result.output and "2000000" in result.output and "1000000" in result.output
    assert not (tmp_path / "demo").exists()


@pytest.mark.parametrize(
    "args",
    [
        ["report", "results/good", "--out", "results/good/manifest.json", "--force"],
        ["report", "results/good", "--out", "results/good/design.parquet", "--force"],
        ["report", "results/good", "--out", "results/good/status.jsonl", "--force"],
        ["report", "results/good", "--out", "results/good/summaries/block-000000.parquet", "--force"],
        ["plot", "results/good", "--out", "results/good/summaries", "--force"],
        ["analyze", "results/good", "--out", "results/good/series"],
        ["compare", "small", "--replicates", "2", "--out", "results/good/agents", "--force"],
    ],
    ids=["manifest", "design", "status", "block", "plot-into-a-table", "analyze-into-a-table", "compare-into-a-table"],
)
def test_no_out_replaces_or_writes_among_a_results_folders_record_even_with_force(workspace, args):
    check(workspace, "record", args, (args[args.index("--out") + 1], "record of runs", "even with --force"))
