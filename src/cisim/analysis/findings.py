"""What a sweep's results say, and how far to trust them: the headline comparison and the cautions.

The numbers only; ``cisim.report`` puts them into sentences.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from cisim.analysis.results import Results
from cisim.analysis.statistics import ENOUGH_PAIRS, FEW_PAIRS, Interval, pairs_for_holm, smallest_wilcoxon_p
from cisim.analysis.tables import paired_comparisons
from cisim.experiments.store import resume_command
from cisim.model.outputs import label

#: The outcome a headline compares, and the cost it weighs it against (names from ``cisim.model.outputs``).
HEADLINE_METRIC = "final_outcome"
COST_METRIC = "total_spend"
EFFICIENCY_METRIC = "cost_effectiveness"
#: The level below which a p counts as significant: a Holm-adjusted p in a table, and the uncorrected Wilcoxon p
#: a difference needs, besides an interval that excludes zero, to be called clear (``Step.sure``).
SIGNIFICANCE = 0.05
#: Sensitivity indices (Sobol or RBD-FAST) whose 95 % half-width exceeds this are too uncertain to rank factors by.
WIDE_INDEX = 0.1


@dataclass(frozen=True)
class Step:
    """One design against another on the final outcome and total spend, paired run by run.

    Attributes:
        arm: the design compared.
        against: the design it is compared with.
        arm_mean: the design's mean final outcome.
        against_mean: the other design's mean final outcome.
        difference: mean paired difference (arm minus against) with its bootstrap 95 % interval.
        p_value: Wilcoxon signed-rank p-value of the pairs, uncorrected.
        cost: mean paired difference in total spend with its interval (None if not recorded).
        arm_cost: the design's mean total spend.
        against_cost: the other design's mean total spend.
    """

    arm: str
    against: str
    arm_mean: float
    against_mean: float
    difference: Interval
    p_value: float
    cost: Interval | None = None
    arm_cost: float = float("nan")
    against_cost: float = float("nan")

    @property
    def clear(self) -> bool:
        """Whether the outcome difference's interval lies on one side of zero."""
        return self.difference.excludes_zero()

    @property
    def sure(self) -> bool:
        """Whether the difference may be called clear: its interval excludes zero and Wilcoxon's p < 0.05.

        Both are needed: the interval and the test on the same pairs disagree when a few runs carry the mean.
        """
        return self.clear and self.p_value < SIGNIFICANCE

    @property
    def cost_per_point(self) -> float:
        """Extra total spend per percentage point of final outcome gained (NaN unless the gain is ``sure``)."""
        if self.cost is None or not self.sure or self.difference.estimate <= 0:
            return float("nan")
        return self.cost.estimate / (100 * self.difference.estimate)


@dataclass(frozen=True)
class Headline:
    """The best arm against the baseline on the final outcome, pooled over every design point.

    Attributes:
        baseline: the arm compared against (``--baseline``; else ``isolated`` when present, else the first).
        arm: the other arm with the largest mean advantage.
        baseline_mean: the baseline's mean final outcome.
        arm_mean: the arm's mean final outcome.
        difference: mean paired difference (arm minus baseline) with its bootstrap 95 % interval.
        p_value: Wilcoxon signed-rank p-value of the pooled pairs.
        points: design points pooled (over every scenario).
        scenarios: base scenarios pooled (each with its own design points).
        cost: mean paired difference in total spend, with its interval (None if not recorded).
        baseline_cost: the baseline's mean total spend.
        arm_cost: the arm's mean total spend.
        efficiency: mean cost-effectiveness of (baseline, arm), points of outcome per 100,000 spent.
        lowest: the design point where the arm's advantage was smallest, and that advantage.
        highest: the design point where it was largest, and that advantage.
        against_baseline: every other arm against the baseline, in the arms' order.
        ladder: with three or more arms, each arm against the one before it in the arms' order.
    """

    baseline: str
    arm: str
    baseline_mean: float
    arm_mean: float
    difference: Interval
    p_value: float
    points: int
    cost: Interval | None = None
    scenarios: int = 1
    baseline_cost: float = float("nan")
    arm_cost: float = float("nan")
    efficiency: tuple[float, float] | None = None
    lowest: tuple[dict[str, Any], float] | None = None
    highest: tuple[dict[str, Any], float] | None = None
    against_baseline: tuple[Step, ...] = ()
    ladder: tuple[Step, ...] = ()

    @property
    def best(self) -> Step:
        """The headline's own comparison as a ``Step``."""
        return next(step for step in self.against_baseline if step.arm == self.arm)


