"""The coalition's plan: joint choice among members' candidate changes, and re-assignment of work.

This is the mechanism behind mutually reinforcing activities (source 000: "a set of differentiated
activities coordinated through a mutually reinforcing plan of action"). The plan adds no search: it chooses
among the candidates its participants evaluated this step, at most one per participant, as they would have
alone, and judges them with the readings their proposers made: it reads nothing again but the one combined
change, which coordination pays for. What it adds is joint choice by the coalition's objective: conflicting
changes dropped, the combination checked once before it is taken, and work re-assigned.

The rules are compiled loops (``cisim.problem.compiled.kernel``), like the organizations' own.
"""

from __future__ import annotations

import numpy as np

from cisim.organizations.behaviour import AGENDA, REINFORCING, Candidates, Perception, sharing_chance
from cisim.problem import Landscape
from cisim.problem.compiled import ProblemView, kernel, normalised, table_index


@kernel
def choose_jointly(
    problem: ProblemView,
    row: int,
    config: np.ndarray,
    flips: np.ndarray,
    planned: np.ndarray,
    participants: np.ndarray,
    submitted: np.ndarray,
    plan_target: np.ndarray,
    noise: float,
    z_combination: float,
) -> tuple[np.ndarray, int]:
    """The change the coalition makes to its region's state this step (all False: none), and its readings.

    Args:
        problem: the problem as read this step.
        row: the version of the problem the participants' data describe (a row of ``problem.tables``).
        config: the region's community configuration.
        flips: every organization's candidate changes, ``(O, C, N)``.
        planned: each organization's reading of the coalition's objective for its status quo and candidates,
            ``(O, C + 1)`` (``cisim.organizations.behaviour.search``): the readings its proposers made, the status
            quo as each believes it to be where it is what it knows (``cisim.organizations.behaviour.recall``).
        participants: organizations whose candidates reach the plan.
        submitted: which of their candidates they table, ``(O, C)``.
        plan_target: the coalition's objective's weights of the elements, as ``participants[0]`` reads them.
        noise: the noise of the one reading of the combined change.
        z_combination: a standard normal draw for that reading.

    Each participant's best tabled candidate is kept if its proposer's reading of the coalition's objective
    beats the status quo as the proposer reads it (its belief where the status quo is what it knows, as when it
    decides alone): the plan judges a candidate with the readings its proposer made, and reads nothing again.
    Where kept changes touch the same element, the better-read one stays. A single change is taken as it is;
    several are read once together (one more reading, which the coalition's coordination pays for) and taken
    together if that reading beats the best single change, otherwise the best single change alone is taken.
    """
    n = config.shape[0]
    change = np.zeros(n, dtype=np.bool_)
    count = participants.shape[0]
    if count == 0:
        return change, 0
    kept = np.empty(count, dtype=np.intp)  # participant positions whose best tabled change is kept
    choice = np.empty(count, dtype=np.intp)
    score = np.empty(count)
    n_kept = 0
    for i in range(count):
        p = participants[i]
        best, best_value = 0, -np.inf
        for slot in range(submitted.shape[1]):
            if submitted[p, slot] and planned[p, slot + 1] > best_value:
                best, best_value = slot, planned[p, slot + 1]
        if best_value > planned[p, 0]:
            kept[n_kept], choice[n_kept], score[n_kept] = p, best, best_value
            n_kept += 1
    if n_kept == 0:
        return change, 0
    # Where kept changes overlap, the element goes to the best-read one; a change keeps all its elements or none.
    winner = np.zeros(n, dtype=np.intp)
    for e in range(n):
        best_value = -np.inf
        for i in range(n_kept):
            if flips[kept[i], choice[i], e] and score[i] > best_value:
                winner[e], best_value = i, score[i]
    survivors = np.empty(n_kept, dtype=np.intp)
    n_survivors = 0
    for i in range(n_kept):
        whole = True
        for e in range(n):
            if flips[kept[i], choice[i], e] and winner[e] != i:
                whole = False
        if whole:
            survivors[n_survivors] = i
            n_survivors += 1
    best_single, best_score = survivors[0], score[survivors[0]]
    for i in survivors[1:n_survivors]:
        if score[i] > best_score:
            best_single, best_score = i, score[i]
    single = flips[kept[best_single], choice[best_single]].copy()
    if n_survivors == 1:
        return single, 0
    for i in survivors[:n_survivors]:
        for e in range(n):
            change[e] |= flips[kept[i], choice[i], e]
    combined = np.empty((1, n), dtype=np.bool_)
    for e in range(n):
        combined[0, e] = config[e] ^ change[e]
    index = np.empty(n, dtype=np.intp)
    table_index(problem.index_tables, combined, 0, index)
    weighted = 0.0
    for e in range(n):
        weighted += plan_target[participants[0], e] * problem.tables[row, index[e]]
    together = normalised(weighted, problem.minimum[row], problem.spread[row], problem.clip) + noise * z_combination
    return (change if together > best_score else single), 1


