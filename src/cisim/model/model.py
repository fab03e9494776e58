"""The collective-impact model: wiring of problem, organizations, coalitions and backbones, and the step."""

from __future__ import annotations

import functools
import heapq
import math
from typing import Any

import mesa
import numpy as np
import pandas as pd
from mesa.time.events import Event

import cisim.model.reporters as reporters
from cisim.model import pcg, skipping
from cisim.model.conditions import agenda_weights, perceive, tracked_elements
from cisim.model.draws import Draws
from cisim.model.ledger import JOINT_BID_CHANCE, Ledger, LedgerRules
from cisim.model.network import Network, graph_edges
from cisim.model.phases import (
    Links,
    Measuring,
    Organizations,
    Programmes,
    Regions,
    Rules,
    Settling,
    Turn,
    anyone_short,
    lapse,
    measure,
    organizations_act,
    read_recent_progress,
    settle,
)
from cisim.model.region import Region
from cisim.organizations.agents import Backbone, Organization
from cisim.organizations.behaviour import BACKBONE, MEASUREMENT, Perception, data_lags
from cisim.organizations.population import Population, create_population
from cisim.problem import Landscape
from cisim.problem.compiled import ProblemView, RepeatedCall
from cisim.scenarios.params import Params
from cisim.scenarios.scenario import Scenario, ScenarioError, default_scenario
from cisim.scenarios.schema import BY_NAME, CONDITIONS, ROLES

#: Steps over which members judge recent progress.
PROGRESS_WINDOW = 10

try:  # pandas 3: a frame from its blocks as they are (``series_frame``)
    from pandas.api.internals import create_dataframe_from_blocks as _from_blocks
except ImportError:  # pragma: no cover - older pandas build frames from dicts
    _from_blocks = None

