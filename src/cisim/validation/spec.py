"""Validation experiment files: their schema, and loading them with a clear message for every mistake.

A validation experiment (``experiments/validation/*.toml``) names the published study it reproduces, the
driver that runs it through cisim, the study's fixed parameters, its sizes (``[full]``: the published size;
``[quick]``: a reduced one that runs in minutes), and the published patterns with where each figure comes
from and the tolerance within which cisim's figure counts as reproducing it. Experiments that run the
collective-impact model also give the model's parameters (``[model]``), named variants (``[arms]``) and
groups of arms run together (``[studies]``).

Every mistake is reported as ``FILE: field 'F' = VALUE: expected WHAT``, all at once.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from cisim.files import InputError, read_toml
from cisim.scenarios.scenario import check_value, suggest
from cisim.scenarios.schema import BY_KEY

#: Where the validation experiments live, relative to the working folder.
DEFAULT_FOLDER = Path("experiments") / "validation"

CHECKS = {
    "close": "cisim's mean lies within the tolerance of the published figure",
    "above": "the lower end of cisim's 95 % interval lies above the threshold",
    "below": "the upper end of cisim's 95 % interval lies below the threshold",
}
#: The mechanisms of cisim's model an experiment can go through, with what going through each means.
MECHANISMS = {
    "landscape": "the problem's NK landscape (cisim.problem.Landscape)",
    "search": "the organizations' own search step in the model (candidates proposed, read and decided)",
    "network": "communication over the model's network: organizations hear and copy neighbours",
    "agenda": "the common agenda: the community outcome's weight in members' objectives, varied by the run",
    "measurement": "members' outcome data: their noise, lag or the shared measurement system, varied by the run",
    "plan": "the plan of mutually reinforcing activities: proposals evaluated jointly",
    "backbone": "the backbone organization and its roles",
}
#: What must hold in a model experiment's parameters (shared, arm or study values) for it to claim a mechanism:
#: the parameter and a test of its values over the arms.
CLAIMS: dict[str, tuple[tuple[str, ...], str]] = {
    "network": (("conditions.communication",), "above 0 in some arm"),
    "plan": (("conditions.reinforcing_activities",), "above 0 in some arm"),
    "backbone": (("conditions.backbone",), "above 0 in some arm"),
    "agenda": (("conditions.common_agenda",), "different in two arms"),
    "measurement": (
        ("organizations.measurement_noise", "organizations.data_lag", "conditions.shared_measurement"),
        "different in two arms",
    ),
}
TOP_FIELDS = {
    "name": "short name of the experiment (letters, digits, underscores)",
    "driver": "which reproduction runs it",
    "title": "one line naming the published result",
    "citation": "the full reference of the paper",
    "seed": "seed of the experiment (whole number); every replicate's seed derives from it",
    "description": "what is reproduced and how it maps onto cisim",
    "exercises": "the cisim mechanisms the run goes through, a list of: " + ", ".join(MECHANISMS),
    "standalone": "for a driver that does not run the model: what it reimplements outside cisim's model",
    "parameters": "the study's fixed parameters",
    "full": "sizes at which the study was published",
    "quick": "reduced sizes for a run of minutes",
    "model": "collective-impact model parameters shared by every arm (section.name = value)",
    "arms": "named variants of the model (tables of section.name = value)",
    "studies": "groups of arms run on the same problems (arms, rounds, set)",
    "patterns": "the published patterns, each a [[patterns]] table",
}
PATTERN_FIELDS = {
    "name": "short name of the pattern (letters, digits, underscores)",
    "label": "what the figure is, in words",
    "measure": "which of the driver's measures it is compared with",
    "check": "how the verdict is reached: " + "; ".join(f"'{k}': {v}" for k, v in CHECKS.items()),
    "published": "the published figure: a number, a table of numbers, or words for a direction",
    "source": "where the published figure comes from (table or figure, page)",
    "tolerance": "absolute tolerance around the published figure (with check 'close')",
    "tolerance_relative": "tolerance as a share of the published figure (the larger of the two applies)",
    "tolerance_se": (
        "standard errors of the difference between the published figure and cisim's allowed on top of "
        "'tolerance' (then the published figure's own reading error): tolerance + z x SE"
    ),
    "published_n": "runs behind the published figure (its standard error is taken as cisim's scaled by sqrt(n/n))",
    "threshold": "the value the interval must clear (with checks 'above' and 'below'; default 0)",
    "note": "what a reader should know about this comparison",
}
STUDY_FIELDS = {
    "arms": "list of arm names run on the same problems and starting solutions",
    "rounds": "rounds (steps) per run",
    "set": "model parameters changed for this study (section.name = value)",
}
NAME = re.compile(r"^[a-z][a-z0-9_]*$")


class ValidationFileError(InputError):
    """One or more problems in validation experiment files; each names the file, field, value and expectation."""


@dataclass(frozen=True)
class Field:
    """One field a driver accepts in ``[parameters]``, ``[full]`` or ``[quick]``."""

    kind: str
    meaning: str
    low: float | None = None
    high: float | None = None

    def expected(self) -> str:
        """Plain-language description of the values accepted."""
        noun = {
            "int": "a whole number",
            "float": "a number",
            "int_list": "a list of whole numbers",
            "float_list": "a list of numbers",
        }[self.kind]
        if self.low is not None and self.high is not None:
            return f"{noun} from {self.low:g} to {self.high:g} ({self.meaning})"
        if self.low is not None:
            return f"{noun} of at least {self.low:g} ({self.meaning})"
        return f"{noun} ({self.meaning})"

    def check(self, value: Any) -> tuple[Any, bool]:
        """The value converted to its kind, and whether it is acceptable."""
        if self.kind.endswith("_list"):
            if not isinstance(value, list) or not value:
                return value, False
            items = [self._scalar(item, self.kind.removesuffix("_list")) for item in value]
            return [i for i, _ in items], all(ok for _, ok in items)
        return self._scalar(value, self.kind)

    def _scalar(self, value: Any, kind: str) -> tuple[Any, bool]:
        if isinstance(value, bool) or not isinstance(value, int | float):
            return value, False
        if kind == "int":
            if isinstance(value, float) and not value.is_integer():
                return value, False
            value = int(value)
        else:
            value = float(value)
            if not math.isfinite(value):
                return value, False
        if (self.low is not None and value < self.low) or (self.high is not None and value > self.high):
            return value, False
        return value, True


@dataclass(frozen=True)
class PatternSpec:
    """A published pattern: what is compared, the published figure, its source, and the tolerance."""

    name: str
    label: str
    measure: str
    check: str
    source: str
    published: float | str | dict[str, float] | None = None
    tolerance: float = 0.0
    tolerance_relative: float = 0.0
    threshold: float = 0.0
    note: str = ""
    tolerance_se: float = 0.0
    published_n: int = 0


@dataclass(frozen=True)
class Study:
    """Arms run on the same problems and starting solutions, for ``rounds`` rounds, with ``set`` applied."""

    name: str
    arms: tuple[str, ...]
    rounds: int
    overrides: dict[str, Any]


@dataclass(frozen=True)
class ValidationSpec:
    """A validated validation experiment."""

    path: Path
    name: str
    driver: str
    title: str
    citation: str
    seed: int
    description: str
    parameters: dict[str, Any]
    full: dict[str, Any]
    quick: dict[str, Any]
    patterns: tuple[PatternSpec, ...]
    model: dict[str, Any] = field(default_factory=dict)
    arms: dict[str, dict[str, Any]] = field(default_factory=dict)
    studies: dict[str, Study] = field(default_factory=dict)
    exercises: tuple[str, ...] = ()
    standalone: str = ""

    def sizes(self, quick: bool) -> dict[str, Any]:
        """The sizes to run at: the published ones, or the reduced ones with ``quick``."""
        return dict(self.quick if quick else self.full)


class DriverSchema(Protocol):
    """What the loader needs to know about a driver to validate a file written for it."""

    @property
    def parameters(self) -> Mapping[str, Field]:
        """Fields of ``[parameters]``."""
        ...

    @property
    def sizes(self) -> Mapping[str, Field]:
        """Fields of ``[full]`` and ``[quick]``."""
        ...

    @property
    def measures(self) -> Mapping[str, str]:
        """What the driver measures, by name, with its meaning."""
        ...

    @property
    def uses_model(self) -> bool:
        """Whether the file gives ``[model]`` and ``[arms]``."""
        ...

    @property
    def studies(self) -> tuple[str, ...]:
        """The studies (groups of arms) the file must give."""
        ...

    def check(self, spec: ValidationSpec) -> list[str]:
        """Problems that involve several fields at once (e.g. a K above what N allows)."""
        ...


def find_experiments(names: list[str], folder: Path = DEFAULT_FOLDER) -> list[Path]:
    """The files for ``names`` (each a path or a name in ``folder``), or every file in ``folder``."""
    available = sorted(folder.glob("*.toml")) if folder.is_dir() else []
    if not names:
        if not available:
            raise ValidationFileError([f"{folder}: no validation experiments (*.toml) there"])
        return available
    paths, problems = [], []
    stems = [p.stem for p in available]
    for name in names:
        path = Path(name)
        if path.is_file():
            paths.append(path)
        elif (folder / f"{name}.toml").is_file():
            paths.append(folder / f"{name}.toml")
        else:
            listing = ", ".join(stems) if stems else "none"
            problems.append(
                f"{name}: no such validation experiment{suggest(name, stems)}; expected a file or one of: {listing}"
            )
    if problems:
        raise ValidationFileError(problems)
    return paths


def load_validation(path: Path, drivers: Mapping[str, DriverSchema]) -> ValidationSpec:
    """Read and validate one experiment file, or raise ``ValidationFileError`` listing every problem."""
    where = str(path)
    try:
        data, _ = read_toml(
            path, "validation file", "expected a validation experiment in TOML (experiments/validation/)"
        )
    except InputError as error:
        raise ValidationFileError(error.problems) from None
    problems: list[str] = []
    for key in data:
        if key not in TOP_FIELDS:
            problems.append(f"{where}: unknown field '{key}'{suggest(key, TOP_FIELDS)}")
    text = {key: _text(data, key, where, problems, required=key != "description") for key in _TEXT_FIELDS}
    if text["name"] and not NAME.match(text["name"]):
        problems.append(f"{where}: field 'name' = {text['name']!r}: expected {TOP_FIELDS['name']}")
    seed = data.get("seed")
    if seed is None:
        problems.append(f"{where}: field 'seed' is missing: expected {TOP_FIELDS['seed']}, at least 0")
        seed = 0
    elif isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        problems.append(f"{where}: field 'seed' = {seed!r}: expected {TOP_FIELDS['seed']}, at least 0")
        seed = 0
    driver = drivers.get(text["driver"]) if text["driver"] else None
    if text["driver"] and driver is None:
        problems.append(
            f"{where}: field 'driver' = {text['driver']!r}: expected one of "
            + ", ".join(repr(d) for d in drivers)
            + suggest(text["driver"], drivers)
        )
    if driver is None:
        raise ValidationFileError(problems or [f"{where}: field 'driver' is missing: expected {TOP_FIELDS['driver']}"])
    parameters = _fields(data.get("parameters", {}), driver.parameters, "parameters", where, problems)
    full = _fields(data.get("full"), driver.sizes, "full", where, problems)
    quick = _fields(data.get("quick"), driver.sizes, "quick", where, problems)
    patterns = _patterns(data.get("patterns"), driver, where, problems)
    model, arms, studies = {}, {}, {}
    if driver.uses_model:
        model = _model_values(data.get("model", {}), "model", where, problems)
        arms = _arms(data.get("arms"), where, problems)
        if driver.studies:
            studies = _studies(data.get("studies"), arms, driver, where, problems)
        elif "studies" in data:
            problems.append(f"{where}: field 'studies': driver {text['driver']!r} runs no studies")
    else:
        for key in ("model", "arms", "studies"):
            if key in data:
                problems.append(f"{where}: field '{key}': driver {text['driver']!r} does not run the model")
    exercises = _exercises(
        data, driver, text["driver"], {"model": model, "arms": arms, "studies": studies}, where, problems
    )
    standalone = data.get("standalone", "")
    if not isinstance(standalone, str):
        problems.append(f"{where}: field 'standalone' = {standalone!r}: expected text ({TOP_FIELDS['standalone']})")
        standalone = ""
    if not driver.uses_model and not standalone.strip():
        problems.append(
            f"{where}: field 'standalone' is missing: driver {text['driver']!r} does not run the model; expected "
            "text saying what it reimplements outside cisim's model"
        )
    if problems:
        raise ValidationFileError(problems)
    spec = ValidationSpec(
        path=path,
        name=text["name"],
        driver=text["driver"],
        title=text["title"],
        citation=text["citation"],
        seed=int(seed),
        description=text["description"],
        parameters=parameters,
        full=full,
        quick=quick,
        patterns=patterns,
        model=model,
        arms=arms,
        studies=studies,
        exercises=exercises,
        standalone=standalone.strip(),
    )
    problems = [f"{where}: {problem}" for problem in driver.check(spec)]
    if problems:
        raise ValidationFileError(problems)
    return spec


_TEXT_FIELDS = ("name", "driver", "title", "citation", "description")


def _exercises(
    data: dict[str, Any], driver: DriverSchema, name: str, values: dict[str, Any], where: str, problems: list[str]
) -> tuple[str, ...]:
    """The mechanisms the file claims, each checked against what the run can go through.

    A driver that does not run the model can go through the landscape at most; a model experiment claims
    ``network``, ``plan`` or ``backbone`` only if some arm turns it on, and ``agenda`` or ``measurement``
    only if two arms differ in it (a weight held at one value is not tested by the run).
    """
    claimed = data.get("exercises")
    expected = f"expected a list of: {', '.join(MECHANISMS)} (an empty list if none)"
    if not isinstance(claimed, list) or not all(isinstance(item, str) for item in claimed):
        problems.append(f"{where}: field 'exercises' = {claimed!r}: {expected}")
        return ()
    for item in claimed:
        if item not in MECHANISMS:
            problems.append(f"{where}: field 'exercises' names {item!r}{suggest(item, MECHANISMS)}: {expected}")
    if not driver.uses_model:
        beyond = [item for item in claimed if item in MECHANISMS and item != "landscape"]
        if beyond:
            problems.append(
                f"{where}: field 'exercises' = {claimed!r}: driver {name!r} does not run the model, so it can go "
                f"through cisim's landscape at most, not {', '.join(map(repr, beyond))}"
            )
        return tuple(claimed)
    settings = _arm_settings(values)
    for item in claimed:
        if item not in CLAIMS:
            continue
        keys, test = CLAIMS[item]
        found = {key: {float(arm.get(key, BY_KEY[key].default)) for arm in settings} for key in keys}
        if test.startswith("above"):
            ok = any(level > 0 for levels in found.values() for level in levels)
        else:
            ok = any(len(levels) > 1 for levels in found.values())
        if not ok:
            seen = "; ".join(f"'{key}' {sorted(levels)!r}" for key, levels in found.items())
            problems.append(
                f"{where}: field 'exercises' names {item!r}, but over the arms {seen}: expected "
                f"{' or '.join(repr(k) for k in keys)} {test}"
            )
    return tuple(claimed)


def _arm_settings(values: dict[str, Any]) -> list[dict[str, Any]]:
    """Every combination of shared values, an arm's values and a study's values the experiment runs."""
    model, arms, studies = values["model"], values["arms"], values["studies"]
    if studies:
        return [{**model, **arms.get(arm, {}), **study.overrides} for study in studies.values() for arm in study.arms]
    return [{**model, **arm} for arm in arms.values()] or [dict(model)]


def _text(data: dict[str, Any], key: str, where: str, problems: list[str], required: bool = True) -> str:
    value = data.get(key, "" if not required else None)
    if value is None:
        problems.append(f"{where}: field '{key}' is missing: expected text ({TOP_FIELDS[key]})")
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        problems.append(f"{where}: field '{key}' = {value!r}: expected text ({TOP_FIELDS[key]})")
        return ""
    return value.strip()


def _fields(table: Any, schema: Mapping[str, Field], label: str, where: str, problems: list[str]) -> dict[str, Any]:
    if not isinstance(table, dict):
        problems.append(f"{where}: field '{label}' = {table!r}: expected a table with " + ", ".join(schema))
        return {}
    values: dict[str, Any] = {}
    for key, value in table.items():
        if key not in schema:
            problems.append(
                f"{where}: unknown field '{label}.{key}'{suggest(key, schema)}; expected one of " + ", ".join(schema)
            )
            continue
        checked, ok = schema[key].check(value)
        if not ok:
            problems.append(f"{where}: field '{label}.{key}' = {value!r}: expected {schema[key].expected()}")
        values[key] = checked
    for key in schema:
        if key not in table:
            problems.append(f"{where}: field '{label}.{key}' is missing: expected {schema[key].expected()}")
    return values


def _patterns(items: Any, driver: DriverSchema, where: str, problems: list[str]) -> tuple[PatternSpec, ...]:
    if not isinstance(items, list) or not items or not all(isinstance(i, dict) for i in items):
        problems.append(f"{where}: field 'patterns' is missing or not a list of tables: expected [[patterns]] tables")
        return ()
    patterns, seen = [], set()
    for index, item in enumerate(items):
        at = f"patterns[{index}]"
        for key in item:
            if key not in PATTERN_FIELDS:
                problems.append(f"{where}: unknown field '{at}.{key}'{suggest(key, PATTERN_FIELDS)}")
        name = item.get("name")
        if not isinstance(name, str) or not NAME.match(name) or name in seen:
            problems.append(f"{where}: field '{at}.name' = {name!r}: expected a new {PATTERN_FIELDS['name']}")
            name = f"pattern_{index}"
        seen.add(name)
        at = f"patterns.{name}"
        strings = {}
        for key in ("label", "measure", "source"):
            value = item.get(key)
            if not isinstance(value, str) or not value.strip():
                problems.append(f"{where}: field '{at}.{key}' = {value!r}: expected text ({PATTERN_FIELDS[key]})")
            strings[key] = value.strip() if isinstance(value, str) else ""
        if strings["measure"] and strings["measure"] not in driver.measures:
            problems.append(
                f"{where}: field '{at}.measure' = {strings['measure']!r}: expected one of "
                + ", ".join(driver.measures)
                + suggest(strings["measure"], driver.measures)
            )
        check = item.get("check", "close")
        if check not in CHECKS:
            problems.append(f"{where}: field '{at}.check' = {check!r}: expected one of " + ", ".join(map(repr, CHECKS)))
        published = _published(item.get("published"), check, f"{at}.published", where, problems)
        numbers = {}
        for key in ("tolerance", "tolerance_relative", "threshold", "tolerance_se"):
            value = item.get(key, 0.0)
            low_ok = key == "threshold" or (isinstance(value, int | float) and value >= 0)
            if isinstance(value, bool) or not isinstance(value, int | float) or not low_ok:
                expected = "a number" if key == "threshold" else "a number of at least 0"
                problems.append(f"{where}: field '{at}.{key}' = {value!r}: expected {expected} ({PATTERN_FIELDS[key]})")
                value = 0.0
            numbers[key] = float(value)
        published_n = item.get("published_n", 0)
        if isinstance(published_n, bool) or not isinstance(published_n, int) or published_n < 0:
            problems.append(
                f"{where}: field '{at}.published_n' = {published_n!r}: expected a whole number of at least 0 "
                f"({PATTERN_FIELDS['published_n']})"
            )
            published_n = 0
        if published_n and not numbers["tolerance_se"]:
            problems.append(f"{where}: field '{at}.published_n' is given without 'tolerance_se': expected both")
        if check == "close" and not {"tolerance", "tolerance_relative", "tolerance_se"} & set(item):
            problems.append(f"{where}: field '{at}.tolerance' is missing: expected {PATTERN_FIELDS['tolerance']}")
        note = item.get("note", "")
        if not isinstance(note, str):
            problems.append(f"{where}: field '{at}.note' = {note!r}: expected text")
            note = ""
        patterns.append(
            PatternSpec(
                name=name,
                label=strings["label"],
                measure=strings["measure"],
                check=check if check in CHECKS else "close",
                source=strings["source"],
                published=published,
                note=note.strip(),
                published_n=published_n,
                **numbers,
            )
        )
    return tuple(patterns)


def _published(
    value: Any, check: str, at: str, where: str, problems: list[str]
) -> float | str | dict[str, float] | None:
    """A number or table of numbers (any check); words are allowed only for directions (checks 'above', 'below')."""
    if isinstance(value, dict):
        table: dict[str, float] = {}
        for key, number in value.items():
            if isinstance(number, bool) or not isinstance(number, int | float):
                problems.append(f"{where}: field '{at}.{key}' = {number!r}: expected a number")
            else:
                table[str(key)] = float(number)
        return table
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if check != "close" and (value is None or isinstance(value, str)):
        return value
    expected = "a number or a table of numbers" if check == "close" else "a number, a table of numbers, or words"
    problems.append(f"{where}: field '{at}' = {value!r}: expected {expected}")
    return None


def _flatten(table: dict[str, Any]) -> dict[str, Any]:
    """``{"communication": {"network": "linear"}}`` and ``{"communication.network": ...}`` alike, as dotted keys."""
    flat: dict[str, Any] = {}
    for key, value in table.items():
        if isinstance(value, dict):
            for inner, item in value.items():
                flat[f"{key}.{inner}"] = item
        else:
            flat[key] = value
    return flat


def _model_values(table: Any, label: str, where: str, problems: list[str]) -> dict[str, Any]:
    """Model parameters as dotted keys, checked against the scenario schema."""
    if not isinstance(table, dict):
        problems.append(f"{where}: field '{label}' = {table!r}: expected a table of section.name = value")
        return {}
    values: dict[str, Any] = {}
    for key, value in _flatten(table).items():
        if key not in BY_KEY:
            problems.append(f"{where}: unknown model parameter '{label}.{key}'{suggest(key, BY_KEY)}")
            continue
        checked, problem = check_value(BY_KEY[key], value)
        if problem:
            problems.append(f"{where}: field '{label}.{key}' = {value!r}: {problem}")
        values[key] = checked
    return values


def _arms(table: Any, where: str, problems: list[str]) -> dict[str, dict[str, Any]]:
    if not isinstance(table, dict) or not table:
        problems.append(f"{where}: field 'arms' = {table!r}: expected named tables, e.g. [arms.linear]")
        return {}
    arms = {}
    for name, values in table.items():
        if not NAME.match(name):
            problems.append(f"{where}: field 'arms.{name}': expected an arm name of letters, digits and underscores")
        arms[name] = _model_values(values, f"arms.{name}", where, problems)
    return arms


def _studies(
    table: Any, arms: dict[str, dict[str, Any]], driver: DriverSchema, where: str, problems: list[str]
) -> dict[str, Study]:
    if not isinstance(table, dict):
        problems.append(f"{where}: field 'studies' = {table!r}: expected tables " + ", ".join(driver.studies))
        return {}
    studies = {}
    for name in driver.studies:
        if name not in table:
            problems.append(f"{where}: field 'studies.{name}' is missing: expected a table with arms and rounds")
    for name, spec in table.items():
        at = f"studies.{name}"
        if name not in driver.studies:
            problems.append(f"{where}: unknown field '{at}'{suggest(name, driver.studies)}")
            continue
        if not isinstance(spec, dict):
            problems.append(f"{where}: field '{at}' = {spec!r}: expected a table with " + ", ".join(STUDY_FIELDS))
            continue
        for key in spec:
            if key not in STUDY_FIELDS:
                problems.append(f"{where}: unknown field '{at}.{key}'{suggest(key, STUDY_FIELDS)}")
        names = spec.get("arms")
        if not isinstance(names, list) or len(names) < 2 or not all(isinstance(a, str) for a in names):
            problems.append(f"{where}: field '{at}.arms' = {names!r}: expected {STUDY_FIELDS['arms']} (two or more)")
            names = []
        for arm in names:
            if arm not in arms:
                problems.append(
                    f"{where}: field '{at}.arms' names {arm!r}: "
                    f"expected an arm defined under [arms]{suggest(arm, arms)}"
                )
        rounds, ok = Field("int", STUDY_FIELDS["rounds"], 1, 100_000).check(spec.get("rounds"))
        if not ok:
            problems.append(
                f"{where}: field '{at}.rounds' = {spec.get('rounds')!r}: expected a whole number from 1 to 100000"
            )
        overrides = _model_values(spec.get("set", {}), f"{at}.set", where, problems)
        studies[name] = Study(name, tuple(names), int(rounds) if ok else 1, overrides)
    return studies
