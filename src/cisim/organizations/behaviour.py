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

from cisim.problem.compiled import ProblemView, borrowing, inlined, kernel, normalised, table_index
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
    """How each organization reads outcomes this step: what its objective weighs, and the noise of its readings.

    Every reading is a weighted mean of element contributions plus noise; the weights say what a reading
    measures. An organization's objective weighs its own domains by ``1 - a`` and the coalition's agenda by
    ``a`` (common agenda a); a member relying on shared measurement (level m) reads a share m of it through the
    shared system, which sees only the elements it tracks. The coalition's plan judges a candidate with its
    proposer's reading of the coalition's objective (the agenda, as the shared system shows it). Weights and
    noise are set each step by ``cisim.model.conditions.perceive``, the one place where the conditions act on
    what organizations read.

    Attributes:
        target: weight of each element in the organization's objective, ``(O, N)``, summing to 1.
        scale_own: noise of its objective's reading from data on its own domains (``z`` draw 0).
        scale_rest: noise of its objective's reading from data on the other domains (``z`` draw 1).
        plan_target: weight of each element in the coalition's objective as this organization reads it, ``(O, N)``.
        plan_scale_own: noise of its reading of the coalition's objective, own domains (``z`` draw 0).
        plan_scale_rest: the same, other domains (``z`` draw 1).
    """

    target: np.ndarray
    scale_own: np.ndarray
    scale_rest: np.ndarray
    plan_target: np.ndarray
    plan_scale_own: np.ndarray
    plan_scale_rest: np.ndarray


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
    target: np.ndarray,
    plan_target: np.ndarray,
    o: int,
    configs: np.ndarray,
    c: int,
    index: np.ndarray,
) -> tuple[float, float, float]:
    """True values of configuration ``configs[c]`` as organization ``o``'s data show it (before noise).

    Args:
        tables: the problem's tables, one flattened version per row (``ProblemView.tables``).
        row: the version organization ``o``'s data describe.
        index_tables: the landscape's byte look-up tables.
        minimum: lowest raw fitness of version ``row``.
        spread: its range (``ProblemView.spread``).
        clip: whether outcomes are clipped to [0, 1] (estimated extremes).
        target: each organization's weights of the elements in its objective (``Perception.target``).
        plan_target: the coalition's objective's weights as each reads them (``Perception.plan_target``).
        o: the organization.
        configs: configurations, one per row.
        c: the configuration to read.
        index: scratch space of one integer per element.

    Returns:
        its objective, the coalition's objective and the community outcome, each normalised to version ``row``'s
        extremes.
    """
    table_index(index_tables, configs, c, index)
    n = configs.shape[1]
    total = 0.0
    weighted = 0.0
    planned = 0.0
    for i in range(n):
        contribution = tables[row, index[i]]
        total += contribution
        weighted += target[o, i] * contribution
        planned += plan_target[o, i] * contribution
    return (
        normalised(weighted, minimum, spread, clip),
        normalised(planned, minimum, spread, clip),
        normalised(total / n, minimum, spread, clip),
    )


@inlined
def objective(scale_own: np.ndarray, scale_rest: np.ndarray, o: int, value: float, z_own: float, z_rest: float):
    """A noisy reading of a true value by organization ``o``, given two standard normal draws."""
    return value + scale_own[o] * z_own + scale_rest[o] * z_rest


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


@inlined
def _in_key_order(elements: np.ndarray, count: int, needed: int, keys: np.ndarray, o: int) -> None:
    """Put in ``elements[:needed]`` the first ``needed`` of ``elements[:count]`` in the order of ``keys[o]``.

    They come out as a stable sort of all ``count`` would put them (equal keys keep their order), and the rest
    stay in their order after them. A revising organization reads only as many candidates as its capacity
    allows, often one of a problem's dozens of elements, so the first ones are picked out (``needed x count``
    comparisons) rather than all sorted (about ``count^2 / 4`` moves).
    """
    for i in range(min(needed, count)):
        smallest = i
        for j in range(i + 1, count):
            if keys[o, elements[j]] < keys[o, elements[smallest]]:  # strict: the first of equal keys stays first
                smallest = j
        element = elements[smallest]
        for j in range(smallest, i, -1):
            elements[j] = elements[j - 1]
        elements[i] = element


