"""``heartgeo expand`` as one library call (:func:`run_expand`), its outputs and its lines.

Outputs (one set, written atomically): ``expansion_sequence.csv`` (one row per step: the
zone added, the teams and team-hours after it, the estimated and simulated shares of the
city's calls), ``expansion.html`` (the cumulative curves and the sequence),
``map_expansion.html`` (the zones numbered in order) and ``expansion_summary.json``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from heartgeo.io.outputs import OutputSet, run_record
from heartgeo.operations.expand import ExpansionRun, expand_study
from heartgeo.operations.simulate import SimulateOptions
from heartgeo.progress import QUIET, Progress
from heartgeo.report.run import prepare_study
from heartgeo.settings import Settings
from heartgeo.study import Scenario, Study, scenario_units


def run_expand(
    settings: Settings,
    start: Scenario,
    target: Scenario,
    options: SimulateOptions,
    out_dir: Path,
    progress: Progress = QUIET,
    *,
    by: str = "beat",
    max_busy: float = 0.05,
    basemap: str | None = "default",
    prepared: Callable[[Study], None] | None = None,
) -> tuple[Study, ExpansionRun, pd.DataFrame]:
    """Prepare a study, order the zones of ``target``'s area outside ``start``'s (teams on
    ``target``'s hours at its staging sites), simulate each step and write the outputs.
    """
    options.workload(None)  # the options are checked before any work
    study = prepare_study(settings, (start.area, target.area), progress, prepared)
    units = scenario_units(study, target, progress)[0]
    hours = target.duty_hours(settings.hours)
    run = expand_study(study, start, target, units, options, by=by, max_busy=max_busy,
                       hours=hours, progress=progress)  # fmt: skip
    sequence = sequence_frame(run, units)
    with (
        progress.step(f"Writing outputs to {out_dir}"),
        OutputSet(out_dir, warn=progress.warn, inputs=study.inputs.values()) as outs,
    ):
        write_expand(outs, study, run, sequence, units, basemap)
    return study, run, sequence


def _teams_text(units: gpd.GeoDataFrame, teams: np.ndarray) -> str:
    return "; ".join(f"{name} x{int(n)}" for name, n in zip(units["name"], teams, strict=True)
                     if n)  # fmt: skip


def sequence_frame(run: ExpansionRun, units: gpd.GeoDataFrame) -> pd.DataFrame:
    """One row per step (0: the start area): the zone, its share of the city's demand,
    the teams and team-hours after the step, and the estimated and simulated shares.
    """
    problem = run.problem
    city_calls = float(problem.workload.hourly_rates().sum())
    hours = problem.shift.team_hours
    district = dict(zip(run.zones["code"], run.zones["district"], strict=True))
    rows, before = [], None
    for k, (step, sim) in enumerate(zip(run.steps, run.simulated, strict=True)):
        zone = step.zone if step.zone is not None else f"{run.start} area"
        index = problem.zones.index(step.zone) if step.zone is not None else -1
        teams = int(step.teams.sum())
        rows.append({
            "step": k, "zone_kind": run.by if k else "start", "zone": zone,
            "district": district.get(step.zone, ""),
            "demand_share_of_city": float(problem.weights[problem.zone == index].sum()),
            "teams": teams, "team_hours": teams * hours,
            "added_team_hours": (teams - int(before.teams.sum())) * hours if k else teams * hours,
            "gain_within_standard_calls_per_week": step.within - (before.within if k else 0.0),
            "estimated_within_standard_share": step.within / city_calls,
            "estimated_answered_share": step.answered / city_calls,
            "estimated_busy_share": step.busy_share,
            "simulated_within_standard_share": sim["within_standard_share"],
            "simulated_answered_share": sim["answered_share"],
            "simulated_busy_share": sim["busy_share"],
            "teams_by_site": _teams_text(units, step.teams),
        })  # fmt: skip
        before = step
    return pd.DataFrame(rows)


def expand_summary(study: Study, run: ExpansionRun, sequence: pd.DataFrame) -> dict:
    """``expansion_summary.json``'s figures: the order, the start and the end, the method."""
    last = sequence.iloc[-1]
    return {
        "start": run.start,
        "target": run.target,
        "by": run.by,
        "order": list(sequence["zone"].iloc[1:]),
        "start_step": sequence.iloc[0].to_dict(),
        "end_step": last.to_dict(),
        "travel_model": study.model.name,
        "travel_model_label": study.model.label,
        **run.info,
    }


def expand_lines(study: Study, run: ExpansionRun, sequence: pd.DataFrame) -> list[str]:
    """The terminal's lines: the start, the first zones in order, the end."""
    std = run.info["standard_min"]

    def state(row) -> str:
        return (f"{row['teams']} team(s), {row['team_hours']:g} team-hours a week: "
                f"{100 * row['simulated_within_standard_share']:.1f} % of the city's calls "
                f"within {std:g} min, {100 * row['simulated_answered_share']:.1f} % answered "
                "(simulated)")  # fmt: skip

    first, last = sequence.iloc[0], sequence.iloc[-1]
    order = ", ".join(str(z) for z in sequence["zone"].iloc[1:11])
    more = f" ... ({len(sequence) - 1} in all)" if len(sequence) > 11 else ""
    unknown = run.info["demand_without_road_data_share"]
    lines = [
        f"start, the {run.start} area: {state(first)}",
        f"{run.by}s in order: {order}{more}",
        f"all {len(sequence) - 1} {run.by}s added: {state(last)}",
        f"teams work {run.info['hours']['hours']} ({run.info['hours']['assumption']}); sized "
        f"so that at most {100 * run.info['max_busy_share']:g} % of on-duty calls find every "
        "team busy (an assumption, --max-busy)",
    ]
    if unknown > 0:
        lines.append(f"the city's calls here are those from the part with road data: "
                     f"{100 * unknown:.1f} % of the demand has none and is left out")  # fmt: skip
    return lines


def expand_page(study: Study, run: ExpansionRun, sequence: pd.DataFrame) -> str:
    """``expansion.html``: the cumulative curves, then the sequence table."""
    from heartgeo.viz.charts import line_chart_svg, page

    std = run.info["standard_min"]
    step = sequence["step"].to_numpy(float)
    curves = {
        f"within {std:g} min (simulated)": (step, sequence["simulated_within_standard_share"]),
        f"within {std:g} min (estimate)": (step, sequence["estimated_within_standard_share"]),
        "answered (simulated)": (step, sequence["simulated_answered_share"]),
    }
    chart = line_chart_svg(
        {k: (x, np.asarray(y, float)) for k, (x, y) in curves.items()},
        f"The city's calls answered as {run.by}s are added ({study.model.short_label})",
        f"{run.by}s added (0: the {run.start} area)", "share of the city's calls",
        width=760,
    )  # fmt: skip
    hours = line_chart_svg(
        {"team-hours a week": (step, sequence["team_hours"].to_numpy(float)
                               / max(sequence["team_hours"].max(), 1.0))},
        f"Team-hours a week as {run.by}s are added, as a share of the last "
        f"({sequence['team_hours'].iloc[-1]:g})", f"{run.by}s added", "share of the last",
        width=760,
    )  # fmt: skip
    shown = sequence.drop(columns=["zone_kind"]).copy()
    for col in [c for c in shown if c.endswith("_share")]:
        shown[col] = (100 * shown[col]).round(1)
    table = shown.rename(columns=lambda c: c.replace("_share", " %")).to_html(
        index=False, escape=True, float_format=lambda v: f"{v:.4g}"
    )
    table = f'<div style="overflow-x:auto">{table}</div>'
    notes = [*expand_lines(study, run, sequence), f"Method: {run.info['method']}.",
             f"Calls: {run.info['workload']['hourly_profile']}",
             "The order is a greedy sequence (each step the best next one), not an optimal "
             "one.", study.model.label]  # fmt: skip
    return page(
        f"Expansion order from the {run.start} area ({study.model.short_label})",
        [("Calls answered as the area grows", chart), ("Team-hours as the area grows", hours),
         ("The sequence (map: map_expansion.html)", table)],
        notes,
    )  # fmt: skip


def write_expand(outs: OutputSet, study: Study, run: ExpansionRun, sequence: pd.DataFrame,
                 units: gpd.GeoDataFrame, basemap: str | None) -> None:  # fmt: skip
    """The expansion outputs into ``outs``."""
    from heartgeo.viz.expansion_map import expansion_map
    from heartgeo.viz.render import write_html

    outs.csv("expansion_sequence.csv", sequence.assign(travel_model=study.model.name),
             f"the {run.by}s in the order to add them, with teams and calls answered")  # fmt: skip
    outs.text("expansion.html", expand_page(study, run, sequence), "expansion page")
    path = outs.path("map_expansion.html", f"the {run.by}s numbered in order")
    write_html(expansion_map(study, run, sequence, units, basemap=basemap), path)
    outs.json("expansion_summary.json", {**expand_summary(study, run, sequence),
              **run_record(study), "outputs": outs.records()}, "expansion summary")  # fmt: skip
