"""Coverage of many sets of units at once, from each unit's own band polygons.

Coverage by hour of the week needs the residents within each band of the units on duty,
for every distinct set of units on duty: two sets when every unit keeps the same hours,
hundreds when units are staggered. Measuring the dissolved polygons of each set costs a
set of isochrones and a cut of the cells per set. Here each unit's polygons are cut by the
demand cells once, and a set's coverage is combined per cell:

- a cell that some on-duty unit's band covers wholly counts whole (one sparse product
  gives this for every set and cell);
- a cell that on-duty units only cut takes the area of the union of their parts, computed
  once per distinct combination of cutting units (a cell is cut by few units);
- any other cell counts nothing.

The figures are those of :meth:`heartgeo.analysis.coverage.MeasureGrid.measure` on the
dissolved polygons of the set (population spread evenly over each cell), up to rounding.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import shapely
from scipy import sparse

from heartgeo.analysis.coverage import MeasureGrid, ZoneCut
from heartgeo.geometry import clip_to_area

#: sets combined per block (bounds the dense sets x cells array at about 64 MB)
_BLOCK_CELLS = 16_000_000


@dataclass
class UnitCuts:
    """One band's polygons of every unit, cut by the cells that hold residents of a zone.

    Attributes
    ----------
    value
        Residents per square metre of each of the zone's cells, shape (C,).
    whole_pop
        Residents of the zone in each cell (its part of the cell), shape (C,).
    whole
        Sparse (U, C): the unit's band covers the cell's part of the zone wholly.
    parts
        For each cell that units only cut: those units, the number of each one's piece,
        and the distinct pieces (of the cell's part of the zone) with their areas.
    nested
        For each such cell, (m, m) boolean: piece ``i`` lies inside piece ``j`` (``j``
        first when two are equal), so that a combination needs only its outermost pieces.
    """

    value: np.ndarray
    whole_pop: np.ndarray
    whole: sparse.csr_array
    parts: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]
    nested: dict[int, np.ndarray] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.nested = _nested(self.parts)

    @classmethod
    def build(
        cls, grid: MeasureGrid, zone: ZoneCut, unit_polygons: list[shapely.Geometry | None]
    ) -> UnitCuts:
        """Cut each unit's polygon (``unit_polygons[u]``, one band) by the zone's cells."""
        cells = np.concatenate([zone.whole, zone.edge])
        cells = cells[grid.population[cells] > 0]
        zone_part = np.full(len(grid.cells), None, dtype=object)
        zone_part[zone.edge] = zone.edge_parts
        zone_part = zone_part[cells]  # None: the zone holds the whole cell
        sub = shapely.STRtree(grid.cells[cells])
        whole, cut = [], []
        for u, poly in enumerate(unit_polygons):
            if poly is None or poly.is_empty:
                continue
            near = sub.query(poly)
            pieces = clip_to_area(grid.cells[cells[near]], poly)
            area = shapely.area(pieces)
            full = area >= grid.cell_area[cells[near]] * (1 - 1e-9)
            whole.append(np.c_[np.full(full.sum(), u), near[full]])
            part = (area > 0) & ~full
            cut.append((np.full(part.sum(), u), near[part], pieces[part]))
        return cls(
            value=grid.population[cells] / grid.cell_area[cells],
            whole_pop=grid.population[cells] * zone.weight[cells],
            whole=_incidence(whole, (len(unit_polygons), len(cells))),
            parts=_group_parts(cut, zone_part),
        )

    def residents(self, sets: np.ndarray) -> np.ndarray:
        """Residents within the band of an on-duty unit for each set, ``sets`` (K, U)."""
        sets = np.asarray(sets, dtype=bool)
        out = np.zeros(len(sets))
        block = max(1, _BLOCK_CELLS // max(len(self.value), 1))
        part_cells = np.fromiter(self.parts, dtype=np.int64, count=len(self.parts))
        for start in range(0, len(sets), block):
            chunk = sets[start : start + block]
            covered = (self.whole.T @ chunk.T.astype(np.float32)).T > 0  # (k, C)
            out[start : start + block] = covered.astype(float) @ self.whole_pop
            if len(part_cells):
                out[start : start + block] += self._partial(chunk, covered[:, part_cells])
        return out

    def _partial(self, sets: np.ndarray, covered: np.ndarray) -> np.ndarray:
        """Residents in the cells that on-duty units only cut, per set."""
        out = np.zeros(len(sets))
        for j, (cell, (units, piece_of, geoms, areas)) in enumerate(self.parts.items()):
            on_unit = sets[:, units] & ~covered[:, j, None]  # (k, n): cutting units on duty
            on = np.zeros((len(sets), len(geoms)), dtype=bool)  # (k, m): their pieces
            for i, p in enumerate(piece_of):
                on[:, p] |= on_unit[:, i]
            if len(geoms) > 1:  # a piece inside another piece on duty adds nothing
                inside = self.nested[cell]
                on &= ~((on.astype(np.float32) @ inside.T.astype(np.float32)) > 0)
            combos, inverse = np.unique(np.packbits(on, axis=1), axis=0, return_inverse=True)
            combo_area = np.array(
                [_union_area(geoms, areas, row) for row in _unpack(combos, len(geoms))]
            )
            out += combo_area[inverse.reshape(-1)] * self.value[cell]
        return out


def _incidence(pairs: list[np.ndarray], shape: tuple[int, int]) -> sparse.csr_array:
    """A sparse 0/1 matrix from (row, column) pairs."""
    both = np.concatenate(pairs) if pairs else np.zeros((0, 2), dtype=np.int64)
    ones = np.ones(len(both), dtype=np.float32)
    return sparse.csr_array((ones, (both[:, 0], both[:, 1])), shape=shape)


def _group_parts(cut: list[tuple], zone_part: np.ndarray) -> dict:
    """The cut pieces grouped by cell (local index), kept to the zone's part of the cell.

    Units that cut a cell alike (the same piece, to a millimetre: on a road network, the
    buffers of the same fully reached roads) share one piece: per cell, ``(unit, piece
    number)`` pairs, the distinct pieces and their areas.
    """
    if not cut:
        return {}
    units, cells, pieces = (np.concatenate([c[i] for c in cut]) for i in range(3))
    edge = np.flatnonzero(zone_part[cells] != None)  # noqa: E711 (an object array)
    pieces[edge] = shapely.intersection(pieces[edge], zone_part[cells[edge]])
    areas = shapely.area(pieces)
    keep = areas > 0
    units, cells, pieces, areas = units[keep], cells[keep], pieces[keep], areas[keep]
    keys = shapely.to_wkb(shapely.normalize(shapely.set_precision(pieces, 0.001)))
    order = np.lexsort((keys, cells))
    units, cells, pieces, areas, keys = (a[order] for a in (units, cells, pieces, areas, keys))
    starts = np.r_[0, np.flatnonzero(np.diff(cells)) + 1]
    ends = np.r_[starts[1:], len(cells)]
    out = {}
    for a, b in zip(starts, ends, strict=True):
        new = np.r_[True, keys[a + 1 : b] != keys[a : b - 1]]
        piece_of = np.cumsum(new) - 1
        out[int(cells[a])] = (units[a:b], piece_of, pieces[a:b][new], areas[a:b][new])
    return out


def _nested(parts: dict) -> dict[int, np.ndarray]:
    """Which distinct piece of a cell lies inside which other (one vectorised test)."""
    pairs = [
        (cell, i, j)
        for cell, (_, _, geoms, _) in parts.items()
        for i in range(len(geoms))
        for j in range(len(geoms))
        if i != j
    ]
    out = {cell: np.zeros((len(p[2]), len(p[2])), dtype=bool) for cell, p in parts.items()}
    if not pairs:
        return out
    cell, i, j = (np.array(c) for c in zip(*pairs, strict=True))
    geoms = {c: p[2] for c, p in parts.items()}
    inner = np.array([geoms[c][a] for c, a in zip(cell, i, strict=True)], dtype=object)
    outer = np.array([geoms[c][b] for c, b in zip(cell, j, strict=True)], dtype=object)
    hit = shapely.covers(outer, inner)
    for c, a, b in zip(cell[hit], i[hit], j[hit], strict=True):
        out[int(c)][a, b] = not out[int(c)][b, a]  # of two equal pieces, keep one
    return out


def _union_area(geoms: np.ndarray, areas: np.ndarray, on: np.ndarray) -> float:
    """Area of the union of the chosen parts (``on``, boolean)."""
    n = int(on.sum())
    if n == 0:
        return 0.0
    if n == 1:
        return float(areas[on][0])
    return float(shapely.area(shapely.union_all(geoms[on])))


def _unpack(packed: np.ndarray, n: int) -> np.ndarray:
    """Rows of booleans from :func:`numpy.packbits` rows of ``n`` bits."""
    return np.unpackbits(packed, axis=1, count=n).astype(bool)
