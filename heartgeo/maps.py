"""Interactive Folium maps of a scenario.

Layers: city limit, pilot area, police beats (tooltip: beat, district, population,
share covered), drive-time bands as rings in a sequential colour-blind-safe scale,
gaps, the unknown area (no road data), and staging points with popups; a layer
control, a legend with units, a title naming the scenario, travel model and bands,
and the data attribution.
"""

from __future__ import annotations

import html

import folium
import geopandas as gpd
import numpy as np
import shapely

from heartgeo.config import LONLAT_CRS, METRIC_CRS
from heartgeo.coverage import band_label
from heartgeo.demand import polygonal

#: Sequential blues (ColorBrewer YlGnBu, colour-blind safe): darkest = quickest.
BAND_COLOURS = ["#253494", "#2c7fb8", "#41b6c4", "#a1dab4", "#ffffcc"]
GAP_COLOUR = "#d95f02"  # orange: distinct from the blues for every colour vision
UNKNOWN_COLOUR = "#636363"
ATTRIBUTION = (
    "Roads &copy; OpenStreetMap contributors (ODbL); boundaries: City of Durham; "
    "population: US Census Bureau ACS 2020-2024"
)
#: Geometry tolerance for the map (metres): below screen precision at city zoom.
MAP_TOLERANCE_M = 5.0


def _lonlat(geoms, tolerance: float = MAP_TOLERANCE_M) -> gpd.GeoSeries:
    series = gpd.GeoSeries(list(geoms), crs=METRIC_CRS)
    series = series.simplify(tolerance, preserve_topology=True)
    return series.to_crs(LONLAT_CRS)


def _polygon_layer(
    geom: shapely.Geometry, name: str, colour: str, opacity: float, show: bool = True
) -> folium.FeatureGroup:
    group = folium.FeatureGroup(name=name, show=show)
    geom = polygonal(np.array([geom], dtype=object))[0] if geom is not None else None
    if geom is not None and not geom.is_empty:
        folium.GeoJson(
            _lonlat([geom]).__geo_interface__,
            style_function=lambda _f, c=colour, o=opacity: {
                "color": c,
                "weight": 0.5,
                "fillColor": c,
                "fillOpacity": o,
            },
            tooltip=html.escape(name),
        ).add_to(group)
    return group


def _band_colours(n: int) -> list[str]:
    if n <= len(BAND_COLOURS):
        idx = np.round(np.linspace(0, len(BAND_COLOURS) - 2, n)).astype(int) if n > 1 else [0]
        return [BAND_COLOURS[i] for i in idx]
    return [BAND_COLOURS[min(i, len(BAND_COLOURS) - 1)] for i in range(n)]


def legend_html(title: str, entries: list[tuple[str, str]], note: str) -> str:
    rows = "".join(
        f'<div><span style="display:inline-block;width:14px;height:14px;background:{c};'
        f'opacity:0.8;margin-right:6px;vertical-align:middle;border:1px solid #333"></span>'
        f"{html.escape(label)}</div>"
        for c, label in entries
    )
    return (
        '<div id="heartgeo-legend" style="position:fixed;bottom:24px;left:12px;z-index:9999;'
        "background:white;padding:8px 10px;border:1px solid #888;border-radius:4px;"
        'font:13px/1.4 sans-serif;max-width:280px">'
        f"<b>{html.escape(title)}</b>{rows}"
        f'<div style="margin-top:4px;color:#555;font-size:11px">{html.escape(note)}</div></div>'
    )


def title_html(text: str) -> str:
    return (
        '<div id="heartgeo-title" style="position:fixed;top:10px;left:50%;transform:translateX(-50%);'
        "z-index:9999;background:white;padding:6px 12px;border:1px solid #888;border-radius:4px;"
        f'font:bold 15px sans-serif">{html.escape(text)}</div>'
    )


