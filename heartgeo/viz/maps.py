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
from heartgeo.config import LONLAT_CRS, METRIC_CRS
from heartgeo.geometry import polygonal
from heartgeo.viz.controls import (
    FitAttribution,
    FittingLayerControl,
    HtmlControl,
    ZoomLabels,
    add_basemaps,
    label_layer,
    panel_html,
)
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
    pct,
    polygon_layer,
)

#: Sequential blues (ColorBrewer YlGnBu, colour-blind safe): darkest = quickest.


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
        polygon_layer(geo.rings[i], names[i], colours[i], 0.55).add_to(fmap)
    polygon_layer(geo.gap, f"Gap: beyond {bands_min[-1]:g} min", GAP_COLOUR, 0.5).add_to(fmap)
    polygon_layer(geo.unknown, "Unknown: no road data", UNKNOWN_COLOUR, 0.35).add_to(fmap)
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
            "Beat": escaped(frame["beat"]),
            "District": escaped(frame["district"]),
            "Population": frame["population"].round(0).astype(int),
            covered: [pct(v) for v in frame[f"population_share_{lab}"]],
            "Share unknown": [
                pct(None if v != v else 1 - v) for v in frame["known_population_share"]
            ],
        },
        geometry=lonlat(polygonal(geoms), workers=study.settings.workers).values,
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
    shapes = lonlat(polygonal(cells.geometry.to_numpy()), workers=study.settings.workers)
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


def share_text(share, people=None) -> str:
    """A share (and its people) as the panels show it."""
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
                share_text(row[f"population_share_{lab}"], row[f"population_{lab}"]),
            )
        )
    rows.append((f"gap (beyond {bands_min[-1]:g} min)", share_text(row["gap_population_share"])))
    unknown = row["known_population_share"]
    rows.append(("unknown (no road data)", share_text(None if unknown != unknown else 1 - unknown)))
    band = headline_band(bands_min)
    if "calls" in row.index:
        rows.append(
            (f"calls within {band:g} min", share_text(row[f"calls_share_{band_label(band)}"]))
        )
    info = result.hours_info or {}
    rows.append(("units", f"{len(result.units)}, {info.get('hours', 'always')}"))
    hours = result.tables.get("hours")
    if hours is not None and len(hours):
        share = week_shares(hours, bands_min)["person_hours_share"][band_label(band)]
        rows.append((f"person-hours within {band:g} min", share_text(share)))
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
    """The Folium map of a scenario result (see :mod:`heartgeo.study.run`): basemap, layers,
    labels, title, headline panel and legend.
    """
    bands_min = list(result.bands["minutes"])
    model = study.model
    fmap = new_map(map_geometry(study, result).area.bounds, basemap)
    add_labels(fmap, study, result.area)
    add_scenario_layers(fmap, study, result)
    add_title(fmap, map_title(model, f"HEART {result.name} scenario", bands_min))
    add_panel(fmap, study, result)
    add_legend(fmap, legend_title(model), _legend_entries(bands_min), model_note(model))
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
    new_layer = polygon_layer(
        lonlat(polygonal(np.array([newly], dtype=object)), tolerance=0).iloc[0],
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
    add_legend(dual.m1, legend_title(model), entries, model_note(model))
    return dual
