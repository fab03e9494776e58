"""What organizations do each step, for all of them at once: perceive, propose, decide, learn, remember.

Each rule is written once, as array operations over every organization (rows) and its candidate changes
(columns); ``cisim.organizations.agents.Organization`` documents the rules from one organization's side.

Search effort is the same in every design (MODEL.md section 3, fairness): an organization that revises its
programs in a step evaluates ``capacity`` candidate changes, whether it then decides alone or brings them to
the coalition's plan. Coordination changes which candidates are chosen, never how many are evaluated.

Every random number a rule uses is drawn by the model in a block of fixed shape per step from its own stream
(``cisim.model.model.Draws``), so two designs run with one seed share every draw their designs allow.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, overload

import numpy as np

from cisim.organizations.population import Population
from cisim.problem import Landscape
from cisim.scenarios.schema import CONDITIONS

AGENDA, MEASUREMENT, REINFORCING, COMMUNICATION, BACKBONE = (CONDITIONS.index(c) for c in CONDITIONS)


# --------------------------------------------------------------------------- perception
@overload
def data_noise(own: float, measurement: float, shared_noise: float) -> float: ...
@overload
def data_noise(own: np.ndarray, measurement: np.ndarray, shared_noise: float) -> np.ndarray: ...
def data_noise(own: Any, measurement: Any, shared_noise: float) -> Any:
    """Noise of a reading: shared measurement (``measurement``) pulls one's own data noise to the shared system's."""
    return own * (1 - measurement) + shared_noise * measurement


def sharing_chance(trust: np.ndarray, platform: float) -> np.ndarray:
    """Chance that what one knows reaches another: the trust between them, lifted by a shared platform (003)."""
    return trust + platform * (1 - trust)


@dataclass(frozen=True)
class Perception:
    """How each organization sees outcomes this step: the weights of its objective and the noise of its data.

    The objective is ``(1 - a)`` x its own domains' outcome + ``a`` x the community outcome (common agenda a).
    The community outcome is its own domains (share ``w`` of the elements) and the rest; it reads its own
    domains with its own data noise and the rest, pieced together from others' reports, with twice that.
    Shared measurement (m) pulls both towards the shared system's noise.

    Attributes:
        weight_own: weight of its own domains' outcome, ``(1 - a) + a w``.
        weight_rest: weight of the other domains' outcome, ``a (1 - w)``.
        noise_own: noise in its reading of its own domains, ``s (1 - m) + s_shared m``.
        noise_rest: noise in its reading of the other domains, ``2 s (1 - m) + s_shared m``.
    """

    weight_own: np.ndarray
    weight_rest: np.ndarray
    noise_own: np.ndarray
    noise_rest: np.ndarray


def perception(population: Population, levels: np.ndarray, shared_noise: float) -> Perception:
    """Each organization's perception under the condition levels that apply to it, shape ``(O, 5)``."""
    agenda, measurement = levels[:, AGENDA], levels[:, MEASUREMENT]
    own_share = population.own_share
    return Perception(
        weight_own=(1 - agenda) + agenda * own_share,
        weight_rest=agenda * (1 - own_share),
        noise_own=data_noise(population.noise, measurement, shared_noise),
        noise_rest=data_noise(2 * population.noise, measurement, shared_noise),
    )


@dataclass(frozen=True)
class Views:
    """True outcomes of configurations as one organization's data would show them (before noise).

    Each array has shape ``(O, S)``: organization, configuration.
    """

    own: np.ndarray
    rest: np.ndarray
    community: np.ndarray

    def perceived(self, perception: Perception, z_own: np.ndarray, z_rest: np.ndarray) -> np.ndarray:
        """The organization's noisy objective, given standard normal draws shaped like the views."""
        own = self.own + perception.noise_own[:, None] * z_own
        rest = self.rest + perception.noise_rest[:, None] * z_rest
        return perception.weight_own[:, None] * own + perception.weight_rest[:, None] * rest


