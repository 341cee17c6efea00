"""The end-to-end pipeline: prepare the study once, run scenarios on it, write outputs.

:func:`prepare` loads the boundaries, the pilot area, the road network, the travel
model and the demand cells once. :func:`run_scenario` places the units of one scenario,
computes travel times once (one multi-source search), and cuts every band, the demand
cells' times, the coverage tables and the polygons from them. :func:`write_run` writes
a run's tables, layers and maps with its manifest (:func:`summary`) as one set.

This is the top library layer: it imports every layer below (io, network, analysis,
viz); only :mod:`heartgeo.cli` sits above it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from heartgeo import __version__
from heartgeo.analysis.coverage import (
    LayerCut,
    MeasureGrid,
    band_label,
    gap_and_unknown,
    headline_band,
    layers_frame,
    zone_table,
)
from heartgeo.analysis.demand import EQUITY_GROUPS, Demand, allocate_population
from heartgeo.analysis.isochrones import crowfly_isochrones, network_isochrones
from heartgeo.analysis.routing import CrowflyModel, NetworkModel, calibrate_crowfly
from heartgeo.analysis.snapping import nearest_within, snap
from heartgeo.analysis.weekly import nearest_on_duty, week_shares
from heartgeo.config import (
    METRIC_CRS,
    MIN_NETWORK_SHARE,
    data_search_path,
    manifest,
)
from heartgeo.errors import InputError
from heartgeo.geometry import polygonal, share_within
from heartgeo.io.boundaries import Boundaries, load_boundaries
from heartgeo.io.cache import Cache, make_key
from heartgeo.io.calls import Calls, read_calls
from heartgeo.io.outputs import OutputSet, input_record, sha256, utc_now, versions
from heartgeo.io.pilot import PilotArea, pilot_area
from heartgeo.io.staging import check_in_area, default_staging, read_staging
from heartgeo.network.arrays import RoadNetwork
from heartgeo.network.blocks import Blocks
from heartgeo.network.loading import load_network, recorded_extent
from heartgeo.operations import (
    CallsInArea,
    SimulateOptions,
    SimulationRun,
    calls_in_area,
    calls_zone_table,
    curve_line,
    hours_table,
    simulate_units,
    simulation_line,
    unit_duty,
    unit_point_seconds,
)
from heartgeo.parallel import thread_map
from heartgeo.progress import QUIET, Progress
from heartgeo.settings import Settings
from heartgeo.viz.report_page import ReportData

#: The study areas a run can measure.
AREAS = ("pilot", "citywide")


def find_network(data_dir: Path | None) -> Path:
    """The network file to use by default: a fetched GraphML anywhere on the data search
    path (:func:`heartgeo.config.data_search_path`), else the OSM extract.
    """
    dirs = data_search_path(data_dir)
    for rel in manifest()["networks"]["default_search"]:
        for d in dirs:
            if (d / rel).exists():
                return d / rel
    raise InputError(
        f"no road network in {', '.join(str(d / 'roads') for d in dirs)}: run heartgeo fetch, "
        "or pass --network FILE (.osm or .graphml)"
    )


def network_title(path: Path) -> str:
    """A reader's name for a network file: its manifest title if bundled, else its name."""
    for rel, entry in manifest()["files"].items():
        if Path(rel).name == path.name and entry.get("title"):
            return entry["title"]
    return f"the roads of {path.name}"


def choose_travel_model(requested: str, network_share: float) -> tuple[str, str]:
    """The travel model of a run and why: ``auto`` picks the network model where the loaded
    road network covers at least :data:`MIN_NETWORK_SHARE` of the study area, else the
    crow-fly screening model for the whole area.
    """
    if requested != "auto":
        return requested, f"travel model {requested!r} was asked for"
    covers = f"auto: the loaded road network covers {100 * network_share:.1f} % of the study area"
    if network_share >= MIN_NETWORK_SHARE:
        return "network", f"{covers}, at least {100 * MIN_NETWORK_SHARE:g} %"
    return "crowfly", f"{covers}, less than {100 * MIN_NETWORK_SHARE:g} %"


@dataclass
class Study:
    """Everything a scenario needs, loaded once."""

    settings: Settings
    boundaries: Boundaries
    pilot: PilotArea
    net: RoadNetwork
    model: NetworkModel | CrowflyModel
    demand: Demand
    grid: MeasureGrid
    inputs: dict[str, Path]
    #: the call file's calls (``--calls``), measured instead of residents where given
    calls: Calls | None = None

    def area(self, name: str) -> shapely.Geometry:
        """The geometry of study area ``name`` (``pilot`` or ``citywide``)."""
        if name == "pilot":
            return self.pilot.geometry
        if name == "citywide":
            return self.boundaries.city
        raise InputError(f"area {name!r}: choose pilot or citywide", param="area")

    @cached_property
    def polygon_memo(self) -> dict:
        """A unit's band polygons by (node, band seconds, buffer, method): scenarios sharing a
        unit's site build its polygons once.
        """
        return {}

    @cached_property
    def known_cut(self) -> LayerCut:
        """The cells' parts whose travel times the model can tell (same for every scenario)."""
        if isinstance(self.model, CrowflyModel):
            return self.grid.full
        return self.grid.layer(self.net.extent)

    def known(self, area: shapely.Geometry) -> shapely.Geometry:
        """The part of ``area`` whose travel times the model can tell."""
        if isinstance(self.model, CrowflyModel):
            return area
        return shapely.intersection(area, self.net.extent)


def _load_network(settings: Settings, net_path: Path, progress: Progress, cache: Cache):
    """The prepared road network (from the cache when its inputs are unchanged) and its key."""
    net_key = make_key(
        "network",
        network=sha256(net_path) if net_path.exists() else str(net_path),
        extent=sha256(settings.network_extent) if settings.network_extent else None,
        speeds=settings.road_speeds_kmh,
    )
    net = cache.get("network", net_key, expected=RoadNetwork)
    if net is None:
        net = load_network(
            net_path,
            settings.road_speeds_kmh,
            extent_file=settings.network_extent,
            progress=progress,
        )
        cache.put("network", net_key, net)
    else:
        progress.info(f"Road network {net_path.name}: prepared arrays from the cache")
    net.source = str(net_path)
    return net, net_key


