"""Map furniture: basemaps, boxes placed as Leaflet controls, zoom-dependent labels, and
the page's self-check (errors, tiles, control boxes, text contrast) read by the browser
tests.

Every box (title, headline numbers, legend) is a Leaflet control in one of the map's
corners, so Leaflet stacks the boxes of a corner and they never overlap each other, the
zoom buttons, the layer control, the scale or the attribution.
"""

from __future__ import annotations

import html
import json

import folium
from branca.element import MacroElement
from jinja2 import Template

#: A transparent 1 x 1 PNG: what a tile that failed to load shows (the map's plain
#: background instead of a broken-image icon).
BLANK_TILE = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="
OSM_COPYRIGHT = (
    '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'
)
#: The default basemaps: a light, label-bearing map made for thematic overlays first,
#: OpenStreetMap's standard map as the alternative (both need internet when viewed).
BASEMAPS = (
    (
        "Light basemap (CARTO Positron)",
        "https://{s}.basemaps.cartocdn.com/light_all/{z}/{x}/{y}{r}.png",
        f'{OSM_COPYRIGHT} &copy; <a href="https://carto.com/attributions">CARTO</a>',
    ),
    (
        "OpenStreetMap basemap",
        "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        OSM_COPYRIGHT,
    ),
)


def add_basemaps(fmap: folium.Map, basemap: str | None) -> None:
    """Add the basemaps to ``fmap``: ``default`` (CARTO Positron, OpenStreetMap as the
    alternative in the layer control), a tile URL template of your own
    (``https://host/{z}/{x}/{y}.png``), or None for none (fully offline).
    """
    if basemap is None:
        return
    layers = BASEMAPS if basemap == "default" else (("Basemap", basemap, "Basemap tiles"),)
    for i, (name, url, attr) in enumerate(layers):
        folium.TileLayer(
            tiles=url,
            attr=attr,
            name=name,
            overlay=False,
            control=True,
            show=i == 0,
            max_zoom=19,
            subdomains="abcd" if "{s}" in url else "abc",
            error_tile_url=BLANK_TILE,
        ).add_to(fmap)


class HtmlControl(MacroElement):
    """A box of HTML placed as a Leaflet control (``topleft``, ``topright``,
    ``bottomleft``, ``bottomright``), with CSS class ``css_class`` and id ``box_id``.

    A ``collapsible`` box has a heading button (``.heartgeo-toggle``) that folds its body
    (``.heartgeo-body``); on small maps it starts folded (see :class:`FitControls`).
    """

    _template = Template(
        "{% macro script(this, kwargs) %}"
        "(function () {"
        "var c = L.control({position: {{ this.position|tojson }}});"
        "c.onAdd = function () {"
        "var d = L.DomUtil.create('div', {{ this.css_class|tojson }});"
        "d.id = {{ this.box_id|tojson }}; d.innerHTML = {{ this.html|tojson }};"
        "var b = d.querySelector('.heartgeo-toggle');"
        "if (b) { b.onclick = function () { d.setAttribute('data-user', '1');"
        " heartgeoFold(d, !d.classList.contains('heartgeo-collapsed')); };"
        " heartgeoFold(d, heartgeoTiny({{ this._parent.get_name() }})); }"
        "L.DomEvent.disableClickPropagation(d); L.DomEvent.disableScrollPropagation(d);"
        "return d; };"
        "c.addTo({{ this._parent.get_name() }});"
        "})();"
        "{% endmacro %}"
    )

    def __init__(
        self,
        html_text: str,
        position: str,
        css_class: str,
        box_id: str,
        collapsible: bool = False,
    ):
        super().__init__()
        self._name = "HtmlControl"
        self.html = html_text
        self.position = position
        self.css_class = f"heartgeo-box {css_class}" + (
            " heartgeo-collapsible" if collapsible else ""
        )
        self.box_id = box_id


def toggle_html(heading: str, body: str) -> str:
    """A collapsible box's content: its heading as the fold button, then its body."""
    return (
        f'<button type="button" class="heartgeo-toggle" aria-expanded="true">'
        f'{html.escape(heading)}</button><div class="heartgeo-body">{body}</div>'
    )


