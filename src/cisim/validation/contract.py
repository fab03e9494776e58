"""What the collective-impact model promises for reproducing published network and organization studies.

The model's schema is the one list of parameters; this module only names the parameters and attributes the
validation drivers need that the model is adding (its per-organization mode, new networks, copy errors,
adjacent interactions), so an experiment file can name them now and say plainly what is missing until the
model offers them. A parameter leaves this list's "needs" as soon as the schema has it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cisim.scenarios.schema import BY_KEY


@dataclass(frozen=True)
class Promised:
    """A parameter the model is adding: its kind and the values it will accept."""

    kind: type
    meaning: str
    choices: tuple[str, ...] = ()
    low: float | None = None
    high: float | None = None

    def check(self, value: Any) -> tuple[Any, str]:
        """The value, and a problem (``"expected ..."``) or ``""``."""
        if self.choices:
            ok = isinstance(value, str) and value in self.choices
            return value, "" if ok else "expected one of " + ", ".join(repr(c) for c in self.choices)
        if isinstance(value, bool) or not isinstance(value, int | float):
            return value, f"expected a number ({self.meaning})"
        if self.kind is int and isinstance(value, float) and not value.is_integer():
            return value, f"expected a whole number ({self.meaning})"
        if (self.low is not None and value < self.low) or (self.high is not None and value > self.high):
            return value, f"expected a value from {self.low:g} to {self.high:g} ({self.meaning})"
        return (int(value) if self.kind is int else float(value)), ""


#: Parameters the model is adding (CONTRACT: "Parameters added to the schema").
PROMISED: dict[str, Promised] = {
    "organizations.solutions": Promised(str, "who holds a solution", choices=("shared", "own")),
    "problem.interaction": Promised(str, "which elements interact", choices=("random", "adjacent")),
    "communication.degree": Promised(int, "neighbours per organization in small-world and random networks", low=1),
    "communication.rewiring": Promised(float, "share of links rewired in small-world networks", low=0.0, high=1.0),
    "communication.copy_error": Promised(float, "chance each element is copied wrongly", low=0.0, high=1.0),
    "conditions.dynamics": Promised(str, "whether condition levels stay as given", choices=("fixed", "built")),
    "costs.backbone_paid_by": Promised(str, "who pays the backbone", choices=("members", "funder")),
}

#: Network kinds the model is adding to ``communication.network``.
PROMISED_NETWORKS = ("linear", "random")


def missing_parameters(*layers: dict[str, Any]) -> list[str]:
    """The parameters (and network kinds) in any of ``layers`` that the model's schema does not offer yet.

    Each layer (the shared model values, each arm, each study's changes) is checked on its own, so a network
    kind named by one arm is not hidden by another arm's.
    """
    missing: list[str] = []
    network = BY_KEY.get("communication.network")
    for values in layers:
        for key in values:
            if key not in BY_KEY and key not in missing:
                missing.append(key)
        kind = values.get("communication.network")
        need = f"communication.network = {kind!r}"
        unknown_kind = network is not None and network.choices and kind is not None and kind not in network.choices
        if unknown_kind and need not in missing:
            missing.append(need)
    return missing
