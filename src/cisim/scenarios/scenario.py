"""Scenarios: plain, validated data describing one problem and one coalition design."""

from __future__ import annotations

import contextlib
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from difflib import get_close_matches
from pathlib import Path
from typing import Any

from cisim.files import LOOSE_NUMBER, MAX_TOML_BYTES, PLAIN_NAME, InputError, is_plain_name, parse_value, show_number
from cisim.files import read_toml as read_checked_toml
from cisim.scenarios.errors import ScenarioError
from cisim.scenarios.network_file import read_edge_list
from cisim.scenarios.schema import (
    BY_KEY,
    CONDITIONS,
    CONNECTED_CHANCE,
    MAX_TABLE_BYTES,
    META_FIELDS,
    PARAMETERS,
    SECTIONS,
    SMALL_WORLD_DEGREE,
    Parameter,
    connected_chance,
    largest_k,
    table_bytes,
)
from cisim.shipped import shipped_folder

#: Named coalition designs that any scenario can be run under.
ARMS: dict[str, str] = {
    "scenario": "the condition levels written in the scenario file",
    "isolated": "every organization alone: all five conditions at 0, no backbone, no coalition",
    "collective": "full collective impact: all five conditions at 1, with a backbone",
}

BUILTIN = "<built-in defaults>"


@dataclass(frozen=True)
class Scenario:
    """A fully resolved scenario: every parameter has a value.

    Attributes:
        name: short name.
        description: one line saying what it represents.
        values: every parameter's value keyed by dotted name (``"problem.k"``).
        source: the file it was read from, or ``BUILTIN``.
        arm: the coalition design it is run under (one of ``ARMS``).
        origins: where each value came from: ``default``, ``file``, ``parent PATH`` or ``override``.
        parents: the files it extends, oldest first.
    """

    name: str
    description: str
    values: dict[str, Any] = field(repr=False)
    source: str = BUILTIN
    arm: str = "scenario"
    origins: dict[str, str] = field(default_factory=dict, repr=False, compare=False)
    parents: tuple[str, ...] = ()

    def __getitem__(self, key: str) -> Any:
        return self.values[key]

    def with_arm(self, arm: str) -> Scenario:
        """The same scenario under another coalition design."""
        if arm not in ARMS:
            raise ValueError(f"unknown arm {arm!r}: expected one of {', '.join(ARMS)}")
        values = dict(self.values)
        if arm != "scenario":
            level = 1.0 if arm == "collective" else 0.0
            values.update({f"conditions.{c}": level for c in CONDITIONS})
        return replace(self, values=values, arm=arm)

    def with_overrides(self, overrides: Sequence[str]) -> Scenario:
        """A copy with ``"section.name=value"`` overrides applied and validated (as ``--set`` does)."""
        return _with_overrides(self, overrides)

    def with_values(self, **changes: Any) -> Scenario:
        """A copy with some parameters changed, given as ``section__name=value``; validated."""
        values = dict(self.values)
        changed = {k.replace("__", "."): v for k, v in changes.items()}
        unknown = [key for key in changed if key not in BY_KEY]
        if unknown:
            raise ScenarioError([f"{self.source}: unknown field '{key}'{suggest_key(key)}" for key in unknown])
        where = f"{self.source} with {', '.join(changed)} changed"
        problems = []
        for key, value in changed.items():
            native = value.item() if type(value).__module__ == "numpy" else value  # numpy's scalars as Python's
            checked, problem = check_value(BY_KEY[key], native)
            if problem:
                problems.append(f"{where}: field '{key}' = {show_value(native)}: {problem}")
            values[key] = checked
        problems = problems or _check_values(values, where)
        if problems:
            raise ScenarioError(problems)
        return replace(self, values=values, origins={**self.origins, **dict.fromkeys(changed, "override")})