def views(landscape: Landscape, configs: np.ndarray, population: Population, stale: StaleData | None = None) -> Views:
    """Evaluate every organization's configurations in one batch; ``configs`` has shape ``(O, S, N)``.

    With ``stale`` data, the organizations it names read the problem as it was when their data were collected.
    """
    count, slots, n = configs.shape
    contributions = landscape.contributions(configs.reshape(-1, n)).reshape(count, slots, n)
    if stale is not None:
        for rows, tables in stale.groups:
            contributions[rows] = landscape.contributions(configs[rows].reshape(-1, n), tables).reshape(-1, slots, n)
    total = contributions.sum(axis=2)
    own_total = np.einsum("osn,on->os", contributions, population.domain_weights)
    own_size, rest_size = population.domain_sizes
    # An organization working in every domain has no "rest"; its weight is then 0, any finite value will do.
    rest = (total - own_total) / rest_size[:, None]
    own, rest, community = landscape.normalise(np.stack([own_total / own_size[:, None], rest, total / n]))
    return Views(own=own, rest=rest, community=community)


@dataclass(frozen=True)
class StaleData:
    """Organizations whose outcome data lag behind the problem, with the tables their data describe.

    Own data describe the problem as it was ``organizations.data_lag x (1 - m)`` steps ago; a shared
    measurement system (m) makes them timely. Only a problem that has changed since makes a difference.

    Attributes:
        groups: pairs of (organizations, as a boolean mask; the contribution tables their data describe).
    """

    groups: tuple[tuple[np.ndarray, np.ndarray], ...]


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


def propose(
    population: Population,
    current: np.ndarray,
    capacity: np.ndarray,
    keys: np.ndarray,
    whole_problem: bool,
) -> Candidates:
    """``capacity`` candidate changes per organization, or as many as it has elements to change.

    Where its memory differs from the current state on elements it works on, one candidate moves those
    elements (up to ``capacity`` of them) to its best known configuration (memory and imitation); the other
    candidates each change one element it works on, distinct elements drawn at random.

    Args:
        population: the organizations.
        current: the configuration each organization acts on, shape ``(O, N)``.
        capacity: candidates each may evaluate, shape ``(O,)``.
        keys: uniform draws, shape ``(O, N)``: the random order in which elements are tried.
        whole_problem: own-solution mode: any element may change, and there is no memory move.
    """
    count, n = current.shape
    width = population.candidate_width
    capacity = np.minimum(capacity, width)
    eligible = np.ones_like(current) if whole_problem else population.portfolio
    # As many candidates as capacity allows and elements it works on: the memory move takes one of the slots.
    total = np.minimum(capacity, eligible.sum(axis=1))
    toward = np.zeros_like(current) if whole_problem else eligible & (population.known != current)
    has_toward = toward.any(axis=1) & (total > 0)
    # Memory move: the `capacity` differing elements that come first in the random order.
    toward_keys = np.where(toward, keys, 2.0)
    cutoff = np.take_along_axis(np.sort(toward_keys, axis=1), np.maximum(total - 1, 0)[:, None], axis=1)
    toward_move = toward & (toward_keys <= cutoff)
    # Single changes: eligible elements in the random order.
    order = np.argsort(np.where(eligible, keys, 2.0), axis=1)
    singles = total - has_toward
    slots = np.arange(width)
    single_index = slots[None, :] - has_toward[:, None]
    is_single = (single_index >= 0) & (single_index < singles[:, None])
    element = np.take_along_axis(order, np.clip(single_index, 0, n - 1), axis=1)
    flips = np.zeros((count, width, n), dtype=bool)
    rows, columns = np.nonzero(is_single)
    flips[rows, columns, element[rows, columns]] = True
    flips[has_toward, 0] = toward_move[has_toward]
    valid = is_single.copy()
    valid[:, 0] |= has_toward
    configs = np.concatenate([current[:, None, :], current[:, None, :] ^ flips], axis=1)
    return Candidates(flips=flips, valid=valid, configs=configs)


