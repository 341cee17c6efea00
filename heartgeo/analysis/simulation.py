"""Discrete-event simulation of calls and teams: how many eligible calls are answered in time.

Model (one scenario):

- **Arrivals.** Calls arrive as a non-homogeneous Poisson process, piecewise constant
  over the 168 hours of the week: rate ``calls_per_day / 24 x profile[h]`` in hour ``h``
  (``profile`` has mean 1: flat by default, or estimated from the times of a call file).
  Each call's location is drawn from the demand points with probability proportional to
  their weight (residents of the demand cells, or call points).
- **Dispatch.** The nearest *free, on-duty* team (by the scenario's travel model, from
  its staging site) is sent. It drives there, serves the call for a service time drawn
  from a lognormal (default) or exponential distribution with the given mean, drives back
  to its staging site (the same time as the way there) and is free again. A team is on
  duty at the dispatch if its hours cover that minute; a call in progress at the end of a
  shift is finished.
- **Loss.** A call that finds no free on-duty team is *missed* (it goes to police, as
  HEART's dispatch works) -- unless ``max_wait_min > 0``: then it waits for the first
  on-duty team to become free within that many minutes (first come, first served).

With zero travel times and teams always on duty this is the M/G/c/c loss system, whose
share of lost calls is the Erlang-B formula :func:`erlang_b` for any service
distribution with the same mean (the tests check this).

Answered within ``T`` minutes means answered with a response time (wait, dispatch and drive)
of at most ``T``. Results are per simulated call; :func:`summarise` and :func:`by_hour`
aggregate them, with 95 % confidence intervals from the spread between simulated weeks.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from heartgeo.analysis.weekly import hour_frame
from heartgeo.analysis.workload import Workload, erlang_b  # noqa: F401  (re-exported)
from heartgeo.errors import InputError
from heartgeo.io.hours import WEEK_MIN

#: Teams per call scanned as Python lists first (nearest first); the rest only if all busy.
HEAD = 4


@dataclass
class SimulationResult:
    """Every simulated call and the teams' busy time.

    Attributes
    ----------
    minute
        Minute of the simulation at which each call arrived.
    answered
        Whether a team was sent.
    wait_s, travel_s
        Seconds waited for a team and driven (``nan`` for missed calls).
    busy_min, duty_min
        Team-minutes busy and on duty per hour of the week, shape (168,).
    weeks
        Weeks simulated.
    teams
        Teams simulated.
    """

    minute: np.ndarray
    answered: np.ndarray
    wait_s: np.ndarray
    travel_s: np.ndarray
    busy_min: np.ndarray
    duty_min: np.ndarray
    weeks: int
    teams: int
    #: per call: no team was on duty at its minute; and the demand point it came from
    off_duty: np.ndarray | None = None
    point: np.ndarray | None = None
    #: seconds from the call to the team rolling (the workload's ``dispatch_min``)
    dispatch_s: float = 0.0

    @property
    def response_s(self) -> np.ndarray:
        """Wait, dispatch and drive (seconds, from the call); ``nan`` for missed calls."""
        return self.wait_s + self.dispatch_s + self.travel_s

    def within(self, minutes: float) -> np.ndarray:
        """Whether each call was answered within ``minutes`` (response time)."""
        return self.answered & (np.nan_to_num(self.response_s, nan=np.inf) <= minutes * 60.0)


def draw_calls(
    workload: Workload, weights: np.ndarray, weeks: int, seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The random part of a simulation: each call's arrival (minutes from Monday 00:00 of
    the first week, sorted), its demand point (drawn by weight) and its service seconds.
    """
    rng = np.random.default_rng(seed)
    rates = np.tile(workload.hourly_rates(), weeks)
    counts = rng.poisson(rates)
    n = int(counts.sum())
    start_min = np.repeat(np.arange(len(rates)) * 60.0, counts) + rng.uniform(0, 60, n)
    start_min.sort()
    where = rng.choice(len(weights), size=n, p=weights / weights.sum())
    return start_min, where, workload.service_minutes(rng, n) * 60.0


