"""Validation: published computational results reproduced through cisim's own machinery.

Each experiment in ``experiments/validation/`` names a published study, the driver that reproduces it
(its landscape, search, networks, shared agenda), the published patterns with their sources, and the
tolerance within which cisim's figure counts as reproducing each one. ``cisim validate`` runs them;
``docs/validation.md`` sets the figures side by side.
"""

from cisim.validation.registry import drivers
from cisim.validation.runner import ExperimentOutcome, run_experiment
from cisim.validation.spec import DEFAULT_FOLDER, ValidationFileError, ValidationSpec, find_experiments, load_validation

__all__ = [
    "DEFAULT_FOLDER",
    "ExperimentOutcome",
    "ValidationFileError",
    "ValidationSpec",
    "drivers",
    "find_experiments",
    "load_validation",
    "run_experiment",
]
