"""Edge lists for ``communication.network = "file"``: read and checked when the scenario is loaded.

An edge list names who talks to whom: two organization indices (0 to n_organizations - 1, model-wide
numbering) per line, separated by spaces, tabs or a comma. Blank lines and ``#`` comments are ignored.
A malformed line, an index that names no organization, a link from an organization to itself and a file
without a single link are mistakes, reported with the file, the line, the value and what was expected, so
a scenario never runs on a network other than the one its author meant.
"""

from __future__ import annotations

import re
from pathlib import Path

from cisim.files import InputError, read_text
from cisim.scenarios.errors import ScenarioError

#: Larger edge lists are refused: they cannot describe organizations the schema allows (at most 1000,
#: so at most 499,500 distinct links), and reading one would only exhaust memory.
MAX_BYTES = 50_000_000

_SEPARATORS = re.compile(r"[\s,]+")


def read_edge_list(path: str | Path, n_organizations: int, where: str) -> list[tuple[int, int]]:
    """The links of an edge list, each once, smaller index first, in the order they first appear.

    Args:
        path: the edge list file.
        n_organizations: organizations in the scenario; indices must lie in 0 ... n_organizations - 1.
        where: what names the file in messages, e.g. ``"scenarios/mine.toml: field
            'communication.network_file'"``.

    Raises:
        ScenarioError: one message per problem (at most the first ten lines with problems), naming the
            file, the line, the value and what was expected.
    """
    path = Path(path)
    expected_line = f"two organization indices from 0 to {n_organizations - 1} per line, e.g. '0 1'"
    try:
        text, _ = read_text(path, "edge list", f"expected an edge list ({expected_line})", MAX_BYTES)
    except InputError as error:  # each message starts with the path; say it as the field's value instead
        shown = f"{where} = {str(path)!r}:"
        raise ScenarioError([shown + problem.removeprefix(f"{path}:") for problem in error.problems]) from None
    links: dict[tuple[int, int], None] = {}
    problems: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        content = line.split("#", 1)[0].strip()
        if not content:
            continue
        problem = _check_line(content, n_organizations, expected_line)
        if isinstance(problem, str):
            problems.append(f"{path}: line {number}: {content!r}: {problem}")
            if len(problems) == 10:
                problems.append(f"{path}: (further lines not checked)")
                break
        else:
            links[problem] = None
    if problems:
        raise ScenarioError([f"{where} = {str(path)!r}: the edge list has mistakes", *problems])
    if not links:
        raise ScenarioError([f"{where} = {str(path)!r}: no links in the file; expected {expected_line}"])
    return list(links)


def _check_line(content: str, n_organizations: int, expected_line: str) -> tuple[int, int] | str:
    """The link on one line (smaller index first), or what is wrong with it."""
    fields = _SEPARATORS.split(content.strip(" ,\t"))
    if len(fields) != 2:
        return f"expected {expected_line}"
    try:
        u, v = (int(field) for field in fields)
    except ValueError:
        return f"expected {expected_line}"
    for index in (u, v):
        if not 0 <= index < n_organizations:
            return (
                f"organization {index} does not exist; expected indices from 0 to {n_organizations - 1} "
                f"(organizations.n_organizations = {n_organizations})"
            )
    if u == v:
        return f"a link from organization {u} to itself; expected two different organizations"
    return (min(u, v), max(u, v))
