"""Results must not change unless a commit says why: every shipped scenario against its golden files.

When a change is meant to change results, regenerate them with ``.venv/bin/python -m tests.golden.regenerate``
and commit the new files with the reason.
"""

import numpy as np
import pandas as pd
import pytest

from tests.golden.regenerate import HERE, compute, read, scenario_paths

#: Relative (and, near zero, absolute) tolerance: room for floating-point rounding, not for any real change.
TOLERANCE = 1e-12
REGENERATE = "if the change is meant, run `.venv/bin/python -m tests.golden.regenerate` and commit why"


@pytest.fixture(scope="module")
def current():
    return compute()


def differences(expected: pd.DataFrame, actual: pd.DataFrame) -> list[str]:
    """Plain descriptions of every column that differs, empty when the frames agree within ``TOLERANCE``."""
    found = []
    if added := sorted(set(actual.columns) - set(expected.columns)):
        found.append(f"new columns: {', '.join(added)}")
    if removed := sorted(set(expected.columns) - set(actual.columns)):
        found.append(f"columns gone: {', '.join(removed)}")
    if len(expected) != len(actual):
        return [*found, f"{len(actual)} rows instead of {len(expected)}"]
    for column in [c for c in expected.columns if c in actual.columns]:
        old, new = expected[column], actual[column].reset_index(drop=True)
        if pd.api.types.is_numeric_dtype(old) and pd.api.types.is_numeric_dtype(new):
            a, b = old.to_numpy(dtype=float), new.to_numpy(dtype=float)
            close = np.isclose(b, a, rtol=TOLERANCE, atol=TOLERANCE, equal_nan=True)
            if not close.all():
                worst = int(np.argmax(np.where(close, 0, np.abs(b - a))))
                count = f"{int((~close).sum())} of {len(a)} values differ"
                found.append(f"{column}: {count} (row {worst}: {float(a[worst])!r} -> {float(b[worst])!r})")
        elif not old.astype(str).equals(new.astype(str)):
            found.append(f"{column}: values differ")
    return found


def test_there_is_a_golden_file_for_every_shipped_scenario():
    assert sorted(p.stem for p in (HERE / "series").glob("*.csv")) == [p.stem for p in scenario_paths()]


@pytest.mark.parametrize("name", [p.stem for p in scenario_paths()])
def test_per_step_outputs_match_the_golden_file(current, name):
    found = differences(read(HERE / "series" / f"{name}.csv"), current[0][name])
    assert not found, f"{name}: results changed ({REGENERATE}):\n  " + "\n  ".join(found)


def test_run_summaries_match_the_golden_file(current):
    found = differences(read(HERE / "summaries.csv"), current[1])
    assert not found, f"summaries changed ({REGENERATE}):\n  " + "\n  ".join(found)


def test_the_comparison_names_what_changed():
    frame = pd.DataFrame({"a": [1.0, 2.0], "b": [0.5, 0.25], "c": ["x", "y"]})
    changed = frame.assign(b=[0.5, 0.25 * (1 + 1e-9)], d=1).drop(columns="c")
    assert differences(frame, frame.copy()) == []
    assert differences(frame, frame.assign(a=[1.0, 2.0 * (1 + 1e-14)])) == []
    assert differences(frame, changed) == [
        "new columns: d",
        "columns gone: c",
        "b: 1 of 2 values differ (row 1: 0.25 -> 0.25000000025)",
    ]
