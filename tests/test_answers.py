"""Outputs as their users take them: results on stdout and progress on stderr, --json,
GIS layers, rounded tables, site and simulate answers first, help that fits the command.
"""

import json
import re

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
from click.testing import CliRunner

from heartgeo.cli import cli
from heartgeo.io.tables import tidy_table

from .conftest import DATA, SITE_ARGS

FAST = ["--data-dir", str(DATA), "--cell-size", "500", "--travel-model", "crowfly"]


def test_tidy_table_rounds_people_and_shares():
    frame = pd.DataFrame(
        {
            "population_10min": [5784.69],
            "population_share_10min": [0.81634],
            "gap_area_km2": [5.45697e-12],
            "lon": [-78.9012345678],
            "median_minutes": [7.42414],
            "calls_per_week": [2.0963],
        }
    )
    tidy = tidy_table(frame)
    assert tidy.to_csv(index=False).splitlines()[1].startswith("5785,0.816,0.0,")
    row = tidy.iloc[0]
    assert row["population_share_10min"] == 0.816
    assert row["gap_area_km2"] == 0.0 and row["lon"] == -78.901235
    assert row["median_minutes"] == 7.424 and row["calls_per_week"] == 2.096


@pytest.mark.integration
def test_results_on_stdout_progress_on_stderr_json(tmp_path):
    args = ["coverage", *FAST, "--out", str(tmp_path / "a")]
    run = CliRunner().invoke(cli, args)
    assert run.exit_code == 0, run.output
    assert run.stdout.startswith("Within 10 min (crow-fly screening): citywide ")
    assert "of 283,506 residents" in run.stdout.splitlines()[0]
    assert "Loading boundaries" in run.stderr and "Loading boundaries" not in run.stdout
    quiet = CliRunner().invoke(cli, [*args, "--quiet"])
    assert quiet.stderr == "" and quiet.stdout.splitlines()[0] == run.stdout.splitlines()[0]
    as_json = CliRunner().invoke(cli, [*args, "--quiet", "--json"])
    printed = json.loads(as_json.stdout)
    assert printed == json.loads((tmp_path / "a" / "summary.json").read_text())
    assert printed["headline"] == run.stdout.splitlines()[0]


@pytest.mark.integration
def test_map_writes_one_geopackage_with_gaps_by_beat(tmp_path):
    out = tmp_path / "m"
    run = CliRunner().invoke(cli, ["map", *FAST, "--quiet", "--no-basemap", "--out", str(out)])
    assert run.exit_code == 0, run.output
    layers = dict(pyogrio.list_layers(out / "coverage.gpkg"))
    for name in ("bands", "gaps", "unknown", "cells", "staging"):
        assert f"citywide_{name}" in layers
    gaps = gpd.read_file(out / "coverage.gpkg", layer="citywide_gaps")
    area = pd.read_csv(out / "coverage_citywide_area.csv").iloc[0]
    assert (gaps.geom_type == "Polygon").all() and len(gaps) > 1
    assert gaps["residents"].sum() == pytest.approx(area["gap_population"], abs=2)
    assert set(gaps["district"]) <= {"D1", "D2", "D3", "D4", "D5", "DSO", "none"}
    assert gaps["beat"].str.fullmatch(r"\d{3}|none").all()
    cells = gpd.read_file(out / "coverage.gpkg", layer="citywide_cells")
    assert cells["residents"].sum() == pytest.approx(area["population"], rel=1e-6)
    assert cells["minutes_to_nearest_unit"].max() > 0
    for path in out.glob("*.csv"):  # no float noise, people whole
        text = path.read_text()
        assert not re.search(r"\de-\d", text), path.name
    assert "." not in str(area["population"])


