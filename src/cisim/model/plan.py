"""The coalition's plan: joint choice among members' candidate changes, and re-assignment of work.

This is the mechanism behind mutually reinforcing activities (source 000: "a set of differentiated
activities coordinated through a mutually reinforcing plan of action"). The plan adds no search: it chooses
among the candidates its participants evaluated this step, at most one per participant, as they would have
alone. What it adds is better choice: pooled, less noisy information about the community outcome, and joint
acceptance (conflicting changes dropped, the combination checked once before it is taken).
"""

from __future__ import annotations

import numpy as np

from cisim.organizations.behaviour import Candidates, data_noise, sharing_chance
from cisim.organizations.population import Population
from cisim.problem import Landscape


def pooled_noise(population: Population, participants: np.ndarray, shared: float, shared_noise: float) -> float:
    """Noise of the coalition's reading of the community outcome.

    Each participant reads the community outcome from its own data (its own domains with its noise ``s``, the
    rest with ``2 s``); pooling independent readings averages their errors. Shared measurement replaces the
    pieced-together readings by the shared system's one reading, with its own noise.
    """
    share = population.own_share[participants]
    own_data = population.noise[participants] * np.sqrt(share**2 + 4 * (1 - share) ** 2)
    pooled = float(np.sqrt(np.sum(own_data**2))) / len(participants)
    return float(data_noise(pooled, shared, shared_noise))


def joint_plan(
    landscape: Landscape,
    config: np.ndarray,
    candidates: Candidates,
    community: np.ndarray,
    z: np.ndarray,
    participants: np.ndarray,
    submitted: np.ndarray,
    noise: float,
    z_combination: float,
    tables: np.ndarray | None = None,
) -> np.ndarray:
    """The change the coalition makes to its region's state this step (all False: none).

    Args:
        landscape: the problem.
        config: the region's community configuration.
        candidates: every organization's candidates this step.
        community: true community outcome of every organization's status quo and candidates, ``(O, C + 1)``.
        z: standard normal draws for the readings of those configurations, ``(O, C + 1)`` (the same draws
            an organization's own reading uses, so the plan and a lone decision share their luck).
        participants: organizations whose candidates reach the plan.
        submitted: which of their candidates they table, ``(O, C)``.
        noise: the coalition's pooled measurement noise.
        z_combination: a standard normal draw for the one reading of the combined change.
        tables: the problem as the participants' data describe it (None: as it is now).

    Each participant's best tabled candidate is kept if the coalition reads it as better than the status
    quo; where kept changes touch the same element, the better one stays. A single change is taken as it
    is; several are read once together and taken together if that reading beats the best single change,
    otherwise the best single change alone is taken.
    """
    none = np.zeros_like(config)
    if not len(participants):
        return none
    values = community[participants] + noise * z[participants]
    status_quo = community[participants[0], 0] + noise * z[participants, 0].sum() / np.sqrt(len(participants))
    tabled = np.where(submitted[participants], values[:, 1:], -np.inf)
    best = tabled.argmax(axis=1)
    score = tabled[np.arange(len(best)), best]
    kept = score > status_quo
    if not kept.any():
        return none
    flips = candidates.flips[participants[kept], best[kept]]
    score = score[kept]
    # Where kept changes overlap, the element goes to the best-read one; a change keeps all its elements or none.
    winner = np.where(flips, score[:, None], -np.inf).argmax(axis=0)
    keep = ~(flips & (winner[None, :] != np.arange(len(score))[:, None])).any(axis=1)
    flips, score = flips[keep], score[keep]
    best_single = int(score.argmax())
    if len(score) == 1:
        return flips[0].copy()
    combined = flips.any(axis=0)
    reading = landscape.contributions(config ^ combined, tables).mean(axis=-1)
    together = landscape.normalise(reading)[0] + noise * z_combination
    return combined if together > score[best_single] else flips[best_single].copy()


def tabled(candidates: Candidates, values: np.ndarray, revising: np.ndarray, all_in: np.ndarray) -> np.ndarray:
    """Which candidates each participant brings to the plan, ``(O, C)``.

    Under a common agenda it tables all of them (with probability equal to the agenda level: ``all_in``);
    otherwise only those its own objective favours: without a shared goal, members table what serves their
    own domains. Organizations that do not revise this step table nothing.
    """
    favoured = values[:, 1:] > values[:, [0]]
    return candidates.valid & revising[:, None] & (all_in[:, None] | favoured)


def realign(population: Population, region_rows: np.ndarray, members: np.ndarray, draws: np.ndarray) -> None:
    """Re-assign one duplicated element and cover one gap by comparative advantage.

    A duplicated element (worked by two or more members) stays with the member best placed for it (working
    in its domain, most capacity, least noise); the others drop it unless it is their only element. A gap (an
    element nobody in the region works on) goes to the best placed member, the less loaded the better.
    Non-members are untouched: the plan only binds the coalition.

    Args:
        population: the organizations.
        region_rows: every organization of the region.
        members: its coalition's members.
        draws: two uniform draws (which duplicated element, which gap).
    """
    if not len(members):
        return
    portfolio = population.portfolio
    duplicated = np.flatnonzero((portfolio[region_rows].sum(axis=0) >= 2) & (portfolio[members].sum(axis=0) >= 2))
    if duplicated.size:
        element = duplicated[int(draws[0] * duplicated.size)]
        holders = members[portfolio[members, element]]
        keeper = holders[_advantage(population, holders, element).argmax()]
        dropping = holders[(holders != keeper) & (portfolio[holders].sum(axis=1) > 1)]
        portfolio[dropping, element] = False
    gaps = np.flatnonzero(portfolio[region_rows].sum(axis=0) == 0)
    if gaps.size:
        element = gaps[int(draws[1] * gaps.size)]
        load = portfolio[members].sum(axis=1)
        taker = members[(_advantage(population, members, element) - 0.01 * load).argmax()]
        portfolio[taker, element] = True


def _advantage(population: Population, rows: np.ndarray, element: int) -> np.ndarray:
    """How well placed organizations are for an element: in their domains first, then capacity, then data."""
    return population.domain_mask[rows, element] * 10.0 + population.base_capacity[rows] - population.noise[rows]


def participants_of(
    population: Population, members: np.ndarray, trust: np.ndarray, platform: float, draws: np.ndarray
) -> np.ndarray:
    """Members who bring their candidates to the plan this step.

    A member takes part with probability equal to its trust towards the others (a shared platform lifts it,
    source 003): continuous communication builds the trust that joint planning needs.
    """
    chance = sharing_chance(trust[members], platform)
    return members[draws[members] < chance]
