"""Shifts: one team's weekly hours, in the hours syntax of ``--hours``
(:mod:`heartgeo.io.hours`), and the menus ``heartgeo staff`` chooses from: the default
menu, or a CSV (``--shifts FILE``) with a column ``hours``, one shift per row.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from heartgeo.errors import InputError, shown
from heartgeo.io.hours import parse_hours
from heartgeo.io.profile import read_text_csv

#: The default shift menu: lengths (hours), start hours and weekday patterns (heartgeo's
#: choice: the 8, 10 and 12-hour shifts of the issue, a start every two hours, every day,
#: weekdays, weekends and the two halves of a four-day week).
SHIFT_LENGTHS = (8, 10, 12)
SHIFT_STARTS = tuple(range(0, 24, 2))
SHIFT_DAYS = ("daily", "Mon-Fri", "Sat,Sun", "Mon-Thu", "Thu-Sun")


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
    frame = read_text_csv(path, "shifts file")
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
