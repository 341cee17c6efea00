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

import html

import folium
import geopandas as gpd
import numpy as np
import shapely
from folium.plugins import DualMap

from heartgeo.analysis.coverage import band_label, headline_band
from heartgeo.analysis.weekly import week_shares
from heartgeo.config import LONLAT_CRS
from heartgeo.geometry import polygonal
from heartgeo.numbers import percent
from heartgeo.viz.controls import (
    FitControls,
    HtmlControl,
    add_basemaps,
    panel_html,
)
from heartgeo.viz.geojson import GeoJson
from heartgeo.viz.labels import add_labels, code_notes
from heartgeo.viz.mapbase import (
    GAP_COLOUR,
    NEW_COLOUR,
    UNKNOWN_COLOUR,
    Attribution,
    add_legend,
    add_title,
    band_colours,
    band_names,
    legend_title,
    lonlat,
    map_geometry,
    map_title,
    model_note,
    new_map,
    polygon_layer,
)

#: Sequential blues (ColorBrewer YlGnBu, colour-blind safe): darkest = quickest.


def add_scenario_layers(fmap: folium.Map, study, result, *, extra: list | None = None) -> None:
    """Add a scenario's layers, the layer control and the data attribution to ``fmap``."""
    bands_min = list(result.bands["minutes"])
    geo = map_geometry(study, result)
    GeoJson(
        shapely.geometry.mapping(geo.city),
        name="City limit",
        style_function=lambda _f: {"color": "#000", "weight": 2, "fill": False},
    ).add_to(fmap)
    outline, outline_name = _outline(study, result, geo)
    GeoJson(
        shapely.geometry.mapping(outline),
        name=outline_name,
        style_function=lambda _f: {
            "color": OUTLINE_COLOUR,
            "weight": 2.5,
            "dashArray": "6 4",
            "fill": False,
        },
    ).add_to(fmap)
    colours = band_colours(len(bands_min))
    names = band_names(bands_min)
    for i in range(len(bands_min) - 1, -1, -1):  # rings, quickest on top
        polygon_layer(geo.rings[i], names[i], colours[i], 0.55).add_to(fmap)
    polygon_layer(geo.gap, f"Gap: beyond {bands_min[-1]:g} min", GAP_COLOUR, 0.5).add_to(fmap)
    polygon_layer(geo.unknown, "Unknown: no road data", UNKNOWN_COLOUR, 0.35).add_to(fmap)
    _gap_households_layer(study, result, bands_min[-1]).add_to(fmap)
    for layer in extra or []:
        layer.add_to(fmap)
    _beats_layer(study, result, bands_min).add_to(fmap)
    _staging_layer(result).add_to(fmap)
    folium.LayerControl(collapsed=True).add_to(fmap)  # a button: never over the map
    Attribution().add_to(fmap)
    FitControls().add_to(fmap)


#: The study area's outline (dashed): dark grey, apart from every fill colour.
OUTLINE_COLOUR = "#252525"


def _outline(study, result, geo) -> tuple[shapely.Geometry, str]:
    """The outline drawn dashed: the scenario's area, or on a whole-city map the pilot
    area (for context).
    """
    area = study.study_area(result.area_name)
    if area.whole_city or area.geometry is study.pilot.geometry:
        return geo.pilot, "Pilot area" + (" (approximation)" if study.pilot.approximation else "")
    return geo.area, f"Study area: {area.title}"