def scenario_map(study, result) -> folium.Map:
    """Build the Folium map of a scenario result (see :mod:`heartgeo.pipeline`)."""
    bands_min = list(result.bands["minutes"])
    model = study.model.name
    city_ll = _lonlat([study.boundaries.city]).iloc[0]
    minx, miny, maxx, maxy = _lonlat([result.area]).total_bounds
    fmap = folium.Map(
        location=[(miny + maxy) / 2, (minx + maxx) / 2],
        zoom_start=12,
        tiles=None,
        control_scale=True,
    )
    folium.TileLayer("OpenStreetMap", name="Basemap (OpenStreetMap, online only)").add_to(fmap)
    fmap.fit_bounds([[miny, minx], [maxy, maxx]])
    folium.GeoJson(
        city_ll.__geo_interface__,
        name="City limit",
        style_function=lambda _f: {"color": "#000", "weight": 2, "fill": False},
    ).add_to(fmap)
    folium.GeoJson(
        _lonlat([study.pilot.geometry]).iloc[0].__geo_interface__,
        name="Pilot area" + (" (approximation)" if study.pilot.approximation else ""),
        style_function=lambda _f: {
            "color": "#7b3294",
            "weight": 2.5,
            "dashArray": "6 4",
            "fill": False,
        },
    ).add_to(fmap)
    # bands as rings, quickest on top
    colours = _band_colours(len(bands_min))
    geoms = list(result.bands.geometry)
    for i in range(len(bands_min) - 1, -1, -1):
        ring = geoms[i] if i == 0 else shapely.difference(geoms[i], geoms[i - 1])
        lo = 0 if i == 0 else bands_min[i - 1]
        label = f"{lo:g}-{bands_min[i]:g} min drive"
        _polygon_layer(shapely.intersection(ring, result.area), label, colours[i], 0.55).add_to(
            fmap
        )
    _polygon_layer(result.gap, f"Gap: beyond {bands_min[-1]:g} min", GAP_COLOUR, 0.5).add_to(fmap)
    _polygon_layer(result.unknown, "Unknown: no road data", UNKNOWN_COLOUR, 0.35).add_to(fmap)
    # beats with tooltips
    beats = result.tables["beats"]
    if len(beats):
        lab = band_label(bands_min[-1])
        frame = study.boundaries.beats.assign(beat=study.boundaries.beats["beat"].astype(str))
        frame = frame.merge(beats, left_on="beat", right_on="zone", suffixes=("", "_t"))
        frame["geometry"] = shapely.intersection(frame.geometry.to_numpy(), result.area)
        show = gpd.GeoDataFrame(
            {
                "Beat": frame["beat"],
                "District": frame["district"],
                "Population": frame["population"].round(0).astype(int),
                f"Share covered ({bands_min[-1]:g} min)": [
                    _pct(v) for v in frame[f"population_share_{lab}"]
                ],
                "Share unknown": [
                    _pct(1 - v) if v == v else "n/a" for v in frame["known_population_share"]
                ],
            },
            geometry=_lonlat(frame.geometry).values,
            crs=LONLAT_CRS,
        )
        folium.GeoJson(
            show.__geo_interface__,
            name="Police beats",
            style_function=lambda _f: {"color": "#444", "weight": 0.8, "fillOpacity": 0.0},
            tooltip=folium.GeoJsonTooltip(fields=list(show.columns.drop("geometry"))),
        ).add_to(fmap)
    # staging points
    units = result.units.to_crs(LONLAT_CRS)
    group = folium.FeatureGroup(name="Staging points")
    for _, row in units.iterrows():
        snap = row.get("snap_m")
        text = f"<b>{html.escape(str(row['name']))}</b><br>id: {html.escape(str(row['id']))}"
        if snap is not None and snap == snap:
            text += f"<br>snapped {snap:.0f} m to the road network"
        folium.CircleMarker(
            [row.geometry.y, row.geometry.x],
            radius=7,
            color="#000",
            weight=2,
            fill=True,
            fill_color="#ffffff",
            fill_opacity=1,
            popup=folium.Popup(text, max_width=300),
            tooltip=html.escape(str(row["name"])),
        ).add_to(group)
    group.add_to(fmap)
    folium.LayerControl(collapsed=False).add_to(fmap)
    bands_txt = ", ".join(f"{m:g}" for m in bands_min)
    title = (
        f"HEART {result.name} scenario: drive-time coverage ({model} model; bands {bands_txt} min)"
    )
    entries = [
        (colours[i], f"{0 if i == 0 else bands_min[i - 1]:g}-{m:g} min drive")
        for i, m in enumerate(bands_min)
    ]
    entries += [
        (GAP_COLOUR, f"Gap: beyond {bands_min[-1]:g} min"),
        (UNKNOWN_COLOUR, "Unknown: no road data"),
    ]
    note = (
        "Straight-line screening model (distance x circuity / speed)."
        if model == "crowfly"
        else "Free-flow drive time on OpenStreetMap roads."
    ) + f" {ATTRIBUTION.replace('&copy;', '(c)')}"
    root = fmap.get_root()
    root.html.add_child(folium.Element(title_html(title)))
    root.html.add_child(
        folium.Element(legend_html("Drive time from the nearest unit", entries, note))
    )
    return fmap


def _pct(value) -> str:
    return "n/a" if value is None or value != value else f"{100 * value:.0f} %"
