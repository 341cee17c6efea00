"""Drive-time polygons (isochrones) from reached road segments.

For a band of T seconds, a directed edge u->v whose start is reached at t(u) is
travelled for a fraction ``(T - t(u)) / time(u->v)`` of its length (clipped to [0, 1]):
fully reached edges count whole, partly reached edges are cut where time runs out.
The polygon is the union of those pieces (and the reached nodes) buffered by
``buffer_m`` -- never a convex hull, so holes stay where nothing is reachable --
clipped to the network extent. Everything is vectorised with shapely 2.

Speed: the union of buffers costs most. Blocks whose roads are all reached come
precomputed (:mod:`heartgeo.network.blocks`), so only the frontier is buffered; fully reached
roads are joined into long lines along the network's strokes
(:class:`heartgeo.network.Strokes`), which gives the same area from several times fewer,
longer buffers; polygons are built on every core; a scenario's dissolved bands come from
the nearest unit's times.

The fast path (``method="fast"``, :func:`heartgeo.analysis.gridtrace.grid_bands`)
evaluates the same rule on the centres of a square grid
(:class:`heartgeo.network.timegrid.TimeGrid`, cells of a fifth of the buffer) and traces the
bands there with contourpy: a few times faster on a city-size network, with band edges
within about one cell of the exact ones. It is for previews; results say when it was used.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely

from heartgeo.analysis.gridtrace import grid_bands
from heartgeo.config import METRIC_CRS, POLYGON_METHODS
from heartgeo.geometry import distance_along, polygonal
from heartgeo.network.arrays import RoadNetwork
from heartgeo.network.blocks import QUAD_SEGS
from heartgeo.parallel import thread_map


def line_prefixes(lines: np.ndarray, fractions: np.ndarray) -> np.ndarray:
    """The first ``fractions`` (0 < f <= 1) of each line's length, vectorised.

    Parameters
    ----------
    lines
        LineStrings, shape (n,).
    fractions
        Share of each line to keep, from its start, shape (n,).
    """
    lines = np.asarray(lines, dtype=object)
    n = len(lines)
    if n == 0:
        return np.empty(0, dtype=object)
    coords, idx = shapely.get_coordinates(lines, return_index=True)
    local = distance_along(coords, idx)
    start = np.searchsorted(idx, np.arange(n))
    end = np.r_[start[1:], len(idx)] - 1
    total = local[end]
    target = np.clip(fractions, 0.0, 1.0) * total
    keep = local < target[idx]
    keep[start] = True
    # the interpolated end point: on the segment that reaches the target distance
    after = np.where(~keep)[0]
    # first vertex per line at or beyond the target (or the last vertex)
    first_beyond = end.copy()
    beyond_lines = idx[after]
    order = np.argsort(beyond_lines, kind="stable")
    uniq, pos = np.unique(beyond_lines[order], return_index=True)
    first_beyond[uniq] = after[order][pos]
    j = np.maximum(first_beyond, start + 1)
    seg_len = local[j] - local[j - 1]
    t = np.where(seg_len > 0, (target - local[j - 1]) / np.where(seg_len > 0, seg_len, 1), 0.0)
    t = np.clip(t, 0.0, 1.0)
    end_xy = coords[j - 1] + (coords[j] - coords[j - 1]) * t[:, None]
    kept = np.flatnonzero(keep)
    all_xy = np.concatenate([coords[kept], end_xy])
    all_idx = np.concatenate([idx[kept], np.arange(n)])
    order = np.argsort(all_idx, kind="stable")
    return shapely.linestrings(all_xy[order], indices=all_idx[order])


def reached_fractions(net: RoadNetwork, node_times: np.ndarray, seconds: float) -> np.ndarray:
    """Share of each directed edge travelled within ``seconds`` (0 to 1)."""
    t_u = node_times[net.u]
    with np.errstate(invalid="ignore"):
        frac = np.where(net.time_s > 0, (seconds - t_u) / np.maximum(net.time_s, 1e-12), 1.0)
    return np.where(np.isfinite(t_u) & (t_u <= seconds), np.clip(frac, 0.0, 1.0), 0.0)


def reached_pieces(
    net: RoadNetwork, node_times: np.ndarray, seconds: float, roads: np.ndarray | None = None
) -> np.ndarray:
    """Road pieces (LineStrings) reached within ``seconds`` given node times.

    Roads reached in full (in either direction) are joined into runs along the
    network's strokes; a partly reached road whose other direction is reached in full
    is left out, since it lies on that road. Reached nodes need no piece of their own:
    every one ends a fully reached edge or starts a partly reached one. ``roads`` (a
    mask over edges) keeps only those fully reached roads.
    """
    frac = reached_fractions(net, node_times, seconds)
    return _pieces(net, node_times, frac, _reached(net, frac), roads)


def _reached(net: RoadNetwork, frac: np.ndarray) -> np.ndarray:
    """Roads reached in full, in either direction (per edge)."""
    full = frac >= 1.0
    twin = net.twin
    return full | np.where(twin >= 0, full[np.maximum(twin, 0)], False)


def _pieces(net, node_times, frac, road_full, roads=None) -> np.ndarray:
    keep = road_full if roads is None else road_full & roads
    loops = keep & (net.u == net.v)  # not part of any stroke
    partial = (frac > 0.0) & ~road_full
    sources = np.flatnonzero(node_times == 0)  # a unit on a node with no way out
    return np.concatenate(
        [
            net.strokes.runs(keep),
            net.geometry[loops],
            line_prefixes(net.geometry[partial], frac[partial]),
            shapely.points(net.xy[sources]),
        ]
    )


def _frontier(net, node_times, seconds, buffer_m):
    """One band's parts: (its whole blocks, its frontier polygon with the whole blocks
    filled in, the frontier's buffers).
    """
    frac = reached_fractions(net, node_times, seconds)
    road_full = _reached(net, frac)
    blocks = net.blocks(buffer_m)
    whole = blocks.whole(road_full)
    pieces = _pieces(net, node_times, frac, road_full, blocks.frontier(whole))
    buffers = shapely.buffer(pieces, buffer_m, quad_segs=QUAD_SEGS)
    # the union of many small buffers is much faster in GEOS than one buffer of a collection
    frontier = shapely.intersection(shapely.union_all(buffers), net.extent)
    return whole, blocks.outline(whole, frontier), buffers


def _nest(parts: list[tuple]) -> list[tuple]:
    """Ascending bands' parts, each band's frontier with the smaller bands' added: that
    makes each band contain the smaller ones exactly (see :func:`nested_bands`).
    """
    out = parts[:1]
    for whole, frontier, buffers in parts[1:]:
        _, smaller, smaller_buffers = out[-1]
        out.append(
            (whole, shapely.union(frontier, smaller), np.concatenate([buffers, smaller_buffers]))
        )
    return out


def nested_bands(
    net: RoadNetwork, node_times: np.ndarray, seconds: list[float], buffer_m: float
) -> list[shapely.Geometry]:
    """The band polygons of one set of node times for ascending ``seconds``, each one
    containing the smaller ones exactly.

    In exact geometry they would anyway. But arcs are drawn as chords, from different
    starting angles where a road ends in one band and runs on in the next, and GEOS
    simplifies a buffered line by 1 % of the distance: slivers up to about
    ``buffer_m * (1 - cos(pi / 16) + 0.01)`` deep could lie outside the larger band. A
    block-built band is its whole blocks (which stay whole in larger bands, with the
    same polygons) and its frontier, so carrying the frontier into the next band is
    enough.
    """
    return band_polygons(net, [node_times], seconds, buffer_m, workers=1)[0]


def band_polygons(
    net: RoadNetwork,
    rows: list[np.ndarray],
    seconds: list[float],
    buffer_m: float,
    workers: int | None = None,
    method: str = "exact",
) -> list[list[shapely.Geometry]]:
    """:func:`nested_bands` (or, with ``method="fast"``, :func:`grid_bands`) for many rows of
    node times, on every core.

    Shapely releases the GIL inside GEOS, and numpy in its array loops, so threads build
    polygons in parallel. Exact bands are built in three rounds, each on every core: the
    frontier of every (row, band), then each row's frontiers nested, then every band
    assembled; so that one unit's bands (a pilot) use every core too.
    """
    if method not in POLYGON_METHODS:
        raise ValueError(f"method={method!r}: choose one of {', '.join(POLYGON_METHODS)}")
    if method == "fast":
        return thread_map(lambda row: grid_bands(net, row, seconds, buffer_m), rows, workers)
    n = len(seconds)
    tasks = [(row, t) for row in rows for t in seconds]
    parts = thread_map(lambda task: _frontier(net, *task, buffer_m), tasks, workers)
    nested = thread_map(lambda r: _nest(parts[r * n : (r + 1) * n]), range(len(rows)), workers)
    blocks = net.blocks(buffer_m)
    polys = thread_map(lambda p: blocks.assemble(*p), [p for row in nested for p in row], workers)
    return [polys[r * n : (r + 1) * n] for r in range(len(rows))]


def band_polygon(
    net: RoadNetwork, node_times: np.ndarray, seconds: float, buffer_m: float
) -> shapely.Geometry:
    """Polygon reached within ``seconds``: reached pieces buffered by ``buffer_m``, in the
    network extent.

    Built from the network's blocks (:mod:`heartgeo.network.blocks`): blocks whose roads are all
    reached in full come precomputed; only the frontier's pieces are buffered and
    unioned.
    """
    return net.blocks(buffer_m).assemble(*_frontier(net, node_times, seconds, buffer_m))


def network_isochrones(
    net: RoadNetwork,
    units: gpd.GeoDataFrame,
    bands_min: tuple[float, ...],
    buffer_m: float,
    *,
    memo: dict | None = None,
    workers: int | None = None,
    per_unit: bool = True,
    method: str = "exact",
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Dissolved and (``per_unit``) per-unit isochrones on the network.

    ``units`` must carry ``id`` and ``node`` (see :func:`heartgeo.staging.snap`).
    Each unit's polygons are built from its own travel times; a dissolved band from the
    nearest unit's time at every node (the union of the units' reached pieces is the
    reach of the nearest unit), so it equals the union of the units' polygons up to the
    drawing of arcs (under a metre or so). Bands contain the smaller ones exactly.
    ``memo`` (a dict kept with the network) reuses a unit's polygons when another
    scenario stages a unit on the same node. Without ``per_unit`` only the dissolved bands
    are built, from one multi-source search: memory and time do not grow with the units.
    ``method`` is ``exact`` or ``fast`` (see :func:`band_polygons`).
    Returns (bands, per_unit) GeoDataFrames with a ``minutes`` column.
    """
    from heartgeo.analysis.routing import node_travel_times

    seconds = sorted(m * 60.0 for m in bands_min)
    bands_min = tuple(sorted(bands_min))
    if not per_unit:
        nearest = node_travel_times(net, units["node"].to_numpy(), limit_s=seconds[-1])
        built = band_polygons(net, [nearest], seconds, buffer_m, workers, method)
        return _frames(bands_min, built[0], [])
    memo = {} if memo is None else memo
    nodes = units["node"].to_numpy()
    drawn = (tuple(seconds), float(buffer_m), method)
    keys = [(int(n), *drawn) for n in nodes]
    todo = sorted({key[0] for key in keys if key not in memo})
    rows: list[np.ndarray] = []
    if todo or len(units) > 1:
        sources = np.unique(nodes)
        per_source = node_travel_times(net, sources, limit_s=seconds[-1], per_source=True)
        by_node = dict(zip(sources.tolist(), per_source, strict=True))
        rows = [by_node[n] for n in todo]
        if len(units) > 1:
            rows.append(per_source.min(axis=0))
    built = band_polygons(net, rows, seconds, buffer_m, workers, method) if rows else []
    memo.update({(n, *drawn): built[i] for i, n in enumerate(todo)})
    per_unit = [
        (uid, m, poly)
        for uid, key in zip(units["id"], keys, strict=True)
        for m, poly in zip(bands_min, memo[key], strict=True)
    ]
    bands = built[-1] if len(units) > 1 else memo[keys[0]]
    return _frames(bands_min, bands, per_unit)


