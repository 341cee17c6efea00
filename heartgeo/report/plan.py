"""``heartgeo plan`` (and ``heartgeo report``'s ``planner.html``): the planner's page for a
scenario -- its staging units to start from, candidate sites (fire stations, City Hall, a
``--candidates`` file), the demand and the call workload (:mod:`heartgeo.report.planner_data`).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from heartgeo.errors import InputError
from heartgeo.io.outputs import OutputSet
from heartgeo.io.staging import read_staging
from heartgeo.operations.demand import area_share, demand_points
from heartgeo.operations.simulate import SimulateOptions
from heartgeo.parallel import Background
from heartgeo.progress import QUIET, Progress
from heartgeo.report.planner_data import part_area, planner_payload
from heartgeo.report.run import prepare_study
from heartgeo.settings import Settings
from heartgeo.siting.planning import candidate_sites
from heartgeo.study import Scenario, Study, scenario_units


def planner_candidates(study: Study, scenario: Scenario, units, candidates=None):
    """The sites a planner can switch on: the fire stations, the scenario's units (City
    Hall...) and a ``candidates`` file, each once (by id), in EPSG:32119.
    """
    area = study.area(scenario.area)
    frames = [candidate_sites(study, area, "fire", 0.0)[0], units[["id", "name", "geometry"]]]
    if candidates is not None:
        frames.append(read_staging(candidates, what="candidate sites")[["id", "name", "geometry"]])
    frame = pd.concat([f.to_crs(units.crs)[["id", "name", "geometry"]] for f in frames])
    frame["id"] = frame["id"].astype(str)
    return gpd.GeoDataFrame(frame.drop_duplicates("id"), geometry="geometry", crs=units.crs)


def planner_workload(study: Study, scenario: Scenario, options: SimulateOptions) -> dict:
    """The calls of the page's estimate: the area's calls a day, the hour-of-week profile,
    minutes a call, dispatch, the standard, the default hours, and where they come from.
    """
    workload, sources = options.workload(study.calls, study.boundaries.city)
    _, weights = demand_points(study, scenario.area, study.calls)
    share = area_share(study, scenario.area, study.calls, weights)
    profile = np.ones(168) if workload.profile is None else np.asarray(workload.profile, float)
    return {
        "calls_per_day": workload.calls_per_day * share,
        "profile": [round(float(v), 6) for v in profile],
        "minutes_per_call": workload.minutes_per_call,
        "dispatch_min": workload.dispatch_min,
        "standard_min": options.standard_min,
        "hours": scenario.duty_hours(study.settings.hours).spec,
        "note": sources["hourly_profile"],
        "sources": sources,
    }


def run_plan(
    settings: Settings,
    scenario: Scenario,
    options: SimulateOptions,
    out_dir: Path,
    progress: Progress = QUIET,
    *,
    candidates: str | Path | None = None,
    basemap: str | None = "default",
    prepared: Callable[[Study], None] | None = None,
) -> tuple[Study, dict]:
    """Prepare a study and write ``planner.html`` for ``scenario`` into ``out_dir``."""
    options.workload(None)
    study = prepare_study(settings, (scenario.area, *_areas()), progress, prepared)
    units = scenario_units(study, scenario, progress)[0]
    inputs = [*study.inputs.values(), *([Path(candidates)] if candidates is not None else [])]
    with (
        progress.step(f"Writing the planner's page to {out_dir}"),
        OutputSet(out_dir, warn=progress.warn, inputs=inputs) as outs,
    ):
        data = write_planner(outs, study, scenario, units, options, candidates, basemap)
    return study, data


def _areas() -> tuple[str, ...]:
    from heartgeo.definitions import area_names

    return area_names()


PLANNER_FILE = ("planner.html", "the planner's page: try sites and hours in the browser")


def write_planner(outs: OutputSet, study, scenario, units, options, candidates=None,
                  basemap="default") -> dict:  # fmt: skip
    """``planner.html`` into ``outs``; returns its data."""
    data, html = planner_page(study, scenario, units, options, candidates, basemap)
    outs.text(PLANNER_FILE[0], html, PLANNER_FILE[1])
    return data


def planner_page(study, scenario, units, options, candidates=None, basemap="default"):
    """The planner's page for ``scenario`` starting from ``units``: (its data, its HTML)."""
    from heartgeo.viz.planner_page import planner_html

    cands = planner_candidates(study, scenario, units, candidates)
    data = planner_payload(
        study, scenario, units, cands, planner_workload(study, scenario, options)
    )
    data["outlines"] = outlines(study)
    title = f"HEART staging planner: {scenario.label} ({study.model.short_label})"
    return data, planner_html(data, title, basemap=basemap)


class EarlyPlanner:
    """``heartgeo report``'s ``planner.html``, built on a thread beside the scenarios' work
    (:class:`heartgeo.parallel.Background`): it needs only the study and the units of the
    comparison's second scenario (citywide), so it starts once that scenario's isochrones
    are built (pass :meth:`placed` to :func:`heartgeo.study.run_scenarios`), beside its
    coverage step, and is written with the other outputs (:meth:`write`). Without that
    scenario in the run, the page is built at :meth:`write` for the last scenario. A model
    the page cannot run (fast polygons) gets a warning instead of the page.
    """

    def __init__(self, study: Study, options: SimulateOptions | None, basemap, progress):
        self.study, self.basemap, self.progress = study, basemap, progress
        self.options = options if options is not None else SimulateOptions()
        self._job: Background | None = None

    def placed(self, scenario: Scenario, units: gpd.GeoDataFrame) -> None:
        """Start the page when ``scenario`` is the comparison's second one."""
        from heartgeo.definitions import comparison_pair

        if self._job is None and scenario.base == comparison_pair()[1]:
            self._start(scenario, units)

    def _start(self, scenario: Scenario, units: gpd.GeoDataFrame) -> None:
        self._job = Background(
            lambda p: self._html(scenario, units, p), self.progress, self.study.settings.workers
        )

    def _html(self, scenario, units, progress) -> str | None:
        try:
            return planner_page(self.study, scenario, units, self.options, basemap=self.basemap)[1]
        except InputError as exc:
            progress.warn(f"planner.html is not written: {exc}")
            return None

    def start(self, results) -> None:
        """Start the page for the last of ``results`` if no scenario started it."""
        if self._job is None:
            self._start(results[-1].scenario, results[-1].units)

    def write(self, outs: OutputSet, results) -> None:
        """Wait for the page (its lines are printed now) and write it into ``outs``."""
        self.start(results)
        html = self._job.result(self.progress)
        if html is not None:
            outs.text(PLANNER_FILE[0], html, PLANNER_FILE[1])


def outlines(study) -> dict:
    """The city limit, the pilot area and the districts (lon/lat GeoJSON, simplified to
    about 10 m) drawn under the page's cells.
    """
    from heartgeo.config import LONLAT_CRS

    rows = [("city", "city", study.boundaries.city)]
    pilot = part_area(study)
    if pilot is not None:
        rows.append(("area", pilot.name, pilot.geometry))
    rows += [("district", str(d), g) for d, g in zip(study.boundaries.districts["district"],
                                                      study.boundaries.districts.geometry, strict=True)]  # fmt: skip
    frame = gpd.GeoDataFrame({"kind": [r[0] for r in rows], "name": [r[1] for r in rows]},
                             geometry=[r[2] for r in rows], crs=study.boundaries.districts.crs)  # fmt: skip
    frame["geometry"] = frame.geometry.simplify(10.0)
    return frame.to_crs(LONLAT_CRS).__geo_interface__
