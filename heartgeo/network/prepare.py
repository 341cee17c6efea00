"""A drive network's edges as arrays, prepared into a :class:`RoadNetwork`.

Both ways of reading a network end here (:mod:`heartgeo.network.loading`): an OSM XML file
or an unsimplified GraphML goes through OSMnx (drive filter, simplification) and its graph
is turned into an :class:`EdgeList`; a simplified OSMnx GraphML is read straight into one
(:func:`from_graphml`). :func:`network_from_edges` then keeps the largest strongly
connected part, sets speeds (:func:`heartgeo.io.osm.edge_speeds`) and projects to
EPSG:32119.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

from heartgeo.config import DEFAULT_ROAD_SPEEDS_KMH, FALLBACK_SPEED_KMH, LONLAT_CRS, METRIC_CRS
from heartgeo.io.graphml import GraphTable, osmnx_value
from heartgeo.io.osm import DRIVE_TAGS, drivable_mask, edge_speeds, first_value
from heartgeo.network.arrays import RoadNetwork


@dataclass
class EdgeList:
    """Drivable, simplified directed edges in lon/lat, before the connected part is chosen.

    Attributes
    ----------
    node_ids
        OSM node ids, shape (N,).
    lonlat
        Node coordinates, shape (N, 2).
    u, v
        Edge ends as node indexes, shape (E,).
    geometry
        Each edge's LineString in lon/lat, or ``None`` for a straight edge.
    highway, maxspeed
        Each edge's tag values (a list where simplification merged ways).
    stats
        Counts of the steps so far (``raw_nodes``, ``raw_edges``, ``drive_nodes``,
        ``drive_edges``).
    """

    node_ids: np.ndarray
    lonlat: np.ndarray
    u: np.ndarray
    v: np.ndarray
    geometry: np.ndarray
    highway: list
    maxspeed: list
    stats: dict

    @classmethod
    def from_graph(cls, graph, stats: dict) -> EdgeList:
        """The edges of a prepared OSMnx graph (drivable and simplified)."""
        node_ids = np.array(list(graph.nodes), dtype=np.int64)
        index = {nid: i for i, nid in enumerate(node_ids.tolist())}
        lonlat = np.array([(d["x"], d["y"]) for _, d in graph.nodes(data=True)], dtype=float)
        edges = list(graph.edges(data=True))
        return cls(
            node_ids=node_ids,
            lonlat=lonlat.reshape(-1, 2),
            u=np.fromiter((index[a] for a, _, _ in edges), np.int64, len(edges)),
            v=np.fromiter((index[b] for _, b, _ in edges), np.int64, len(edges)),
            geometry=_objects([d.get("geometry") for _, _, d in edges]),
            highway=[d.get("highway") for _, _, d in edges],
            maxspeed=[d.get("maxspeed") for _, _, d in edges],
            stats=stats,
        )


def from_graphml(table: GraphTable) -> EdgeList:
    """The drivable edges of a simplified OSMnx GraphML (see :func:`heartgeo.io.graphml.read_graphml`),
    and the nodes they use.
    """
    raw = table.edges
    keep = drivable_mask(zip(*(raw[k] for k in DRIVE_TAGS), strict=True), decode=osmnx_value)
    used = np.zeros(len(table.node_ids), dtype=bool)
    used[table.u[keep]] = used[table.v[keep]] = True
    renumber = np.cumsum(used) - 1
    wkt = np.array(raw["geometry"] + [None], dtype=object)[:-1][keep]
    shapes = np.full(len(wkt), None, dtype=object)
    given = np.array([w is not None for w in wkt], dtype=bool)
    shapes[given] = shapely.from_wkt(wkt[given].astype(str))
    kept = np.flatnonzero(keep).tolist()
    return EdgeList(
        node_ids=_osm_ids(table.node_ids)[used],
        lonlat=table.lonlat[used],
        u=renumber[table.u[keep]],
        v=renumber[table.v[keep]],
        geometry=shapes,
        highway=[osmnx_value(raw["highway"][i]) for i in kept],
        maxspeed=[osmnx_value(raw["maxspeed"][i]) for i in kept],
        stats={
            "raw_nodes": len(table.node_ids),
            "raw_edges": len(table.u),
            "drive_nodes": int(used.sum()),
            "drive_edges": len(kept),
        },
    )


def _osm_ids(ids: list[str]) -> np.ndarray:
    """Node ids as integers, as OSMnx reads them; a ValueError names the first that is not."""
    try:
        return np.array(ids, dtype=np.int64)
    except (ValueError, OverflowError):
        bad = next((i for i in ids if not i.strip().lstrip("-").isdigit()), max(ids, key=len))
        raise ValueError(f"node id {bad!r} is not an integer (OSM node ids are)") from None


def _objects(items: list) -> np.ndarray:
    out = np.empty(len(items), dtype=object)
    out[:] = items
    return out


def largest_strong_part(n: int, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Mask of the nodes in the largest strongly connected part of the directed graph with
    ``n`` nodes and edges ``u -> v``.
    """
    adj = csr_matrix((np.ones(len(u)), (u, v)), shape=(n, n))
    _, label = connected_components(adj, directed=True, connection="strong")
    return label == np.argmax(np.bincount(label))


