"""The road network in the planner's page: compact typed arrays for its own shortest-path
search and the network model's covered rule (:class:`heartgeo.travel.network.NetworkModel`).

The page carries:

- the nodes (their position, to snap a site to the nearest node as the command line does)
  and the travel-time adjacency in CSR form (``indptr``, ``indices``, seconds), the
  matrix scipy's Dijkstra runs on for the command line;
- every edge's straight segments: start node, ends, distance along the edge to the
  segment's start and the edge's seconds per metre;
- for every demand cell, the segments within ``buffer_m`` of any point of it: a point's
  time is the earliest ``t(u) + (offset + first) x pace`` over them, ``first`` being where
  the segment first comes within ``buffer_m`` of the point (the rule of
  :meth:`~heartgeo.travel.network.NetworkModel.approach`);
- for every cell's representative point (the calls estimate's demand points), the rows of
  that rule, computed here once.
"""

from __future__ import annotations

import base64

import numpy as np
import shapely

from heartgeo.network.blocks import QUAD_SEGS


def packed(values: np.ndarray, dtype: str) -> str:
    """A numeric array as base64 of its little-endian bytes (the page's typed arrays)."""
    return base64.b64encode(np.ascontiguousarray(values, dtype=dtype).tobytes()).decode()


def network_payload(study, origin: np.ndarray) -> dict:
    """The network's arrays (base64-packed, coordinates less ``origin``) and the rows of
    the covered rule per cell and per representative point.
    """
    model = study.model
    net, buffer_m = model.net, float(model.buffer_m)
    csr = net.csr
    seg_edge, a, b, offset = net.segments
    pace = net.time_s[seg_edge] / np.maximum(net.length_m[seg_edge], 1e-9)
    cells = study.demand.cells
    centres = shapely.points(cells["cx"].to_numpy(), cells["cy"].to_numpy())
    reach = study.demand.cell_size_m / np.sqrt(3.0) + buffer_m
    ci, si = net.segment_tree.query(centres, predicate="dwithin", distance=reach)
    order = np.lexsort((si, ci))
    ci, si = ci[order], si[order]
    cell_start = np.searchsorted(ci, np.arange(len(cells) + 1))
    pi, edge, extra = model.approach(study.demand.points)
    order = np.argsort(pi, kind="stable")
    pi, edge, extra = pi[order], edge[order], extra[order]
    point_start = np.searchsorted(pi, np.arange(len(cells) + 1))
    sides = 4 * QUAD_SEGS  # an arc's polygon: inscribed, 4 x QUAD_SEGS sides a circle
    return {
        "buffer_m": buffer_m,
        # the radius (a share of buffer_m) of the circle whose area the polygon has
        "arc_radius": float(np.sqrt(sides / (2 * np.pi) * np.sin(2 * np.pi / sides))),
        "max_snap_m": float(study.settings.max_snap_m),
        "n_nodes": int(net.n_nodes),
        "node_x": packed(net.xy[:, 0] - origin[0], "<f4"),
        "node_y": packed(net.xy[:, 1] - origin[1], "<f4"),
        "indptr": packed(csr.indptr, "<u4"),
        "indices": packed(csr.indices, "<u4"),
        "seconds": packed(csr.data, "<f8"),
        "n_segments": len(seg_edge),
        "seg_u": packed(net.u[seg_edge], "<u4"),
        "seg_ax": packed(a[:, 0] - origin[0], "<f4"),
        "seg_ay": packed(a[:, 1] - origin[1], "<f4"),
        "seg_bx": packed(b[:, 0] - origin[0], "<f4"),
        "seg_by": packed(b[:, 1] - origin[1], "<f4"),
        "seg_offset": packed(offset, "<f4"),
        "seg_pace": packed(pace, "<f4"),
        "cell_start": packed(cell_start, "<u4"),
        "cell_segs": packed(si, "<u4"),
        "point_start": packed(point_start, "<u4"),
        "point_u": packed(net.u[edge], "<u4"),
        "point_extra": packed(extra, "<f8"),
        "point_known": packed(model.known(study.demand.points), "<u1"),
    }
