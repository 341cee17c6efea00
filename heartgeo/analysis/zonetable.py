"""The coverage table: one row per zone (the area, its beats and districts) with its
totals, the known and unknown parts, each band, the gap and travel-time percentiles,
measured on the cells (:class:`heartgeo.analysis.coverage.MeasureGrid`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely

from heartgeo.analysis.coverage import LayerCut, MeasureGrid, band_label
from heartgeo.parallel import thread_map


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
    workers: int | None = None,
) -> pd.DataFrame:
    """One row per zone: totals, known/unknown, per band, gap and travel-time percentiles.

    ``zones`` holds (zone_type, zone_name, geometry); ``cell_minutes`` the travel time of
    each cell (``nan`` unknown, ``inf`` unreachable).
    """

    def zone_row(zone: tuple[str, str, shapely.Geometry]) -> dict:
        ztype, zname, geom = zone
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
        row.update(_band_columns(grid, bands, cut, total, (k_area, k_pop, k_road)))
        weights = grid.population * cut.weight
        known_cell = ~np.isnan(cell_minutes)
        row["median_minutes"] = _finite(
            weighted_quantile(cell_minutes[known_cell], weights[known_cell], 0.5)
        )
        row["p90_minutes"] = _finite(
            weighted_quantile(cell_minutes[known_cell], weights[known_cell], 0.9)
        )
        row["unreached_population"] = float(weights[known_cell & np.isinf(cell_minutes)].sum())
        return row

    rows = thread_map(zone_row, zones, workers)
    return pd.DataFrame(rows)


def _band_columns(grid: MeasureGrid, bands: dict[float, LayerCut], cut, total, known) -> dict:
    """A zone's columns per band (area, people, road and their shares) and of the gap
    beyond the largest band (known part only).
    """
    k_area, k_pop, k_road = known
    row, last = {}, (0.0, 0.0, 0.0)
    for m in sorted(bands):
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
    return row


def _share(part: float, whole: float) -> float | None:
    return min(max(part / whole, 0.0), 1.0) if whole > 0 else None


def _finite(x: float) -> float | None:
    return x if np.isfinite(x) else None
