"""Running the model: one run, and paired replicates of several arms with common random numbers."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from cisim.model import CollectiveImpactModel, reporters
from cisim.model.model import series_frame
from cisim.model.outputs import RUN_SUMMARIES
from cisim.model.reporters import AGENT_REPORTERS, points_per_spend
from cisim.scenarios.scenario import Scenario

#: Columns of a run summary, in order, with their meaning (``cisim.model.outputs.RUN_SUMMARIES``).
SUMMARY_COLUMNS: dict[str, str] = {name: output.meaning for name, output in RUN_SUMMARIES.items()}


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
    """The outcome of one run: its per-step series, its summary and, if asked for, its organizations.

    ``series`` is a frame indexed by step, or one array per column (``step`` first) when ``run_model`` was
    asked for columns.
    """

    series: Any
    summary: dict[str, Any]
    agents: pd.DataFrame | None = None


def run_model(
    scenario: Scenario,
    seed: int,
    steps: int | None = None,
    progress: Any = None,
    stop: StopRule | None = None,
    agents: bool = False,
    columns: bool = False,
) -> RunResult:
    """Run one scenario (under its arm) for ``steps`` steps (default: the scenario's ``run.steps``).

    Args:
        scenario: the scenario, already under its arm.
        seed: the run's seed.
        steps: steps to run at most.
        progress: wraps the iterable of steps (e.g. a progress bar).
        stop: an optional rule for ending the run early.
        agents: also return each organization's final state.
        columns: return the series as one array per column (``CollectiveImpactModel.columns``) rather than
            a frame: what a sweep's worker sends back, far faster to pass between processes.
    """
    model = simulate(scenario, seed, steps, progress, stop)
    frame = agent_frame(model) if agents else None
    outputs = model.columns()
    summary = summarise(model, outputs)  # from the arrays: reading a frame's columns costs more than the summary
    return RunResult(series=outputs if columns else series_frame(outputs), summary=summary, agents=frame)


def simulate(
    scenario: Scenario,
    seed: int,
    steps: int | None = None,
    progress: Any = None,
    stop: StopRule | None = None,
) -> CollectiveImpactModel:
    """The model of one run, run to its end and its outputs collected at the last step (see ``run_model``)."""
    steps = scenario["run.steps"] if steps is None else steps
    model = CollectiveImpactModel.from_scenario(scenario, rng=seed)
    ticks: Iterable[int] = range(steps)
    if progress is not None:
        ticks = progress(ticks)
    for _ in ticks:
        model.step()
        if stop is not None and stop.reached(model.outcomes):
            break
    model.collect()  # the last step, whatever the collection stride
    return model


def agent_frame(model: CollectiveImpactModel) -> pd.DataFrame:
    """Each organization's state at the end of a run (the model's agent reporters, read once)."""
    return pd.DataFrame(
        [
            {
                "organization": o.index,
                **{column: getattr(o, attribute) for column, attribute in AGENT_REPORTERS.items()},
            }
            for o in model.organizations
        ]
    )


def summarise(model: CollectiveImpactModel, series: Any = None) -> dict[str, Any]:
    """Per-run summary of a finished run (see ``SUMMARY_COLUMNS``).

    Outcomes and totals come from the model's every-step records, so they do not depend on how often the
    outputs were collected; duplication and gaps are means over the collected steps (``series``: the model's
    collected outputs, if already at hand, as a frame or as ``CollectiveImpactModel.columns``).
    """
    outcome = np.asarray(model.outcomes)
    series = model.series() if series is None else series
    reached = np.flatnonzero(outcome >= model.params.run.target_outcome)
    gain = outcome[-1] - outcome[0]
    ledger = model.ledger
    spent = ledger.total_spend
    return {
        "final_outcome": float(outcome[-1]),
        "outcome_auc": float(outcome[1:].mean()) if len(outcome) > 1 else float(outcome[0]),
        "time_to_target": float(reached[0]) if reached.size else float("nan"),
        "final_policy_gain": float(model.landscape.policy_gain),
        "total_spend": spent,
        "program_spend": ledger.total_program_spend,
        "coordination_cost": ledger.total_coordination_cost,
        "backbone_cost": ledger.total_backbone_cost,
        "total_income": ledger.total_income,
        "cost_effectiveness": points_per_spend(gain, spent),
        "spend_per_point": spent / (100 * gain) if gain > 0 else float("nan"),
        "mean_duplication": float(series["duplication_index"].mean()),
        "mean_gap_share": float(series["gap_share"].mean()),
        "candidates_evaluated": model.candidates_total,
        "final_trust": reporters.mean_trust(model),
        "final_coalition_size": reporters.coalition_size(model),
        "funds_mobilized": reporters.funds_mobilized(model),
        "policy_wins": reporters.policy_wins(model),
    }


def replicate_seeds(seed: int, replicates: int) -> list[int]:
    """Independent seeds for replicates, derived from one seed by position (``numpy.random.SeedSequence``)."""
    children = np.random.SeedSequence(seed).spawn(replicates)
    return [int(child.generate_state(1, dtype=np.uint64)[0]) for child in children]
