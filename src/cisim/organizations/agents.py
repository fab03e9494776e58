"""Organizations and the backbone organization, as Mesa agents.

An ``Organization`` is one organization's identity and its view of the shared state table
(``cisim.organizations.population.Population``); its rules run for all organizations at once in
``cisim.organizations.behaviour``. The ``Backbone`` acts on its own, one per funded coalition.
"""

from __future__ import annotations

from typing import Any, Protocol

import mesa
import numpy as np

from cisim.organizations.behaviour import AGENDA, COMMUNICATION, MEASUREMENT, REINFORCING
from cisim.organizations.population import SECTORS
from cisim.scenarios.schema import ROLES

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

    Alone (isolated impact, source 000) it optimises its own domains' outcome with its own noisy data: now and
    then (``organizations.revision_rate``) it evaluates ``capacity`` candidate changes of elements it works on
    and takes the best if it looks better than the status quo, at the same time as every other organization.
    As a coalition member the five conditions change what it optimises (common agenda: the community outcome
    enters its objective), how well it sees (shared measurement: less noise, and the other domains seen as
    well as its own), how its candidates are chosen (mutually reinforcing activities: the coalition's plan
    chooses jointly among the same candidates) and whom it learns from (continuous communication: network
    neighbours' best configurations, gated by trust). It never evaluates more candidates inside the
    coalition than it would alone.

    Its state lives in the model's population table, row ``index``; the attributes below read it.
    """

    def __init__(self, model: Any, index: int) -> None:
        """Create the agent for row ``index`` of ``model.population``."""
        super().__init__(model)
        self.index = index

    @property
    def _population(self) -> Any:
        return self.model.population

    @property
    def sector(self) -> str:
        """Nonprofit, government, business, philanthropy or community."""
        return list(SECTORS)[int(self._population.sector[self.index])]

    @property
    def region(self) -> int:
        """The region it works in."""
        return int(self._population.region[self.index])

    @property
    def domains(self) -> tuple[int, ...]:
        """The domains it works in, its main domain first."""
        return self._population.domains[self.index]

    @property
    def portfolio(self) -> np.ndarray:
        """Elements it works on (a copy)."""
        return self._population.portfolio[self.index].copy()

    @property
    def elements(self) -> int:
        """How many elements it works on."""
        return int(self._population.portfolio[self.index].sum())

    @property
    def budget(self) -> float:
        """This step's budget."""
        return float(self._population.budget[self.index])

    @property
    def base_budget(self) -> float:
        """Budget per step before engagement and grants."""
        return float(self._population.base_budget[self.index])

    @property
    def capacity(self) -> int:
        """Candidate changes it can evaluate next step."""
        return int(self._population.capacity[self.index])

    @property
    def measurement_noise(self) -> float:
        """Noise in its own outcome data."""
        return float(self._population.noise[self.index])

    @property
    def member(self) -> bool:
        """Whether it is in its region's coalition."""
        return bool(self._population.member[self.index])

    @property
    def trust(self) -> float:
        """Its mean trust over its links."""
        return float(self.model.network.trust_of()[self.index])

    @property
    def outcome(self) -> float:
        """The community outcome of the configuration it knows best (own-solution mode: its own solution)."""
        return float(self.model.landscape.outcome(self._population.known[self.index])[0])


class CoalitionState(Protocol):
    """What a backbone reads and moves in the region it serves (``cisim.model.region.Region``)."""

    index: int
    config: np.ndarray
    engagement: float
    pool: float

    @property
    def levels(self) -> np.ndarray:
        """The coalition's condition levels (writable in place)."""
        ...


class Backbone(mesa.Agent):
    """A backbone organization: dedicated staff serving one region's coalition (sources 000 and 002).

    It splits its staff effort over the six roles; each role moves a lever of the model. Guide vision and
    strategy raises the common agenda; support aligned activities raises mutually reinforcing activities and
    communication; establish shared measurement practices raises shared measurement (these three only when
    ``conditions.dynamics = "built"``: with fixed levels, the levels are what the design names). Build public
    will raises community engagement (budgets and joining); advance policy now and then wins a policy change
    that lifts an element's contributions; mobilize funding brings grants into the coalition's pool. Its
    running cost is booked in the ledger as backbone cost.

    Attributes:
        region: the region whose coalition it serves.
        strength: the backbone condition level (scales staff and cost).
        weights: early effort split over ``ROLES`` (sums to 1, or all 0 for a backbone that only convenes).
        effort: this step's effort per role.
        funds_mobilized: grants raised so far.
        policy_wins: policy changes won so far.
        readings: readings of an element's share of the community outcome made so far (one per element it sees at
            each policy win).
    """

    def __init__(self, model: Any, region: CoalitionState, strength: float, weights: dict[str, float]) -> None:
        """Create a backbone for ``region``; see the class attributes for the arguments."""
        super().__init__(model)
        self.region = region
        self.strength = strength
        total = sum(weights.values())
        self.weights = {role: weights[role] / total if total else 0.0 for role in ROLES}
        self.effort = dict.fromkeys(ROLES, 0.0)
        self.funds_mobilized = 0.0
        self.policy_wins = 0
        self.readings = 0

    @property
    def running_cost(self) -> float:
        """Its cost per step."""
        return self.model.params.backbone.cost * self.strength

    def effort_split(self) -> dict[str, float]:
        """This step's share of effort per role, shifted towards external roles as the initiative matures."""
        return dict(zip(ROLES, self._shares(self._maturity()), strict=True))

    def _maturity(self) -> float:
        """How far the initiative has matured, 0 to 1 (0 throughout without ``backbone.maturity_shift``)."""
        backbone = self.model.params.backbone
        return min(1.0, self.model.steps / backbone.maturity_steps) if backbone.maturity_shift else 0.0

    def _shares(self, maturity: float) -> tuple[float, ...]:
        """The share of effort per role, in the order of ``ROLES``, at this maturity."""
        raw = [w * (1 + maturity * MATURITY_SHIFT[role]) for role, w in self.weights.items()]
        total = sum(raw)
        return tuple([value / total for value in raw]) if total else (0.0,) * len(raw)

    def _efforts(self) -> dict[str, float]:
        """This step's effort per role: staff x share, worked out again only when the maturity has changed.

        Once the initiative has matured (or without ``backbone.maturity_shift``) the split stays as it is; working
        it out afresh every step was about half of the backbone's turn. The same numbers either way.
        """
        maturity = self._maturity()
        kept = self.__dict__.get("_kept_efforts")
        if kept is None or kept[0] != maturity:
            staff = self.model.params.backbone.staff_capacity * self.strength
            efforts = dict(zip(ROLES, [staff * share for share in self._shares(maturity)], strict=True))
            kept = self._kept_efforts = (maturity, efforts)
        return kept[1]

    def act(self, policy_draw: float, z_policy: np.ndarray) -> int:
        """Spend this step's effort on the six roles (step 2 of the schedule).

        Args:
            policy_draw: a uniform draw from the backbone stream: a policy change is won when it falls below
                ``backbone.policy_win_rate`` x the effort on policy.
            z_policy: standard normal draws, one per element: the errors of the backbone's reading of where the
                community falls short (``win_policy``).

        Returns:
            The readings it made this step (one per element it sees when it wins a policy change, else none).
        """
        params = self.model.params.backbone
        region = self.region
        self.effort = self._efforts()
        if self.model.params.conditions.dynamics == "built":
            self._raise(AGENDA, self.effort["vision"])
            self._raise(REINFORCING, self.effort["aligned_activities"])
            self._raise(COMMUNICATION, self.effort["aligned_activities"] / 2)
            self._raise(MEASUREMENT, self.effort["measurement"])
        region.engagement += min(1.0, params.public_will_rate * self.effort["public_will"]) * (1.0 - region.engagement)
        read = 0
        if policy_draw < params.policy_win_rate * self.effort["policy"]:
            read = self.win_policy(z_policy)
        grants = params.funding_yield * self.effort["funding"] * (1 + self.model.params.intercooperation.joint_bids)
        region.pool += grants
        self.funds_mobilized += grants
        return read

    def _raise(self, condition: int, effort: float) -> None:
        """Raise one condition level towards 1 in proportion to the effort spent on it."""
        levels = self.region.levels
        levels[condition] += min(1.0, self.model.params.backbone.growth_rate * effort) * (1.0 - levels[condition])

    def win_policy(self, z: np.ndarray) -> int:
        """Advance policy on the element where the region's community state contributes least, as its data show.

        The backbone has no data of its own: it reads each element's contribution through the region's shared
        measurement system, for a share m (the coalition's level), and from members' reports for the rest,
        with the errors, the lag and the blind spots those have for a member (``cisim.model.conditions``): the
        shared system sees tracked elements only, with noise ``backbone.shared_noise``; reports about others'
        domains carry twice the members' mean data noise; data lag ``organizations.data_lag x (1 - m) +
        backbone.shared_lag x m`` steps. An untracked element is seen only in members' reports from their own
        data, which they keep for their share 1 - m: at m = 1 the backbone ranks the tracked elements only (below it,
        every element, the untracked ones with the reports' noise whatever m is: a step, not a fade). Each
        reading is of the element's share of the normalised community outcome (its contribution / (n_elements x
        the achievable spread of the problem its data describe)), the scale on which a member reads a whole
        configuration with the same noise; its readings count in the model's ``candidates_evaluated``. It
        advocates where its reading is lowest, not where the community truly falls shortest.

        Args:
            z: one standard normal draw per element (the errors of its reading).

        Returns:
            The readings it made: one per element it sees.
        """
        model, region = self.model, self.region
        params, population = model.params, model.population
        m = float(region.levels[MEASUREMENT])
        members = population.member & (population.region == region.index)
        report_noise = 2.0 * float(population.noise[members].mean()) if members.any() else 0.0
        noise = (1.0 - m) * report_noise + m * np.where(model.tracked, params.backbone.shared_noise, report_noise)
        lag = int(model.data_lags(m)[0])
        tables, spread = model.problem_as_of(lag)
        contributions = model.landscape.contributions(model.region_state(region.index), tables).mean(axis=0)
        # Each element's share of the normalised community outcome, the scale on which a member reads a whole
        # configuration: its noise weighs as much on one element as a member's does on the outcome.
        share = contributions / (len(contributions) * spread) if spread > 0.0 else np.zeros_like(contributions)
        reading = share + noise * z
        seen = model.tracked | (m < 1.0)  # untracked elements only in members' own data, kept for 1 - m
        model.landscape.improve(int(np.where(seen, reading, np.inf).argmin()), params.backbone.policy_lift)
        read = int(seen.sum())
        self.readings += read  # one reading per element it sees, counted in candidates_evaluated
        self.policy_wins += 1
        return read