def check_cell_count(settings: Settings, area_m2: float) -> int:
    """The number of demand cells ``settings`` would make over ``area_m2`` (estimated, before
    any work); refused when over ``settings.max_cells``.

    Raises
    ------
    InputError
        Naming ``cell_size_m`` and ``max_cells``, with the smallest cell size that fits.
    """
    hexagon = settings.cell_size_m**2 * np.sqrt(3.0) / 2.0
    estimate = int(area_m2 / hexagon) + 1
    if estimate > settings.max_cells:
        smallest = float(np.sqrt(area_m2 / settings.max_cells / (np.sqrt(3.0) / 2.0)))
        raise InputError(
            f"cell_size_m {settings.cell_size_m:g} m makes about {estimate:,} demand cells over "
            f"the city, more than max_cells {settings.max_cells:,} (memory and time grow with "
            f"them): give a cell_size_m of at least {np.ceil(smallest):.0f} m, or raise max_cells",
            param=("cell_size_m", "max_cells"),
        )
    return estimate


def model_line(name: str, because: str) -> str:
    """The progress line that announces the travel model of a run (printed first)."""
    if name == "crowfly":
        return (
            f"Travel model: crow-fly SCREENING estimate for the whole study area ({because}); "
            "run `heartgeo fetch` for drive-time polygons"
        )
    return f"Travel model: network drive times ({because})"


def prepare(
    settings: Settings, progress: Progress = QUIET, areas: tuple[str, ...] = AREAS
) -> Study:
    """Load boundaries, pilot area, network, travel model and demand cells.

    Parameters
    ----------
    settings
        The run's parameters.
    progress
        Progress reporter; its first line names the travel model chosen.
    areas
        The study areas the run will measure (``pilot``, ``citywide``): with
        ``travel_model="auto"`` the model is chosen on their union, once for all of them.
    """
    settings.validate()
    progress.hold()  # the first line names the model, known once the network's extent is
    choice: tuple[str, str] | None = None
    try:
        bounds = load_boundaries(settings.data_dir, progress, settings.population)
        pilot = pilot_area(
            bounds.beats,
            bounds.city,
            beat_list=settings.pilot_beats,
            polygon_file=settings.pilot_area,
            progress=progress,
        )
        check_cell_count(settings, bounds.city.area)
        by_name = {"pilot": pilot.geometry, "citywide": bounds.city}
        unknown_areas = sorted(set(areas) - set(by_name))
        if unknown_areas:
            raise InputError(f"area {unknown_areas[0]!r}: choose pilot or citywide", param="area")
        study_area = shapely.union_all([by_name[a] for a in areas])

        def network_share(extent: shapely.Geometry) -> float:
            return share_within(study_area, extent)

        net_path = Path(settings.network or find_network(settings.data_dir))
        early = None
        if settings.network_extent is None and settings.travel_model == "auto":
            early = recorded_extent(net_path)
        if settings.travel_model != "auto" or early is not None:
            choice = choose_travel_model(
                settings.travel_model, network_share(early[0]) if early else 1.0
            )
            progress.release(model_line(*choice))
        cache = Cache(enabled=settings.use_cache, warn=progress.warn)
        net, net_key = _load_network(settings, net_path, progress, cache)
        if choice is None:
            choice = choose_travel_model(settings.travel_model, network_share(net.extent))
            progress.release(model_line(*choice))
    finally:
        progress.release()
    model_name, because = choice
    sums = {name: sha256(path) for name, path in bounds.sources.items()}
    city_share = share_within(bounds.city, net.extent)
    progress.info(
        f"  network extent ({net.extent_method}) covers {city_share:.1%} of the city limit; "
        + (
            "the rest is reported as unknown"
            if model_name == "network"
            else "the crow-fly model is calibrated on it"
        )
    )
    inputs = dict(bounds.sources)
    inputs["network"] = Path(net_path)
    if settings.network_extent:
        inputs["network_extent"] = Path(settings.network_extent)
    if settings.pilot_area:
        inputs["pilot_area"] = Path(settings.pilot_area)
    if model_name == "network":
        model: NetworkModel | CrowflyModel = NetworkModel(
            net,
            buffer_m=settings.buffer_m,
            polygons=settings.polygons,
            requested=settings.travel_model,
            chosen_because=because,
        )
        blocks_key = make_key("blocks", network=net_key, buffer_m=settings.buffer_m)
        blocks = cache.get("blocks", blocks_key, expected=Blocks)
        if blocks is None:
            with progress.step("Finding the city blocks that isochrones are built from"):
                blocks = net.blocks(settings.buffer_m)
            cache.put("blocks", blocks_key, blocks)
        else:
            net.use_blocks(blocks)
    else:
        with progress.step("Calibrating the crow-fly model on the network"):
            fitted = calibrate_crowfly(net)
        model = CrowflyModel(
            circuity=settings.circuity or fitted.circuity,
            speed_kmh=settings.crowfly_speed_kmh or fitted.speed_kmh,
            calibration={
                **(fitted.calibration or {}),
                "network_title": network_title(net_path),
                "fitted_circuity": fitted.circuity,
                "fitted_speed_kmh": fitted.speed_kmh,
                "overridden": bool(settings.circuity or settings.crowfly_speed_kmh),
            },
            requested=settings.travel_model,
            chosen_because=because,
        )
        progress.info(
            f"  crow-fly model: circuity {model.circuity:.3f}, speed {model.speed_kmh:.1f} km/h "
            f"(fitted on {fitted.calibration['pairs']} node pairs: circuity {fitted.circuity:.3f}, "
            f"speed {fitted.speed_kmh:.1f} km/h)"
        )
    demand_key = make_key(
        "demand",
        network=net_key,
        tracts=sums["tracts"],
        counts=sums.get("tracts_2020_counts"),
        control=bounds.city_count,
        city=sums["city_limits"],
        cell_size_m=settings.cell_size_m,
    )
    cached = cache.get("demand", demand_key, expected=tuple)
    if cached is not None and not (
        len(cached) == 2 and isinstance(cached[0], Demand) and isinstance(cached[1], MeasureGrid)
    ):
        progress.warn("cache entry of the demand cells holds something else: preparing afresh")
        cached = None
    if cached is None:
        with progress.step(f"Allocating population to {settings.cell_size_m:g} m hexagonal cells"):
            demand = allocate_population(
                bounds.tracts,
                bounds.city,
                settings.cell_size_m,
                residential_roads=net.residential_roads(),
                known_extent=net.extent,
                control_total=bounds.city_count,
                imputed_income=manifest()["layers"]["tracts"].get("imputed_median_income"),
            )
            grid = MeasureGrid.build(demand, net.roads())
        cache.put("demand", demand_key, (demand, grid))
    else:
        demand, grid = cached
        progress.info("Demand cells: from the cache")
    if bounds.city_count is not None:
        progress.info(
            f"  population: 2020 census, {demand.cells['population'].sum():,.0f} residents in the "
            f"city (its census count {bounds.city_count:,.0f}; the tracts straddling the city "
            f"limit scaled by one odds factor, {demand.adjustment['factor']:.3f})"
        )
    else:
        progress.info(
            f"  population: {'2020 census' if settings.population == 'census2020' else 'ACS 2020-2024'}"
            f", {demand.cells['population'].sum():,.0f} residents in the city (no known city "
            "total here: area and road weights, not reconciled)"
        )
    for i, people, density in demand.dense_cells[:3]:
        progress.warn(
            f"demand cell {i} holds {people:,.0f} people ({density:,.0f} per km2, over the "
            "plausible ceiling): check the tract weights"
        )
    calls = None
    if settings.calls is not None:
        with progress.step(f"Reading calls from {settings.calls}"):
            calls = read_calls(settings.calls, progress)
        inputs["calls"] = Path(settings.calls)
        timed = calls.timed.sum()
        progress.info(
            f"  calls: {len(calls):,} rows, weight {calls.weight.sum():,.0f}; "
            f"{timed:,} with a time"
            + ("" if calls.hour_profile() is not None else " (too few for an hourly profile)")
        )
    return Study(settings, bounds, pilot, net, model, demand, grid, inputs, calls)