@borrowing
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
        _in_key_order(toward, n_toward, total, keys, o)
        for i in range(min(total, n_toward)):
            flips[o, 0, toward[i]] = True
        valid[o, 0] = True
    # Single changes: eligible elements in the random order.
    _in_key_order(elements, n_eligible, total - (1 if has_toward else 0), keys, o)
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
    spent: np.ndarray,
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
        capacity: readings each may make this step, ``(O,)``.
        spent: readings each has already made this step (offers from others), ``(O,)``: they come out of
            its capacity, so an organization that listens evaluates fewer candidates of its own (zeros where
            ``communication.offers_cost_capacity`` is false).
        width: candidate slots per organization.
        whole_problem: own-solution mode (see ``propose``).
        revising: which organizations revise this step.
        keys: uniform draws, ``(O, N)``.
        z: standard normal draws, ``(O, width + 1, 2)`` (own and rest readings, status quo first).

    Returns:
        the candidates' flips ``(O, C, N)``, which slots hold one ``(O, C)``, the status quo and candidate
        configurations ``(O x (C + 1), N)`` (organization ``o``'s slot ``s`` in row ``o (C + 1) + s``), each
        one's noisy objective ``(O, C + 1)`` and the same reading of the coalition's objective, the one the plan
        judges it by ``(O, C + 1)`` (both 0 for organizations that do not revise), and how many candidates were
        evaluated.
    """
    count, n = current.shape
    slots = width + 1
    flips = np.zeros((count, width, n), dtype=np.bool_)
    valid = np.zeros((count, width), dtype=np.bool_)
    configs = np.empty((count * slots, n), dtype=np.bool_)
    values = np.zeros((count, slots))
    planned = np.zeros((count, slots))
    index = np.empty(n, dtype=np.intp)
    elements = np.empty(n, dtype=np.intp)
    toward = np.empty(n, dtype=np.intp)
    evaluated = 0
    tables, table_of, index_tables, minimums, spreads, clip = problem
    target, scale_own, scale_rest, plan_target, plan_scale_own, plan_scale_rest = perception
    for o in range(count):
        for slot in range(slots):
            for e in range(n):
                configs[o * slots + slot, e] = current[o, e]
        if not revising[o]:
            continue
        limit = min(capacity[o] - spent[o], width)
        if limit <= 0:
            continue
        propose(o, current, known, portfolio, whole_problem, limit, keys, flips, valid, elements, toward)
        row = table_of[o]
        minimum, spread = minimums[row], spreads[row]
        for slot in range(slots):
            if slot > 0:
                if not valid[o, slot - 1]:
                    continue
                evaluated += 1
                for e in range(n):
                    configs[o * slots + slot, e] ^= flips[o, slot - 1, e]
            value, plan_value, _ = read(
                tables,
                row,
                index_tables,
                minimum,
                spread,
                clip,
                target,
                plan_target,
                o,
                configs,
                o * slots + slot,
                index,
            )
            values[o, slot] = objective(scale_own, scale_rest, o, value, z[o, slot, 0], z[o, slot, 1])
            planned[o, slot] = objective(plan_scale_own, plan_scale_rest, o, plan_value, z[o, slot, 0], z[o, slot, 1])
    return flips, valid, configs, values, planned, evaluated


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


@inlined
def averaged(reading: float, belief: np.ndarray, belief_count: np.ndarray, o: int, memory: int, noise: float) -> float:
    """Organization ``o``'s belief after a new reading of what it knows (updated in place), and that belief.

    The reading joins the mean of the earlier ones (at most the last ``memory`` of them, then older ones fade),
    unless it is the first or more than three times one reading's ``noise`` away from the belief, which the
    organization takes as a sign that things have changed: it then starts again from that reading.
    """
    if belief_count[o] == 0 or abs(reading - belief[o]) > 3 * noise:
        belief[o], belief_count[o] = reading, 1
    else:
        belief_count[o] = min(belief_count[o] + 1, memory)
        belief[o] += (reading - belief[o]) / belief_count[o]
    return belief[o]


@kernel
def recall(
    configs: np.ndarray,
    values: np.ndarray,
    planned: np.ndarray,
    revising: np.ndarray,
    known: np.ndarray,
    belief: np.ndarray,
    belief_count: np.ndarray,
    plan_belief: np.ndarray,
    plan_belief_count: np.ndarray,
    memory: int,
    perception: Perception,
) -> None:
    """Organizations whose status quo is what they know judge it by their belief, not by this step's reading.

    Memory (shared solutions): each organization keeps the best configuration it knows of and its beliefs about
    it: the mean of the readings it made of it since it came to know it (``averaged``), one of its own objective
    (``belief``) and one of the coalition's objective (``plan_belief``: the same readings, weighed as the plan
    weighs them). Where the status quo is what it knows, this step's readings of the status quo join those
    means and replace the readings in ``values`` and ``planned``: it judges its candidates against its belief
    whether it decides alone or through the plan (repeated readings of one state average out its noise). Call
    it after ``search`` and before the plan and ``decide``.
    """
    count = known.shape[0]
    slots = values.shape[1]
    _, scale_own, scale_rest, _, plan_own, plan_rest = perception
    for o in range(count):
        if not revising[o] or differ(configs, o * slots, known, o):
            continue
        noise = np.sqrt(scale_own[o] ** 2 + scale_rest[o] ** 2)
        values[o, 0] = averaged(values[o, 0], belief, belief_count, o, memory, noise)
        plan_noise = np.sqrt(plan_own[o] ** 2 + plan_rest[o] ** 2)
        planned[o, 0] = averaged(planned[o, 0], plan_belief, plan_belief_count, o, memory, plan_noise)


@kernel
def decide(
    flips: np.ndarray,
    valid: np.ndarray,
    configs: np.ndarray,
    values: np.ndarray,
    planned: np.ndarray,
    revising: np.ndarray,
    in_plan: np.ndarray,
    whole_problem: bool,
    known: np.ndarray,
    belief: np.ndarray,
    belief_count: np.ndarray,
    plan_belief: np.ndarray,
    plan_belief_count: np.ndarray,
    region: np.ndarray,
    region_configs: np.ndarray,
    plan_changes: np.ndarray,
) -> None:
    """Organizations that revised outside the plan decide alone; then each updates what it knows.

    Each deciding organization takes its best candidate if its own noisy objective says it beats the status
    quo (its belief, where the status quo is what it knows: ``recall``). Organizations decide at the same time,
    each against the same state: none anticipates what the others will change, which is what makes
    uncoordinated action costly on problems whose elements interact. Their changes and the plans' are applied
    together to each region's state (own-solution mode: each to its own configuration). ``configs`` are the
    status quo and candidates as ``search`` returns them.

    Then memory (shared solutions): the status quo or the best candidate becomes what an organization knows
    where it reads better than its belief, and its beliefs start again from that reading (``values`` and
    ``planned``). Only readings it made this step change them; nothing is read again for memory's sake, so a
    belief goes stale when the problem changes under it and the change is too small to see through noisy data.
    """
    count, n = known.shape
    slots = valid.shape[1] + 1
    changed = plan_changes.copy()
    for o in range(count):
        best, better = best_candidate(values, valid, o)
        if better and revising[o] and not in_plan[o]:  # it decides alone
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
    for o in range(count):
        if not revising[o]:
            continue
        status_quo = o * slots
        if differ(configs, status_quo, known, o) and values[o, 0] > belief[o]:
            for e in range(n):
                known[o, e] = configs[status_quo, e]
            belief[o], belief_count[o] = values[o, 0], 1
            plan_belief[o], plan_belief_count[o] = planned[o, 0], 1
        best, better = best_candidate(values, valid, o)
        if better and values[o, best + 1] > belief[o]:
            for e in range(n):
                known[o, e] = configs[status_quo + best + 1, e]
            belief[o], belief_count[o] = values[o, best + 1], 1
            plan_belief[o], plan_belief_count[o] = planned[o, best + 1], 1


@kernel
def take_up_gaps(
    portfolio: np.ndarray, domain_mask: np.ndarray, region: np.ndarray, chance: float, draws: np.ndarray
) -> None:
    """Organizations take up unmet needs in their own field: an element of their domains nobody works on.

    With probability ``chance`` per step, an organization notices the elements of its own domains that no
    organization of its region works on and takes up one of them (drawn at random), in a coalition or not.
    All notice what was uncovered at the start of the step, so two may take up the same element.

    Args:
        portfolio: the elements each works on (updated).
        domain_mask: the elements of each one's domains.
        region: each one's region.
        chance: the chance per step (``organizations.gap_uptake``).
        draws: one uniform draw per organization: below ``chance`` it looks; the same draw, scaled, picks the
            element.
    """
    count, n = portfolio.shape
    regions = 0
    for o in range(count):
        regions = max(regions, region[o] + 1)
    worked = np.zeros((regions, n), dtype=np.bool_)
    for o in range(count):
        for e in range(n):
            worked[region[o], e] |= portfolio[o, e]
    gaps = np.empty(n, dtype=np.intp)
    for o in range(count):
        if not draws[o] < chance:
            continue
        n_gaps = 0
        for e in range(n):
            if domain_mask[o, e] and not worked[region[o], e]:
                gaps[n_gaps] = e
                n_gaps += 1
        if n_gaps:
            portfolio[o, gaps[min(int(draws[o] / chance * n_gaps), n_gaps - 1)]] = True


# --------------------------------------------------------------------------- learning from others
@inlined
def differ(first: np.ndarray, f: int, second: np.ndarray, s: int) -> bool:
    """Whether configurations ``first[f]`` and ``second[s]`` differ in any element."""
    for e in range(first.shape[1]):  # noqa: SIM110 - numba compiles loops, not generator expressions
        if first[f, e] != second[s, e]:
            return True
    return False


@inlined
def look_up(
    tables: np.ndarray,
    row: int,
    index_tables: np.ndarray,
    configs: np.ndarray,
    c: int,
    index: np.ndarray,
    out: np.ndarray,
) -> None:
    """Each element's contribution to configuration ``configs[c]`` in version ``row`` of the problem, into ``out``."""
    table_index(index_tables, configs, c, index)
    for i in range(configs.shape[1]):
        out[i] = tables[row, index[i]]


