"""One zone as the study area (``--focus``): a district, a beat or a polygon file, served by
units that may stand outside it; its figures equal ``coverage`` on the same polygon.
"""

import json

import geopandas as gpd
import pandas as pd
import pytest
from click.testing import CliRunner

from heartgeo.cli import cli
from heartgeo.errors import InputError
from heartgeo.io.focus import parse_focus

from .conftest import DATA, SITE_ARGS

pytestmark = pytest.mark.integration  # runs on the bundled Durham data

FAST = ["--data-dir", str(DATA), "--cell-size", "500", "--travel-model", "crowfly", "--quiet"]


def test_parse_focus_names_the_zone(tmp_path):
    assert parse_focus("district:D3").slug == "district-D3"
    assert parse_focus("district:D3").title == "District D3"
    beats = parse_focus("beat:324, 325")
    assert beats.values == ("324", "325") and beats.title == "Beats 324, 325"
    zone = tmp_path / "my zone.geojson"
    zone.write_text("{}")
    assert parse_focus(str(zone)).slug == "my-zone"
    for bad in ("district:", "nowhere.geojson", "ward:3"):
        with pytest.raises(InputError, match="focus"):
            parse_focus(bad)


def _run(args: list[str]):
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    return result


def test_report_on_a_district_equals_coverage_on_its_polygon(tmp_path):
    a, b = tmp_path / "report", tmp_path / "coverage"
    report = _run(["report", *FAST, "--no-simulate", "--focus", "district:D3", "--out", str(a)])
    # the headline names the zone, counts and bases, on stdout
    first = report.stdout.splitlines()[0]
    assert first.startswith("Within 10 min (crow-fly screening): District D3, pilot staging")
    assert "of 79," in first or " of " in first
    assert "more residents within 10 min with the citywide staging" in first
    summary = json.loads((a / "summary.json").read_text())
    assert summary["headline"] == first
    assert (a / "map_district-D3_pilot_vs_citywide.html").exists()
    assert "District D3, citywide staging" in (a / "map_district-D3_citywide.html").read_text()
    # the same zone as a polygon file, the default (citywide) staging
    districts = gpd.read_file(DATA / "boundaries" / "police_districts_2025.geojson")
    d3 = districts[districts["LAWDIST"] == "D3"].dissolve()
    d3.geometry = d3.geometry.make_valid()
    zone = tmp_path / "d3.geojson"
    d3[["geometry"]].to_file(zone)
    _run(["coverage", *FAST, "--focus", str(zone), "--out", str(b)])
    mine = pd.read_csv(a / "coverage_district-D3_citywide_area.csv").iloc[0]
    theirs = pd.read_csv(b / "coverage_d3_citywide_area.csv").iloc[0]
    for column in ("population", "population_10min", "population_15min"):
        assert mine[column] == pytest.approx(theirs[column], rel=1e-6, abs=1), column
    assert 70_000 < mine["population"] < 90_000  # District D3's residents (zones listing)
    # units outside the zone still serve it: City Hall (pilot staging) stands in D5
    pilot = pd.read_csv(a / "coverage_district-D3_pilot_area.csv").iloc[0]
    assert pilot["population_15min"] > 0
    staging = gpd.read_file(a / "staging_district-D3_pilot.geojson")
    assert len(staging) == 1 and not d3.to_crs(staging.crs).contains(staging.geometry.iloc[0]).any()


def test_a_beat_outside_the_pilot_area_is_served_from_city_hall(tmp_path):
    out = tmp_path / "o"
    _run(["coverage", *FAST, "--area", "pilot", "--focus", "beat:324", "--out", str(out)])
    row = pd.read_csv(out / "coverage_beat-324_pilot_area.csv").iloc[0]
    # every resident has a travel time from City Hall, which stands outside the beat
    assert row["population"] > 5_000 and row["unreached_population"] == 0
    assert 5 < row["median_minutes"] < 60


def test_site_and_simulate_on_a_district(tmp_path):
    site = _run([*SITE_ARGS, "--focus", "district:D3", "--units", "2", "--max-units", "2",
                 "--out", str(tmp_path / "s")])  # fmt: skip
    assert json.loads((tmp_path / "s" / "site_summary.json").read_text())["area"] == "district-D3"
    assert site.stdout.strip()
    sim = _run(["simulate", *FAST, "--focus", "district:D3", "--weeks", "2", "--teams", "1..2",
                "--out", str(tmp_path / "m")])  # fmt: skip
    assert "simulated district-D3_citywide" in sim.stdout or "District D3" in sim.stdout


def test_unknown_district_lists_the_choices(tmp_path):
    result = CliRunner().invoke(
        cli, ["coverage", *FAST, "--focus", "district:D9", "--out", str(tmp_path)]
    )
    assert result.exit_code == 2 and result.output.count("\n") == 1
    assert "--focus district D9 is not in the district layer" in result.output
    assert "D1, D2, D3" in result.output


def test_zones_lists_districts_with_their_beats():
    result = _run(["zones", "--data-dir", str(DATA), "--quiet", "--csv"])
    from io import StringIO

    table = pd.read_csv(StringIO(result.stdout), dtype={"code": str, "beats": str})
    d3 = table[(table["kind"] == "district") & (table["code"] == "D3")].iloc[0]
    assert "324" in d3["beats"].split()
    beats = table[(table["kind"] == "beat") & (table["district"] == "D3")]
    # a district's beats hold about its residents (the layers are of 2022 and 2025)
    assert beats["residents"].sum() == pytest.approx(d3["residents"], rel=0.05)