@dataclass(eq=False)
class ScenarioResult:
    """Results of one scenario."""

    name: str
    area_name: str
    area: shapely.Geometry
    units: gpd.GeoDataFrame
    excluded: list[dict]
    bands: gpd.GeoDataFrame
    per_unit: gpd.GeoDataFrame
    gap: shapely.Geometry
    unknown: shapely.Geometry
    tables: dict[str, pd.DataFrame]
    cell_minutes: np.ndarray
    staging_source: str
    #: units' duty masks (U, 10080) and how their hours were set
    duty: np.ndarray | None = None
    hours_info: dict | None = None
    #: the scenario's calls (inside its area) and their seconds from each unit (U, C)
    calls: CallsInArea | None = None


def scenario_units(
    study: Study, area_name: str, staging: Path | None, progress: Progress = QUIET
) -> tuple[gpd.GeoDataFrame, list[dict], str]:
    """Read (or take the default) staging points, check them against the area and snap them.

    A user's file is strict: any bad point is refused. The default scenario leaves out, with
    a warning, default sites that the loaded network cannot reach (outside its extent).
    """
    area = study.area(area_name)
    settings = study.settings
    if staging is not None:
        units = read_staging(staging, progress)
        source = str(staging)
        if len(units) > settings.unit_limit:
            raise InputError(
                f"staging file {staging} holds {len(units):,} sites, more than unit_limit "
                f"{settings.unit_limit:,}: give fewer sites, or raise unit_limit (memory and "
                "time grow with the units; per-unit outputs stop at per_unit_limit)",
                param=("unit_limit", "per_unit_limit"),
            )
        check_in_area(units, area, area_name, source)
        if isinstance(study.model, NetworkModel):
            units = snap(units, study.net, settings.max_snap_m, source, progress)
        return units, [], source
    units = default_staging(settings.data_dir, area_name, progress)
    source = units.attrs["source"]
    study.inputs.update(units.attrs.get("layers", {}))
    excluded: list[dict] = []
    inside = shapely.intersects_xy(area, units.geometry.x, units.geometry.y)
    for _, row in units[~inside].iterrows():
        excluded.append(
            {"id": row["id"], "name": row["name"], "reason": f"outside the {area_name} area"}
        )
    units = units[inside]
    if isinstance(study.model, NetworkModel):
        _, dist, ok = nearest_within(
            study.net, np.c_[units.geometry.x, units.geometry.y], settings.max_snap_m
        )
        for (_, row), d in zip(units[~ok].iterrows(), dist[~ok], strict=True):
            excluded.append(
                {
                    "id": row["id"],
                    "name": row["name"],
                    "reason": f"nearest node of the loaded road network is {d:.0f} m away "
                    f"(> {settings.max_snap_m:g} m): outside the network's extent",
                }
            )
        units = snap(units[ok].copy(), study.net, settings.max_snap_m, source, progress)
    for item in excluded:
        progress.warn(
            f"default site {item['id']} left out of the {area_name} scenario: {item['reason']}"
        )
    if len(units) == 0:
        raise InputError(
            f"no default staging site of the {area_name} scenario lies on the loaded network: "
            "give --staging FILE or load a network that covers them"
        )
    return units.reset_index(drop=True), excluded, source


def zones_for(
    study: Study, area_name: str, area: shapely.Geometry
) -> list[tuple[str, str, shapely.Geometry]]:
    """The zones measured in a scenario: the area itself, then its beats and districts,
    each followed by the part of the area in none of them (``not in any beat``), so that
    the rows of each kind add up to the area.

    Each zone's geometry is what the cells (which lie in the city) are cut with: the
    area's and the beats' outlines, not clipped to the detailed city limit first (the
    same cut, several times cheaper); ``None`` for the whole city.
    """
    cut_area = None if area_name == "citywide" else study.pilot.simple
    # the cells lie in the city: its box grown a little stands for "everywhere"
    everywhere = cut_area if cut_area is not None else shapely.box(*area.bounds).buffer(1000.0)
    zones = [("area", area_name, cut_area)]
    for kind, frame, key in (
        ("beat", study.boundaries.beats, "beat"),
        ("district", study.boundaries.districts, "district"),
    ):
        raw = frame.geometry.to_numpy()
        geoms = shapely.intersection(raw, area)
        share = shapely.area(geoms) / np.maximum(shapely.area(raw), 1e-9)
        keep = (share > 0.01) & (shapely.area(geoms) > 1e4)
        parts = _partition(raw[keep])  # a place where two beats overlap counts in the first
        cut = parts if cut_area is None else shapely.intersection(parts, cut_area)
        zones += [(kind, str(v), g) for v, g in zip(frame[key][keep], cut, strict=True)]
        rest = shapely.difference(everywhere, shapely.union_all(raw[keep]))
        zones.append((kind, f"not in any {kind}", rest))
    return zones


def _partition(geoms: np.ndarray) -> np.ndarray:
    """The polygons made disjoint: each loses what the ones before it already cover."""
    out, covered = [], shapely.Polygon()
    for geom in geoms:
        overlap = (
            shapely.intersects(geom, covered)
            and shapely.area(shapely.intersection(geom, covered)) > 0
        )
        out.append(shapely.difference(geom, covered) if overlap else geom)
        covered = shapely.union(covered, geom)
    return polygonal(np.array(out + [None], dtype=object)[:-1])


