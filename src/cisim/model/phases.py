"""The compiled phases of the step: the organizations' turn, and the settling of accounts.

``CollectiveImpactModel.step`` runs the schedule of docs/model.md ("Process overview and scheduling"); the
phases that loop over organizations run here, each as one compiled function (numba) that calls the rules in
``cisim.organizations.behaviour``, ``cisim.model.plan``, ``cisim.model.ledger`` and ``cisim.model.network``
in the documented order. One call per phase keeps the fixed cost of a step small: a step of a dozen
organizations costs tens of microseconds, and its cost grows linearly with the number of organizations.

The organizations' turn takes a few named bundles (``Organizations``, ``Regions``, ``Links``, ``Rules`` and this
step's ``cisim.model.draws.Draws``), built by the model from its state tables and parameters, so that a new field
is one edit and the step reads as the schedule.

Settling takes one bundle of exactly what it reads (``Settling``), programmes that lapse another (``Programmes``),
and measuring a third (``Measuring``). Bundles are not free at the boundary with Python: numba types every field of
a NamedTuple argument on every call through its dispatcher (about 0.1 microseconds a field), and unboxes every field
on every call. The model calls the phases through ``cisim.problem.compiled.RepeatedCall``, which types a run's
arguments once, so that typing is paid once per run (and again whenever an argument is a new object: the problem as
organizations read it changes after a policy win or a change of the problem), as long as the phase has one compiled
version in the process; passing settling the whole ``Organizations``, ``Regions``, ``Links`` and ``Draws`` was
measured slower even so (7.2 against 5.3 microseconds a call, ``benchmarks/README.md``): their fields settling does
not read are unboxed all the same.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from cisim.model.conditions import hearing_chance
from cisim.model.draws import Draws
from cisim.model.ledger import LedgerRules, book
from cisim.model.network import fade, mean_trust
from cisim.model.plan import plan
from cisim.organizations.behaviour import (
    Perception,
    communicate,
    decide,
    read_progress,
    recall,
    review_membership,
    search,
    share_between_regions,
    take_up_gaps,
)
from cisim.problem.compiled import ProblemView, kernel, outcomes, tracked_outcomes


class Organizations(NamedTuple):
    """The organizations' state the step's rules read and write, one row per organization.

    Attributes are the ``cisim.organizations.population.Population`` arrays of the same names, and ``belief``
    (each one's belief about what it knows, ``nan`` in own-solution mode), ``belief_count`` (how many readings
    it rests on), ``delivery`` (the share of a full program budget each had left after costs last step) and
    ``trust`` (each one's mean trust over its links, written by the turn for the plan and for settling).
    """

    region: np.ndarray
    member: np.ndarray
    known: np.ndarray
    belief: np.ndarray
    belief_count: np.ndarray
    plan_belief: np.ndarray
    plan_belief_count: np.ndarray
    portfolio: np.ndarray
    domain_mask: np.ndarray
    capacity: np.ndarray
    base_capacity: np.ndarray
    noise: np.ndarray
    delivery: np.ndarray
    in_plan: np.ndarray
    trust: np.ndarray


class Regions(NamedTuple):
    """Each region's community configuration, condition levels, and whether its plan ran this step."""

    configs: np.ndarray
    levels: np.ndarray
    plan_ran: np.ndarray


class Links(NamedTuple):
    """The communication network (``cisim.model.network.Network``'s arrays)."""

    edges: np.ndarray
    offsets: np.ndarray
    neighbours: np.ndarray
    edge_of: np.ndarray
    degree: np.ndarray
    trust: np.ndarray
    touched: np.ndarray


class Rules(NamedTuple):
    """The parameters of the organizations' turn, from the scenario."""

    whole_problem: bool
    width: int
    revision_rate: float
    memory: int
    gap_uptake: float
    informal: float
    platform: float
    trust_gain: float
    copy_error: float
    stay_after_dropped_copy: bool
    cross_region: float
    offers_cost_capacity: bool


class Turn(NamedTuple):
    """What the organizations' turn reports.

    Attributes:
        adoptions: organizations that took up something from others.
        searched: candidate changes read in organizations' own search.
        offers_read: configurations read that others offered (neighbours, other regions).
        plan_readings: combined changes the plans read.
    """

    adoptions: int
    searched: int
    offers_read: int
    plan_readings: int


class Programmes(NamedTuple):
    """What programmes that lapse (step 6b, ``lapse``) read and write: the model's own arrays, kept for the run.

    Attributes:
        draws: this step's lapse draws, one per organization and element (refilled in place every step).
        portfolio: the elements each organization works on.
        region: each organization's region.
        delivery: the share of a full program budget each organization had left after this step's costs.
        known: each organization's configuration (written in own-solution mode only).
        status_quo: what a lapsed element returns to in own-solution mode, one row per organization.
        configs: each region's community configuration (written otherwise).
        starts: each region's starting configuration, which a lapsed element nobody carries returns to.
    """

    draws: np.ndarray
    portfolio: np.ndarray
    region: np.ndarray
    delivery: np.ndarray
    known: np.ndarray
    status_quo: np.ndarray
    configs: np.ndarray
    starts: np.ndarray


@kernel
def organizations_act(
    problem: ProblemView,
    perception: Perception,
    member_levels: np.ndarray,
    orgs: Organizations,
    regions_state: Regions,
    links: Links,
    rules: Rules,
    draws: Draws,
) -> tuple[int, int, int, int]:
    """Steps 3 to 5 of the schedule: organizations learn from others, revise, and choose, alone or in the plan.

    Returns the fields of ``Turn`` as a plain tuple (``Turn(*organizations_act(...))``): compiled code called
    from Python returns no named tuple, which numba builds by running Python code that a pending Ctrl-C
    interrupts, crashing the process (``cisim.model.conditions.perceive``).

    3. Organizations hear neighbours (``communicate``: with ``hearing_chance``, each hears
       ``draws.contacts.shape[1]`` neighbours; in own-solution mode every neighbour); communities of practice
       share between regions (``share_between_regions``, with probability ``cross_region`` per region, from
       another region drawn at random). Reading what they hear uses part of this step's capacity. Each
       organization's mean trust over its links is then written to ``orgs.trust``.
    4. Organizations take up unmet needs in their domains (``take_up_gaps``) and revise with probability
       ``revision_rate`` times what their program budget allows (``delivery``; in own-solution mode not after
       copying a neighbour this step; never with no capacity left after reading offers); they evaluate their
       candidates with what capacity is left (``search``) and, where the status quo is what they know, judge it
       by their beliefs (``recall``).
    5. Coalitions plan where their plan runs (``plan``, shared solutions only); everyone else who revised
       decides alone, the changes are applied and memories updated (``decide``).
    """
    count, n = orgs.known.shape
    region_count = regions_state.configs.shape[0]
    whole_problem = rules.whole_problem
    # 3. Organizations communicate; communities of practice share between regions. Last step's contacts are
    # forgotten first (they were kept for trust to fade and for the classroom's network view).
    links.touched[:] = False
    hears = np.zeros(count, dtype=np.bool_)
    for o in range(count):
        hears[o] = draws.hear[o] < hearing_chance(member_levels, rules.informal, o)
    adopted = np.zeros(count, dtype=np.bool_)
    spent = np.zeros(count, dtype=np.intp)
    # What each may read of others' offers: its capacity, or no limit where offers are read free of it.
    room = orgs.capacity if rules.offers_cost_capacity else np.full(count, np.iinfo(np.intp).max // 2, np.intp)
    adoptions = communicate(
        problem,
        perception,
        hears,
        orgs.known,
        orgs.belief,
        orgs.belief_count,
        orgs.plan_belief_count,
        spent,
        room,
        adopted,
        whole_problem,
        links.offsets,
        links.neighbours,
        links.edge_of,
        links.trust,
        links.touched,
        rules.platform,
        rules.trust_gain,
        rules.copy_error,
        rules.stay_after_dropped_copy,
        draws.contacts,
        draws.share,
        draws.z_offers,
        draws.copy,
        draws.z_copy,
    )
    if region_count >= 2:
        sharing = np.zeros(region_count, dtype=np.bool_)
        source = np.zeros(region_count, dtype=np.intp)
        for r in range(region_count):
            sharing[r] = draws.cross[r] < rules.cross_region
            source[r] = (r + 1 + int(draws.cross_pick[r] * (region_count - 1))) % region_count
        if sharing.any():
            adoptions += share_between_regions(
                problem,
                perception,
                orgs.known,
                orgs.belief,
                orgs.belief_count,
                orgs.plan_belief_count,
                spent,
                room,
                orgs.region,
                regions_state.configs,
                sharing,
                source,
                draws.z_cross,
            )
    offers_read = 0
    for o in range(count):
        offers_read += spent[o]
    orgs.trust[:] = mean_trust(links.edges, links.trust, links.degree)
    # 4. Organizations take up unmet needs and revise, within what their program budgets and capacity allow.
    if not whole_problem and rules.gap_uptake > 0:
        take_up_gaps(orgs.portfolio, orgs.domain_mask, orgs.region, rules.gap_uptake, draws.gap)
    if not rules.offers_cost_capacity:
        spent[:] = 0
    revising = np.zeros(count, dtype=np.bool_)
    for o in range(count):
        # An organization whose capacity went on reading others' offers reads nothing of its own this step.
        left = orgs.capacity[o] - spent[o]
        revising[o] = draws.revise[o] < rules.revision_rate * orgs.delivery[o] and not adopted[o] and left > 0
    if whole_problem:
        current = orgs.known
    else:
        current = np.empty((count, n), dtype=np.bool_)
        for o in range(count):
            current[o] = regions_state.configs[orgs.region[o]]
    flips, valid, configs, values, planned, evaluated = search(
        problem,
        perception,
        current,
        orgs.known,
        orgs.portfolio,
        orgs.capacity,
        spent,
        rules.width,
        whole_problem,
        revising,
        draws.keys,
        draws.z_candidates,
    )
    if not whole_problem:  # where the status quo is what it knows, each judges it by its belief
        recall(
            configs,
            values,
            planned,
            revising,
            orgs.known,
            orgs.belief,
            orgs.belief_count,
            orgs.plan_belief,
            orgs.plan_belief_count,
            rules.memory,
            perception,
        )
    # 5. Choices are made: jointly through the plan with probability r, or each alone.
    orgs.in_plan[:] = False
    regions_state.plan_ran[:] = False
    plan_reads = 0
    if whole_problem:  # each organization holds its own solution: there is no shared state to plan
        plan_changes = np.zeros((region_count, n), dtype=np.bool_)
    else:
        plan_changes, plan_reads = plan(
            problem,
            perception,
            regions_state.configs,
            regions_state.levels,
            orgs.member,
            orgs.region,
            member_levels,
            revising,
            flips,
            valid,
            values,
            planned,
            orgs.trust,
            rules.platform,
            orgs.portfolio,
            orgs.domain_mask,
            orgs.base_capacity,
            orgs.noise,
            orgs.in_plan,
            regions_state.plan_ran,
            draws.plan,
            draws.participate,
            draws.all_in,
            draws.realign,
            draws.z_combination,
        )
    decide(
        flips,
        valid,
        configs,
        values,
        planned,
        revising,
        orgs.in_plan,
        whole_problem,
        orgs.known,
        orgs.belief,
        orgs.belief_count,
        orgs.plan_belief,
        orgs.plan_belief_count,
        orgs.region,
        regions_state.configs,
        plan_changes,
    )
    return adoptions, evaluated, offers_read, plan_reads


class Settling(NamedTuple):
    """What settling (step 6, ``settle``) reads and writes, gathered once for the run.

    The model's own arrays, this step's draws (buffers refilled in place) and the parameters.

    One bundle rather than two dozen arguments: the model passes the very same object every step (its arrays
    change in place), so ``RepeatedCall`` checks one argument instead of 24, and no tuple of arguments is built.
    Every field is one settling reads: a bundle with fields it does not read (``Organizations``, ``Links``) costs
    more to unbox than the arguments it replaces (``benchmarks/README.md``).

    Attributes:
        region, member, base_budget, budget, base_capacity, capacity, costs: the organizations' arrays of those
            names (``cisim.organizations.population.Population``).
        levels, engagement, pools, expected_member_cost, has_coalition: the regions' condition levels,
            engagement, pools, what a newcomer would pay, and which have a coalition.
        history, tracked_history, partial, history_length: each region's community outcome after each step, the
            same as the shared measurement system shows it, whether that system leaves part of the problem
            untracked, and how many steps are filled (``CollectiveImpactModel.outcome_history``,
            ``tracked_history``, ``partial_measurement`` and ``outcome_count``).
        window, own_lag, shared_lag: the steps over which progress is judged, and the organizations' and the
            shared system's data lags.
        scale_own, scale_rest: the noise of each organization's reading of the coalition's objective
            (``Perception.plan_scale_own`` and ``plan_scale_rest``, rewritten in place when they change).
        progress: each organization's reading of its region's recent progress (written).
        trust_of: each organization's mean trust over its links.
        edges_trust, touched: trust on each link, and whether it saw contact this step.
        delivery: the share of a full program budget each organization has left after costs (written).
        belief, belief_count, plan_belief, plan_belief_count: each organization's beliefs, started again when it
            joins or leaves (``reset_beliefs``).
        bid, rounding, review, review_decide, z_progress: this step's draws of those names
            (``cisim.model.draws.Draws``).
        ledger_rules: the ledger's parameters.
        review_rate: the chance that an organization reviews its membership in a step.
        trust_decay: how fast trust fades on links without contact.
        reset_beliefs: whether an organization that joined or left starts its beliefs again (not in own-solution
            mode, where what it believes is its own and does not depend on the coalition's objective).
    """

    region: np.ndarray
    member: np.ndarray
    base_budget: np.ndarray
    budget: np.ndarray
    base_capacity: np.ndarray
    capacity: np.ndarray
    costs: np.ndarray
    levels: np.ndarray
    engagement: np.ndarray
    pools: np.ndarray
    expected_member_cost: np.ndarray
    has_coalition: np.ndarray
    history: np.ndarray
    tracked_history: np.ndarray
    partial: bool
    history_length: np.ndarray
    window: int
    own_lag: int
    shared_lag: int
    scale_own: np.ndarray
    scale_rest: np.ndarray
    progress: np.ndarray
    trust_of: np.ndarray
    edges_trust: np.ndarray
    touched: np.ndarray
    delivery: np.ndarray
    belief: np.ndarray
    belief_count: np.ndarray
    plan_belief: np.ndarray
    plan_belief_count: np.ndarray
    bid: np.ndarray
    rounding: np.ndarray
    review: np.ndarray
    review_decide: np.ndarray
    z_progress: np.ndarray
    ledger_rules: LedgerRules
    review_rate: float
    trust_decay: float
    reset_beliefs: bool


@kernel
def settle(state: Settling):
    """Step 6 of the schedule: costs and budgets are booked, membership is reviewed, trust fades.

    Where any region has a coalition, each organization first reads its region's recent progress
    (``read_progress``), which its review of its membership weighs. ``book`` books the costs and sets next step's
    budgets and capacities; ``review_membership`` runs where any region has a coalition, and an organization that
    joined or left weighs a different objective from then on: it drops what it believed it read under the old one
    and starts its beliefs again from its next reading (``state.reset_beliefs``); ``fade`` lets trust fade on links
    without contact this step.

    Returns:
        the ledger's lines for this step (``cisim.model.ledger.book``).
    """
    member = state.member
    reviews = state.has_coalition.any()
    if reviews:
        read_recent_progress(state, state.z_progress)
    lines = book(
        state.region,
        member,
        state.base_budget,
        state.budget,
        state.base_capacity,
        state.capacity,
        state.costs,
        state.levels,
        state.engagement,
        state.pools,
        state.expected_member_cost,
        state.ledger_rules,
        state.bid,
        state.rounding,
        state.delivery,
    )
    if reviews:
        before = member.copy()
        reviewing = state.review < state.review_rate
        review_membership(
            member,
            state.region,
            state.costs,
            state.budget,
            state.levels,
            state.engagement,
            state.progress,
            state.trust_of,
            state.expected_member_cost,
            reviewing,
            state.review_decide,
            state.has_coalition,
        )
        if state.reset_beliefs:
            for o in range(member.shape[0]):
                if member[o] != before[o]:
                    state.belief[o], state.belief_count[o] = -np.inf, 0
                    state.plan_belief[o], state.plan_belief_count[o] = -np.inf, 0
    fade(state.edges_trust, state.touched, state.trust_decay)
    return lines


@kernel
def read_recent_progress(state: Settling, z: np.ndarray) -> None:
    """Each organization's reading of its region's recent progress into ``state.progress``, with draws ``z``.

    ``behaviour.read_progress`` on what settling holds; settling calls it with the step's ``z_progress``, and the
    model alone (``CollectiveImpactModel._read_progress``) with draws of its caller's.
    """
    read_progress(
        state.history,
        state.tracked_history,
        state.partial,
        state.history_length,
        state.window,
        state.region,
        state.member,
        state.levels,
        state.own_lag,
        state.shared_lag,
        state.scale_own,
        state.scale_rest,
        z,
        state.progress,
    )


@kernel
def anyone_short(delivery: np.ndarray) -> bool:
    """Whether any organization has less than a full program budget left: ``not delivery.min() >= 1``."""
    for share in delivery:  # noqa: SIM110 - numba compiles loops, not generator expressions
        if not share >= 1.0:
            return True
    return False


@kernel
def lapse(programmes: Programmes, rate: float, own_solutions: bool) -> None:
    """Step 6b: each element an organization works on lapses when its draw falls below ``rate * (1 - delivery)``.

    In own-solution mode a lapsed element returns to the organization's status quo; otherwise to its region's
    starting value, unless another organization of the region working on it carries on (its draw did not fall
    below its own chance). One loop in place of a dozen small numpy calls (boolean masks, ``logical_or.at``);
    the draws and every comparison are the same.
    """
    draws, portfolio, region, delivery = programmes.draws, programmes.portfolio, programmes.region, programmes.delivery
    configs = programmes.configs
    count, n = portfolio.shape
    carried = np.zeros(configs.shape, dtype=np.bool_)
    dropped = np.zeros(configs.shape, dtype=np.bool_)
    for o in range(count):
        chance = rate * (1.0 - delivery[o])
        for e in range(n):
            if not portfolio[o, e]:
                continue
            if draws[o, e] < chance:
                if own_solutions:
                    programmes.known[o, e] = programmes.status_quo[o, e]
                else:
                    dropped[region[o], e] = True
            else:
                carried[region[o], e] = True
    if own_solutions:
        return
    for r in range(configs.shape[0]):
        for e in range(n):
            if dropped[r, e] and not carried[r, e]:
                configs[r, e] = programmes.starts[r, e]


class Measuring(NamedTuple):
    """What measuring the state (``measure``) reads and writes, gathered once and again when the problem changes.

    Attributes:
        tables, index_tables, minimum, spread, clip: the problem as it is now, as ``outcomes`` reads it (row 0 of
            the timely ``ProblemView``, and its extremes).
        state: the configurations measured: each region's (``(R, N)``), or each organization's own (``(O, N)``).
        tracked: the elements the shared measurement system tracks; ``partial``: whether it leaves some out.
        own_solutions: whether ``state`` has one row per organization (then each region's outcome is the mean of
            its organizations').
        region: each organization's region.
        history, tracked_history, history_length: each region's outcome after each step, the same as the shared
            system shows it, and how many steps are filled (``CollectiveImpactModel.outcome_history``,
            ``tracked_history`` and ``outcome_count``; written).
    """

    tables: np.ndarray
    index_tables: np.ndarray
    minimum: float
    spread: float
    clip: bool
    state: np.ndarray
    tracked: np.ndarray
    partial: bool
    own_solutions: bool
    region: np.ndarray
    history: np.ndarray
    tracked_history: np.ndarray
    history_length: np.ndarray


@kernel
def measure(state: Measuring) -> tuple[np.ndarray, float]:
    """The outcome of every configuration measured, and their mean; each region's outcome entered in the history.

    In own-solution mode a region's outcome is the mean of its organizations' (summed in their order, then
    divided by their number, as ``numpy.bincount`` with weights sums them). The history must have room for this
    step (the model makes it before the call).
    """
    values, mean = outcomes(state.tables, state.index_tables, state.minimum, state.spread, state.clip, state.state)
    seen = values
    if state.partial:
        seen = tracked_outcomes(
            state.tables, state.index_tables, state.minimum, state.spread, state.clip, state.state, state.tracked
        )
    step = state.history_length[0]
    regions = state.history.shape[0]
    if state.own_solutions:
        sums = np.zeros(regions)
        seen_sums = np.zeros(regions)
        sizes = np.zeros(regions, dtype=np.intp)
        for o in range(values.shape[0]):
            r = state.region[o]
            sums[r] += values[o]
            seen_sums[r] += seen[o]
            sizes[r] += 1
        for r in range(regions):
            state.history[r, step] = sums[r] / sizes[r]
            state.tracked_history[r, step] = seen_sums[r] / sizes[r]
    else:
        for r in range(regions):
            state.history[r, step] = values[r]
            state.tracked_history[r, step] = seen[r]
    state.history_length[0] = step + 1
    return values, mean
