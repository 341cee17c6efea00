"""Isochrones assembled from whole blocks equal the direct union of buffered pieces."""

import numpy as np
import pytest
import shapely

from heartgeo.analysis.isochrones import _reached, band_polygon, reached_fractions, reached_pieces
from heartgeo.analysis.routing import node_travel_times
from heartgeo.testing.synthetic import network_from_lines, synthetic_grid


def _direct(net, times, seconds, buffer_m):
    """The isochrone by definition: every reached piece buffered, one union, in the extent."""
    pieces = reached_pieces(net, times, seconds)
    poly = shapely.union_all(shapely.buffer(pieces, buffer_m, quad_segs=4))
    return shapely.intersection(poly, net.extent)


def _slack(buffer_m):
    # arcs are chords (16 a circle) drawn from different angles in the two constructions,
    # and GEOS simplifies buffered lines by 1 % of the distance (either way)
    return buffer_m * (1 - np.cos(np.pi / 16) + 0.02)


def _check(net, times, seconds, buffer_m):
    got = band_polygon(net, times, seconds, buffer_m)
    want = _direct(net, times, seconds, buffer_m)
    assert shapely.is_valid(got)
    # each lies within the other grown by the slack (a gap narrower than the slack
    # between two buffers may be closed: the vertex Hausdorff distance can be large)
    slack = _slack(buffer_m)
    assert shapely.difference(got, shapely.buffer(want, slack)).area < 1e-6 * want.area
    assert shapely.difference(want, shapely.buffer(got, slack)).area < 1e-6 * want.area
    # differences are slivers along the outline, never whole areas
    diff = shapely.area(shapely.symmetric_difference(got, want))
    assert diff <= _slack(buffer_m) * shapely.length(want)
    road_full = _reached(net, reached_fractions(net, times, seconds))
    return int(net.blocks(buffer_m).whole(road_full).sum())


@pytest.mark.parametrize("buffer_m", [25.0, 80.0])
def test_synthetic_grid_blocks_match_direct_union(buffer_m):
    net = synthetic_grid(3000, seed=3)
    times = node_travel_times(net, np.array([5, 1500, 2900]), limit_s=900)
    used = [_check(net, times, m * 60, buffer_m) for m in (2, 5, 10)]
    assert used[-1] > 50  # the block path is exercised, not only the frontier


@pytest.mark.integration
def test_real_network_blocks_match_direct_union(central_net):
    for sources in ([10], [40, 150]):
        times = node_travel_times(central_net, np.array(sources))
        used = [_check(central_net, times, m * 60, 50.0) for m in (0.5, 1.5, 3, 10)]
        assert used[-1] > 0


def _ring(corners):
    return [
        shapely.LineString([a, b])
        for a, b in zip(corners, np.roll(corners, -1, axis=0), strict=True)
    ]


def _grid_lines(n: int) -> list:
    """The roads of an n x n grid of 200 m blocks, one LineString per block side."""
    lines = []
    for k in range(n + 1):
        lines += [
            shapely.LineString([(k * 200, j * 200), (k * 200, j * 200 + 200)]) for j in range(n)
        ]
        lines += [
            shapely.LineString([(j * 200, k * 200), (j * 200 + 200, k * 200)]) for j in range(n)
        ]
    return lines


def _awkward_lines():
    """A 5 x 5 block grid (200 m) with a diagonal on a bridge (crossing without nodes), a
    dead end and a curved cul-de-sac inside blocks, an island loop linked by one road, and
    a loop nobody can reach.
    """
    lines = _grid_lines(5)
    lines.append(shapely.LineString([(0, 0), (1000, 1000)]))  # bridge over every crossing
    lines.append(shapely.LineString([(400, 200), (430, 260), (470, 280)]))  # dead end
    lines.append(shapely.LineString([(600, 400), (640, 450), (700, 470), (740, 430)]))
    square = [(650, 650), (750, 650), (750, 750), (650, 750)]
    lines += _ring(square)
    lines.append(shapely.LineString([(600, 600), (650, 650)]))  # the island's only link
    far = [(820, 120), (880, 120), (880, 180), (820, 180)]
    lines += _ring(far)
    return lines


