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

from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from heartgeo.config import METRIC_CRS
from heartgeo.geometry import clip_to_area, prepared_copy
from heartgeo.parallel import Workers, chunked, shared_cached_property


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


#: A tract is weighted by residential road length only if it has at least this much of it
#: per square kilometre of tract (below it, a road that only touches the tract would draw
#: the whole tract's population into one cell); else by area.
MIN_ROAD_KM_PER_KM2 = 0.5
#: People per square kilometre above which a cell is flagged as implausibly dense (the
#: densest US neighbourhoods reach about 40,000; Durham's densest tracts hold a few thousand).
MAX_DENSITY_PER_KM2 = 25_000.0


def control_factor(
    population: np.ndarray, inside: np.ndarray, control: float
) -> tuple[float, np.ndarray]:
    """The odds-scaling factor that makes the inside shares add up to ``control``.

    Each tract ``t`` has ``population[t]`` people of whom the area allocation put
    ``inside[t]`` in the study area, a share ``s = inside / population``. Tracts wholly
    inside (``s = 1``) or outside (``s = 0``) keep their share; every straddling tract's
    odds ``s / (1 - s)`` are multiplied by one factor ``k``, so its new share is
    ``k s / (1 - s + k s)``, with ``k`` solved so that the shares' people add up to
    ``control`` (a monotone equation: bisection on ``log k``). Each tract's total is kept.

    Returns
    -------
    tuple
        ``k`` and the adjusted people inside per tract.

    Raises
    ------
    InputError
        ``control`` outside what the straddling tracts allow: more than every straddling
        tract wholly inside, or less than none of them.
    """
    from heartgeo.errors import InputError

    population = np.asarray(population, float)
    share = np.divide(inside, population, out=np.zeros_like(population), where=population > 0)
    share = np.clip(share, 0.0, 1.0)
    straddle = (share > 1e-12) & (share < 1 - 1e-12)
    fixed = float((population * share)[~straddle].sum())
    low, high = fixed, fixed + float(population[straddle].sum())
    if not low - 1e-6 <= control <= high + 1e-6:
        raise InputError(
            f"control total {control:,.0f} cannot be met: the tracts allow between {low:,.0f} "
            f"and {high:,.0f} people in the area (check the count and the area)",
            param="population",
        )
    s, p = share[straddle], population[straddle]

    def total(log_k: float) -> float:
        k = np.exp(log_k)
        return fixed + float((p * k * s / (1 - s + k * s)).sum())

    lo, hi = -50.0, 50.0
    for _ in range(200):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if total(mid) < control else (lo, mid)
        if hi - lo < 1e-13:
            break
    k = float(np.exp((lo + hi) / 2))
    adjusted = population * share
    adjusted[straddle] = p * k * s / (1 - s + k * s)
    return k, adjusted


#: The equity groups allocated with the population (cells' columns), with their meaning.
EQUITY_GROUPS = {
    "no_vehicle_households": "households without a vehicle (ACS)",
    "no_vehicle_unknown_residents": "residents of tracts whose no-vehicle households are unknown",
    "low_income_residents": "residents of the lowest-income fifth of tracts (ACS median income)",
    "income_unknown_residents": "residents of tracts whose median income is unknown",
}


def equity_groups(tracts: pd.DataFrame, imputed_income: float | None = None) -> dict:
    """Per tract, the size of each of :data:`EQUITY_GROUPS` (NaN where it is unknown).

    The lowest-income fifth are the tracts whose ACS median income is at most the 20th
    percentile of the tracts with a known income; a missing income, or the imputed value
    ``imputed_income``, is unknown (never counted as low or as middle income).
    """
    pop = tracts["population"].to_numpy(float)
    nan = np.full(len(tracts), np.nan)
    nov = (
        tracts["households_no_vehicle"].to_numpy(float)
        if "households_no_vehicle" in tracts
        else nan
    )
    income = tracts["median_income"].to_numpy(float) if "median_income" in tracts else nan
    known = np.isfinite(income) & (income > 0)
    if imputed_income is not None:
        known &= income != imputed_income
    low = np.zeros(len(tracts), dtype=bool)
    if known.any():
        low = known & (income <= np.quantile(income[known], 0.2))
    return {
        "no_vehicle_households": nov,
        "no_vehicle_unknown_residents": np.where(np.isfinite(nov), 0.0, pop),
        "low_income_residents": np.where(low, pop, 0.0),
        "income_unknown_residents": np.where(known, 0.0, pop),
    }


