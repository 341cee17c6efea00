"""``heartgeo expand`` on a prepared study: the order in which to add police beats (or
districts) to a start area (the pilot), by the gain in calls answered within the standard
per added team-hour (:mod:`heartgeo.operations.expansion`), each step simulated.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import geopandas as gpd
import numpy as np
import shapely

from heartgeo.analysis.simulation import outcome_flags, simulate
from heartgeo.errors import InputError
from heartgeo.geometry import polygonal
from heartgeo.io.hours import DutyHours
from heartgeo.io.shifts import Shift
from heartgeo.operations.demand import area_demand
from heartgeo.operations.expansion import ExpansionProblem, ExpansionStep, expansion_order
from heartgeo.operations.outcomes import zone_of
from heartgeo.operations.simulate import SimulateOptions

#: The zones ``--by`` offers, with the boundary layer and its code column of each.
ZONE_KINDS = {"beat": ("beats", "beat"), "district": ("districts", "district")}
#: A zone part smaller than this (m2) after the start area is taken out is left out.
MIN_ZONE_M2 = 1e4


@dataclass
class ExpansionRun:
    """The order, each step's estimate and simulation, and the zones drawn on the map.

    Attributes
    ----------
    start, target, by
        The start scenario, the scenario whose area, sites and hours the expansion uses,
        and the kind of zone (``beat`` or ``district``).
    problem, steps
        The expansion problem and its steps (step 0: the start area).
    simulated
        Per step: the simulated shares of the city's calls answered within the standard
        and answered, and of on-duty calls that found every team busy.
    zones
        The zones added (code, district, geometry in EPSG:32119, clipped to the target
        area outside the start area) and the start area's outline.
    info
        Hours, workload sources, method, grade of service.
    """

    start: str
    target: str
    by: str
    problem: ExpansionProblem
    steps: list[ExpansionStep]
    simulated: list[dict]
    zones: gpd.GeoDataFrame
    start_area: shapely.Geometry
    info: dict


def zone_frame(study, by: str, target_area: str, start_area: shapely.Geometry) -> gpd.GeoDataFrame:
    """The zones of kind ``by`` inside the target area and outside the start area:
    ``code``, ``district`` and the geometry (EPSG:32119).
    """
    if by not in ZONE_KINDS:
        raise InputError(f"by {by!r}: give beat or district", param="by")
    layer, key = ZONE_KINDS[by]
    frame = getattr(study.boundaries, layer)
    geoms = polygonal(shapely.difference(
        shapely.intersection(frame.geometry.to_numpy(), study.area(target_area)), start_area
    ))  # fmt: skip
    district = frame["district"].astype(str).to_numpy()
    out = gpd.GeoDataFrame(
        {"code": frame[key].astype(str).to_numpy(), "district": district},
        geometry=geoms,
        crs=frame.crs,
    )
    return out[shapely.area(geoms) >= MIN_ZONE_M2].reset_index(drop=True)


def zone_labels(zones: gpd.GeoDataFrame, xy: np.ndarray, inside: np.ndarray):
    """Each point's zone code (None in the start area), the city's points outside every
    zone polygon joined to the nearest zone; and which points were so joined.
    """
    label = zone_of(zones, "code", xy)
    outside = (label == "not in any zone") & ~inside
    if outside.any():
        nearest = shapely.STRtree(zones.geometry.to_numpy()).query_nearest(
            shapely.points(xy[outside]), return_distance=False, all_matches=False
        )[1]
        label[outside] = zones["code"].to_numpy()[nearest]
    label[inside] = None
    return label, outside


def expand_study(
    study,
    start,
    target,
    units: gpd.GeoDataFrame,
    options: SimulateOptions,
    *,
    by: str,
    max_busy: float,
    hours: DutyHours,
    progress,
) -> ExpansionRun:
    """Order the zones of ``target``'s area outside ``start``'s by gain per added
    team-hour, teams on ``hours`` at ``units`` (the candidate sites), and simulate each step.
    """
    start_area = study.area(start.area)
    zones = zone_frame(study, by, target.area, start_area)
    # the target area's demand with a known time, its calls scaled to that part (as
    # simulate scales them; the part without road data is warned about there)
    demand = area_demand(study, target, units, options, progress)
    xy, weights = demand.xy, demand.weights
    inside = shapely.intersects_xy(start_area, xy[:, 0], xy[:, 1])
    label, outside = zone_labels(zones, xy, inside)
    problem = ExpansionProblem.from_cost_matrix(
        demand.travel_s, weights, label, inside, demand.workload, options.standard_min,
        Shift.parse(hours.spec), max_busy,
    )  # fmt: skip
    with progress.step(f"Ordering {len(problem.zones)} {by}s by gain per added team-hour"):
        steps = expansion_order(
            problem, lambda k, z: progress.info(f"  step {k}/{len(problem.zones)}: {by} {z}")
        )
    with progress.step(f"Simulating the {len(steps)} steps ({options.weeks} weeks each)"):
        simulated = [simulate_step(problem, step, options) for step in steps]
    info = {
        "hours": hours.as_dict(),
        "max_busy_share": max_busy,
        "standard_min": options.standard_min,
        "workload": demand.sources,
        "calls_per_day_modelled": demand.workload.calls_per_day,
        "demand_without_road_data_share": demand.unknown_share,
        "demand_in_no_zone_joined_to_nearest_share": float(weights[outside].sum() / weights.sum()),
        "method": (
            "greedy: each step adds the zone with the largest estimated gain in calls within "
            "the standard per added team-hour; teams added one at a time at the site of the "
            "largest gain until the busy share holds; estimate: expected covering (MEXCLP, "
            "Daskin 1983) with each hour's busy share from Erlang-B; each step then simulated"
        ),
    }
    return ExpansionRun(start.name, target.name, by, problem, steps, simulated,
                        zones, start_area, info)  # fmt: skip


def simulate_step(problem: ExpansionProblem, step: ExpansionStep, options: SimulateOptions) -> dict:
    """One step simulated (the same seed for every step): the shares of the city's calls
    answered within the standard and answered, and the share of the calls in on-duty
    hours that found every team busy.
    """
    served = step.served
    share = float(problem.weights[served].sum())
    workload = replace(problem.workload, calls_per_day=problem.workload.calls_per_day * share)
    sites = np.repeat(np.arange(problem.sites), step.teams)
    masks = np.repeat(problem.shift.minutes[None, :], len(sites), axis=0)
    result = simulate(problem.travel_s[:, served], problem.weights[served], sites, masks,
                      workload, weeks=options.weeks, seed=options.seed)  # fmt: skip
    flags = outcome_flags(result, options.standard_min)
    n = max(len(result.answered), 1)
    answered, busy = float(result.answered.sum()), float(flags["missed_busy"].sum())
    return {
        "within_standard_share": share * float(flags["answered_in_standard"].sum()) / n,
        "answered_share": share * answered / n,
        "busy_share": busy / (answered + busy) if answered + busy else 0.0,
    }
