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
from pathlib import Path

import numpy as np
import pandas as pd

from heartgeo.analysis.workload import Workload, erlang_b
from heartgeo.errors import InputError, shown
from heartgeo.io.hours import WEEK_MIN, parse_hours

#: The default shift menu: lengths (hours), start hours and weekday patterns (heartgeo's
#: choice: the 8, 10 and 12-hour shifts of the issue, a start every two hours, every day,
#: weekdays, weekends and the two halves of a four-day week).
SHIFT_LENGTHS = (8, 10, 12)
SHIFT_STARTS = tuple(range(0, 24, 2))
SHIFT_DAYS = ("daily", "Mon-Fri", "Sat,Sun", "Mon-Thu", "Thu-Sun")
#: The schedules a budget is compared with.
DAILY_08_20 = "daily 08:00-20:00"
ALWAYS = "24/7"
#: Interchange rounds at most (each round tries to replace every chosen shift once).
MAX_ROUNDS = 20


@dataclass(frozen=True)
class Shift:
    """One team's weekly hours: ``hours`` in the CLI's hours syntax, its mask over the
    minutes of the week and its team-hours.
    """

    hours: str
    minutes: np.ndarray = field(repr=False, compare=False)

    @classmethod
    def parse(cls, hours: str) -> Shift:
        """The shift of an hours text (:func:`heartgeo.io.hours.parse_hours`)."""
        return cls(hours, parse_hours(hours))

    @property
    def team_hours(self) -> float:
        """Hours on duty a week."""
        return float(self.minutes.sum() / 60.0)

    @property
    def by_hour(self) -> np.ndarray:
        """On duty in each hour of the week (at least half of it), shape (168,)."""
        return self.minutes.reshape(168, 60).mean(axis=1) >= 0.5


def shift_menu(lengths=SHIFT_LENGTHS, starts=SHIFT_STARTS, days=SHIFT_DAYS) -> list[Shift]:
    """The menu of shifts: every length, start hour and weekday pattern."""
    out = []
    for d, start, length in itertools.product(days, starts, lengths):
        end = (start + length) % 24 or 24
        out.append(Shift.parse(f"{d} {start:02d}:00-{end:02d}:00"))
    return out


def read_shifts(path: str | Path) -> list[Shift]:
    """A shift menu from a CSV with a column ``hours`` (one shift per row, in the hours
    syntax of ``--hours``).

    Raises
    ------
    InputError
        Naming the file, the row and the fix.
    """
    path = Path(path)
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as e:
        raise InputError(f"shifts file {path}: cannot be read as CSV ({e})") from None
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    if "hours" not in frame.columns or frame.empty:
        raise InputError(
            f"shifts file {path}: give a column hours with one shift per row, e.g. "
            "'Mon-Fri 08:00-16:00'"
        )
    shifts = []
    for i, text in enumerate(frame["hours"], start=2):
        try:
            shift = Shift.parse(text)
        except InputError as exc:
            raise InputError(f"shifts file {path}, row {i}: {exc}", param="shifts") from None
        if not shift.by_hour.any():
            raise InputError(f"shifts file {path}, row {i}: hours {shown(text)} cover no "
                             "half hour: give a longer shift")  # fmt: skip
        shifts.append(shift)
    return shifts


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
        key = (rate, teams)
        if key not in self._cache:
            self._cache[key] = self._hour_value(rate, np.asarray(teams))
        return self._cache[key]

    def _hour_value(self, rate: float, counts: np.ndarray) -> float:
        total = int(counts.sum())
        if total == 0 or rate <= 0:
            return 0.0
        drive = self.travel_min[counts > 0].min(axis=0)
        ok = np.isfinite(drive)
        w = self.weights
        mean_drive = float((w[ok] * drive[ok]).sum() / w[ok].sum()) if ok.any() else 0.0
        load = rate * (self.dispatch_min + self.minutes_per_call + 2 * mean_drive) / 60.0
        busy = min(load * (1.0 - erlang_b(total, load)) / total, 1.0)
        k = counts @ self._cover
        return rate * float((w * (1.0 - busy**k)).sum())

    def value(self, duty: np.ndarray) -> float:
        """Calls a week answered within the standard with ``duty[h, s]`` teams on duty at
        site ``s`` in hour ``h`` (shape (168, S)).
        """
        rates = self.calls_per_hour
        return sum(self.hour_value(rates[h], tuple(duty[h].tolist())) for h in range(168))

    def gains(self, duty: np.ndarray) -> np.ndarray:
        """The gain (calls a week within the standard) of one more team at each site in
        each hour, shape (S, 168).
        """
        rates = self.calls_per_hour
        out = np.zeros((self.sites, 168))
        for h in range(168):
            row = duty[h].tolist()
            base = self.hour_value(rates[h], tuple(row))
            for s in range(self.sites):
                row[s] += 1
                out[s, h] = self.hour_value(rates[h], tuple(row)) - base
                row[s] -= 1
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
        out = np.zeros((168, sites), dtype=np.int64)
        for s, shift in self.teams:
            out[:, s] += shift.by_hour
        return out

    def masks(self) -> tuple[np.ndarray, np.ndarray]:
        """Each team's site, shape (T,), and duty over the minutes of the week (T, 10080)."""
        sites = np.array([s for s, _ in self.teams], dtype=np.int64)
        masks = np.array([shift.minutes for _, shift in self.teams], dtype=bool)
        return sites, masks.reshape(len(self.teams), WEEK_MIN)