def _bands(
    study: Study, units: gpd.GeoDataFrame, area: shapely.Geometry, per_unit: bool
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, np.ndarray | None]:
    """Band polygons (dissolved, and per unit if ``per_unit``) of ``units`` and, for the
    network model, the node times they were cut from.
    """
    settings = study.settings
    if isinstance(study.model, NetworkModel):
        node_times = study.model.node_times(units["node"].to_numpy())
        bands, units_bands = network_isochrones(
            study.net,
            units,
            settings.bands_min,
            settings.buffer_m,
            memo=study.polygon_memo,
            workers=settings.workers,
            per_unit=per_unit,
            method=settings.polygons,
        )
        return bands, units_bands, node_times
    bands, units_bands = crowfly_isochrones(
        study.model, units, settings.bands_min, area, per_unit=per_unit
    )
    return bands, units_bands, None


def run_scenario(
    study: Study,
    name: str,
    area_name: str,
    staging: Path | None = None,
    progress: Progress = QUIET,
    *,
    coverage: bool = True,
) -> ScenarioResult:
    """Run one scenario: units, travel times, isochrones, and (unless ``coverage=False``)
    coverage, gaps, the unknown area and coverage by hour of the week.
    """
    settings = study.settings
    area = study.area(area_name)
    units, excluded, source = scenario_units(study, area_name, staging, progress)
    if staging is not None:
        study.inputs[f"staging_{name}"] = Path(staging)
    duty, hours_info = unit_duty(units, name, settings.hours)

    bands_min = settings.bands_min
    with_units = len(units) <= settings.per_unit_limit
    if not with_units:
        progress.info(
            f"  {len(units)} units: per-unit isochrones are left out (more than "
            f"--per-unit-limit {settings.per_unit_limit}); the dissolved bands are complete"
        )
    cxy = study.demand.points
    with progress.step(f"[{name}] Travel times and isochrones for {len(units)} unit(s)"):
        bands, per_unit, node_times = _bands(study, units, area, with_units)
        if node_times is not None:
            cell_seconds = study.model.point_times(node_times, cxy)
        else:
            cell_seconds = study.model.point_times_from(
                np.c_[units.geometry.x, units.geometry.y], cxy
            )
    known = study.known(area)
    if not coverage:
        return ScenarioResult(
            name,
            area_name,
            area,
            units,
            excluded,
            bands,
            per_unit,
            None,
            None,
            {},
            cell_seconds / 60.0,
            source,
            duty,
            hours_info,
        )
    with progress.step(f"[{name}] Coverage per area, beat and district"):
        grid = study.grid
        # the cells tile the city and every zone is cut by its own outline, so layers
        # need no clipping to the area: bands already lie inside the known extent
        known_cut = study.known_cut
        zones = zones_for(study, area_name, area)
        only = grid.cells_touching(zones[0][2])  # the area's cells (None: all)
        band_cuts: dict[float, LayerCut] = dict(
            zip(
                bands["minutes"],
                thread_map(lambda band: grid.layer(band, only), bands.geometry, settings.workers),
                strict=True,
            )
        )
        cell_minutes = cell_seconds / 60.0
        table = zone_table(grid, zones, known_cut, band_cuts, cell_minutes, settings.workers)
        gap, unknown = gap_and_unknown(area, known, bands.geometry.iloc[-1])
        equity = equity_table(study, zones[0][2], known_cut, band_cuts)
        gap_cells = _gap_households(study, gap, only)
        area_calls = None
        if study.calls is not None:
            area_calls = calls_in_area(study.calls, area)
            if area_calls.outside_count:
                progress.warn(
                    f"{area_calls.outside_count:,} call(s) of {study.calls.source} (weight "
                    f"{area_calls.outside_weight:,.0f}) lie outside the {area_name} area: "
                    f"counted in summary.json, not in the {name} coverage"
                )
            call_seconds = unit_point_seconds(study, units, area_calls.calls.xy)
            nearest = nearest_on_duty(call_seconds, np.ones(len(units), bool))
            calls_table = calls_zone_table(zones, area_calls.calls, nearest, bands_min)
            table = table.merge(calls_table, on=["zone_type", "zone"], how="left")
    with progress.step(f"[{name}] Coverage by hour of the week"):
        row = table.iloc[0]
        hours, sets = hours_table(
            duty,
            _population_within(study, units, area, zones[0][2], row, only),
            float(row["population"]),
            float(row["known_population"]),
            bands_min,
            None if area_calls is None else (area_calls.calls, call_seconds),
        )
        hours_info["distinct_sets_on_duty"] = len(sets.sets)
    tables = {
        "equity": equity,
        "gap_households": gap_cells,
        "area": table[table["zone_type"] == "area"].reset_index(drop=True),
        "beats": table[table["zone_type"] == "beat"].reset_index(drop=True),
        "districts": table[table["zone_type"] == "district"].reset_index(drop=True),
        "hours": hours,
    }
    beats = study.boundaries.beats
    district_of = dict(zip(beats["beat"].astype(str), beats["district"], strict=True))
    tables["beats"].insert(
        2, "district", tables["beats"]["zone"].map(district_of).fillna("not in any district")
    )
    return ScenarioResult(
        name=name,
        area_name=area_name,
        area=area,
        units=units,
        excluded=excluded,
        bands=bands,
        per_unit=per_unit,
        gap=gap,
        unknown=unknown,
        tables=tables,
        cell_minutes=cell_minutes,
        staging_source=source,
        duty=duty,
        hours_info=hours_info,
        calls=area_calls,
    )


def _population_within(study, units, area, zone_geom, area_row, only):
    """For a mask of units on duty: residents of the zone within each band of the nearest
    of them (the polygons' measure; all units on duty: the area table's own figures).
    """
    bands_min = study.settings.bands_min
    zone = study.grid.zone(zone_geom)

    def within(on: np.ndarray) -> np.ndarray:
        if on.all():
            return np.array([area_row[f"population_{band_label(m)}"] for m in bands_min])
        bands, _, _ = _bands(study, units[on].reset_index(drop=True), area, False)
        return np.array(
            [study.grid.measure(study.grid.layer(g, only), zone)[1] for g in bands.geometry]
        )

    return within


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


