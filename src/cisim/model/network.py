"""Who talks to whom: seeded networkx graphs within each region, with trust on every link.

All regions' links sit in one array (model-wide organization numbers), with every organization's neighbours
in compressed rows, so the step's compiled loops choose contacts, build trust and let it fade for every
organization in one call.
"""

from __future__ import annotations

import itertools
import random
import sys
from collections.abc import Sequence

import networkx as nx
import numpy as np

from cisim.organizations.behaviour import touch
from cisim.problem.compiled import kernel
from cisim.scenarios.network_file import read_edge_list
from cisim.scenarios.schema import CONNECTED_DRAWS


def build_graph(
    kind: str,
    n: int,
    seed: int,
    degree: int = 4,
    rewiring: float = 0.1,
    edge_file: str = "",
    members: Sequence[int] = (),
) -> nx.Graph:
    """A communication graph over ``n`` organizations, seeded from the model's generator.

    Args:
        kind: ``complete``; ``small_world`` (connected Watts-Strogatz: ``degree`` neighbours, a share
            ``rewiring`` of links rewired); ``ring`` (a cycle); ``linear`` (a path); ``random`` (Erdos-Renyi
            with ``n * degree / 2`` links, its components then joined in a chain so that it is connected);
            ``erdos_renyi`` (each pair linked with probability ``degree / (n - 1)``, as drawn: the number of
            links varies and an organization may have none); ``connected_erdos_renyi`` (the same, drawn again
            until it is in one piece: an Erdos-Renyi network conditioned on being connected); ``scale_free``
            (Barabasi-Albert, 2 links per newcomer); or ``file``.
        n: number of organizations.
        seed: integer drawn from the model's generator.
        degree: mean neighbours per organization (small_world, random, erdos_renyi, connected_erdos_renyi).
        rewiring: share of links rewired (small_world).
        edge_file: with ``file``: an edge list of organization numbers (model-wide numbering).
        members: with ``file``: the model-wide numbers of these ``n`` organizations, in order.
    """
    if kind == "file":
        position = {organization: local for local, organization in enumerate(members)}
        graph = nx.empty_graph(n)
        # Every index was checked against the scenario's organizations when it was loaded; keep this region's.
        for u, v in read_edge_list(edge_file, sys.maxsize, "communication.network_file"):
            if u in position and v in position:
                graph.add_edge(position[u], position[v])
        return graph
    if kind == "linear":
        return nx.path_graph(n)
    if kind == "ring":
        return nx.cycle_graph(n) if n > 2 else nx.path_graph(n)
    if kind == "complete" or (kind in ("small_world", "random") and n <= degree + 1) or n <= 2:
        return nx.complete_graph(n)
    if kind == "small_world":
        return nx.connected_watts_strogatz_graph(n, degree, rewiring, seed=seed)
    if kind == "random":
        graph = nx.gnm_random_graph(n, round(n * degree / 2), seed=seed)
        components = [min(component) for component in nx.connected_components(graph)]
        graph.add_edges_from(itertools.pairwise(components))
        return graph
    if kind == "erdos_renyi":
        return nx.gnp_random_graph(n, min(1.0, degree / (n - 1)), seed=seed)
    if kind == "connected_erdos_renyi":
        return connected_gnp_graph(n, min(1.0, degree / (n - 1)), seed)
    if kind == "scale_free":
        return nx.barabasi_albert_graph(n, 2, seed=seed)
    raise ValueError(f"unknown network kind {kind!r}")


def graph_edges(
    kind: str,
    n: int,
    seed: int,
    degree: int = 4,
    rewiring: float = 0.1,
    edge_file: str = "",
    members: Sequence[int] = (),
) -> np.ndarray:
    """The links of ``build_graph``'s graph as an ``(E, 2)`` array of local organization numbers, in no set order.

    Graphs that draw nothing (complete, linear, ring) are built as arrays directly, without networkx: a complete
    network of 100 organizations has 4,950 links, which networkx builds one Python call at a time.
    """
    complete = kind == "complete" or (kind in ("small_world", "random") and n <= degree + 1) or n <= 2
    if kind not in ("file", "linear", "ring") and complete:
        first, second = np.triu_indices(n, 1)
        return np.column_stack((first, second)).astype(np.intp)
    if kind == "linear" or (kind == "ring" and n <= 2):
        first = np.arange(n - 1, dtype=np.intp)
        return np.column_stack((first, first + 1))
    if kind == "ring":
        first = np.arange(n, dtype=np.intp)
        return np.column_stack((first, (first + 1) % n))
    graph = build_graph(kind, n, seed, degree, rewiring, edge_file, members)
    return np.array(list(graph.edges()), dtype=np.intp).reshape(-1, 2)


