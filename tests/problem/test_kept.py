"""Extremes from kept sums (``cisim.problem.kept``) against the full search, exactly."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cisim.problem import Landscape
from cisim.problem import kept as kept_module
from cisim.problem import landscape as landscape_module
from cisim.problem.gray_code import gray_code_extremes
from cisim.problem.kept import KEPT_STATES, REBUILD_AFTER, TOLERANCE, kept_extreme_codes, rounding_bound
from cisim.problem.landscape import KEEP_FROM_K, KEEP_LIMIT, NUMPY_LIMIT, exact_extremes


@pytest.fixture(autouse=True)
def empty_pool():
    kept_module.clear()
    yield
    kept_module.clear()


def walk_codes(landscape: Landscape, tables: np.ndarray) -> tuple[int, int, np.ndarray, np.ndarray]:
    return gray_code_extremes(
        np.ascontiguousarray(tables),
        landscape.domain_of.astype(np.int64),
        landscape.n_domains,
        *landscape_module._gray_code_lookups(landscape.dependencies, landscape.domain_of),
    )


def domain_reads(landscape: Landscape) -> np.ndarray:
    """Per domain, the bits of a code its elements' contributions read."""
    reads = np.zeros(landscape.n_domains, dtype=np.int64)
    for i, row in enumerate(landscape.dependencies):
        for e in row:
            reads[landscape.domain_of[i]] |= 1 << int(e)
    return reads


def near_ties(landscape: Landscape, tables: np.ndarray) -> bool:
    """Whether configurations with different contributions come within the tolerance at a column's extreme."""
    n = landscape.n_elements
    codes = np.arange(1 << n)
    contributions = landscape.contributions((codes[:, None] >> np.arange(n)) & 1, tables=tables)
    columns = [contributions[:, landscape.domain_of == d].sum(axis=1) for d in range(landscape.n_domains)]
    reads = [*domain_reads(landscape), (1 << n) - 1]
    for values, read in zip([*columns, contributions.sum(axis=1)], reads, strict=True):
        for near in (values >= values.max() - TOLERANCE, values <= values.min() + TOLERANCE):
            if len(np.unique(codes[near] & read)) > 1:
                return True
    return False


def assert_same_extremes(landscape: Landscape, tables: np.ndarray) -> bool:
    """Kept sums give the walk's configurations and exactly its values; False if they left the call to the walk.

    They leave it to the walk only where two configurations with different contributions tie (or nearly).
    """
    codes = kept_extreme_codes(tables, landscape.dependencies, landscape.domain_of, landscape.n_domains)
    if codes is None:
        assert near_ties(landscape, tables)
        return False
    walk = walk_codes(landscape, tables)
    assert (codes[0], codes[1]) == (walk[0], walk[1])  # the total reads every bit: the same configurations
    reads = domain_reads(landscape)  # a domain's extreme: a configuration with the same contributions
    np.testing.assert_array_equal(codes[2] & reads, walk[2] & reads)
    np.testing.assert_array_equal(codes[3] & reads, walk[3] & reads)
    ours = landscape_module._extremes_of_codes(tables, landscape._geometry, codes)
    for method in ("numba", "numpy"):
        full = exact_extremes(tables, landscape.dependencies, landscape.domain_of, landscape.n_domains, method)
        np.testing.assert_array_equal(ours.optimum, full.optimum)
        assert (ours.maximum, ours.minimum) == (full.maximum, full.minimum)  # exactly, not approximately
        np.testing.assert_array_equal(ours.domain_maximum, full.domain_maximum)
        np.testing.assert_array_equal(ours.domain_minimum, full.domain_minimum)
    return True


