"""Markdown tables for docs/validation.md from the records of `cisim validate --json`.

Usage:
    python scripts/validation_tables.py FULL.json [QUICK_SEED0.json QUICK_SEED1.json QUICK_SEED2.json]
    python scripts/validation_tables.py --patterns FULL.json QUICK_SEED0.json QUICK_SEED1.json QUICK_SEED2.json

For each experiment in FULL.json, one row per comparison: the published figure, cisim's mean with its 95 %
interval, the allowance with its arithmetic (reading error + z x SE of the difference), and the verdict at
full size; with three quick records, the verdicts at the quick size for each of their seeds.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

TIMES = "\N{MULTIPLICATION SIGN}"


def number(value: Any) -> str:
    """A figure at a precision that suits its size."""
    if value is None:
        return "n/a"
    if isinstance(value, str):
        return value
    magnitude = abs(value)
    if magnitude >= 100:
        return f"{value:.0f}"
    if magnitude >= 10:
        return f"{value:.1f}"
    return f"{value:.3f}"


def rows(entry: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Every comparison of an experiment as (label, fields), one per row of a table pattern."""
    out = []
    for name, pattern in entry["patterns"].items():
        keyed = isinstance(pattern.get("verdicts"), dict)
        keys = list(pattern["verdicts"]) if keyed else [None]
        for key in keys:

            def pick(field: str, key: str | None = key, pattern: dict[str, Any] = pattern) -> Any:
                value = pattern.get(field)
                if isinstance(value, dict) and key is not None:
                    return value.get(key)
                return value

            label = pattern["label"]
            label = label.replace("{key}", key) if key and "{key}" in label else (f"{label}, {key}" if key else label)
            out.append(
                (
                    f"{name}|{key}",
                    {
                        "label": label.replace("{key}", "").strip(" ,"),
                        "published": pick("published"),
                        "measured": pick("measured"),
                        "interval": pick("interval"),
                        "allowed": pick("allowed"),
                        "arithmetic": pick("tolerance_arithmetic"),
                        "tolerance": pattern["tolerance"]["text"],
                        "verdict": pick("verdicts") if keyed else pattern["verdict"],
                    },
                )
            )
    return out


def pattern_summary(paths: list[str]) -> None:
    """One row per pattern: how many of its comparisons are reproduced at full size and at each quick seed."""
    full = json.loads(Path(paths[0]).read_text())
    quick = [{e["name"]: e for e in json.loads(Path(p).read_text())} for p in paths[1:]]

    def count(pattern: dict[str, Any] | None) -> str:
        if pattern is None:
            return "-"
        verdicts = pattern.get("verdicts")
        if isinstance(verdicts, dict):
            good = sum(v == "reproduced" for v in verdicts.values())
            return f"{good} of {len(verdicts)}" + ("" if good == len(verdicts) else " (**not all**)")
        return "yes" if pattern["verdict"] == "reproduced" else "**no**"

    heads = ["experiment", "pattern", "full size"] + [f"quick, seed +{i}" for i in range(len(quick))]
    print("| " + " | ".join(heads) + " |")
    print("| " + " | ".join("---" for _ in heads) + " |")
    for entry in full:
        for name, pattern in entry["patterns"].items():
            seeds = [q.get(entry["name"], {}).get("patterns", {}).get(name) for q in quick]
            print("| " + " | ".join([entry["name"], name, count(pattern), *(count(s) for s in seeds)]) + " |")
    times = ["wall time"] + [
        ", ".join(f"{e['name']} {e['wall_time_seconds']:.0f} s" for e in json.loads(Path(p).read_text())) for p in paths
    ]
    print()
    for label, text in zip(["full"] + [f"quick, seed +{i}" for i in range(len(quick))], times[1:], strict=True):
        print(f"- {label}: {text}")


def main(paths: list[str]) -> None:
    """Print one table per experiment of the first record, with the quick records' verdicts beside."""
    full = json.loads(Path(paths[0]).read_text())
    quick = [{e["name"]: dict(rows(e)) for e in json.loads(Path(p).read_text())} for p in paths[1:]]
    for entry in full:
        seeds = [q.get(entry["name"]) for q in quick]
        print(f"\n### {entry['name']} ({entry['size']} size, {entry['wall_time_seconds']:.0f} s)\n")
        heads = ["comparison", "published", "cisim [95 % CI]", "tolerance (arithmetic)", "verdict, full"]
        heads += [f"quick, seed {i}" for i in range(len(seeds))]
        print("| " + " | ".join(heads) + " |")
        print("| " + " | ".join("---" for _ in heads) + " |")
        for key, row in rows(entry):
            interval = row["interval"]
            cisim = number(row["measured"])
            if interval:
                cisim += f" [{number(interval[0])}, {number(interval[1])}]"
            # "±0.031 = 0.01 + 3 x 0.0071; SE of the difference ..." -> "0.01 + 3 TIMES 0.0071 = ±0.031"
            arithmetic = (row["arithmetic"] or "").split(";")[0]
            if " = " in arithmetic:
                allowed, _, sum_ = arithmetic.partition(" = ")
                tolerance = f"{sum_.replace(' x ', f' {TIMES} ')} = {allowed}"
            else:
                tolerance = arithmetic or row["tolerance"]
            published = row["published"]
            if isinstance(published, str) and len(published) > 12:
                published = "direction"
            cells = [row["label"], number(published), cisim, tolerance, row["verdict"]]
            cells += [(s[key]["verdict"] if s and key in s else "-") for s in seeds]
            print("| " + " | ".join(str(c) for c in cells) + " |")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--patterns"]:
        pattern_summary(sys.argv[2:])
    else:
        main(sys.argv[1:])
