"""The network travel model: free-flow drive times over the road network.

scipy's multi-source Dijkstra (:func:`heartgeo.analysis.routing.node_travel_times`)
runs once per scenario; its node times are cut into every band, the demand cells' times
and the maps (compute once, cut many). Outside the loaded network's extent travel times
are unknown.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

import geopandas as gpd
import numpy as np
import shapely

from heartgeo.analysis.coverage import LayerCut, MeasureGrid
from heartgeo.analysis.isochrones import network_isochrones
from heartgeo.analysis.routing import node_travel_times
from heartgeo.analysis.snapping import nearest_within, snap
from heartgeo.config import DEFAULT_BUFFER_M
from heartgeo.network.arrays import RoadNetwork
from heartgeo.progress import QUIET, Progress
from heartgeo.travel.protocol import choice_record


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
    #: a unit's band polygons by (node, band seconds, buffer, method): scenarios sharing a
    #: site build its polygons once
    memo: dict = field(default_factory=dict, repr=False, compare=False)

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
            **choice_record(self),
            "description": "shortest free-flow drive time over the OpenStreetMap road network "
            "(scipy.sparse.csgraph Dijkstra); speeds from maxspeed, per-class defaults elsewhere",
            "covered_rule": f"within {self.buffer_m:g} m of a road point reached in time "
            "(the isochrone polygons' rule)",
            "polygons": self.polygons,
        }

    def node_times(self, sources: np.ndarray, limit_s: float = np.inf) -> np.ndarray:
        """Seconds from the nearest of ``sources`` to every node (``inf`` beyond ``limit_s``)."""
        return node_travel_times(self.net, sources, limit_s=limit_s)

    def page_data(self, origin, centres, reach_m: float, points, max_snap_m: float) -> dict:
        """The model in the planner's page (:func:`heartgeo.travel.page.network_page`).

        Raises
        ------
        InputError
            With fast polygons: the page measures the exact rule.
        """
        from heartgeo.errors import InputError
        from heartgeo.travel.page import network_page

        if self.polygons != "exact":
            raise InputError("polygons 'fast': the planner's page measures the exact rule; "
                             "give --polygons exact", param="polygons")  # fmt: skip
        return network_page(self, origin, centres, reach_m, points, max_snap_m)

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

    @property
    def extent(self) -> shapely.Geometry:
        """Where travel times are known: the loaded network's extent."""
        return self.net.extent

    def extent_note(self) -> str:
        """What a run does with the city outside the network extent."""
        return "the rest is reported as unknown"

    def area_note(self, extent_pct: float) -> str:
        """How the model covers an area, given the share inside the network extent."""
        return f"the road network covers {extent_pct:.1f} % of the area"

    def locate(
        self, xy: np.ndarray, max_snap_m: float
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Nearest node of each point, its distance, and whether it is within ``max_snap_m``."""
        return nearest_within(self.net, xy, max_snap_m)

    def snap(
        self,
        units: gpd.GeoDataFrame,
        max_snap_m: float,
        source: str,
        progress: Progress = QUIET,
    ) -> gpd.GeoDataFrame:
        """Units snapped to their nearest nodes (``node``, ``snap_m``); a point farther
        than ``max_snap_m`` or on a cut-off road is refused (see
        :func:`heartgeo.analysis.snapping.snap`).
        """
        return snap(units, self.net, max_snap_m, source, progress)

    def place(self, units: gpd.GeoDataFrame, max_snap_m: float) -> gpd.GeoDataFrame:
        """The units within ``max_snap_m`` of a node, with that node (``node``)."""
        node, _, ok = self.locate(np.c_[units.geometry.x, units.geometry.y], max_snap_m)
        return units[ok].assign(node=node[ok]).reset_index(drop=True)

    def known_area(self, area: shapely.Geometry) -> shapely.Geometry:
        """The part of ``area`` inside the network extent."""
        return shapely.intersection(area, self.net.extent)

    def known_cut(self, grid: MeasureGrid) -> LayerCut:
        """The cells' parts inside the network extent."""
        return grid.layer(self.net.extent)

    def unit_times(self, units: gpd.GeoDataFrame, xy: np.ndarray) -> np.ndarray:
        """Seconds from the nearest unit (snapped: ``node``) to each point."""
        return self.point_times(self.node_times(units["node"].to_numpy()), xy)

    def unit_costs(self, units: gpd.GeoDataFrame, xy: np.ndarray) -> np.ndarray:
        """Seconds from each unit (snapped: ``node``) to each point, shape (U, P)."""
        return self.cost_matrix(units["node"].to_numpy(), np.asarray(xy, float).reshape(-1, 2))

    def candidate_costs(
        self, sites_xy: np.ndarray, xy: np.ndarray, max_snap_m: float
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Seconds from each site (snapped to its nearest node) to each point, ``inf`` for
        sites farther than ``max_snap_m`` from the network; their distances and usability.
        """
        node, dist, ok = self.locate(sites_xy, max_snap_m)
        cost = self.cost_matrix(node, xy)  # (sites, points), one search per site
        cost[~ok] = np.inf
        return cost, dist, ok

    def isochrones(
        self,
        units: gpd.GeoDataFrame,
        bands_min: tuple[float, ...],
        area: shapely.Geometry,
        *,
        per_unit: bool = True,
        workers: int | None = None,
    ) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
        """Band polygons of snapped units (``area`` is not needed: bands stay in the
        network extent), memoised per unit site.
        """
        return network_isochrones(
            self.net,
            units,
            bands_min,
            self.buffer_m,
            memo=self.memo,
            workers=workers,
            per_unit=per_unit,
            method=self.polygons,
        )