def _gap_households(study: Study, gap: shapely.Geometry, only) -> gpd.GeoDataFrame:
    """The gap cut by the cells, with the households without a vehicle in each part."""
    cut = study.grid.layer(gap, only)
    keep = np.flatnonzero(cut.area > 0)
    households = study.demand.cells["no_vehicle_households"].to_numpy(float)[keep]
    households = households * cut.area[keep] / study.grid.cell_area[keep]
    return gpd.GeoDataFrame(
        {
            "no_vehicle_households": households,
            "per_km2": households / np.maximum(cut.area[keep] / 1e6, 1e-9),
        },
        geometry=cut.parts[keep],
        crs=METRIC_CRS,
    )


def equity_line(study: Study, result: ScenarioResult) -> str:
    """``no-vehicle households within 10 min: NN % vs all residents NN %`` for a scenario."""
    table = result.tables["equity"].set_index("group")
    band = band_label(headline_band(study.settings.bands_min))
    nov, everyone = table.loc["no_vehicle_households"], table.loc["all residents"]

    def pct(v: float) -> str:
        return "missing" if v != v else f"{100 * v:.1f} %"

    low = table.loc["low_income_residents"]
    return (
        f"{result.name}: no-vehicle households within {headline_band(study.settings.bands_min):g} "
        f"min: {pct(nov[f'share_{band}'])} vs all residents {pct(everyone[f'share_{band}'])}; "
        f"lowest-income fifth of tracts: {pct(low[f'share_{band}'])}"
    )


def scenario_summary(study: Study, result: ScenarioResult) -> dict:
    """The scenario's headline numbers for ``summary.json``."""
    units = result.units
    head = {
        "area": result.area_name,
        "staging_source": result.staging_source,
        "units": [
            {
                "id": r["id"],
                "name": r["name"],
                "snap_m": (float(r["snap_m"]) if "snap_m" in units.columns else None),
            }
            for _, r in units.iterrows()
        ],
        "excluded_units": result.excluded,
        "network_extent_share": share_within(result.area, study.net.extent),
    }
    if not result.tables:
        return head
    row = result.tables["area"].iloc[0]
    bands = []
    for m in study.settings.bands_min:
        lab = band_label(m)
        bands.append(
            {
                "minutes": m,
                "area_km2": row[f"area_km2_{lab}"],
                "population": row[f"population_{lab}"],
                "road_km": row[f"road_km_{lab}"],
                "area_share": row[f"area_share_{lab}"],
                "population_share": row[f"population_share_{lab}"],
                "road_share": row[f"road_share_{lab}"],
                "population_share_of_known": row[f"population_share_of_known_{lab}"],
            }
        )
    return {
        **head,
        "area_km2": row["area_km2"],
        "population": row["population"],
        "road_km": row["road_km"],
        "known_area_share": row["known_area_share"],
        "known_population_share": row["known_population_share"],
        "unknown": {"area_km2": row["unknown_area_km2"], "population": row["unknown_population"]},
        "gap": {
            "area_km2": row["gap_area_km2"],
            "population": row["gap_population"],
            "road_km": row["gap_road_km"],
            "population_share": row["gap_population_share"],
        },
        "bands": bands,
        "hours": {
            **(result.hours_info or {}),
            **week_shares(result.tables["hours"], study.settings.bands_min),
        },
        **({"calls": _calls_summary(study, result)} if result.calls is not None else {}),
        "equity": result.tables["equity"].to_dict(orient="records"),
        "median_minutes": row["median_minutes"],
        "p90_minutes": row["p90_minutes"],
        "unreached_population": row["unreached_population"],
    }


def _calls_summary(study: Study, result: ScenarioResult) -> dict:
    """The calls part of a scenario's summary: inside, outside, within each band."""
    row = result.tables["area"].iloc[0]
    return {
        "source": result.calls.calls.source,
        "inside": float(row["calls"]),
        "known": float(row["calls_known"]),
        "outside_rows": result.calls.outside_count,
        "outside_weight": result.calls.outside_weight,
        "within": {
            band_label(m): float(row[f"calls_within_{band_label(m)}"])
            for m in study.settings.bands_min
        },
        "share": {
            band_label(m): row[f"calls_share_{band_label(m)}"] for m in study.settings.bands_min
        },
    }


def headline(study: Study, results: list[ScenarioResult]) -> str:
    """One line for every scenario with tables, e.g. ``pilot (crow-fly screening): population
    within 10 min 37.2 %; citywide: 61.0 %``.
    """
    band = headline_band(study.settings.bands_min)
    what = "calls" if study.calls is not None else "population"
    parts = []
    for result in (r for r in results if r.tables):
        share = result.tables["area"].iloc[0][f"{what}_share_{band_label(band)}"]
        value = "n/a" if share is None or share != share else f"{100 * share:.1f} %"
        if not parts:
            parts.append(
                f"{result.name} ({study.model.short_label}): {what} within {band:g} min {value}"
            )
        else:
            parts.append(f"{result.name}: {value}")
    return "; ".join(parts)


def hours_line(study: Study, results: list[ScenarioResult]) -> str:
    """Coverage over the week: person-hours (or calls at their time) within the headline
    band of a unit on duty, per scenario, with the hours used and whether assumed.
    """
    band = headline_band(study.settings.bands_min)
    lab = band_label(band)
    parts = []
    for result in (r for r in results if r.tables):
        week = week_shares(result.tables["hours"], study.settings.bands_min)
        info = result.hours_info or {}
        how = "assumed" if info.get("source") not in ("--hours",) else "given"
        own = info.get("units_with_own_hours", 0)
        hours = f"{info.get('hours')}, {how}" + (f"; {own} unit(s) with own hours" if own else "")
        value = week["person_hours_share"][lab]
        text = f"{result.name} {100 * value:.1f} %" if value is not None else f"{result.name} n/a"
        if "calls_share" in week and week["calls_share"][lab] is not None:
            text += f" (calls at their time: {100 * week['calls_share'][lab]:.1f} %)"
        parts.append(f"{text} [{hours}]")
    return f"person-hours within {band:g} min of a unit on duty: " + "; ".join(parts)


def hours_page(study: Study, results: list[ScenarioResult]) -> str:
    """The hour-of-week page: per scenario a weekday x hour heatmap of the share within the
    headline band of a unit on duty, with the hours used and their sources.
    """
    from heartgeo.viz.charts import page, week_heatmap_svg

    band = headline_band(study.settings.bands_min)
    what = "calls" if study.calls is not None else "population"
    sections, notes = [], [hours_line(study, results), study.model.label]
    for result in (r for r in results if r.tables):
        info = result.hours_info or {}
        svg = week_heatmap_svg(
            result.tables["hours"],
            f"{what}_share_{band_label(band)}",
            f"{result.name}: share of {'calls' if what == 'calls' else 'residents'} within "
            f"{band:g} min of a unit on duty ({study.model.short_label})",
        )
        sections.append((f"{result.name} ({info.get('hours')})", svg))
        notes.append(
            f"{result.name} hours: {info.get('assumption')} (source: {info.get('source')})"
        )
    return page(f"Coverage by hour of the week ({study.model.short_label})", sections, notes)


