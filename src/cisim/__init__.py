"""cisim: agent-based simulation of isolated versus collective impact.

Organizations work on a complex social problem alone or under the five conditions of collective impact
(common agenda, shared measurement, mutually reinforcing activities, continuous communication, a backbone
organization). ``cisim.run``, ``cisim.compare`` and ``cisim.sweep`` mirror the ``cisim`` command line;
``cisim.load_results`` reads a sweep's results folder.
"""

from cisim.api import compare, resolve_scenario, run, sweep
from cisim.experiments.store import load_results
from cisim.scenarios import Scenario, ScenarioError, default_scenario, load_scenario
from cisim.version import __version__

__all__ = [
    "Scenario",
    "ScenarioError",
    "__version__",
    "compare",
    "default_scenario",
    "load_results",
    "load_scenario",
    "resolve_scenario",
    "run",
    "sweep",
]
