"""The collective-impact model: wiring of problem, organizations, coalitions and backbones, and the step."""

from __future__ import annotations

from functools import partial
from typing import Any

import mesa
import numpy as np

from cisim.model import reporters
from cisim.model.network import Network, build_graph
from cisim.model.plan import choose_participants, joint_plan, realign
from cisim.model.region import Region
from cisim.organizations.agents import SECTORS, Backbone, Organization
from cisim.problem.landscape import Landscape
from cisim.scenarios.scenario import Scenario, default_scenario
from cisim.scenarios.schema import CONDITIONS, ROLES

#: Chance per step that a fully committed coalition wins a joint bid (scaled by intercooperation.joint_bids).
JOINT_BID_CHANCE = 0.2
#: Perceived benefit of membership, as a share of budget: a base value and what trust adds, both scaled by
#: the coalition's mean condition level, plus what engagement and recent progress add.
BENEFIT_BASE, BENEFIT_TRUST, BENEFIT_ENGAGEMENT, BENEFIT_PROGRESS = 0.1, 0.2, 0.2, 2.0
#: Steps over which members judge recent progress.
PROGRESS_WINDOW = 10


class CollectiveImpactModel(mesa.Model):
    """Organizations working on a community problem in isolation or under the five conditions.

    Everything random is drawn from the model's generator in a fixed order: first the problem, the
    regions' starting states, the organizations, the networks and who would join a coalition, and only
    then anything that depends on the coalition design. Two arms run with one seed therefore share their
    problem and starting state (common random numbers).

    Args:
        scenario: the resolved scenario, already set to the arm to run (``Scenario.with_arm``).
        rng: seed or generator for the model's random number generator.
    """

    def __init__(self, scenario: Scenario | None = None, rng: Any = None) -> None:
        """Build the model; see the class docstring for the arguments."""
        super().__init__(rng=rng)
        scenario = scenario or default_scenario()
        self.parameters: dict[str, Any] = dict(scenario.values)
        self.arm = scenario.arm
        p = self.parameters
        self.landscape = Landscape(
            p["problem.n_elements"], p["problem.n_domains"], p["problem.k"], p["problem.k_across"], self.rng
        )
        levels = {name: p[f"conditions.{name}"] for name in CONDITIONS}
        self.regions = [
            Region(index, self.rng.random(p["problem.n_elements"]) < 0.5, levels)
            for index in range(p["regions.n_regions"])
        ]
        self._create_organizations()
        self._wire_networks()
        would_join = self.rng.random(p["organizations.n_organizations"]) < p["participation.initial_members"]
        # Design-dependent from here on: the same seed has built the same world for every arm.
        for organization, joins in zip(self.organizations, would_join, strict=True):
            if joins and organization.region.has_coalition:
                organization.region.join(organization)
        weights = {role: p[f"backbone.weight_{role}"] for role in ROLES}
        for region in self.regions:
            if region.levels["backbone"] > 0:
                region.backbone = Backbone(self, region, region.levels["backbone"], weights)
        self.ledger = dict.fromkeys(
            ("coordination_cost", "backbone_cost", "spend", "total_spend", "joint_bid_funds", "adoptions"), 0.0
        )
        self.initial_outcome = reporters.community_outcome(self)
        for region in self.regions:
            region.history.append(float(self.landscape.outcome(region.config)[0]))
        self.datacollector = mesa.DataCollector(model_reporters=model_reporters(p["problem.n_domains"]))
        self.datacollector.collect(self)

    # ------------------------------------------------------------------ construction
    def _create_organizations(self) -> None:
        p, landscape = self.parameters, self.landscape
        sectors = list(SECTORS)
        # Main domains are dealt round a shuffled deck, so every domain has an organization when there
        # are enough of them; further domains are drawn at random.
        first_domains = self.rng.permutation(p["problem.n_domains"])
        for index in range(p["organizations.n_organizations"]):
            region = self.regions[index % len(self.regions)]
            sector = sectors[int(self.rng.integers(len(sectors)))]
            domains = self._draw_domains(index, first_domains)
            in_domains = np.isin(landscape.domain_of, domains)
            portfolio = in_domains & (self.rng.random(landscape.n_elements) < p["organizations.element_coverage"])
            if not portfolio.any():
                portfolio[self.rng.choice(np.flatnonzero(in_domains))] = True
            noise = p["organizations.measurement_noise"] * self.rng.uniform(0.5, 1.5)
            Organization(
                self,
                index=index,
                sector=sector,
                region=region,
                domains=domains,
                portfolio=portfolio,
                budget=p["organizations.budget"] * SECTORS[sector],
                capacity=p["organizations.capacity"],
                measurement_noise=noise,
            )

    def _draw_domains(self, index: int, first_domains: np.ndarray) -> tuple[int, ...]:
        n_domains = self.parameters["problem.n_domains"]
        main = int(first_domains[index % n_domains])
        others = np.delete(np.arange(n_domains), main)
        extra = self.rng.choice(others, self.parameters["organizations.domains_per_organization"] - 1, replace=False)
        return (main, *(int(d) for d in extra))

    def _wire_networks(self) -> None:
        p = self.parameters
        for region in self.regions:
            seed = int(self.rng.integers(2**31))
            members = [organization.index for organization in region.organizations]
            graph = build_graph(
                p["communication.network"], len(members), seed, p["communication.network_file"], members
            )
            region.network = Network(graph, region.organizations, p["communication.trust_initial"])

    # ------------------------------------------------------------------ views
    @property
    def organizations(self) -> list[Organization]:
        """All organizations in creation order."""
        return list(self.agents_by_type[Organization])

    def configs(self) -> np.ndarray:
        """The regions' community configurations, one row per region."""
        return np.array([region.config for region in self.regions])

    # ------------------------------------------------------------------ the step
    def step(self) -> None:
        """One step, in the order documented in docs/model.md (section 'Process overview and scheduling')."""
        p = self.parameters
        organizations = self.agents_by_type[Organization]
        self.ledger["adoptions"] = 0.0
        # 1. The problem changes, if adaptive.
        if p["problem.turbulence"] > 0 and self.steps % p["problem.turbulence_interval"] == 0:
            self.landscape.redraw(p["problem.turbulence"], self.rng)
        # 2. Without a backbone's support the conditions erode; backbones act.
        for region in self.regions:
            region.erode(p["backbone.erosion"])
        if Backbone in self.agents_by_type:
            self.agents_by_type[Backbone].shuffle_do("act")
        # 3. Organizations communicate; communities of practice share between regions.
        organizations.shuffle_do("communicate")
        self._share_between_regions()
        # 4. Each organization proposes changes within its capacity.
        organizations.shuffle_do("propose")
        # 5. Proposals are accepted: jointly through the plan with probability r, or each alone.
        organizations.set("in_plan", False)
        for region in self.regions:
            region.changes = 0
            chance = region.levels["reinforcing_activities"]
            region.plan_ran = bool(region.members) and self.rng.random() < chance
            if region.plan_ran:
                participants = choose_participants(region, p["intercooperation.shared_platform"], self.rng)
                rounds = max(1, self._round(p["organizations.revision_rate"] * len(participants)))
                joint_plan(region, participants, self.landscape, self._plan_noise(region), self.rng, rounds)
                realign(region, self.rng)
        organizations.shuffle_do("decide")
        for region in self.regions:
            region.apply_decisions()
        organizations.do("remember")
        # 6. Costs and budgets are booked; membership is updated.
        self._book_costs()
        self._review_membership()
        for region in self.regions:
            region.network.decay(p["communication.trust_decay"])
            region.history.append(float(self.landscape.outcome(region.config)[0]))
        # 7. Data are collected.
        self.datacollector.collect(self)

    def _share_between_regions(self) -> None:
        """Communities of practice: a region hears what works in another one (source 004).

        With probability ``regions.cross_region`` per step, every organization in a region compares the
        community state of another region, drawn at random, with its best known configuration and takes
        it up if it looks better.
        """
        if len(self.regions) < 2:
            return
        for region in self.regions:
            if self.rng.random() >= self.parameters["regions.cross_region"]:
                continue
            others = [other for other in self.regions if other is not region]
            practice = others[int(self.rng.integers(len(others)))].config
            for organization in region.organizations:
                self.ledger["adoptions"] += organization.consider(practice)

    def _plan_noise(self, region: Region) -> float:
        """Noise of the coalition's view of the community outcome (pooled data, or the shared system)."""
        shared = region.levels["shared_measurement"]
        own = float(np.mean([member.measurement_noise for member in region.members]))
        return 2 * own * (1 - shared) + self.parameters["backbone.shared_noise"] * shared

    def _book_costs(self) -> None:
        """Book this step's spending and set next step's budgets and capacities."""
        p = self.parameters
        ledger = self.ledger
        ledger["coordination_cost"] = ledger["backbone_cost"] = ledger["spend"] = 0.0
        savings = p["intercooperation.overhead_savings"] * p["intercooperation.shared_services"]
        for region in self.regions:
            members = region.members
            size = len(members)
            levels = region.levels
            intensity = float(np.mean([levels[c] for c in CONDITIONS if c != "backbone"]))
            backbone = region.backbone.running_cost if region.backbone else 0.0
            shared_costs = backbone + p["backbone.data_system_cost"] * levels["shared_measurement"]

            def coordination(n: int, intensity: float = intensity) -> float:
                return p["costs.coordination_cost"] * intensity * (1 + p["costs.coordination_growth"] * (n - 1))

            coordination_each = coordination(size) if size else 0.0
            shared_each = shared_costs / size if size else 0.0
            region.expected_member_cost = coordination(size + 1) + shared_costs / (size + 1)
            if size >= 2 and self.rng.random() < JOINT_BID_CHANCE * p["intercooperation.joint_bids"]:
                region.pool += p["intercooperation.joint_bid_value"]
                ledger["joint_bid_funds"] += p["intercooperation.joint_bid_value"]
            grant_each = region.pool / size if size else 0.0
            region.pool = 0.0
            boost = 1 + p["participation.engagement_budget_effect"] * region.engagement
            for organization in region.organizations:
                ledger["spend"] += organization.budget
                overhead = p["organizations.overhead_share"] * organization.budget
                if organization.member:
                    overhead *= 1 - savings
                    organization.costs = coordination_each + shared_each
                    ledger["coordination_cost"] += coordination_each
                else:
                    organization.costs = 0.0
                program = organization.budget - overhead - organization.costs
                full = organization.base_budget * (1 - p["organizations.overhead_share"])
                organization.capacity = self._round(organization.base_capacity * max(program, 0.0) / full)
                organization.budget = organization.base_budget * boost + (grant_each if organization.member else 0)
            ledger["backbone_cost"] += shared_costs if size else 0.0
        ledger["total_spend"] += ledger["spend"]

    def _round(self, value: float) -> int:
        """Stochastic rounding, so fractional capacity is kept on average."""
        whole = int(value)
        return whole + int(self.rng.random() < value - whole)

    def _review_membership(self) -> None:
        """Organizations reconsider membership now and then, weighing benefit against cost."""
        rate = self.parameters["participation.review_rate"]
        for region in self.regions:
            if not region.has_coalition:
                continue
            history = region.history
            progress = max(0.0, history[-1] - history[max(0, len(history) - PROGRESS_WINDOW)])
            commitment = float(np.mean([region.levels[c] for c in CONDITIONS]))
            for organization in region.organizations:
                if self.rng.random() >= rate:
                    continue
                trust = region.network.trust_of(organization.local_index)
                benefit = (
                    commitment * (BENEFIT_BASE + BENEFIT_TRUST * trust)
                    + BENEFIT_ENGAGEMENT * region.engagement
                    + BENEFIT_PROGRESS * progress
                )
                organization.review_membership(benefit)


def model_reporters(n_domains: int) -> dict[str, Any]:
    """The per-step outputs (MODEL.md section 5), as named, picklable reporter functions."""
    table: dict[str, Any] = {"community_outcome": reporters.community_outcome}
    table.update({f"outcome_domain_{d}": partial(reporters.domain_outcome, domain=d) for d in range(n_domains)})
    table.update(
        {
            name: getattr(reporters, name)
            for name in (
                "duplication_index",
                "gap_share",
                "coordination_cost",
                "backbone_cost",
                "spend",
                "total_spend",
                "cost_effectiveness",
                "mean_trust",
                "coalition_size",
                "mean_capacity",
                "adoptions",
                "engagement",
                "funds_mobilized",
                "policy_wins",
            )
        }
    )
    table.update({f"level_{c}": partial(reporters.condition_level, condition=c) for c in CONDITIONS})
    return table
