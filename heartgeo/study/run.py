"""Running a scenario on a prepared study: its units, travel times, isochrones, and
coverage, gaps, the unknown area and coverage by hour of the week.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from heartgeo.analysis.coverage import LayerCut, gap_and_unknown
from heartgeo.analysis.weekly import nearest_on_duty
from heartgeo.analysis.zonetable import zone_table
from heartgeo.definitions import comparison_pair
from heartgeo.errors import InputError, OverLimitError
from heartgeo.io.hours import DutyHours
from heartgeo.io.staging import check_in_area, default_staging, read_staging
from heartgeo.operations import (
    CallsInArea,
    calls_in_area,
    calls_zone_table,
    hours_table,
    unit_duty,
)
from heartgeo.parallel import Background, thread_map
from heartgeo.progress import QUIET, Progress
from heartgeo.study.prepared import Study
from heartgeo.study.scenarios import Scenario, StudyArea
from heartgeo.study.zones import (
    equity_table,
    gap_households,
    gap_parts,
    population_within,
    zones_for,
)


@dataclass(eq=False)
class ScenarioResult:
    """Results of one scenario (``tables`` empty when coverage was not measured)."""

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
    #: the scenario run and its default duty hours
    scenario: Scenario | None = None
    hours: DutyHours | None = None

    @property
    def label(self) -> str:
        """The scenario's name for a reader (``District D3, citywide staging``)."""
        return self.scenario.label if self.scenario is not None else self.name

    @property
    def base(self) -> str:
        """The bundled scenario whose defaults it took (its name when not focused)."""
        return self.scenario.base if self.scenario is not None else self.name


def scenario_units(
    study: Study, scenario: Scenario, progress: Progress = QUIET
) -> tuple[gpd.GeoDataFrame, list[dict], str]:
    """Read (or take the default) staging points, check them against the city and snap them.

    Units may stand anywhere in the city: one outside the scenario's area still serves it.
    A user's file is strict: any bad point is refused. The default scenario leaves out, with
    a warning, default sites that the travel model cannot place (off the loaded network).
    """
    area = study.boundaries.city
    settings = study.settings
    if scenario.staging is not None:
        staging = scenario.staging
        units = read_staging(staging, progress)
        source = str(staging)
        if len(units) > settings.unit_limit:
            raise OverLimitError(
                f"staging file {staging} holds {len(units):,} sites, more than unit_limit "
                f"{settings.unit_limit:,}: give fewer sites, or raise unit_limit (memory and "
                "time grow with the units; per-unit outputs stop at per_unit_limit)",
                param=("unit_limit", "per_unit_limit"),
            )
        check_in_area(units, area, "city", source)
        units = study.model.snap(units, settings.max_snap_m, source, progress)
        study.inputs[f"staging_{scenario.name}"] = Path(staging)
        return units, [], source
    return _default_units(study, scenario, area, progress)


def _default_units(study: Study, scenario: Scenario, area, progress: Progress):
    settings = study.settings
    units = default_staging(settings.data_dir, scenario.base, progress)
    source = units.attrs["source"]
    study.inputs.update(units.attrs.get("layers", {}))
    inside = shapely.intersects_xy(area, units.geometry.x, units.geometry.y)
    excluded = [
        {"id": row["id"], "name": row["name"], "reason": "outside the city limit"}
        for _, row in units[~inside].iterrows()
    ]
    units = units[inside]
    _, dist, ok = study.model.locate(np.c_[units.geometry.x, units.geometry.y], settings.max_snap_m)
    for (_, row), d in zip(units[~ok].iterrows(), dist[~ok], strict=True):
        excluded.append(
            {
                "id": row["id"],
                "name": row["name"],
                "reason": f"nearest node of the loaded road network is {d:.0f} m away "
                f"(> {settings.max_snap_m:g} m): outside the network's extent",
            }
        )
    units = study.model.snap(units[ok].copy(), settings.max_snap_m, source, progress)
    for item in excluded:
        progress.warn(
            f"default site {item['id']} left out of the {scenario.name} scenario: {item['reason']}"
        )
    if len(units) == 0:
        raise InputError(
            f"no default staging site of the {scenario.name} scenario lies on the loaded network: "
            "give --staging FILE or load a network that covers them"
        )
    return units.reset_index(drop=True), excluded, source


def run_scenario(
    study: Study,
    scenario: Scenario,
    progress: Progress = QUIET,
    *,
    coverage: bool = True,
    placed: Callable[[Scenario, gpd.GeoDataFrame], None] | None = None,
) -> ScenarioResult:
    """Run one scenario: units, travel times, isochrones, and (unless ``coverage=False``)
    coverage, gaps, the unknown area and coverage by hour of the week.

    Parameters
    ----------
    study
        The prepared study (:func:`heartgeo.study.prepare`).
    scenario
        The scenario: name, area, staging file (or the default sites), hours.
    progress
        Progress reporter.
    coverage
        Also measure coverage (tables, gap, unknown area, hours).
    placed
        Called with the scenario and its snapped units once its travel times and
        isochrones are built: work that needs only the units (the planner's page) then
        runs beside the coverage step, which leaves part of a core free (the isochrones
        use every core).
    """
    settings, name = study.settings, scenario.name
    area = study.study_area(scenario.area)
    units, excluded, source = scenario_units(study, scenario, progress)
    hours = scenario.duty_hours(settings.hours)
    duty, hours_info = unit_duty(units, hours, name)
    with_units = len(units) <= settings.per_unit_limit
    if not with_units:
        progress.info(
            f"  {len(units)} units: per-unit isochrones are left out (more than "
            f"--per-unit-limit {settings.per_unit_limit}); the dissolved bands are complete"
        )
    with progress.step(f"[{name}] Travel times and isochrones for {len(units)} unit(s)"):
        bands, per_unit = study.model.isochrones(
            units, settings.bands_min, area.geometry, per_unit=with_units, workers=settings.workers
        )
        cell_seconds = study.model.unit_times(units, study.demand.points)
    if placed is not None:
        placed(scenario, units)
    result = ScenarioResult(
        name, scenario.area, area.geometry, units, excluded, bands, per_unit, None, None, {},
        cell_seconds / 60.0, source, duty, hours_info, None, scenario, hours,
    )  # fmt: skip
    if coverage:
        measure_coverage(study, result, area, progress)
    return result