@inlined
def weighed(contributions: np.ndarray, target: np.ndarray, o: int, minimum: float, spread: float, clip: bool) -> float:
    """Organization ``o``'s objective of a configuration with these contributions (``read``'s first value)."""
    weighted = 0.0
    for i in range(contributions.shape[0]):
        weighted += target[o, i] * contributions[i]
    return normalised(weighted, minimum, spread, clip)


@borrowing
def consider(
    problem: ProblemView,
    perception: Perception,
    o: int,
    row: int,
    known: np.ndarray,
    belief: np.ndarray,
    offers: np.ndarray,
    rows: np.ndarray,
    offered: np.ndarray,
    z: np.ndarray,
    scored: np.ndarray,
    contributions: np.ndarray,
    index: np.ndarray,
    scratch: np.ndarray,
    codes: np.ndarray,
    values: np.ndarray,
    room: int,
    first: int,
) -> tuple[int, bool, int, float]:
    """Organization ``o`` compares configurations offered to it with what it knows and picks the best it sees.

    It reads real offers (a reading each, counted by the caller), starting at slot ``first`` and going round,
    until it has made ``room`` readings (what its capacity leaves this step): offers beyond that it hears but
    does not read. It compares them with its belief about what it knows (``belief[o]``: the mean of its
    readings of ``known[o]``, kept between steps and stale if the problem has changed since); where it holds no
    belief it reads what it knows afresh: an organization holding its own solution (``nan``), which sees its
    own performance, as in Lazer and Friedman 2007, at no cost; one that has not read it yet (``-inf``) with
    one more reading out of ``room`` (without room left for it, it takes nothing up).

    A configuration many organizations hear in one step is scored once: where ``scored`` has a flag per row of
    ``offers``, the contributions of an offer in the problem as it is now are looked up the first time anyone
    reads it and kept in ``contributions``, and each listener weighs them with its own objective and its own
    noise (the same value, to the last bit, as looking them up again). A listener whose data describe an earlier
    version of the problem looks them up in that version. Where the offers are what organizations know
    (``offers`` is ``known``), ``codes`` may hold each one's configuration as a number (``configuration_codes``),
    so that telling an offer from what the listener knows is one comparison, and its own configuration's
    contributions are kept like an offer's; where every organization's objective weighs the elements alike,
    ``values`` (``nan`` until read) keeps each offer's true objective once for every listener, who adds its own
    noise (the same sum in the same order, so the same value to the last bit).

    Args:
        problem: the problem as read this step.
        perception: how each organization reads outcomes.
        o: the organization.
        row: the version of the problem its data describe.
        known: what each knows (``known[o]``), ``(O, N)``.
        belief: each one's reading of what it knows, ``(O,)`` (``-inf``: none yet; ``nan``: read afresh).
        offers: configurations, one per row; offer ``s`` is row ``rows[s]``.
        rows: the offers' rows.
        offered: which offers are real: ``offered[o, s]`` for offer ``s``; offers equal to what it knows are
            not read.
        z: standard normal draws, ``z[o, s]`` (own and rest readings) for the status quo (``s = 0``) and offer
            ``s - 1``.
        scored: whether each row of ``offers`` has its contributions in ``contributions`` (updated); empty:
            nothing is kept.
        contributions: the kept contributions, one row per row of ``offers`` (updated).
        index: scratch space of one integer per element.
        scratch: scratch space of one number per element.
        codes: each row of ``offers`` (which is then ``known``) as a number; empty: compare element by element.
        values: each row's true objective for every listener (updated); empty: each listener weighs its own.
        room: how many readings it may make (what its capacity leaves this step).
        first: the slot it starts reading at.

    Returns:
        the offer it takes up, whether it takes one up, how many offers it read, and its reading of the offer it
        takes up.
    """
    tables, _, index_tables, minimums, spreads, clip = problem
    minimum, spread = minimums[row], spreads[row]
    target, scale_own, scale_rest, _, _, _ = perception
    keep = row == 0 and scored.shape[0] > 0
    coded = codes.shape[0] > 0
    shared = keep and values.shape[0] > 0
    best, best_value, reads = 0, -np.inf, 0
    width = rows.shape[0]
    for turn in range(width):
        if reads >= room:
            break
        slot = (first + turn) % width
        c = rows[slot]
        if not offered[o, slot]:
            continue
        if coded:
            if codes[c] == codes[o]:
                continue
        elif not differ(offers, c, known, o):
            continue
        if keep:
            true = kept_objective(
                tables,
                index_tables,
                minimum,
                spread,
                clip,
                target,
                o,
                offers,
                c,
                scored,
                contributions,
                values,
                shared,
                index,
            )
        else:
            look_up(tables, row, index_tables, offers, c, index, scratch)
            true = weighed(scratch, target, o, minimum, spread, clip)
        value = objective(scale_own, scale_rest, o, true, z[o, slot + 1, 0], z[o, slot + 1, 1])
        reads += 1
        if value > best_value:
            best, best_value = slot, value
    if reads == 0:
        return best, False, 0, best_value
    baseline = belief[o]
    if baseline == -np.inf:  # it has not read what it knows yet: it reads it now, if it has room for it
        if reads >= room:
            return best, False, reads, best_value
        reads += 1
        baseline = np.nan
    if np.isnan(baseline):
        if keep and coded:  # its own configuration is a row of the offers: kept like one
            true = kept_objective(
                tables,
                index_tables,
                minimum,
                spread,
                clip,
                target,
                o,
                offers,
                o,
                scored,
                contributions,
                values,
                shared,
                index,
            )
        else:
            look_up(tables, row, index_tables, known, o, index, scratch)
            true = weighed(scratch, target, o, minimum, spread, clip)
        baseline = objective(scale_own, scale_rest, o, true, z[o, 0, 0], z[o, 0, 1])
    return best, best_value > baseline, reads, best_value


