"""cisim: agent-based simulation of isolated versus collective impact.

Organizations work on a complex social problem alone or under the five conditions of collective impact
(common agenda, shared measurement, mutually reinforcing activities, continuous communication, a backbone
organization). ``cisim.run``, ``cisim.compare`` and ``cisim.sweep`` mirror the ``cisim`` command line;
``cisim.load_results`` reads a sweep's results folder.

The public names are imported on first use, so a sweep's worker processes, which import only what a run
needs, start quickly.
"""

from importlib import import_module
from typing import Any

from cisim.version import __version__

_PUBLIC = {
    "compare": "cisim.api",
    "resolve_scenario": "cisim.api",
    "run": "cisim.api",
    "sweep": "cisim.api",
    "load_results": "cisim.experiments.store",
    "Scenario": "cisim.scenarios",
    "ScenarioError": "cisim.scenarios",
    "default_scenario": "cisim.scenarios",
    "load_scenario": "cisim.scenarios",
}

__all__ = ["__version__", *sorted(_PUBLIC)]


def __getattr__(name: str) -> Any:
    if name in _PUBLIC:
        return getattr(import_module(_PUBLIC[name]), name)
    raise AttributeError(f"module 'cisim' has no attribute {name!r}")
