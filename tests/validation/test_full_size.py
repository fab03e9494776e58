"""Every validation experiment at its published size: each published pattern is reproduced within its tolerance,
except those docs/validation.md lists as not reproduced, each with its reason.

Slow: Levinthal takes seconds, March and Rivkin & Siggelkow under a minute, Lazer & Friedman about ten minutes.
"""

from __future__ import annotations

import pytest

from cisim.validation import drivers, run_experiment
from cisim.validation.report import row_label
from cisim.validation.runner import REPRODUCED
from tests.validation.shipped import FOLDER, shipped

#: Patterns cisim does not reproduce at the published size, and why (docs/validation.md, "Not reproduced"). The
#: evidence is scripts/lazer_friedman_rules.py: the paper's rules written out directly, run on the same 1000
#: problems, networks and starting solutions. The test fails if one of them comes to be reproduced, so that this
#: list and the docs are brought up to date.
NOT_REPRODUCED: dict[str, dict[str, str]] = {
    "lazer_friedman_2007": {
        "network_contests": (
            "5 of 20 contests outside +-0.05. lattice>linear 0.154, lattice>small_world 0.361, small_world>lattice "
            "0.061 (published 0.216, 0.478, 0.222): cisim's arms share their search draws (one seed), so networks "
            "that differ in a few links often end on the same solution (lattice against small world: 58 % ties); "
            "the paper's rules with draws shared the same way give 0.163, 0.354, 0.078, with each network's own "
            "draws 0.223, 0.449, 0.243. lattice>complete 0.813 and small_world>complete 0.694 (published 0.762, "
            "0.632): the paper's rules on the same problems give 0.789-0.798 and 0.681-0.685, as far above"
        ),
        "final_scores": (
            "linear at round 100 0.813 (published 0.867, read off Figure 4); the paper's rules on the same problems "
            "and starts give 0.816, so the gap is not in cisim's rules"
        ),
        "linear_keeps_diversity": (
            "17.6 distinct solutions at round 16 in the linear network (published about 13, p. 680); the paper's "
            "rules on the same problems and starts give 17.7"
        ),
        "velocity_scores": (
            "velocity 50 %, 20 %, 10 % at round 50: 0.584, 0.666, 0.740 (published 0.635, 0.710, 0.786, read off "
            "Figure 10); the paper's rules on the same problems and starts give 0.583, 0.673, 0.736"
        ),
    },
}


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
