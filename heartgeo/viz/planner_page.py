"""The planner's page (``planner.html``): one self-contained file -- Leaflet, the page's
scripts and styles and its data inlined, no CDN and no server -- where a planner tries
staging sites and duty hours and sees the command line's figures after every change.

The scripts are in ``heartgeo/viz/planner/``: ``planner.js`` (the model: coverage, the
calls estimate, the state with undo, A and B, CSV, and ``window.heartgeoPlanner``) and
``planner_ui.js`` (the map, the sites list, the tables).
"""

from __future__ import annotations

import json
from html import escape
from importlib import resources

from heartgeo.viz.controls import BASEMAPS
from heartgeo.viz.mapbase import (
    ATTRIBUTION,
    BAND_COLOURS,
    GAP_COLOUR,
    UNKNOWN_COLOUR,
    band_colours,
)
from heartgeo.viz.render import leaflet_assets

#: The hours a site can take from the list (the scenario's default comes first).
PRESETS = ("daily 08:00-20:00", "24/7", "Mon-Fri 09:00-17:00")


def _asset(name: str) -> str:
    return resources.files("heartgeo.viz").joinpath("planner", name).read_text(encoding="utf-8")


def _script_json(data: dict) -> str:
    """JSON safe inside a ``<script type="application/json">`` (no ``</`` closes it)."""
    return json.dumps(data, separators=(",", ":")).replace("</", "<\\/")


def planner_html(data: dict, title: str, *, basemap: str | None = "default") -> str:
    """The page for ``data`` (:func:`heartgeo.report.planner_data.planner_payload`)."""
    hours = data["workload"]["hours"]
    data = {
        **data,
        "presets": [hours, *[p for p in PRESETS if p != hours]],
        "style": {"band_colours": band_colours(len(data["bands_min"])) or BAND_COLOURS,
                  "gap_colour": GAP_COLOUR, "unknown_colour": UNKNOWN_COLOUR},
        "attribution": ATTRIBUTION,
        "basemap": _basemap(basemap),
    }  # fmt: skip
    css, js = leaflet_assets()
    screening, legend = _labels(data)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title>
<style>{css}</style><style>{_asset("planner.css")}</style>
<script>{js}</script>
</head><body>
<div id="hg-page">
<div id="heartgeo-map" role="application" aria-label="Map: click to add a site, drag a site to move it"></div>
<div id="hg-panel">
<h1>{escape(title)}</h1>{screening}
<p id="hg-headline"></p>
<div id="hg-legend">{legend}</div>
<div class="hg-buttons">
<button id="hg-add">Add a site at the map centre</button>
<button id="hg-undo">Undo</button><button id="hg-redo">Redo</button>
</div>
<p id="hg-message" role="status"></p>
<h2>Sites (click a grey candidate to switch it on or off, click the map to add)</h2>
<ol id="hg-sites"></ol>
<h2>Residents within each band, per area</h2>
<div id="hg-areas"></div>
<p id="hg-hours-line"></p>
<h2>Calls answered (estimate)</h2>
<p id="hg-calls"></p>
<p>Check it: save the sites (Export CSV), then run
<code>heartgeo simulate --area {escape(data["areas"][0]["name"])} --{escape(data["areas"][0]["name"])}-staging planner_sites.csv</code>.</p>
<h2>Scenarios A and B</h2>
<div class="hg-buttons">
<button id="hg-save-a">Save as A</button><button id="hg-save-b">Save as B</button>
<button id="hg-export">Export CSV</button>
<label>Import CSV <input id="hg-import" type="file" accept=".csv,text/csv"></label>
</div>
<div id="hg-compare"></div>
<p id="hg-timing"></p>
</div></div>
<script type="application/json" id="heartgeo-planner-data">{_script_json(data)}</script>
<script>{_asset("planner_ui.js")}</script>
<script>{_asset("planner.js")}</script>
</body></html>
"""


def _labels(data: dict) -> tuple[str, str]:
    """The screening label (a crow-fly model) and the legend's entries, as HTML."""
    model = data["model"]
    screening = (
        f'<p id="hg-screening"><b>SCREENING estimate</b> (crow-fly model): {escape(model["label"])}</p>'
        if model["screening"]
        else ""
    )
    entries = list(zip(data["style"]["band_colours"] + [GAP_COLOUR],
                       [f"≤ {m:g} min" for m in data["bands_min"]] + ["gap (people beyond)"],
                       strict=True))  # fmt: skip
    if data["travel"]["kind"] == "network":
        entries.append((UNKNOWN_COLOUR, "unknown (no road data)"))
    legend = "".join(f'<span style="background:{c}"></span>{escape(label)}' for c, label in entries)
    return screening, legend


def _basemap(basemap: str | None) -> dict | None:
    """The tile layer (URL and attribution): the default light basemap, a URL, or none."""
    if basemap is None:
        return None
    if basemap == "default":
        _name, url, attribution = BASEMAPS[0]
        return {"url": url, "attribution": attribution}
    return {"url": basemap, "attribution": ""}
