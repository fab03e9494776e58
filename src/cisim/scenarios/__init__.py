"""Scenario files: the schema of every parameter, and loading with clear messages for every mistake."""

from cisim.scenarios.errors import ScenarioError
from cisim.scenarios.library import entries, find_scenario, header_comment, reference, starting_file
from cisim.scenarios.scenario import (
    ARMS,
    Scenario,
    default_scenario,
    load_scenario,
    parse_scenario,
)
from cisim.scenarios.schema import CONDITIONS, PARAMETERS, ROLES, Parameter

__all__ = [
    "ARMS",
    "CONDITIONS",
    "PARAMETERS",
    "ROLES",
    "Parameter",
    "Scenario",
    "ScenarioError",
    "default_scenario",
    "entries",
    "find_scenario",
    "header_comment",
    "load_scenario",
    "parse_scenario",
    "reference",
    "starting_file",
]