@inlined
def kept_objective(
    tables: np.ndarray,
    index_tables: np.ndarray,
    minimum: float,
    spread: float,
    clip: bool,
    target: np.ndarray,
    o: int,
    offers: np.ndarray,
    c: int,
    scored: np.ndarray,
    contributions: np.ndarray,
    values: np.ndarray,
    shared: bool,
    index: np.ndarray,
) -> float:
    """Organization ``o``'s true objective of offer ``c`` in the problem as it is now, from what ``consider`` keeps.

    The offer's contributions are looked up the first time anyone reads it; with ``shared`` (every objective
    weighs the elements alike) its objective is weighed once too and kept in ``values``.
    """
    if not scored[c]:
        look_up(tables, 0, index_tables, offers, c, index, contributions[c])
        scored[c] = True
    if not shared:
        return weighed(contributions[c], target, o, minimum, spread, clip)
    if np.isnan(values[c]):
        values[c] = weighed(contributions[c], target, o, minimum, spread, clip)
    return values[c]


#: Configurations of up to this many elements are compared as numbers (bits 0 to 62 of an int64).
CODED_ELEMENTS = 63


@inlined
def configuration_codes(configs: np.ndarray, codes: np.ndarray) -> None:
    """Each configuration as a number whose bit ``e`` is element ``e`` (up to 63 elements), into ``codes``."""
    for o in range(configs.shape[0]):
        code = 0
        for e in range(configs.shape[1]):
            if configs[o, e]:
                code |= 1 << e
        codes[o] = code


