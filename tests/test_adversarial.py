"""Adversarial cases, one class of failure each (reliability round two): every case fails
on the code before the fix and passes after. Unit tier unless marked.
"""

import errno
import json
import os
import subprocess
import sys
import textwrap

import pytest
from click.testing import CliRunner

from heartgeo.cli import cli
from heartgeo.io.outputs import JOURNAL, OutputSet, recover

from .conftest import ROOT, SITE_ARGS

# --- all or nothing, also across files --------------------------------------------------

KILL_SCRIPT = textwrap.dedent(
    """
    import os, sys
    from heartgeo.io import outputs
    out, new, kill_at = sys.argv[1], sys.argv[2], int(sys.argv[3])
    calls = {"n": 0}
    real_move, real_replace = outputs._move, os.replace

    def move(src, dst):
        if calls["n"] == kill_at:
            os._exit(9)  # a kill: no cleanup of any kind
        calls["n"] += 1
        real_move(src, dst)

    outputs._move = move
    with outputs.OutputSet(out) as outs:
        for i in range(5):
            outs.text(f"file_{i}.txt", new)
        if kill_at == -1:
            os._exit(9)  # killed while writing, before the switch
    """
)


def _run_with_kill(out, text, kill_at):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run(
        [sys.executable, "-c", KILL_SCRIPT, str(out), text, str(kill_at)], env=env, cwd=ROOT
    ).returncode


@pytest.mark.parametrize("kill_at", [-1, 0, 1, 2, 3, 4])
def test_a_kill_at_any_step_of_the_switch_leaves_one_run(tmp_path, kill_at):
    out = tmp_path / "out"
    with OutputSet(out) as outs:
        for i in range(5):
            outs.text(f"file_{i}.txt", "old")
    assert _run_with_kill(out, "new", kill_at) == 9
    recover(out)  # what the next run into the folder does first
    contents = {(out / f"file_{i}.txt").read_text() for i in range(5)}
    assert contents == ({"old"} if kill_at == -1 else {"new"}), contents
    assert not (out / JOURNAL).exists()
    assert not [p for p in out.iterdir() if p.name.startswith(".heartgeo-tmp")]


def test_stale_temporary_folders_of_dead_runs_are_removed(tmp_path):
    out = tmp_path / "out"
    (out / ".heartgeo-tmp-dead").mkdir(parents=True)
    (out / ".heartgeo-tmp-dead" / ".owner-pid").write_text("999999999")
    (out / ".heartgeo-tmp-dead" / "big.bin").write_bytes(b"x" * 1000)
    (out / ".heartgeo-tmp-unowned").mkdir()
    lines = []
    with OutputSet(out, warn=lines.append) as outs:
        outs.text("a.txt", "a")
    assert sorted(p.name for p in out.iterdir()) == ["a.txt"]
    assert len(lines) == 2 and all("interrupted run" in line for line in lines)


def test_a_full_disk_is_a_one_line_error_and_keeps_the_earlier_outputs(tmp_path, monkeypatch):
    out = tmp_path / "out"
    with OutputSet(out) as outs:
        outs.text("a.txt", "old")

    def full(self, name, text, description=""):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(OutputSet, "text", full)
    from heartgeo.errors import InputError

    with pytest.raises(InputError, match="no space left on device"), OutputSet(out) as outs:
        outs.text("a.txt", "new")
    assert (out / "a.txt").read_text() == "old"
    assert sorted(p.name for p in out.iterdir()) == ["a.txt"]


def test_files_the_run_does_not_write_are_listed_as_stale(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    with OutputSet(out) as outs:
        outs.text("a.txt", "a")
        assert outs.stale() == ["notes.txt"]
    assert (out / "notes.txt").read_text() == "mine"


# --- every error is one line with exit 2 ------------------------------------------------


def _one_line(result):
    err = result.stderr.strip()
    assert result.exit_code == 2, result.output
    assert len(err.splitlines()) == 1 and err.startswith("heartgeo: error: "), err
    assert "Traceback" not in result.output
    return err


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["report", "--travel-model", "bogus"], "--travel-model"),
        (["report", "--crowfly-speed", "inf"], "--crowfly-speed inf"),
        (["report", "--circuity", "inf"], "--circuity inf"),
        (["report", "--pilot-beats", ""], "--pilot-beats"),
        (["report", "--bands", "5,x"], "--bands"),
        (["report", "--network", "/"], "--network"),
        (["report", "--cell-size", "-1"], "--cell-size -1.0"),
        (["report", "--workers", "0"], "--workers 0"),
        (["nonsense"], "No such command"),
    ],
)
def test_bad_options_are_one_line(args, needle):
    assert needle in _one_line(CliRunner().invoke(cli, args))


