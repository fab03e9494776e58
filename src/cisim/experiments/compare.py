"""Paired comparisons of arms: a small design (replicates x arms) run through the sweep engine."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from cisim.experiments.design import Arm, Experiment
from cisim.experiments.runs import StopRule, replicate_seeds
from cisim.experiments.store import seeds_unsigned
from cisim.experiments.sweep import run_tasks
from cisim.experiments.worker import Task
from cisim.scenarios.scenario import Scenario


def comparison_experiment(
    scenario: Scenario,
    arms: Sequence[str],
    replicates: int,
    seed: int,
    steps: int | None,
    overrides: Sequence[str],
    name: str,
) -> Experiment:
    """A paired comparison as an experiment: one scenario, one design point, ``arms`` as presets.

    Run through ``run_sweep`` it gives a results folder like any sweep's (design, manifest with the seed,
    the ``--set`` values and hashes, per-run tables, every run's series), which ``cisim analyze``, ``plot``
    and ``report`` read; the runs and seeds are the same as ``compare_arms``'s, replicate by replicate.
    The first arm is the baseline.
    """
    # What a resume must match is checked one part at a time: the scenario by its hash, the rest by options.
    record = {"command": "compare", "scenario": scenario.name}
    design = " vs ".join(arms)
    return Experiment(
        name=name,
        description=f"{scenario.name}: {design}, {replicates} paired replicates (cisim compare)",
        source=scenario.source,
        sha256=hashlib.sha256(json.dumps(record, sort_keys=True, default=str).encode()).hexdigest(),
        scenarios=(scenario,),
        arms=tuple(Arm(arm, arm, {}) for arm in arms),
        factors={},
        sample=None,
        seed=seed,
        replicates=replicates,
        steps=steps,
        series=True,
        options={
            "replicates": replicates,
            "steps": steps,
            "overrides": list(overrides),
            "seed": seed,
            "arm": " vs ".join(arms),
        },
        baseline=arms[0],
        block_size=COMPARE_BLOCK,
    )


#: Runs per results file of a comparison: a comparison's runs take about a hundredth of a second each, so
#: small blocks cost little, and Ctrl-C keeps every block of ten finished (``--resume`` continues from them).
COMPARE_BLOCK = 10


@dataclass(frozen=True)
class Comparison:
    """Paired replicates of several arms: one summary row and one outcome series per run."""

    summaries: pd.DataFrame
    outcomes: pd.DataFrame
    scenario: Scenario


class _Counted:
    """An iterator that knows its length, so a progress bar can show how far along it is."""

    def __init__(self, iterator: Iterator[Any], length: int) -> None:
        self.iterator, self.length = iterator, length

    def __iter__(self) -> Iterator[Any]:
        return self.iterator

    def __len__(self) -> int:
        return self.length


def compare_arms(
    scenario: Scenario,
    replicates: int = 20,
    seed: int = 0,
    arms: Sequence[str] = ("isolated", "collective"),
    steps: int | None = None,
    progress: Callable[[Iterable[Any]], Iterable[Any]] | None = None,
    executor: str = "serial",
    workers: int | None = None,
    scheduler: str | None = None,
) -> Comparison:
    """Run every arm on the same problems: replicate ``i`` of every arm uses the same seed.

    The runs go through the sweep engine (``cisim.experiments.sweep.run_tasks``), so a comparison gives the
    same numbers on every executor; ``serial`` is the default because a comparison's few short runs finish
    sooner in one process than it takes to start a pool.

    Args:
        scenario: the scenario; each arm is applied with ``Scenario.with_arm``.
        replicates: paired replicates per arm.
        seed: the comparison's seed; replicate seeds derive from it by position.
        arms: arm names (see ``cisim.scenarios.ARMS``).
        steps: steps per run (default: the scenario's).
        progress: optional callable taking an iterable of finished runs and returning it (e.g. a progress bar).
        executor: ``serial``, ``processes`` or ``dask`` (see ``cisim.experiments.executors``).
        workers: worker processes (default: all cores).
        scheduler: address of a running Dask scheduler.
    """
    seeds = replicate_seeds(seed, replicates)
    plan = [(replicate, arm) for replicate in range(replicates) for arm in arms]
    tasks = (
        Task(run_id, seeds[replicate], scenario.with_arm(arm), steps, StopRule(), series=True, agents=False)
        for run_id, (replicate, arm) in enumerate(plan)
    )
    finished: Iterable[dict[str, Any]] = _Counted(
        run_tasks(tasks, executor, workers, scheduler, total=len(plan)), len(plan)
    )
    if progress is not None:
        finished = progress(finished)
    results = {result["run_id"]: result for result in finished}
    rows, outcomes = [], {}
    for run_id, (replicate, arm) in enumerate(plan):
        result = results[run_id]
        if result["status"] != "done":
            raise RuntimeError(f"run {replicate} of arm {arm!r} (seed {seeds[replicate]}) failed: {result['error']}")
        summary = {k: v for k, v in result["summaries"].items() if k not in ("run_id", "status", "error")}
        rows.append({"arm": arm, "replicate": replicate, "seed": seeds[replicate], **summary})
        series = result["series"]
        outcomes[(arm, replicate)] = pd.Series(series["community_outcome"], index=pd.Index(series["step"], name="step"))
    outcome_frame = pd.DataFrame(outcomes)
    outcome_frame.columns.names = ["arm", "replicate"]
    return Comparison(summaries=seeds_unsigned(pd.DataFrame(rows)), outcomes=outcome_frame, scenario=scenario)
