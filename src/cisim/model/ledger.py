"""The ledger: what each step costs, who pays, and what the coalition brings in.

Everything spent is in one of three lines, and ``spend`` is their sum every step:

- ``program_spend``: what organizations spend on their own programs, overhead included;
- ``coordination_cost``: members' meetings and reporting, growing with coalition size;
- ``backbone_cost``: the backbone's running cost and the shared data system.

Money brought in from outside (engagement raising budgets, grants the backbone mobilizes, joint bids, and an
outside funder paying for the backbone when ``costs.backbone_paid_by = "funder"``) is ``income``: it is spent
like any other money, and shown apart so that an analyst can tell what coordination costs from what it raises.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from cisim.organizations.behaviour import BACKBONE, MEASUREMENT
from cisim.organizations.population import CAPACITY_CEILING, Population
from cisim.scenarios.params import Params

#: Chance per step that a fully committed coalition wins a joint bid (scaled by intercooperation.joint_bids).
JOINT_BID_CHANCE = 0.2


@dataclass
class Ledger:
    """This step's lines and the running totals."""

    program_spend: float = 0.0
    coordination_cost: float = 0.0
    backbone_cost: float = 0.0
    income: float = 0.0
    total_spend: float = 0.0
    total_income: float = 0.0
    total_program_spend: float = 0.0
    total_coordination_cost: float = 0.0
    total_backbone_cost: float = 0.0
    joint_bid_funds: float = 0.0
    expected_member_cost: np.ndarray = field(default_factory=lambda: np.zeros(0))

    @property
    def spend(self) -> float:
        """Everything spent this step."""
        return self.program_spend + self.coordination_cost + self.backbone_cost


def coordination_each(params: Params, levels: np.ndarray, size: int) -> float:
    """Each member's meeting and reporting cost in a coalition of ``size`` at these condition levels.

    It scales with how intensely the coalition works together (the mean of the four conditions other than
    the backbone) and grows with every further member.
    """
    intensity = float(levels[:BACKBONE].mean())
    costs = params.costs
    return costs.coordination_cost * intensity * (1 + costs.coordination_growth * (size - 1)) if size else 0.0


def book(
    params: Params,
    population: Population,
    levels: np.ndarray,
    engagement: np.ndarray,
    pools: np.ndarray,
    backbone_running: np.ndarray,
    draws_bid: np.ndarray,
    draws_round: np.ndarray,
    ledger: Ledger,
) -> None:
    """Book this step's spending, and set next step's budgets and capacities.

    Args:
        params: the model's parameters.
        population: the organizations (budgets, costs and capacities are updated).
        levels: each region's condition levels, ``(R, 5)``.
        engagement: each region's community engagement.
        pools: each region's funds for members' next budgets (emptied into them; joint bids added first).
        backbone_running: each region's backbone running cost this step (0 without a backbone).
        draws_bid: one uniform draw per region (joint bids).
        draws_round: one uniform draw per organization (stochastic rounding of capacity).
        ledger: updated in place.
    """
    regions = len(levels)
    member = population.member
    sizes = np.bincount(population.region[member], minlength=regions)
    coordination = np.array([coordination_each(params, levels[r], sizes[r]) for r in range(regions)])
    data_system = params.backbone.data_system_cost * levels[:, MEASUREMENT]
    shared = np.where(sizes > 0, backbone_running + data_system, 0.0)
    funder_pays = params.costs.backbone_paid_by == "funder"
    shared_each = np.zeros(regions) if funder_pays else shared / np.maximum(sizes, 1)
    ledger.expected_member_cost = np.array(
        [coordination_each(params, levels[r], sizes[r] + 1) for r in range(regions)]
    ) + (0.0 if funder_pays else (backbone_running + data_system) / (sizes + 1))

    region = population.region
    costs = np.where(member, (coordination + shared_each)[region], 0.0)
    population.costs = costs
    budget = population.budget
    spent = np.maximum(budget, costs)  # obligations are met even beyond the budget
    ledger.coordination_cost = float(coordination[region][member].sum())
    ledger.backbone_cost = float(shared.sum())
    ledger.program_spend = float((spent - costs).sum())
    ledger.income = float((budget - population.base_budget).sum()) + (float(shared.sum()) if funder_pays else 0.0)
    ledger.total_spend += ledger.spend
    ledger.total_income += ledger.income
    ledger.total_program_spend += ledger.program_spend
    ledger.total_coordination_cost += ledger.coordination_cost
    ledger.total_backbone_cost += ledger.backbone_cost

    # Capacity next step: what the program budget left after overhead and costs buys, against a full one.
    savings = params.intercooperation.overhead_savings * params.intercooperation.shared_services
    overhead_share = params.organizations.overhead_share
    overhead = overhead_share * budget * np.where(member, 1 - savings, 1.0)
    program = np.maximum(budget - overhead - costs, 0.0)
    full = population.base_budget * (1 - overhead_share)
    capacity = population.base_capacity * program / full
    whole = np.floor(capacity)
    capacity = whole + (draws_round < capacity - whole)
    population.capacity = np.minimum(capacity, CAPACITY_CEILING * population.base_capacity).astype(np.intp)

    # Budgets next step: engagement raises them; members share the pool (grants, joint bids).
    joint = params.intercooperation.joint_bids
    wins = (sizes >= 2) & (draws_bid < JOINT_BID_CHANCE * joint)
    pools += wins * params.intercooperation.joint_bid_value
    ledger.joint_bid_funds += float(wins.sum() * params.intercooperation.joint_bid_value)
    grant_each = np.where(sizes > 0, pools / np.maximum(sizes, 1), 0.0)
    pools[sizes > 0] = 0.0
    boost = 1 + params.participation.engagement_budget_effect * engagement
    population.budget = population.base_budget * boost[region] + np.where(member, grant_each[region], 0.0)
