"""Named reporter functions for Mesa's DataCollector: picklable and reusable by the page and the analysis.

Their names and meanings are listed once in ``cisim.model.outputs``.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import numpy as np

from cisim.scenarios.schema import CONDITIONS

#: Cost-effectiveness is reported in percentage points of progress per this much spent.
SPEND_UNIT = 100_000


def measure(model: Any) -> dict[str, Any]:
    """Outcomes of the current state, computed once per step and shared by the reporters that need them.

    ``outcomes`` holds one value per region (own-solution mode: per organization); domain outcomes are
    computed when first asked for.
    """
    return {"outcomes": model.landscape.outcome(_state(model)), "domains": None}


def community_outcome(model: Any) -> float:
    """Share of what is achievable now: mean over regions (own-solution mode: over organizations)."""
    return float(model.snapshot["outcomes"].mean())


def policy_gain(model: Any) -> float:
    """How far policy wins have raised the best achievable outcome (share of the range without them)."""
    return float(model.landscape.policy_gain)


def domain_outcome(model: Any, domain: int) -> float:
    """Share of what is achievable now in one domain, mean over regions (or organizations)."""
    snapshot = model.snapshot
    if snapshot["domains"] is None:
        snapshot["domains"] = model.landscape.domain_outcomes(_state(model)).mean(axis=0)
    return float(snapshot["domains"][domain])


def _state(model: Any) -> np.ndarray:
    return model.population.known if model.own_solutions else model.configs()


def _workers(model: Any) -> np.ndarray:
    """How many organizations work on each element, per region, shape ``(R, N)``."""
    population = model.population
    workers = np.zeros((len(model.regions), population.portfolio.shape[1]))
    np.add.at(workers, population.region, population.portfolio)
    return workers


def duplication_index(model: Any) -> float:
    """Share of effort spent on elements that another organization in the same region also works on.

    An organization's effort is its base capacity spread evenly over the elements it works on.
    """
    population = model.population
    portfolio = population.portfolio
    effort = portfolio * (population.base_capacity / np.maximum(portfolio.sum(axis=1), 1))[:, None]
    shared = _workers(model)[population.region] >= 2
    total = effort.sum()
    return float(effort[shared].sum() / total) if total else 0.0


def gap_share(model: Any) -> float:
    """Share of elements that no organization in their region works on (mean over regions)."""
    return float((_workers(model) == 0).mean())


def program_spend(model: Any) -> float:
    """What organizations spent on their own programs (overhead included) this step."""
    return model.ledger.program_spend


def coordination_cost(model: Any) -> float:
    """Members' meeting and reporting costs this step."""
    return model.ledger.coordination_cost


def backbone_cost(model: Any) -> float:
    """Backbone running and shared data system costs this step."""
    return model.ledger.backbone_cost


def spend(model: Any) -> float:
    """Everything spent this step: program spend + coordination cost + backbone cost."""
    return model.ledger.spend


def total_spend(model: Any) -> float:
    """Everything spent so far."""
    return model.ledger.total_spend


def income(model: Any) -> float:
    """Money brought in from outside this step."""
    return model.ledger.income


def total_income(model: Any) -> float:
    """Money brought in from outside so far."""
    return model.ledger.total_income


def cost_effectiveness(model: Any) -> float:
    """Percentage points of community outcome gained since the start per 100,000 spent."""
    return points_per_spend(community_outcome(model) - model.initial_outcome, model.ledger.total_spend)


def points_per_spend(gain: float, spent: float) -> float:
    """Percentage points of outcome gained per ``SPEND_UNIT`` spent (NaN before anything is spent)."""
    return 100 * gain / spent * SPEND_UNIT if spent else float("nan")


def candidates_evaluated(model: Any) -> int:
    """Candidate changes organizations evaluated this step."""
    return model.candidates_evaluated


def mean_trust(model: Any) -> float:
    """Mean trust over all communication links."""
    trust = model.network.trust
    return float(trust.mean()) if trust.size else 0.0


def coalition_size(model: Any) -> int:
    """Organizations in a coalition, over all regions."""
    return int(model.population.member.sum())


def mean_capacity(model: Any) -> float:
    """Mean number of candidate changes organizations can evaluate next step."""
    return float(model.population.capacity.mean())


def adoptions(model: Any) -> int:
    """Better configurations taken up from others this step (network and communities of practice)."""
    return model.adoptions


def condition_level(model: Any, condition: str) -> float:
    """Level of one condition, mean over regions that have a coalition (0 where none has)."""
    levels = model.levels[model.has_coalition, CONDITIONS.index(condition)]
    return float(levels.sum() / len(levels)) if len(levels) else 0.0


def engagement(model: Any) -> float:
    """Community engagement built by public will, mean over regions."""
    return sum(region.engagement for region in model.regions) / len(model.regions)


def funds_mobilized(model: Any) -> float:
    """Grants and joint-bid funds brought in so far."""
    grants = sum(region.backbone.funds_mobilized for region in model.regions if region.backbone)
    return grants + model.ledger.joint_bid_funds


def policy_wins(model: Any) -> int:
    """Policy changes won so far."""
    return sum(region.backbone.policy_wins for region in model.regions if region.backbone)


_SIMPLE = (
    policy_gain,
    duplication_index,
    gap_share,
    program_spend,
    coordination_cost,
    backbone_cost,
    spend,
    total_spend,
    income,
    total_income,
    cost_effectiveness,
    candidates_evaluated,
    mean_trust,
    coalition_size,
    mean_capacity,
    adoptions,
    engagement,
    funds_mobilized,
    policy_wins,
)


def model_reporters(n_domains: int) -> dict[str, Any]:
    """The per-step outputs (``cisim.model.outputs.STEP_OUTPUTS``), as named, picklable reporter functions."""
    table: dict[str, Any] = {"community_outcome": community_outcome}
    table["policy_gain"] = policy_gain
    table.update({f"outcome_domain_{d}": partial(domain_outcome, domain=d) for d in range(n_domains)})
    table.update({function.__name__: function for function in _SIMPLE[1:]})
    table.update({f"level_{c}": partial(condition_level, condition=c) for c in CONDITIONS})
    return table


#: Each organization's state, collected with the model outputs when ``run.agent_data`` is on.
AGENT_REPORTERS: dict[str, str] = {
    "region": "region",
    "sector": "sector",
    "member": "member",
    "elements": "elements",
    "budget": "budget",
    "capacity": "capacity",
    "measurement_noise": "measurement_noise",
    "trust": "trust",
    "outcome": "outcome",
}
