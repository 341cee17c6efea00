"""The workload a simulation draws: eligible calls a day, their hour-of-week profile,
service times, the longest wait; bounded before anything is allocated. And the Erlang-B
loss formula it is checked against.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from heartgeo.errors import InputError

SERVICE_DISTRIBUTIONS = ("lognormal", "exponential")


def erlang_b(servers: int, load: float) -> float:
    """Erlang-B loss probability for ``servers`` servers and offered load ``load`` (Erlangs).

    ``B(0, a) = 1``, ``B(c, a) = a B(c-1, a) / (c + a B(c-1, a))`` (the numerically stable
    recursion; Erlang 1917).
    """
    b = 1.0
    for c in range(1, servers + 1):
        b = load * b / (c + load * b)
    return b


def loss_over_week(
    teams: int, calls_per_hour: np.ndarray, on_duty: np.ndarray, minutes_per_call: float
) -> dict:
    """Calls answered and lost by ``teams`` teams that share one duty mask, with no drive
    time and exponential service: exact, in the week's periodic steady state.

    The number of busy teams ``k`` is a birth-death chain (Erlang 1917; Kolmogorov's
    forward equations): calls arrive at the hour's rate; while the teams are on duty a call
    is answered if ``k < teams``, else lost (``missed_busy``); off duty every call is
    missed (``missed_off_duty``) and busy teams finish their calls. The equations are
    solved exactly segment by segment (matrix exponentials; the time integral of the
    state by Van Loan's block matrix, 1978), from an empty system over two weeks, the
    second measured. With teams always on duty this is Erlang-B; with shifts it is what
    Erlang-B misses: every shift starts with its teams free.

    Parameters
    ----------
    teams
        Teams on duty together.
    calls_per_hour
        Arrival rate in each hour of the week, shape (168,).
    on_duty
        Whether the teams are on duty in each minute of the week, shape (10080,).
    minutes_per_call
        Mean service time (exponential).

    Returns
    -------
    dict
        ``answered``, ``missed_busy``, ``missed_off_duty``: shares of the week's calls.
    """
    n = teams + 1
    mu = 1.0 / minutes_per_call  # per minute
    cache: dict = {}

    def step(lam: float, on: bool, minutes: int):
        if (lam, on, minutes) not in cache:
            cache[lam, on, minutes] = _transition(n, mu, lam if on else 0.0, minutes)
        return cache[lam, on, minutes]

    segments = _segments(np.asarray(calls_per_hour, float) / 60.0, np.asarray(on_duty, bool))
    p = np.zeros(n)
    p[0] = 1.0
    out = {"answered": 0.0, "missed_busy": 0.0, "missed_off_duty": 0.0}
    for week in range(2):
        for lam, on, minutes in segments:
            move, integral = step(lam, on, minutes)
            if week == 1:
                time_full = float((p @ integral)[-1])  # minutes with every team busy
                if on:
                    out["missed_busy"] += lam * time_full
                    out["answered"] += lam * (minutes - time_full)
                else:
                    out["missed_off_duty"] += lam * minutes
            p = p @ move
    total = sum(out.values())
    return {k: (v / total if total > 0 else None) for k, v in out.items()}


def _transition(n: int, mu: float, lam: float, minutes: int) -> tuple[np.ndarray, np.ndarray]:
    """The chain of ``n - 1`` teams over ``minutes``: the transition matrix and the
    integral of the state over the span (Van Loan's block matrix exponential).
    """
    from scipy.linalg import expm

    q = np.zeros((n, n))
    k = np.arange(n)
    q[k[1:], k[:-1]] = k[1:] * mu
    q[k[:-1], k[1:]] = lam
    q[k, k] = -q.sum(axis=1)
    block = np.zeros((2 * n, 2 * n))
    block[:n, :n], block[:n, n:] = q, np.eye(n)
    e = expm(block * minutes)
    return e[:n, :n], e[:n, n:]


def _segments(rate_per_min: np.ndarray, on_duty: np.ndarray) -> list[tuple[float, bool, int]]:
    """The week as runs of minutes with one arrival rate and one duty state."""
    rate = np.repeat(rate_per_min, 60)
    change = np.flatnonzero((np.diff(rate) != 0) | (np.diff(on_duty) != 0)) + 1
    starts = np.r_[0, change]
    ends = np.r_[change, len(rate)]
    return [
        (float(rate[a]), bool(on_duty[a]), int(b - a)) for a, b in zip(starts, ends, strict=True)
    ]


#: Bounds of the workload, checked before anything is allocated: eligible calls a day in
#: the city (Durham's 911 centre takes about 1,000 calls of every kind a day) ...
MAX_CALLS_PER_DAY = 10_000.0
#: ... minutes on one call or waiting for a team (a day) ...
MAX_MINUTES = 1440.0
#: ... and the spread of service times.
MAX_SERVICE_CV = 10.0
BOUND_REASONS = {
    "calls_per_day": "eligible calls a day in the whole city; Durham's 911 centre takes "
    "about 1,000 calls of every kind a day",
    "minutes_per_call": "minutes on one call: a day at most",
    "service_cv": "standard deviation / mean of the service time",
    "max_wait_min": "minutes a call may wait for a team: a day at most",
    "dispatch_min": "minutes from a call to the team rolling: a day at most",
}


@dataclass
class Workload:
    """The calls and what they cost a team.

    Attributes
    ----------
    calls_per_day
        Mean eligible calls a day in the scenario's area (over all 24 hours).
    minutes_per_call
        Mean minutes on scene per call (the drives there and back come on top).
    service
        ``lognormal`` (default) or ``exponential`` service times.
    service_cv
        Coefficient of variation (standard deviation / mean) of the lognormal.
    profile
        Relative call rate per hour of the week, shape (168,), mean 1; None: flat.
    max_wait_min
        Minutes a call may wait for a team; 0: a call finding none free is missed.
    dispatch_min
        Minutes from the call to the team rolling (call handling and turnout): added to
        every response and to the team's busy time.
    """

    calls_per_day: float
    minutes_per_call: float
    service: str = "lognormal"
    service_cv: float = 0.67
    profile: np.ndarray | None = None
    max_wait_min: float = 0.0
    dispatch_min: float = 0.0

    def validate(self) -> None:
        """Check the workload.

        Raises
        ------
        InputError
            Naming the parameter and the fix.
        """
        checks = {
            "calls_per_day": (self.calls_per_day, True, MAX_CALLS_PER_DAY),
            "minutes_per_call": (self.minutes_per_call, False, MAX_MINUTES),
            "service_cv": (self.service_cv, False, MAX_SERVICE_CV),
            "max_wait_min": (self.max_wait_min, True, MAX_MINUTES),
            "dispatch_min": (self.dispatch_min, True, MAX_MINUTES),
        }
        for name, (value, zero_ok, most) in checks.items():
            if not (math.isfinite(value) and (value > 0 or (zero_ok and value == 0))):
                fix = f"a finite number {'>=' if zero_ok else '>'} 0"
                raise InputError(f"{name} {value}: give {fix}, at most {most:g}", param=name)
            if value > most:
                raise InputError(
                    f"{name} {value:g}: give at most {most:g} ({BOUND_REASONS[name]})", param=name
                )
        if self.service not in SERVICE_DISTRIBUTIONS:
            raise InputError(
                f"service {self.service!r}: choose {', '.join(SERVICE_DISTRIBUTIONS)}",
                param="service",
            )

    def hourly_rates(self) -> np.ndarray:
        """Calls per hour in each hour of the week, shape (168,)."""
        profile = np.ones(168) if self.profile is None else np.asarray(self.profile, float)
        return self.calls_per_day / 24.0 * profile / profile.mean()

    def service_minutes(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """``n`` service times (minutes)."""
        m = self.minutes_per_call
        if self.service == "exponential":
            return rng.exponential(m, n)
        sigma2 = math.log1p(self.service_cv**2)
        return rng.lognormal(math.log(m) - sigma2 / 2, math.sqrt(sigma2), n)


def erlang_check(workload: Workload, duty: np.ndarray, teams: int) -> dict:
    """What queueing theory gives for the scenario with no drive time: Erlang-B's steady
    state, and the exact answered share of teams that share one duty mask
    (:func:`heartgeo.analysis.workload.loss_over_week`: every shift starts with its teams
    free, which Erlang-B's steady state misses). Exact for exponential service; drive
    time adds busy time, so the simulation answers fewer calls when teams drive.
    """
    on_any = duty.any(axis=0).reshape(168, 60).mean(axis=1)
    rates = workload.hourly_rates()
    on_duty_calls = float((rates * on_any).sum() / rates.sum()) if rates.sum() else 0.0
    load = workload.calls_per_day / 24.0 * workload.minutes_per_call / 60.0
    out = {
        "share_of_calls_in_on_duty_hours": on_duty_calls,
        "offered_load_erlangs": load,
        "loss_probability_steady_state": erlang_b(teams, load),
        "answered_no_drive": None,
        "answered_no_drive_method": "not computed: the teams keep different hours",
    }
    if teams and rates.sum() > 0 and (duty == duty[:1]).all():
        exact = loss_over_week(teams, rates, duty[0], workload.minutes_per_call)
        out["answered_no_drive"] = exact["answered"]
        out["missed_busy_no_drive"] = exact["missed_busy"]
        out["answered_no_drive_method"] = (
            "exact birth-death chain over the week (Erlang 1917), teams free at each "
            "shift's start, no drive time; exact for exponential service"
            + ("" if workload.service == "exponential" else f", approximate for {workload.service}")
        )
    return out
