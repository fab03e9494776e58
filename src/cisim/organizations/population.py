"""The state of every organization, one row each, so that a step treats all of them in one array operation.

The Mesa agents (``cisim.organizations.agents.Organization``) carry each organization's identity and read
their state from here; the rules that change it are in ``cisim.organizations.behaviour``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cisim.problem import Landscape
from cisim.scenarios.params import Params

#: Sectors and their budget multipliers: agencies and businesses bring larger budgets than community groups.
SECTORS: dict[str, float] = {
    "nonprofit": 1.0,
    "government": 1.5,
    "business": 1.2,
    "philanthropy": 1.3,
    "community": 0.6,
}

#: An organization's capacity never rises above its base (``organizations.capacity``): money brought in
#: (engagement, grants) can make good what coordination costs take, but never buys more search than an
#: organization has alone (MODEL.md section 3, fairness). The base is also the width of the per-step block of
#: candidate draws, the same in every design.
CAPACITY_CEILING = 1


@dataclass
class Population:
    """Every organization's state (rows in creation order; row ``i`` is organization ``i``).

    Attributes:
        region: region each organization works in, shape ``(O,)``.
        sector: index into ``SECTORS``.
        domains: the domains each works in (its main domain first).
        domain_mask: elements of its domains, shape ``(O, N)``.
        portfolio: elements it works on, shape ``(O, N)``; overlaps are duplication, uncovered elements gaps.
        base_budget: budget per step before engagement and grants.
        budget: this step's budget.
        base_capacity: candidate changes it evaluates per revising step on its full program budget.
        capacity: candidate changes it can evaluate next step, after coordination costs.
        noise: standard deviation of the noise in its own outcome data.
        member: whether it is in its region's coalition.
        known: its best known configuration (``solutions = "shared"``), or its own configuration of the whole
            problem (``solutions = "own"``), shape ``(O, N)``.
        costs: what it paid this step for coordination, the backbone and the data system.
        in_plan: whether its candidates went to the coalition's plan this step.
        own_share: share of the problem's elements inside its domains.
        domain_weights: ``domain_mask`` as floats (for batched sums over each organization's domains).
        domain_sizes: elements inside and outside its domains (at least 1 each, for division).
    """

    region: np.ndarray
    sector: np.ndarray
    domains: list[tuple[int, ...]]
    domain_mask: np.ndarray
    portfolio: np.ndarray
    base_budget: np.ndarray
    budget: np.ndarray
    base_capacity: np.ndarray
    capacity: np.ndarray
    noise: np.ndarray
    member: np.ndarray
    known: np.ndarray
    costs: np.ndarray
    in_plan: np.ndarray
    own_share: np.ndarray
    domain_weights: np.ndarray
    domain_sizes: tuple[np.ndarray, np.ndarray]

    def __len__(self) -> int:
        return len(self.region)

    @property
    def candidate_width(self) -> int:
        """Candidate slots per organization and step (the same in every design)."""
        return CAPACITY_CEILING * int(self.base_capacity.max())


def create_population(
    params: Params,
    landscape: Landscape,
    starts: np.ndarray,
    rng: np.random.Generator,
    own_starts: np.ndarray | None = None,
) -> Population:
    """Draw the organizations: sector, domains, portfolio and data noise, from their own random stream.

    Main domains are dealt round a shuffled deck, so every domain has an organization when there are enough
    of them; further domains are drawn at random. Organizations are dealt to regions in turn.

    Args:
        params: the model's parameters.
        landscape: the problem (for its domains).
        starts: each region's starting configuration, shape ``(R, N)``; shared-mode memories start there, and
            in own mode every organization starts from its region's configuration unless ``own_starts`` is given.
        rng: the organizations' stream.
        own_starts: each organization's own starting configuration, shape ``(O, N)``
            (``organizations.start = "random"``, own mode only).
    """
    organizations = params.organizations
    count, n_domains = organizations.n_organizations, params.problem.n_domains
    region = np.arange(count) % params.regions.n_regions
    deck = rng.permutation(n_domains)
    sector = np.empty(count, dtype=np.intp)
    domains: list[tuple[int, ...]] = []
    domain_mask = np.zeros((count, landscape.n_elements), dtype=bool)
    portfolio = np.zeros_like(domain_mask)
    noise = np.empty(count)
    others = organizations.domains_per_organization - 1
    # Each domain's elements, read as a row rather than found again for every organization (a third of the
    # loop's time with 100 organizations in one domain); the draws are the same, in the same order.
    elements_of = landscape.domain_matrix.T > 0
    for index in range(count):
        sector[index] = rng.integers(len(SECTORS))
        main = int(deck[index % n_domains])
        # (choosing no further domain draws nothing from the stream, so it is skipped)
        extra = rng.choice(np.delete(np.arange(n_domains), main), others, replace=False) if others else ()
        domains.append((main, *(int(d) for d in extra)))
        mask = elements_of[main] if not others else elements_of[list(domains[-1])].any(axis=0)
        domain_mask[index] = mask
        covered = mask & (rng.random(landscape.n_elements) < organizations.element_coverage)
        portfolio[index] = covered
        if not covered.any():
            portfolio[index, rng.choice(np.flatnonzero(mask))] = True
        noise[index] = organizations.measurement_noise * rng.uniform(0.5, 1.5)
    base_budget = organizations.budget * np.array(list(SECTORS.values()))[sector]
    base_capacity = np.full(count, organizations.capacity, dtype=np.intp)
    return Population(
        region=region,
        sector=sector,
        domains=domains,
        domain_mask=domain_mask,
        portfolio=portfolio,
        base_budget=base_budget,
        budget=base_budget.copy(),
        base_capacity=base_capacity,
        capacity=base_capacity.copy(),
        noise=noise,
        member=np.zeros(count, dtype=bool),
        known=starts[region].copy() if own_starts is None else own_starts.copy(),
        costs=np.zeros(count),
        in_plan=np.zeros(count, dtype=bool),
        own_share=domain_mask.mean(axis=1),
        domain_weights=domain_mask.astype(float),
        domain_sizes=(domain_mask.sum(axis=1), np.maximum((~domain_mask).sum(axis=1), 1)),
    )