def best_candidate(values: np.ndarray, valid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each row's best valid candidate and whether it beats the status quo (column 0 of ``values``)."""
    masked = np.where(valid, values[:, 1:], -np.inf)
    best = masked.argmax(axis=1)
    better = masked[np.arange(len(best)), best] > values[:, 0]
    return best, better


def decide_alone(candidates: Candidates, values: np.ndarray, deciding: np.ndarray) -> np.ndarray:
    """Each deciding organization takes its best candidate if its own noisy objective says it beats the status quo.

    Organizations decide at the same time, each against the same state: none anticipates what the others will
    change, which is what makes uncoordinated action costly on problems whose elements interact.

    Returns:
        the elements each organization changes, shape ``(O, N)`` (all False where it changes nothing).
    """
    best, better = best_candidate(values, candidates.valid)
    take = deciding & better
    changes = candidates.flips[np.arange(len(best)), best]
    changes[~take] = False
    return changes


# --------------------------------------------------------------------------- learning from others
def consider(
    landscape: Landscape,
    population: Population,
    perception: Perception,
    offers: np.ndarray,
    offered: np.ndarray,
    z: np.ndarray,
    stale: StaleData | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Each organization compares what it knows with configurations offered to it and picks the best it sees.

    Args:
        landscape: the problem.
        population: the organizations (their ``known`` configurations are the status quo).
        perception: how each sees outcomes.
        offers: configurations offered, shape ``(O, S, N)``.
        offered: which offers are real, shape ``(O, S)``.
        z: standard normal draws, shape ``(O, S + 1, 2)`` (own and rest readings, status quo first).
        stale: organizations whose data lag behind the problem.

    Returns:
        for each organization, the index of the offer it takes up and whether it takes one up.
    """
    configs = np.concatenate([population.known[:, None, :], offers], axis=1)
    values = views(landscape, configs, population, stale).perceived(perception, z[..., 0], z[..., 1])
    differs = (offers != population.known[:, None, :]).any(axis=2) & offered
    return best_candidate(values, differs)


def remember(
    landscape: Landscape,
    population: Population,
    perception: Perception,
    current: np.ndarray,
    found: np.ndarray,
    z: np.ndarray,
    stale: StaleData | None = None,
) -> int:
    """Keep the best of what it knows, the state now, and the best change it found this step (its memory).

    Args:
        landscape: the problem.
        population: the organizations; ``known`` is updated.
        perception: how each sees outcomes.
        current: the state each organization now acts on, ``(O, N)``.
        found: the best candidate configuration each evaluated this step (its status quo if none), ``(O, N)``.
        z: standard normal draws, ``(O, 3, 2)``.
        stale: organizations whose data lag behind the problem.

    Returns:
        how many organizations changed what they remember.
    """
    offers = np.stack([current, found], axis=1)
    index, take = consider(landscape, population, perception, offers, np.ones(offers.shape[:2], bool), z, stale)
    rows = np.flatnonzero(take)
    population.known[rows] = offers[rows, index[rows]]
    return len(rows)


def copy_with_errors(source: np.ndarray, error_rate: float, draws: np.ndarray) -> np.ndarray:
    """A copy of ``source`` in which each element comes out wrong with probability ``error_rate``."""
    return source ^ (draws < error_rate) if error_rate > 0 else source.copy()


# --------------------------------------------------------------------------- membership
def review_membership(
    population: Population,
    benefit: np.ndarray,
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
    """
    cost = np.where(population.member, population.costs, expected_cost) / population.budget
    margin = benefit - cost
    chance = np.abs(margin) / (np.abs(margin) + 0.05)
    moves = reviewing & has_coalition[population.region] & (decide < chance)
    leave = moves & population.member & (margin < 0)
    join = moves & ~population.member & (margin > 0)
    population.member[leave] = False
    population.member[join] = True
