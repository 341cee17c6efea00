"""Interactive Folium maps of a scenario, and the pilot-vs-citywide comparison.

Layers: city limit, pilot area, police beats (tooltip: beat, district, population,
share covered), drive-time bands as rings in a sequential colour-blind-safe scale,
gaps, the unknown area (no road data), and staging points with popups; a layer
control, a legend with units, a title naming the scenario, travel model and bands,
and the data attribution.

Maps are self-contained by default (:func:`write_html`): Leaflet's JavaScript and CSS
are inlined from an installed package (``django-js-lib-leaflet``, which ships the Leaflet
release files and depends on nothing), no file is fetched from a CDN, and the optional
basemap is the only thing that needs the internet. Geometry is simplified to screen
precision (:data:`MAP_TOLERANCE_M`).
"""

from __future__ import annotations

import base64
import html
import re
import weakref
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import folium
import geopandas as gpd
import numpy as np
import shapely
from branca.element import MacroElement
from folium.plugins import DualMap
from jinja2 import Template

from heartgeo.analysis.coverage import band_label, headline_band
from heartgeo.analysis.weekly import week_shares
from heartgeo.config import LONLAT_CRS, METRIC_CRS
from heartgeo.geometry import polygonal
from heartgeo.parallel import thread_map
from heartgeo.viz.controls import (
    BOX_CSS,
    SELF_CHECK_HEAD,
    SELF_CHECK_TAIL,
    FitAttribution,
    FittingLayerControl,
    HtmlControl,
    ZoomLabels,
    add_basemaps,
    label_layer,
    panel_html,
)

#: Sequential blues (ColorBrewer YlGnBu, colour-blind safe): darkest = quickest.
BAND_COLOURS = ["#253494", "#2c7fb8", "#41b6c4", "#a1dab4", "#ffffcc"]
GAP_COLOUR = "#d95f02"  # orange: distinct from the blues for every colour vision
UNKNOWN_COLOUR = "#636363"
NEW_COLOUR = "#7b3294"  # purple: newly covered by the citywide staging
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


def _lonlat(geoms, tolerance: float = MAP_TOLERANCE_M, workers: int | None = None) -> gpd.GeoSeries:
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
    parts = _lonlat(polygonal(np.array([*simple[:5], *rings], dtype=object)), tolerance=0)
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
    )
    _MAP_GEOMETRY[result] = geometry
    return geometry


