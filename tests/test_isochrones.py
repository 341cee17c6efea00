import networkx as nx
import numpy as np
import pytest
import shapely
from shapely.ops import substring

from heartgeo.analysis.isochrones import band_polygon, line_prefixes
from heartgeo.analysis.routing import node_travel_times


def test_line_prefixes_match_shapely_substring():
    rng = np.random.default_rng(7)
    lines = np.array(
        [shapely.LineString(rng.random((k, 2)) * 100) for k in rng.integers(2, 7, 300)],
        dtype=object,
    )
    frac = rng.random(300)
    frac[:10] = 1.0
    ours = line_prefixes(lines, frac)
    for got, line, f in zip(ours, lines, frac, strict=True):
        expected = substring(line, 0, f * line.length)
        assert got.length == pytest.approx(expected.length, abs=1e-9)
        assert got.hausdorff_distance(expected) < 1e-9


def _densified_times(net, times, step=2.0):
    """Points every ``step`` metres along every edge with their reach time."""
    pts, tt = [], []
    for g, u, t_e in zip(net.geometry, net.u, net.time_s, strict=True):
        n = max(int(g.length // step), 1)
        s = np.linspace(0, 1, n + 1)
        xy = shapely.get_coordinates(shapely.line_interpolate_point(g, s, normalized=True))
        pts.append(xy)
        tt.append(times[u] + s * t_e)
    return np.concatenate(pts), np.concatenate(tt)


@pytest.mark.integration
@pytest.mark.parametrize("minutes", [0.5, 1.0, 2.0])
def test_sampled_points_reachable_within_band(central_net, nx_graph, minutes):
    sources = [10]
    ref = nx.multi_source_dijkstra_path_length(nx_graph, sources, weight="w")
    times = np.array([ref.get(i, np.inf) for i in range(central_net.n_nodes)])
    buffer_m = 60.0
    poly = band_polygon(
        central_net, node_travel_times(central_net, np.array(sources)), minutes * 60, buffer_m
    )
    assert not poly.is_empty
    xy, tt = _densified_times(central_net, times)
    reached = xy[tt <= minutes * 60 + 1e-6]
    from scipy.spatial import cKDTree

    tree = cKDTree(reached)
    rng = np.random.default_rng(1)
    minx, miny, maxx, maxy = poly.bounds
    cand = np.c_[rng.uniform(minx, maxx, 20000), rng.uniform(miny, maxy, 20000)]
    inside = cand[shapely.contains_xy(poly, cand[:, 0], cand[:, 1])][:1500]
    assert len(inside) > 100
    dist, _ = tree.query(inside)
    # allowed: the buffer width plus the densification step
    assert dist.max() <= buffer_m + 2.0
    # and unreached road points far from any reached one are outside the polygon
    unreached = xy[tt > minutes * 60 + 5]
    far = unreached[tree.query(unreached)[0] > buffer_m + 5]
    assert not shapely.contains_xy(poly, far[:, 0], far[:, 1]).any()


@pytest.mark.integration
def test_bands_nested_and_not_convex_hulls(central_net):
    times = node_travel_times(central_net, np.array([10]))
    polys = [band_polygon(central_net, times, m * 60, 50.0) for m in (0.5, 1, 2, 3)]
    for small, big in zip(polys, polys[1:], strict=False):
        assert shapely.difference(small, big.buffer(1e-6)).area < 1e-6 * max(small.area, 1)
    largest = polys[-1]
    assert largest.area < 0.9 * largest.convex_hull.area
    assert shapely.within(largest, central_net.extent.buffer(1e-6))


@pytest.mark.integration
def test_dissolved_bands_equal_the_polygon_of_nearest_unit_times(central_net):
    import geopandas as gpd

    from heartgeo.analysis.isochrones import nested_bands, network_isochrones

    nodes = np.array([10, 60, 150])
    units = gpd.GeoDataFrame({"id": ["a", "b", "c"], "node": nodes})
    bands, per_unit = network_isochrones(central_net, units, (1.0, 2.0), 50.0)
    assert len(per_unit) == 6
    nearest = node_travel_times(central_net, nodes)
    direct = nested_bands(central_net, nearest, [60.0, 120.0], 50.0)
    # chords and GEOS's 1 % line simplification: the union of the units' polygons
    # matches the dissolved band up to this
    slack = 50.0 * (1 - np.cos(np.pi / 16) + 0.02)
    for minutes, got, want in zip(bands["minutes"], bands.geometry, direct, strict=True):
        assert got.equals_exact(want, 0)
        mine = shapely.union_all(per_unit[per_unit["minutes"] == minutes].geometry.to_numpy())
        assert shapely.difference(mine, got.buffer(slack)).area < 1e-6 * got.area
        assert shapely.difference(got, mine.buffer(slack)).area < 1e-6 * got.area


@pytest.mark.integration
def test_unit_polygons_are_reused_through_the_memo(central_net, monkeypatch):
    import geopandas as gpd

    from heartgeo.analysis import isochrones

    memo: dict = {}
    one = gpd.GeoDataFrame({"id": ["a"], "node": [10]})
    first, _ = isochrones.network_isochrones(central_net, one, (1.0, 2.0), 50.0, memo=memo)
    assert len(memo) == 1  # one unit, its two bands
    built = []
    real = isochrones.band_polygons
    monkeypatch.setattr(
        isochrones,
        "band_polygons",
        lambda net, rows, seconds, b, w, m: (
            built.append(len(rows)) or real(net, rows, seconds, b, w, m)
        ),
    )
    two = gpd.GeoDataFrame({"id": ["x", "a"], "node": [60, 10]})
    _, per_unit = isochrones.network_isochrones(central_net, two, (1.0, 2.0), 50.0, memo=memo)
    assert built == [2]  # the new site's bands and the dissolved ones, not unit a's again
    assert len(memo) == 2
    again = per_unit[per_unit["unit"] == "a"].geometry.to_numpy()
    assert all(g.equals_exact(f, 0) for g, f in zip(again, first.geometry, strict=True))


@pytest.mark.integration
@pytest.mark.parametrize("minutes", [1, 2, 5])
def test_polygons_and_cells_share_one_definition_of_covered(central_net, minutes):
    """A point inside the T-minute polygon is within T minutes by the rule the demand cells
    and the siting use, and a point outside is not (up to the arcs drawn as chords).
    """
    from heartgeo.travel.network import NetworkModel

    model = NetworkModel(central_net, buffer_m=100.0)
    times = node_travel_times(central_net, np.array([10]))
    poly = band_polygon(central_net, times, minutes * 60, 100.0)
    rng = np.random.default_rng(minutes)
    minx, miny, maxx, maxy = poly.bounds
    xy = np.c_[rng.uniform(minx, maxx, 20000), rng.uniform(miny, maxy, 20000)]
    inside = shapely.contains_xy(poly, xy[:, 0], xy[:, 1])
    t_in = model.point_times(times, xy[inside])
    t_out = model.point_times(times, xy[~inside])
    assert inside.sum() > 1000
    assert np.mean(t_in > minutes * 60 + 1e-6) < 0.002  # was 25.6 % with a 10 km/h access leg
    assert np.mean(t_out <= minutes * 60 - 1) < 0.005
