"""Building blocks of heartgeo's Folium maps: colours, screen-precision geometry, layers,
legends, titles, the basemap and the attribution.
"""

from __future__ import annotations

import html
import weakref
from dataclasses import dataclass

import folium
import geopandas as gpd
import numpy as np
import shapely
from branca.element import MacroElement
from jinja2 import Template

from heartgeo.config import LONLAT_CRS, METRIC_CRS
from heartgeo.geometry import polygonal
from heartgeo.parallel import thread_map
from heartgeo.viz.controls import (
    HtmlControl,
    add_basemaps,
    toggle_html,
)
from heartgeo.viz.geojson import GeoJson

#: Sequential blues (ColorBrewer YlGnBu, colour-blind safe): darkest = quickest.

BAND_COLOURS = ["#253494", "#2c7fb8", "#41b6c4", "#a1dab4", "#ffffcc"]
GAP_COLOUR = "#d95f02"  # orange: distinct from the blues for every colour vision
UNKNOWN_COLOUR = "#636363"
NEW_COLOUR = "#c51b7d"  # magenta outline: newly covered by the citywide staging
ATTRIBUTION = (
    "Roads &copy; OpenStreetMap contributors (ODbL); boundaries: City of Durham; "
    "population: US Census Bureau (2020 Census; ACS 2020-2024)"
)
#: Geometry tolerance for the map (metres): the square root of the largest triangle area
#: (Visvalingam-Whyatt) a simplified outline may drop -- about a 5 m shift of a vertex
#: between neighbours 40 m apart, below screen precision at city zoom.
MAP_TOLERANCE_M = 15.0
#: Decimal places of lon/lat in the map (1e-5 degree is about 1 m).
MAP_DECIMALS = 5


def simplify_for_screen(
    geoms: np.ndarray, tolerance: float = MAP_TOLERANCE_M, workers: int | None = None
) -> np.ndarray:
    """Simplify polygons for the screen, one geometry per core.

    GEOS's coverage simplifier (Visvalingam-Whyatt; each polygon a coverage of its own)
    keeps polygons valid and is several times faster than the topology-preserving
    Douglas-Peucker on isochrones with thousands of holes.
    """
    geoms = np.asarray(geoms, dtype=object)

    def one(geom):
        if geom is None or geom.is_empty:
            return geom
        return shapely.coverage_simplify(np.array([geom], dtype=object), tolerance)[0]

    return np.array([*thread_map(one, geoms, workers), None], dtype=object)[:-1]


def lonlat(geoms, tolerance: float = MAP_TOLERANCE_M, workers: int | None = None) -> gpd.GeoSeries:
    """Geometries (EPSG:32119) simplified to screen precision, in lon/lat."""
    geoms = np.asarray(list(geoms) + [None], dtype=object)[:-1]
    if tolerance > 0:
        geoms = simplify_for_screen(geoms, tolerance, workers)
    series = gpd.GeoSeries(geoms, crs=METRIC_CRS).to_crs(LONLAT_CRS)
    return gpd.GeoSeries(
        shapely.set_precision(series.values, 10**-MAP_DECIMALS, mode="pointwise"), crs=LONLAT_CRS
    )


@dataclass
class MapGeometry:
    """A scenario's map layers in lon/lat, simplified for the screen.

    Built once per result (:func:`map_geometry`): a scenario appears on its own map and
    on the comparison map.
    """

    area: shapely.Geometry
    city: shapely.Geometry
    pilot: shapely.Geometry
    rings: list[shapely.Geometry]
    gap: shapely.Geometry
    unknown: shapely.Geometry
    #: the largest band in metres (simplified), whole and inside the area, for comparisons
    largest_m: shapely.Geometry
    largest_in_area_m: shapely.Geometry
    #: each police beat of the study (in its order) inside the area, in lon/lat
    beats: np.ndarray


_MAP_GEOMETRY: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def map_geometry(study, result) -> MapGeometry:
    """The map layers of ``result`` (computed on first use, then reused)."""
    if result in _MAP_GEOMETRY:
        return _MAP_GEOMETRY[result]
    # simplify first (each geometry once, on every core): the ring differences then
    # handle far fewer vertices, and the rings inherit the simplified area outline
    outlines = [result.area, study.boundaries.city, study.pilot.geometry, result.gap]
    simple = simplify_for_screen(
        polygonal(np.array([*outlines, result.unknown, *result.bands.geometry], dtype=object)),
        workers=study.settings.workers,
    )
    area, bands = simple[0], simple[5:]
    inside = shapely.intersection(bands, area)
    rings = [inside[0]] + [
        shapely.difference(inside[i], inside[i - 1]) for i in range(1, len(inside))
    ]
    parts = lonlat(polygonal(np.array([*simple[:5], *rings], dtype=object)), tolerance=0)
    parts = parts.to_numpy()
    geometry = MapGeometry(
        area=parts[0],
        city=parts[1],
        pilot=parts[2],
        gap=parts[3],
        unknown=parts[4],
        rings=list(parts[5:]),
        largest_m=bands[-1],
        largest_in_area_m=inside[-1],
        beats=lonlat(
            polygonal(
                shapely.intersection(study.boundaries.beats.geometry.to_numpy(), result.area)
            ),
            workers=study.settings.workers,
        ).values,
    )
    _MAP_GEOMETRY[result] = geometry
    return geometry


