"""The compiled phases of the step: the organizations' turn, and the settling of accounts.

``CollectiveImpactModel.step`` runs the schedule of docs/model.md ("Process overview and scheduling"); the
phases that loop over organizations run here, each as one compiled function (numba) that calls the rules in
``cisim.organizations.behaviour``, ``cisim.model.plan``, ``cisim.model.ledger`` and ``cisim.model.network``
in the documented order. One call per phase keeps the fixed cost of a step small: a step of a dozen
organizations costs tens of microseconds, and its cost grows linearly with the number of organizations.

The arguments are plain arrays and numbers (what a call from Python passes fastest); the model passes them
from its state tables, its parameters and this step's draws (``cisim.model.model.Draws``).
"""

from __future__ import annotations

import numpy as np

from cisim.model.ledger import book
from cisim.model.network import fade, mean_trust
from cisim.model.plan import plan
from cisim.organizations.behaviour import (
    AGENDA,
    COMMUNICATION,
    MEASUREMENT,
    Perception,
    communicate,
    data_noise,
    decide,
    review_membership,
    search,
    share_between_regions,
)
from cisim.problem.compiled import ProblemView, kernel


@kernel
def perceive(
    levels: np.ndarray,
    region: np.ndarray,
    member: np.ndarray,
    own_share: np.ndarray,
    noise: np.ndarray,
    shared_noise: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The condition levels that apply to each organization, and how each reads outcomes under them.

    Members work under their coalition's levels; outside a coalition every level is 0.

    Returns:
        the levels ``(O, 5)``, and the weights and noise of ``cisim.organizations.behaviour.Perception``.
    """
    count = region.shape[0]
    applying = np.zeros((count, levels.shape[1]))
    weight_own, weight_rest = np.empty(count), np.empty(count)
    noise_own, noise_rest = np.empty(count), np.empty(count)
    for o in range(count):
        if member[o]:
            applying[o] = levels[region[o]]
        agenda, measurement = applying[o, AGENDA], applying[o, MEASUREMENT]
        weight_own[o] = (1 - agenda) + agenda * own_share[o]
        weight_rest[o] = agenda * (1 - own_share[o])
        noise_own[o] = data_noise(noise[o], measurement, shared_noise)
        noise_rest[o] = data_noise(2 * noise[o], measurement, shared_noise)
    return applying, weight_own, weight_rest, noise_own, noise_rest


@kernel
def organizations_act(
    # the problem as each organization's data describe it (cisim.problem.compiled.ProblemView)
    tables: np.ndarray,
    table_of: np.ndarray,
    index_tables: np.ndarray,
    minimum: float,
    spread: float,
    clip: bool,
    # how each reads it (cisim.organizations.behaviour.Perception)
    domain_mask: np.ndarray,
    own_size: np.ndarray,
    rest_size: np.ndarray,
    weight_own: np.ndarray,
    weight_rest: np.ndarray,
    noise_own: np.ndarray,
    noise_rest: np.ndarray,
    # the organizations
    member_levels: np.ndarray,
    region: np.ndarray,
    member: np.ndarray,
    known: np.ndarray,
    portfolio: np.ndarray,
    capacity: np.ndarray,
    width: int,
    own_share: np.ndarray,
    noise: np.ndarray,
    base_capacity: np.ndarray,
    in_plan: np.ndarray,
    # the regions
    region_configs: np.ndarray,
    levels: np.ndarray,
    plan_ran: np.ndarray,
    # the network
    edges: np.ndarray,
    offsets: np.ndarray,
    neighbours: np.ndarray,
    edge_of: np.ndarray,
    degree: np.ndarray,
    trust: np.ndarray,
    touched: np.ndarray,
    # parameters
    whole_problem: bool,
    revision_rate: float,
    platform: float,
    trust_gain: float,
    copy_error: float,
    stay_after_dropped_copy: bool,
    cross_region: float,
    shared_noise: float,
    # this step's draws (cisim.model.model.Draws)
    draws_revise: np.ndarray,
    draws_keys: np.ndarray,
    z_candidates: np.ndarray,
    z_remember: np.ndarray,
    draws_hear: np.ndarray,
    draws_contacts: np.ndarray,
    draws_share: np.ndarray,
    draws_copy: np.ndarray,
    draws_cross: np.ndarray,
    draws_cross_pick: np.ndarray,
    z_offers: np.ndarray,
    z_cross: np.ndarray,
    z_copy: np.ndarray,
    draws_plan: np.ndarray,
    draws_participate: np.ndarray,
    draws_all_in: np.ndarray,
    draws_realign: np.ndarray,
    z_combination: np.ndarray,
):
    """Steps 3 to 5 of the schedule: organizations learn from others, revise, and choose, alone or in the plan.

    3. Members hear neighbours (``communicate``: with probability equal to the communication level, each
       member hears ``draws_contacts.shape[1]`` neighbours; in own-solution mode every neighbour); communities
       of practice share between regions (``share_between_regions``, with probability ``cross_region`` per
       region, from another region drawn at random).
    4. Organizations revise with probability ``revision_rate`` (in own-solution mode not after copying a
       neighbour this step) and evaluate their candidates (``search``).
    5. Coalitions plan where their plan runs (``plan``, shared solutions only); everyone else who revised
       decides alone, the changes are applied and memories updated (``decide``).

    Returns:
        how many organizations took something up from others, how many candidates were evaluated, and each
        organization's mean trust over its links (after this step's contacts).
    """
    problem = ProblemView(tables, table_of, index_tables, minimum, spread, clip)
    perception = Perception(domain_mask, own_size, rest_size, weight_own, weight_rest, noise_own, noise_rest)
    count, n = known.shape
    regions = region_configs.shape[0]
    # 3. Organizations communicate; communities of practice share between regions.
    hears = np.zeros(count, dtype=np.bool_)
    for o in range(count):
        hears[o] = member[o] and draws_hear[o] < member_levels[o, COMMUNICATION]
    adopted = np.zeros(count, dtype=np.bool_)
    adoptions = communicate(
        problem,
        perception,
        hears,
        member,
        known,
        adopted,
        whole_problem,
        offsets,
        neighbours,
        edge_of,
        trust,
        touched,
        platform,
        trust_gain,
        copy_error,
        stay_after_dropped_copy,
        draws_contacts,
        draws_share,
        z_offers,
        draws_copy,
        z_copy,
    )
    if regions >= 2:
        sharing = np.zeros(regions, dtype=np.bool_)
        source = np.zeros(regions, dtype=np.intp)
        for r in range(regions):
            sharing[r] = draws_cross[r] < cross_region
            source[r] = (r + 1 + int(draws_cross_pick[r] * (regions - 1))) % regions
        if sharing.any():
            adoptions += share_between_regions(
                problem, perception, known, region, region_configs, sharing, source, z_cross
            )
    trust_of = mean_trust(edges, trust, degree)
    # 4. Organizations that revise evaluate their candidate changes (the same number alone or together).
    revising = np.zeros(count, dtype=np.bool_)
    for o in range(count):
        revising[o] = draws_revise[o] < revision_rate and not adopted[o]
    if whole_problem:
        current = known
    else:
        current = np.empty((count, n), dtype=np.bool_)
        for o in range(count):
            current[o] = region_configs[region[o]]
    flips, valid, configs, values, community, evaluated = search(
        problem,
        perception,
        current,
        known,
        portfolio,
        capacity,
        width,
        whole_problem,
        revising,
        draws_keys,
        z_candidates,
    )
    # 5. Choices are made: jointly through the plan with probability r, or each alone.
    in_plan[:] = False
    plan_ran[:] = False
    if whole_problem:  # each organization holds its own solution: there is no shared state to plan
        plan_changes = np.zeros((regions, n), dtype=np.bool_)
    else:
        plan_changes = plan(
            problem,
            region_configs,
            levels,
            member,
            region,
            member_levels,
            revising,
            flips,
            valid,
            values,
            community,
            z_candidates[:, :, 0],
            trust_of,
            platform,
            own_share,
            noise,
            shared_noise,
            portfolio,
            domain_mask,
            base_capacity,
            in_plan,
            plan_ran,
            draws_plan,
            draws_participate,
            draws_all_in,
            draws_realign,
            z_combination,
        )
    decide(
        problem,
        perception,
        flips,
        valid,
        configs,
        values,
        revising,
        in_plan,
        whole_problem,
        known,
        region,
        region_configs,
        plan_changes,
        z_remember,
    )
    return adoptions, evaluated, trust_of


@kernel
def settle(
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
    backbone_running: np.ndarray,
    expected_member_cost: np.ndarray,
    has_coalition: np.ndarray,
    progress: np.ndarray,
    trust_of: np.ndarray,
    edges_trust: np.ndarray,
    touched: np.ndarray,
    coordination_cost: float,
    coordination_growth: float,
    data_system_cost: float,
    funder_pays: bool,
    savings: float,
    overhead_share: float,
    joint_bid_chance: float,
    joint_bid_value: float,
    engagement_budget_effect: float,
    review_rate: float,
    trust_decay: float,
    draws_bid: np.ndarray,
    draws_rounding: np.ndarray,
    draws_review: np.ndarray,
    draws_review_decide: np.ndarray,
):
    """Step 6 of the schedule: costs and budgets are booked, membership is reviewed, trust fades.

    ``book`` books the costs and sets next step's budgets and capacities; ``review_membership`` runs where any
    region has a coalition; ``fade`` lets trust fade on links without contact this step.

    Returns:
        the ledger's lines for this step (``cisim.model.ledger.book``).
    """
    lines = book(
        region,
        member,
        base_budget,
        budget,
        base_capacity,
        capacity,
        costs,
        levels,
        engagement,
        pools,
        backbone_running,
        expected_member_cost,
        coordination_cost,
        coordination_growth,
        data_system_cost,
        funder_pays,
        savings,
        overhead_share,
        joint_bid_chance,
        joint_bid_value,
        engagement_budget_effect,
        draws_bid,
        draws_rounding,
    )
    if has_coalition.any():
        reviewing = draws_review < review_rate
        review_membership(
            member,
            region,
            costs,
            budget,
            levels,
            engagement,
            progress,
            trust_of,
            expected_member_cost,
            reviewing,
            draws_review_decide,
            has_coalition,
        )
    fade(edges_trust, touched, trust_decay)
    return lines