def connected_gnp_graph(n: int, p: float, seed: int) -> nx.Graph:
    """An Erdos-Renyi network G(n, p) drawn again until it is connected (so conditioned on being connected).

    The draws continue one seeded stream, so the first draw is the ``erdos_renyi`` network of the same seed and
    a connected first draw is kept as it is. Scenarios are checked so that a draw is connected often enough
    (``cisim.scenarios.schema.connected_chance``); this gives up after ``CONNECTED_DRAWS`` draws all the same.
    """
    stream = random.Random(seed)
    for _ in range(CONNECTED_DRAWS):
        graph = nx.gnp_random_graph(n, p, seed=stream)
        if nx.is_connected(graph):
            return graph
    raise ValueError(
        f"no connected Erdos-Renyi network of {n} organizations with link probability {p:.4g} in "
        f"{CONNECTED_DRAWS:,} draws: expected a larger communication.degree"
    )


class Network:
    """Links between organizations (within regions) and the trust on each.

    Attributes:
        edges: each link's two organizations (model-wide numbers), shape ``(E, 2)``.
        trust: trust on each link, in [0, 1].
        touched: links with contact this step (cleared as the next step's organizations start to communicate, so
            a step's contacts can be shown after it).
        offsets, neighbours, edge_of: for organization ``i``, its neighbours are
            ``neighbours[offsets[i]:offsets[i + 1]]`` over the links ``edge_of[...]`` (compressed rows).
    """

    def __init__(self, edges: np.ndarray, count: int, trust_initial: float) -> None:
        """Wire ``count`` organizations by ``edges`` with ``trust_initial`` on every link."""
        self.edges = np.asarray(edges, dtype=np.intp).reshape(-1, 2)
        self.trust = np.full(len(self.edges), trust_initial, dtype=float)
        self.touched = np.zeros(len(self.edges), dtype=bool)
        ends = np.concatenate([self.edges[:, 0], self.edges[:, 1]])
        order = np.argsort(ends, kind="stable")
        self.neighbours = np.concatenate([self.edges[:, 1], self.edges[:, 0]])[order]
        self.edge_of = np.tile(np.arange(len(self.edges)), 2)[order]
        self.offsets = np.concatenate([[0], np.cumsum(np.bincount(ends, minlength=count))])
        self.degree = np.diff(self.offsets)

    def touch(self, edges: np.ndarray, gains: np.ndarray) -> None:
        """Record contacts: on each, trust grows a share ``gain`` of the way to 1 (several contacts compound)."""
        touch(self.trust, self.touched, np.asarray(edges, dtype=np.intp), np.asarray(gains, dtype=float))

    def decay(self, rate: float) -> None:
        """Trust fades on links without contact since ``touched`` was last cleared (in a model, this step's)."""
        fade(self.trust, self.touched, rate)

    def trust_of(self) -> np.ndarray:
        """Each organization's mean trust over its links (0 without links), shape ``(O,)``."""
        return mean_trust(self.edges, self.trust, self.degree)


@kernel
def fade(trust: np.ndarray, touched: np.ndarray, rate: float) -> None:
    """Trust fades by a share ``rate`` on links without contact this step."""
    for link in range(trust.shape[0]):
        if not touched[link]:
            trust[link] *= 1.0 - rate


@kernel
def mean_trust(edges: np.ndarray, trust: np.ndarray, degree: np.ndarray) -> np.ndarray:
    """Each organization's mean trust over its links (0 without links)."""
    per_end = np.zeros(degree.shape[0])
    for link in range(edges.shape[0]):
        per_end[edges[link, 0]] += trust[link]
        per_end[edges[link, 1]] += trust[link]
    for o in range(degree.shape[0]):
        per_end[o] = per_end[o] / degree[o] if degree[o] > 0 else 0.0
    return per_end
