"""End-to-end runs of the command line on the real Durham data."""

import json
import re

import pytest
from click.testing import CliRunner

from heartgeo.cli import cli

from .conftest import DATA

pytestmark = pytest.mark.integration  # runs on the bundled Durham data

FAST = ["--data-dir", str(DATA), "--cell-size", "500", "--quiet"]


@pytest.fixture(scope="module", params=["network", "crowfly"])
def report_run(request, tmp_path_factory):
    out = tmp_path_factory.mktemp(f"report-{request.param}")
    result = CliRunner().invoke(
        cli, ["report", *FAST, "--travel-model", request.param, "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    return request.param, out


def test_report_writes_maps_tables_and_summary(report_run):
    model, out = report_run
    for scenario in ("pilot", "citywide"):
        for name in (
            f"map_{scenario}.html",
            f"coverage_{scenario}_area.csv",
            f"coverage_{scenario}_beats.csv",
            f"coverage_{scenario}_districts.csv",
            f"isochrones_{scenario}.geojson",
            f"isochrones_{scenario}_units.geojson",
            f"isochrones_{scenario}.gpkg",
            f"gaps_{scenario}.geojson",
            f"unknown_{scenario}.geojson",
            f"staging_{scenario}.geojson",
        ):
            assert (out / name).stat().st_size > 0, name
    assert not [p for p in out.iterdir() if p.name.startswith(".heartgeo-tmp")]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["travel_model"]["name"] == model
    # the planner's page, built beside the citywide coverage step, for the citywide units
    planner = (out / "planner.html").read_text(encoding="utf-8")
    assert "<title>HEART staging planner: citywide" in planner
    assert "planner.html" in {f["path"] for f in summary["outputs"]}
    assert {i["name"] for i in summary["inputs"]} >= {
        "city_limits",
        "police_beats",
        "tracts",
        "network",
    }
    assert all(len(i["sha256"]) == 64 for i in summary["inputs"])
    assert summary["versions"]["osmnx"] != "not installed"
    assert 0 < summary["network"]["extent_share_of_city"] < 0.1
    for scenario in ("pilot", "citywide"):
        s = summary["scenarios"][scenario]
        assert [b["minutes"] for b in s["bands"]] == [5, 10, 15]
        shares = [b["population_share"] for b in s["bands"]]
        assert shares == sorted(shares) and all(0 <= x <= 1 for x in shares)
        covered = s["bands"][-1]["population"]
        total = covered + s["gap"]["population"] + s["unknown"]["population"]
        assert total == pytest.approx(s["population"], rel=1e-6)
        if model == "network":
            # most of the city has no road data offline: it is unknown, not gap
            assert s["unknown"]["population"] > 0.5 * s["population"]
        else:
            assert s["unknown"]["population"] == pytest.approx(0, abs=1e-3)
    listed = {o["path"] for o in summary["outputs"]}
    assert "map_pilot.html" in listed and "coverage_citywide_beats.csv" in listed


def test_report_map_has_layers_legend_and_attribution(report_run):
    model, out = report_run
    html = (out / "map_citywide.html").read_text()
    for text in (
        "City limit",
        "Pilot area",
        "Police beats",
        "0-5 min drive",
        "10-15 min drive",
        "Gap: beyond 15 min",
        "Unknown: no road data",
        "Staging points",
        "heartgeo-legend",
        "OpenStreetMap contributors",
        "US Census Bureau",
        "network model" if model == "network" else "(crow-fly)",
    ):
        assert text in html, text
    if model == "crowfly":  # the screening label in the title and the legend
        assert "SCREENING estimate of drive-time coverage" in html
        assert "Screening estimate: straight-line distance" in html
        assert "calibrated on central Durham roads" in html
    assert "L.control.layers" in html
    # polygons only: a GeometryCollection with a tooltip breaks Leaflet
    assert '"type": "GeometryCollection"' not in html


def test_beat_tables_have_districts_and_shares(report_run):
    import pandas as pd

    _, out = report_run
    beats = pd.read_csv(out / "coverage_pilot_beats.csv", dtype={"zone": str})
    assert list(beats["zone"])[-1] == "not in any beat"
    assert sorted(beats["zone"][:-1].astype(int)) == sorted(
        [511, 512, 513, 411, 412, 413, 111, 112, 113, 121, 122, 214]
    )
    assert set(beats["district"]) <= {"D1", "D2", "D3", "D4", "D5", "not in any district"}
    for col in ("population_share_5min", "area_share_15min"):
        assert beats[col].dropna().between(0, 1).all()


@pytest.mark.parametrize("command", ["isochrones", "coverage", "map"])
def test_single_scenario_commands(tmp_path, command):
    staging = tmp_path / "units.csv"
    staging.write_text(
        "id,name,lon,lat\nA,East Campus,-78.9153,36.0078\nB,Ninth St,-78.9240,36.0120\n"
    )
    out = tmp_path / "out"
    result = CliRunner().invoke(
        cli,
        [
            command,
            *FAST,
            "--area",
            "citywide",
            "--staging",
            str(staging),
            "--out",
            str(out),
            "--bands",
            "2,4",
        ],
    )
    assert result.exit_code == 0, result.output
    names = {p.name for p in out.iterdir()}
    assert "summary.json" in names
    expected = {
        "isochrones": "isochrones_citywide.geojson",
        "coverage": "coverage_citywide_beats.csv",
        "map": "map_citywide.html",
    }[command]
    assert expected in names
    summary = json.loads((out / "summary.json").read_text())
    assert [u["id"] for u in summary["scenarios"]["citywide"]["units"]] == ["A", "B"]


def test_help_documents_units():
    result = CliRunner().invoke(cli, ["report", "--help"])
    assert result.exit_code == 0
    for text in ("minutes", "metres", "km/h", "--travel-model", "--pilot-beats", "--quiet"):
        assert text in result.output


def test_second_run_reuses_prepared_network(tmp_path, monkeypatch):
    """The prepared network and demand cells come from the cache when the inputs are unchanged."""
    from heartgeo.study import stages

    cache = tmp_path / "cache"
    monkeypatch.setenv("HEARTGEO_CACHE", str(cache))
    args = ["coverage", *FAST, "--out", str(tmp_path / "a")]
    first = CliRunner().invoke(cli, args)
    assert first.exit_code == 0, first.output
    assert len(list(cache.glob("network-*.pickle"))) == 1
    assert len(list(cache.glob("demand-*.pickle"))) == 1

    def no_loading(*a, **k):
        raise AssertionError("network prepared again despite the cache")

    monkeypatch.setattr(stages, "load_network", no_loading)
    second = CliRunner().invoke(cli, [*args[:-1], str(tmp_path / "b")])
    assert second.exit_code == 0, second.output
    a = (tmp_path / "a" / "coverage_citywide_beats.csv").read_bytes()
    assert (tmp_path / "b" / "coverage_citywide_beats.csv").read_bytes() == a
    # a changed parameter that shapes the network is a cache miss
    third = CliRunner().invoke(
        cli, [*args[:-1], str(tmp_path / "c"), "--road-speed", "residential=20mph"]
    )
    assert third.exit_code != 0 and "network prepared again" in str(third.exception)


def test_cache_pickles_geometry_arrays_exactly(central_net):
    import pickle

    import numpy as np
    import shapely

    from heartgeo.io.cache import dumps

    mixed = np.array([shapely.Point(1, 2), None], dtype=object)
    back = pickle.loads(dumps({"net": central_net, "mixed": mixed}))
    assert shapely.equals_exact(back["net"].geometry, central_net.geometry, tolerance=0).all()
    assert back["net"].extent.equals_exact(central_net.extent, 0)
    assert back["mixed"][0] == mixed[0] and back["mixed"][1] is None


def test_default_run_is_a_labelled_citywide_screening(tmp_path):
    """No options at all: the bundled data, and (the central extract covering 1.7 % of the
    city) the crow-fly screening model for both scenarios, said everywhere.
    """
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["report", "--cell-size", "500", "--out", str(out)])
    assert result.exit_code == 0, result.output
    lines = result.stderr.splitlines()
    assert lines[0].startswith("Travel model: crow-fly SCREENING estimate for the whole study area")
    assert "run `heartgeo fetch`" in lines[0]
    head = result.stdout.splitlines()[0]  # the results on stdout, the headline first
    assert re.fullmatch(
        r"Within 10 min \(crow-fly screening\): pilot [\d,]+ of [\d,]+ residents \(\d+\.\d %\); "
        r"citywide [\d,]+ of [\d,]+ \(\d+\.\d %\); [\d,]+ more residents within 10 min citywide",
        head,
    )
    summary = json.loads((out / "summary.json").read_text())
    model = summary["travel_model"]
    assert model["name"] == "crowfly" and model["requested"] == "auto" and model["screening"]
    assert "less than 95 %" in model["chosen_because"]
    assert model["label"].startswith("screening estimate: straight-line distance \u00d7 circuity")
    assert summary["headline"] == head
    for name in ("pilot", "citywide"):
        scenario = summary["scenarios"][name]
        assert scenario["unknown"]["population"] == pytest.approx(0, abs=1e-6)
        assert scenario["bands"][-1]["area_share"] > 0.5  # the bands span the area
    for page in ("map_pilot.html", "map_citywide.html", "map_pilot_vs_citywide.html"):
        html = (out / page).read_text()
        assert "SCREENING estimate of drive-time coverage" in html, page
        assert "Estimated drive time from the nearest unit (screening)" in html, page
        assert "run `heartgeo fetch` for drive-time polygons" in html, page


def test_auto_decides_on_the_areas_of_the_run(tmp_path, study):
    """A network extent that covers the pilot area but not the city: a pilot-only run uses
    the network model, a run of both scenarios the crow-fly model.
    """
    import geopandas as gpd

    from heartgeo import Settings, prepare

    extent = tmp_path / "extent.geojson"
    gpd.GeoSeries([study.pilot.geometry.buffer(50)], crs="EPSG:32119").to_file(extent)
    settings = Settings(network_extent=extent, cell_size_m=900.0)
    assert prepare(settings, areas=("pilot",)).model.name == "network"
    both = prepare(settings, areas=("pilot", "citywide"))
    assert both.model.name == "crowfly" and both.model.requested == "auto"