def _with_overrides(scenario: Scenario, overrides: Sequence[str]) -> Scenario:
    """``scenario`` with command-line overrides applied (see ``Scenario.with_overrides``)."""
    values, origins = dict(scenario.values), dict(scenario.origins)
    problems = _apply_overrides(overrides, values, origins) or _check_values(
        values, _with_set(scenario.source, overrides)
    )
    if problems:
        raise ScenarioError(problems)
    return replace(scenario, values=values, origins=origins)


def default_scenario() -> Scenario:
    """The built-in defaults: a complex problem (k = 6, mostly across domains) under full collective impact."""
    return Scenario(
        name="defaults",
        description="built-in defaults: a complex problem under full collective impact",
        values={p.key: p.default for p in PARAMETERS},
        origins={p.key: "default" for p in PARAMETERS},
    )


def load_scenario(path: str | Path, overrides: Sequence[str] = ()) -> Scenario:
    """Read and validate a scenario file (TOML), its parents (``extends``) and command-line overrides.

    Args:
        path: the scenario file.
        overrides: ``"section.name=value"`` strings, applied last (``--set`` on the command line).

    Raises:
        ScenarioError: with one message per problem, each naming the file, the field, the value and what
            was expected.
    """
    where = str(path)
    return _resolve(_read(Path(path)), where, overrides)


def parse_scenario(data: dict[str, Any], where: str = BUILTIN, overrides: Sequence[str] = ()) -> Scenario:
    """Validate already-parsed scenario data; ``where`` names its origin in messages (and anchors ``extends``)."""
    return _resolve(data, where, overrides)


#: Larger files are refused before reading: no scenario or experiment needs a megabyte.
MAX_FILE_BYTES = MAX_TOML_BYTES


def read_toml(path: Path, kind: str = "scenario file") -> tuple[dict[str, Any], bytes]:
    """Read a TOML file (a scenario or an experiment) through the one checked reader (``cisim.files``).

    Returns the parsed table and the raw bytes (for hashing). A UTF-8 byte-order mark at the start (as Windows
    Notepad saves files) is not part of the TOML (``cisim.files.read_text`` leaves it out).

    Raises:
        ScenarioError: the file is missing, is a folder or a device, is too large, is not text, is not valid
            TOML, nests too deeply or holds an integer outside 64 bits; the message names the file, the place
            and what was expected (and, for a number written as ``.5`` or ``1.``, how TOML writes it).
    """
    article = "an" if kind[0] in "aeiou" else "a"
    expected = f'expected {article} {kind} in TOML (name = "...", description = "...", [sections])'
    try:
        return read_checked_toml(path, kind, expected, field_expects)
    except InputError as error:
        raise ScenarioError(error.problems) from None


def field_expects(key: str) -> str | None:
    """What the scenario field ``key`` expects, for the message on an integer too large for TOML.

    ``key`` is a scenario's field (``problem.k``) or, in an experiment, a key ending in one (``grid.problem.k[0]``)
    or the experiment's ``seed``; None for any other key.
    """
    if key == "seed":  # an experiment's
        return "a whole number from 0 to 2**63 - 1 (TOML's largest integer; each run's seed is derived from it)"
    parameter = BY_KEY.get(".".join(re.sub(r"\[\d+\]$", "", key).split(".")[-2:]))
    return parameter.expected() if parameter is not None else None


def reads_as_scenario(data: dict[str, Any]) -> bool:
    """Whether a parsed TOML file reads as a scenario file.

    It does with no ``scenarios`` field (an experiment's) and a scenario's sections or ``extends``: the one test of
    it, for every reader given a scenario file by mistake.
    """
    return "scenarios" not in data and ("extends" in data or any(section in data for section in SECTIONS))


def is_scenario_file(path: Path) -> bool:
    """Whether the file at ``path`` reads as a scenario file (``reads_as_scenario``).

    False for a file that cannot be read as TOML: its own reader says what is wrong with it.
    """
    try:
        data, _ = read_toml(path)
    except ScenarioError:
        return False
    return reads_as_scenario(data)


def _read(path: Path) -> dict[str, Any]:
    return read_toml(path)[0]


