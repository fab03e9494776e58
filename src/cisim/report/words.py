"""The report's sentences: the headline in plain language and a caption for each figure.

Numbers come from ``cisim.analysis``; this module only says them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from cisim.analysis.findings import SIGNIFICANCE, Along, Headline, Step, number
from cisim.analysis.pooled import Pooled
from cisim.analysis.results import Results, default_baseline
from cisim.analysis.statistics import Interval
from cisim.model.outputs import label

#: The interval of a paired difference, named as the report states it: ``cisim compare`` prints a t-interval of
#: the same mean difference, so a reader comparing the two needs to see which this is.
DIFFERENCE_INTERVAL = "95 % bootstrap (BCa) interval"

#: What each condition-dynamics mode means, for readers of results.
DYNAMICS_MEANING = {
    "fixed": "every condition is held at the level given for the whole run",
    "built": "conditions start at the levels given, the backbone's roles raise them, and they erode without one",
}


def p_text(p: float) -> str:
    """A p-value for a table cell: ``< 0.001``, ``0.042`` or ``n/a`` (plain text)."""
    if math.isnan(p):
        return "n/a"
    return "< 0.001" if p < 0.001 else f"{p:.3f}"


def p_value(p: float) -> str:
    """A headline's p-value as words a reader can quote (HTML-safe): Wilcoxon's, before any correction.

    The key table's p-values are corrected (Holm) for the other comparisons shown with it, so they can be larger.
    """
    text = p_text(p)
    return escape(f"Wilcoxon p {text}" if text.startswith("<") else f"Wilcoxon p = {text}") + ", uncorrected"


def sentence(text: str) -> str:
    """``text`` with its first letter capitalised, to open a sentence.

    Only a plain word is capitalised (``collective`` opens as "Collective"); a name written as an identifier
    (``half_backbone``, ``arm2``) is kept as the experiment file spells it, so the reader can find it there.
    """
    return text[:1].upper() + text[1:] if text.isalpha() and text.islower() else text


def where(point: dict[str, Any]) -> str:
    """A design point in words (HTML-safe): ``problem.k = 4, organizations.n_organizations = 12``."""
    return escape(
        ", ".join(
            f"{key} = {value:g}" if isinstance(value, float) else f"{key} = {value}" for key, value in point.items()
        )
    )


def question(results: Results) -> str:
    """The question the results answer (plain text): the experiment's description and any ``--set`` values.

    A ``--set`` changes every run, so a reader quoting the answer must see it beside the question.
    """
    text = results.description
    if not results.overrides:
        return text
    given = ", ".join(f"--set {o}" for o in results.overrides)
    if text.rstrip().endswith(("?", ".", "!")):
        return f"{text.rstrip()} Run with {given}."
    return f"{text} with {given}" if text else f"Run with {given}."


def dynamics_sentence(results: Results) -> str:
    """Which condition-dynamics mode the runs used, and what it means (plain text)."""
    modes = results.dynamics()
    distinct = sorted({mode for found in modes.values() for mode in found})
    if len(distinct) == 1:
        mode = distinct[0]
        return f"Condition dynamics: {mode}" + (f": {DYNAMICS_MEANING[mode]}." if mode in DYNAMICS_MEANING else ".")
    meanings = "; ".join(f"{mode}: {DYNAMICS_MEANING[mode]}" for mode in distinct if mode in DYNAMICS_MEANING)
    return f"Condition dynamics by arm: {results.dynamics_text()} ({meanings})."


def _tied(interval: Interval | None) -> bool:
    """Whether a difference is a tie: exactly zero in every pair (below numerical tolerance)."""
    return interval is not None and interval.estimate == 0 and interval.low == 0 and interval.high == 0


def cost_sentence(step: Step) -> str:
    """What a step cost in total spend, and per percentage point of outcome gained (HTML-safe)."""
    if step.cost is None or not step.against_cost:
        return ""
    arm, against = escape(step.arm), escape(step.against)
    if _tied(step.cost):
        return f"It cost the same in total spend ({number(step.against_cost)} per run under both)."
    change = step.cost.estimate / step.against_cost
    how_much = (
        "about the same" if round(abs(change), 2) == 0 else f"{abs(change):.0%} {'more' if change > 0 else 'less'}"
    )
    text = (
        f"It cost {how_much} in total spend ({number(step.against_cost)} under {against}, "
        f"{number(step.arm_cost)} under {arm}, per run)"
    )
    if not step.cost.excludes_zero():
        # No price of a point gained from a change in spend these runs cannot tell from none.
        return text + "; the interval of that change includes zero, so these runs put no price on a point gained."
    text += "."
    per_point = step.cost_per_point
    if math.isfinite(per_point) and per_point > 0:
        text += f" Each percentage point of {label('final_outcome')} gained cost {number(per_point, 1)} more in spend."
    elif math.isfinite(per_point):
        text += " It did better for less: there is no trade-off to weigh."
    return text


def _verdict(step: Step) -> str:
    """``+0.120 (95 % bootstrap (BCa) interval +0.040 to +0.190 over 20 paired runs; Wilcoxon p = 0.002, …)``."""
    d = step.difference
    return (
        f"{number(d.estimate, signed=True)} ({DIFFERENCE_INTERVAL} {number(d.low, signed=True)} to "
        f"{number(d.high, signed=True)} over {d.n} paired runs; {p_value(step.p_value)})"
    )


#: What the report says of a difference that is not clear (``Step.sure`` false) but not a tie either.
UNDISTINGUISHED = "the difference is not distinguishable from zero at this number of replicates"


def _why_unclear(step: Step) -> str:
    """Why a difference that is not ``sure`` is not: its interval includes zero, or Wilcoxon's test disagrees."""
    if step.clear:
        return (
            "its interval lies on one side of zero, but Wilcoxon's signed-rank test on the same pairs does not "
            "confirm it (a few runs carry the mean)"
        )
    return "its interval includes zero"


