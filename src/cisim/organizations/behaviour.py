"""What organizations do each step: perceive, learn from others, propose, decide, remember, review membership.

Each rule is written once, as a compiled loop over organizations (numba, through
``cisim.problem.compiled.kernel``); ``cisim.organizations.agents.Organization`` documents the rules from one
organization's side. A step evaluates a handful of configurations per organization, so the work per
organization is small and a loop costs far less than the dozens of small array operations a batched version
needs; the cost of a step grows linearly with the number of organizations.

Search effort is the same in every design (MODEL.md section 3, fairness): an organization that revises its
programs in a step evaluates ``capacity`` candidate changes, whether it then decides alone or brings them to
the coalition's plan. Coordination changes which candidates are chosen, never how many are evaluated.

Every random number a rule uses is drawn by the model in a block of fixed shape per step from its own stream
(``cisim.model.model.Draws``), so two designs run with one seed share every draw their designs allow.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from cisim.problem.compiled import ProblemView, inlined, kernel, normalised, raw_sums
from cisim.scenarios.schema import CONDITIONS

AGENDA, MEASUREMENT, REINFORCING, COMMUNICATION, BACKBONE = (CONDITIONS.index(c) for c in CONDITIONS)


# --------------------------------------------------------------------------- perception
@inlined
def data_noise(own: float, measurement: float, shared_noise: float) -> float:
    """Noise of a reading: shared measurement (``measurement``) pulls one's own data noise to the shared system's."""
    return own * (1 - measurement) + shared_noise * measurement


@inlined
def sharing_chance(trust: float, platform: float) -> float:
    """Chance that what one knows reaches another: the trust between them, lifted by a shared platform (003)."""
    return trust + platform * (1 - trust)


class Perception(NamedTuple):
    """How each organization reads outcomes this step: its domains, the weights of its objective, its noise.

    The objective is ``(1 - a)`` x its own domains' outcome + ``a`` x the community outcome (common agenda a).
    The community outcome is its own domains (share ``w`` of the elements) and the rest; it reads its own
    domains with its own data noise and the rest, pieced together from others' reports, with twice that.
    Shared measurement (m) pulls both towards the shared system's noise.

    Attributes:
        domain_mask: elements of its domains, ``(O, N)``.
        own_size: elements inside its domains.
        rest_size: elements outside them (at least 1, for division).
        weight_own: weight of its own domains' outcome, ``(1 - a) + a w``.
        weight_rest: weight of the other domains' outcome, ``a (1 - w)``.
        noise_own: noise in its reading of its own domains, ``s (1 - m) + s_shared m``.
        noise_rest: noise in its reading of the other domains, ``2 s (1 - m) + s_shared m``.
    """

    domain_mask: np.ndarray
    own_size: np.ndarray
    rest_size: np.ndarray
    weight_own: np.ndarray
    weight_rest: np.ndarray
    noise_own: np.ndarray
    noise_rest: np.ndarray


# A reading is made for every configuration an organization weighs, dozens per step: the helpers below take
# the arrays of ``ProblemView`` and ``Perception`` one by one and are inlined where they are called, which in
# compiled code costs far less than handing a tuple of arrays to a function for every reading.
@inlined
def read(
    tables: np.ndarray,
    row: int,
    index_tables: np.ndarray,
    minimum: float,
    spread: float,
    clip: bool,
    domain_mask: np.ndarray,
    own_size: np.ndarray,
    rest_size: np.ndarray,
    o: int,
    configs: np.ndarray,
    c: int,
    index: np.ndarray,
) -> tuple[float, float, float]:
    """True outcomes of configuration ``configs[c]`` as organization ``o``'s data show it (before noise).

    Args:
        tables: the problem's tables, one flattened version per row (``ProblemView.tables``).
        row: the version organization ``o``'s data describe.
        index_tables: the landscape's byte look-up tables.
        minimum: lowest raw fitness of the problem now.
        spread: its range (``ProblemView.spread``).
        clip: whether outcomes are clipped to [0, 1] (estimated extremes).
        domain_mask: the elements of each organization's domains (``Perception.domain_mask``).
        own_size: elements inside each one's domains.
        rest_size: elements outside them (at least 1).
        o: the organization.
        configs: configurations, one per row.
        c: the configuration to read.
        index: scratch space of one integer per element.

    Returns:
        its own domains' outcome, the other domains' outcome and the community outcome, each normalised to
        the problem as it is now (an organization working in every domain has no "rest": its weight is then 0
        and any finite value will do).
    """
    total, inside = raw_sums(tables, row, index_tables, configs, c, domain_mask, o, index)
    return (
        normalised(inside / own_size[o], minimum, spread, clip),
        normalised((total - inside) / rest_size[o], minimum, spread, clip),
        normalised(total / configs.shape[1], minimum, spread, clip),
    )


@inlined
def objective(
    weight_own: np.ndarray,
    weight_rest: np.ndarray,
    noise_own: np.ndarray,
    noise_rest: np.ndarray,
    o: int,
    own: float,
    rest: float,
    z_own: float,
    z_rest: float,
) -> float:
    """Organization ``o``'s noisy objective, given true outcomes and two standard normal draws.

    The weights and noise are those of ``Perception``.
    """
    own_reading = own + noise_own[o] * z_own
    rest_reading = rest + noise_rest[o] * z_rest
    return weight_own[o] * own_reading + weight_rest[o] * rest_reading


# --------------------------------------------------------------------------- proposals
@dataclass(frozen=True)
class Candidates:
    """The candidate changes organizations evaluate this step.

    Attributes:
        flips: elements each candidate changes, shape ``(O, C, N)``.
        valid: which of the ``C`` slots hold a candidate, shape ``(O, C)``.
        configs: each organization's current configuration (slot 0) and its candidates (slots 1..C),
            shape ``(O, C + 1, N)``.
    """

    flips: np.ndarray
    valid: np.ndarray
    configs: np.ndarray

    @property
    def count(self) -> np.ndarray:
        """Candidates per organization, shape ``(O,)``."""
        return self.valid.sum(axis=1)


@kernel
def _in_key_order(elements: np.ndarray, count: int, keys: np.ndarray, o: int) -> None:
    """Sort the first ``count`` of ``elements`` by ``keys[o]`` (insertion sort: a few dozen at most)."""
    for i in range(1, count):
        element = elements[i]
        j = i - 1
        while j >= 0 and keys[o, elements[j]] > keys[o, element]:
            elements[j + 1] = elements[j]
            j -= 1
        elements[j + 1] = element


@kernel
def propose(
    o: int,
    current: np.ndarray,
    known: np.ndarray,
    portfolio: np.ndarray,
    whole_problem: bool,
    capacity: int,
    keys: np.ndarray,
    flips: np.ndarray,
    valid: np.ndarray,
    elements: np.ndarray,
    toward: np.ndarray,
) -> None:
    """``capacity`` candidate changes for organization ``o``, or as many as it has elements to change.

    Where its memory differs from the current state on elements it works on, one candidate moves those
    elements (up to ``capacity`` of them) to its best known configuration (memory and imitation); the other
    candidates each change one element it works on, distinct elements drawn at random.

    Args:
        o: the organization (its row in the arrays below).
        current: the configuration each organization acts on, ``(O, N)``.
        known: each one's best known configuration, ``(O, N)``.
        portfolio: the elements each works on, ``(O, N)``.
        whole_problem: own-solution mode: any element may change, and there is no memory move.
        capacity: candidates it may evaluate (at most the width of ``flips``).
        keys: uniform draws, ``(O, N)``: the random order in which elements are tried.
        flips: the elements each candidate changes, ``(O, C, N)``; row ``o`` is written.
        valid: which slots hold a candidate, ``(O, C)``; row ``o`` is written.
        elements: scratch space of one integer per element.
        toward: scratch space of one integer per element.
    """
    n = current.shape[1]
    n_eligible = 0
    n_toward = 0
    for e in range(n):
        if whole_problem or portfolio[o, e]:
            elements[n_eligible] = e
            n_eligible += 1
            if not whole_problem and known[o, e] != current[o, e]:
                toward[n_toward] = e
                n_toward += 1
    # As many candidates as capacity allows and elements it works on: the memory move takes one of the slots.
    total = min(capacity, n_eligible)
    has_toward = n_toward > 0 and total > 0
    if has_toward:  # the memory move: the `total` differing elements that come first in the random order
        _in_key_order(toward, n_toward, keys, o)
        for i in range(min(total, n_toward)):
            flips[o, 0, toward[i]] = True
        valid[o, 0] = True
    # Single changes: eligible elements in the random order.
    _in_key_order(elements, n_eligible, keys, o)
    first = 1 if has_toward else 0
    for i in range(total - first):
        flips[o, first + i, elements[i]] = True
        valid[o, first + i] = True


@kernel
def search(
    problem: ProblemView,
    perception: Perception,
    current: np.ndarray,
    known: np.ndarray,
    portfolio: np.ndarray,
    capacity: np.ndarray,
    width: int,
    whole_problem: bool,
    revising: np.ndarray,
    keys: np.ndarray,
    z: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, int]:
    """Organizations that revise propose their candidates and read them (the status quo too) with their data.

    Args:
        problem: the problem as read this step.
        perception: how each organization reads outcomes.
        current: the configuration each acts on, ``(O, N)``.
        known: each one's best known configuration, ``(O, N)``.
        portfolio: the elements each works on, ``(O, N)``.
        capacity: candidates each may evaluate, ``(O,)``.
        width: candidate slots per organization.
        whole_problem: own-solution mode (see ``propose``).
        revising: which organizations revise this step.
        keys: uniform draws, ``(O, N)``.
        z: standard normal draws, ``(O, width + 1, 2)`` (own and rest readings, status quo first).

    Returns:
        the candidates' flips ``(O, C, N)``, which slots hold one ``(O, C)``, the status quo and candidate
        configurations ``(O x (C + 1), N)`` (organization ``o``'s slot ``s`` in row ``o (C + 1) + s``), each
        one's noisy objective ``(O, C + 1)`` and true community outcome as its data show it ``(O, C + 1)``
        (both 0 for organizations that do not revise), and how many candidates were evaluated.
    """
    count, n = current.shape
    slots = width + 1
    flips = np.zeros((count, width, n), dtype=np.bool_)
    valid = np.zeros((count, width), dtype=np.bool_)
    configs = np.empty((count * slots, n), dtype=np.bool_)
    values = np.zeros((count, slots))
    community = np.zeros((count, slots))
    index = np.empty(n, dtype=np.intp)
    elements = np.empty(n, dtype=np.intp)
    toward = np.empty(n, dtype=np.intp)
    evaluated = 0
    tables, table_of, index_tables, minimum, spread, clip = problem
    domain_mask, own_size, rest_size, weight_own, weight_rest, noise_own, noise_rest = perception
    for o in range(count):
        for slot in range(slots):
            for e in range(n):
                configs[o * slots + slot, e] = current[o, e]
        if not revising[o]:
            continue
        limit = min(capacity[o], width)
        propose(o, current, known, portfolio, whole_problem, limit, keys, flips, valid, elements, toward)
        row = table_of[o]
        for slot in range(slots):
            if slot > 0:
                if not valid[o, slot - 1]:
                    continue
                evaluated += 1
                for e in range(n):
                    configs[o * slots + slot, e] ^= flips[o, slot - 1, e]
            own, rest, outcome = read(
                tables,
                row,
                index_tables,
                minimum,
                spread,
                clip,
                domain_mask,
                own_size,
                rest_size,
                o,
                configs,
                o * slots + slot,
                index,
            )
            values[o, slot] = objective(
                weight_own, weight_rest, noise_own, noise_rest, o, own, rest, z[o, slot, 0], z[o, slot, 1]
            )
            community[o, slot] = outcome
    return flips, valid, configs, values, community, evaluated


@inlined
def best_candidate(values: np.ndarray, valid: np.ndarray, o: int) -> tuple[int, bool]:
    """Organization ``o``'s best valid candidate and whether it beats its status quo.

    ``values`` holds each organization's status quo (column 0) and candidates, ``valid`` its candidate slots.
    """
    best, best_value = 0, -np.inf
    for slot in range(valid.shape[1]):
        if valid[o, slot] and values[o, slot + 1] > best_value:
            best, best_value = slot, values[o, slot + 1]
    return best, best_value > values[o, 0]


@kernel
def decide(
    problem: ProblemView,
    perception: Perception,
    flips: np.ndarray,
    valid: np.ndarray,
    configs: np.ndarray,
    values: np.ndarray,
    revising: np.ndarray,
    in_plan: np.ndarray,
    whole_problem: bool,
    known: np.ndarray,
    region: np.ndarray,
    region_configs: np.ndarray,
    plan_changes: np.ndarray,
    z_remember: np.ndarray,
) -> None:
    """Organizations that revised outside the plan decide alone; everyone then updates its memory.

    Each deciding organization takes its best candidate if its own noisy objective says it beats the status
    quo. Organizations decide at the same time, each against the same state: none anticipates what the
    others will change, which is what makes uncoordinated action costly on problems whose elements interact.
    Their changes and the plans' are applied together to each region's state (own-solution mode: each to
    its own configuration). ``configs`` are the status quo and candidates as ``search`` returns them.

    Memory (shared solutions): each organization keeps the best of what it knows, the state now, and the best
    change it found in its own search this step, as its data read them (``z_remember``: ``(O, 3, 2)``).
    """
    count, n = known.shape
    slots = valid.shape[1] + 1
    # What each may remember: the state now (row 0, filled below) and the best change it found (row 1).
    offers = np.empty((2 * count, n), dtype=np.bool_)
    changed = plan_changes.copy()
    for o in range(count):
        best, better = best_candidate(values, valid, o)
        better = better and revising[o]
        found = o * slots + (best + 1 if better else 0)
        for e in range(n):
            offers[2 * o + 1, e] = configs[found, e]
        if better and not in_plan[o]:  # it decides alone
            for e in range(n):
                if flips[o, best, e]:
                    if whole_problem:
                        known[o, e] = not known[o, e]
                    else:
                        changed[region[o], e] = True
    if whole_problem:
        return
    for r in range(region_configs.shape[0]):
        for e in range(n):
            region_configs[r, e] ^= changed[r, e]
    offered = np.ones((count, 2), dtype=np.bool_)
    index = np.empty(n, dtype=np.intp)
    for o in range(count):
        for e in range(n):
            offers[2 * o, e] = region_configs[region[o], e]
        if not (differ(offers, 2 * o, known, o) or differ(offers, 2 * o + 1, known, o)):
            continue  # nothing new to remember (``consider`` would find so too, at the cost of a call)
        choice, take = consider(
            problem, perception, o, problem.table_of[o], known, offers, 2 * o, 2, offered, z_remember, index
        )
        if take:
            for e in range(n):
                known[o, e] = offers[2 * o + choice, e]


# --------------------------------------------------------------------------- learning from others
@inlined
def differ(first: np.ndarray, f: int, second: np.ndarray, s: int) -> bool:
    """Whether configurations ``first[f]`` and ``second[s]`` differ in any element."""
    for e in range(first.shape[1]):  # noqa: SIM110 - numba compiles loops, not generator expressions
        if first[f, e] != second[s, e]:
            return True
    return False


@kernel
def consider(
    problem: ProblemView,
    perception: Perception,
    o: int,
    row: int,
    known: np.ndarray,
    offers: np.ndarray,
    first: int,
    count: int,
    offered: np.ndarray,
    z: np.ndarray,
    index: np.ndarray,
) -> tuple[int, bool]:
    """Organization ``o`` compares what it knows with configurations offered to it and picks the best it sees.

    Args:
        problem: the problem as read this step.
        perception: how each organization reads outcomes.
        o: the organization.
        row: the version of the problem its data describe.
        known: what each knows (the status quo: ``known[o]``), ``(O, N)``.
        offers: configurations, one per row; the offers are rows ``first`` to ``first + count - 1``.
        first: the first offer's row.
        count: how many offers.
        offered: which offers are real: ``offered[o, s]`` for offer ``s``; offers equal to what it knows are
            not considered.
        z: standard normal draws, ``z[o, s]`` (own and rest readings) for the status quo (``s = 0``) and offer
            ``s - 1``.
        index: scratch space of one integer per element.

    Returns:
        the offer it takes up (counted from ``first``) and whether it takes one up.
    """
    tables, _, index_tables, minimum, spread, clip = problem
    domain_mask, own_size, rest_size, weight_own, weight_rest, noise_own, noise_rest = perception
    best, best_value = 0, -np.inf
    for slot in range(count + 1):  # the offers, then (if any was worth reading) the status quo
        if slot < count:
            if not (offered[o, slot] and differ(offers, first + slot, known, o)):
                continue
            configs, c, z_own, z_rest = offers, first + slot, z[o, slot + 1, 0], z[o, slot + 1, 1]
        elif best_value == -np.inf:
            return best, False
        else:
            configs, c, z_own, z_rest = known, o, z[o, 0, 0], z[o, 0, 1]
        own, rest, _ = read(
            tables, row, index_tables, minimum, spread, clip, domain_mask, own_size, rest_size, o, configs, c, index
        )
        value = objective(weight_own, weight_rest, noise_own, noise_rest, o, own, rest, z_own, z_rest)
        if slot == count:
            return best, best_value > value
        if value > best_value:
            best, best_value = slot, value
    return best, False


@kernel
def communicate(
    problem: ProblemView,
    perception: Perception,
    hears: np.ndarray,
    member: np.ndarray,
    known: np.ndarray,
    adopted: np.ndarray,
    whole_problem: bool,
    offsets: np.ndarray,
    neighbours: np.ndarray,
    edge_of: np.ndarray,
    trust: np.ndarray,
    touched: np.ndarray,
    platform: float,
    trust_gain: float,
    copy_error: float,
    stay_after_dropped_copy: bool,
    contact_draws: np.ndarray,
    share_draws: np.ndarray,
    z_offers: np.ndarray,
    copy_draws: np.ndarray,
    z_copy: np.ndarray,
) -> int:
    """Members hear neighbours' best configurations and take up a better one (social learning).

    A member hears this step when ``hears`` says so (with probability equal to the communication level). It
    hears as many neighbours as ``contact_draws`` has columns, drawn at random (own-solution mode: every
    neighbour); a neighbour shares only if it is a member too, and then with probability equal to the trust
    on the link (a shared platform lifts that, source 003). What is copied may come out wrong: each element on
    which the offer differs from one's own stays as one's own with probability ``copy_error``
    (``copy_with_errors``); a copy that, read with the problem as it is now, looks no better than one's own is
    dropped. In own-solution mode an organization that dropped its copy then searches that step, or, with
    ``stay_after_dropped_copy``, keeps its configuration: its turn went on copying (marked in ``adopted``).
    Contact builds trust, and more so when what is shared is taken up. Everyone hears what the others knew
    at the start of the step.

    Returns:
        how many organizations took something up (in own-solution mode they are marked in ``adopted``: an
        organization that copied does not search as well, nor, with ``stay_after_dropped_copy``, one whose copy
        was dropped).
    """
    count, n = known.shape
    width = share_draws.shape[1]
    if neighbours.shape[0] == 0:
        return 0
    contacts = np.zeros((count, width), dtype=np.intp)
    links = np.zeros((count, width), dtype=np.intp)
    shares = np.zeros((count, width), dtype=np.bool_)
    heard = np.zeros(count, dtype=np.bool_)
    for o in range(count):
        degree = offsets[o + 1] - offsets[o]
        if not hears[o] or degree == 0:
            continue
        for slot in range(width):
            if whole_problem:
                if slot >= degree:
                    continue
                position = offsets[o] + slot
            else:
                position = min(offsets[o] + int(np.floor(contact_draws[o, slot] * degree)), neighbours.shape[0] - 1)
            contacts[o, slot], links[o, slot] = neighbours[position], edge_of[position]
            if member[contacts[o, slot]] and share_draws[o, slot] < sharing_chance(trust[links[o, slot]], platform):
                shares[o, slot] = heard[o] = True
    if not heard.any():
        return 0
    offers = np.empty((width, n), dtype=np.bool_)
    taken = np.empty((count, n), dtype=np.bool_)
    choice = np.zeros(count, dtype=np.intp)
    take = np.zeros(count, dtype=np.bool_)
    index = np.empty(n, dtype=np.intp)
    only = np.ones((count, 1), dtype=np.bool_)
    for o in range(count):
        if not heard[o]:
            continue
        for slot in range(width):
            for e in range(n):
                offers[slot, e] = known[contacts[o, slot], e]
        choice[o], take[o] = consider(
            problem, perception, o, problem.table_of[o], known, offers, 0, width, shares, z_offers, index
        )
        if not take[o]:
            continue
        for e in range(n):
            taken[o, e] = offers[choice[o], e]
        if copy_error > 0:
            copy_with_errors(taken, o, known, o, copy_error, copy_draws)
            _, take[o] = consider(problem, perception, o, 0, known, taken, o, 1, only, z_copy, index)
            if not take[o] and stay_after_dropped_copy:
                adopted[o] = whole_problem
    adoptions = 0
    gains = np.empty(count * width)
    touching = np.empty(count * width, dtype=np.intp)
    contact = 0
    for o in range(count):
        if take[o]:
            for e in range(n):
                known[o, e] = taken[o, e]
            adopted[o] = whole_problem
            adoptions += 1
        for slot in range(width):
            if shares[o, slot]:
                touching[contact] = links[o, slot]
                gains[contact] = trust_gain * 2 if take[o] and slot == choice[o] else trust_gain
                contact += 1
    touch(trust, touched, touching[:contact], gains[:contact])
    return adoptions


@kernel
def touch(trust: np.ndarray, touched: np.ndarray, links: np.ndarray, gains: np.ndarray) -> None:
    """Record contacts: on each, trust grows a share ``gain`` of the way to 1 (several contacts compound)."""
    distrust = 1.0 - trust
    for contact in range(links.shape[0]):
        distrust[links[contact]] *= 1.0 - min(gains[contact], 1.0)
    for link in range(trust.shape[0]):
        trust[link] = 1.0 - distrust[link]
    for contact in range(links.shape[0]):
        touched[links[contact]] = True


@kernel
def share_between_regions(
    problem: ProblemView,
    perception: Perception,
    known: np.ndarray,
    region: np.ndarray,
    region_configs: np.ndarray,
    sharing: np.ndarray,
    source: np.ndarray,
    z: np.ndarray,
) -> int:
    """Communities of practice: organizations compare another region's state with what they know.

    In each region where ``sharing`` says so, every organization compares the state of region ``source[r]``
    with what it knows, and takes it up if it looks better.

    Returns:
        how many took it up.
    """
    count, n = known.shape
    index = np.empty(n, dtype=np.intp)
    only = np.ones((count, 1), dtype=np.bool_)
    adoptions = 0
    for o in range(count):
        r = region[o]
        if not sharing[r]:
            continue
        row = problem.table_of[o]
        _, take = consider(problem, perception, o, row, known, region_configs, source[r], 1, only, z, index)
        if take:
            for e in range(n):
                known[o, e] = region_configs[source[r], e]
            adoptions += 1
    return adoptions


@kernel
def copy_with_errors(copy: np.ndarray, c: int, own: np.ndarray, o: int, error_rate: float, draws: np.ndarray) -> None:
    """Copy with errors: where ``copy[c]`` differs from the copier's ``own[o]``, keep the copier's element instead.

    Each element on which the two differ fails to be copied with probability ``error_rate`` (``draws[c]``:
    uniform) and stays as the copier had it; where they agree there is nothing to get wrong (Lazer and
    Friedman 2007, p. 684: errors affect only dissimilar bits). A copy with errors is a partial copy: it mixes
    the two configurations and adds nothing neither had. With ``error_rate = 0`` it is exact.
    """
    for e in range(copy.shape[1]):
        if copy[c, e] != own[o, e] and draws[c, e] < error_rate:
            copy[c, e] = own[o, e]


# --------------------------------------------------------------------------- membership
#: Perceived benefit of membership, as a share of budget: a base value and what trust adds, both scaled by
#: the coalition's mean condition level, plus what engagement and recent progress add.
BENEFIT_BASE, BENEFIT_TRUST, BENEFIT_ENGAGEMENT, BENEFIT_PROGRESS = 0.1, 0.2, 0.2, 2.0


@kernel
def review_membership(
    member: np.ndarray,
    region: np.ndarray,
    costs: np.ndarray,
    budget: np.ndarray,
    levels: np.ndarray,
    engagement: np.ndarray,
    progress: np.ndarray,
    trust: np.ndarray,
    expected_cost: np.ndarray,
    reviewing: np.ndarray,
    decide: np.ndarray,
    has_coalition: np.ndarray,
) -> None:
    """Join or leave the coalition when perceived benefit exceeds or falls short of cost (shares of budget).

    An organization reviewing its membership leaves with probability ``-margin / (|margin| + 0.05)`` when
    the margin of benefit over cost is negative, and joins with probability ``margin / (margin + 0.05)``
    when it is positive: the clearer the case, the likelier the move. Trust, progress and engagement enter
    through the benefit.

    Args:
        member: whether each organization is a member (updated).
        region: each organization's region.
        costs: what each member paid this step.
        budget: each organization's budget.
        levels: each coalition's condition levels, ``(R, 5)`` (their mean is its commitment).
        engagement: each region's community engagement.
        progress: each region's recent progress (gain in outcome over the last steps, at least 0).
        trust: each organization's mean trust over its links.
        expected_cost: what a newcomer would pay in each region.
        reviewing: which organizations review their membership this step.
        decide: uniform draws, one per organization.
        has_coalition: which regions have a coalition.
    """
    commitment = np.zeros(levels.shape[0])
    for r in range(levels.shape[0]):
        for condition in range(levels.shape[1]):
            commitment[r] += levels[r, condition]
        commitment[r] /= levels.shape[1]
    for o in range(member.shape[0]):
        r = region[o]
        if not (reviewing[o] and has_coalition[r]):
            continue
        benefit = (
            commitment[r] * (BENEFIT_BASE + BENEFIT_TRUST * trust[o])
            + BENEFIT_ENGAGEMENT * engagement[r]
            + BENEFIT_PROGRESS * progress[r]
        )
        cost = (costs[o] if member[o] else expected_cost[r]) / budget[o]
        margin = benefit - cost
        if decide[o] < abs(margin) / (abs(margin) + 0.05):
            if member[o] and margin < 0:
                member[o] = False
            elif not member[o] and margin > 0:
                member[o] = True