#: Styles of the boxes and labels (text #222 on white: contrast 15.9:1; notes #555: 7.5:1).
BOX_CSS = """<style>
.heartgeo-box{background:#fff;color:#222;padding:6px 10px;border:1px solid #888;
  border-radius:4px;font:13px/1.4 sans-serif;max-width:360px;box-shadow:0 1px 4px rgba(0,0,0,.25)}
.heartgeo-title{font-weight:bold;font-size:14px;white-space:nowrap;overflow:hidden;
  text-overflow:ellipsis}
.heartgeo-toggle{all:unset;cursor:pointer;font-weight:bold;display:block}
.heartgeo-toggle::before{content:"\\25BE  "}
.heartgeo-collapsed .heartgeo-toggle::before{content:"\\25B8  "}
.heartgeo-collapsed .heartgeo-body{display:none}
.heartgeo-small .heartgeo-box{font-size:12px;padding:3px 7px}
.heartgeo-small .heartgeo-title{font-size:12px}
.heartgeo-small .leaflet-control-attribution{white-space:nowrap;overflow:hidden;
  text-overflow:ellipsis;font-size:10px}
.heartgeo-small .leaflet-control-attribution:hover{white-space:normal}
.heartgeo-small .leaflet-bar a{width:22px;height:22px;line-height:22px;font-size:16px}
.heartgeo-small .leaflet-control-layers-toggle{width:28px;height:28px;background-size:20px}
.heartgeo-small .leaflet-control-scale-line+.leaflet-control-scale-line{display:none}
.heartgeo-panel table{border-collapse:collapse}
.heartgeo-panel td{padding:0 6px 0 0;color:#222}
.heartgeo-panel td.num{white-space:nowrap}
.heartgeo-panel .num{text-align:right;font-variant-numeric:tabular-nums}
.heartgeo-note{color:#555;font-size:11px;margin-top:4px}
.leaflet-control-attribution{white-space:normal;color:#222}
.leaflet-control-attribution a{color:#0645ad}
.heartgeo-legend{max-width:260px}
.heartgeo-label{background:none;border:none;box-shadow:none;color:#222;font:bold 11px sans-serif;
  text-shadow:0 0 3px #fff,0 0 3px #fff,0 0 3px #fff;white-space:nowrap}
.heartgeo-label.district{font-size:13px;color:#4a1486}
.heartgeo-hide-beat-labels .heartgeo-label.beat{display:none}
.heartgeo-hide-district-labels .heartgeo-label.district{display:none}
@media print{.leaflet-control-layers,.leaflet-control-zoom{display:none}}
</style>"""


#: The width and height (CSS pixels) below which a map counts as small: its boxes, title
#: and attribution use compact type.
SMALL_MAP = (1100, 650)
#: Below this width or height the panels and legend start folded at once (no room).
TINY_MAP = (700, 420)
#: The largest share of a map its control boxes may cover before the legend, then the
#: panels, fold (the browser tests allow a quarter; the boxes' areas are summed).
CROWDED_SHARE = 0.22

#: Folds a collapsible box, and fits a map's boxes (in the page head: every map's
#: controls use them).
FOLD_SCRIPT = f"""<script>
function heartgeoSmall(m) {{
  var s = m.getSize(); return s.x < {SMALL_MAP[0]} || s.y < {SMALL_MAP[1]};
}}
function heartgeoTiny(m) {{
  var s = m.getSize(); return s.x < {TINY_MAP[0]} || s.y < {TINY_MAP[1]};
}}
function heartgeoFold(d, folded) {{
  d.classList.toggle('heartgeo-collapsed', folded);
  var b = d.querySelector('.heartgeo-toggle');
  if (b) {{ b.setAttribute('aria-expanded', String(!folded)); }}
}}
function heartgeoCrowded(m) {{
  var c = m.getContainer().getBoundingClientRect(), sum = 0, rs = [];
  m.getContainer().querySelectorAll('.leaflet-control').forEach(function (el) {{
    var b = el.getBoundingClientRect();
    if (b.width > 0 && b.height > 0) {{ sum += b.width * b.height; rs.push(b); }}
  }});
  for (var i = 0; i < rs.length; i++) {{
    var a = rs[i];
    if (a.left < c.left - 1 || a.top < c.top - 1 || a.right > c.right + 1 || a.bottom > c.bottom + 1) {{ return true; }}
    for (var j = i + 1; j < rs.length; j++) {{
      var b = rs[j];
      if (a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom) {{ return true; }}
    }}
  }}
  return sum > {CROWDED_SHARE} * c.width * c.height;
}}
function heartgeoFit(m) {{
  var own = Array.prototype.filter.call(
    m.getContainer().querySelectorAll('.heartgeo-collapsible'),
    function (d) {{ return !d.hasAttribute('data-user'); }});
  var tiny = heartgeoTiny(m);
  own.forEach(function (d) {{ heartgeoFold(d, tiny); }});
  if (tiny) {{ return; }}
  var legends = own.filter(function (d) {{ return /heartgeo-legend/.test(d.className); }});
  var others = own.filter(function (d) {{ return legends.indexOf(d) < 0; }});
  legends.concat(others).forEach(function (d) {{ if (heartgeoCrowded(m)) {{ heartgeoFold(d, true); }} }});
}}
</script>"""


