"""What a scenario is measured over: its zones (area, beats, districts) and the equity
groups, the gap's households, and coverage for any set of units on duty.
"""

from __future__ import annotations

import time

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from heartgeo.analysis.coverage import LayerCut, band_label
from heartgeo.analysis.demand import EQUITY_GROUPS
from heartgeo.analysis.unitcover import UnitCuts
from heartgeo.config import METRIC_CRS
from heartgeo.geometry import polygonal, prepared_copy
from heartgeo.progress import QUIET
from heartgeo.study.prepared import Study
from heartgeo.study.scenarios import StudyArea


def zones_for(study: Study, area: StudyArea) -> list[tuple[str, str, shapely.Geometry]]:
    """The zones measured in a scenario: the area itself, then its beats and districts,
    each followed by the part of the area in none of them (``not in any beat``), so that
    the rows of each kind add up to the area.

    Each zone's geometry is what the cells (which lie in the city) are cut with: the
    area's and the beats' outlines, not clipped to the detailed city limit first (the
    same cut, several times cheaper); ``None`` for the whole city.

    The zones of one of the study's areas are built once (the coverage and the planner's
    page both ask), so each zone is one geometry object, cut once by the cells
    (:meth:`heartgeo.analysis.coverage.MeasureGrid.zone`).
    """
    if study.areas.get(area.name) is not area:
        return _zones(study, area)
    return study.memo.get(("zones", area.name), lambda: _zones(study, area))


def _zones(study: Study, area: StudyArea) -> list[tuple[str, str, shapely.Geometry]]:
    cut_area = area.cut
    geom = area.geometry
    # the cells lie in the city: its box grown a little stands for "everywhere"
    everywhere = cut_area if cut_area is not None else shapely.box(*geom.bounds).buffer(1000.0)
    zones = [("area", area.name, cut_area)]
    for kind, frame, key in (
        ("beat", study.boundaries.beats, "beat"),
        ("district", study.boundaries.districts, "district"),
    ):
        raw = frame.geometry.to_numpy()
        geoms = shapely.intersection(raw, geom)
        share = shapely.area(geoms) / np.maximum(shapely.area(raw), 1e-9)
        keep = (share > 0.01) & (shapely.area(geoms) > 1e4)
        parts = partition(raw[keep])  # a place where two beats overlap counts in the first
        cut = parts if cut_area is None else shapely.intersection(parts, cut_area)
        zones += [(kind, str(v), g) for v, g in zip(frame[key][keep], cut, strict=True)]
        rest = shapely.difference(everywhere, shapely.union_all(raw[keep]))
        zones.append((kind, f"not in any {kind}", rest))
    return zones


def partition(geoms: np.ndarray) -> np.ndarray:
    """The polygons made disjoint: each loses what the ones before it already cover.

    Only the earlier polygons that overlap it (with a positive area) are subtracted,
    found with a spatial index: neighbours that merely touch change nothing.
    """
    geoms = np.array(list(geoms) + [None], dtype=object)[:-1]
    out = geoms.copy()
    if len(geoms) > 1:
        later, earlier = shapely.STRtree(geoms).query(geoms, predicate="intersects")
        pair = earlier < later
        later, earlier = later[pair], earlier[pair]
        overlap = shapely.area(shapely.intersection(geoms[later], geoms[earlier])) > 0
        later, earlier = later[overlap], earlier[overlap]
        for i in np.unique(later).tolist():
            out[i] = shapely.difference(geoms[i], shapely.union_all(geoms[earlier[later == i]]))
    return polygonal(out)


def population_within(study: Study, units, area, zone_geom, area_row, progress=QUIET):
    """For sets of units on duty, shape (K, U): residents of the zone within each band of
    the nearest on-duty unit, shape (K, bands). The set of all units takes the area
    table's own figures; other sets are combined from each unit's own polygons, cut by
    the cells once (:class:`heartgeo.analysis.unitcover.UnitCuts`).
    """
    bands_min = study.settings.bands_min
    all_on = np.array([area_row[f"population_{band_label(m)}"] for m in bands_min])

    def within(sets: np.ndarray) -> np.ndarray:
        out = np.tile(all_on, (len(sets), 1))
        some = ~sets.all(axis=1)
        if not some.any():
            return out
        progress.info(
            f"  {int(some.sum()):,} set(s) of units on duty other than all {len(units)}: each "
            "unit's bands are measured once and combined per set"
        )
        polygons = unit_polygons(study, units, area, progress)
        zone = study.grid.zone(zone_geom)
        for b, m in enumerate(bands_min):
            with progress.step(f"  combining the {m:g}-min bands"):
                cuts = UnitCuts.build(study.grid, zone, polygons[b])
                out[some, b] = cuts.residents(sets[some])
        return out

    return within


