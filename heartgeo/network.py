"""Road network: OpenStreetMap data through OSMnx, turned into arrays for routing.

Loading keeps the drivable roads only (the same rules as OSMnx's ``network_type="drive"``,
applied after loading so that files holding every highway type work), simplifies the
topology, keeps the largest strongly connected component, sets free-flow speeds from
``maxspeed`` (per-class defaults where it is missing) and a travel time per edge.

The network also has an *extent*: the area where road data was loaded. Outside it the
road situation is unknown; results report that part as *unknown*, never as covered or
as a gap. The extent is the ``<bounds>`` of an OSM XML file, or for GraphML a sidecar
``<name>.extent.geojson`` written by ``heartgeo fetch``, else a morphological closing of
all the loaded nodes (see :func:`node_extent`).
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import shapely
from scipy.sparse import csr_matrix
from scipy.spatial import cKDTree

from heartgeo.blocks import Blocks
from heartgeo.config import (
    DEFAULT_ROAD_SPEEDS_KMH,
    FALLBACK_SPEED_KMH,
    LONLAT_CRS,
    METRIC_CRS,
)
from heartgeo.errors import InputError
from heartgeo.progress import QUIET, Progress

#: ``highway`` values that are not drivable (OSMnx's drive filter).
EXCLUDED_HIGHWAYS = frozenset(
    "abandoned bridleway bus_guideway construction corridor cycleway elevator escalator "
    "footway no path pedestrian planned platform proposed raceway razed rest_area service "
    "services steps track".split()
)
EXCLUDED_SERVICE = frozenset(
    "alley driveway emergency_access parking parking_aisle private".split()
)
#: Road classes whose length weights where people live (dasymetric population weights).
RESIDENTIAL_HIGHWAYS = frozenset({"residential", "living_street"})
EXTRA_WAY_TAGS = ("motor_vehicle", "motorcar")


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
        return len(self.node_ids)

    @property
    def n_edges(self) -> int:
        return len(self.u)

    @cached_property
    def csr(self) -> csr_matrix:
        """Travel-time adjacency matrix (seconds); parallel edges keep the fastest."""
        return self.adjacency(self.time_s)

    def adjacency(self, weights: np.ndarray) -> csr_matrix:
        """Sparse adjacency matrix of per-edge ``weights``; parallel edges keep the smallest,
        self-loops are dropped (neither changes a shortest path)."""
        order = np.lexsort((weights, self.v, self.u))
        u, v, w = self.u[order], self.v[order], weights[order]
        first = np.ones(len(u), dtype=bool)
        first[1:] = (u[1:] != u[:-1]) | (v[1:] != v[:-1])
        keep = first & (u != v)
        # scipy ignores explicit zeros in sparse input: keep zero-weight edges as edges
        n = self.n_nodes
        return csr_matrix((np.maximum(w[keep], 1e-9), (u[keep], v[keep])), shape=(n, n))

    @cached_property
    def kdtree(self) -> cKDTree:
        return cKDTree(self.xy)

    def nearest_nodes(self, xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Index of and distance (m) to the nearest node for each point in ``xy``."""
        dist, idx = self.kdtree.query(np.asarray(xy, dtype=float).reshape(-1, 2))
        return idx.astype(np.int64), dist

    @cached_property
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

    @cached_property
    def road_mask(self) -> np.ndarray:
        """Edges that represent each physical road once (drops the reverse twin)."""
        return (self.twin < 0) | (self.u < self.v)

    @cached_property
    def strokes(self) -> Strokes:
        """The roads chained into strokes (see :class:`Strokes`)."""
        return Strokes.build(self)

    @cached_property
    def _blocks(self) -> dict[float, Blocks]:
        return {}

    def blocks(self, buffer_m: float) -> Blocks:
        """The network's blocks for isochrones of ``buffer_m`` (built once per buffer; see
        :class:`heartgeo.blocks.Blocks`)."""
        key = float(buffer_m)
        if key not in self._blocks:
            self._blocks[key] = Blocks.build(self, key)
        return self._blocks[key]

    def use_blocks(self, blocks: Blocks) -> None:
        """Adopt blocks built earlier for this network (from the cache)."""
        self._blocks[float(blocks.buffer_m)] = blocks

    def roads(self) -> np.ndarray:
        """Road geometries, one per physical road (for road-length measures)."""
        return self.geometry[self.road_mask]

    def residential_roads(self) -> np.ndarray:
        """Residential road geometries, one per physical road."""
        mask = self.road_mask & np.isin(self.highway, list(RESIDENTIAL_HIGHWAYS))
        return self.geometry[mask]


