"""Normalisation and evaluation of the problem landscape: exact extremes, the estimate's error, the hot path.

Usage (from the repository root, after scripts/setup.sh):

    .venv/bin/python benchmarks/normalisation.py [--quick] [--json FILE]

What it measures (CPU time of this process, best of several repeats, so that other work on a shared machine
disturbs it less):

1. exact extremes (overall and per domain) for n = 16..24 elements, k = 6, 4 domains: numba's Gray-code
   search (after compilation; the one-off cost of importing numba and loading the compiled code from its
   cache is shown separately), numpy's vectorised search, and the previous implementation
   (``Landscape.raw_fitness`` over chunks of every configuration, as on main before this rewrite) for ratios;
2. ``Landscape.contributions``, the model's hot path, on batches the model sends (3,000 configurations of 16
   elements; 1,000 organizations x 3 candidates; one configuration), against the previous implementation
   (one gather per dependency);
3. the error of the estimate used above ``EXACT_LIMIT`` elements, measured where the exact extremes are known
   (n = 18..24, k = 0..10, several landscapes each): how far short of the exact range the estimated maximum
   and minimum fall, overall and per domain, as shares of the exact range;
4. the cost of one estimate above the limit (n = 25, 40, 100);
5. from ``NUMPY_LIMIT + 1`` to ``KEEP_LIMIT`` elements, where the sums of every configuration are kept between
   searches (``cisim.problem.kept``): the first search (computing every sum), the search after a policy lift
   (one element's table changes) and after turbulence (a share of 0.3 redrawn: about 5 elements of 16), each
   against the Gray-code walk that ``Landscape`` used before for the same tables, and whether they agree.

``--quick`` runs fewer sizes and landscapes (about half a minute); ``--kept-only`` runs part 5 alone.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from cisim.problem.landscape import (
    EXACT_LIMIT,
    KEEP_FROM_K,
    KEEP_LIMIT,
    NUMPY_LIMIT,
    Extremes,
    Landscape,
    _extremes_of_codes,
    exact_extremes,
)

CHUNK = 1 << 16


# ---------------------------------------------------------------- the previous implementation, for ratios
def previous_contributions(landscape: Landscape, configs: np.ndarray) -> np.ndarray:
    """Contributions as main computed them before this rewrite: one gather per dependency."""
    configs = np.atleast_2d(configs).astype(np.intp, copy=False)
    offsets = np.arange(landscape.n_elements) * landscape.tables.shape[1]
    index = offsets + configs[:, landscape.dependencies[:, 0]]
    for j in range(1, landscape.k + 1):
        index += configs[:, landscape.dependencies[:, j]] << j
    return landscape.tables.ravel()[index]


def previous_exhaustive_extremes(landscape: Landscape) -> tuple[float, float]:
    """Global extremes as main found them before this rewrite (no per-domain extremes)."""
    n = landscape.n_elements
    bits = 1 << np.arange(n)
    best, worst = -np.inf, np.inf
    for start in range(0, 1 << n, CHUNK):
        codes = np.arange(start, min(start + CHUNK, 1 << n))
        values = previous_contributions(landscape, (codes[:, None] & bits) > 0).mean(axis=1)
        best, worst = max(best, float(values.max())), min(worst, float(values.min()))
    return worst, best


# ---------------------------------------------------------------- measuring
def cpu_seconds(work: Callable[[], object], repeats: int) -> float:
    """Best CPU time of ``repeats`` calls."""
    best = np.inf
    for _ in range(repeats):
        start = time.process_time()
        work()
        best = min(best, time.process_time() - start)
    return best


def landscape_for(n: int, k: int, seed: int = 0) -> Landscape:
    return Landscape(n, 4, k, 0.75, np.random.default_rng(seed))


def exact_timings(sizes: list[int], previous_up_to: int) -> list[dict]:
    """Exact extremes at each size: numba, numpy and the previous implementation (CPU seconds)."""
    start = time.perf_counter()
    from cisim.problem import gray_code  # noqa: F401 - importing numba and the cached compiled search

    small = landscape_for(8, 6)
    exact_extremes(small.tables, small.dependencies, small.domain_of, 4, "numba")
    print(f"numba: import and first call (compiled code from cache) {time.perf_counter() - start:.2f} s (wall)")
    rows = []
    for n in sizes:
        landscape = landscape_for(n, 6)
        arguments = (landscape.tables, landscape.dependencies, landscape.domain_of, 4)
        repeats = 3 if n <= 20 else 1
        row = {"n": n, "k": 6, "numba_s": cpu_seconds(lambda a=arguments: exact_extremes(*a, "numba"), repeats)}
        row["numpy_s"] = cpu_seconds(lambda a=arguments: exact_extremes(*a, "numpy"), repeats) if n <= 22 else None
        row["previous_s"] = (
            cpu_seconds(lambda ls=landscape: previous_exhaustive_extremes(ls), 1) if n <= previous_up_to else None
        )
        row["used"] = "numpy" if n <= NUMPY_LIMIT else "kept sums (numba)" if n <= KEEP_LIMIT else "numba"
        rows.append(row)
        print(
            f"  n={n}: numba {row['numba_s']:.4f} s, numpy {fmt(row['numpy_s'])} s, previous {fmt(row['previous_s'])} s"
        )
    return rows


def hot_path_timings() -> list[dict]:
    """``contributions`` on the batches the model evaluates (microseconds per call)."""
    rng = np.random.default_rng(1)
    landscape = landscape_for(16, 6)
    batches = {
        "3,000 configurations x 16 elements": rng.random((3000, 16)) < 0.5,
        "1,000 organizations x 3 candidates": rng.random((1000, 3, 16)) < 0.5,
        "one configuration": rng.random(16) < 0.5,
    }
    rows = []
    for name, configs in batches.items():
        flat = configs.reshape(-1, 16)
        assert np.array_equal(landscape.contributions(flat), previous_contributions(landscape, flat))
        calls = 20_000 // len(flat) + 20
        now = cpu_seconds(lambda c=configs, m=calls: [landscape.contributions(c) for _ in range(m)], 5) / calls
        before = cpu_seconds(lambda c=flat, m=calls: [previous_contributions(landscape, c) for _ in range(m)], 5)
        before /= calls
        rows.append({"batch": name, "now_us": now * 1e6, "previous_us": before * 1e6, "speed_up": before / now})
        print(f"  {name}: {now * 1e6:.1f} us (previous {before * 1e6:.1f} us)")
    return rows


def estimate_errors(sizes: list[int], ks: list[int], seeds: int) -> list[dict]:
    """Shortfall of the estimated extremes against the exact ones, as shares of the exact range."""
    rows = []
    for n in sizes:
        for k in ks:
            overall, domains, seconds = [], [], []
            for seed in range(seeds):
                landscape = landscape_for(n, k, seed)
                exact = landscape.extremes
                start = time.process_time()
                estimate = landscape.estimated_extremes()
                seconds.append(time.process_time() - start)
                spread = exact.maximum - exact.minimum
                overall.append(max(exact.maximum - estimate.maximum, estimate.minimum - exact.minimum) / spread)
                domain_spread = exact.domain_maximum - exact.domain_minimum
                domains.append(
                    max(
                        ((exact.domain_maximum - estimate.domain_maximum) / domain_spread).max(),
                        ((estimate.domain_minimum - exact.domain_minimum) / domain_spread).max(),
                    )
                )
            row = {
                "n": n,
                "k": k,
                "landscapes": seeds,
                "worst_error": float(max(overall)),
                "mean_error": float(np.mean(overall)),
                "worst_domain_error": float(max(domains)),
                "estimate_s": float(np.mean(seconds)),
            }
            rows.append(row)
            print(
                f"  n={n} k={k}: worst {row['worst_error']:.4f}, mean {row['mean_error']:.4f}, "
                f"domains worst {row['worst_domain_error']:.4f}, {row['estimate_s']:.3f} s per estimate"
            )
    return rows


def estimate_costs(sizes: list[int]) -> list[dict]:
    """CPU seconds of one estimate (overall and per domain) above the exact limit, k = 6, 4 domains."""
    rows = []
    for n in sizes:
        landscape = landscape_for(n, 6)
        seconds = cpu_seconds(landscape.estimated_extremes, 3)
        rows.append({"n": n, "k": 6, "estimate_s": seconds})
        print(f"  n={n}: {seconds:.3f} s per estimate")
    return rows


def kept_timings(sizes: list[int], k: int = 6) -> list[dict]:
    """Searches from kept sums against the walk on the same tables (CPU milliseconds, isolated), k = 6, 4 domains."""
    rows = []
    for n in sizes:
        row = kept_row(n, k)
        rows.append(row)
        print(
            f"  n={n}: first {row['first_ms']:.3f} ms (walk {row['first_walk_ms']:.3f}), "
            f"lift {row['lift_ms']:.3f} (walk {row['lift_walk_ms']:.3f}), "
            f"turbulence {row['turbulence_ms']:.3f} (walk {row['turbulence_walk_ms']:.3f})"
        )
    return rows


def kept_row(n: int, k: int, repeats: int = 30) -> dict:
    """One size of :func:`kept_timings`.

    A first search is timed on landscapes of three seeds in turn, so that each finds no sums of its own (and
    reuses dropped ones' memory, as in a run after the first few). A change is timed going back and forth
    between the tables before and after it, so that every search moves the kept sums by that change. The
    walk is ``exact_extremes`` (numba), which ``Landscape`` used for these sizes before. Both include valuing
    the configurations found.
    """
    from cisim.problem import kept

    def search_kept(landscape: Landscape, tables: np.ndarray) -> Extremes:
        codes = kept.kept_extreme_codes(tables, landscape.dependencies, landscape.domain_of, 4)
        assert codes is not None
        return _extremes_of_codes(tables, landscape._geometry, codes)

    def walk(landscape: Landscape, tables: np.ndarray) -> Extremes:
        return exact_extremes(tables, landscape.dependencies, landscape.domain_of, 4, "numba")

    kept.clear()
    landscapes = [landscape_for(n, k, seed) for seed in range(3)]
    landscape = landscapes[0]
    before = landscape.tables
    lifted = before.copy()
    lifted[3] += 0.3 * (1.0 - lifted[3])
    redrawn = before.copy()
    rng = np.random.default_rng(n)
    changed = rng.choice(n, round(0.3 * n), replace=False)
    redrawn[changed] = rng.random((len(changed), before.shape[1]))
    for tables in (before, lifted, redrawn):  # the same extremes
        found, full = search_kept(landscape, tables), walk(landscape, tables)
        assert np.array_equal(found.optimum, full.optimum) and (found.maximum, found.minimum) == (
            full.maximum,
            full.minimum,
        )
        assert np.array_equal(found.domain_minimum, full.domain_minimum)
    firsts = landscapes * (repeats // len(landscapes))
    row: dict = {
        "n": n,
        "k": k,
        "first_ms": cpu_seconds(lambda: [search_kept(ls, ls.tables) for ls in firsts], 3) / len(firsts),
        "first_walk_ms": cpu_seconds(lambda: [walk(ls, ls.tables) for ls in firsts], 3) / len(firsts),
    }
    search_kept(landscape, before)
    for name, tables in (("lift", lifted), ("turbulence", redrawn)):
        back_and_forth = [tables, before] * (repeats // 2)
        seconds = cpu_seconds(lambda b=back_and_forth: [search_kept(landscape, t) for t in b], 3)
        row[f"{name}_ms"] = seconds / len(back_and_forth)
        seconds = cpu_seconds(lambda b=back_and_forth: [walk(landscape, t) for t in b], 3)
        row[f"{name}_walk_ms"] = seconds / len(back_and_forth)
    kept.clear()
    return {key: value * 1e3 if key.endswith("_ms") else value for key, value in row.items()}


def print_kept(rows: list[dict]) -> None:
    print(
        f"\n### Kept sums ({NUMPY_LIMIT + 1} to {KEEP_LIMIT} elements, k >= {KEEP_FROM_K}), k = 6, 4 domains: CPU ms\n"
    )
    print("| n | first search | walk | after a lift | walk | after turbulence (0.3) | walk |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for row in rows:
        cells = [f"{row[f'{name}{side}_ms']:.3f}" for name in ("first", "lift", "turbulence") for side in ("", "_walk")]
        print(f"| {row['n']} | " + " | ".join(cells) + " |")


def fmt(value: float | None, digits: int = 4) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def print_tables(exact: list[dict], hot: list[dict], errors: list[dict], costs: list[dict]) -> None:
    print("\n### Exact extremes (overall and per domain), k = 6, 4 domains: CPU seconds\n")
    print("| n | numba (Gray code) | numpy (vectorised) | previous main | used by `Landscape` |")
    print("| ---: | ---: | ---: | ---: | --- |")
    for row in exact:
        times = f"{fmt(row['numba_s'])} | {fmt(row['numpy_s'])} | {fmt(row['previous_s'], 3)}"
        print(f"| {row['n']} | {times} | {row['used']} |")
    print("\n### `Landscape.contributions` (the model's hot path), n = 16, k = 6: microseconds per call\n")
    print("| batch | now | previous main | speed-up |")
    print("| --- | ---: | ---: | ---: |")
    for row in hot:
        print(f"| {row['batch']} | {row['now_us']:.1f} | {row['previous_us']:.1f} | {row['speed_up']:.1f}x |")
    print(f"\n### Estimate used above {EXACT_LIMIT} elements: shortfall as a share of the exact range\n")
    print("| n | k | landscapes | worst | mean | worst over domains | seconds per estimate |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for row in errors:
        print(
            f"| {row['n']} | {row['k']} | {row['landscapes']} | {row['worst_error']:.4f} | {row['mean_error']:.4f} "
            f"| {row['worst_domain_error']:.4f} | {row['estimate_s']:.3f} |"
        )
    print("\n### Cost of the estimate above the limit, k = 6, 4 domains: CPU seconds per estimate\n")
    print("| n | seconds |")
    print("| ---: | ---: |")
    for row in costs:
        print(f"| {row['n']} | {row['estimate_s']:.3f} |")
    worst = max(errors, key=lambda row: row["worst_error"])
    worst_domain = max(errors, key=lambda row: row["worst_domain_error"])
    print(
        f"\nWorst error: {worst['worst_error']:.4f} of the range (n = {worst['n']}, k = {worst['k']}); "
        f"per domain {worst_domain['worst_domain_error']:.4f} (n = {worst_domain['n']}, k = {worst_domain['k']})."
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer sizes and landscapes (about half a minute)")
    parser.add_argument("--json", type=Path, help="also write the measurements to this file")
    parser.add_argument("--kept-only", action="store_true", help="only the searches from kept sums (part 5)")
    arguments = parser.parse_args()
    if arguments.kept_only:
        print("kept sums")
        kept = kept_timings(list(range(NUMPY_LIMIT + 1, KEEP_LIMIT + 1)))
        print_kept(kept)
        if arguments.json:
            arguments.json.write_text(json.dumps({"kept": kept}, indent=2))
        return
    if arguments.quick:
        sizes, previous_up_to, error_sizes, ks, seeds = [16, 20, 24], 20, [18, 20], [2, 6, 10], 2
    else:
        sizes, previous_up_to, error_sizes = list(range(16, 25)), 22, [18, 20, 22, 24]
        ks, seeds = [0, 2, 4, 6, 8, 10], 5
    print("exact extremes")
    exact = exact_timings(sizes, previous_up_to)
    print("hot path")
    hot = hot_path_timings()
    print("estimate")
    errors = estimate_errors(error_sizes, ks, seeds)
    costs = estimate_costs([EXACT_LIMIT + 1, 40, 100] if not arguments.quick else [EXACT_LIMIT + 1])
    print("kept sums")
    kept = kept_timings(
        [NUMPY_LIMIT + 1, KEEP_LIMIT] if arguments.quick else list(range(NUMPY_LIMIT + 1, KEEP_LIMIT + 1))
    )
    print_tables(exact, hot, errors, costs)
    print_kept(kept)
    if arguments.json:
        measured = {"exact": exact, "hot_path": hot, "estimate_error": errors, "estimate_cost": costs, "kept": kept}
        arguments.json.write_text(json.dumps(measured, indent=2))


if __name__ == "__main__":
    main()
