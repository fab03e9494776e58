"""The one error a scenario or experiment file raises: a list of plain messages, one per mistake."""

from __future__ import annotations


class ScenarioError(ValueError):
    """A scenario could not be loaded; ``problems`` holds one plain message per mistake."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems
