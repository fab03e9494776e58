"""The compiled helpers of the step agree with numpy to the last bit, and their disk cache cannot go stale."""

import re
from pathlib import Path

import numpy as np
import pytest

from cisim.problem import Landscape
from cisim.problem import landscape as landscape_module
from cisim.problem.compiled import KERNEL_MODULES, mean_domain_outcomes, numpy_sum, outcomes

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "cisim"


@pytest.mark.parametrize("length", [0, 1, 7, 8, 9, 16, 127, 128, 129, 255, 1000, 4097])
def test_numpy_sum_is_numpys_sum_to_the_last_bit(length):
    rng = np.random.default_rng(length)
    for _ in range(20):
        values = rng.standard_normal(length) * 10.0 ** rng.integers(-3, 4, length)
        assert numpy_sum(values) == values.sum()


@pytest.mark.parametrize(("n", "k", "domains", "lifted"), [(8, 2, 2, False), (16, 6, 4, True), (26, 3, 1, False)])
def test_compiled_outcomes_are_the_landscapes_to_the_last_bit(n, k, domains, lifted):
    landscape = Landscape(n, domains, k, 0.5, np.random.default_rng(n))
    if lifted:
        landscape.improve(3, 0.4)
    extremes = landscape.extremes
    for batch in (1, 3, 12, 40):
        configs = np.random.default_rng(batch).random((batch, n)) < 0.5
        values, mean = outcomes(
            landscape.tables.ravel(),
            landscape.index_tables,
            extremes.minimum,
            extremes.maximum - extremes.minimum,
            not extremes.exact,
            configs,
        )
        expected = landscape.outcome(configs)
        np.testing.assert_array_equal(values, expected)
        assert mean == float(expected.mean())
        domain_means = mean_domain_outcomes(
            landscape.tables.ravel(),
            landscape.index_tables,
            landscape.domain_starts,
            landscape.domain_sizes,
            extremes.domain_minimum,
            extremes.domain_maximum - extremes.domain_minimum,
            not extremes.exact,
            configs,
        )
        np.testing.assert_array_equal(domain_means, landscape.domain_outcomes(configs).mean(axis=0))


def test_every_module_with_compiled_functions_stamps_the_cache():
    """A compiled function keeps a copy of the compiled functions it calls: its cache must change with theirs."""
    compiling = {
        path.relative_to(PACKAGE).as_posix()
        for path in PACKAGE.rglob("*.py")
        if re.search(r"^@(kernel|inlined)\b", path.read_text(), flags=re.MULTILINE)
    }
    assert compiling == set(KERNEL_MODULES)


def test_a_repeated_call_interrupted_as_it_remembers_never_runs_old_machine_code_on_new_arguments(monkeypatch):
    """A Ctrl-C after the dispatcher ran new arguments but before their machine code was remembered must not leave
    the new arguments beside the old machine code (which would read an int array as floats)."""
    import numba

    import cisim.problem.compiled as compiled

    @numba.njit
    def first(values):
        return values[0] * 2

    repeated = compiled.RepeatedCall(first)
    floats, ints = np.array([1.5]), np.array([3], dtype=np.int64)
    assert repeated(floats) == repeated(floats) == 3.0  # the second call runs the remembered machine code
    with monkeypatch.context() as patch:
        patch.setattr(compiled, "_only_version", lambda function: (_ for _ in ()).throw(KeyboardInterrupt))
        with pytest.raises(KeyboardInterrupt):
            repeated(ints)
    assert repeated(ints) == repeated(ints) == 6
    assert repeated(floats) == 3.0


# ---------------------------------------------------------------- extremes valued at their codes
def _valued_with_numpy(tables, geometry, codes):
    """The extremes as numpy values them (``_extremes_at`` at the decoded configurations): the yardstick."""
    best, worst, domain_best, domain_worst = codes
    bits = 1 << np.arange(tables.shape[0])

    def decode(code):
        return (np.asarray(code, dtype=np.int64)[..., None] & bits) > 0

    return landscape_module._extremes_at(
        tables, geometry, decode(best), decode(worst), decode(domain_best), decode(domain_worst), exact=True
    )


@pytest.mark.parametrize("interaction", ["random", "adjacent", "with_replacement"])
@pytest.mark.parametrize("kind", ["random", "lifted", "quarters"])
def test_extremes_valued_at_codes_in_one_compiled_call_are_numpys_to_the_last_bit(kind, interaction):
    """``_extremes_of_codes`` values the codes with ``values_at_codes``: every field as numpy's own valuation.

    Codes are drawn at random (any configuration is valued the same way as an extreme), over sizes from 1 to 40
    elements and from one domain to one per element (domains of one element included); tables of quarters make
    many sums exact and equal, where an order of addition that differs from numpy's could still round
    differently in the other kinds.
    """
    rng = np.random.default_rng(20_261_208)
    for n, n_domains, k in [
        (1, 1, 0),
        (3, 3, 2),
        (5, 2, 1),
        (8, 3, 4),
        (12, 4, 6),
        (16, 4, 6),
        (20, 1, 5),
        (25, 5, 3),
        (33, 7, 8),
        (40, 10, 4),
    ]:
        if interaction == "with_replacement" and n_domains > 1:
            continue
        landscape = Landscape(n, n_domains, k, 0.75, rng, interaction=interaction)
        tables = landscape.tables.copy()
        if kind == "lifted":
            rows = rng.choice(n, max(1, n // 3), replace=False)
            tables[rows] += rng.random((len(rows), 1)) * (1.0 - tables[rows])
        elif kind == "quarters":
            tables = np.floor(tables * 4) / 4
        for _ in range(6):
            codes = (
                int(rng.integers(0, 1 << n)),
                int(rng.integers(0, 1 << n)),
                rng.integers(0, 1 << n, n_domains),
                rng.integers(0, 1 << n, n_domains),
            )
            compiled = landscape_module._extremes_of_codes(tables, landscape._geometry, codes)
            reference = _valued_with_numpy(tables, landscape._geometry, codes)
            assert (compiled.maximum, compiled.minimum) == (reference.maximum, reference.minimum)
            for field in ("optimum", "domain_maximum", "domain_minimum"):
                ours, theirs = getattr(compiled, field), getattr(reference, field)
                assert ours.dtype == theirs.dtype and ours.shape == theirs.shape, field
                np.testing.assert_array_equal(ours, theirs)
                assert not ours.flags.writeable
            assert compiled.exact
