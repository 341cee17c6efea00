"""Whole runs as one library call each: the report (``heartgeo report``, ``coverage``,
``map``, ``isochrones``) and the simulation (``heartgeo simulate``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from heartgeo.io.focus import parse_focus
from heartgeo.io.outputs import OutputSet
from heartgeo.operations import SimulateOptions, SimulationRun, mexclp_workload, simulate_units
from heartgeo.progress import QUIET, Progress
from heartgeo.report.writers import write_run, write_simulation
from heartgeo.settings import Settings
from heartgeo.study import (
    Scenario,
    ScenarioResult,
    Study,
    focused,
    prepare,
    run_scenarios,
    scenario_units,
)

if TYPE_CHECKING:  # the siting workflow (scipy.optimize) loads when a site run starts
    from heartgeo.siting.workflow import SiteOptions, SiteResult


@dataclass
class ReportRun:
    """What a run produced: the study, each scenario's result, the simulations (if run)
    and the checks of the pages in headless Chromium (with ``png``).
    """

    study: Study
    results: list[ScenarioResult]
    simulations: list[SimulationRun] | None
    checks: list[dict]


def prepare_study(settings: Settings, areas, progress: Progress, prepared) -> Study:
    """The study of the run's areas (each once), handed to ``prepared`` (if given) once
    ready: every whole run (report, simulate, staff, expand, plan) starts here.
    """
    study = prepare(settings, progress, areas=tuple(dict.fromkeys(areas)))
    if prepared is not None:
        prepared(study)
    return study


def run_simulations(
    study: Study,
    scenarios: list[Scenario],
    options: SimulateOptions,
    progress: Progress = QUIET,
) -> list[SimulationRun]:
    """Simulate calls and teams for each scenario (see :mod:`heartgeo.analysis.simulation`).

    Parameters
    ----------
    study
        The prepared study.
    scenarios
        The scenarios; each one's staging sites are placed as :func:`heartgeo.study.run_scenario`
        places them.
    options
        Workload, service time, weeks, seed and the teams curve.
    progress
        Progress reporter.
    """
    return [
        simulate_units(study, s, scenario_units(study, s, progress)[0], options, progress)
        for s in scenarios
    ]


def simulate_results(
    study: Study,
    results: list[ScenarioResult],
    options: SimulateOptions,
    progress: Progress = QUIET,
) -> list[SimulationRun]:
    """Simulate calls and teams on the units of scenarios already run (``report``)."""
    return [simulate_units(study, r.scenario, r.units, options, progress) for r in results]


def run_report(
    settings: Settings,
    scenarios: list[Scenario],
    out_dir: Path,
    progress: Progress = QUIET,
    *,
    coverage: bool = True,
    maps: bool = True,
    isochrones: bool = True,
    simulate: SimulateOptions | None = None,
    basemap: str | None = "default",
    png: bool = False,
    online: bool = False,
    prepared: Callable[[Study], None] | None = None,
) -> ReportRun:
    """Prepare a study, run the scenarios on it, simulate (``simulate``) and write it all.

    Parameters
    ----------
    settings
        The run's parameters.
    scenarios
        The scenarios to run (:func:`heartgeo.study.default_scenarios`: pilot and citywide).
    out_dir
        Where the outputs go (written as one set).
    progress
        Progress reporter.
    coverage, maps, isochrones
        What to measure and write: coverage tables, maps and pages, isochrone layers.
    simulate
        Simulate calls and busy teams with these options (None: no simulation).
    basemap, png, online
        The maps' basemap (None: none), a PNG of each page, Leaflet from its CDN.
    prepared
        Called with the prepared study before the scenarios run.

    With ``settings.focus``, every scenario is measured on that zone instead of its area
    (:func:`heartgeo.study.focused`).
    """
    scenarios = focused(scenarios, settings.focus)
    study = prepare_study(settings, [s.area for s in scenarios], progress, prepared)
    planner = _early_planner(study, simulate, basemap, progress) if maps and coverage else None
    placed = getattr(planner, "placed", None)  # the planner's page starts with its units
    results = run_scenarios(study, scenarios, progress, coverage=coverage, placed=placed)
    runs = simulate_results(study, results, simulate, progress) if simulate else None
    checks = write_run(
        out_dir,
        study,
        results,
        progress,
        coverage=coverage,
        isochrones=isochrones,
        maps=maps,
        simulations=runs,
        planner=planner,
        png=png,
        basemap=basemap,
        online=online,
    )
    return ReportRun(study, results, runs, checks)


def _early_planner(study, simulate, basemap, progress):
    from heartgeo.report.plan import EarlyPlanner  # it builds on this module

    return EarlyPlanner(study, simulate, basemap, progress)


def run_simulation(
    settings: Settings,
    scenarios: list[Scenario],
    out_dir: Path,
    options: SimulateOptions,
    progress: Progress = QUIET,
    *,
    prepared: Callable[[Study], None] | None = None,
) -> tuple[Study, list[SimulationRun]]:
    """Prepare a study, simulate each scenario (on ``settings.focus`` if given) and write
    the simulation's outputs.
    """
    scenarios = focused(scenarios, settings.focus)
    study = prepare_study(settings, [s.area for s in scenarios], progress, prepared)
    runs = run_simulations(study, scenarios, options, progress)
    write_simulation(out_dir, study, runs, progress)
    return study, runs


def run_site(
    settings: Settings,
    options: SiteOptions,
    out_dir: Path,
    progress: Progress = QUIET,
    *,
    prepared: Callable[[Study], None] | None = None,
) -> SiteResult:
    """Prepare a study, choose staging sites (:func:`heartgeo.siting.workflow.run_siting`)
    and write the siting outputs.

    For ``mexclp`` without ``busy_q`` or ``calls_per_hour``, the busy probability is
    derived from the simulation's workload (``options.calls_per_day``, else its default) and the
    area's share of the city's demand. The options are checked before any work. With
    ``settings.focus``, the sites serve that zone instead of ``options.area``.
    """
    from heartgeo.siting.workflow import run_siting, write_site

    if settings.focus is not None:
        options.current, options.area = options.area, parse_focus(settings.focus).slug
    derive = options.objective == "mexclp" and options.busy_q is None
    derive = derive and options.calls_per_hour is None
    if not derive:
        options.validate()  # before the study is prepared: a bad option costs nothing
    study = prepare(settings, progress, areas=(options.area,))
    if derive:
        per_hour, minutes, note = mexclp_workload(
            study, options.area, options.calls_per_day, options.minutes_per_call
        )
        options.calls_per_hour, options.minutes_per_call = per_hour, minutes
        options.busy_from = note
        options.validate()
    if prepared is not None:
        prepared(study)
    result = run_siting(study, options, progress)
    files = [options.staging, options.baseline, options.fixed, options.candidates]
    inputs = [*study.inputs.values(), *(f for f in files if f and Path(f).suffix)]
    with OutputSet(out_dir, warn=progress.warn, inputs=inputs) as outs:
        write_site(outs, result)
    return result
