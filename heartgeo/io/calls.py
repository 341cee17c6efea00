"""Call demand: where (and when) eligible calls happened.

A call file is a CSV with longitude/latitude columns (WGS84) or any point layer, with an
optional ``weight`` (a finite number >= 0; default 1) and an optional ``time`` (ISO 8601:
local time, e.g. ``2024-03-05T14:20``, or with an offset, ``2024-03-05T19:20Z``, converted
to America/New_York; an empty cell means "time unknown"). Calls whose time is unknown
count spread evenly over the week. Bad rows are refused with the file,
row and fix; calls outside a study area are counted and reported by the pipeline, never
dropped silently.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from heartgeo.config import METRIC_CRS
from heartgeo.errors import InputError, shown
from heartgeo.io.hours import WEEK_MIN
from heartgeo.io.layers import read_layer, split_layer
from heartgeo.io.staging import read_lonlat_csv
from heartgeo.progress import QUIET, Progress

WEIGHT_NAMES = ("weight", "calls", "count", "n")
TIME_NAMES = ("time", "datetime", "timestamp", "received", "call_time")


@dataclass
class Calls:
    """Call points (EPSG:32119) with weights and, where known, their minute of the week.

    Attributes
    ----------
    xy
        Coordinates, shape (C, 2), metres.
    weight
        Weight of each call (1 unless the file gives one).
    minute
        Minute of the week of each call (Monday 00:00 is 0), -1 where its time is unknown.
    source
        The file read.
    """

    xy: np.ndarray
    weight: np.ndarray
    minute: np.ndarray
    source: str
    #: days from the first to the last timed call (inclusive), None without times
    days_spanned: float | None = None

    def __len__(self) -> int:
        return len(self.weight)

    @property
    def timed(self) -> np.ndarray:
        """Whether each call's time is known."""
        return self.minute >= 0

    def hour_profile(self) -> np.ndarray | None:
        """Relative call rate per hour of the week (mean 1) from the timed calls, or None
        when fewer than 168 calls have a time (too few to estimate 168 rates).
        """
        timed = self.timed
        if self.weight[timed].sum() < 168:
            return None
        counts = np.bincount(
            self.minute[timed] // 60, weights=self.weight[timed], minlength=168
        ).astype(float)
        return counts / counts.mean()

    def inside(self, area) -> np.ndarray:
        """Whether each call lies in ``area`` (a point on its boundary is inside)."""
        return shapely.intersects_xy(area, self.xy[:, 0], self.xy[:, 1])

    def subset(self, keep: np.ndarray) -> Calls:
        """The calls where ``keep`` is True."""
        return Calls(
            self.xy[keep], self.weight[keep], self.minute[keep], self.source, self.days_spanned
        )


def _column(frame: pd.DataFrame, names: tuple[str, ...]) -> str | None:
    lower = {str(c).lower().strip(): c for c in frame.columns if c != "geometry"}
    return next((lower[n] for n in names if n in lower), None)


def read_calls(path: str | Path, progress: Progress = QUIET) -> Calls:
    """Read a call file (CSV lon/lat or a point layer).

    Raises
    ------
    InputError
        Missing or empty file, bad coordinates, a weight that is not a finite number
        >= 0, a time that is not ISO 8601 -- naming the file, the row and the fix.
    """
    path, layer = split_layer(path)
    what = "calls"
    if not path.exists():
        raise InputError(f"calls file {path} does not exist: check the path", param="calls")
    if path.stat().st_size == 0:
        raise InputError(f"calls file {path} is empty: give a header lon,lat and one row per call")
    if path.suffix.lower() in (".csv", ".txt"):
        gdf = read_lonlat_csv(path, what)
        offset = 2
    else:
        gdf = read_layer(
            f"{path}:{layer}" if layer else path,
            what=what,
            geom_types=("Point",),
            progress=progress,
            null_geometries="refuse",
        )
        offset = 0
    gdf = gdf.to_crs(METRIC_CRS)
    weight = _weights(gdf, path, offset)
    minute, days = _minutes(gdf, path, offset)
    assert (minute < WEEK_MIN).all()
    xy = np.c_[gdf.geometry.x.to_numpy(), gdf.geometry.y.to_numpy()]
    return Calls(xy=xy, weight=weight, minute=minute, source=str(path), days_spanned=days)


def _weights(gdf, path: Path, offset: int) -> np.ndarray:
    """Each call's weight (its ``weight`` column; 1 where empty or absent)."""
    weight = np.ones(len(gdf))
    wcol = _column(gdf, WEIGHT_NAMES)
    if wcol is not None:
        text = gdf[wcol].astype(str).str.strip()
        num = pd.to_numeric(text.replace("", "1"), errors="coerce").to_numpy(float)
        bad = ~np.isfinite(num) | (num < 0) | (num > MAX_WEIGHT)
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            raise InputError(
                f"calls file {path}, row {row + offset}: {wcol} {shown(text.iloc[row])} is not "
                f"a number from 0 to {MAX_WEIGHT:g}: give each call's weight (or leave the cell "
                "empty for 1)"
            )
        weight = num
    if len(weight) and not (weight > 0).any():
        raise InputError(
            f"calls file {path}: every call's {wcol} is 0: give the calls weights > 0 (or "
            "leave the column out: each call then counts 1)"
        )
    return weight