def _against(step: Step) -> str:
    """One design against the baseline when the difference is not clear (HTML-safe): what it did, and why unclear."""
    arm, d = escape(step.arm), step.difference
    if _tied(d):
        return f"{sentence(arm)} gave the same {label('final_outcome')} in every pair of runs."
    how = "better" if d.estimate > 0 else "worse"
    return f"{sentence(arm)} did {how} on average, {_verdict(step)}, but {UNDISTINGUISHED}: {_why_unclear(step)}."


class Opposite(NamedTuple):
    """Base scenarios that went opposite ways: names (HTML-safe) clearly worse and clearly better, of how many."""

    worse: list[str]
    better: list[str]
    scenarios: int


def opposite_scenarios(per_scenario: pd.DataFrame) -> Opposite | None:
    """Where a design did clearly worse and where clearly better than the baseline, or None unless both occur.

    Clearly: on the final outcome, the interval and the Holm-corrected Wilcoxon test agreeing.

    ``per_scenario``: ``paired_comparisons(..., by=["scenario"])``. Where scenarios go opposite ways a pooled
    verdict would speak for none of them, so the answer does not give one.
    """
    rows = per_scenario[per_scenario["metric"] == "final_outcome"]
    sure = rows["p_holm"] < SIGNIFICANCE
    worse = rows[sure & (rows["ci_high"] < 0)]
    better = rows[sure & (rows["ci_low"] > 0)]
    if worse.empty or better.empty:
        return None
    several = rows["arm"].nunique() > 1

    def named(frame: pd.DataFrame) -> list[str]:
        return [
            escape(str(row.scenario)) + (f" ({escape(str(row.arm))})" if several else "")
            for row in frame.sort_values("difference").itertuples()
        ]

    return Opposite(named(worse), named(better), rows["scenario"].nunique())


def _opposite_verdict(opposite: Opposite, baseline: str) -> str:
    """The answer's verdict when scenarios go opposite ways: no pooled one, and which went which way."""
    return (
        f"<strong>No single answer: the scenarios go opposite ways.</strong> Clearly worse than {baseline} in "
        f"{', '.join(opposite.worse)}; clearly better in {', '.join(opposite.better)}. What follows is the average "
        f"over all {opposite.scenarios} base scenarios, as the key table pools them: it mixes them and answers none."
    )