def scenario_line(study: Study, result: ScenarioResult) -> str:
    """One line of a scenario's coverage: every band, the gap, the unknown part and why."""
    row = result.tables["area"].iloc[0]
    parts = []
    for m in study.settings.bands_min:
        share = row[f"population_share_{band_label(m)}"]
        parts.append(f"{m:g} min {100 * share:.1f} %" if share is not None else f"{m:g} min n/a")
    extent = 100 * share_within(result.area, study.net.extent)
    if study.model.name == "network":
        tail = f"the road network covers {extent:.1f} % of the area"
    else:
        tail = f"the crow-fly model covers the whole area (road network extent {extent:.1f} %)"
    return (
        f"{result.name} ({study.model.short_label}): population within "
        + ", ".join(parts)
        + f"; gap {100 * (row['gap_population_share'] or 0):.1f} %; unknown (no road data) "
        f"{100 * (1 - (row['known_population_share'] or 0)):.1f} % of {row['population']:,.0f} "
        f"people{_share_of_city(study, row['population'], result.area_name)}; {tail}"
    )


def _share_of_city(study: Study, people: float, area_name: str) -> str:
    if area_name == "citywide":
        return ""
    city = float(study.demand.cells["population"].sum())
    return f" ({100 * people / city:.1f} % of the city's)" if city > 0 else ""


def units_frame(result: ScenarioResult) -> gpd.GeoDataFrame:
    """A scenario's staging points (id, name, snap distance) as a layer."""
    cols = [c for c in ("id", "name", "snap_m") if c in result.units.columns]
    return gpd.GeoDataFrame(result.units[cols], geometry=result.units.geometry, crs=METRIC_CRS)


def write_scenario(
    outs: OutputSet,
    study: Study,
    result: ScenarioResult,
    *,
    tables: bool = True,
    isochrones: bool = True,
) -> None:
    """Write a scenario's tables and layers into ``outs``."""
    n = result.name
    model = study.model.name
    if isochrones:
        bands = result.bands.assign(scenario=n, travel_model=model)
        outs.geojson(
            f"isochrones_{n}.geojson",
            bands,
            f"{n}: area reached within each band from the nearest unit ({model} model)",
        )
        layers = {"bands": bands, "staging": units_frame(result)}
        if len(result.per_unit):  # left out above --per-unit-limit units
            per_unit = result.per_unit.assign(scenario=n, travel_model=model)
            outs.geojson(
                f"isochrones_{n}_units.geojson",
                per_unit,
                f"{n}: area reached within each band, per unit ({model} model)",
            )
            layers = {"bands": bands, "units": per_unit, "staging": units_frame(result)}
        outs.gpkg(
            f"isochrones_{n}.gpkg",
            layers,
            f"{n}: isochrones per band and per unit, and staging points (EPSG:32119)",
        )
    outs.geojson(
        f"staging_{n}.geojson",
        units_frame(result).assign(scenario=n),
        f"{n}: staging points with snap distance (m)",
    )
    if tables:
        layers = layers_frame({"gap": result.gap, "unknown": result.unknown}, METRIC_CRS)
        layers = layers.assign(scenario=n, travel_model=model)
        outs.geojson(
            f"gaps_{n}.geojson",
            layers[layers["layer"] == "gap"],
            f"{n}: known area beyond the largest band ({model} model)",
        )
        outs.geojson(
            f"unknown_{n}.geojson",
            layers[layers["layer"] == "unknown"],
            f"{n}: area with no road data (neither covered nor gap)",
        )
        outs.csv(
            f"coverage_{n}_equity.csv",
            result.tables["equity"].assign(scenario=n, travel_model=model),
            f"{n}: coverage of households without a vehicle, the lowest-income fifth of tracts "
            "and everyone",
        )
        outs.csv(
            f"coverage_{n}_hours.csv",
            result.tables["hours"].assign(scenario=n, travel_model=model),
            f"{n}: coverage for each of the 168 hours of the week (units on duty, residents "
            "within each band of an on-duty unit)",
        )
        for key in ("area", "beats", "districts"):
            frame = result.tables[key].assign(scenario=n, travel_model=model)
            outs.csv(
                f"coverage_{n}_{key}.csv",
                frame,
                f"{n}: coverage per {key if key != 'area' else 'study area'}",
            )


def run_scenarios(
    study: Study,
    scenarios: list[tuple[str, str, Path | None]],
    progress: Progress = QUIET,
    *,
    coverage: bool = True,
) -> list[ScenarioResult]:
    """Run each ``(name, area_name, staging_file)`` scenario on the prepared study."""
    return [
        run_scenario(study, name, area, staging, progress, coverage=coverage)
        for name, area, staging in scenarios
    ]


def write_maps(
    outs: OutputSet,
    study: Study,
    results: list[ScenarioResult],
    *,
    basemap: str | None = "default",
    online: bool = False,
) -> list[Path]:
    """Write each scenario's map and the comparison when both scenarios ran; return the
    paths written.
    """
    from heartgeo.viz.maps import comparison_map, scenario_map, write_html

    written = []
    for result in results:
        path = outs.path(f"map_{result.name}.html", f"{result.name}: interactive map")
        write_html(scenario_map(study, result, basemap=basemap), path, offline=not online)
        written.append(path)
    by_name = {r.name: r for r in results}
    if "pilot" in by_name and "citywide" in by_name:
        path = outs.path(
            "map_pilot_vs_citywide.html",
            "pilot (left) and citywide (right) side by side, with the area newly covered",
        )
        dual = comparison_map(study, by_name["pilot"], by_name["citywide"], basemap=basemap)
        write_html(dual, path, offline=not online)
        written.append(path)
    return written


def snapshot_pages(outs: OutputSet, pages: list[Path]) -> list[dict]:
    """A PNG of each page through headless Chromium, with its size, load time and errors."""
    from heartgeo.viz.browser import load_page

    checks = []
    for path in pages:
        shot = outs.path(path.with_suffix(".png").name, f"snapshot of {path.name}")
        page = load_page(path, png=shot)
        if page.png is None:
            raise RuntimeError(f"headless Chromium wrote no PNG for {path.name}")
        checks.append(
            {
                "path": path.name,
                "bytes": path.stat().st_size,
                "ready_ms": page.ready_ms,
                "errors": page.errors,
                "png": str(outs.out_dir / shot.name),
            }
        )
    return checks


