"""The one error a scenario or experiment file raises: a list of plain messages, one per mistake."""

from __future__ import annotations

from cisim.files import InputError


class ScenarioError(InputError):
    """A scenario could not be loaded; ``problems`` holds one plain message per mistake."""