@pytest.mark.integration
def test_site_names_the_sites_and_compares_with_city_hall(tmp_path):
    run = CliRunner().invoke(cli, [*SITE_ARGS, "--units", "2", "--max-units", "2",
                                   "--out", str(tmp_path)])  # fmt: skip
    assert run.exit_code == 0, run.output
    lines = run.stdout.splitlines()
    assert lines[0].startswith("Chosen sites (mclp, 2): Fire Station")
    assert "City Hall alone (1 site(s))" in lines[1] and "current (7 site(s))" in lines[1]
    assert "value" in lines[2] and not re.search(r"\d\.\d people", lines[2])
    html = (tmp_path / "site_report.html").read_text()
    assert "Residents within 10 min" in html and "covered_share" not in html
    table = pd.read_csv(tmp_path / "site_comparison.csv")
    assert list(table["staging"]) == ["City Hall alone", "current", "optimised"]
    baseline = tmp_path / "base.csv"
    baseline.write_text("id,name,lon,lat\nb1,Somewhere,-78.93,35.99\n")
    run = CliRunner().invoke(cli, [*SITE_ARGS, "--units", "2", "--max-units", "2", "--baseline",
                                   str(baseline), "--out", str(tmp_path / "b")])  # fmt: skip
    assert run.exit_code == 0, run.output
    assert "baseline (1 site(s))" in run.stdout.splitlines()[1]


@pytest.mark.integration
def test_simulate_reports_the_teams_asked_first_and_the_teams_needed(tmp_path):
    args = ["simulate", *FAST, "--quiet", "--weeks", "4", "--area", "citywide"]
    run = CliRunner().invoke(cli, [*args, "--teams", "3", "--out", str(tmp_path / "a")])
    assert run.exit_code == 0, run.output
    first = run.stdout.splitlines()[0]
    assert first.startswith("  simulated citywide with 3 team(s) on duty")
    assert "answered" in first and "within 10 min" in first
    run = CliRunner().invoke(cli, [*args, "--target", "0.3", "--out", str(tmp_path / "b")])
    assert run.exit_code == 0, run.output
    needed = re.search(r"to answer 30 % of calls: (\d+) team\(s\)", run.stdout)
    curve = json.loads((tmp_path / "b" / "simulation_summary.json").read_text())
    info = curve["scenarios"]["citywide"] if "scenarios" in curve else curve["citywide"]
    shares = {r["teams"]: r["answered_share"] for r in info["curve"]}
    k = int(needed.group(1))
    assert shares[k] >= 0.3 and (k == 1 or shares[k - 1] < 0.3)


def test_help_fits_the_command():
    top = CliRunner().invoke(cli, ["--help"]).output
    assert "..." not in top.split("Commands:")[1]  # whole descriptions
    site = CliRunner().invoke(cli, ["site", "--help"]).output
    assert "--bands" not in site and "--per-unit-limit" not in site
    assert "Siting options:" in site and "Inputs options:" in site
    report = CliRunner().invoke(cli, ["report", "--help"]).output
    assert "--staging SCENARIO=FILE" in report and "--pilot-staging" not in report
    for command in ("report", "coverage", "map", "simulate", "site"):
        text = CliRunner().invoke(cli, [command, "--help"]).output
        assert "--staging" in text and "--focus" in text, command


def test_labels_keep_clear_of_markers_and_each_other():
    import numpy as np
    import shapely

    from heartgeo.viz.labels import CHAR_PX, LINE_PX, MARKER_PX, metres_per_pixel, place_labels

    zone = shapely.box(0, 0, 10_000, 10_000)
    items = [(zone, "District A"), (shapely.box(4_000, 4_000, 6_000, 6_000), "District B")]
    anchor = shapely.point_on_surface(zone)
    markers = np.array([[anchor.x, anchor.y]])  # a unit right where A's label would go
    placed = place_labels(items, markers, 10)
    mpp = metres_per_pixel(10)
    boxes = []
    for x, y, text in placed:
        w, h = len(text) * CHAR_PX * mpp, LINE_PX * mpp
        boxes.append(shapely.box(x - w / 2, y - h / 2, x + w / 2, y + h / 2))
    marker = shapely.Point(anchor).buffer(MARKER_PX * mpp, cap_style="square")
    assert all(not b.intersects(marker) for b in boxes)
    assert all(not a.intersects(b) for i, a in enumerate(boxes) for b in boxes[i + 1 :])
    assert {t for _, _, t in placed} <= {"District A", "District B"} and placed
