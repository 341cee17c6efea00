"""City blocks: the faces of the road network, to build isochrones from whole blocks.

An isochrone polygon is the union of the reached road pieces, each buffered by
``buffer_m`` (see :mod:`heartgeo.analysis.isochrones`). Computed directly, that union is an
overlay whose cost grows with everything reached. Most of a large band, though, is made
of *whole blocks*: faces of the road network (regions enclosed by roads) all of whose
roads are reached in full. Inside such a block the polygon is always the same --
the block minus the points farther than ``buffer_m`` from its roads -- so it is computed
once per network, and a band is assembled as:

1. the buffered reached pieces of the roads touching the other blocks or the outside
   (the *frontier*), unioned: the only overlay, whose cost grows with the frontier;
2. the whole blocks added without an overlay: the whole blocks' outline lies on frontier
   roads, well inside the frontier polygon, so every ring of the frontier polygon has
   either whole blocks or none on its outer side. Rings of the first kind (a hole of the
   frontier filled by whole blocks, or the outline of a piece of frontier amid them) are
   dropped, those of the second kept;
3. the blocks' inner holes (points farther than ``buffer_m`` from every road) written
   as interior rings of the kept outline around them.

Why it is the same polygon: a point of block F within ``buffer_m`` of any road is within
``buffer_m`` of F's boundary or of a road inside F (the straight line to a road outside F
crosses F's boundary first). So if every road touching F is reached in full, the
polygon's part in F is F's precomputed covered part. A point of any other block within
``buffer_m`` of a reached road is within ``buffer_m`` of a reached road touching a block
that is not whole (or the outside), so the frontier's buffers cover it. And no buffer
reaches into a hole, which is farther than ``buffer_m`` from every road.

Arcs are drawn as chords and GEOS simplifies a buffered line by 1 % of the distance, so
a frontier buffer can reach into a hole by a sliver (a cap drawn where the hole has a
join); such holes are first cut by the frontier's buffers, so the result is exactly
``(whole blocks - holes) | frontier``. It differs from the direct union of buffers only
by such slivers. Holes begin :data:`HOLE_MARGIN_M` (a millimetre) farther in than the
buffer, so that the many buffers drawn along the very offset line that bounds a hole
miss it instead of touching it, and are not cut for nothing: two in three of the holes a
frontier touched on the SYNTHETIC city grid.

Because whole blocks stay whole, with the same polygons, when more is reached, a larger
band contains a smaller one exactly once the smaller band's frontier is added to its own
(see :func:`heartgeo.isochrones.nested_bands`): the two frontier polygons are joined
after step 2, when the rings that whole blocks fill (about two fifths of a frontier
polygon's vertices on the SYNTHETIC city grid) are gone.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import shapely

from heartgeo.geometry import prepared_copy
from heartgeo.parallel import chunked

#: Segments per quarter circle of every isochrone buffer.
QUAD_SEGS = 4
#: How much farther than the buffer from every road a block's hole begins (metres): a
#: millimetre, far below the buffer's own drawing error (chords up to 2 % of it inside the
#: circle, GEOS's simplification up to 1 % of it outside).
HOLE_MARGIN_M = 1e-3


@dataclass
class Blocks:
    """The faces of a road network with what an isochrone needs of each.

    Attributes
    ----------
    buffer_m
        The isochrone buffer these blocks were built for (metres).
    faces
        Block polygons: the bounded faces of the noded road lines that lie inside the
        network extent and whose holes are simple.
    pair_face, pair_edge
        Every (block, road edge) pair with the road touching the block.
    always_frontier
        Road edges touching the area outside the blocks (or no block), shape (E,).
    holes, hole_face, hole_points
        The blocks' holes (points farther than ``buffer_m`` from every road; polygons
        without holes of their own), the block of each, and a point inside each.
    """

    buffer_m: float
    faces: np.ndarray
    pair_face: np.ndarray
    pair_edge: np.ndarray
    always_frontier: np.ndarray
    holes: np.ndarray
    hole_face: np.ndarray
    hole_points: np.ndarray
    #: spatial index of the faces, built with the blocks (and again after unpickling), so
    #: that threads share it as it is
    face_tree: shapely.STRtree = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.face_tree = shapely.STRtree(self.faces)

    def __getstate__(self):
        state = dict(self.__dict__)
        state.pop("face_tree", None)
        return state

    def __setstate__(self, state) -> None:
        self.__dict__.update(state)
        self.__post_init__()

    @classmethod
    def build(cls, net, buffer_m: float, workers: int | None = None) -> Blocks:
        """Find the blocks of ``net`` (a :class:`heartgeo.network.RoadNetwork`), on
        ``workers`` threads (default: the CPUs available).

        Roads crossing without a shared node (bridges) are noded where they cross: the
        blocks are regions of the plane, whatever the graph says.
        """
        roads = np.flatnonzero(net.road_mask)
        lines = net.geometry[roads]
        empty = np.empty(0, dtype=np.int64)
        if len(lines) == 0:
            return cls(
                buffer_m,
                np.empty(0, dtype=object),
                empty,
                empty,
                np.zeros(net.n_edges, dtype=bool),
                np.empty(0, dtype=object),
                empty,
                np.empty(0, dtype=object),
            )
        noded = shapely.get_parts(shapely.node(shapely.multilinestrings(lines)))
        polys, cuts, dangles, _ = shapely.polygonize_full(noded)
        faces = shapely.get_parts(polys)
        extent = prepared_copy(net.extent)
        faces = faces[shapely.contains_properly(extent, faces)]
        shapely.prepare(faces)

        faces, parts, part_face = _holes(faces, cuts, dangles, buffer_m, workers)
        face_i, road_i, frontier = _frontier(net, roads, lines, faces)
        return cls(
            buffer_m=buffer_m,
            faces=faces,
            pair_face=face_i.astype(np.int64),
            pair_edge=roads[road_i],
            always_frontier=frontier,
            holes=parts,
            hole_face=part_face.astype(np.int64),
            hole_points=shapely.get_point(shapely.get_exterior_ring(parts), 0),
        )

    @property
    def n_faces(self) -> int:
        """Number of blocks (faces of the noded road lines)."""
        return len(self.faces)

    def whole(self, reached: np.ndarray) -> np.ndarray:
        """Blocks every road touching which is reached in full; ``reached`` per road edge."""
        missing = np.bincount(
            self.pair_face, weights=~reached[self.pair_edge], minlength=self.n_faces
        )
        return missing == 0

    def frontier(self, whole: np.ndarray) -> np.ndarray:
        """Road edges whose buffers may reach outside the ``whole`` blocks."""
        out = self.always_frontier.copy()
        out[self.pair_edge[~whole[self.pair_face]]] = True
        return out

    def outline(self, whole: np.ndarray, frontier_polygon: shapely.Geometry) -> shapely.Geometry:
        """``frontier_polygon`` (the union of a band's frontier buffers) with the ``whole``
        blocks filled in, their holes not cut yet: ``blocks | frontier``, built from rings
        without an overlay.

        The whole blocks' outline lies on frontier roads, inside the frontier polygon, so
        no ring of the frontier polygon crosses it: each ring has whole blocks on its
        outer side (a hole of the frontier filled by whole blocks, or the outline of a
        frontier piece amid them) or none. The first are dropped, the others kept.
        """
        if not whole.any():
            return frontier_polygon
        if shapely.is_empty(frontier_polygon):  # whole blocks with no frontier: none seen
            return shapely.coverage_union_all(self.faces[whole])
        own, part = shapely.get_rings(shapely.get_parts(frontier_polygon), return_index=True)
        shell = np.r_[True, part[1:] != part[:-1]]
        keep = ~self.in_whole(whole, shapely.get_point(own, 0))
        # a kept hole whose shell is dropped goes to the innermost kept shell around it
        lost = keep & ~shell & ~keep[shell][part]
        held = keep & ~shell & ~lost
        new_part = np.cumsum(shell & keep) - 1  # each kept shell's index, by ring
        return _polygon(own[shell & keep], own[held], new_part[held], own[lost])

    def assemble(
        self, whole: np.ndarray, outline: shapely.Geometry, buffers: np.ndarray
    ) -> shapely.Geometry:
        """The band: ``outline`` (see :meth:`outline`; it may hold smaller bands too) with
        the ``whole`` blocks' holes, cut by ``buffers`` (the frontier's buffered pieces)
        where those reach in: exactly ``(blocks - holes) | frontier``.
        """
        if not whole.any():
            return outline
        holes, points = self.holes[whole[self.hole_face]], self.hole_points[whole[self.hole_face]]
        # arcs drawn differently (a cap here, a join there) and GEOS's simplification
        # of buffered lines let a buffer reach into a hole by a sliver: the frontier wins
        hit, cut = _minus(holes, buffers)
        if hit.any():
            holes = np.concatenate([holes[~hit], cut])
            points = np.concatenate([points[~hit], shapely.point_on_surface(cut)])
        # holes with islands of their own cannot be written as rings: cut them out
        odd = shapely.get_num_interior_rings(holes) > 0
        own, part = shapely.get_rings(shapely.get_parts(outline), return_index=True)
        shell = np.r_[True, part[1:] != part[:-1]]
        rings = shapely.get_exterior_ring(holes[~odd])
        out = _polygon(own[shell], own[~shell], part[~shell], rings, points[~odd])
        if odd.any():
            out = shapely.difference(out, shapely.union_all(holes[odd]))
        return out

    def in_whole(self, whole: np.ndarray, points: np.ndarray) -> np.ndarray:
        """Whether each point lies in a ``whole`` block (or on its outline)."""
        point_i, face_i = self.face_tree.query(points, predicate="intersects")
        out = np.zeros(len(points), dtype=bool)
        out[point_i[whole[face_i]]] = True
        return out


def _polygon(
    shells: np.ndarray,
    holes: np.ndarray,
    hole_shell: np.ndarray,
    loose: np.ndarray,
    points: np.ndarray | None = None,
) -> shapely.Geometry:
    """A (Multi)Polygon of ``shells`` with ``holes`` (rings; ``hole_shell`` is the index of
    each one's shell) and ``loose`` rings, each a hole of the innermost shell around it
    (found from ``points``, a point inside each; default: its first vertex).
    """
    if len(shells) == 0:
        return shapely.Polygon()
    owner = _innermost(shells, shapely.get_point(loose, 0) if points is None else points)
    rings = np.concatenate([shells, holes, loose[owner >= 0]])
    index = np.concatenate([np.arange(len(shells)), hole_shell, owner[owner >= 0]])
    order = np.argsort(index, kind="stable")  # each shell stays first
    polys = shapely.polygons(rings[order], indices=index[order])
    return polys[0] if len(polys) == 1 else shapely.multipolygons(polys)


def _innermost(shells: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Index of the innermost of ``shells`` (rings) around each point; -1 for none."""
    if len(shells) == 1:
        return np.zeros(len(points), dtype=np.int64)
    polys = shapely.polygons(shells)
    point_i, shell_i = shapely.STRtree(polys).query(points, predicate="within")
    order = np.lexsort((shapely.area(polys)[shell_i], point_i))  # smallest first
    first = np.unique(point_i[order], return_index=True)[1]
    owner = np.full(len(points), -1, dtype=np.int64)
    owner[point_i[order][first]] = shell_i[order][first]
    return owner


def _subtract(geoms: np.ndarray, target: np.ndarray, cutters: np.ndarray, workers=1) -> np.ndarray:
    """``geoms`` with each ``cutters[k]`` taken from ``geoms[target[k]]``: vectorised, one
    round per cutter rank, so each GEOS call handles one small pair (on ``workers``
    threads: see :func:`heartgeo.parallel.chunked`).
    """
    order = np.argsort(target, kind="stable")
    target, cutters = target[order], cutters[order]
    geoms = geoms.copy()
    rank = np.arange(len(target)) - np.searchsorted(target, target)
    for k in range(int(rank.max(initial=-1)) + 1):
        sel = rank == k
        geoms[target[sel]] = chunked(
            shapely.difference, geoms[target[sel]], cutters[sel], workers=workers
        )
    return geoms


def _minus(holes: np.ndarray, buffers: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Which of ``holes`` the polygons ``buffers`` reach, and the parts of those holes
    outside every buffer (each hole cut only by the few buffers that reach it).
    """
    h_i, b_i = shapely.STRtree(buffers).query(holes, predicate="intersects")
    hit = np.zeros(len(holes), dtype=bool)
    hit[h_i] = True
    parts = shapely.get_parts(_subtract(holes, h_i, buffers[b_i])[hit])
    return hit, parts[shapely.area(parts) > 0]


def _holes(faces: np.ndarray, cuts, dangles, buffer_m: float, workers: int | None = None):
    """The faces kept and the holes of each: points farther than ``buffer_m`` from its
    boundary and from the road pieces inside it; ``(faces, holes, hole's face)``.
    """
    # holes: points of a face farther than buffer_m from its boundary and from the
    # road pieces inside it (dead ends, links to islands)
    # built once per network, in a step of its own: on every core
    holes = chunked(
        lambda f: shapely.buffer(f, -buffer_m, quad_segs=QUAD_SEGS), faces, workers=workers
    )
    inner = np.concatenate([shapely.get_parts(cuts), shapely.get_parts(dangles)])
    mid = shapely.line_interpolate_point(inner, 0.5, normalized=True)
    in_face, in_piece = shapely.STRtree(mid).query(faces, predicate="contains")
    inner = chunked(
        lambda g: shapely.buffer(g, buffer_m, quad_segs=QUAD_SEGS), inner[in_piece], workers=workers
    )
    holes = _subtract(holes, in_face, inner, workers=workers)
    # a millimetre further in: a frontier buffer drawn along the same offset line as a hole
    # (most of those that reach one) then misses it instead of touching it, and only real
    # overlaps are cut per band (Blocks.assemble)
    holes = chunked(
        lambda h: shapely.buffer(h, -HOLE_MARGIN_M, quad_segs=QUAD_SEGS, join_style="mitre"),
        holes,
        workers=workers,
    )
    parts, part_face = shapely.get_parts(holes, return_index=True)
    keep = ~shapely.is_empty(parts) & (shapely.area(parts) > 0)
    parts, part_face = parts[keep], part_face[keep]
    # a hole with an island inside it cannot be written back as one ring: such (rare)
    # faces are left to the frontier
    odd = np.zeros(len(faces), dtype=bool)
    odd[part_face[shapely.get_num_interior_rings(parts) > 0]] = True
    new_index = np.cumsum(~odd) - 1
    faces = faces[~odd]
    keep = ~odd[part_face]
    parts, part_face = parts[keep], new_index[part_face[keep]]

    return faces, parts, part_face


def _frontier(net, roads: np.ndarray, lines: np.ndarray, faces: np.ndarray):
    """Face x road pairs that touch, and the edges that are always frontier (no block's
    road, or on the outline of the blocks).
    """
    # a block is whole when every road touching it is reached in full
    tree = shapely.STRtree(lines)
    face_i, road_i = tree.query(faces, predicate="intersects")
    frontier = np.zeros(net.n_edges, dtype=bool)
    touched = np.zeros(len(roads), dtype=bool)
    touched[road_i] = True
    frontier[roads[~touched]] = True
    # roads on the outline of the blocks (the outside, dropped faces) are frontier
    outline = shapely.get_rings(shapely.get_parts(shapely.coverage_union_all(faces)))
    coords, ring = shapely.get_coordinates(outline, return_index=True)
    same = ring[1:] == ring[:-1]
    segments = shapely.linestrings(np.stack([coords[:-1][same], coords[1:][same]], axis=1))
    _, near = tree.query(segments, predicate="intersects")
    frontier[roads[near]] = True
    return face_i, road_i, frontier
