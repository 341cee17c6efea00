"""The planner's page (issue 26), driven in headless Chromium through
``window.heartgeoPlanner`` and through real mouse and key events, against the command
line's figures on the same sites (``heartgeo coverage``) and the Python estimate.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from heartgeo.cli import cli
from heartgeo.io.hours import parse_hours
from heartgeo.viz.browser import find_browser
from heartgeo.viz.cdp import Browser

from .conftest import DATA

pytestmark = pytest.mark.integration
READY = "document.body && document.body.getAttribute('data-heartgeo-planner-ready')"
#: Sites of the comparison: City Hall, two fire stations' neighbourhoods and a point in the
#: south, with different hours.
SITES = [
    {"id": "a", "name": "City Hall", "lon": -78.9017, "lat": 35.996, "hours": "daily 08:00-20:00"},
    {"id": "b", "name": "North", "lon": -78.905, "lat": 36.06, "hours": "24/7"},
    {"id": "c", "name": "East", "lon": -78.85, "lat": 35.985, "hours": "Mon-Fri 09:00-17:00"},
    {"id": "d", "name": "South", "lon": -78.93, "lat": 35.92, "hours": "daily 08:00-20:00"},
]


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    assert find_browser(), "headless Chromium is needed: apt-get install chromium"
    out = tmp_path_factory.mktemp("plan")
    extra = out / "candidates.csv"
    extra.write_text("id,name,lon,lat\nlib,Main Library,-78.8986,35.9981\n")
    res = CliRunner().invoke(cli, ["plan", "--data-dir", str(DATA), "--no-basemap", "--quiet",
                                   "--candidates", str(extra), "--out", str(out)])  # fmt: skip
    assert res.exit_code == 0, res.output
    return out / "planner.html"


def cli_coverage(tmp_path, csv_text: str, model=("--travel-model", "crowfly")) -> dict:
    """``heartgeo coverage`` on the sites of a staging CSV, for the city and the pilot:
    residents and residents within each band, per area and district; person-hours share.
    """
    staging = tmp_path / "sites.csv"
    staging.write_text(csv_text)
    out = {}
    for area in ("citywide", "pilot"):
        dest = tmp_path / f"cov_{area}"
        res = CliRunner().invoke(cli, ["coverage", "--area", area, "--staging", str(staging),
                                       "--data-dir", str(DATA), *model,
                                       "--quiet", "--out", str(dest)])  # fmt: skip
        assert res.exit_code == 0, res.output
        rows = pd.read_csv(dest / f"coverage_{area}_area.csv")
        if area == "citywide":
            rows = pd.concat([rows, pd.read_csv(dest / "coverage_citywide_districts.csv")])
            hours = pd.read_csv(dest / "coverage_citywide_hours.csv")
            out["person_hours_share"] = hours["population_within_10min"].sum() / (
                168 * hours["population"].iloc[0]
            )
        for _, r in rows.iterrows():
            out[str(r["zone"])] = {"residents": r["population"], "gap": r["gap_population"],
                                   "unknown": r["unknown_population"],
                                   **{m: r[f"population_{m}min"] for m in ("5", "10", "15")}}  # fmt: skip
    return out


def assert_same_coverage(results: dict, cli_figures: dict) -> None:
    """Each area's and district's share within each band equal to 0.1 percentage point
    (or to one resident, the rounding of the command line's tables, in a tiny district).
    """
    checked = 0
    for name, area in results["areas"].items():
        if name not in cli_figures:
            continue
        want = cli_figures[name]
        assert area["residents"] == pytest.approx(want["residents"], abs=1.0), name
        tol = max(0.001 * want["residents"], 1.0)
        for m in ("5", "10", "15"):
            assert area["within"][m] == pytest.approx(want[m], abs=tol), (name, m)
        assert area["gap"] == pytest.approx(want["gap"], abs=tol), name
        assert area["unknown"] == pytest.approx(want["unknown"], abs=tol), name
        checked += 1
    assert checked >= 6  # citywide, pilot and the districts
    assert results["person_hours_share"] == pytest.approx(cli_figures["person_hours_share"],
                                                          abs=0.001)  # fmt: skip


def test_the_api_gives_the_command_lines_figures_on_the_same_sites(page, tmp_path):
    with Browser((1280, 720)) as b:
        b.open(page, READY)
        b.run(f"window.heartgeoPlanner.setSites({json.dumps(SITES)})")
        results = b.run("window.heartgeoPlanner.results()")
        csv_text = b.run("window.heartgeoPlanner.exportCsv()")
    assert results["model"] == "crowfly" and results["screening"]
    assert_same_coverage(results, cli_coverage(tmp_path, csv_text))
    frame = pd.read_csv(io.StringIO(csv_text))
    assert list(frame["hours"]) == [s["hours"] for s in SITES]


def test_real_clicks_add_drag_toggle_and_hours_then_the_same_figures(page, tmp_path):
    with Browser((1280, 720)) as b:
        b.open(page, READY)
        api = "window.heartgeoPlanner"
        n0 = len(b.run(f"{api}.sites()"))
        # a click outside the city limit is refused; one inside adds a site where it was
        to_px = "(function(lon,lat){{var p={api}._map.latLngToContainerPoint([lat,lon]);return [p.x,p.y]}})"
        b.click(*b.run(to_px.format(api=api) + "(-79.05, 36.2)"))
        assert len(b.run(f"{api}.sites()")) == n0 and "outside" in b.run(
            "document.getElementById('hg-message').textContent"
        )
        at = b.run(to_px.format(api=api) + "(-78.93, 35.95)")
        b.click(*at)
        sites = b.run(f"{api}.sites()")
        assert len(sites) == n0 + 1
        want = b.run(
            f"(function(){{var l={api}._map.containerPointToLatLng([{at[0]},{at[1]}]);return [l.lng,l.lat]}})()"
        )
        assert sites[-1]["lon"] == pytest.approx(want[0]) and sites[-1]["lat"] == pytest.approx(
            want[1]
        )
        # drag the first site 60 px to the right
        xy = b.run(
            f"(function(){{var s={api}.sites()[0];var p={api}._map.latLngToContainerPoint([s.lat,s.lon]);return [p.x,p.y]}})()"
        )
        before = b.run(f"{api}.results()")
        b.drag((xy[0], xy[1]), (xy[0] + 60, xy[1]))
        moved = b.run(f"{api}.sites()")[0]
        assert moved["lon"] > sites[0]["lon"] + 0.003
        assert b.run(f"{api}.results()")["areas"] != before["areas"]
        # switch a candidate that is not a site on, then off
        ids = {s["id"] for s in b.run(f"{api}.sites()")}
        cand = b.run(
            "JSON.parse(document.getElementById('heartgeo-planner-data').textContent).candidates"
        )
        assert {"lib", "city_hall"} <= {c["id"] for c in cand} and len(cand) > 10  # a file's too
        off = next(c for c in cand if c["id"] not in ids and _alone(c, cand))
        pt = b.run(
            f"(function(){{var p={api}._map.latLngToContainerPoint([{off['lat']},{off['lon']}]);return [p.x,p.y]}})()"
        )
        b.click(*pt)
        assert off["id"] in {s["id"] for s in b.run(f"{api}.sites()")}
        b.click(*pt)
        assert off["id"] not in {s["id"] for s in b.run(f"{api}.sites()")}
        # hours by keyboard: focus the first site's hours list and press the down arrow
        b.run("document.querySelector('#hg-sites .hg-hours').focus()")
        b.key("ArrowDown")
        assert b.run(f"{api}.sites()")[0]["hours"] == "24/7"
        # undo and redo
        b.run(f"{api}.undo()")
        assert b.run(f"{api}.sites()")[0]["hours"] in (None, "daily 08:00-20:00")
        b.run(f"{api}.redo()")
        results = b.run(f"{api}.results()")
        csv_text = b.run(f"{api}.exportCsv()")
    assert_same_coverage(results, cli_coverage(tmp_path, csv_text))


@pytest.fixture(scope="module")
def network_page(tmp_path_factory):
    """The page on a SYNTHETIC city-size street grid (about 20,000 nodes) as OSM XML."""
    from heartgeo.testing.synthetic import write_synthetic_osm

    out = tmp_path_factory.mktemp("plan_network")
    osm = out / "synthetic_city.osm"
    write_synthetic_osm(osm, 20_000)
    args = ["--network", str(osm), "--travel-model", "network"]
    res = CliRunner().invoke(cli, ["plan", "--data-dir", str(DATA), *args, "--no-basemap",
                                   "--quiet", "--out", str(out)])  # fmt: skip
    assert res.exit_code == 0, res.output
    return out / "planner.html", args


def test_the_network_page_gives_the_command_lines_figures(network_page, tmp_path):
    """Through the API and real clicks (add, drag) on the road network's model: the page's
    own Dijkstra equals scipy's, and the figures equal ``heartgeo coverage``'s.
    """
    from heartgeo.settings import Settings
    from heartgeo.study import prepare

    page, args = network_page
    with Browser((1280, 720)) as b:
        b.open(page, READY)
        api = "window.heartgeoPlanner"
        b.run(f"{api}.setSites({json.dumps(SITES)})")
        to_px = "(function(lon,lat){{var p={api}._map.latLngToContainerPoint([lat,lon]);return [p.x,p.y]}})"
        b.click(*b.run(to_px.format(api=api) + "(-78.95, 36.02)"))
        assert len(b.run(f"{api}.sites()")) == len(SITES) + 1
        xy = b.run(to_px.format(api=api) + f"({SITES[3]['lon']}, {SITES[3]['lat']})")
        b.drag((xy[0], xy[1]), (xy[0] - 40, xy[1] - 20))
        assert b.run(f"{api}.sites()")[3]["lon"] < SITES[3]["lon"] - 0.002
        node = b.run(f"{api}._state()[0].node")
        times = np.array(b.run(f"{api}._nodeTimes({node})"), float)
        results = b.run(f"{api}.results()")
        csv_text = b.run(f"{api}.exportCsv()")
    assert results["model"] == "network" and not results["screening"]
    study = prepare(Settings(data_dir=DATA, network=Path(args[1]), travel_model="network"),
                    areas=("citywide",))  # fmt: skip
    want = study.model.node_times(np.array([node]))
    assert np.allclose(times, want, equal_nan=True) and np.isfinite(times).sum() > 10_000
    assert_same_coverage(results, cli_coverage(tmp_path, csv_text, tuple(args)))
    answered, within = python_estimate(study, tmp_path, csv_text)
    assert results["calls"]["answered_share"] == pytest.approx(answered, abs=1e-4)
    assert results["calls"]["within_standard_share"] == pytest.approx(within, abs=1e-4)


def test_the_network_page_on_the_bundled_roads_reports_the_unknown_part(tmp_path):
    """The bundled network covers central Durham only: the page, like the command line,
    counts the rest as unknown (never covered nor gap) and refuses a site far from it.
    """
    out = tmp_path / "p"
    args = ("--travel-model", "network")
    res = CliRunner().invoke(cli, ["plan", "--data-dir", str(DATA), *args, "--no-basemap",
                                   "--quiet", "--out", str(out)])  # fmt: skip
    assert res.exit_code == 0, res.output
    with Browser((1024, 600)) as b:
        b.open(out / "planner.html", READY)
        results = b.run("window.heartgeoPlanner.results()")
        csv_text = b.run("window.heartgeoPlanner.exportCsv()")
        with pytest.raises(Exception, match="loaded road network"):
            b.run("window.heartgeoPlanner.setSites([{lon: -78.85, lat: 36.05}])")
        assert "unknown" in b.run("document.getElementById('hg-headline').textContent")
    assert results["areas"]["citywide"]["unknown"] > 0.9 * results["areas"]["citywide"]["residents"]
    assert_same_coverage(results, cli_coverage(tmp_path, csv_text, args))


def python_estimate(study, tmp_path, csv_text: str) -> tuple[float, float]:
    """The Python estimate (:class:`StaffProblem`) of the citywide sites of a staging CSV:
    shares of the area's calls answered, and answered within the standard.
    """
    from heartgeo.io.shifts import Shift
    from heartgeo.operations.demand import area_demand
    from heartgeo.operations.simulate import SimulateOptions
    from heartgeo.operations.staffing import StaffProblem
    from heartgeo.study import default_scenarios, scenario_units

    staging = tmp_path / "estimate_sites.csv"
    staging.write_text(csv_text)
    scenario = default_scenarios({"citywide": staging}, only=["citywide"])[0]
    units = scenario_units(study, scenario)[0]
    options = SimulateOptions()
    demand = area_demand(study, scenario, units, options, progress=_Quiet())
    problem = StaffProblem.from_cost_matrix(demand.travel_s, demand.weights, demand.workload,
                                            options.standard_min)  # fmt: skip
    duty = np.array([Shift.parse(h).by_hour for h in units["hours"]], dtype=np.int64).T
    offered = problem.calls_per_hour.sum()
    return problem.answered(duty) / offered, problem.value(duty) / offered


def test_calls_estimate_is_the_python_estimate_and_near_the_simulation(page, tmp_path):
    from heartgeo.settings import Settings
    from heartgeo.study import prepare

    with Browser((1280, 720)) as b:
        b.open(page, READY)
        b.run(f"window.heartgeoPlanner.setSites({json.dumps(SITES)})")
        calls = b.run("window.heartgeoPlanner.results()")["calls"]
        csv_text = b.run("window.heartgeoPlanner.exportCsv()")
    study = prepare(Settings(data_dir=DATA, travel_model="crowfly"), areas=("citywide",))
    answered, within = python_estimate(study, tmp_path, csv_text)
    assert calls["answered_share"] == pytest.approx(answered, abs=1e-4)
    assert calls["within_standard_share"] == pytest.approx(within, abs=1e-4)
    staging = tmp_path / "s.csv"
    staging.write_text(csv_text)
    res = CliRunner().invoke(cli, ["simulate", "--area", "citywide", "--citywide-staging",
                                   str(staging), "--data-dir", str(DATA), "--quiet", "--out",
                                   str(tmp_path / "sim")])  # fmt: skip
    assert res.exit_code == 0, res.output
    sim = json.loads((tmp_path / "sim" / "simulation_summary.json").read_text())
    shares = sim["scenarios"]["citywide"]["outcomes"]["shares_of_area_calls"]
    answered = shares["answered_in_standard"] + shares["answered_late"]
    assert calls["answered_share"] == pytest.approx(answered, abs=0.03)


def _alone(c: dict, others: list[dict], metres: float = 800.0) -> bool:
    """No other candidate within ``metres`` (a click hits this one alone)."""
    return all(
        np.hypot((o["lon"] - c["lon"]) * 90_000, (o["lat"] - c["lat"]) * 111_000) > metres
        for o in others
        if o["id"] != c["id"]
    )


class _Quiet:
    def warn(self, _message):
        pass


def test_hours_and_projection_match_python_and_names_are_escaped(page):
    from pyproj import Transformer

    texts = ["daily 08:00-20:00", "Mon-Fri 9am-5pm", "Fri 22:00-Mon 06:00", "24/7",
             "Sat,Sun 10:00-14:00; Wed 20:00-02:00", "weekdays"]  # fmt: skip
    to_m = Transformer.from_crs(4326, 32119, always_xy=True)
    with Browser((1024, 600)) as b:
        b.open(page, READY)
        for text in texts:
            got = np.array(b.run(f"window.heartgeoPlanner.parseHours({json.dumps(text)})"), bool)
            assert (got == parse_hours(text)).all(), text
        origin = b.run(
            "JSON.parse(document.getElementById('heartgeo-planner-data').textContent).origin"
        )
        for lon, lat in ((-78.9017, 35.996), (-78.8, 36.1), (-79.0, 35.9)):
            x, y = b.run(f"window.heartgeoPlanner.project({lon}, {lat})")
            want = to_m.transform(lon, lat)
            assert x + origin[0] == pytest.approx(want[0], abs=0.01)
            assert y + origin[1] == pytest.approx(want[1], abs=0.01)
        hostile = [{**SITES[0], "name": '<img src=x onerror="window.hacked=1">'}]
        b.run(f"window.heartgeoPlanner.setSites({json.dumps(hostile)})")
        assert b.run("document.querySelectorAll('img[src=x]').length") == 0
        assert not b.run("!!window.hacked")
        # fits embedded at 1024 x 600: no sideways scrolling, the map beside the panel
        assert b.run("document.documentElement.scrollWidth <= window.innerWidth")
        box = b.run("(function(){var m=document.getElementById('heartgeo-map').getBoundingClientRect();"
                    "var p=document.getElementById('hg-panel').getBoundingClientRect();"
                    "return [m.width, m.height, m.right, p.left]})()")  # fmt: skip
        assert box[0] > 500 and box[1] > 500 and box[2] <= box[3] + 1
        assert b.run("(function(){var p=document.getElementById('hg-panel');"
                     "return p.scrollWidth <= p.clientWidth + 1})()")  # fmt: skip
        # A and B, and a CSV that round-trips
        b.run(
            f"window.heartgeoPlanner.setSites({json.dumps(SITES)}); window.heartgeoPlanner.save('A')"
        )
        b.run(
            f"window.heartgeoPlanner.setSites({json.dumps(SITES[:2])}); window.heartgeoPlanner.save('B')"
        )
        table = b.run("document.getElementById('hg-compare').textContent")
        assert "B − A" in table and "–" not in table.split("B − A")[1][:40]
        text = b.run("window.heartgeoPlanner.exportCsv()")
        b.run(f"window.heartgeoPlanner.importCsv({json.dumps(text)})")
        assert b.run("window.heartgeoPlanner.exportCsv()") == text
        with pytest.raises(Exception, match="hours"):
            b.run("window.heartgeoPlanner.importCsv('lon,lat,hours\\n-78.9,36.0,Mon-Fry 9-17\\n')")


def test_code_weights_are_each_cells_share_in_the_codes_own_geometry(study):
    """The products of the layers' shares (and the exact cuts where two layers cut one
    cell) equal the shares cut directly from each code's geometry.
    """
    import shapely

    from heartgeo.geometry import clip_to_area, polygonal
    from heartgeo.report.planner_data import code_weights, part_area, zone_codes

    codes, _, layers = zone_codes(study, study.study_area("citywide"), part_area(study),
                                  study.model.extent)  # fmt: skip
    weights = code_weights(study, layers)
    grid = study.grid
    assert weights.shape == (len(codes), len(grid.cells))
    assert {c["known"] for c in codes} == {0, 1}  # the bundled roads cover central Durham
    inside = grid.cell_area > 0
    assert np.abs(weights.sum(axis=0)[inside] - 1).max() < 1e-6
    pilot = layers.pilot
    for k, code in enumerate(codes):
        geom = layers.districts[code["district"]]
        cut = shapely.intersection if code["in_area"] else shapely.difference
        geom = polygonal([cut(geom, pilot, grid_size=0.001)])[0]
        cut = shapely.intersection if code["known"] else shapely.difference
        geom = cut(geom, layers.extent, grid_size=0.001)
        direct = shapely.area(clip_to_area(grid.cells, geom))
        # m2, in cells of 0.14 km2: the two ways round on a 1 mm grid in different places
        assert np.abs(weights[k] * grid.cell_area - direct).max() < 1.0, code