def key_comparisons(results: Results, baseline: str | None = None, metrics: list[str] | None = None) -> pd.DataFrame:
    """Each arm against the baseline over every design point and scenario at once (paired by run seed)."""
    metrics = metrics or [HEADLINE_METRIC, "outcome_auc", COST_METRIC, EFFICIENCY_METRIC]
    return paired_comparisons(results.done, baseline, metrics, by=[])


def _steps(key: pd.DataFrame) -> list[Step]:
    """One ``Step`` per arm of a key table (arm against its baseline), in the table's order."""
    steps = []
    outcome = key[key["metric"] == HEADLINE_METRIC]
    for row in outcome.itertuples():
        cost = key[(key["metric"] == COST_METRIC) & (key["arm"] == row.arm) & (key["baseline"] == row.baseline)]
        found = None if cost.empty else cost.iloc[0]
        steps.append(
            Step(
                arm=str(row.arm),
                against=str(row.baseline),
                arm_mean=float(row.arm_mean),
                against_mean=float(row.baseline_mean),
                difference=_interval(pd.Series(row._asdict())),
                p_value=float(row.p_wilcoxon),
                cost=None if found is None else _interval(found),
                arm_cost=float("nan") if found is None else float(found["arm_mean"]),
                against_cost=float("nan") if found is None else float(found["baseline_mean"]),
            )
        )
    return steps


def ladder(results: Results, arms: list[str]) -> list[Step]:
    """Each arm against the one before it in ``arms``: what each step of a design adds, and what it costs."""
    steps = []
    for before, after in itertools.pairwise(arms):
        part = results.done[results.done["arm"].isin([before, after])]
        steps += _steps(paired_comparisons(part, before, [HEADLINE_METRIC, COST_METRIC], by=[]))
    return steps


def headline(results: Results, key: pd.DataFrame | None = None, baseline: str | None = None) -> Headline | None:
    """The headline comparison, or None when the results hold one arm (nothing to compare)."""
    if results.done.empty or results.done["arm"].nunique() < 2:
        return None
    key = key_comparisons(results, baseline) if key is None else key
    outcome = key[key["metric"] == HEADLINE_METRIC]
    if outcome.empty:
        return None
    best = outcome.loc[outcome["difference"].idxmax()]
    arm, baseline = str(best["arm"]), str(best["baseline"])

    def row(metric: str) -> pd.Series | None:
        found = key[(key["metric"] == metric) & (key["arm"] == arm)]
        return None if found.empty else found.iloc[0]

    cost, efficiency = row(COST_METRIC), row(EFFICIENCY_METRIC)
    lowest = highest = None
    if len(results.factors) or results.done["scenario"].nunique() > 1:
        per_point = paired_comparisons(results.done, baseline, [HEADLINE_METRIC])
        per_point = per_point[per_point["arm"] == arm]
        several_scenarios = results.done["scenario"].nunique() > 1
        where = [c for c in per_point.columns if (c == "scenario" and several_scenarios) or c in results.factors]
        if len(per_point) > 1:
            low, high = per_point.loc[per_point["difference"].idxmin()], per_point.loc[per_point["difference"].idxmax()]
            lowest = ({c: low[c] for c in where}, float(low["difference"]))
            highest = ({c: high[c] for c in where}, float(high["difference"]))
    arms = [a for a in results.arms if a in set(results.done["arm"])]
    return Headline(
        baseline=baseline,
        arm=arm,
        baseline_mean=float(best["baseline_mean"]),
        arm_mean=float(best["arm_mean"]),
        difference=_interval(best),
        p_value=float(best["p_wilcoxon"]),
        points=results.points * max(1, len(results.manifest.get("scenarios", []))),
        scenarios=max(1, len(results.manifest.get("scenarios", []))),
        cost=None if cost is None else _interval(cost),
        baseline_cost=float("nan") if cost is None else float(cost["baseline_mean"]),
        arm_cost=float("nan") if cost is None else float(cost["arm_mean"]),
        efficiency=None if efficiency is None else (float(efficiency["baseline_mean"]), float(efficiency["arm_mean"])),
        lowest=lowest,
        highest=highest,
        against_baseline=tuple(_steps(key)),
        ladder=tuple(ladder(results, arms)) if len(arms) >= 3 else (),
    )


