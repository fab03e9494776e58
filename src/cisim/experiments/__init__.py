"""Running scenarios: single runs, paired comparisons, and declared experiments swept on any executor.

The public names are imported on first use, so that a sweep's worker process, which imports
``cisim.experiments.worker`` only, does not load the design and sampling machinery (scipy among it) as well.
"""

from importlib import import_module
from typing import Any

_PUBLIC = {
    "SUMMARY_COLUMNS": "cisim.experiments.runs",
    "RunResult": "cisim.experiments.runs",
    "replicate_seeds": "cisim.experiments.runs",
    "run_model": "cisim.experiments.runs",
    "summarise": "cisim.experiments.runs",
    "Comparison": "cisim.experiments.compare",
    "compare_arms": "cisim.experiments.compare",
}

__all__ = ["SUMMARY_COLUMNS", "Comparison", "RunResult", "compare_arms", "replicate_seeds", "run_model", "summarise"]


def __getattr__(name: str) -> Any:
    if name in _PUBLIC:
        return getattr(import_module(_PUBLIC[name]), name)
    raise AttributeError(f"module 'cisim.experiments' has no attribute {name!r}")
