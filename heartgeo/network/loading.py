"""Road network: OpenStreetMap data read and prepared as arrays for routing.

Loading keeps the drivable roads only (the same rules as OSMnx's ``network_type="drive"``,
applied after loading so that files holding every highway type work), simplifies the
topology, keeps the largest strongly connected component, sets free-flow speeds from
``maxspeed`` (per-class defaults where it is missing) and a travel time per edge. OSM XML
and unsimplified GraphML go through OSMnx; a simplified OSMnx GraphML (what ``heartgeo
fetch`` writes) is read straight into arrays (:mod:`heartgeo.io.graphml`), several times
faster and without importing OSMnx. Both end in :mod:`heartgeo.network.prepare`.

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
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import shapely

from heartgeo.config import LONLAT_CRS, METRIC_CRS
from heartgeo.errors import InputError
from heartgeo.io.graphml import GraphTable, read_graphml
from heartgeo.io.layers import read_layer
from heartgeo.io.osm import keep_drivable, read_osm_xml
from heartgeo.network.arrays import RoadNetwork
from heartgeo.network.prepare import EdgeList, from_graphml, network_from_edges
from heartgeo.progress import QUIET, Progress

if TYPE_CHECKING:  # networkx loads with OSMnx, for files that need it
    import networkx as nx


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
        raise _unreadable(path, exc) from None
    if graph.number_of_nodes() == 0:
        raise InputError(f"network file {path} holds no roads: give a file with OSM ways")
    crs = str(graph.graph.get("crs", LONLAT_CRS)).lower()
    if crs not in ("epsg:4326", "wgs84"):
        raise InputError(
            f"network file {path} is in {crs}: give an unprojected (EPSG:4326) OSMnx graph"
        )
    return graph, *file_extent(
        path,
        lambda: np.array([(d["x"], d["y"]) for _, d in graph.nodes(data=True)], dtype=float),
    )


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


def file_extent(path: Path, lonlat) -> tuple[shapely.Geometry, str]:
    """The extent of a network file and how it was set: the one it records
    (:func:`recorded_extent`), else the closing of all its nodes (:func:`node_extent`;
    ``lonlat()`` gives them, shape (N, 2), read only when needed).
    """
    recorded = recorded_extent(path)
    if recorded is not None:
        return recorded
    xml = path.suffix.lower() in (".osm", ".xml")
    method = NODE_EXTENT_METHOD + ("" if xml else " (no extent file)")
    return node_extent(np.asarray(lonlat(), dtype=float).reshape(-1, 2)), method


#: Radius of the morphological closing that turns the loaded nodes into an extent (m).
EXTENT_CLOSING_M = 400.0
NODE_EXTENT_METHOD = f"closing ({EXTENT_CLOSING_M:g} m) of all loaded OSM nodes"


def node_extent(lonlat: np.ndarray, radius_m: float = EXTENT_CLOSING_M) -> shapely.Geometry:
    """Area where a network without recorded bounds has data: closing of all its nodes
    (``lonlat``, shape (N, 2)).

    Each node is buffered by ``radius_m`` and the union shrunk back by the same distance:
    the result hugs the outer nodes (no convex hull over empty land around the data)
    while filling the spaces between roads, where the data is complete.
    """
    pts = gpd.GeoSeries(gpd.points_from_xy(lonlat[:, 0], lonlat[:, 1]), crs=LONLAT_CRS)
    grown = shapely.union_all(
        shapely.buffer(pts.to_crs(METRIC_CRS).to_numpy(), radius_m, quad_segs=8)
    )
    return shapely.buffer(grown, -radius_m + 1.0, quad_segs=8)


def drive_graph(
    graph: nx.MultiDiGraph, *, path: Path | str = "network"
) -> tuple[nx.MultiDiGraph, dict]:
    """Keep the drivable roads of a freshly read OSMnx graph (lon/lat) and simplify it.

    ``graph`` is changed in place. Returns the prepared graph and the counts of each step.
    """
    import osmnx as ox

    # len(graph.edges) counts each edge once; number_of_edges() sums degrees, twice as slow
    stats = {"raw_nodes": graph.number_of_nodes(), "raw_edges": len(graph.edges)}
    keep_drivable(graph)
    _check_drivable(len(graph.edges), path)
    if not graph.graph.get("simplified", False):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            graph = ox.simplify_graph(graph)
    stats["drive_nodes"] = graph.number_of_nodes()
    stats["drive_edges"] = len(graph.edges)
    return graph, stats


def _check_drivable(n_edges: int, path: Path | str) -> None:
    if n_edges == 0:
        raise InputError(
            f"network file {path} has no drivable roads: give a network with OSM highway ways "
            "open to cars (motorway ... residential)"
        )


def read_edges(path: Path) -> tuple[EdgeList, shapely.Geometry, str]:
    """The drivable, simplified edges of a network file, its extent and how that was set.

    A simplified OSMnx GraphML (what ``heartgeo fetch`` writes) is read straight into
    arrays (:func:`heartgeo.io.graphml.read_graphml`); OSM XML and other GraphML go
    through OSMnx (:func:`read_graph`, :func:`drive_graph`).
    """
    table = _simplified_graphml(path)
    if table is None:
        graph, extent, method = read_graph(path)
        graph, stats = drive_graph(graph, path=path)
        return EdgeList.from_graph(graph, stats), extent, method
    try:
        edges = from_graphml(table)
    except Exception as exc:  # an edge's shape that is not WKT, a node id that is not a number
        raise _unreadable(path, exc) from None
    _check_drivable(len(edges.u), path)
    return edges, *file_extent(path, lambda: table.lonlat)


def _simplified_graphml(path: Path) -> GraphTable | None:
    """The table of a simplified, directed, lon/lat OSMnx GraphML; None for any other
    file (which :func:`read_graph` then reads, and judges).
    """
    if path.suffix.lower() != ".graphml" or not path.is_file() or path.stat().st_size == 0:
        return None
    try:
        table = read_graphml(path)
    except Exception as exc:
        raise _unreadable(path, exc) from None
    crs = table.graph.get("crs", LONLAT_CRS).strip().lower()
    if not (table.simplified and table.directed and crs in ("epsg:4326", "wgs84")):
        return None
    if len(table.node_ids) == 0:
        raise InputError(f"network file {path} holds no roads: give a file with OSM ways")
    return table


def _unreadable(path: Path, exc: Exception) -> InputError:
    reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return InputError(
        f"network file {path} cannot be read ({reason}): give valid OSM XML or GraphML"
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
        edges, extent, method = read_edges(path)
        if extent_file is not None:
            layer = read_layer(extent_file, what="network extent", progress=progress)
            extent, method = shapely.union_all(layer.geometry.values), f"extent file {extent_file}"
        net = network_from_edges(
            edges, extent, speeds_kmh=speeds_kmh, source=str(path), extent_method=method
        )
        stats = net.stats
    progress.info(
        f"  {net.n_nodes} nodes, {net.n_edges} edges (largest strongly connected part of "
        f"{stats['drive_nodes']} drivable nodes); maxspeed on {stats['edges_with_maxspeed']} edges"
    )
    return net