#: units whose polygons are timed first, to estimate the time for all of them
SAMPLE_UNITS = 8


def unit_polygons(study: Study, units, area, progress=QUIET) -> list[list]:
    """Each unit's own band polygons: one list per band, one polygon (or None) per unit.

    The first :data:`SAMPLE_UNITS` units are timed and, when the rest would take more
    than a few seconds, the estimate is printed before they run.
    """
    bands_min = study.settings.bands_min
    # the zone's cut keeps what lies in the area: a box is enough to clip to (and far
    # cheaper to cut the cells with than the detailed city limit)
    box = shapely.box(*area.bounds)

    def run(part):
        return study.model.isochrones(
            part, bands_min, box, per_unit=True, workers=study.settings.workers
        )[1]

    start = time.perf_counter()
    frames = [run(units.iloc[:SAMPLE_UNITS])]
    rest = units.iloc[SAMPLE_UNITS:]
    if len(rest):
        estimate = (time.perf_counter() - start) / SAMPLE_UNITS * len(rest)
        label = f"  band polygons of the other {len(rest)} unit(s)"
        if estimate >= 5.0:
            label += f" (about {estimate:,.0f} s, timed on the first {SAMPLE_UNITS})"
        with progress.step(label):
            frames.append(run(rest))
    position = {uid: i for i, uid in enumerate(units["id"])}
    out = [[None] * len(units) for _ in bands_min]
    for frame in frames:
        for uid, m, geom in zip(frame["unit"], frame["minutes"], frame.geometry, strict=True):
            out[bands_min.index(m)][position[uid]] = geom
    return out


def equity_table(
    study: Study,
    zone_geom: shapely.Geometry | None,
    known_cut: LayerCut,
    band_cuts: dict[float, LayerCut],
) -> pd.DataFrame:
    """Coverage of everyone and of the equity groups (:data:`EQUITY_GROUPS`) in a zone:
    each group's size, its known part and, per band, how many are within it and what share.
    Groups whose attribute is missing for some tracts come with the residents of those
    tracts as their own rows (``..._unknown_residents``): missing is never zero.
    """
    grid = study.grid
    zone = grid.zone(zone_geom)
    names = ["population", *EQUITY_GROUPS]
    values = np.vstack([study.demand.cells[n].to_numpy(float) for n in names])
    total = grid.measure_values(grid.full, zone, values)
    known = grid.measure_values(known_cut, zone, values)
    table = pd.DataFrame(
        {
            "group": ["all residents", *EQUITY_GROUPS],
            "description": ["everyone (census population)", *EQUITY_GROUPS.values()],
            "unit": ["people", "households", "people", "people", "people"],
            "total": total,
            "known": known,
        }
    )
    for m in sorted(band_cuts):
        within = grid.measure_values(band_cuts[m], zone, values)
        table[f"within_{band_label(m)}"] = within
        table[f"share_{band_label(m)}"] = np.divide(
            within, total, out=np.full_like(total, np.nan), where=total > 0
        )
    return table


def gap_households(study: Study, gap: shapely.Geometry, only) -> gpd.GeoDataFrame:
    """The gap cut by the cells, with the residents and the households without a vehicle
    in each part.
    """
    cut = study.grid.layer(gap, only)
    keep = np.flatnonzero(cut.area > 0)
    fraction = cut.area[keep] / study.grid.cell_area[keep]
    households = study.demand.cells["no_vehicle_households"].to_numpy(float)[keep] * fraction
    return gpd.GeoDataFrame(
        {
            "population": study.grid.population[keep] * fraction,
            "no_vehicle_households": households,
            "per_km2": households / np.maximum(cut.area[keep] / 1e6, 1e-9),
        },
        geometry=cut.parts[keep],
        crs=METRIC_CRS,
    )


