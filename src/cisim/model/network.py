"""Who talks to whom: a seeded networkx graph per region, with trust on every link."""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from typing import Any

import networkx as nx
import numpy as np

from cisim.scenarios.network_file import read_edge_list


def build_graph(kind: str, n: int, seed: int, edge_file: str = "", members: Sequence[int] = ()) -> nx.Graph:
    """A communication graph over ``n`` organizations, seeded from the model's generator.

    Args:
        kind: ``complete``, ``small_world`` (Watts-Strogatz, 4 neighbours, 10 % rewired), ``ring``,
            ``scale_free`` (Barabasi-Albert, 2 links per newcomer) or ``file``.
        n: number of organizations.
        seed: integer drawn from the model's generator.
        edge_file: with ``file``: an edge list of organization indices (model-wide numbering).
        members: with ``file``: the model-wide indices of these ``n`` organizations, in order.
    """
    if kind == "file":
        position = {organization: local for local, organization in enumerate(members)}
        graph = nx.empty_graph(n)
        # Every index was checked against the scenario's organizations when it was loaded; keep this region's.
        for u, v in read_edge_list(edge_file, sys.maxsize, "communication.network_file"):
            if u in position and v in position:
                graph.add_edge(position[u], position[v])
        return graph
    if kind == "complete" or n <= 4:
        return nx.complete_graph(n)
    if kind == "small_world":
        return nx.connected_watts_strogatz_graph(n, 4, 0.1, seed=seed)
    if kind == "ring":
        return nx.cycle_graph(n)
    if kind == "scale_free":
        return nx.barabasi_albert_graph(n, 2, seed=seed)
    raise ValueError(f"unknown network kind {kind!r}")


class Network:
    """Links between the organizations of one region and the trust on each.

    Trust lives in one array over links, so decay is one vectorised operation per step and nothing
    loops over pairs of organizations.
    """

    def __init__(self, graph: nx.Graph, organizations: Sequence[Any], trust_initial: float) -> None:
        """Wire ``organizations`` (graph node i is ``organizations[i]``) with ``trust_initial`` on every link."""
        self.organizations = list(organizations)
        n = len(self.organizations)
        edges = np.array(sorted(tuple(sorted(e)) for e in graph.edges()), dtype=np.intp).reshape(-1, 2)
        self.edges = edges
        self.trust = np.full(len(edges), trust_initial, dtype=float)
        self.touched = np.zeros(len(edges), dtype=bool)
        ends = np.concatenate([edges[:, 0], edges[:, 1]])
        others = np.concatenate([edges[:, 1], edges[:, 0]])
        ids = np.concatenate([np.arange(len(edges)), np.arange(len(edges))])
        order = np.argsort(ends, kind="stable")
        split = np.searchsorted(ends[order], np.arange(1, n))
        self.neighbours = np.split(others[order], split)
        self.edge_ids = np.split(ids[order], split)

    def contacts(self, local: int, count: int, rng: np.random.Generator) -> Iterator[tuple[Any, int]]:
        """Up to ``count`` neighbours of organization ``local`` that are coalition members, with link ids.

        Neighbours are drawn at random (with replacement), so the cost is per contact, not per neighbour.
        """
        neighbours = self.neighbours[local]
        if not neighbours.size:
            return
        for pick in rng.integers(neighbours.size, size=count):
            other = self.organizations[neighbours[pick]]
            if other.member:
                yield other, int(self.edge_ids[local][pick])

    def touch(self, edge: int, gain: float) -> None:
        """Record a contact on a link: trust grows a share ``gain`` of the way to 1."""
        self.trust[edge] += min(1.0, gain) * (1.0 - self.trust[edge])
        self.touched[edge] = True

    def decay(self, rate: float) -> None:
        """Trust fades on links without contact this step."""
        self.trust[~self.touched] *= 1.0 - rate
        self.touched[:] = False

    def trust_of(self, local: int) -> float:
        """Mean trust on an organization's links (its trust towards others)."""
        ids = self.edge_ids[local]
        return float(self.trust[ids].mean()) if ids.size else 0.0
