"""Duty hours and coverage over the week: each unit's hours, coverage for each of the
168 hours of the week, and the coverage of calls (a call file) per zone.

Uses duck-typed studies and results (:mod:`heartgeo.study`); imports nothing above it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely

from heartgeo.analysis.coverage import band_label
from heartgeo.analysis.weekly import DutySets, calls_by_hour, hour_frame
from heartgeo.errors import InputError
from heartgeo.io.calls import Calls
from heartgeo.io.hours import DutyHours, parse_hours


def unit_duty(units, default: DutyHours, scenario: str) -> tuple[np.ndarray, dict]:
    """Duty masks of a scenario's units, shape (U, 10080), and how they were set.

    A unit's own ``hours`` (a staging file's column; empty: the default) wins over the
    scenario's ``default`` hours (``--hours``, else the bundled assumption).

    Raises
    ------
    InputError
        A unit's hours that do not parse, naming the file and row.
    """
    try:
        default_mask = parse_hours(default.spec)
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
        **default.as_dict(),
        "units_with_own_hours": n_own,
        "unit_hours_per_week": [float(m.sum() / 60) for m in masks],
    }
    return masks, info


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
        For the distinct sets of units on duty, boolean shape (K, U), the residents
        within each band of the nearest on-duty unit, shape (K, bands); called once, with
        the non-empty sets.
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
    some = sets.sets.any(axis=1)
    if some.any():
        per_set[some] = population_within(sets.sets[some])
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
        _add_calls(table, calls, sets, bands_min)
    return table, sets


def _add_calls(table: pd.DataFrame, calls, sets: DutySets, bands_min) -> None:
    """The calls of each hour and those within each band of an on-duty unit."""
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