def comparison_headline(headline: Headline, opposite: Opposite | None = None) -> list[str]:
    """Paragraphs (HTML-safe text) answering which design did better, by how much, how surely, at what cost.

    ``opposite``: from ``opposite_scenarios``; when given, the pooled comparison gets no verdict of its own.
    """
    if len(headline.against_baseline) >= 2:
        paragraphs = _designs_headline(headline)
        if opposite is not None:  # the pooled designs' answer follows, said as pooled and without a verdict's bold
            first = paragraphs[0].replace("<strong>", "").replace("</strong>", "")
            paragraphs[0] = "Pooled over every scenario, " + first[0].lower() + first[1:]
            paragraphs.insert(0, _opposite_verdict(opposite, escape(headline.baseline)))
        return paragraphs
    h, d = headline, headline.difference
    arm, baseline = escape(h.arm), escape(h.baseline)
    outcome = label("final_outcome")
    clear = d.excludes_zero()
    # "did better" needs the interval and Wilcoxon's test to agree; either alone is said as such.
    sure = clear and h.p_value < SIGNIFICANCE
    if opposite is not None:
        verdict = _opposite_verdict(opposite, baseline)
    elif sure and d.estimate > 0:
        verdict = f"<strong>{sentence(arm)} did better than {baseline}.</strong>"
    elif sure:
        verdict = f"<strong>{sentence(baseline)} did better than {arm}.</strong>"
    elif _tied(d):
        verdict = f"<strong>{sentence(arm)} and {baseline} gave the same {outcome} in every pair of runs.</strong>"
    elif clear:
        how = "better" if d.estimate > 0 else "worse"
        verdict = f"<strong>{sentence(arm)} did {how} than {baseline} on average, but {UNDISTINGUISHED}.</strong>"
    else:
        verdict = f"<strong>These runs cannot tell {arm} and {baseline} apart.</strong>"
    size = (
        f"The {outcome} was {number(h.baseline_mean)} under {baseline} and {number(h.arm_mean)} under {arm} "
        f"(0 is the worst and 1 the best achievable): a difference of {number(d.estimate, signed=True)}."
    )
    span = f"{number(d.low, signed=True)} to {number(d.high, signed=True)} over {d.n} paired runs"
    if sure:
        certainty = (
            f"The {DIFFERENCE_INTERVAL} of that difference, {span}, lies on one side of zero "
            f"({p_value(h.p_value)}), so it is unlikely to be chance"
            + (" (as an average over these scenarios)." if opposite is not None else ".")
        )
    elif _tied(d):
        certainty = ""
    elif clear:
        certainty = (
            f"Its {DIFFERENCE_INTERVAL}, {span}, lies on one side of zero, but Wilcoxon's signed-rank test on the "
            f"same pairs does not confirm it ({p_value(h.p_value)}): a few runs carry the mean, and more replicates "
            "would be needed to tell."
        )
    else:
        certainty = (
            f"Its {DIFFERENCE_INTERVAL}, {span}, includes zero ({p_value(h.p_value)}): more replicates would be "
            "needed to tell."
        )
    paragraphs = [" ".join(part for part in (verdict, size, certainty) if part)]
    cost = [cost_sentence(h.best)] if h.against_baseline else []
    if h.efficiency is not None:
        cost.append(
            f"That is {number(h.efficiency[1], 1)} points of outcome per 100,000 spent under {arm}, against "
            f"{number(h.efficiency[0], 1)} under {baseline}."
        )
    if any(cost):
        paragraphs.append(" ".join(part for part in cost if part))
    paragraphs += _spread(h)
    return paragraphs