def joint_plan(
    landscape: Landscape,
    config: np.ndarray,
    candidates: Candidates,
    planned: np.ndarray,
    participants: np.ndarray,
    submitted: np.ndarray,
    noise: float,
    z_combination: float,
    tables: np.ndarray | None = None,
) -> np.ndarray:
    """``choose_jointly`` on a landscape for a coalition whose objective is the community outcome (see there).

    The problem is read as it is now or as ``tables`` describe it.
    """
    extremes = landscape.extremes
    count = len(candidates.valid)
    problem = ProblemView(
        np.ascontiguousarray(landscape.tables if tables is None else tables).reshape(1, -1),
        np.zeros(count, dtype=np.intp),
        landscape.index_tables,
        np.array([float(extremes.minimum)]),
        np.array([float(extremes.maximum - extremes.minimum)]),
        not extremes.exact,
    )
    community = np.full((count, landscape.n_elements), 1.0 / landscape.n_elements)
    change, _ = choose_jointly(
        problem,
        0,
        np.asarray(config, dtype=bool),
        candidates.flips,
        np.asarray(planned, dtype=float),
        np.asarray(participants, dtype=np.intp),
        np.asarray(submitted, dtype=bool),
        community,
        float(noise),
        float(z_combination),
    )
    return change


@kernel
def realign(
    portfolio: np.ndarray,
    domain_mask: np.ndarray,
    base_capacity: np.ndarray,
    noise: np.ndarray,
    region_rows: np.ndarray,
    members: np.ndarray,
    draws: np.ndarray,
) -> None:
    """Re-assign one duplicated element and cover one gap by comparative advantage.

    A duplicated element (worked by two or more members) stays with the member best placed for it (working
    in its domain, most capacity, least noise); the others drop it unless it is their only element. A gap (an
    element nobody in the region works on) goes to the best placed member, the less loaded the better.
    Non-members are untouched: the plan only binds the coalition.

    Args:
        portfolio: the elements each organization works on (updated).
        domain_mask: the elements of each one's domains.
        base_capacity: each one's base capacity.
        noise: each one's data noise.
        region_rows: every organization of the region.
        members: its coalition's members.
        draws: two uniform draws (which duplicated element, which gap).
    """
    if members.shape[0] == 0:
        return
    n = portfolio.shape[1]
    duplicated = np.empty(n, dtype=np.intp)
    n_duplicated = 0
    for e in range(n):
        if _workers(portfolio, region_rows, e) >= 2 and _workers(portfolio, members, e) >= 2:
            duplicated[n_duplicated] = e
            n_duplicated += 1
    if n_duplicated:
        element = duplicated[int(draws[0] * n_duplicated)]
        keeper, best = -1, -np.inf
        for m in members:
            if portfolio[m, element] and _advantage(domain_mask, base_capacity, noise, m, element) > best:
                keeper, best = m, _advantage(domain_mask, base_capacity, noise, m, element)
        for m in members:
            if portfolio[m, element] and m != keeper and portfolio[m].sum() > 1:
                portfolio[m, element] = False
    gaps = np.empty(n, dtype=np.intp)
    n_gaps = 0
    for e in range(n):
        if _workers(portfolio, region_rows, e) == 0:
            gaps[n_gaps] = e
            n_gaps += 1
    if n_gaps:
        element = gaps[int(draws[1] * n_gaps)]
        taker, best = members[0], -np.inf
        for m in members:
            placed = _advantage(domain_mask, base_capacity, noise, m, element) - 0.01 * portfolio[m].sum()
            if placed > best:
                taker, best = m, placed
        portfolio[taker, element] = True


@kernel
def _workers(portfolio: np.ndarray, rows: np.ndarray, element: int) -> int:
    """How many of ``rows`` work on ``element``."""
    count = 0
    for row in rows:
        count += portfolio[row, element]
    return count


@kernel
def _advantage(domain_mask: np.ndarray, base_capacity: np.ndarray, noise: np.ndarray, row: int, element: int):
    """How well placed an organization is for an element: in its domains first, then capacity, then data."""
    return domain_mask[row, element] * 10.0 + base_capacity[row] - noise[row]


