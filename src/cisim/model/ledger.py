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
from typing import NamedTuple

import numpy as np

from cisim.organizations.behaviour import BACKBONE, MEASUREMENT
from cisim.organizations.population import CAPACITY_CEILING
from cisim.problem.compiled import kernel, numpy_sum

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

    def record(
        self, coordination_cost: float, backbone_cost: float, program_spend: float, income: float, joint_bids: float
    ) -> None:
        """Enter this step's lines (as ``book`` returns them) and add them to the running totals."""
        self.coordination_cost, self.backbone_cost = coordination_cost, backbone_cost
        self.program_spend, self.income = program_spend, income
        self.total_spend += self.spend
        self.total_income += income
        self.total_program_spend += program_spend
        self.total_coordination_cost += coordination_cost
        self.total_backbone_cost += backbone_cost
        self.joint_bid_funds += joint_bids


@kernel
def coordination_each(cost: float, growth: float, levels: np.ndarray, size: int) -> float:
    """Each member's meeting and reporting cost in a coalition of ``size`` at these condition levels.

    It scales with how intensely the coalition works together (the mean of the four conditions other than
    the backbone) and grows with every further member.
    """
    if not size:
        return 0.0
    intensity = 0.0
    for condition in range(BACKBONE):
        intensity += levels[condition]
    return cost * (intensity / BACKBONE) * (1 + growth * (size - 1))


class LedgerRules(NamedTuple):
    """The ledger's parameters, from the scenario: what coordination and the backbone cost, who pays, what comes in.

    Attributes:
        coordination_cost: ``costs.coordination_cost``.
        coordination_growth: ``costs.coordination_growth``.
        data_system_cost: ``backbone.data_system_cost``.
        funder_pays: whether an outside funder pays the backbone (``costs.backbone_paid_by = "funder"``).
        savings: share of overhead members save (``intercooperation.overhead_savings x shared_services``).
        overhead_share: ``organizations.overhead_share``.
        joint_bid_chance: chance per step that a coalition of two or more wins a joint bid
            (``JOINT_BID_CHANCE x intercooperation.joint_bids``).
        joint_bid_value: ``intercooperation.joint_bid_value``.
        engagement_budget_effect: ``participation.engagement_budget_effect``.
        backbone_running: each region's backbone running cost per step (``Backbone.running_cost``; 0 without a
            backbone), fixed for the run.
    """

    coordination_cost: float
    coordination_growth: float
    data_system_cost: float
    funder_pays: bool
    savings: float
    overhead_share: float
    joint_bid_chance: float
    joint_bid_value: float
    engagement_budget_effect: float
    backbone_running: np.ndarray


