"""A revising organization tries its elements in the random order its keys give: the first few picked out.

``_in_key_order`` picks out only as many elements as the organization has candidates for. What it puts first
must be what a stable sort of all the elements by their keys puts first (equal keys keep their order), and the
others must keep their order after them.
"""

import numpy as np
import pytest

from cisim.organizations.behaviour import _in_key_order


@pytest.mark.parametrize("seed", range(6))
def test_the_first_elements_are_a_stable_sorts_first(seed):
    rng = np.random.default_rng(seed)
    for _ in range(200):
        n = int(rng.integers(1, 25))
        count = int(rng.integers(0, n + 1))
        needed = int(rng.integers(0, n + 2))
        # Few distinct keys in some rows, so that equal keys are common and their order is checked.
        keys = rng.integers(0, 4, (3, n)).astype(float) if rng.random() < 0.5 else rng.random((3, n))
        o = int(rng.integers(0, 3))
        elements = rng.permutation(n).astype(np.intp)
        before = elements.copy()
        _in_key_order(elements, count, needed, keys, o)
        stable = sorted(before[:count], key=lambda e: keys[o, e])  # Python's sort is stable
        picked = min(needed, count)
        assert elements[:picked].tolist() == stable[:picked]
        rest = [e for e in before[:count].tolist() if e not in set(stable[:picked])]
        assert elements[picked:count].tolist() == rest
        assert elements[count:].tolist() == before[count:].tolist()
