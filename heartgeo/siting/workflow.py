"""``heartgeo site`` as a library call: choose staging sites on a prepared study, build the
planner's curve and the comparison with the current staging, and write the outputs.

>>> study = prepare(Settings(), areas=("citywide",))          # doctest: +SKIP
>>> result = run_siting(study, SiteOptions(objective="mclp", units=4))  # doctest: +SKIP
>>> with OutputSet("maps") as outs:                            # doctest: +SKIP
...     write_site(outs, result)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

from heartgeo.choices import SiteChoices
from heartgeo.errors import InputError
from heartgeo.io.outputs import OutputSet, run_record
from heartgeo.progress import QUIET, Progress
from heartgeo.siting.curve import CoverProblem, mclp_curve
from heartgeo.siting.models import Solution, busy_probability, solve
from heartgeo.siting.planning import PlanningProblem, build_problem, comparison_table, sites_frame
from heartgeo.siting.report import curve_svg, site_report_html
from heartgeo.viz.render import write_html
from heartgeo.viz.site_map import site_map

#: What each objective's value counts.
VALUE_UNITS = {
    "mclp": "people",
    "lscp": "sites",
    "mexclp": "people (expected)",
    "pmedian": "seconds (mean)",
    "pcenter": "seconds (worst)",
}


@dataclass
class SiteOptions(SiteChoices):
    """The choices of a siting run (see ``heartgeo site --help``; the fields are declared
    once in :class:`heartgeo.choices.SiteChoices`).

    Attributes
    ----------
    area
        The study area whose population is served (default: the whole city).
    objective
        ``mclp``, ``lscp``, ``pmedian``, ``pcenter`` or ``mexclp``.
    units
        Number of sites K.
    minutes
        Coverage time T (minutes) of mclp, lscp, mexclp and the planner's curve.
    candidates
        ``fire``, ``nodes`` or a point file.
    candidate_spacing_m
        Spacing (metres) of the road-node candidates.
    fixed
        Sites kept open: a point file, ``city_hall`` or ``default``; None for none.
    target
        lscp's share of the population to cover, in (0, 1].
    busy_q, calls_per_hour, calls_per_day, minutes_per_call
        mexclp's busy probability, given or derived from the workload.
    max_units
        The planner's curve runs K = 1 .. this.
    time_limit_s
        Seconds the MILP solver may use per model.
    candidates_outside
        ``keep`` candidate sites outside the area (serving it from outside) or ``drop``
        them; either way they are listed.
    """

    #: where mexclp's busy probability comes from (recorded in site_summary.json)
    busy_from: str | None = None
    #: the staging map's basemap: ``default``, a tile URL template, or None (offline)
    basemap: str | None = "default"
    #: the bundled scenario whose default sites are today's staging (None: ``area``'s);
    #: set when ``area`` is a focus zone
    current: str | None = None

    def validate(self) -> float:
        """Check the options; return the busy probability q (0 unless one is asked for).

        Raises
        ------
        InputError
            Naming the option and the fix.
        """
        finite_positive = {
            "minutes": self.minutes,
            "candidate_spacing_m": self.candidate_spacing_m,
            "time_limit_s": self.time_limit_s,
        }
        for name, value in finite_positive.items():
            if not (math.isfinite(value) and value > 0):
                raise InputError(f"{name} {value}: give a finite number > 0", param=name)
        for name, value in (("units", self.units), ("max_units", self.max_units)):
            if value < 1:
                raise InputError(f"{name} {value}: give at least 1", param=name)
        if not 0 < self.target <= 1:
            raise InputError(f"target {self.target}: give a share in (0, 1]", param="target")
        wants_q = (
            self.objective == "mexclp" or self.busy_q is not None or self.calls_per_hour is not None
        )
        if not wants_q:
            return 0.0
        if self.busy_q is None and self.calls_per_hour is None:
            raise InputError(
                "mexclp needs busy_q, or calls_per_hour and minutes_per_call (heartgeo site "
                "derives them from the simulation's workload)",
                param=("busy_q", "calls_per_hour", "minutes_per_call"),
            )
        return busy_probability(self.busy_q, self.calls_per_hour, self.minutes_per_call, self.units)


@dataclass
class SiteResult:
    """What a siting run found: the solution, the planner's curve and the comparison."""

    options: SiteOptions
    study: object
    problem: PlanningProblem
    solution: Solution
    busy_q: float
    curve: pd.DataFrame
    units_needed: int | None
    comparison: pd.DataFrame
    chosen: gpd.GeoDataFrame
    notes: list[str]

    @property
    def value_units(self) -> str:
        """What the objective's value counts."""
        return VALUE_UNITS[self.options.objective]