@pytest.mark.parametrize("buffer_m", [25.0, 60.0])
def test_bridges_dead_ends_islands_and_extent(buffer_m):
    lines = _awkward_lines()
    for extent in (None, shapely.box(-50, -50, 700, 1050)):
        net = network_from_lines(lines, extent=extent)
        start = net.nearest_nodes(np.array([[0.0, 0.0]]))[0]
        times = node_travel_times(net, start)
        used = [_check(net, times, s, buffer_m) for s in (20, 40, 60, 90, 600)]
        assert used[-1] > 5


def test_blocks_keep_holes_far_from_roads():
    net = network_from_lines(_awkward_lines())
    blocks = net.blocks(30.0)
    roads = shapely.union_all(net.roads())
    holes = blocks.holes
    assert len(holes) > 10
    # every hole is farther than the buffer from every road (up to the arc chords)
    assert shapely.distance(holes, roads).min() >= 30.0 * np.cos(np.pi / 16) - 1e-6
    # the dead end, the cul-de-sac and the bridge cut into the holes of their blocks
    assert not shapely.intersects(holes, shapely.LineString([(400, 200), (470, 280)])).any()
    assert not shapely.intersects(holes, shapely.LineString([(0, 0), (1000, 1000)])).any()


def test_blocks_survive_the_cache(tmp_path):
    from heartgeo.io.cache import Cache

    net = network_from_lines(_awkward_lines())
    cache = Cache(folder=tmp_path)
    cache.put("blocks", "k", net.blocks(30.0))
    again = network_from_lines(_awkward_lines())
    again.use_blocks(cache.get("blocks", "k"))
    times = node_travel_times(net, np.array([0]))
    for seconds in (30, 60, 600):
        got = band_polygon(again, times, seconds, 30.0)
        assert got.equals_exact(band_polygon(net, times, seconds, 30.0), 0)


def test_frontier_islands_amid_whole_blocks():
    """Blocks left unfinished amid whole ones (a slow road reached from both ends, not in
    the middle): the frontier around them is an island whose outline lies in whole
    blocks and is dropped, while its holes (the unfinished blocks' far parts) stay holes.
    """
    lines = _grid_lines(11)
    road = shapely.LineString([(1000, 1000), (1000, 1200)])
    net = network_from_lines(lines, speed_kmh=[1.0 if g.equals(road) else 40.2 for g in lines])
    start = net.nearest_nodes(np.array([[0.0, 0.0]]))[0]
    times = node_travel_times(net, start)
    seconds = 450.0  # everything reached but the slow road's middle
    # 121 blocks; the 6 that touch the slow road (2 along it, 4 at its ends) are unfinished
    assert _check(net, times, seconds, 60.0) == 115
    from heartgeo.analysis.isochrones import _pieces

    blocks, frac = net.blocks(60.0), reached_fractions(net, times, seconds)
    whole = blocks.whole(_reached(net, frac))
    pieces = _pieces(net, times, frac, _reached(net, frac), blocks.frontier(whole))
    frontier = shapely.union_all(shapely.buffer(pieces, 60.0, quad_segs=4))
    shells = shapely.get_exterior_ring(shapely.get_parts(frontier))
    inside = blocks.in_whole(whole, shapely.get_point(shells, 0))
    assert len(shells) == 2 and inside.sum() == 1  # the island's outline lies in whole blocks
    outline = blocks.outline(whole, frontier)
    assert outline.geom_type == "Polygon" and shapely.get_num_interior_rings(outline) == 6
    got = band_polygon(net, times, seconds, 60.0)
    assert got.geom_type == "Polygon"
    # an unfinished block's far part stays a hole, and so does a whole block's
    assert not got.contains(shapely.Point(900, 900))
    assert not got.contains(shapely.Point(100, 100))
    assert got.contains(shapely.Point(1000, 1030)) and got.contains(shapely.Point(600, 600))
