"""Every validation experiment at its published size reproduces every published pattern within its tolerance.

Slow: Levinthal takes seconds and March a few minutes; Lazer & Friedman and Rivkin & Siggelkow run on the
collective-impact model once it offers what they need (until then they are skipped, naming the needs).
"""

from __future__ import annotations

import pytest

from cisim.validation import drivers, run_experiment
from cisim.validation.report import row_label
from cisim.validation.runner import REPRODUCED, SKIPPED
from tests.validation.shipped import FOLDER, shipped


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(p.stem for p in FOLDER.glob("*.toml")))
def test_published_patterns_are_reproduced_at_full_size(name):
    spec = shipped(name)
    outcome = run_experiment(spec, drivers()[spec.driver], quick=False)
    if outcome.status == SKIPPED:
        pytest.skip(f"{name} needs from the model: " + "; ".join(outcome.needs))
    failures = [
        f"{row_label(p.spec.label, row.key)}: published {row.published}, cisim {row.estimate}"
        for p in outcome.patterns
        for row in p.rows
        if row.verdict != REPRODUCED
    ]
    assert not failures, "\n".join(failures)