@pytest.mark.integration
@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--time-limit", "0"], "--time-limit 0"),
        (["--max-units", "0"], "--max-units 0"),
        (["--minutes", "inf"], "--minutes inf"),
        (["--busy", "nan", "--objective", "mexclp"], "--busy nan"),
    ],
)
def test_bad_site_options_are_one_line(tmp_path, args, needle):
    result = CliRunner().invoke(cli, [*SITE_ARGS, *args, "--out", str(tmp_path / "o")])
    assert needle in _one_line(result)


def test_check_of_a_malformed_summary_is_one_line(tmp_path):
    (tmp_path / "summary.json").write_text(json.dumps({"inputs": [{"name": 3}]}))
    err = _one_line(CliRunner().invoke(cli, ["report", "--check", str(tmp_path)]))
    assert "not a list of" in err


@pytest.mark.integration
@pytest.mark.parametrize("value", ["1e308", "Infinity", "-5", "NaN"])
def test_absurd_tract_populations_are_refused(tmp_path, value):
    import shutil

    from .conftest import DATA

    data = tmp_path / "data"
    for sub in ("boundaries", "census", "facilities", "roads"):
        shutil.copytree(DATA / sub, data / sub)
    path = data / "census" / "tracts_acs_2020_2024.geojson"
    doc = json.loads(path.read_text())
    doc["features"][0]["properties"]["total_population"] = float(value)
    path.write_text(json.dumps(doc))
    result = CliRunner().invoke(cli, ["coverage", "--data-dir", str(data), "--quiet"])
    err = _one_line(result)
    assert "total_population" in err and "np." not in err


def test_library_errors_are_value_errors_naming_the_parameter():
    from heartgeo.errors import InputError
    from heartgeo.siting.workflow import SiteOptions

    with pytest.raises(ValueError, match="time_limit_s 0"):
        SiteOptions(time_limit_s=0).validate()
    with pytest.raises(InputError) as err:
        SiteOptions(max_units=0).validate()
    assert err.value.param == "max_units"


# --- a user's sites are never dropped; messages that tell the truth ----------------------


def _points(tmp_path, layers):
    import geopandas as gpd
    import shapely

    path = tmp_path / "sites.gpkg"
    for name, rows in layers.items():
        gpd.GeoDataFrame(
            {"id": [r[0] for r in rows]},
            geometry=[shapely.Point(r[1], r[2]) if r[1] is not None else None for r in rows],
            crs="EPSG:4326",
        ).to_file(path, layer=name, driver="GPKG")
    return path


def test_a_file_with_several_layers_is_refused_unless_one_is_named(tmp_path):
    from heartgeo.errors import InputError
    from heartgeo.io.staging import read_staging

    path = _points(
        tmp_path,
        {"north": [("a", -78.90, 36.00)], "south": [("b", -78.91, 35.99), ("c", -78.9, 35.98)]},
    )
    with pytest.raises(InputError, match=r"has 2 layers \(north, south\)"):
        read_staging(path)
    assert list(read_staging(f"{path}:south")["id"]) == ["b", "c"]
    with pytest.raises(InputError, match="no layer 'east'"):
        read_staging(f"{path}:east")


def test_a_site_without_geometry_is_refused_by_name(tmp_path):
    from heartgeo.errors import InputError
    from heartgeo.io.staging import read_staging

    path = _points(tmp_path, {"sites": [("a", -78.90, 36.00), ("b", None, None)]})
    with pytest.raises(InputError, match="feature 1: no geometry"):
        read_staging(path)


def test_semicolon_separated_csv_is_read(tmp_path):
    from heartgeo.io.staging import read_staging

    path = tmp_path / "s.csv"
    path.write_text("id;lon;lat\nA;-78.9;36.0\n")
    assert list(read_staging(path)["id"]) == ["A"]


def test_candidate_file_errors_name_the_candidates(tmp_path):
    from heartgeo.errors import InputError
    from heartgeo.io.staging import read_staging

    with pytest.raises(InputError) as err:
        read_staging(tmp_path / "nope.csv", what="candidate sites")
    assert "candidate sites file" in str(err.value) and "--staging" not in str(err.value)


def test_values_in_messages_are_plain_and_printable():
    import numpy as np

    from heartgeo.errors import shown

    assert shown(np.int32(-1200)) == "-1200"
    assert shown("a\x00b") == "'a\\x00b'" and "\x00" not in shown(b"\x00")
    assert len(shown("x" * 500)) == 80


