"""Unit tests: synthetic graphs and small hand-made inputs, no Durham data."""

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
import shapely

from heartgeo.analysis.coverage import MeasureGrid, band_label
from heartgeo.analysis.demand import allocate_population, hex_grid
from heartgeo.analysis.isochrones import band_polygon, nested_bands
from heartgeo.analysis.routing import node_travel_times
from heartgeo.analysis.snapping import nearest_within
from heartgeo.errors import InputError
from heartgeo.geometry import polygonal
from heartgeo.network.loading import load_network
from heartgeo.parallel import shared_cached_property, thread_map
from heartgeo.settings import FLAGS, Settings
from heartgeo.testing.synthetic import synthetic_grid
from heartgeo.travel.crowfly import CrowflyModel
from heartgeo.travel.network import NetworkModel

CRS = "EPSG:32119"


@pytest.fixture(scope="module")
def grid():
    return synthetic_grid(1500, seed=7)


def test_times_equal_networkx_on_a_synthetic_grid(grid):
    g = nx.DiGraph()
    for u, v, t in zip(grid.u, grid.v, grid.time_s, strict=True):
        if not g.has_edge(u, v) or g[u][v]["w"] > t:
            g.add_edge(int(u), int(v), w=float(t))
    ref = nx.single_source_dijkstra_path_length(g, 10, weight="w")
    ours = node_travel_times(grid, np.array([10]))
    expected = np.array([ref.get(i, np.inf) for i in range(grid.n_nodes)])
    np.testing.assert_allclose(ours, expected)


def test_cost_matrix_rows_are_per_origin_point_times(grid):
    model = NetworkModel(grid)
    xy = grid.xy[[3, 400, 900]] + 20.0
    matrix = model.cost_matrix(np.array([0, 700]), xy)
    for row, origin in zip(matrix, (0, 700), strict=True):
        single = model.point_times(node_travel_times(grid, np.array([origin])), xy)
        np.testing.assert_allclose(row, single)


def test_bands_nest_and_stay_in_the_extent(grid):
    times = node_travel_times(grid, np.array([700]))
    bands = nested_bands(grid, times, [120.0, 240.0, 480.0], 60.0)
    for small, large in zip(bands, bands[1:], strict=False):
        assert shapely.difference(small, large).area < 1e-6  # floating-point dust only
    assert shapely.within(bands[-1], grid.extent.buffer(1e-6))
    assert band_polygon(grid, times, 0.0, 60.0).area < bands[0].area


def test_nearest_within_applies_the_snap_limit(grid):
    xy = np.array([grid.xy[5] + [3.0, 4.0], grid.xy[5] + [3000.0, 0.0]])
    node, dist, ok = nearest_within(grid, xy, 100.0)
    assert node[0] == 5 and dist[0] == pytest.approx(5.0) and ok.tolist()[0]
    assert not ok[1] or dist[1] <= 100.0


def test_crowfly_times_are_distance_times_pace():
    model = CrowflyModel(circuity=1.5, speed_kmh=36.0)
    t = model.point_times_from(np.array([[0.0, 0.0]]), np.array([[300.0, 400.0]]))
    assert t[0] == pytest.approx(500 * 1.5 / 10.0)
    assert model.radius_m(t[0]) == pytest.approx(500.0)
    assert "circuity 1.50 at 36.0 km/h" in model.label


def test_allocation_keeps_every_person_of_hand_made_tracts():
    left, right = shapely.box(0, 0, 1000, 1000), shapely.box(1000, 0, 2000, 1000)
    tracts = gpd.GeoDataFrame(
        {"GEOID": ["a", "b"], "population": [1000.0, 300.0]}, geometry=[left, right], crs=CRS
    )
    area = shapely.box(0, 0, 1500, 1000)  # half of tract b lies outside
    demand = allocate_population(tracts, area, 200.0)
    assert demand.cells["population"].sum() == pytest.approx(1000 + 150)
    table = demand.tracts.set_index("GEOID")
    assert table.loc["b", "outside"] == pytest.approx(150)
    assert set(table["method"]) == {"area"}


def test_hex_grid_tiles_a_square():
    square = shapely.box(0, 0, 1000, 700)
    cells = hex_grid(square, 100.0)
    assert cells.geometry.area.sum() == pytest.approx(square.area)
    assert shapely.union_all(cells.geometry.values).symmetric_difference(square).area < 1e-6