@inlined
def weighs_alike(target: np.ndarray) -> bool:
    """Whether every organization's objective weighs each element as the first one's does."""
    for o in range(1, target.shape[0]):
        for i in range(target.shape[1]):
            if target[o, i] != target[0, i]:
                return False
    return True


@kernel
def communicate(
    problem: ProblemView,
    perception: Perception,
    hears: np.ndarray,
    known: np.ndarray,
    belief: np.ndarray,
    belief_count: np.ndarray,
    plan_belief_count: np.ndarray,
    spent: np.ndarray,
    capacity: np.ndarray,
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
    """Organizations hear neighbours' best configurations and take up a better one (social learning).

    An organization hears this step when ``hears`` says so (informally, or more often as a communicating member:
    ``cisim.model.conditions.hearing_chance``). It hears as many neighbours as ``contact_draws`` has columns,
    drawn at random (own-solution mode: every neighbour); a neighbour shares what it knows with probability
    equal to the trust on the link (a shared platform lifts that, source 003). The listener reads offers (a
    reading each, out of this step's capacity: ``spent`` may not pass ``capacity``; in own-solution mode, where
    it hears every neighbour, it starts at one drawn at random) and takes up the best if it reads better than
    its belief about what it knows. What is copied may come out wrong: each element on which the offer differs
    from one's own stays as one's own with probability ``copy_error`` (``copy_with_errors``); a copy that,
    read as the offer was (with the organization's own data, which may describe an earlier version of the
    problem: ``problem.table_of``), looks no better than one's own is dropped. In own-solution mode an
    organization that dropped its copy then searches that step, or, with ``stay_after_dropped_copy``, keeps
    its configuration: its turn went on copying (marked in ``adopted``). Contact builds trust, and more so
    when what is shared is taken up. Everyone hears what the others knew at the start of the step. What an
    organization takes up it has read by its own objective only: its belief of the coalition's objective about
    it starts from its next reading (``plan_belief_count`` 0).

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
            if share_draws[o, slot] < sharing_chance(trust[links[o, slot]], platform):
                shares[o, slot] = heard[o] = True
    if not heard.any():
        return 0
    taken = np.empty((count, n), dtype=np.bool_)
    taken_value = np.empty(count)
    choice = np.zeros(count, dtype=np.intp)
    take = np.zeros(count, dtype=np.bool_)
    index = np.empty(n, dtype=np.intp)
    only = np.ones((count, 1), dtype=np.bool_)
    scored = np.zeros(count, dtype=np.bool_)
    contributions = np.empty((count, n))
    scratch = np.empty(n)
    itself = np.empty(1, dtype=np.intp)
    unkept, none = np.zeros(0, dtype=np.bool_), np.empty((0, n))
    uncoded, unshared = np.empty(0, dtype=np.int64), np.empty(0)
    codes = np.empty(count if n <= CODED_ELEMENTS else 0, dtype=np.int64)
    configuration_codes(known, codes)
    values = np.full(count if weighs_alike(perception.target) else 0, np.nan)
    for o in range(count):
        if not heard[o]:
            continue
        degree = offsets[o + 1] - offsets[o]
        first = min(int(contact_draws[o, 0] * degree), degree - 1) if whole_problem else 0
        choice[o], take[o], reads, taken_value[o] = consider(
            problem,
            perception,
            o,
            problem.table_of[o],
            known,
            belief,
            known,
            contacts[o],
            shares,
            z_offers,
            scored,
            contributions,
            index,
            scratch,
            codes,
            values,
            capacity[o] - spent[o],
            first,
        )
        spent[o] += reads
        if not take[o]:
            continue
        for e in range(n):
            taken[o, e] = known[contacts[o, choice[o]], e]
        if copy_error > 0:
            copy_with_errors(taken, o, known, o, copy_error, copy_draws)
            itself[0] = o
            _, take[o], reads, taken_value[o] = consider(
                problem,
                perception,
                o,
                problem.table_of[o],
                known,
                belief,
                taken,
                itself,
                only,
                z_copy,
                unkept,
                none,
                index,
                scratch,
                uncoded,
                unshared,
                capacity[o] - spent[o],
                0,
            )
            spent[o] += reads
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
            if not np.isnan(belief[o]):
                belief[o], belief_count[o] = taken_value[o], 1
                plan_belief_count[o] = 0  # it read the offer by its own objective only
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
    belief: np.ndarray,
    belief_count: np.ndarray,
    plan_belief_count: np.ndarray,
    spent: np.ndarray,
    capacity: np.ndarray,
    region: np.ndarray,
    region_configs: np.ndarray,
    sharing: np.ndarray,
    source: np.ndarray,
    z: np.ndarray,
) -> int:
    """Communities of practice: organizations compare another region's state with what they know.

    In each region where ``sharing`` says so, every organization with capacity left reads the state of region
    ``source[r]`` (a reading, out of this step's capacity: ``spent`` may not pass ``capacity``) and takes it up
    if it reads better than its belief about what it knows (its belief of the coalition's objective then starts
    from its next reading, as in ``communicate``).

    Returns:
        how many took it up.
    """
    count, n = known.shape
    index = np.empty(n, dtype=np.intp)
    scratch = np.empty(n)
    only = np.ones((count, 1), dtype=np.bool_)
    unkept, none = np.zeros(0, dtype=np.bool_), np.empty((0, n))
    adoptions = 0
    for o in range(count):
        r = region[o]
        if not sharing[r]:
            continue
        row = problem.table_of[o]
        _, take, reads, value = consider(
            problem,
            perception,
            o,
            row,
            known,
            belief,
            region_configs,
            source[r : r + 1],
            only,
            z,
            unkept,
            none,
            index,
            scratch,
            np.empty(0, dtype=np.int64),
            np.empty(0),
            capacity[o] - spent[o],
            0,
        )
        spent[o] += reads
        if take:
            for e in range(n):
                known[o, e] = region_configs[source[r], e]
            if not np.isnan(belief[o]):
                belief[o], belief_count[o] = value, 1
                plan_belief_count[o] = 0  # it read that state by its own objective only
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


@inlined
def data_lag(own_lag: int, shared_lag: int, m: float) -> int:
    """Steps by which data lag behind the problem at shared-measurement level ``m``.

    ``own_lag x (1 - m) + shared_lag x m``, rounded to the nearest step (halves to even): an organization's own
    data lag, the shared system's report sooner but not at once. The one rule for every reading of late data.
    """
    return int(np.rint(own_lag * (1.0 - m) + shared_lag * m))


@kernel
def data_lags(own_lag: int, shared_lag: int, measurement: np.ndarray) -> np.ndarray:
    """``data_lag`` at each of the shared-measurement levels ``measurement``."""
    lags = np.empty(measurement.shape[0], dtype=np.intp)
    for i in range(measurement.shape[0]):
        lags[i] = data_lag(own_lag, shared_lag, measurement[i])
    return lags


@kernel
def read_progress(
    history: np.ndarray,
    tracked_history: np.ndarray,
    partial: bool,
    length: np.ndarray,
    window: int,
    region: np.ndarray,
    member: np.ndarray,
    levels: np.ndarray,
    own_lag: int,
    shared_lag: int,
    scale_own: np.ndarray,
    scale_rest: np.ndarray,
    z: np.ndarray,
    progress: np.ndarray,
) -> None:
    """Each organization's reading of its region's recent progress, at least 0, into ``progress``.

    The region's community outcome now and ``window - 1`` steps before, each as the organization's data show
    it: late by its data lag (``data_lag`` at its shared-measurement level m: a member's coalition's, 0 outside
    one), a share ``1 - m`` from its own data (the whole outcome) and ``m`` from the shared system (what it
    tracks, ``tracked_history``), and read with the noise it reads the coalition's objective with
    (``Perception.plan_scale_own`` and ``plan_scale_rest``). Nobody sees the true outcome, and nobody sees
    through the shared system what it does not track.

    Args:
        history: each region's community outcome after each step, ``(R, capacity)``.
        tracked_history: the same as the shared system shows it (the tracked elements' outcome).
        partial: whether the shared system leaves part of the problem untracked (else ``tracked_history`` is
            not read: what it shows is ``history``).
        length: how many steps of ``history`` are filled, one number.
        window: the steps over which progress is judged.
        region: each organization's region.
        member: whether each is a member of its region's coalition.
        levels: each coalition's condition levels, ``(R, 5)``.
        own_lag: organizations' own data lag (``organizations.data_lag``).
        shared_lag: the shared system's (``backbone.shared_lag``).
        scale_own: noise of each one's reading from data on its own domains (and the shared system's).
        scale_rest: noise of each one's reading from data on the other domains.
        z: standard normal draws, ``(O, 2, 2)``: the reading now and the one before, two draws each.
        progress: each organization's reading (written).
    """
    last = length[0] - 1
    for o in range(region.shape[0]):
        r = region[o]
        m = levels[r, MEASUREMENT] if member[o] else 0.0
        lag = data_lag(own_lag, shared_lag, m)
        now = max(0, last - lag)
        before = max(0, last - lag - (window - 1))
        seen_now, seen_before = history[r, now], history[r, before]
        if partial and m > 0:
            seen_now = (1.0 - m) * seen_now + m * tracked_history[r, now]
            seen_before = (1.0 - m) * seen_before + m * tracked_history[r, before]
        reading_now = seen_now + scale_own[o] * z[o, 0, 0] + scale_rest[o] * z[o, 0, 1]
        reading_before = seen_before + scale_own[o] * z[o, 1, 0] + scale_rest[o] * z[o, 1, 1]
        progress[o] = max(0.0, reading_now - reading_before)


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
        progress: each organization's reading of its region's recent progress (gain in outcome over the last
            steps as its data show it, at least 0).
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
            + BENEFIT_PROGRESS * progress[o]
        )
        cost = (costs[o] if member[o] else expected_cost[r]) / budget[o]
        margin = benefit - cost
        if decide[o] < abs(margin) / (abs(margin) + 0.05):
            if member[o] and margin < 0:
                member[o] = False
            elif not member[o] and margin > 0:
                member[o] = True
