"""District and beat labels placed clear of each other and of the staging markers, and the
notes that explain the layers' codes (DSO, beat 999...).

A label is a box of text in screen pixels; at the smallest zoom it is shown at, it covers
so many metres. Each label tries its zone's inside point, then points around it, and
takes the first whose box touches no label already placed and no marker; a label with no
free place is left out (its zone is still in the beats layer's tooltip).
"""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import shapely

from heartgeo.config import LONLAT_CRS, METRIC_CRS
from heartgeo.geometry import prepared_copy
from heartgeo.io.focus import CODE_NOTES
from heartgeo.viz.controls import ZoomLabels, label_layer

#: Web Mercator metres per pixel at zoom 0 on the equator.
_M_PER_PX_Z0 = 156_543.03
#: Durham's latitude (degrees): Web Mercator's scale there.
_LATITUDE = 36.0
#: Zooms: district labels shown up to 12 (placed for 10, the whole city on a small map), beat
#: labels from 13.
DISTRICT_ZOOM, BEAT_ZOOM = 10, 13
#: A label's size in pixels: width per character and height (bold 11-13 px sans-serif).
CHAR_PX, LINE_PX = 8.0, 16.0
#: Half the side of a staging marker's box (a circle of radius 7 with its stroke).
MARKER_PX = 10.0
#: A zone part smaller than this (m2) gets no label.
MIN_PART_M2 = 2e5
#: A district whose largest part is smaller than this (m2) gets no label: the sheriff's
#: islands (DSO) are many small parts, explained in the legend's note instead.
MIN_DISTRICT_PART_M2 = 2e6


def metres_per_pixel(zoom: int) -> float:
    """Metres a screen pixel covers at ``zoom`` in Durham (Web Mercator)."""
    return _M_PER_PX_Z0 * math.cos(math.radians(_LATITUDE)) / 2**zoom


def _box(x: float, y: float, w: float, h: float) -> shapely.Geometry:
    return shapely.box(x - w / 2, y - h / 2, x + w / 2, y + h / 2)


def place_labels(
    items: list[tuple[shapely.Geometry, str]],
    markers: np.ndarray,
    zoom: int,
) -> list[tuple[float, float, str]]:
    """Labels (x, y, text; EPSG:32119) for ``items`` (zone part, text), largest first, none
    touching another or a marker (``markers``: N x 2 metres) at ``zoom``.
    """
    mpp = metres_per_pixel(zoom)
    taken = [_box(x, y, 2 * MARKER_PX * mpp, 2 * MARKER_PX * mpp) for x, y in markers]
    placed = []
    for part, text in sorted(items, key=lambda item: -item[0].area):
        w, h = len(text) * CHAR_PX * mpp, LINE_PX * mpp
        anchor = shapely.point_on_surface(part)
        for dx, dy in _offsets(w, h):
            x, y = anchor.x + dx, anchor.y + dy
            box = _box(x, y, w, h)
            # the label's centre on its zone, or beside a zone smaller than the label
            if shapely.distance(part, shapely.Point(x, y)) > h:
                continue
            if any(box.intersects(t) for t in taken):
                continue
            taken.append(box)
            placed.append((x, y, text))
            break
    return placed


def _offsets(w: float, h: float):
    """The inside point, then points on rings around it (up, down, sideways)."""
    yield 0.0, 0.0
    for ring in (1, 2, 3):
        for dx, dy in ((0, 1.3 * h), (0, -1.3 * h), (0.7 * w, 0), (-0.7 * w, 0)):
            yield ring * dx, ring * dy


def _parts(frame, key: str, area: shapely.Geometry, min_m2: float):
    """Each zone's largest part inside ``area`` with its code, if large enough. Zones
    wholly inside ``area`` are taken as they are; only those on its edge are cut.
    """
    geoms = frame.geometry.to_numpy()
    prepared = prepared_copy(area)
    whole = shapely.contains_properly(prepared, geoms)
    touching = shapely.intersects(prepared, geoms)
    for code, geom, inside, hit in zip(frame[key].astype(str), geoms, whole, touching, strict=True):
        if not hit:
            continue
        parts = shapely.get_parts(geom if inside else shapely.intersection(geom, area))
        if not len(parts):
            continue
        largest = parts[np.argmax(shapely.area(parts))]
        if largest.area >= min_m2:
            yield code, largest


def _label_parts(study, frame, key: str, area: shapely.Geometry, min_m2: float) -> list:
    """:func:`_parts`, once per study and area (a citywide report labels three maps)."""
    return study.memo.of(
        area, ("label parts", key, min_m2), lambda: list(_parts(frame, key, area, min_m2))
    )


def add_labels(fmap, study, area: shapely.Geometry, units=None) -> None:
    """District labels (up to zoom 12) and beat labels (from zoom 13) inside ``area``, clear
    of each other and of the staging markers of ``units`` (EPSG:32119 points).
    """
    markers = np.c_[units.geometry.x, units.geometry.y] if units is not None else np.empty((0, 2))
    bounds = study.boundaries
    for kind, frame, zoom, min_m2, name in (
        ("district", bounds.districts, DISTRICT_ZOOM, MIN_DISTRICT_PART_M2, "District labels"),
        ("beat", bounds.beats, BEAT_ZOOM, MIN_PART_M2, "Beat labels"),
    ):
        items = [
            (part, f"District {code}" if kind == "district" else code)
            for code, part in _label_parts(study, frame, kind, area, min_m2)
        ]
        placed = place_labels(items, markers, zoom)
        if not placed:
            continue
        pts = gpd.GeoSeries(shapely.points([(x, y) for x, y, _ in placed]), crs=METRIC_CRS).to_crs(
            LONLAT_CRS
        )
        label_layer(
            name, [(p.y, p.x, t) for p, (_, _, t) in zip(pts, placed, strict=True)], kind
        ).add_to(fmap)
    ZoomLabels(beats_from=BEAT_ZOOM, districts_to=BEAT_ZOOM - 1).add_to(fmap)


def code_notes(study, area: shapely.Geometry) -> list[str]:
    """What the codes of the districts and beats inside ``area`` mean (DSO, 299, 999)."""
    codes = set()
    for frame, key in ((study.boundaries.districts, "district"), (study.boundaries.beats, "beat")):
        hit = shapely.intersects(frame.geometry.to_numpy(), area)
        codes |= set(frame[key].astype(str)[hit])
    return [CODE_NOTES[c] for c in CODE_NOTES if c in codes]
