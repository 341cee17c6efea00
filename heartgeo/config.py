"""Constants, the data directory and the definitions bundled with heartgeo."""

from __future__ import annotations

import json
import os
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from heartgeo.errors import InputError

#: Metric CRS for every computation: NAD83 / North Carolina State Plane (metres).
METRIC_CRS = "EPSG:32119"
#: Geographic CRS used at the edges (input files, maps).
LONLAT_CRS = "EPSG:4326"
#: Environment variable naming the data directory.
DATA_ENV = "HEARTGEO_DATA"

DEFAULT_BANDS_MIN: tuple[float, ...] = (5.0, 10.0, 15.0)
#: Buffer around reached road segments that makes an isochrone polygon (metres).
DEFAULT_BUFFER_M = 100.0
#: Distance between the centres of neighbouring hexagonal demand cells (metres).
DEFAULT_CELL_SIZE_M = 250.0
#: Staging points farther than this from a drivable road node are refused (metres);
#: openrouteservice snaps within 350 m, ArcGIS Network Analyst within 5,000 m.
DEFAULT_MAX_SNAP_M = 500.0
#: Snaps longer than this are accepted with a warning (metres).
WARN_SNAP_M = 100.0
#: A demand cell whose centre is farther than this from the network is unreachable (metres).
DEFAULT_MAX_ACCESS_M = 500.0
#: Speed of the last stretch between the network and a demand cell's centre (km/h).
DEFAULT_ACCESS_SPEED_KMH = 10.0

#: Tolerance of the simplification applied to boundary polygons when read (metres).
BOUNDARY_TOLERANCE_M = 0.5

#: Free-flow speeds (km/h) for drivable roads that have no usable ``maxspeed`` tag,
#: by OSM ``highway`` class: typical posted US urban limits (mph in brackets).
DEFAULT_ROAD_SPEEDS_KMH: dict[str, float] = {
    "motorway": 104.6,  # 65
    "motorway_link": 56.3,  # 35
    "trunk": 80.5,  # 50
    "trunk_link": 48.3,  # 30
    "primary": 56.3,  # 35
    "primary_link": 40.2,  # 25
    "secondary": 56.3,  # 35
    "secondary_link": 40.2,  # 25
    "tertiary": 48.3,  # 30
    "tertiary_link": 40.2,  # 25
    "unclassified": 40.2,  # 25
    "residential": 40.2,  # 25
    "living_street": 16.1,  # 10
    "road": 40.2,  # 25
}
#: Speed for a road class absent from the table above (km/h).
FALLBACK_SPEED_KMH = 40.2


def defs_path(name: str) -> Path:
    """Path of a bundled definition file from ``data/boundaries/``."""
    return Path(str(resources.files("heartgeo.boundary_defs").joinpath(name)))


@cache
def load_defs(name: str) -> dict[str, Any]:
    """Parsed JSON of a bundled definition file (``sources.json``, ``pilot_beats.json``...)."""
    with open(defs_path(name), encoding="utf-8") as f:
        return json.load(f)


def resolve_data_dir(data_dir: str | os.PathLike | None) -> Path:
    """The data directory: the argument, else ``$HEARTGEO_DATA``.

    Raises
    ------
    InputError
        If neither is given or the directory does not exist.
    """
    chosen = data_dir or os.environ.get(DATA_ENV)
    if not chosen:
        raise InputError(
            f"no data directory: pass --data-dir DIR or set {DATA_ENV}=DIR "
            "(for example ../shared/data/durham)"
        )
    path = Path(chosen).expanduser()
    if not path.is_dir():
        raise InputError(
            f"data directory {path} does not exist: pass --data-dir or set {DATA_ENV} "
            "to the folder that holds boundaries/, census/ and roads/"
        )
    return path


def layer_path(data_dir: Path, layer: str) -> Path:
    """Where ``layer`` (a key of ``sources.json``) lives inside ``data_dir``."""
    layers = load_defs("sources.json")["layers"]
    if layer not in layers:
        raise KeyError(layer)
    return data_dir / layers[layer]["path"]


def parse_bands(text: str | None) -> tuple[float, ...]:
    """Parse ``"5,10,15"`` into sorted, positive minutes; errors name the bad value."""
    if text is None or str(text).strip() == "":
        return DEFAULT_BANDS_MIN
    values = []
    for part in str(text).split(","):
        try:
            value = float(part)
        except ValueError:
            raise InputError(
                f"--bands: {part.strip()!r} is not a number of minutes; give e.g. --bands 5,10,15"
            ) from None
        if not value > 0 or value != value or value == float("inf"):
            raise InputError(
                f"--bands: {part.strip()} minutes is not a positive finite time; give e.g. 5,10,15"
            )
        values.append(value)
    if values != sorted(values) or len(set(values)) != len(values):
        raise InputError(
            f"--bands: {text} must be strictly increasing minutes, e.g. --bands 5,10,15"
        )
    return tuple(values)
