"""Lazer & Friedman and Rivkin & Siggelkow at their --quick sizes: every published direction holds.

Slow (about two and a half minutes together): the quick sizes run the full model on the published problem sizes
with fewer replicates. A direction is reproduced when cisim's whole 95 % interval lies on the published
side of zero (the experiment file's check); the published levels are judged at full size
(tests/validation/test_full_size.py, docs/validation.md).
"""

from __future__ import annotations

import pytest

from cisim.validation import drivers, run_experiment
from cisim.validation.report import row_label
from cisim.validation.runner import REPRODUCED
from tests.validation.shipped import shipped


@pytest.mark.slow
@pytest.mark.parametrize("name", ["lazer_friedman_2007", "rivkin_siggelkow_2003"])
def test_quick_run_reproduces_every_published_direction(name):
    spec = shipped(name)
    outcome = run_experiment(spec, drivers()[spec.driver], quick=True)
    directions = [p for p in outcome.patterns if p.spec.check in ("above", "below")]
    assert directions
    failures = [
        f"{row_label(p.spec.label, row.key)}: published {row.published}, cisim {row.estimate}"
        for p in directions
        for row in p.rows
        if row.verdict != REPRODUCED
    ]
    assert not failures, "\n".join(failures)
