"""The download path, against a local server on 127.0.0.1 that answers like Overpass and
ArcGIS REST (``tests/loopback.py``) -- never the internet.
"""

import json
import os

import pytest
from click.testing import CliRunner

from heartgeo.cli import cli

from .conftest import DATA, assert_drivable
from .loopback import (
    BEATS_PATH,
    fetch_args,
    overpass_from_osm_xml,
    serve,
    synthetic_city_overpass,
)

pytestmark = pytest.mark.integration  # runs on the bundled Durham data


@pytest.fixture(scope="module")
def server():
    """The central-Durham extract replayed as Overpass would answer (every highway type)."""
    answer = overpass_from_osm_xml(DATA / "roads" / "osm_central_durham_2024-01-24.osm")
    with serve(answer) as (base, requests):
        yield base, requests


def test_fetch_from_local_servers(server, tmp_path):
    base, requests = server
    data = tmp_path / "data"
    requests.clear()
    result = CliRunner().invoke(
        cli, ["fetch", "--data-dir", str(data), *fetch_args(base), "--quiet"]
    )
    assert result.exit_code == 0, result.output
    # ArcGIS paging followed to the end
    beat_pages = [r for r in requests if r[1] == BEATS_PATH]
    assert len(beat_pages) == 3
    assert all(r[2]["f"] == ["geojson"] for r in beat_pages)
    # the Overpass query asked for the drive network
    posts = [r for r in requests if r[0] == "POST"]
    assert posts and "motor_vehicle" in posts[0][2]
    from heartgeo.io.boundaries import load_beats
    from heartgeo.network import load_network

    beats = load_beats(data / "boundaries" / "police_beats_2022.geojson")
    assert len(beats) == 37
    graphml = data / "roads" / "durham_drive.graphml"
    assert graphml.exists() and (data / "roads" / "durham_drive.extent.geojson").exists()
    net = load_network(graphml)
    # the replayed answer holds every highway type; only drivable roads were kept
    assert_drivable(net.highway)
    assert 150 < net.n_nodes < 400
    assert net.extent_method.startswith("extent file")
    assert not [p for p in (data / "roads").iterdir() if p.name.startswith(".")]
    # the layers with no download source come from the bundle: the directory is complete
    assert (data / "census" / "tracts_acs_2020_2024.geojson").exists()
    assert (data / "facilities" / "fire_stations_geocoded.geojson").exists()
    assert not (data / "roads" / "osm_central_durham_2024-01-24.osm").exists()


def test_fetch_reports_server_errors(server, tmp_path):
    result = CliRunner().invoke(
        cli,
        [
            "fetch",
            "--data-dir",
            str(tmp_path / "d"),
            "--skip-network",
            "--layer",
            "police_beats",
            "--source-url",
            f"police_beats={server[0]}/nowhere/query",
            "--quiet",
        ],
    )
    assert result.exit_code == 2
    assert "HTTP 404" in result.stderr and "Traceback" not in result.output
    assert not (tmp_path / "d" / "boundaries" / "police_beats_2022.geojson").exists()


@pytest.mark.city_scale
def test_city_scale_fetch_then_report(tmp_path, monkeypatch):
    """The whole online path at city scale, on the loopback: ``heartgeo fetch`` with no
    data directory downloads a SYNTHETIC city-size street grid (about 20,000 nodes over
    Durham) and the boundary layers into the per-user data directory; ``heartgeo report``
    with no options then finds the network there and uses the network model, with no
    unknown area. Nothing is written into the installed package.
    """
    user = tmp_path / "user-data"
    monkeypatch.setenv("HEARTGEO_USER_DATA", str(user))

    def bundled_files():
        return {
            p.relative_to(DATA): p.stat().st_mtime_ns
            for p in DATA.rglob("*")
            if p.is_file() and "__pycache__" not in p.parts
        }

    before = bundled_files()
    with serve(synthetic_city_overpass()) as (base, requests):
        fetched = CliRunner().invoke(cli, ["fetch", *fetch_args(base), "--quiet"])
    assert fetched.exit_code == 0, fetched.output
    graphml = user / "roads" / "durham_drive.graphml"
    assert graphml.exists() and (user / "roads" / "durham_drive.extent.geojson").exists()
    assert (user / "boundaries" / "police_beats_2022.geojson").exists()
    assert bundled_files() == before

    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["report", "--cell-size", "500", "--out", str(out)])
    assert result.exit_code == 0, result.output
    first = result.stderr.splitlines()[0]
    assert first.startswith("Travel model: network drive times (auto:"), first
    summary = json.loads((out / "summary.json").read_text())
    assert summary["travel_model"]["name"] == "network"
    assert summary["travel_model"]["requested"] == "auto"
    assert "at least 95 %" in summary["travel_model"]["chosen_because"]
    assert summary["network"]["source"] == str(graphml)
    assert summary["network"]["nodes"] > 10_000  # after simplification
    assert summary["network"]["extent_share_of_city"] > 0.999
    inputs = {i["name"]: i["path"] for i in summary["inputs"]}
    assert inputs["police_beats"].startswith(str(user))  # fetched layers win over bundled
    assert inputs["tracts"].startswith(str(DATA))  # not downloaded: the bundled layer
    for name in ("pilot", "citywide"):
        scenario = summary["scenarios"][name]
        assert scenario["unknown"]["population"] == pytest.approx(0, abs=1e-6)
        assert scenario["unknown"]["area_km2"] == pytest.approx(0, abs=1e-3)
        assert scenario["bands"][-1]["population_share"] > 0.05
    assert bundled_files() == before


# --- a partial download is never saved as complete; fetch never loops without end -------


