"""The call simulation on a prepared study: where calls come from, the workload and its
sources, and the discrete-event simulation of calls and busy teams
(:mod:`heartgeo.analysis.simulation`) on the study's travel model.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from heartgeo.analysis.simulation import (
    SimulationResult,
    Workload,
    by_hour,
    simulate,
    summarise,
)
from heartgeo.analysis.workload import erlang_check
from heartgeo.choices import SimulationChoices
from heartgeo.errors import InputError
from heartgeo.io.calls import Calls
from heartgeo.io.hours import DutyHours, default_hours, given_or_default
from heartgeo.io.profile import call_profile
from heartgeo.operations.demand import area_demand, area_share, demand_points
from heartgeo.operations.duty import unit_duty
from heartgeo.operations.outcomes import COST_KEYS, attach_outcomes, police_and_cost


def workload_defaults() -> dict:
    """The bundled workload defaults (calls a day, minutes per call) with their sources."""
    return default_hours()["workload"]


@dataclass
class ScenarioSimulation:
    """A scenario's simulation: its inputs in brief, the figures and the per-hour table."""

    scenario: str
    figures: dict
    hours: pd.DataFrame
    result: SimulationResult


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


#: The teams curve that ``--target`` runs without ``--teams``: 1 .. this many teams.
TARGET_TEAMS = 20
#: The most weeks a simulation runs (ten years), and the largest seed (numpy's 32 bits).
MAX_WEEKS = 520
MAX_SEED = 2**32 - 1