def network_from_edges(
    edges: EdgeList,
    extent: shapely.Geometry,
    *,
    speeds_kmh: dict[str, float] | None,
    source: str,
    extent_method: str,
) -> RoadNetwork:
    """The largest strongly connected part of ``edges``, with speeds, in EPSG:32119.

    Speeds: ``maxspeed`` where tagged, else :data:`heartgeo.config.DEFAULT_ROAD_SPEEDS_KMH`
    updated by ``speeds_kmh`` (see :func:`heartgeo.io.osm.edge_speeds`).
    """
    from pyproj import Transformer

    to_metric = Transformer.from_crs(LONLAT_CRS, METRIC_CRS, always_xy=True)

    def project(xy: np.ndarray) -> np.ndarray:
        return np.column_stack(to_metric.transform(xy[:, 0], xy[:, 1]))

    part = largest_strong_part(len(edges.node_ids), edges.u, edges.v)
    stats = dict(edges.stats)
    orphan_xy = project(edges.lonlat[~part])
    on = part[edges.u] & part[edges.v]
    renumber = np.cumsum(part) - 1
    u, v = renumber[edges.u[on]], renumber[edges.v[on]]
    stats.update(nodes=int(part.sum()), edges=int(on.sum()))
    maxspeed = [m for m, ok in zip(edges.maxspeed, on.tolist(), strict=True) if ok]
    stats["edges_with_maxspeed"] = sum(1 for m in maxspeed if m not in (None, ""))
    highway = _objects([first_value(h) for h, ok in zip(edges.highway, on, strict=True) if ok])
    table = dict(DEFAULT_ROAD_SPEEDS_KMH)
    table.update(speeds_kmh or {})
    speed = edge_speeds(highway, maxspeed, table, FALLBACK_SPEED_KMH)
    stats["speed_table_kmh"] = table
    xy = project(edges.lonlat[part])
    geoms = _shapes(edges.geometry[on], xy, u, v, project)
    length = shapely.length(geoms)
    return RoadNetwork(
        orphan_xy=orphan_xy,
        node_ids=edges.node_ids[part],
        xy=xy,
        u=u,
        v=v,
        length_m=length,
        time_s=length / (speed / 3.6),
        speed_kmh=speed,
        highway=highway,
        geometry=geoms,
        extent=shapely.make_valid(extent),
        source=source,
        extent_method=extent_method,
        stats=stats,
    )


def _shapes(geoms: np.ndarray, xy: np.ndarray, u: np.ndarray, v: np.ndarray, project):
    """Edge LineStrings in metres, from u to v: the given lon/lat shapes projected, straight
    lines where none is given.
    """
    straight = np.array([g is None for g in geoms], dtype=bool)
    geoms[~straight] = shapely.transform(geoms[~straight], project)
    geoms[straight] = shapely.linestrings(
        np.stack([xy[u[straight]], xy[v[straight]]], axis=1).reshape(-1, 2, 2)
    )
    start = shapely.get_coordinates(shapely.get_point(geoms, 0))
    flipped = np.hypot(*(start - xy[v]).T) < np.hypot(*(start - xy[u]).T)
    if flipped.any():
        geoms[flipped] = shapely.reverse(geoms[flipped])
    return geoms
