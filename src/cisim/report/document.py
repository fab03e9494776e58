"""One self-contained HTML report of a sweep: the answer first, then the evidence, then how it was made.

Order: the headline in plain language (``#headline``), the key table (``#key-table``), cautions where the
samples are too small for the statistics shown (``#warnings``), figures with captions (``#figures``), then the
design, detailed tables, scenario parameters and the manifest. Figures are embedded; the file loads nothing
from anywhere and runs no script.
"""

from __future__ import annotations

import base64
import contextlib
import html
import json
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd

import cisim.report.words as words
from cisim.analysis.attribution import AttributionError, attribute
from cisim.analysis.findings import along_the_factor, cautions, headline, key_comparisons
from cisim.analysis.pooled import PooledError, is_sampled, pooled
from cisim.analysis.results import Results
from cisim.analysis.sensitivity import SensitivityError, sensitivity
from cisim.analysis.statistics import FEW_PAIRS
from cisim.analysis.tables import describe, paired_comparisons, without_few_intervals
from cisim.files import write_text
from cisim.model.outputs import RUN_SUMMARIES, label
from cisim.plots.results import plot_all
from cisim.scenarios.scenario import Scenario
from cisim.scenarios.schema import BY_KEY

STYLE = """
body { font-family: system-ui, sans-serif; max-width: 1100px; margin: 2em auto; padding: 0 1em; line-height: 1.45;
  color: #222; }
h1 { font-size: 1.7em; } h2 { margin-top: 1.8em; border-bottom: 1px solid #ccc; }
#headline { font-size: 1.12em; background: #f4f8fb; border-left: 5px solid #0072B2; padding: 0.4em 1.2em; }
#headline h2 { border: none; margin-top: 0.6em; }
#warnings li { margin: 0.3em 0; } #warnings { border-left: 5px solid #E69F00; padding: 0 1.2em; }
table { border-collapse: collapse; font-size: 0.9em; margin: 0.8em 0; }
th, td { border: 1px solid #ddd; padding: 0.25em 0.6em; text-align: right; }
th { background: #f3f3f3; } td:first-child, th:first-child { text-align: left; }
figure { margin: 1.4em 0; } img { max-width: 100%; } figcaption { color: #444; max-width: 60em; }
.note { color: #555; font-size: 0.92em; }
pre { background: #f7f7f7; padding: 1em; overflow-x: auto; font-size: 0.8em; }
"""

#: Columns of the key comparison table, with their headers.
KEY_COLUMNS = {
    "arm": "arm",
    "baseline": "against",
    "metric": "measure",
    "baseline_mean": "baseline mean",
    "arm_mean": "arm mean",
    "difference": "difference",
    "ci_low": "95 % CI low",
    "ci_high": "95 % CI high",
    "p_holm": "p (Wilcoxon, Holm)",
    "pairs": "paired runs",
}


#: Said above a table whose intervals may be n/a (``without_few_intervals``).
FEW_NOTE = (
    f"<p class='note'>n/a: no interval is shown where fewer than {FEW_PAIRS} runs (or pairs of runs) have a value; "
    "the CSV files of <code>cisim analyze</code> keep it beside its n.</p>"
)


def _table(frame: pd.DataFrame, digits: int = 3) -> str:
    return frame.to_html(index=False, float_format=lambda v: words.number(v, digits), border=0, na_rep="n/a")


def _section(identifier: str, title: str, *parts: str) -> str:
    return f'<section id="{identifier}"><h2>{html.escape(title)}</h2>\n' + "\n".join(parts) + "\n</section>"


def _figure(path: Path, caption: str) -> str:
    data = base64.b64encode(path.read_bytes()).decode()
    text = html.escape(caption)
    return (
        f'<figure id="figure-{path.stem}"><img alt="{text}" src="data:image/png;base64,{data}">'
        f"<figcaption>{text}</figcaption></figure>"
    )


#: Figure kinds (``cisim.plots.results.KINDS``) by the file stem each writes.
KIND_OF_STEM = {
    "outcome_over_time": "outcome",
    "final_outcome_distribution": "distribution",
    "advantage_heatmap": "heatmap",
    "advantage_along": "along",
    "advantage_by_factor": "factors",
    "cost_effectiveness": "cost",
    "duplication_gaps": "duplication",
    "condition_levels": "levels",
    "attribution": "attribution",
    "sensitivity": "sensitivity",
}


