"""OpenStreetMap tag rules: which ways are drivable, and road speeds given as text.

The drive filter follows OSMnx's ``network_type="drive"`` rules and is applied after
loading (files and Overpass answers may hold every highway type). It serves the network
loader and ``heartgeo fetch`` alike.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from heartgeo.errors import InputError

#: ``highway`` values that are not drivable (OSMnx's drive filter).
EXCLUDED_HIGHWAYS = frozenset(
    [
        "abandoned",
        "bridleway",
        "bus_guideway",
        "construction",
        "corridor",
        "cycleway",
        "elevator",
        "escalator",
        "footway",
        "no",
        "path",
        "pedestrian",
        "planned",
        "platform",
        "proposed",
        "raceway",
        "razed",
        "rest_area",
        "service",
        "services",
        "steps",
        "track",
    ]
)
EXCLUDED_SERVICE = frozenset(
    ["alley", "driveway", "emergency_access", "parking", "parking_aisle", "private"]
)
#: Road classes whose length weights where people live (dasymetric population weights).
RESIDENTIAL_HIGHWAYS = frozenset({"residential", "living_street"})
#: Way tags OSMnx must keep for the drive filter.
EXTRA_WAY_TAGS = ("motor_vehicle", "motorcar")


def parse_speeds(items: tuple[str, ...] | list[str]) -> dict[str, float]:
    """Parse ``["residential=25mph", "primary=60"]`` into km/h by road class.

    Raises
    ------
    InputError
        Naming the bad item (parameter ``road_speeds_kmh``).
    """
    speeds: dict[str, float] = {}
    for item in items:
        name, sep, value = item.partition("=")
        match = re.fullmatch(r"\s*([0-9]+\.?[0-9]*|\.[0-9]+)\s*(mph|kmh|km/h)?\s*", value)
        if not sep or not name.strip() or match is None or float(match.group(1)) <= 0:
            raise InputError(
                f"road_speeds_kmh {item!r}: give CLASS=SPEED with a positive speed in km/h "
                "(or with an mph suffix), e.g. residential=25mph",
                param="road_speeds_kmh",
            )
        kmh = float(match.group(1)) * (SPEED_UNITS_KMH["mph"] if match.group(2) == "mph" else 1.0)
        speeds[name.strip()] = kmh
    return speeds


def first_value(value) -> str:
    """The first value of an OSMnx edge attribute (a list where simplification merged ways)."""
    if isinstance(value, list):
        value = value[0] if value else ""
    return str(value) if value is not None else ""


def tag_values(value) -> set[str]:
    """Every value of a tag: list items and ``;``-separated values, stripped."""
    if value is None:
        return set()
    items = value if isinstance(value, list) else [value]
    out: set[str] = set()
    for item in items:
        out.update(part.strip() for part in str(item).split(";"))
    return out


def is_drivable(data: dict) -> bool:
    """Whether an OSM way's tags make it part of the drive network."""
    highways = tag_values(data.get("highway"))
    if not highways or highways & EXCLUDED_HIGHWAYS:
        return False
    if "yes" in tag_values(data.get("area")):
        return False
    if {"no"} & (tag_values(data.get("motor_vehicle")) | tag_values(data.get("motorcar"))):
        return False
    if tag_values(data.get("service")) & EXCLUDED_SERVICE:
        return False
    return "private" not in tag_values(data.get("access"))


def keep_drivable(graph) -> None:
    """Remove the edges of an OSMnx graph that are not drivable, and the nodes left without
    an edge (in place).
    """
    edges = list(graph.edges(keys=True, data=True))
    keep = drivable_mask(tuple(_hashable(d.get(k)) for k in DRIVE_TAGS) for _, _, _, d in edges)
    graph.remove_edges_from(
        [(u, v, k) for (u, v, k, _), ok in zip(edges, keep, strict=True) if not ok]
    )
    graph.remove_nodes_from([n for n, deg in dict(graph.degree()).items() if deg == 0])


#: The tags :func:`is_drivable` reads.
DRIVE_TAGS = ("highway", "area", "motor_vehicle", "motorcar", "service", "access")