# ---------------------------------------------------------------- the same extremes as the full search
@settings(max_examples=150, deadline=None)
@given(
    n=st.integers(1, KEEP_LIMIT),
    d_share=st.floats(0.0, 1.0),
    k=st.integers(0, 8),
    k_across=st.floats(0.0, 1.0),
    interaction=st.sampled_from(["random", "adjacent", "with_replacement"]),
    seed=st.integers(0, 2**32),
    changes=st.lists(st.tuples(st.booleans(), st.floats(0.0, 1.0, exclude_max=True)), min_size=1, max_size=8),
)
def test_kept_sums_find_the_walks_extremes_through_lifts_and_redraws(
    n, d_share, k, k_across, interaction, seed, changes
):
    n_domains, k = max(1, round(d_share * n)), min(k, n - 1)
    rng = np.random.default_rng(seed)
    landscape = Landscape(n, n_domains, k, k_across, rng, interaction=interaction)
    decided = [assert_same_extremes(landscape, landscape.tables)]
    for is_lift, amount in changes:
        if is_lift:
            landscape.improve(int(rng.integers(n)), amount)
        else:
            landscape.redraw(amount, rng)
        # The lifted and the unlifted tables, as the landscape searches them, from the sums kept so far.
        decided += [assert_same_extremes(landscape, tables) for tables in (landscape.tables, landscape.base_tables)]
    # Left to the walk only where lifts near 1 make an element's contributions (nearly) equal.
    assert all(decided) or landscape.lifts.max() > 0.99


@pytest.mark.parametrize("interaction", ["random", "adjacent", "with_replacement"])
@pytest.mark.parametrize(("n", "n_domains", "k"), [(13, 4, 2), (14, 3, 2), (16, 4, 6), (16, 16, 3), (15, 1, 14)])
def test_a_landscape_in_the_kept_range_has_the_full_searchs_extremes_after_every_change(n, n_domains, k, interaction):
    assert NUMPY_LIMIT < n <= KEEP_LIMIT
    rng = np.random.default_rng(n * 100 + k)
    landscape = Landscape(n, n_domains, k, 0.75, rng, interaction=interaction)
    for step in range(12):
        if step % 3 == 2:
            landscape.redraw(0.2, rng)
        elif step:
            landscape.improve(int(rng.integers(n)), 0.3)
        extremes, base = landscape.extremes, landscape._base_extremes()
        for found, tables in ((extremes, landscape.tables), (base, landscape.base_tables)):
            full = exact_extremes(tables, landscape.dependencies, landscape.domain_of, n_domains, "numba")
            np.testing.assert_array_equal(found.optimum, full.optimum)
            assert (found.maximum, found.minimum) == (full.maximum, full.minimum)
            np.testing.assert_array_equal(found.domain_maximum, full.domain_maximum)
            np.testing.assert_array_equal(found.domain_minimum, full.domain_minimum)


def test_paired_landscapes_share_kept_sums_and_each_gets_its_own_extremes():
    # Two arms of one seed: the same problem, lifted differently, searched in turn from the same pool.
    first, second = (Landscape(16, 4, 6, 0.75, np.random.default_rng(7)) for _ in range(2))
    for step in range(3):
        first.improve(step, 0.3)
        second.improve(15 - step, 0.5)
        for landscape in (first, second):
            full = exact_extremes(landscape.tables, landscape.dependencies, landscape.domain_of, 4, "numba")
            assert landscape.extremes.maximum == full.maximum
            np.testing.assert_array_equal(landscape.extremes.optimum, full.optimum)
            np.testing.assert_array_equal(landscape.extremes.domain_minimum, full.domain_minimum)
    # The arms' changes were added to the same sums, back and forth (their tables differ in 6 rows of 16).
    assert len(kept_module._pool) == 1


def test_the_search_is_the_same_from_an_empty_pool_or_from_kept_sums():
    landscape = Landscape(16, 4, 6, 0.75, np.random.default_rng(3))
    arguments = (landscape.dependencies, landscape.domain_of, 4)
    for element in range(5):
        landscape.improve(element, 0.4)
        from_kept = kept_extreme_codes(landscape.tables, *arguments)
        kept_module.clear()
        afresh = kept_extreme_codes(landscape.tables, *arguments)
        assert from_kept is not None and afresh is not None
        assert from_kept[:2] == afresh[:2]
        np.testing.assert_array_equal(from_kept[2], afresh[2])
        np.testing.assert_array_equal(from_kept[3], afresh[3])