def crowfly_isochrones(
    model,
    units: gpd.GeoDataFrame,
    bands_min: tuple[float, ...],
    area: shapely.Geometry,
    per_unit: bool = True,
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Circles of the crow-fly reach around each unit, clipped to ``area`` (dissolved, and
    with ``per_unit`` one set per unit).
    """
    pts = units.geometry.to_numpy()
    rows = []
    for uid, pt in zip(units["id"], pts, strict=True) if per_unit else ():
        for m in bands_min:
            circle = shapely.buffer(pt, model.radius_m(m * 60.0), quad_segs=32)
            rows.append((uid, m, shapely.intersection(circle, area)))
    bands = [
        shapely.intersection(
            shapely.union_all(shapely.buffer(pts, model.radius_m(m * 60.0), quad_segs=32)), area
        )
        for m in bands_min
    ]
    return _frames(bands_min, bands, rows)


def _frames(bands_min, bands, rows) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    dissolved = gpd.GeoDataFrame(
        {"minutes": list(bands_min)},
        geometry=polygonal(np.array(bands, dtype=object)),
        crs=METRIC_CRS,
    )
    per_unit = gpd.GeoDataFrame(
        {"unit": [r[0] for r in rows], "minutes": [r[1] for r in rows]},
        geometry=polygonal(np.array([r[2] for r in rows], dtype=object)),
        crs=METRIC_CRS,
    )
    return dissolved, per_unit
