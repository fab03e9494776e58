"""A region: one community state, the organizations acting on it, and their coalition (source 004)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from cisim.scenarios.schema import CONDITIONS

if TYPE_CHECKING:
    from cisim.model.network import Network
    from cisim.organizations.agents import Backbone, Organization


class Region:
    """The community state of one region and the coalition working on it.

    Attributes:
        index: position among the model's regions.
        config: the region's community configuration (one boolean per element).
        organizations: all organizations in the region, members or not.
        network: their communication links and trust.
        has_coalition: whether the coalition design gives this region a coalition at all.
        levels: the coalition's current condition levels.
        engagement: community engagement raised by building public will, in [0, 1].
        pool: funds the coalition holds for members' next budgets (grants, joint bids).
        backbone: its backbone organization, if funded.
        changes: changes made to ``config`` this step.
        plan_ran: whether the coalition's plan ran this step.
        expected_member_cost: what one more member would pay per step.
        history: the region's community outcome after each step.
    """

    def __init__(self, index: int, config: np.ndarray, levels: dict[str, float]) -> None:
        """Create a region starting at ``config`` with coalition ``levels``."""
        self.index = index
        self.config = config
        self.organizations: list[Organization] = []
        self.network: Network
        self.levels = {name: float(levels[name]) for name in CONDITIONS}
        self.has_coalition = any(value > 0 for value in self.levels.values())
        self.engagement = 0.0
        self.pool = 0.0
        self.backbone: Backbone | None = None
        self.changes = 0
        self.plan_ran = False
        self.expected_member_cost = 0.0
        self.history: list[float] = []

    @property
    def members(self) -> list[Organization]:
        """Coalition members, in a fixed order."""
        return [organization for organization in self.organizations if organization.member]

    def erode(self, rate: float) -> None:
        """Condition levels fade without backbone support: by ``rate`` per step with no backbone at all."""
        loss = rate * (1.0 - self.levels["backbone"])
        for name in CONDITIONS:
            if name != "backbone":
                self.levels[name] *= 1.0 - loss

    def apply_decisions(self) -> None:
        """Apply at once the changes organizations decided on alone; duplicated changes count once."""
        decisions = [o.decision for o in self.organizations if o.decision is not None]
        if decisions:
            changed = np.logical_or.reduce(decisions)
            self.config = self.config ^ changed
            self.changes += int(changed.sum())

    def join(self, organization: Organization) -> None:
        """Bring an organization into the coalition."""
        organization.member = True

    def leave(self, organization: Organization) -> None:
        """Take an organization out of the coalition."""
        organization.member = False

    def portfolios(self) -> np.ndarray:
        """Boolean matrix (organizations x elements) of who works on what."""
        return np.array([organization.portfolio for organization in self.organizations])

    def effort_weights(self) -> tuple[np.ndarray, np.ndarray]:
        """Each organization's effort per element it works on, and the portfolio matrix."""
        portfolios = self.portfolios()
        capacity = np.array([organization.base_capacity for organization in self.organizations], dtype=float)
        per_element = capacity / np.maximum(portfolios.sum(axis=1), 1)
        return portfolios * per_element[:, None], portfolios