class FitControls(MacroElement):
    """Fit the controls to the map's size, now and on every resize: on a tiny map
    (:data:`TINY_MAP`) the collapsible boxes start folded; otherwise they open, and while
    the boxes overlap, leave the map or cover more than :data:`CROWDED_SHARE` of it, the
    legend and then the panels fold (a box the reader opened or closed stays so). Below
    :data:`SMALL_MAP` the map gets class ``heartgeo-small`` (compact type, a one-line
    attribution); the title gets the width beside the zoom buttons (one line, cut with an
    ellipsis) and the attribution the width beside the scale bar.
    """

    _template = Template(
        "{% macro script(this, kwargs) %}"
        "(function (m) { var c = m.getContainer(); function f() {"
        " var s = m.getSize();"
        " c.classList.toggle('heartgeo-small', heartgeoSmall(m));"
        " c.querySelectorAll('.heartgeo-title').forEach(function (t) {"
        "  t.style.maxWidth = Math.max(s.x - 70, 80) + 'px'; });"
        " m.attributionControl.getContainer().style.maxWidth ="
        "  Math.max(s.x - 130, 80) + 'px';"
        " heartgeoFit(m); }"
        " m.on('resize', f); f(); setTimeout(f, 0); })"
        "({{ this._parent.get_name() }});"
        "{% endmacro %}"
    )

    def __init__(self):
        super().__init__()
        self._name = "FitControls"


class ZoomLabels(MacroElement):
    """Show beat labels from zoom ``beats_from`` and district labels up to ``districts_to``
    (a class on the map container switches them; CSS in :data:`BOX_CSS`).
    """

    _template = Template(
        "{% macro script(this, kwargs) %}"
        "(function (m) {"
        "function f() { var z = m.getZoom(), c = m.getContainer();"
        "L.DomUtil[z >= {{ this.beats_from }} ? 'removeClass' : 'addClass'](c, 'heartgeo-hide-beat-labels');"
        "L.DomUtil[z <= {{ this.districts_to }} ? 'removeClass' : 'addClass'](c, 'heartgeo-hide-district-labels'); }"
        "m.on('zoomend', f); f();"
        "})({{ this._parent.get_name() }});"
        "{% endmacro %}"
    )

    def __init__(self, beats_from: int = 13, districts_to: int = 12):
        super().__init__()
        self._name = "ZoomLabels"
        self.beats_from = beats_from
        self.districts_to = districts_to


def label_layer(
    name: str, points: list[tuple[float, float, str]], kind: str
) -> folium.FeatureGroup:
    """Text labels (lat, lon, text) of ``kind`` (``beat`` or ``district``) as a layer."""
    group = folium.FeatureGroup(name=name, show=True)
    for lat, lon, text in points:
        folium.Marker(
            [lat, lon],
            icon=folium.DivIcon(
                html=f'<div class="heartgeo-label {kind}">{html.escape(text)}</div>',
                icon_size=(60, 16),
                icon_anchor=(30, 8),
                class_name="heartgeo-label-icon",
            ),
        ).add_to(group)
    return group


def panel_html(heading: str, rows: list[tuple[str, str]], note: str = "") -> str:
    """A headline panel: a heading (its fold button), label/value rows and a note (all
    escaped).
    """
    body = "".join(
        f'<tr><td>{html.escape(k)}</td><td class="num">{html.escape(v)}</td></tr>' for k, v in rows
    )
    extra = f'<div class="heartgeo-note">{html.escape(note)}</div>' if note else ""
    return toggle_html(heading, f"<table>{body}</table>{extra}")


