"""The travel-model protocol: what every travel model answers, in the same shapes.

The rest of heartgeo holds a :class:`TravelModel` and never asks which one it is: the
network model (:class:`heartgeo.travel.network.NetworkModel`, drive times over the road
network) and the crow-fly screening model
(:class:`heartgeo.travel.crowfly.CrowflyModel`) both implement every member below.
Only :mod:`heartgeo.travel.choice` picks and builds one.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import geopandas as gpd
import numpy as np
import shapely

from heartgeo.analysis.coverage import LayerCut, MeasureGrid
from heartgeo.progress import Progress


@runtime_checkable
class TravelModel(Protocol):
    """A travel model: snapping, travel times, isochrone bands, known extent, costs, labels.

    Attributes
    ----------
    name
        ``network`` or ``crowfly`` (recorded in outputs, never branched on).
    requested, chosen_because
        The ``--travel-model`` asked for and why this model runs.
    screening
        Whether results are a screening estimate (labelled so wherever a reader looks).
    """

    name: str
    requested: str
    chosen_because: str
    screening: bool

    @property
    def short_label(self) -> str:
        """The model's name in headlines and titles."""
        ...

    @property
    def label(self) -> str:
        """One or two sentences for legends and summaries."""
        ...

    @property
    def extent(self) -> shapely.Geometry | None:
        """Where travel times are known (None: everywhere)."""
        ...

    def describe(self) -> dict:
        """The model as recorded in ``summary.json``."""
        ...

    def extent_note(self) -> str:
        """What the run does with the part of the city outside the network extent."""
        ...

    def area_note(self, extent_pct: float) -> str:
        """How the model covers an area whose share inside the network extent is given."""
        ...

    def locate(
        self, xy: np.ndarray, max_snap_m: float
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Where points attach to the model: node (or -1), snap distance (m), usable."""
        ...

    def snap(
        self, units: gpd.GeoDataFrame, max_snap_m: float, source: str, progress: Progress
    ) -> gpd.GeoDataFrame:
        """A user's staging points made ready for the model; any unusable point refused."""
        ...

    def place(self, units: gpd.GeoDataFrame, max_snap_m: float) -> gpd.GeoDataFrame:
        """The units the model can place, ready for it (the others left out silently)."""
        ...

    def known(self, xy: np.ndarray) -> np.ndarray:
        """Whether each point's travel time is known."""
        ...

    def page_data(
        self,
        origin: np.ndarray,
        centres: np.ndarray,
        reach_m: float,
        points: np.ndarray,
        max_snap_m: float,
    ) -> dict:
        """The model in the planner's page (``kind`` and what the page computes with)."""
        ...

    def known_area(self, area: shapely.Geometry) -> shapely.Geometry:
        """The part of ``area`` whose travel times are known."""
        ...

    def known_cut(self, grid: MeasureGrid) -> LayerCut:
        """The cells' parts whose travel times are known."""
        ...

    def unit_times(self, units: gpd.GeoDataFrame, xy: np.ndarray) -> np.ndarray:
        """Seconds from the nearest unit to each point, shape (P,); ``nan`` where unknown."""
        ...

    def unit_costs(self, units: gpd.GeoDataFrame, xy: np.ndarray) -> np.ndarray:
        """Seconds from each unit to each point, shape (U, P); ``nan`` where unknown."""
        ...

    def candidate_costs(
        self, sites_xy: np.ndarray, xy: np.ndarray, max_snap_m: float
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Candidate x demand seconds (``inf`` for sites the model cannot place), the sites'
        snap distances and whether each can be placed.
        """
        ...

    def isochrones(
        self,
        units: gpd.GeoDataFrame,
        bands_min: tuple[float, ...],
        area: shapely.Geometry,
        *,
        per_unit: bool = True,
        workers: int | None = None,
    ) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
        """Band polygons of ``units``: dissolved, and per unit when ``per_unit``."""
        ...


def choice_record(model: TravelModel) -> dict:
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
