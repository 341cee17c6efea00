"""Reliability round 3: named layers, outputs that never replace inputs, and the other
adversarial cases of issue 29 that are fixed.
"""

import json
import re

import geopandas as gpd
import pytest
import shapely
from click.testing import CliRunner

from heartgeo.cli import cli
from heartgeo.errors import InputError
from heartgeo.io.layers import split_layer

from .conftest import DATA

FAST = ["--data-dir", str(DATA), "--cell-size", "600", "--travel-model", "crowfly", "--quiet"]
SITES = [(-78.9013, 35.9940), (-78.93, 35.99)]


def _points(coords, **columns) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"id": [f"s{i}" for i in range(len(coords))], "name": ["x"] * len(coords), **columns},
        geometry=[shapely.Point(c) for c in coords],
        crs="EPSG:4326",
    )


def _multi(path, layers: dict) -> None:
    for name, frame in layers.items():
        frame.to_file(path, layer=name, driver="GPKG")


def test_split_layer(tmp_path):
    gpkg = tmp_path / "multi.gpkg"
    _multi(gpkg, {"a:b": _points(SITES), "c": _points(SITES)})
    assert split_layer(f"{gpkg}:a:b") == (gpkg, "a:b")
    assert split_layer(f"{gpkg}:c") == (gpkg, "c")
    assert split_layer(gpkg) == (gpkg, None)
    csv = tmp_path / "calls.csv"
    csv.write_text("lon,lat\n-78.9,35.99\n")
    with pytest.raises(InputError, match="one layer only"):
        split_layer(f"{csv}:foo")


@pytest.mark.integration
def test_named_layers_work_on_every_input(tmp_path):
    gpkg = tmp_path / "multi.gpkg"
    calls = _points([(-78.90, 35.99), (-78.92, 36.00), (-78.88, 35.98)], weight=[1, 2, 1])
    _multi(gpkg, {"sites": _points(SITES), "calls:2024": calls, "other": _points(SITES[:1])})
    out = tmp_path / "out"
    run = CliRunner().invoke(
        cli,
        ["coverage", *FAST, "--staging", f"{gpkg}:sites", "--calls", f"{gpkg}:calls:2024",
         "--out", str(out)],
    )  # fmt: skip
    assert run.exit_code == 0, run.output
    summary = json.loads((out / "summary.json").read_text())
    layers = {i["name"]: i.get("layer") for i in summary["inputs"]}
    assert layers["staging_citywide"] == "sites" and layers["calls"] == "calls:2024"
    assert all(i["path"] == str(gpkg.resolve()) for i in summary["inputs"] if i.get("layer"))
    bad = CliRunner().invoke(
        cli, ["coverage", *FAST, "--calls", f"{gpkg}:nope", "--out", str(tmp_path / "b")]
    )
    assert bad.exit_code == 2 and "has no layer 'nope'" in bad.output
    assert bad.output.count("\n") == 1


@pytest.mark.integration
def test_an_output_never_overwrites_an_input(tmp_path):
    out = tmp_path / "out"
    first = CliRunner().invoke(cli, ["coverage", *FAST, "--out", str(out)])
    assert first.exit_code == 0, first.output
    edited = out / "staging_citywide.geojson"
    frame = gpd.read_file(edited).assign(hours="daily 08:00-20:00", notes="edited by hand")
    frame.to_file(edited, driver="GeoJSON")
    before = edited.read_bytes()
    again = CliRunner().invoke(
        cli, ["coverage", *FAST, "--staging", str(edited), "--out", str(out)]
    )
    assert again.exit_code == 2 and again.output.count("\n") == 1
    assert "would overwrite the input" in again.output
    assert edited.read_bytes() == before  # the user's edits are kept


@pytest.mark.integration  # the run prepares the study before it writes
def test_out_as_a_broken_symlink_is_one_line(tmp_path):
    link = tmp_path / "out"
    link.symlink_to(tmp_path / "gone")
    run = CliRunner().invoke(cli, ["coverage", *FAST, "--out", str(link)])
    assert run.exit_code == 2 and "broken symbolic link" in run.output