def simulate(
    travel_s: np.ndarray,
    weights: np.ndarray,
    team_site: np.ndarray,
    team_duty: np.ndarray,
    workload: Workload,
    *,
    weeks: int = 52,
    seed: int = 0,
) -> SimulationResult:
    """Simulate ``weeks`` weeks of calls and teams (see the module's description).

    Parameters
    ----------
    travel_s
        Seconds from each staging site to each demand point, shape (S, P); ``inf`` where
        a site cannot reach a point.
    weights
        Demand of each point, shape (P,): where calls come from.
    team_site
        Staging site (row of ``travel_s``) of each team, shape (T,).
    team_duty
        Duty hours of each team over the minutes of the week, shape (T, 10080).
    workload
        Call rate, service times and waiting rule.
    weeks, seed
        Length of the simulation and the seed of its random numbers (same seed, same
        result).

    Returns
    -------
    SimulationResult
    """
    _check_inputs(workload, weights, weeks)
    weights = np.asarray(weights, float)
    start_min, where, service_s = draw_calls(workload, weights, weeks, seed)
    team_site = np.asarray(team_site, dtype=np.int64)
    duty = np.asarray(team_duty, dtype=bool).reshape(len(team_site), WEEK_MIN)
    team_travel = np.asarray(travel_s, float)[team_site]  # (T, P)
    state = _Teams(duty, workload.max_wait_min * 60.0)
    dispatch_s = workload.dispatch_min * 60.0
    answered, wait, drive, busy_from, busy_to = _dispatch(
        team_travel, where, start_min, service_s + dispatch_s, state
    )
    busy = _busy_per_hour(busy_from[answered] / 60.0, busy_to[answered] / 60.0, weeks)
    return SimulationResult(
        minute=start_min,
        answered=answered,
        wait_s=wait,
        travel_s=drive,
        busy_min=busy,
        duty_min=duty.sum(axis=0).reshape(168, 60).sum(axis=1) * float(weeks),
        weeks=weeks,
        teams=len(team_site),
        off_duty=~duty.any(axis=0)[start_min.astype(np.int64) % WEEK_MIN],
        point=where,
        dispatch_s=dispatch_s,
    )


def _check_inputs(workload: Workload, weights, weeks: int) -> None:
    """Refuse a workload out of bounds, no weeks or no demand, in one line."""
    workload.validate()
    if weeks < 1:
        raise InputError(f"weeks {weeks}: give at least 1", param="weeks")
    weights = np.asarray(weights, float)
    if len(weights) == 0 or weights.sum() <= 0:
        raise InputError("the simulation has no demand to draw calls from: check the study area")


