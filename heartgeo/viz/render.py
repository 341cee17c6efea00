"""Self-contained HTML of a Folium map: Leaflet inlined, stable ids, written atomically."""

from __future__ import annotations

import base64
import re
from importlib import resources
from pathlib import Path

from heartgeo.viz.controls import (
    BOX_CSS,
    FOLD_SCRIPT,
    SELF_CHECK_HEAD,
    SELF_CHECK_TAIL,
)
from heartgeo.viz.geojson import plain_macros

#: Sequential blues (ColorBrewer YlGnBu, colour-blind safe): darkest = quickest.


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


def leaflet_assets() -> tuple[str, str]:
    """Leaflet's CSS (its images inlined) and JavaScript, for self-contained pages."""
    return _leaflet_css(), _leaflet_file("leaflet.js")


def _stable_ids(text: str) -> str:
    """Replace folium's random element ids by sequential ones: same inputs, same file."""
    ids: dict[str, str] = {}

    def number(match: re.Match) -> str:
        return ids.setdefault(match.group(1), f"_{len(ids):06d}")

    return re.sub(r"_([0-9a-f]{32})(?![0-9a-f])", number, text)


def render_html(element, *, offline: bool = True) -> str:
    """HTML of a folium Map or DualMap; ``offline`` inlines Leaflet and drops CDN files."""
    with plain_macros():
        text = _stable_ids(element.get_root().render())
    text = text.replace("<head>", "<head>\n" + BOX_CSS + FOLD_SCRIPT, 1)
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
