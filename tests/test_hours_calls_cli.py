"""Hours, calls and the simulation end to end on the bundled Durham data."""

import json
import re

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from heartgeo.cli import cli

from .conftest import DATA

pytestmark = pytest.mark.integration  # runs on the bundled Durham data

FAST = ["--data-dir", str(DATA), "--cell-size", "500", "--quiet", "--travel-model", "crowfly"]


def run(*args):
    result = CliRunner().invoke(cli, [*args])
    return result


@pytest.fixture(scope="module")
def default_report(tmp_path_factory):
    out = tmp_path_factory.mktemp("hours-report")
    result = run("report", *FAST, "--out", str(out))
    assert result.exit_code == 0, result.output
    return out


def test_report_writes_hour_of_week_coverage(default_report):
    out = default_report
    summary = json.loads((out / "summary.json").read_text())
    for name, hours, on_duty in (
        ("pilot", "Mon-Fri 09:00-17:00", 40),
        ("citywide", "daily 08:00-20:00", 84),
    ):
        table = pd.read_csv(out / f"coverage_{name}_hours.csv")
        assert len(table) == 168 and table["hour_of_week"].tolist() == list(range(168))
        assert (table["units_on_duty"] > 0).sum() == on_duty
        assert (table.loc[table["units_on_duty"] == 0, "population_within_10min"] == 0).all()
        info = summary["scenarios"][name]["hours"]
        assert info["hours"] == hours and info["assumption"] and info["source"]
        always = summary["scenarios"][name]["bands"][1]["population_share"]
        # on duty for on_duty of 168 hours: the week's share is the always-on share scaled
        assert info["person_hours_share"]["10min"] == pytest.approx(
            always * on_duty / 168, rel=1e-4
        )
    assert "person-hours within 10 min" in summary["headline_week"]
    page = (out / "coverage_hours.html").read_text()
    assert page.count("<svg") == 2 and "crow-fly screening" in page and "<script" not in page


def test_hours_option_and_always_on_duty_give_the_headline(tmp_path):
    result = run("report", *FAST, "--out", str(tmp_path), "--hours", "24/7", "--no-cache")
    assert result.exit_code == 0, result.output
    summary = json.loads((tmp_path / "summary.json").read_text())
    for scenario in summary["scenarios"].values():
        assert scenario["hours"]["source"] == "--hours"
        assert scenario["hours"]["person_hours_share"]["10min"] == pytest.approx(
            scenario["bands"][1]["population_share"], rel=1e-4
        )


def test_staging_hours_column_and_its_errors(tmp_path):
    good = tmp_path / "units.csv"
    good.write_text(
        "id,lon,lat,hours\n"
        "hall,-78.9017,35.9960,Mon-Fri 09:00-17:00\n"
        "night,-78.8800,35.9900,daily 18:00-02:00\n"
    )
    out = tmp_path / "out"
    result = run("coverage", *FAST, "--area", "citywide", "--staging", str(good), "--out", str(out))
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out / "coverage_citywide_hours.csv")
    assert table.loc[1, "units_on_duty"] == 1  # Monday 01:00: the night unit of Sunday
    assert table.loc[10, "units_on_duty"] == 1 and table.loc[19, "units_on_duty"] == 1
    assert table.loc[5, "units_on_duty"] == 0
    bad = tmp_path / "bad.csv"
    bad.write_text("id,lon,lat,hours\nhall,-78.9017,35.9960,Mon-Fri 9 to 5\n")
    result = run("coverage", *FAST, "--area", "citywide", "--staging", str(bad), "--out", str(out))
    assert result.exit_code == 2
    message = result.output.strip()
    assert message.count("\n") == 0 and f"staging file {bad}, row 2: --hours" in message


