"""cisim: agent-based simulation of isolated versus collective impact.

Organizations work on a complex social problem alone or under the five conditions of collective impact
(common agenda, shared measurement, mutually reinforcing activities, continuous communication, a backbone
organization). ``cisim.run`` and ``cisim.compare`` mirror the ``cisim`` command line.
"""

from cisim.api import compare, resolve_scenario, run
from cisim.scenarios import Scenario, ScenarioError, default_scenario, load_scenario

__version__ = "0.1.0"

__all__ = [
    "Scenario",
    "ScenarioError",
    "__version__",
    "compare",
    "default_scenario",
    "load_scenario",
    "resolve_scenario",
    "run",
]
