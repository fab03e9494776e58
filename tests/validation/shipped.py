"""The validation experiments shipped in experiments/validation/, loaded as a user would load them."""

from __future__ import annotations

from pathlib import Path

from cisim.validation import drivers, load_validation
from cisim.validation.spec import ValidationSpec

FOLDER = Path(__file__).parents[2] / "experiments" / "validation"


def shipped(name: str) -> ValidationSpec:
    """A shipped validation experiment, validated."""
    return load_validation(FOLDER / f"{name}.toml", drivers())