def _spread(h: Headline) -> list[str]:
    if h.lowest is None or h.highest is None:
        return []
    if h.scenarios > 1 and h.points == h.scenarios:  # one point a scenario: the scenarios are what is pooled
        pooled = f"{h.scenarios} base scenarios"
    elif h.scenarios > 1:
        pooled = f"{h.points} design points ({h.points // h.scenarios} in each of {h.scenarios} base scenarios)"
    else:
        pooled = f"{h.points} design points"
    return [
        f"These are averages over {pooled}. The advantage of {escape(h.arm)} over "
        f"{escape(h.baseline)} was smallest, {number(h.lowest[1], signed=True)}, at {where(h.lowest[0])} and "
        f"largest, {number(h.highest[1], signed=True)}, at {where(h.highest[0])}."
    ]


def along_sentence(along: Along, html: bool = True) -> str:
    """Where the advantage along a one-factor grid changes sign, and at which levels it is clear.

    HTML-safe, its verdict in bold, for the report; ``html=False``: plain text, for the terminal.
    """
    said = escape if html else str
    factor, arm, baseline = said(along.factor), said(along.arm), said(along.baseline)
    bold, unbold = ("<strong>", "</strong>") if html else ("", "")
    at = dict(zip(along.levels, along.differences, strict=True))
    if along.crossings:
        changes = "; ".join(
            f"between {before:g} ({number(at[before], signed=True)}) and {after:g} ({number(at[after], signed=True)}),"
            f" reaching zero near {zero:.3g} by linear interpolation between them"
            for before, after, zero in along.crossings
        )
        first = f"{bold}Along {factor}, {arm}'s advantage over {baseline} changes sign{unbold} {changes}."
    else:
        first = (
            f"Along {factor}, {arm}'s advantage over {baseline} keeps one sign over the levels tried: "
            f"{number(along.differences[0], signed=True)} at {along.levels[0]:g}, "
            f"{number(along.differences[-1], signed=True)} at {along.levels[-1]:g}."
        )
    unclear = [v for v in along.levels if v not in along.above and v not in along.below]
    classes = [
        f"{how} at {factor} = {_levels(values)}"
        for how, values in (
            ("clearly above zero", along.above),
            ("clearly below zero", along.below),
            ("not distinguishable from zero", unclear),
        )
        if values
    ]
    return f"{first} It is {'; '.join(classes)} (paired runs, Holm's correction over every level)."


def _levels(values: Sequence[float]) -> str:
    shown = [f"{v:g}" for v in values]
    return shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " and " + shown[-1]


def by_scenario_sentence(per_scenario: pd.DataFrame) -> str:
    """The final outcome's difference within each base scenario, in words (HTML-safe), from worst to best.

    The answer's first paragraph when several base scenarios are compared; the pooled answer follows it.

    ``per_scenario``: ``paired_comparisons(..., by=["scenario"])``; with several arms, the sentence names each.
    """
    rows = per_scenario[per_scenario["metric"] == "final_outcome"].sort_values("difference")
    several = rows["arm"].nunique() > 1
    parts = [
        f"{escape(str(row.scenario))}"
        + (f" ({escape(str(row.arm))})" if several else "")
        + f" {number(row.difference, signed=True)} ({_interval_text(row.ci_low, row.ci_high)})"
        for row in rows.itertuples()
    ]
    return (
        f"<strong>Scenario by scenario</strong>, the final outcome's difference against "
        f"{escape(str(rows['baseline'].iloc[0]))} (95 % bootstrap interval, paired runs): "
        + "; ".join(parts)
        + " (the table 'By scenario' below)."
        + (f" {_pooled_intro(rows)}:" if opposite_scenarios(per_scenario) is None else "")
    )


def _pooled_intro(rows: pd.DataFrame) -> str:
    return f"Pooled over all {rows['scenario'].nunique()} base scenarios, as the key table is"


def _interval_text(low: float, high: float) -> str:
    """An interval as the answer writes it, or n/a where there was none (too few pairs)."""
    if pd.isna(low) or pd.isna(high):
        return "no interval: too few pairs"
    return f"{number(low, signed=True)} to {number(high, signed=True)}"


