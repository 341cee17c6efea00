"""Coverage of many sets of units from each unit's own polygons equals the set-by-set
measure of their dissolved polygons (the oracle, :mod:`heartgeo.testing.brute_force`).
"""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from heartgeo.analysis import unitcover
from heartgeo.analysis.coverage import MeasureGrid
from heartgeo.analysis.demand import hex_grid
from heartgeo.analysis.unitcover import UnitCuts
from heartgeo.testing.brute_force import residents_set_by_set


@pytest.fixture(scope="module")
def grid() -> MeasureGrid:
    """Hexagons over a notched square, with uneven residents (some cells empty)."""
    area = shapely.difference(shapely.box(0, 0, 6000, 5000), shapely.box(4000, 0, 6000, 1500))
    cells = hex_grid(area, 300.0).geometry.to_numpy()
    rng = np.random.default_rng(3)
    population = rng.gamma(2.0, 40.0, len(cells)) * (rng.random(len(cells)) > 0.15)
    return MeasureGrid(
        cells=cells,
        cell_area=shapely.area(cells),
        population=population,
        road_pieces=np.array([], dtype=object),
        road_cell=np.array([], dtype=np.int64),
    )


def _polygons(n: int, seed: int) -> list[shapely.Geometry]:
    """Discs and irregular stars (so that several units cut the same cells)."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        x, y = rng.uniform(0, 6000), rng.uniform(0, 5000)
        if i % 3 == 2:
            angles = np.linspace(0, 2 * np.pi, 15, endpoint=False)
            radius = rng.uniform(400, 1800, len(angles))
            ring = np.c_[x + radius * np.cos(angles), y + radius * np.sin(angles)]
            out.append(shapely.make_valid(shapely.Polygon(ring)))
        else:
            out.append(shapely.Point(x, y).buffer(rng.uniform(300, 1500), quad_segs=16))
    out[4] = None  # a unit with no polygon in this band
    return out


@pytest.mark.parametrize("zone_geom", [None, shapely.Point(2500, 2600).buffer(1900)])
def test_sets_equal_the_set_by_set_measure(grid, zone_geom, monkeypatch):
    monkeypatch.setattr(unitcover, "_BLOCK_CELLS", 2000)  # several blocks of sets
    polygons = _polygons(14, seed=1)
    rng = np.random.default_rng(2)
    sets = rng.random((60, len(polygons))) < rng.uniform(0.1, 0.9, (60, 1))
    sets[0], sets[1] = True, False
    sets[2] = np.arange(len(polygons)) == 0
    zone = grid.zone(zone_geom)
    got = UnitCuts.build(grid, zone, polygons).residents(sets)
    expected = residents_set_by_set(grid, zone, polygons, sets)
    assert expected[0] > 0 and expected[1] == 0 and 0 < expected[2] < expected[0]
    assert got == pytest.approx(expected, rel=1e-9, abs=1e-6)


def test_a_unit_that_adds_nothing_changes_nothing(grid):
    big = shapely.box(0, 0, 6000, 5000)
    inside = shapely.Point(3000, 3000).buffer(500)
    cuts = UnitCuts.build(grid, grid.zone(None), [big, inside])
    got = cuts.residents(np.array([[True, False], [True, True], [False, True]]))
    assert got[0] == pytest.approx(grid.population.sum()) and got[1] == got[0]
    assert 0 < got[2] < got[0]


def test_residents_in_a_polygon_are_the_measure_of_its_layer(grid):
    star = _polygons(14, seed=1)[2]
    want = grid.measure(grid.layer(star), grid.zone(None))[1]
    assert grid.residents_in(star) == pytest.approx(want, rel=1e-12)
    assert 0 < want < grid.population.sum()
    assert grid.residents_in(shapely.Polygon()) == 0.0


def test_a_zone_is_cut_once_per_geometry_object_and_its_cut_is_read_only(grid):
    disc = shapely.Point(2500, 2600).buffer(1900)
    first = grid.zone(disc)
    assert grid.zone(disc) is first
    assert grid.zone(shapely.Point(2500, 2600).buffer(1900)) is not first  # another object
    with pytest.raises(ValueError):
        first.weight[0] = 0.5
