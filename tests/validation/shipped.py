"""The validation experiments shipped in experiments/validation/, loaded as a user would load them."""

from __future__ import annotations

import re
from pathlib import Path

from cisim.validation import drivers, load_validation
from cisim.validation.spec import ValidationSpec

FOLDER = Path(__file__).parents[2] / "experiments" / "validation"

#: What makes a shipped model experiment small enough for a few seconds: fewer elements and organizations,
#: shorter runs, a handful of replicates. Every change must apply (the file is checked for it).
SMALL = {
    "lazer_friedman_2007": [
        (r"problem\.n_elements = 20", "problem.n_elements = 10"),
        (r"organizations\.n_organizations = 100", "organizations.n_organizations = 16"),
        (r"rounds = 100\b", "rounds = 20"),
        (r"rounds = 400\b", "rounds = 30"),
        (r"rounds = 50\b", "rounds = 20"),
        (r"diversity_rounds = \[[^\]]*\]", "diversity_rounds = [2, 5, 10, 16]"),
        (r"(\[quick\]\s+replicates) = \d+", r"\1 = 2"),
    ],
    "rivkin_siggelkow_2003": [
        (r"rounds = 100\b", "rounds = 20"),
        (r"(\[quick\]\s+replicates) = \d+", r"\1 = 3"),
    ],
}


def shipped(name: str) -> ValidationSpec:
    """A shipped validation experiment, validated."""
    return load_validation(FOLDER / f"{name}.toml", drivers())


def small_model_experiment(name: str) -> str:
    """The text of a shipped model experiment made small (its quick size runs in a few seconds)."""
    text = (FOLDER / f"{name}.toml").read_text()
    for pattern, replacement in SMALL[name]:
        text, count = re.subn(pattern, replacement, text)
        assert count, f"{name}.toml no longer contains {pattern!r}: update tests/validation/shipped.py"
    return text


def run_on_all_cores(spec: ValidationSpec, quick: bool):
    """Run a shipped experiment as ``cisim validate`` does by default: its problems spread over every core.

    The record is the same with any number of workers (``tests/validation/test_workers.py``); the slow tests
    use every core only to finish sooner.
    """
    from cisim.experiments.executors import default_workers, make_executor
    from cisim.validation import run_experiment

    workers = default_workers()
    with make_executor("processes" if workers > 1 else "serial", workers) as pool:
        return run_experiment(spec, drivers()[spec.driver], quick, executor=pool, workers=workers)
