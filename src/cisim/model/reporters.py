"""Named reporter functions for Mesa's DataCollector: picklable and reusable by analysis and plots."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from cisim.model.model import CollectiveImpactModel


def community_outcome(model: CollectiveImpactModel) -> float:
    """Community outcome: mean over regions of the normalised outcome (share of achievable progress)."""
    return float(model.landscape.outcome(model.configs()).mean())


def domain_outcome(model: CollectiveImpactModel, domain: int) -> float:
    """Outcome of one domain, averaged over regions."""
    return float(model.landscape.domain_outcomes(model.configs())[:, domain].mean())


def duplication_index(model: CollectiveImpactModel) -> float:
    """Share of effort spent on elements that another organization in the same region also works on."""
    duplicated = total = 0.0
    for region in model.regions:
        effort, portfolios = region.effort_weights()
        shared = portfolios.sum(axis=0) >= 2
        duplicated += float(effort[:, shared].sum())
        total += float(effort.sum())
    return duplicated / total if total else 0.0


def gap_share(model: CollectiveImpactModel) -> float:
    """Share of elements that no organization in their region works on."""
    return float(np.mean([(region.portfolios().sum(axis=0) == 0).mean() for region in model.regions]))


def coordination_cost(model: CollectiveImpactModel) -> float:
    """Members' meeting and reporting costs this step."""
    return model.ledger["coordination_cost"]


def backbone_cost(model: CollectiveImpactModel) -> float:
    """Backbone and shared data system costs this step."""
    return model.ledger["backbone_cost"]


def spend(model: CollectiveImpactModel) -> float:
    """Everything spent this step (all budgets, including grants)."""
    return model.ledger["spend"]


def total_spend(model: CollectiveImpactModel) -> float:
    """Everything spent so far."""
    return model.ledger["total_spend"]


#: Cost-effectiveness is reported in percentage points of progress per this much spent.
SPEND_UNIT = 100_000


def cost_effectiveness(model: CollectiveImpactModel) -> float:
    """Percentage points of progress gained since the start per 100,000 spent."""
    spent = model.ledger["total_spend"]
    return points_per_spend(community_outcome(model) - model.initial_outcome, spent)


def points_per_spend(gain: float, spent: float) -> float:
    """Percentage points of outcome gained per ``SPEND_UNIT`` spent (NaN before anything is spent)."""
    return 100 * gain / spent * SPEND_UNIT if spent else float("nan")


def mean_trust(model: CollectiveImpactModel) -> float:
    """Mean trust over all communication links."""
    trust = np.concatenate([region.network.trust for region in model.regions])
    return float(trust.mean()) if trust.size else 0.0


def coalition_size(model: CollectiveImpactModel) -> int:
    """Organizations in a coalition, over all regions."""
    return sum(len(region.members) for region in model.regions)


def mean_capacity(model: CollectiveImpactModel) -> float:
    """Mean number of changes organizations can attempt next step, after overhead and coordination costs."""
    return float(np.mean([organization.capacity for organization in model.organizations]))


def adoptions(model: CollectiveImpactModel) -> float:
    """Better configurations adopted from others this step (network and communities of practice)."""
    return model.ledger["adoptions"]


def condition_level(model: CollectiveImpactModel, condition: str) -> float:
    """Level of one condition, averaged over regions that have a coalition (0 where none has)."""
    levels = [region.levels[condition] for region in model.regions if region.has_coalition]
    return float(np.mean(levels)) if levels else 0.0


def engagement(model: CollectiveImpactModel) -> float:
    """Community engagement built by public will, averaged over regions."""
    return float(np.mean([region.engagement for region in model.regions]))


def funds_mobilized(model: CollectiveImpactModel) -> float:
    """Grants and joint-bid funds brought in so far."""
    grants = sum(region.backbone.funds_mobilized for region in model.regions if region.backbone)
    return grants + model.ledger["joint_bid_funds"]


def policy_wins(model: CollectiveImpactModel) -> int:
    """Policy changes won so far."""
    return sum(region.backbone.policy_wins for region in model.regions if region.backbone)