def _interval(row: pd.Series) -> Interval:
    return Interval(float(row["difference"]), float(row["ci_low"]), float(row["ci_high"]), int(row["pairs"]))


@dataclass(frozen=True)
class Along:
    """One arm's advantage over the baseline (final outcome) along a grid's one numeric factor: where it stops paying.

    Attributes:
        factor: the factor (a dotted parameter name).
        arm: the arm compared.
        baseline: the arm it is compared with.
        levels: the factor's levels, ascending.
        differences: the mean paired difference at each level.
        above: levels where the advantage is clearly above zero (interval and Holm-corrected Wilcoxon agree).
        below: levels where it is clearly below zero.
        crossings: where the mean difference changes sign between two neighbouring levels: (the level before, the
            level after, the level where a straight line between their two means reaches zero).
    """

    factor: str
    arm: str
    baseline: str
    levels: tuple[float, ...]
    differences: tuple[float, ...]
    above: tuple[float, ...]
    below: tuple[float, ...]
    crossings: tuple[tuple[float, float, float], ...]


def along_the_factor(results: Results, baseline: str) -> list[Along]:
    """Each arm's advantage along the factor of a one-factor numeric grid on one base scenario, else ``[]``.

    The question "up to what cost, or down to what coverage, does the coalition still pay?" is read off such a
    grid: each level's paired comparison (Holm's correction over every arm and level), and the points between
    two levels where the mean difference changes sign, placed by linear interpolation (a reading of the grid,
    not a fitted model: the closer its levels, the closer the estimate).
    """
    done = results.done
    factors = results.factors
    if (
        done.empty
        or results.manifest.get("sample")
        or done["scenario"].nunique() != 1
        or len(factors) != 1
        or not pd.api.types.is_numeric_dtype(done[factors[0]])
        or pd.api.types.is_bool_dtype(done[factors[0]])
        or done[factors[0]].nunique() < 2
    ):
        return []
    factor = factors[0]
    table = paired_comparisons(done, baseline, [HEADLINE_METRIC], by=[factor])
    found = []
    for arm, rows in table.groupby("arm", sort=False):
        rows = rows.sort_values(factor)
        levels = tuple(float(v) for v in rows[factor])
        differences = tuple(float(v) for v in rows["difference"])
        sure = rows["p_holm"] < SIGNIFICANCE
        crossings = tuple(
            (x0, x1, x0 + (x1 - x0) * d0 / (d0 - d1))
            for (x0, d0), (x1, d1) in itertools.pairwise(zip(levels, differences, strict=True))
            if d0 * d1 < 0
        )
        found.append(
            Along(
                factor=factor,
                arm=str(arm),
                baseline=baseline,
                levels=levels,
                differences=differences,
                above=tuple(float(v) for v in rows.loc[sure & (rows["ci_low"] > 0), factor]),
                below=tuple(float(v) for v in rows.loc[sure & (rows["ci_high"] < 0), factor]),
                crossings=crossings,
            )
        )
    return found