def _designs_headline(h: Headline) -> list[str]:
    """Three or more designs: the best against the baseline, then each design against the one before it."""
    baseline, outcome = escape(h.baseline), label("final_outcome")
    # Clear (better, worse, "clearly") only where the interval excludes zero and Wilcoxon's test agrees.
    better = [s for s in h.against_baseline if s.sure and s.difference.estimate > 0]
    worse = [s for s in h.against_baseline if s.sure and s.difference.estimate < 0]
    if better:
        best = max(better, key=lambda s: s.difference.estimate)
        # The highest mean is not always a clear gain: then "best" is not said of either design.
        top = max(h.against_baseline, key=lambda s: s.difference.estimate)
        if top is best:
            named = "did best"
        elif len(better) == 1:
            named = f"is the one clearly better than {baseline}"
        else:
            named = f"gained most of the designs clearly better than {baseline}"
        first = (
            f"<strong>Of {len(h.against_baseline) + 1} designs, {escape(best.arm)} {named}: its {outcome} beat "
            f"{baseline}'s by "
            f"{number(best.difference.estimate, signed=True)}</strong> ({number(best.against_mean)} under "
            f"{baseline}, {number(best.arm_mean)} under {escape(best.arm)}; 0 is the worst and 1 the best "
            f"achievable). The difference is {_verdict(best)}, on one side of zero. {cost_sentence(best)}"
        )
        if top is not best:
            first += (
                f" {sentence(escape(top.arm))}'s mean was higher, {_verdict(top)}, but {_why_unclear(top)}: "
                f"more replicates would be needed to tell which of the two is best."
            )
        others = [s for s in better if s is not best]
        if others:
            first += (
                " Also better than "
                + baseline
                + ": "
                + "; ".join(f"{escape(s.arm)}, {number(s.difference.estimate, signed=True)}" for s in others)
                + "."
            )
    elif worse and len(worse) == len(h.against_baseline):
        first = f"<strong>No design did better than {baseline}: every other design did worse.</strong> " + " ".join(
            f"Against it, {escape(s.arm)}: {_verdict(s)}." for s in h.against_baseline
        )
    else:
        unclear = [s for s in h.against_baseline if s not in worse]
        first = (
            f"<strong>No design did clearly better than {baseline}.</strong> "
            + " ".join(_against(s) for s in unclear)
            + (" Worse than " + baseline + ": " + ", ".join(escape(s.arm) for s in worse) + "." if worse else "")
            + " What each cost: "
            + " ".join(cost_sentence(s).replace("It cost", f"{sentence(escape(s.arm))} cost", 1) for s in unclear)
        )
    paragraphs = [first.strip()]
    if h.ladder:
        steps = []
        for step in h.ladder:
            d = step.difference
            if step.sure:
                gain = "a clear gain" if d.estimate > 0 else "a clear loss"
            elif step.clear:
                gain = "a gain" if d.estimate > 0 else "a loss"
                gain += " by its interval, which Wilcoxon's test does not confirm"
            elif _tied(d):
                gain = "no difference at all"
            else:
                gain = "not detectably different"
            text = f"From {escape(step.against)} to {escape(step.arm)}: {_verdict(step)}, {gain}."
            spend = cost_sentence(step)
            steps.append(text + (" " + spend if spend else ""))
        paragraphs.append("Design by design, each against the one before it: " + " ".join(steps))
    paragraphs += _spread(h)
    return paragraphs


