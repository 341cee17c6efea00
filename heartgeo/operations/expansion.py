"""Expansion order: which zone (a police beat, or a district) to add to a service area
next, so that each added team-hour answers the most calls within the response standard.

The model
---------
Demand points ``p`` carry a share ``w_p`` of the city's calls and lie in the start area
(the pilot) or in one zone. A served area ``A`` (the start area and the zones added so
far) receives ``lambda_h W(A)`` calls in hour ``h`` of the week (``W(A)``: its points'
share). Every team works the same shift (the scenario's duty hours) from a candidate
site. Calls answered within the standard, and the share of on-duty calls that find every
team busy, are the estimate of :class:`heartgeo.operations.staffing.StaffProblem`
(expected covering, MEXCLP, Daskin 1983, with each hour's busy share from Erlang-B).

Teams are sized to a grade of service: after a zone is added, teams are added one at a
time, each at the site with the largest estimated gain, until at most ``max_busy`` of
the on-duty calls find every team busy. Teams once placed stay (an expanding programme
hires teams; it does not move the ones it has).

The order (a greedy, stated)
----------------------------
Each step adds the zone with the largest gain in calls a week answered within the
standard per added team-hour, with the teams the grade of service needs, or with one team
more (at the site of the largest gain) when that gains more per team-hour: a zone beyond
the current teams' reach needs a team nearer to it. The gain ranked is the zone's own,
given the teams it ends with: the area's calls within the standard with the zone and those
teams, less the same without the zone (a team's help to the area already served is not
credited to the zone); the sequence's curve gives the totals. A zone the current teams absorb (no team-hours added) and
that gains comes first (its ratio is unbounded), the largest gain first; zones that gain
nothing come last. Ties go to the larger gain in calls answered at all, then the zone's
name. A greedy order is not an optimal sequence (each step is the best next step, given
the ones before): the closing curve shows what it buys.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from heartgeo.analysis.workload import Workload
from heartgeo.errors import InputError
from heartgeo.io.shifts import Shift
from heartgeo.operations.staffing import StaffProblem

#: The most teams a served area may need: beyond it the grade of service is out of reach.
MAX_TEAMS = 200


@dataclass
class ExpansionStep:
    """One step of the order: the zone added (None: the start area) and the state after.

    Attributes
    ----------
    zone
        The zone's code (None for step 0, the start area).
    teams
        Teams at each site after the step, shape (S,).
    within, answered
        Calls a week answered within the standard and answered at all (estimate).
    busy_share
        The share of on-duty calls that find every team busy (estimate).
    served
        Which demand points the area serves after the step, shape (P,).
    """

    zone: str | None
    teams: np.ndarray
    within: float
    answered: float
    busy_share: float
    served: np.ndarray


@dataclass
class ExpansionProblem:
    """Drive minutes from candidate sites to the city's demand points, each point's zone
    and share of the calls, the calls an hour, the teams' shift and the grade of service.

    Attributes
    ----------
    travel_s
        Drive seconds from each site to each point, shape (S, P); ``inf``: unreachable.
    weights
        Each point's share of the city's calls, shape (P,).
    zone
        Each point's zone index (into ``zones``), -1 for the start area, -2 for a point
        in no zone (never served), shape (P,).
    zones
        The zones' codes.
    workload
        The city's workload (calls a day in the whole city, the profile, minutes a call).
    standard_min, shift, max_busy
        The response standard, every team's shift, the most on-duty calls that may find
        every team busy.
    """

    travel_s: np.ndarray
    weights: np.ndarray
    zone: np.ndarray
    zones: list[str]
    workload: Workload
    standard_min: float
    shift: Shift
    max_busy: float

    @classmethod
    def from_cost_matrix(
        cls,
        travel_s: np.ndarray,
        weights: np.ndarray,
        zone_of_point: np.ndarray,
        start: np.ndarray,
        workload: Workload,
        standard_min: float,
        shift: Shift,
        max_busy: float,
    ) -> ExpansionProblem:
        """The problem of sites whose drive seconds to the city's demand points are
        ``travel_s`` (S, P; ``nan`` or ``inf``: unreachable), the points' ``weights``,
        their zones (codes; None or "" for none) and which are in the ``start`` area.

        Raises
        ------
        InputError
            ``max_busy`` outside (0, 1), or a start area without demand.
        """
        if not 0 < max_busy < 1:
            raise InputError(
                f"max_busy {max_busy}: give a share of on-duty calls in (0, 1), e.g. 0.05",
                param="max_busy",
            )
        start = np.asarray(start, bool)
        w = np.asarray(weights, float)
        if not w[start].sum() > 0:
            raise InputError("the start area holds no demand: start from another area",
                             param="from")  # fmt: skip
        labels = np.array(["" if z is None else str(z) for z in zone_of_point], dtype=object)
        zones = sorted({z for z in labels[~start] if z})
        index = {z: i for i, z in enumerate(zones)}
        zone = np.array([-1 if s else index.get(z, -2) for z, s in zip(labels, start, strict=True)])
        travel = np.asarray(travel_s, float)
        return cls(np.where(np.isfinite(travel), travel, np.inf), w / w.sum(), zone, zones,
                   workload, standard_min, shift, max_busy)  # fmt: skip

    @property
    def sites(self) -> int:
        """Candidate sites (rows of ``travel_s``)."""
        return len(self.travel_s)

    def served_problem(self, served: np.ndarray) -> StaffProblem:
        """The staffing estimate of the area that serves the points ``served``."""
        share = float(self.weights[served].sum())
        w = self.workload
        return StaffProblem(
            self.travel_s[:, served] / 60.0,
            self.weights[served] / share,
            w.hourly_rates() * share,
            w.minutes_per_call,
            w.dispatch_min,
            self.standard_min,
        )

    def duty(self, teams: np.ndarray) -> np.ndarray:
        """Teams on duty at each site in each hour, shape (168, S)."""
        return np.outer(self.shift.by_hour, teams).astype(np.int64)

    def staff(self, served: np.ndarray, teams: np.ndarray, extra: int = 0) -> ExpansionStep:
        """The area serving ``served`` with ``teams``, ``extra`` teams more, and then the
        teams the grade of service needs (each added at the site of the largest gain).

        Raises
        ------
        InputError
            More than :data:`MAX_TEAMS` teams would be needed.
        """
        problem = self.served_problem(served)
        teams = np.asarray(teams, np.int64).copy()
        for _ in range(extra):
            teams = self._add_team(problem, teams)
        week = problem.week(self.duty(teams))
        while teams.sum() == 0 or week[2] > self.max_busy:
            if teams.sum() >= MAX_TEAMS:
                raise InputError(
                    f"max_busy {self.max_busy}: more than {MAX_TEAMS} teams would be needed; "
                    "give a larger share or fewer calls",
                    param="max_busy",
                )
            teams = self._add_team(problem, teams)
            week = problem.week(self.duty(teams))
        return ExpansionStep(None, teams, *week, served)

    def _add_team(self, problem: StaffProblem, teams: np.ndarray) -> np.ndarray:
        """``teams`` with one more at the site of the largest estimated gain."""
        more = teams[None, :] + np.eye(self.sites, dtype=np.int64)
        gains = [problem.value(self.duty(row)) for row in more]
        return more[int(np.argmax(gains))]


class _Before:
    """The served area before a step, with given teams: calls within the standard and
    answered (memoised per teams), to take from the area with the zone added.
    """

    def __init__(self, problem: ExpansionProblem, served: np.ndarray):
        self.problem, self.estimate, self.memo = problem, problem.served_problem(served), {}

    def __call__(self, teams: np.ndarray) -> tuple[float, float]:
        key = tuple(int(t) for t in teams)
        if key not in self.memo:
            self.memo[key] = self.estimate.week(self.problem.duty(teams))[:2]
        return self.memo[key]


def _score(gain: float, answered: float, added_hours: float) -> tuple:
    """The order's key (larger first): absorbed zones that gain, then gain per added
    team-hour, then zones that gain nothing (see the module's description).
    """
    if gain <= 1e-9:
        return (0, gain, answered)
    if added_hours <= 0:
        return (2, gain, answered)
    return (1, gain / added_hours, answered / added_hours)


def expansion_order(
    problem: ExpansionProblem, report: Callable[[int, str], None] | None = None
) -> list[ExpansionStep]:
    """The start area staffed (step 0), then every zone in the greedy order (see the
    module's description); ``report(step, zone)`` is called after each step.
    """
    served = problem.zone == -1
    steps = [problem.staff(served, np.zeros(problem.sites, np.int64))]
    remaining = list(range(len(problem.zones)))
    hours = problem.shift.team_hours
    while remaining:
        now = steps[-1]
        before = _Before(problem, now.served)
        best, best_key = None, None
        for z in remaining:
            for extra in (0, 1):
                step = problem.staff(now.served | (problem.zone == z), now.teams, extra)
                added = float(step.teams.sum() - now.teams.sum()) * hours
                within, answered = before(step.teams)
                key = _score(step.within - within, step.answered - answered, added)
                if extra and key[0] == 0:
                    continue  # a team more that does not make the zone gain: not offered
                if best_key is None or key > best_key:
                    best, best_key = (z, step), key
        z, step = best
        step.zone = problem.zones[z]
        steps.append(step)
        remaining.remove(z)
        if report is not None:
            report(len(steps) - 1, step.zone)
    return steps
