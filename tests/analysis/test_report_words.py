"""The report's question and answer say what a reader needs to quote them right (fast: no runs).

The question names the ``--set`` values every run was made with; every interval the answer states says which
interval it is (``cisim compare`` prints a t-interval of the same difference); "clearly" and "did better" need
both the interval and Wilcoxon's test on the same pairs.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from cisim.analysis.results import Results
from cisim.report.words import question


def results(description, overrides):
    manifest = {"experiment": {"description": description}, "options": {"overrides": overrides}}
    return Results(Path("."), pd.DataFrame(), manifest, {})


@pytest.mark.parametrize(
    ("description", "overrides", "expected"),
    [
        (
            "complex: isolated vs scenario, 20 paired replicates (cisim compare)",
            ["conditions.backbone=0.5"],
            "complex: isolated vs scenario, 20 paired replicates (cisim compare) with --set conditions.backbone=0.5",
        ),
        (
            "Fund a backbone?",
            ["conditions.backbone=0.5", "problem.k=4"],
            "Fund a backbone? Run with --set conditions.backbone=0.5, --set problem.k=4.",
        ),
        ("Fund a backbone?", [], "Fund a backbone?"),
    ],
)
def test_the_question_names_the_set_values_the_runs_were_made_with(description, overrides, expected):
    assert question(results(description, overrides)) == expected


def test_a_manifest_without_options_asks_the_plain_question():
    old = Results(Path("."), pd.DataFrame(), {"experiment": {"description": "Q?"}}, {})
    assert old.overrides == [] and question(old) == "Q?"
