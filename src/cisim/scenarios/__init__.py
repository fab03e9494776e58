"""Scenario files: the schema of every parameter, and loading with clear messages for every mistake."""

from cisim.scenarios.scenario import (
    ARMS,
    Scenario,
    ScenarioError,
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
    "load_scenario",
    "parse_scenario",
]
