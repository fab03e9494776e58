"""What ``cisim validate`` prints and writes: per pattern, the published figure beside cisim's, and a verdict."""

from __future__ import annotations

import math
from typing import Any

from cisim.validation.estimates import Estimate
from cisim.validation.runner import (
    NOT_REPRODUCED,
    REPRODUCED,
    ExperimentOutcome,
    PatternOutcome,
    tolerance_text,
)
from cisim.validation.spec import MECHANISMS

LABEL_WIDTH = 50


def number(value: float | None) -> str:
    """A figure at a precision that suits its size (``n/a`` when missing)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    magnitude = abs(value)
    if magnitude >= 100:
        return f"{value:.0f}"
    if magnitude >= 10:
        return f"{value:.1f}"
    return f"{value:.3f}" if magnitude < 1 else f"{value:.2f}"


def row_label(label: str, key: str | None) -> str:
    """A comparison's label: ``{key}`` in the pattern's label is replaced by the row's key, else it is appended."""
    if key is None:
        return label.replace("{key}", "").strip(" ,=")
    return label.replace("{key}", key) if "{key}" in label else f"{label}, {key}"


def _cisim(estimate: Estimate | None) -> str:
    if estimate is None:
        return "not measured"
    return f"{number(estimate.mean)} [{number(estimate.low)}, {number(estimate.high)}]"


def _published(value: Any) -> str:
    """The published figure for the table; a direction given in words is quoted under its pattern's source."""
    if value is None:
        return "-"
    if isinstance(value, float):
        return number(value)
    return "direction" if len(str(value)) > 10 else str(value)


def describe_sizes(sizes: dict[str, Any]) -> str:
    """Sizes in a few words: ``replicates 1000, 9 socialisation_rates``."""
    return ", ".join(f"{len(v)} {k}" if isinstance(v, list) else f"{k} {v}" for k, v in sizes.items())


def render(outcome: ExperimentOutcome) -> str:
    """The experiment's block of the report: a header line, then one line per comparison, then sources."""
    spec = outcome.spec
    size = describe_sizes(outcome.sizes)
    header = f"{spec.name}: {spec.title}"
    lines = [
        header,
        f"  {'quick' if outcome.quick else 'full'} size ({size}), seed {spec.seed}, {outcome.wall_time:.1f} s",
        "  exercises: "
        + (", ".join(spec.exercises) or "none of cisim's model")
        + (" (a standalone reimplementation: it does not run cisim's model)" if spec.standalone else ""),
        "",
        f"  {'pattern':<{LABEL_WIDTH}} {'published':>10}  {'cisim [95 % CI]':<28} {'tolerance':<18} verdict",
    ]
    for pattern in outcome.patterns:
        for row in pattern.rows:
            label = row_label(pattern.spec.label, row.key)
            if len(label) > LABEL_WIDTH:  # said whole on a line of its own, its figures on the next
                lines.append(f"  {label}")
                label = ""
            lines.append(
                f"  {label:<{LABEL_WIDTH}} {_published(row.published):>10}  {_cisim(row.estimate):<28} "
                f"{tolerance_text(pattern.spec, row):<18} {row.verdict}"
            )
    lines.append("")
    lines.append("  where the published figures come from:")
    for pattern in outcome.patterns:
        lines.append(f"    {pattern.spec.name}: {pattern.spec.source}")
    if spec.standalone:
        lines.append(f"  standalone: {spec.standalone}")
    lines += [f"  note: {note}" for note in outcome.measurements.notes]
    return "\n".join(lines)


def summary(outcomes: list[ExperimentOutcome]) -> str:
    """Closing lines: patterns reproduced and not reproduced, and the model's mechanisms the runs went through."""
    verdicts = [p.verdict for o in outcomes for p in o.patterns]
    text = f"{verdicts.count(REPRODUCED)} of {len(verdicts)} patterns reproduced"
    if verdicts.count(NOT_REPRODUCED):
        text += f", {verdicts.count(NOT_REPRODUCED)} not reproduced"
    through = {m for o in outcomes if not o.spec.standalone for m in o.spec.exercises}
    untested = [m for m in MECHANISMS if m not in through]
    text += "\nmechanisms of the model exercised: " + (", ".join(m for m in MECHANISMS if m in through) or "none")
    if untested:
        text += "; not exercised by these runs: " + ", ".join(untested)
    reused = {m for o in outcomes if o.spec.standalone for m in o.spec.exercises}
    if reused:  # what a standalone experiment's own line calls "exercises", said here as what it is
        text += "; reused, outside the model, by a standalone reimplementation: " + ", ".join(
            m for m in MECHANISMS if m in reused
        )
    return text


def record(outcome: ExperimentOutcome) -> dict[str, Any]:
    """The experiment as one JSON object: sizes, wall time, raw measures, and every pattern's verdict."""
    spec = outcome.spec
    entry: dict[str, Any] = {
        "name": spec.name,
        "title": spec.title,
        "citation": spec.citation,
        "driver": spec.driver,
        "file": str(spec.path),
        "size": "quick" if outcome.quick else "full",
        "sizes": outcome.sizes,
        "seed": spec.seed,
        "exercises": list(spec.exercises),
        "runs_through_model": bool(spec.exercises) and not spec.standalone,
    }
    if spec.standalone:
        entry["standalone"] = spec.standalone
    entry["wall_time_seconds"] = round(outcome.wall_time, 3)
    entry["measured"] = outcome.measurements.measured
    entry["notes"] = outcome.measurements.notes
    entry["patterns"] = {p.spec.name: _pattern_record(p) for p in outcome.patterns}
    return entry


def _pattern_record(pattern: PatternOutcome) -> dict[str, Any]:
    spec = pattern.spec
    base: dict[str, Any] = {
        "label": spec.label,
        "measure": spec.measure,
        "check": spec.check,
        "source": spec.source,
        "tolerance": {
            "absolute": spec.tolerance,
            "relative": spec.tolerance_relative,
            "threshold": spec.threshold,
            "text": tolerance_text(spec),
            "standard_errors": spec.tolerance_se,
            "published_n": spec.published_n,
        },
        "verdict": pattern.verdict,
    }
    if spec.note:
        base["note"] = spec.note
    rows = pattern.rows
    if len(rows) == 1 and rows[0].key is None:
        row = rows[0]
        base.update(
            published=row.published,
            measured=_value(row.estimate),
            interval=_interval(row.estimate),
            standard_error=_se(row.estimate),
        )
        if row.arithmetic:
            base.update(allowed=row.allowed, tolerance_arithmetic=row.arithmetic)
    else:
        base.update(
            published={r.key: r.published for r in rows},
            measured={r.key: _value(r.estimate) for r in rows},
            interval={r.key: _interval(r.estimate) for r in rows},
            verdicts={r.key: r.verdict for r in rows},
            standard_error={r.key: _se(r.estimate) for r in rows},
        )
        if any(r.arithmetic for r in rows):
            base.update(
                allowed={r.key: r.allowed for r in rows}, tolerance_arithmetic={r.key: r.arithmetic for r in rows}
            )
    return base


def _value(estimate: Estimate | None) -> float | None:
    return None if estimate is None or math.isnan(estimate.mean) else estimate.mean


def _se(estimate: Estimate | None) -> float | None:
    return None if estimate is None or math.isnan(estimate.se) else estimate.se


def _interval(estimate: Estimate | None) -> list[float] | None:
    return None if estimate is None or math.isnan(estimate.low) else [estimate.low, estimate.high]