def planners_curve(
    problem: PlanningProblem, seconds: float, max_units: int, time_limit_s: float
) -> pd.DataFrame:
    """Population covered within ``seconds`` against the number of units: the MCLP for
    each K, solved exactly by :func:`heartgeo.siting.curve.mclp_curve`.
    """
    inst = problem.instance()
    cover = CoverProblem.from_cost_matrix(inst.cost, inst.weights, seconds, inst.fixed)
    ks = range(max(1, len(inst.fixed)), min(max_units, inst.n_candidates) + 1)
    rows = [
        {
            "units": p.units,
            "covered": p.value,
            "covered_share": p.value / inst.weights.sum(),
            "optimal": p.optimal,
            "method": p.how,
            "sites": ";".join(problem.sites["id"].iloc[p.sites]),
        }
        for p in mclp_curve(cover, ks, time_limit=time_limit_s)
    ]
    return pd.DataFrame(rows)


def run_siting(study, options: SiteOptions, progress: Progress = QUIET) -> SiteResult:
    """Choose staging sites for ``options.area`` of a prepared study.

    Parameters
    ----------
    study
        A :class:`heartgeo.study.Study` (its travel model gives the cost matrix).
    options
        The siting choices.
    progress
        Progress reporter.

    Returns
    -------
    SiteResult
    """
    q = options.validate()
    o = options
    with progress.step("Travel-time matrix from every site to every demand cell"):
        problem = build_problem(
            study,
            o.area,
            candidates=o.candidates,
            spacing_m=o.candidate_spacing_m,
            fixed=o.fixed,
            progress=progress,
            outside=o.candidates_outside,
            current=o.current,
            baseline=o.baseline,
            staging=o.staging,
        )
    inst = problem.instance()
    seconds = o.minutes * 60.0
    with progress.step(f"Solving {o.objective}"):
        sol = solve(o.objective, inst, units=o.units, seconds=seconds, q=q,
                    target=o.target, time_limit=o.time_limit_s)  # fmt: skip
    with progress.step(f"Planner's curve (mclp, K = 1..{o.max_units})"):
        curve = planners_curve(problem, seconds, o.max_units, o.time_limit_s)
    reach = curve[curve["covered_share"] >= o.target - 1e-9]
    needed = int(reach["units"].iloc[0]) if len(reach) else None
    comparison = comparison_table(problem, sol.sites, seconds, q)
    what = "calls" if getattr(study, "calls", None) is not None else "residents"
    notes = answer_lines(o, comparison, what) + _notes(study, o, problem, inst, sol, q, needed)
    return SiteResult(
        options=o,
        study=study,
        problem=problem,
        solution=sol,
        busy_q=q,
        curve=curve,
        units_needed=needed,
        comparison=comparison,
        chosen=sites_frame(problem, sol.sites, sol.marginal),
        notes=notes,
    )


def _value_text(objective: str, value: float) -> str:
    """An objective's value for a reader: people whole, times in minutes."""
    if objective in ("pmedian", "pcenter"):
        return f"{value / 60:.1f} min ({'mean' if objective == 'pmedian' else 'worst'} drive)"
    if objective == "lscp":
        return f"{value:,.0f} sites"
    return f"{value:,.0f} {VALUE_UNITS[objective]}"


def answer_lines(o: SiteOptions, comparison: pd.DataFrame, what: str) -> list[str]:
    """The answer first: the chosen sites by name, then each staging compared on the
    people (or calls) within ``o.minutes``.
    """
    table = comparison.set_index("staging")
    column = f"covered_within_{o.minutes:g}min"
    chosen = table.loc["optimised"]
    lines = [f"Chosen sites ({o.objective}, {int(chosen['units'])}): {chosen['names']}"]
    parts = []
    for label, row in table.iterrows():
        share = row["covered_share"]
        parts.append(
            f"{label} ({int(row['units'])} site(s)) {row[column]:,.0f} of {row['population']:,.0f}"
            f" {what} ({100 * share:.1f} %)"
            if share == share and share is not None
            else f"{label}: n/a"
        )
    lines.append(f"Within {o.minutes:g} min: " + "; ".join(parts))
    return lines


def _notes(study, o: SiteOptions, problem, inst, sol, q: float, needed: int | None) -> list[str]:
    """The lines ``heartgeo site`` prints after the answer: value and method, model,
    demand, units needed.
    """
    notes = [
        f"Objective {o.objective}: value {_value_text(o.objective, sol.value)}; method "
        f"{sol.method}; "
        + (f"optimality gap {sol.gap:.2%}" if sol.gap is not None else "no bound")
        + ("" if sol.optimal or sol.method.startswith("greedy") else " (time limit reached)"),
        f"{study.model.name} travel model ({study.model.label}); {len(inst.weights)} populated "
        f"demand cells; {inst.n_candidates} candidate sites ({len(inst.fixed)} fixed).",
        f"Demand: {'calls of ' + study.calls.source if getattr(study, 'calls', None) else 'residents'}"
        f"; with no road data (left out, unknown): {problem.unknown_population:,.0f}.",
        f"Units needed to reach {o.target:.0%} within {o.minutes:g} min: "
        + (str(needed) if needed else f"more than {o.max_units} from these candidates"),
    ]
    if o.objective == "mexclp":
        notes.append(
            f"mexclp busy probability q = {q:.3f}"
            + (f": {o.busy_from} / {o.units} units" if o.busy_from else " (given)")
        )
    if problem.dropped:
        notes.append(f"Candidates off the loaded network, left out: {', '.join(problem.dropped)}")
    return notes