def test_a_point_on_a_vertex_or_an_edge_is_inside():
    import geopandas as gpd
    import shapely

    from heartgeo.io.staging import check_in_area

    area = shapely.box(0, 0, 10, 10)
    points = gpd.GeoDataFrame(
        {"id": ["v", "e"]}, geometry=[shapely.Point(0, 0), shapely.Point(5, 0)]
    )
    check_in_area(points, area, "test", "test.csv")  # raises if either is refused


# --- the cache is verified before it is trusted ------------------------------------------


def _cache(tmp_path, lines):
    from heartgeo.io.cache import Cache

    folder = tmp_path / "cache"
    folder.mkdir(mode=0o700)
    return Cache(folder=folder, warn=lines.append), folder


@pytest.mark.parametrize("where", [0.1, 0.5, 0.9])
def test_a_flipped_byte_anywhere_is_rebuilt_with_one_warning(tmp_path, where):
    lines = []
    cache, folder = _cache(tmp_path, lines)
    cache.put("blocks", "k", {"a": list(range(1000))})
    path = folder / "blocks-k.pickle"
    data = bytearray(path.read_bytes())
    data[int(len(data) * where)] ^= 0x01
    path.write_bytes(bytes(data))
    assert cache.get("blocks", "k") is None
    assert len(lines) == 1 and "damaged" in lines[0]
    assert not path.exists()


def test_an_entry_of_the_wrong_type_is_rebuilt(tmp_path):
    lines = []
    cache, _ = _cache(tmp_path, lines)
    cache.put("network", "k", ["not", "a", "network"])
    assert cache.get("network", "k", expected=dict) is None and len(lines) == 1


def test_a_cache_path_that_is_a_file_or_an_entry_that_is_a_folder(tmp_path):
    from heartgeo.io.cache import Cache

    lines = []
    plain = tmp_path / "cachefile"
    plain.write_text("x")
    cache = Cache(folder=plain, warn=lines.append)
    assert not cache.enabled and "not a folder" in lines[0]
    assert cache.get("network", "k") is None
    cache.put("network", "k", 1)  # no traceback

    lines.clear()
    cache, folder = _cache(tmp_path, lines)
    (folder / "network-k.pickle").mkdir()
    assert cache.get("network", "k") is None and "is a folder" in lines[0]
    cache.put("network", "k", 1)  # skipped, no traceback


def test_a_cache_folder_others_may_write_is_refused(tmp_path):
    from heartgeo.io.cache import Cache

    folder = tmp_path / "shared-cache"
    folder.mkdir()
    folder.chmod(0o777)
    lines = []
    cache = Cache(folder=folder, warn=lines.append)
    assert not cache.enabled and "others may write" in lines[0]


@pytest.mark.slow
def test_a_change_to_a_builder_changes_the_key(tmp_path):
    import shutil

    def key(package_root):
        code = (
            "from heartgeo.io.cache import make_key; "
            "print(make_key('blocks', network='n', buffer_m=100.0))"
        )
        env = dict(os.environ, PYTHONPATH=str(package_root))
        out = subprocess.run(
            [sys.executable, "-c", code], env=env, cwd=tmp_path, capture_output=True, text=True
        )
        assert out.returncode == 0, out.stderr
        return out.stdout.strip()

    copy = tmp_path / "copy"
    shutil.copytree(
        ROOT / "heartgeo", copy / "heartgeo", ignore=shutil.ignore_patterns("__pycache__")
    )
    shutil.copytree(ROOT / "data", copy / "data", ignore=shutil.ignore_patterns("__pycache__"))
    before = key(copy)
    with open(copy / "heartgeo" / "viz" / "maps.py", "a") as f:
        f.write("\n# not a builder of blocks\n")
    assert key(copy) == before
    with open(copy / "heartgeo" / "network" / "blocks.py", "a") as f:
        f.write("\n# a changed builder\n")
    assert key(copy) != before


