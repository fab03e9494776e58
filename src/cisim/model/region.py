"""A region: one community state, the organizations acting on it, and their coalition (source 004)."""

from __future__ import annotations

from typing import Any

import numpy as np


class Region:
    """The community state of one region and the coalition working on it.

    Attributes:
        index: position among the model's regions.
        config: the region's community configuration (one boolean per element); in own-solution mode, the
            state it started from.
        levels: the coalition's condition levels (its row of the model's level table, in the order of
            ``cisim.scenarios.schema.CONDITIONS``; writing to it changes the table).
        has_coalition: whether the coalition design gives this region a coalition at all.
        engagement: community engagement raised by building public will, in [0, 1].
        pool: funds the coalition holds for members' next budgets (grants, joint bids).
        backbone: its backbone organization, if funded.
        plan_ran: whether the coalition's plan ran this step.
        history: the region's community outcome after each step.
    """

    def __init__(self, index: int, config: np.ndarray, level_table: np.ndarray) -> None:
        """Create region ``index`` starting at ``config``; its levels are row ``index`` of ``level_table``."""
        self.index = index
        self.config = config
        self._level_table = level_table
        self.has_coalition = bool((self.levels > 0).any())
        self.engagement = 0.0
        self.pool = 0.0
        self.backbone: Any = None
        self.plan_ran = False
        self.history: list[float] = []

    @property
    def levels(self) -> np.ndarray:
        """The coalition's condition levels (a view: the table is shared with the model, pickled once)."""
        return self._level_table[self.index]
