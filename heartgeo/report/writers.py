"""Writing a run: each scenario's tables and layers, the maps, the pages, the simulation
and the manifest, as one set (:class:`heartgeo.io.outputs.OutputSet`: all files appear
together, or none).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from heartgeo.analysis.coverage import layers_frame
from heartgeo.config import METRIC_CRS
from heartgeo.io.outputs import OutputSet
from heartgeo.operations import SimulationRun
from heartgeo.progress import QUIET, Progress
from heartgeo.report.manifest import simulation_manifest, simulation_summary, summary
from heartgeo.report.pages import hours_page, report_data, simulation_page
from heartgeo.study import ScenarioResult, Study, comparison_results


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
    if isochrones:
        _write_isochrones(outs, study, result)
    outs.geojson(
        f"staging_{n}.geojson",
        units_frame(result).assign(scenario=n),
        f"{n}: staging points with snap distance (m)",
    )
    if tables:
        _write_tables(outs, study, result)


def _write_isochrones(outs: OutputSet, study: Study, result: ScenarioResult) -> None:
    n, model = result.name, study.model.name
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


def _write_tables(outs: OutputSet, study: Study, result: ScenarioResult) -> None:
    n, model = result.name, study.model.name
    layers = layers_frame({"unknown": result.unknown}, METRIC_CRS)
    layers = layers.assign(scenario=n, travel_model=model)
    outs.geojson(
        f"gaps_{n}.geojson",
        result.tables["gaps"].assign(scenario=n, travel_model=model),
        f"{n}: known area beyond the largest band ({model} model), one polygon per part "
        "with its residents, households without a car, beat and district",
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
        outs.csv(
            f"coverage_{n}_{key}.csv",
            result.tables[key].assign(scenario=n, travel_model=model),
            f"{n}: coverage per {key if key != 'area' else 'study area'}",
        )


def cells_frame(study: Study, result: ScenarioResult) -> gpd.GeoDataFrame:
    """The demand cells of a scenario's area: residents and households without a car
    inside the area, and the minutes to the nearest unit (empty: no travel time).
    """
    area = study.study_area(result.area_name)
    weight = study.grid.zone(area.zone_geometry).weight
    keep = np.flatnonzero(weight > 0)
    cells = study.demand.cells.iloc[keep]
    minutes = result.cell_minutes[keep]
    return gpd.GeoDataFrame(
        {
            "cell": cells["cell"].to_numpy(),
            "residents": cells["population"].to_numpy() * weight[keep],
            "no_vehicle_households": cells["no_vehicle_households"].to_numpy() * weight[keep],
            "share_in_area": weight[keep],
            "minutes_to_nearest_unit": np.where(np.isfinite(minutes), minutes, np.nan),
            "scenario": result.name,
            "travel_model": study.model.name,
        },
        geometry=cells.geometry.to_numpy(),
        crs=METRIC_CRS,
    )


def write_layers(outs: OutputSet, study: Study, results: list[ScenarioResult]) -> None:
    """One GeoPackage for the run (``coverage.gpkg``, EPSG:32119): for each scenario its
    bands, gap parts, unknown area, demand cells and staging points.
    """
    layers = {}
    model = study.model.name
    for result in (r for r in results if r.tables):
        n = result.name
        unknown = layers_frame({"unknown": result.unknown}, METRIC_CRS)
        layers |= {
            f"{n}_bands": result.bands.assign(scenario=n, travel_model=model),
            f"{n}_gaps": result.tables["gaps"].assign(scenario=n, travel_model=model),
            f"{n}_unknown": unknown.assign(scenario=n, travel_model=model),
            f"{n}_cells": cells_frame(study, result),
            f"{n}_staging": units_frame(result).assign(scenario=n),
        }
    if layers:
        outs.gpkg(
            "coverage.gpkg",
            layers,
            "every scenario's layers for GIS (EPSG:32119): SCENARIO_bands, _gaps (residents, "
            "households without a car, beat, district), _unknown, _cells (residents, minutes "
            "to the nearest unit), _staging",
        )


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
    from heartgeo.viz.maps import comparison_map, scenario_map
    from heartgeo.viz.render import write_html

    written = []
    for result in results:
        path = outs.path(f"map_{result.name}.html", f"{result.name}: interactive map")
        write_html(scenario_map(study, result, basemap=basemap), path, offline=not online)
        written.append(path)
    pair = comparison_results(results)
    if pair is not None:
        before, after = pair
        same = f"{after.area_name}_" if before.area_name == after.area_name else ""
        path = outs.path(
            f"map_{same}{before.base}_vs_{after.base}.html",
            f"{before.label} (left) and {after.label} (right) side by side, with the area "
            "newly covered",
        )
        dual = comparison_map(study, before, after, basemap=basemap)
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
    planner=None,
) -> list[dict]:
    """Write a run's tables, layers, maps, simulation, planner's page (``planner``, an
    :class:`heartgeo.report.plan.EarlyPlanner`), ``index.html`` and ``summary.json`` into
    ``out_dir`` as one set (:class:`heartgeo.io.outputs.OutputSet`); return the page checks.
    """
    with (
        progress.step(f"Writing outputs to {out_dir}"),
        OutputSet(out_dir, warn=progress.warn, inputs=study.inputs.values()) as outs,
        ThreadPoolExecutor(max_workers=1) as pool,
    ):
        drawn = _start_pages(pool, outs, study, results, maps, basemap, online, planner)
        for result in results:
            write_scenario(outs, study, result, tables=coverage, isochrones=isochrones)
        if coverage and any(r.tables for r in results):
            outs.text(
                "coverage_hours.html",
                hours_page(study, results),
                "coverage by hour of the week: a weekday x hour heatmap per scenario",
            )
        if coverage:
            write_layers(outs, study, results)
            outs.csv(
                "population_tracts.csv",
                study.demand.tracts,
                "per census tract: population, people inside the city before and after the "
                "reconciliation with the city's count, outside, weighting method",
            )
        if simulations:
            write_simulation_files(outs, study, simulations)
        pages = drawn.result() if drawn is not None else []
        if planner is not None:
            planner.write(outs, results)
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


def _start_pages(pool, outs, study, results, maps, basemap, online, planner):
    """Start writing the maps on ``pool`` (return the future; None without ``maps``) and, if
    no scenario started it, the planner's page: much of their time is GEOS work that
    leaves a core free while the tables are written.
    """
    if planner is not None:
        planner.start(results)
    if not maps:
        return None
    return pool.submit(write_maps, outs, study, results, basemap=basemap, online=online)


def write_simulation_files(outs: OutputSet, study: Study, runs: list[SimulationRun]) -> None:
    """The simulation's tables and page into ``outs`` (``simulate`` and ``report``)."""
    for run in runs:
        outs.csv(
            f"simulation_{run.scenario}.csv",
            run.main.hours.assign(scenario=run.scenario, travel_model=study.model.name),
            f"{run.scenario}: simulated calls per hour of the week: answered, within each "
            "band, drive and response medians, team utilisation, each outcome's share",
        )
        if run.beats is not None:
            outs.csv(
                f"simulation_{run.scenario}_beats.csv",
                run.beats.assign(scenario=run.scenario, travel_model=study.model.name),
                f"{run.scenario}: simulated calls per police beat and each outcome's share",
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


def write_simulation(
    out_dir: Path, study: Study, runs: list[SimulationRun], progress: Progress = QUIET
) -> None:
    """Write the simulation's tables, page and ``simulation_summary.json`` as one set."""
    with (
        progress.step(f"Writing outputs to {out_dir}"),
        OutputSet(out_dir, warn=progress.warn, inputs=study.inputs.values()) as outs,
    ):
        write_simulation_files(outs, study, runs)
        outs.json(
            "simulation_summary.json",
            simulation_manifest(study, runs, outs.records()),
            "simulation manifest: workload and its sources, hours, figures, teams curve",
        )
