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
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import shapely
from scipy.sparse import csr_matrix

from heartgeo.config import (
    DEFAULT_ROAD_SPEEDS_KMH,
    FALLBACK_SPEED_KMH,
    LONLAT_CRS,
    METRIC_CRS,
)
from heartgeo.errors import InputError
from heartgeo.io.layers import read_layer
from heartgeo.io.osm import first_value, keep_drivable, read_osm_xml
from heartgeo.network.arrays import RoadNetwork
from heartgeo.progress import QUIET, Progress


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
            graph = read_osm_xml(path)
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
    ``heartgeo fetch``; None if it records none (the extent then comes from the nodes).
    """
    if path.suffix.lower() in (".osm", ".xml"):
        bounds = _xml_bounds(path) if path.is_file() else None
        return None if bounds is None else (_lonlat_box(bounds), "OSM <bounds> element")
    sidecar = path.with_name(path.stem + ".extent.geojson")
    if sidecar.exists():
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

    # len(graph.edges) counts each edge once; number_of_edges() sums degrees, twice as slow
    stats = {"raw_nodes": graph.number_of_nodes(), "raw_edges": len(graph.edges)}
    keep_drivable(graph)
    if next(iter(graph.edges), None) is None:
        raise InputError(
            f"network file {path} has no drivable roads: give a network with OSM highway ways "
            "open to cars (motorway ... residential)"
        )
    if not graph.graph.get("simplified", False):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            graph = ox.simplify_graph(graph)
    stats["drive_nodes"] = graph.number_of_nodes()
    stats["drive_edges"] = len(graph.edges)
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
    stats["edges"] = len(graph.edges)
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
    highway = np.array([first_value(d.get("highway")) for _, _, d in edges] + [""], dtype=object)[
        :-1
    ]
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
            layer = read_layer(extent_file, what="network extent", progress=progress)
            extent, method = shapely.union_all(layer.geometry.values), f"extent file {extent_file}"
        net = graph_to_network(graph, extent, source=str(path), extent_method=method, stats=stats)
    progress.info(
        f"  {net.n_nodes} nodes, {net.n_edges} edges (largest strongly connected part of "
        f"{stats['drive_nodes']} drivable nodes); maxspeed on {stats['edges_with_maxspeed']} edges"
    )
    return net
