"""OSMnx GraphML read straight into arrays.

``osmnx.load_graphml`` builds a networkx graph (networkx's GraphML reader) and converts
every attribute of every element; on a city-size network that takes seconds, and the
osmnx import another second. Loading a prepared drive network needs a few things only:
each node's id and lon/lat, and each edge's ends, shape and the tags the drive filter and
the speeds read. :func:`read_graphml` reads those in one pass of the standard library's
XML parser, keeping values as the strings GraphML stores (OSMnx writes a list, where
simplification merged ways, as its Python ``repr``, which :func:`osmnx_value` reads).
"""

from __future__ import annotations

import ast
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from heartgeo.io.osm import DRIVE_TAGS

_NS = "{http://graphml.graphdrawing.org/xmlns}"

#: Edge attributes :func:`read_graphml` keeps: the drive filter's tags, the speed's, the shape.
EDGE_KEYS = (*DRIVE_TAGS, "maxspeed", "geometry")


@dataclass
class GraphTable:
    """A GraphML graph as arrays, values as the file's strings.

    Attributes
    ----------
    graph
        The graph's own attributes (OSMnx: ``crs``, ``simplified``).
    directed
        Whether the graph's ``edgedefault`` is ``directed``.
    node_ids
        Node ids as written, shape (N,).
    lonlat
        Node ``x`` and ``y``, shape (N, 2).
    u, v
        Edge ends as node indexes, shape (E,).
    edges
        For each name in :data:`EDGE_KEYS`: the edges' values (``None`` where absent).
    """

    graph: dict[str, str]
    directed: bool
    node_ids: list[str]
    lonlat: np.ndarray
    u: np.ndarray
    v: np.ndarray
    edges: dict[str, list[str | None]]

    @property
    def simplified(self) -> bool:
        """Whether OSMnx marked the graph simplified."""
        return self.graph.get("simplified", "").strip().lower() == "true"


def read_graphml(path: Path) -> GraphTable:
    """The nodes, edges and graph attributes of a GraphML file (see :class:`GraphTable`).

    Raises
    ------
    ValueError
        A node without a numeric ``x`` or ``y``, or an edge naming an unknown node (the
        message names it); ``xml.etree.ElementTree.ParseError`` for malformed XML.
    """
    names: dict[str, str] = {}  # key id -> attribute name
    graph: dict[str, str] = {}
    ids: list[str] = []
    xs: list[str | None] = []
    ys: list[str | None] = []
    ends: list[tuple[str | None, str | None]] = []
    edges: dict[str, list[str | None]] = {k: [] for k in EDGE_KEYS}
    directed = True
    for _, elem in ET.iterparse(path, events=("end",)):
        tag = elem.tag
        if tag == _NS + "key":
            names[elem.get("id", "")] = elem.get("attr.name", "")
        elif tag == _NS + "node":
            data = {names.get(d.get("key", ""), ""): d.text for d in elem}
            ids.append(elem.get("id", ""))
            xs.append(data.get("x"))
            ys.append(data.get("y"))
            elem.clear()
        elif tag == _NS + "edge":
            data = {names.get(d.get("key", ""), ""): d.text for d in elem}
            ends.append((elem.get("source"), elem.get("target")))
            for k in EDGE_KEYS:
                edges[k].append(data.get(k))
            elem.clear()
        elif tag == _NS + "graph":
            directed = elem.get("edgedefault", "directed") == "directed"
            graph = {names.get(d.get("key", ""), ""): d.text or "" for d in elem.iter(_NS + "data")}
    return GraphTable(
        graph=graph,
        directed=directed,
        node_ids=ids,
        lonlat=_coordinates(ids, xs, ys),
        u=_indexes(ids, [a for a, _ in ends], "source"),
        v=_indexes(ids, [b for _, b in ends], "target"),
        edges=edges,
    )


def _coordinates(ids: list[str], xs: list, ys: list) -> np.ndarray:
    try:
        return np.column_stack([np.array(xs, dtype=float), np.array(ys, dtype=float)]).reshape(
            -1, 2
        )
    except (TypeError, ValueError):
        bad = next(i for i, (x, y) in enumerate(zip(xs, ys, strict=True)) if not _numbers(x, y))
        raise ValueError(f"node {ids[bad]!r} has no numeric x and y") from None


def _numbers(*values) -> bool:
    try:
        return all(np.isfinite(float(v)) for v in values)
    except (TypeError, ValueError):
        return False


def _indexes(ids: list[str], names: list, end: str) -> np.ndarray:
    index = {n: i for i, n in enumerate(ids)}
    try:
        return np.fromiter((index[n] for n in names), np.int64, len(names))
    except KeyError as exc:
        raise ValueError(f"an edge's {end} {exc.args[0]!r} is not a node") from None


def osmnx_value(text: str | None):
    """An OSMnx GraphML attribute value: a list where OSMnx wrote one (``"['a', 'b']"``),
    else the string itself (``None`` stays ``None``).
    """
    if text is not None and text.startswith("[") and text.endswith("]"):
        try:
            value = ast.literal_eval(text)
        except (ValueError, SyntaxError):
            return text
        return value if isinstance(value, list) else text
    return text
