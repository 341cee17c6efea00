"""Staging points onto the road network, and the one rule on how far a point may snap."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely

from heartgeo.config import WARN_SNAP_M
from heartgeo.errors import InputError
from heartgeo.network.arrays import RoadNetwork
from heartgeo.progress import QUIET, Progress


def nearest_within(
    net: RoadNetwork, xy: np.ndarray, max_snap_m: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The nearest node of each point, its distance, and whether the point may snap to it.

    Parameters
    ----------
    net
        The road network.
    xy
        Points in EPSG:32119, shape (P, 2).
    max_snap_m
        Longest allowed snap (metres): farther points lie off the loaded network.

    Returns
    -------
    tuple of numpy.ndarray
        Node index, distance (metres) and ``distance <= max_snap_m``, each of shape (P,).
    """
    node, dist = net.nearest_nodes(xy)
    return node, dist, dist <= max_snap_m


def snap(
    points: gpd.GeoDataFrame,
    net: RoadNetwork,
    max_snap_m: float,
    source: str,
    progress: Progress = QUIET,
) -> gpd.GeoDataFrame:
    """Snap points to the nearest network node; refuse points farther than ``max_snap_m``.

    Adds ``node`` (node index) and ``snap_m`` (metres).
    """
    xy = np.c_[points.geometry.x.to_numpy(), points.geometry.y.to_numpy()]
    node, dist, ok = nearest_within(net, xy, max_snap_m)
    if len(net.orphan_xy):
        from scipy.spatial import cKDTree

        orphan_dist, _ = cKDTree(net.orphan_xy).query(xy)
        cut_off = orphan_dist < np.minimum(dist, max_snap_m)
        if cut_off.any():
            row = int(np.flatnonzero(cut_off)[0])
            offset = points.attrs.get("row_offset", 0)
            raise InputError(
                f"staging file {source}, row {row + offset} ({points['id'].iloc[row]}): the "
                f"nearest road ({orphan_dist[row]:.0f} m away) is a part that cannot reach the rest "
                "of the network, or cannot be reached from it (one-way or cut off at the data's "
                "edge): move the point onto a connected road"
            )
    far = ~ok
    if far.any():
        row = int(np.flatnonzero(far)[0])
        offset = points.attrs.get("row_offset", 0)
        where = (
            "outside the loaded road network's extent"
            if not shapely.intersects_xy(net.extent, *xy[row])
            else "on no road connected to the network"
        )
        raise InputError(
            f"staging file {source}, row {row + offset} ({points['id'].iloc[row]}): nearest drivable "
            f"road node is {dist[row]:.0f} m away (> --max-snap {max_snap_m:g} m; the point is {where}): "
            "move the point onto a road, raise --max-snap, or load a network that covers it"
        )
    for row in np.flatnonzero(dist > WARN_SNAP_M):
        outside = not shapely.intersects_xy(net.extent, *xy[row])
        progress.warn(
            f"staging point {points['id'].iloc[row]} snapped {dist[row]:.0f} m to the nearest road node"
            + (" (it lies outside the loaded network's extent)" if outside else "")
        )
    out = points.copy()
    out["node"] = node
    out["snap_m"] = np.round(dist, 1)
    out.attrs.update(points.attrs)
    return out
