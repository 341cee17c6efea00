"""``heartgeo staff`` on a prepared study: the schedule of shifts and sites that answers the
most calls within the standard for a weekly budget of team-hours
(:mod:`heartgeo.operations.staffing`), simulated beside the same budget spent as daily
08:00-20:00 shifts and as 24/7 teams, the team-hours 24/7 needs to match it, and the
curve of calls answered within the standard against team-hours.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from heartgeo.analysis.simulation import simulate, summarise
from heartgeo.io.shifts import Shift
from heartgeo.operations.demand import AreaDemand, area_demand
from heartgeo.operations.outcomes import outcome_shares
from heartgeo.operations.simulate import SimulateOptions
from heartgeo.operations.staffing import (
    ALWAYS,
    DAILY_08_20,
    Schedule,
    StaffProblem,
    optimise,
)

#: The most 24/7 teams tried when looking for the team-hours that match the schedule.
MAX_ALWAYS_TEAMS = 40
#: The most budgets on the curve.
CURVE_POINTS = 12
#: Names of the three schedules, in the order outputs give them.
OPTIMISED, DAILY, ALWAYS_NAME = "optimised", "daily 08:00-20:00", "24/7"


@dataclass
class StaffRun:
    """The schedules for one budget, each simulated, and the curve over budgets.

    Attributes
    ----------
    scenario, budget
        The scenario (its area and candidate sites) and the team-hours a week.
    schedules, figures
        Per schedule name (:data:`OPTIMISED`, :data:`DAILY`, :data:`ALWAYS_NAME`): the
        teams, and the simulated figures (``summary`` and ``outcomes``).
    always_needed
        The fewest 24/7 teams whose answered-within-standard share reaches the
        optimised schedule's, with their team-hours (None: not within
        :data:`MAX_ALWAYS_TEAMS`).
    curve
        Per budget and schedule: team-hours used, answered and within-standard shares.
    info
        Workload sources, menu, method.
    """

    scenario: str
    budget: float
    schedules: dict[str, Schedule]
    figures: dict[str, dict]
    always_needed: dict | None
    curve: pd.DataFrame
    info: dict


def _within(figures: dict) -> float:
    return figures["outcomes"]["shares_of_area_calls"]["answered_in_standard"] or 0.0


class _Simulator:
    """Simulates schedules on one area's demand with one seed (the same calls for all)."""

    def __init__(self, demand: AreaDemand, options: SimulateOptions, bands):
        self.demand, self.options, self.bands = demand, options, bands
        self.travel = np.where(np.isnan(demand.travel_s), np.inf, demand.travel_s)

    def __call__(self, schedule: Schedule) -> dict:
        d, o = self.demand, self.options
        if not schedule.teams:
            return {"summary": None, "outcomes": None}
        sites, masks = schedule.masks()
        result = simulate(self.travel, d.weights, sites, masks, d.workload, weeks=o.weeks,
                          seed=o.seed)  # fmt: skip
        return {
            "summary": summarise(result, self.bands),
            "outcomes": outcome_shares(result, o.standard_min, d.share, d.unknown_share),
        }


def staff_scenario(
    study, scenario, units, options: SimulateOptions, budget: float, menu: list[Shift], progress
) -> StaffRun:
    """Choose, simulate and compare schedules of ``budget`` team-hours a week for one
    scenario whose units (candidate sites) are placed and snapped.
    """
    name = scenario.name
    demand = area_demand(study, scenario, units, options, progress)
    problem = StaffProblem.from_cost_matrix(
        demand.travel_s, demand.weights, demand.workload, options.standard_min
    )
    sim = _Simulator(demand, options, study.settings.bands_min)
    menus = {OPTIMISED: menu, DAILY: [Shift.parse(DAILY_08_20)], ALWAYS_NAME: [Shift.parse(ALWAYS)]}
    with progress.step(f"[{name}] Choosing shifts and sites for {budget:g} team-hours a week"):
        schedules = {k: optimise(problem, m, budget) for k, m in menus.items()}
    with progress.step(f"[{name}] Simulating the three schedules ({options.weeks} weeks each)"):
        figures = {k: sim(s) for k, s in schedules.items()}
    with progress.step(f"[{name}] Team-hours that 24/7 teams need to match"):
        needed = _always_needed(problem, menus[ALWAYS_NAME], sim, _within(figures[OPTIMISED]))
    curve = _curve(problem, menus, sim, budget, progress, name, (schedules, figures))
    info = {
        "area": scenario.area,
        "workload": demand.sources,
        "calls_per_day_area": demand.workload.calls_per_day,
        "area_share_of_city_demand": demand.share,
        "standard_min": options.standard_min,
        "menu": [s.hours for s in menu],
        "method": (
            "greedy by estimated gain per team-hour, then interchange (Teitz and Bart 1968), "
            "two starts; estimate: expected covering (MEXCLP, Daskin 1983) with each hour's "
            "busy share from Erlang-B; every schedule then simulated with the same calls"
        ),
    }
    return StaffRun(name, budget, schedules, figures, needed, curve, info)


def _always_needed(problem, menu, sim, target: float) -> dict | None:
    """The fewest 24/7 teams (best sites by the estimate) that reach ``target``."""
    for k in range(1, MAX_ALWAYS_TEAMS + 1):
        schedule = optimise(problem, menu, 168.0 * k)
        figures = sim(schedule)
        if _within(figures) >= target:
            return {"teams": k, "team_hours": schedule.team_hours, "within_standard_share":
                    _within(figures)}  # fmt: skip
    return None


def curve_budgets(budget: float) -> np.ndarray:
    """Team-hours on the curve: multiples of 84 (a daily 12-hour team) up to twice the
    budget (at least 168), at most :data:`CURVE_POINTS` of them, with the budget itself.
    """
    top = max(2 * budget, 168.0)
    steps = np.arange(84.0, top + 1e-9, 84.0)
    if len(steps) > CURVE_POINTS:
        steps = np.unique(np.round(np.linspace(84.0, top, CURVE_POINTS) / 84.0) * 84.0)
    return np.unique(np.r_[steps, budget])


def _curve(problem, menus, sim, budget: float, progress, name: str, done) -> pd.DataFrame:
    """The curve over :func:`curve_budgets`; ``done`` (schedules, figures) is the budget's
    own, reused.
    """
    rows = []
    budgets = curve_budgets(budget)
    with progress.step(f"[{name}] Curve: {len(budgets)} budgets x 3 schedules"):
        for b in budgets:
            for kind, menu in menus.items():
                if b == budget:
                    schedule, fig = done[0][kind], done[1][kind]
                else:
                    schedule = optimise(problem, menu, float(b))
                    fig = sim(schedule) if schedule.teams else None
                if not schedule.teams:
                    continue
                rows.append({
                    "budget_team_hours": float(b),
                    "schedule": kind,
                    "team_hours_used": schedule.team_hours,
                    "teams": len(schedule.teams),
                    "answered_share": fig["summary"]["answered_share"],
                    "within_standard_share": _within(fig),
                    "estimated_within_standard_share": schedule.estimate
                    / problem.calls_per_hour.sum(),
                })  # fmt: skip
    return pd.DataFrame(rows)
