"""Bad input: one-line error naming the file/row/field and the fix, exit 2, no output."""

import pytest
from click.testing import CliRunner

from heartgeo.cli import cli

from .conftest import DATA

pytestmark = pytest.mark.integration  # runs on the bundled Durham data

BASE = ["--data-dir", str(DATA), "--travel-model", "network", "--cell-size", "600", "--quiet"]


def run(args, out):
    runner = CliRunner()
    result = runner.invoke(cli, [*args, "--out", str(out)])
    return result


def assert_clean_error(result, out, *needles):
    assert result.exit_code == 2, result.output
    err = result.stderr.strip()
    assert "Traceback" not in result.output
    assert len(err.splitlines()) == 1, err
    assert err.startswith("heartgeo: error: ")
    for needle in needles:
        assert needle in err, (needle, err)
    assert not out.exists() or not any(out.iterdir()), list(out.iterdir())


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("name", "text", "needles"),
    [
        (
            "missing_cols.csv",
            "id,x_coord,y_coord\nA,-78.9,36.0\n",
            ["missing_cols.csv", "lon and lat"],
        ),
        ("empty.csv", "", ["empty.csv", "empty"]),
        ("header_only.csv", "id,lon,lat\n", ["header_only.csv", "no rows"]),
        ("text.csv", "id,lon,lat\nA,-78.91,36.00\nB,west,36.01\n", ["text.csv", "row 3", "lon"]),
        ("nan.csv", "id,lon,lat\nA,nan,36.00\n", ["nan.csv", "row 2"]),
        ("swapped.csv", "id,lon,lat\nA,36.0078,-78.9153\n", ["swapped.csv", "row 2", "swapped"]),
        (
            "dup.csv",
            "id,lon,lat\nA,-78.9153,36.0078\nA,-78.9240,36.0120\n",
            ["dup.csv", "row 3", "twice"],
        ),
        (
            "outside.csv",
            "id,lon,lat\nA,-78.9153,36.0078\nB,-78.60,35.80\n",
            ["outside.csv", "row 3", "outside the city limit"],
        ),
        ("inf.csv", "id,lon,lat\nA,inf,36.00\n", ["inf.csv", "row 2", "finite"]),
        (
            "cutoff.csv",
            "id,lon,lat\nA,-78.9115746,35.9942127\n",
            ["cutoff.csv", "row 2", "cannot reach"],
        ),
        (
            "offroad.csv",
            "id,lon,lat\nA,-78.86704,35.9909\n",
            ["offroad.csv", "row 2", "--max-snap"],
        ),
    ],
)
def test_bad_staging_files(tmp_path, name, text, needles):
    path = write(tmp_path, name, text)
    out = tmp_path / "out"
    result = run(["coverage", *BASE, "--staging", str(path)], out)
    assert_clean_error(result, out, *needles)


def test_missing_staging_file(tmp_path):
    out = tmp_path / "out"
    result = run(["coverage", *BASE, "--staging", str(tmp_path / "nope.csv")], out)
    assert_clean_error(result, out, "nope.csv", "does not exist")


def test_unknown_beat(tmp_path):
    out = tmp_path / "out"
    result = run(["report", *BASE, "--pilot-beats", "111,998"], out)
    assert_clean_error(result, out, "998", "not in the beat layer")


def test_bad_beat_text(tmp_path):
    out = tmp_path / "out"
    result = run(["report", *BASE, "--pilot-beats", "111,abc"], out)
    assert_clean_error(result, out, "abc", "--pilot-beats")


def test_pilot_area_without_crs(tmp_path):
    import geopandas as gpd
    import shapely

    path = tmp_path / "pilot_nocrs.gpkg"
    gpd.GeoDataFrame({"a": [1]}, geometry=[shapely.box(0, 0, 1, 1)], crs=None).to_file(path)
    out = tmp_path / "out"
    result = run(["report", *BASE, "--pilot-area", str(path)], out)
    assert_clean_error(result, out, "pilot_nocrs.gpkg", "no CRS")


def test_corrupt_geojson(tmp_path):
    path = write(tmp_path, "broken.geojson", '{"type": "FeatureCollection", "features": [')
    out = tmp_path / "out"
    result = run(["report", *BASE, "--pilot-area", str(path)], out)
    assert_clean_error(result, out, "broken.geojson", "cannot be read")


@pytest.mark.parametrize("bands", ["10,5", "0,5", "-5,10", "5,x"])
def test_bad_bands(tmp_path, bands):
    out = tmp_path / "out"
    result = run(["coverage", *BASE, "--bands", bands], out)
    assert_clean_error(result, out, "--bands")


def test_network_without_drivable_roads(tmp_path):
    osm = write(
        tmp_path,
        "footways.osm",
        '<?xml version="1.0"?><osm version="0.6">'
        '<node id="1" lat="36.000" lon="-78.900"/><node id="2" lat="36.001" lon="-78.900"/>'
        '<way id="10"><nd ref="1"/><nd ref="2"/><tag k="highway" v="footway"/></way></osm>',
    )
    out = tmp_path / "out"
    result = run(["coverage", *BASE, "--network", str(osm)], out)
    assert_clean_error(result, out, "footways.osm", "no drivable roads")


def test_missing_columns_in_layer(tmp_path):
    import shutil

    data = tmp_path / "data"
    shutil.copytree(DATA / "boundaries", data / "boundaries")
    shutil.copytree(DATA / "census", data / "census")
    (data / "census" / "tracts_acs_2020_2024.geojson").write_text(
        '{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"GEOID":"1"},'
        '"geometry":{"type":"Polygon","coordinates":[[[-78.9,36],[-78.8,36],[-78.8,36.1],[-78.9,36]]]}}]}'
    )
    out = tmp_path / "out"
    args = [
        "coverage",
        "--data-dir",
        str(data),
        "--network",
        str(DATA / "roads" / "osm_central_durham_2024-01-24.osm"),
        "--quiet",
    ]
    result = run(args, out)
    assert_clean_error(result, out, "tracts_acs_2020_2024.geojson", "total_population")


def test_missing_data_dir(tmp_path, monkeypatch):
    out = tmp_path / "out"
    result = run(["coverage", "--quiet", "--data-dir", str(tmp_path / "nowhere")], out)
    assert_clean_error(result, out, "nowhere", "--data-dir")
    monkeypatch.setenv("HEARTGEO_DATA", str(tmp_path / "elsewhere"))
    result = run(["coverage", "--quiet"], out)
    assert_clean_error(result, out, "elsewhere", "HEARTGEO_DATA")


def test_failed_write_keeps_previous_outputs(tmp_path, monkeypatch):
    """An error while writing leaves the earlier outputs as they were, and no temporary files."""
    from heartgeo.io import outputs

    out = tmp_path / "out"
    staging = write(tmp_path, "u.csv", "id,lon,lat\nA,-78.9153,36.0078\n")
    args = ["coverage", *BASE, "--staging", str(staging)]
    assert run(args, out).exit_code == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    def boom(self, name, data, description=""):
        raise RuntimeError("disk full")

    monkeypatch.setattr(outputs.OutputSet, "json", boom)
    result = run([*args, "--bands", "3,6"], out)
    assert result.exit_code != 0
    after = {p.name: p.read_bytes() for p in out.iterdir()}
    assert after == before