def test_measure_equals_direct_intersection_on_hand_made_cells():
    cells = hex_grid(shapely.box(0, 0, 1000, 1000), 150.0)
    cells["population"] = 10.0
    road = np.array([shapely.LineString([(0, 500), (1000, 500)])], dtype=object)

    class Demand:  # just what MeasureGrid.build reads
        pass

    demand = Demand()
    demand.cells = cells
    mgrid = MeasureGrid.build(demand, road)
    layer_geom = shapely.Point(400, 400).buffer(300)
    zone_geom = shapely.box(0, 0, 600, 1000)
    area, pop, road_len = mgrid.measure(mgrid.layer(layer_geom), mgrid.zone(zone_geom))
    both = layer_geom.intersection(zone_geom)
    assert area == pytest.approx(both.area, rel=1e-9)
    parts = shapely.intersection(cells.geometry.values, both)
    assert pop == pytest.approx((10.0 * shapely.area(parts) / cells.geometry.area).sum())
    assert road_len == pytest.approx(road[0].intersection(both).length)


def test_load_a_hand_written_osm_file(tmp_path):
    osm = tmp_path / "tiny.osm"
    osm.write_text(
        '<?xml version="1.0"?><osm version="0.6">'
        '<bounds minlat="36.000" minlon="-78.901" maxlat="36.003" maxlon="-78.897"/>'
        '<node id="1" lat="36.000" lon="-78.900"/><node id="2" lat="36.001" lon="-78.900"/>'
        '<node id="3" lat="36.002" lon="-78.900"/><node id="4" lat="36.001" lon="-78.899"/>'
        '<way id="10"><nd ref="1"/><nd ref="2"/><nd ref="3"/>'
        '<tag k="highway" v="residential"/><tag k="maxspeed" v="25 mph"/></way>'
        '<way id="11"><nd ref="2"/><nd ref="4"/><tag k="highway" v="footway"/></way>'
        "</osm>"
    )
    net = load_network(osm)
    assert set(net.highway) == {"residential"}  # the footway is not drivable
    assert net.extent_method == "OSM <bounds> element"
    np.testing.assert_allclose(net.speed_kmh, 25 * 1.609344, rtol=1e-3)
    assert net.n_nodes == 2  # simplified: the middle node only joins one road


def test_settings_validate_names_the_parameter():
    with pytest.raises(InputError) as err:
        Settings(buffer_m=0.0).validate()
    assert err.value.param == "buffer_m" and str(err.value).startswith("buffer_m 0.0")
    assert err.value.renamed(FLAGS).startswith("--buffer 0.0")
    assert isinstance(err.value, ValueError)
    with pytest.raises(InputError, match="crowfly_speed_kmh inf"):
        Settings(crowfly_speed_kmh=float("inf")).validate()
    with pytest.raises(InputError, match="circuity inf"):
        Settings(circuity=float("inf")).validate()
    record = Settings().as_dict()
    assert record["isochrone_buffer_m"] == 100.0 and "workers" not in record
    assert list(record)[:2] == ["data_dir", "data_search_path"]


def test_polygonal_keeps_polygons_only():
    square = shapely.box(0, 0, 1, 1)
    mixed = shapely.GeometryCollection([square, shapely.LineString([(2, 2), (3, 3)])])
    out = polygonal(np.array([mixed, shapely.Point(0, 0), square, None], dtype=object))
    assert out[0].equals(square) and out[1].is_empty and out[2] is square and out[3] is None


def test_thread_map_keeps_order_and_shared_property_computes_once():
    assert thread_map(lambda x: x * x, range(20), workers=3) == [x * x for x in range(20)]
    calls = []

    class Lazy:
        @shared_cached_property
        def value(self):
            calls.append(1)
            return 42

    obj = Lazy()
    assert thread_map(lambda _: obj.value, range(16), workers=4) == [42] * 16
    assert len(calls) == 1


def test_band_label_is_stable():
    assert band_label(5.0) == "5min" and band_label(2.5) == "2.5min"


def test_a_warning_inside_a_step_gets_its_own_line():
    import io

    from heartgeo.progress import Progress

    stream = io.StringIO()
    progress = Progress(stream=stream)
    with progress.step("Loading boundaries"):
        progress.warn("repaired 1 geometry")
    with progress.step("Next"):
        pass
    lines = stream.getvalue().splitlines()
    assert lines[0] == "Loading boundaries ..."
    assert lines[1] == "warning: repaired 1 geometry"
    assert lines[2].startswith("Loading boundaries: done (")
    assert lines[3].startswith("Next ... done (")