def _calls(tmp_path, times: list[str]):
    from heartgeo.io.calls import read_calls

    path = tmp_path / "calls.csv"
    rows = "".join(f"-78.90,35.99,{t}\n" for t in times)
    path.write_text("lon,lat,time\n" + rows)
    return read_calls(path)


def _local(minute: int) -> tuple[int, int, int]:
    return minute // 1440, minute % 1440 // 60, minute % 60


@pytest.mark.parametrize(
    "stamp, expected",
    [
        ("2024-03-05T19:20Z", (1, 14, 20)),  # Tuesday, EST (UTC-5)
        ("2024-07-01T12:00-05:00", (0, 13, 0)),  # Monday, EDT (UTC-4)
        ("2024-03-05T14:20", (1, 14, 20)),  # naive: local wall time as written
        ("2024-03-10T06:30Z", (6, 1, 30)),  # Sunday before the spring change: EST
        ("2024-03-10T07:30Z", (6, 3, 30)),  # after it: EDT, 02:00-03:00 skipped
        ("2024-11-03T05:30Z", (6, 1, 30)),  # the autumn overlap, first 01:30 (EDT)
        ("2024-11-03T06:30Z", (6, 1, 30)),  # ... and the second (EST)
        ("2026-03-08T07:30Z", (6, 3, 30)),
        ("2026-11-01T06:30Z", (6, 1, 30)),
    ],
)
def test_call_times_follow_iso_8601_in_local_time(tmp_path, stamp, expected):
    calls = _calls(tmp_path, [stamp])
    assert _local(int(calls.minute[0])) == expected


@pytest.mark.parametrize(
    "times, needle",
    [
        (["2024-03-05"], "row 2: time '2024-03-05' is a date without a time of day"),
        (["20240305"], "row 2: time '20240305' is a date without a time of day"),
        (["2024-03-05T10:00", "2024-03"], "row 3: time '2024-03' is a date without a time"),
        (["2024-03-05T10:00", "2300-01-01T10:00"], "row 3: time '2300-01-01T10:00' lies more"),
        (["1999-03-05T10:00"] + ["2024-03-05T10:00"] * 200, "row 2: time '1999-03-05T10:00' lies"),
        (["tomorrow"], "is not an ISO 8601 time"),
    ],
)
def test_implausible_call_times_are_refused_with_their_row(tmp_path, times, needle):
    with pytest.raises(InputError, match=needle.replace("(", r"\(").replace(")", r"\)")):
        _calls(tmp_path, times)


def test_calls_outside_the_city_are_left_out_of_the_rate(tmp_path):
    from heartgeo.io.calls import read_calls
    from heartgeo.operations import SimulateOptions

    path = tmp_path / "calls.csv"
    days = [f"2024-03-{d:02d}T10:00" for d in range(1, 15)]
    inside = "".join(f"-78.90,35.99,{t}\n" for t in days)
    outside = "".join(f"-78.50,35.70,{t}\n" for t in days)
    path.write_text("lon,lat,time\n" + inside + outside)
    calls = read_calls(path)
    city = shapely.Point(calls.xy[0]).buffer(5000)  # holds the first half only
    workload, sources = SimulateOptions().workload(calls, city)
    assert workload.calls_per_day == pytest.approx(1.0)  # 14 calls in 14 days
    assert "14 call(s) outside the city limit left out" in sources["calls_per_day_source"]


@pytest.mark.parametrize(
    "args, needle",
    [
        (["--seed", "-1"], "--seed -1: give 0 to 4294967295"),
        (["--calls-per-day", "1e6"], "--calls-per-day 1e+06: give at most 10000"),
        (["--weeks", "100000"], "--weeks 100000: give 1 to 520"),
        (["--minutes-per-call", "1e12"], "--minutes-per-call 1e+12: give at most 1440"),
        (["--minutes-per-call", "1e8"], "--minutes-per-call 1e+08: give at most 1440"),
        (["--max-wait", "1e9"], "--max-wait 1e+09: give at most 1440"),
        (["--calls-per-day", "5000", "--weeks", "520"], "more than --max-events 5,000,000"),
    ],
)
def test_simulation_inputs_are_bounded_before_any_allocation(tmp_path, args, needle):
    run = CliRunner().invoke(cli, ["simulate", *FAST, *args, "--out", str(tmp_path)])
    assert run.exit_code == 2 and run.output.count("\n") == 1, run.output
    assert needle in run.output