def build_report(results: Results | str | Path, baseline: str | None = None) -> str:
    """The report of a sweep's results as one HTML string (figures embedded), from the results alone.

    Args:
        results: the results (or their folder).
        baseline: the arm every other is compared with (default: the manifest's ``baseline``, else
            ``isolated`` when present, else the first arm).
    """
    results = Results.of(results)
    manifest = results.manifest
    baseline = baseline or results.baseline
    multi_arm = not results.done.empty and results.done["arm"].nunique() > 1
    key = key_comparisons(results, baseline) if multi_arm else None
    lead = headline(results, key, baseline) if key is not None else None
    per_scenario = _scenario_comparisons(results, lead.baseline) if lead is not None else None
    try:
        contributions, interactions = attribute(results.done)
    except AttributionError:
        contributions = interactions = None
    try:  # with several arms, of the headline's advantage, as analyze's pooled answer: not one arm's outcome
        indices: tuple[str, pd.DataFrame] | None = (
            sensitivity(results, arm=lead.arm, baseline=lead.baseline) if lead is not None else sensitivity(results)
        )
    except SensitivityError:
        indices = None

    title = html.escape(results.name)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{title}</title><style>{STYLE}</style></head><body><main>",
        f"<h1>{title}</h1>",
        f"<p><strong>Question.</strong> {html.escape(words.question(results))}</p>",
    ]

    if lead is not None:
        opposite = words.opposite_scenarios(per_scenario) if per_scenario is not None else None
        answer = words.comparison_headline(lead, opposite)
        if per_scenario is not None:  # the scenarios side by side are the question: their answers come first
            answer.insert(0, words.by_scenario_sentence(per_scenario))
        answer += [words.along_sentence(along) for along in along_the_factor(results, lead.baseline)]
    elif contributions is not None:
        answer = words.attribution_headline(contributions)
    elif indices is not None:
        answer = words.sensitivity_headline(*indices)
    else:
        answer = words.plain_headline(results)
    notes = cautions(results, key, contributions, indices)
    if is_sampled(results):
        with contextlib.suppress(PooledError):  # too few points to pool: the design's own tables stand
            answer += words.pooled_sentences(
                pooled(results, baseline=None if lead is None else lead.baseline),
                sampled=bool(manifest.get("sample")),
            )
    answer.append(html.escape(words.dynamics_sentence(results)))
    if notes:
        answer.append(f'Read the <a href="#warnings">{len(notes)} caution(s)</a> below before quoting these numbers.')
    keep_together = "95&nbsp;% "  # the percent sign stays on the line of its number
    parts.append(_section("headline", "Answer", *(f"<p>{text.replace('95 % ', keep_together)}</p>" for text in answer)))

    heading, *table = _key_table(results, key, contributions, indices, per_scenario)
    parts.append(_section("key-table", heading, *table))
    if notes:
        items = "".join(f"<li>{html.escape(note)}</li>" for note in notes)
        parts.append(_section("warnings", "Read with care", f"<ul>{items}</ul>"))
    else:
        parts.append(
            _section(
                "warnings", "Read with care", "<p>No cautions: every run is in and the samples are large enough.</p>"
            )
        )
    parts.append(_section("figures", "Figures", *_figures(results, lead, contributions, indices)))
    parts.append(_section("design", "Design", *_design(results)))
    parts.append(_section("details", "Detailed tables", *_details(results, multi_arm, interactions, indices)))
    parts.append(_section("scenario-parameters", "Scenario parameters", *_scenarios(results)))
    parts.append(
        _section(
            "manifest",
            "Manifest",
            "<details><summary>The sweep's manifest: versions, seeds, platform, timing</summary><pre>"
            + html.escape(json.dumps(manifest, indent=2, default=str))
            + "</pre></details>",
        )
    )
    shown = [m for m in RUN_SUMMARIES if m in results.frame.columns]
    parts.append(
        "<p class='note'>Measures: "
        + html.escape("; ".join(f"{label(m)} ({m}): {RUN_SUMMARIES[m].meaning}" for m in shown))
        + ".</p>"
    )
    parts.append("</main></body></html>")
    return "\n".join(parts)


def write_report(results: Results | str | Path, target: Path, baseline: str | None = None) -> Path:
    """Build the report and write it to ``target`` (whole or not at all: an interrupted write leaves no file)."""
    write_text(target, build_report(results, baseline))
    return target


