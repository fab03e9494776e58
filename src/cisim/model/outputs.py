"""The model's outputs: the one list of what is measured, per step and per run, with labels and meanings.

Every other part (the run summaries, result files, analysis tables, figures, the report, the command line)
takes metric names, labels and meanings from here (MODEL.md section 5).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class Output:
    """One measured quantity.

    Attributes:
        name: column name in series and result files.
        label: short label for table headers and figure axes.
        meaning: one line saying what it measures.
        better: which direction is better for the community (``None``: neither).
        bounds: the lowest and highest value it can take (``SHARE`` for a share), or ``None`` when unbounded;
            an interval of its mean is clipped to them (a mean cannot lie outside the values it averages).
    """

    name: str
    label: str
    meaning: str
    better: Literal["higher", "lower"] | None = None
    bounds: tuple[float, float] | None = None


#: The bounds of a share (of what is achievable, of effort, of elements).
SHARE = (0.0, 1.0)
#: The bounds of a count, a time or an amount of money: never below 0.
COUNT = (0.0, math.inf)


def _table(*outputs: Output) -> dict[str, Output]:
    return {output.name: output for output in outputs}


#: Per-step outputs (one column each in a run's series). Families with one column per domain or condition
#: (``outcome_domain_<d>``, ``level_<condition>``) are described by their first entry's pattern.
STEP_OUTPUTS: dict[str, Output] = _table(
    Output(
        "community_outcome",
        "community outcome",
        "share of what is achievable now on the problem (0: the worst configuration, 1: the best), mean over regions",
        "higher",
        SHARE,
    ),
    Output(
        "policy_gain",
        "policy gain",
        "how far policy wins have raised the best achievable outcome, as a share of the problem's range without them",
        "higher",
    ),
    Output("outcome_domain_<d>", "domain outcome", "share of what is achievable now in one domain", "higher", SHARE),
    Output(
        "duplication_index",
        "duplication",
        "share of effort spent on elements another organization in the same region also works on",
        "lower",
        SHARE,
    ),
    Output("gap_share", "gap share", "share of elements no organization in their region works on", "lower", SHARE),
    Output(
        "program_spend",
        "program spend",
        "what organizations spent on their own programs and overhead this step",
        bounds=COUNT,
    ),
    Output(
        "coordination_cost",
        "coordination cost",
        "members' meeting and reporting costs this step",
        "lower",
        COUNT,
    ),
    Output(
        "backbone_cost",
        "backbone cost",
        "the backbone's running cost and the shared data system's cost this step",
        "lower",
        COUNT,
    ),
    Output(
        "spend", "spend", "everything spent this step: program spend + coordination cost + backbone cost", bounds=COUNT
    ),
    Output("total_spend", "total spend", "everything spent since the start", bounds=COUNT),
    Output(
        "income",
        "income",
        "money brought in from outside this step (grants, joint bids, engagement, an outside backbone funder)",
        bounds=COUNT,
    ),
    Output("total_income", "total income", "money brought in since the start", bounds=COUNT),
    Output(
        "cost_effectiveness",
        "points per 100k",
        "percentage points of community outcome gained since the start per 100,000 of total spend",
        "higher",
    ),
    Output(
        "candidates_evaluated",
        "candidates evaluated",
        "readings this step: candidate changes organizations evaluated, and a backbone's readings when it wins policy "
        "(search effort; the same rule in every design)",
        bounds=COUNT,
    ),
    Output("mean_trust", "mean trust", "mean trust over all communication links", "higher"),
    Output("coalition_size", "coalition size", "organizations in a coalition, over all regions", bounds=COUNT),
    Output(
        "mean_capacity",
        "mean capacity",
        "mean number of candidate changes organizations can evaluate next step, after coordination costs",
        bounds=COUNT,
    ),
    Output("adoptions", "adoptions", "better configurations taken up from others this step", bounds=COUNT),
    Output("engagement", "engagement", "community engagement built by public will, mean over regions"),
    Output("funds_mobilized", "funds mobilized", "grants and joint-bid funds brought in since the start", bounds=COUNT),
    Output("policy_wins", "policy wins", "policy changes won since the start", bounds=COUNT),
    Output("level_<condition>", "condition level", "level of one condition, mean over regions with a coalition"),
)

#: Per-run summaries (one row per run in comparisons and sweeps), derived from a run's series.
RUN_SUMMARIES: dict[str, Output] = _table(
    Output(
        "final_outcome",
        "final outcome",
        "community outcome at the last step (share of what is achievable then)",
        "higher",
        SHARE,
    ),
    Output(
        "outcome_auc",
        "outcome over the run",
        "mean community outcome over the run (area under the curve)",
        "higher",
        SHARE,
    ),
    Output(
        "time_to_target",
        "time to target",
        "first step at which the outcome reached run.target_outcome (NaN: never)",
        "lower",
        COUNT,
    ),
    Output("final_policy_gain", "policy gain", "policy gain at the last step", "higher"),
    Output("total_spend", "total spend", "everything spent over the run", "lower", COUNT),
    Output("program_spend", "program spend", "program spend over the run", bounds=COUNT),
    Output("coordination_cost", "coordination cost", "members' coordination costs over the run", "lower", COUNT),
    Output(
        "backbone_cost",
        "backbone and data system",
        "backbone and shared data system costs over the run",
        "lower",
        COUNT,
    ),
    Output("total_income", "income", "money brought in from outside over the run", bounds=COUNT),
    Output(
        "cost_effectiveness",
        "points per 100k",
        "percentage points of community outcome gained over the run per 100,000 of total spend",
        "higher",
    ),
    Output(
        "spend_per_point",
        "spend per point",
        "total spend per percentage point of community outcome gained (NaN: no gain)",
        "lower",
        COUNT,
    ),
    Output("mean_duplication", "duplication", "mean duplication index over the run", "lower", SHARE),
    Output("mean_gap_share", "gap share", "mean gap share over the run", "lower", SHARE),
    Output(
        "candidates_evaluated",
        "candidates evaluated",
        "readings over the run: candidate changes evaluated, and backbones' readings for policy (search effort)",
        bounds=COUNT,
    ),
    Output("final_trust", "trust", "mean trust at the last step", "higher"),
    Output("final_coalition_size", "coalition size", "organizations in a coalition at the last step", bounds=COUNT),
    Output("funds_mobilized", "funds mobilized", "grants and joint bids brought in over the run", bounds=COUNT),
    Output("policy_wins", "policy wins", "policy changes won over the run", bounds=COUNT),
)


#: Every output that is a share, bounded to [0, 1].
SHARES = frozenset(
    name for table in (STEP_OUTPUTS, RUN_SUMMARIES) for name, output in table.items() if output.bounds == SHARE
)


def bounds(name: str) -> tuple[float, float] | None:
    """The lowest and highest value a step output or run summary can take, or None when it is unbounded."""
    for table in (RUN_SUMMARIES, STEP_OUTPUTS):
        if name in table:
            return table[name].bounds
    if name.startswith("outcome_domain_"):
        return STEP_OUTPUTS["outcome_domain_<d>"].bounds
    return None


def label(name: str) -> str:
    """Short label of a step output or run summary, for axes and table headers (the name itself if unknown)."""
    for table in (RUN_SUMMARIES, STEP_OUTPUTS):
        if name in table:
            return table[name].label
    if name.startswith("outcome_domain_"):
        return f"outcome, domain {name.removeprefix('outcome_domain_')}"
    if name.startswith("level_"):
        return f"{name.removeprefix('level_').replace('_', ' ')} level"
    return name.replace("_", " ")
