"""Tables rounded for a reader: people whole, shares to 0.1 %, no float noise."""

from __future__ import annotations

import re

import pandas as pd

#: Column names that count people, households or calls (whole numbers in CSVs) ...
_COUNT = re.compile(
    r"(^|_)(population|residents|people|households|calls|weight|total|known|within|covered"
    r"|answered|missed|unreached|allocated|outside|unadjusted)(_|$)"
)
#: ... unless they hold one of these (an area, a length, a time, a share or a rate).
_NOT_COUNT = re.compile(r"km|share|minutes|median|_per_|^per_|_m$|rate|utilisation|ci95|mean|p\d\d")
#: Shares and fractions: 0.001 (0.1 %).
_SHARE = re.compile(r"share|utilisation|ci95|fraction|probability|(^|_)q($|_)")


#: A text cell a spreadsheet would run as a formula starts with one of these.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _inert(value):
    """A text cell made inert for spreadsheets: a leading ``'`` before a formula start."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def tidy_table(frame: pd.DataFrame) -> pd.DataFrame:
    """A table rounded for a reader: counts of people, households or calls to whole
    numbers, shares to 0.001 (0.1 %), lon/lat to 1e-6 degrees, other measures to 0.001;
    no float noise (``5.45697e-12`` is written 0); a text cell that starts like a formula
    (``=HYPERLINK(...)``) gets a leading ``'`` so that no spreadsheet runs it.
    """
    out = frame.copy()
    for column in out.columns:
        values = out[column]
        if values.dtype == object or pd.api.types.is_string_dtype(values):
            out[column] = values.map(_inert)
            continue
        if not pd.api.types.is_float_dtype(values):
            continue
        name = str(column).lower()
        if name in ("lon", "lat", "x", "y"):
            out[column] = values.round(6)
        elif _SHARE.search(name):
            out[column] = values.round(3)
        elif _COUNT.search(name) and not _NOT_COUNT.search(name):
            out[column] = values.round(0).astype("Int64")
        else:
            out[column] = values.round(3)
        if pd.api.types.is_float_dtype(out[column]):
            out[column] = out[column].mask(out[column] == 0, 0.0)  # no "-0.0"
    return out
