"""A region: one community state, the organizations acting on it, and their coalition (source 004)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np


class Region:
    """The community state of one region and the coalition working on it.

    Its state is a row of the model's region tables (one array per quantity over all regions), so that the
    step's compiled loops treat every region at once; the attributes below read and write that row.

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

    def __init__(
        self,
        index: int,
        configs: np.ndarray,
        levels: np.ndarray,
        engagement: np.ndarray,
        pools: np.ndarray,
        plan_ran: np.ndarray,
        history: Callable[[int], np.ndarray],
    ) -> None:
        """Create region ``index``: its state is row ``index`` of each of the model's region tables.

        ``history`` gives a region's outcomes so far from the model's table of them (which grows with the run).
        """
        self.index = index
        self._configs = configs
        self._level_table = levels
        self._engagement = engagement
        self._pools = pools
        self._plan_ran = plan_ran
        self.has_coalition = bool((self.levels > 0).any())
        self.backbone: Any = None
        self._history = history

    @property
    def history(self) -> np.ndarray:
        """The region's community outcome after each step so far (a view of the model's table)."""
        return self._history(self.index)

    @property
    def config(self) -> np.ndarray:
        """The region's community configuration (a view of the model's table)."""
        return self._configs[self.index]

    @config.setter
    def config(self, value: np.ndarray) -> None:
        self._configs[self.index] = value

    @property
    def levels(self) -> np.ndarray:
        """The coalition's condition levels (a view: the table is shared with the model, pickled once)."""
        return self._level_table[self.index]

    @property
    def engagement(self) -> float:
        """Community engagement raised by building public will, in [0, 1]."""
        return float(self._engagement[self.index])

    @engagement.setter
    def engagement(self, value: float) -> None:
        self._engagement[self.index] = value

    @property
    def pool(self) -> float:
        """Funds the coalition holds for members' next budgets."""
        return float(self._pools[self.index])

    @pool.setter
    def pool(self, value: float) -> None:
        self._pools[self.index] = value

    @property
    def plan_ran(self) -> bool:
        """Whether the coalition's plan ran this step."""
        return bool(self._plan_ran[self.index])
