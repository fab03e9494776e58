"""Uniform numbers no rule of a run reads are stepped over, not drawn, and every later draw stays as it was."""

import numpy as np
import pytest

from cisim.experiments import run_model
from cisim.model import CollectiveImpactModel


def _drawing_everything(monkeypatch):
    monkeypatch.setattr(CollectiveImpactModel, "_unread_draws", lambda self: set())


@pytest.mark.parametrize(
    "changes, skipped",
    [
        (
            dict(organizations__solutions="own", communication__network="complete", communication__copy_error=0.0),
            {"contacts", "gap", "copy", "cross", "cross_pick"},
        ),
        (dict(organizations__gap_uptake=0.0, regions__n_regions=2, regions__cross_region=0.3), {"gap", "copy"}),
    ],
)
def test_skipping_unread_draws_changes_nothing(small, monkeypatch, changes, skipped):
    scenario = small.with_values(**changes).with_arm("collective")
    model = CollectiveImpactModel.from_scenario(scenario, rng=8)
    assert model._unread_draws() == skipped
    skipping = run_model(scenario, 8).series
    _drawing_everything(monkeypatch)
    drawing = run_model(scenario, 8).series
    assert skipping.equals(drawing)


def test_the_parts_read_are_the_numbers_a_whole_block_would_hold(small, monkeypatch):
    scenario = small.with_values(organizations__solutions="own", communication__copy_error=0.0).with_arm("collective")
    skipping = CollectiveImpactModel.from_scenario(scenario, rng=3)
    unread = skipping._unread_draws()
    first = [skipping._draw()._asdict() for _ in range(3)]
    _drawing_everything(monkeypatch)
    whole = CollectiveImpactModel.from_scenario(scenario, rng=3)
    second = [whole._draw()._asdict() for _ in range(3)]
    for step, (kept, full) in enumerate(zip(first, second, strict=True)):
        for name, values in full.items():
            if name in unread:
                assert not kept[name].any(), (step, name)  # stepped over: zeros
            else:
                assert np.array_equal(kept[name], values), (step, name)