def drivable_mask(rows: Iterable[tuple], decode=None) -> np.ndarray:
    """:func:`is_drivable` of each row of :data:`DRIVE_TAGS` values (hashable: a list as a
    tuple), decided once per distinct row: most roads share their tags. ``decode`` turns
    a stored value into a tag value (default: a tuple back into a list).
    """
    decode = decode or _unhashable
    known: dict[tuple, bool] = {}
    out = []
    for row in rows:
        ok = known.get(row)
        if ok is None:
            ok = known[row] = is_drivable(
                {k: decode(v) for k, v in zip(DRIVE_TAGS, row, strict=True)}
            )
        out.append(ok)
    return np.array(out, dtype=bool)


def _unhashable(value):
    return list(value) if isinstance(value, tuple) else value


def _hashable(value):
    return tuple(value) if isinstance(value, list) else value


#: km/h per unit of an OSM ``maxspeed`` (OSM wiki, Key:maxspeed: km/h unless a unit is
#: given; a mile is 1.609344 km, a knot 1.852 km/h).
SPEED_UNITS_KMH = {None: 1.0, "km/h": 1.0, "kmh": 1.0, "kph": 1.0, "mph": 1.609344, "knots": 1.852}
_SPEED = re.compile(r"\s*([0-9]+(?:[.,][0-9]*)?)\s*(km/h|kmh|kph|mph|knots)?\s*")


def maxspeed_kmh(value) -> float:
    """The speed (km/h) an OSM ``maxspeed`` value gives; NaN where it gives none.

    A number with an optional unit (:data:`SPEED_UNITS_KMH`); several values (per lane,
    ``40|60`` or ``40;60``) give their mean; so does a list, where simplification merged
    ways, of the values that give a speed (OSMnx's ``add_edge_speeds`` does the same). A
    value that is not a number (``none``, ``signals``, an implicit zone such as
    ``US:urban``) gives none: the road class's default applies.
    """
    if isinstance(value, list):
        speeds = [maxspeed_kmh(item) for item in value]
        speeds = [s for s in speeds if np.isfinite(s)]
        return float(np.mean(speeds)) if speeds else float("nan")
    if value is None:
        return float("nan")
    parts = [_SPEED.fullmatch(part) for part in re.split(r"[|;]", str(value).lower())]
    if not parts or any(m is None for m in parts):
        return float("nan")
    return float(
        np.mean([float(m.group(1).replace(",", ".")) * SPEED_UNITS_KMH[m.group(2)] for m in parts])
    )


def edge_speeds(
    highway: np.ndarray, maxspeed: list, table: dict[str, float], fallback: float
) -> np.ndarray:
    """Free-flow speed (km/h) of each edge: its ``maxspeed`` (:func:`maxspeed_kmh`) where
    that gives one; else ``table`` for its road class (``highway``, first value); for a
    class not in ``table``, the mean ``maxspeed`` of that class's edges, as OSMnx's
    ``add_edge_speeds`` imputes it, else ``fallback``.
    """
    known: dict = {}
    tagged = np.empty(len(maxspeed))
    for i, value in enumerate(maxspeed):
        key = _hashable(value)
        if key not in known:
            known[key] = maxspeed_kmh(value)
        tagged[i] = known[key]
    speed = tagged.copy()
    missing = np.isnan(speed)
    for road_class in np.unique(highway[missing]).tolist():
        fill = missing & (highway == road_class)
        if road_class in table:
            speed[fill] = table[road_class]
        else:
            seen = tagged[(highway == road_class) & ~missing]
            speed[fill] = seen.mean() if len(seen) else fallback
    return speed


def read_osm_xml(path: Path):
    """An OSM XML file as a raw OSMnx graph (not simplified, every part kept), with the way
    tags the drive filter needs (:data:`EXTRA_WAY_TAGS`); OSMnx's settings are restored.
    """
    import osmnx as ox

    tags = list(ox.settings.useful_tags_way)
    ox.settings.useful_tags_way = sorted(set(tags) | set(EXTRA_WAY_TAGS))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ox.graph_from_xml(path, simplify=False, retain_all=True)
    finally:
        ox.settings.useful_tags_way = tags