def _polygon_layer(
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
        folium.GeoJson(
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


def legend_html(title: str, entries: list[tuple[str, str]], note: str) -> str:
    """The legend's content: a title, a coloured row per entry and a note."""
    rows = "".join(
        f'<div><span style="display:inline-block;width:14px;height:14px;background:{c};'
        f'opacity:0.8;margin-right:6px;vertical-align:middle;border:1px solid #333"></span>'
        f"{html.escape(label)}</div>"
        for c, label in entries
    )
    return f'<b>{html.escape(title)}</b>{rows}<div class="heartgeo-note">{html.escape(note)}</div>'


def add_legend(
    fmap, title: str, entries: list[tuple[str, str]], note: str, suffix: str = ""
) -> None:
    """The legend box, bottom right above the attribution (id ``heartgeo-legend``)."""
    HtmlControl(
        legend_html(title, entries, note),
        "bottomright",
        "heartgeo-legend",
        "heartgeo-legend" + suffix,
    ).add_to(fmap)


def add_title(fmap, text: str, suffix: str = "") -> None:
    """The title box, top left under the zoom buttons (id ``heartgeo-title``)."""
    HtmlControl(html.escape(text), "topleft", "heartgeo-title", "heartgeo-title" + suffix).add_to(
        fmap
    )


def _model_note(model) -> str:
    """The legend's note: the travel model's label (the screening label for crow-fly)."""
    text = model.label[0].upper() + model.label[1:]
    return f"{text.rstrip('.')}."


def map_title(model, what: str, bands_min: list[float]) -> str:
    """A map's title: what it shows, the travel model and the bands; a screening model is
    named as such.
    """
    bands_txt = ", ".join(f"{m:g}" for m in bands_min)
    if model.screening:
        return (
            f"{what}: SCREENING estimate of drive-time coverage "
            f"(crow-fly model, circuity {model.circuity:.2f} at {model.speed_kmh:.1f} km/h; "
            f"bands {bands_txt} min)"
        )
    return f"{what}: drive-time coverage ({model.name} model; bands {bands_txt} min)"


def legend_title(model) -> str:
    """The legend's heading."""
    if model.screening:
        return "Estimated drive time from the nearest unit (screening)"
    return "Drive time from the nearest unit"


def _new_map(bounds, basemap: str | None, **kwargs) -> folium.Map:
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


def add_scenario_layers(
    fmap: folium.Map, study, result, *, extra: list | None = None, collapsed: bool = False
) -> None:
    """Add a scenario's layers, the layer control and the data attribution to ``fmap``."""
    bands_min = list(result.bands["minutes"])
    geo = map_geometry(study, result)
    folium.GeoJson(
        shapely.geometry.mapping(geo.city),
        name="City limit",
        style_function=lambda _f: {"color": "#000", "weight": 2, "fill": False},
    ).add_to(fmap)
    folium.GeoJson(
        shapely.geometry.mapping(geo.pilot),
        name="Pilot area" + (" (approximation)" if study.pilot.approximation else ""),
        style_function=lambda _f: {
            "color": "#7b3294",
            "weight": 2.5,
            "dashArray": "6 4",
            "fill": False,
        },
    ).add_to(fmap)
    colours = band_colours(len(bands_min))
    names = band_names(bands_min)
    for i in range(len(bands_min) - 1, -1, -1):  # rings, quickest on top
        _polygon_layer(geo.rings[i], names[i], colours[i], 0.55).add_to(fmap)
    _polygon_layer(geo.gap, f"Gap: beyond {bands_min[-1]:g} min", GAP_COLOUR, 0.5).add_to(fmap)
    _polygon_layer(geo.unknown, "Unknown: no road data", UNKNOWN_COLOUR, 0.35).add_to(fmap)
    _gap_households_layer(study, result, bands_min[-1]).add_to(fmap)
    for layer in extra or []:
        layer.add_to(fmap)
    _beats_layer(study, result, bands_min).add_to(fmap)
    _staging_layer(result).add_to(fmap)
    if collapsed:
        folium.LayerControl(collapsed=True).add_to(fmap)
    else:
        FittingLayerControl().add_to(fmap)
    Attribution().add_to(fmap)
    FitAttribution().add_to(fmap)


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


def _beats_layer(study, result, bands_min) -> folium.FeatureGroup:
    group = folium.FeatureGroup(name="Police beats")
    beats = result.tables["beats"]
    if not len(beats):
        return group
    lab = band_label(bands_min[-1])
    frame = study.boundaries.beats.assign(beat=study.boundaries.beats["beat"].astype(str))
    frame = frame.merge(beats, left_on="beat", right_on="zone", suffixes=("", "_t"))
    geoms = shapely.intersection(frame.geometry.to_numpy(), result.area)
    covered = f"Share covered ({bands_min[-1]:g} min)"
    show = gpd.GeoDataFrame(
        {
            "Beat": _escaped(frame["beat"]),
            "District": _escaped(frame["district"]),
            "Population": frame["population"].round(0).astype(int),
            covered: [_pct(v) for v in frame[f"population_share_{lab}"]],
            "Share unknown": [
                _pct(None if v != v else 1 - v) for v in frame["known_population_share"]
            ],
        },
        geometry=_lonlat(polygonal(geoms), workers=study.settings.workers).values,
        crs=LONLAT_CRS,
    )
    folium.GeoJson(
        show.__geo_interface__,
        style_function=lambda _f: {"color": "#444", "weight": 0.8, "fillOpacity": 0.0},
        tooltip=folium.GeoJsonTooltip(fields=list(show.columns.drop("geometry"))),
    ).add_to(group)
    return group


#: Classes of the gap's households without a vehicle (per km2), light to dark.
GAP_HOUSEHOLD_CLASSES = [(0, "#fee6ce"), (50, "#fdae6b"), (200, "#e6550d"), (500, "#a63603")]


def _gap_households_layer(study, result, largest: float) -> folium.FeatureGroup:
    """The gap shaded by households without a vehicle (per km2), the people who most
    depend on a crisis team coming to them.
    """
    name = f"Gap beyond {largest:g} min: households without a car"
    group = folium.FeatureGroup(name=name, show=True)
    cells = result.tables.get("gap_households") if result.tables else None
    if cells is None or not len(cells):
        return group
    cells = cells[cells["no_vehicle_households"] > 0.05]
    if not len(cells):
        return group
    shapes = _lonlat(polygonal(cells.geometry.to_numpy()), workers=study.settings.workers)
    frame = gpd.GeoDataFrame(
        {
            "Households without a car": [f"{v:.0f}" for v in cells["no_vehicle_households"]],
            "per km2": [f"{v:,.0f}" for v in cells["per_km2"]],
            "colour": [
                next(c for lim, c in reversed(GAP_HOUSEHOLD_CLASSES) if v >= lim)
                for v in cells["per_km2"]
            ],
        },
        geometry=shapes.values,
        crs=LONLAT_CRS,
    )
    folium.GeoJson(
        frame.__geo_interface__,
        style_function=lambda f: {
            "color": f["properties"]["colour"],
            "weight": 0.3,
            "fillColor": f["properties"]["colour"],
            "fillOpacity": 0.75,
        },
        tooltip=folium.GeoJsonTooltip(fields=["Households without a car", "per km2"]),
    ).add_to(group)
    return group


def _escaped(values) -> list[str]:
    """Texts from input files, escaped: Leaflet's popups and tooltips insert them as HTML."""
    return [html.escape(str(v)) for v in values]


def _staging_layer(result) -> folium.FeatureGroup:
    group = folium.FeatureGroup(name="Staging points")
    units = result.units.to_crs(LONLAT_CRS)
    snap = [f"{v:.0f} m" for v in units["snap_m"]] if "snap_m" in units else ["n/a"] * len(units)
    frame = gpd.GeoDataFrame(
        {"Site": _escaped(units["name"]), "Id": _escaped(units["id"]), "Snapped": snap},
        geometry=units.geometry.values,
        crs=LONLAT_CRS,
    )
    folium.GeoJson(
        frame.__geo_interface__,
        marker=folium.CircleMarker(
            radius=7, color="#000", weight=2, fill=True, fill_color="#ffffff", fill_opacity=1
        ),
        tooltip=folium.GeoJsonTooltip(fields=["Site"], labels=False),
        popup=folium.GeoJsonPopup(fields=["Site", "Id", "Snapped"]),
    ).add_to(group)
    return group


def _legend_entries(bands_min: list[float]) -> list[tuple[str, str]]:
    entries = list(zip(band_colours(len(bands_min)), band_names(bands_min), strict=True))
    entries += [
        (GAP_COLOUR, f"Gap: beyond {bands_min[-1]:g} min"),
        (GAP_HOUSEHOLD_CLASSES[-1][1], "Gap, darker: more households without a car"),
        (UNKNOWN_COLOUR, "Unknown: no road data"),
    ]
    return entries


def _share_text(share, people=None) -> str:
    if share is None or share != share:
        return "n/a"
    return f"{100 * share:.1f} %" + (f" ({people:,.0f})" if people is not None else "")


def headline_rows(study, result) -> list[tuple[str, str]]:
    """The numbers of a scenario's headline panel: residents (and calls) within each band,
    the gap, the unknown part, the units and their hours, the week's person-hours.
    """
    row = result.tables["area"].iloc[0]
    bands_min = study.settings.bands_min
    rows = [("Residents", f"{row['population']:,.0f}")]
    for m in bands_min:
        lab = band_label(m)
        rows.append(
            (
                f"within {m:g} min",
                _share_text(row[f"population_share_{lab}"], row[f"population_{lab}"]),
            )
        )
    rows.append((f"gap (beyond {bands_min[-1]:g} min)", _share_text(row["gap_population_share"])))
    unknown = row["known_population_share"]
    rows.append(
        ("unknown (no road data)", _share_text(None if unknown != unknown else 1 - unknown))
    )
    band = headline_band(bands_min)
    if "calls" in row.index:
        rows.append(
            (f"calls within {band:g} min", _share_text(row[f"calls_share_{band_label(band)}"]))
        )
    info = result.hours_info or {}
    rows.append(("units", f"{len(result.units)}, {info.get('hours', 'always')}"))
    hours = result.tables.get("hours")
    if hours is not None and len(hours):
        share = week_shares(hours, bands_min)["person_hours_share"][band_label(band)]
        rows.append((f"person-hours within {band:g} min", _share_text(share)))
    return rows


def add_panel(fmap, study, result, extra: list | None = None, suffix: str = "") -> None:
    """The headline panel of a scenario, top left under the title."""
    hours = getattr(result, "hours", None)
    assumed = f"hours {hours.label if hours is not None else 'assumed'}"
    note = f"{study.model.short_label}; {assumed}"
    HtmlControl(
        panel_html(
            f"{result.name.capitalize()} scenario",
            headline_rows(study, result) + (extra or []),
            note,
        ),
        "topleft",
        "heartgeo-panel",
        "heartgeo-panel" + suffix,
    ).add_to(fmap)


def add_labels(fmap, study, area: shapely.Geometry) -> None:
    """Beat labels (from zoom 13) and district labels (up to zoom 12) inside ``area``."""
    for kind, frame, key, name in (
        ("district", study.boundaries.districts, "district", "District labels"),
        ("beat", study.boundaries.beats, "beat", "Beat labels"),
    ):
        geoms = shapely.intersection(frame.geometry.to_numpy(), area)
        keep = shapely.area(geoms) > 2e5
        pts = gpd.GeoSeries(shapely.point_on_surface(geoms[keep]), crs=METRIC_CRS).to_crs(
            LONLAT_CRS
        )
        texts = [f"{'District ' if kind == 'district' else ''}{v}" for v in frame[key][keep]]
        label_layer(name, [(p.y, p.x, t) for p, t in zip(pts, texts, strict=True)], kind).add_to(
            fmap
        )
    ZoomLabels().add_to(fmap)


def scenario_map(study, result, *, basemap: str | None = "default") -> folium.Map:
    """The Folium map of a scenario result (see :mod:`heartgeo.pipeline`): basemap, layers,
    labels, title, headline panel and legend.
    """
    bands_min = list(result.bands["minutes"])
    model = study.model
    fmap = _new_map(map_geometry(study, result).area.bounds, basemap)
    add_labels(fmap, study, result.area)
    add_scenario_layers(fmap, study, result)
    add_title(fmap, map_title(model, f"HEART {result.name} scenario", bands_min))
    add_panel(fmap, study, result)
    add_legend(fmap, legend_title(model), _legend_entries(bands_min), _model_note(model))
    return fmap


def comparison_map(study, pilot, citywide, *, basemap: str | None = "default") -> DualMap:
    """Pilot (left) and citywide (right) side by side, synchronised, with the difference.

    The right-hand map adds what the citywide staging newly covers within the largest
    band compared with the pilot staging (and its residents, in the panel); the citywide
    gap layer shows what stays a gap.
    """
    bands_min = list(citywide.bands["minutes"])
    model = study.model
    dual = DualMap(location=None, layout="horizontal", tiles=None, control_scale=True)
    minx, miny, maxx, maxy = map_geometry(study, citywide).city.bounds
    for m in (dual.m1, dual.m2):
        add_basemaps(m, basemap)
        m.fit_bounds([[miny, minx], [maxy, maxx]])
        add_labels(m, study, citywide.area)
    add_scenario_layers(dual.m1, study, pilot, collapsed=True)
    newly = shapely.difference(
        map_geometry(study, citywide).largest_in_area_m, map_geometry(study, pilot).largest_m
    )
    grid = study.grid
    newly_people = grid.measure(grid.layer(newly), grid.zone(None))[1]
    new_layer = _polygon_layer(
        _lonlat(polygonal(np.array([newly], dtype=object)), tolerance=0).iloc[0],
        f"Newly within {bands_min[-1]:g} min with citywide staging",
        NEW_COLOUR,
        0.12,
        weight=2.5,
    )
    add_scenario_layers(dual.m2, study, citywide, extra=[new_layer], collapsed=True)
    add_title(dual.m1, map_title(model, "HEART pilot (left) vs citywide (right)", bands_min), "-1")
    add_panel(dual.m1, study, pilot, suffix="-1")
    add_panel(
        dual.m2,
        study,
        citywide,
        extra=[(f"newly within {bands_min[-1]:g} min", f"{newly_people:,.0f} residents")],
        suffix="-2",
    )
    entries = _legend_entries(bands_min) + [
        (NEW_COLOUR, f"Newly within {bands_min[-1]:g} min (citywide vs pilot)")
    ]
    add_legend(dual.m1, legend_title(model), entries, _model_note(model))
    return dual


def site_map(
    study,
    area_name: str,
    problem,
    chosen_rows: np.ndarray,
    coverage: dict | None = None,
    *,
    basemap: str | None = "default",
) -> folium.Map:
    """Candidate, current and optimised staging sites over the study area, each set with the
    area it covers within the chosen minutes (a layer per set, toggleable) and, in a panel,
    the people each set covers; an optimised site's popup gives its marginal contribution.

    Parameters
    ----------
    study
        The prepared study.
    area_name
        ``citywide`` or ``pilot``.
    problem
        The :class:`heartgeo.siting.planning.PlanningProblem` (sites with their roles).
    chosen_rows
        Rows of ``problem.sites`` chosen by the optimisation.
    coverage
        Per set (``current``, ``optimised``): ``polygon`` (EPSG:32119) reached within
        ``minutes``, ``covered`` and ``share`` of the demand, and for ``optimised`` the
        ``marginal`` contribution of each chosen row; ``minutes`` and ``unit`` (people or
        calls) at the top level.
    """
    area = study.area(area_name)
    fmap = _new_map(_lonlat([area]).total_bounds, basemap)
    coverage = coverage or {}
    minutes = coverage.get("minutes")
    set_colours = {"current": "#0072B2", "optimised": "#CC79A7"}  # Okabe-Ito blue, purple
    for key in ("current", "optimised"):
        part = coverage.get(key)
        if part is None:
            continue
        _polygon_layer(
            _lonlat(polygonal(np.array([part["polygon"]], dtype=object)), tolerance=0).iloc[0],
            f"{key.capitalize()} staging: within {minutes:g} min",
            set_colours[key],
            0.25,
            weight=2,
        ).add_to(fmap)
    folium.GeoJson(
        _lonlat([area]).iloc[0].__geo_interface__,
        name=f"{area_name} area",
        style_function=lambda _f: {"color": "#000", "weight": 2, "fill": False},
    ).add_to(fmap)
    sites = problem.sites.to_crs(LONLAT_CRS)
    chosen = [int(r) for r in chosen_rows]
    marginal = dict(zip(chosen, coverage.get("optimised", {}).get("marginal", []), strict=False))
    unit = coverage.get("unit", "people")
    styles = {"candidate": ("#bbbbbb", 4), "current": ("#ffffff", 7), "chosen": ("#CC79A7", 8)}
    for label, rows in (
        ("candidate", [r for r in problem.rows("candidate") if r not in chosen]),
        ("current", list(problem.rows("current"))),
        ("chosen", chosen),
    ):
        group = folium.FeatureGroup(
            name={
                "candidate": "Candidate sites",
                "current": "Current staging sites",
                "chosen": "Optimised staging sites",
            }[label]
        )
        colour, radius = styles[label]
        props = {"Site": _escaped(sites["name"].iloc[rows])}
        if label == "chosen":
            props["Marginal contribution"] = [
                f"{marginal.get(r, float('nan')):,.0f} {unit} within {minutes:g} min "
                "(lost if this site alone were dropped)"
                for r in rows
            ]
        frame = gpd.GeoDataFrame(props, geometry=sites.geometry.iloc[rows].values, crs=LONLAT_CRS)
        if len(frame):
            folium.GeoJson(
                frame.__geo_interface__,
                marker=folium.CircleMarker(
                    radius=radius,
                    color="#000",
                    weight=1.5,
                    fill=True,
                    fill_color=colour,
                    fill_opacity=1,
                ),
                tooltip=folium.GeoJsonTooltip(fields=["Site"], labels=False),
                popup=folium.GeoJsonPopup(fields=list(props)) if label == "chosen" else None,
            ).add_to(group)
        group.add_to(fmap)
    FittingLayerControl().add_to(fmap)
    Attribution(ATTRIBUTION).add_to(fmap)
    FitAttribution().add_to(fmap)
    add_title(
        fmap,
        "HEART staging: current (white) and optimised (purple) sites"
        + (" - SCREENING estimate (crow-fly model)" if study.model.screening else ""),
    )
    rows = []
    for key in ("current", "optimised"):
        part = coverage.get(key)
        if part is not None:
            rows.append(
                (
                    f"{key}: {part['units']} site(s)",
                    f"{part['covered']:,.0f} ({_share_text(part['share'])})",
                )
            )
    if rows:
        HtmlControl(
            panel_html(
                f"{unit.capitalize()} within {minutes:g} min", rows, study.model.short_label
            ),
            "topleft",
            "heartgeo-panel",
            "heartgeo-panel",
        ).add_to(fmap)
    entries = [
        ("#ffffff", "Current staging site"),
        ("#CC79A7", "Optimised staging site"),
        ("#bbbbbb", "Candidate site"),
    ]
    if minutes:
        entries += [
            (set_colours[k], f"Within {minutes:g} min of the {k} sites")
            for k in ("current", "optimised")
        ]
    add_legend(
        fmap,
        "Staging sites",
        entries,
        _model_note(study.model),
    )
    return fmap


def _pct(value) -> str:
    return "n/a" if value is None or value != value else f"{100 * value:.0f} %"


# --- self-contained HTML ------------------------------------------------------------

#: Minimal replacement of the Leaflet.Sync plugin used by folium's DualMap.
SYNC_JS = """
L.Map.include({
  sync: function (other) {
    var self = this;
    this.on('move', function () {
      if (self._heartgeoSyncing) { return; }
      other._heartgeoSyncing = true;
      other.setView(self.getCenter(), self.getZoom(), {animate: false});
      other._heartgeoSyncing = false;
    });
    return this;
  }
});
"""


def _leaflet_file(name: str) -> str:
    return (
        resources.files("js_lib_leaflet")
        .joinpath("static", "js_lib_leaflet", name)
        .read_text(encoding="utf-8")
    )


def _leaflet_css() -> str:
    css = _leaflet_file("leaflet.css")
    images = resources.files("js_lib_leaflet").joinpath("static", "js_lib_leaflet", "images")

    def data_uri(match: re.Match) -> str:
        data = images.joinpath(match.group(1)).read_bytes()
        return f"url(data:image/png;base64,{base64.b64encode(data).decode()})"

    return re.sub(r"url\(images/([\w.-]+\.png)\)", data_uri, css)


def _stable_ids(text: str) -> str:
    """Replace folium's random element ids by sequential ones: same inputs, same file."""
    ids: dict[str, str] = {}

    def number(match: re.Match) -> str:
        return ids.setdefault(match.group(1), f"_{len(ids):06d}")

    return re.sub(r"_([0-9a-f]{32})(?![0-9a-f])", number, text)


def render_html(element, *, offline: bool = True) -> str:
    """HTML of a folium Map or DualMap; ``offline`` inlines Leaflet and drops CDN files."""
    text = _stable_ids(element.get_root().render())
    text = text.replace("<head>", "<head>\n" + BOX_CSS, 1)
    if not offline:
        return text
    # remove every external script and stylesheet (jQuery, Bootstrap, icon fonts, Leaflet)
    text = re.sub(r'<script src="https?://[^"]*"></script>\s*', "", text)
    text = re.sub(r'<link rel="stylesheet" href="https?://[^"]*"/>\s*', "", text)
    inline = (
        f"{SELF_CHECK_HEAD}\n<style>{_leaflet_css()}</style>\n"
        f"<script>{_leaflet_file('leaflet.js')}</script>\n<script>{SYNC_JS}</script>\n"
    )
    text = text.replace("<head>", "<head>\n" + inline, 1)
    text = text.replace("</html>", SELF_CHECK_TAIL + "\n</html>")
    return text


def write_html(element, path: str | Path, *, offline: bool = True) -> None:
    """Write a map's HTML (self-contained unless ``offline=False``)."""
    Path(path).write_text(render_html(element, offline=offline), encoding="utf-8")
