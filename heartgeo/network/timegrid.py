"""A travel-time grid over the road network: the fast path for isochrone polygons.

The exact polygons (:mod:`heartgeo.analysis.isochrones`) are unions of buffered road
pieces, and their cost grows with the road detail reached. Here the same rule -- a place is
within T when a road point reached within T lies within ``buffer_m`` of it -- is evaluated
on the centres of square cells instead, and the band polygons are traced on that grid
(:func:`heartgeo.analysis.isochrones.grid_bands`). Per network this module places sample
points every half cell along every directed road and remembers the cell of each; per set
of node times it is then array work only:

1. the time of every sample is its road's start time plus the drive along the road;
2. each cell takes its earliest sample (the roads' travel times, rasterised);
3. each cell takes the earliest time among the cells whose centres lie within
   ``buffer_m`` of its centre: a minimum filter over a lattice disk, computed as the
   union of the disk's largest inscribed rectangles, each one two separable passes of
   shifted minima;
4. cells whose centres lie outside the network extent are set to "never".

What it costs in accuracy: a road point is moved to its cell's centre (up to
``cell_m / sqrt 2``), and the traced outline runs between cell centres; so the edges of a
band lie within about one cell of the exact polygon's. Times are kept as integers in
tenths of a second (``uint16``), which makes the filter passes cheap.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely

from heartgeo.geometry import distance_along, prepared_copy

#: Cells per buffer width when no cell size is given (100 m buffer: 20 m cells).
CELLS_PER_BUFFER = 5
#: Largest number of cells a grid may have; coarser cells are used above it.
MAX_CELLS = 40_000_000
#: The grid value of a cell no reached road point is near ("never").
NEVER = np.iinfo(np.uint16).max


@dataclass
class TimeGrid:
    """Where the road network's sample points fall on a square grid.

    Attributes
    ----------
    buffer_m, cell_m
        The isochrone buffer and the cell size (metres).
    origin
        (x, y) of the grid's lower-left corner, EPSG:32119.
    shape
        (rows, columns) of the grid.
    sample_node, sample_offset
        Per sample point: the node its road starts at and the seconds driven from there,
        grouped by cell.
    starts, cells
        Where each occupied cell's samples begin, and that cell's flat index.
    pairs
        The first ``pairs`` cells hold exactly two samples each (a cell with one holds it
        twice): most cells do (a road's two directions), and a pairwise minimum is several
        times cheaper than ``np.minimum.reduceat``.
    outside
        Cells whose centres lie outside the network extent, shape ``shape``.
    rectangles
        Half-widths (columns, rows) of the rectangles whose union is the lattice disk of
        radius ``buffer_m / cell_m``.
    """

    buffer_m: float
    cell_m: float
    origin: tuple[float, float]
    shape: tuple[int, int]
    sample_node: np.ndarray
    sample_offset: np.ndarray
    starts: np.ndarray
    cells: np.ndarray
    outside: np.ndarray
    rectangles: tuple[tuple[int, int], ...]
    pairs: int = 0

    @classmethod
    def build(cls, net, buffer_m: float, cell_m: float | None = None) -> TimeGrid:
        """The grid of ``net`` (a :class:`heartgeo.network.RoadNetwork`).

        Parameters
        ----------
        net
            The road network.
        buffer_m
            Isochrone buffer (metres), as for the exact polygons.
        cell_m
            Cell size in metres; default ``buffer_m / 5``, coarser where the extent would
            need more than 40 million cells.
        """
        if not buffer_m > 0:
            raise ValueError(f"buffer_m={buffer_m!r}: the grid needs a positive buffer")
        minx, miny, maxx, maxy = net.extent.bounds
        if cell_m is None:
            cell_m = default_cell_m(net.extent, buffer_m)
        if not cell_m > 0:
            raise ValueError(f"cell_m={cell_m!r}: the cell size must be positive")
        cols = int(np.ceil((maxx - minx) / cell_m)) + 1
        rows = int(np.ceil((maxy - miny) / cell_m)) + 1

        cells, node, offset, starts, pairs = _samples(net, cell_m, (minx, miny), (rows, cols))
        cx = minx + (np.arange(cols) + 0.5) * cell_m
        cy = miny + (np.arange(rows) + 0.5) * cell_m
        extent = prepared_copy(net.extent)
        inside = shapely.contains_xy(extent, *np.meshgrid(cx, cy))
        return cls(
            buffer_m=float(buffer_m),
            cell_m=float(cell_m),
            origin=(float(minx), float(miny)),
            shape=(rows, cols),
            sample_node=node.astype(np.int64),
            sample_offset=offset,
            starts=starts.astype(np.int64),
            cells=cells,
            outside=~inside,
            rectangles=disk_rectangles(buffer_m / cell_m),
            pairs=pairs,
        )

    def scale(self, limit_s: float) -> float:
        """Grid units per second for times up to ``limit_s``: tenths of a second, or
        coarser when ``limit_s`` would not fit in 16 bits.
        """
        return min(10.0, (int(NEVER) - 2) / max(float(limit_s), 1e-9))

    def field(self, node_times: np.ndarray, limit_s: float) -> tuple[np.ndarray, int, int]:
        """The earliest time within ``buffer_m`` of each cell centre, on the smallest window
        holding everything reached within ``limit_s``.

        Returns (window, first column, first row): ``window`` holds ``ceil(seconds *
        self.scale(limit_s))`` as ``uint16``, :data:`NEVER` where nothing is reached within
        ``limit_s`` or the centre lies outside the network extent.
        """
        times = np.asarray(node_times, dtype=float)[self.sample_node] + self.sample_offset
        split = 2 * self.pairs
        rest = times[split:]
        earliest = np.concatenate(
            [
                np.minimum(times[0:split:2], times[1:split:2]),
                np.minimum.reduceat(rest, self.starts[self.pairs :] - split) if len(rest) else rest,
            ]
        )
        keep = earliest <= limit_s
        if not keep.any():  # nothing reached (or no roads)
            return np.full((2, 2), NEVER, np.uint16), 0, 0
        rows, cols = self.shape
        r, c = np.divmod(self.cells[keep], cols)
        pad = max(a for a, _ in self.rectangles) + 2
        c0, c1 = max(int(c.min()) - pad, 0), min(int(c.max()) + pad + 1, cols)
        r0, r1 = max(int(r.min()) - pad, 0), min(int(r.max()) + pad + 1, rows)
        window = np.full((r1 - r0, c1 - c0), NEVER, np.uint16)
        window[r - r0, c - c0] = np.ceil(earliest[keep] * self.scale(limit_s))
        window = disk_minimum(window, self.rectangles)
        window[self.outside[r0:r1, c0:c1]] = NEVER
        return window, c0, r0


def default_cell_m(extent: shapely.Geometry, buffer_m: float) -> float:
    """The grid's cell size when none is given: a fifth of ``buffer_m``, or coarser where
    ``extent`` would need more than :data:`MAX_CELLS` cells.
    """
    minx, miny, maxx, maxy = extent.bounds
    area = max((maxx - minx) * (maxy - miny), 1.0)
    return max(buffer_m / CELLS_PER_BUFFER, float(np.sqrt(area / MAX_CELLS)))


def disk_rectangles(radius: float) -> tuple[tuple[int, int], ...]:
    """Half-widths (a, b) of the rectangles ``[-a, a] x [-b, b]`` whose union is the set of
    lattice points (i, j) with ``i**2 + j**2 <= radius**2``: for each a, the tallest b;
    rectangles inside a larger one are left out.
    """
    radius = max(float(radius), 0.0)
    tall = [(a, int(np.floor(np.sqrt(radius**2 - a**2) + 1e-9))) for a in range(int(radius) + 1)]
    return tuple(
        (a, b) for i, (a, b) in enumerate(tall) if i + 1 == len(tall) or tall[i + 1][1] < b
    )


def disk_minimum(grid: np.ndarray, rectangles: tuple[tuple[int, int], ...]) -> np.ndarray:
    """The minimum of ``grid`` over the lattice disk around every cell (cells beyond the
    edge count as the largest value): the minimum over the union of ``rectangles``.

    Each rectangle is a pass along the rows then one along the columns, each a running
    minimum over a window built by doubling (:func:`_window_minima`): a window of w cells
    costs about ``log2(w) + 1`` array minima; the row passes share their doublings.
    """
    grid = np.asarray(grid)
    reach = max(max(a, b) for a, b in rectangles)
    largest = np.iinfo(grid.dtype).max if grid.dtype.kind in "ui" else np.inf
    padded = np.pad(grid, reach, constant_values=largest)
    along_rows = _window_minima(padded, sorted({a for a, _ in rectangles}), 1, reach)
    out = None
    for a, b in rectangles:
        rect = _window_minima(along_rows[a], [b], 0, reach)[b]
        out = rect if out is None else np.minimum(out, rect, out=out)
    return out


def _window_minima(padded: np.ndarray, halves: list[int], axis: int, reach: int) -> dict:
    """For each half-width h in ``halves``: the minimum of ``padded`` over ``[i - h, i + h]``
    along ``axis``, for the cells of ``padded`` that lie ``reach`` or more from its ends
    along ``axis`` (the padding is cut off there).

    ``run[w][i]`` is the minimum of the w cells from i on; ``run[2w]`` comes from two
    ``run[w]``, and any width from the largest power of two not above it, twice.
    """
    n = padded.shape[axis]

    def cut(a: np.ndarray, start: int, stop: int) -> np.ndarray:
        return a[:, start:stop] if axis == 1 else a[start:stop]

    run, width = {1: padded}, 1
    while 2 * width <= 2 * max(halves) + 1:
        last = run[width]
        size = last.shape[axis]
        run[2 * width] = np.minimum(cut(last, 0, size - width), cut(last, width, size))
        width *= 2
    out = {}
    for h in halves:
        w = 2 * h + 1
        p = 1 << (w.bit_length() - 1)  # the largest power of two not above w
        base = run[p]
        span = n - w + 1  # windows of w cells that fit
        both = base if p == w else np.minimum(cut(base, 0, span), cut(base, w - p, w - p + span))
        out[h] = cut(both, reach - h, n - reach - h)
    return out


def _samples(net, cell_m: float, origin: tuple[float, float], shape: tuple[int, int]):
    """Samples every half cell along every directed road, and every node, keeping the
    earliest sample per cell and start node: each occupied cell's flat index, the samples'
    start nodes and seconds from there grouped by cell (cells of one or two samples first,
    as pairs), where each cell's samples start, and the number of such pair cells.
    """
    (minx, miny), (rows, cols) = origin, shape
    # sample points every half cell along every directed road, and every node
    dense = shapely.segmentize(net.geometry, cell_m / 2)
    xy, edge = shapely.get_coordinates(dense, return_index=True)
    along = distance_along(xy, edge)
    share = np.clip(along / np.maximum(net.length_m[edge], 1e-9), 0, 1)
    xy = np.r_[xy, net.xy]
    node = np.r_[net.u[edge], np.arange(net.n_nodes)]
    offset = np.r_[share * net.time_s[edge], np.zeros(net.n_nodes)]
    col = np.clip(np.floor((xy[:, 0] - minx) / cell_m), 0, cols - 1).astype(np.int64)
    row = np.clip(np.floor((xy[:, 1] - miny) / cell_m), 0, rows - 1).astype(np.int64)
    cell = row * cols + col
    # a sample's time is its start node's time plus its offset: of the samples in a cell
    # that start at the same node (along one road, or along the node's roads near it), the
    # one with the smallest offset is always the earliest; the others are dropped
    order = np.lexsort((offset, node, cell))
    first = np.r_[
        True, (cell[order][1:] != cell[order][:-1]) | (node[order][1:] != node[order][:-1])
    ]
    order = order[first]
    cell, node, offset = cell[order], node[order], offset[order]
    starts = np.r_[0, np.flatnonzero(np.diff(cell)) + 1] if len(cell) else np.empty(0, int)
    # cells of one or two samples first, as pairs; then the others, grouped by cell
    count = np.diff(np.r_[starts, len(cell)])
    small = count <= 2
    first, last = starts[small], starts[small] + count[small] - 1
    pair_i = np.stack([first, last], axis=1).ravel()
    big = np.flatnonzero(~small)
    big_start = np.cumsum(count[big]) - count[big]  # where each big cell begins in big_i
    big_i = np.arange(int(count[big].sum())) + np.repeat(starts[big] - big_start, count[big])
    take = np.r_[pair_i, big_i].astype(np.int64)
    new_starts = np.r_[np.arange(0, len(pair_i), 2), len(pair_i) + big_start].astype(np.int64)
    cells = np.r_[cell[first], cell[starts[big]]]
    return cells, node[take], offset[take], new_starts, int(small.sum())