@pytest.mark.integration
def test_a_damaged_cached_blocks_entry_changes_no_output(tmp_path, monkeypatch):
    from .compare_outputs import differences
    from .conftest import DATA

    monkeypatch.setenv("HEARTGEO_CACHE", str(tmp_path / "cache"))
    args = ["coverage", "--data-dir", str(DATA), "--travel-model", "network", "--cell-size", "600"]
    first = CliRunner().invoke(cli, [*args, "--quiet", "--out", str(tmp_path / "a")])
    assert first.exit_code == 0, first.output
    (entry,) = (tmp_path / "cache").glob("blocks-*.pickle")
    data = bytearray(entry.read_bytes())
    data[len(data) // 2] ^= 0x01
    entry.write_bytes(bytes(data))
    second = CliRunner().invoke(cli, [*args, "--out", str(tmp_path / "b")])
    assert second.exit_code == 0, second.output
    assert "cache entry blocks-" in second.stderr and "damaged" in second.stderr
    assert differences(tmp_path / "a", tmp_path / "b") == []


# --- bounded resources, refused early ---------------------------------------------------


def _sites_csv(path, n, seed=0):
    import numpy as np

    rng = np.random.default_rng(seed)
    lon, lat = rng.uniform(-78.93, -78.87, n), rng.uniform(35.97, 36.03, n)
    rows = "".join(f"u{i},{a:.6f},{b:.6f}\n" for i, (a, b) in enumerate(zip(lon, lat, strict=True)))
    path.write_text("id,lon,lat\n" + rows)
    return path


@pytest.mark.integration
def test_a_cell_size_that_would_exhaust_memory_is_refused_before_any_work(tmp_path):
    import time

    start = time.perf_counter()
    args = ["report", "--cell-size", "1", "--quiet", "--out", str(tmp_path / "o")]
    result = CliRunner().invoke(cli, args)
    err = _one_line(result)
    assert "--cell-size 1" in err and "--max-cells" in err and "at least" in err
    assert time.perf_counter() - start < 60  # refused after reading the boundaries only
    assert not (tmp_path / "o").exists()


@pytest.mark.integration
def test_too_many_units_are_refused_with_the_option_that_raises_the_limit(tmp_path):
    staging = _sites_csv(tmp_path / "many.csv", 600)
    args = ["coverage", "--staging", str(staging), "--quiet", "--out", str(tmp_path / "o")]
    err = _one_line(CliRunner().invoke(cli, args))
    assert "600 sites" in err and "--unit-limit" in err


@pytest.mark.integration
def test_per_unit_outputs_stop_at_the_limit_and_bands_stay_whole(tmp_path):
    staging = _sites_csv(tmp_path / "sixty.csv", 60)
    base = ["isochrones", "--staging", str(staging), "--cell-size", "800", "--quiet"]
    few = CliRunner().invoke(cli, [*base, "--out", str(tmp_path / "few")])
    assert few.exit_code == 0, few.output
    names = {p.name for p in (tmp_path / "few").iterdir()}
    assert "isochrones_citywide.geojson" in names
    assert "isochrones_citywide_units.geojson" not in names
    many = CliRunner().invoke(
        cli, [*base, "--per-unit-limit", "60", "--out", str(tmp_path / "all")]
    )
    assert many.exit_code == 0, many.output
    assert (tmp_path / "all" / "isochrones_citywide_units.geojson").exists()
    # the dissolved bands do not depend on whether per-unit polygons were built
    a = (tmp_path / "few" / "isochrones_citywide.geojson").read_bytes()
    assert (tmp_path / "all" / "isochrones_citywide.geojson").read_bytes() == a


@pytest.mark.integration
def test_five_thousand_units_make_dissolved_bands_in_bounded_memory(tmp_path):
    import resource

    import numpy as np
    from pyproj import Transformer

    from heartgeo.network import load_network

    from .conftest import CENTRAL_OSM

    net = load_network(CENTRAL_OSM)  # units on its nodes: every one snaps
    pick = np.random.default_rng(0).integers(0, net.n_nodes, 5000)
    lon, lat = Transformer.from_crs(32119, 4326, always_xy=True).transform(*net.xy[pick].T)
    staging = tmp_path / "5000.csv"
    rows = "".join(f"u{i},{a:.7f},{b:.7f}\n" for i, (a, b) in enumerate(zip(lon, lat, strict=True)))
    staging.write_text("id,lon,lat\n" + rows)
    out = tmp_path / "o"
    code = (
        "import sys, resource; from heartgeo.cli import cli; "
        "rc = cli.main(sys.argv[1:], standalone_mode=False); "
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"
    )
    args = ["isochrones", "--staging", str(staging), "--unit-limit", "5000", "--quiet"]
    args += ["--travel-model", "network", "--out", str(out)]
    run = subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
        cwd=tmp_path,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    peak_mb = int(run.stdout.split()[-1]) / 1024
    assert peak_mb < 2000, peak_mb
    assert (out / "isochrones_citywide.geojson").stat().st_size < 20e6
    assert not (out / "isochrones_citywide_units.geojson").exists()
    del resource
