"""heartgeo.travel: both travel models implement the whole protocol, in the same shapes,
and agree with their engines; no Durham data.
"""

import geopandas as gpd
import numpy as np
import pytest
import shapely

from heartgeo.analysis.routing import node_travel_times
from heartgeo.io.cache import Cache
from heartgeo.settings import Settings
from heartgeo.testing.synthetic import synthetic_grid
from heartgeo.travel.choice import build_model, choose_travel_model
from heartgeo.travel.crowfly import calibrate_crowfly
from heartgeo.travel.network import NetworkModel
from heartgeo.travel.protocol import TravelModel

CRS = "EPSG:32119"


@pytest.fixture(scope="module")
def net():
    return synthetic_grid(900, seed=3)


@pytest.fixture(scope="module", params=["network", "crowfly"])
def model(request, net):
    choice = (request.param, "asked for in a test")
    return build_model(choice, net, "test-key", Settings(), cache=Cache(enabled=False))


@pytest.fixture(scope="module")
def units(net):
    nodes = np.array([5, 400, 777])
    return gpd.GeoDataFrame(
        {"id": ["a", "b", "c"], "name": ["A", "B", "C"]},
        geometry=shapely.points(net.xy[nodes]),
        crs=CRS,
    )


def points(net, n=300, seed=1):
    rng = np.random.default_rng(seed)
    lo, hi = net.xy.min(axis=0), net.xy.max(axis=0)
    return lo + rng.random((n, 2)) * (hi - lo)


def test_each_model_implements_the_protocol(model):
    assert isinstance(model, TravelModel)
    assert model.name in ("network", "crowfly")
    assert model.short_label and model.label
    assert model.describe()["name"] == model.name
    assert model.describe()["screening"] is model.screening


def test_same_shapes_from_both_models(model, net, units):
    placed = model.snap(units, 50.0, "test", progress=_quiet())
    xy = points(net)
    nearest = model.unit_times(placed, xy)
    each = model.unit_costs(placed, xy)
    assert nearest.shape == (len(xy),) and each.shape == (len(placed), len(xy))
    known = model.known(xy)
    assert known.shape == (len(xy),)
    # the nearest unit's time is the smallest of the units' times, where known
    np.testing.assert_allclose(nearest[known], np.nanmin(each[:, known], axis=0), rtol=1e-9)
    cost, dist, ok = model.candidate_costs(np.c_[placed.geometry.x, placed.geometry.y], xy, 50.0)
    assert cost.shape == each.shape and dist.shape == ok.shape == (len(placed),)
    assert ok.all()
    np.testing.assert_allclose(cost[:, known], each[:, known], rtol=1e-9)


def test_bands_nest_and_stay_in_the_known_area(model, net, units):
    placed = model.snap(units, 50.0, "test", progress=_quiet())
    area = shapely.box(*net.extent.bounds)
    bands, per_unit = model.isochrones(placed, (2.0, 4.0), area, per_unit=True)
    assert list(bands["minutes"]) == [2.0, 4.0]
    small, large = bands.geometry
    assert large.buffer(1e-6).contains(small)
    assert shapely.area(shapely.difference(large, model.known_area(area))) < 1.0
    assert len(per_unit) == 2 * len(placed)


def test_network_model_times_are_its_engine_s(net, units):
    model = NetworkModel(net)
    placed = model.snap(units, 50.0, "test", progress=_quiet())
    node_times = node_travel_times(net, placed["node"].to_numpy())
    np.testing.assert_allclose(
        model.unit_times(placed, net.xy), model.point_times(node_times, net.xy)
    )


def test_off_network_candidates_cost_inf_and_are_not_usable(net):
    model = NetworkModel(net)
    far = net.xy.max(axis=0) + 5000.0
    cost, dist, ok = model.candidate_costs(np.array([net.xy[0], far]), net.xy[:10], 50.0)
    assert ok.tolist() == [True, False]
    assert np.isinf(cost[1]).all() and dist[1] > 50.0


def test_crowfly_model_knows_everywhere_and_places_every_unit(net, units):
    model = calibrate_crowfly(net)
    assert model.extent is None
    assert model.place(units, 0.0) is units
    assert model.known(points(net)).all()
    _, dist, ok = model.locate(np.zeros((4, 2)), 0.0)
    assert ok.all() and (dist == 0).all()


def test_auto_picks_the_model_on_the_network_share():
    assert choose_travel_model("auto", 0.99)[0] == "network"
    assert choose_travel_model("auto", 0.5)[0] == "crowfly"
    assert choose_travel_model("crowfly", 1.0) == (
        "crowfly",
        "travel model 'crowfly' was asked for",
    )


def _quiet():
    from heartgeo.progress import QUIET

    return QUIET