def measure_coverage(
    study: Study, result: ScenarioResult, area: StudyArea, progress: Progress = QUIET
) -> None:
    """Fill a scenario's coverage: tables per zone, equity, gap and unknown area, calls,
    and coverage by hour of the week.
    """
    settings, grid, name = study.settings, study.grid, result.name
    with progress.step(f"[{name}] Coverage per area, beat and district"):
        # the cells tile the city and every zone is cut by its own outline, so layers
        # need no clipping to the area: bands already lie inside the known extent
        zones = zones_for(study, area)
        only = grid.cells_touching(zones[0][2])  # the area's cells (None: all)
        # the gap needs only the bands: it is cut beside the zones' tables
        gap_job = Background(lambda _: _gap(study, result, area, only), progress, settings.workers)
        band_cuts: dict[float, LayerCut] = dict(
            zip(
                result.bands["minutes"],
                thread_map(lambda b: grid.layer(b, only), result.bands.geometry, settings.workers),
                strict=True,
            )
        )
        table = zone_table(
            grid, zones, study.known_cut, band_cuts, result.cell_minutes, settings.workers
        )
        equity = equity_table(study, zones[0][2], study.known_cut, band_cuts)
        result.gap, result.unknown, gap_cells, gaps = gap_job.result(progress)
        table, calls_seconds = _calls_coverage(study, result, zones, table, progress)
    with progress.step(f"[{name}] Coverage by hour of the week"):
        row = table.iloc[0]
        hours, sets = hours_table(
            result.duty,
            population_within(study, result.units, area.geometry, zones[0][2], row, progress),
            float(row["population"]),
            float(row["known_population"]),
            settings.bands_min,
            None if result.calls is None else (result.calls.calls, calls_seconds),
        )
        result.hours_info["distinct_sets_on_duty"] = len(sets.sets)
    result.tables = _split_tables(study, table, equity, gap_cells, hours)
    result.tables["gaps"] = gaps


def _gap(study: Study, result: ScenarioResult, area: StudyArea, only):
    """The gap and unknown polygons, the gap cut by the cells (``only``: the area's), and
    the gap's separate parts with their residents.
    """
    gap, unknown = gap_and_unknown(
        area.geometry, study.known(area.geometry), result.bands.geometry.iloc[-1]
    )
    cells = gap_households(study, gap, only)
    return gap, unknown, cells, gap_parts(study, gap, cells)


def _calls_coverage(study: Study, result: ScenarioResult, zones, table, progress: Progress):
    """The zone table with the calls' columns, and the calls' seconds from each unit."""
    if study.calls is None:
        return table, None
    result.calls = calls_in_area(study.calls, result.area)
    if result.calls.outside_count:
        progress.warn(
            f"{result.calls.outside_count:,} call(s) of {study.calls.source} (weight "
            f"{result.calls.outside_weight:,.0f}) lie outside the {result.area_name} area: "
            f"counted in summary.json, not in the {result.name} coverage"
        )
    seconds = study.model.unit_costs(result.units, result.calls.calls.xy)
    nearest = nearest_on_duty(seconds, np.ones(len(result.units), bool))
    calls_table = calls_zone_table(zones, result.calls.calls, nearest, study.settings.bands_min)
    return table.merge(calls_table, on=["zone_type", "zone"], how="left"), seconds


def _split_tables(study: Study, table, equity, gap_cells, hours) -> dict[str, pd.DataFrame]:
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
    return tables


def comparison_results(
    results: list[ScenarioResult],
) -> tuple[ScenarioResult, ScenarioResult] | None:
    """The results drawn side by side (``scenarios.json``'s pair, by the bundled scenario
    each was built from), or None unless both ran.
    """
    by_base = {r.base: r for r in results}
    before, after = comparison_pair()
    if before in by_base and after in by_base:
        return by_base[before], by_base[after]
    return None


def run_scenarios(
    study: Study,
    scenarios: list[Scenario],
    progress: Progress = QUIET,
    *,
    coverage: bool = True,
    placed: Callable[[Scenario, gpd.GeoDataFrame], None] | None = None,
) -> list[ScenarioResult]:
    """Run each scenario on the prepared study, in order (``placed``: see
    :func:`run_scenario`).
    """
    return [run_scenario(study, s, progress, coverage=coverage, placed=placed) for s in scenarios]