#: Records script errors, failed and loaded tiles on <body> (read by the browser check).
SELF_CHECK_HEAD = """<script>
window.__heartgeoErrors = [];
window.__heartgeoTiles = {loaded: 0, failed: 0};
function __heartgeoMark() {
  if (!document.body) { return; }
  document.body.setAttribute('data-heartgeo-errors', window.__heartgeoErrors.join(' | '));
  document.body.setAttribute('data-heartgeo-tiles', window.__heartgeoTiles.loaded + ' ' + window.__heartgeoTiles.failed);
}
window.addEventListener('error', function (e) {
  var t = e.target;
  if (t && t !== window && t.tagName) {
    if (t.tagName === 'IMG' && /leaflet-tile/.test(t.className)) { window.__heartgeoTiles.failed += 1; }
    else { window.__heartgeoErrors.push('resource failed: ' + (t.src || t.href || t.tagName)); }
  } else {
    window.__heartgeoErrors.push(String(e.message || e.type));
  }
  __heartgeoMark();
}, true);
// an element's load event never reaches window: listen on the document
document.addEventListener('load', function (e) {
  var t = e.target;
  if (t && t.tagName === 'IMG' && /leaflet-tile/.test(t.className) && !/^data:/.test(t.src)) {
    window.__heartgeoTiles.loaded += 1; __heartgeoMark();
  }
}, true);
(function () {
  var orig = console.error;
  console.error = function () {
    window.__heartgeoErrors.push(Array.prototype.join.call(arguments, ' '));
    return orig.apply(console, arguments);
  };
})();
</script>"""

#: After the maps are built: the ready time, the boxes of every map control and panel
#: (for the overlap check) and the lowest text contrast inside the boxes.
SELF_CHECK_TAIL = """<script>
(function () {
  function rgb(s) { var m = s.match(/[\\d.]+/g); return m ? m.map(Number) : [0, 0, 0, 0]; }
  function lum(c) {
    var v = c.slice(0, 3).map(function (x) { x /= 255; return x <= 0.03928 ? x / 12.92 : Math.pow((x + 0.055) / 1.055, 2.4); });
    return 0.2126 * v[0] + 0.7152 * v[1] + 0.0722 * v[2];
  }
  function background(el) {
    for (; el && el.nodeType === 1; el = el.parentElement) {
      var c = rgb(getComputedStyle(el).backgroundColor);
      if (c.length < 4 || c[3] > 0.5) { return c; }
    }
    return [255, 255, 255];
  }
  function measure() {
    var boxes = [], lowest = 99;
    var sel = '.leaflet-control-zoom, .leaflet-control-layers, .leaflet-control-scale, .leaflet-control-attribution, .heartgeo-box';
    var maps = [];
    document.querySelectorAll('.leaflet-container').forEach(function (map, i) {
      var m = map.getBoundingClientRect();
      maps.push({map: i, x: m.left, y: m.top, w: m.width, h: m.height});
      map.querySelectorAll(sel).forEach(function (el) {
        var r = el.getBoundingClientRect();
        if (r.width > 0 && r.height > 0) {
          boxes.push({map: i, name: (el.id || el.className.split(' ').slice(0, 2).join(' ')),
                      x: r.left, y: r.top, w: r.width, h: r.height});
        }
      });
    });
    document.querySelectorAll('.heartgeo-box, .heartgeo-box *').forEach(function (el) {
      var own = Array.prototype.some.call(el.childNodes, function (n) { return n.nodeType === 3 && n.textContent.trim(); });
      if (!own) { return; }
      var a = lum(rgb(getComputedStyle(el).color)), b = lum(background(el));
      lowest = Math.min(lowest, (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05));
    });
    document.body.setAttribute('data-heartgeo-boxes', JSON.stringify(boxes));
    document.body.setAttribute('data-heartgeo-contrast', lowest.toFixed(2));
    document.body.setAttribute('data-heartgeo-maps', JSON.stringify(maps));
    document.body.setAttribute('data-heartgeo-viewport', window.innerWidth + 'x' + window.innerHeight);
    __heartgeoMark();
    // inside a frame, the host page hears the same (the browser tests read it there)
    if (window.parent !== window) {
      window.parent.postMessage({heartgeo: {boxes: boxes, maps: maps,
        viewport: window.innerWidth + 'x' + window.innerHeight}}, '*');
    }
  }
  measure();
  document.body.setAttribute('data-heartgeo-ready-ms', String(Math.round(performance.now())));
  // measured again once the window has its final size (headless resizes after load)
  window.addEventListener('resize', measure);
  window.addEventListener('load', function () { setTimeout(measure, 300); });
})();
</script>"""


def boxes_from_dom(dom: str, what: str = "boxes") -> list[dict]:
    """The control boxes a page recorded (``data-heartgeo-boxes``), for overlap checks;
    ``what="maps"``: the maps' own rectangles (``data-heartgeo-maps``).
    """
    import re

    match = re.search(rf'data-heartgeo-{what}="([^"]*)"', dom)
    return json.loads(html.unescape(match.group(1))) if match else []
