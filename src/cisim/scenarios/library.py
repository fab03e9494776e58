"""The scenario library: find scenarios by name, read their header comments, start new ones.

Also the scenario reference (``docs/scenarios.md``), generated from the schema.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from cisim.scenarios.errors import ScenarioError
from cisim.scenarios.scenario import Scenario, load_scenario, suggest
from cisim.scenarios.schema import META_FIELDS, PARAMETERS, SECTIONS, Parameter, bound
from cisim.shipped import look_in

#: Where the library lives, relative to the working folder. Names not found there are looked up in the
#: library that comes with cisim (``cisim.shipped``), so ``cisim compare complex`` works from any folder.
DEFAULT_FOLDER = Path("scenarios")

#: A scenario name: what ``cisim run NAME`` looks up as ``scenarios/NAME.toml``. Anything else (a path
#: separator, a ``.toml`` ending, a leading dot) is a path, read as given and never joined to the library.
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")
NAME_RULE = "letters, digits, '_' and '-', starting with a letter or digit"

#: A promise in a header comment, e.g. ``# expect: collective ahead of isolated`` (on the final outcome) or
#: ``# expect: scenario ahead of isolated on outcome_auc``.
EXPECT = re.compile(
    r"^expect:\s*(?P<arm>\w+)\s+(?P<direction>ahead of|about the same as|behind)\s+isolated"
    r"(?:\s+on\s+(?P<metric>\w+))?\s*$"
)


@dataclass(frozen=True)
class Expectation:
    """What a scenario's header promises ``cisim compare`` shows for one arm against isolated impact."""

    arm: str
    direction: str
    metric: str = "final_outcome"


@dataclass(frozen=True)
class Entry:
    """One scenario file of the library, with its header comment and what it promises."""

    path: Path
    header: str
    expectations: list[Expectation]


def is_name(text: str) -> bool:
    """Whether ``text`` is a scenario name (looked up in the library) rather than a path."""
    return NAME.fullmatch(text) is not None


def find_scenario(name: str | Path, folder: Path = DEFAULT_FOLDER, shipped: bool = False) -> Path:
    """A scenario file from a name in ``folder`` (``complex`` -> ``scenarios/complex.toml``) or from a path.

    Names are names: a name is only ever looked up in ``folder`` (then, for the default folder or when
    ``shipped``, in cisim's own library), so ``../x`` can never reach outside it by being taken for a name.
    Anything that is not a name (``scenarios/x.toml``, ``./x``, ``/tmp/x.toml``) is a path and is read as given.

    Raises:
        ScenarioError: no such scenario, with the closest name in the library.
    """
    text = str(name)
    if isinstance(name, Path) or not is_name(text):
        if Path(text).is_file():
            return Path(text)
        expected = f"expected the path of a scenario file, or a scenario name ({NAME_RULE}) from {folder}"
        if not text.strip():  # Path("") is the working folder: an empty name (an unset shell variable) is not it
            raise ScenarioError([f"{text!r}: an empty name; {expected}"])
        if Path(text).is_dir():
            raise ScenarioError([f"{text!r}: is a folder, not a scenario file; {expected}"])
        if Path(text).is_symlink():
            raise ScenarioError([f"{text!r}: a link to nothing (its target is gone); {expected}"])
        return _missing(text, f"no such scenario file; {expected}", folder, shipped)
    for library in _libraries(folder, shipped):
        if (candidate := library / f"{text}.toml").is_file():
            return candidate
        if candidate.is_dir():
            raise ScenarioError([f"{text!r}: {candidate} is a folder, not a scenario file; expected a file there"])
    where = " or ".join(str(library) for library in _libraries(folder, shipped))
    if any((library / f"{text}.toml").is_file() for library in look_in(Path("experiments"), "experiments")):
        raise ScenarioError(
            [f"{text!r}: no scenario of that name in {where}, but an experiment has that name: cisim sweep {text}"]
        )
    expected = f"expected the name of a scenario in {where} (cisim scenarios list shows them) or the path of one"
    return _missing(text, f"no scenario of that name in {where}; {expected}", folder, shipped)


def _libraries(folder: Path, shipped: bool = False) -> list[Path]:
    """Where names are looked up: ``folder``, then, for the default folder or if ``shipped``, cisim's library."""
    return look_in(folder, "scenarios") if shipped or folder == DEFAULT_FOLDER else [folder]


def _missing(text: str, what: str, folder: Path, shipped: bool = False) -> Path:
    libraries = _libraries(folder, shipped)
    names = sorted({p.stem for library in libraries if library.is_dir() for p in library.glob("*.toml") if p.is_file()})
    raise ScenarioError([f"{text!r}: {what}{suggest(Path(text).stem, names)}"])


def header_comment(path: Path) -> str:
    """The comment block at the top of a scenario file, without the ``#`` marks."""
    lines = []
    try:
        text = path.read_bytes().decode("utf-8", errors="replace")
    except OSError:
        return ""
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        lines.append(line[1:].removeprefix(" "))
    return "\n".join(lines).strip()