# ---------------------------------------------------------------- ties are left to the walk
def test_an_exact_tie_is_left_to_the_walk():
    # Element 5 is read by elements 3, 4 and 5 (each depends on the two after it); lifted all the way, their
    # contributions are 1 whatever element 5's value, so pairs of configurations tie exactly on the total and
    # the sums cannot say which one the walk finds.
    landscape = Landscape(14, 2, 2, 0.0, np.random.default_rng(1), interaction="adjacent")
    arguments = (landscape.dependencies, landscape.domain_of, 2)
    assert kept_extreme_codes(landscape.tables, *arguments) is not None
    for element in (3, 4, 5):
        landscape.improve(element, 1.0)
    assert kept_extreme_codes(landscape.tables, *arguments) is None
    full = exact_extremes(landscape.tables, *arguments, "numba")
    np.testing.assert_array_equal(landscape.optimum, full.optimum)  # the landscape walked
    assert (landscape.maximum, landscape.minimum) == (full.maximum, full.minimum)


def test_configurations_with_the_same_contributions_are_not_a_tie():
    # k = 0, two domains: a domain's sum reads only its own elements, so 2^7 configurations share each value.
    landscape = Landscape(14, 2, 0, 0.0, np.random.default_rng(2))
    assert assert_same_extremes(landscape, landscape.tables)


@pytest.mark.parametrize(("k", "kept"), [(KEEP_FROM_K - 1, 0), (KEEP_FROM_K, 1)])
def test_sums_are_kept_where_elements_have_enough_partners(k, kept):
    landscape = Landscape(14, 2, k, 0.5, np.random.default_rng(6))
    landscape.improve(1, 0.5)
    landscape.extremes  # noqa: B018 - finds the extremes
    assert len(kept_module._pool) == kept


# ---------------------------------------------------------------- rounding, memory, randomness
@pytest.mark.parametrize("n", range(1, KEEP_LIMIT + 1))
def test_the_tolerance_covers_the_rounding_of_both_searches(n):
    kept, walk = rounding_bound(n, n, REBUILD_AFTER)  # width at most n (k < n)
    assert 2 * (kept + walk) < TOLERANCE / 4


def test_sums_are_computed_afresh_after_many_changes(monkeypatch):
    monkeypatch.setattr(kept_module, "REBUILD_AFTER", 3)
    landscape = Landscape(14, 3, 4, 0.5, np.random.default_rng(4))
    for element in range(6):
        landscape.improve(element, 0.2)
        assert assert_same_extremes(landscape, landscape.tables)
        assert all(kept.row_updates <= 3 for kept in kept_module._pool)


def test_the_pool_is_bounded():
    for seed in range(KEPT_STATES + 3):
        landscape = Landscape(16, 4, 6, 0.75, np.random.default_rng(seed))
        landscape.extremes  # noqa: B018 - finds the extremes
    assert len(kept_module._pool) == KEPT_STATES
    each = (4 + 1) * 2**16 * 8 + 16 * 2**7 * 8 + 2 * 16 * 256 * 4
    assert all(kept.nbytes == each for kept in kept_module._pool)
    assert each < 3 * 2**20


def test_the_search_draws_no_random_numbers():
    rng = np.random.default_rng(5)
    landscape = Landscape(15, 3, 5, 0.5, rng)
    state = rng.bit_generator.state
    legacy = np.random.get_state()[1].copy()
    landscape.improve(2, 0.5)
    landscape.extremes  # noqa: B018 - finds the extremes
    assert rng.bit_generator.state == state
    np.testing.assert_array_equal(np.random.get_state()[1], legacy)


def test_sums_are_kept_up_to_the_limit_only():
    landscape = Landscape(KEEP_LIMIT + 1, 2, 1, 0.5, np.random.default_rng(0))
    with pytest.raises(ValueError, match=f"up to {KEEP_LIMIT} elements"):
        kept_extreme_codes(landscape.tables, landscape.dependencies, landscape.domain_of, 2)


def test_the_landscape_keeps_sums_only_where_this_module_can():
    from cisim.problem.kept import MAX_ELEMENTS

    assert KEEP_LIMIT <= MAX_ELEMENTS