def _beats_layer(study, result, bands_min) -> folium.FeatureGroup:
    group = folium.FeatureGroup(name="Police beats")
    beats = result.tables["beats"]
    if not len(beats):
        return group
    lab = band_label(bands_min[-1])
    frame = study.boundaries.beats.reset_index(drop=True)
    frame = frame.assign(beat=frame["beat"].astype(str), beat_row=np.arange(len(frame)))
    frame = frame.merge(beats, left_on="beat", right_on="zone", suffixes=("", "_t"))
    covered = f"Share covered ({bands_min[-1]:g} min)"
    show = gpd.GeoDataFrame(
        {
            "Beat": escaped(frame["beat"]),
            "District": escaped(frame["district"]),
            "Population": frame["population"].round(0).astype(int),
            covered: [percent(v, 0) for v in frame[f"population_share_{lab}"]],
            "Share unknown": [
                percent(None if v != v else 1 - v, 0) for v in frame["known_population_share"]
            ],
        },
        geometry=map_geometry(study, result).beats[frame["beat_row"].to_numpy()],
        crs=LONLAT_CRS,
    )
    GeoJson(
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
    cells = _shaded_gap_cells(result)
    if not len(cells):
        return group
    shapes = lonlat(polygonal(cells.geometry.to_numpy()), workers=study.settings.workers)
    frame = gpd.GeoDataFrame(
        {
            "Households without a car": [f"{v:.0f}" for v in cells["no_vehicle_households"]],
            "per km2": [f"{v:,.0f}" for v in cells["per_km2"]],
            "colour": [GAP_HOUSEHOLD_CLASSES[k][1] for k in _household_class(cells)],
        },
        geometry=shapes.values,
        crs=LONLAT_CRS,
    )
    GeoJson(
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


def escaped(values) -> list[str]:
    """Texts from input files, escaped: Leaflet's popups and tooltips insert them as HTML."""
    return [html.escape(str(v)) for v in values]


def _staging_layer(result) -> folium.FeatureGroup:
    group = folium.FeatureGroup(name="Staging points")
    units = result.units.to_crs(LONLAT_CRS)
    snap = [f"{v:.0f} m" for v in units["snap_m"]] if "snap_m" in units else ["n/a"] * len(units)
    frame = gpd.GeoDataFrame(
        {"Site": escaped(units["name"]), "Id": escaped(units["id"]), "Snapped": snap},
        geometry=units.geometry.values,
        crs=LONLAT_CRS,
    )
    GeoJson(
        frame.__geo_interface__,
        marker=folium.CircleMarker(
            radius=7, color="#000", weight=2, fill=True, fill_color="#ffffff", fill_opacity=1
        ),
        tooltip=folium.GeoJsonTooltip(fields=["Site"], labels=False),
        popup=folium.GeoJsonPopup(fields=["Site", "Id", "Snapped"]),
    ).add_to(group)
    return group


def legend_entries(study, result, bands_min: list[float]) -> list[tuple]:
    """The legend's rows: only what the map shows (an empty gap or unknown area, or a
    class of the gap's households that no cell falls in, has no row).
    """
    geo = map_geometry(study, result)
    entries = list(zip(band_colours(len(bands_min)), band_names(bands_min), strict=True))
    if not geo.gap.is_empty:
        entries.append((GAP_COLOUR, f"Gap: beyond {bands_min[-1]:g} min"))
        for colour, label in _household_classes(result):
            entries.append((colour, label))
    if not geo.unknown.is_empty:
        entries.append((UNKNOWN_COLOUR, "Unknown: no road data"))
    entries.append((OUTLINE_COLOUR, _outline(study, result, geo)[1], "outline"))
    entries.append(("#ffffff", "Staging point (unit)", "point"))
    return entries


def _shaded_gap_cells(result):
    """The gap's cell parts that the households layer shades (empty: none)."""
    cells = result.tables.get("gap_households") if result.tables else None
    if cells is None:
        return []
    return cells[cells["no_vehicle_households"] > 0.05]


def _household_class(cells) -> np.ndarray:
    """Each cell part's class in :data:`GAP_HOUSEHOLD_CLASSES` (by households per km2)."""
    lows = np.array([low for low, _ in GAP_HOUSEHOLD_CLASSES])
    return np.searchsorted(lows, cells["per_km2"].to_numpy(), side="right") - 1


def _household_classes(result) -> list[tuple[str, str]]:
    """The legend rows of the gap's households without a car: the classes drawn."""
    cells = _shaded_gap_cells(result)
    drawn = set(_household_class(cells)) if len(cells) else set()
    rows = []
    for i, (low, colour) in enumerate(GAP_HOUSEHOLD_CLASSES):
        if i in drawn:
            high = GAP_HOUSEHOLD_CLASSES[i + 1][0] if i + 1 < len(GAP_HOUSEHOLD_CLASSES) else None
            span = f"{low}-{high}" if high is not None else f"{low} or more"
            rows.append((colour, f"Gap: {span} households without a car per km²"))
    return rows


def headline_rows(study, result) -> list[tuple[str, str]]:
    """The numbers of a scenario's headline panel: residents (and calls) within each band,
    the gap, the unknown part, the units and their hours, the week's person-hours.
    """
    row = result.tables["area"].iloc[0]
    bands_min = study.settings.bands_min
    rows = [("Residents", f"{row['population']:,.0f}")]
    for m in bands_min:
        lab = band_label(m)
        share = row[f"population_share_{lab}"]
        rows.append(
            (
                f"within {m:g} min",
                f"{row[f'population_{lab}']:,.0f} of {row['population']:,.0f} ({percent(share)})",
            )
        )
    rows.append((f"gap (beyond {bands_min[-1]:g} min)", percent(row["gap_population_share"])))
    unknown = row["known_population_share"]
    rows.append(("unknown (no road data)", percent(None if unknown != unknown else 1 - unknown)))
    band = headline_band(bands_min)
    if "calls" in row.index:
        rows.append((f"calls within {band:g} min", percent(row[f"calls_share_{band_label(band)}"])))
    info = result.hours_info or {}
    rows.append(("units", f"{len(result.units)}, {info.get('hours', 'always')}"))
    hours = result.tables.get("hours")
    if hours is not None and len(hours):
        share = week_shares(hours, bands_min)["person_hours_share"][band_label(band)]
        rows.append((f"person-hours within {band:g} min", percent(share)))
    return rows


def add_panel(fmap, study, result, extra: list | None = None, suffix: str = "") -> None:
    """The headline panel of a scenario, top left under the title."""
    hours = getattr(result, "hours", None)
    assumed = f"hours {hours.label if hours is not None else 'assumed'}"
    note = f"{study.model.short_label}; {assumed}"
    HtmlControl(
        panel_html(
            result.label[0].upper() + result.label[1:],
            headline_rows(study, result) + (extra or []),
            note,
        ),
        "topleft",
        "heartgeo-panel",
        "heartgeo-panel" + suffix,
        collapsible=True,
    ).add_to(fmap)


def map_note(study, result) -> str:
    """The legend's note: the travel model's label, then what the codes shown mean."""
    notes = [model_note(study.model), *code_notes(study, result.area)]
    return " ".join(n if n.endswith(".") else n + "." for n in notes)


def scenario_map(study, result, *, basemap: str | None = "default") -> folium.Map:
    """The Folium map of a scenario result (see :mod:`heartgeo.study.run`): basemap, layers,
    labels, title, headline panel and legend.
    """
    bands_min = list(result.bands["minutes"])
    model = study.model
    fmap = new_map(map_geometry(study, result).area.bounds, basemap)
    add_labels(fmap, study, result.area, result.units)
    add_scenario_layers(fmap, study, result)
    add_title(fmap, map_title(model, f"HEART {result.label}", bands_min))
    add_panel(fmap, study, result)
    add_legend(
        fmap, legend_title(model), legend_entries(study, result, bands_min), map_note(study, result)
    )
    return fmap


def comparison_map(study, before, after, *, basemap: str | None = "default") -> DualMap:
    """Two scenarios side by side (the pilot left, citywide right), synchronised, with the
    difference.

    The right-hand map outlines what ``after``'s staging newly covers within the largest
    band compared with ``before``'s (and its residents, in the panel); its gap layer shows
    what stays a gap.
    """
    bands_min = list(after.bands["minutes"])
    model = study.model
    dual = DualMap(location=None, layout="horizontal", tiles=None, control_scale=True)
    minx, miny, maxx, maxy = map_geometry(study, after).area.bounds
    for m, result in ((dual.m1, before), (dual.m2, after)):
        add_basemaps(m, basemap)
        m.fit_bounds([[miny, minx], [maxy, maxx]])
        add_labels(m, study, after.area, result.units)
    add_scenario_layers(dual.m1, study, before)
    newly = shapely.difference(
        map_geometry(study, after).largest_in_area_m, map_geometry(study, before).largest_m
    )
    newly_people = study.grid.residents_in(newly)
    new_name = f"Newly within {bands_min[-1]:g} min with the {after.base} staging"
    add_scenario_layers(dual.m2, study, after, extra=[_newly_layer(newly, new_name)])
    title = f"HEART {before.label} (left) vs {after.label} (right)"
    add_title(dual.m1, map_title(model, title, bands_min), "-1")
    add_panel(dual.m1, study, before, suffix="-1")
    add_panel(
        dual.m2,
        study,
        after,
        extra=[(f"newly within {bands_min[-1]:g} min", f"{newly_people:,.0f} residents")],
        suffix="-2",
    )
    entries = legend_entries(study, after, bands_min)
    if not newly.is_empty:
        entries.append((NEW_COLOUR, new_name, "outline"))
    add_legend(dual.m1, legend_title(model), entries, map_note(study, after))
    return dual


def _newly_layer(newly: shapely.Geometry, name: str) -> folium.FeatureGroup:
    """The newly covered area as a dashed outline: the bands under it stay readable."""
    group = folium.FeatureGroup(name=name, show=True)
    geom = lonlat(polygonal(np.array([newly], dtype=object)), tolerance=0).iloc[0]
    if geom is not None and not geom.is_empty:
        GeoJson(
            shapely.geometry.mapping(geom),
            style_function=lambda _f: {
                "color": NEW_COLOUR,
                "weight": 2.5,
                "dashArray": "5 4",
                "fill": False,
            },
            tooltip=html.escape(name),
        ).add_to(group)
    return group
