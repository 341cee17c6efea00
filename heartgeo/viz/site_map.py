"""The staging map of ``heartgeo site``: candidate, current and optimised sites with the
area each set covers.
"""

from __future__ import annotations

import folium
import geopandas as gpd
import numpy as np

from heartgeo.config import LONLAT_CRS
from heartgeo.geometry import polygonal
from heartgeo.numbers import percent
from heartgeo.viz.controls import (
    FitControls,
    HtmlControl,
    panel_html,
)
from heartgeo.viz.geojson import GeoJson
from heartgeo.viz.mapbase import (
    ATTRIBUTION,
    Attribution,
    add_legend,
    add_title,
    lonlat,
    model_note,
    new_map,
    polygon_layer,
)
from heartgeo.viz.maps import (
    escaped,
)

#: Sequential blues (ColorBrewer YlGnBu, colour-blind safe): darkest = quickest.


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
    fmap = new_map(lonlat([area]).total_bounds, basemap)
    coverage = coverage or {}
    minutes = coverage.get("minutes")
    _coverage_layers(fmap, coverage)
    GeoJson(
        lonlat([area]).iloc[0].__geo_interface__,
        name=f"{area_name} area",
        style_function=lambda _f: {"color": "#000", "weight": 2, "fill": False},
    ).add_to(fmap)
    _site_layers(fmap, problem, [int(r) for r in chosen_rows], coverage)
    folium.LayerControl(collapsed=True).add_to(fmap)  # a button: never over the map
    Attribution(ATTRIBUTION).add_to(fmap)
    FitControls().add_to(fmap)
    add_title(
        fmap,
        "HEART staging: current (white) and optimised (pink) sites"
        + (" - SCREENING estimate (crow-fly model)" if study.model.screening else ""),
    )
    _coverage_panel(fmap, study, coverage)
    _legend(fmap, study, minutes)
    return fmap


# --- self-contained HTML ------------------------------------------------------------


#: The colour of each set of sites' coverage: Okabe-Ito blue and reddish purple (pink).
SET_COLOURS = {"current": "#0072B2", "optimised": "#CC79A7"}  # blue, pink
#: Marker fill and radius of each kind of site.
SITE_STYLES = {"candidate": ("#bbbbbb", 4), "current": ("#ffffff", 7), "chosen": ("#CC79A7", 8)}
SITE_LAYER_NAMES = {
    "candidate": "Candidate sites",
    "current": "Current staging sites",
    "chosen": "Optimised staging sites",
}


def _legend(fmap, study, minutes) -> None:
    """The legend: the kinds of site and, with minutes, each set's coverage."""
    entries = [
        ("#ffffff", "Current staging site"),
        ("#CC79A7", "Optimised staging site"),
        ("#bbbbbb", "Candidate site"),
    ]
    if minutes:
        entries += [
            (SET_COLOURS[k], f"Within {minutes:g} min of the {k} sites")
            for k in ("current", "optimised")
        ]
    add_legend(fmap, "Staging sites", entries, model_note(study.model))


def _coverage_layers(fmap, coverage: dict) -> None:
    """The area each set of sites covers within the chosen minutes, a layer per set."""
    minutes = coverage.get("minutes")
    for key in ("current", "optimised"):
        part = coverage.get(key)
        if part is None:
            continue
        polygon_layer(
            lonlat(polygonal(np.array([part["polygon"]], dtype=object)), tolerance=0).iloc[0],
            f"{key.capitalize()} staging: within {minutes:g} min",
            SET_COLOURS[key],
            0.25,
            weight=2,
        ).add_to(fmap)


def _site_layers(fmap, problem, chosen: list[int], coverage: dict) -> None:
    """Candidate, current and chosen sites as markers; a chosen site's popup gives its
    marginal contribution.
    """
    sites = problem.sites.to_crs(LONLAT_CRS)
    minutes, unit = coverage.get("minutes"), coverage.get("unit", "people")
    marginal = dict(zip(chosen, coverage.get("optimised", {}).get("marginal", []), strict=False))
    for label, rows in (
        ("candidate", [r for r in problem.rows("candidate") if r not in chosen]),
        ("current", list(problem.rows("current"))),
        ("chosen", chosen),
    ):
        group = folium.FeatureGroup(name=SITE_LAYER_NAMES[label])
        colour, radius = SITE_STYLES[label]
        props = {"Site": escaped(sites["name"].iloc[rows])}
        if label == "chosen":
            props["Marginal contribution"] = [
                f"{marginal.get(r, float('nan')):,.0f} {unit} within {minutes:g} min "
                "(lost if this site alone were dropped)"
                for r in rows
            ]
        frame = gpd.GeoDataFrame(props, geometry=sites.geometry.iloc[rows].values, crs=LONLAT_CRS)
        if len(frame):
            GeoJson(
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


def _coverage_panel(fmap, study, coverage: dict) -> None:
    """The panel of the demand each set of sites covers."""
    rows = [
        (
            f"{key}: {coverage[key]['units']} site(s)",
            f"{coverage[key]['covered']:,.0f} ({percent(coverage[key]['share'])})",
        )
        for key in ("current", "optimised")
        if coverage.get(key) is not None
    ]
    if rows:
        unit, minutes = coverage.get("unit", "people"), coverage.get("minutes")
        HtmlControl(
            panel_html(
                f"{unit.capitalize()} within {minutes:g} min", rows, study.model.short_label
            ),
            "topleft",
            "heartgeo-panel",
            "heartgeo-panel",
            collapsible=True,
        ).add_to(fmap)
