"""Networks built as arrays are the networks networkx builds, link for link, in the model's order."""

import numpy as np
import pytest

from cisim.model.network import build_graph, graph_edges
from cisim.scenarios.schema import NETWORKS


def _links(edges) -> list[tuple[int, int]]:
    return sorted((min(u, v), max(u, v)) for u, v in edges)


@pytest.mark.parametrize("kind", [kind for kind in NETWORKS if kind != "file"])
@pytest.mark.parametrize("n", [1, 2, 3, 5, 6, 20, 100])
def test_graph_edges_are_build_graphs_links(kind, n):
    expected = _links(build_graph(kind, n, seed=7).edges())
    found = graph_edges(kind, n, seed=7)
    assert found.dtype == np.intp and found.shape[1] == 2
    assert _links(found.tolist()) == expected


def test_the_models_links_are_in_the_order_they_were_before(small):
    """Each link once, as (lower, higher) organization number, sorted: the order the model's arrays rest on."""
    from cisim.model import CollectiveImpactModel

    for network in ("complete", "small_world", "ring"):
        model = CollectiveImpactModel.from_scenario(
            small.with_values(communication__network=network, regions__n_regions=2), rng=5
        )
        edges = model.network.edges
        assert (edges[:, 0] < edges[:, 1]).all()
        assert edges.tolist() == sorted(edges.tolist())
        assert len({tuple(edge) for edge in edges.tolist()}) == len(edges)