def cautions(
    results: Results,
    key: pd.DataFrame | None = None,
    contributions: pd.DataFrame | None = None,
    sensitivity: tuple[str, pd.DataFrame] | None = None,
    comparisons: pd.DataFrame | None = None,
) -> list[str]:
    """Where the samples are too small for the statistics shown, or the results incomplete, in plain words.

    ``key`` is the key table (pooled comparisons), ``comparisons`` any other table of paired comparisons
    (``paired_comparisons``, per design point) whose Holm-corrected p-values are shown.
    """
    notes: list[str] = []
    if results.missing and results.damaged:
        blocks = len(results.damaged)
        reasons = "; ".join(list(results.damaged.values())[:3]) + (
            f"; and {blocks - 3} more" if blocks > 3 else ""
        )  # each block's own: a file missing, or changed or cut short since written
        notes.append(
            f"{results.missing} of {results.runs} runs are missing: {blocks} block{'s' if blocks != 1 else ''} of "
            f"results on disk {'is' if blocks == 1 else 'are'} missing or damaged ({reasons}), and any other missing "
            f"runs are not in yet; `{resume_command(results.folder)}` reruns what is missing or damaged. Every "
            "number here uses the intact finished runs only."
        )
    elif results.damaged:  # the summaries are whole; another table's blocks (series, agents) are not
        blocks = len(results.damaged)
        notes.append(
            f"{blocks} block{'s' if blocks != 1 else ''} of per-step or per-organization results on disk "
            f"{'is' if blocks == 1 else 'are'} damaged ({'; '.join(results.damaged.values())}): per-run numbers use "
            f"every finished run, figures over time leave those blocks' runs out; `{resume_command(results.folder)}` "
            "reruns them."
        )
    elif results.missing:
        command = resume_command(results.folder)
        kind = "comparison" if command.startswith("cisim compare") else "sweep"
        notes.append(
            f"{results.missing} of {results.runs} runs are not in yet: the {kind} is still running or was stopped "
            f"(`{command}` continues a stopped one); every number here uses the finished runs only."
        )
    if results.failed:
        notes.append(f"{results.failed} runs failed (see the manifest's failures); they are left out.")
    arms = results.done["arm"].nunique() if not results.done.empty else 0
    if results.replicates < ENOUGH_PAIRS and arms > 1:
        notes.append(
            f"Only {results.replicates} replicates per design point: intervals and tests per design point are "
            f"rough (with fewer than 6 pairs Wilcoxon's test cannot reach p < 0.05 at all). Run {ENOUGH_PAIRS} or "
            "more replicates before relying on per-point differences."
        )
    elif results.replicates < ENOUGH_PAIRS and contributions is not None:  # one arm: no paired test to name
        notes.append(
            f"Only {results.replicates} replicates per design point: the attribution's bootstrap intervals over "
            f"replicates are rough. Run {ENOUGH_PAIRS} or more replicates before relying on them."
        )
    for table in (key, comparisons):
        if (note := holm_caution(table)) is not None:
            notes.append(note)
    if key is not None and not key.empty:
        unclear = [
            f"{label(row.metric)} ({row.arm} minus {row.baseline}: "
            f"{number(row.ci_low, signed=True)} to {number(row.ci_high, signed=True)})"
            for row in key.itertuples()
            if np.isfinite(row.ci_low)
            and row.ci_low <= 0 <= row.ci_high
            and not (row.ci_low == row.ci_high == 0)
            and getattr(row, "pairs", FEW_PAIRS) >= FEW_PAIRS  # no interval is shown of fewer
        ]
        if unclear:
            notes.append(
                f"{len(unclear)} of the {len(key)} comparisons in the key table have a 95 % bootstrap (BCa) "
                "interval that includes zero, so these runs cannot tell the two designs apart on them (more "
                "replicates would narrow the intervals): " + "; ".join(unclear) + "."
            )
        if "p_wilcoxon" in key:
            notes += _disagreements(key)
    if comparisons is not None and not comparisons.empty and "p_wilcoxon" in comparisons:
        where = [c for c in ("scenario", *results.factors) if c in comparisons and comparisons[c].nunique() > 1]
        notes += _disagreements(comparisons, table="the table of paired differences", where=where)
    if contributions is not None and not contributions.empty:
        players = contributions[contributions["player"] != "total"]
        unclear = players[(players["ci_low"] <= 0) & (players["ci_high"] >= 0)]
        if len(unclear):
            notes.append(
                "The attribution intervals of "
                + ", ".join(str(p) for p in unclear["player"])
                + " include zero: their contributions cannot be told from none with "
                f"{contributions.attrs.get('replicates', results.replicates)} replicates."
            )
    if sensitivity is not None:
        notes += _sensitivity_cautions(*sensitivity)
    return notes