def _chain(data: dict[str, Any], where: str) -> list[tuple[str, dict[str, Any]]]:
    """The file and its ancestors through ``extends``, oldest ancestor first."""
    chain = [(where, data)]
    seen = {str(Path(where).resolve())}
    while "extends" in data:
        parent = data["extends"]
        if not isinstance(parent, str) or not parent.strip():
            raise ScenarioError(
                [f"{where}: field 'extends' = {show_value(parent)}: expected the name or path of a scenario file"]
            )
        if where == BUILTIN:
            raise ScenarioError([f"{where}: field 'extends' = {parent!r}: only a scenario file can extend another"])
        folder = Path(where).parent
        candidate = folder / (parent if parent.endswith(".toml") else f"{parent}.toml")
        shipped = shipped_folder("scenarios")
        builtin = shipped / f"{parent}.toml" if shipped is not None and is_plain_name(parent) else None
        if not candidate.is_file() and "." not in parent and builtin is not None and builtin.is_file():
            candidate = builtin  # a name not beside the file: cisim's own library
        if not candidate.is_file():
            names = [p.stem for p in folder.glob("*.toml") if p.is_file()]
            names += [p.stem for p in shipped.glob("*.toml") if p.is_file()] if shipped is not None else []
            also = " or in cisim's own library" if shipped is not None else ""
            given = folder / parent  # as written, before '.toml' was added: a folder or a file of another kind
            what = (
                f"{candidate} is a folder, not a scenario file"
                if candidate.is_dir()
                else f"{given} is a folder, not a scenario file"
                if given.is_dir()
                else f"{given} is not a scenario file (a regular file whose name ends in .toml)"
                if given.exists()
                else f"no scenario file {candidate}"
            )
            raise ScenarioError(
                [
                    f"{where}: field 'extends' = {parent!r}: {what}; expected the name of a "
                    f"scenario file beside it{also}, or the path of one relative to its folder"
                    f"{suggest(parent, names)}"
                ]
            )
        if str(candidate.resolve()) in seen:
            raise ScenarioError(
                [
                    f"{where}: field 'extends' = {parent!r}: scenarios extend each other in a "
                    "circle; expected a chain that ends in a file without 'extends'"
                ]
            )
        seen.add(str(candidate.resolve()))
        where, data = str(candidate), _read(candidate)
        chain.append((where, data))
    return chain[::-1]


def _resolve(data: dict[str, Any], where: str, overrides: Sequence[str]) -> Scenario:
    chain = _chain(data, where)
    values = {p.key: p.default for p in PARAMETERS}
    origins = dict.fromkeys(values, "default")
    problems: list[str] = []
    for layer_where, layer in chain:
        origin = "file" if layer_where == where else f"parent {layer_where}"
        problems += _apply_layer(layer, layer_where, values, origins, origin)
    problems += _apply_overrides(overrides, values, origins)
    if not problems:
        problems = _check_values(values, _with_set(where, overrides))
    if problems:
        raise ScenarioError(problems)
    return Scenario(
        name=data["name"],
        description=data["description"],
        values=values,
        source=where,
        origins=origins,
        parents=tuple(w for w, _ in chain[:-1]),
    )


def _other_kind(data: dict[str, Any], where: str) -> str | None:
    """What to say when ``data`` is an experiment or a validation experiment rather than a scenario, or None."""
    if where == BUILTIN or any(section in data for section in SECTIONS):
        return None
    if "driver" in data:
        return (
            f"{where}: is a validation experiment, not a scenario file; expected a scenario file (scenarios/). "
            f"To run it: cisim validate {where}"
        )
    if "scenarios" in data:
        return (
            f"{where}: is an experiment file, not a scenario file; expected a scenario file (scenarios/). "
            f"To run its sweep, run: cisim sweep {where}"
        )
    return None


