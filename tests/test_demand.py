import numpy as np
import pytest
import shapely

from heartgeo.analysis.demand import allocate_population, hex_grid

pytestmark = pytest.mark.integration  # runs on the bundled Durham data


def test_hex_grid_tiles_area_exactly(boundaries):
    area = shapely.box(618000, 248000, 621000, 250500)
    grid = hex_grid(area, 300)
    assert grid.area.sum() == pytest.approx(area.area, rel=1e-9)
    assert shapely.union_all(grid.geometry.values).symmetric_difference(area).area < 1e-3


def test_population_sums_to_tract_totals(study):
    demand = study.demand
    tracts = demand.tracts
    # every person is either in a cell or outside the study area
    np.testing.assert_allclose(
        tracts["allocated"] + tracts["outside"], tracts["population"], rtol=1e-12
    )
    assert demand.cells["population"].sum() == pytest.approx(tracts["allocated"].sum(), rel=1e-9)
    # tracts entirely inside the city limit are allocated in full
    city = study.boundaries.city
    inside = (
        shapely.area(shapely.intersection(study.boundaries.tracts.geometry.values, city))
        >= 0.999999 * study.boundaries.tracts.area.values
    )
    assert inside.sum() > 10
    full = tracts[inside]
    np.testing.assert_allclose(full["allocated"], full["population"], rtol=1e-6)
    assert (tracts["allocated"] >= -1e-9).all() and (tracts["outside"] >= -1e-6).all()


def test_dasymetric_weights_follow_residential_roads():
    """People go where the residential roads are: cells of a road-weighted tract without
    such a road get nobody, and the tract's total is kept. (On the bundled data no tract
    qualifies any more: the only one had a road merely touching it.).
    """
    import geopandas as gpd
    import numpy as np

    tract = gpd.GeoDataFrame(
        {"GEOID": ["t"], "population": [1200.0]}, geometry=[shapely.box(0, 0, 2000, 1000)]
    )
    roads = np.array(
        [shapely.LineString([(x, 0), (x, 1000)]) for x in (100, 300, 500, 700)], dtype=object
    )
    demand = allocate_population(
        tract,
        shapely.box(0, 0, 2000, 1000),
        250,
        residential_roads=roads,
        known_extent=shapely.box(-1, -1, 2001, 1001),
    )
    assert demand.tracts["method"].iloc[0] == "road"
    cells = demand.cells
    east = cells["cx"].to_numpy() > 1000
    assert cells["population"].to_numpy()[east].sum() == 0
    assert cells["population"].sum() == pytest.approx(1200.0, rel=1e-9)


def test_measure_equals_direct_intersection(study, central_net):
    """The cell-decomposed measure (with its whole / empty / partial shortcuts) gives
    the area and road length of layer x zone computed directly.
    """
    from heartgeo.analysis.isochrones import band_polygon
    from heartgeo.analysis.routing import node_travel_times

    grid = study.grid
    layer_geom = band_polygon(study.net, node_travel_times(study.net, np.array([20])), 150, 100)
    beats = study.boundaries.beats
    zone_geom = beats.geometry.iloc[int(np.argmax(beats.intersects(layer_geom)))]
    area, _, road = grid.measure(grid.layer(layer_geom), grid.zone(zone_geom))
    cells = shapely.union_all(grid.cells)
    inside = shapely.intersection(shapely.intersection(layer_geom, zone_geom), cells)
    assert area > 0
    assert area == pytest.approx(inside.area, rel=1e-6)
    roads = shapely.intersection(shapely.union_all(grid.road_pieces), inside)
    assert road == pytest.approx(roads.length, rel=1e-6)
