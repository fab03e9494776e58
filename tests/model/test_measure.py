"""Measuring the state, compiled (``phases.measure``), enters what the array formula gives, to the last bit.

Each region's outcome after a step: its configuration's outcome, or in own-solution mode the mean of its
organizations' (summed in their order, as ``numpy.bincount`` with weights sums them); the same through the
shared measurement system where it tracks part of the problem.
"""

import numpy as np
import pytest

from cisim.model import CollectiveImpactModel
from cisim.problem.compiled import outcomes, tracked_outcomes


def _expected(model: CollectiveImpactModel) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-configuration outcomes, then each region's outcome and tracked outcome, by the array formula."""
    view = model._timely_view()
    state = model.population.known if model.own_solutions else model.region_configs
    scale = (view.tables[0], view.index_tables, view.minimum[0], view.spread[0], view.clip, state)
    values, _ = outcomes(*scale)
    seen = tracked_outcomes(*scale, model.tracked) if model.partial_measurement else values
    if not model.own_solutions:
        return values, values, seen
    rows, regions = model.population.region, len(model.regions)
    sizes = np.bincount(rows, minlength=regions)
    return (
        values,
        np.bincount(rows, weights=values, minlength=regions) / sizes,
        np.bincount(rows, weights=seen, minlength=regions) / sizes,
    )


@pytest.mark.parametrize("solutions", ["shared", "own"])
@pytest.mark.parametrize("coverage", [1.0, 0.5])
def test_each_steps_entry_is_the_array_formulas(solutions, coverage):
    model = CollectiveImpactModel(
        rng=7, solutions=solutions, n_regions=3, n_organizations=15, measurement_coverage=coverage, steps=6
    )
    assert model.partial_measurement == (coverage < 1.0)
    for step in range(1, 10):  # past the planned steps too, where the history grows
        model.step()
        values, regions, tracked = _expected(model)
        assert np.array_equal(model.snapshot["outcomes"], values)
        assert model.snapshot["outcome"] == np.mean(values)
        assert model.outcome_history[:, step].tobytes() == regions.tobytes()
        assert model.tracked_history[:, step].tobytes() == tracked.tobytes()
        assert int(model.outcome_count[0]) == step + 1
    assert model.outcome_history.shape[1] > 10