#: The model's random streams, each spawned from the run's seed (``numpy.random.SeedSequence``): a design
#: that uses fewer draws from one stream leaves every other stream as it is, so two arms share every draw
#: their designs allow (common random numbers).
STREAMS = (
    "problem",  # the landscape and its changes
    "start",  # each region's starting configuration (and each organization's, with random starts)
    "organizations",  # sectors, domains, portfolios, data noise
    "networks",  # the communication graphs
    "membership",  # who would join, membership reviews
    "search",  # who revises, which candidates, rounding of capacity
    "perception",  # noise in every reading of an outcome
    "communication",  # who hears whom, trust gates, copying errors, communities of practice
    "coordination",  # whether the plan runs, who takes part and tables what, re-assignment, joint bids
    "backbone",  # policy wins
    "programmes",  # programs that lapse when their money goes to coordination (last: the others stay as they were)
)
#: Streams of what organizations do, drawn afresh under another ``run.draws_key``; the others (problem, starts,
#: organizations, networks) make the world, which stays the same.
BEHAVIOUR_STREAMS = ("membership", "search", "perception", "communication", "coordination", "backbone", "programmes")


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
        self._setup(_scenario_from_keywords(parameters).with_arm(arm))

    @classmethod
    def from_scenario(cls, scenario: Scenario | None = None, rng: Any = None) -> CollectiveImpactModel:
        """A model of a resolved scenario, under the scenario's arm (``Scenario.with_arm``)."""
        # The scenario's values were validated field by field when it was built, and already carry its arm's
        # levels (and any change made after the arm); the checks across fields are made again, as for keywords.
        scenario = (scenario or default_scenario()).with_values()
        model = cls.__new__(cls)
        mesa.Model.__init__(model, rng=rng)
        model._setup(scenario)
        return model

    def _setup(self, scenario: Scenario) -> None:
        self.arm = scenario.arm
        self.params = Params.from_values(scenario.values)
        self.name = scenario.name
        self._build()

    # ------------------------------------------------------------------ construction
    def _build(self) -> None:
        """Draw the world from the run's streams, then apply the coalition design."""
        p = self.params
        self.streams = dict(zip(STREAMS, self.rng.spawn(len(STREAMS)), strict=True))
        if p.run.draws_key:
            for name in BEHAVIOUR_STREAMS:
                self.streams[name] = _keyed(self.streams[name], p.run.draws_key)
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
        own_starts = None
        if p.organizations.start == "random":
            # Drawn after the regions' starts, from the same stream: every other draw stays as it was, and arms
            # run with one seed start from the same configurations.
            shape = (p.organizations.n_organizations, p.problem.n_elements)
            own_starts = s["start"].random(shape) < 0.5
        self.population: Population = create_population(p, self.landscape, starts, s["organizations"], own_starts)
        self.network = self._wire(s["networks"])
        would_join = s["membership"].random(len(self.population)) < p.participation.initial_members
        # Design-dependent from here on: the same seed has built the same world for every arm.
        design = np.array([getattr(p.conditions, name) for name in CONDITIONS], dtype=float)
        self.levels = np.tile(design, (n_regions, 1))
        #: The regions' state, one row per region (``Region`` reads and writes its row).
        self.region_configs = starts.copy()
        self.region_engagement = np.zeros(n_regions)
        self.region_pools = np.zeros(n_regions)
        self.region_plan_ran = np.zeros(n_regions, dtype=bool)
        #: Each organization's reading of its region's recent progress, weighed when it reviews its membership.
        self.progress_read = np.zeros(len(self.population))
        #: Each region's community outcome after each step (what ``Region.history`` shows), and how many steps of
        #: it are filled.
        self.outcome_history = np.zeros((n_regions, self.params.run.steps + 1))
        self.outcome_count = np.zeros(1, dtype=np.intp)
        #: The same as the shared measurement system shows it: the outcome of the elements it tracks (filled only
        #: when it tracks part of the problem; members read progress through it, ``behaviour.read_progress``).
        self.tracked_history = np.zeros_like(self.outcome_history)
        self.regions = [
            Region(
                r,
                self.region_configs,
                self.levels,
                self.region_engagement,
                self.region_pools,
                self.region_plan_ran,
                self.region_history,
            )
            for r in range(n_regions)
        ]
        self.has_coalition = np.array([region.has_coalition for region in self.regions])
        self.population.member[:] = would_join & self.has_coalition[self.population.region]
        for index in range(len(self.population)):
            Organization(self, index)
        weights = {role: getattr(p.backbone, f"weight_{role}") for role in ROLES}
        for region in self.regions:
            if region.levels[BACKBONE] > 0:
                region.backbone = Backbone(self, region, float(region.levels[BACKBONE]), weights)
        self._backbones = [region for region in self.regions if region.backbone is not None]
        population = self.population
        #: Each organization's belief about what it knows (the mean of its readings of it): none yet (-inf); in
        #: own-solution mode an organization sees its own performance and holds none (nan).
        self.belief = np.full(len(population), np.nan if self.own_solutions else -np.inf)
        self.belief_count = np.zeros(len(population), dtype=np.intp)
        #: The same for the coalition's objective, as the plan weighs it: the mean of the same readings.
        self.plan_belief = np.full(len(population), -np.inf)
        self.plan_belief_count = np.zeros(len(population), dtype=np.intp)
        #: The share of a full program budget each organization had left after costs last step.
        self.delivery = np.ones(len(population))
        #: Each organization's mean trust over its links, as this step's turn found it (before trust fades).
        self.organization_trust = np.zeros(len(population))
        #: The community's status quo a lapsed program returns to: each organization's starting configuration
        #: (its own in own-solution mode, else its region's).
        self.status_quo = own_starts if own_starts is not None else starts[population.region]
        self.region_starts = starts
        self.agenda = agenda_weights(
            population.domain_mask, population.region, population.base_budget, n_regions, p.backbone.agenda_capture
        )
        self.tracked = tracked_elements(p.problem.n_elements, p.backbone.measurement_coverage)
        #: Whether the shared measurement system leaves part of the problem untracked.
        self.partial_measurement = not bool(self.tracked.all())
        self.ledger = Ledger(expected_member_cost=np.zeros(n_regions))
        self._rules = Rules(
            self.own_solutions,
            population.candidate_width,
            p.organizations.revision_rate,
            p.organizations.memory,
            p.organizations.gap_uptake,
            p.communication.informal,
            p.intercooperation.shared_platform,
            p.communication.trust_gain,
            p.communication.copy_error,
            p.communication.after_dropped_copy == "stay",
            p.regions.cross_region,
            p.communication.offers_cost_capacity,
        )
        self._ledger_rules = self._ledger_parameters()
        self.adoptions = 0
        #: Readings of candidate changes this step: in organizations' own search, of what others offered, and of
        #: the plans' combined changes; with the backbones' readings of each element when they win a policy
        #: change (``policy_readings``), ``candidates_evaluated`` is their sum.
        self.candidates_searched = self.offers_read = self.plan_readings = self.policy_readings = 0
        self.candidates_evaluated = 0
        self.candidates_total = 0
        #: The versions of the problem someone's data may still describe: (first step, version, tables, lowest raw
        #: fitness, spread), oldest first; the last is the problem as it is now.
        self._history = [(0, self.landscape.version, self.landscape.tables.copy(), *self._scale())]
        self._view: tuple[int, ProblemView] | None = None
        self._layout = self._draw_layout()
        #: Keyed draws (``run.draws = "keyed"``): where each stream that draws in blocks stood once the world was
        #: built (numpy's state of its bit generator); each step's parts are placed from there (``_draw_blocks``).
        self._draw_origins = self._origins() if p.run.draws == "keyed" else None
        #: How many steps have drawn their numbers (the step a keyed program places its parts for).
        self._steps_drawn = np.zeros(1, dtype=np.int64)
        self.outcomes: list[float] = []
        self._measure()
        self.initial_outcome = reporters.community_outcome(self)
        self.datacollector = reporters.OutputCollector(
            model_reporters=reporters.model_reporters(p.problem.n_domains),
            agenttype_reporters={Organization: reporters.AGENT_REPORTERS} if p.run.agent_data else None,
        )
        self.collected_steps: list[int] = []
        self.collect()

    def _wire(self, rng: np.random.Generator) -> Network:
        """One communication graph per region (links stay within regions), joined into one network."""
        p = self.params.communication
        parts = []
        for r in range(self.params.regions.n_regions):
            rows = np.flatnonzero(self.population.region == r)
            local = graph_edges(
                p.network, len(rows), int(rng.integers(2**31)), p.degree, p.rewiring, p.network_file, rows.tolist()
            )
            parts.append(rows[local])
        edges = np.concatenate(parts) if parts else np.empty((0, 2), dtype=np.intp)
        low, high = edges.min(axis=1, initial=np.iinfo(np.intp).max), edges.max(axis=1, initial=-1)
        order = np.lexsort((high, low))  # each link as (lower, higher) number, sorted by both
        ordered = np.column_stack((low[order], high[order])).astype(np.intp).reshape(-1, 2)
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
        return self.region_configs[self.population.region]

    def configs(self) -> np.ndarray:
        """The regions' community configurations, one row per region (a copy)."""
        return self.region_configs.copy()

    def region_state(self, region: int) -> np.ndarray:
        """The configurations that make up a region's community state: its own, or its organizations'."""
        if self.own_solutions:
            return self.population.known[self.population.region == region]
        return self.regions[region].config[None, :]

    def member_levels(self) -> np.ndarray:
        """Condition levels that apply to each organization: its coalition's, or all zero outside one."""
        return np.where(self.population.member[:, None], self.levels[self.population.region], 0.0)

    def _measure(self) -> None:
        """Measure the state once after construction and after every step; record each region's outcome.

        ``snapshot`` keeps the outcomes of the state for the reporters: ``outcomes`` one per region
        (own-solution mode: per organization), ``outcome`` their mean (``Landscape.outcome``'s values).
        """
        count = int(self.outcome_count[0])
        if count == self.outcome_history.shape[1]:  # run past its planned steps: room for as many again
            self.outcome_history = np.concatenate([self.outcome_history, np.zeros_like(self.outcome_history)], axis=1)
            self.tracked_history = np.concatenate([self.tracked_history, np.zeros_like(self.tracked_history)], axis=1)
        values, mean = self._repeated(measure)(self._measuring())  # compiled (``phases.measure``)
        self.snapshot = {"outcomes": values, "outcome": mean}
        self.outcomes.append(mean)

    def _measuring(self) -> Measuring:
        """What measuring reads and writes (``phases.Measuring``), gathered once.

        Gathered again when the problem or the history is a new object (a change of the problem, or a run past its
        planned steps).
        """
        view = self._timely_view()
        measuring = self.__dict__.get("_measuring_bundle")
        if measuring is None or measuring[0] is not view or measuring[1].history is not self.outcome_history:
            population = self.population
            measuring = self._measuring_bundle = (
                view,
                Measuring(
                    view.tables[0],
                    view.index_tables,
                    float(view.minimum[0]),
                    float(view.spread[0]),
                    view.clip,
                    population.known if self.own_solutions else self.region_configs,
                    self.tracked,
                    self.partial_measurement,
                    self.own_solutions,
                    population.region,
                    self.outcome_history,
                    self.tracked_history,
                    self.outcome_count,
                ),
            )
        return measuring[1]

    # ------------------------------------------------------------------ the step
    def _wrapped_step(self) -> None:
        """``model.step()``: Mesa's step, advancing time by one unit and running what is scheduled until then.

        While the only thing scheduled is the model's own step, due one unit from now (Mesa's default schedule,
        with nothing else in its event list: every run of cisim's own), that step is run as Mesa's event list would
        run it, without the list's machinery: time moves to the step's time (observers of ``time`` hear of it),
        Mesa's ``_do_step`` counts and runs the step, and the schedule's event is put back one unit later, with a
        new place in the order of events (``unique_id``) as a new event would have. That machinery (an event popped,
        a new one made with weak references and pushed, each step) was about 8 % of a default run. Anything else
        scheduled (``schedule_event``, a generator of the user's, a paused or changed schedule, time moved off
        whole units) sends the step through Mesa's own ``_advance_time`` for as long as it lasts: the same steps,
        times and order of events either way (tested against Mesa's own).
        """
        schedule = self._default_schedule
        pending = schedule._current_event
        events = self._event_list._events
        # A paused or stopped schedule has no current event; the rule has no end and no count of steps.
        if not (
            len(events) == 1
            and events[0] is pending
            and not pending._canceled
            and pending.time == self.time + 1
            and (rule := schedule.schedule).interval == 1
            and rule.end is None
            and rule.count is None
        ):
            super()._wrapped_step()
            return
        events.pop()  # what ``pop_event`` does to the only event
        self.time = pending.time
        self._do_step()
        schedule._execution_count += 1
        pending.time = self.time + 1  # the next step, as ``_execute_and_reschedule`` schedules it
        pending.unique_id = next(Event._ids)
        heapq.heappush(events, pending)

    def step(self) -> None:
        """One step, in the order documented in docs/model.md (section 'Process overview and scheduling').

        Steps 3 to 6 loop over organizations and run compiled (``cisim.model.phases``).
        """
        draws = self._draw()
        self._change_problem()  # 1. the problem changes, if adaptive
        self._run_backbones(draws)  # 2. backbones act; built conditions erode without one
        levels, perception = self._perceive()  # what each condition makes each organization weigh and read
        self._organizations_act(levels, perception, draws)  # 3-5. learn, revise, choose (alone or planned)
        self._settle(draws)  # 6. costs and budgets booked, membership reviewed, trust fades
        self._lapse()  # 6b. programs the budget can no longer carry lapse
        self._measure()
        # 7. Data are collected; after the scenario's last step the model stops running (Mesa's stop rule, which
        # ``while model.running: model.step()`` and ``mesa.batch_run`` follow) and that step is always collected.
        self.running = self.steps < self.params.run.steps
        if self.steps % self.params.run.collect_every == 0 or not self.running:
            self.collect()

    def _change_problem(self) -> None:
        """Step 1: if the problem is adaptive, a share of its tables is redrawn every ``turbulence_interval`` steps."""
        problem = self.params.problem
        if problem.turbulence > 0 and self.steps % problem.turbulence_interval == 0:
            self.landscape.redraw(problem.turbulence, self.streams["problem"])

    def _run_backbones(self, draws: Draws) -> None:
        """Step 2: built levels erode without a backbone; each backbone of a coalition with members acts."""
        if self.params.conditions.dynamics == "built":
            loss = self.params.backbone.erosion * (1.0 - self.levels[:, BACKBONE])
            built = [CONDITIONS.index(c) for c in CONDITIONS if c != "backbone"]
            self.levels[:, built] *= (1.0 - loss)[:, None]
        self.policy_readings = 0
        if self._backbones:
            # A coalition with no members pays nothing for its backbone, so its backbone does nothing either:
            # it raises no engagement, wins no policy and raises no funds until members return (the draw is
            # made all the same, so the other streams do not shift).
            members = self._members_by_region()
            for region in self._backbones:
                if members[region.index]:
                    self.policy_readings += region.backbone.act(
                        float(draws.policy[region.index]), draws.z_policy[region.index]
                    )

    def _members_by_region(self) -> list[int]:
        """How many members each region's coalition has, counted again only when membership has changed."""
        member = self.population.member
        key = member.tobytes()
        kept = self.__dict__.get("_members_kept")
        if kept is None or kept[0] != key:
            counts = np.bincount(self.population.region[member], minlength=len(self.regions))
            kept = self._members_kept = (key, counts.tolist())
        return kept[1]

    def _perceive(self) -> tuple[np.ndarray, Perception]:
        """The levels that apply to each organization and how each reads outcomes under them (``conditions``).

        They depend on the run's fixed tables and on two things that change: the coalitions' levels and who is
        a member. Kept until either changes (nothing writes to them but ``perceive``), and then rewritten in place:
        the organizations' turn is called with the same objects step after step (``RepeatedCall``), and new
        objects would cost it a call through numba's dispatcher.
        """
        population = self.population
        key = self.levels.tobytes() + population.member.tobytes()
        kept = self.__dict__.get("_perception")
        if kept is None or kept[0] != key:
            applying, fields = perceive(
                self.levels,
                population.region,
                population.member,
                population.domain_mask,
                population.noise,
                self.agenda,
                self.tracked,
                self.params.backbone.shared_noise,
            )
            if kept is None:
                kept = (key, (applying, Perception(*fields)))
            else:
                kept_applying, kept_perception = kept[1]
                kept_applying[...] = applying
                for kept_field, field in zip(kept_perception, fields, strict=True):
                    kept_field[...] = field
                kept = (key, kept[1])
            self._perception = kept
        return kept[1]

    def _organizations_act(self, levels: np.ndarray, perception: Perception, draws: Draws) -> None:
        """Steps 3 to 5, compiled (``phases.organizations_act``)."""
        orgs, regions, links = self._state_bundles()
        act = self._repeated(organizations_act)
        turn = Turn(*act(self._problem_view(levels), perception, levels, orgs, regions, links, self._rules, draws))
        self.adoptions = turn.adoptions
        self.candidates_searched, self.offers_read, self.plan_readings = (
            turn.searched,
            turn.offers_read,
            turn.plan_readings,
        )
        # Every reading counts, whoever made it and however it came: the backbones' (step 2) included.
        self.candidates_evaluated = turn.searched + turn.offers_read + turn.plan_readings + self.policy_readings
        self.candidates_total += self.candidates_evaluated

    def _settle(self, draws: Draws) -> None:
        """Step 6, compiled (``phases.settle``, progress read first): the ledger's lines for this step are recorded."""
        self.ledger.record(*self._repeated(settle)(self._settling(draws)))

    def _settling(self, draws: Draws) -> Settling:
        """What settling reads and writes (``phases.Settling``), gathered once, and again if an array is new.

        The draw buffers are made at the first step and again after unpickling, and the outcome history grows in a
        new array when a run goes past its planned steps; every other array is the model's own, changed in place
        (perception included: ``_perceive`` rewrites it in place, and is asked here in case the turn changed
        levels or membership, as reading progress always did).
        """
        perception = self._perceive()[1]
        settling = self.__dict__.get("_settling_bundle")
        if (
            settling is None
            or settling.bid is not draws.bid
            or settling.history is not self.outcome_history
            or settling.scale_own is not perception.plan_scale_own
        ):
            p, population, network = self.params, self.population, self.network
            settling = self._settling_bundle = Settling(
                population.region,
                population.member,
                population.base_budget,
                population.budget,
                population.base_capacity,
                population.capacity,
                population.costs,
                self.levels,
                self.region_engagement,
                self.region_pools,
                self.ledger.expected_member_cost,
                self.has_coalition,
                self.outcome_history,
                self.tracked_history,
                self.partial_measurement,
                self.outcome_count,
                PROGRESS_WINDOW,
                p.organizations.data_lag,
                p.backbone.shared_lag,
                perception.plan_scale_own,
                perception.plan_scale_rest,
                self.progress_read,
                self.organization_trust,
                network.trust,
                network.touched,
                self.delivery,
                self.belief,
                self.belief_count,
                self.plan_belief,
                self.plan_belief_count,
                draws.bid,
                draws.rounding,
                draws.review,
                draws.review_decide,
                draws.z_progress,
                self._ledger_rules,
                p.participation.review_rate,
                p.communication.trust_decay,
                not self.own_solutions,
            )
        return settling

    def _lapse(self) -> None:
        """Step 6b: programs an organization can no longer fund lapse (``costs.lapse_rate``).

        Each element an organization works on lapses with probability ``lapse_rate * (1 - delivery)``, delivery
        being the share of a full program budget it has left after this step's costs (booked in step 6). A
        lapsed element returns to the status quo: the organization's own starting value in own-solution mode;
        otherwise its region's starting value, unless another organization of the region working on it carries
        on. The draws, one per organization and element every step, come from the ``programmes`` stream, so
        every other draw is the same whether or not anything lapses. In a step where nobody is short of program
        money nothing can lapse, and the draws are stepped over rather than drawn (one 64-bit output each), so
        runs without coordination costs pay nothing for the rule and every later draw is what it would have been.
        """
        rate = self.params.costs.lapse_rate
        if rate == 0.0:
            return
        programmes, stream = self._programmes(), self.streams["programmes"]
        short = self._repeated(anyone_short)(self.delivery)  # compiled: numpy's min cost more than the check
        if not short and isinstance(stream.bit_generator, skipping.ADVANCEABLE):
            stream.bit_generator.advance(programmes.draws.size)
            return
        stream.random(out=programmes.draws)  # the same numbers as ``stream.random(shape)``, in the run's buffer
        self._repeated(lapse)(programmes, rate, self.own_solutions)  # compiled (``phases.lapse``)

    def _programmes(self) -> Programmes:
        """The arrays programmes that lapse read and write (``phases.Programmes``), built once like the bundles.

        The same objects every step, so that ``RepeatedCall`` types them once; built again after unpickling.
        """
        programmes = self.__dict__.get("_lapse_bundle")
        if programmes is None:
            population = self.population
            programmes = self._lapse_bundle = Programmes(
                np.zeros(population.portfolio.shape),
                population.portfolio,
                population.region,
                self.delivery,
                population.known,
                self.status_quo,
                self.region_configs,
                self.region_starts,
            )
        return programmes

    def _state_bundles(self) -> tuple[Organizations, Regions, Links]:
        """The state the organizations' turn reads and writes, as named bundles of the model's own arrays.

        Built once (the arrays are updated in place) and again after unpickling.
        """
        bundles = self.__dict__.get("_bundles")
        if bundles is None:
            population, network = self.population, self.network
            bundles = self._bundles = (
                Organizations(
                    population.region,
                    population.member,
                    population.known,
                    self.belief,
                    self.belief_count,
                    self.plan_belief,
                    self.plan_belief_count,
                    population.portfolio,
                    population.domain_mask,
                    population.capacity,
                    population.base_capacity,
                    population.noise,
                    self.delivery,
                    population.in_plan,
                    self.organization_trust,
                ),
                Regions(self.region_configs, self.levels, self.region_plan_ran),
                Links(
                    network.edges,
                    network.offsets,
                    network.neighbours,
                    network.edge_of,
                    network.degree,
                    network.trust,
                    network.touched,
                ),
            )
        return bundles

    def _repeated(self, function: Any) -> RepeatedCall:
        """This run's ``RepeatedCall`` of a compiled phase, which the step calls with the same bundles every time."""
        calls = self.__dict__.setdefault("_calls", {})
        if function not in calls:
            calls[function] = RepeatedCall(function)
        return calls[function]

    def collect(self) -> None:
        """Collect the outputs now (the step does so every ``run.collect_every`` steps), once per step at most."""
        if not self.collected_steps or self.collected_steps[-1] != self.steps:
            self.datacollector.collect(self)
            self.collected_steps.append(self.steps)

    def series(self) -> Any:
        """The collected per-step outputs as a DataFrame indexed by step.

        The same frame as ``datacollector.get_model_vars_dataframe()`` with the steps as its index, built from
        one array per column (faster than from lists).
        """
        return series_frame(self.columns())

    def columns(self) -> dict[str, np.ndarray]:
        """The collected per-step outputs as one array per column, the steps first (``step``)."""
        columns = {name: np.asarray(values) for name, values in self.datacollector.model_vars.items()}
        steps = np.asarray(self.collected_steps[: len(next(iter(columns.values()), ()))])
        return {"step": steps, **columns}

    def _draw_layout(self) -> list[tuple[str, str, int, list[tuple[str, tuple[int, ...], int, int]]]]:
        """How each step's blocks of draws are cut: per block its stream, kind, size and named parts.

        A part without a name is drawn and not used.
        """
        count, n, regions = len(self.population), self.landscape.n_elements, len(self.regions)
        width = self.population.candidate_width
        contacts = self._offer_width()
        blocks: list[tuple[str, str, list[tuple[str, tuple[int, ...]]]]] = [
            (
                "search",
                "random",
                [("revise", (count,)), ("keys", (count, n)), ("rounding", (count,)), ("gap", (count,))],
            ),
            ("perception", "standard_normal", [("z_candidates", (count, width + 1, 2))]),
            (
                "communication",
                "random",
                [
                    ("hear", (count,)),
                    ("contacts", (count, contacts)),
                    ("share", (count, contacts)),
                    ("copy", (count, n)),
                    ("cross", (regions,)),
                    ("cross_pick", (regions,)),
                ],
            ),
            (
                "communication",
                "standard_normal",
                [("z_offers", (count, contacts + 1, 2)), ("z_cross", (count, 2, 2)), ("z_copy", (count, 2, 2))],
            ),
            (
                "coordination",
                "random",
                [
                    ("plan", (regions,)),
                    ("participate", (count,)),
                    ("all_in", (count,)),
                    ("realign", (regions, 2)),
                    ("bid", (regions,)),
                    ("", (regions,)),  # drawn and never used: kept so that every later draw stays as it was
                ],
            ),
            ("coordination", "standard_normal", [("z_combination", (regions,))]),
            ("backbone", "random", [("policy", (regions,))]),
            ("backbone", "standard_normal", [("z_policy", (regions, n))]),
            ("membership", "random", [("review", (count,)), ("review_decide", (count,))]),
            ("membership", "standard_normal", [("z_progress", (count, 2, 2))]),
        ]
        layout = []
        for stream, kind, parts in blocks:
            cuts, start = [], 0
            for name, shape in parts:
                size = math.prod(shape)
                if name:
                    cuts.append((name, shape, start, start + size))
                start += size
            layout.append((stream, kind, start, cuts))
        return layout

    def _unread_draws(self) -> set[str]:
        """Parts of the blocks that no rule of this run reads, whatever happens in it (from its parameters).

        Own-solution mode hears every neighbour (its contact draw only says where it starts reading, when
        offers cost capacity); without copy errors nothing is copied wrong
        (nor read after copying); with one region nothing is shared between regions; without gap uptake (or in
        own-solution mode, where nobody has gaps) no gap is taken up. With full trust at the start and none
        fading, trust stays exactly 1 on every link (contact only raises it, ``touch``), so every neighbour
        shares (``sharing_chance`` is 1 and a uniform draw is below 1). Every standard normal draw is read only
        times a noise scale (``objective`` in ``cisim.organizations.behaviour``, the plan's combined reading),
        and every scale is a sum of terms each multiplied by an organization's data noise or the shared
        system's (``cisim.model.conditions``): when all of those are zero (set once, at construction) every scale
        is 0, a reading is its true value whatever the draw, and no normal draw is read.
        """
        p = self.params
        unread = set()
        if self.own_solutions:
            unread.add("gap")
            if not p.communication.offers_cost_capacity:  # every neighbour's offer is read: none drawn first
                unread.add("contacts")
        if p.communication.copy_error == 0:
            unread |= {"copy", "z_copy"}
        if len(self.regions) < 2:
            unread |= {"cross", "cross_pick", "z_cross"}
        if p.organizations.gap_uptake == 0:
            unread.add("gap")
        if p.communication.trust_initial == 1 and p.communication.trust_decay == 0:
            unread.add("share")
        if not self.population.noise.any() and p.backbone.shared_noise == 0:
            unread |= {"z_candidates", "z_offers", "z_cross", "z_copy", "z_combination", "z_policy", "z_progress"}
        if not self.has_coalition.any():  # nobody reviews a membership: nobody reads progress
            unread.add("z_progress")
        return unread

    def _draw(self) -> Draws:
        """This step's random numbers, in blocks whose shapes depend only on the world, never on the design.

        Each stream is drawn from once or twice per step (one block, cut into the named parts), so the cost of
        drawing does not grow with the number of rules. The blocks are refilled in place every step, all of them
        in one compiled call straight from the streams' PCG64 states (``cisim.model.pcg``; where that is not
        possible, by numpy's own calls, block by block: ``_fills``), the same numbers either way. Numbers no
        rule of the run reads (``_unread_draws``) are stepped over, not drawn: each stream ends where drawing
        them would have left it (``cisim.model.skipping``), so every later draw is what it would have been; the
        parts stepped over hold zeros. With keyed draws (``run.draws = "keyed"``) each part is placed by its step
        and its slot instead (``_keyed_parts``), and unread parts are not made at all (zeros too).
        """
        blocks = self.__dict__.get("_blocks")
        if blocks is None:  # the first step, or the model was unpickled (views are not pickled as views)
            blocks, self._draws = self._draw_blocks()
            self._blocks = blocks
        for fill, target in blocks:
            fill(target)
        self._steps_drawn[0] += 1
        return self._draws

    def _origins(self) -> dict[str, Any]:
        """Where each stream that draws in blocks stands now, as its bit generator's state (for keyed draws)."""
        origins = {}
        for name in dict.fromkeys(stream for stream, *_ in self._layout):
            bit_generator = self.streams[name].bit_generator
            if not isinstance(bit_generator, skipping.ADVANCEABLE):
                raise ValueError(
                    "run.draws = 'keyed' places each part of a step's draws by jumping its stream ahead, which "
                    f"numpy's PCG64 and PCG64DXSM can do and {type(bit_generator).__name__} cannot: give the model "
                    "a seed or a PCG64 generator, or use run.draws = 'sequential'"
                )
            origins[name] = bit_generator.state
        return origins

    def _draw_blocks(self) -> tuple[list[tuple[Any, Any]], Draws]:
        """How each step's draws are made (``(fill, target)`` pairs, run in order) and the parts they fill.

        Every block is a stretch of one buffer, each named part a view of it.
        """
        unread = self._unread_draws()
        out = np.zeros(sum(size for _, _, size, _ in self._layout))
        parts: dict[str, np.ndarray] = {}
        places: dict[str, tuple[int, int]] = {}
        names = list(dict.fromkeys(stream for stream, *_ in self._layout))
        generators = [self.streams[name] for name in names]
        origins = self._draw_origins  # keyed draws, or None
        rows: list[tuple[int, int, int, int]] = []
        offset = 0
        for stream, kind, size, cuts in self._layout:
            for name, shape, start, stop in cuts:
                parts[name] = out[offset + start : offset + stop].reshape(shape)
                places[name] = (offset + start, offset + stop)
            if origins is None:
                rows.extend(_program_rows(names.index(stream), kind, offset, size, cuts, unread))
            offset += size
        if origins is None:
            program = pcg.program(rows, generators, out)
        else:
            keyed = self._keyed_parts(unread)
            make = {"random": pcg.UNIFORM, "standard_normal": pcg.NORMAL}
            for stream, kind, slot, name in keyed:
                rows += [(names.index(stream), pcg.SEEK, slot, 0), (names.index(stream), make[kind], *places[name])]
            states = [origins[name]["state"] for name in names]
            program = pcg.program(rows, generators, out, [(s["state"], s["inc"]) for s in states], self._steps_drawn)
        if program is not None:
            return [(program, None)], Draws(**parts)
        if origins is not None:
            fills = [
                (
                    _keyed_fill(self.streams[stream], origins[stream], kind, slot, self._steps_drawn),
                    out[slice(*places[name])],
                )
                for stream, kind, slot, name in keyed
            ]
            return fills, Draws(**parts)
        fills, offset = [], 0
        for stream, kind, size, cuts in self._layout:
            fills.extend(_fills(self.streams[stream], kind, out[offset : offset + size], cuts, unread))
            offset += size
        return fills, Draws(**parts)

    def _keyed_parts(self, unread: set[str]) -> list[tuple[str, str, int, str]]:
        """With keyed draws, the parts a step draws: ``(stream, kind, slot, name)``.

        A stream's named parts are numbered in the order its blocks list them (slots: the same in every run of the
        world, whatever its design); parts no rule reads and the unnamed ones are not drawn at all.
        """
        slots: dict[str, int] = {}
        drawn = []
        for stream, kind, _, cuts in self._layout:
            for name, *_ in cuts:
                slot = slots[stream] = slots.get(stream, -1) + 1
                if name not in unread:
                    drawn.append((stream, kind, slot, name))
        return drawn

    def __getstate__(self) -> dict[str, Any]:
        """The model's state for pickling, without the draw buffers (rebuilt at the next step)."""
        state = self.__dict__.copy()
        for cached in (
            "_blocks",
            "_draws",
            "_view",
            "_late",
            "_bundles",
            "_lapse_bundle",
            "_settling_bundle",
            "_measuring_bundle",
            "_calls",
        ):
            state.pop(cached, None)
        return state

    def region_history(self, region: int) -> np.ndarray:
        """Region ``region``'s community outcome after each step so far (a view of ``outcome_history``)."""
        return self.outcome_history[region, : self.outcome_count[0]]

    def _read_progress(self, z: np.ndarray) -> None:
        """Write each organization's reading of its region's recent progress to ``progress_read``.

        Compiled (``behaviour.read_progress``): the region's outcome now and ``PROGRESS_WINDOW - 1`` steps before,
        each late by the organization's data lag, as its data show it (for a member's shared share m, the outcome
        of the tracked elements, ``tracked_history``) and read with its noise; nobody sees the true outcome. The step
        reads progress within settling (``phases.settle``); this reads it alone, with the same compiled rule.

        Args:
            z: standard normal draws, ``(O, 2, 2)``: the reading now and the one before, two draws each.
        """
        draws = self.__dict__.get("_draws")  # settling's bundle holds the step's draw buffers: made at a step
        if draws is None:
            raise RuntimeError("progress is read from a step's state: step the model first")
        read_recent_progress(self._settling(draws), z)

    def _ledger_parameters(self) -> LedgerRules:
        """The ledger's parameters, from the scenario and the backbones' running costs (fixed for the run)."""
        p = self.params
        costs, intercooperation = p.costs, p.intercooperation
        return LedgerRules(
            costs.coordination_cost,
            costs.coordination_growth,
            p.backbone.data_system_cost,
            costs.backbone_paid_by == "funder",
            intercooperation.overhead_savings * intercooperation.shared_services,
            p.organizations.overhead_share,
            JOINT_BID_CHANCE * intercooperation.joint_bids,
            intercooperation.joint_bid_value,
            p.participation.engagement_budget_effect,
            np.array([region.backbone.running_cost if region.backbone else 0.0 for region in self.regions]),
        )

    def _offer_width(self) -> int:
        """Offers an organization can hear per step: sampled contacts, or every neighbour in own-solution mode."""
        if self.own_solutions:
            return max(1, int(self.network.degree.max(initial=0)))
        return self.params.communication.contacts_per_step

    def data_lags(self, measurement: np.ndarray | float) -> np.ndarray:
        """Steps by which data lag behind the problem at shared-measurement level(s) ``measurement`` (m).

        ``organizations.data_lag x (1 - m) + backbone.shared_lag x m``, rounded (``behaviour.data_lag``, the one
        rule for members' readings, the backbone's and the progress membership weighs).
        """
        p = self.params
        return data_lags(p.organizations.data_lag, p.backbone.shared_lag, np.atleast_1d(np.asarray(measurement, float)))

    def _problem_view(self, levels: np.ndarray) -> ProblemView:
        """The problem as each organization's data describe it this step.

        Each organization's data lag ``data_lags(m)`` steps behind the problem. The tables in force at every step
        since the oldest lag are kept, with their extremes, and only changes of the problem (turbulence, policy
        wins) make late data differ from timely data. Late data show what a configuration achieved then, on the
        scale it had then (each version is normalised with its own extremes).
        """
        landscape, history = self.landscape, self._history
        if landscape.version != history[-1][1]:
            history.append((self.steps, landscape.version, landscape.tables.copy(), *self._scale()))
        lag = max(self.params.organizations.data_lag, self.params.backbone.shared_lag)
        if not lag:
            del history[:-1]  # nobody's data lag: only the problem as it is now is read
        while len(history) > 1 and history[1][0] <= self.steps - lag:
            history.pop(0)  # no lag reaches back before the second entry any more
        if len(history) > 1:
            # Row 0 is the problem now; row v + 1 the problem as it was at history entry v.
            rows = self._versions(history, self.data_lags(levels[:, MEASUREMENT])) + 1
            if rows.any():
                tables, minimum, spread = self._late_tables()
                return self._timely_view()._replace(
                    tables=tables, table_of=rows.astype(np.intp), minimum=minimum, spread=spread
                )
        return self._timely_view()

    def _versions(self, history: list[tuple[Any, ...]], lags: np.ndarray) -> np.ndarray:
        """The entry of ``history`` that data ``lags`` steps late describe, or -1 for the problem as it is now.

        Data whose lag reaches back before the run began describe the problem as it began (the first entry):
        nobody's data show the future, whatever has changed since.
        """
        starts = np.array([entry[0] for entry in history])
        version = np.searchsorted(starts, np.maximum(self.steps - lags, starts[0]), side="right") - 1
        return np.where((version >= 0) & (version < len(history) - 1), version, -1)

    def problem_as_of(self, lag: int) -> tuple[np.ndarray, float]:
        """The problem's tables as data ``lag`` steps late describe them (``_problem_view``'s rule).

        With the achievable spread of raw fitness they had then: the scale such data are read on.
        """
        landscape, history = self.landscape, list(self._history)
        if landscape.version != history[-1][1]:  # changed since the organizations last read it
            history.append((self.steps, landscape.version, landscape.tables))  # the last entry: read as now
        version = int(self._versions(history, np.array([lag]))[0]) if lag > 0 and len(history) > 1 else -1
        if version < 0:
            return landscape.tables, self._scale()[1]
        return history[version][2], float(history[version][4])

    def _scale(self) -> tuple[float, float]:
        """The problem's lowest raw fitness and its spread (highest minus lowest), as it is now."""
        extremes = self.landscape.extremes
        return float(extremes.minimum), float(extremes.maximum - extremes.minimum)

    def _late_tables(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The tables now and at every earlier entry of the history, one flattened row each (cached).

        With each row's lowest raw fitness and spread, so that each version is read on its own scale.
        """
        key = tuple(entry[1] for entry in self._history)
        kept = self.__dict__.get("_late")
        if kept is None or kept[0] != key:
            earlier = self._history[:-1]
            minimum, spread = self._scale()
            kept = self._late = (
                key,
                (
                    np.stack([self.landscape.tables.ravel(), *(entry[2].ravel() for entry in earlier)]),
                    np.array([minimum, *(entry[3] for entry in earlier)]),
                    np.array([spread, *(entry[4] for entry in earlier)]),
                ),
            )
        return kept[1]

    def _timely_view(self) -> ProblemView:
        """The problem as it is now, read so by every organization (cached until the problem changes)."""
        landscape = self.landscape
        kept = self.__dict__.get("_view")
        if kept is None or kept[0] != landscape.version:
            minimum, spread = self._scale()
            view = ProblemView(
                landscape.tables.reshape(1, -1),
                np.zeros(len(self.population), dtype=np.intp),
                landscape.index_tables,
                np.array([minimum]),
                np.array([spread]),
                not landscape.extremes.exact,
            )
            self._view = kept = (landscape.version, view)
        return kept[1]


def series_frame(columns: dict[str, np.ndarray]) -> pd.DataFrame:
    """``CollectiveImpactModel.series``'s frame from the model's ``columns``, if they are already at hand.

    The frame pandas builds from a dict of columns holds one two-dimensional block per dtype (floats, integers);
    where pandas can take such blocks as they are (``pandas.api.internals.create_dataframe_from_blocks``, pandas 3)
    and every column is a plain number array of the index's length, the blocks are stacked here and handed over:
    the same frame (the same columns, dtypes, block layout and values), built in less than half the time (about
    75 against 165 microseconds for a default run, timed alone). Otherwise pandas builds it from the dict.
    """
    outputs = {name: values for name, values in columns.items() if name != "step"}
    index = pd.Index(columns["step"], name="step")
    arrays = list(outputs.values())
    plain = all(values.ndim == 1 and values.dtype.kind in "biuf" and len(values) == len(index) for values in arrays)
    if _from_blocks is None or not arrays or not plain:
        return pd.DataFrame(outputs, index=index)
    places: dict[np.dtype, list[int]] = {}
    for place, values in enumerate(arrays):
        places.setdefault(values.dtype, []).append(place)
    blocks = [(np.vstack([arrays[p] for p in where]), np.array(where, dtype=np.intp)) for where in places.values()]
    return _from_blocks(blocks, index=index, columns=pd.Index(list(outputs)))


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


def _fills(
    generator: np.random.Generator,
    kind: str,
    buffer: np.ndarray,
    cuts: list[tuple[str, tuple[int, ...], int, int]],
    unread: set[str],
) -> list[tuple[Any, Any]]:
    """How to refill one block each step: ``(fill, target)`` pairs, ``fill(target)`` in order.

    A block whose generator can be advanced (PCG64 and its DXSM variant) is filled in runs, and its unread parts
    are stepped over, adjacent ones in one step: uniform numbers one 64-bit output each, standard normals by
    counting the outputs numpy's ziggurat would read (``skipping.advance_past_normals``, where the process's
    self-check passed; runs of fewer than ``skipping.WORTH_STEPPING_OVER`` normals are cheaper to draw). Anything
    else is filled whole, as are the parts without a name. (``advance`` also drops the half of a 64-bit output a
    PCG64 keeps for a next 32-bit number; the streams drawn in blocks never draw 32-bit numbers, so none is kept.)
    """
    fill = getattr(generator, kind)

    def draw(out: np.ndarray) -> None:
        fill(out=out)

    bit_generator = generator.bit_generator
    skips = {name for name, *_ in cuts} & unread
    whole = [(draw, buffer)]
    if not skips or not isinstance(bit_generator, skipping.ADVANCEABLE):
        return whole
    if kind == "random":
        step_over: Any = bit_generator.advance
    else:
        skips = _in_runs_of_at_least(cuts, skips, skipping.WORTH_STEPPING_OVER)
        if not skips or not skipping.can_skip_normals(type(bit_generator)):
            return whole
        step_over = functools.partial(skipping.advance_past_normals, bit_generator)
    steps: list[tuple[Any, Any]] = []
    read_from = 0  # the start of the run of numbers to draw (unnamed parts are drawn, as before)
    for name, _, start, stop in cuts:
        if name in skips:
            if start > read_from:
                steps.append((draw, buffer[read_from:start]))
            if steps and steps[-1][0] is step_over and start == read_from:  # right after another: one step
                steps[-1] = (step_over, steps[-1][1] + stop - start)
            else:
                steps.append((step_over, stop - start))
            read_from = stop
    if buffer.shape[0] > read_from:
        steps.append((draw, buffer[read_from:]))
    return steps


def _keyed_fill(generator: np.random.Generator, origin: dict[str, Any], kind: str, slot: int, steps: np.ndarray) -> Any:
    """Numpy's own way to fill keyed part ``slot``: the stream put back where it stood, jumped ahead, then drawn.

    Part ``slot`` of step ``t`` (``steps[0]`` when the fill runs) starts ``t * pcg.STEP_STRIDE + slot *
    pcg.SLOT_STRIDE`` outputs after ``origin`` (``cisim.model.pcg`` does the same in compiled code).
    """
    bit_generator: Any = generator.bit_generator  # PCG64 or PCG64DXSM (``_origins``): both can ``advance``
    fill = getattr(generator, kind)

    def draw(out: np.ndarray) -> None:
        bit_generator.state = origin
        bit_generator.advance(int(steps[0]) * pcg.STEP_STRIDE + slot * pcg.SLOT_STRIDE)
        fill(out=out)

    return draw


def _program_rows(
    stream: int, kind: str, offset: int, size: int, cuts: list[tuple[str, tuple[int, ...], int, int]], unread: set[str]
) -> list[tuple[int, int, int, int]]:
    """The rows of ``pcg.run_program`` that refill one block, which starts at ``offset`` of the step's buffer.

    Each unread part is stepped over; everything else is drawn, the parts without a name included. Adjacent
    rows of one kind are joined. A row is ``(stream, kind, start, stop)``, positions in the buffer (a row that
    steps over writes nothing there: its positions only give its count).
    """
    make, skip = (pcg.UNIFORM, pcg.SKIP_UNIFORM) if kind == "random" else (pcg.NORMAL, pcg.SKIP_NORMAL)
    rows: list[tuple[int, int, int, int]] = []

    def add(row_kind: int, start: int, stop: int) -> None:
        if stop <= start:
            return
        if rows and rows[-1][1] == row_kind and rows[-1][3] == offset + start:
            rows[-1] = (stream, row_kind, rows[-1][2], offset + stop)
        else:
            rows.append((stream, row_kind, offset + start, offset + stop))

    read_from = 0
    for name, _, start, stop in cuts:
        if name in unread:
            add(make, read_from, start)
            add(skip, start, stop)
            read_from = stop
    add(make, read_from, size)
    return rows


def _in_runs_of_at_least(cuts: list[tuple[str, tuple[int, ...], int, int]], skips: set[str], least: int) -> set[str]:
    """The parts of ``skips`` in runs of adjacent skipped parts that hold at least ``least`` numbers in all."""
    runs: list[list[tuple[str, int]]] = []
    end = -1
    for name, _, start, stop in cuts:
        if name in skips:
            if start != end:
                runs.append([])
            runs[-1].append((name, stop - start))
            end = stop
    return {name for run in runs if sum(size for _, size in run) >= least for name, _ in run}


def _keyed(stream: np.random.Generator, key: int) -> np.random.Generator:
    """A stream of its own for ``key``: the stream's seed sequence extended by the key.

    No stream of the model spawns children, so no other stream can have this seed.
    """
    sequence = stream.bit_generator.seed_seq
    if not isinstance(sequence, np.random.SeedSequence):  # streams are spawned from one, so never here
        raise TypeError(f"a stream's seed must be a numpy SeedSequence, got {type(sequence).__name__}")
    keyed = np.random.SeedSequence(sequence.entropy, spawn_key=(*sequence.spawn_key, key))
    return np.random.Generator(type(stream.bit_generator)(keyed))