def _apply_layer(
    data: dict[str, Any], where: str, values: dict[str, Any], origins: dict[str, str], origin: str
) -> list[str]:
    """Validate one file's fields and lay them over ``values``; returns its problems."""
    if (other := _other_kind(data, where)) is not None:
        return [other]
    problems: list[str] = []
    for key in META_FIELDS:
        if key not in data:
            problems.append(f"{where}: field '{key}' is missing: expected text ({META_FIELDS[key]})")
        elif not isinstance(data[key], str) or not data[key].strip():
            problems.append(f"{where}: field '{key}' = {data[key]!r}: expected non-empty text")
        elif key == "name" and not is_plain_name(data[key]):  # it names the results folder
            problems.append(f"{where}: field 'name' = {data[key]!r}: expected {PLAIN_NAME}")
    for top, content in data.items():
        if top in META_FIELDS or top == "extends":
            continue
        if top not in SECTIONS and not isinstance(content, dict):  # a value at the top: a field, not a section
            fields = [*META_FIELDS, "extends"]
            homes = [f"[{p.section}]" for p in PARAMETERS if p.name == top]
            hint = f" ({top} is a parameter of {' and '.join(homes)}: put it there)" if homes else suggest(top, fields)
            problems.append(
                f"{where}: unknown field '{top}' = {show_value(content)}{hint}; expected one of the top-level "
                f"fields {', '.join(fields)}, or a parameter inside its section"
            )
            continue
        if top not in SECTIONS:
            problems.append(
                f"{where}: unknown section [{top}]{suggest(top, SECTIONS)}; sections are {', '.join(SECTIONS)}"
            )
            continue
        if not isinstance(content, dict):
            problems.append(f"{where}: '{top}' = {content!r}: expected a section [{top}] with fields")
            continue
        for name, value in content.items():
            key = f"{top}.{name}"
            if key not in BY_KEY:
                names = [p.name for p in PARAMETERS if p.section == top]
                problems.append(f"{where}: unknown field '{key}'{suggest(name, names)}")
                continue
            checked, problem = check_parameter(key, value, where)
            if problem:
                problems.append(problem)
                continue
            values[key], origins[key] = checked, origin
    return problems


def check_parameter(key: str, value: Any, where: str, label: str = "") -> tuple[Any, str]:
    """Check one parameter's value as a scenario file does, wherever it is written.

    Experiment files use this for their arms and factors, so a value means, and is checked, the same in
    both. A ``communication.network_file`` is taken relative to the folder of ``where``.

    Args:
        key: the dotted parameter name, e.g. ``"conditions.backbone"``.
        value: the value as read from TOML.
        where: the file it was read from (named in messages).
        label: how the message names the field (default: ``field 'KEY'``).

    Returns:
        The (converted) value and a message naming the file, the field, the value and what was expected,
        or ``""`` when the value is good.
    """
    shown = label or f"field '{key}'"
    parameter = BY_KEY.get(key)
    if parameter is None:
        return value, f"{where}: {shown}: unknown parameter '{key}'{suggest(key, BY_KEY)}"
    checked, problem = check_value(parameter, value)
    if problem:
        return value, f"{where}: {shown} = {show_value(value)}: {problem}"
    if key == "communication.network_file" and checked and where != BUILTIN and not Path(checked).is_absolute():
        checked = str(Path(where).parent / checked)
    return checked, ""


def _with_set(where: str, overrides: Sequence[str]) -> str:
    """Where values come from, for a check of several fields: the file, and the ``--set`` values given with it."""
    return f"{where} with --set {' '.join(overrides)}" if overrides else where


def override_key(override: str) -> str:
    """The field a ``section.name=value`` override sets (``conditions.backbone``), as ``_apply_overrides`` reads it."""
    return str(override).partition("=")[0].strip()


