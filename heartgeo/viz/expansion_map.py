"""The expansion map of ``heartgeo expand``: the start area, then each zone numbered in the
order it is added and shaded from early (dark) to late (light), with the sites and teams.
"""

from __future__ import annotations

import html

import folium
import geopandas as gpd
import numpy as np

from heartgeo.config import LONLAT_CRS
from heartgeo.viz.controls import FitControls
from heartgeo.viz.geojson import GeoJson
from heartgeo.viz.mapbase import (
    ATTRIBUTION,
    Attribution,
    add_legend,
    add_title,
    lonlat,
    model_note,
    new_map,
)

#: Sequential scale (ColorBrewer YlGnBu, colour-blind safe): early steps dark, late light.
ORDER_COLOURS = ["#0c2c84", "#225ea8", "#1d91c0", "#41b6c4", "#7fcdbb", "#c7e9b4", "#ffffcc"]
#: The start area's outline.
START_COLOUR = "#000000"


def order_colour(step: int, steps: int) -> str:
    """The colour of step ``step`` (1-based) of ``steps``: dark first, light last."""
    if steps <= 1:
        return ORDER_COLOURS[0]
    i = round((step - 1) / (steps - 1) * (len(ORDER_COLOURS) - 1))
    return ORDER_COLOURS[int(i)]


def number_icon(step: int) -> folium.DivIcon:
    """A numbered disc for a zone's label (white on dark, black outline)."""
    return folium.DivIcon(
        html=(
            '<div class="heartgeo-order" style="width:22px;height:22px;border-radius:50%;'
            "background:#fff;border:2px solid #000;font:bold 12px sans-serif;"
            f'text-align:center;line-height:22px;color:#000">{step}</div>'
        ),
        icon_size=(22, 22),
        icon_anchor=(11, 11),
    )


def expansion_map(
    study, run, sequence, units: gpd.GeoDataFrame, *, basemap: str | None = "default"
) -> folium.Map:
    """The start area, each zone numbered in order with its step's figures in a tooltip,
    and the sites with their teams at the end.

    Parameters
    ----------
    study
        The prepared study (its travel model labels the map).
    run
        The :class:`heartgeo.operations.expand.ExpansionRun`.
    sequence
        The sequence table (:func:`heartgeo.report.expand.sequence_frame`).
    units
        The candidate sites (rows of the problem).
    """
    zones = run.zones.set_index("code")
    order = list(sequence["zone"].iloc[1:])
    geoms = lonlat(list(zones.loc[order].geometry) + [run.start_area])
    fmap = new_map(geoms.total_bounds, basemap)
    _zones_layer(run, sequence, order, geoms.iloc[:-1]).add_to(fmap)
    GeoJson(
        geoms.iloc[-1].__geo_interface__,
        name=f"Start: the {run.start} area",
        style_function=lambda _f: {"color": START_COLOUR, "weight": 3, "fill": False},
        tooltip=html.escape(f"Start: the {run.start} area ({sequence['teams'].iloc[0]} teams)"),
    ).add_to(fmap)
    _sites_layer(units, run.steps[-1].teams).add_to(fmap)
    folium.LayerControl(collapsed=True).add_to(fmap)
    Attribution(ATTRIBUTION).add_to(fmap)
    FitControls().add_to(fmap)
    screening = " - SCREENING estimate (crow-fly model)" if study.model.screening else ""
    add_title(fmap, f"Expansion order from the {run.start} area, by {run.by}{screening}")
    entries = [(order_colour(1, len(order)), f"Added first ({run.by} 1)"),
               (order_colour(len(order), len(order)), f"Added last ({run.by} {len(order)})"),
               (START_COLOUR, f"Start: the {run.start} area", "outline"),
               ("#ffffff", "Site with teams at the end (tooltip: teams)", "point")]  # fmt: skip
    add_legend(fmap, "Expansion order", entries, model_note(study.model))
    return fmap


def _zones_layer(run, sequence, order: list, geoms) -> folium.FeatureGroup:
    """Each zone shaded by its step, with its number and its step's figures."""
    std = run.info["standard_min"]
    layer = folium.FeatureGroup(name=f"{run.by.capitalize()}s in order")
    for k, (code, geom) in enumerate(zip(order, geoms, strict=True), start=1):
        row = sequence.iloc[k]
        tip = html.escape(
            f"{k}. {run.by} {code}: {row['added_team_hours']:g} team-hours added, "
            f"{100 * row['estimated_within_standard_share']:.1f} % of the city's calls within "
            f"{std:g} min after it ({row['teams']} teams)"
        )
        colour = order_colour(k, len(order))
        GeoJson(
            geom.__geo_interface__,
            style_function=lambda _f, c=colour: {
                "color": "#333",
                "weight": 1,
                "fillColor": c,
                "fillOpacity": 0.6,
            },  # fmt: skip
            tooltip=tip,
        ).add_to(layer)
        point = geom.representative_point()
        folium.Marker([point.y, point.x], icon=number_icon(k), tooltip=tip).add_to(layer)
    return layer


def _sites_layer(units: gpd.GeoDataFrame, teams: np.ndarray) -> folium.FeatureGroup:
    group = folium.FeatureGroup(name="Sites and their teams")
    points = units.geometry.to_crs(LONLAT_CRS)
    for name, point, n in zip(units["name"], points, teams, strict=True):
        if n == 0:
            continue
        folium.CircleMarker(
            [point.y, point.x], radius=7, color="#000", weight=2, fill=True,
            fill_color="#ffffff", fill_opacity=1,
            tooltip=html.escape(f"{name}: {int(n)} team(s) at the end"),
        ).add_to(group)  # fmt: skip
    return group