def _key_table(
    results: Results,
    key: pd.DataFrame | None,
    contributions: pd.DataFrame | None,
    indices: tuple[str, pd.DataFrame] | None,
    per_scenario: pd.DataFrame | None = None,
) -> list[str]:
    if key is not None and not key.empty:
        table = key[list(KEY_COLUMNS)].assign(metric=key["metric"].map(label), p_holm=key["p_holm"].map(words.p_text))
        table = table.rename(columns=KEY_COLUMNS)
        return [
            "Key results: each design against the baseline",
            _table(table),
            "<p class='note'>Each arm against the baseline over every design point at once, run by run: both arms "
            "of a pair faced the same problem and starting state. Intervals: bootstrap (BCa) of the mean difference; "
            "p: Wilcoxon signed-rank test with Holm's correction over this table. (<code>cisim compare</code> prints a "
            "t-interval of the same mean difference, so its bounds differ slightly.)</p>",
            *_by_scenario(per_scenario),
        ]
    if contributions is not None:
        return [
            "Key results: attribution of the advantage (Shapley values)",
            _table(contributions),
            "<p class='note'>Shapley values: each factor's average marginal contribution to the advantage of all on "
            "over all off, over every order of joining; they add up to the total. Intervals: percentile bootstrap "
            "over replicates.</p>",
        ]
    if indices is not None:
        method, table = indices
        name = {
            "saltelli": "Sobol indices (first order S1, total ST)",
            "rbd_fast": "RBD-FAST first-order indices (any sample)",
        }.get(method, "Morris screening")
        short = {"saltelli": "Sobol", "rbd_fast": "RBD-FAST"}.get(method, "Morris")
        heading = f"Key results: global sensitivity ({short})"
        return [heading, _table(table), f"<p class='note'>{name} with 95 % intervals, from SALib.</p>"]
    summary = describe(results.done, ["final_outcome", "outcome_auc", "cost_effectiveness"])
    shown = (
        _table(_scenario_column(results, without_few_intervals(summary, "n")))
        if not summary.empty
        else "<p>No finished runs yet.</p>"
    )
    return ["Key results by arm", shown]


def _several_scenarios(results: Results) -> bool:
    """Whether the results hold more than one base scenario (then tables keep the scenario column)."""
    return not results.done.empty and results.done["scenario"].nunique() > 1


def _scenario_comparisons(results: Results, baseline: str) -> pd.DataFrame | None:
    """With several base scenarios, each design against the baseline scenario by scenario (else None).

    The key table pools the scenarios; an experiment that sets scenarios side by side (``when_it_fails``) asks
    about each one, so the same comparison is made within each, paired run by run as before.
    """
    if not _several_scenarios(results):
        return None
    return paired_comparisons(results.done, baseline, ["final_outcome", "total_spend"], by=["scenario"])


def _by_scenario(per_scenario: pd.DataFrame | None) -> list[str]:
    """The by-scenario comparison as a table under the key table (nothing with one base scenario)."""
    if per_scenario is None:
        return []
    table = per_scenario[["scenario", *KEY_COLUMNS]].assign(
        metric=per_scenario["metric"].map(label), p_holm=per_scenario["p_holm"].map(words.p_text)
    )
    return [
        "<h3>By scenario</h3>",
        FEW_NOTE + _table(without_few_intervals(table, "pairs").rename(columns=KEY_COLUMNS)),
        "<p class='note'>The same comparison within each base scenario (its design points pooled), run by run; "
        "Holm's correction over this table.</p>",
    ]


def _figures(
    results: Results,
    lead: Any,
    contributions: pd.DataFrame | None,
    indices: tuple[str, pd.DataFrame] | None,
) -> list[str]:
    parts: list[str] = []
    skipped: list[str] = []
    with tempfile.TemporaryDirectory() as scratch:
        for path in plot_all(
            results,
            Path(scratch),
            report=skipped.append,
            contributions=contributions,
            indices=indices,
            baseline=None if lead is None else lead.baseline,
        ):
            if path.suffix == ".png":
                kind = KIND_OF_STEM.get(path.stem, path.stem)
                parts.append(_figure(path, words.caption(kind, results, lead, indices)))
    if skipped:
        items = "".join(f"<li>{html.escape(reason)}</li>" for reason in skipped)
        parts.append(f"<p class='note'>Figures these results do not allow:</p><ul class='note'>{items}</ul>")
    return parts


def _design(results: Results) -> list[str]:
    manifest = results.manifest
    arms = pd.DataFrame(
        [
            {
                "arm": a["name"],
                "starts from": a["preset"],
                "changes": ", ".join(f"{k} = {v}" for k, v in a["overrides"].items()) or "none",
            }
            for a in manifest.get("arms", [])
        ]
    )
    parts = [_table(arms)] if not arms.empty else []
    sample = manifest.get("sample") or {}
    rows = []
    for key, values in results.varied().items():
        if key in sample.get("ranges", {}):
            low, high = sample["ranges"][key]
            shown = f"{sample['method']} sample of {len(values)} values in [{low}, {high}]"
        else:
            shown = ", ".join(map(str, values))
        rows.append({"factor": key, "values varied": shown, "meaning": _meaning(key)})
    if rows:
        parts.append("<p>The design varies:</p>" + _table(pd.DataFrame(rows)))
    scenarios = len(manifest.get("scenarios", [])) or 1
    parts.append(
        f"<p>{results.runs:,} runs = {scenarios} scenario(s) &times; {results.points:,} design point(s) &times; "
        f"{results.replicates} replicate(s) &times; {len(results.arms)} arm(s); seed {manifest.get('seed')}. "
        f"{results.finished:,} done, {results.failed:,} failed, {results.missing:,} missing.</p>"
    )
    parts.append(f"<p>{html.escape(words.dynamics_sentence(results))}</p>")
    return parts


