"""Checks of what a fetch downloaded, before anything replaces a file: an Overpass answer
whose every element is well formed and complete, and boundary layers that lie where the
city is.
"""

from __future__ import annotations

import math

import geopandas as gpd
import shapely

from heartgeo.errors import InputError, shown

#: The most kilometres of roads around the city limit a fetch asks for.
MAX_BUFFER_KM = 50.0
#: A downloaded city limit whose centre lies farther than this from the current one's,
#: or whose area is not within these factors of it, is refused as a different place.
MAX_CENTRE_SHIFT_M = 20_000.0
AREA_FACTORS = (0.5, 2.0)
#: A downloaded beat or district layer must lie this much inside the (buffered) city.
MIN_SHARE_IN_CITY = 0.5


def _bad_element(e) -> str | None:
    """Why an Overpass element is malformed (None if it is well formed)."""
    if not isinstance(e, dict):
        return f"an element that is not an object ({shown(str(e)[:40])})"
    kind, ident = e.get("type"), e.get("id")
    if not isinstance(ident, int) or isinstance(ident, bool):
        return f"a {kind or 'typeless'} element without an integer id"
    if kind == "node":
        for key, limit in (("lat", 90.0), ("lon", 180.0)):
            value = e.get(key)
            if not isinstance(value, int | float) or isinstance(value, bool):
                return f"node {ident} with {key} {shown(str(value))}"
            if not (math.isfinite(value) and abs(value) <= limit):
                return f"node {ident} with {key} {value} out of range"
    elif kind == "way":
        refs = e.get("nodes")
        if not isinstance(refs, list) or not all(
            isinstance(r, int) and not isinstance(r, bool) for r in refs
        ):
            return f"way {ident} whose nodes are {shown(str(refs)[:40])}, not a list of ids"
    if not isinstance(e.get("tags", {}), dict):
        return f"{kind} {ident} whose tags are not an object"
    return None


def check_overpass(answer: dict, url: str) -> list[dict]:
    """The elements of a complete, well-formed Overpass answer.

    Raises
    ------
    InputError
        A ``remark`` (Overpass's way of saying the answer is partial), no ``elements``, a
        malformed element (named), ways that refer to nodes the answer does not hold, or
        no ways at all.
    """
    if answer.get("remark"):
        raise InputError(
            f"Overpass server {url} answered with a remark ({shown(answer['remark'])}): the "
            "answer is partial, so nothing was saved; try again later or raise --timeout"
        )
    elements = answer.get("elements")
    if not isinstance(elements, list):
        raise InputError(f"Overpass server {url} answered without 'elements': check --overpass-url")
    for e in elements:
        why = _bad_element(e)
        if why:
            raise InputError(
                f"Overpass server {url} answered with {why}: the answer is malformed, so "
                "nothing was saved; check --overpass-url"
            )
    nodes = {e["id"] for e in elements if e.get("type") == "node"}
    missing = {
        ref for e in elements if e.get("type") == "way" for ref in e["nodes"] if ref not in nodes
    }
    if missing:
        raise InputError(
            f"Overpass server {url} answered with ways that refer to {len(missing):,} nodes it "
            "did not send: the answer is incomplete, so nothing was saved; try again"
        )
    if not any(e.get("type") == "way" for e in elements):
        raise InputError(f"Overpass server {url} returned no roads for the city: check the server")
    return elements


def check_boundary(name: str, layer: gpd.GeoDataFrame, city: shapely.Geometry, source: str) -> None:
    """Refuse a downloaded boundary layer (EPSG:32119) that lies elsewhere than ``city``,
    the current city limit: a city limit whose centre moved over
    :data:`MAX_CENTRE_SHIFT_M` or whose area changed beyond :data:`AREA_FACTORS`, or
    beats or districts mostly outside the city.
    """
    geom = shapely.union_all(layer.geometry.to_numpy())
    if name == "city_limits":
        shift = shapely.distance(shapely.centroid(geom), shapely.centroid(city))
        ratio = geom.area / city.area if city.area > 0 else 1.0
        if shift > MAX_CENTRE_SHIFT_M or not AREA_FACTORS[0] <= ratio <= AREA_FACTORS[1]:
            raise InputError(
                f"downloaded city limit ({source}) lies {shift / 1000:,.0f} km from the current "
                f"one and is {ratio:.2g} times its area: it is not this city's limit, so nothing "
                "was saved; check --source-url"
            )
        return
    inside = shapely.area(shapely.intersection(geom, shapely.buffer(city, 2000.0)))
    share = inside / geom.area if geom.area > 0 else 0.0
    if share < MIN_SHARE_IN_CITY:
        raise InputError(
            f"downloaded {name} ({source}) lie {100 * share:.0f} % inside the city: not this "
            "city's layer, so nothing was saved; check --source-url"
        )
