"""The sparse-graph routing engine: shortest travel times from source nodes.

scipy's multi-source Dijkstra (``scipy.sparse.csgraph``) runs once per scenario; the
travel models of :mod:`heartgeo.travel` cut its node times into every band, the demand
cells' times and the maps (compute once, cut many).
"""

from __future__ import annotations

import numpy as np
from scipy.sparse.csgraph import dijkstra

from heartgeo.network.arrays import RoadNetwork


def node_travel_times(
    net: RoadNetwork, sources: np.ndarray, *, limit_s: float = np.inf, per_source: bool = False
) -> np.ndarray:
    """Shortest travel times (seconds) from source nodes over the network.

    Parameters
    ----------
    net
        The road network.
    sources
        Node indices of the origins.
    limit_s
        Stop searching beyond this time; farther nodes get ``inf``.
    per_source
        If True return one row per source, shape (S, N); else the time from the nearest
        source, shape (N,), in a single multi-source search.
    """
    sources = np.unique(np.asarray(sources, dtype=np.int64)) if not per_source else sources
    if len(sources) == 0:
        return np.full((0, net.n_nodes) if per_source else net.n_nodes, np.inf)
    if per_source:
        return np.atleast_2d(
            dijkstra(net.csr, directed=True, indices=np.asarray(sources), limit=limit_s)
        )
    return dijkstra(net.csr, directed=True, indices=sources, limit=limit_s, min_only=True)
