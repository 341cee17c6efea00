"""Demand: census population on a regular grid of hexagonal cells.

Population is allocated dasymetrically, tract by tract. Each tract's population is
spread over its pieces (tract x cell) in proportion to the length of residential road
(OSM ``highway=residential`` or ``living_street``) inside each piece -- people live along
residential streets, not in parks, rail yards or freeways. Where a tract is not entirely
inside the road network's extent, or has no residential road, its residential road
length is unknown or meaningless and the tract falls back to area weights; the method
used is recorded per tract. Pieces outside the study area are dropped, and the
per-tract table says how much population lay outside it.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from heartgeo.config import METRIC_CRS
from heartgeo.geometry import clip_to_area


def hex_grid(area: shapely.Geometry, size_m: float) -> gpd.GeoDataFrame:
    """Pointy-top hexagons ``size_m`` apart (centre to centre) covering ``area``, clipped to it.

    Returns ``cell`` (int id), ``cx``, ``cy`` (the full hexagon's centre) and the clipped geometry.
    """
    if size_m <= 0:
        raise ValueError("cell size must be positive")
    r = size_m / np.sqrt(3.0)  # circumradius
    dx, dy = size_m, 1.5 * r
    minx, miny, maxx, maxy = area.bounds
    rows = np.arange(int(np.floor((miny - r) / dy)), int(np.ceil((maxy + r) / dy)) + 1)
    cols = np.arange(int(np.floor((minx - dx) / dx)), int(np.ceil((maxx + dx) / dx)) + 1)
    cc, rr = np.meshgrid(cols, rows)
    cx = cc * dx + (rr % 2) * dx / 2.0
    cy = rr * dy
    cx, cy = cx.ravel(), cy.ravel()
    angles = np.deg2rad(np.arange(30, 390, 60))
    ring = np.stack(
        [cx[:, None] + r * np.cos(angles)[None], cy[:, None] + r * np.sin(angles)[None]], axis=-1
    )
    ring = np.concatenate([ring, ring[:, :1]], axis=1)
    hexes = shapely.polygons(ring)
    clipped = clip_to_area(hexes, area)
    hit = ~shapely.is_empty(clipped)
    clipped = clipped[hit]
    keep = shapely.area(clipped) > 0
    return gpd.GeoDataFrame(
        {
            "cell": np.arange(int(keep.sum())),
            "cx": cx[hit][keep],
            "cy": cy[hit][keep],
        },
        geometry=clipped[keep],
        crs=METRIC_CRS,
    )


def _pairs(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Index pairs (i, j) where a[i] intersects b[j]."""
    tree = shapely.STRtree(b)
    i, j = tree.query(a, predicate="intersects")
    return i, j


@dataclass
class Demand:
    """Demand cells and the allocation that filled them.

    Attributes
    ----------
    cells
        ``cell``, ``cx``, ``cy``, ``population`` and the clipped hexagon (EPSG:32119).
    tracts
        Per tract: ``GEOID``, ``population``, ``allocated`` (into the cells),
        ``outside`` (in the tract but outside the study area), ``method`` (``road`` or ``area``).
    cell_size_m
        Centre-to-centre distance of the cells.
    """

    cells: gpd.GeoDataFrame
    tracts: pd.DataFrame
    cell_size_m: float


def allocate_population(
    tracts: gpd.GeoDataFrame,
    area: shapely.Geometry,
    cell_size_m: float,
    *,
    residential_roads: np.ndarray | None = None,
    known_extent: shapely.Geometry | None = None,
) -> Demand:
    """Allocate tract population to hexagonal cells over ``area``.

    Parameters
    ----------
    tracts
        ``GEOID``, ``population`` and polygons (EPSG:32119).
    area
        The study area the cells cover.
    cell_size_m
        Centre-to-centre distance of the hexagons (metres).
    residential_roads
        Residential road LineStrings (EPSG:32119) for the dasymetric weights.
    known_extent
        Where the road data is complete; tracts not inside it use area weights.
    """
    cells = hex_grid(area, cell_size_m)
    tgeom = tracts.geometry.to_numpy()
    tpop = tracts["population"].to_numpy(float)
    t_area = shapely.area(tgeom)
    method = np.array(["area"] * len(tracts), dtype=object)
    road_total = np.zeros(len(tracts))
    roads = residential_roads if residential_roads is not None else np.empty(0, dtype=object)
    if len(roads) and known_extent is not None and not known_extent.is_empty:
        inside = shapely.area(shapely.intersection(tgeom, known_extent)) >= 0.999 * t_area
        ri, ti = _pairs(roads, tgeom)
        lengths = shapely.length(shapely.intersection(roads[ri], tgeom[ti]))
        road_total = np.bincount(ti, weights=lengths, minlength=len(tracts))
        method = np.where(inside & (road_total > 0), "road", "area").astype(object)
    # pieces: tract x cell
    ti, ci = _pairs(tgeom, cells.geometry.to_numpy())
    pieces = shapely.intersection(tgeom[ti], cells.geometry.to_numpy()[ci])
    weight = shapely.area(pieces) / np.where(t_area[ti] > 0, t_area[ti], 1.0)
    road_piece = method[ti] == "road"
    if road_piece.any():
        pr, rr = _pairs(pieces[road_piece], roads)
        plen = shapely.length(shapely.intersection(pieces[road_piece][pr], roads[rr]))
        plen_sum = np.bincount(pr, weights=plen, minlength=int(road_piece.sum()))
        weight[road_piece] = plen_sum / road_total[ti[road_piece]]
    piece_pop = tpop[ti] * weight
    cells = cells.copy()
    cells["population"] = np.bincount(ci, weights=piece_pop, minlength=len(cells))
    allocated = np.bincount(ti, weights=piece_pop, minlength=len(tracts))
    table = pd.DataFrame(
        {
            "GEOID": tracts["GEOID"].to_numpy(),
            "population": tpop,
            "allocated": allocated,
            "outside": tpop - allocated,
            "method": method,
        }
    )
    return Demand(cells=cells, tracts=table, cell_size_m=cell_size_m)
