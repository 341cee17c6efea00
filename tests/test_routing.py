import networkx as nx
import numpy as np
import pytest

from heartgeo.analysis.routing import node_travel_times
from heartgeo.travel.crowfly import calibrate_crowfly

from .conftest import assert_drivable


@pytest.mark.integration
def test_network_loaded_as_drive_graph(central_net):
    assert central_net.n_nodes > 150
    assert_drivable(central_net.highway)
    assert np.all(central_net.time_s > 0)
    # largest strongly connected component: every node reaches every other
    times = node_travel_times(central_net, np.array([0]))
    assert np.isfinite(times).all()


@pytest.mark.integration
@pytest.mark.parametrize("sources", [[0], [5, 50, 120], list(range(0, 200, 25))])
def test_multi_source_times_equal_networkx_dijkstra(central_net, nx_graph, sources):
    ours = node_travel_times(central_net, np.array(sources))
    ref = nx.multi_source_dijkstra_path_length(nx_graph, sources, weight="w")
    expected = np.array([ref.get(i, np.inf) for i in range(central_net.n_nodes)])
    np.testing.assert_allclose(ours, expected, rtol=1e-9, atol=1e-6)


@pytest.mark.integration
def test_per_source_times_equal_networkx_with_limit(central_net, nx_graph):
    sources = np.array([3, 77])
    ours = node_travel_times(central_net, sources, limit_s=120.0, per_source=True)
    for row, s in zip(ours, sources, strict=True):
        ref = nx.single_source_dijkstra_path_length(nx_graph, int(s), cutoff=120.0, weight="w")
        expected = np.full(central_net.n_nodes, np.inf)
        for k, v in ref.items():
            expected[k] = v
        np.testing.assert_allclose(row, expected, rtol=1e-9, atol=1e-6)


@pytest.mark.integration
def test_crowfly_calibration_is_plausible(central_net):
    model = calibrate_crowfly(central_net)
    assert 1.0 <= model.circuity < 2.5
    assert 10 < model.speed_kmh < 110
    assert model.calibration["pairs"] > 100
    # seconds per straight metre consistent with circuity / speed
    assert model.radius_m(600) == pytest.approx(600 / model.seconds_per_metre)


def test_parse_speeds():
    from heartgeo.errors import InputError
    from heartgeo.io.osm import parse_speeds

    assert parse_speeds(["residential=25mph", "primary=60"]) == {
        "residential": pytest.approx(40.2336),
        "primary": 60.0,
    }
    with pytest.raises(InputError, match="residential=fast"):
        parse_speeds(["residential=fast"])


@pytest.mark.integration
def test_network_matches_osmnx_reference_processing(central_net):
    """The array-based preparation keeps what OSMnx's own steps keep."""
    import osmnx as ox

    from heartgeo.io.osm import is_drivable
    from heartgeo.network.loading import read_graph

    from .conftest import CENTRAL_OSM

    graph, _, _ = read_graph(CENTRAL_OSM)
    graph.remove_edges_from(
        [(u, v, k) for u, v, k, d in graph.edges(keys=True, data=True) if not is_drivable(d)]
    )
    graph.remove_nodes_from([n for n, deg in dict(graph.degree()).items() if deg == 0])
    graph = ox.simplify_graph(graph)
    reference = ox.truncate.largest_component(graph, strongly=True)
    assert set(central_net.node_ids.tolist()) == set(reference.nodes)
    ours = sorted(
        zip(central_net.node_ids[central_net.u], central_net.node_ids[central_net.v], strict=True)
    )
    assert ours == sorted((u, v) for u, v, _ in reference.edges(keys=True))


@pytest.mark.integration
def test_strokes_cover_every_road_once_and_turn_gently(central_net):
    import shapely

    from heartgeo.network.strokes import STROKE_MAX_TURN_DEG

    net, strokes = central_net, central_net.strokes
    roads = np.flatnonzero(net.road_mask & (net.u != net.v))
    assert sorted(strokes.edge.tolist()) == roads.tolist()
    assert np.all(np.diff(strokes.stroke) >= 0)
    # consecutive roads of a stroke meet end to start and turn at most the threshold
    first = np.r_[True, strokes.vertex_pos[1:] != strokes.vertex_pos[:-1]]
    starts = np.flatnonzero(first)
    ends = np.r_[starts[1:], len(strokes.vertex_pos)] - 1
    same = strokes.stroke[1:] == strokes.stroke[:-1]
    a_end, b_start = ends[:-1][same], starts[1:][same]
    np.testing.assert_allclose(strokes.xy[a_end], strokes.xy[b_start], atol=1e-6)
    d_in = strokes.xy[a_end] - strokes.xy[a_end - 1]
    d_out = strokes.xy[b_start + 1] - strokes.xy[b_start]
    cos = np.einsum("ij,ij->i", d_in, d_out) / (np.hypot(*d_in.T) * np.hypot(*d_out.T) + 1e-12)
    assert np.all(cos >= np.cos(np.deg2rad(STROKE_MAX_TURN_DEG)) - 1e-9)
    assert same.sum() > 0.2 * len(roads)  # strokes actually join roads
    # runs of any road subset have the same length and shape as those roads
    rng = np.random.default_rng(3)
    on = rng.random(net.n_edges) < 0.6
    runs = strokes.runs(on)
    chosen = net.geometry[roads[on[roads]]]
    assert shapely.length(runs).sum() == pytest.approx(shapely.length(chosen).sum(), rel=1e-12)
    assert shapely.union_all(runs).symmetric_difference(shapely.union_all(chosen)).length < 1e-6
    assert len(runs) < len(chosen)
