"""Attribution: what each condition (or backbone role) contributes, by Shapley values over a full factorial.

The evaluator's question "if not for X, would Y have happened?" (source 002) asks for X's marginal
contribution; when contributions interact, the Shapley value averages X's marginal contribution over every
order in which the other players could have joined, and the values add up to the whole advantage.
"""

from __future__ import annotations

from itertools import combinations
from math import factorial

import numpy as np
import pandas as pd

from cisim.analysis.tables import factor_columns


class AttributionError(ValueError):
    """The results do not hold the full factorial that attribution needs; the message says what is missing."""


def shapley_weights(n: int) -> np.ndarray:
    """Matrix W (players x 2**n coalitions, bit i = player i) with Shapley values = W @ v."""
    weights = np.zeros((n, 1 << n))
    for i in range(n):
        for mask in range(1 << n):
            if mask & (1 << i):
                continue
            size = bin(mask).count("1")
            w = factorial(size) * factorial(n - size - 1) / factorial(n)
            weights[i, mask | (1 << i)] += w
            weights[i, mask] -= w
    return weights


def interaction_weights(n: int) -> dict[tuple[int, int], np.ndarray]:
    """For each pair (i, j), the vector w with the Shapley interaction index I_ij = w @ v (Grabisch 1997)."""
    pairs = {}
    for i, j in combinations(range(n), 2):
        weight = np.zeros(1 << n)
        for mask in range(1 << n):
            if mask & (1 << i) or mask & (1 << j):
                continue
            size = bin(mask).count("1")
            w = factorial(size) * factorial(n - size - 2) / factorial(n - 1)
            weight[mask | (1 << i) | (1 << j)] += w
            weight[mask | (1 << i)] -= w
            weight[mask | (1 << j)] -= w
            weight[mask] += w
        pairs[(i, j)] = weight
    return pairs


def game_from_results(
    frame: pd.DataFrame, metric: str = "final_outcome", players: list[str] | None = None
) -> tuple[list[str], np.ndarray]:
    """The factorial as a game: players and a matrix of values (2**n coalitions x replicates).

    Players are the design's two-level factors (low level = off, high level = on); every combination must be
    in the results, with the same replicates.
    """
    frame = frame[frame["status"] == "done"] if "status" in frame else frame
    candidates = [c for c in factor_columns(frame) if frame[c].nunique() == 2]
    players = players or candidates
    if not players:
        raise AttributionError(
            "no two-level factors in these results: attribution needs a full factorial of "
            "factors at two levels (e.g. experiments/conditions_factorial.toml)"
        )
    others = [c for c in factor_columns(frame) if c not in players]
    if others and frame[others].drop_duplicates().shape[0] > 1:
        raise AttributionError(f"factors {others} also vary; attribution needs every other factor fixed")
    if frame["arm"].nunique() > 1:
        raise AttributionError(f"several arms ({', '.join(frame['arm'].unique())}); choose one with --arm")
    bits = sum((frame[p] == frame[p].max()).astype(int) * (1 << i) for i, p in enumerate(players))
    table = frame.assign(coalition=bits).pivot_table(
        index="coalition", columns="replicate", values=metric, aggfunc="mean"
    )
    missing = sorted(set(range(1 << len(players))) - set(table.index))
    if missing:
        raise AttributionError(
            f"{len(missing)} of {1 << len(players)} combinations of {', '.join(players)} are "
            "missing from the results (is the sweep finished?)"
        )
    table = table.dropna(axis=1)
    if table.shape[1] < 2:
        raise AttributionError("fewer than two replicates complete for every combination")
    return players, table.sort_index().to_numpy()


def attribute(
    frame: pd.DataFrame,
    metric: str = "final_outcome",
    players: list[str] | None = None,
    resamples: int = 2000,
    confidence: float = 0.95,
    seed: int = 0,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Shapley values of each player's contribution to the advantage of all-on over all-off.

    Also the pairwise Shapley interaction indices; each comes with a bootstrap interval over replicates
    (resampled together, so the common random numbers stay paired).

    Returns:
        (contributions, interactions): one row per player (plus a ``total`` row), one row per pair.
    """
    players, values = game_from_results(frame, metric, players)
    n, replicates = len(players), values.shape[1]
    rng = np.random.default_rng(seed)
    draws = rng.integers(replicates, size=(resamples, replicates))
    boot = values[:, draws].mean(axis=2)  # coalitions x resamples
    mean = values.mean(axis=1)
    tail = (1 - confidence) / 2 * 100
    weights = shapley_weights(n)
    shapley, shapley_boot = weights @ mean, weights @ boot
    total, total_boot = mean[-1] - mean[0], boot[-1] - boot[0]
    rows = [
        {
            "player": p,
            "shapley": shapley[i],
            "ci_low": np.percentile(shapley_boot[i], tail),
            "ci_high": np.percentile(shapley_boot[i], 100 - tail),
            "share": shapley[i] / total if total else np.nan,
        }
        for i, p in enumerate(players)
    ]
    rows.append(
        {
            "player": "total",
            "shapley": total,
            "ci_low": np.percentile(total_boot, tail),
            "ci_high": np.percentile(total_boot, 100 - tail),
            "share": 1.0,
        }
    )
    pairs = []
    for (i, j), weight in interaction_weights(n).items():
        pair_boot = weight @ boot
        pairs.append(
            {
                "first": players[i],
                "second": players[j],
                "interaction": weight @ mean,
                "ci_low": np.percentile(pair_boot, tail),
                "ci_high": np.percentile(pair_boot, 100 - tail),
            }
        )
    ranked = sorted(rows[:-1], key=lambda row: -row["shapley"]) + rows[-1:]
    contributions = pd.DataFrame(ranked)
    contributions.attrs.update(metric=metric, replicates=replicates, baseline=float(mean[0]), full=float(mean[-1]))
    return contributions, pd.DataFrame(pairs)