def polygon_layer(
    geom: shapely.Geometry | None,
    name: str,
    colour: str,
    opacity: float,
    show: bool = True,
    weight: float = 0.5,
) -> folium.FeatureGroup:
    """A filled polygon layer; ``geom`` is in lon/lat (see :func:`map_geometry`)."""
    group = folium.FeatureGroup(name=name, show=show)
    if geom is not None and not geom.is_empty:
        GeoJson(
            shapely.geometry.mapping(geom),
            style_function=lambda _f, c=colour, o=opacity, w=weight: {
                "color": c,
                "weight": w,
                "fillColor": c,
                "fillOpacity": o,
            },
            tooltip=html.escape(name),
        ).add_to(group)
    return group


def band_colours(n: int) -> list[str]:
    """``n`` colours of the sequential scale, quickest first."""
    if n <= 1:
        return BAND_COLOURS[:1]
    if n < len(BAND_COLOURS):
        idx = np.round(np.linspace(0, len(BAND_COLOURS) - 2, n)).astype(int)
        return [BAND_COLOURS[i] for i in idx]
    return [BAND_COLOURS[min(i, len(BAND_COLOURS) - 1)] for i in range(n)]


def band_names(bands_min: list[float]) -> list[str]:
    """Legend names of the bands: ``0-5 min drive``, ``5-10 min drive``..."""
    return [
        f"{0 if i == 0 else bands_min[i - 1]:g}-{m:g} min drive" for i, m in enumerate(bands_min)
    ]


#: How a legend row's swatch is drawn: a filled square, a dashed outline, a point.
SWATCH_STYLES = {
    "fill": "background:{c};opacity:0.8;border:1px solid #333",
    "outline": "border:2px dashed {c}",
    "point": "background:{c};border:2px solid #000;border-radius:50%",
}


def legend_html(title: str, entries: list[tuple], note: str) -> str:
    """The legend's content: a title (its fold button), a row per entry -- ``(colour,
    label)`` or ``(colour, label, style)`` with a style of :data:`SWATCH_STYLES` -- and a
    note.
    """
    rows = "".join(
        f'<div><span style="display:inline-block;width:12px;height:12px;margin-right:6px;'
        f'vertical-align:middle;{SWATCH_STYLES[e[2] if len(e) > 2 else "fill"].format(c=e[0])}">'
        f"</span>{html.escape(e[1])}</div>"
        for e in entries
    )
    body = f'<b>{html.escape(title)}</b>{rows}<div class="heartgeo-note">{html.escape(note)}</div>'
    return toggle_html("Legend", body)


def add_legend(
    fmap, title: str, entries: list[tuple[str, str]], note: str, suffix: str = ""
) -> None:
    """The legend box, bottom right above the attribution (id ``heartgeo-legend``)."""
    HtmlControl(
        legend_html(title, entries, note),
        "bottomright",
        "heartgeo-legend",
        "heartgeo-legend" + suffix,
        collapsible=True,
    ).add_to(fmap)


def add_title(fmap, text: str, suffix: str = "") -> None:
    """The title box, top left under the zoom buttons (id ``heartgeo-title``)."""
    HtmlControl(html.escape(text), "topleft", "heartgeo-title", "heartgeo-title" + suffix).add_to(
        fmap
    )


def model_note(model) -> str:
    """The legend's note: the travel model's label (the screening label for crow-fly)."""
    text = model.label[0].upper() + model.label[1:]
    return f"{text.rstrip('.')}."


def map_title(model, what: str, bands_min: list[float]) -> str:
    """A map's title, short enough for one line: what it shows and the travel model; a
    screening model is named as such (its circuity and speed are in the legend's note).
    """
    if model.screening:
        return f"{what}: SCREENING estimate of drive-time coverage (crow-fly)"
    return f"{what}: drive-time coverage ({model.name} model)"


def legend_title(model) -> str:
    """The legend's heading."""
    if model.screening:
        return "Estimated drive time from the nearest unit (screening)"
    return "Drive time from the nearest unit"


def new_map(bounds, basemap: str | None, **kwargs) -> folium.Map:
    """A Folium map fitted to lon/lat ``bounds``, with the basemap (None: none)."""
    minx, miny, maxx, maxy = bounds
    fmap = folium.Map(
        location=[(miny + maxy) / 2, (minx + maxx) / 2],
        zoom_start=12,
        tiles=None,
        control_scale=True,
        **kwargs,
    )
    add_basemaps(fmap, basemap)
    fmap.fit_bounds([[miny, minx], [maxy, maxx]])
    return fmap


class Attribution(MacroElement):
    """Adds the data attribution to the map's attribution control."""

    _template = Template(
        "{% macro script(this, kwargs) %}"
        "{{ this._parent.get_name() }}.attributionControl.addAttribution({{ this.text|tojson }});"
        "{% endmacro %}"
    )

    def __init__(self, text: str = ATTRIBUTION):
        super().__init__()
        self._name = "Attribution"
        self.text = text
