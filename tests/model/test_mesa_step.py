"""``model.step()`` runs the model's own step without Mesa's event list while nothing else is scheduled.

Every test compares with Mesa's own ``Model._wrapped_step`` (time advanced through the event list): the same
times, step counts, schedule, events fired and outputs.
"""

from __future__ import annotations

import mesa
import numpy as np
import pytest
from mesa.time import Schedule

from cisim.model import CollectiveImpactModel

SMALL = {"n_organizations": 6, "n_elements": 8, "k": 2, "n_domains": 2, "steps": 12}


def _step(model: CollectiveImpactModel) -> None:
    model.step()


def _mesa_step(model: CollectiveImpactModel) -> None:
    mesa.Model._wrapped_step(model)


def _state(model: CollectiveImpactModel) -> tuple:
    schedule = model._default_schedule
    return (
        model.time,
        model.steps,
        schedule.execution_count,
        schedule.next_scheduled_time,
        len(model._event_list),
        model.running,
    )


class Recorder:
    """A user's callbacks: each records when it ran (events hold weak references, so it is kept alive)."""

    def __init__(self, model: CollectiveImpactModel) -> None:
        self.model = model
        self.fired: list[tuple[str, float, int]] = []

    def once(self) -> None:
        self.fired.append(("once", self.model.time, self.model.steps))

    def tick(self) -> None:
        self.fired.append(("tick", self.model.time, self.model.steps))

    def heard(self, signal: object) -> None:
        self.fired.append(("time", self.model.time, self.model.steps))


def _pair(seed: int = 3) -> tuple[CollectiveImpactModel, CollectiveImpactModel]:
    return CollectiveImpactModel(rng=seed, **SMALL), CollectiveImpactModel(rng=seed, **SMALL)


def test_the_same_steps_times_and_outputs_as_mesas_event_list():
    fast, slow = _pair()
    for _ in range(SMALL["steps"] + 3):  # past the planned steps too
        fast.step()
        _mesa_step(slow)
        assert _state(fast) == _state(slow)
    assert fast.outcomes == slow.outcomes
    np.testing.assert_array_equal(fast.series().to_numpy(), slow.series().to_numpy())


def test_the_schedules_event_is_put_back_as_a_new_event_would_be():
    model = CollectiveImpactModel(rng=1, **SMALL)
    before = model._default_schedule._current_event.unique_id
    model.step()
    pending = model._default_schedule._current_event
    assert model._event_list._events == [pending]
    assert pending.time == 2.0 and pending.unique_id > before
    assert not pending.CANCELED


@pytest.mark.parametrize("when", [0.5, 1.0, 3.0, 3.5, 7.0])
def test_a_users_event_fires_when_mesa_would_fire_it(when):
    fast, slow = _pair()
    records = []
    for model, advance in ((fast, _step), (slow, _mesa_step)):
        recorder = Recorder(model)
        model.schedule_event(recorder.once, at=when)
        for _ in range(9):
            advance(model)
        records.append((recorder.fired, _state(model), list(model.outcomes)))
    assert records[0] == records[1]
    assert [name for name, *_ in records[0][0]] == ["once"]


def test_a_users_recurring_schedule_and_a_paused_step_go_through_mesas_own():
    fast, slow = _pair()
    records = []
    for model, advance in ((fast, _step), (slow, _mesa_step)):
        recorder = Recorder(model)
        generator = model.schedule_recurring(recorder.tick, Schedule(interval=2.0, start=1.0, end=6.0))
        for _ in range(4):
            advance(model)
        model._default_schedule.pause()
        advance(model)  # nothing runs but the user's generator
        model._default_schedule.resume()
        for _ in range(4):
            advance(model)
        generator.stop()
        for _ in range(2):
            advance(model)
        records.append((recorder.fired, _state(model), list(model.outcomes)))
    assert records[0] == records[1]
    assert records[0][1][1] == 10  # ten steps ran: eleven advances, one while paused


def test_observers_of_time_hear_every_step():
    fast, slow = _pair()
    records = []
    for model, advance in ((fast, _step), (slow, _mesa_step)):
        recorder = Recorder(model)
        model.observe("time", "changed", recorder.heard)
        for _ in range(5):
            advance(model)
        records.append(recorder.fired)
    assert records[0] == records[1]
    assert [time for _, time, _ in records[0]] == [1.0, 2.0, 3.0, 4.0, 5.0]


def test_after_time_moved_off_the_step_mesas_own_runs_and_the_fast_path_returns():
    fast, slow = _pair()
    for model, advance in ((fast, _step), (slow, _mesa_step)):
        advance(model)
        model.run_for(0.5)  # time 1.5, the next step due at 2.0: Mesa runs it at 2.0 and stops at 2.5
        for _ in range(4):
            advance(model)
    assert _state(fast) == _state(slow)
    assert fast.time == 5.5 and fast.steps == 5
    assert fast.outcomes == slow.outcomes


def test_a_run_with_nothing_else_scheduled_steps_without_the_event_list(monkeypatch):
    def refused(self, until):
        raise AssertionError("went through Mesa's event list")

    model = CollectiveImpactModel(rng=2, **SMALL)
    monkeypatch.setattr(mesa.Model, "_advance_time", refused)
    for _ in range(5):
        model.step()
    assert model.steps == 5 and model.time == 5.0
