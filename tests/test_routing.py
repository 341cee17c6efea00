import networkx as nx
import numpy as np
import pytest

from heartgeo.routing import calibrate_crowfly, node_travel_times

from .conftest import assert_drivable


def test_network_loaded_as_drive_graph(central_net):
    assert central_net.n_nodes > 150
    assert_drivable(central_net.highway)
    assert np.all(central_net.time_s > 0)
    # largest strongly connected component: every node reaches every other
    times = node_travel_times(central_net, np.array([0]))
    assert np.isfinite(times).all()


@pytest.mark.parametrize("sources", [[0], [5, 50, 120], list(range(0, 200, 25))])
def test_multi_source_times_equal_networkx_dijkstra(central_net, nx_graph, sources):
    ours = node_travel_times(central_net, np.array(sources))
    ref = nx.multi_source_dijkstra_path_length(nx_graph, sources, weight="w")
    expected = np.array([ref.get(i, np.inf) for i in range(central_net.n_nodes)])
    np.testing.assert_allclose(ours, expected, rtol=1e-9, atol=1e-6)


def test_per_source_times_equal_networkx_with_limit(central_net, nx_graph):
    sources = np.array([3, 77])
    ours = node_travel_times(central_net, sources, limit_s=120.0, per_source=True)
    for row, s in zip(ours, sources, strict=True):
        ref = nx.single_source_dijkstra_path_length(nx_graph, int(s), cutoff=120.0, weight="w")
        expected = np.full(central_net.n_nodes, np.inf)
        for k, v in ref.items():
            expected[k] = v
        np.testing.assert_allclose(row, expected, rtol=1e-9, atol=1e-6)


def test_crowfly_calibration_is_plausible(central_net):
    model = calibrate_crowfly(central_net)
    assert 1.0 <= model.circuity < 2.5
    assert 10 < model.speed_kmh < 110
    assert model.calibration["pairs"] > 100
    # seconds per straight metre consistent with circuity / speed
    assert model.radius_m(600) == pytest.approx(600 / model.seconds_per_metre)


def test_parse_speeds():
    from heartgeo.errors import InputError
    from heartgeo.network import parse_speeds

    assert parse_speeds(["residential=25mph", "primary=60"]) == {
        "residential": pytest.approx(40.2336),
        "primary": 60.0,
    }
    with pytest.raises(InputError, match="residential=fast"):
        parse_speeds(["residential=fast"])