def entries(folder: Path = DEFAULT_FOLDER) -> list[Entry]:
    """Every scenario file in ``folder`` (for the default folder, and cisim's own not shadowed there), by name."""
    files: dict[str, Path] = {}
    for library in _libraries(folder):
        for path in sorted(library.glob("*.toml")):
            if path.is_file():
                files.setdefault(path.stem, path)
    found = []
    for path in (files[name] for name in sorted(files)):
        header = header_comment(path)
        expectations = []
        for line in header.splitlines():
            match = EXPECT.match(line.strip())
            if match:
                metric = match["metric"] or "final_outcome"
                expectations.append(Expectation(match["arm"], match["direction"], metric))
        found.append(Entry(path=path, header=header, expectations=expectations))
    return found


def starting_file(name: str, parent: Scenario, parent_ref: str) -> str:
    """A commented scenario file that extends ``parent``.

    Every parameter is listed, commented out, at the parent's value, with its meaning and range, ready to be
    uncommented and changed.
    """
    lines = [
        f"# {name}: describe here what this scenario represents, which source text and initiative it draws",
        "# on, which parameters encode which feature, and what a user should expect to see.",
        "# expect: collective ahead of isolated",
        "",
        f'name = "{name}"',
        f'description = "one line saying what {name} represents"',
        f'extends = "{parent_ref}"',
        "",
        "# Uncomment a line to change it; everything else comes from the parent.",
    ]
    for section in SECTIONS:
        lines += ["", f"[{section}]"]
        for parameter in (p for p in PARAMETERS if p.section == section):
            value = _toml(parent[parameter.key])
            lines.append(f"# {parameter.name} = {value}    # {parameter.help}; {parameter.expected()}")
    return "\n".join(lines) + "\n"


def _toml(value: object) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, str):
        return f'"{value}"'
    return repr(value)


# ---------------------------------------------------------------------- the reference
def reference(folder: Path = DEFAULT_FOLDER) -> str:
    """The scenario reference (``docs/scenarios.md``).

    Every parameter from the schema, then one paragraph per shipped scenario from its header comment.
    """
    out = [
        "# Scenario reference",
        "",
        "<!-- Generated by `cisim scenarios reference --out docs/scenarios.md` from the parameter schema",
        "     (src/cisim/scenarios/schema.py) and the header comments of scenarios/*.toml. Do not edit by hand. -->",
        "",
        "A scenario file is TOML. It needs a `name` and a `description`, may `extends` another scenario",
        "(by name in the same folder or, failing that, cisim's own library; or by path) and override only what",
        "differs, and sets any of the parameters below in their sections; everything it leaves out keeps its",
        "parent's value or the default. Scenario names on the command line are looked up in `scenarios/` in",
        "the working folder, then in cisim's own library, so `cisim compare complex` works from any folder.",
        "On the command line, `--set section.name=value` overrides a value after all files. ",
        "`cisim scenarios show NAME` prints every value with where it came from.",
        "",
        "| top-level field | meaning |",
        "| --- | --- |",
        *(f"| `{key}` | {meaning} |" for key, meaning in META_FIELDS.items()),
        "| `extends` | optional: the scenario this one builds on |",
        "",
        "## Parameters",
    ]
    for section in SECTIONS:
        out += [
            "",
            f"### [{section}]",
            "",
            "| name | type | default | range | meaning |",
            "| --- | --- | --- | --- | --- |",
        ]
        out += [_row(p) for p in PARAMETERS if p.section == section]
    out += ["", "## Shipped scenarios"]
    for entry in entries(folder):
        scenario = load_scenario(entry.path)
        where = f"{folder.name}/{entry.path.name}"
        parent = f", extends `{Path(scenario.parents[-1]).stem}`" if scenario.parents else ""
        out += ["", f"### {entry.path.stem}", "", f"*{scenario.description}* (`{where}`{parent})"]
        text = "\n".join(line for line in entry.header.splitlines() if not EXPECT.match(line))
        out += ["\n" + " ".join(paragraph.split()) for paragraph in text.split("\n\n") if paragraph.strip()]
        if entry.expectations:
            promises = "; ".join(
                f"{e.arm} {e.direction} isolated" + ("" if e.metric == "final_outcome" else f" on {e.metric}")
                for e in entry.expectations
            )
            out += ["", f"Expected from `cisim compare` (final outcome unless stated): {promises}."]
    return "\n".join(out) + "\n"


def _row(parameter: Parameter) -> str:
    kind = {int: "integer", float: "number", bool: "true/false", str: "text"}[parameter.kind]
    if parameter.choices:
        valid = ", ".join(f"`{c}`" for c in parameter.choices)
    elif parameter.low is not None and parameter.high is not None:
        valid = f"{bound(parameter.low)} to {bound(parameter.high)}"
    else:
        valid = ""
    unit = f" ({parameter.unit})" if parameter.unit else ""
    return f"| `{parameter.name}` | {kind} | `{_toml(parameter.default)}` | {valid} | {parameter.help}{unit} |"
