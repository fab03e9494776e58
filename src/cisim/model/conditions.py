"""What each condition of collective impact does to an organization: what it weighs, what it reads, whom it hears.

The one place where the five conditions act on organizations' information and choices (docs/model.md, section
3.3), read by name (``levels[o, AGENDA]``), never by position:

- *common agenda* (a): an organization's objective weighs its own domains by ``1 - a`` and the coalition's
  agenda by ``a``. The agenda weighs every element equally (by need) unless it is captured
  (``backbone.agenda_capture``): then it leans towards the domains of the region's largest funder.
- *shared measurement* (m): a member reads a share m of its objective through the shared system, with the
  system's noise, lag (``backbone.shared_lag``) and coverage (``backbone.measurement_coverage``): what the
  system does not track it does not see, and a member relying on it weighs what is measured (Campbell's law).
  The rest it reads from its own data: its own domains with its own noise, the others with twice that.
- *mutually reinforcing activities* (r): the plan (``cisim.model.plan``) judges candidates by the coalition's
  objective (the agenda, as each proposer reads it: ``Perception.plan_target``).
- *continuous communication* (c): a member hears its peers with probability ``informal + c (1 - informal)``;
  every organization, in a coalition or not, hears them informally with probability ``informal``.
- *backbone* (b): ``cisim.organizations.agents.Backbone`` and the ledger.

Weights and noise are computed once a step for every organization (``perceive``); the compiled rules in
``cisim.organizations.behaviour`` read them.
"""

from __future__ import annotations

import numpy as np

from cisim.organizations.behaviour import AGENDA, COMMUNICATION, MEASUREMENT
from cisim.problem.compiled import kernel


def agenda_weights(domain_mask: np.ndarray, region: np.ndarray, base_budget: np.ndarray, regions: int, capture: float):
    """Each region's common agenda: the weight of each element, ``(R, N)``, summing to 1.

    By need, every element weighs the same. A captured agenda (``capture`` > 0) moves that share of the weight
    to the domains of the region's largest funder (the organization with the largest base budget; the first
    of equals), spread evenly over their elements: the agenda follows the funder's priorities, not need.
    """
    n = domain_mask.shape[1]
    weights = np.full((regions, n), 1.0 / n)
    if capture <= 0:
        return weights
    for r in range(regions):
        rows = np.flatnonzero(region == r)
        if rows.size == 0:
            continue
        funder = rows[np.argmax(base_budget[rows])]
        favoured = domain_mask[funder].astype(float)
        weights[r] = (1 - capture) / n + capture * favoured / favoured.sum()
    return weights


def tracked_elements(n: int, coverage: float) -> np.ndarray:
    """Which elements the shared measurement system tracks: the first share ``coverage`` of them, domain by domain.

    Domains are contiguous blocks of elements, so a coverage of 0.5 on four domains tracks two domains whole
    and leaves two unmeasured (the indicators a coalition agrees on cover part of the problem: source 000's
    "short list of key indicators"). At least one element is tracked.
    """
    tracked = np.zeros(n, dtype=bool)
    tracked[: max(1, int(np.ceil(coverage * n - 1e-9)))] = True
    return tracked


