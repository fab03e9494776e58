"""The experiment fixture of tests/experiments, for the command-line tests of sweeps."""

from tests.experiments.conftest import experiment_file

__all__ = ["experiment_file"]
