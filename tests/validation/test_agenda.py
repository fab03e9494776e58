"""The shared agenda and socialisation (March 1991): the mechanism's rules, and the published pattern (quick size)."""

from __future__ import annotations

import numpy as np
import pytest

from cisim.validation.agenda import SharedAgenda
from cisim.validation.runner import REPRODUCED


def coalition(p1=0.5, p2=0.5, coalitions=20, seed=4):
    return SharedAgenda(30, 50, p1, p2, coalitions, np.random.default_rng(seed))


def test_start_the_agenda_is_neutral_and_beliefs_carry_no_knowledge_on_average():
    start = coalition(coalitions=400)
    assert (start.agenda == 0).all()
    assert set(np.unique(start.beliefs)) == {-1, 0, 1}
    assert set(np.unique(start.reality)) == {-1, 1}
    knowledge = (start.beliefs * start.reality[:, None, :]).mean()
    assert abs(knowledge) < 0.01


def test_socialisation_moves_a_belief_one_step_towards_the_agenda_and_never_past_it():
    c = coalition(p1=1.0, p2=0.0)
    c.agenda[:] = 1
    before = c.beliefs.copy()
    c.step()
    assert (c.beliefs == np.minimum(before + 1, 1)).all()
    assert (c.agenda == 1).all()  # p2 = 0: the agenda never learns


def test_without_socialisation_beliefs_never_change():
    c = coalition(p1=0.0, p2=0.9)
    before = c.beliefs.copy()
    for _ in range(30):
        c.step()
    assert (c.beliefs == before).all()
    assert (c.agenda != 0).any()  # while the agenda learns from members who beat it


def test_beliefs_and_agenda_stay_within_minus_one_zero_one():
    c = coalition(p1=0.3, p2=0.9)
    for _ in range(50):
        c.step()
        assert set(np.unique(c.agenda)) <= {-1, 0, 1}
        assert set(np.unique(c.beliefs)) <= {-1, 0, 1}


def test_a_settled_coalition_stays_as_it_is():
    c = coalition(p1=0.9, p2=0.9)
    c.run(100_000)
    assert c.settled.all()
    agenda, beliefs, periods = c.agenda.copy(), c.beliefs.copy(), c.periods.copy()
    for _ in range(5):
        c.step()
    assert (c.agenda == agenda).all() and (c.beliefs == beliefs).all() and (c.periods == periods).all()
    assert (c.beliefs == c.agenda[:, None, :]).all()
    assert (c.agenda != 0).all()


def test_one_seed_gives_one_result():
    first, second = coalition(seed=11), coalition(seed=11)
    first.run(100_000)
    second.run(100_000)
    assert (first.knowledge() == second.knowledge()).all()
    assert (first.periods == second.periods).all()


def test_slower_socialisation_reaches_higher_equilibrium_knowledge(march_quick):
    """March's pattern, for every agenda learning rate: knowledge at p1 = 0.1 above p1 = 0.9 (95 % interval > 0)."""
    verdicts = {p.spec.name: p.verdict for p in march_quick.patterns}
    assert verdicts["slower_socialisation_higher_knowledge"] == REPRODUCED
    differences = march_quick.measurements.estimates["slow_minus_fast_socialisation"]
    assert set(differences) == {"p2=0.1", "p2=0.5", "p2=0.9"}
    assert all(d.low > 0 for d in differences.values())


def test_the_agenda_learning_rate_helps_slow_socialisation_and_hurts_fast(march_quick):
    verdicts = {p.spec.name: p.verdict for p in march_quick.patterns}
    assert verdicts["fast_agenda_learning_helps_slow_socialisation"] == REPRODUCED
    assert verdicts["slow_agenda_learning_helps_fast_socialisation"] == REPRODUCED


def test_quick_run_is_within_the_stated_tolerance_of_the_comparison_figures(march_quick):
    """Tolerance 0.02 (the experiment file's): every measured cell of Figure 1 close to the recreation's value."""
    pattern = next(p for p in march_quick.patterns if p.spec.name == "equilibrium_knowledge")
    assert len(pattern.rows) == 9  # the quick grid: three socialisation by three learning rates
    assert pattern.verdict == REPRODUCED
    nested = march_quick.measurements.measured["equilibrium_knowledge"]
    assert set(nested) == {"0.1", "0.5", "0.9"} and set(nested["0.9"]) == {"0.1", "0.5", "0.9"}
    assert nested["0.9"]["0.1"] == pytest.approx(0.9724, abs=0.02)
