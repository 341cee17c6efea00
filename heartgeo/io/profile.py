"""A call profile: the relative rate of eligible calls in each of the 168 hours of the
week, read from a CSV with columns ``weekday`` (Mon..Sun or Monday..Sunday), ``hour``
(0..23) and ``weight`` (a number >= 0), one row per hour of the week.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from heartgeo.errors import InputError, shown
from heartgeo.io.hours import DAY_NUMBER, DAYS


def read_call_profile(path: str | Path) -> np.ndarray:
    """The profile in ``path``: shape (168,), hour 0 = Monday 00:00, mean 1.

    Raises
    ------
    InputError
        Naming the file, the row and the field, and the fix.
    """
    path = Path(path)
    frame = read_text_csv(path, "call profile")
    missing = [c for c in ("weekday", "hour", "weight") if c not in frame.columns]
    if missing:
        raise InputError(
            f"call profile {path}: no column {', '.join(missing)}: give weekday (Mon..Sun), "
            "hour (0..23) and weight, one row per hour of the week (168 rows)"
        )
    weights = np.full(168, np.nan)
    for i, row in enumerate(frame.itertuples(index=False), start=2):
        day = DAY_NUMBER.get(str(row.weekday).strip().lower())
        if day is None:
            raise InputError(f"call profile {path}, row {i}: weekday {shown(row.weekday)} is "
                             "not a day: give Mon..Sun")  # fmt: skip
        hour = _number(path, i, "hour", row.hour)
        if hour not in range(24):
            raise InputError(f"call profile {path}, row {i}: hour {shown(row.hour)}: give a "
                             "whole hour 0..23")  # fmt: skip
        weight = _number(path, i, "weight", row.weight)
        if not (math.isfinite(weight) and weight >= 0):
            raise InputError(f"call profile {path}, row {i}: weight {shown(row.weight)}: give "
                             "a number >= 0")  # fmt: skip
        k = day * 24 + int(hour)
        if not np.isnan(weights[k]):
            raise InputError(f"call profile {path}, row {i}: {DAYS[day]} {int(hour):02d}:00 "
                             "comes twice: give each hour of the week once")  # fmt: skip
        weights[k] = weight
    if np.isnan(weights).any():
        k = int(np.flatnonzero(np.isnan(weights))[0])
        raise InputError(f"call profile {path}: no row for {DAYS[k // 24]} {k % 24:02d}:00: "
                         "give all 168 hours of the week (weight 0 for none)")  # fmt: skip
    if weights.sum() <= 0:
        raise InputError(f"call profile {path}: every weight is 0: give the calls' relative "
                         "rate in each hour")  # fmt: skip
    return weights / weights.mean()


def read_text_csv(path: Path, what: str) -> pd.DataFrame:
    """A small CSV as text (no value parsed, none taken as missing), its column names
    stripped and in lower case; ``what`` names the file in the one-line error.
    """
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as e:
        raise InputError(f"{what} {path}: cannot be read as CSV ({e})") from None
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    return frame


def _number(path: Path, row: int, name: str, text: str) -> float:
    try:
        value = float(str(text).strip())
    except ValueError:
        raise InputError(
            f"call profile {path}, row {row}: {name} {shown(text)} is not a number"
        ) from None
    return int(value) if name == "hour" and value.is_integer() else value


def call_profile(path: str | None, calls) -> tuple[np.ndarray | None, str]:
    """The hour-of-week call profile and where it comes from: ``--call-profile``, else the
    call file's times (168 calls or more), else flat (an assumption).
    """
    if path is not None:
        return read_call_profile(path), f"given (--call-profile {path})"
    profile = calls.hour_profile() if calls is not None else None
    if profile is not None:
        return profile, "from the times of the call file"
    return None, (
        "flat (every hour of the week alike): an ASSUMPTION that drives the result (with "
        "teams on duty 12 hours a day, the calls of the other 12 are missed); give "
        "--call-profile or a call file with times"
    )
