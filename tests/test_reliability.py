"""Properties that must hold for any input, reproducibility, and the input check."""

import json
import shutil

import numpy as np
import pytest
import shapely
from click.testing import CliRunner
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from heartgeo.analysis.demand import allocate_population
from heartgeo.analysis.isochrones import band_polygon
from heartgeo.analysis.routing import node_travel_times
from heartgeo.analysis.zonetable import zone_table
from heartgeo.cli import cli

from .conftest import DATA

PROPS = settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
FAST = ["--data-dir", str(DATA), "--travel-model", "network", "--cell-size", "600", "--quiet"]


@pytest.mark.integration
@PROPS
@given(data=st.data())
def test_adding_a_unit_never_lowers_coverage(study, data):
    net, grid = study.net, study.grid
    nodes = data.draw(
        st.lists(st.integers(0, net.n_nodes - 1), min_size=1, max_size=4, unique=True)
    )
    extra = data.draw(st.integers(0, net.n_nodes - 1))
    minutes = data.draw(st.sampled_from([0.5, 1.0, 2.0]))
    known = grid.layer(net.extent)
    zone = grid.zone(study.boundaries.city)
    before = grid.measure(
        grid.layer(band_polygon(net, node_travel_times(net, np.array(nodes)), minutes * 60, 100)),
        zone,
    )
    after = grid.measure(
        grid.layer(
            band_polygon(net, node_travel_times(net, np.array([*nodes, extra])), minutes * 60, 100)
        ),
        zone,
    )
    for b, a in zip(before, after, strict=True):
        assert a >= b - 1e-6 * max(b, 1.0)
    # never more than the known part of the city
    k = grid.measure(known, zone)
    assert after[0] <= k[0] * (1 + 1e-9) + 1e-6 and after[1] <= k[1] * (1 + 1e-9) + 1e-6


@PROPS
@given(
    nodes=st.lists(st.integers(0, 190), min_size=1, max_size=3, unique=True),
    small=st.floats(0.1, 3.0),
    extra=st.floats(0.01, 3.0),
)
@pytest.mark.integration
@example(nodes=[40], small=0.1015625, extra=1.0)  # a cap in one band, a join in the next
def test_band_polygon_inside_any_larger_band(central_net, nodes, small, extra):
    import geopandas as gpd

    from heartgeo.analysis.isochrones import network_isochrones

    # one polygon by itself: nested up to the buffer's approximation -- arcs drawn as
    # chords (16 a circle) and GEOS simplifying the buffered line by 1 % of the distance
    times = node_travel_times(central_net, np.array(nodes))
    inner = band_polygon(central_net, times, small * 60, 80.0)
    outer = band_polygon(central_net, times, (small + extra) * 60, 80.0)
    slack = 1.5 * 80.0 * (1 - np.cos(np.pi / 16) + 0.01)  # 2.3 m, with margin
    assert shapely.difference(inner, outer.buffer(slack)).area <= 1e-6 * inner.area
    # what heartgeo writes: exactly nested, per unit and dissolved
    units = gpd.GeoDataFrame({"id": [str(n) for n in nodes], "node": nodes})
    bands, per_unit = network_isochrones(central_net, units, (small, small + extra), 80.0)
    for frame in (bands, *(g for _, g in per_unit.groupby("unit"))):
        inner, outer = frame.sort_values("minutes").geometry
        assert shapely.difference(inner, outer).area <= 1e-6 * max(inner.area, 1.0)