def _dispatch(team_travel, where, start_min, service_s, state: _Teams):
    """Every call in time order: the nearest free on-duty team answers (or, with waiting,
    the first to come free); returns answered, wait, drive, and each answer's busy span.
    """
    n = len(start_min)
    answered = np.zeros(n, dtype=bool)
    wait = np.full(n, np.nan)
    drive = np.full(n, np.nan)
    busy_from, busy_to = np.zeros(n), np.zeros(n)
    start_s = (start_min * 60.0).tolist()
    minute_of_week = (start_min.astype(np.int64) % WEEK_MIN).tolist()
    chunk = max(1, 2_000_000 // max(len(team_travel), 1))  # bounded memory for the orders
    for lo in range(0, n, chunk):
        hi = min(n, lo + chunk)
        tt_chunk = team_travel[:, where[lo:hi]].T  # (calls, T)
        order = np.argsort(tt_chunk, axis=1, kind="stable")  # nearest first, ties by index
        sorted_tt = np.take_along_axis(tt_chunk, order, axis=1)
        # the few nearest teams as Python lists (fast to scan); the rest only when needed
        head = min(HEAD, order.shape[1])
        heads = zip(order[:, :head].tolist(), sorted_tt[:, :head].tolist(), strict=True)
        for k, (teams, times) in enumerate(heads):
            i = lo + k
            t, m = start_s[i], minute_of_week[i]
            got = state.nearest_free(t, m, teams, times) if state.anyone[m] else None
            if got is None and state.anyone[m] and head < order.shape[1] and times[-1] != math.inf:
                got = state.nearest_free(
                    t, m, order[k, head:].tolist(), sorted_tt[k, head:].tolist()
                )
            if got is None:
                got = state.wait_for(t, tt_chunk[k])
            if got is None:
                continue
            j, go, tt = got
            answered[i] = True
            wait[i], drive[i] = go - start_s[i], tt
            busy_from[i], busy_to[i] = go, go + 2 * tt + service_s[i]
            state.free_at[j] = busy_to[i]
    return answered, wait, drive, busy_from, busy_to


class _Teams:
    """The teams' state during a simulation: when each is free, when each is on duty."""

    def __init__(self, duty: np.ndarray, max_wait_s: float):
        self.free_at = [0.0] * len(duty)
        self.on_duty = [bytes(row) for row in duty.astype(np.uint8)]  # fast scalar reads
        self.duty = duty
        self.anyone = duty.any(axis=0).tolist()  # is any team on duty, per minute
        self.max_wait_s = max_wait_s

    def nearest_free(
        self, t: float, minute: int, teams: list, times: list
    ) -> tuple[int, float, float] | None:
        """The nearest team free and on duty at ``t`` (seconds) among ``teams`` (sorted by
        their drive ``times``): (team, departure, drive), or None.
        """
        free_at, on_duty = self.free_at, self.on_duty
        for j, drive in zip(teams, times, strict=True):
            if drive == math.inf:
                break
            if free_at[j] <= t and on_duty[j][minute]:
                return j, t, drive
        return None

    def wait_for(self, t: float, tt: np.ndarray) -> tuple[int, float, float] | None:
        """With waiting allowed, the team that can be there first among those coming free
        within the wait and on duty then: (team, departure, drive); None: missed.
        """
        if self.max_wait_s <= 0:
            return None
        free = np.asarray(self.free_at)
        later = np.isfinite(tt) & (free - t <= self.max_wait_s)
        if later.any():  # only teams on duty when they come free
            later &= self.duty[np.arange(len(free)), (free // 60).astype(np.int64) % WEEK_MIN]
        if not later.any():
            return None
        go = np.maximum(free, t)
        j = int(np.argmin(np.where(later, go + tt, np.inf)))
        return j, float(go[j]), float(tt[j])


#: Where an eligible call ends, each in exactly one (``missed_outside_area`` is added by
#: :mod:`heartgeo.operations.outcomes`: those calls are not simulated).
OUTCOMES = ("answered_in_standard", "answered_late", "missed_off_duty", "missed_busy")


def outcome_flags(result: SimulationResult, standard_min: float) -> dict[str, np.ndarray]:
    """Each simulated call's outcome (one True per call): answered with a response (wait
    plus drive, from the call's time) within ``standard_min`` or later; missed because no
    team was on duty, or because every team on duty was busy (or the wait ran out).
    """
    answered = result.answered
    in_standard = answered & (np.nan_to_num(result.response_s, nan=np.inf) <= standard_min * 60)
    off = np.asarray(result.off_duty, dtype=bool)
    return {
        "answered_in_standard": in_standard,
        "answered_late": answered & ~in_standard,
        "missed_off_duty": ~answered & off,
        "missed_busy": ~answered & ~off,
    }


def _busy_per_hour(start: np.ndarray, end: np.ndarray, weeks: int) -> np.ndarray:
    """Team-minutes busy in each hour of the week (minute resolution), shape (168,)."""
    horizon = weeks * WEEK_MIN
    last = int(np.ceil(end.max())) + 1 if len(end) else horizon
    diff = np.zeros(max(horizon, last) + 1)
    np.add.at(diff, np.floor(start).astype(np.int64), 1.0)
    np.add.at(diff, np.floor(end).astype(np.int64), -1.0)
    per_minute = np.cumsum(diff)[:-1]
    minute_of_week = np.arange(len(per_minute)) % WEEK_MIN
    return np.bincount(minute_of_week // 60, weights=per_minute, minlength=168)


def _ci(per_week: np.ndarray) -> float | None:
    """Half-width of the 95 % confidence interval of a mean over weeks (batch means)."""
    per_week = per_week[np.isfinite(per_week)]
    if len(per_week) < 2:
        return None  # one week (or weeks without calls): no interval
    return float(1.96 * per_week.std(ddof=1) / math.sqrt(len(per_week)))


def summarise(result: SimulationResult, bands_min: tuple[float, ...] = (5, 10, 15)) -> dict:
    """Headline figures of a simulation: shares answered (and within each band) with 95 %
    confidence half-widths, drive and response time percentiles, team utilisation. A
    share is None without calls, a half-width None with fewer than two weeks.
    """
    n = len(result.answered)
    week = (result.minute // WEEK_MIN).astype(np.int64)
    calls_per_week = np.bincount(week, minlength=result.weeks)[: result.weeks].astype(float)

    def share(flags: np.ndarray) -> tuple[float | None, float | None]:
        per_week = np.bincount(week, weights=flags, minlength=result.weeks)[: result.weeks]
        with np.errstate(invalid="ignore", divide="ignore"):
            ratio = per_week / calls_per_week
        return (float(flags.mean()) if n else None, _ci(ratio) if n else None)

    out: dict = {"calls": n, "weeks": result.weeks, "teams": result.teams}
    out["answered_share"], out["answered_ci95"] = share(result.answered)
    out["missed_share"] = 1.0 - out["answered_share"] if n else None
    for m in bands_min:
        out[f"within_{m:g}min_share"], out[f"within_{m:g}min_ci95"] = share(result.within(m))
    answered = result.answered
    for name, values in (("travel", result.travel_s), ("response", result.response_s)):
        vals = values[answered] / 60.0
        for q in (50, 90):
            out[f"{name}_p{q}_min"] = float(np.percentile(vals, q)) if len(vals) else None
    duty = result.duty_min.sum()
    out["utilisation"] = float(result.busy_min.sum() / duty) if duty > 0 else None
    return out


def by_hour(result: SimulationResult, bands_min: tuple[float, ...] = (5, 10, 15)) -> pd.DataFrame:
    """The simulation per hour of the week: calls, shares answered and within each band,
    median drive and response minutes, teams' utilisation (busy / on-duty team-minutes).
    """
    frame = hour_frame()
    hour = ((result.minute % WEEK_MIN) // 60).astype(np.int64)
    calls = np.bincount(hour, minlength=168).astype(float)
    frame["calls_per_week"] = calls / result.weeks
    with np.errstate(invalid="ignore", divide="ignore"):
        frame["answered_share"] = np.bincount(hour, result.answered, 168) / calls
        for m in bands_min:
            frame[f"within_{m:g}min_share"] = np.bincount(hour, result.within(m), 168) / calls
        frame["teams_on_duty"] = result.duty_min / 60.0 / result.weeks
        frame["utilisation"] = result.busy_min / result.duty_min
    for name, col, q in (
        ("travel", "travel_median_min", 0.5),
        ("response", "response_median_min", 0.5),
        ("response", "response_p90_min", 0.9),
    ):
        frame[col] = _hour_quantile(hour, result, name, q)
    return frame


def _hour_quantile(hour: np.ndarray, result: SimulationResult, name: str, q: float):
    """Per hour of the week, the ``q`` quantile (minutes) of the answered calls' drive
    (``travel``) or response; ``nan`` in hours without an answered call.
    """
    values = result.travel_s if name == "travel" else result.response_s
    out = np.full(168, np.nan)
    ok = result.answered
    if ok.any():
        got = pd.DataFrame({"h": hour[ok], "v": values[ok] / 60.0}).groupby("h")["v"].quantile(q)
        out[got.index.to_numpy()] = got.to_numpy()
    return out