#: Largest change of direction (degrees) at which a stroke continues through a node.
STROKE_MAX_TURN_DEG = 45.0


@dataclass
class Strokes:
    """Roads chained end to end through nodes where the road runs on nearly straight.

    At each node, road ends are paired greedily by how straight the pair continues
    (turns up to :data:`STROKE_MAX_TURN_DEG`); following the pairs gives strokes, the
    "natural roads" of street-network analysis (Thomson & Richardson 1999; Jiang, Zhao &
    Yin 2008). A run of consecutive reached roads along a stroke is one line, so an
    isochrone polygon is the union of a few long buffers instead of one buffer per road
    -- the same area, built several times faster.

    Attributes
    ----------
    edge
        Road edge (an index into the network's edges, one per physical road) at each
        stroke position, strokes one after another.
    stroke
        Stroke id of each position (non-decreasing).
    xy
        Vertices of every position's road, oriented along its stroke.
    vertex_pos
        Position of each vertex in ``xy``.
    """

    edge: np.ndarray
    stroke: np.ndarray
    xy: np.ndarray
    vertex_pos: np.ndarray

    @classmethod
    def build(cls, net: RoadNetwork, max_turn_deg: float = STROKE_MAX_TURN_DEG) -> Strokes:
        roads = np.flatnonzero(net.road_mask & (net.u != net.v))
        geoms = net.geometry[roads]
        coords, idx = shapely.get_coordinates(geoms, return_index=True)
        first = np.searchsorted(idx, np.arange(len(roads)))
        last = np.r_[first[1:], len(idx)] - 1
        # direction leaving each end: end 2k at u (into the road), 2k+1 at v
        out_u = coords[first + 1] - coords[first]
        out_v = coords[last - 1] - coords[last]
        ends_node = np.c_[net.u[roads], net.v[roads]].ravel()
        ends_dir = np.stack([out_u, out_v], axis=1).reshape(-1, 2)
        ends_dir /= np.maximum(np.hypot(*ends_dir.T), 1e-12)[:, None]
        # candidate pairs: two ends of different roads at the same node, nearly straight on
        order = np.argsort(ends_node, kind="stable")
        node_sorted = ends_node[order]
        group_start = np.searchsorted(node_sorted, node_sorted, side="left")
        group_size = np.searchsorted(node_sorted, node_sorted, side="right") - group_start
        first_i, second_i = [], []
        for offset in range(1, int(group_size.max(initial=1))):
            i = np.flatnonzero(np.arange(len(order)) + offset < group_start + group_size)
            first_i.append(order[i])
            second_i.append(order[i + offset])
        a = np.concatenate(first_i) if first_i else np.empty(0, np.int64)
        b = np.concatenate(second_i) if second_i else np.empty(0, np.int64)
        cos = np.einsum("ij,ij->i", ends_dir[a], ends_dir[b])  # -1: straight on
        ok = (cos <= -np.cos(np.deg2rad(max_turn_deg))) & (a // 2 != b // 2)
        a, b, cos = a[ok], b[ok], cos[ok]
        partner = [-1] * len(ends_node)
        by_turn = np.argsort(cos, kind="stable")
        for x, y in zip(a[by_turn].tolist(), b[by_turn].tolist(), strict=True):
            if partner[x] < 0 and partner[y] < 0:  # the straightest pairs first
                partner[x], partner[y] = y, x
        seen = [False] * len(roads)
        pos_road, pos_fwd, pos_stroke = [], [], []
        starts = [e for e in range(len(ends_node)) if partner[e] < 0]
        starts += list(range(0, len(ends_node), 2))  # what is left is closed loops
        n_strokes = 0
        for start in starts:
            if seen[start // 2]:
                continue
            end = start
            while end >= 0 and not seen[end // 2]:
                seen[end // 2] = True
                pos_road.append(end // 2)
                pos_fwd.append(end % 2 == 0)
                pos_stroke.append(n_strokes)
                end = partner[end ^ 1]
            n_strokes += 1
        pos_road = np.asarray(pos_road, dtype=np.int64)
        fwd = np.asarray(pos_fwd, dtype=bool)
        oriented = geoms[pos_road].copy()
        oriented[~fwd] = shapely.reverse(oriented[~fwd])
        xy, vertex_pos = shapely.get_coordinates(oriented, return_index=True)
        return cls(
            edge=roads[pos_road],
            stroke=np.asarray(pos_stroke, dtype=np.int64),
            xy=xy,
            vertex_pos=vertex_pos,
        )

    def runs(self, on: np.ndarray) -> np.ndarray:
        """LineStrings of the runs of consecutive roads with ``on[edge]`` along strokes."""
        sel = on[self.edge]
        cont = np.zeros(len(sel), dtype=bool)
        cont[1:] = sel[1:] & sel[:-1] & (self.stroke[1:] == self.stroke[:-1])
        run = np.cumsum(sel & ~cont) - 1
        keep = sel[self.vertex_pos]
        # a road continuing a run repeats the run's last vertex: drop it
        first_vertex = np.r_[True, self.vertex_pos[1:] != self.vertex_pos[:-1]]
        keep &= ~(first_vertex & cont[self.vertex_pos])
        if not keep.any():
            return np.empty(0, dtype=object)
        return shapely.linestrings(self.xy[keep], indices=run[self.vertex_pos[keep]])


def parse_speeds(items: tuple[str, ...] | list[str]) -> dict[str, float]:
    """Parse ``["residential=25mph", "primary=60"]`` into km/h by road class."""
    speeds: dict[str, float] = {}
    for item in items:
        name, sep, value = item.partition("=")
        match = re.fullmatch(r"\s*([0-9.]+)\s*(mph|kmh|km/h)?\s*", value)
        if not sep or not name.strip() or match is None or float(match.group(1)) <= 0:
            raise InputError(
                f"--road-speed {item!r}: give CLASS=SPEED with a positive speed in km/h "
                "(or with an mph suffix), e.g. --road-speed residential=25mph"
            )
        kmh = float(match.group(1)) * (1.609344 if match.group(2) == "mph" else 1.0)
        speeds[name.strip()] = kmh
    return speeds


def _first(value) -> str:
    if isinstance(value, list):
        value = value[0] if value else ""
    return str(value) if value is not None else ""


def _values(value) -> set[str]:
    if value is None:
        return set()
    items = value if isinstance(value, list) else [value]
    out: set[str] = set()
    for item in items:
        out.update(part.strip() for part in str(item).split(";"))
    return out


def is_drivable(data: dict) -> bool:
    """Whether an OSM way's tags make it part of the drive network."""
    highways = _values(data.get("highway"))
    if not highways or highways & EXCLUDED_HIGHWAYS:
        return False
    if "yes" in _values(data.get("area")):
        return False
    if {"no"} & (_values(data.get("motor_vehicle")) | _values(data.get("motorcar"))):
        return False
    if _values(data.get("service")) & EXCLUDED_SERVICE:
        return False
    if "private" in _values(data.get("access")):
        return False
    return True


def _xml_bounds(path: Path) -> tuple[float, float, float, float] | None:
    with open(path, "rb") as f:
        head = f.read(65536).decode("utf-8", "replace")
    match = re.search(r"<bounds\b([^>]*)>", head)
    if not match:
        return None
    attrs = dict(re.findall(r'(\w+)="([^"]*)"', match.group(1)))
    try:
        return tuple(float(attrs[k]) for k in ("minlon", "minlat", "maxlon", "maxlat"))
    except (KeyError, ValueError):
        return None


def _lonlat_box(bounds: tuple[float, float, float, float]) -> shapely.Geometry:
    box = shapely.segmentize(shapely.box(*bounds), 0.0005)
    return gpd.GeoSeries([box], crs=LONLAT_CRS).to_crs(METRIC_CRS).iloc[0]


def read_graph(path: Path) -> tuple[nx.MultiDiGraph, shapely.Geometry, str]:
    """Read an OSM XML or GraphML file; return the raw graph, its extent and how it was set."""
    import osmnx as ox

    if not path.exists():
        raise InputError(
            f"network file {path} does not exist: check --network or run heartgeo fetch"
        )
    if path.stat().st_size == 0:
        raise InputError(f"network file {path} is empty: replace it (heartgeo fetch writes one)")
    suffix = path.suffix.lower()
    try:
        if suffix in (".osm", ".xml"):
            tags = list(ox.settings.useful_tags_way)
            ox.settings.useful_tags_way = sorted(set(tags) | set(EXTRA_WAY_TAGS))
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    graph = ox.graph_from_xml(path, simplify=False, retain_all=True)
            finally:
                ox.settings.useful_tags_way = tags
        elif suffix == ".graphml":
            graph = ox.load_graphml(path)
        else:
            raise InputError(
                f"network file {path}: unknown type {suffix!r}; give OSM XML (.osm) or GraphML (.graphml)"
            )
    except InputError:
        raise
    except Exception as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputError(
            f"network file {path} cannot be read ({reason}): give valid OSM XML or GraphML"
        ) from None
    if graph.number_of_nodes() == 0:
        raise InputError(f"network file {path} holds no roads: give a file with OSM ways")
    crs = str(graph.graph.get("crs", LONLAT_CRS)).lower()
    if crs not in ("epsg:4326", "wgs84"):
        raise InputError(
            f"network file {path} is in {crs}: give an unprojected (EPSG:4326) OSMnx graph"
        )
    recorded = recorded_extent(path)
    if recorded is not None:
        return graph, *recorded
    method = NODE_EXTENT_METHOD + ("" if suffix in (".osm", ".xml") else " (no extent file)")
    return graph, node_extent(graph), method


def recorded_extent(path: Path) -> tuple[shapely.Geometry, str] | None:
    """The extent a network file records without being loaded, and how: an OSM file's
    ``<bounds>``, or the ``<name>.extent.geojson`` written next to a GraphML by
    ``heartgeo fetch``; None if it records none (the extent then comes from the nodes)."""
    if path.suffix.lower() in (".osm", ".xml"):
        bounds = _xml_bounds(path) if path.is_file() else None
        return None if bounds is None else (_lonlat_box(bounds), "OSM <bounds> element")
    sidecar = path.with_name(path.stem + ".extent.geojson")
    if sidecar.exists():
        from heartgeo.boundaries import read_layer

        layer = read_layer(sidecar, what="network extent")
        return shapely.union_all(layer.geometry.values), f"extent file {sidecar.name}"
    return None


#: Radius of the morphological closing that turns the loaded nodes into an extent (m).
EXTENT_CLOSING_M = 400.0
NODE_EXTENT_METHOD = f"closing ({EXTENT_CLOSING_M:g} m) of all loaded OSM nodes"


def node_extent(graph: nx.MultiDiGraph, radius_m: float = EXTENT_CLOSING_M) -> shapely.Geometry:
    """Area where a graph without recorded bounds has data: closing of all its nodes.

    Each node is buffered by ``radius_m`` and the union shrunk back by the same distance:
    the result hugs the outer nodes (no convex hull over empty land around the data)
    while filling the spaces between roads, where the data is complete.
    """
    xs = np.fromiter((d["x"] for _, d in graph.nodes(data=True)), float)
    ys = np.fromiter((d["y"] for _, d in graph.nodes(data=True)), float)
    pts = gpd.GeoSeries(gpd.points_from_xy(xs, ys), crs=LONLAT_CRS).to_crs(METRIC_CRS)
    grown = shapely.union_all(shapely.buffer(pts.to_numpy(), radius_m, quad_segs=8))
    return shapely.buffer(grown, -radius_m + 1.0, quad_segs=8)


def drive_graph(
    graph: nx.MultiDiGraph,
    speeds_kmh: dict[str, float] | None = None,
    *,
    path: Path | str = "network",
) -> tuple[nx.MultiDiGraph, dict]:
    """Keep drivable roads, simplify, keep the largest strongly connected part, add speeds.

    ``graph`` (freshly read, lon/lat) is changed in place. Returns the prepared graph and
    statistics of each step.
    """
    import osmnx as ox
    from scipy.sparse.csgraph import connected_components

    stats = {"raw_nodes": graph.number_of_nodes(), "raw_edges": graph.number_of_edges()}
    graph.remove_edges_from(
        [(u, v, k) for u, v, k, d in graph.edges(keys=True, data=True) if not is_drivable(d)]
    )
    graph.remove_nodes_from([n for n, deg in graph.degree() if deg == 0])
    if graph.number_of_edges() == 0:
        raise InputError(
            f"network file {path} has no drivable roads: give a network with OSM highway ways "
            "open to cars (motorway ... residential)"
        )
    if not graph.graph.get("simplified", False):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            graph = ox.simplify_graph(graph)
    stats["drive_nodes"] = graph.number_of_nodes()
    stats["drive_edges"] = graph.number_of_edges()
    # largest strongly connected part, on arrays (OSMnx's own copies the graph twice)
    nodes = list(graph.nodes)
    index = {n: i for i, n in enumerate(nodes)}
    uv = np.array([(index[u], index[v]) for u, v in graph.edges()], dtype=np.int64).reshape(-1, 2)
    n = len(nodes)
    adj = csr_matrix((np.ones(len(uv)), (uv[:, 0], uv[:, 1])), shape=(n, n))
    _, label = connected_components(adj, directed=True, connection="strong")
    largest = np.argmax(np.bincount(label))
    orphans = [nodes[i] for i in np.flatnonzero(label != largest)]
    stats["orphan_lonlat"] = [(graph.nodes[o]["x"], graph.nodes[o]["y"]) for o in orphans]
    graph.remove_nodes_from(orphans)
    stats["nodes"] = graph.number_of_nodes()
    stats["edges"] = graph.number_of_edges()
    table = dict(DEFAULT_ROAD_SPEEDS_KMH)
    table.update(speeds_kmh or {})
    tagged = sum(1 for _, _, d in graph.edges(data=True) if d.get("maxspeed") not in (None, ""))
    stats["edges_with_maxspeed"] = tagged
    # maxspeed where tagged; else the class default (user-overridable); then the fallback
    for _, _, d in graph.edges(data=True):
        d.pop("speed_kph", None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        graph = ox.routing.add_edge_speeds(graph, hwy_speeds=table, fallback=FALLBACK_SPEED_KMH)
    stats["speed_table_kmh"] = table
    return graph, stats


def graph_to_network(
    graph: nx.MultiDiGraph,
    extent: shapely.Geometry,
    *,
    source: str,
    extent_method: str,
    stats: dict,
) -> RoadNetwork:
    """Convert a prepared OSMnx graph (lon/lat) to a :class:`RoadNetwork` in EPSG:32119."""
    from pyproj import Transformer

    to_metric = Transformer.from_crs(LONLAT_CRS, METRIC_CRS, always_xy=True)

    def project(xy: np.ndarray) -> np.ndarray:
        return np.column_stack(to_metric.transform(xy[:, 0], xy[:, 1]))

    node_ids = np.array(list(graph.nodes))
    index = {nid: i for i, nid in enumerate(node_ids.tolist())}
    lonlat = np.array([(d["x"], d["y"]) for _, d in graph.nodes(data=True)], dtype=float)
    xy = project(lonlat.reshape(-1, 2))
    edges = list(graph.edges(data=True))
    u = np.fromiter((index[a] for a, _, _ in edges), np.int64, len(edges))
    v = np.fromiter((index[b] for _, b, _ in edges), np.int64, len(edges))
    geoms = np.array([d.get("geometry") for _, _, d in edges] + [None], dtype=object)[:-1]
    straight = np.array([g is None for g in geoms], dtype=bool)
    geoms[~straight] = shapely.transform(geoms[~straight], project)
    geoms[straight] = shapely.linestrings(
        np.stack([xy[u[straight]], xy[v[straight]]], axis=1).reshape(-1, 2, 2)
    )
    start = shapely.get_coordinates(shapely.get_point(geoms, 0))
    flipped = np.hypot(*(start - xy[v]).T) < np.hypot(*(start - xy[u]).T)
    if flipped.any():
        geoms[flipped] = shapely.reverse(geoms[flipped])
    length = shapely.length(geoms)
    speed = np.array([d["speed_kph"] for _, _, d in edges], dtype=float)
    time_s = length / (speed / 3.6)
    highway = np.array([_first(d.get("highway")) for _, _, d in edges] + [""], dtype=object)[:-1]
    extent = shapely.make_valid(extent)
    orphans = stats.pop("orphan_lonlat", [])
    orphan_xy = project(np.asarray(orphans, dtype=float).reshape(-1, 2))
    return RoadNetwork(
        orphan_xy=orphan_xy,
        node_ids=node_ids,
        xy=xy,
        u=u,
        v=v,
        length_m=length,
        time_s=time_s,
        speed_kmh=speed,
        highway=highway,
        geometry=geoms,
        extent=extent,
        source=source,
        extent_method=extent_method,
        stats=stats,
    )


def load_network(
    path: str | Path,
    speeds_kmh: dict[str, float] | None = None,
    *,
    extent_file: str | Path | None = None,
    progress: Progress = QUIET,
) -> RoadNetwork:
    """Load and prepare a drive network from OSM XML or GraphML.

    Parameters
    ----------
    path
        ``.osm`` (OSM XML) or ``.graphml`` (OSMnx GraphML, for example from ``heartgeo fetch``).
    speeds_kmh
        Overrides of the per-class default speeds (km/h), used where ``maxspeed`` is missing.
    extent_file
        Polygon file giving the area where the road data is complete (overrides the extent
        read from the file).
    progress
        Progress reporter.

    Raises
    ------
    InputError
        Missing, empty or unreadable file; no drivable roads.
    """
    path = Path(path)
    with progress.step(f"Loading road network {path.name}"):
        graph, extent, method = read_graph(path)
        graph, stats = drive_graph(graph, speeds_kmh, path=path)
        if extent_file is not None:
            from heartgeo.boundaries import read_layer

            layer = read_layer(extent_file, what="network extent", progress=progress)
            extent, method = shapely.union_all(layer.geometry.values), f"extent file {extent_file}"
        net = graph_to_network(graph, extent, source=str(path), extent_method=method, stats=stats)
    progress.info(
        f"  {net.n_nodes} nodes, {net.n_edges} edges (largest strongly connected part of "
        f"{stats['drive_nodes']} drivable nodes); maxspeed on {stats['edges_with_maxspeed']} edges"
    )
    return net
