"""Where every eligible call ends: the outcome shares of a scenario's simulation, of the
city's eligible calls, overall, per hour of the week and per police beat.

Outcomes (each call in exactly one; the shares sum to 1):

- ``answered_in_standard``: a team arrives within the response standard (``--standard``,
  minutes from the call's time);
- ``answered_late``: a team arrives, after the standard;
- ``missed_off_duty``: no team is on duty at the call's minute;
- ``missed_busy``: every team on duty is busy (or the call waited past ``--max-wait``);
- ``missed_outside_area``: the call comes from outside the scenario's service area (for
  the pilot, the rest of the city): the area's share of the city's calls is simulated,
  the rest counts here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely

from heartgeo.analysis.simulation import OUTCOMES, SimulationResult, outcome_flags
from heartgeo.analysis.weekly import hour_frame
from heartgeo.io.hours import WEEK_MIN, given_or_default

#: every outcome, in the order outputs give them
ALL_OUTCOMES = (*OUTCOMES, "missed_outside_area")


def outcome_shares(
    result: SimulationResult, standard_min: float, area_share: float, unknown_share: float = 0.0
) -> dict:
    """The outcome shares of the city's eligible calls (sum 1), and of the area's calls.

    ``unknown_share`` is the part of the area's demand without road data, left out of the
    simulation: it counts as ``not_modelled_no_road_data`` (only when above 0).
    """
    flags = outcome_flags(result, standard_min)
    n = len(result.answered)
    modelled = area_share * (1.0 - unknown_share)
    of_area = {k: (float(v.mean()) if n else None) for k, v in flags.items()}
    of_city = {k: (v * modelled if v is not None else None) for k, v in of_area.items()}
    of_city["missed_outside_area"] = 1.0 - area_share
    if unknown_share > 0:
        of_city["not_modelled_no_road_data"] = area_share * unknown_share
    answered = result.answered.sum()
    return {
        "standard_min": standard_min,
        "within_standard_of_answered": (
            float(flags["answered_in_standard"].sum() / answered) if answered else None
        ),
        "shares": of_city,
        "shares_of_area_calls": of_area,
        "area_share_of_city_calls": area_share,
    }


def outcomes_by_hour(result: SimulationResult, standard_min: float) -> pd.DataFrame:
    """Per hour of the week: the area's calls a week and each outcome's share of them."""
    frame = hour_frame()
    hour = ((result.minute % WEEK_MIN) // 60).astype(np.int64)
    calls = np.bincount(hour, minlength=168).astype(float)
    frame["calls_per_week"] = calls / result.weeks
    for name, flags in outcome_flags(result, standard_min).items():
        with np.errstate(invalid="ignore", divide="ignore"):
            frame[f"{name}_share"] = np.bincount(hour, flags, 168) / calls
    return frame


def outcomes_by_beat(
    result: SimulationResult, standard_min: float, beat_of_point: np.ndarray
) -> pd.DataFrame:
    """Per police beat (of each call's demand point): calls a week and outcome shares."""
    beat = np.asarray(beat_of_point, dtype=object)[result.point]
    frame = pd.DataFrame({"beat": beat})
    for name, flags in outcome_flags(result, standard_min).items():
        frame[name] = flags
    table = frame.groupby("beat", sort=True).agg(["sum", "size"])
    out = pd.DataFrame({"beat": table.index.astype(str)})
    size = table[(OUTCOMES[0], "size")].to_numpy(float)
    out["calls_per_week"] = size / result.weeks
    for name in OUTCOMES:
        out[f"{name}_share"] = table[(name, "sum")].to_numpy(float) / size
    minutes = pd.Series(result.response_s / 60.0).where(result.answered)
    by_beat = minutes.groupby(beat)
    for q in (50, 90):
        out[f"response_p{q}_min"] = by_beat.quantile(q / 100).reindex(table.index).to_numpy()
    return out


def zone_of(zones, key: str, xy: np.ndarray) -> np.ndarray:
    """The ``key`` of the zone holding each point (EPSG:32119), the first where zones
    overlap, ``not in any zone`` where none holds it.
    """
    geoms = zones.geometry.to_numpy()
    pi, gi = shapely.STRtree(geoms).query(shapely.points(xy), predicate="intersects")
    out = np.full(len(xy), "not in any zone", dtype=object)
    first = np.unique(pi, return_index=True)[1]
    out[pi[first]] = zones[key].astype(str).to_numpy()[gi[first]]
    return out


def beat_of(beats, xy: np.ndarray) -> np.ndarray:
    """The beat of each point (EPSG:32119), ``not in any beat`` where none holds it."""
    out = zone_of(beats, "beat", xy)
    out[out == "not in any zone"] = "not in any beat"
    return out


def attach_outcomes(run, study, xy: np.ndarray, standard_min: float) -> None:
    """Add a scenario's outcomes to its run (:class:`SimulationRun`): the shares in
    ``info["outcomes"]``, each outcome's share per hour in its per-hour table, and the
    table per beat (``run.beats``). ``xy``: the simulated demand points.
    """
    info, result = run.info, run.main.result
    info["outcomes"] = outcome_shares(
        result, standard_min, info["area_share_of_city_demand"], info["unknown_demand_share"]
    )
    by_hour = outcomes_by_hour(result, standard_min)
    for name in OUTCOMES:
        run.main.hours[f"{name}_share"] = by_hour[f"{name}_share"].to_numpy()
    run.beats = outcomes_by_beat(result, standard_min, beat_of(study.boundaries.beats, xy))


#: the cost parameters: option field -> its flag (whose name is the key of its default in
#: hours_default.json's workload)
COST_KEYS = {
    "police_minutes_per_call": "--police-minutes-per-call",
    "team_cost_per_hour": "--team-cost-per-hour",
    "police_cost_per_call": "--police-cost-per-call",
}
#: weeks in a year
WEEKS_A_YEAR = 365.25 / 7


def police_and_cost(run, given: dict, defaults: dict) -> dict:
    """A scenario's calls answered a year, police hours freed, the teams' cost and the
    cost per answered call, with each parameter's value and source (``given``: values
    from the options, None for the default of ``defaults``).
    """
    params = {
        key: given_or_default(given.get(key), flag, defaults) for key, flag in COST_KEYS.items()
    }
    result, info = run.main.result, run.info
    share = float(result.answered.mean()) if len(result.answered) else 0.0
    answered = share * info["calls_per_day_area"] * 365.25
    team_hours = result.duty_min.sum() / result.weeks / 60.0 * WEEKS_A_YEAR
    cost = team_hours * params["team_cost_per_hour"][0]
    out = {
        "calls_answered_a_year": answered,
        "police_hours_freed_a_year": answered * params["police_minutes_per_call"][0] / 60.0,
        "team_hours_a_year": team_hours,
        "team_cost_a_year": cost,
        "cost_per_answered_call": cost / answered if answered > 0 else None,
        "police_cost_of_those_calls_a_year": answered * params["police_cost_per_call"][0],
    }
    for key, (value, source) in params.items():
        out[key], out[f"{key}_source"] = value, source
    return out


def cost_line(scenario: str, c: dict) -> str:
    """``citywide: 10,800 calls answered a year free about 5,100 police hours; ...``."""
    per_call = c["cost_per_answered_call"]
    return (
        f"{scenario}: {c['calls_answered_a_year']:,.0f} calls answered a year free about "
        f"{c['police_hours_freed_a_year']:,.0f} police hours "
        f"({c['police_minutes_per_call']:g} min a call); teams ${c['team_cost_a_year']:,.0f} a "
        f"year ({c['team_hours_a_year']:,.0f} team-hours at ${c['team_cost_per_hour']:g}), "
        + (f"${per_call:,.0f}" if per_call is not None else "n/a")
        + f" per answered call against ${c['police_cost_per_call']:g} by police "
        "(every value an assumption unless given; see simulation_summary.json)"
    )


def outcome_line(scenario: str, outcomes: dict, area_label: str) -> str:
    """``pilot: of the city's eligible calls, 12.3 % answered within 10 min, ...``."""
    from heartgeo.numbers import percent

    s = outcomes["shares"]
    return (
        f"{scenario}: of the city's eligible calls, {percent(s['answered_in_standard'])} "
        f"answered within {outcomes['standard_min']:g} min, {percent(s['answered_late'])} "
        f"later; missed: {percent(s['missed_off_duty'])} with no team on duty, "
        f"{percent(s['missed_busy'])} with every team busy, "
        f"{percent(s['missed_outside_area'])} outside the {area_label} area; within the "
        f"standard for {percent(outcomes['within_standard_of_answered'])} of answered calls"
    )
