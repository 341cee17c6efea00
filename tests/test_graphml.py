"""GraphML read straight into arrays, against OSMnx's own reader; OSM maxspeed values."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from heartgeo.errors import InputError
from heartgeo.io.osm import edge_speeds, keep_drivable, maxspeed_kmh
from heartgeo.network import load_network
from heartgeo.network import loading as loading_module
from heartgeo.network.prepare import EdgeList, network_from_edges

from .conftest import CENTRAL_OSM


@pytest.mark.parametrize(
    ("value", "kmh"),
    [
        ("50", 50.0),
        ("25 mph", 25 * 1.609344),
        ("30mph", 30 * 1.609344),
        ("12,5", 12.5),
        ("40|60", 50.0),
        ("40;60", 50.0),
        ("10 knots", 18.52),
        (["25 mph", "35 mph"], 30 * 1.609344),
        (["25 mph", "none"], 25 * 1.609344),
        ("none", None),
        ("US:urban", None),
        ("40|fast", None),
        (None, None),
        ([], None),
    ],
)
def test_maxspeed_values(value, kmh):
    got = maxspeed_kmh(value)
    if kmh is None:
        assert np.isnan(got)
    else:
        assert got == pytest.approx(kmh)


def test_edge_speeds_take_maxspeed_then_the_class_then_the_class_mean_then_the_fallback():
    highway = np.array(["residential", "residential", "busway", "busway", "bridge", "living"])
    maxspeed = ["25 mph", None, "30", None, None, "none"]
    table = {"residential": 40.0, "living": 16.0}
    got = edge_speeds(highway, maxspeed, table, fallback=33.0)
    # tagged; class default; tagged; mean of the class's tagged edges; fallback; default
    np.testing.assert_allclose(got, [25 * 1.609344, 40.0, 30.0, 30.0, 33.0, 16.0])


@pytest.fixture(scope="module")
def simplified_graphml(tmp_path_factory):
    """Central Durham through OSMnx, simplified with every highway kept (the drive filter
    then runs on the GraphML's edges), saved as GraphML with odd maxspeed values.
    """
    import osmnx as ox

    graph, _, _ = loading_module.read_graph(CENTRAL_OSM)
    graph = ox.simplify_graph(graph)
    for i, (_, _, d) in enumerate(graph.edges(data=True)):
        if i % 7 == 0:
            d["maxspeed"] = ["25 mph", "35 mph"]
        elif i % 11 == 0:
            d["maxspeed"] = "US:urban"
    path = tmp_path_factory.mktemp("graphml") / "central.graphml"
    ox.save_graphml(graph, path)
    return path


@pytest.mark.integration
def test_simplified_graphml_is_read_as_osmnx_reads_it(simplified_graphml, monkeypatch):
    import osmnx as ox

    graph = ox.load_graphml(simplified_graphml)
    stats = {"raw_nodes": graph.number_of_nodes(), "raw_edges": len(graph.edges)}
    # no extent file: the closing of every node in the file, as for OSM XML without bounds
    extent = loading_module.node_extent(
        np.array([(d["x"], d["y"]) for _, d in graph.nodes(data=True)])
    )
    keep_drivable(graph)
    stats.update(drive_nodes=graph.number_of_nodes(), drive_edges=len(graph.edges))
    want = network_from_edges(
        EdgeList.from_graph(graph, stats),
        extent,
        speeds_kmh=None,
        source="reference",
        extent_method="reference",
    )

    def no_osmnx(path):
        raise AssertionError(f"{path} went through OSMnx")

    monkeypatch.setattr(loading_module, "read_graph", no_osmnx)
    got = load_network(simplified_graphml)
    assert got.stats == want.stats
    assert got.node_ids.tolist() == want.node_ids.tolist()
    np.testing.assert_allclose(got.xy, want.xy)

    def by_ends(net):
        order = np.lexsort((net.node_ids[net.v], net.node_ids[net.u], net.length_m.round(3)))
        return net, order

    (g, go), (w, wo) = by_ends(got), by_ends(want)
    assert (g.node_ids[g.u][go] == w.node_ids[w.u][wo]).all()
    assert (g.node_ids[g.v][go] == w.node_ids[w.v][wo]).all()
    np.testing.assert_allclose(g.length_m[go], w.length_m[wo])
    np.testing.assert_allclose(g.speed_kmh[go], w.speed_kmh[wo])
    assert g.highway[go].tolist() == w.highway[wo].tolist()
    assert shapely.equals_exact(g.geometry[go], w.geometry[wo], 1e-6).all()
    assert shapely.equals_exact(got.extent, want.extent, 1e-6)
    assert got.extent_method.endswith("(no extent file)")
    assert np.isclose(g.speed_kmh, 30 * 1.609344).any()  # the merged maxspeed list


@pytest.mark.integration
def test_unsimplified_graphml_goes_through_osmnx(tmp_path, central_net):
    import osmnx as ox

    graph, _, _ = loading_module.read_graph(CENTRAL_OSM)
    path = tmp_path / "raw.graphml"
    ox.save_graphml(graph, path)
    net = load_network(path)
    assert net.n_nodes == central_net.n_nodes and net.n_edges == central_net.n_edges
    np.testing.assert_allclose(np.sort(net.time_s), np.sort(central_net.time_s))


NODE = '<node id="{}"><data key="x">{}</data><data key="y">{}</data></node>'
HEAD = (
    '<?xml version="1.0"?><graphml xmlns="http://graphml.graphdrawing.org/xmlns">'
    '<key id="x" for="node" attr.name="x"/><key id="y" for="node" attr.name="y"/>'
    '<key id="h" for="edge" attr.name="highway"/><key id="g" for="edge" attr.name="geometry"/>'
    '<key id="s" for="graph" attr.name="simplified"/><graph edgedefault="directed">'
)
TAIL = '<data key="s">True</data></graph></graphml>'


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (NODE.format(1, "-78.9", "36.0") + NODE.format(2, "east", "36.0"), "node '2'"),
        (
            NODE.format(1, "-78.9", "36.0")
            + '<edge source="1" target="9"><data key="h">residential</data></edge>',
            "target '9' is not a node",
        ),
        (NODE.format(1, "-78.9", "36.0") + "<edge source=", "cannot be read"),
        (
            NODE.format("n1", "-78.9", "36.0")
            + NODE.format(2, "-78.91", "36.0")
            + '<edge source="n1" target="2"><data key="h">residential</data></edge>',
            "node id 'n1' is not an integer",
        ),
        (
            NODE.format(1, "-78.9", "36.0")
            + NODE.format(2, "-78.91", "36.0")
            + '<edge source="1" target="2"><data key="h">residential</data>'
            + '<data key="g">LINESTRING (-78.9 36.0, </data></edge>',
            "cannot be read",
        ),
        (
            NODE.format(1, "-78.9", "36.0")
            + NODE.format(2, "-78.91", "36.0")
            + '<edge source="1" target="2"><data key="h">footway</data></edge>',
            "no drivable roads",
        ),
    ],
)
def test_bad_graphml_gets_one_line_naming_the_file(tmp_path, body, message):
    path = tmp_path / "bad.graphml"
    path.write_text(HEAD + body + TAIL)
    with pytest.raises(InputError, match=message) as err:
        load_network(path)
    assert str(path) in str(err.value) and "\n" not in str(err.value)
