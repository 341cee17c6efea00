"""The fast isochrone path: the travel-time grid and the polygons traced on it."""

import json

import numpy as np
import pytest
import shapely
from click.testing import CliRunner
from scipy import ndimage

from heartgeo.analysis.isochrones import band_polygons, grid_bands, nested_bands
from heartgeo.analysis.routing import node_travel_times
from heartgeo.cli import cli
from heartgeo.network.timegrid import NEVER, disk_minimum, disk_rectangles
from heartgeo.testing.synthetic import synthetic_grid
from heartgeo.travel.network import NetworkModel

from .conftest import DATA


def _lattice_disk(radius: float) -> np.ndarray:
    r = int(radius)
    i, j = np.mgrid[-r : r + 1, -r : r + 1]
    return i**2 + j**2 <= radius**2


@pytest.mark.parametrize("radius", [0.0, 1.0, 2.5, 5.0, 7.3])
def test_rectangles_make_the_lattice_disk(radius):
    disk = _lattice_disk(radius)
    r = disk.shape[0] // 2
    union = np.zeros_like(disk)
    for a, b in disk_rectangles(radius):
        union[r - b : r + b + 1, r - a : r + a + 1] = True
    assert (union == disk).all()


@pytest.mark.parametrize(
    ("shape", "radius"),
    [((40, 57), 5.0), ((3, 30), 4.0), ((25, 2), 3.5), ((31, 44), 9.3), ((12, 12), 1.0)],
)
def test_disk_minimum_matches_a_brute_force_filter(shape, radius):
    grid = np.random.default_rng(1).integers(0, 9000, size=shape).astype(np.uint16)
    grid[grid > 7000] = NEVER
    want = ndimage.minimum_filter(
        grid, footprint=_lattice_disk(radius), mode="constant", cval=int(NEVER)
    )
    got = disk_minimum(grid, disk_rectangles(radius))
    assert got.dtype == np.uint16
    assert (got == want).all()


@pytest.fixture(scope="module")
def origin_times(central_net):
    return node_travel_times(central_net, np.array([0, 120]), per_source=True)


def test_each_cell_takes_its_earliest_road_sample_exactly():
    """The field before the disk filter equals a brute force over every sample point (every
    half cell along every directed road, and every node), whatever grouping the grid keeps.
    """
    from heartgeo.geometry import distance_along

    net = synthetic_grid(600, seed=4)
    grid = net.time_grid(60.0)
    times = node_travel_times(net, np.array([5]), per_source=True)[0]
    (minx, miny), c = grid.origin, grid.cell_m
    rows, cols = grid.shape
    xy, edge = shapely.get_coordinates(shapely.segmentize(net.geometry, c / 2), return_index=True)
    along = distance_along(xy, edge)
    t = times[net.u[edge]] + np.clip(along / net.length_m[edge], 0, 1) * net.time_s[edge]
    xy, t = np.r_[xy, net.xy], np.r_[t, times]
    col = np.clip(np.floor((xy[:, 0] - minx) / c), 0, cols - 1).astype(int)
    row = np.clip(np.floor((xy[:, 1] - miny) / c), 0, rows - 1).astype(int)
    brute = np.full(rows * cols, np.inf)
    np.minimum.at(brute, row * cols + col, t)
    # the grid's own earliest time per cell, read through field() with no disk
    flat = np.full(rows * cols, np.inf)
    no_disk = type(grid)(
        **{**grid.__dict__, "rectangles": ((0, 0),), "outside": np.zeros_like(grid.outside)}
    )
    limit = float(np.nanmax(np.where(np.isfinite(t), t, np.nan)))
    window, c0, r0 = no_disk.field(times, limit)
    r, k = np.nonzero(window < NEVER)
    flat[(r + r0) * cols + (k + c0)] = window[r, k] / no_disk.scale(limit)
    want = np.ceil(brute * no_disk.scale(limit)) / no_disk.scale(limit)
    want[want > limit] = np.inf
    assert grid.pairs > 0 and np.array_equal(flat, want)


@pytest.mark.integration
def test_cell_times_are_bounded_by_the_exact_rule(central_net, origin_times):
    """A cell's time lies between the exact times of its centre with a buffer a cell and a
    half narrower and a cell wider: the samples are half a cell apart and a sample sits at
    most half a cell diagonal from its cell's centre.
    """
    buffer_m = 100.0
    grid = central_net.time_grid(buffer_m)
    c = grid.cell_m
    limit = 300.0
    window, c0, r0 = grid.field(origin_times[1], limit)
    rows, cols = np.nonzero(window < NEVER)
    pick = np.random.default_rng(3).choice(len(rows), size=min(3000, len(rows)), replace=False)
    rows, cols = rows[pick], cols[pick]
    xy = np.c_[
        grid.origin[0] + (c0 + cols + 0.5) * c,
        grid.origin[1] + (r0 + rows + 0.5) * c,
    ]
    cell_s = window[rows, cols] / grid.scale(limit)
    wider = NetworkModel(central_net, buffer_m=buffer_m + c).point_times(origin_times[1], xy)
    narrower = NetworkModel(central_net, buffer_m=buffer_m - 1.5 * c)
    narrow = narrower.point_times(origin_times[1], xy)
    assert (wider <= cell_s + 1e-6).all()
    assert (cell_s <= np.where(np.isfinite(narrow), narrow, np.inf) + 0.1 + 1e-6).all()
    # and the grid is not trivially loose: most cells are close to the exact time
    exact = NetworkModel(central_net, buffer_m=buffer_m).point_times(origin_times[1], xy)
    close = np.abs(cell_s - exact) <= 5.0
    assert close[np.isfinite(exact)].mean() > 0.9


