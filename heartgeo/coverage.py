"""Coverage, gaps and the unknown area, per study area, beat and district.

Measurement is decomposed on the demand cells, which tile the study area exactly:
each layer (the known extent, each band polygon) is clipped to every cell once, and a
zone's area, population and road length inside a layer are sums over its cells (whole
cells inside the zone, cells on its edge cut by it). Population inside a cell is spread
evenly over the cell.

For every zone:

- *known*: inside the road network's extent (the whole zone for the crow-fly model);
- *unknown*: outside it -- never counted as covered nor as gap;
- *band T*: inside the T-minute polygon;
- *gap*: known but beyond the largest band.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from heartgeo.demand import Demand, clip_to_area, polygonal


def band_label(minutes: float) -> str:
    """Column suffix of a band: ``5min``, ``7.5min``."""
    return f"{minutes:g}min"


@dataclass
class MeasureGrid:
    """Cells, their population and the road pieces inside each cell."""

    cells: np.ndarray
    cell_area: np.ndarray
    population: np.ndarray
    road_pieces: np.ndarray
    road_cell: np.ndarray

    @cached_property
    def tree(self) -> shapely.STRtree:
        return shapely.STRtree(self.cells)

    def __getstate__(self):  # the STRtree is rebuilt after unpickling
        state = dict(self.__dict__)
        state.pop("tree", None)
        return state

    @classmethod
    def build(cls, demand: Demand, roads: np.ndarray) -> MeasureGrid:
        cells = demand.cells.geometry.to_numpy()
        ri, ci = shapely.STRtree(cells).query(roads, predicate="intersects")
        pieces = shapely.intersection(roads[ri], cells[ci])
        keep = shapely.length(pieces) > 0
        return cls(
            cells=cells,
            cell_area=shapely.area(cells),
            population=demand.cells["population"].to_numpy(float),
            road_pieces=pieces[keep],
            road_cell=ci[keep],
        )

    @property
    def full(self) -> LayerCut:
        """The layer that is the whole study area."""
        return LayerCut(self.cells, self.road_pieces)

    def layer(self, geom: shapely.Geometry) -> LayerCut:
        """Clip every cell and road piece to ``geom``."""
        if geom is None or geom.is_empty:
            empty = np.full(len(self.cells), shapely.Polygon(), dtype=object)
            return LayerCut(
                empty, np.full(len(self.road_pieces), shapely.LineString(), dtype=object)
            )
        parts = clip_to_area(self.cells, geom, tree=self.tree)
        roads = shapely.intersection(self.road_pieces, parts[self.road_cell])
        return LayerCut(parts, roads)

    def zone(self, geom: shapely.Geometry) -> ZoneCut:
        """Which cells lie in the zone, wholly or partly (with their part)."""
        parts = clip_to_area(self.cells, geom, tree=self.tree)
        area = shapely.area(parts)
        whole = area >= self.cell_area * (1 - 1e-9)
        edge = (area > 0) & ~whole
        return ZoneCut(
            whole=np.flatnonzero(whole),
            edge=np.flatnonzero(edge),
            edge_parts=parts[edge],
            weight=np.where(
                self.cell_area > 0, area / np.where(self.cell_area > 0, self.cell_area, 1), 0
            ),
        )

    def measure(self, layer: LayerCut, zone: ZoneCut) -> tuple[float, float, float]:
        """(area m2, population, road m) of ``layer`` inside ``zone``."""
        a_layer = shapely.area(layer.parts)
        area = a_layer[zone.whole].sum()
        pop = (self.population[zone.whole] * a_layer[zone.whole] / self.cell_area[zone.whole]).sum()
        in_whole = np.isin(self.road_cell, zone.whole)
        road = shapely.length(layer.roads[in_whole]).sum()
        if len(zone.edge):
            cut = shapely.intersection(layer.parts[zone.edge], zone.edge_parts)
            a_cut = shapely.area(cut)
            area += a_cut.sum()
            pop += (self.population[zone.edge] * a_cut / self.cell_area[zone.edge]).sum()
            pos = np.full(len(self.cells), -1)
            pos[zone.edge] = np.arange(len(zone.edge))
            sel = pos[self.road_cell] >= 0
            if sel.any():
                road += shapely.length(
                    shapely.intersection(
                        layer.roads[sel], zone.edge_parts[pos[self.road_cell[sel]]]
                    )
                ).sum()
        return float(area), float(pop), float(road)


@dataclass
class LayerCut:
    parts: np.ndarray
    roads: np.ndarray


@dataclass
class ZoneCut:
    whole: np.ndarray
    edge: np.ndarray
    edge_parts: np.ndarray
    weight: np.ndarray


def weighted_quantile(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    """Weighted quantile (inverse of the weighted CDF); ``inf`` values count as beyond."""
    ok = weights > 0
    values, weights = values[ok], weights[ok]
    if len(values) == 0 or weights.sum() <= 0:
        return float("nan")
    order = np.argsort(values, kind="stable")
    cum = np.cumsum(weights[order])
    k = int(np.searchsorted(cum, q * cum[-1] - 1e-9 * cum[-1]))
    return float(values[order][min(k, len(values) - 1)])


def zone_table(
    grid: MeasureGrid,
    zones: list[tuple[str, str, shapely.Geometry]],
    known: LayerCut,
    bands: dict[float, LayerCut],
    cell_minutes: np.ndarray,
) -> pd.DataFrame:
    """One row per zone: totals, known/unknown, per band, gap and travel-time percentiles.

    ``zones`` holds (zone_type, zone_name, geometry); ``cell_minutes`` the travel time of
    each cell (``nan`` unknown, ``inf`` unreachable).
    """
    rows = []
    minutes = sorted(bands)
    for ztype, zname, geom in zones:
        cut = grid.zone(geom)
        total = grid.measure(grid.full, cut)
        k_area, k_pop, k_road = grid.measure(known, cut)
        row = {
            "zone_type": ztype,
            "zone": zname,
            "area_km2": total[0] / 1e6,
            "population": total[1],
            "road_km": total[2] / 1e3,
            "known_area_km2": k_area / 1e6,
            "known_population": k_pop,
            "known_area_share": _share(k_area, total[0]),
            "known_population_share": _share(k_pop, total[1]),
            "unknown_area_km2": max(total[0] - k_area, 0.0) / 1e6,
            "unknown_population": max(total[1] - k_pop, 0.0),
        }
        last = (0.0, 0.0, 0.0)
        for m in minutes:
            a, p, r = grid.measure(bands[m], cut)
            lab = band_label(m)
            row.update(
                {
                    f"area_km2_{lab}": a / 1e6,
                    f"population_{lab}": p,
                    f"road_km_{lab}": r / 1e3,
                    f"area_share_{lab}": _share(a, total[0]),
                    f"population_share_{lab}": _share(p, total[1]),
                    f"road_share_{lab}": _share(r, total[2]),
                    f"population_share_of_known_{lab}": _share(p, k_pop),
                }
            )
            last = (a, p, r)
        row.update(
            {
                "gap_area_km2": max(k_area - last[0], 0.0) / 1e6,
                "gap_population": max(k_pop - last[1], 0.0),
                "gap_road_km": max(k_road - last[2], 0.0) / 1e3,
                "gap_population_share": _share(max(k_pop - last[1], 0.0), total[1]),
            }
        )
        weights = grid.population * cut.weight
        known_cell = ~np.isnan(cell_minutes)
        row["median_minutes"] = _finite(
            weighted_quantile(cell_minutes[known_cell], weights[known_cell], 0.5)
        )
        row["p90_minutes"] = _finite(
            weighted_quantile(cell_minutes[known_cell], weights[known_cell], 0.9)
        )
        row["unreached_population"] = float(weights[known_cell & np.isinf(cell_minutes)].sum())
        rows.append(row)
    return pd.DataFrame(rows)


def _share(part: float, whole: float) -> float | None:
    return min(max(part / whole, 0.0), 1.0) if whole > 0 else None


def _finite(x: float) -> float | None:
    return x if np.isfinite(x) else None


def gap_and_unknown(
    area: shapely.Geometry, known: shapely.Geometry, largest_band: shapely.Geometry
) -> tuple[shapely.Geometry, shapely.Geometry]:
    """(gap, unknown) polygons: known but beyond the largest band; outside the known extent."""
    known_area = shapely.intersection(area, known)
    gap = shapely.difference(known_area, largest_band)
    unknown = shapely.difference(area, known)
    return tuple(polygonal(np.array([gap, unknown], dtype=object)))


def layers_frame(named: dict[str, shapely.Geometry], crs) -> gpd.GeoDataFrame:
    """A GeoDataFrame of named polygons (``layer`` column)."""
    return gpd.GeoDataFrame({"layer": list(named)}, geometry=list(named.values()), crs=crs)
