"""The crow-fly screening model: time = straight-line distance x circuity / speed.

Its circuity and speed are fitted on the loaded network (:func:`calibrate_crowfly`), so
it screens the whole city where no city-wide road network is at hand; it ignores
barriers, and every output labels it a screening estimate.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import geopandas as gpd
import numpy as np
import shapely
from scipy.sparse.csgraph import dijkstra

from heartgeo.analysis.coverage import LayerCut, MeasureGrid
from heartgeo.analysis.isochrones import crowfly_isochrones
from heartgeo.network.arrays import RoadNetwork
from heartgeo.progress import QUIET, Progress
from heartgeo.travel.protocol import choice_record


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

    def page_data(self, origin, centres, reach_m: float, points, max_snap_m: float) -> dict:
        """The model in the planner's page: seconds per straight-line metre."""
        return {"kind": "crowfly", "seconds_per_metre": float(self.seconds_per_metre)}

    def radius_m(self, seconds: float) -> float:
        """Straight-line reach (metres) in ``seconds``."""
        return seconds / self.seconds_per_metre

    def describe(self) -> dict:
        """The model as recorded in ``summary.json``."""
        return {
            **choice_record(self),
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

    def _xy(self, units: gpd.GeoDataFrame) -> np.ndarray:
        return np.c_[units.geometry.x, units.geometry.y]

    @property
    def extent(self) -> None:
        """Travel times are known everywhere (None)."""
        return None

    def extent_note(self) -> str:
        """What a run does with the loaded network: calibrate on it."""
        return "the crow-fly model is calibrated on it"

    def area_note(self, extent_pct: float) -> str:
        """The model covers every area whole, whatever the network's extent."""
        return f"the crow-fly model covers the whole area (road network extent {extent_pct:.1f} %)"

    def locate(
        self, xy: np.ndarray, max_snap_m: float
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Every point is usable where it is: no node (-1), no snap (0 m)."""
        n = len(xy)
        return np.full(n, -1, dtype=np.int64), np.zeros(n), np.ones(n, dtype=bool)

    def snap(
        self,
        units: gpd.GeoDataFrame,
        max_snap_m: float,
        source: str,
        progress: Progress = QUIET,
    ) -> gpd.GeoDataFrame:
        """The units as they are: the model needs no road at a unit."""
        return units

    def place(self, units: gpd.GeoDataFrame, max_snap_m: float) -> gpd.GeoDataFrame:
        """Every unit, as it is."""
        return units

    def known(self, xy: np.ndarray) -> np.ndarray:
        """Every point's time is known."""
        return np.ones(len(np.asarray(xy).reshape(-1, 2)), dtype=bool)

    def known_area(self, area: shapely.Geometry) -> shapely.Geometry:
        """The whole area."""
        return area

    def known_cut(self, grid: MeasureGrid) -> LayerCut:
        """Every cell whole."""
        return grid.full

    def unit_times(self, units: gpd.GeoDataFrame, xy: np.ndarray) -> np.ndarray:
        """Seconds from the nearest unit to each point."""
        return self.point_times_from(self._xy(units), xy)

    def unit_costs(self, units: gpd.GeoDataFrame, xy: np.ndarray) -> np.ndarray:
        """Seconds from each unit to each point, shape (U, P)."""
        return self.cost_matrix(self._xy(units), np.asarray(xy, float).reshape(-1, 2))

    def candidate_costs(
        self, sites_xy: np.ndarray, xy: np.ndarray, max_snap_m: float
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Seconds from each site to each point; every site usable, none snapped."""
        _, dist, ok = self.locate(sites_xy, max_snap_m)
        return self.cost_matrix(sites_xy, xy), dist, ok

    def isochrones(
        self,
        units: gpd.GeoDataFrame,
        bands_min: tuple[float, ...],
        area: shapely.Geometry,
        *,
        per_unit: bool = True,
        workers: int | None = None,
    ) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
        """Circles of the crow-fly reach around each unit, clipped to ``area``."""
        return crowfly_isochrones(self, units, bands_min, area, per_unit=per_unit)


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
