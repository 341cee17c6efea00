"""Coverage by hour of the week: which units are on duty when, and what that covers.

Units' duty hours are masks over the 10,080 minutes of the week
(:func:`heartgeo.io.hours.parse_hours`). The distinct sets of units on duty are few (two
for a scenario whose units share one shift: all of them, or none), so coverage is
measured once per set, not once per hour; each hour of the week then takes the mean of
its minutes' sets.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from heartgeo.analysis.coverage import band_label
from heartgeo.io.hours import DAYS, WEEK_MIN


@dataclass
class DutySets:
    """The distinct sets of units on duty over the week.

    Attributes
    ----------
    sets
        Boolean, shape (K, U): which units are on duty in each set.
    minute_set
        Shape (10080,): the set of each minute of the week.
    hour_share
        Shape (168, K): the share of each hour's minutes spent in each set.
    """

    sets: np.ndarray
    minute_set: np.ndarray
    hour_share: np.ndarray

    @classmethod
    def from_masks(cls, duty: np.ndarray) -> DutySets:
        """From the units' duty masks, shape (U, 10080)."""
        duty = np.asarray(duty, dtype=bool).reshape(-1, WEEK_MIN)
        sets, minute_set = np.unique(duty.T, axis=0, return_inverse=True)
        minute_set = minute_set.reshape(-1)
        per_hour = minute_set.reshape(168, 60)
        share = np.zeros((168, len(sets)))
        for k in range(len(sets)):
            share[:, k] = (per_hour == k).mean(axis=1)
        return cls(sets=sets, minute_set=minute_set, hour_share=share)

    @property
    def units_on_duty(self) -> np.ndarray:
        """Mean number of units on duty in each hour of the week, shape (168,)."""
        return self.hour_share @ self.sets.sum(axis=1)


def hour_frame() -> pd.DataFrame:
    """The 168 hours of the week: ``hour_of_week`` (0 = Monday 00:00), ``day``, ``hour``."""
    how = np.arange(168)
    return pd.DataFrame(
        {"hour_of_week": how, "day": [DAYS[h // 24] for h in how], "hour": how % 24}
    )


def nearest_on_duty(seconds: np.ndarray, on_duty: np.ndarray) -> np.ndarray:
    """Seconds from the nearest on-duty unit to each point: ``seconds`` (U, P) from each
    unit, ``on_duty`` (U,) boolean; ``inf`` where none is on duty, ``nan`` where unknown.
    """
    if not on_duty.any():
        return np.full(seconds.shape[1], np.inf)
    part = seconds[on_duty]
    out = np.min(np.where(np.isnan(part), np.inf, part), axis=0)
    return np.where(np.isnan(part).any(axis=0), np.nan, out)


def calls_by_hour(
    seconds: np.ndarray,
    duty: DutySets,
    weight: np.ndarray,
    minute: np.ndarray,
    bands_s: tuple[float, ...],
) -> dict[str, np.ndarray]:
    """Calls per hour of the week and those within each band of the nearest on-duty unit.

    A call with a known ``minute`` counts in its hour, with the units on duty then; a call
    whose time is unknown (-1) counts spread evenly over the week's minutes. Calls whose
    travel time is unknown (``nan``) count in ``unknown``.

    Returns
    -------
    dict
        ``calls`` and ``unknown`` (168,), and ``within`` (bands, 168).
    """
    n_sets = len(duty.sets)
    timed = minute >= 0
    calls = np.bincount(minute[timed] // 60, weights=weight[timed], minlength=168)
    calls = calls + weight[~timed].sum() / 168.0
    within = np.zeros((len(bands_s), 168))
    unknown = np.zeros(168)
    for k in range(n_sets):
        t = nearest_on_duty(seconds, duty.sets[k])
        in_set = timed & (duty.minute_set[np.maximum(minute, 0)] == k)
        hours = minute[in_set] // 60
        untimed_share = duty.hour_share[:, k] / 168.0  # each untimed call, per hour
        unknown += np.bincount(hours, weights=weight[in_set] * np.isnan(t[in_set]), minlength=168)
        unknown += untimed_share * (weight[~timed] * np.isnan(t[~timed])).sum()
        for b, limit in enumerate(bands_s):
            ok = np.nan_to_num(t, nan=np.inf) <= limit
            within[b] += np.bincount(hours, weights=weight[in_set] * ok[in_set], minlength=168)
            within[b] += untimed_share * (weight[~timed] * ok[~timed]).sum()
    return {"calls": calls, "within": within, "unknown": unknown}


def week_shares(table: pd.DataFrame, bands_min: tuple[float, ...]) -> dict:
    """Shares of the week: person-hours within each band over all person-hours (and, with
    calls, the calls answered within each band by a unit on duty at their time).
    """
    out: dict = {"person_hours_share": {}}
    pop = table["population"].sum()
    for m in bands_min:
        lab = band_label(m)
        out["person_hours_share"][lab] = (
            float(table[f"population_within_{lab}"].sum() / pop) if pop else None
        )
        if "calls" in table.columns:
            total = table["calls"].sum()
            out.setdefault("calls_share", {})[lab] = (
                float(table[f"calls_within_{lab}"].sum() / total) if total else None
            )
    out["hours_with_a_unit_on_duty"] = float((table["units_on_duty"] > 0).sum())
    return out
