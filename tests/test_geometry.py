"""Cutting a detailed polygon into quadtree pieces, and clipping many cells with it."""

import numpy as np
import pytest
import shapely

from heartgeo.analysis.demand import hex_grid
from heartgeo.geometry import clip_to_area, outlines_and_holes, quadtree_pieces

# clip_by_rect leaves this valid polygon's part in the box self-intersecting at (4, 1)
TOUCHING = shapely.from_wkt(
    "POLYGON ((0 3, 1 3, 1.5 3.5, 4 1, 2.3333333333333335 4.333333333333333, 3 5, 5 0, 0 3))"
)


def _detailed(seed: int = 0) -> shapely.Geometry:
    """A polygon with many vertices and holes: buffered random lines, minus disks."""
    rng = np.random.default_rng(seed)
    lines = shapely.linestrings(rng.uniform(0, 3000, (40, 6, 2)))
    area = shapely.union_all(shapely.buffer(lines, 60.0, quad_segs=8))
    holes = shapely.buffer(shapely.points(rng.uniform(0, 3000, (30, 2))), 40.0)
    return shapely.difference(area, shapely.union_all(holes))


def test_an_invalid_clip_is_cut_again_by_an_overlay():
    box = (0.0, 0.0, 4.0, 5.0)
    assert shapely.is_valid(TOUCHING)
    assert not shapely.is_valid(shapely.clip_by_rect(TOUCHING, *box))
    (piece,) = quadtree_pieces(TOUCHING, box, min_size=100.0)
    assert shapely.is_valid(piece)
    want = shapely.intersection(TOUCHING, shapely.box(*box))
    assert abs(piece.area - want.area) < 1e-12 and piece.equals(want)


def test_pieces_are_valid_small_and_add_up_to_the_polygon():
    geom = _detailed()
    pieces = quadtree_pieces(geom, geom.bounds, min_size=50.0, max_vertices=128)
    assert len(pieces) > 20
    assert shapely.is_valid(np.array(pieces)).all()
    sizes = shapely.get_num_coordinates(np.array(pieces))
    assert sizes.max() <= 128 or len(pieces) > 100
    assert abs(sum(p.area for p in pieces) - geom.area) < 1e-6 * geom.area


def test_clip_to_area_equals_the_direct_intersection():
    geom = _detailed(1)
    rng = np.random.default_rng(2)
    centres = rng.uniform(-200, 3200, (1500, 2))
    cells = shapely.buffer(shapely.points(centres), 70.0, quad_segs=2)  # octagons
    got = clip_to_area(cells, geom, tile_m=200.0, max_vertices=64)
    want = shapely.intersection(cells, geom)
    assert shapely.is_valid(got).all()
    np.testing.assert_allclose(shapely.area(got), shapely.area(want), rtol=1e-9, atol=1e-6)
    # the same parts, not only the same areas
    assert shapely.area(shapely.symmetric_difference(got, want)).max() < 1e-6


def test_an_area_with_many_holes_is_cut_by_its_outlines_then_its_holes():
    geom = _detailed(1)
    shells, holes = outlines_and_holes(geom, 64)
    assert holes is not None and len(holes) == shapely.get_num_interior_rings(geom).sum()
    assert abs(shells.area - shapely.area(holes).sum() - geom.area) < 1e-6 * geom.area
    # few hole vertices: the area itself
    assert outlines_and_holes(geom, 10**9)[1] is None


def test_an_island_in_a_hole_keeps_the_direct_clip():
    ring = shapely.difference(shapely.box(0, 0, 100, 100), shapely.box(20, 20, 80, 80))
    area = shapely.union(ring, shapely.box(40, 40, 60, 60))  # an island inside the hole
    assert outlines_and_holes(area)[1] is None
    cells = shapely.buffer(shapely.points(np.mgrid[0:100:10, 0:100:10].reshape(2, -1).T), 9.0)
    got = clip_to_area(cells, area, tile_m=10.0, max_vertices=4)
    np.testing.assert_allclose(shapely.area(got), shapely.area(shapely.intersection(cells, area)))


@pytest.mark.integration
def test_a_zone_outside_every_beat_is_cut_like_the_direct_intersection(boundaries):
    # a box around the city minus its beats: a large ring and many slivers. With small
    # pieces, clipping an invalid intermediate piece again gave a valid but wrong one
    beats = boundaries.beats.geometry.to_numpy()
    rest = shapely.difference(
        shapely.box(*boundaries.city.bounds).buffer(1000.0), shapely.union_all(beats)
    )
    cells = hex_grid(boundaries.city, 250.0).geometry.to_numpy()
    got = clip_to_area(cells, rest, max_vertices=128)
    want = shapely.area(shapely.intersection(cells, rest))
    np.testing.assert_allclose(shapely.area(got), want, rtol=1e-9, atol=1e-3)
