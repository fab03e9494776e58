"""Write ``cisim/scenarios/params.py``: typed, frozen parameters generated from the schema.

The schema (``cisim.scenarios.schema.PARAMETERS``) stays the one list of parameters; this renders it as one
frozen dataclass per section so that code inside the model reads ``params.problem.k`` (checked by mypy and
completed by editors) instead of dotted strings. Run ``python -m cisim.scenarios.codegen`` after changing the
schema; a test fails while the generated file and the schema differ.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

from cisim.scenarios.schema import PARAMETERS, SECTIONS, Parameter

TARGET = Path(__file__).with_name("params.py")

_HEADER = '''"""Typed, frozen parameters: one dataclass per section of the scenario schema.

Generated from ``cisim.scenarios.schema`` by ``python -m cisim.scenarios.codegen``; do not edit by hand (a test
fails when this file and the schema differ). Dotted names (``"problem.k"``) belong to files, the command line and
result columns; code inside the model reads ``params.problem.k``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Literal
'''

_FOOTER = '''
    @classmethod
    def from_values(cls, values: Mapping[str, Any]) -> Params:
        """Parameters from already validated values keyed by dotted name (``Scenario.values``)."""
        sections: dict[str, dict[str, Any]] = {name: {} for name in SECTION_CLASSES}
        for key, value in values.items():
            section, _, name = key.partition(".")
            sections[section][name] = value
        return cls(**{name: SECTION_CLASSES[name](**group) for name, group in sections.items()})

    def values(self) -> dict[str, Any]:
        """Every parameter keyed by dotted name, as in scenario files and result columns."""
        return {f"{section}.{name}": value for section, group in asdict(self).items() for name, value in group.items()}

    def flat(self) -> dict[str, Any]:
        """Every parameter keyed by its short name, as the model's keyword arguments."""
        return {name: value for group in asdict(self).values() for name, value in group.items()}
'''


def _literal(value: object) -> str:
    """A Python literal in the project's formatting (double quotes)."""
    return f'"{value}"' if isinstance(value, str) else repr(value)


def _annotation(parameter: Parameter) -> str:
    if parameter.choices:
        return "Literal[" + ", ".join(_literal(choice) for choice in parameter.choices) + "]"
    return parameter.kind.__name__


def _class_name(section: str) -> str:
    return "".join(part.title() for part in section.split("_")) + "Params"


def render() -> str:
    """The source of ``params.py`` for the current schema."""
    parts = [_HEADER]
    for section in SECTIONS:
        parts.append(f"\n\n@dataclass(frozen=True, slots=True)\nclass {_class_name(section)}:\n")
        parts.append(f'    """Section [{section}] of a scenario."""\n')
        for parameter in (p for p in PARAMETERS if p.section == section):
            line = f"    {parameter.name}: {_annotation(parameter)} = {_literal(parameter.default)}"
            if len(line) > 120:  # the default on lines of its own, as the formatter splits it
                line = (
                    f"    {parameter.name}: {_annotation(parameter)} = (\n        {_literal(parameter.default)}\n    )"
                )
            if parameter.choices and max(map(len, line.splitlines())) > 120:  # choices one per line, as the formatter
                choices = "".join(f"        {_literal(choice)},\n" for choice in parameter.choices)
                line = f"    {parameter.name}: Literal[\n{choices}    ] = {_literal(parameter.default)}"
            parts.append(f"\n{line}\n")
            meaning = parameter.help + (f" [{parameter.unit}]" if parameter.unit else "")
            wrapped = textwrap.fill(meaning, width=108, initial_indent="    ", subsequent_indent="    ")
            parts.append(f'    """{wrapped.strip()}"""\n' if len(wrapped) <= 110 else f'    """\n{wrapped}\n    """\n')
    parts.append("\n\n@dataclass(frozen=True, slots=True)\nclass Params:\n")
    parts.append('    """Every parameter of a model, one typed section each: ``params.problem.k``."""\n\n')
    for section in SECTIONS:
        parts.append(f"    {section}: {_class_name(section)} = field(default_factory={_class_name(section)})\n")
    parts.append(_FOOTER)
    parts.append("\n\n#: Each section's name and its class, in schema order.\nSECTION_CLASSES: dict[str, Any] = {\n")
    parts.extend(f'    "{section}": {_class_name(section)},\n' for section in SECTIONS)
    parts.append("}\n")
    return "".join(parts)


def main() -> None:
    """Write the generated module next to this one."""
    TARGET.write_text(render(), encoding="utf-8")
    print(f"wrote {TARGET}")


if __name__ == "__main__":
    main()
