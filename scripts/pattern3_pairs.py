"""Pattern 3's Shapley values with more paired replicates than its test runs, at the test's seed blocks.

Run from the repository root:

    .venv/bin/python scripts/pattern3_pairs.py --pairs 400 A B C

The settings, seeds and Shapley computation are the test's own (``tests/model/test_patterns.py``,
``_conditions_factorial``: the factorial of common agenda, shared measurement, mutually reinforcing activities
and communication with the backbone on, levels fixed, on the complex scenario). Replicate seeds derive from the
block by position, so the first 100 pairs are the test's; the rest extend the block. It prints each condition's
Shapley value on the final outcome with its 95 % interval over all the pairs and over the test's first 100.
Communication's value is about 0.01 to 0.03 of achievable progress, close to what 100 pairs can tell from none
(docs/model.md, "Patterns").
"""

from __future__ import annotations

import argparse
import sys
from itertools import combinations
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.conftest import paired_interval
from tests.model import test_patterns as patterns

TEST_PAIRS = patterns.REPLICATES


def main() -> None:
    """Run the factorial at each block named and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("blocks", nargs="*", default=list(patterns.BLOCKS), choices=list(patterns.BLOCKS))
    parser.add_argument("--pairs", type=int, default=400, help="paired replicates per setting (at least the test's)")
    options = parser.parse_args()
    if options.pairs < TEST_PAIRS:
        parser.error(f"--pairs must be at least the test's {TEST_PAIRS}, got {options.pairs}")
    full = patterns.complex_scenario().with_arm("collective")
    levers = patterns.LEVERS
    settings = {}
    for size in range(len(levers) + 1):
        for on in combinations(levers, size):
            settings[",".join(on)] = full.with_values(**{f"conditions__{c}": float(c in on) for c in levers})
    print(f"| block | condition | {options.pairs} pairs | the test's first {TEST_PAIRS} |\n| --- | --- | --- | --- |")
    for block in options.blocks:
        runs = patterns.paired_runs(settings, block, options.pairs)
        values = {frozenset(k.split(",")) - {""}: patterns.metric(runs, k, "final_outcome") for k in settings}
        for condition in levers:
            share = patterns.shapley(values, condition, levers)
            every = paired_interval(share, np.zeros(len(share)))
            first = paired_interval(share[:TEST_PAIRS], np.zeros(TEST_PAIRS))
            print(f"| {block} | {condition} | {_interval(every)} | {_interval(first)} |", flush=True)


def _interval(figures: tuple[float, float, float]) -> str:
    mean, low, high = figures
    return f"{mean:+.3f} [{low:+.3f}, {high:+.3f}]"


if __name__ == "__main__":
    main()