def _calls_file(tmp_path, outside: int = 3, n: int = 600) -> tuple:
    """Calls at random places in central Durham at random times, and a few far outside."""
    rng = np.random.default_rng(5)
    lon = rng.uniform(-78.95, -78.85, n)
    lat = rng.uniform(35.95, 36.03, n)
    days = rng.integers(0, 28, n)
    hours = rng.integers(0, 24, n)
    times = [
        (pd.Timestamp("2024-03-04") + pd.Timedelta(days=int(d), hours=int(h))).isoformat()
        for d, h in zip(days, hours, strict=True)
    ]
    frame = pd.DataFrame({"lon": lon, "lat": lat, "time": times})
    city = gpd.read_file(DATA / "boundaries" / "city_limits_2025.geojson").to_crs(32119)
    pts = gpd.GeoSeries(gpd.points_from_xy(lon, lat), crs=4326).to_crs(32119)
    frame = frame[pts.within(city.union_all().buffer(-50.0)).to_numpy()]  # clearly inside
    n = len(frame)
    far = pd.DataFrame({"lon": [-79.5] * outside, "lat": [35.5] * outside, "time": [""] * outside})
    path = tmp_path / "calls.csv"
    pd.concat([frame, far]).to_csv(path, index=False)
    return path, n


def test_calls_are_measured_instead_of_residents(tmp_path):
    path, n = _calls_file(tmp_path)
    out = tmp_path / "out"
    result = run("report", *FAST, "--calls", str(path), "--out", str(out), "--png")
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "summary.json").read_text())
    assert summary["headline"].startswith("Within 10 min (crow-fly screening): pilot ")
    assert " calls (" in summary["headline"]
    city = summary["scenarios"]["citywide"]["calls"]
    assert city["outside_rows"] == 3 and city["inside"] + city["outside_weight"] == n + 3
    area = pd.read_csv(out / "coverage_citywide_area.csv")
    assert area.loc[0, "calls"] == city["inside"]
    beats = pd.read_csv(out / "coverage_citywide_beats.csv")
    assert beats["calls"].sum() == pytest.approx(city["inside"])  # the rows add up
    hours = pd.read_csv(out / "coverage_citywide_hours.csv")
    assert hours["calls"].sum() == pytest.approx(city["inside"])
    night = hours[hours["units_on_duty"] == 0]
    assert night["calls"].sum() > 0 and (night["calls_within_10min"] == 0).all()
    week = summary["scenarios"]["citywide"]["hours"]["calls_share"]["10min"]
    assert week < city["share"]["10min"]


def test_simulate_prints_and_writes_the_teams_curve(tmp_path):
    args = ["simulate", *FAST, "--weeks", "3", "--teams", "1..3", "--seed", "4"]
    first = run(*args, "--out", str(tmp_path / "a"))
    assert first.exit_code == 0, first.output
    again = run(*args, "--out", str(tmp_path / "b"))
    one = json.loads((tmp_path / "a" / "simulation_summary.json").read_text())
    two = json.loads((tmp_path / "b" / "simulation_summary.json").read_text())
    assert one["scenarios"] == two["scenarios"]  # same seed, same figures
    curve = pd.read_csv(tmp_path / "a" / "simulation_teams.csv")
    assert sorted(curve["scenario"].unique()) == ["citywide", "pilot"] and len(curve) == 6
    citywide = curve[curve["scenario"] == "citywide"]["within_10min_share"].to_numpy()
    assert citywide[-1] > citywide[0]  # more teams, more calls answered in time
    pilot = one["scenarios"]["pilot"]
    assert pilot["workload"]["calls_per_day_source"].startswith("assumption")
    assert pilot["calls_per_day_area"] < one["scenarios"]["citywide"]["calls_per_day_area"]
    # answered cannot beat the share of calls arriving while a team is on duty
    bound = pilot["erlang_b_check"]["share_of_calls_in_on_duty_hours"]
    assert pilot["figures"]["answered_share"] <= bound + 2 * pilot["figures"]["answered_ci95"]
    # nor the exact answered share with no drive time (driving only adds busy time)
    no_drive = pilot["erlang_b_check"]["answered_no_drive"]
    assert pilot["figures"]["answered_share"] <= no_drive + 2 * pilot["figures"]["answered_ci95"]
    for name in ("pilot", "citywide"):
        assert len(pd.read_csv(tmp_path / "a" / f"simulation_{name}.csv")) == 168
    assert "answered" in again.output or again.output == ""


