"""When and how many: duty hours, call demand and the call simulation on a prepared study.

The pipeline (:mod:`heartgeo.pipeline`) answers *where*: who is within each band of a
unit, every unit always free. This module adds *when* and *how many*:

- :func:`unit_duty` -- each unit's duty hours (its own ``hours``, else the scenario's
  default, a labelled assumption);
- :func:`hours_table` -- coverage for each of the 168 hours of the week, measured once
  per distinct set of units on duty;
- :func:`calls_zone_table` -- coverage of calls (a call file) per zone;
- :func:`simulate_scenario` -- the discrete-event simulation of calls and busy teams
  (:mod:`heartgeo.analysis.simulation`) on the scenario's travel model.

Same rank as the pipeline (the top library layer): it uses duck-typed studies and
results and imports nothing from :mod:`heartgeo.pipeline`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
import shapely

from heartgeo.analysis.coverage import band_label
from heartgeo.analysis.routing import NetworkModel
from heartgeo.analysis.simulation import (
    SimulationResult,
    Workload,
    by_hour,
    erlang_b,
    simulate,
    summarise,
)
from heartgeo.analysis.weekly import DutySets, calls_by_hour, hour_frame
from heartgeo.errors import InputError, shown
from heartgeo.io.calls import Calls
from heartgeo.io.hours import default_hours, parse_hours, scenario_hours


def unit_duty(units, scenario: str, overrides: dict[str, str]) -> tuple[np.ndarray, dict]:
    """Duty masks of a scenario's units, shape (U, 10080), and how they were set.

    A unit's own ``hours`` (a staging file's column; empty: the default) wins over the
    scenario's default (``--hours``, else the bundled assumption).

    Raises
    ------
    InputError
        A unit's hours that do not parse, naming the file and row.
    """
    default = scenario_hours(scenario, overrides)
    try:
        default_mask = parse_hours(default["hours"])
    except InputError as exc:
        raise InputError(f"{exc} (the hours of the {scenario} scenario)", param="hours") from None
    own = units["hours"].fillna("").astype(str).to_numpy() if "hours" in units.columns else None
    masks = np.repeat(default_mask[None, :], len(units), axis=0)
    n_own = 0
    if own is not None:
        offset = units.attrs.get("row_offset", 2)
        for i, text in enumerate(own):
            if not text.strip():
                continue
            try:
                masks[i] = parse_hours(text)
            except InputError as exc:
                source = units.attrs.get("source", "staging")
                raise InputError(
                    f"staging file {source}, row {i + offset}: {exc}", param="hours"
                ) from None
            n_own += 1
    info = {
        **default,
        "units_with_own_hours": n_own,
        "unit_hours_per_week": [float(m.sum() / 60) for m in masks],
    }
    return masks, info


def unit_point_seconds(study, units, xy: np.ndarray) -> np.ndarray:
    """Seconds from each unit to each point, shape (U, P), by the study's travel model
    (``nan`` where unknown: outside the network's extent).
    """
    xy = np.asarray(xy, float).reshape(-1, 2)
    if isinstance(study.model, NetworkModel):
        return study.model.cost_matrix(units["node"].to_numpy(), xy)
    return study.model.cost_matrix(np.c_[units.geometry.x, units.geometry.y], xy)


@dataclass
class CallsInArea:
    """The calls of a scenario: those inside its area, and what lies outside."""

    calls: Calls
    outside_count: int
    outside_weight: float


def calls_in_area(calls: Calls, area: shapely.Geometry) -> CallsInArea:
    """The calls inside ``area``; those outside are counted (never dropped silently)."""
    inside = calls.inside(area)
    return CallsInArea(
        calls.subset(inside), int((~inside).sum()), float(calls.weight[~inside].sum())
    )


def calls_zone_table(
    zones: list[tuple[str, str, shapely.Geometry | None]],
    calls: Calls,
    seconds: np.ndarray,
    bands_min: tuple[float, ...],
) -> pd.DataFrame:
    """Calls per zone (weights), those with a known travel time and, per band, those within
    it of the nearest unit (all on duty) and their share; ``calls_gap`` beyond the last.
    """
    x, y = calls.xy[:, 0], calls.xy[:, 1]
    known = ~np.isnan(seconds)
    rows = []
    for kind, name, geom in zones:
        inside = np.ones(len(calls), bool) if geom is None else shapely.intersects_xy(geom, x, y)
        w = calls.weight * inside
        row = {"zone_type": kind, "zone": name, "calls": w.sum(), "calls_known": w[known].sum()}
        for m in bands_min:
            within = w[known & (seconds <= m * 60.0)].sum()
            row[f"calls_within_{band_label(m)}"] = within
            row[f"calls_share_{band_label(m)}"] = within / row["calls"] if row["calls"] else None
        last = row[f"calls_within_{band_label(bands_min[-1])}"]
        row["calls_gap"] = row["calls_known"] - last
        rows.append(row)
    return pd.DataFrame(rows)


def hours_table(
    duty: np.ndarray,
    population_within: Callable[[np.ndarray], np.ndarray],
    population: float,
    known_population: float,
    bands_min: tuple[float, ...],
    calls: tuple[Calls, np.ndarray] | None = None,
) -> tuple[pd.DataFrame, DutySets]:
    """Coverage for each hour of the week.

    Parameters
    ----------
    duty
        Units' duty masks, shape (U, 10080).
    population_within
        For a boolean mask of units on duty, the residents within each band of the
        nearest of them, shape (bands,); called once per distinct set (never for the
        empty set).
    population, known_population
        Residents of the area, and those whose travel time is known.
    bands_min
        The bands (minutes).
    calls
        The area's calls and the seconds from each unit to each, shape (U, C).

    Returns
    -------
    (pandas.DataFrame, DutySets)
        One row per hour: units on duty (mean over the hour), residents within each band
        of an on-duty unit and their share, the gap and unknown residents; with calls,
        the calls in that hour and those within each band.
    """
    sets = DutySets.from_masks(duty)
    per_set = np.zeros((len(sets.sets), len(bands_min)))
    for k, on in enumerate(sets.sets):
        if on.any():
            per_set[k] = population_within(on)
    table = hour_frame()
    table["units_on_duty"] = sets.units_on_duty
    table["population"] = population
    by_hour_pop = sets.hour_share @ per_set  # (168, bands)
    for b, m in enumerate(bands_min):
        lab = band_label(m)
        table[f"population_within_{lab}"] = by_hour_pop[:, b]
        table[f"population_share_{lab}"] = by_hour_pop[:, b] / population if population else None
    table["gap_population"] = known_population - by_hour_pop[:, -1]
    table["unknown_population"] = population - known_population
    if calls is not None:
        area_calls, seconds = calls
        got = calls_by_hour(
            seconds,
            sets,
            area_calls.weight,
            area_calls.minute,
            tuple(m * 60.0 for m in bands_min),
        )
        table["calls"] = got["calls"]
        table["calls_unknown"] = got["unknown"]
        for b, m in enumerate(bands_min):
            lab = band_label(m)
            table[f"calls_within_{lab}"] = got["within"][b]
            with np.errstate(invalid="ignore", divide="ignore"):
                table[f"calls_share_{lab}"] = got["within"][b] / got["calls"]
    return table, sets


def demand_points(study, area_name: str, calls: Calls | None) -> tuple[np.ndarray, np.ndarray]:
    """Where calls come from in an area: the demand cells' representative points weighted
    by their residents inside the area, or, given calls, the call points inside it.
    """
    area = study.area(area_name)
    if calls is not None:
        inside = calls_in_area(calls, area).calls
        return inside.xy, inside.weight
    weights = (
        study.grid.population * study.grid.zone(None if area_name == "citywide" else area).weight
    )
    keep = weights > 0
    return study.demand.points[keep], weights[keep]


def workload_defaults() -> dict:
    """The bundled workload defaults (calls a day, minutes per call) with their sources."""
    return default_hours()["workload"]


def area_share(study, area_name: str, calls: Calls | None, weights: np.ndarray) -> float:
    """The share of the city's calls that arise in an area whose demand is ``weights``
    (from :func:`demand_points`): its share of the city's residents, or of the calls
    inside the city limit.
    """
    if area_name == "citywide":
        return 1.0
    _, w_city = demand_points(study, "citywide", calls)
    return float(weights.sum() / w_city.sum()) if w_city.sum() > 0 else 0.0


@dataclass
class ScenarioSimulation:
    """A scenario's simulation: its inputs in brief, the figures and the per-hour table."""

    scenario: str
    figures: dict
    hours: pd.DataFrame
    result: SimulationResult


def parse_team_counts(text: str) -> tuple[int, ...]:
    """``--teams`` text: ``N``, ``A..B`` or ``A,B,C`` (team counts, each at least 1)."""
    try:
        if ".." in text:
            a, b = (int(v) for v in text.split(".."))
            counts = tuple(range(a, b + 1))
        else:
            counts = tuple(int(v) for v in text.split(","))
    except ValueError:
        counts = ()
    if not counts or min(counts) < 1 or max(counts) > 500:
        raise InputError(
            f"teams {shown(text)}: give a count, a range like 1..8, or a list like 1,2,4 "
            "(each 1 to 500)",
            param="teams",
        )
    return counts


def simulate_scenario(
    scenario: str,
    travel_s: np.ndarray,
    weights: np.ndarray,
    duty: np.ndarray,
    workload: Workload,
    *,
    teams: int | None = None,
    weeks: int = 52,
    seed: int = 0,
    bands_min: tuple[float, ...] = (5, 10, 15),
) -> ScenarioSimulation:
    """Simulate a scenario's teams: one per staging site, or ``teams`` placed on the sites
    in turn (site 1, 2, ..., then 1 again), each with its site's duty hours.

    Parameters
    ----------
    travel_s
        Seconds from each staging site to each demand point, shape (S, P); points whose
        time is unknown must be left out by the caller.
    weights
        Demand of each point.
    duty
        Duty masks of the sites, shape (S, 10080).
    """
    n_sites = len(travel_s)
    n_teams = n_sites if teams is None else teams
    site = np.arange(n_teams) % n_sites
    result = simulate(
        np.where(np.isnan(travel_s), np.inf, travel_s),
        weights,
        site,
        duty[site],
        workload,
        weeks=weeks,
        seed=seed,
    )
    figures = {"scenario": scenario, **summarise(result, bands_min)}
    return ScenarioSimulation(scenario, figures, by_hour(result, bands_min), result)


@dataclass
class SimulateOptions:
    """The choices of ``heartgeo simulate`` (None: the bundled default, see
    :func:`workload_defaults`).

    Attributes
    ----------
    calls_per_day
        Eligible calls a day in the whole city (a scenario gets its area's share); None:
        estimated from a call file's times when they span at least a week, else the
        bundled default.
    minutes_per_call
        Mean minutes on scene per call.
    service, service_cv
        Service-time distribution (``lognormal``, ``exponential``) and its coefficient
        of variation (lognormal).
    max_wait_min
        Minutes a call may wait for a team (0: missed, it goes to police).
    weeks, seed
        Simulated weeks and the random seed.
    teams
        Team counts of the curve (``--teams 1..8``); None: no curve.
    """

    calls_per_day: float | None = None
    minutes_per_call: float | None = None
    service: str | None = None
    service_cv: float | None = None
    max_wait_min: float = 0.0
    weeks: int = 52
    seed: int = 0
    teams: tuple[int, ...] | None = None

    def workload(self, calls: Calls | None) -> tuple[Workload, dict]:
        """The city-wide workload and where each of its values comes from."""
        d = workload_defaults()
        if self.calls_per_day is not None:
            per_day, per_day_src = self.calls_per_day, "given (--calls-per-day)"
        elif calls is not None and calls.days_spanned and calls.days_spanned >= 7:
            per_day = float(calls.weight.sum() / calls.days_spanned)
            per_day_src = (
                f"estimated from {calls.source}: weight {calls.weight.sum():,.0f} over "
                f"{calls.days_spanned:g} days"
            )
        else:
            per_day = float(d["calls_per_day"])
            per_day_src = (
                f"assumption: {d['calls_per_day_assumption']} ({d['calls_per_day_source']})"
            )
        minutes = (
            self.minutes_per_call if self.minutes_per_call is not None else d["minutes_per_call"]
        )
        minutes_src = (
            "given (--minutes-per-call)"
            if self.minutes_per_call is not None
            else f"assumption: {d['minutes_per_call_assumption']} ({d['minutes_per_call_source']})"
        )
        profile = calls.hour_profile() if calls is not None else None
        workload = Workload(
            calls_per_day=per_day,
            minutes_per_call=float(minutes),
            service=self.service or d["service_distribution"],
            service_cv=float(self.service_cv if self.service_cv is not None else d["service_cv"]),
            profile=profile,
            max_wait_min=self.max_wait_min,
        )
        workload.validate()
        if self.weeks < 1:
            raise InputError(f"weeks {self.weeks}: give at least 1", param="weeks")
        sources = {
            "calls_per_day_city": per_day,
            "calls_per_day_source": per_day_src,
            "minutes_per_call": workload.minutes_per_call,
            "minutes_per_call_source": minutes_src,
            "service": workload.service,
            "service_cv": workload.service_cv if workload.service == "lognormal" else 1.0,
            "max_wait_min": workload.max_wait_min,
            "hourly_profile": "from the times of the call file"
            if profile is not None
            else "flat (every hour of the week alike)",
            "weeks": self.weeks,
            "seed": self.seed,
        }
        return workload, sources


@dataclass
class SimulationRun:
    """A scenario's simulations: with its own teams, and along the teams curve."""

    scenario: str
    main: ScenarioSimulation
    curve: list[dict]
    info: dict


def simulate_units(
    study, name: str, area_name: str, units, options: SimulateOptions, progress
) -> SimulationRun:
    """Simulate one scenario whose units (staging sites) are placed and snapped."""
    duty, hours_info = unit_duty(units, name, study.settings.hours)
    workload, sources = options.workload(study.calls)
    xy, weights = demand_points(study, area_name, study.calls)
    share = area_share(study, area_name, study.calls, weights)
    travel = unit_point_seconds(study, units, xy)
    known = ~np.isnan(travel).any(axis=0)
    unknown_share = float(weights[~known].sum() / weights.sum()) if weights.sum() else 0.0
    if unknown_share > 0:
        progress.warn(
            f"[{name}] {100 * unknown_share:.1f} % of the demand has no road data: its calls "
            "are left out of the simulation (the rate is scaled to the known part)"
        )
    if not known.any():
        raise InputError(
            f"the {area_name} area has no demand with a known travel time: use "
            "--travel-model crowfly or load a network that covers it"
        )
    area_workload = replace(
        workload, calls_per_day=workload.calls_per_day * share * (1 - unknown_share)
    )
    bands = study.settings.bands_min
    with progress.step(
        f"[{name}] Simulating {options.weeks} weeks, {len(units)} team(s), "
        f"{area_workload.calls_per_day:.1f} calls a day"
    ):
        main = simulate_scenario(
            name,
            travel[:, known],
            weights[known],
            duty,
            area_workload,
            weeks=options.weeks,
            seed=options.seed,
            bands_min=bands,
        )
    curve = []
    if options.teams:
        with progress.step(f"[{name}] Teams curve: {len(options.teams)} team counts"):
            for k in options.teams:
                sim = simulate_scenario(
                    name,
                    travel[:, known],
                    weights[known],
                    duty,
                    area_workload,
                    teams=k,
                    weeks=options.weeks,
                    seed=options.seed,
                    bands_min=bands,
                )
                curve.append({"scenario": name, **sim.figures})
    info = {
        "area": area_name,
        "hours": hours_info,
        "workload": sources,
        "calls_per_day_area": area_workload.calls_per_day,
        "area_share_of_city_demand": share,
        "unknown_demand_share": unknown_share,
        "demand": "calls (call file)" if study.calls is not None else "residents (demand cells)",
        "teams": "one per staging site; a teams curve puts team i on site i mod sites",
        "erlang_b_check": _erlang_check(area_workload, duty, len(units)),
    }
    return SimulationRun(name, main, curve, info)


def _erlang_check(workload: Workload, duty: np.ndarray, teams: int) -> dict:
    """What Erlang-B predicts for the on-duty hours, ignoring drive times (a lower bound on
    the busy time): offered load and loss probability, for comparison with the simulation.
    """
    on_any = duty.any(axis=0).reshape(168, 60).mean(axis=1)
    rates = workload.hourly_rates()
    on_duty_calls = float((rates * on_any).sum() / rates.sum()) if rates.sum() else 0.0
    load = workload.calls_per_day / 24.0 * workload.minutes_per_call / 60.0
    return {
        "share_of_calls_in_on_duty_hours": on_duty_calls,
        "offered_load_erlangs": load,
        "loss_probability_no_drive": erlang_b(teams, load),
        "answered_upper_bound": on_duty_calls * (1 - erlang_b(teams, load)),
    }


def simulation_line(run: SimulationRun, model_label: str, band: float) -> str:
    """One printed line of a scenario's simulation."""
    f = run.main.figures
    lab = f"within_{band:g}min"
    hours = run.info["hours"]
    assumed = "given" if hours.get("source") == "--hours" else "assumed"
    return (
        f"{run.scenario} ({model_label}; {f['teams']} team(s), {hours['hours']} {assumed}; "
        f"{run.info['calls_per_day_area']:.1f} calls a day): answered {100 * f['answered_share']:.1f} % "
        f"\u00b1 {100 * f['answered_ci95']:.1f}, within {band:g} min {100 * f[lab + '_share']:.1f} % "
        f"\u00b1 {100 * f[lab + '_ci95']:.1f}; drive median "
        + (f"{f['travel_p50_min']:.1f} min" if f["travel_p50_min"] is not None else "n/a")
        + (
            f", team utilisation {100 * f['utilisation']:.0f} %"
            if f["utilisation"] is not None
            else ""
        )
    )


def curve_line(runs: list[SimulationRun], band: float) -> str:
    """``teams on duty -> share answered within 10 min`` per scenario, on one line."""
    lab = f"within_{band:g}min_share"
    parts = []
    for run in runs:
        if run.curve:
            values = ", ".join(f"{r['teams']}: {100 * r[lab]:.1f} %" for r in run.curve)
            parts.append(f"{run.scenario} {values}")
    return f"teams on duty \u2192 calls answered within {band:g} min: " + "; ".join(parts)


def mexclp_workload(
    study, area_name: str, calls_per_day: float | None, minutes_per_call: float | None
) -> tuple[float, float, str]:
    """Mexclp's workload from the simulation's: calls per hour in the area (its share of
    the city's calls a day / 24) and minutes per call, with a sentence on their sources.
    """
    workload, sources = SimulateOptions(
        calls_per_day=calls_per_day, minutes_per_call=minutes_per_call
    ).workload(study.calls)
    _, weights = demand_points(study, area_name, study.calls)
    share = area_share(study, area_name, study.calls, weights)
    per_hour = workload.calls_per_day * share / 24.0
    note = (
        f"{per_hour:.2f} calls an hour ({workload.calls_per_day:g} a day in the city x "
        f"{share:.3f}, the {area_name} area's share; {sources['calls_per_day_source']}) x "
        f"{workload.minutes_per_call:g} min per call ({sources['minutes_per_call_source']})"
    )
    return per_hour, workload.minutes_per_call, note