def pooled_sentences(answer: Pooled, sampled: bool = True) -> list[str]:
    """A design's pooled answer in words (HTML-safe): the mean advantage (or outcome) and what moves it.

    ``sampled`` says whether the factors were sampled from ranges, or varied over a grid.
    """
    what = label(answer.metric)
    subject = (
        f"the {what} under {escape(answer.arm)}"
        if answer.baseline is None
        else f"the advantage of {escape(answer.arm)} over {escape(answer.baseline)}"
    )
    mean, low, high = answer.overall
    model = answer.model.assign(size=answer.model["effect"].abs()).sort_values("size", ascending=False)
    clear = model[(model["ci_low"] > 0) | (model["ci_high"] < 0)]
    signed = answer.baseline is not None  # a difference is signed; one arm's outcome is a level
    ranges = "sampled ranges" if sampled else "ranges the design varies"
    text = (
        f"Pooled over all {len(answer.points)} design points"
        + (f" (each averaged over its {answer.scenarios} base scenarios)" if answer.scenarios > 1 else "")
        + f", {subject} averaged {number(mean, signed=signed)} "
        f"(95 % t-interval {number(low, signed=signed)} to {number(high, signed=signed)} over the points)."
    )
    if len(clear):
        moves = "; ".join(
            f"{escape(row.factor)} from {row.low:.3g} to {row.high:.3g} changes it by "
            f"{number(row.effect, signed=True)} (95 % t-interval {number(row.ci_low, signed=True)} to "
            f"{number(row.ci_high, signed=True)})"
            for row in clear.itertuples()
        )
        text += f" Along the {ranges}, {moves}."
    else:
        text += f" No factor moves it detectably along the {ranges} (every slope's interval includes zero)."
    text += f" The straight-line model explains {max(answer.r2, 0):.0%} of the variation between points (R²)" + (
        f"; the figure of the {'advantage' if signed else label(answer.metric)} along each factor shows the rest."
        if answer.r2 < 0.5
        else "."
    )
    return [text]


def attribution_headline(contributions: pd.DataFrame) -> list[str]:
    """Paragraphs saying which factor contributed most to the advantage of all on over all off."""
    players = contributions[contributions["player"] != "total"]
    total = contributions[contributions["player"] == "total"].iloc[0]
    metric = label(contributions.attrs.get("metric", "final_outcome"))
    top = players.iloc[0]
    name = escape(str(top["player"]))
    sure = top["ci_low"] > 0 or top["ci_high"] < 0
    text = (
        f"<strong>{name} contributed most.</strong> With every factor on, the {metric} was "
        f"{number(contributions.attrs['full'])} against {number(contributions.attrs['baseline'])} with every "
        f"factor off ({number(total['shapley'], signed=True)}; 95 % bootstrap (percentile) interval "
        f"{number(total['ci_low'], signed=True)} "
        f"to {number(total['ci_high'], signed=True)}). Of that, {name} accounts for "
        f"{number(top['shapley'], signed=True)} ({top['share']:.0%}), 95 % bootstrap interval "
        f"{number(top['ci_low'], signed=True)} to {number(top['ci_high'], signed=True)}"
        + ("." if sure else ", which includes zero: more replicates would be needed to be sure.")
    )
    if len(players) > 1:
        second = players.iloc[1]
        next_name = escape(str(second["player"]))
        text += f" Next is {next_name}: {number(second['shapley'], signed=True)} ({second['share']:.0%})."
    # The shares are of the total, so a factor pulling the other way lifts the others' past 100 %; said where
    # that shows in the shares as printed (to the whole per cent), not for a factor of a few hundred-thousandths.
    against = players[(np.sign(players["shapley"]) == -np.sign(total["shapley"])) & (players["share"].abs() >= 0.005)]
    if len(against) and total["shapley"] != 0:
        pulled = ", ".join(
            f"{escape(str(row.player))} {number(row.shapley, signed=True)}" for row in against.itertuples()
        )
        text += (
            f" Each share is of the total, and {pulled} pulled the other way, so the shares add up to more than 100 %."
        )
    return [text]


