"""OpenStreetMap tag rules: which ways are drivable, and road speeds given as text.

The drive filter follows OSMnx's ``network_type="drive"`` rules and is applied after
loading (files and Overpass answers may hold every highway type). It serves the network
loader and ``heartgeo fetch`` alike.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

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
        kmh = float(match.group(1)) * (1.609344 if match.group(2) == "mph" else 1.0)
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
    # most roads share their tags: decide once per distinct set of the tags that matter
    keys = ("highway", "area", "motor_vehicle", "motorcar", "service", "access")
    known: dict[tuple, bool] = {}
    drop = []
    for u, v, k, d in graph.edges(keys=True, data=True):
        tags = tuple(_hashable(d.get(key)) for key in keys)
        if tags not in known:
            known[tags] = is_drivable(d)
        if not known[tags]:
            drop.append((u, v, k))
    graph.remove_edges_from(drop)
    graph.remove_nodes_from([n for n, deg in dict(graph.degree()).items() if deg == 0])


def _hashable(value):
    return tuple(value) if isinstance(value, list) else value


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
