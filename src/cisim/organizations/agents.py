"""Organizations and the backbone organization, as Mesa agents.

Randomness comes only from the model's generator (``self.rng``), so one seed gives one history.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from cisim.scenarios.schema import CONDITIONS, ROLES

if TYPE_CHECKING:
    from cisim.model.region import Region

#: Sectors and their budget multipliers: agencies and businesses bring larger budgets than community groups.
SECTORS: dict[str, float] = {
    "nonprofit": 1.0,
    "government": 1.5,
    "business": 1.2,
    "philanthropy": 1.3,
    "community": 0.6,
}

#: Condition levels of an organization outside any coalition: isolated impact.
ISOLATED_LEVELS: dict[str, float] = dict.fromkeys(CONDITIONS, 0.0)

#: How backbone effort shifts as the initiative matures (source 002): vision and aligned activities
#: first; public will, policy and funding later. Multiplies each role's weight by ``1 + maturity * shift``.
MATURITY_SHIFT: dict[str, float] = {
    "vision": -0.5,
    "aligned_activities": -0.5,
    "measurement": 0.0,
    "public_will": 1.0,
    "policy": 1.0,
    "funding": 1.0,
}


class Organization(mesa.Agent):
    """A nonprofit, agency, business, funder or community group acting on its part of the problem.

    Alone (isolated impact, source 000) it optimises its own domains' outcome with its own noisy data and
    makes at most one change per step: the best of the alternatives its capacity lets it examine. As a
    coalition member the five conditions change what it optimises (common agenda), how well it sees
    (shared measurement), whether its proposals go into a joint plan (mutually reinforcing activities)
    and whom it learns from (continuous communication).

    Attributes:
        index: model-wide position in creation order (the numbering of network files).
        sector: one of ``SECTORS``.
        region: the region whose community state it acts on.
        domains: the domains it works in.
        portfolio: boolean mask of the elements it works on.
        base_budget: budget per step before engagement and grants.
        budget: this step's budget.
        base_capacity: changes it can attempt per step on its full program budget.
        capacity: changes it can attempt this step, after coordination costs.
        measurement_noise: standard deviation of the noise in its own outcome data.
        member: whether it is in its region's coalition.
        in_plan: whether its proposals went to the coalition's plan this step.
        decision: the change it decided on alone this step, if any.
        best_known: the best community configuration it knows of (its memory).
        costs: what it paid this step for coordination, backbone and data system.
    """

    def __init__(
        self,
        model: mesa.Model,
        index: int,
        sector: str,
        region: Region,
        domains: tuple[int, ...],
        portfolio: np.ndarray,
        budget: float,
        capacity: int,
        measurement_noise: float,
    ) -> None:
        """Create an organization; see the class attributes for the arguments."""
        super().__init__(model)
        self.index = index
        self.sector = sector
        self.region = region
        self.domains = domains
        self.domain_mask = np.isin(model.landscape.domain_of, domains)
        self.portfolio = portfolio
        self.base_budget = budget
        self.budget = budget
        self.base_capacity = capacity
        self.capacity = capacity
        self.measurement_noise = measurement_noise
        self.local_index = len(region.organizations)
        region.organizations.append(self)
        self.member = False
        self.in_plan = False
        self.decision: np.ndarray | None = None
        self.best_known = region.config.copy()
        self.costs = 0.0
        self.moves = np.zeros((0, portfolio.size), dtype=bool)

    # ------------------------------------------------------------------ perception
    @property
    def levels(self) -> dict[str, float]:
        """Condition levels that apply to it: its coalition's, or all zero outside one."""
        return self.region.levels if self.member else ISOLATED_LEVELS

    def perceive(self, configs: np.ndarray) -> np.ndarray:
        """Its noisy estimate of its objective for a batch of configurations.

        The objective mixes its own domains' outcome and the community outcome by the common agenda.
        Shared measurement pulls its data noise down to the shared system's; without it the community
        outcome is pieced together from others' reports and seen with twice its own noise.
        """
        landscape = self.model.landscape
        levels = self.levels
        agenda, shared = levels["common_agenda"], levels["shared_measurement"]
        system_noise = self.model.parameters["backbone.shared_noise"]
        contributions = landscape.contributions(configs)
        own = landscape.normalise(contributions[:, self.domain_mask].mean(axis=1))
        noise_own = self.measurement_noise * (1 - shared) + system_noise * shared
        value = (1 - agenda) * (own + self.rng.normal(0.0, noise_own, len(own)))
        if agenda > 0:
            community = landscape.normalise(contributions.mean(axis=1))
            noise_community = 2 * self.measurement_noise * (1 - shared) + system_noise * shared
            value += agenda * (community + self.rng.normal(0.0, noise_community, len(community)))
        return value

    # ------------------------------------------------------------------ step 3: communicate
    def communicate(self) -> None:
        """Hear neighbours' best configurations and imitate a better one (social learning).

        Only coalition members communicate, each with probability set by the communication level.
        A neighbour shares with probability equal to the trust on the link (a shared platform lifts
        that, source 003). Contact builds trust, and more so when what is shared proves better.
        """
        if not self.member or self.rng.random() >= self.levels["communication"]:
            return
        network = self.region.network
        parameters = self.model.parameters
        platform = parameters["intercooperation.shared_platform"]
        for neighbour, edge in network.contacts(
            self.local_index, parameters["communication.contacts_per_step"], self.rng
        ):
            trust = network.trust[edge]
            if self.rng.random() >= trust + platform * (1 - trust):
                continue
            improved = self.consider(neighbour.best_known)
            self.model.ledger["adoptions"] += improved
            network.touch(edge, parameters["communication.trust_gain"] * (2 if improved else 1))

    def consider(self, config: np.ndarray) -> bool:
        """Adopt ``config`` as its best known configuration if it looks better than its own."""
        if np.array_equal(config, self.best_known):
            return False
        own, other = self.perceive(np.stack([self.best_known, config]))
        if other > own:
            self.best_known = config.copy()
            return True
        return False

    # ------------------------------------------------------------------ step 4: propose
    def propose(self) -> None:
        """Propose up to ``capacity`` changes on its own elements.

        One proposal moves its elements towards its best known configuration (memory and imitation);
        the rest are single changes of elements it works on, drawn at random (local search).
        """
        n = self.portfolio.size
        current = self.region.config
        budget = self.capacity
        moves = []
        differs = np.flatnonzero(self.portfolio & (self.best_known != current))
        if budget and differs.size:
            chosen = self.rng.choice(differs, min(budget, differs.size), replace=False)
            move = np.zeros(n, dtype=bool)
            move[chosen] = True
            moves.append(move)
            budget -= chosen.size
        own = np.flatnonzero(self.portfolio)
        if budget:
            for element in self.rng.choice(own, min(budget, own.size), replace=False):
                move = np.zeros(n, dtype=bool)
                move[element] = True
                moves.append(move)
        self.moves = np.array(moves, dtype=bool).reshape(-1, n)

    def submissions(self) -> np.ndarray:
        """The proposals it brings to the coalition's plan.

        Under a common agenda it brings all of them (with probability equal to the agenda level);
        otherwise only those its own objective favours: without a shared goal, members table what
        serves their own domains.
        """
        if not len(self.moves) or self.rng.random() < self.levels["common_agenda"]:
            return self.moves
        current = self.region.config
        values = self.perceive(np.vstack([current, current ^ self.moves]))
        return self.moves[values[1:] > values[0]]

    # ------------------------------------------------------------------ step 5: accept alone
    def decide(self) -> None:
        """Choose, alone, the best of its proposals if its own noisy objective says it beats the status quo.

        Organizations outside the plan decide at the same time, each against the same community state:
        none anticipates what the others will change, which is what makes uncoordinated action costly on
        problems whose elements interact. Alone it revises its programs only now and then
        (``organizations.revision_rate``); the coalition's plan is a standing process that takes proposals
        from every participant whenever it runs. The chosen change is left in ``decision`` for the region to apply.
        """
        self.decision = None
        if self.in_plan or not len(self.moves):
            return
        if self.rng.random() >= self.model.parameters["organizations.revision_rate"]:
            return
        current = self.region.config
        values = self.perceive(np.vstack([current, current ^ self.moves]))
        best = int(values[1:].argmax())
        if values[best + 1] > values[0]:
            self.decision = self.moves[best]

    def remember(self) -> None:
        """Keep the current community configuration as its best known one if it looks better."""
        self.consider(self.region.config)

    # ------------------------------------------------------------------ step 6: costs and membership
    def review_membership(self, benefit: float) -> None:
        """Join or leave the coalition when its perceived benefit exceeds or falls short of its cost.

        Args:
            benefit: perceived benefit of membership as a share of budget (progress, trust, engagement).
        """
        cost = self.costs / self.budget if self.member else self.region.expected_member_cost / self.budget
        margin = benefit - cost
        if self.member and margin < 0 and self.rng.random() < -margin / (abs(margin) + 0.05):
            self.region.leave(self)
        elif not self.member and margin > 0 and self.rng.random() < margin / (margin + 0.05):
            self.region.join(self)