def report_data(
    study: Study,
    results: list[ScenarioResult],
    runs: list[SimulationRun] | None,
    files: dict[str, str],
) -> ReportData:
    """The report page's content (:class:`heartgeo.viz.report_page.ReportData`)."""
    results = [r for r in results if r.tables]
    model = study.model
    maps = [(n, d) for n, d in files.items() if n.startswith("map_") and n.endswith(".html")]
    others = [(n, d) for n, d in sorted(files.items()) if (n, d) not in maps]
    others.append(("summary.json", "run manifest: inputs, parameters, versions, headline numbers"))
    pilot = study.pilot
    assumptions = [
        (
            "Pilot area",
            pilot.definition
            + (
                " (an APPROXIMATION: the City never published the beat list)"
                if pilot.approximation
                else ""
            ),
        ),
        ("Travel model", f"{model.label} ({model.chosen_because})"),
        (
            "Road network",
            f"{network_title(Path(study.inputs['network']))}: covers "
            f"{100 * share_within(study.boundaries.city, study.net.extent):.1f} % of the city",
        ),
        (
            "Population",
            f"{'2020 census' if study.settings.population == 'census2020' else 'ACS 2020-2024'}: "
            f"{study.demand.cells['population'].sum():,.0f} residents in the city"
            + (
                f" (tracts straddling the city limit scaled by one factor, {study.demand.adjustment['factor']:.3f})"
                if study.boundaries.city_count is not None
                else ""
            ),
        ),
        (
            "Demand",
            f"calls of {study.calls.source}"
            if study.calls is not None
            else "residents (no call file)",
        ),
    ]
    for r in results:
        info = r.hours_info or {}
        assumptions.append(
            (f"Hours ({r.name})", f"{info.get('assumption')} (source: {info.get('source')})")
        )
        names = ", ".join(str(n) for n in r.units["name"])
        left_out = "; left out: " + ", ".join(e["id"] for e in r.excluded) if r.excluded else ""
        assumptions.append(
            (
                f"Staging ({r.name})",
                f"{len(r.units)} site(s) from {r.staging_source}: {names}{left_out}",
            )
        )
    simulation, curve = None, {}
    if runs:
        workload = runs[0].info["workload"]
        assumptions.append(
            (
                "Calls a day",
                f"{workload['calls_per_day_city']:g} in the city: {workload['calls_per_day_source']}",
            )
        )
        assumptions.append(
            (
                "Minutes per call",
                f"{workload['minutes_per_call']:g}: {workload['minutes_per_call_source']}",
            )
        )
        simulation = [
            {
                "scenario": run.scenario,
                "figures": run.main.figures,
                "hours": run.main.hours,
                "calls_per_day": run.info["calls_per_day_area"],
            }
            for run in runs
        ]
        curve = {run.scenario: run.curve for run in runs if run.curve}
    return ReportData(
        title="HEART coverage: pilot and citywide",
        created=utc_now(),
        version=__version__,
        model_label=model.label,
        screening=model.screening,
        model_because=model.chosen_because,
        headline=headline(study, results),
        week_line=hours_line(study, results),
        bands_min=study.settings.bands_min,
        scenarios=[
            {
                "name": r.name,
                "area": r.tables["area"].iloc[0].to_dict(),
                "beats": r.tables["beats"],
                "hours": r.tables["hours"],
                "hours_info": r.hours_info or {},
                "units": r.units,
            }
            for r in results
        ],
        maps=maps,
        files=others,
        assumptions=assumptions,
        simulation=simulation,
        teams_curve=curve,
    )


def write_run(
    out_dir: Path,
    study: Study,
    results: list[ScenarioResult],
    progress: Progress = QUIET,
    *,
    coverage: bool = True,
    isochrones: bool = True,
    maps: bool = True,
    png: bool = False,
    basemap: str | None = "default",
    online: bool = False,
    simulations: list[SimulationRun] | None = None,
) -> list[dict]:
    """Write a run's tables, layers, maps, the simulation (if run), the report page
    ``index.html`` (with maps and coverage) and ``summary.json`` into ``out_dir`` as one
    set (see :class:`heartgeo.io.outputs.OutputSet`); return the page checks (``png``).
    """
    with (
        progress.step(f"Writing outputs to {out_dir}"),
        OutputSet(out_dir, warn=progress.warn) as outs,
    ):
        for result in results:
            write_scenario(outs, study, result, tables=coverage, isochrones=isochrones)
        if coverage and any(r.tables for r in results):
            outs.text(
                "coverage_hours.html",
                hours_page(study, results),
                "coverage by hour of the week: a weekday x hour heatmap per scenario",
            )
        if coverage:
            outs.csv(
                "population_tracts.csv",
                study.demand.tracts,
                "per census tract: population, people inside the city before and after the "
                "reconciliation with the city's count, outside, weighting method",
            )
        if simulations:
            write_simulation_files(outs, study, simulations)
        pages = write_maps(outs, study, results, basemap=basemap, online=online) if maps else []
        if maps and coverage:
            from heartgeo.viz.report_page import report_page

            data = report_data(study, results, simulations, dict(outs.files))
            pages.append(outs.path("index.html", "the report page: open this first"))
            pages[-1].write_text(report_page(data), encoding="utf-8")
        checks = snapshot_pages(outs, pages) if png else []
        extra = {"simulation": simulation_summary(study, simulations)} if simulations else {}
        outs.json(
            "summary.json",
            summary(study, results, outs.records(), map_checks=checks, stale=outs.stale()) | extra,
            "run manifest: inputs, parameters, versions, travel model, headline numbers",
        )
    return checks


def network_summary(study: Study) -> dict:
    """The road network's part of ``summary.json``: source, size, extent, steps."""
    net = study.net
    city, pilot = study.boundaries.city, study.pilot.geometry
    return {
        "source": net.source,
        "nodes": net.n_nodes,
        "edges": net.n_edges,
        "extent_method": net.extent_method,
        "extent_km2": net.extent.area / 1e6,
        "extent_share_of_city": share_within(city, net.extent),
        "extent_share_of_pilot": share_within(pilot, net.extent),
        "steps": {k: v for k, v in net.stats.items() if k != "speed_table_kmh"},
        "default_speeds_kmh": net.stats.get("speed_table_kmh"),
    }