def _disagreements(
    key: pd.DataFrame, level: float = SIGNIFICANCE, table: str = "the key table", where: Sequence[str] = ()
) -> list[str]:
    """Cautions for comparisons whose interval and Wilcoxon's test (uncorrected) disagree about zero.

    The report calls a difference clear only where both agree (``Comparison.sure``); where they do not, the
    reader is told which and why it matters, whichever way the disagreement goes. ``table`` names the table
    in the words, ``where`` the columns that say which design point a row is (a table per point).
    """
    clear_untested, tested_unclear = [], []
    for row in key.to_dict("records"):  # not itertuples: factor names such as problem.k are not identifiers
        low, high, p = row["ci_low"], row["ci_high"], row["p_wilcoxon"]
        if not (np.isfinite(low) and np.isfinite(p)) or low == high == 0:
            continue
        if row.get("pairs", FEW_PAIRS) < FEW_PAIRS:  # no interval is shown; the replicates caution says why
            continue
        point = ", ".join(
            f"{column} = {row[column]:g}" if isinstance(row[column], float) else f"{column} = {row[column]}"
            for column in where
        )
        words = (
            f"{label(row['metric'])} ({row['arm']} minus {row['baseline']}{f' at {point}' if point else ''}: "
            f"{number(low, signed=True)} to {number(high, signed=True)}, p = {p:.2g})"
        )
        interval_clear = low > 0 or high < 0
        if interval_clear and p >= level:
            clear_untested.append(words)
        elif not interval_clear and p < level:
            tested_unclear.append(words)
    notes = []
    if clear_untested:
        notes.append(
            f"{len(clear_untested)} of the {len(key)} comparisons in {table} {_has(clear_untested)} a 95 % interval "
            "clear of "
            f"zero that Wilcoxon's signed-rank test on the same pairs does not confirm (p ≥ {level}, uncorrected), "
            f"so {'it is' if len(clear_untested) == 1 else 'they are'} not called clear: a few runs may carry the "
            "mean, and more replicates would tell: " + _listed(clear_untested) + "."
        )
    if tested_unclear:
        notes.append(
            f"{len(tested_unclear)} of the {len(key)} comparisons in {table} "
            f"{'passes' if len(tested_unclear) == 1 else 'pass'} Wilcoxon's signed-rank test (p < {level}, "
            f"uncorrected) while {'its' if len(tested_unclear) == 1 else 'their'} 95 % interval includes zero, so "
            f"{'it is' if len(tested_unclear) == 1 else 'they are'} not called clear: "
            "most pairs lean one way but by too little, or too unevenly, to pin the mean down: "
            + _listed(tested_unclear)
            + "."
        )
    return notes


def _has(words: list[str]) -> str:
    return "has" if len(words) == 1 else "have"


#: At most this many comparisons are named in one caution; the rest are counted.
NAMED = 8


def _listed(words: list[str]) -> str:
    """Comparisons named in a caution: the first ``NAMED``, then how many more."""
    named = "; ".join(words[:NAMED])
    return named if len(words) <= NAMED else f"{named}; and {len(words) - NAMED} more"


