"""Constants, the data directory and the definitions bundled with heartgeo."""

from __future__ import annotations

import json
import math
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
#: Ways to draw isochrone polygons: the union of buffered reached road (``exact``), or
#: traced on a travel-time grid (``fast``; see :mod:`heartgeo.network.timegrid`).
POLYGON_METHODS = ("exact", "fast")
#: Distance between the centres of neighbouring hexagonal demand cells (metres).
DEFAULT_CELL_SIZE_M = 250.0
#: Staging points farther than this from a drivable road node are refused (metres);
#: openrouteservice snaps within 350 m, ArcGIS Network Analyst within 5,000 m.
DEFAULT_MAX_SNAP_M = 500.0
#: Snaps longer than this are accepted with a warning (metres).
WARN_SNAP_M = 100.0

#: ``--travel-model auto`` uses the network model where the loaded road network covers
#: at least this share of the study area, else the crow-fly screening model.
MIN_NETWORK_SHARE = 0.95

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


#: Environment variable naming the per-user data directory (default: the platform's
#: user data directory, e.g. ``~/.local/share/heartgeo`` on Linux).
USER_DATA_ENV = "HEARTGEO_USER_DATA"
#: Name of the manifest inside a data directory and inside the bundled data.
MANIFEST = "manifest.json"


def bundled_data_dir() -> Path:
    """The Durham data bundled with heartgeo (``data/`` of the repository, installed as
    the package ``heartgeo.data``).
    """
    return Path(str(resources.files("heartgeo.data")))


def user_data_dir() -> Path:
    """The per-user data directory that ``heartgeo fetch`` fills by default.

    ``$HEARTGEO_USER_DATA`` if set, else the platform's user data directory for heartgeo
    (platformdirs; never inside the installed package).
    """
    chosen = os.environ.get(USER_DATA_ENV)
    if chosen:
        return Path(chosen).expanduser()
    from platformdirs import user_data_path

    return user_data_path("heartgeo", appauthor=False)


def defs_path(name: str) -> Path:
    """Path of a bundled definition file from ``data/boundaries/``."""
    return bundled_data_dir() / "boundaries" / name


@cache
def load_defs(name: str) -> dict[str, Any]:
    """Parsed JSON of a bundled definition file (``pilot_beats.json``...) or, for
    ``manifest.json``, of the data manifest.
    """
    path = bundled_data_dir() / MANIFEST if name == MANIFEST else defs_path(name)
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def manifest() -> dict[str, Any]:
    """The data manifest (``data/manifest.json``): bundled files, layers, networks."""
    return load_defs(MANIFEST)


def resolve_data_dir(data_dir: str | os.PathLike | None) -> Path | None:
    """The explicit data directory: the argument, else ``$HEARTGEO_DATA``, else None.

    None means the default search path (:func:`data_search_path`).

    Raises
    ------
    InputError
        If the directory given does not exist.
    """
    chosen = data_dir or os.environ.get(DATA_ENV)
    if not chosen:
        return None
    path = Path(chosen).expanduser()
    if not path.is_dir():
        raise InputError(
            f"data directory {path} does not exist: pass --data-dir (or set {DATA_ENV}) to a "
            "folder that holds boundaries/, census/ and roads/, or neither to use the bundled data"
        )
    return path


def data_search_path(data_dir: Path | None) -> list[Path]:
    """Where input files are looked for, first match wins.

    An explicit data directory (``--data-dir`` or ``$HEARTGEO_DATA``) is used alone: a
    folder of one's own data is never mixed with the bundled Durham files. Without one,
    the per-user data directory (what ``heartgeo fetch`` downloaded) comes first, then
    the data bundled with heartgeo.
    """
    if data_dir is not None:
        return [Path(data_dir)]
    return [user_data_dir(), bundled_data_dir()]


def data_file(data_dir: Path | None, rel: str) -> Path:
    """The file ``rel`` (e.g. ``boundaries/city_limits_2025.geojson``) on the search path;
    where no directory has it, its path in the first directory (for the error message).
    """
    dirs = data_search_path(data_dir)
    for d in dirs:
        if (d / rel).exists():
            return d / rel
    return dirs[0] / rel if data_dir is not None else dirs[-1] / rel


def layer_path(data_dir: Path | None, layer: str) -> Path:
    """Where ``layer`` (a key of the manifest's ``layers``) is found for ``data_dir``."""
    layers = manifest()["layers"]
    if layer not in layers:
        raise KeyError(layer)
    return data_file(data_dir, layers[layer]["path"])


def parse_bands(text: str | None) -> tuple[float, ...]:
    """Parse ``"5,10,15"`` into sorted, positive minutes.

    Raises
    ------
    InputError
        Naming the bad value (parameter ``bands_min``).
    """
    if text is None or str(text).strip() == "":
        return DEFAULT_BANDS_MIN
    values = []
    for part in str(text).split(","):
        try:
            value = float(part)
        except ValueError:
            raise InputError(
                f"bands_min: {part.strip()!r} is not a number of minutes; give e.g. 5,10,15",
                param="bands_min",
            ) from None
        if not math.isfinite(value) or value <= 0:
            raise InputError(
                f"bands_min: {part.strip()} minutes is not a positive finite time; give e.g. 5,10,15",
                param="bands_min",
            )
        values.append(value)
    if values != sorted(values) or len(set(values)) != len(values):
        raise InputError(
            f"bands_min {text}: give strictly increasing minutes, e.g. 5,10,15", param="bands_min"
        )
    return tuple(values)
