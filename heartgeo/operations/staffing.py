"""Staffing under a budget: the shifts, and the sites they start from, that answer the
most eligible calls within the response standard for a weekly budget of team-hours.

The estimate (the optimiser's objective)
----------------------------------------
Hour by hour of the week, with ``n_s`` teams on duty at site ``s`` (``N`` in all):

- the offered load is ``a = lambda x m / 60`` Erlangs: ``lambda`` calls an hour in the
  area, ``m`` the mean minutes a call takes a team (dispatch, time on scene, and the drive
  there and back from the nearest site with a team on duty);
- a share ``B(N, a)`` of the calls finds every team busy (Erlang-B; Erlang 1917), and
  each team is busy a share ``q = a (1 - B) / N`` of the hour (its carried load);
- a call from point ``p`` is answered within the standard when one of the ``k_p`` teams
  that reach it in time (drive <= standard - dispatch) is free: ``1 - q ** k_p``, teams
  being busy independently -- the expected covering model MEXCLP (Daskin 1983,
  *Transportation Science* 17(1):48-70), with ``q`` from Erlang-B instead of given.

Calls answered within the standard a week = ``sum_h lambda_h sum_p w_p (1 - q_h ** k_ph)``.
Hours are independent of each other given the teams on duty, so a shift's gain is the sum
of its hours' gains: every (site, shift) pair is scored by one product of a (sites x 168)
table of hourly gains with the (168 x shifts) table of the shifts' hours.

The optimiser (a heuristic)
---------------------------
Greedy by gain per team-hour among the shifts that fit the budget left; then interchange
(Teitz and Bart 1968, *Operations Research* 16(5)): each chosen shift is replaced by the
best one that fits while the estimate improves; then what is left of the budget is filled
greedily. The tests compare it with exhaustive search on small instances. The estimate
ranks schedules; the simulation (:mod:`heartgeo.analysis.simulation`) measures them.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np

from heartgeo.analysis.workload import Workload, erlang_b
from heartgeo.errors import InputError
from heartgeo.io.hours import WEEK_MIN
from heartgeo.io.shifts import Shift

#: The schedules a budget is compared with.
DAILY_08_20 = "daily 08:00-20:00"
ALWAYS = "24/7"
#: The best first shifts (by gain, and by gain per team-hour) each starting a greedy.
FIRST_PICKS = 6
#: The best greedy schedules improved by local search.
LOCAL_SEARCHES = 4
#: Interchange rounds at most (each round tries to replace every chosen shift once).
MAX_ROUNDS = 20


@dataclass
class StaffProblem:
    """What a schedule is scored on: drive minutes from each site to each demand point,
    the points' weights, calls an hour and the minutes a call takes.

    Attributes
    ----------
    travel_min
        Minutes from each site to each point, shape (S, P); ``inf``: unreachable.
    weights
        Each point's share of the calls, shape (P,), summing to 1.
    calls_per_hour
        The area's calls in each hour of the week, shape (168,).
    minutes_per_call, dispatch_min, standard_min
        Mean minutes on scene, minutes from call to rolling, the response standard.
    """

    travel_min: np.ndarray
    weights: np.ndarray
    calls_per_hour: np.ndarray
    minutes_per_call: float
    dispatch_min: float
    standard_min: float
    _cache: dict = field(default_factory=dict, repr=False)

    @classmethod
    def from_cost_matrix(
        cls, travel_s: np.ndarray, weights: np.ndarray, workload: Workload, standard_min: float
    ) -> StaffProblem:
        """The problem of sites whose drive seconds to the demand points are ``travel_s``
        (S, P; ``nan`` or ``inf``: unreachable), the points' ``weights`` and a workload.
        """
        travel = np.asarray(travel_s, float) / 60.0
        w = np.asarray(weights, float)
        return cls(
            np.where(np.isfinite(travel), travel, np.inf),
            w / w.sum(),
            workload.hourly_rates(),
            workload.minutes_per_call,
            workload.dispatch_min,
            standard_min,
        )

    def __post_init__(self):
        self._cover = (self.travel_min <= self.standard_min - self.dispatch_min).astype(float)

    @property
    def sites(self) -> int:
        """Sites (rows of ``travel_min``)."""
        return len(self.travel_min)

    def hour_value(self, rate: float, teams: tuple[int, ...]) -> float:
        """Calls an hour answered within the standard at ``rate`` calls an hour, with
        ``teams[s]`` teams on duty at site ``s`` (see the module's description).
        """
        return self.hour_figures(rate, teams)[0]

    def hour_figures(self, rate: float, teams: tuple[int, ...]) -> tuple[float, float]:
        """Calls an hour answered within the standard, and answered at all (the calls
        that find a team free: ``rate (1 - B)``), at ``rate`` with ``teams`` on duty.
        """
        key = (rate, teams)
        if key not in self._cache:
            self._cache[key] = self._hour_figures(rate, np.asarray(teams))
        return self._cache[key]

    def _hour_figures(self, rate: float, counts: np.ndarray) -> tuple[float, float]:
        total = int(counts.sum())
        if total == 0 or rate <= 0:
            return 0.0, 0.0
        drive = self.travel_min[counts > 0].min(axis=0)
        ok = np.isfinite(drive)
        w = self.weights
        mean_drive = float((w[ok] * drive[ok]).sum() / w[ok].sum()) if ok.any() else 0.0
        load = rate * (self.dispatch_min + self.minutes_per_call + 2 * mean_drive) / 60.0
        loss = erlang_b(total, load)
        busy = min(load * (1.0 - loss) / total, 1.0)
        k = counts @ self._cover
        return rate * float((w * (1.0 - busy**k)).sum()), rate * (1.0 - loss)

    def _distinct_hours(self, duty: np.ndarray) -> tuple[list, np.ndarray]:
        """The distinct (rate, teams at each site) of the week's hours, and each hour's."""
        keys = np.column_stack([self.calls_per_hour, duty])
        distinct, inverse = np.unique(keys, axis=0, return_inverse=True)
        rows = [(float(r[0]), tuple(int(v) for v in r[1:])) for r in distinct]
        return rows, inverse.ravel()

    def week(self, duty: np.ndarray) -> tuple[float, float, float]:
        """With ``duty[h, s]`` teams on duty at site ``s`` in hour ``h`` (shape (168, S)):
        calls a week answered within the standard, calls a week answered at all, and the
        share of the calls in hours with a team on duty that find every team busy
        (Erlang-B, hour by hour; 0 when no team is ever on duty).
        """
        rows, hour = self._distinct_hours(duty)
        figures = np.array([self.hour_figures(rate, teams) for rate, teams in rows])[hour]
        within, answered = float(figures[:, 0].sum()), float(figures[:, 1].sum())
        offered = float(self.calls_per_hour[duty.sum(axis=1) > 0].sum())
        return within, answered, (1.0 - answered / offered if offered > 0 else 0.0)

    def value(self, duty: np.ndarray) -> float:
        """Calls a week answered within the standard (see :meth:`week`)."""
        return self.week(duty)[0]

    def busy_share(self, duty: np.ndarray) -> float:
        """The share of on-duty calls that find every team busy (see :meth:`week`)."""
        return self.week(duty)[2]

    def answered(self, duty: np.ndarray) -> float:
        """Calls a week answered at all, a team on duty and free (see :meth:`week`)."""
        return self.week(duty)[1]

    def gains(self, duty: np.ndarray) -> np.ndarray:
        """The gain (calls a week within the standard) of one more team at each site in
        each hour, shape (S, 168).
        """
        rows, hour = self._distinct_hours(duty)
        return np.array([self._gain_row(rate, teams) for rate, teams in rows])[hour].T

    def _gain_row(self, rate: float, teams: tuple[int, ...]) -> np.ndarray:
        key = ("gain", rate, teams)
        if key not in self._cache:
            base = self.hour_value(rate, teams)
            self._cache[key] = np.array([
                self.hour_value(rate, teams[:s] + (teams[s] + 1,) + teams[s + 1 :]) - base
                for s in range(self.sites)
            ])  # fmt: skip
        return self._cache[key]


def duty_table(sites: int, teams) -> np.ndarray:
    """Teams on duty at each site in each hour, shape (168, sites), from ``(site, on duty
    in each hour)`` pairs (one per team).
    """
    out = np.zeros((168, sites), dtype=np.int64)
    for s, by_hour in teams:
        out[:, s] += np.asarray(by_hour, dtype=np.int64)
    return out


@dataclass
class Schedule:
    """Teams, each a site (row of the problem) and a shift; its estimated calls a week
    within the standard.
    """

    teams: list[tuple[int, Shift]]
    estimate: float = 0.0

    @property
    def team_hours(self) -> float:
        """Team-hours a week."""
        return float(sum(shift.team_hours for _, shift in self.teams))

    def duty(self, sites: int) -> np.ndarray:
        """Teams on duty at each site in each hour, shape (168, sites) (the estimate's)."""
        return duty_table(sites, ((s, shift.by_hour) for s, shift in self.teams))

    def masks(self) -> tuple[np.ndarray, np.ndarray]:
        """Each team's site, shape (T,), and duty over the minutes of the week (T, 10080)."""
        sites = np.array([s for s, _ in self.teams], dtype=np.int64)
        masks = np.array([shift.minutes for _, shift in self.teams], dtype=bool)
        return sites, masks.reshape(len(self.teams), WEEK_MIN)


def optimise(problem: StaffProblem, menu: list[Shift], budget: float) -> Schedule:
    """The schedule of at most ``budget`` team-hours a week with the most calls answered
    within the standard by the estimate: greedy from several starts, then local search
    (interchange; drop one or two shifts and refill) on the best :data:`LOCAL_SEARCHES`
    greedy schedules (see the module's description).

    Raises
    ------
    InputError
        A budget below 0, or an empty menu.
    """
    if not budget >= 0:
        raise InputError(f"team_hours {budget}: give hours a week >= 0", param="team_hours")
    if not menu:
        raise InputError("the shift menu is empty: give at least one shift", param="shifts")
    search = _Search(problem, menu, budget)
    best = Schedule([], -1.0)
    filled = {}
    for start, mode in search.starts():
        chosen = search.fill(start, mode)
        filled.setdefault(tuple(sorted(chosen)), (chosen, mode))
    ranked = sorted(filled.values(), key=lambda cm: -search.value(cm[0]))
    for chosen, mode in ranked[:LOCAL_SEARCHES]:
        for _ in range(MAX_ROUNDS):
            better = search.interchange(chosen) or search.drop_and_refill(chosen)
            if better is None:
                break
            chosen = search.fill(better, mode)
        schedule = Schedule([(s, menu[c]) for s, c in chosen], search.value(chosen))
        if schedule.estimate > best.estimate + 1e-9:
            best = schedule
    return best


#: The greedy's three starts: the best gain per team-hour, among equal ratios the longer
#: shift (a flat profile makes many equal) or the shorter; and the best gain.
GREEDY_MODES = ("ratio, longer", "ratio, shorter", "gain")


class _Search:
    """The greedy and the local search over (site, shift) pairs of one menu and budget."""

    def __init__(self, problem: StaffProblem, menu: list[Shift], budget: float):
        self.problem, self.budget = problem, budget
        self.hours = np.array([s.by_hour for s in menu], dtype=float)  # (C, 168)
        self.cost = np.array([s.team_hours for s in menu])
        self.memo: dict = {}  # a schedule's value and gains, by its sorted (site, shift)s

    def starts(self) -> list[tuple[list, str]]:
        """Where the greedy starts: empty, by each of :data:`GREEDY_MODES`; and from each
        of the :data:`FIRST_PICKS` best first shifts by gain and by gain per team-hour.
        """
        out: list[tuple[list, str]] = [([], mode) for mode in GREEDY_MODES]
        gain, fits = self.gains([])
        gain = np.where(fits & (gain > 1e-12), gain, -np.inf)
        firsts: list[tuple[int, int]] = []
        for score in (gain, gain / self.cost[None, :]):
            top = np.argsort(-score, axis=None, kind="stable")[:FIRST_PICKS]
            for k in top:
                pick = tuple(int(v) for v in np.unravel_index(int(k), score.shape))
                if np.isfinite(score[pick]) and pick not in firsts:
                    firsts.append(pick)
        return out + [([pick], mode) for pick in firsts for mode in ("ratio, longer", "gain")]

    def duty(self, chosen) -> np.ndarray:
        return duty_table(self.problem.sites, ((s, self.hours[c]) for s, c in chosen))

    def value(self, chosen) -> float:
        key = ("value", *sorted(chosen))
        if key not in self.memo:
            self.memo[key] = self.problem.value(self.duty(chosen))
        return self.memo[key]

    def gains(self, chosen) -> tuple[np.ndarray, np.ndarray]:
        """The gain of adding each (site, shift), shape (S, C), and which ones fit."""
        key = ("gains", *sorted(chosen))
        if key not in self.memo:
            left = self.budget - sum(self.cost[c] for _, c in chosen)
            gain = self.problem.gains(self.duty(chosen)) @ self.hours.T
            self.memo[key] = gain, np.broadcast_to(self.cost[None, :] <= left + 1e-9, gain.shape)
        return self.memo[key]

    def fill(self, chosen: list, mode: str) -> list:
        """Add the best (site, shift) by ``mode`` while one fits and gains."""
        chosen = list(chosen)
        while True:
            gain, fits = self.gains(chosen)
            if mode == "gain":
                score = gain
            else:
                tie = 1e-12 if mode == "ratio, longer" else -1e-12
                score = np.round(gain / self.cost[None, :], 9) + tie * gain
            score = np.where(fits & (gain > 1e-12), score, -np.inf)
            s, c = np.unravel_index(int(np.argmax(score)), score.shape)
            if not np.isfinite(score[s, c]):
                return chosen
            chosen.append((int(s), int(c)))

    def interchange(self, chosen: list) -> list | None:
        """The first replacement of one chosen shift by the best that fits in its place
        and improves the estimate (Teitz and Bart 1968), or None.
        """
        current = self.value(chosen)
        for i in range(len(chosen)):
            rest = chosen[:i] + chosen[i + 1 :]
            gain, fits = self.gains(rest)
            gain = np.where(fits, gain, -np.inf)
            s, c = np.unravel_index(int(np.argmax(gain)), gain.shape)
            if self.value(rest) + gain[s, c] > current * (1 + 1e-9) + 1e-9:
                return [*rest, (int(s), int(c))]
        return None

    def drop_and_refill(self, chosen: list) -> list | None:
        """The first schedule with one or two chosen shifts dropped and the budget
        refilled greedily (each way of :data:`GREEDY_MODES`) that improves the estimate,
        or None: the moves that exchange shifts of different lengths.
        """
        current = self.value(chosen)
        n = len(chosen)
        drops = [(i,) for i in range(n)] + list(itertools.combinations(range(n), 2))
        for drop in drops:
            rest = [x for k, x in enumerate(chosen) if k not in drop]
            for mode in GREEDY_MODES:
                refilled = self.fill(rest, mode)
                if self.value(refilled) > current * (1 + 1e-9) + 1e-9:
                    return refilled
        return None


def exhaustive(problem: StaffProblem, menu: list[Shift], budget: float) -> Schedule:
    """The best schedule by the estimate, by trying every multiset of (site, shift) that
    fits the budget: for tests on small instances (it grows combinatorially).
    """
    items = [(s, c) for s in range(problem.sites) for c in range(len(menu))]
    cost = min(shift.team_hours for shift in menu)
    most = int(budget // cost) if cost > 0 else 0
    best = Schedule([])
    for k in range(1, most + 1):
        for combo in itertools.combinations_with_replacement(items, k):
            if sum(menu[c].team_hours for _, c in combo) > budget + 1e-9:
                continue
            schedule = Schedule([(s, menu[c]) for s, c in combo])
            schedule.estimate = problem.value(schedule.duty(problem.sites))
            if schedule.estimate > best.estimate:
                best = schedule
    return best
