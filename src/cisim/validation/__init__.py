"""Validation: published computational results reproduced, most through cisim's model.

Each experiment in ``experiments/validation/`` names a published study, the driver that reproduces it, the
mechanisms of the model its runs go through (``exercises``; none for a standalone reimplementation, which
says so), the published patterns with their sources, and the
tolerance within which cisim's figure counts as reproducing each one. ``cisim validate`` runs them;
``docs/validation.md`` sets the figures side by side.
"""

from collections.abc import Mapping

from cisim.validation.runner import Driver, ExperimentOutcome, run_experiment
from cisim.validation.spec import DEFAULT_FOLDER, ValidationFileError, ValidationSpec, find_experiments, load_validation


def drivers() -> Mapping[str, Driver]:
    """Every reproduction cisim knows, by the name experiment files give in ``driver``.

    Imported when asked for: the drivers bring in the model, which ``cisim validate --help`` does not need.
    """
    from cisim.validation.registry import drivers as known

    return known()


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