def gap_parts(study: Study, gap: shapely.Geometry, cells: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The gap as separate polygons, each with its residents, households without a car,
    area, and the beat and district it lies in most (EPSG:32119), most residents first.

    ``cells`` is :func:`gap_households`: the gap cut by the cells, whose people and
    households each part sums.
    """
    parts = shapely.get_parts(polygonal(np.array([gap], dtype=object))[0] or shapely.Polygon())
    parts = parts[shapely.area(parts) > 1.0]
    frame = gpd.GeoDataFrame(geometry=parts, crs=METRIC_CRS)
    people = np.zeros(len(parts))
    households = np.zeros(len(parts))
    if len(parts) and len(cells):
        # each part prepared once and asked for the points in it (not each point for its part)
        points = shapely.point_on_surface(cells.geometry.to_numpy())
        part, point = shapely.STRtree(points).query(parts, "intersects")
        np.add.at(people, part, cells["population"].to_numpy()[point])
        np.add.at(households, part, cells["no_vehicle_households"].to_numpy()[point])
    frame.insert(0, "residents", people.round(1))
    frame.insert(1, "no_vehicle_households", households.round(1))
    frame.insert(2, "area_km2", (shapely.area(parts) / 1e6).round(4))
    bounds = study.boundaries
    frame.insert(3, "beat", _most_of(parts, bounds.beats, "beat"))
    frame.insert(4, "district", _most_of(parts, bounds.districts, "district"))
    return frame.sort_values("residents", ascending=False).reset_index(drop=True)


def _most_of(parts: np.ndarray, zones: gpd.GeoDataFrame, key: str) -> list[str]:
    """For each part, the code of the zone that holds most of its area (or ``none``).

    A part whose interior meets one zone only lies in it; only parts that several zones
    share are intersected with them.
    """
    codes = zones[key].astype(str).to_numpy()
    geoms = zones.geometry.to_numpy()
    best = ["none"] * len(parts)
    if not len(parts):
        return best
    # each zone prepared once; interiors meet (a shared area) where they intersect and
    # do not only touch
    geoms = prepared_copy(geoms)
    zone, part = shapely.STRtree(parts).query(geoms, "intersects")
    inner = ~shapely.touches(geoms[zone], parts[part])
    zone, part = zone[inner], part[inner]
    count = np.bincount(part, minlength=len(parts))
    shared = np.ones(len(part))
    several = count[part] > 1
    shared[several] = shapely.area(shapely.intersection(parts[part[several]], geoms[zone[several]]))
    order = np.lexsort((-shared, part))
    seen = set()
    for i in order:
        if part[i] not in seen and shared[i] > 0:
            seen.add(part[i])
            best[part[i]] = codes[zone[i]]
    return best


def zone_listing(study: Study) -> pd.DataFrame:
    """Every district and beat inside the city with its residents and area, and the
    beats of each district: what ``--focus district:CODE`` or ``beat:NUMBER`` studies.

    Districts come from the districts layer, beats (and the district each belongs to) from
    the beat layer; residents are the demand cells' people inside each (clipped to the
    city limit).
    """
    grid, bounds = study.grid, study.boundaries
    rows = []
    beats = bounds.beats.assign(beat=bounds.beats["beat"].astype(str))
    for kind, frame in (("district", bounds.districts), ("beat", beats)):
        geoms = shapely.intersection(frame.geometry.to_numpy(), bounds.city)
        for i, geom in enumerate(geoms):
            if geom.is_empty or geom.area < 1e4:
                continue
            code = str(frame[kind].iloc[i])
            members = beats.loc[beats["district"] == code, "beat"] if kind == "district" else []
            rows.append(
                {
                    "kind": kind,
                    "code": code,
                    "district": code if kind == "district" else str(frame["district"].iloc[i]),
                    "residents": round(float(grid.measure(grid.full, grid.zone(geom))[1])),
                    "area_km2": round(geom.area / 1e6, 2),
                    "beats": " ".join(members),
                    "focus": f"{kind}:{code}",
                }
            )
    return pd.DataFrame(rows)