def site_summary(result: SiteResult) -> dict:
    """The manifest of a siting run (``site_summary.json``)."""
    o, sol, study = result.options, result.solution, result.study
    record = run_record(study)
    return {
        "heartgeo_version": record.pop("heartgeo_version"),
        "created": record.pop("created"),
        "objective": o.objective,
        "units": o.units,
        "minutes": o.minutes,
        "busy_q": result.busy_q,
        "target": o.target,
        "area": o.area,
        "value": sol.value,
        "value_units": result.value_units,
        "bound": sol.bound,
        "gap": sol.gap,
        "method": sol.method,
        "optimal": sol.optimal,
        "sites": result.chosen.drop(columns="geometry").to_dict(orient="records"),
        "units_needed_for_target": result.units_needed,
        "demand": "calls" if getattr(study, "calls", None) is not None else "residents",
        "busy_q_from": o.busy_from,
        "unknown_population": result.problem.unknown_population,
        "candidates_outside": {
            "policy": o.candidates_outside,
            "sites": result.problem.outside,
        },
        **record,
    }


def reach_polygon(study, sites: gpd.GeoDataFrame, minutes: float, area) -> object:
    """The area within ``minutes`` of any of ``sites`` (EPSG:32119), by the study's model."""
    if len(sites) == 0:
        return None
    units = study.model.place(
        sites[["id", "geometry"]].reset_index(drop=True), study.settings.max_snap_m
    )
    bands, _ = study.model.isochrones(units, (minutes,), area, per_unit=False)
    return bands.geometry.iloc[0]


def set_coverage(result: SiteResult) -> dict:
    """What each set of sites (current, optimised) covers within the chosen minutes: its
    polygon, the demand covered and its share, and each optimised site's marginal
    contribution (for the staging map).
    """
    study, o, problem = result.study, result.options, result.problem
    area = study.area(o.area)
    table = result.comparison.set_index("staging")
    column = f"covered_within_{o.minutes:g}min"
    out: dict = {
        "minutes": o.minutes,
        "unit": "calls" if getattr(study, "calls", None) else "people",
    }
    for key, rows in (
        ("current", problem.rows("current")),
        ("optimised", np.asarray(result.solution.sites)),
    ):
        out[key] = {
            "polygon": reach_polygon(study, problem.sites.iloc[rows], o.minutes, area),
            "covered": float(table.loc[key, column]),
            "share": table.loc[key, "covered_share"],
            "units": len(rows),
        }
    out["optimised"]["marginal"] = [float(v) for v in result.chosen["marginal_contribution"]]
    return out


def write_site(outs: OutputSet, result: SiteResult) -> None:
    """Write a siting run's tables, report page, map and manifest into ``outs``."""
    o = result.options
    chosen = result.chosen
    outs.csv(
        f"sites_{o.objective}.csv",
        pd.DataFrame(chosen.drop(columns="geometry")),
        "chosen sites with their marginal contribution",
    )
    outs.geojson(f"sites_{o.objective}.geojson", chosen, "chosen sites")
    comparison = result.comparison
    if getattr(result.study, "calls", None) is not None:  # the demand is calls, say so
        comparison = comparison.rename(columns={"population": "calls"})
    outs.csv("site_comparison.csv", comparison, "current against optimised staging")
    outs.csv("site_curve.csv", result.curve, "planner's curve: coverage against number of units")
    outs.text(
        "site_report.html",
        site_report_html(
            f"HEART staging plan: {result.study.study_area(o.area).title}, {o.objective}, "
            f"{o.units} site(s)",
            result.comparison,
            result.curve,
            curve_svg(result.curve, o.minutes, o.target),
            result.notes,
            o.minutes,
            "Calls" if getattr(result.study, "calls", None) is not None else "Residents",
        ),
        "comparison, planner's curve (chart) and notes",
    )
    fmap = site_map(
        result.study,
        o.area,
        result.problem,
        np.asarray(result.solution.sites),
        set_coverage(result),
        basemap=o.basemap,
    )
    write_html(fmap, outs.path("map_sites.html", "current and optimised staging sites"))
    outs.json("site_summary.json", site_summary(result), "site optimisation manifest")