@kernel
def plan(
    problem: ProblemView,
    perception: Perception,
    region_configs: np.ndarray,
    levels: np.ndarray,
    member: np.ndarray,
    region: np.ndarray,
    member_levels: np.ndarray,
    revising: np.ndarray,
    flips: np.ndarray,
    valid: np.ndarray,
    values: np.ndarray,
    planned: np.ndarray,
    trust: np.ndarray,
    platform: float,
    portfolio: np.ndarray,
    domain_mask: np.ndarray,
    base_capacity: np.ndarray,
    noise: np.ndarray,
    in_plan: np.ndarray,
    plan_ran: np.ndarray,
    draws_plan: np.ndarray,
    draws_participate: np.ndarray,
    draws_all_in: np.ndarray,
    draws_realign: np.ndarray,
    z_combination: np.ndarray,
) -> tuple[np.ndarray, int]:
    """Run each coalition's plan where it runs this step.

    A coalition's plan runs with probability equal to its level of mutually reinforcing activities. Members
    take part with probability equal to their trust towards the others (a shared platform lifts it, source
    003): continuous communication builds the trust that joint planning needs. Under a common agenda a
    participant tables all its candidates (with probability equal to its agenda level);
    otherwise only those its own objective favours: without a shared goal, members table what serves their
    own domains. Organizations that do not revise table nothing. The plan judges what is tabled with the
    readings its proposers made (``choose_jointly``). After choosing, the plan re-assigns work (``realign``).

    Args:
        problem: the problem as read this step.
        perception: how each organization reads outcomes (the noise of the combined change's one reading is
            the mean of its proposers' noise).
        region_configs: each region's configuration, ``(R, N)``.
        levels: each coalition's condition levels, ``(R, 5)``.
        member: whether each organization is a member of its region's coalition.
        region: each organization's region.
        member_levels: the condition levels that apply to each organization, ``(O, 5)``.
        revising: which organizations revised this step.
        flips: the elements each candidate changes, ``(O, C, N)`` (``cisim.organizations.behaviour.search``).
        valid: which candidate slots hold a candidate, ``(O, C)``.
        values: each organization's noisy objective of its status quo (its belief where it is what it knows) and
            candidates, ``(O, C + 1)``.
        planned: its reading of the coalition's objective for the same, ``(O, C + 1)``.
        trust: each organization's mean trust over its links.
        platform: the shared platform's level.
        portfolio: the elements each works on (updated when work is re-assigned).
        domain_mask: the elements of each one's domains.
        base_capacity: each one's base capacity.
        noise: each one's data noise (``realign`` prefers members with good data).
        in_plan: set for the organizations whose candidates went to a plan.
        plan_ran: set for the regions whose plan ran.
        draws_plan: one uniform draw per region (whether its plan runs).
        draws_participate: one uniform draw per organization (whether it takes part).
        draws_all_in: one uniform draw per organization (whether it tables all its candidates).
        draws_realign: two uniform draws per region (``realign``).
        z_combination: one standard normal draw per region (the reading of the combined change).

    Returns:
        each region's planned change, ``(R, N)``, and how many combined changes were read.
    """
    regions, n = region_configs.shape
    count = member.shape[0]
    changes = np.zeros((regions, n), dtype=np.bool_)
    submitted = np.zeros(valid.shape, dtype=np.bool_)
    reads = 0
    for o in range(count):
        if revising[o]:
            all_in = draws_all_in[o] < member_levels[o, AGENDA]
            for slot in range(valid.shape[1]):
                submitted[o, slot] = valid[o, slot] and (all_in or values[o, slot + 1] > values[o, 0])
    for r in range(regions):
        region_rows = np.flatnonzero(region == r)
        members = region_rows[member[region_rows]]
        plan_ran[r] = members.shape[0] > 0 and draws_plan[r] < levels[r, REINFORCING]
        if not plan_ran[r]:
            continue
        bringing = np.empty(members.shape[0], dtype=np.intp)
        n_bringing = 0
        combined_noise = 0.0
        for m in members:
            if draws_participate[m] < sharing_chance(trust[m], platform):
                in_plan[m] = True
                if submitted[m].any():
                    bringing[n_bringing] = m
                    n_bringing += 1
                    combined_noise += np.sqrt(perception.plan_scale_own[m] ** 2 + perception.plan_scale_rest[m] ** 2)
        if n_bringing:
            changes[r], read = choose_jointly(
                problem,
                problem.table_of[bringing[0]],
                region_configs[r],
                flips,
                planned,
                bringing[:n_bringing],
                submitted,
                perception.plan_target,
                combined_noise / n_bringing,
                z_combination[r],
            )
            reads += read
        realign(portfolio, domain_mask, base_capacity, noise, region_rows, members, draws_realign[r])
    return changes, reads