def _details(
    results: Results, multi_arm: bool, interactions: pd.DataFrame | None, indices: tuple[str, pd.DataFrame] | None
) -> list[str]:
    summary = describe(results.done, ["final_outcome", "cost_effectiveness", "mean_duplication"])
    parts = [
        _folded(
            "Results by arm and design point: mean, median and 95 % t-interval",
            (FEW_NOTE + _table(_scenario_column(results, without_few_intervals(summary, "n"))))
            if not summary.empty
            else "<p>No finished runs yet.</p>",
        )
    ]
    if multi_arm and (results.factors or _several_scenarios(results)):
        comparisons = paired_comparisons(results.done, metrics=["final_outcome", "outcome_auc", "cost_effectiveness"])
        parts.append(
            _folded(
                "Paired differences per design point",
                "<p class='note'>Bootstrap (BCa) 95 % intervals; Wilcoxon signed-rank p-values with Holm's correction "
                "over the whole table; Cohen's d_z and rank-biserial correlation as effect sizes.</p>"
                + FEW_NOTE
                + _table(_scenario_column(results, without_few_intervals(comparisons, "pairs"))),
            )
        )
    if interactions is not None and not interactions.empty:
        parts.append(
            _folded(
                "Interactions between factors",
                "<p class='note'>Shapley interaction index (Grabisch 1997): positive when two factors reinforce "
                "each other, negative when one substitutes for the other.</p>" + _table(interactions),
            )
        )
    if indices is not None and results.done["arm"].nunique() > 1:
        parts.append(_folded("Global sensitivity", _table(indices[1])))
    return parts


def _scenario_column(results: Results, table: pd.DataFrame) -> pd.DataFrame:
    """``table`` without its scenario column where the results hold one base scenario (it would say nothing)."""
    return table if _several_scenarios(results) else table.drop(columns=["scenario"])


def _folded(summary: str, body: str) -> str:
    return f"<details><summary>{html.escape(summary)}</summary>{body}</details>"


def _meaning(key: str) -> str:
    parameter = BY_KEY.get(key)
    return parameter.help if parameter is not None else ""


def _scenarios(results: Results) -> list[str]:
    """Each base scenario's parameters; those the design or the arms change show what they were given."""
    manifest = results.manifest
    varied = results.varied()
    parts = [
        "<p class='note'>Base values of each scenario. Parameters the design varies or the arms set show the "
        "values the runs used instead.</p>"
    ]
    for scenario in manifest.get("scenarios", []):
        base = Scenario(scenario["name"], "", dict(scenario["values"]))
        per_arm = {
            arm["name"]: {**base.with_arm(arm["preset"]).values, **arm["overrides"]} for arm in manifest.get("arms", [])
        }
        rows = []
        for key, value in scenario["values"].items():
            if key in varied:
                # An arm a factor does not apply to (a condition factor skips the isolated arm) holds its value.
                held = {
                    arm["name"]: per_arm[arm["name"]].get(key, value)
                    for arm in manifest.get("arms", [])
                    if key not in arm.get("factors", [key])
                }
                shown = "varied by the design (see Design)"
                if held:
                    others = [arm["name"] for arm in manifest.get("arms", []) if arm["name"] not in held]
                    shown = "; ".join([*(f"{name}: {v}" for name, v in held.items()), f"{', '.join(others)}: {shown}"])
            else:
                used = {name: values.get(key, value) for name, values in per_arm.items()} or {"": value}
                distinct = {json.dumps(v, default=str) for v in used.values()}
                if len(distinct) == 1:
                    shown = str(next(iter(used.values())))
                else:
                    shown = "; ".join(f"{name}: {v}" for name, v in used.items())
            rows.append({"parameter": key, "value in the runs": shown, "meaning": _meaning(key)})
        parts.append(
            f"<details><summary>{html.escape(scenario['name'])} ({html.escape(str(scenario.get('path', '')))})"
            f"</summary>{_table(pd.DataFrame(rows))}</details>"
        )
    return parts
