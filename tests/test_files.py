"""The one reader's nesting guard: deep files are refused before TOML's parser recurses into them.

Python's TOML parser recurses once per level of lists or inline tables; a file nested thousands deep took it to
Python's recursion limit, where anything else that ran at that moment (a finalizer of an unrelated object) failed
too and printed "Exception ignored ..." beside cisim's own message. Files cisim reads nest at most 16 levels, so a
scan of the text refuses anything over 64 before parsing; brackets inside strings and comments nest nothing.
"""

import time
import tomllib
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import cisim.files as files
from cisim.files import MAX_DEPTH, PARSE_DEPTH, InputError, parse_toml, parse_value

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("depth", [PARSE_DEPTH + 1, 400, 6000])
@pytest.mark.parametrize("opening, innermost, closing", [("[", "", "]"), ("{a = ", "1", "}")])
def test_a_file_nested_past_the_scan_limit_is_refused_before_it_is_parsed(
    monkeypatch, depth, opening, innermost, closing
):
    def parser_must_not_run(text):
        raise AssertionError("the parser was called")

    monkeypatch.setattr(files.tomllib, "loads", parser_must_not_run)
    text = "x = " + opening * depth + innermost + closing * depth + "\n"
    with pytest.raises(InputError, match=f"nested too deeply; expected at most {MAX_DEPTH} levels"):
        parse_toml(text, "deep.toml")


def test_a_set_value_nested_past_the_scan_limit_is_refused_before_it_is_parsed(monkeypatch):
    monkeypatch.setattr(files.tomllib, "loads", lambda text: pytest.fail("the parser was called"))
    with pytest.raises(InputError, match="lists nested at most 16 deep"):
        parse_value("[" * 3000 + "]" * 3000, "--set", "problem.k")


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, PARSE_DEPTH])
def test_a_file_between_the_two_limits_is_parsed_and_then_refused_by_field(depth):
    text = "x = " + "[" * depth + "]" * depth + "\n"
    with pytest.raises(InputError, match=f"field 'x.*nested {MAX_DEPTH + 1} levels deep"):
        parse_toml(text, "deep.toml")


BRACKETS = "[[[[{{{{" * 40  # 320 openers, none of which nests anything


@pytest.mark.parametrize(
    "text",
    [
        f'description = "{BRACKETS}"\n',
        f"description = '{BRACKETS}'\n",
        f'description = """\n{BRACKETS}\n"a quote" and ""two"" ]]]"""\n',
        f"description = '''\n{BRACKETS}'''\n",
        f'description = """ends with its own quotes: {BRACKETS}"""""\n',
        f'# {BRACKETS}\nname = "x"  # {BRACKETS}\n',
        f'escaped = "a \\" {BRACKETS} \\\\"\nafter = [[1, 2], {{a = [3]}}]\n',
        f'[table]\nkey = "{BRACKETS}"\n[[rows]]\nvalue = [1]\n',
    ],
    ids=["basic", "literal", "multi-line basic", "multi-line literal", "closing quotes", "comments", "escapes",
         "headers"],
)  # fmt: skip
def test_brackets_in_strings_comments_and_headers_nest_nothing(text):
    assert parse_toml(text, "fine.toml") == tomllib.loads(text)


def test_every_shipped_file_scans_no_deeper_than_it_parses():
    shipped = [*ROOT.glob("scenarios/*.toml"), *ROOT.glob("experiments/**/*.toml")]
    assert len(shipped) > 20
    for path in shipped:
        assert files._nesting(path.read_text()) <= MAX_DEPTH, path


nested = st.recursive(
    st.integers(-5, 5) | st.text(st.sampled_from("ab[]{}\"'#\\ "), max_size=6),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from("abc"), inner, max_size=3),
    max_leaves=12,
)


def _toml(value) -> str:
    """A value as an inline TOML value, strings as basic strings with every quote and backslash escaped."""
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {_toml(v)}" for k, v in value.items()) + "}"
    return str(value)


def _depth(value) -> int:
    if isinstance(value, list | dict):
        items = value.values() if isinstance(value, dict) else value
        return 1 + max((_depth(v) for v in items), default=0)
    return 0


@given(nested)
def test_the_scan_counts_the_nesting_the_parser_finds(value):
    text = f"x = {_toml(value)}\n"
    assert tomllib.loads(text)["x"] == value
    assert files._nesting(text) == _depth(value)


@pytest.mark.parametrize("piece", ['"\\', '"""\\', "'''\\", '\\"""', '"', "'", '"\\\\"', '"#\n'])
def test_the_scan_reads_a_file_of_open_strings_once_not_from_every_quote(piece):
    """Strings left open (a broken file) end at their line or the text: a scan that searched every quote for a
    closing one took 15 s for 60,000 characters of one of these and would take hours for a megabyte. A bound
    a hundred times above the linear scan's time (about 0.1 s here), so it only ever catches a hang."""
    text = piece * (1_000_000 // len(piece))
    started = time.perf_counter()
    assert files._nesting(text) == 0
    assert time.perf_counter() - started < 20
