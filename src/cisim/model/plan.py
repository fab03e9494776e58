"""The coalition's plan: joint evaluation of members' proposals, and re-assignment of work.

This is the mechanism behind mutually reinforcing activities (source 000: "a set of differentiated
activities coordinated through a mutually reinforcing plan of action"). Its cost grows polynomially with
the number of proposals: greedy rounds, each one batch evaluation of the remaining proposals plus a
sample of pairs, never an enumeration of all combinations.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from cisim.model.region import Region
    from cisim.organizations.agents import Organization
    from cisim.problem.landscape import Landscape


def choose_participants(region: Region, platform: float, rng: np.random.Generator) -> list[Organization]:
    """Members who bring their proposals to the plan this step.

    A member takes part with probability equal to its trust towards the others (a shared platform lifts
    it, source 003): continuous communication builds the trust that joint planning needs.
    """
    participants = []
    for member in region.members:
        trust = region.network.trust_of(member.local_index)
        member.in_plan = bool(rng.random() < trust + platform * (1 - trust))
        if member.in_plan:
            participants.append(member)
    return participants


def joint_plan(
    region: Region,
    participants: list[Organization],
    landscape: Landscape,
    noise: float,
    rng: np.random.Generator,
    rounds: int,
) -> int:
    """Combine participants' proposals into the best plan the coalition can see, and apply it.

    Each participant submits its proposals (``Organization.submissions``). Duplicated proposals are
    merged; in each round the remaining proposals and a sample of pairs of compatible proposals are
    evaluated as one batch against the community outcome (with the coalition's measurement noise); the
    best is taken if it beats the status quo, and proposals that touch the same elements are dropped as
    conflicting. At most ``rounds`` rounds: the model gives the plan the same pace of change as the
    participants would have alone, so what the plan adds is better choices, not more of them.

    Returns:
        the number of proposals (or pairs) taken.
    """
    proposals = [moves for moves in (member.submissions() for member in participants) if len(moves)]
    if not proposals:
        return 0
    moves = np.unique(np.vstack(proposals), axis=0)
    config = region.config
    taken = 0
    for _ in range(rounds):
        if not len(moves):
            break
        candidates = np.vstack([moves, _sample_pairs(moves, rng)])
        configs = np.vstack([config, config ^ candidates])
        values = landscape.outcome(configs) + rng.normal(0.0, noise, len(configs))
        best = int(values[1:].argmax())
        if values[best + 1] <= values[0]:
            break
        chosen = candidates[best]
        config = config ^ chosen
        moves = moves[~(moves & chosen).any(axis=1)]
        taken += 1
    region.config = config
    region.changes += taken
    return taken


def _sample_pairs(moves: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Up to ``len(moves)`` random pairs of proposals that touch different elements, merged."""
    count = len(moves)
    if count < 2:
        return np.zeros((0, moves.shape[1]), dtype=bool)
    first = rng.integers(count, size=count)
    second = rng.integers(count, size=count)
    compatible = (first != second) & ~(moves[first] & moves[second]).any(axis=1)
    return moves[first[compatible]] | moves[second[compatible]]


def realign(region: Region, rng: np.random.Generator) -> None:
    """Re-assign one duplicated element and cover one gap by comparative advantage.

    A duplicated element stays with the member best placed for it (working in its domain, most capacity,
    least noise); the others drop it. A gap goes to the best placed member. Non-members are untouched:
    the plan only binds the coalition.
    """
    members = region.members
    if not members:
        return
    portfolios = region.portfolios()
    workers = portfolios.sum(axis=0)
    member_rows = [member.local_index for member in members]
    member_portfolios = portfolios[member_rows]
    duplicated = np.flatnonzero((workers >= 2) & (member_portfolios.sum(axis=0) >= 2))
    if duplicated.size:
        element = int(rng.choice(duplicated))
        holders = [m for m in members if m.portfolio[element]]
        keeper = max(holders, key=lambda m: _advantage(m, element))
        for member in holders:
            if member is not keeper and member.portfolio.sum() > 1:
                member.portfolio = member.portfolio.copy()
                member.portfolio[element] = False
    gaps = np.flatnonzero(region.portfolios().sum(axis=0) == 0)
    if gaps.size:
        element = int(rng.choice(gaps))
        taker = max(members, key=lambda m: _advantage(m, element) - 0.01 * m.portfolio.sum())
        taker.portfolio = taker.portfolio.copy()
        taker.portfolio[element] = True


def _advantage(member: Organization, element: int) -> float:
    """How well placed a member is to work on an element: in its domains first, then capacity, then data."""
    return float(member.domain_mask[element]) * 10 + member.base_capacity - member.measurement_noise
