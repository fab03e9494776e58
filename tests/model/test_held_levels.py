"""A held condition level reads back exactly as given, whatever the number of regions.

The ``level_<condition>`` outputs are means over the regions with a coalition; a plain sum over three regions
divided by three reads a level of 0.1 back as 0.10000000000000002, and 0.7 as 0.6999999999999998, so an
exact comparison of held levels failed with several regions.
"""

import pytest

from cisim.experiments import run_model
from cisim.scenarios import CONDITIONS

HELD = [
    {"common_agenda": 0.1, "shared_measurement": 0.7, "reinforcing_activities": 0.2, "communication": 0.3},
    {"common_agenda": 1 / 3, "shared_measurement": 0.0075, "reinforcing_activities": 0.99, "backbone": 0.6},
    {c: 0.1 for c in CONDITIONS},
]


@pytest.mark.parametrize("regions", [3, 7])
@pytest.mark.parametrize("levels", HELD)
def test_held_levels_read_back_exactly_over_several_regions(small, levels, regions):
    design = {f"conditions__{c}": levels.get(c, 0.0) for c in CONDITIONS}
    scenario = small.with_values(**design, regions__n_regions=regions, run__steps=4)
    series = run_model(scenario, 5).series
    for condition in CONDITIONS:
        given = levels.get(condition, 0.0)
        assert (series[f"level_{condition}"] == given).all(), (condition, series[f"level_{condition}"].tolist())
