"""SYNTHETIC street networks for benchmarks and tests (never real data).

A synthetic grid is a jittered lattice with links removed at random and every sixth
line an arterial, placed over Durham's city limit so that the real boundaries, tracts
and cells apply. Everything built from it must be labelled as synthetic.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import shapely

from heartgeo.network.arrays import RoadNetwork

#: Durham city limit bounds in EPSG:32119 (metres), where synthetic grids are placed.
DURHAM_BOUNDS = (604500.0, 234500.0, 630500.0, 262500.0)


def network_from_lines(
    lines, speed_kmh=40.2, highway="residential", extent=None, source="SYNTHETIC lines"
) -> RoadNetwork:
    """A two-way network from LineStrings in metres: a node at each distinct end point.

    Parameters
    ----------
    lines
        LineStrings, each one road from its first to its last vertex.
    speed_kmh, highway
        Per road, or one value for all.
    extent
        Polygon of the loaded area (default: the lines' bounding box grown by 1 km).
    """
    lines = np.asarray(lines, dtype=object)
    ends = np.r_[
        shapely.get_coordinates(shapely.get_point(lines, 0)),
        shapely.get_coordinates(shapely.get_point(lines, -1)),
    ]
    xy, inverse = np.unique(ends.round(6), axis=0, return_inverse=True)
    n = len(lines)
    a, b = inverse[:n].ravel(), inverse[n:].ravel()
    speed = np.broadcast_to(np.asarray(speed_kmh, dtype=float), (n,))
    kind = np.broadcast_to(np.asarray(highway, dtype=object), (n,))
    geoms = np.r_[lines, shapely.reverse(lines)]
    length = shapely.length(geoms)
    speed2 = np.r_[speed, speed]
    if extent is None:
        extent = shapely.box(*shapely.bounds(shapely.GeometryCollection(list(lines)))).buffer(
            1000.0, join_style="mitre"
        )
    return RoadNetwork(
        node_ids=np.arange(len(xy)),
        xy=xy,
        u=np.r_[a, b].astype(np.int64),
        v=np.r_[b, a].astype(np.int64),
        length_m=length,
        time_s=length / (speed2 / 3.6),
        speed_kmh=speed2,
        highway=np.r_[kind, kind].astype(object),
        geometry=geoms,
        extent=extent,
        source=source,
        extent_method="synthetic",
    )


def synthetic_grid(n_nodes: int, seed: int = 0, keep: float = 0.62) -> RoadNetwork:
    """A SYNTHETIC street grid of about ``n_nodes`` nodes over Durham (two-way links)."""
    rng = np.random.default_rng(seed)
    minx, miny, maxx, maxy = DURHAM_BOUNDS
    spacing = np.sqrt((maxx - minx) * (maxy - miny) / n_nodes)
    nx_, ny_ = int((maxx - minx) / spacing) + 1, int((maxy - miny) / spacing) + 1
    ii, jj = np.meshgrid(np.arange(nx_), np.arange(ny_), indexing="ij")
    xy = np.c_[minx + ii.ravel() * spacing, miny + jj.ravel() * spacing]
    xy += rng.uniform(-0.2, 0.2, xy.shape) * spacing
    idx = np.arange(nx_ * ny_).reshape(nx_, ny_)
    links = np.r_[
        np.c_[idx[:-1, :].ravel(), idx[1:, :].ravel(), (jj[:-1, :].ravel() % 6 == 0)],
        np.c_[idx[:, :-1].ravel(), idx[:, 1:].ravel(), (ii[:, :-1].ravel() % 6 == 0)],
    ]
    arterial = links[:, 2] == 1
    links = links[arterial | (rng.random(len(links)) < keep)]
    a, b, art = links[:, 0], links[:, 1], links[:, 2] == 1
    u, v = np.r_[a, b], np.r_[b, a]
    art = np.r_[art, art]
    geoms = shapely.linestrings(np.stack([xy[u], xy[v]], axis=1))
    length = shapely.length(geoms)
    speed = np.where(art, 56.3, 40.2)
    return RoadNetwork(
        node_ids=np.arange(len(xy)),
        xy=xy,
        u=u.astype(np.int64),
        v=v.astype(np.int64),
        length_m=length,
        time_s=length / (speed / 3.6),
        speed_kmh=speed,
        highway=np.where(art, "secondary", "residential").astype(object),
        geometry=geoms,
        extent=shapely.box(*DURHAM_BOUNDS),
        source=f"SYNTHETIC grid ({len(xy)} nodes)",
        extent_method="synthetic",
    )


def write_synthetic_osm(path, n_nodes: int, seed: int = 0) -> None:
    """A SYNTHETIC street grid (:func:`synthetic_grid`) written as OSM XML, for runs of the
    command line on a city-size network (``--network FILE``): two-way ways of one link
    each, arterials ``secondary`` at 35 mph, the rest ``residential`` at 25 mph. Not real
    roads: the generator says so.
    """
    from xml.sax.saxutils import quoteattr

    from pyproj import Transformer

    grid = synthetic_grid(n_nodes, seed=seed)
    lon, lat = Transformer.from_crs("EPSG:32119", "EPSG:4326", always_xy=True).transform(
        grid.xy[:, 0], grid.xy[:, 1]
    )
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             f'<osm version="0.6" generator={quoteattr(f"heartgeo SYNTHETIC grid ({len(lon)} nodes), not real roads")}>']  # fmt: skip
    lines += [f' <node id="{i + 1}" lat="{y:.7f}" lon="{x:.7f}"/>'
              for i, (x, y) in enumerate(zip(lon, lat, strict=True))]  # fmt: skip
    forward = grid.u < grid.v
    for k, (a, b, hw) in enumerate(zip(grid.u[forward], grid.v[forward], grid.highway[forward],
                                       strict=True)):  # fmt: skip
        speed = "35 mph" if hw == "secondary" else "25 mph"
        lines.append(f' <way id="{k + 1}"><nd ref="{a + 1}"/><nd ref="{b + 1}"/>'
                     f'<tag k="highway" v="{hw}"/><tag k="maxspeed" v="{speed}"/></way>')  # fmt: skip
    lines.append("</osm>")
    Path(path).write_text("\n".join(lines) + "\n", encoding="utf-8")