def sensitivity_headline(method: str, indices: pd.DataFrame) -> list[str]:
    """Paragraphs saying which sampled factor the outcome depends on most."""
    metric = label(indices.attrs.get("metric", "final_outcome"))
    column = {"saltelli": "ST", "rbd_fast": "S1"}.get(method, "mu_star")
    ranked = indices.sort_values(column, ascending=False)
    top = ranked.iloc[0]
    factor = escape(str(top["factor"]))
    if method == "saltelli":
        text = (
            f"<strong>The {metric} depends most on {factor}.</strong> Its total Sobol index is "
            f"{top['ST']:.2f} (95 % SALib bootstrap interval {top['ST_ci_low']:.2f} to {top['ST_ci_high']:.2f}): "
            f"with its interactions it accounts for about {max(top['ST'], 0):.0%} of the variance of the {metric} over "
            f"the sampled ranges, {max(top['S1'], 0):.0%} on its own."
        )
    elif method == "rbd_fast":
        text = (
            f"<strong>The {metric} depends most on {factor}.</strong> Its first-order index (RBD-FAST) is "
            f"{top['S1']:.2f} (95 % SALib bootstrap interval {top['S1_ci_low']:.2f} to {top['S1_ci_high']:.2f}): "
            f"on its own it accounts for about {max(top['S1'], 0):.0%} of the variance of the {metric} over the design."
        )
    else:
        text = (
            f"<strong>The {metric} moves most with {factor}.</strong> Its mean absolute elementary effect "
            f"is {top['mu_star']:.3f} (95 % SALib bootstrap interval {top['mu_star_ci_low']:.3f} to "
            f"{top['mu_star_ci_high']:.3f})."
        )
    if len(ranked) > 1:
        second = ranked.iloc[1]
        text += f" Next is {escape(str(second['factor']))} ({second[column]:.2f})."
    return [text]


def plain_headline(results: Results) -> list[str]:
    """A headline for results with one arm and nothing else to compare: the mean outcome."""
    values = results.done["final_outcome"] if "final_outcome" in results.done else pd.Series(dtype=float)
    if values.empty:
        return ["<strong>No finished runs yet.</strong> Resume the sweep, then build the report again."]
    return [
        f"<strong>Mean {label('final_outcome')}: {number(values.mean())}</strong> over {len(values)} runs "
        f"(0 is the worst and 1 the best achievable). With one arm and no two-level factorial or sensitivity "
        "sample there is nothing to compare it with."
    ]


def caption(
    kind: str, results: Results, headline: Headline | None, indices: tuple[str, pd.DataFrame] | None = None
) -> str:
    """One or two sentences saying what a figure shows and what to notice in it.

    The words follow what the figure draws for these results: one arm or several, each design's difference
    from the baseline when there are three arms or more, the sensitivity method the sample allowed.
    """
    arms = list(dict.fromkeys(results.done["arm"])) if not results.done.empty else []
    gap = ""
    if headline is not None:
        ends = number(headline.difference.estimate, signed=True)
        gap = f" Here {headline.arm} ends {ends} against {headline.baseline}."
        if headline.scenarios > 1:  # the figures pool the scenarios; the answer gives each scenario's own
            gap = (
                f" Here {headline.arm} ends {ends} against {headline.baseline} on average over the "
                f"{headline.scenarios} base scenarios, which the figure pools (the answer gives each one's)."
            )
    if kind == "outcome":
        if len(arms) >= 3:
            baseline = headline.baseline if headline is not None else results.baseline or default_baseline(arms)
            return (
                f"Each design's community outcome minus {baseline}'s over time, paired run by run (mean, 95 % "
                "band), pooled over design points; the line at 0 is no difference. Where a band clears the zero "
                f"line that design differs from {baseline}; notice when each gap opens and whether it is still "
                "growing at the end." + gap
            )
        if len(arms) == 1:
            return (
                "Mean community outcome over time, with its 95 % band, pooled over design points. Notice how fast "
                "it rises and whether it is still rising at the end."
            )
        return (
            "Mean community outcome over time per arm, with 95 % bands, pooled over design points. Where the bands "
            "do not overlap the arms differ; notice when the gap opens and whether it is still growing at the end."
            + gap
        )
    if kind == "distribution":
        if len(arms) == 1:
            return (
                f"The {label('final_outcome')} of every run; the box holds the middle half of the runs. Notice how "
                "widely runs of the same design end apart."
            )
        return (
            f"The {label('final_outcome')} of every run, per arm; boxes hold the middle half of the runs. Notice "
            "how far the arms overlap, not only where their middles lie." + gap
        )
    if kind == "heatmap":
        return (
            "Mean paired advantage of the arm over the baseline at each combination of the two factors shown "
            "(purple: the arm did better; orange: worse), with ± the half-width of its 95 % interval and the number "
            "of pairs; hatched cells' intervals include 0, so there the arm cannot be told from the baseline. "
            "Notice where the advantage is largest and where it vanishes: that is where the design matters."
        )
    if kind == "along":
        return (
            "The advantage over the baseline at each level of the one factor the grid varies: the mean paired "
            "difference in the final outcome, with its 95 % bootstrap interval; the line at 0 is no difference, and a "
            "dotted line marks where the mean changes sign (read between two levels, not fitted). Notice where the "
            "intervals clear zero and where they do not: that is how far the design can be pushed and still pay."
        )
    if kind == "factors":
        if len(arms) == 1:
            return (
                f"The {label('final_outcome')} at every design point (dots) against each factor, with the mean of "
                "each fifth of the points (95 % interval) and the least-squares line. Notice which factor's line "
                "climbs or falls beyond the spread of the dots: that factor moves the outcome; a flat line over "
                "scattered dots does not."
            )
        return (
            "The advantage at every design point (dots) against each factor, with the mean of each fifth of "
            "the points (95 % interval) and the least-squares line. Notice which factor's line climbs or falls "
            "beyond the spread of the dots: that factor moves the advantage; a flat line over scattered dots does not."
        )
    if kind == "cost":
        return (
            "Points of outcome gained per 100,000 spent, per arm (mean, 95 % CI); higher is better. Set it beside "
            "the outcome difference: a design can do better and still cost more per point."
        )
    if kind == "duplication":
        return (
            "Duplication (effort on elements others in the region also work on) and gaps (elements nobody works "
            "on), per arm (mean, 95 % CI); lower is better for both. Coordination should lower both."
        )
    if kind == "levels":
        return (
            "The five condition levels over time, one panel per arm, one strip per condition, its colour the level "
            "(dark 0, yellow 1). Under fixed dynamics each strip keeps the colour of the level set; under built "
            "dynamics it brightens where a backbone builds the condition and darkens as it erodes without one. "
            + dynamics_sentence(results)
        )
    if kind == "attribution":
        return (
            "Each factor's Shapley value: its average contribution to the advantage of all factors on over all off, "
            "with 95 % bootstrap intervals. The bars add up to the total in the title; a bar whose interval crosses "
            "zero cannot be told from no contribution."
        )
    if kind == "sensitivity":
        return sensitivity_caption(indices, len(arms))
    return kind.replace("_", " ")


