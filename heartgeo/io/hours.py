"""Duty hours: when a unit is on duty, as a mask over the minutes of the week.

A week starts on Monday at 00:00 (minute 0) and has 10,080 minutes (168 hours). Hours are
written as windows separated by ``;``, each ``[DAYS] HH:MM-HH:MM``:

- ``Mon-Fri 09:00-17:00`` -- weekdays, nine to five;
- ``daily 08:00-20:00`` (or ``08:00-20:00``) -- every day;
- ``Sat,Sun 10:00-14:00``, ``weekdays``, ``weekends``, ``Fri 20:00-02:00`` (a window whose
  end is not after its start crosses midnight and ends on the next day; ``24:00`` ends a
  day);
- ``Fri 22:00-Mon 06:00`` -- one window from a day and time to another (a weekend shift);
- ``24/7`` (or ``always``) -- always on duty; a day list alone (``Mon-Fri``) means whole days.

Hours as people write them are read too (:func:`normalise_hours`): en and em dashes,
spaces around dashes, 12-hour times (``Mon-Fri 9am-5pm``) and commas between windows. A
time-zone name is refused: hours are Durham's local time.

The scenario defaults (``data/boundaries/hours_default.json``) are labelled assumptions,
each with its source.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from heartgeo.config import load_defs
from heartgeo.definitions import scenario_names
from heartgeo.errors import InputError

#: Minutes in a week (Monday 00:00 is minute 0).
WEEK_MIN = 7 * 24 * 60
DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
#: Day names (lower case, short and long) -> day number (0 = Monday).
DAY_NUMBER = {d.lower(): i for i, d in enumerate(DAYS)}
DAY_NUMBER.update(
    {
        name: i
        for i, name in enumerate(
            ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
        )
    }
)
_GROUPS = {"daily": range(7), "weekdays": range(5), "weekends": range(5, 7)}
_TIME = re.compile(r"^(\d{1,2})(?::(\d{2}))?$")
EXAMPLES = (
    "e.g. 'Mon-Fri 09:00-17:00', 'daily 08:00-20:00', '24/7'; several windows separated by ';'"
)


def _fail(text: str, problem: str) -> InputError:
    return InputError(f"hours {text!r}: {problem}: give {EXAMPLES}", param="hours")


def _minute(text: str, value: str) -> int:
    m = _TIME.match(value.strip())
    if not m:
        raise _fail(text, f"{value!r} is not a time HH:MM")
    hour, minute = int(m.group(1)), int(m.group(2) or 0)
    if minute > 59 or hour > 24 or (hour == 24 and minute):
        raise _fail(text, f"{value!r} is not a time of day (00:00 to 24:00)")
    return hour * 60 + minute


def _days(text: str, value: str) -> list[int]:
    out: list[int] = []
    for shown_part in value.split(","):
        shown_part = shown_part.strip()
        part = shown_part.lower()
        if part in _GROUPS:
            out += list(_GROUPS[part])
            continue
        first, _, last = part.partition("-")
        try:
            a = DAY_NUMBER[first.strip()]
            b = DAY_NUMBER[last.strip()] if last else a
        except KeyError:
            raise _fail(
                text, f"{shown_part!r} is not a day (Mon..Sun, daily, weekdays, weekends)"
            ) from None
        out += [(a + i) % 7 for i in range((b - a) % 7 + 1)]  # Sat-Mon wraps
    return out


#: Dashes people type: en and em dashes, the minus sign, the figure dash.
_DASHES = re.compile(r"\s*[-\u2010-\u2015\u2212]\s*")
#: A 12-hour time: ``9am``, ``9:30 pm``, ``12 a.m.``.
_TWELVE = re.compile(r"\b(\d{1,2})(?::(\d{2}))?\s*([ap])\.?\s*m\b\.?", re.IGNORECASE)
#: Time-zone names after the hours: refused (hours are Durham's local time).
_ZONE = re.compile(r"\b(EST|EDT|ET|CST|CDT|PST|PDT|UTC|GMT|Z)\b", re.IGNORECASE)


def _twelve(match: re.Match) -> str:
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    if not 1 <= hour <= 12:
        return match.group(0)  # left as is: refused as a time below
    hour = hour % 12 + (12 if match.group(3).lower() == "p" else 0)
    return f"{hour:02d}:{minute:02d}"


def normalise_hours(text: str) -> str:
    """Hours as people write them, in the syntax of :func:`parse_hours`: en and em dashes
    and spaced dashes become ``-``, 12-hour times (``9am``, ``5:30 pm``) 24-hour ones, and
    a comma after a time separates windows (``Mon-Fri 09:00-17:00, Sat 10:00-14:00``).

    Raises
    ------
    InputError
        A time-zone name (hours are Durham's local time), quoting the user's text.
    """
    zone = _ZONE.search(text)
    if zone:
        raise InputError(
            f"hours {text!r}: {zone.group(0)!r}: hours are local time in Durham "
            "(America/New_York, daylight saving time included): drop the time zone",
            param="hours",
        )
    out = _TWELVE.sub(_twelve, text)
    out = _DASHES.sub("-", out)
    return re.sub(r"(?<=\d)\s*,\s*", "; ", out)


def parse_hours(text: str) -> np.ndarray:
    """The minutes of the week covered by an hours specification.

    Parameters
    ----------
    text
        Windows separated by ``;`` (see the module's description).

    Returns
    -------
    numpy.ndarray
        Boolean, shape (10080,): True where on duty (minute 0 is Monday 00:00).

    Raises
    ------
    InputError
        Naming the bad part and the fix, e.g. ``hours 'Mon-Fry 9-17': 'mon-fry' is not a day``.
    """
    mask = np.zeros(WEEK_MIN, dtype=bool)
    if not isinstance(text, str) or not text.strip():
        raise _fail(str(text), "empty")
    for window in normalise_hours(text).split(";"):
        window = window.strip()
        if not window:
            continue
        if window.lower() in ("24/7", "always"):
            mask[:] = True
            continue
        span = _SPAN.fullmatch(window)
        if span:  # one window from a day and time to another: Fri 22:00-Mon 06:00
            _mark_span(text, mask, *span.groups())
            continue
        tokens = window.split()
        times = tokens[-1] if re.match(r"^\d", tokens[-1]) else None
        day_text = " ".join(tokens[:-1] if times else tokens).replace(" ", "") or "daily"
        days = _days(text, day_text)
        if times is None:
            start, end = 0, 24 * 60
        else:
            start_text, sep, end_text = times.partition("-")
            if not sep:
                raise _fail(text, f"{times!r} is not a time range HH:MM-HH:MM")
            start, end = _minute(text, start_text), _minute(text, end_text)
            if start == 24 * 60:
                raise _fail(text, f"a window cannot start at {start_text!r}")
            if end <= start:
                end += 24 * 60  # crosses midnight: ends the next day
        for day in days:
            minutes = (day * 24 * 60 + np.arange(start, end)) % WEEK_MIN
            mask[minutes] = True
    if not mask.any():
        raise _fail(text, "no window")
    return mask


#: a window from one day and time to another (``Fri 22:00-Mon 06:00``)
_SPAN = re.compile(r"([A-Za-z]+)\s*(\d[\d:]*)\s*-\s*([A-Za-z]+)\s*(\d[\d:]*)")


def _mark_span(text: str, mask: np.ndarray, day_a: str, t_a: str, day_b: str, t_b: str):
    """Mark a window from ``day_a t_a`` to ``day_b t_b`` (wrapping past Sunday)."""
    days = []
    for day in (day_a, day_b):
        if day.lower() not in DAY_NUMBER:
            raise _fail(text, f"{day!r} is not a day (Mon..Sun)")
        days.append(DAY_NUMBER[day.lower()])
    start = days[0] * 24 * 60 + _minute(text, t_a)
    end = days[1] * 24 * 60 + _minute(text, t_b)
    if end <= start:
        end += WEEK_MIN  # runs past Sunday into the next week
    mask[np.arange(start, end) % WEEK_MIN] = True


def describe_mask(mask: np.ndarray) -> str:
    """Hours on duty per week, e.g. ``40 h a week``."""
    return f"{mask.sum() / 60:g} h a week"


def default_hours() -> dict:
    """The bundled scenario defaults (``hours_default.json``): per scenario its ``hours``,
    ``assumption`` and ``source``, and the call-workload defaults of the simulation.
    """
    return load_defs("hours_default.json")


def parse_hours_option(text: str) -> tuple[str, str]:
    """``--hours`` text: ``SCENARIO=HOURS`` (a scenario of ``scenarios.json``) or ``HOURS``
    for every scenario (key ``*``); the hours are checked here.
    """
    name, sep, spec = text.partition("=")
    key, spec = (name.strip(), spec.strip()) if sep else ("*", text.strip())
    names = scenario_names()
    if key != "*" and key not in names:
        given = ", ".join(f"{n}=HOURS" for n in names)
        raise InputError(
            f"hours {text!r}: {key!r} is not a scenario: give {given} "
            f"or HOURS alone for {'both' if len(names) == 2 else 'all'}, {EXAMPLES}",
            param="hours",
        )
    parse_hours(spec)
    return key, spec


#: The ``source`` recorded for hours given on the command line.
GIVEN_SOURCE = "--hours"


@dataclass(frozen=True)
class DutyHours:
    """A scenario's default duty hours and where they came from.

    Attributes
    ----------
    spec
        The hours in the syntax of :func:`parse_hours` (``daily 08:00-20:00``).
    assumption
        The sentence outputs show (``given: ...`` for hours given by the user).
    source
        Where they come from: a publication, ``--hours``, or ``no default``.
    given
        True when the user gave them (``--hours``); False for a labelled assumption.
    """

    spec: str
    assumption: str
    source: str
    given: bool = False

    @property
    def label(self) -> str:
        """``given`` or ``assumed``, as outputs label the hours."""
        return "given" if self.given else "assumed"

    def as_dict(self) -> dict:
        """The hours as recorded in outputs: ``hours``, ``assumption`` and ``source``."""
        return {"hours": self.spec, "assumption": self.assumption, "source": self.source}


def given_or_default(value: float | None, flag: str, defaults: dict) -> tuple[float, str]:
    """A value given as the option ``flag``, else the bundled default of
    ``hours_default.json`` (its key is the flag's name: ``--minutes-per-call`` ->
    ``minutes_per_call``) with that default's assumption and source.
    """
    if value is not None:
        return float(value), f"given ({flag})"
    key = flag.lstrip("-").replace("-", "_")
    source = f"assumption: {defaults[f'{key}_assumption']} ({defaults[f'{key}_source']})"
    return float(defaults[key]), source


def brief_hours(spec: str, limit: int = 60) -> str:
    """Hours for a line of text: as written, or, when longer than ``limit`` characters,
    the first windows and how many there are (summary.json keeps them whole).
    """
    if len(spec) <= limit:
        return spec
    windows = [w.strip() for w in spec.split(";") if w.strip()]
    shown = ""
    for w in windows:
        if len(shown) + len(w) > limit - 20:
            break
        shown += f"{w}; "
    return f"{shown or spec[: limit - 20]}… ({len(windows):,} windows in all)"


def scenario_hours(scenario: str, overrides: dict[str, str]) -> DutyHours:
    """The default hours of a scenario's units, from ``--hours`` (``overrides``: by
    scenario, ``*`` for all) or the bundled defaults (``hours_default.json``).
    """
    spec = overrides.get(scenario, overrides.get("*"))
    if spec is not None:
        return DutyHours(spec, f"given: {brief_hours(spec)}", GIVEN_SOURCE, given=True)
    defaults = default_hours()["scenarios"]
    if scenario not in defaults:
        return DutyHours("24/7", "always on duty", "no default")
    d = defaults[scenario]
    return DutyHours(d["hours"], d["assumption"], d["source"])