class Backbone(mesa.Agent):
    """A backbone organization: dedicated staff serving one region's coalition (sources 000 and 002).

    It splits its staff effort over the six roles; each role moves a lever of the model:
    guide vision and strategy raises the common agenda; support aligned activities raises mutually
    reinforcing activities and communication; establish shared measurement practices raises shared
    measurement; build public will raises community engagement (budgets and joining); advance policy
    occasionally wins a policy change that lifts an element's contributions; mobilize funding brings
    grants into the coalition's pool. Its running cost comes out of members' budgets.

    Attributes:
        region: the region whose coalition it serves.
        strength: the backbone condition level (scales staff and cost).
        weights: early effort split over ``ROLES`` (sums to 1, or all 0 for a backbone that only convenes).
        effort: this step's effort per role.
        funds_mobilized: grants raised so far.
        policy_wins: policy changes won so far.
    """

    def __init__(self, model: mesa.Model, region: Region, strength: float, weights: dict[str, float]) -> None:
        """Create a backbone for ``region``; see the class attributes for the arguments."""
        super().__init__(model)
        self.region = region
        self.strength = strength
        total = sum(weights.values())
        self.weights = {role: weights[role] / total if total else 0.0 for role in ROLES}
        self.effort = dict.fromkeys(ROLES, 0.0)
        self.funds_mobilized = 0.0
        self.policy_wins = 0

    @property
    def running_cost(self) -> float:
        """Its cost per step."""
        return self.model.parameters["backbone.cost"] * self.strength

    def effort_split(self) -> dict[str, float]:
        """This step's share of effort per role, shifted towards external roles as the initiative matures."""
        parameters = self.model.parameters
        maturity = 0.0
        if parameters["backbone.maturity_shift"]:
            maturity = min(1.0, self.model.steps / parameters["backbone.maturity_steps"])
        raw = {role: w * (1 + maturity * MATURITY_SHIFT[role]) for role, w in self.weights.items()}
        total = sum(raw.values())
        return {role: value / total if total else 0.0 for role, value in raw.items()}

    def act(self) -> None:
        """Spend this step's effort on the six roles (step 2 of the schedule)."""
        parameters, levels = self.model.parameters, self.region.levels
        staff = parameters["backbone.staff_capacity"] * self.strength
        self.effort = {role: staff * share for role, share in self.effort_split().items()}
        rate = parameters["backbone.growth_rate"]

        def raise_level(name: str, effort: float) -> None:
            levels[name] += min(1.0, rate * effort) * (1.0 - levels[name])

        raise_level("common_agenda", self.effort["vision"])
        raise_level("reinforcing_activities", self.effort["aligned_activities"])
        raise_level("communication", self.effort["aligned_activities"] / 2)
        raise_level("shared_measurement", self.effort["measurement"])
        self.region.engagement += min(1.0, parameters["backbone.public_will_rate"] * self.effort["public_will"]) * (
            1.0 - self.region.engagement
        )
        if self.rng.random() < parameters["backbone.policy_win_rate"] * self.effort["policy"]:
            self.win_policy()
        joint_bids = parameters["intercooperation.joint_bids"]
        grants = parameters["backbone.funding_yield"] * self.effort["funding"] * (1 + joint_bids)
        self.region.pool += grants
        self.funds_mobilized += grants

    def win_policy(self) -> None:
        """Advance policy on the element where the region's community state contributes least."""
        region = self.region
        contributions = self.model.landscape.contributions(region.config)[0]
        self.model.landscape.improve(int(contributions.argmin()), self.model.parameters["backbone.policy_lift"])
        self.policy_wins += 1
