"""Shared fixtures: the shipped validation experiments, loaded once, and their quick runs."""

from __future__ import annotations

import pytest

from cisim.validation import drivers, run_experiment
from cisim.validation.runner import ExperimentOutcome
from tests.validation.shipped import shipped


@pytest.fixture(scope="session")
def levinthal_quick() -> ExperimentOutcome:
    """Levinthal (1997) at its quick size (a couple of seconds)."""
    spec = shipped("levinthal_1997")
    return run_experiment(spec, drivers()[spec.driver], quick=True)


@pytest.fixture(scope="session")
def march_quick() -> ExperimentOutcome:
    """March (1991) at its quick size (a few seconds)."""
    spec = shipped("march_1991")
    return run_experiment(spec, drivers()[spec.driver], quick=True)