@pytest.mark.integration
def test_no_calls_or_one_week_print_no_nan(tmp_path):
    for name, args in (("none", ["--calls-per-day", "0", "--teams", "1..2"]), ("one", [])):
        out = tmp_path / name
        run = CliRunner().invoke(
            cli, ["report", *FAST, "--weeks", "1", *args, "--no-basemap", "--out", str(out)]
        )
        assert run.exit_code == 0, run.output
        assert "nan" not in run.stdout.lower()
        for path in out.glob("*"):  # the maps inline Leaflet, whose code says NaN
            if path.suffix == ".json" or path.name in ("index.html", "simulation.html"):
                text = path.read_text()
                assert not re.search(r"\b(nan|NaN)\b", text), (path.name, name)
    assert (
        "no calls simulated, nothing to draw" in (tmp_path / "none" / "simulation.html").read_text()
    )


@pytest.mark.parametrize(
    "text, hours",
    [
        ("Mon\u2013Fri 09:00\u201317:00", 40),
        ("Mon-Fri 09:00-17:00, Sat 10:00-14:00", 44),
        ("Mon - Fri 09:00 - 17:00", 40),
        ("Mon-Fri 9am-5pm", 40),
        ("Mon-Fri 9:30 am - 5:30 pm", 40),
        ("daily 08:00-24:00", 112),
        ("Sat,Sun 10:00-14:00", 8),
        ("Fri 22:00-Sat 02:00", 4),
        ("Fri 18:00 \u2013 Mon 06:00; Mon-Fri 9am-5pm", 60 + 40),
        ("Sun 20:00-Mon 04:00", 8),  # past Sunday into the week's start
    ],
)
def test_hours_as_people_write_them(text, hours):
    from heartgeo.io.hours import parse_hours

    assert parse_hours(text).sum() / 60 == hours


def test_hours_with_a_time_zone_or_repeated_are_refused(tmp_path):
    from heartgeo.io.hours import parse_hours

    with pytest.raises(InputError, match="'EST': hours are local time in Durham"):
        parse_hours("Mon-Fri 09:00-17:00 EST")
    run = CliRunner().invoke(
        cli,
        ["coverage", *FAST, "--hours", "citywide=daily 08:00-20:00",
         "--hours", "citywide=Sat 10:00-14:00", "--out", str(tmp_path)],
    )  # fmt: skip
    assert run.exit_code == 2 and "--hours given twice for citywide" in run.output


def test_call_time_24_00_is_the_end_of_the_day(tmp_path):
    calls = _calls(tmp_path, ["2024-03-05T24:00"])  # Tuesday's end: Wednesday 00:00
    assert _local(int(calls.minute[0])) == (2, 0, 0)


def test_csv_text_cells_never_run_as_formulas():
    import pandas as pd

    from heartgeo.io.tables import tidy_table

    frame = pd.DataFrame({"name": ['=HYPERLINK("http://x","y")', "+1", "@a", "-x", "Station 5"]})
    assert list(tidy_table(frame)["name"]) == [
        '\'=HYPERLINK("http://x","y")',
        "'+1",
        "'@a",
        "'-x",
        "Station 5",
    ]


@pytest.mark.parametrize(
    "args, needle",
    [
        (["--buffer", "1e12"], "--buffer 1000000000000.0: give at most 5000 m"),
        (["--cell-size", "1e6"], "--cell-size 1000000.0: give at most 5000 m"),
        (["--max-snap", "1e7"], "--max-snap 10000000.0: give at most 10000 m"),
    ],
)
def test_absurd_distances_are_refused(tmp_path, args, needle):
    run = CliRunner().invoke(cli, ["coverage", *FAST, *args, "--out", str(tmp_path)])
    assert run.exit_code == 2 and needle in run.output and run.output.count("\n") == 1