#: The largest weight of one call (it stands for this many calls at that place).
MAX_WEIGHT = 1e6
#: The time zone of Durham's calls: times with an offset are converted to it, naive
#: times are read as its wall-clock time.
LOCAL_TZ = "America/New_York"
#: A call's time may lie at most this many days after today ...
MAX_FUTURE_DAYS = 366
#: ... and at most this many days before the bulk of the calls (1st percentile) or after
#: it (99th): one stray year would otherwise divide the call rate.
MAX_OUTLIER_DAYS = 366
_OFFSET = r"(?<=\d)(?:Z|[+-]\d{2}(?::?\d{2})?)$"
#: a date without a time: 2024-03-05, 20240305, 2024-03, 2024
_DATE_ONLY = r"^\d{4}(?:-?\d{2}(?:-?\d{2})?)?$"


def _minutes(gdf, path: Path, offset: int) -> tuple[np.ndarray, float | None]:
    """Each call's minute of the week in local time (-1 without a time) and the days its
    times span.

    ISO 8601 with an offset (``Z``, ``-05:00``) is converted to :data:`LOCAL_TZ`
    (daylight saving time included); a naive time is local wall-clock time. A date
    without a time, a time over a year ahead, or one far from all the others is refused
    with its row.
    """
    minute = np.full(len(gdf), -1, dtype=np.int64)
    tcol = _column(gdf, TIME_NAMES)
    if tcol is None:
        return minute, None
    text = gdf[tcol].astype(str).str.strip()
    given = ((text != "") & ~text.str.lower().isin(("nan", "none", "nat"))).to_numpy()

    def refuse(row: int, why: str):
        raise InputError(
            f"calls file {path}, row {row + offset}: {tcol} {shown(text.iloc[row])} {why}"
        )

    date_only = given & text.str.fullmatch(_DATE_ONLY).to_numpy()
    if date_only.any():
        refuse(int(np.flatnonzero(date_only)[0]), "is a date without a time of day: give local "
               "time as YYYY-MM-DDTHH:MM (or leave the cell empty: the call then counts "
               "spread over the week)")  # fmt: skip
    year = pd.to_numeric(text.str.extract(r"^(\d{4})-", expand=False), errors="coerce")
    ahead = given & (year > pd.Timestamp.now().year + 1).to_numpy()
    if ahead.any():
        refuse(int(np.flatnonzero(ahead)[0]), "lies more than a year in the future: check the year")
    # ISO 8601's 24:00 is the end of a day: the next day's 00:00
    end = text.str.extract(r"^(\d{4}-\d{2}-\d{2})T24:00(?::00)?(.*)$")
    if end[0].notna().any():
        next_day = pd.to_datetime(end[0], errors="coerce") + pd.Timedelta(days=1)
        fixed = next_day.dt.strftime("%Y-%m-%dT00:00") + end[1].fillna("")
        text = text.mask(end[0].notna() & next_day.notna(), fixed)
    zoned = given & text.str.contains(_OFFSET, regex=True).to_numpy()
    local = pd.to_datetime(text.where(given & ~zoned), errors="coerce", format="ISO8601")
    if zoned.any():
        utc = pd.to_datetime(text.where(zoned), errors="coerce", format="ISO8601", utc=True)
        local = local.mask(zoned, utc.dt.tz_convert(LOCAL_TZ).dt.tz_localize(None))
    bad = given & local.isna().to_numpy()
    if bad.any():
        refuse(int(np.flatnonzero(bad)[0]), "is not an ISO 8601 time: give local time as "
               "YYYY-MM-DDTHH:MM, or with its offset (2024-03-05T19:20Z), or leave the cell empty")  # fmt: skip
    ok = local.notna().to_numpy()
    if not ok.any():
        return minute, None
    stamps = pd.DatetimeIndex(local[ok])
    _check_plausible(stamps, np.flatnonzero(ok), refuse)
    days = float((stamps.max().normalize() - stamps.min().normalize()).days + 1)
    minute[ok] = (stamps.day_of_week * 1440 + stamps.hour * 60 + stamps.minute).to_numpy()
    return minute, days


def _check_plausible(stamps: pd.DatetimeIndex, rows: np.ndarray, refuse) -> None:
    """Refuse a time over a year ahead of today, or far from the bulk of the calls."""
    future = stamps > pd.Timestamp.now() + pd.Timedelta(days=MAX_FUTURE_DAYS)
    if future.any():
        refuse(int(rows[np.flatnonzero(future)[0]]), "lies more than a year in the future: "
               "check the year")  # fmt: skip
    values = np.asarray((stamps - pd.Timestamp(0)) / pd.Timedelta(days=1), dtype=float)
    low, high = np.percentile(values, [1, 99])
    far = (values < low - MAX_OUTLIER_DAYS) | (values > high + MAX_OUTLIER_DAYS)
    if far.any():
        first = (pd.Timestamp(0) + pd.Timedelta(days=low)).date()
        last = (pd.Timestamp(0) + pd.Timedelta(days=high)).date()
        refuse(int(rows[np.flatnonzero(far)[0]]), f"lies over a year from the other calls "
               f"({first} to {last}): fix or drop that row (it would divide the call rate)")  # fmt: skip


def calls_frame(calls: Calls) -> gpd.GeoDataFrame:
    """The calls as a point layer (EPSG:32119)."""
    return gpd.GeoDataFrame(
        {"weight": calls.weight, "minute_of_week": calls.minute},
        geometry=gpd.points_from_xy(calls.xy[:, 0], calls.xy[:, 1]),
        crs=METRIC_CRS,
    )
