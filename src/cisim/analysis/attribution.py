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

from cisim.analysis.results import factor_columns
from cisim.analysis.statistics import CONFIDENCE, RESAMPLES, bootstrap_interval


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
            "no two-level factors in these results: attribution needs a full factorial of factors at two "
            "levels; run one first, e.g. `cisim sweep conditions_factorial`, then "
            "`cisim attribute results/conditions_factorial`"
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
    resamples: int = RESAMPLES,
    confidence: float = CONFIDENCE,
    seed: int = 0,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Shapley values of each player's contribution to the advantage of all-on over all-off.

    Also the pairwise Shapley interaction indices; each comes with a percentile bootstrap interval over
    replicates (``scipy.stats.bootstrap``; a replicate's runs are resampled together, so the common random
    numbers stay paired).

    Returns:
        (contributions, interactions): one row per player (plus a ``total`` row), one row per pair.
    """
    players, values = game_from_results(frame, metric, players)
    n, replicates = len(players), values.shape[1]
    weights = shapley_weights(n)
    pair_weights = interaction_weights(n)
    # every quantity is linear in the coalitions' means, so one bootstrap of them all keeps replicates paired
    linear = np.vstack([weights, np.eye(1 << n)[-1] - np.eye(1 << n)[0], *pair_weights.values()])

    def estimates(sample: np.ndarray, axis: int = -1) -> np.ndarray:
        return np.tensordot(linear, sample.mean(axis=axis), axes=1)

    point = estimates(values)
    low, high = bootstrap_interval(values, estimates, confidence, resamples, seed, method="percentile")
    total = point[n]
    rows = [
        {
            "player": p,
            "shapley": point[i],
            "ci_low": low[i],
            "ci_high": high[i],
            "share": point[i] / total if total else np.nan,
        }
        for i, p in enumerate(players)
    ]
    rows.append({"player": "total", "shapley": total, "ci_low": low[n], "ci_high": high[n], "share": 1.0})
    pairs = [
        {
            "first": players[i],
            "second": players[j],
            "interaction": point[k],
            "ci_low": low[k],
            "ci_high": high[k],
        }
        for k, (i, j) in enumerate(pair_weights, start=n + 1)
    ]
    ranked = sorted(rows[:-1], key=lambda row: -row["shapley"]) + rows[-1:]
    contributions = pd.DataFrame(ranked)
    mean = values.mean(axis=1)
    contributions.attrs.update(
        metric=metric,
        replicates=replicates,
        baseline=float(mean[0]),
        full=float(mean[-1]),
        confidence=confidence,
        resamples=resamples,
    )
    return contributions, pd.DataFrame(pairs, columns=["first", "second", "interaction", "ci_low", "ci_high"])