def test_a_failing_geopackage_writer_is_one_line(tmp_path, monkeypatch):
    import geopandas

    from heartgeo.io.outputs import OutputSet

    def full_disk(*args, **kwargs):
        raise RuntimeError("sqlite3_exec(CREATE TABLE) failed: database or disk is full")

    monkeypatch.setattr(geopandas.GeoDataFrame, "to_file", full_disk)
    out = tmp_path / "out"
    with (
        pytest.raises(InputError, match="GeoPackage layers.gpkg: sqlite3_exec"),
        OutputSet(out) as outs,
    ):
        outs.gpkg("layers.gpkg", {"a": _points(SITES)})
    assert not any(out.glob("*.gpkg"))


@pytest.mark.parametrize(
    "text, needle",
    [
        ("lon,lat\n", "has no rows: add one row per call"),
        ("lon,lat,weight\n-78.90,35.99,0\n", "every call's weight is 0"),
        ("lon,lat,weight\n-78.90,35.99,1e308\n", "row 2: weight '1e308' is not a number from 0"),
    ],
)
def test_call_file_messages_name_the_real_cause(tmp_path, text, needle):
    from heartgeo.io.calls import read_calls

    path = tmp_path / "calls.csv"
    path.write_text(text)
    with pytest.raises(InputError, match=needle.replace("(", r"\(")):
        read_calls(path)


@pytest.mark.integration
def test_calls_with_lon_and_lat_swapped_are_told_so(tmp_path):
    path = tmp_path / "calls.csv"
    path.write_text("lon,lat\n" + "".join(f"35.99{i},-78.9{i}\n" for i in range(5)))
    run = CliRunner().invoke(
        cli, ["simulate", *FAST, "--calls", str(path), "--weeks", "2", "--out", str(tmp_path)]
    )
    assert run.exit_code == 2 and run.output.count("\n") == 1
    assert "none of its 5 calls lies in the pilot area" in run.output
    assert "longitude and latitude swapped" in run.output


@pytest.mark.integration
def test_calls_in_the_area_with_zero_weight_are_told_so(tmp_path):
    path = tmp_path / "calls.csv"
    path.write_text("lon,lat,weight\n-78.90,35.99,-0.0\n-78.91,35.99,1\n")
    run = CliRunner().invoke(
        cli, ["simulate", *FAST, "--calls", str(path), "--weeks", "2", "--out", str(tmp_path)]
    )
    assert run.exit_code == 2 and run.output.count("\n") == 1
    assert "its 1 call(s) in the pilot area all have weight 0" in run.output


def test_a_full_cache_disk_leaves_no_partial_file(tmp_path, monkeypatch):
    import errno
    import os

    from heartgeo.io.cache import Cache

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "replace", full)
    cache = Cache(folder=tmp_path / "cache")
    cache.put("demand", "k" * 64, {"a": 1})  # no error: a cache only costs time
    assert list((tmp_path / "cache").iterdir()) == []


@pytest.mark.integration
def test_a_world_sized_pilot_polygon_is_clipped_and_one_elsewhere_refused(tmp_path):
    world = tmp_path / "world.geojson"
    gpd.GeoDataFrame(geometry=[shapely.box(-179.9, -89.9, 179.9, 89.9)], crs="EPSG:4326").to_file(
        world
    )
    run = CliRunner().invoke(
        cli, ["coverage", *FAST, "--area", "pilot", "--pilot-area", str(world),
              "--out", str(tmp_path / "a")],
    )  # fmt: skip
    assert run.exit_code == 0, run.output
    assert "of 283,506 residents" in run.stdout.splitlines()[0]  # the whole city
    sydney = tmp_path / "sydney.geojson"
    gpd.GeoDataFrame(geometry=[shapely.box(151.0, -34.0, 151.3, -33.7)], crs="EPSG:4326").to_file(
        sydney
    )
    run = CliRunner().invoke(
        cli, ["coverage", *FAST, "--pilot-area", str(sydney), "--out", str(tmp_path / "b")]
    )
    assert run.exit_code == 2 and "lies outside North Carolina" in run.output
