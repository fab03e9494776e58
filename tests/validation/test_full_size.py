"""Every validation experiment at its published size: each published pattern is reproduced within its tolerance,
except those docs/validation.md lists as not reproduced, each with its reason.

Slow: Levinthal takes seconds, March and Rivkin & Siggelkow under a minute, Lazer & Friedman about six minutes.
"""

from __future__ import annotations

import pytest

from cisim.validation import drivers, run_experiment
from cisim.validation.report import row_label
from cisim.validation.runner import REPRODUCED
from tests.validation.shipped import FOLDER, shipped

#: Patterns cisim does not reproduce at the published size, and why (docs/validation.md, "Not reproduced"). The
#: test fails if one of them comes to be reproduced, so that this list and the docs are brought up to date.
NOT_REPRODUCED: dict[str, dict[str, str]] = {}


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(p.stem for p in FOLDER.glob("*.toml")))
def test_published_patterns_are_reproduced_at_full_size(name):
    spec = shipped(name)
    outcome = run_experiment(spec, drivers()[spec.driver], quick=False)
    expected = NOT_REPRODUCED.get(name, {})
    failures = [
        f"{row_label(p.spec.label, row.key)}: published {row.published}, cisim {row.estimate}"
        for p in outcome.patterns
        if p.spec.name not in expected
        for row in p.rows
        if row.verdict != REPRODUCED
    ]
    assert not failures, "\n".join(failures)
    now_reproduced = [p.spec.name for p in outcome.patterns if p.spec.name in expected and p.verdict == REPRODUCED]
    assert not now_reproduced, f"reproduced now, update NOT_REPRODUCED and docs/validation.md: {now_reproduced}"