def _apply_overrides(overrides: Sequence[str], values: dict[str, Any], origins: dict[str, str]) -> list[str]:
    """Apply ``section.name=value`` overrides; values are read as TOML, or as text when they are not TOML."""
    if isinstance(overrides, str):  # from Python: one string is not a list of them (read letter by letter)
        return [f"overrides = {overrides!r}: expected a list of 'section.name=value' strings, e.g. [{overrides!r}]"]
    problems: list[str] = []
    for item in overrides:
        key, sep, raw = item.partition("=")
        key, raw = key.strip(), raw.strip()
        if sep and key and not raw:
            problems.append(f"--set {item!r}: no value after '='; expected section.name=value, e.g. {key}=...")
            continue
        if not sep or not raw:
            problems.append(f"--set {item!r}: expected section.name=value, e.g. conditions.backbone=0.5")
            continue
        parameter = BY_KEY.get(key)
        if parameter is None:
            problems.append(f"--set {item!r}: unknown field '{key}'{suggest_key(key)}")
            continue
        try:
            value = parse_value(raw, "--set", key, field_expects)
        except InputError as error:
            problems += error.problems
            continue
        if isinstance(value, str) and parameter.kind in (int, float) and LOOSE_NUMBER.fullmatch(value):
            with contextlib.suppress(ValueError):  # "1__0": not a number to Python either
                value = float(value)  # ".5", "-.5" or "1.": a number on a command line, though TOML writes it otherwise
        checked, problem = check_value(parameter, value)
        if problem:
            problems.append(f"--set: field '{key}' = {show_value(value)}: {problem}")
        else:
            values[key], origins[key] = checked, "override"
    return problems


def check_value(parameter: Parameter, value: Any) -> tuple[Any, str]:
    """Check one value against its parameter; returns the (converted) value and a problem or ``""``."""
    expected = "expected " + parameter.expected()
    kind = parameter.kind
    if kind is bool:
        return (value, "") if isinstance(value, bool) else (value, expected)
    if isinstance(value, bool | dict | list):
        return value, expected
    if kind is str:
        if not isinstance(value, str):
            return value, expected
        if parameter.choices and value not in parameter.choices:
            return value, expected + suggest(value, parameter.choices)
        return value, ""
    if not isinstance(value, int | float):
        return value, expected
    if isinstance(value, float) and not math.isfinite(value):
        return value, expected
    # Bounds first: Python compares integers and floats exactly, so a huge integer never meets float().
    if (parameter.low is not None and value < parameter.low) or (parameter.high is not None and value > parameter.high):
        return value, expected
    if kind is int:
        if isinstance(value, float):
            if not value.is_integer():
                return value, expected
            value = int(value)
    else:
        try:
            value = float(value)
        except OverflowError:
            return value, expected
    return value, ""


