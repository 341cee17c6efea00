"""The road network as arrays in EPSG:32119: the form every travel model and isochrone uses."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import numpy as np
import shapely
from scipy.sparse import csr_matrix
from scipy.spatial import cKDTree

from heartgeo.geometry import distance_along
from heartgeo.io.osm import RESIDENTIAL_HIGHWAYS
from heartgeo.network.blocks import Blocks
from heartgeo.network.strokes import Strokes
from heartgeo.network.timegrid import TimeGrid
from heartgeo.parallel import shared_cached_property

#: Serialises building blocks and time grids (expensive, once-per-network steps).
_BUILD_LOCK = threading.Lock()


@dataclass
class RoadNetwork:
    """A drivable road network as arrays, in EPSG:32119.

    Attributes
    ----------
    node_ids
        OSM node ids, shape (N,).
    xy
        Node coordinates in metres, shape (N, 2).
    u, v
        Edge endpoints as node indices, shape (E,).
    length_m, time_s
        Edge length (metres) and free-flow travel time (seconds).
    speed_kmh
        Edge speed (km/h).
    highway
        Edge road class (first ``highway`` value).
    geometry
        Edge geometries (LineStrings oriented from u to v).
    extent
        Polygon of the area where road data was loaded.
    orphan_xy
        Drivable road nodes left out because they cannot reach, or be reached from, the
        largest strongly connected part (for messages about points placed on them).
    """

    node_ids: np.ndarray
    xy: np.ndarray
    u: np.ndarray
    v: np.ndarray
    length_m: np.ndarray
    time_s: np.ndarray
    speed_kmh: np.ndarray
    highway: np.ndarray
    geometry: np.ndarray
    extent: shapely.Geometry
    orphan_xy: np.ndarray = field(default_factory=lambda: np.empty((0, 2)))
    source: str = ""
    extent_method: str = ""
    stats: dict = field(default_factory=dict)

    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return len(self.node_ids)

    @property
    def n_edges(self) -> int:
        """Number of directed edges."""
        return len(self.u)

    @shared_cached_property
    def csr(self) -> csr_matrix:
        """Travel-time adjacency matrix (seconds); parallel edges keep the fastest."""
        return self.adjacency(self.time_s)

    def adjacency(self, weights: np.ndarray) -> csr_matrix:
        """Sparse adjacency matrix of per-edge ``weights``; parallel edges keep the smallest,
        self-loops are dropped (neither changes a shortest path).
        """
        order = np.lexsort((weights, self.v, self.u))
        u, v, w = self.u[order], self.v[order], weights[order]
        first = np.ones(len(u), dtype=bool)
        first[1:] = (u[1:] != u[:-1]) | (v[1:] != v[:-1])
        keep = first & (u != v)
        # scipy ignores explicit zeros in sparse input: keep zero-weight edges as edges
        n = self.n_nodes
        return csr_matrix((np.maximum(w[keep], 1e-9), (u[keep], v[keep])), shape=(n, n))

    @shared_cached_property
    def segments(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Every edge's straight segments: (edge index, start xy, end xy, distance along
        the edge to the segment's start).
        """
        coords, idx = shapely.get_coordinates(self.geometry, return_index=True)
        same = idx[1:] == idx[:-1]
        along = distance_along(coords, idx)[:-1][same]
        return idx[:-1][same], coords[:-1][same], coords[1:][same], along

    @shared_cached_property
    def segment_tree(self) -> shapely.STRtree:
        """Spatial index of the edges' segments (see :attr:`segments`)."""
        _, a, b, _ = self.segments
        return shapely.STRtree(shapely.linestrings(np.stack([a, b], axis=1)))

    @shared_cached_property
    def kdtree(self) -> cKDTree:
        """Spatial index of the nodes."""
        return cKDTree(self.xy)

    def nearest_nodes(self, xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Index of and distance (m) to the nearest node for each point in ``xy``."""
        dist, idx = self.kdtree.query(np.asarray(xy, dtype=float).reshape(-1, 2))
        return idx.astype(np.int64), dist

    @shared_cached_property
    def twin(self) -> np.ndarray:
        """Index of the reverse edge v->u of each edge u->v, or -1 (one-way)."""
        n = np.int64(self.n_nodes)
        keys = self.u * n + self.v
        order = np.argsort(keys, kind="stable")
        rev = self.v * n + self.u
        pos = np.clip(np.searchsorted(keys[order], rev), 0, len(keys) - 1)
        cand = order[pos]
        # the same road run backwards: parallel edges of another shape are not twins
        found = keys[cand] == rev
        found[found] = shapely.equals_exact(
            shapely.reverse(self.geometry[found]), self.geometry[cand[found]], tolerance=1e-6
        )
        return np.where(found, cand, -1)

    @shared_cached_property
    def road_mask(self) -> np.ndarray:
        """Edges that represent each physical road once (drops the reverse twin)."""
        return (self.twin < 0) | (self.u < self.v)

    @shared_cached_property
    def strokes(self) -> Strokes:
        """The roads chained into strokes (see :class:`Strokes`)."""
        return Strokes.build(self)

    @shared_cached_property
    def _blocks(self) -> dict[float, Blocks]:
        return {}

    def blocks(self, buffer_m: float, workers: int | None = None) -> Blocks:
        """The network's blocks for isochrones of ``buffer_m`` (built once per buffer, on
        ``workers`` threads, also when threads ask together; see
        :class:`heartgeo.network.blocks.Blocks`).
        """
        key = float(buffer_m)
        with _BUILD_LOCK:
            if key not in self._blocks:
                self._blocks[key] = Blocks.build(self, key, workers)
        return self._blocks[key]

    def use_blocks(self, blocks: Blocks) -> None:
        """Adopt blocks built earlier for this network (from the cache)."""
        self._blocks[float(blocks.buffer_m)] = blocks

    @shared_cached_property
    def _time_grids(self) -> dict[tuple, TimeGrid]:
        return {}

    def time_grid(self, buffer_m: float, cell_m: float | None = None) -> TimeGrid:
        """The network's travel-time grid for fast isochrones of ``buffer_m`` (built once per
        buffer and cell size; see :class:`heartgeo.network.timegrid.TimeGrid`).
        """
        key = (float(buffer_m), None if cell_m is None else float(cell_m))
        with _BUILD_LOCK:
            if key not in self._time_grids:
                self._time_grids[key] = TimeGrid.build(self, *key)
        return self._time_grids[key]

    def roads(self) -> np.ndarray:
        """Road geometries, one per physical road (for road-length measures)."""
        return self.geometry[self.road_mask]

    def residential_roads(self) -> np.ndarray:
        """Residential road geometries, one per physical road."""
        mask = self.road_mask & np.isin(self.highway, list(RESIDENTIAL_HIGHWAYS))
        return self.geometry[mask]
