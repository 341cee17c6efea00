"""Maps and the report page as a presenter sees them: headless Chromium, networking off
(or only a tile server on 127.0.0.1), in windows from 640 x 400 to 1920 x 1080 and inside
iframes of a host page.
"""

import contextlib
import html as html_lib
import http.server
import io
import json
import re
import threading

import numpy as np
import pytest
import shapely
from click.testing import CliRunner
from PIL import Image

from heartgeo.cli import cli
from heartgeo.viz.browser import find_browser, load_page
from heartgeo.viz.controls import boxes_from_dom

from .conftest import DATA, LOAD_REPORT, SITE_ARGS
from .test_browser import assert_not_blank

pytestmark = pytest.mark.integration  # runs on the bundled Durham data

FAST = ["--data-dir", str(DATA), "--cell-size", "500", "--quiet", "--travel-model", "crowfly"]
SIZES = ((1280, 720), (1920, 1080))
#: Small windows and iframes (an embedded map): panels and legend start folded.
SMALL = ((640, 400), (800, 500), (1024, 600))
MAPS = ("map_pilot", "map_citywide", "map_pilot_vs_citywide")


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    assert find_browser(), "headless Chromium is needed: apt-get install chromium"
    out = tmp_path_factory.mktemp("presentation")
    result = CliRunner().invoke(
        cli, ["report", *FAST, "--png", "--weeks", "4", "--teams", "1..2", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    site = out / "site"
    result = CliRunner().invoke(
        cli, [*SITE_ARGS, "--units", "2", "--max-units", "2", "--out", str(site)]
    )
    assert result.exit_code == 0, result.output
    return out


def overlapping(boxes: list[dict]) -> list[tuple[str, str]]:
    """Pairs of boxes on the same map whose rectangles intersect."""
    pairs = []
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            if a["map"] != b["map"]:
                continue
            if (
                a["x"] < b["x"] + b["w"]
                and b["x"] < a["x"] + a["w"]
                and a["y"] < b["y"] + b["h"]
                and b["y"] < a["y"] + a["h"]
            ):
                pairs.append((a["name"], b["name"]))
    return pairs


def covered_shares(boxes: list[dict], maps: list[dict]) -> list[float]:
    """The share of each map that the control boxes cover (their union's area)."""
    shares = []
    for m in maps:
        frame = shapely.box(m["x"], m["y"], m["x"] + m["w"], m["y"] + m["h"])
        mine = [
            shapely.box(b["x"], b["y"], b["x"] + b["w"], b["y"] + b["h"])
            for b in boxes
            if b["map"] == m["map"]
        ]
        shares.append(shapely.union_all(mine).intersection(frame).area / frame.area)
    return shares


def check_layout(boxes: list[dict], maps: list[dict], viewport: str) -> None:
    """No two boxes overlap, all lie inside the viewport, at most a quarter of each map is
    covered, and the title is one line.
    """
    assert boxes and maps
    assert overlapping(boxes) == [], overlapping(boxes)
    width, height = (int(v) for v in viewport.split("x"))
    for box in boxes:
        assert box["x"] >= 0 and box["y"] >= 0, box
        assert box["x"] + box["w"] <= width + 1 and box["y"] + box["h"] <= height + 1, box
    shares = covered_shares(boxes, maps)
    assert max(shares) <= 0.25, (viewport, shares, boxes)
    for box in boxes:
        if box["name"].startswith("heartgeo-title"):
            assert box["h"] <= 36, box  # one line (14 px type, line height 1.4, padding)


def attribute(dom: str, name: str) -> str:
    return re.search(rf'{name}="([^"]*)"', dom).group(1)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("name", [*MAPS, "site/map_sites"])
def test_boxes_never_overlap_and_text_is_readable(report, name, size):
    page = load_page(report / f"{name}.html", size=size, png=report / f"{name}-{size[0]}.png")
    assert page.errors == [] and page.console == [], (page.errors, page.console)
    boxes = boxes_from_dom(page.dom)
    names = " ".join(b["name"] for b in boxes)
    for expected in (
        "heartgeo-title",
        "heartgeo-legend",
        "leaflet-control-scale",
        "leaflet-control-attribution",
    ):
        assert expected in names, (expected, names)
    assert "heartgeo-panel" in names
    check_layout(
        boxes, boxes_from_dom(page.dom, "maps"), attribute(page.dom, "data-heartgeo-viewport")
    )
    assert float(attribute(page.dom, "data-heartgeo-contrast")) >= 4.5
    if name in MAPS:  # the legend lists what is drawn, and only that
        legend = re.search(r'id="heartgeo-legend[^"]*".*?heartgeo-note', page.dom, re.S).group(0)
        assert "0-5 min drive" in legend and "Staging point (unit)" in legend
        assert "Unknown: no road data" not in legend  # crow-fly: nothing is unknown
        note = re.search(r'heartgeo-note">([^<]*)<', page.dom[page.dom.index(legend) :]).group(1)
        if name != "map_pilot":  # the whole city: the gap's shades, DSO explained
            assert "households without a car per km" in legend and "Sheriff" in note
    assert_not_blank(page.png, min_std=5.0)
    if size == SIZES[0]:
        LOAD_REPORT.append(
            f"{name}.html at {size[0]}x{size[1]}: {page.png.stat().st_size / 1e3:.0f} kB PNG, "
            f"ready in {page.ready_ms:.0f} ms"
        )


@pytest.mark.parametrize("size", SMALL, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("name", [*MAPS, "site/map_sites"])
def test_small_windows_fold_the_panels(report, name, size):
    page = load_page(report / f"{name}.html", size=size)
    assert page.errors == [] and page.console == []
    boxes = boxes_from_dom(page.dom)
    check_layout(
        boxes, boxes_from_dom(page.dom, "maps"), attribute(page.dom, "data-heartgeo-viewport")
    )
    # on a tiny map the panels and the legend start folded behind their buttons; on a
    # larger one they open as far as a quarter of the map allows (the layout check)
    width, height = (int(v) for v in attribute(page.dom, "data-heartgeo-viewport").split("x"))
    if width < 700 or height < 420:
        assert page.dom.count('aria-expanded="false"') >= 2
        assert 'aria-expanded="true"' not in page.dom
    names = " ".join(b["name"] for b in boxes)
    assert "heartgeo-legend" in names and "heartgeo-panel" in names


#: A host page embedding a map in an iframe of each small size and in the README's
#: snippet (the full width of a 1200 px column, 600 px tall); each frame reports its boxes.
HOST = """<!DOCTYPE html><html><head><meta charset="utf-8"></head>
<body style="margin:0"><div style="width:1200px">{frames}</div><script>
var seen = {{}};
window.addEventListener('message', function (e) {{
  var frames = Array.prototype.slice.call(document.querySelectorAll('iframe'));
  var i = frames.findIndex(function (f) {{ return f.contentWindow === e.source; }});
  if (i >= 0 && e.data && e.data.heartgeo) {{ seen[i] = e.data.heartgeo; }}
  document.body.setAttribute('data-frames', JSON.stringify(seen));
}});
</script></body></html>"""


@pytest.mark.parametrize("name", MAPS)
def test_maps_embedded_in_iframes(report, name):
    sizes = [*SMALL, ("100%", 600)]
    frames = "".join(
        f'<iframe src="{name}.html" width="{w}" height="{h}" style="display:block;border:0">'
        "</iframe>"
        for w, h in sizes
    )
    host = report / f"host_{name}.html"
    host.write_text(HOST.format(frames=frames))
    page = load_page(host, size=(1300, 2400))
    seen = json.loads(html_lib.unescape(attribute(page.dom, "data-frames")))
    assert len(seen) == len(sizes), seen.keys()
    for i, (w, h) in enumerate(sizes):
        frame = seen[str(i)]
        assert frame["viewport"] == f"{1200 if w == '100%' else w}x{h}", frame["viewport"]
        check_layout(frame["boxes"], frame["maps"], frame["viewport"])


def test_offline_basemap_leaves_a_plain_background(report):
    html = (report / "map_citywide.html").read_text()
    assert "basemaps.cartocdn.com" in html and "tile.openstreetmap.org" in html
    assert "Light basemap (CARTO Positron)" in html and "OpenStreetMap basemap" in html
    page = load_page(report / "map_citywide.html")
    loaded, failed = (int(v) for v in attribute(page.dom, "data-heartgeo-tiles").split())
    assert loaded == 0 and failed > 0  # the tiles were asked for and failed ...
    assert page.errors == [] and page.console == []  # ... quietly: no error, no broken image
    assert "CARTO" in page.dom  # attribution of the basemap


def test_labels_by_zoom_and_map_fits_the_area(report):
    page = load_page(report / "map_citywide.html")
    assert page.dom.count('class="heartgeo-label beat"') > 25
    assert 'class="heartgeo-label district"' in page.dom
    zoom = re.search(
        r"\.fitBounds\(\s*\[\[([-\d.]+), ([-\d.]+)\], \[([-\d.]+), ([-\d.]+)\]\]",
        (report / "map_citywide.html").read_text(),
    )
    assert zoom, "the map fits the study area's bounds"
    # at the city's zoom the beat labels are hidden and the district labels shown
    container = re.search(r'<div class="folium-map leaflet-container[^"]*"', page.dom).group(0)
    assert "heartgeo-hide-beat-labels" in container
    assert "heartgeo-hide-district-labels" not in container


class TileHandler(http.server.BaseHTTPRequestHandler):
    requests: list[str] = []

    def do_GET(self):  # noqa: N802
        TileHandler.requests.append(self.path)
        buffer = io.BytesIO()
        Image.new("RGB", (256, 256), (200, 230, 250)).save(buffer, format="PNG")
        body = buffer.getvalue()
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # browser closed
            self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_tiles_from_a_loopback_server_are_requested_and_drawn(tmp_path):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), TileHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/tiles/{{z}}/{{x}}/{{y}}.png"
        out = tmp_path / "out"
        result = CliRunner().invoke(
            cli, ["map", *FAST, "--basemap-url", url, "--area", "pilot", "--out", str(out)]
        )
        assert result.exit_code == 0, result.output
        page = load_page(out / "map_pilot.html", allow_loopback=True, png=tmp_path / "tiles.png")
    finally:
        server.shutdown()
    loaded, failed = (int(v) for v in attribute(page.dom, "data-heartgeo-tiles").split())
    assert loaded > 0 and failed == 0 and page.errors == []
    assert any(re.match(r"/tiles/1\d/\d+/\d+\.png", p) for p in TileHandler.requests)
    # the tile colour shows on the screenshot
    pixels = np.asarray(Image.open(page.png).convert("RGB")).reshape(-1, 3)
    assert (pixels == (200, 230, 250)).all(axis=1).sum() > 10_000


def test_no_basemap_maps_fetch_nothing(tmp_path):
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["map", *FAST, "--no-basemap", "--out", str(out)])
    assert result.exit_code == 0, result.output
    html = (out / "map_citywide.html").read_text()
    assert not re.search(r"https?://[^\"' ]*\{z\}", html)  # no tile layer at all
    page = load_page(out / "map_citywide.html")
    assert attribute(page.dom, "data-heartgeo-tiles") == "0 0" and page.errors == []


def test_bad_basemap_url_is_one_line(tmp_path):
    result = CliRunner().invoke(
        cli, ["map", *FAST, "--basemap-url", "http://x/tile.png", "--out", str(tmp_path)]
    )
    assert (
        result.exit_code == 2
        and "--basemap-url" in result.output
        and result.output.count("\n") == 1
    )


def test_report_page(report):
    index = report / "index.html"
    html = index.read_text()
    assert not re.search(r'<(script|link|img)[^>]+(src|href)="https?:', html)  # nothing fetched
    summary = json.loads((report / "summary.json").read_text())
    assert summary["headline"] in html and "person-hours within 10 min" in html
    assert "Screening estimate" in html and "APPROXIMATION" in html
    assert html.count("<svg") >= 5  # bars, two hour heatmaps, teams curve, simulation heatmaps
    assert "Calls and busy teams (simulation)" in html and "Teams on duty" in html
    assert "@media print" in html
    # every link resolves to a file of the run, and every map and data file is linked
    links = set(re.findall(r'<a href="([^"]+)"', html))
    assert links and all((report / link).exists() for link in links), links
    for path in report.iterdir():
        if (
            path.suffix in (".csv", ".geojson", ".gpkg")
            or path.name.startswith("map_")
            and path.suffix == ".html"
        ):
            assert path.name in links, path.name
    for name in MAPS:  # an iframe snippet per map
        assert f"&lt;iframe src=&quot;{name}.html&quot;" in html
    # the beat table is sorted by the gap, largest first, and sorts on click
    page = load_page(index, png=report / "index-check.png", size=(1280, 2000))
    assert page.errors == [] and page.console == []
    for table in re.findall(r'<table class="sortable">.*?</table>', html, re.S):
        heads = re.findall(r"<th[^>]*>([^<]*)</th>", table)
        col = next(i for i, h in enumerate(heads) if h.startswith("gap residents"))
        rows = re.findall(r"<tr>(.*?)</tr>", table.split("<tbody>")[1], re.S)
        gaps = [float(re.findall(r'data-v="([^"]*)"', row)[col]) for row in rows]
        assert gaps == sorted(gaps, reverse=True) and len(gaps) > 5
    assert_not_blank(page.png, min_std=5.0)
    checks = {c["path"]: c for c in summary["map_checks"]}
    assert "index.html" in checks and checks["index.html"]["errors"] == []  # --png took it too
    with Image.open(report / "index.png") as img:
        assert img.size == (1600, 1000)


@pytest.mark.parametrize(
    "name", ["coverage_hours.html", "simulation.html", "site/site_report.html"]
)
def test_other_pages_open_offline(report, name):
    page = load_page(report / name, png=report / f"{name.replace('/', '_')}.png")
    assert page.errors == [] and page.console == []
    assert_not_blank(page.png, min_std=3.0)
