"""Band polygons traced on the network's travel-time grid: the fast path of
:mod:`heartgeo.analysis.isochrones` (``method="fast"``).

:class:`heartgeo.network.timegrid.TimeGrid` gives every cell centre the earliest time a
reached road point comes within the buffer of it; contourpy's filled contours (marching
squares) trace each band on that field, in metres.
"""

from __future__ import annotations

import contourpy
import numpy as np
import shapely

from heartgeo.network.arrays import RoadNetwork


def grid_bands(
    net: RoadNetwork,
    node_times: np.ndarray,
    seconds: list[float],
    buffer_m: float,
    cell_m: float | None = None,
) -> list[shapely.Geometry]:
    """The band polygons of one set of node times for ascending ``seconds``, traced on the
    network's travel-time grid (the fast path).

    Every cell centre gets the earliest time at which a reached road point comes within
    ``buffer_m`` of it (:meth:`heartgeo.network.timegrid.TimeGrid.field`); a band is the
    region where that time is at most the band's, traced by contourpy's filled contours
    (marching squares, outlines interpolated between cell centres). All bands are traced on
    one field, so each contains the smaller ones. Edges lie within about one cell
    (``cell_m``, default a fifth of the buffer) of :func:`nested_bands`'s.

    Parameters
    ----------
    net
        The road network.
    node_times
        Seconds to every node, shape (N,) (``inf`` where not reached).
    seconds
        Band limits in seconds, ascending.
    buffer_m
        Width around reached road (metres).
    cell_m
        Grid cell size in metres (default: see :meth:`heartgeo.network.timegrid.TimeGrid.build`).
    """
    grid = net.time_grid(buffer_m, cell_m)
    limit = max(seconds) if len(seconds) else 0.0
    window, c0, r0 = grid.field(node_times, limit)
    scale = grid.scale(limit)
    lowest = (window.min(axis=1), window.min(axis=0))  # per row, per column
    x0 = grid.origin[0] + (c0 + 0.5) * grid.cell_m  # the window's first cell centre
    y0 = grid.origin[1] + (r0 + 0.5) * grid.cell_m
    whole = None  # one generator on the whole window, made when first needed
    out = []
    for t in seconds:
        # cells hold ceil(time * scale): a cell is within t when its value is at most
        # floor(t * scale); the outline runs half a unit above that
        level = np.floor(t * scale + 1e-9) + 0.5
        ra, rb, ca, cb = _holding(*lowest, level)
        if rb == ra:  # nothing reached within t
            out.append(shapely.Polygon())
            continue
        if (rb - ra) * (cb - ca) < SMALL_BAND_SHARE * window.size:
            # a small band is traced on the part of the window that holds it: making a
            # generator costs about as much per cell as tracing
            corner = (x0 + ca * grid.cell_m, y0 + ra * grid.cell_m)
            trace = _generator(window[ra:rb, ca:cb], corner, grid.cell_m)
        else:
            whole = _generator(window, (x0, y0), grid.cell_m) if whole is None else whole
            trace = whole
        out.append(_polygons(*trace.filled(-1.0, level)))
    return out


#: A band whose box covers less than this share of the field's window gets its own,
#: smaller contour generator.
SMALL_BAND_SHARE = 0.25


def _holding(row_lowest: np.ndarray, col_lowest: np.ndarray, level: float):
    """Rows ``[ra, rb)`` and columns ``[ca, cb)`` of a window holding every cell at or
    below ``level``, with a border of one cell (an empty box if there is none), from the
    window's lowest value in each row and in each column.
    """
    rows = np.flatnonzero(row_lowest <= level)
    if len(rows) == 0:
        return 0, 0, 0, 0
    cols = np.flatnonzero(col_lowest <= level)
    ra, rb = max(rows[0] - 1, 0), min(rows[-1] + 2, len(row_lowest))
    ca, cb = max(cols[0] - 1, 0), min(cols[-1] + 2, len(col_lowest))
    return int(ra), int(rb), int(ca), int(cb)


def _generator(z: np.ndarray, corner: tuple[float, float], cell_m: float):
    """The filled-contour generator of contourpy on ``z``, whose first cell centre lies at
    ``corner`` (metres), so outlines come in metres. The threaded generator (with one
    thread) releases the GIL, so band_polygons' threads trace in parallel; the serial one
    does not. Made with the class itself: ``contourpy.contour_generator`` would also look
    for NaN in ``z`` (there are none) and lay out every cell's coordinates.
    """
    rows, cols = z.shape
    # the coordinates as read-only broadcast views: no (rows, cols) arrays are laid out
    x = np.broadcast_to(corner[0] + cell_m * np.arange(cols), (rows, cols))
    y = np.broadcast_to((corner[1] + cell_m * np.arange(rows))[:, None], (rows, cols))
    return contourpy.ThreadedContourGenerator(
        x,
        y,
        z.astype(np.float64),
        None,
        corner_mask=True,
        line_type=contourpy.LineType.Separate,
        fill_type=contourpy.FillType.OuterOffset,
        quad_as_tri=False,
        z_interp=contourpy.ZInterp.Linear,
        thread_count=1,
    )


def _polygons(points: list[np.ndarray], offsets: list[np.ndarray]) -> shapely.Geometry:
    """One (Multi)Polygon from contourpy's ``OuterOffset`` output: per polygon, its
    points and where each of its rings starts.
    """
    if not points:
        return shapely.Polygon()
    first = np.cumsum([0] + [len(p) for p in points[:-1]])  # each polygon's first point
    rings = np.concatenate([o[:-1] + f for o, f in zip(offsets, first, strict=True)])
    ring_ends = np.r_[rings, sum(len(p) for p in points)]
    poly_ends = np.cumsum([0] + [len(o) - 1 for o in offsets])
    xy = np.concatenate(points)
    if len(points) == 1:
        return shapely.from_ragged_array(shapely.GeometryType.POLYGON, xy, (ring_ends, poly_ends))[
            0
        ]
    parts = (ring_ends, poly_ends, np.array([0, len(points)]))
    return shapely.from_ragged_array(shapely.GeometryType.MULTIPOLYGON, xy, parts)[0]