def _pairs(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Index pairs (i, j) where a[i] intersects b[j]."""
    tree = shapely.STRtree(b)
    i, j = tree.query(a, predicate="intersects")
    return i, j


def _cut(polygons: np.ndarray, index: np.ndarray, pieces: np.ndarray, workers=None) -> np.ndarray:
    """``shapely.intersection(polygons[index], pieces)``, for detailed polygons (tracts)
    and small pieces (cells, roads): a piece wholly inside its polygon is kept as it is,
    and only the others are overlaid (on ``workers`` threads).
    """
    prepared = prepared_copy(polygons)  # each polygon prepared once
    # prepared geometries build their indexes on first use: not shared between threads
    inside = shapely.contains_properly(prepared[index], pieces)
    out = np.array(pieces, dtype=object, copy=True)
    out[~inside] = chunked(
        shapely.intersection, polygons[index[~inside]], pieces[~inside], workers=workers
    )
    return out


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
    #: how the inside shares were reconciled with a control total (see :func:`control_factor`)
    adjustment: dict = field(default_factory=dict)
    #: cells denser than :data:`MAX_DENSITY_PER_KM2` (index, people, people per km2)
    dense_cells: list = field(default_factory=list)

    @shared_cached_property
    def points(self) -> np.ndarray:
        """Each cell's representative point (inside its clipped hexagon), shape (cells, 2):
        where travel times to the cell are measured.
        """
        pts = self.cells.geometry.representative_point()
        return np.c_[pts.x.to_numpy(), pts.y.to_numpy()]


def allocate_population(
    tracts: gpd.GeoDataFrame,
    area: shapely.Geometry,
    cell_size_m: float,
    *,
    residential_roads: np.ndarray | None = None,
    known_extent: shapely.Geometry | None = None,
    control_total: float | None = None,
    imputed_income: float | None = None,
    workers: Workers = None,
) -> Demand:
    """Allocate tract population to hexagonal cells over ``area``; the cells also get the
    equity groups of :func:`equity_groups`, allocated like people.

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
    control_total
        The area's own count, which straddling tracts are scaled to (:func:`control_factor`).
    imputed_income
        A ``median_income`` value that stands for "imputed" in the tract layer (unknown).
    workers
        Threads for the overlays (:func:`heartgeo.parallel.chunked`); None: every CPU.
    """
    cells = hex_grid(area, cell_size_m)
    tgeom, tpop = tracts.geometry.to_numpy(), tracts["population"].to_numpy(float)
    roads = residential_roads if residential_roads is not None else np.empty(0, dtype=object)
    method = _tract_methods(tgeom, roads, known_extent, workers)
    ti, ci, weight = _piece_weights(tgeom, cells.geometry.to_numpy(), method, roads, workers)
    piece_pop = tpop[ti] * weight
    unadjusted = np.bincount(ti, weights=piece_pop, minlength=len(tracts))
    piece_pop, allocated, adjustment = _reconcile(tpop, ti, piece_pop, unadjusted, control_total)
    cells = cells.copy()
    cells["population"] = np.bincount(ci, weights=piece_pop, minlength=len(cells))
    share_of_tract = np.divide(
        piece_pop, tpop[ti], out=np.zeros_like(piece_pop), where=tpop[ti] > 0
    )
    groups = equity_groups(tracts, imputed_income)
    for name, per_tract in groups.items():
        cells[name] = np.bincount(
            ci, weights=np.nan_to_num(per_tract)[ti] * share_of_tract, minlength=len(cells)
        )
    table = _tract_table(tracts, tpop, unadjusted, allocated, method, groups)
    dense = _dense_cells(cells)
    return Demand(
        cells=cells,
        tracts=table,
        cell_size_m=cell_size_m,
        adjustment=adjustment,
        dense_cells=dense,
    )


def _tract_table(tracts, tpop, unadjusted, allocated, method, groups) -> pd.DataFrame:
    """Per tract: people, those inside before and after the reconciliation, outside, the
    weighting method and the equity groups.
    """
    return pd.DataFrame(
        {
            "GEOID": tracts["GEOID"].to_numpy(),
            "population": tpop,
            "inside_unadjusted": unadjusted,
            "allocated": allocated,
            "outside": tpop - allocated,
            "inside_share": np.divide(allocated, tpop, out=np.zeros_like(tpop), where=tpop > 0),
            "method": method,
            **{f"tract_{k}": v for k, v in groups.items()},
        }
    )


def _tract_methods(tgeom: np.ndarray, roads: np.ndarray, known_extent, workers=None) -> np.ndarray:
    """Per tract ``road`` (wholly inside the known extent, with enough residential road per
    km2) or ``area``: how its people are spread over its cells.
    """
    t_area = shapely.area(tgeom)
    method = np.array(["area"] * len(tgeom), dtype=object)
    if len(roads) and known_extent is not None and not known_extent.is_empty:
        inside = shapely.area(shapely.intersection(tgeom, known_extent)) >= 0.999 * t_area
        ri, ti = _pairs(roads, tgeom)
        lengths = shapely.length(_cut(tgeom, ti, roads[ri], workers))
        road_total = np.bincount(ti, weights=lengths, minlength=len(tgeom))
        meaningful = road_total >= MIN_ROAD_KM_PER_KM2 * t_area / 1e3
        method = np.where(inside & meaningful, "road", "area").astype(object)
    return method


def _piece_weights(tgeom, cell_geoms, method, roads, workers=None):
    """The tract x cell pieces (tract index, cell index) and each piece's share of its
    tract's people: by area, or by residential road length for ``road`` tracts.
    """
    t_area = shapely.area(tgeom)
    ti, ci = _pairs(tgeom, cell_geoms)
    pieces = _cut(tgeom, ti, cell_geoms[ci], workers)
    weight = shapely.area(pieces) / np.where(t_area[ti] > 0, t_area[ti], 1.0)
    road_piece = method[ti] == "road"
    if road_piece.any():
        pr, rr = _pairs(pieces[road_piece], roads)
        plen = shapely.length(
            chunked(shapely.intersection, pieces[road_piece][pr], roads[rr], workers=workers)
        )
        plen_sum = np.bincount(pr, weights=plen, minlength=int(road_piece.sum()))
        # normalised by the pieces' own sum: a road along the edge between two cells
        # counts in both pieces, and the tract's weights must still add up to one
        per_tract = np.bincount(ti[road_piece], weights=plen_sum, minlength=len(tgeom))
        weight[road_piece] = plen_sum / np.maximum(per_tract[ti[road_piece]], 1e-12)
    return ti, ci, weight


def _reconcile(tpop, ti, piece_pop, allocated, control_total):
    """The pieces' people scaled so the area's total equals ``control_total`` (None: as
    they are): the pieces' people, each tract's inside total and the adjustment record.
    """
    if control_total is None:
        return piece_pop, allocated, {"method": "none", "control_total": None}
    k, inside = control_factor(tpop, allocated, control_total)
    scale = np.divide(inside, allocated, out=np.ones_like(inside), where=allocated > 0)
    piece_pop = piece_pop * scale[ti]
    adjusted = np.bincount(ti, weights=piece_pop, minlength=len(tpop))
    return (
        piece_pop,
        adjusted,
        {
            "method": "odds scaling of the straddling tracts' inside shares (one factor), "
            "so that the area's total equals its census count; tract totals kept",
            "control_total": float(control_total),
            "factor": k,
            "unadjusted_total": float(allocated.sum()),
            "adjusted_total": float(adjusted.sum()),
        },
    )


def _dense_cells(cells) -> list[tuple[int, float, float]]:
    """Cells over :data:`MAX_DENSITY_PER_KM2`: (index, people, people per km2)."""
    density = cells["population"].to_numpy() / np.maximum(
        shapely.area(cells.geometry.values) / 1e6, 1e-9
    )
    return [
        (int(i), float(cells["population"].iloc[i]), float(density[i]))
        for i in np.flatnonzero(density > MAX_DENSITY_PER_KM2)
    ]