def holm_caution(table: pd.DataFrame | None, level: float = SIGNIFICANCE) -> str | None:
    """A caution when no Holm-adjusted p of a table of paired comparisons can fall below ``level``, else None.

    Holm multiplies the smallest p by the number of tests, and Wilcoxon's test cannot give a p below
    2 / 2^n with n pairs (``smallest_wilcoxon_p``), so with many tests and few pairs nothing can be
    significant after the correction, whatever the runs show.
    """
    if table is None or table.empty or "p_wilcoxon" not in table or "pairs" not in table:
        return None
    tested = table[table["p_wilcoxon"].notna()]
    if tested.empty:
        return None
    tests, pairs = len(tested), int(tested["pairs"].max())
    smallest = smallest_wilcoxon_p(pairs)
    if tests * smallest < level:
        return None
    return (
        f"{tests} paired tests are Holm-corrected together, and with {pairs} pairs Wilcoxon's test cannot give a p "
        f"below {smallest:.2g}, so the smallest adjusted p they can reach is {min(tests * smallest, 1.0):.2g}: no "
        f"difference can reach significance (p < {level}) after the correction at this number of pairs. At least "
        f"{pairs_for_holm(tests, level)} pairs per comparison would be needed (or fewer tests); the intervals still "
        "show how large each difference is."
    )


def number(value: float, digits: int = 3, signed: bool = False) -> str:
    """A number as cautions and the report show it: thousands as whole numbers, ``n/a`` when missing.

    A value too small to show at ``digits`` decimals keeps its sign in one significant digit (-0.0004, not
    -0.000 or +0.000): a bound just below zero must not read as zero or as a bound above it.
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if value != 0 and round(value, digits) == 0:
        return f"{value:+.1g}" if signed else f"{value:.1g}"
    if abs(value) >= 1000:
        return f"{value:+,.0f}" if signed else f"{value:,.0f}"
    return f"{value:+.{digits}f}" if signed else f"{value:.{digits}f}"


def _sensitivity_cautions(method: str, indices: pd.DataFrame) -> list[str]:
    notes = []
    samples = indices.attrs.get("samples")
    if method == "saltelli":
        negative = [
            (f"{row.factor} ({column} = {getattr(row, column):.3f})", getattr(row, f"{column}_ci_high") < 0)
            for row in indices.itertuples()
            for column in ("S1", "ST")
            if getattr(row, column) < 0
        ]
        # An index cannot be below zero. One whose interval reaches zero is a small index estimated a little low;
        # one whose whole interval lies below zero says the base sample is too small for these indices.
        near = [text for text, clear in negative if not clear]
        below = [text for text, clear in negative if clear]
        if near:
            notes.append(
                "Negative Sobol indices for "
                + ", ".join(near)
                + ": an index cannot be below zero, but each interval reaches zero: read each as a factor with "
                "little or no effect, estimated a little low by sampling error."
            )
        if below:
            larger = 2 * int(samples) if samples else 1024
            notes.append(
                "Negative Sobol indices for "
                + ", ".join(below)
                + ", with intervals wholly below zero: an index cannot be below zero, so the base sample"
                + (f" ({samples})" if samples else "")
                + f" is too small for these indices; raise [sample] samples (e.g. to {larger:,} or more)."
            )
        half = (indices[["S1_ci_high", "ST_ci_high"]].to_numpy() - indices[["S1_ci_low", "ST_ci_low"]].to_numpy()) / 2
        wide = indices["factor"][(half > WIDE_INDEX).any(axis=1)].tolist()
        if wide:
            notes.append(
                f"Sobol intervals wider than ±{WIDE_INDEX} for {', '.join(wide)}: the ranking of these factors "
                "is uncertain; more samples would narrow the intervals."
            )
    elif method == "rbd_fast":
        half = (indices["S1_ci_high"] - indices["S1_ci_low"]).to_numpy() / 2
        wide = indices["factor"][half > WIDE_INDEX].tolist()
        if wide:
            notes.append(
                f"RBD-FAST intervals wider than ±{WIDE_INDEX} for {', '.join(wide)}: with {samples} design points "
                "these indices cannot rank the factors; sample more points."
            )
    elif samples is not None and samples < ENOUGH_PAIRS:
        notes.append(f"Only {samples} Morris trajectories: the screening is rough; 10 to 50 trajectories are usual.")
    return notes
