"""The classroom's one window on the model: build a model, and read its state as plain data.

Everything the page and the demonstrations know about a running model comes through this module, as numpy
arrays, pandas frames and small frozen dataclasses. Nothing else in ``cisim.classroom`` touches the model's
attributes, so a change in how the model stores its organizations, networks or backbones is met here alone.
Series are read by the output names of ``cisim.model.outputs``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from cisim.model import CollectiveImpactModel
from cisim.model.outputs import STEP_OUTPUTS
from cisim.scenarios.scenario import Scenario
from cisim.scenarios.schema import CONDITIONS

#: Per-step outputs the classroom shows, looked up in ``cisim.model.outputs.STEP_OUTPUTS`` so that a renamed
#: output fails here, on import, rather than on the page.
OUTCOME = STEP_OUTPUTS["community_outcome"].name
DUPLICATION = STEP_OUTPUTS["duplication_index"].name
GAPS = STEP_OUTPUTS["gap_share"].name
POLICY_GAIN = STEP_OUTPUTS["policy_gain"].name
#: The ledger: spend is the sum of its three lines; income (money brought in from outside) is apart.
SPEND = STEP_OUTPUTS["spend"].name
PROGRAM_SPEND = STEP_OUTPUTS["program_spend"].name
COORDINATION_COST = STEP_OUTPUTS["coordination_cost"].name
BACKBONE_COST = STEP_OUTPUTS["backbone_cost"].name
INCOME = STEP_OUTPUTS["income"].name
TOTAL_SPEND = STEP_OUTPUTS["total_spend"].name
TOTAL_INCOME = STEP_OUTPUTS["total_income"].name
#: One column per condition (``level_<condition>``): its level, averaged over regions with a coalition.
LEVELS = {
    condition: STEP_OUTPUTS["level_<condition>"].name.replace("<condition>", condition) for condition in CONDITIONS
}


def build_model(scenario: Scenario, seed: int) -> Any:
    """A model of ``scenario`` (already under its arm) seeded with ``seed``.

    Two models built from one scenario under two arms with one seed face the same problem, organizations,
    networks and starting state (common random numbers).
    """
    return CollectiveImpactModel.from_scenario(scenario, rng=seed)


def series(model: Any) -> pd.DataFrame:
    """The model's per-step outputs so far: one row per step (step 0 is the starting state), one column per output."""
    frame = model.datacollector.get_model_vars_dataframe()
    frame.index.name = "step"
    return frame


def conditions_change(scenario: Scenario) -> bool:
    """Whether the condition levels of ``scenario``'s coalition change during a run (worth a view over time).

    Levels move only when they are built (``conditions.dynamics = "built"``): a backbone raises them and
    without one they erode. Fixed levels (the default) stay as the design names them for the whole run.
    """
    has_coalition = any(scenario[f"conditions.{condition}"] > 0 for condition in CONDITIONS)
    return has_coalition and scenario["conditions.dynamics"] == "built"


@dataclass(frozen=True)
class NetworkState:
    """Who the organizations are and who talks to whom, at one moment.

    Organizations are numbered in creation order; the same seed numbers them alike in every coalition design.

    Attributes:
        n_domains: domains of the problem.
        region: each organization's region.
        domain: each organization's main domain.
        budget: each organization's budget this step.
        member: whether each organization is in its region's coalition.
        edges: communication links, one row of two organization numbers per link.
        trust: trust on each link, in [0, 1].
        contact: whether each link carried something shared this step.
        backbone_regions: regions whose coalition has a backbone organization.
    """

    n_domains: int
    region: np.ndarray
    domain: np.ndarray
    budget: np.ndarray
    member: np.ndarray
    edges: np.ndarray
    trust: np.ndarray
    contact: np.ndarray
    backbone_regions: tuple[int, ...]

    @property
    def n_regions(self) -> int:
        """Regions the organizations work in."""
        return int(self.region.max()) + 1 if self.region.size else 0


def network(model: Any) -> NetworkState:
    """The organizations, their links and trust, and the backbones, as plain arrays."""
    population = model.population
    return NetworkState(
        n_domains=int(model.params.problem.n_domains),
        region=population.region.copy(),
        domain=np.array([domains[0] for domains in population.domains], dtype=np.intp),
        budget=population.budget.copy(),
        member=population.member.copy(),
        edges=model.network.edges.copy(),
        trust=model.network.trust.copy(),
        contact=model.network.touched.copy(),
        backbone_regions=tuple(region.index for region in model.regions if region.backbone is not None),
    )


@dataclass(frozen=True)
class Snapshot:
    """Everything the classroom's views show of one simulation at one step."""

    series: pd.DataFrame
    network: NetworkState

    @property
    def step(self) -> int:
        """Steps simulated so far."""
        return int(self.series.index[-1])

    def latest(self, name: str) -> float:
        """The latest value of one per-step output."""
        return float(self.series[name].iloc[-1])


def snapshot(model: Any) -> Snapshot:
    """The state of one simulation now, as plain data."""
    return Snapshot(series=series(model), network=network(model))