@kernel
def perceive(
    levels: np.ndarray,
    region: np.ndarray,
    member: np.ndarray,
    domain_mask: np.ndarray,
    noise: np.ndarray,
    agenda: np.ndarray,
    tracked: np.ndarray,
    shared_noise: float,
) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]]:
    """The condition levels that apply to each organization, and how each reads outcomes under them.

    Members work under their coalition's levels; outside a coalition every level is 0.

    Args:
        levels: each coalition's condition levels, ``(R, 5)``.
        region: each organization's region.
        member: whether each is a member of its region's coalition.
        domain_mask: the elements of each one's domains, ``(O, N)``.
        noise: each one's data noise.
        agenda: each region's agenda weights, ``(R, N)`` (``agenda_weights``).
        tracked: the elements the shared system tracks, ``(N,)`` (``tracked_elements``).
        shared_noise: the shared system's noise.

    Returns:
        the levels ``(O, 5)``, and the fields of ``cisim.organizations.behaviour.Perception`` as a plain tuple
        (``Perception(*fields)``). Compiled code called from Python returns no named tuple: numba builds one
        by running Python code (it unpickles the class), which a Ctrl-C pending at that moment interrupts;
        numba then calls the nothing it got and the process crashes (a segmentation fault, seen on sweeps
        stopped with Ctrl-C; ``tests/model/test_interrupts.py``). A plain tuple is built without Python code.
    """
    count, n = domain_mask.shape
    applying = np.zeros((count, levels.shape[1]))
    target = np.zeros((count, n))
    plan_target = np.zeros((count, n))
    scale_own, scale_rest = np.zeros(count), np.zeros(count)
    plan_own, plan_rest = np.zeros(count), np.zeros(count)
    own = np.empty(n)
    for o in range(count):
        if member[o]:
            applying[o] = levels[region[o]]
        a, m = applying[o, AGENDA], applying[o, MEASUREMENT]
        own_size = 0
        for e in range(n):
            own_size += domain_mask[o, e]
        for e in range(n):
            own[e] = domain_mask[o, e] / own_size
        scale_own[o], scale_rest[o] = _weigh(
            own, agenda[region[o]], a, m, domain_mask, o, tracked, noise[o], shared_noise, target
        )
        plan_own[o], plan_rest[o] = _weigh(
            own, agenda[region[o]], 1.0, m, domain_mask, o, tracked, noise[o], shared_noise, plan_target
        )
    return applying, (target, scale_own, scale_rest, plan_target, plan_own, plan_rest)


@kernel
def _weigh(
    own: np.ndarray,
    agenda: np.ndarray,
    a: float,
    m: float,
    domain_mask: np.ndarray,
    o: int,
    tracked: np.ndarray,
    noise: float,
    shared_noise: float,
    out: np.ndarray,
) -> tuple[float, float]:
    """Weights of an objective ``(1 - a) own + a agenda`` as organization ``o`` reads it, into ``out[o]``.

    A share ``1 - m`` is read from its own data (noise ``noise`` on its own domains, twice that on the others);
    a share ``m`` from the shared system, which sees the tracked elements only (their weights scaled up to sum
    to 1) with noise ``shared_noise``. Where the objective weighs no tracked element, it weighs what the shared
    system reports, the tracked elements alike (the outcome ``cisim.problem.compiled.tracked_outcomes`` shows),
    never the untracked elements through a system that does not track them.

    Returns:
        the noise of the reading from data on its own domains and on the others (two independent draws). The
        shared system is one system: its error is one draw, carried with the first (the two errors add up, so
        a member never reads with less noise than ``shared_noise`` times its share ``m``).
    """
    n = own.shape[0]
    weights = np.empty(n)
    seen = 0.0
    for e in range(n):
        weights[e] = (1 - a) * own[e] + a * agenda[e]
        seen += weights[e] * tracked[e]
    reported = weights
    if seen == 0:  # it weighs nothing tracked: it weighs what the system reports, the tracked elements alike
        reported = np.ones(n)
        for e in range(n):
            seen += tracked[e]
    weight_own = 0.0
    for e in range(n):
        measured = reported[e] * tracked[e] / seen
        out[o, e] = (1 - m) * weights[e] + m * measured
        if domain_mask[o, e]:
            weight_own += weights[e]
    scale_own = (1 - m) * weight_own * noise + m * shared_noise
    scale_rest = (1 - m) * (1 - weight_own) * 2 * noise
    return scale_own, scale_rest


@kernel
def hearing_chance(member_levels: np.ndarray, informal: float, o: int) -> float:
    """Chance that organization ``o`` hears its peers this step: informally, or more often as a communicating member."""
    return informal + member_levels[o, COMMUNICATION] * (1 - informal)