@dataclass
class SimulateOptions(SimulationChoices):
    """The choices of ``heartgeo simulate`` (declared once in
    :class:`heartgeo.choices.SimulationChoices`; None: the bundled default, see
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
    answered_target
        The share of calls to answer whose teams needed are reported (``--target``);
        without ``teams`` the curve then runs 1 .. :data:`TARGET_TEAMS` teams.
    """

    def __post_init__(self):
        for key, most in (("police_minutes_per_call", 1440.0), ("team_cost_per_hour", 1e5),
                          ("police_cost_per_call", 1e6)):  # fmt: skip
            value = getattr(self, key)
            if value is not None and not (math.isfinite(value) and 0 <= value <= most):
                raise InputError(f"{key} {value:g}: give a number from 0 to {most:g}", param=key)
        target = self.answered_target
        if target is not None:
            if not (0 < target <= 1):
                raise InputError(
                    f"answered_target {target}: give a share of calls in (0, 1], e.g. 0.55",
                    param="answered_target",
                )
            if not self.teams:
                self.teams = tuple(range(1, TARGET_TEAMS + 1))

    def _check_size(self, workload: Workload) -> None:
        """Bound the weeks, the seed and the calls drawn, before anything is allocated."""
        if not 1 <= self.weeks <= MAX_WEEKS:
            raise InputError(f"weeks {self.weeks}: give 1 to {MAX_WEEKS}", param="weeks")
        if not 0 <= self.seed <= MAX_SEED:
            raise InputError(f"seed {self.seed}: give 0 to {MAX_SEED}", param="seed")
        if not 0 < self.standard_min <= 1440:
            raise InputError(
                f"standard_min {self.standard_min:g}: give minutes above 0, at most 1440",
                param="standard_min",
            )
        events = workload.calls_per_day * 7 * self.weeks
        if events > self.max_events:
            raise InputError(
                f"max_events: the simulation would draw about {events:,.0f} calls "
                f"({workload.calls_per_day:g} a day for {7 * self.weeks:,} days), more than "
                f"max_events {self.max_events:,} (about {events * 100 / 1e9:.1f} GB): give "
                "fewer weeks or calls a day, or raise max_events",
                param=("max_events", "weeks", "calls_per_day"),
            )

    def workload(self, calls: Calls | None, city=None) -> tuple[Workload, dict]:
        """The city-wide workload and where each of its values comes from; a call file's
        rate counts only its calls inside ``city`` (when given), and says how many it left
        out.
        """
        d = workload_defaults()
        if self.calls_per_day is not None:
            per_day, per_day_src = self.calls_per_day, "given (--calls-per-day)"
        elif calls is not None and calls.days_spanned and calls.days_spanned >= 7:
            inside = calls.inside(city) if city is not None else np.ones(len(calls.weight), bool)
            weight = float(calls.weight[inside].sum())
            per_day = weight / calls.days_spanned
            left = int((~inside).sum())
            per_day_src = (
                f"estimated from {calls.source}: weight {weight:,.0f} over "
                f"{calls.days_spanned:g} days"
                + (f" ({left:,} call(s) outside the city limit left out)" if left else "")
            )
        else:
            per_day = float(d["calls_per_day"])
            per_day_src = (
                f"assumption: {d['calls_per_day_assumption']} ({d['calls_per_day_source']})"
            )
        minutes, minutes_src = given_or_default(self.minutes_per_call, "--minutes-per-call", d)
        dispatch, dispatch_src = given_or_default(self.dispatch_min, "--dispatch-minutes", d)
        profile, profile_src = call_profile(self.call_profile, calls)
        workload = Workload(
            calls_per_day=per_day,
            minutes_per_call=float(minutes),
            service=self.service or d["service_distribution"],
            service_cv=float(self.service_cv if self.service_cv is not None else d["service_cv"]),
            profile=profile,
            max_wait_min=self.max_wait_min,
            dispatch_min=dispatch,
        )
        workload.validate()
        self._check_size(workload)
        sources = {
            "calls_per_day_city": per_day,
            "calls_per_day_source": per_day_src,
            "minutes_per_call": workload.minutes_per_call,
            "minutes_per_call_source": minutes_src,
            "dispatch_minutes": workload.dispatch_min,
            "dispatch_minutes_source": dispatch_src,
            "service": workload.service,
            "service_cv": workload.service_cv if workload.service == "lognormal" else 1.0,
            "max_wait_min": workload.max_wait_min,
            "hourly_profile": profile_src,
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
    #: the scenario's default duty hours
    hours: DutyHours | None = None
    #: outcome shares per police beat (:mod:`heartgeo.operations.outcomes`)
    beats: pd.DataFrame | None = None


def simulate_units(study, scenario, units, options: SimulateOptions, progress) -> SimulationRun:
    """Simulate one scenario (:class:`heartgeo.study.Scenario`) whose units (staging sites)
    are placed and snapped.
    """
    name, area_name = scenario.name, scenario.area
    hours = scenario.duty_hours(study.settings.hours)
    duty, hours_info = unit_duty(units, hours, name)
    demand = area_demand(study, scenario, units, options, progress)
    args = (demand.travel_s, demand.weights, duty, demand.workload)
    main, curve = _simulate_all(name, args, options, study.settings.bands_min, progress)
    needed = teams_needed(curve, options.answered_target)
    info = {
        "area": area_name,
        "answered_target": options.answered_target,
        "teams_needed_for_target": needed,
        "hours": hours_info,
        "workload": demand.sources,
        "calls_per_day_area": demand.workload.calls_per_day,
        "area_share_of_city_demand": demand.share,
        "unknown_demand_share": demand.unknown_share,
        "demand": "calls (call file)" if study.calls is not None else "residents (demand cells)",
        "teams": "one per staging site; a teams curve puts team i on site i mod sites",
        "erlang_b_check": erlang_check(demand.workload, duty, len(units)),
    }
    run = SimulationRun(name, main, curve, info, hours)
    attach_outcomes(run, study, demand.xy, options.standard_min)
    given = {k: getattr(options, k) for k in COST_KEYS}
    info["police_and_cost"] = police_and_cost(run, given, workload_defaults())
    return run


def teams_needed(curve: list[dict], target: float | None) -> int | None:
    """The fewest teams on the curve that answer at least ``target`` of the calls (None:
    no target, or none of the curve's counts reaches it).
    """
    if target is None:
        return None
    reach = [row["teams"] for row in curve if (row["answered_share"] or 0.0) >= target]
    return min(reach) if reach else None


def _simulate_all(name: str, args: tuple, options: SimulateOptions, bands, progress):
    """The scenario's simulation with its own teams, and along the teams curve."""
    workload = args[3]
    with progress.step(
        f"[{name}] Simulating {options.weeks} weeks, {len(args[0])} team(s), "
        f"{workload.calls_per_day:.1f} calls a day"
    ):
        main = simulate_scenario(
            name, *args, weeks=options.weeks, seed=options.seed, bands_min=bands
        )
    curve = []
    if options.teams:
        with progress.step(f"[{name}] Teams curve: {len(options.teams)} team counts"):
            for k in options.teams:
                sim = simulate_scenario(
                    name, *args, teams=k, weeks=options.weeks, seed=options.seed, bands_min=bands
                )
                curve.append({"scenario": name, **sim.figures})
    return main, curve


def mexclp_workload(
    study, area_name: str, calls_per_day: float | None, minutes_per_call: float | None
) -> tuple[float, float, str]:
    """Mexclp's workload from the simulation's: calls per hour in the area (its share of
    the city's calls a day / 24) and minutes per call, with a sentence on their sources.
    """
    workload, sources = SimulateOptions(
        calls_per_day=calls_per_day, minutes_per_call=minutes_per_call
    ).workload(study.calls, study.boundaries.city)
    _, weights = demand_points(study, area_name, study.calls)
    share = area_share(study, area_name, study.calls, weights)
    per_hour = workload.calls_per_day * share / 24.0
    note = (
        f"{per_hour:.2f} calls an hour ({workload.calls_per_day:g} a day in the city x "
        f"{share:.3f}, the {area_name} area's share; {sources['calls_per_day_source']}) x "
        f"{workload.minutes_per_call:g} min per call ({sources['minutes_per_call_source']})"
    )
    return per_hour, workload.minutes_per_call, note