@pytest.fixture(scope="module")
def hostile_server():
    """The central extract, answered as the test's ``behaviour`` says."""
    behaviour: dict = {}
    answer = overpass_from_osm_xml(DATA / "roads" / "osm_central_durham_2024-01-24.osm")
    with serve(answer, behaviour) as (base, requests):
        yield base, requests, behaviour


def _old_data(tmp_path):
    """A data directory with an earlier fetch: its files must survive a failed fetch."""
    data = tmp_path / "data"
    (data / "boundaries").mkdir(parents=True)
    (data / "roads").mkdir()
    old = {
        data / "boundaries" / "police_beats_2022.geojson": b"old beats",
        data / "roads" / "durham_drive.graphml": b"old graph",
    }
    for path, content in old.items():
        path.write_bytes(content)
    return data, old


def _fetch(base, data, *extra):
    return CliRunner().invoke(
        cli, ["fetch", "--data-dir", str(data), *fetch_args(base), "--quiet", *extra]
    )


@pytest.mark.parametrize(
    ("overpass", "arcgis", "extra", "needle"),
    [
        ("remark", "ok", [], "answered with a remark ('runtime error: Query timed out"),
        ("truncated", "ok", [], "did not return complete JSON"),
        ("missing", "ok", [], "refer to"),
        ("500", "ok", [], "HTTP 500"),
        ("garbage", "ok", [], "did not return complete JSON"),
        ("429", "ok", ["--max-retries", "2"], "failed after 2 retries (HTTP 429)"),
        ("hang", "ok", ["--timeout", "1", "--max-retries", "1"], "no answer within 1 s"),
        ("ok", "repeat", [], "repeats an earlier page"),
        ("nolat", "ok", [], "node 1 with lat 'None'"),
        ("badlat", "ok", [], "node 1 with lat 'abc'"),
        ("nullnodes", "ok", [], "way 1 whose nodes are 'None', not a list of ids"),
        ("nonobject", "ok", [], "an element that is not an object"),
        ("nested", "ok", [], "nested too deeply"),
        ("bomb", "ok", ["--max-download-mb", "16"], "is over 16 MB"),
    ],
)
def test_a_failed_fetch_saves_nothing_and_says_why(
    hostile_server, tmp_path, overpass, arcgis, extra, needle
):
    base, _, behaviour = hostile_server
    behaviour.update(overpass=overpass, arcgis=arcgis, hang_s=3)
    data, old = _old_data(tmp_path)
    try:
        result = _fetch(base, data, *extra)
    finally:
        behaviour.clear()
    assert result.exit_code == 2, result.output
    err = result.stderr.strip()
    assert len(err.splitlines()) == 1 and needle in err, err
    assert "\x00" not in err and "'elements'" not in err
    for path, content in old.items():  # all or nothing: the earlier files are intact
        assert path.read_bytes() == content, path
    assert sorted(p.name for p in data.rglob("*") if p.is_file()) == sorted(p.name for p in old)


def test_retries_are_printed_and_retry_after_is_bounded_by_the_total_time(hostile_server, tmp_path):
    import time

    base, _, behaviour = hostile_server
    behaviour.update(overpass="429")
    start = time.perf_counter()
    try:
        result = CliRunner().invoke(
            cli,
            ["fetch", "--data-dir", str(tmp_path / "d"), *fetch_args(base), "--skip-boundaries"]
            + ["--max-retries", "50", "--max-time", "4"],
        )
    finally:
        behaviour.clear()
    assert result.exit_code == 2
    assert time.perf_counter() - start < 30
    assert "retry 1/50" in result.stderr and "retry 2/50" in result.stderr
    assert "took its 4 s" in result.stderr or "failed after" in result.stderr


def test_fetched_files_have_the_users_normal_permissions(hostile_server, tmp_path):
    base, _, _ = hostile_server
    old = os.umask(0o022)
    try:
        result = _fetch(base, tmp_path / "d")
    finally:
        os.umask(old)
    assert result.exit_code == 0, result.output
    for name in ("roads/durham_drive.graphml", "boundaries/police_beats_2022.geojson"):
        assert ((tmp_path / "d" / name).stat().st_mode & 0o777) == 0o644, name


def test_a_dripping_server_stops_at_the_total_time(hostile_server, tmp_path):
    import time

    base, _, behaviour = hostile_server
    behaviour.update(drip=True)
    start = time.perf_counter()
    try:
        result = _fetch(base, tmp_path / "d", "--skip-network", "--max-time", "3", "--timeout", "2")
    finally:
        behaviour.clear()
    assert result.exit_code == 2 and "took its 3 s" in result.stderr, result.stderr
    assert time.perf_counter() - start < 20


@pytest.mark.parametrize(
    "where, needle",
    [("moved", "it is not this city's limit"), ("sydney", "outside North Carolina")],
)
def test_a_city_limit_elsewhere_replaces_nothing(hostile_server, tmp_path, where, needle):
    base, _, behaviour = hostile_server
    behaviour.update(city=where)
    data, old = _old_data(tmp_path)
    try:
        result = _fetch(base, data, "--skip-network")
    finally:
        behaviour.clear()
    assert result.exit_code == 2, result.output
    assert needle in result.stderr and len(result.stderr.splitlines()) == 1
    for path, content in old.items():
        assert path.read_bytes() == content


def test_absurd_buffer_is_refused(tmp_path):
    result = CliRunner().invoke(
        cli, ["fetch", "--data-dir", str(tmp_path), "--buffer-km", "100000", "--quiet"]
    )
    assert result.exit_code == 2 and "--buffer-km 100000.0: give 0 to 50 km" in result.output