def optimise(problem: StaffProblem, menu: list[Shift], budget: float) -> Schedule:
    """The schedule of at most ``budget`` team-hours a week with the most calls answered
    within the standard by the estimate: greedy, interchange, greedy again (see the
    module's description).

    Raises
    ------
    InputError
        A budget below 0, or an empty menu.
    """
    if not budget >= 0:
        raise InputError(f"team_hours {budget}: give hours a week >= 0", param="team_hours")
    if not menu:
        raise InputError("the shift menu is empty: give at least one shift", param="shifts")
    hours = np.array([s.by_hour for s in menu], dtype=float)  # (C, 168)
    cost = np.array([s.team_hours for s in menu])
    best = Schedule([], -1.0)
    for tie in (1.0, -1.0):  # two starts: among equal ratios, the longer or the shorter shift
        chosen: list[tuple[int, int]] = []
        _fill(problem, hours, cost, budget, chosen, tie)
        for _ in range(MAX_ROUNDS):
            if not _interchange(problem, hours, cost, budget, chosen):
                break
            _fill(problem, hours, cost, budget, chosen, tie)
        schedule = Schedule([(s, menu[c]) for s, c in chosen])
        schedule.estimate = problem.value(schedule.duty(problem.sites))
        if schedule.estimate > best.estimate + 1e-9:
            best = schedule
    return best


def _duty(problem: StaffProblem, hours: np.ndarray, chosen) -> np.ndarray:
    duty = np.zeros((168, problem.sites), dtype=np.int64)
    for s, c in chosen:
        duty[:, s] += hours[c].astype(np.int64)
    return duty


def _best(problem, hours, cost, left: float, duty, tie: float) -> tuple[int, int, float]:
    """The (site, shift) that fits in ``left`` hours with the best gain per team-hour,
    and its gain (0 when none fits or gains); among equal ratios the larger gain
    (``tie`` 1) or the smaller (-1).
    """
    gain = problem.gains(duty) @ hours.T  # (S, C)
    ratio = np.round(gain / cost[None, :], 9) + tie * 1e-12 * gain
    ratio = np.where(cost[None, :] <= left + 1e-9, ratio, -np.inf)
    s, c = np.unravel_index(int(np.argmax(ratio)), ratio.shape)
    return int(s), int(c), (float(gain[s, c]) if np.isfinite(ratio[s, c]) else 0.0)


def _fill(problem, hours, cost, budget: float, chosen: list, tie: float) -> None:
    """Add the best shift per team-hour while one fits and gains."""
    while True:
        left = budget - sum(cost[c] for _, c in chosen)
        s, c, gain = _best(problem, hours, cost, left, _duty(problem, hours, chosen), tie)
        if gain <= 1e-12:
            return
        chosen.append((s, c))


def _interchange(problem, hours, cost, budget: float, chosen: list) -> bool:
    """Replace one chosen shift by the one that fits and improves the estimate most;
    whether one was replaced.
    """
    current = problem.value(_duty(problem, hours, chosen))
    for i in range(len(chosen)):
        rest = chosen[:i] + chosen[i + 1 :]
        duty = _duty(problem, hours, rest)
        left = budget - sum(cost[c] for _, c in rest)
        gain = problem.gains(duty) @ hours.T
        gain = np.where(cost[None, :] <= left + 1e-9, gain, -np.inf)
        s, c = np.unravel_index(int(np.argmax(gain)), gain.shape)
        if (s, c) != chosen[i] and problem.value(duty) + gain[s, c] > current * (1 + 1e-9) + 1e-9:
            chosen[i] = (int(s), int(c))
            return True
    return False


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