def summary(
    study: Study,
    results: list[ScenarioResult],
    outputs: list[dict],
    *,
    map_checks: list[dict] | None = None,
    stale: list[str] | None = None,
) -> dict:
    """The run manifest: inputs with checksums, parameters, versions, model and headline
    numbers, the outputs written and (``stale``) other files in the folder, left alone.
    """
    extra = {"map_checks": map_checks} if map_checks else {}
    if stale:
        extra["stale_outputs"] = stale
    return {
        "heartgeo_version": __version__,
        "created": utc_now(),
        "headline": headline(study, results),
        "headline_week": hours_line(study, results) if any(r.tables for r in results) else None,
        "travel_model": study.model.describe(),
        "parameters": study.settings.as_dict(),
        "pilot_area": {
            "definition": study.pilot.definition,
            "approximation": study.pilot.approximation,
            "beats": list(study.pilot.beats) if study.pilot.beats else None,
        },
        "network": network_summary(study),
        "demand": {
            "cells": len(study.demand.cells),
            "cell_size_m": study.demand.cell_size_m,
            "population_source": study.boundaries.population,
            "population_in_city": float(study.demand.cells["population"].sum()),
            "city_census_count": study.boundaries.city_count,
            "adjustment": study.demand.adjustment,
            "dense_cells": [
                {"cell": i, "population": p, "per_km2": d} for i, p, d in study.demand.dense_cells
            ],
            "tracts_by_weight": {
                str(k): int(v)
                for k, v in study.demand.tracts["method"].value_counts().sort_index().items()
            },
        },
        "scenarios": {r.name: scenario_summary(study, r) for r in results},
        "inputs": [input_record(k, v) for k, v in sorted(study.inputs.items())],
        "versions": versions(),
        "outputs": outputs,
        **extra,
    }


def run_simulations(
    study: Study,
    scenarios: list[tuple[str, str, Path | None]],
    options: SimulateOptions,
    progress: Progress = QUIET,
) -> list[SimulationRun]:
    """Simulate calls and teams for each ``(name, area_name, staging_file)`` scenario
    (see :mod:`heartgeo.analysis.simulation`).
    """
    runs = []
    for name, area_name, staging in scenarios:
        units, _, _ = scenario_units(study, area_name, staging, progress)
        if staging is not None:
            study.inputs[f"staging_{name}"] = Path(staging)
        runs.append(simulate_units(study, name, area_name, units, options, progress))
    return runs


def simulate_results(
    study: Study,
    results: list[ScenarioResult],
    options: SimulateOptions,
    progress: Progress = QUIET,
) -> list[SimulationRun]:
    """Simulate calls and teams on the units of scenarios already run (``report``)."""
    return [simulate_units(study, r.name, r.area_name, r.units, options, progress) for r in results]


def simulation_page(study: Study, runs: list[SimulationRun]) -> str:
    """The simulation's page: the teams curve chart and, per scenario, a heatmap of the
    share of calls answered within the headline band, with the assumptions.
    """
    from heartgeo.viz.charts import line_chart_svg, page, week_heatmap_svg

    band = headline_band(study.settings.bands_min)
    lab = f"within_{band:g}min_share"
    sections = []
    series = {
        r.scenario: (
            np.array([c["teams"] for c in r.curve]),
            np.array([c[lab] for c in r.curve]),
        )
        for r in runs
        if r.curve
    }
    if series:
        sections.append(
            (
                "Teams on duty and calls answered in time",
                line_chart_svg(
                    series,
                    f"Calls answered within {band:g} min ({study.model.short_label})",
                    "teams on duty",
                    f"share of calls answered within {band:g} min",
                ),
            )
        )
    for run in runs:
        sections.append(
            (
                f"{run.scenario}: calls answered within {band:g} min, by hour",
                week_heatmap_svg(
                    run.main.hours.fillna({lab: 0.0}),
                    lab,
                    f"{run.scenario}: share of calls answered within {band:g} min "
                    f"({run.main.figures['teams']} team(s))",
                ),
            )
        )
    notes = [simulation_line(r, study.model.short_label, band) for r in runs]
    if series:
        notes.append(curve_line(runs, band))
    for key, value in runs[0].info["workload"].items() if runs else ():
        notes.append(f"{key}: {value}")
    for run in runs:
        h = run.info["hours"]
        notes.append(f"{run.scenario} hours: {h['assumption']} (source: {h['source']})")
    notes.append(study.model.label)
    return page(f"Call simulation ({study.model.short_label})", sections, notes)


def write_simulation_files(outs: OutputSet, study: Study, runs: list[SimulationRun]) -> None:
    """The simulation's tables and page into ``outs`` (``simulate`` and ``report``)."""
    for run in runs:
        outs.csv(
            f"simulation_{run.scenario}.csv",
            run.main.hours.assign(scenario=run.scenario, travel_model=study.model.name),
            f"{run.scenario}: simulated calls per hour of the week: answered, within each "
            "band, drive and response medians, team utilisation",
        )
    curve = [row for run in runs for row in run.curve]
    if curve:
        outs.csv(
            "simulation_teams.csv",
            pd.DataFrame(curve).assign(travel_model=study.model.name),
            "teams on duty against calls answered (within each band), per scenario",
        )
    outs.text(
        "simulation.html", simulation_page(study, runs), "call simulation: teams curve and heatmaps"
    )


def simulation_summary(study: Study, runs: list[SimulationRun]) -> dict:
    """The simulation's part of a manifest: headline lines, teams curve, per scenario its
    workload (with sources), hours, figures and curve.
    """
    band = headline_band(study.settings.bands_min)
    curve = any(r.curve for r in runs)
    return {
        "headline": [simulation_line(r, study.model.short_label, band) for r in runs],
        "teams_curve": curve_line(runs, band) if curve else None,
        "scenarios": {
            r.scenario: {**r.info, "figures": r.main.figures, "curve": r.curve} for r in runs
        },
    }


def write_simulation(
    out_dir: Path, study: Study, runs: list[SimulationRun], progress: Progress = QUIET
) -> None:
    """Write the simulation's tables, page and ``simulation_summary.json`` as one set."""
    with (
        progress.step(f"Writing outputs to {out_dir}"),
        OutputSet(out_dir, warn=progress.warn) as outs,
    ):
        write_simulation_files(outs, study, runs)
        outs.json(
            "simulation_summary.json",
            {
                "heartgeo_version": __version__,
                "created": utc_now(),
                **simulation_summary(study, runs),
                "travel_model": study.model.describe(),
                "parameters": study.settings.as_dict(),
                "inputs": [input_record(k, v) for k, v in sorted(study.inputs.items())],
                "versions": versions(),
                "outputs": outs.records(),
            },
            "simulation manifest: workload and its sources, hours, figures, teams curve",
        )