@pytest.mark.integration
@PROPS
@given(data=st.data())
def test_shares_stay_between_zero_and_one(study, data):
    nodes = data.draw(
        st.lists(st.integers(0, study.net.n_nodes - 1), min_size=1, max_size=3, unique=True)
    )
    grid = study.grid
    times = node_travel_times(study.net, np.array(nodes))
    bands = {m: grid.layer(band_polygon(study.net, times, m * 60, 100)) for m in (1.0, 3.0)}
    minutes = (
        study.model.point_times(times, np.c_[study.demand.cells["cx"], study.demand.cells["cy"]])
        / 60
    )
    zones = [("area", "city", study.boundaries.city)] + [
        ("beat", str(b), g)
        for b, g in zip(
            study.boundaries.beats["beat"][:6], study.boundaries.beats.geometry[:6], strict=True
        )
    ]
    table = zone_table(grid, zones, grid.layer(study.net.extent), bands, minutes)
    shares = table[[c for c in table.columns if "share" in c]].to_numpy(dtype=float)
    shares = shares[~np.isnan(shares)]
    assert ((shares >= 0) & (shares <= 1)).all()


@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    x=st.floats(606000, 625000),
    y=st.floats(238000, 258000),
    w=st.floats(500, 6000),
    h=st.floats(500, 6000),
    cell=st.floats(150, 900),
)
@pytest.mark.integration
def test_population_conserved_by_allocation(boundaries, central_net, x, y, w, h, cell):
    area = shapely.box(x, y, x + w, y + h)
    demand = allocate_population(
        boundaries.tracts,
        area,
        cell,
        residential_roads=central_net.residential_roads(),
        known_extent=central_net.extent,
    )
    t = demand.tracts
    np.testing.assert_allclose(t["allocated"] + t["outside"], t["population"], rtol=1e-9, atol=1e-6)
    assert demand.cells["population"].sum() == pytest.approx(
        t["allocated"].sum(), rel=1e-9, abs=1e-6
    )
    assert (demand.cells["population"] >= 0).all()


@pytest.mark.integration
def test_same_inputs_give_identical_outputs(tmp_path):
    outs = []
    for name in ("a", "b"):
        out = tmp_path / name
        result = CliRunner().invoke(cli, ["report", *FAST, "--no-cache", "--out", str(out)])
        assert result.exit_code == 0, result.output
        outs.append(out)
    names = sorted(p.name for p in outs[0].iterdir())
    assert names == sorted(p.name for p in outs[1].iterdir())
    for name in names:
        a, b = (outs[0] / name).read_bytes(), (outs[1] / name).read_bytes()
        if name == "summary.json":
            ja, jb = json.loads(a), json.loads(b)
            assert ja.pop("created") and jb.pop("created")
            assert ja == jb
        else:
            assert a == b, name


@pytest.mark.integration
def test_check_reports_changed_inputs(tmp_path):
    data = tmp_path / "data"
    for sub in ("boundaries", "census", "facilities", "roads"):
        shutil.copytree(DATA / sub, data / sub)
    out = tmp_path / "out"
    args = ["report", "--data-dir", str(data), "--cell-size", "600", "--quiet", "--out", str(out)]
    assert CliRunner().invoke(cli, args).exit_code == 0
    same = CliRunner().invoke(cli, ["report", "--check", str(out)])
    assert same.exit_code == 0, same.output
    assert "all 8 inputs are unchanged" in same.stderr  # with the 2020 counts
    with open(data / "boundaries" / "police_beats_2022.geojson", "a") as f:
        f.write("\n")
    (data / "census" / "tracts_acs_2020_2024.geojson").unlink()
    changed = CliRunner().invoke(cli, ["report", "--check", str(out)])
    assert changed.exit_code == 1
    assert "CHANGED  police_beats" in changed.stderr
    assert "MISSING  tracts" in changed.stderr
    assert "2 of 8 inputs differ" in changed.stderr
    missing = CliRunner().invoke(cli, ["report", "--check", str(tmp_path / "nowhere")])
    assert missing.exit_code == 2 and "summary.json does not exist" in missing.stderr


@pytest.mark.slow
def test_fuzzing_the_readers_finds_no_traceback():
    from heartgeo.testing.fuzz import run

    assert run(examples=300) >= 300  # a count, not a time: the same work on any machine