def sensitivity_caption(indices: tuple[str, pd.DataFrame] | None, arms: int = 1) -> str:
    """What the sensitivity figure shows: the method the sample allowed, of which outcome, under which arm."""
    method, table = indices if indices is not None else ("saltelli", pd.DataFrame())
    metric = label(table.attrs.get("metric", "final_outcome"))
    arm, baseline = table.attrs.get("arm"), table.attrs.get("baseline")
    of = f"the {metric}"
    if arm and baseline:
        of = (
            f"{escape(str(arm))}'s advantage over {escape(str(baseline))} in the {metric} (each design point's mean "
            "paired difference)"
        )
    elif arm and arms > 1:
        of += f" under {escape(str(arm))} (one arm's outcome, not an advantage)"
    whiskers = "the index ± 1.96 standard errors of SALib's bootstrap resamples"
    if method == "morris":
        return (
            f"Morris screening of {of}: each factor's mean absolute elementary effect (mu*) with its 95 % interval "
            f"({whiskers}). It ranks factors by how much moving each one moves the outcome; it is not a share of "
            "variance, and intervals reaching zero mean too few trajectories to tell."
        )
    if method == "rbd_fast":
        return (
            f"RBD-FAST first-order indices of {of}: the share of its variance between design points that each "
            f"factor explains alone, with its 95 % interval ({whiskers}). It gives no total index, so interactions "
            "are not shown; intervals crossing zero, or wider than the gaps between factors, mean too few design "
            "points to rank them."
        )
    return (
        f"Sobol first-order (the factor alone) and total (with its interactions) indices of {of}, each with its "
        f"95 % interval ({whiskers}). A large gap between first-order and total means the factor works through "
        "interactions; negative values or intervals crossing zero mean too few samples."
    )
