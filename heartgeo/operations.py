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
from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely

from heartgeo.analysis.coverage import band_label
from heartgeo.analysis.routing import NetworkModel
from heartgeo.analysis.simulation import SimulationResult, Workload, by_hour, simulate, summarise
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
    inside = shapely.intersects_xy(area, calls.xy[:, 0], calls.xy[:, 1])
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


def week_shares(table: pd.DataFrame, bands_min: tuple[float, ...]) -> dict:
    """Shares of the week: person-hours within each band over all person-hours (and, with
    calls, the calls answered within each band by a unit on duty at their time).
    """
    out: dict = {"person_hours_share": {}, "hours_with_a_unit_on_duty": 0.0}
    pop = table["population"].sum()
    for m in bands_min:
        lab = band_label(m)
        out["person_hours_share"][lab] = (
            float(table[f"population_within_{lab}"].sum() / pop) if pop else None
        )
        if "calls" in table.columns:
            total = table["calls"].sum()
            out.setdefault("calls_share", {})[lab] = (
                float(table[f"calls_within_{lab}"].sum() / total) if total else None
            )
    out["hours_with_a_unit_on_duty"] = float((table["units_on_duty"] > 0).sum())
    return out


def demand_points(study, area_name: str, calls: Calls | None) -> tuple[np.ndarray, np.ndarray]:
    """Where calls come from in an area: the demand cells' representative points weighted
    by their residents inside the area, or, given calls, the call points inside it.
    """
    area = study.area(area_name)
    if calls is not None:
        inside = calls_in_area(calls, area).calls
        return inside.xy, inside.weight
    cells = study.demand.cells
    pts = cells.geometry.representative_point()
    weights = (
        study.grid.population * study.grid.zone(None if area_name == "citywide" else area).weight
    )
    keep = weights > 0
    return np.c_[pts.x, pts.y][keep], weights[keep]


def workload_defaults() -> dict:
    """The bundled workload defaults (calls a day, minutes per call) with their sources."""
    return default_hours()["workload"]


def area_share(study, area_name: str, calls: Calls | None) -> float:
    """The share of the city's calls that arise in an area: its share of the city's
    residents, or of the calls inside the city limit.
    """
    if area_name == "citywide":
        return 1.0
    _, w_area = demand_points(study, area_name, calls)
    _, w_city = demand_points(study, "citywide", calls)
    return float(w_area.sum() / w_city.sum()) if w_city.sum() > 0 else 0.0


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
