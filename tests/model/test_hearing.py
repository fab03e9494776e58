"""Hearing's shortcuts read exactly what comparing and weighing every offer afresh reads.

``consider`` may tell offers from what a listener knows by their configurations' codes, and, where every
objective weighs the elements alike, weigh each offer once for every listener (``values``). Both must give
the same choices, counts and readings, to the last bit, as the element-by-element comparison and each
listener's own weighing.
"""

from pathlib import Path

import numpy as np
import pytest

from cisim.model import CollectiveImpactModel
from cisim.organizations.behaviour import configuration_codes, consider, weighs_alike
from cisim.validation import drivers, load_validation
from cisim.validation.model import build_model

ROOT = Path(__file__).resolve().parents[2]


def _lazer_friedman(**changes) -> CollectiveImpactModel:
    spec = load_validation(ROOT / "experiments" / "validation" / "lazer_friedman_2007.toml", drivers())
    values = {**spec.model, **spec.arms["complete"], **changes}
    return build_model(values, 12)


def _considered(model: CollectiveImpactModel, shortcuts: bool) -> list[tuple]:
    """Every organization's ``consider`` over every other's configuration, with or without the shortcuts."""
    levels, perception = model._perceive()
    problem = model._problem_view(levels)
    known = model.population.known.copy()
    known[1] = known[0]  # some listeners know exactly what a neighbour offers
    known[7] = known[3]
    count, n = known.shape
    z = np.random.default_rng(4).standard_normal((count, count + 1, 2))
    rows, offered = np.arange(count), np.ones((count, count), dtype=np.bool_)
    belief = np.full(count, np.nan)  # every listener reads what it knows afresh
    codes, values = np.empty(0, dtype=np.int64), np.empty(0)
    if shortcuts:
        codes = np.empty(count, dtype=np.int64)
        configuration_codes(known, codes)
        values = np.full(count if weighs_alike(perception.target) else 0, np.nan)
    scored, contributions = np.zeros(count, dtype=np.bool_), np.empty((count, n))
    index, scratch = np.empty(n, dtype=np.intp), np.empty(n)
    return [
        consider(
            problem, perception, o, 0, known, belief, known, rows, offered, z, scored, contributions, index, scratch,
            codes, values, count, 0,
        )
        for o in range(count)
    ]  # fmt: skip


@pytest.mark.parametrize(
    "model, steps, alike",
    [  # Lazer & Friedman's organizations start apart and on the complete network copy the best at once
        (lambda small: _lazer_friedman(), 0, True),
        (lambda small: _lazer_friedman(**{"organizations.measurement_noise": 0.05}), 0, True),
        (lambda small: CollectiveImpactModel.from_scenario(small.with_arm("collective"), rng=3), 5, True),
        (lambda small: CollectiveImpactModel.from_scenario(small.with_arm("isolated"), rng=3), 5, False),
    ],
    ids=["lazer-friedman", "lazer-friedman-noisy", "small-collective", "small-isolated"],
)
def test_shortcuts_read_what_a_full_comparison_reads(small, model, steps, alike):
    built = model(small)
    for _ in range(steps):
        built.step()
    assert weighs_alike(built._perceive()[1].target) == alike
    with_shortcuts, without = _considered(built, True), _considered(built, False)
    assert with_shortcuts == without
    assert any(taken for _, taken, _, _ in without)  # the comparison decides something
    assert len({reads for _, _, reads, _ in without}) > 1  # offers equal to one's own are not read


def test_codes_tell_configurations_apart():
    configs = np.random.default_rng(1).random((200, 63)) < 0.5
    configs[10] = configs[20]
    codes = np.empty(200, dtype=np.int64)
    configuration_codes(configs, codes)
    for a in range(0, 200, 7):
        for b in range(200):
            assert (codes[a] == codes[b]) == bool((configs[a] == configs[b]).all())