@pytest.mark.integration
@pytest.mark.parametrize("row", [0, 1])
def test_fast_bands_follow_the_exact_polygons_within_two_cells(central_net, origin_times, row):
    buffer_m, seconds = 100.0, [120.0, 240.0, 360.0]
    fast = grid_bands(central_net, origin_times[row], seconds, buffer_m)
    exact = nested_bands(central_net, origin_times[row], seconds, buffer_m)
    margin = 2 * central_net.time_grid(buffer_m).cell_m
    for f, e in zip(fast, exact, strict=True):
        assert shapely.is_valid(f) and f.area > 0
        assert shapely.area(shapely.difference(f, shapely.buffer(e, margin))) < 1.0
        assert shapely.area(shapely.difference(shapely.buffer(e, -margin), f)) < 1.0
        assert abs(f.area - e.area) / e.area < 0.05
        assert shapely.area(shapely.difference(f, shapely.buffer(central_net.extent, 1.0))) < 1.0
    for small, large in zip(fast, fast[1:], strict=False):
        assert shapely.area(shapely.difference(small, large)) < 1e-6


@pytest.mark.integration
def test_fast_bands_are_faithful_to_the_rule_on_random_points(central_net, origin_times):
    """Points inside a fast band are within its time by the exact rule, and points within
    it are inside, except near the edges: under 3 % either way.
    """
    model = NetworkModel(central_net, buffer_m=100.0)
    rng = np.random.default_rng(8)
    minx, miny, maxx, maxy = central_net.extent.bounds
    xy = np.c_[rng.uniform(minx, maxx, 20000), rng.uniform(miny, maxy, 20000)]
    truth = model.point_times(origin_times[0], xy)
    known = ~np.isnan(truth)
    for band, seconds in zip(
        grid_bands(central_net, origin_times[0], [180.0, 300.0], 100.0), [180.0, 300.0], strict=True
    ):
        inside = known & shapely.contains_xy(band, xy[:, 0], xy[:, 1])
        within = known & (truth <= seconds)
        assert inside.sum() > 500 and within.sum() > 500
        assert (inside & ~within).sum() / inside.sum() < 0.03
        assert (within & ~inside).sum() / within.sum() < 0.03


def test_nothing_reached_draws_empty_bands():
    net = synthetic_grid(400, seed=2)
    none = np.full(net.n_nodes, np.inf)
    assert all(p.is_empty for p in grid_bands(net, none, [60.0, 120.0], 100.0))
    # a source alone draws the disk around it (in the extent), as the exact polygon does
    alone = none.copy()
    alone[5] = 0.0
    (band,) = grid_bands(net, alone, [0.0], 100.0)
    (exact,) = nested_bands(net, alone, [0.0], 100.0)
    margin = 2 * net.time_grid(100.0).cell_m
    assert shapely.area(shapely.difference(band, shapely.buffer(exact, margin))) < 1.0
    assert shapely.area(shapely.difference(shapely.buffer(exact, -margin), band)) < 1.0
    assert shapely.contains_xy(band, *net.xy[5])


def test_bad_method_names_the_choices():
    net = synthetic_grid(400, seed=2)
    with pytest.raises(ValueError, match="method='grid'.*exact, fast"):
        band_polygons(net, [np.zeros(net.n_nodes)], [60.0], 100.0, method="grid")


@pytest.mark.integration
def test_fast_polygons_are_labelled_in_summary_and_map(tmp_path):
    out = tmp_path / "out"
    args = ["map", "--data-dir", str(DATA), "--cell-size", "500", "--quiet", "--out", str(out)]
    result = CliRunner().invoke(
        cli,
        [*args, "--travel-model", "network", "--polygons", "fast", "--bands", "2,4"],
    )
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "summary.json").read_text())
    assert summary["parameters"]["isochrone_polygons"] == "fast"
    assert "(network drive times, fast polygons)" in summary["headline"]
    assert summary["travel_model"]["polygons"] == "fast"
    page = next(out.glob("map_*.html")).read_text()
    assert "Fast polygons: traced on a 20 m travel-time grid" in page
