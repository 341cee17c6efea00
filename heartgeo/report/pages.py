"""The pages of a run: coverage by hour of the week, the call simulation, and the report
page's content (:class:`heartgeo.viz.report_page.ReportData`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from heartgeo import __version__
from heartgeo.analysis.coverage import band_label, headline_band
from heartgeo.geometry import share_within
from heartgeo.io.outputs import utc_now
from heartgeo.operations import SimulationRun
from heartgeo.report.text import curve_line, headline, hours_line, simulation_line
from heartgeo.study import ScenarioResult, Study
from heartgeo.travel.choice import network_title
from heartgeo.viz.report_page import ReportData


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
            f"{result.label}: share of {'calls' if what == 'calls' else 'residents'} within "
            f"{band:g} min of a unit on duty ({study.model.short_label})",
        )
        sections.append((f"{result.label} ({info.get('hours')})", svg))
        notes.append(
            f"{result.label} hours: {info.get('assumption')} (source: {info.get('source')})"
        )
    return page(f"Coverage by hour of the week ({study.model.short_label})", sections, notes)


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
    if runs:
        sections += outcome_sections(runs)
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


def outcome_sections(runs: list[SimulationRun]) -> list[tuple[str, str]]:
    """Where the calls end: the stacked bar per scenario, then each one's hours."""
    from heartgeo.viz.outcomes import outcome_bars_svg, outcome_hours_svg

    standard = runs[0].info["outcomes"]["standard_min"]
    shares = {run.scenario: run.info["outcomes"]["shares"] for run in runs}
    out = [
        (
            "Where the eligible calls end",
            outcome_bars_svg(
                shares, f"Share of the city's eligible calls (standard: {standard:g} min)"
            ),
        )
    ]
    for run in runs:
        out.append(
            (
                f"{run.scenario}: where the calls end, by hour of the week",
                outcome_hours_svg(
                    run.main.hours, f"{run.scenario}: share of each hour's calls in its area"
                ),
            )
        )
    return out


def _study_assumptions(study: Study) -> list[tuple[str, str]]:
    """The assumptions every report states: pilot area, model, network, population, demand."""
    model, pilot = study.model, study.pilot
    approx = " (an APPROXIMATION: the City never published the beat list)"
    population = "2020 census" if study.settings.population == "census2020" else "ACS 2020-2024"
    scaled = (
        " (tracts straddling the city limit scaled by one factor, "
        f"{study.demand.adjustment['factor']:.3f})"
        if study.boundaries.city_count is not None
        else ""
    )
    return [
        ("Pilot area", pilot.definition + (approx if pilot.approximation else "")),
        ("Travel model", f"{model.label} ({model.chosen_because})"),
        (
            "Road network",
            f"{network_title(Path(study.inputs['network']))}: covers "
            f"{100 * share_within(study.boundaries.city, study.net.extent):.1f} % of the city",
        ),
        (
            "Population",
            f"{population}: {study.demand.cells['population'].sum():,.0f} residents in the city"
            + scaled,
        ),
        (
            "Demand",
            f"calls of {study.calls.source}"
            if study.calls is not None
            else "residents (no call file)",
        ),
    ]


def _scenario_assumptions(results: list[ScenarioResult]) -> list[tuple[str, str]]:
    """Each scenario's hours and staging sites (with those left out)."""
    out = []
    for r in results:
        info = r.hours_info or {}
        out.append(
            (f"Hours ({r.label})", f"{info.get('assumption')} (source: {info.get('source')})")
        )
        names = ", ".join(str(n) for n in r.units["name"])
        left_out = "; left out: " + ", ".join(e["id"] for e in r.excluded) if r.excluded else ""
        out.append(
            (
                f"Staging ({r.label})",
                f"{len(r.units)} site(s) from {r.staging_source}: {names}{left_out}",
            )
        )
    return out


def _simulation_parts(runs: list[SimulationRun] | None):
    """The simulation's assumptions, its figures per scenario and its teams curves."""
    if not runs:
        return [], None, {}
    workload = runs[0].info["workload"]
    assumptions = [
        (
            "Calls a day",
            f"{workload['calls_per_day_city']:g} in the city: {workload['calls_per_day_source']}",
        ),
        (
            "Minutes per call",
            f"{workload['minutes_per_call']:g}: {workload['minutes_per_call_source']}",
        ),
        (
            "Dispatch minutes",
            f"{workload['dispatch_minutes']:g}: {workload['dispatch_minutes_source']}",
        ),
        (
            "Response standard",
            f"{runs[0].info['outcomes']['standard_min']:g} min from the call (--standard; "
            "default 10, an assumption: HEART publishes no response standard)",
        ),
    ]
    simulation = [
        {
            "scenario": run.scenario,
            "figures": run.main.figures,
            "hours": run.main.hours,
            "calls_per_day": run.info["calls_per_day_area"],
            "outcomes": run.info["outcomes"],
        }
        for run in runs
    ]
    return assumptions, simulation, {run.scenario: run.curve for run in runs if run.curve}


def report_data(
    study: Study,
    results: list[ScenarioResult],
    runs: list[SimulationRun] | None,
    files: dict[str, str],
) -> ReportData:
    """The report page's content (:class:`heartgeo.viz.report_page.ReportData`)."""
    results = [r for r in results if r.tables]
    model = study.model
    maps = [(n, d) for n, d in files.items()
            if (n.startswith("map_") and n.endswith(".html")) or n == "planner.html"]  # fmt: skip
    others = [(n, d) for n, d in sorted(files.items()) if (n, d) not in maps]
    others.append(("summary.json", "run manifest: inputs, parameters, versions, headline numbers"))
    sim_assumptions, simulation, curve = _simulation_parts(runs)
    return ReportData(
        title=f"HEART coverage: {' and '.join(r.label for r in results)}",
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
                "name": r.label,
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
        assumptions=_study_assumptions(study) + _scenario_assumptions(results) + sim_assumptions,
        simulation=simulation,
        teams_curve=curve,
    )