def _check_values(values: dict[str, Any], where: str) -> list[str]:
    """Checks that involve more than one field."""
    problems = []
    n, k, domains = values["problem.n_elements"], values["problem.k"], values["problem.n_domains"]
    if k >= n:
        problems.append(f"{where}: field 'problem.k' = {k}: expected at most problem.n_elements - 1 = {n - 1}")
    elif table_bytes(n, k) > MAX_TABLE_BYTES:
        problems.append(
            f"{where}: field 'problem.k' = {k}: with problem.n_elements = {n} the problem's contribution tables "
            f"would take {show_bytes(table_bytes(n, k))} ({n} x 2^{k + 1} numbers of 8 bytes, and a run holds "
            f"several copies); expected at most {largest_k(n)} for {n} elements (tables of at most "
            f"{show_bytes(MAX_TABLE_BYTES)}), or fewer problem.n_elements"
        )
    if domains > n:
        problems.append(f"{where}: field 'problem.n_domains' = {domains}: expected at most problem.n_elements = {n}")
    per_org = values["organizations.domains_per_organization"]
    if per_org > domains:
        problems.append(
            f"{where}: field 'organizations.domains_per_organization' = {per_org}: expected at "
            f"most problem.n_domains = {domains}"
        )
    start, solutions = values["organizations.start"], values["organizations.solutions"]
    if start == "random" and solutions != "own":
        problems.append(
            f"{where}: field 'organizations.start' = 'random': expected 'region' when organizations.solutions = "
            f"{solutions!r} (organizations then act on their region's one state; random starts of their own need "
            "organizations.solutions = 'own')"
        )
    regions, orgs = values["regions.n_regions"], values["organizations.n_organizations"]
    if solutions == "own" and regions > 1 and values["regions.cross_region"] > 0:
        problems.append(
            f"{where}: field 'regions.cross_region' = {show_value(values['regions.cross_region'])}: expected 0 when "
            "organizations.solutions = 'own' (a community of practice shares a region's one community "
            "configuration, and in own-solution mode there is none: each organization holds its own)"
        )
    if regions > orgs:
        problems.append(
            f"{where}: field 'regions.n_regions' = {regions}: expected at most organizations.n_organizations = {orgs}"
        )
    if values["communication.network"] == "connected_erdos_renyi":
        problems += _check_connected(values["communication.degree"], orgs, regions, where)
    largest = -(-orgs // regions)  # organizations are dealt out to regions in turn
    degree = values["communication.degree"]
    if values["communication.network"] == "small_world" and degree < SMALL_WORLD_DEGREE and largest > degree + 1:
        problems.append(
            f"{where}: field 'communication.degree' = {degree}: expected at least {SMALL_WORLD_DEGREE} for a "
            f"small_world network (communication.network) in a region of {largest} organizations (a Watts-Strogatz "
            f"network links each organization to degree / 2 neighbours on either side, and so at degree {degree} to "
            "none), "
            "or another communication.network (random, ring or linear connect everyone at degree 1)"
        )
    if values["communication.network"] == "file" and not values["communication.network_file"]:
        problems.append(
            f"{where}: field 'communication.network_file' is empty: expected the path of an "
            "edge list when communication.network = 'file'"
        )
    elif values["communication.network"] == "file":
        try:
            read_edge_list(values["communication.network_file"], orgs, f"{where}: field 'communication.network_file'")
        except ScenarioError as error:
            problems += error.problems
    return problems


def _check_connected(degree: int, organizations: int, regions: int, where: str) -> list[str]:
    """A ``connected_erdos_renyi`` network in each region must come out connected often enough to be drawn."""
    largest = -(-organizations // regions)  # the largest region is the hardest to connect (n_regions >= 1)
    chance = connected_chance(largest, degree)
    if chance >= CONNECTED_CHANCE:
        return []
    enough = next(d for d in range(degree, largest) if connected_chance(largest, d) >= CONNECTED_CHANCE)
    return [
        f"{where}: field 'communication.degree' = {degree}: a connected_erdos_renyi network of {largest} "
        f"organizations comes out connected in about {chance:.1e} of draws; expected a degree of at least {enough} "
        f"(connected in {CONNECTED_CHANCE:.0%} of draws or more) or another communication.network"
    ]


def show_bytes(size: int) -> str:
    """An amount of memory as messages show it: ``512 MiB``, ``2.5 GiB``, ``320 TiB``."""
    for unit, scale in (("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if size >= scale:
            return f"{size / scale:.3g} {unit}"
    return f"{size} bytes"


def suggest(word: str, options: Any) -> str:
    """`` (did you mean 'x'?)`` for the closest of ``options`` to a misspelt ``word``, or ``""``."""
    close = get_close_matches(str(word), list(options), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def suggest_key(key: str) -> str:
    """What an unknown parameter name may have meant, or what a name looks like.

    A misspelling gets the closest name; a name without its section (``k``) or under the wrong one (``model.k``)
    the parameters of that name (``problem.k``); anything else the sections a name starts with.
    """
    close = suggest(key, BY_KEY)
    if close:
        return close
    name = key.rsplit(".", 1)[-1]
    same = [full for full in BY_KEY if full.rsplit(".", 1)[-1] == name]
    if same:
        return f" (did you mean {' or '.join(repr(full) for full in same)}?)"
    return f"; expected section.name, with a section among {', '.join(SECTIONS)} (cisim scenarios reference lists them)"


def show_value(value: Any) -> str:
    """A value as a message shows it: as written in TOML for true/false, ``repr`` otherwise."""
    if isinstance(value, bool):
        return str(value).lower()
    return show_number(value) if isinstance(value, int) else repr(value)
