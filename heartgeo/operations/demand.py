"""A scenario's demand: where its calls come from (residents of the demand cells, or a
call file's points), its share of the city's calls, and the drive from its units to them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import shapely

from heartgeo.analysis.workload import Workload
from heartgeo.errors import InputError
from heartgeo.io.calls import Calls
from heartgeo.operations.duty import calls_in_area


def demand_points(study, area_name: str, calls: Calls | None) -> tuple[np.ndarray, np.ndarray]:
    """Where calls come from in an area: the demand cells' representative points weighted
    by their residents inside the area, or, given calls, the call points inside it.
    """
    area = study.study_area(area_name)
    if calls is not None:
        inside = calls_in_area(calls, area.geometry).calls
        return inside.xy, inside.weight
    weights = study.grid.population * study.grid.zone(area.zone_geometry).weight
    keep = weights > 0
    return study.demand.points[keep], weights[keep]


def calls_outside_message(study, area_name: str, inside: int = 0) -> str:
    """Why an area has no calls: all lie outside it; a hint when lon and lat look swapped
    (read the other way round, most calls fall in the city).
    """
    from pyproj import Transformer

    from heartgeo.config import LONLAT_CRS, METRIC_CRS

    calls = study.calls
    if inside:
        return (
            f"calls file {calls.source}: its {inside:,} call(s) in the {area_name} area all "
            "have weight 0: give them a weight above 0, or study another area"
        )
    back = Transformer.from_crs(METRIC_CRS, LONLAT_CRS, always_xy=True)
    lon, lat = back.transform(calls.xy[:, 0], calls.xy[:, 1])
    sx, sy = Transformer.from_crs(LONLAT_CRS, METRIC_CRS, always_xy=True).transform(lat, lon)
    ok = np.isfinite(sx) & np.isfinite(sy)
    in_city = shapely.intersects_xy(study.boundaries.city, sx[ok], sy[ok])
    swapped = (
        " (read with longitude and latitude swapped, most fall in the city: swap them)"
        if ok.any() and in_city.mean() > 0.5
        else ""
    )
    return (
        f"calls file {calls.source}: none of its {len(calls.weight):,} calls lies in the "
        f"{area_name} area{swapped}: check the file's coordinates (lon, lat in WGS84 degrees)"
    )


def area_share(study, area_name: str, calls: Calls | None, weights: np.ndarray) -> float:
    """The share of the city's calls that arise in an area whose demand is ``weights``
    (from :func:`demand_points`): its share of the city's residents, or of the calls
    inside the city limit.
    """
    if study.study_area(area_name).whole_city:
        return 1.0
    city = next(name for name, area in study.areas.items() if area.whole_city)
    _, w_city = demand_points(study, city, calls)
    return float(weights.sum() / w_city.sum()) if w_city.sum() > 0 else 0.0


@dataclass
class AreaDemand:
    """A scenario's simulated demand: drive seconds from its units to the points with a
    known time (S, P), their weights, the area's workload and where its values come from.
    """

    xy: np.ndarray
    travel_s: np.ndarray
    weights: np.ndarray
    workload: Workload
    sources: dict
    share: float
    unknown_share: float


def area_demand(study, scenario, units, options, progress) -> AreaDemand:
    """Where a scenario's calls come from, how far each unit is from them, and the area's
    share of the city's workload (the part without road data left out, with a warning).
    """
    name, area_name = scenario.name, scenario.area
    workload, sources = options.workload(study.calls, study.boundaries.city)
    xy, weights = demand_points(study, area_name, study.calls)
    share = area_share(study, area_name, study.calls, weights)
    travel = study.model.unit_costs(units, xy)
    known = ~np.isnan(travel).any(axis=0)
    unknown_share = float(weights[~known].sum() / weights.sum()) if weights.sum() else 0.0
    if unknown_share > 0:
        progress.warn(
            f"[{name}] {100 * unknown_share:.1f} % of the demand has no road data: its calls "
            "are left out of the simulation (the rate is scaled to the known part)"
        )
    if study.calls is not None and not weights.sum() > 0:
        raise InputError(calls_outside_message(study, area_name, len(weights)))
    if not known.any():
        raise InputError(
            f"the {area_name} area has no demand with a known travel time: use "
            "--travel-model crowfly or load a network that covers it"
        )
    area_workload = replace(
        workload, calls_per_day=workload.calls_per_day * share * (1 - unknown_share)
    )
    return AreaDemand(
        xy[known], travel[:, known], weights[known], area_workload, sources, share, unknown_share
    )
