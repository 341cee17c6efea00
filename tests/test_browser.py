"""Every map heartgeo writes, opened in headless Chromium with networking disabled."""

import re

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from heartgeo.cli import cli
from heartgeo.viz.browser import find_browser, load_page

from .conftest import DATA, LOAD_REPORT, SITE_ARGS

pytestmark = pytest.mark.integration  # runs on the bundled Durham data

MAPS = ("map_pilot", "map_citywide", "map_pilot_vs_citywide")
SCENARIO_LAYERS = (
    "City limit",
    "Pilot area (approximation)",
    "0-5 min drive",
    "5-10 min drive",
    "10-15 min drive",
    "Gap: beyond 15 min",
    "Unknown: no road data",
    "Police beats",
    "Staging points",
)


def assert_not_blank(png, min_std: float = 10.0) -> None:
    """A screenshot with real content: many colours and contrast."""
    pixels = np.asarray(Image.open(png).convert("RGB"), dtype=float)
    assert pixels.std() > min_std
    assert len(np.unique(pixels.reshape(-1, 3), axis=0)) > 50


@pytest.fixture(scope="module")
def report_maps(tmp_path_factory):
    assert find_browser(), "headless Chromium is needed: apt-get install chromium"
    out = tmp_path_factory.mktemp("maps")
    result = CliRunner().invoke(
        cli,
        [
            "report",
            "--data-dir",
            str(DATA),
            "--cell-size",
            "500",
            "--quiet",
            "--png",
            "--travel-model",
            "crowfly",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    return out


@pytest.mark.parametrize("name", MAPS)
def test_map_renders_offline(report_maps, name):
    html_path = report_maps / f"{name}.html"
    html = html_path.read_text()
    # self-contained: no script or stylesheet from a CDN
    assert not re.search(r'<script[^>]+src="https?:', html)
    assert not re.search(r'<link[^>]+href="https?:', html)
    page = load_page(html_path, png=report_maps / f"check_{name}.png")
    assert page.errors == [], page.errors
    assert page.console == [], page.console
    containers = len(re.findall(r'<div class="folium-map leaflet-container', page.dom))
    assert containers == (2 if "vs" in name else 1), containers
    controls = re.findall(r'class="leaflet-control-layers[ "].*?</section>', page.dom, re.S)
    assert controls, "no layer control"
    labels = " ".join(controls)
    for layer in SCENARIO_LAYERS:
        assert layer in labels, layer
    if "vs" in name:
        assert "Newly within 15 min with the citywide staging" in labels
        assert page.dom.count('class="leaflet-control-layers-list"') == 2
    assert (
        'id="heartgeo-legend"' in page.dom
        and "display:none" not in page.dom.split('id="heartgeo-legend"')[1][:300]
    )
    assert "SCREENING estimate" in page.dom and "OpenStreetMap contributors" in page.dom
    assert_not_blank(page.png)
    size_mb = html_path.stat().st_size / 1e6
    assert size_mb < 5.0
    LOAD_REPORT.append(
        f"{name}.html: {size_mb:.2f} MB, ready in {page.ready_ms:.0f} ms (page clock), "
        f"{page.wall_s:.2f} s wall for headless Chromium"
    )


def test_report_png_snapshots(report_maps):
    import json

    summary = json.loads((report_maps / "summary.json").read_text())
    checks = {c["path"]: c for c in summary["map_checks"]}
    for name in MAPS:
        png = report_maps / f"{name}.png"
        assert png.stat().st_size > 10_000
        assert checks[f"{name}.html"]["errors"] == []
        assert checks[f"{name}.html"]["ready_ms"] > 0
        with Image.open(png) as img:
            assert img.size == (1600, 1000)


def test_png_without_browser_is_a_clean_error(tmp_path, monkeypatch):
    monkeypatch.setenv("HEARTGEO_CHROMIUM", str(tmp_path / "no-such-browser"))
    out = tmp_path / "out"
    result = CliRunner().invoke(
        cli,
        [
            "map",
            "--data-dir",
            str(DATA),
            "--cell-size",
            "600",
            "--quiet",
            "--png",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 2
    assert "Chromium" in result.stderr and "Traceback" not in result.output
    assert not out.exists() or not any(out.iterdir())


def test_site_map_and_report_render_offline(tmp_path):
    out = tmp_path / "site"
    result = CliRunner().invoke(
        cli, [*SITE_ARGS, "--units", "2", "--max-units", "3", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    for name in ("map_sites.html", "site_report.html"):
        page = load_page(out / name, png=tmp_path / f"{name}.png")
        assert page.console == [], page.console
        assert page.errors == [], page.errors
        assert_not_blank(page.png, min_std=5.0)
    dom = load_page(out / "map_sites.html").dom
    for layer in ("Candidate sites", "Current staging", "Optimised staging"):
        assert layer in dom


#: Opens every popup and tooltip of every Leaflet map on the page, then counts them.
OPEN_ALL = """<script>
setTimeout(function () {
  var opened = 0;
  function each(group, fn) {
    if (group.getLayers) { group.getLayers().forEach(function (c) { each(c, fn); }); }
    else { fn(group); }
  }
  Object.keys(window).forEach(function (k) {
    var m = window[k];
    if (!(m instanceof L.Map)) { return; }
    m.eachLayer(function (l) {
      each(l, function (child) {
        [l, child].forEach(function (owner) {
          if (owner.getPopup && owner.getPopup()) {
            try { owner.openPopup(child.getLatLng ? child.getLatLng() : child); opened++; } catch (e) {}
          }
          if (owner.getTooltip && owner.getTooltip()) {
            try { owner.openTooltip(child.getLatLng ? child.getLatLng() : child); opened++; } catch (e) {}
          }
        });
      });
    });
  });
  document.body.setAttribute('data-opened', String(opened));
}, 100);
</script>"""
HOSTILE = """<img src=x onerror="document.body.setAttribute('data-pwned','1')">"""


def test_hostile_names_never_run_as_script(tmp_path):
    """Names from input files reach popups and tooltips as text: opening every one of them
    runs no injected script.
    """
    import csv

    staging = tmp_path / "hostile.csv"
    with open(staging, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["id", "name", "lon", "lat"])
        writer.writerow([HOSTILE.replace("'1'", "'2'"), HOSTILE, "-78.9017", "35.996"])
        writer.writerow(
            ["<b>bold</b>", "<script>document.title='pwned'</script>", "-78.92", "36.0"]
        )
    out = tmp_path / "out"
    args = ["map", "--data-dir", str(DATA), "--cell-size", "800", "--quiet", "--out", str(out)]
    result = CliRunner().invoke(
        cli, [*args, "--staging", str(staging), "--travel-model", "crowfly"]
    )
    assert result.exit_code == 0, result.output
    page = out / "map_citywide.html"
    probe = tmp_path / "probe.html"
    probe.write_text(page.read_text().replace("</body>", OPEN_ALL + "</body>"))
    check = load_page(probe)
    opened = re.search(r'data-opened="(\d+)"', check.dom)
    assert opened and int(opened.group(1)) >= 4, "the popups and tooltips did not open"
    assert not re.search(r"<body[^>]*data-pwned", check.dom), "an injected script ran"
    assert "<title>pwned" not in check.dom
    # the hostile name is on screen as text, in an open popup or tooltip
    shown = re.findall(
        r'class="leaflet-(?:popup-content|tooltip)[^"]*"[^>]*>(.*?)</div>', check.dom, re.S
    )
    assert any("&lt;img src=x onerror" in text for text in shown), shown[:3]
