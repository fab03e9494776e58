"""Every random number one step uses, in blocks of fixed shape whatever the design (common random numbers)."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np


class Draws(NamedTuple):
    """Every random number one step uses, drawn in blocks of fixed shape whatever the design.

    The fields are views into one buffer per block, refilled every step (``CollectiveImpactModel._draw``).
    """

    revise: np.ndarray
    gap: np.ndarray
    keys: np.ndarray
    rounding: np.ndarray
    z_candidates: np.ndarray
    hear: np.ndarray
    contacts: np.ndarray
    share: np.ndarray
    copy: np.ndarray
    cross: np.ndarray
    cross_pick: np.ndarray
    z_offers: np.ndarray
    z_cross: np.ndarray
    z_copy: np.ndarray
    plan: np.ndarray
    participate: np.ndarray
    all_in: np.ndarray
    realign: np.ndarray
    bid: np.ndarray
    z_combination: np.ndarray
    policy: np.ndarray
    z_policy: np.ndarray
    review: np.ndarray
    review_decide: np.ndarray
    z_progress: np.ndarray
