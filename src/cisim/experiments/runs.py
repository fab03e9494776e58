"""Running the model: one run, and paired replicates of several arms with common random numbers."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from cisim.model import CollectiveImpactModel, reporters
from cisim.model.reporters import points_per_spend
from cisim.scenarios.scenario import Scenario

#: Columns of a run summary, in order, with their meaning (MODEL.md section 5, derived per run).
SUMMARY_COLUMNS: dict[str, str] = {
    "final_outcome": "community outcome at the last step (share of achievable progress)",
    "outcome_auc": "mean community outcome over the run (area under the curve per step)",
    "time_to_target": "first step at which the outcome reached run.target_outcome (NaN: never)",
    "total_spend": "everything spent over the run",
    "cost_effectiveness": "percentage points of outcome gained per 100,000 spent",
    "spend_per_point": "spend per percentage point of outcome gained (NaN: no gain)",
    "mean_duplication": "mean duplication index over the run",
    "mean_gap_share": "mean gap share over the run",
    "coordination_cost": "members' coordination costs over the run",
    "backbone_cost": "backbone and data system costs over the run",
    "final_trust": "mean trust at the last step",
    "final_coalition_size": "organizations in a coalition at the last step",
    "funds_mobilized": "grants and joint bids brought in over the run",
    "policy_wins": "policy changes won over the run",
}


@dataclass(frozen=True)
class StopRule:
    """When a run may end before its last step: on reaching an outcome, or after a stretch without change."""

    outcome_at_least: float | None = None
    patience: int | None = None

    def reached(self, outcomes: list[float]) -> bool:
        """Whether a run with this outcome history may stop now."""
        if self.outcome_at_least is not None and outcomes[-1] >= self.outcome_at_least:
            return True
        if self.patience is not None and len(outcomes) > self.patience:
            recent = outcomes[-self.patience - 1 :]
            return max(recent) - min(recent) == 0.0
        return False


@dataclass(frozen=True)
class RunResult:
    """The outcome of one run: its per-step series, its summary and, if asked for, its organizations."""

    series: pd.DataFrame
    summary: dict[str, Any]
    agents: pd.DataFrame | None = None


def run_model(
    scenario: Scenario,
    seed: int,
    steps: int | None = None,
    progress: Any = None,
    stop: StopRule | None = None,
    agents: bool = False,
) -> RunResult:
    """Run one scenario (under its arm) for ``steps`` steps (default: the scenario's ``run.steps``).

    Args:
        scenario: the scenario, already under its arm.
        seed: the run's seed.
        steps: steps to run at most.
        progress: wraps the iterable of steps (e.g. a progress bar).
        stop: an optional rule for ending the run early.
        agents: also return each organization's final state.
    """
    steps = scenario["run.steps"] if steps is None else steps
    model = CollectiveImpactModel(scenario, rng=seed)
    ticks: Iterable[int] = range(steps)
    if progress is not None:
        ticks = progress(ticks)
    outcomes = [reporters.community_outcome(model)] if stop is not None else []
    for _ in ticks:
        model.step()
        if stop is not None:
            outcomes.append(reporters.community_outcome(model))
            if stop.reached(outcomes):
                break
    series = model.datacollector.get_model_vars_dataframe()
    series.index.name = "step"
    frame = agent_frame(model) if agents else None
    return RunResult(series=series, summary=summarise(series, scenario["run.target_outcome"]), agents=frame)


def agent_frame(model: CollectiveImpactModel) -> pd.DataFrame:
    """Each organization's state at the end of a run."""
    return pd.DataFrame(
        [
            {
                "organization": o.index,
                "sector": o.sector,
                "region": o.region.index,
                "member": o.member,
                "elements": int(o.portfolio.sum()),
                "budget": o.budget,
                "capacity": o.capacity,
                "measurement_noise": o.measurement_noise,
                "trust": o.region.network.trust_of(o.local_index),
            }
            for o in model.organizations
        ]
    )


def summarise(series: pd.DataFrame, target: float) -> dict[str, Any]:
    """Per-run summary of a per-step series (see ``SUMMARY_COLUMNS``)."""
    outcome = series["community_outcome"].to_numpy()
    reached = np.flatnonzero(outcome >= target)
    gain = outcome[-1] - outcome[0]
    last = series.iloc[-1]
    spent = float(last["total_spend"])
    return {
        "final_outcome": float(outcome[-1]),
        "outcome_auc": float(outcome[1:].mean()) if len(outcome) > 1 else float(outcome[0]),
        "time_to_target": float(series.index[reached[0]]) if reached.size else float("nan"),
        "total_spend": spent,
        "cost_effectiveness": points_per_spend(gain, spent),
        "spend_per_point": spent / (100 * gain) if gain > 0 else float("nan"),
        "mean_duplication": float(series["duplication_index"].mean()),
        "mean_gap_share": float(series["gap_share"].mean()),
        "coordination_cost": float(series["coordination_cost"].sum()),
        "backbone_cost": float(series["backbone_cost"].sum()),
        "final_trust": float(last["mean_trust"]),
        "final_coalition_size": int(last["coalition_size"]),
        "funds_mobilized": float(last["funds_mobilized"]),
        "policy_wins": int(last["policy_wins"]),
    }


def replicate_seeds(seed: int, replicates: int) -> list[int]:
    """Independent seeds for replicates, derived from one seed by position (``numpy.random.SeedSequence``)."""
    children = np.random.SeedSequence(seed).spawn(replicates)
    return [int(child.generate_state(1, dtype=np.uint64)[0]) for child in children]
