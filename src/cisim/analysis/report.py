"""One self-contained HTML report of a sweep: question, design, scenarios, tables, figures and manifest."""

from __future__ import annotations

import base64
import html
import json
import tempfile
from pathlib import Path

import pandas as pd

from cisim.analysis.attribution import AttributionError, attribute
from cisim.analysis.sensitivity import SensitivityError, sensitivity
from cisim.analysis.tables import METRICS, describe, paired_comparisons
from cisim.experiments.store import load_results, read_manifest
from cisim.scenarios.schema import BY_KEY

STYLE = """
body { font-family: system-ui, sans-serif; max-width: 1100px; margin: 2em auto; line-height: 1.45; color: #222; }
h1 { font-size: 1.7em; } h2 { margin-top: 1.8em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; font-size: 0.9em; margin: 0.8em 0; }
th, td { border: 1px solid #ddd; padding: 0.25em 0.6em; text-align: right; }
th { background: #f3f3f3; } td:first-child, th:first-child { text-align: left; }
img { max-width: 100%; margin: 0.8em 0; } .note { color: #555; font-size: 0.92em; }
pre { background: #f7f7f7; padding: 1em; overflow-x: auto; font-size: 0.8em; }
"""


def _table(frame: pd.DataFrame, digits: int = 3) -> str:
    return frame.to_html(index=False, float_format=lambda v: f"{v:.{digits}f}", border=0, na_rep="n/a")


def _figure(path: Path, caption: str) -> str:
    data = base64.b64encode(path.read_bytes()).decode()
    return (
        f'<figure><img alt="{html.escape(caption)}" src="data:image/png;base64,{data}"><figcaption class="note">'
        f"{html.escape(caption)}</figcaption></figure>"
    )


def build_report(folder: str | Path) -> str:
    """The report of a results folder as one HTML string (figures embedded), from the folder alone."""
    from cisim.plots.results import plot_all

    folder = Path(folder)
    manifest = read_manifest(folder)
    frame = load_results(folder)
    done = frame[frame["status"] == "done"]
    experiment = manifest["experiment"]
    parts = [
        f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(experiment['name'])}</title>"
        f"<style>{STYLE}</style></head><body>",
        f"<h1>{html.escape(experiment['name'])}</h1><p><strong>Question.</strong> "
        f"{html.escape(experiment['description'])}</p>",
    ]
    state = f"{frame.attrs['done']} of {frame.attrs['runs']} runs done, {frame.attrs['failed']} failed"
    if frame.attrs["missing"]:
        state += f", <strong>{frame.attrs['missing']} missing</strong> (the sweep is not finished; resume it)"
    parts.append(
        f"<p class='note'>{state}. Outcomes are shares of achievable progress (0: the worst "
        "configuration of the problem, 1: the best). Differences between arms are paired by replicate: "
        "both arms faced the same problem and starting state.</p>"
    )

    parts.append("<h2>Design</h2>")
    arms = pd.DataFrame(
        [
            {
                "arm": a["name"],
                "starts from": a["preset"],
                "changes": ", ".join(f"{k} = {v}" for k, v in a["overrides"].items()) or "none",
            }
            for a in manifest["arms"]
        ]
    )
    parts.append(_table(arms))
    grid = manifest.get("grid") or {}
    design_rows = [{"factor": k, "values": ", ".join(map(str, v)), "meaning": BY_KEY[k].help} for k, v in grid.items()]
    sample = manifest.get("sample")
    if sample:
        design_rows += [
            {"factor": k, "values": f"{sample['method']} sample in [{lo}, {hi}]", "meaning": BY_KEY[k].help}
            for k, (lo, hi) in sample["ranges"].items()
        ]
    if design_rows:
        parts.append(_table(pd.DataFrame(design_rows)))
    parts.append(
        f"<p>{manifest['runs']} runs: {len(manifest['scenarios'])} scenario(s) x design points x "
        f"{manifest['replicates']} replicates x {len(manifest['arms'])} arms; seed {manifest['seed']}.</p>"
    )

    parts.append("<h2>Scenario parameters</h2>")
    for scenario in manifest["scenarios"]:
        values = pd.DataFrame(
            [
                {"parameter": k, "value": v, "meaning": BY_KEY[k].help}
                for k, v in scenario["values"].items()
                if k in BY_KEY
            ]
        )
        parts.append(
            f"<details><summary>{html.escape(scenario['name'])} ({html.escape(scenario['path'])})"
            f"</summary>{_table(values)}</details>"
        )

    parts.append("<h2>Results by arm</h2>")
    summary = describe(done)
    shown = summary[summary["metric"].isin(["final_outcome", "cost_effectiveness", "mean_duplication"])]
    parts.append(_table(shown.drop(columns=["scenario"])))
    if done["arm"].nunique() > 1:
        parts.append(
            "<h2>Paired differences between arms</h2><p class='note'>Bootstrap 95 % intervals; Wilcoxon "
            "signed-rank p-values with Holm's correction over the whole table; Cohen's d_z and "
            "rank-biserial correlation as effect sizes.</p>"
        )
        comparisons = paired_comparisons(done, metrics=["final_outcome", "outcome_auc", "cost_effectiveness"])
        parts.append(_table(comparisons.drop(columns=["scenario"]), 3))
    try:
        contributions, interactions = attribute(done)
    except AttributionError:
        pass
    else:
        parts.append(
            "<h2>Attribution</h2><p class='note'>Shapley values: each factor's average marginal "
            "contribution to the advantage of all on over all off, over every order of joining; they add "
            "up to the total. Intervals: bootstrap over replicates.</p>"
        )
        parts.append(
            _table(contributions) + "<p>Pairwise interactions (Shapley interaction index):</p>" + _table(interactions)
        )
    try:
        method, indices = sensitivity(folder)
    except SensitivityError:
        pass
    else:
        parts.append(f"<h2>Global sensitivity ({'Sobol' if method == 'saltelli' else 'Morris'})</h2>" + _table(indices))

    parts.append("<h2>Figures</h2>")
    with tempfile.TemporaryDirectory() as scratch:
        skipped: list[str] = []
        for path in plot_all(folder, Path(scratch), report=skipped.append):
            if path.suffix == ".png":
                parts.append(_figure(path, path.stem.replace("_", " ")))
        if skipped:
            parts.append("<p class='note'>" + "<br>".join(html.escape(s) for s in skipped) + "</p>")
    parts.append("<h2>Manifest</h2><pre>" + html.escape(json.dumps(manifest, indent=2, default=str)) + "</pre>")
    parts.append(f"<p class='note'>Metrics: {', '.join(f'{k} ({v})' for k, v in METRICS.items())}.</p></body></html>")
    return "\n".join(parts)
