"""The collective-impact model: wiring of problem, organizations, coalitions and backbones, and the step."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import mesa
import numpy as np

import cisim.model.reporters as reporters
from cisim.model.ledger import Ledger, book
from cisim.model.network import Network, build_graph
from cisim.model.plan import joint_plan, participants_of, pooled_noise, realign, tabled
from cisim.model.region import Region
from cisim.organizations import behaviour
from cisim.organizations.agents import Backbone, Organization
from cisim.organizations.behaviour import AGENDA, COMMUNICATION, MEASUREMENT, REINFORCING
from cisim.organizations.population import Population, create_population
from cisim.problem import Landscape
from cisim.scenarios.params import Params
from cisim.scenarios.scenario import Scenario, ScenarioError, default_scenario
from cisim.scenarios.schema import BY_NAME, CONDITIONS, ROLES

#: Perceived benefit of membership, as a share of budget: a base value and what trust adds, both scaled by
#: the coalition's mean condition level, plus what engagement and recent progress add.
BENEFIT_BASE, BENEFIT_TRUST, BENEFIT_ENGAGEMENT, BENEFIT_PROGRESS = 0.1, 0.2, 0.2, 2.0
#: Steps over which members judge recent progress.
PROGRESS_WINDOW = 10

#: The model's random streams, each spawned from the run's seed (``numpy.random.SeedSequence``): a design
#: that uses fewer draws from one stream leaves every other stream as it is, so two arms share every draw
#: their designs allow (common random numbers).
STREAMS = (
    "problem",  # the landscape and its changes
    "start",  # each region's starting configuration
    "organizations",  # sectors, domains, portfolios, data noise
    "networks",  # the communication graphs
    "membership",  # who would join, membership reviews
    "search",  # who revises, which candidates, rounding of capacity
    "perception",  # noise in every reading of an outcome
    "communication",  # who hears whom, trust gates, copying errors, communities of practice
    "coordination",  # whether the plan runs, who takes part and tables what, re-assignment, joint bids
    "backbone",  # policy wins
)


@dataclass(frozen=True)
class Draws:
    """Every random number one step uses, drawn in blocks of fixed shape whatever the design."""

    revise: np.ndarray
    keys: np.ndarray
    rounding: np.ndarray
    z_candidates: np.ndarray
    z_remember: np.ndarray
    hear: np.ndarray
    contacts: np.ndarray
    share: np.ndarray
    z_offers: np.ndarray
    copy: np.ndarray
    cross: np.ndarray
    cross_pick: np.ndarray
    z_cross: np.ndarray
    z_copy: np.ndarray
    plan: np.ndarray
    participate: np.ndarray
    all_in: np.ndarray
    z_combination: np.ndarray
    realign: np.ndarray
    bid: np.ndarray
    policy: np.ndarray
    review: np.ndarray
    review_decide: np.ndarray


class CollectiveImpactModel(mesa.Model):
    """Organizations working on a community problem in isolation or under the five conditions of collective impact.

    Build it from keyword parameters (short names from the scenario schema; unnamed ones take their defaults)
    or from a scenario::

        CollectiveImpactModel(k=6, common_agenda=1.0, n_organizations=12, rng=42)
        CollectiveImpactModel.from_scenario(scenario.with_arm("isolated"), rng=42)

    Args:
        rng: seed or generator; every random stream of the model is spawned from it.
        arm: coalition design to apply over the parameters (``scenario``, ``isolated`` or ``collective``).
        **parameters: parameter values by short name, e.g. ``k=6`` or ``backbone=0.5``; validated like a
            scenario file.
    """

    def __init__(self, rng: Any = None, arm: str = "scenario", **parameters: Any) -> None:
        """Build the model; see the class docstring for the arguments."""
        super().__init__(rng=rng)
        scenario = _scenario_from_keywords(parameters).with_arm(arm)
        self.arm = arm
        self.params = Params.from_values(scenario.values)
        self.name = scenario.name
        self._build()

    @classmethod
    def from_scenario(cls, scenario: Scenario | None = None, rng: Any = None) -> CollectiveImpactModel:
        """A model of a resolved scenario, under the scenario's arm (``Scenario.with_arm``)."""
        scenario = scenario or default_scenario()
        # The scenario's values already carry its arm's levels (and any change made after the arm).
        model = cls(rng=rng, **Params.from_values(scenario.values).flat())
        model.arm, model.name = scenario.arm, scenario.name
        return model

    # ------------------------------------------------------------------ construction
    def _build(self) -> None:
        """Draw the world from the run's streams, then apply the coalition design."""
        p = self.params
        self.streams = dict(zip(STREAMS, self.rng.spawn(len(STREAMS)), strict=True))
        s = self.streams
        self.own_solutions = p.organizations.solutions == "own"
        self.landscape = Landscape(
            p.problem.n_elements,
            p.problem.n_domains,
            p.problem.k,
            p.problem.k_across,
            s["problem"],
            interaction=p.problem.interaction,
        )
        n_regions = p.regions.n_regions
        starts = s["start"].random((n_regions, p.problem.n_elements)) < 0.5
        self.population: Population = create_population(p, self.landscape, starts, s["organizations"])
        self.network = self._wire(s["networks"])
        would_join = s["membership"].random(len(self.population)) < p.participation.initial_members
        # Design-dependent from here on: the same seed has built the same world for every arm.
        design = np.array([getattr(p.conditions, name) for name in CONDITIONS], dtype=float)
        self.levels = np.tile(design, (n_regions, 1))
        self.regions = [Region(r, starts[r].copy(), self.levels) for r in range(n_regions)]
        self.has_coalition = np.array([region.has_coalition for region in self.regions])
        self.population.member[:] = would_join & self.has_coalition[self.population.region]
        for index in range(len(self.population)):
            Organization(self, index)
        weights = {role: getattr(p.backbone, f"weight_{role}") for role in ROLES}
        for region in self.regions:
            if region.levels[-1] > 0:
                region.backbone = Backbone(self, region, float(region.levels[-1]), weights)
        self.ledger = Ledger(expected_member_cost=np.zeros(n_regions))
        self.adoptions = 0
        self.candidates_evaluated = 0
        self.candidates_total = 0
        self._history = [(0, self.landscape.version, self.landscape.tables.copy())]
        self.outcomes: list[float] = []
        self._measure()
        self.initial_outcome = reporters.community_outcome(self)
        self.datacollector = mesa.DataCollector(
            model_reporters=reporters.model_reporters(p.problem.n_domains),
            agenttype_reporters={Organization: reporters.AGENT_REPORTERS} if p.run.agent_data else None,
        )
        self.collected_steps: list[int] = []
        self.collect()

    def _wire(self, rng: np.random.Generator) -> Network:
        """One communication graph per region (links stay within regions), joined into one network."""
        p = self.params.communication
        edges: list[tuple[int, int]] = []
        for r in range(self.params.regions.n_regions):
            rows = np.flatnonzero(self.population.region == r)
            graph = build_graph(
                p.network, len(rows), int(rng.integers(2**31)), p.degree, p.rewiring, p.network_file, rows.tolist()
            )
            edges.extend((rows[u], rows[v]) for u, v in graph.edges())
        ordered = np.array(sorted((min(u, v), max(u, v)) for u, v in edges), dtype=np.intp).reshape(-1, 2)
        return Network(ordered, len(self.population), p.trust_initial)

    # ------------------------------------------------------------------ views
    @property
    def organizations(self) -> list[Organization]:
        """All organizations in creation order."""
        return list(self.agents_by_type[Organization])

    @property
    def solutions(self) -> np.ndarray:
        """Each organization's configuration: its own (own-solution mode) or its region's, ``(O, N)``."""
        if self.own_solutions:
            return self.population.known
        return self.configs()[self.population.region]

    def configs(self) -> np.ndarray:
        """The regions' community configurations, one row per region."""
        return np.array([region.config for region in self.regions])

    def region_state(self, region: int) -> np.ndarray:
        """The configurations that make up a region's community state: its own, or its organizations'."""
        if self.own_solutions:
            return self.population.known[self.population.region == region]
        return self.regions[region].config[None, :]

    def member_levels(self) -> np.ndarray:
        """Condition levels that apply to each organization: its coalition's, or all zero outside one."""
        return np.where(self.population.member[:, None], self.levels[self.population.region], 0.0)

    def _measure(self) -> None:
        """Measure the state once after construction and after every step; record each region's outcome."""
        self.snapshot = reporters.measure(self)
        outcomes = self.snapshot["outcomes"]
        self.outcomes.append(float(outcomes.mean()))
        if self.own_solutions:
            rows = self.population.region
            outcomes = np.bincount(rows, weights=outcomes, minlength=len(self.regions)) / np.bincount(rows)
        for region, outcome in zip(self.regions, outcomes, strict=True):
            region.history.append(float(outcome))

    # ------------------------------------------------------------------ the step
    def step(self) -> None:
        """One step, in the order documented in docs/model.md (section 'Process overview and scheduling')."""
        p = self.params
        population = self.population
        draws = self._draw()
        self.adoptions = 0
        self._adopted = np.zeros(len(population), dtype=bool)
        # 1. The problem changes, if adaptive.
        if p.problem.turbulence > 0 and self.steps % p.problem.turbulence_interval == 0:
            self.landscape.redraw(p.problem.turbulence, self.streams["problem"])
        # 2. Backbones act; built conditions erode without one.
        if p.conditions.dynamics == "built":
            loss = p.backbone.erosion * (1.0 - self.levels[:, -1:])
            self.levels[:, :-1] *= 1.0 - loss
        for region in self.regions:
            if region.backbone is not None:
                region.backbone.act(float(draws.policy[region.index]))
        levels = self.member_levels()
        perception = behaviour.perception(population, levels, p.backbone.shared_noise)
        stale = self._stale_data(levels)
        # 3. Organizations communicate; communities of practice share between regions.
        self._communicate(levels, perception, draws, stale)
        self._share_between_regions(perception, draws, stale)
        # 4. Organizations that revise evaluate their candidate changes (the same number alone or together).
        current = self.solutions
        # In own-solution mode an organization that copied a neighbour this step does not search as well.
        revising = (draws.revise < p.organizations.revision_rate) & ~self._adopted
        candidates = behaviour.propose(population, current, population.capacity, draws.keys, self.own_solutions)
        views = behaviour.views(self.landscape, candidates.configs, population, stale)
        values = views.perceived(perception, draws.z_candidates[..., 0], draws.z_candidates[..., 1])
        self.candidates_evaluated = int((candidates.count * revising).sum())
        self.candidates_total += self.candidates_evaluated
        # 5. Choices are made: jointly through the plan with probability r, or each alone.
        population.in_plan[:] = False
        plan_changes = self._plan(candidates, values, views, revising, levels, draws, stale)
        alone = behaviour.decide_alone(candidates, values, revising & ~population.in_plan)
        if self.own_solutions:
            population.known ^= alone
        else:
            changed = np.zeros((len(self.regions), population.portfolio.shape[1]), dtype=bool)
            np.logical_or.at(changed, population.region, alone)
            for region in self.regions:
                region.config = region.config ^ (changed[region.index] | plan_changes[region.index])
            best, better = behaviour.best_candidate(values, candidates.valid & revising[:, None])
            found = np.where(better[:, None], candidates.configs[np.arange(len(best)), best + 1], current)
            behaviour.remember(self.landscape, population, perception, self.solutions, found, draws.z_remember, stale)
        # 6. Costs and budgets are booked; membership is updated.
        book(
            p,
            population,
            self.levels,
            np.array([region.engagement for region in self.regions]),
            pools := np.array([region.pool for region in self.regions]),
            np.array([region.backbone.running_cost if region.backbone else 0.0 for region in self.regions]),
            draws.bid,
            draws.rounding,
            self.ledger,
        )
        for region, pool in zip(self.regions, pools, strict=True):
            region.pool = float(pool)
        self._review_membership(draws)
        self.network.decay(p.communication.trust_decay)
        self._measure()
        # 7. Data are collected.
        if self.steps % p.run.collect_every == 0:
            self.collect()

    def collect(self) -> None:
        """Collect the outputs now (the step does so every ``run.collect_every`` steps), once per step at most."""
        if not self.collected_steps or self.collected_steps[-1] != self.steps:
            self.datacollector.collect(self)
            self.collected_steps.append(self.steps)

    def series(self) -> Any:
        """The collected per-step outputs as a DataFrame indexed by step."""
        frame = self.datacollector.get_model_vars_dataframe()
        frame.index = self.collected_steps[: len(frame)]
        frame.index.name = "step"
        return frame

    def _draw(self) -> Draws:
        """This step's random numbers, in blocks whose shapes depend only on the world, never on the design.

        Each stream is drawn from once or twice per step (one block, cut into the named parts), so the cost of
        drawing does not grow with the number of rules.
        """
        s = self.streams
        count, n, regions = len(self.population), self.landscape.n_elements, len(self.regions)
        width = self.population.candidate_width
        contacts = self._offer_width()
        search = _cut(s["search"].random(count * (n + 2)), [(count,), (count, n), (count,)])
        perception = _cut(
            s["perception"].standard_normal(count * (2 * width + 8)), [(count, width + 1, 2), (count, 3, 2)]
        )
        uniform = [(count,), (count, contacts), (count, contacts), (count, n), (regions,), (regions,)]
        talk = _cut(s["communication"].random(count * (1 + 2 * contacts + n) + 2 * regions), uniform)
        talk_z = _cut(
            s["communication"].standard_normal(count * (2 * contacts + 10)),
            [(count, contacts + 1, 2), (count, 2, 2), (count, 2, 2)],
        )
        plan = _cut(
            s["coordination"].random(5 * regions + 2 * count),
            [(regions,), (count,), (count,), (regions, 2), (regions,)],
        )
        membership = _cut(s["membership"].random(2 * count), [(count,), (count,)])
        return Draws(
            revise=search[0],
            keys=search[1],
            rounding=search[2],
            z_candidates=perception[0],
            z_remember=perception[1],
            hear=talk[0],
            contacts=talk[1],
            share=talk[2],
            copy=talk[3],
            cross=talk[4],
            cross_pick=talk[5],
            z_offers=talk_z[0],
            z_cross=talk_z[1],
            z_copy=talk_z[2],
            plan=plan[0],
            participate=plan[1],
            all_in=plan[2],
            realign=plan[3],
            bid=plan[4],
            z_combination=s["coordination"].standard_normal(regions),
            policy=s["backbone"].random(regions),
            review=membership[0],
            review_decide=membership[1],
        )

    def _offer_width(self) -> int:
        """Offers an organization can hear per step: sampled contacts, or every neighbour in own-solution mode."""
        if self.own_solutions:
            return max(1, int(self.network.degree.max(initial=0)))
        return self.params.communication.contacts_per_step

    def _stale_data(self, levels: np.ndarray) -> behaviour.StaleData | None:
        """Which organizations read the problem as it was, and which tables their late data describe.

        Each organization's data lag ``organizations.data_lag x (1 - m)`` steps (rounded) behind the problem; the
        tables in force at every step since the oldest lag are kept, and only changes of the problem (turbulence,
        policy wins) make late data differ from timely data.
        """
        landscape, history = self.landscape, self._history
        if landscape.version != history[-1][1]:
            history.append((self.steps, landscape.version, landscape.tables.copy()))
        lag = self.params.organizations.data_lag
        if lag == 0 or len(history) == 1:
            return None
        while len(history) > 1 and history[1][0] <= self.steps - lag:
            history.pop(0)  # no lag reaches back before the second entry any more
        lags = np.rint(lag * (1.0 - levels[:, MEASUREMENT])).astype(int)
        starts = np.array([start for start, _, _ in history])
        version = np.searchsorted(starts, self.steps - lags, side="right") - 1
        groups = tuple((version == v, history[v][2]) for v in np.unique(version[version < len(history) - 1]))
        return behaviour.StaleData(groups) if groups else None

    def _communicate(
        self, levels: np.ndarray, perception: behaviour.Perception, draws: Draws, stale: behaviour.StaleData | None
    ) -> None:
        """Members hear neighbours' best configurations and take up a better one (social learning).

        A member communicates this step with probability equal to the communication level. It hears
        ``communication.contacts_per_step`` neighbours drawn at random (in own-solution mode: every
        neighbour); a neighbour shares only if it is a member too, and then with probability equal to the
        trust on the link (a shared platform lifts that, source 003). Contact builds trust, and more so when
        what is shared is taken up. Everyone hears what the others knew at the start of the step.
        """
        population, network, p = self.population, self.network, self.params
        hears = population.member & (draws.hear < levels[:, COMMUNICATION])
        if not len(network.edges) or not hears.any():
            return
        if self.own_solutions:
            neighbours, edges, has = self._all_neighbours()
        else:
            neighbours, edges, has = network.pick(draws.contacts)
        trust = network.trust[edges]
        platform = p.intercooperation.shared_platform
        shares = (
            hears[:, None]
            & has[:, None]
            & (neighbours >= 0)
            & population.member[np.maximum(neighbours, 0)]
            & (draws.share < behaviour.sharing_chance(trust, platform))
        )
        if not shares.any():
            return
        offers = population.known[np.maximum(neighbours, 0)]
        index, take = behaviour.consider(self.landscape, population, perception, offers, shares, draws.z_offers, stale)
        if p.communication.copy_error > 0 and take.any():
            # What is copied may come out wrong; a copy that turns out no better than one's own is dropped.
            copies = behaviour.copy_with_errors(
                offers[np.arange(len(index)), index], p.communication.copy_error, draws.copy
            )
            _, better = behaviour.consider(
                self.landscape, population, perception, copies[:, None, :], take[:, None], draws.z_copy
            )
            take &= better
            offers[np.arange(len(index)), index] = copies
        rows = np.flatnonzero(take)
        if len(rows):
            population.known[rows] = offers[rows, index[rows]]
            self._adopted[rows] = self.own_solutions
        gains = np.where(shares, p.communication.trust_gain, 0.0)
        gains[rows, index[rows]] *= 2
        network.touch(edges[shares], gains[shares])
        self.adoptions += len(rows)

    def _all_neighbours(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Every organization's neighbours and links, padded with -1 to the widest, ``(O, D)`` each."""
        network = self.network
        width = self._offer_width()
        slots = np.arange(width)
        valid = slots[None, :] < network.degree[:, None]
        position = np.minimum(network.offsets[:-1, None] + slots[None, :], max(len(network.neighbours) - 1, 0))
        if not len(network.neighbours):
            empty = np.full((len(network.degree), width), -1, dtype=np.intp)
            return empty, np.zeros_like(empty), network.degree > 0
        return (
            np.where(valid, network.neighbours[position], -1),
            np.where(valid, network.edge_of[position], 0),
            network.degree > 0,
        )

    def _share_between_regions(
        self, perception: behaviour.Perception, draws: Draws, stale: behaviour.StaleData | None
    ) -> None:
        """Communities of practice: a region hears what works in another one (source 004).

        With probability ``regions.cross_region`` per step, every organization in a region compares the
        community state of another region, drawn at random, with its best known configuration and takes it
        up if it looks better.
        """
        regions = len(self.regions)
        if regions < 2:
            return
        sharing = draws.cross < self.params.regions.cross_region
        if not sharing.any():
            return
        source = (np.arange(regions) + 1 + (draws.cross_pick * (regions - 1)).astype(int)) % regions
        practice = self.configs()[source][self.population.region]
        offered = sharing[self.population.region][:, None]
        _, take = behaviour.consider(
            self.landscape, self.population, perception, practice[:, None, :], offered, draws.z_cross, stale
        )
        self.population.known[take] = practice[take]
        self.adoptions += int(take.sum())

    def _plan(
        self,
        candidates: behaviour.Candidates,
        values: np.ndarray,
        views: behaviour.Views,
        revising: np.ndarray,
        levels: np.ndarray,
        draws: Draws,
        stale: behaviour.StaleData | None,
    ) -> np.ndarray:
        """Run each coalition's plan where it runs this step; returns each region's planned change ``(R, N)``."""
        population, p = self.population, self.params
        changes = np.zeros((len(self.regions), population.portfolio.shape[1]), dtype=bool)
        if self.own_solutions:
            return changes  # each organization holds its own solution: there is no shared state to plan
        trust = self.network.trust_of()
        submitted = tabled(candidates, values, revising, draws.all_in < levels[:, AGENDA])
        for region in self.regions:
            members = np.flatnonzero(population.member & (population.region == region.index))
            region.plan_ran = bool(len(members)) and draws.plan[region.index] < region.levels[REINFORCING]
            if not region.plan_ran:
                continue
            participants = participants_of(
                population, members, trust, p.intercooperation.shared_platform, draws.participate
            )
            population.in_plan[participants] = True
            bringing = participants[submitted[participants].any(axis=1)]
            if len(bringing):
                noise = pooled_noise(population, participants, region.levels[MEASUREMENT], p.backbone.shared_noise)
                changes[region.index] = joint_plan(
                    self.landscape,
                    region.config,
                    candidates,
                    views.community,
                    draws.z_candidates[..., 0],
                    bringing,
                    submitted,
                    noise,
                    float(draws.z_combination[region.index]),
                    _tables_of(stale, bringing[0]),
                )
            realign(population, np.flatnonzero(population.region == region.index), members, draws.realign[region.index])
        return changes

    def _review_membership(self, draws: Draws) -> None:
        """Organizations reconsider membership now and then, weighing benefit against cost."""
        p, population = self.params, self.population
        has_coalition = self.has_coalition
        if not has_coalition.any():
            return
        progress = np.array(
            [max(0.0, r.history[-1] - r.history[max(0, len(r.history) - PROGRESS_WINDOW)]) for r in self.regions]
        )
        commitment = self.levels.mean(axis=1)
        engagement = np.array([region.engagement for region in self.regions])
        region = population.region
        benefit = (
            commitment[region] * (BENEFIT_BASE + BENEFIT_TRUST * self.network.trust_of())
            + BENEFIT_ENGAGEMENT * engagement[region]
            + BENEFIT_PROGRESS * progress[region]
        )
        behaviour.review_membership(
            population,
            benefit,
            self.ledger.expected_member_cost[region],
            draws.review < p.participation.review_rate,
            draws.review_decide,
            has_coalition,
        )


def _tables_of(stale: behaviour.StaleData | None, organization: int) -> np.ndarray | None:
    """The tables an organization's late data describe (None: the problem as it is now)."""
    if stale is not None:
        for rows, tables in stale.groups:
            if rows[organization]:
                return tables
    return None


def _cut(block: np.ndarray, shapes: list[tuple[int, ...]]) -> list[np.ndarray]:
    """Cut one flat block of draws into consecutive parts of the given shapes."""
    parts, start = [], 0
    for shape in shapes:
        size = int(np.prod(shape))
        parts.append(block[start : start + size].reshape(shape))
        start += size
    return parts


def _scenario_from_keywords(parameters: dict[str, Any]) -> Scenario:
    """The built-in defaults with parameters given by short name, validated like a scenario file."""
    unknown = [name for name in parameters if name not in BY_NAME]
    if unknown:
        from cisim.scenarios.scenario import suggest

        raise ScenarioError(
            [f"CollectiveImpactModel: unknown parameter '{name}'{suggest(name, BY_NAME)}" for name in unknown]
        )
    changes = {f"{BY_NAME[name].section}__{name}": value for name, value in parameters.items()}
    return default_scenario().with_values(**changes) if changes else default_scenario()