@kernel
def book(
    region: np.ndarray,
    member: np.ndarray,
    base_budget: np.ndarray,
    budget: np.ndarray,
    base_capacity: np.ndarray,
    capacity: np.ndarray,
    costs: np.ndarray,
    levels: np.ndarray,
    engagement: np.ndarray,
    pools: np.ndarray,
    expected_member_cost: np.ndarray,
    rules: LedgerRules,
    draws_bid: np.ndarray,
    draws_round: np.ndarray,
    delivery: np.ndarray,
):
    """Book this step's spending, and set next step's budgets, capacities and delivery (arrays updated in place).

    Members pay their coordination cost and, unless an outside funder pays it
    (``costs.backbone_paid_by = "funder"``: ``rules.funder_pays``), an equal share of the backbone's running cost
    and the shared data system. Obligations are met even beyond the budget. What is left of the budget after
    overhead (lowered for members by shared services: ``rules.savings``) and these costs buys next step's capacity,
    against a full program budget, rounded up or down at random (``draws_round``), and next step's delivery: the
    share of a full program budget left (at most 1), which scales how often it can change its programs (coordination
    that takes program money and staff time means less gets done). Engagement raises next
    step's budgets; members share their coalition's pool (grants, and joint bids won with probability
    ``rules.joint_bid_chance`` in coalitions of two or more: ``draws_bid``).

    Args:
        region: each organization's region.
        member: whether each is a member of its region's coalition.
        base_budget: each organization's budget before engagement and grants.
        budget: its budget this step (written: next step's).
        base_capacity: its base capacity.
        capacity: the candidate changes it can evaluate next step (written).
        costs: what each paid this step for coordination, the backbone and the data system (written).
        levels: each coalition's condition levels, ``(R, 5)``.
        engagement: each region's community engagement.
        pools: each region's funds for members' next budgets (emptied into them; joint bids added first).
        expected_member_cost: what a newcomer would pay in each region (written).
        rules: the ledger's parameters.
        draws_bid: one uniform draw per region (joint bids).
        draws_round: one uniform draw per organization (stochastic rounding of capacity).
        delivery: the share of a full program budget each has left next step, at most 1 (written).

    Returns:
        this step's coordination cost, backbone cost, program spend and income, and the joint-bid funds won
        (sums in numpy's order: ``cisim.problem.compiled.numpy_sum``).
    """
    regions = levels.shape[0]
    sizes = np.zeros(regions, dtype=np.intp)
    for o in range(member.shape[0]):
        if member[o]:
            sizes[region[o]] += 1
    coordination = np.empty(regions)
    shared = np.zeros(regions)
    shared_each = np.zeros(regions)
    for r in range(regions):
        coordination[r] = coordination_each(rules.coordination_cost, rules.coordination_growth, levels[r], sizes[r])
        running = rules.backbone_running[r] + rules.data_system_cost * levels[r, MEASUREMENT]
        if sizes[r] > 0:
            shared[r] = running
            if not rules.funder_pays:
                shared_each[r] = running / sizes[r]
        newcomer = coordination_each(rules.coordination_cost, rules.coordination_growth, levels[r], sizes[r] + 1)
        expected_member_cost[r] = newcomer + (0.0 if rules.funder_pays else running / (sizes[r] + 1))
    backbone_cost = numpy_sum(shared)

    count = member.shape[0]
    members_coordination = np.empty(count)
    left, raised = np.empty(count), np.empty(count)
    n_members = 0
    for o in range(count):
        r = region[o]
        costs[o] = coordination[r] + shared_each[r] if member[o] else 0.0
        if member[o]:
            members_coordination[n_members] = coordination[r]
            n_members += 1
        left[o] = max(budget[o], costs[o]) - costs[o]  # obligations are met even beyond the budget
        raised[o] = budget[o] - base_budget[o]
        # Capacity next step: what the program budget left after overhead and costs buys, against a full one.
        full = base_budget[o] * (1 - rules.overhead_share)
        if member[o]:
            overhead = rules.overhead_share * budget[o] * (1 - rules.savings)
            program = max(budget[o] - overhead - costs[o], 0.0)
        else:  # written as ``full`` is, so that a budget untouched delivers exactly 1 (b - s*b can fall an ulp short)
            program = max(budget[o] * (1 - rules.overhead_share) - costs[o], 0.0)
        delivery[o] = min(program / full, 1.0) if full > 0 else 1.0
        share = base_capacity[o] * program / full
        whole = np.floor(share)
        rounded = whole + (draws_round[o] < share - whole)
        capacity[o] = int(min(rounded, CAPACITY_CEILING * base_capacity[o]))
    coordination_total = numpy_sum(members_coordination[:n_members])
    program_spend = numpy_sum(left)
    income = numpy_sum(raised) + (backbone_cost if rules.funder_pays else 0.0)

    # Budgets next step: engagement raises them; members share the pool (grants, joint bids).
    wins = 0
    grant_each = np.zeros(regions)
    for r in range(regions):
        if sizes[r] >= 2 and draws_bid[r] < rules.joint_bid_chance:
            pools[r] += rules.joint_bid_value
            wins += 1
        if sizes[r] > 0:
            grant_each[r] = pools[r] / sizes[r]
            pools[r] = 0.0
    for o in range(count):
        boost = 1 + rules.engagement_budget_effect * engagement[region[o]]
        budget[o] = base_budget[o] * boost + (grant_each[region[o]] if member[o] else 0.0)
    return coordination_total, backbone_cost, program_spend, income, wins * rules.joint_bid_value
