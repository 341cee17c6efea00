"""The travel models in the planner's page (``page_data`` of each model): the crow-fly
model is its seconds per metre; the road network is compact typed arrays for the page's
own shortest-path search and the network model's covered rule.

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


def network_page(
    model,
    origin: np.ndarray,
    centres: np.ndarray,
    reach_m: float,
    points: np.ndarray,
    max_snap_m: float,
) -> dict:
    """The network's arrays (base64-packed, coordinates less ``origin``), the segments
    within ``reach_m`` + ``buffer_m`` of each cell centre (``centres``), and the rows of
    the covered rule for each demand point (``points``).
    """
    net, buffer_m = model.net, float(model.buffer_m)
    csr = net.csr
    seg_edge, a, b, offset = net.segments
    pace = net.time_s[seg_edge] / np.maximum(net.length_m[seg_edge], 1e-9)
    ci, si = net.segment_tree.query(shapely.points(centres), predicate="dwithin",
                                    distance=reach_m + buffer_m)  # fmt: skip
    order = np.lexsort((si, ci))
    ci, si = ci[order], si[order]
    cell_start = np.searchsorted(ci, np.arange(len(centres) + 1))
    pi, edge, extra = model.approach(points)
    order = np.argsort(pi, kind="stable")
    pi, edge, extra = pi[order], edge[order], extra[order]
    point_start = np.searchsorted(pi, np.arange(len(points) + 1))
    sides = 4 * QUAD_SEGS  # an arc's polygon: inscribed, 4 x QUAD_SEGS sides a circle
    return {
        "kind": "network",
        "buffer_m": buffer_m,
        # the radius (a share of buffer_m) of the circle whose area the polygon has
        "arc_radius": float(np.sqrt(sides / (2 * np.pi) * np.sin(2 * np.pi / sides))),
        "max_snap_m": float(max_snap_m),
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
        "point_known": packed(model.known(points), "<u1"),
    }
