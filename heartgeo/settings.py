"""The parameters of a run: one declaration per parameter.

Each field of :class:`Settings` carries, in its metadata, everything that is derived
from it elsewhere: the command-line option (``flag``, ``help``), its validity rule
(``check``) and its name in ``summary.json`` (``record``). The CLI builds its options
from these fields, :meth:`Settings.validate` checks them, and :meth:`Settings.as_dict`
records them; a new parameter is one new field.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from heartgeo.config import (
    DEFAULT_BANDS_MIN,
    DEFAULT_BUFFER_M,
    DEFAULT_CELL_SIZE_M,
    DEFAULT_MAX_SNAP_M,
    POLYGON_METHODS,
    data_search_path,
)
from heartgeo.errors import InputError

#: Travel models: ``auto`` chooses between the other two (see :mod:`heartgeo.travel.choice`).
MODELS = ("auto", "network", "crowfly")
#: Sources of the tracts' population.
POPULATIONS = ("census2020", "acs")


def _positive(value: float) -> str | None:
    return None if math.isfinite(value) and value > 0 else "give a positive number"


def _metres_up_to(limit: float, what: str):
    """A check: a positive distance of at most ``limit`` metres (``what`` says why)."""

    def check(value: float) -> str | None:
        if not (math.isfinite(value) and value > 0):
            return f"give a positive number of metres, at most {limit:g}"
        return None if value <= limit else f"give at most {limit:g} m ({what})"

    return check


def _positive_or_none(value: float | None) -> str | None:
    return None if value is None else _positive(value)


def _factor(value: float | None) -> str | None:
    if value is None or (math.isfinite(value) and value >= 1.0):
        return None
    return "give a finite factor >= 1 (network / straight distance)"


def _one_of(choices: tuple[str, ...]):
    """The check of a parameter that takes one of ``choices``."""
    return lambda value: None if value in choices else f"choose {', '.join(choices)}"


def _at_least_one(value: int) -> str | None:
    return None if value >= 1 else "give at least 1"


def _workers(value: int | None) -> str | None:
    return None if value is None or value >= 1 else "give at least 1 (or leave it unset)"


def param(default: Any = None, *, flag: str, help: str, check=None, record: Any = True, **kw):
    """A :class:`Settings` field: its default and what the CLI, checks and summary need.

    ``record`` is the key in ``summary.json`` (True: the field's name; False: not
    recorded, for settings that never change a result); other keywords go to the CLI
    option (``type``, ``multiple``, ``is_flag``...).
    """
    meta = {"flag": flag, "help": help, "check": check, "record": record, "option": kw}
    if isinstance(default, dict | list):
        return field(default_factory=lambda: type(default)(default), metadata=meta)
    return field(default=default, metadata=meta)


@dataclass
class Settings:
    """Every parameter of a run (recorded in ``summary.json``)."""

    data_dir: Path | None = param(
        flag="--data-dir",
        help="Data directory holding boundaries/, census/, roads/ (default: $HEARTGEO_DATA, "
        "else what 'heartgeo fetch' downloaded into the per-user data directory, over the "
        "Durham data bundled with heartgeo).",
        kind="dir",
    )
    network: Path | None = param(
        flag="--network",
        help="Road network file, OSM XML (.osm) or GraphML (.graphml) (default: "
        "roads/durham_drive.graphml from 'heartgeo fetch', else the central-Durham OSM "
        "extract bundled with heartgeo).",
        kind="file",
    )
    network_extent: Path | None = param(
        flag="--network-extent",
        help="Polygon file of the area where the network's road data is complete "
        "(default: read from the network file; outside it results are 'unknown').",
        kind="file",
    )
    travel_model: str = param(
        "auto",
        flag="--travel-model",
        help="'network': free-flow drive time on the road network (unknown outside its "
        "extent); 'crowfly': straight-line screening model (distance x circuity / speed) "
        "calibrated on the loaded network; 'auto': network where the loaded road network "
        "covers at least 95 % of the study area, else crowfly.",
        check=_one_of(MODELS),
        kind="choice",
        choices=MODELS,
    )
    population: str = param(
        "census2020",
        flag="--population",
        help="Residents per tract: 'census2020', the 2020 decennial count (P.L. 94-171), "
        "with the city's own 2020 count as the allocation's control total; or 'acs', the "
        "ACS 2020-2024 estimate (no control total).",
        check=_one_of(POPULATIONS),
        kind="choice",
        choices=POPULATIONS,
    )
    bands_min: tuple[float, ...] = param(
        DEFAULT_BANDS_MIN,
        flag="--bands",
        help="Drive-time bands in minutes, strictly increasing, comma-separated.",
        record="bands_minutes",
        kind="bands",
    )
    buffer_m: float = param(
        DEFAULT_BUFFER_M,
        flag="--buffer",
        help="Width (metres) around reached road segments that forms an isochrone polygon.",
        check=_metres_up_to(5000, "the band around a reached road; a few hundred metres is usual"),
        record="isochrone_buffer_m",
    )
    polygons: str = param(
        "exact",
        flag="--polygons",
        help="How isochrone polygons are drawn: 'exact', the union of the buffered reached "
        "roads; 'fast', traced on a travel-time grid with cells a fifth of --buffer wide, "
        "several times faster on a city-size network, edges within about one cell (for "
        "previews; maps and summaries say so). Network travel model only: crow-fly bands "
        "are circles.",
        check=_one_of(POLYGON_METHODS),
        record="isochrone_polygons",
        kind="choice",
        choices=POLYGON_METHODS,
    )
    cell_size_m: float = param(
        DEFAULT_CELL_SIZE_M,
        flag="--cell-size",
        help="Distance (metres) between the centres of the hexagonal demand cells.",
        check=_metres_up_to(5000, "cells wider than a few kilometres hide every neighbourhood"),
    )
    max_snap_m: float = param(
        DEFAULT_MAX_SNAP_M,
        flag="--max-snap",
        help="Staging points farther than this (metres) from a road node are refused.",
        check=_metres_up_to(10_000, "a staging point this far from a road is misplaced"),
    )
    road_speeds_kmh: dict[str, float] = param(
        {},
        flag="--road-speed",
        help="Speed for OSM road class CLASS where maxspeed is missing, in km/h or with an "
        "mph suffix, e.g. --road-speed residential=25mph (repeatable).",
        record="road_speed_overrides_kmh",
        kind="speeds",
    )
    pilot_beats: tuple[int, ...] | None = param(
        flag="--pilot-beats",
        help="Pilot area as police beat numbers, e.g. 111,112,511 (default: the bundled "
        "approximation of the 12 pilot beats).",
        kind="beats",
    )
    pilot_area: Path | None = param(
        flag="--pilot-area",
        help="Pilot area as a polygon file (GeoJSON/GPKG) instead of beats.",
        kind="file",
    )
    focus: str | None = param(
        flag="--focus",
        help="Study one zone instead of each scenario's area: district:D3, beat:324[,325...] "
        "or a polygon file; units keep their sites (anywhere in the city) and serve it from "
        "there. `heartgeo zones` lists districts and beats.",
    )
    hours: dict[str, str] = param(
        {},
        flag="--hours",
        help="Duty hours of the units without their own (a staging file's 'hours' column): "
        "SCENARIO=HOURS or HOURS for every scenario, e.g. --hours 'citywide=daily "
        "07:00-19:00' or --hours 'Mon-Fri 09:00-17:00; Sat 10:00-14:00' (repeatable; "
        "default: data/boundaries/hours_default.json, labelled assumptions).",
        record="hours_override",
        kind="hours",
    )
    calls: Path | None = param(
        flag="--calls",
        help="Call demand: CSV with lon,lat (optional weight, time in ISO 8601 local time) "
        "or a point layer; coverage, the hour-of-week table, siting and the simulation then "
        "measure calls instead of residents.",
        kind="file",
    )
    circuity: float | None = param(
        flag="--circuity",
        help="Crow-fly model: network/straight distance factor (default: fitted).",
        check=_factor,
    )
    crowfly_speed_kmh: float | None = param(
        flag="--crowfly-speed",
        help="Crow-fly model: speed in km/h (default: fitted).",
        check=_positive_or_none,
    )
    use_cache: bool = param(
        True,
        flag="--no-cache",
        help="Prepare the network and demand cells afresh instead of reusing the cache "
        "($HEARTGEO_CACHE, default ~/.cache/heartgeo; keyed by the inputs' sha256).",
        kind="negated_flag",
    )
    max_cells: int = param(
        500_000,
        flag="--max-cells",
        help="Refuse a run whose study area needs more demand cells than this (each costs "
        "memory and time; the city at the default cell size needs about 6,000).",
        check=_at_least_one,
        record=False,
    )
    unit_limit: int = param(
        500,
        flag="--unit-limit",
        help="Refuse a staging file with more units than this.",
        check=_at_least_one,
        record=False,
    )
    per_unit_limit: int = param(
        50,
        flag="--per-unit-limit",
        help="Build and write per-unit isochrones only for scenarios with at most this many "
        "units (the dissolved bands are always written).",
        check=_at_least_one,
    )
    workers: int | None = param(
        flag="--workers",
        help="Threads for geometry work (default: every core).",
        check=_workers,
        record=False,
    )

    def validate(self) -> None:
        """Check every parameter that has a rule.

        Raises
        ------
        InputError
            Naming the parameter (``param``) and the fix.
        """
        for f in fields(self):
            check = f.metadata.get("check")
            value = getattr(self, f.name)
            problem = check(value) if check else None
            if problem:
                raise InputError(f"{f.name} {value!r}: {problem}", param=f.name)

    def as_dict(self) -> dict:
        """The recorded parameters, JSON-ready, as written into ``summary.json``."""
        out: dict[str, Any] = {}
        for f in fields(self):
            record = f.metadata.get("record", True)
            if record is False:
                continue
            out[f.name if record is True else record] = _jsonable(getattr(self, f.name))
            if f.name == "data_dir":
                out["data_search_path"] = [str(d) for d in data_search_path(self.data_dir)]
        return out

    @property
    def n_workers(self) -> int:
        """Threads to use: ``workers``, else the CPUs this process may use."""
        from heartgeo.parallel import available_cpus

        return self.workers or available_cpus()


def _jsonable(value: Any) -> Any:
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, tuple):
        return list(value) or None
    if isinstance(value, dict):
        return dict(value)
    return value


#: Python name -> command-line option, for messages.
FLAGS = {f.name: f.metadata["flag"] for f in fields(Settings)}
