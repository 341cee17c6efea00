"""Travel models: the sparse-graph network engine and the crow-fly screening model.

Both models answer the same questions with the same shapes, so the rest of the
pipeline does not care which one made a result:

- :meth:`TravelModel.node_times` -- seconds from the nearest unit to every network node;
- :meth:`TravelModel.point_times` -- seconds from the nearest unit to arbitrary points.

The network engine runs scipy's multi-source Dijkstra (``scipy.sparse.csgraph``) once
per scenario; its node times are then reused for every band, the demand cells and the
maps (compute once, cut many).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from scipy.sparse.csgraph import dijkstra

from heartgeo.config import DEFAULT_BUFFER_M
from heartgeo.network.arrays import RoadNetwork


def node_travel_times(
    net: RoadNetwork, sources: np.ndarray, *, limit_s: float = np.inf, per_source: bool = False
) -> np.ndarray:
    """Shortest travel times (seconds) from source nodes over the network.

    Parameters
    ----------
    net
        The road network.
    sources
        Node indices of the origins.
    limit_s
        Stop searching beyond this time; farther nodes get ``inf``.
    per_source
        If True return one row per source, shape (S, N); else the time from the nearest
        source, shape (N,), in a single multi-source search.
    """
    sources = np.unique(np.asarray(sources, dtype=np.int64)) if not per_source else sources
    if len(sources) == 0:
        return np.full((0, net.n_nodes) if per_source else net.n_nodes, np.inf)
    if per_source:
        return np.atleast_2d(
            dijkstra(net.csr, directed=True, indices=np.asarray(sources), limit=limit_s)
        )
    return dijkstra(net.csr, directed=True, indices=sources, limit=limit_s, min_only=True)


def _choice(model) -> dict:
    """What every model records first: its name, the model asked for and why this one
    runs, whether it is a screening estimate, and its label.
    """
    return {
        "name": model.name,
        "requested": model.requested,
        "chosen_because": model.chosen_because,
        "screening": model.screening,
        "label": model.label,
    }


@dataclass
class NetworkModel:
    """Drive times over the road network (free-flow speeds).

    One definition of "covered" serves the polygons, the tables, the percentiles and the
    siting: a place is within ``T`` minutes when it lies within ``buffer_m`` of a road
    point reached within ``T`` (the isochrone polygons are exactly the places that meet
    this). A point's time is therefore the earliest time at which the reached part of a
    road comes within ``buffer_m`` of it; points farther than ``buffer_m`` from every road
    are never reached (``inf``), points outside the network extent unknown (``nan``).
    """

    net: RoadNetwork
    buffer_m: float = DEFAULT_BUFFER_M
    name: str = "network"
    #: the ``--travel-model`` asked for (``auto``, ``network``) and why this model runs
    requested: str = "network"
    chosen_because: str = "travel model 'network' was asked for"
    #: how isochrone polygons are drawn (``exact`` or ``fast``, see ``--polygons``)
    polygons: str = "exact"
    screening: ClassVar[bool] = False

    @property
    def short_label(self) -> str:
        """The model's name in headlines and titles."""
        if self.polygons == "fast":
            return "network drive times, fast polygons"
        return "network drive times"

    @property
    def label(self) -> str:
        """One or two sentences for map legends and summaries."""
        if self.polygons == "fast":
            from heartgeo.network.timegrid import default_cell_m

            cell = default_cell_m(self.net.extent, self.buffer_m)
            return (
                "Free-flow drive time on OpenStreetMap roads. Fast polygons: traced on a "
                f"{cell:.0f} m travel-time grid, their edges within about {cell:.0f} m of the "
                "exact ones (a preview; run with --polygons exact for final figures)."
            )
        return "Free-flow drive time on OpenStreetMap roads."

    def describe(self) -> dict:
        """The model as recorded in ``summary.json``."""
        return {
            **_choice(self),
            "description": "shortest free-flow drive time over the OpenStreetMap road network "
            "(scipy.sparse.csgraph Dijkstra); speeds from maxspeed, per-class defaults elsewhere",
            "covered_rule": f"within {self.buffer_m:g} m of a road point reached in time "
            "(the isochrone polygons' rule)",
            "polygons": self.polygons,
        }

    def node_times(self, sources: np.ndarray, limit_s: float = np.inf) -> np.ndarray:
        """Seconds from the nearest of ``sources`` to every node (``inf`` beyond ``limit_s``)."""
        return node_travel_times(self.net, sources, limit_s=limit_s)

    def known(self, xy: np.ndarray) -> np.ndarray:
        """Whether each point lies inside the network extent (its travel time is known)."""
        import shapely

        return shapely.intersects_xy(self.net.extent, xy[:, 0], xy[:, 1])

    def approach(self, xy: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """How each point is reached: (point index, edge index, seconds from the edge's
        start node until the edge comes within ``buffer_m`` of the point), one row per
        edge segment near a point. Depends on the points only, not on the origins.
        """
        import shapely

        net = self.net
        seg_edge, a, b, offset = net.segments
        pts = np.asarray(xy, dtype=float).reshape(-1, 2)
        pi, si = net.segment_tree.query(
            shapely.points(pts), predicate="dwithin", distance=self.buffer_m
        )
        u = b[si] - a[si]
        length = np.hypot(u[:, 0], u[:, 1])
        unit = u / np.maximum(length, 1e-12)[:, None]
        rel = pts[pi] - a[si]
        proj = (rel * unit).sum(axis=1)
        perp2 = np.maximum((rel * rel).sum(axis=1) - proj**2, 0.0)
        # the first position along the segment within buffer_m of the point (exact for a
        # straight segment: where the segment's line enters the circle), from its start
        first = np.maximum(proj - np.sqrt(np.maximum(self.buffer_m**2 - perp2, 0.0)), 0.0)
        ok = first <= length + 1e-9
        pi, si, first = pi[ok], si[ok], first[ok]
        edge = seg_edge[si]
        pace = net.time_s[edge] / np.maximum(net.length_m[edge], 1e-9)  # seconds per metre
        return pi, edge, (offset[si] + first) * pace

    def point_times(
        self, node_times: np.ndarray, xy: np.ndarray, approach: tuple | None = None
    ) -> np.ndarray:
        """Seconds to points ``xy`` given node times: of a scenario, shape (N,), or one row
        per origin, shape (S, N), giving shape (P,) or (S, P).

        For every directed road ``u -> v`` near a point, the first position along it
        within ``buffer_m`` of the point is reached at ``t(u)`` plus the time to drive
        there; the point's time is the earliest of these (see the class). ``approach``
        (from :meth:`approach` for the same points) saves recomputing the geometry.
        """
        pi, edge, extra = approach if approach is not None else self.approach(xy)
        arrive = node_times[..., self.net.u[edge]] + extra
        n_points = len(np.asarray(xy).reshape(-1, 2))
        out = np.full(np.shape(node_times)[:-1] + (n_points,), np.inf)
        if len(pi):
            order = np.argsort(pi, kind="stable")
            pi, arrive = pi[order], arrive[..., order]
            starts = np.r_[0, np.flatnonzero(np.diff(pi)) + 1]
            out[..., pi[starts]] = np.minimum.reduceat(arrive, starts, axis=-1)
        return np.where(self.known(xy), out, np.nan)

    def cost_matrix(self, nodes: np.ndarray, xy: np.ndarray, chunk: int = 256) -> np.ndarray:
        """Seconds from each origin node to each point, shape (S, P): one search per origin,
        then :meth:`point_times`, ``chunk`` origins at a time (memory S x P, not S x N).
        """
        nodes = np.asarray(nodes)
        out = np.empty((len(nodes), len(xy)))
        approach = self.approach(xy)
        for start in range(0, len(nodes), chunk):
            part = nodes[start : start + chunk]
            out[start : start + len(part)] = self.point_times(
                node_travel_times(self.net, part, per_source=True), xy, approach
            )
        return out


@dataclass
class CrowflyModel:
    """Straight-line screening model: time = distance x circuity / speed.

    ``circuity`` (network distance / straight-line distance) and ``speed_kmh`` are
    calibrated from a loaded network with :func:`calibrate_crowfly`, or given. It needs
    no road data at the destination, so it can screen the whole city where no city-wide
    network is at hand; it ignores barriers (rivers, freeways, one-way streets), so its
    polygons are circles and its results are a first approximation.
    """

    circuity: float
    speed_kmh: float
    calibration: dict | None = None
    name: str = "crowfly"
    requested: str = "crowfly"
    chosen_because: str = "travel model 'crowfly' was asked for"
    screening: ClassVar[bool] = True

    @property
    def short_label(self) -> str:
        """The model's name in headlines and titles."""
        return "crow-fly screening"

    @property
    def label(self) -> str:
        """The screening label every reader sees (headline, map title and legend, summary)."""
        cal = self.calibration or {}
        where = cal.get("network_title") or cal.get("network") or "the loaded roads"
        how = "given" if cal.get("overridden") else f"calibrated on {where}"
        return (
            f"screening estimate: straight-line distance \u00d7 circuity {self.circuity:.2f} "
            f"at {self.speed_kmh:.1f} km/h, {how}; run `heartgeo fetch` for drive-time polygons"
        )

    @property
    def seconds_per_metre(self) -> float:
        """Seconds per metre of straight-line distance."""
        return self.circuity / (self.speed_kmh / 3.6)

    def radius_m(self, seconds: float) -> float:
        """Straight-line reach (metres) in ``seconds``."""
        return seconds / self.seconds_per_metre

    def describe(self) -> dict:
        """The model as recorded in ``summary.json``."""
        return {
            **_choice(self),
            "description": "straight-line screening model: time = distance x circuity / speed",
            "circuity": round(self.circuity, 4),
            "speed_kmh": round(self.speed_kmh, 3),
            "calibration": self.calibration,
        }

    def cost_matrix(self, sites_xy: np.ndarray, xy: np.ndarray, chunk: int = 256) -> np.ndarray:
        """Seconds from each site to each point, shape (S, P), ``chunk`` sites at a time."""
        out = np.empty((len(sites_xy), len(xy)))
        for start in range(0, len(sites_xy), chunk):
            s = sites_xy[start : start + chunk]
            d = np.hypot(s[:, None, 0] - xy[None, :, 0], s[:, None, 1] - xy[None, :, 1])
            out[start : start + len(s)] = d * self.seconds_per_metre
        return out

    def point_times_from(self, units_xy: np.ndarray, xy: np.ndarray) -> np.ndarray:
        """Seconds from the nearest unit to each point."""
        from scipy.spatial import cKDTree

        if len(units_xy) == 0:
            return np.full(len(xy), np.inf)
        dist, _ = cKDTree(units_xy).query(xy)
        return dist * self.seconds_per_metre


def calibrate_crowfly(
    net: RoadNetwork,
    *,
    n_origins: int = 60,
    max_minutes: float = 20.0,
    min_distance_m: float = 300.0,
    seed: int = 0,
) -> CrowflyModel:
    """Fit the crow-fly model's circuity and speed on the loaded network.

    From ``n_origins`` random nodes (fixed seed), one Dijkstra by length and one by time
    reach every node within ``max_minutes``; pairs closer than ``min_distance_m`` in a
    straight line are ignored. ``circuity`` is the median of shortest network distance /
    straight-line distance; the speed is chosen so that the model's median time per
    straight-line metre equals the network's (median of travel time / straight distance).
    """
    rng = np.random.default_rng(seed)
    origins = rng.choice(net.n_nodes, size=min(n_origins, net.n_nodes), replace=False)
    times = dijkstra(net.csr, indices=origins, limit=max_minutes * 60.0)
    length_graph = net.adjacency(net.length_m)
    lengths = dijkstra(length_graph, indices=origins)
    straight = np.hypot(
        net.xy[None, :, 0] - net.xy[origins, 0][:, None],
        net.xy[None, :, 1] - net.xy[origins, 1][:, None],
    )
    ok = np.isfinite(times) & np.isfinite(lengths) & (straight >= min_distance_m)
    if ok.sum() < 10:
        raise ValueError("network too small to calibrate the crow-fly model")
    circuity = float(np.median(lengths[ok] / straight[ok]))
    pace = float(np.median(times[ok] / straight[ok]))  # seconds per straight metre
    speed_kmh = circuity / pace * 3.6
    calibration = {
        "network": net.source,
        "origins": int(len(origins)),
        "pairs": int(ok.sum()),
        "max_minutes": max_minutes,
        "min_distance_m": min_distance_m,
        "seed": seed,
        "median_abs_error_s": float(np.median(np.abs(straight[ok] * pace - times[ok]))),
    }
    return CrowflyModel(circuity=circuity, speed_kmh=speed_kmh, calibration=calibration)