def test_simulate_with_calls_estimates_the_rate_and_profile(tmp_path):
    path, n = _calls_file(tmp_path)
    out = tmp_path / "out"
    result = run("simulate", *FAST, "--calls", str(path), "--weeks", "2", "--out", str(out))
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "simulation_summary.json").read_text())
    city = summary["scenarios"]["citywide"]
    assert city["workload"]["calls_per_day_source"].startswith("estimated from")
    assert city["workload"]["hourly_profile"] == "from the times of the call file"
    assert city["demand"] == "calls (call file)"


@pytest.mark.parametrize(
    ("args", "names"),
    [
        (["--minutes-per-call", "0"], "--minutes-per-call 0"),
        (["--teams", "3..1"], "--teams '3..1'"),
        (["--weeks", "0"], "--weeks 0"),
        (["--standard", "0"], "--standard 0"),
        (["--standard", "1e9"], "--standard 1e+09"),
    ],
)
def test_simulate_bad_options_are_one_line(tmp_path, args, names):
    result = run("simulate", *FAST, "--out", str(tmp_path), *args)
    assert result.exit_code == 2 and names in result.output and result.output.count("\n") == 1


def test_site_mexclp_takes_q_from_the_workload(tmp_path):
    result = run(
        "site", *FAST, "--objective", "mexclp", "--units", "2", "--max-units", "2",
        "--out", str(tmp_path), "--calls-per-day", "48", "--minutes-per-call", "30",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    summary = json.loads((tmp_path / "site_summary.json").read_text())
    assert summary["busy_q"] == pytest.approx(48 / 24 * 30 / 60 / 2)
    assert "calls an hour" in summary["busy_q_from"]


def test_site_serves_calls_when_given(tmp_path):
    path, n = _calls_file(tmp_path)
    out = tmp_path / "out"
    result = run("site", *FAST, "--calls", str(path), "--units", "2", "--max-units", "2",
                 "--out", str(out))  # fmt: skip
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "site_summary.json").read_text())
    assert summary["demand"] == "calls"
    comparison = pd.read_csv(out / "site_comparison.csv")
    assert comparison["calls"].max() <= n  # the calls inside the city, not residents


def test_an_hour_with_some_units_on_duty_equals_those_units_alone(tmp_path):
    """Staggered hours: the residents within each band in an hour when only some units
    are on duty equal `coverage` of those units alone (combined from each unit's own
    polygons, not measured set by set), for the crow-fly and the network model.
    """
    sites = [
        ("a", -78.9146, 36.0081, "Mon-Fri 08:00-16:00"),
        ("b", -78.9200, 36.0120, "Mon-Fri 12:00-20:00"),
        ("c", -78.9080, 36.0040, "daily 10:00-22:00"),
    ]

    def write(rows, name):
        path = tmp_path / name
        lines = ["id,name,lon,lat,hours"] + [f"{i},{i.upper()},{x},{y},{h}" for i, x, y, h in rows]
        path.write_text("\n".join(lines) + "\n")
        return path

    everyone = write(sites, "all.csv")
    # Monday 09:00 only a; Monday 18:00 b and c
    for model, area in (("crowfly", "citywide"), ("network", "pilot")):
        args = [*FAST[:-1], model, "--area", area]
        out = tmp_path / f"all-{model}"
        loud = [a for a in args if a != "--quiet"]
        done = run("coverage", *loud, "--staging", str(everyone), "--out", str(out))
        assert done.exit_code == 0, done.output
        # progress: the sets, then each step with its time
        assert "set(s) of units on duty other than all 3" in done.stderr
        assert re.search(r"combining the 15-min bands \.\.\. done \(\d", done.stderr)
        hours = pd.read_csv(out / f"coverage_{area}_hours.csv").set_index("hour_of_week")
        for hour, subset in ((9, sites[:1]), (18, sites[1:])):
            alone = tmp_path / f"alone-{model}-{hour}"
            staging = write([(i, x, y, "24/7") for i, x, y, _ in subset], f"{model}{hour}.csv")
            got = run("coverage", *args, "--staging", str(staging), "--out", str(alone))
            assert got.exit_code == 0, got.output
            table = pd.read_csv(alone / f"coverage_{area}_area.csv").iloc[0]
            for band in ("5min", "10min", "15min"):
                assert hours.loc[hour, f"population_within_{band}"] == pytest.approx(
                    table[f"population_{band}"], abs=1.0
                ), (model, hour, band)
