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
    """

    calls_per_day: float
    minutes_per_call: float
    service: str = "lognormal"
    service_cv: float = 0.67
    profile: np.ndarray | None = None
    max_wait_min: float = 0.0

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
