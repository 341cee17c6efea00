"""``heartgeo staff`` as one library call (:func:`run_staff`), its outputs and its lines.

Outputs (one set, written atomically): ``staffing_schedule.csv`` (every team of the three
schedules: site, hours, team-hours), ``staffing_staging.csv`` (the optimised schedule as a
staging file with hours, read unchanged by ``--<scenario>-staging``), ``staffing_curve.csv``
(answered shares against team-hours), ``staffing.html`` (chart, outcome bars, schedule)
and ``staffing_summary.json``.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from pathlib import Path

import geopandas as gpd
import pandas as pd

from heartgeo.config import LONLAT_CRS
from heartgeo.io.outputs import OutputSet, run_record
from heartgeo.io.shifts import read_shifts, shift_menu
from heartgeo.operations.simulate import SimulateOptions
from heartgeo.operations.staff import ALWAYS_NAME, DAILY, OPTIMISED, StaffRun, staff_scenario
from heartgeo.progress import QUIET, Progress
from heartgeo.report.run import prepare_study
from heartgeo.settings import Settings
from heartgeo.study import Scenario, Study, scenario_units


def run_staff(
    settings: Settings,
    scenario: Scenario,
    options: SimulateOptions,
    budget: float,
    out_dir: Path,
    progress: Progress = QUIET,
    *,
    shifts: str | Path | None = None,
    prepared: Callable[[Study], None] | None = None,
) -> tuple[Study, StaffRun, gpd.GeoDataFrame]:
    """Prepare a study, choose the schedule of ``budget`` team-hours a week among the
    scenario's staging sites and the shift menu (``shifts`` file, else
    :func:`heartgeo.operations.staffing.shift_menu`), simulate and write it.
    """
    menu = read_shifts(shifts) if shifts is not None else shift_menu()
    options.workload(None)  # the options are checked before any work
    study = prepare_study(settings, (scenario.area,), progress, prepared)
    units = scenario_units(study, scenario, progress)[0]
    run = staff_scenario(study, scenario, units, options, budget, menu, progress)
    if shifts is not None:
        study.inputs["shifts"] = Path(shifts)
    with (
        progress.step(f"Writing outputs to {out_dir}"),
        OutputSet(out_dir, warn=progress.warn, inputs=study.inputs.values()) as outs,
    ):
        write_staff(outs, study, run, units)
    return study, run, units


def schedule_frame(run: StaffRun, units: gpd.GeoDataFrame) -> pd.DataFrame:
    """Every team of the three schedules: schedule, team, site, lon, lat, hours."""
    lonlat = units.geometry.to_crs(LONLAT_CRS)
    rows = []
    for kind, schedule in run.schedules.items():
        for k, (s, shift) in enumerate(schedule.teams, start=1):
            rows.append({
                "schedule": kind, "team": k, "site_id": units["id"].iloc[s],
                "site_name": units["name"].iloc[s], "lon": round(lonlat.iloc[s].x, 6),
                "lat": round(lonlat.iloc[s].y, 6), "hours": shift.hours,
                "team_hours": shift.team_hours,
            })  # fmt: skip
    return pd.DataFrame(rows)


def staging_frame(schedule: pd.DataFrame) -> pd.DataFrame:
    """The optimised schedule as a staging file: one row (one team) per shift."""
    own = schedule[schedule["schedule"] == OPTIMISED]
    return pd.DataFrame({
        "id": [f"{s}_{k}" for s, k in zip(own["site_id"], own["team"], strict=True)],
        "name": [f"{n} (team {k})" for n, k in zip(own["site_name"], own["team"], strict=True)],
        "lon": own["lon"].to_numpy(), "lat": own["lat"].to_numpy(),
        "hours": own["hours"].to_numpy(),
    })  # fmt: skip


def staff_summary(study: Study, run: StaffRun) -> dict:
    """``staffing_summary.json``'s figures: each schedule's teams, team-hours and simulated
    figures, the 24/7 match, the method and the workload with its sources.
    """
    return {
        "scenario": run.scenario,
        "budget_team_hours": run.budget,
        "travel_model": study.model.name,
        "travel_model_label": study.model.label,
        "schedules": {
            k: {
                "teams": len(s.teams),
                "team_hours": s.team_hours,
                "estimated_within_standard_calls_per_week": s.estimate,
                "hours": [shift.hours for _, shift in s.teams],
                **run.figures[k],
            }
            for k, s in run.schedules.items()
        },  # fmt: skip
        "always_needed": run.always_needed,
        **run.info,
    }


def staff_lines(study: Study, run: StaffRun) -> list[str]:
    """The terminal's lines: each schedule's simulated shares, the 24/7 match."""
    lines = []
    for kind, schedule in run.schedules.items():
        fig = run.figures[kind]
        if fig["outcomes"] is None:
            lines.append(f"{kind}: no team fits in {run.budget:g} team-hours")
            continue
        area = fig["outcomes"]["shares_of_area_calls"]
        lines.append(
            f"{kind}: {len(schedule.teams)} team shift(s), {schedule.team_hours:g} team-hours "
            f"a week: {100 * area['answered_in_standard']:.1f} % of the {run.info['area']} "
            f"area's calls answered within {run.info['standard_min']:g} min, "
            f"{100 * fig['summary']['answered_share']:.1f} % answered; missed "
            f"{100 * area['missed_off_duty']:.1f} % off duty, {100 * area['missed_busy']:.1f} % "
            "busy"
        )
    need = run.always_needed
    lines.append(
        f"24/7 teams need {need['team_hours']:g} team-hours a week ({need['teams']} teams) to "
        f"answer as many within the standard ({100 * need['within_standard_share']:.1f} %)"
        if need
        else "24/7 teams do not reach the optimised schedule's share within 40 teams"
    )
    return lines


def staff_page(study: Study, run: StaffRun, schedule: pd.DataFrame) -> str:
    """``staffing.html``: the curve, the three schedules' outcomes and the schedule."""
    import numpy as np

    from heartgeo.viz.charts import line_chart_svg, page
    from heartgeo.viz.outcomes import outcome_bars_svg

    curve = run.curve
    series = {
        kind: (np.array(c["budget_team_hours"]), np.array(c["within_standard_share"]))
        for kind, c in ((k, curve[curve["schedule"] == k]) for k in (OPTIMISED, DAILY, ALWAYS_NAME))
        if len(c)
    }
    std = run.info["standard_min"]
    chart = line_chart_svg(
        series, f"Calls answered within {std:g} min against team-hours a week "
        f"({study.model.short_label})", "team-hours a week (84: one team, 12 hours a day)",
        f"share answered within {std:g} min",
    )  # fmt: skip
    bars = outcome_bars_svg(
        {k: f["outcomes"]["shares_of_area_calls"] for k, f in run.figures.items() if f["outcomes"]},
        f"Where the {run.info['area']} area's calls end, {run.budget:g} team-hours a week",
    )
    table = schedule.to_html(index=False, escape=True, float_format=lambda v: f"{v:g}")
    table = f'<div style="overflow-x:auto">{table}</div>'  # a narrow window scrolls the table
    notes = [*staff_lines(study, run), f"Method: {run.info['method']}.",
             f"Calls: {run.info['workload']['hourly_profile']}", study.model.label]  # fmt: skip
    title = f"Staffing {run.budget:g} team-hours a week, {escape(run.scenario)}"
    return page(
        f"{title} ({study.model.short_label})",
        [("Calls answered within the standard against team-hours", chart),
         ("Where calls end", bars), ("The schedules", table)],
        notes,
    )  # fmt: skip


def write_staff(outs: OutputSet, study: Study, run: StaffRun, units: gpd.GeoDataFrame) -> None:
    """The staffing outputs into ``outs``."""
    schedule = schedule_frame(run, units)
    outs.csv("staffing_schedule.csv", schedule.assign(travel_model=study.model.name),
             "every team of the optimised, daily 08:00-20:00 and 24/7 schedules")  # fmt: skip
    outs.csv("staffing_staging.csv", staging_frame(schedule),
             "the optimised schedule as a staging file with hours (--<scenario>-staging)")  # fmt: skip
    outs.csv("staffing_curve.csv", run.curve.assign(travel_model=study.model.name),
             "calls answered (within the standard) against team-hours, per schedule")  # fmt: skip
    outs.text("staffing.html", staff_page(study, run, schedule), "staffing page")
    record = run_record(study)
    outs.json("staffing_summary.json", {**staff_summary(study, run), **record,
              "outputs": outs.records()}, "staffing summary")  # fmt: skip
