"""The prepared study: everything scenarios need, loaded once (see :func:`prepare`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import shapely

from heartgeo.analysis.coverage import LayerCut, MeasureGrid
from heartgeo.analysis.demand import Demand
from heartgeo.io.boundaries import Boundaries
from heartgeo.io.calls import Calls
from heartgeo.io.pilot import PilotArea
from heartgeo.network.arrays import RoadNetwork
from heartgeo.parallel import SharedMemo, shared_cached_property
from heartgeo.settings import Settings
from heartgeo.study.scenarios import StudyArea, pick_area
from heartgeo.travel.protocol import TravelModel


@dataclass
class Study:
    """Everything a scenario needs, loaded once.

    Attributes
    ----------
    settings
        The run's parameters.
    boundaries, pilot
        The boundary layers and the pilot area.
    areas
        The study areas by name (``pilot``, ``citywide``...).
    net, model
        The road network and the travel model (:class:`heartgeo.travel.TravelModel`).
    demand, grid
        The demand cells and their measuring grid.
    inputs
        The input files used, by role (recorded with their sha256).
    calls
        The call file's calls (``--calls``), measured instead of residents where given.
    memo
        What is computed once per study, on whichever thread asks first (the zones of
        an area, :func:`heartgeo.study.zones.zones_for`; the maps' label parts).
    """

    settings: Settings
    boundaries: Boundaries
    pilot: PilotArea
    areas: dict[str, StudyArea]
    net: RoadNetwork
    model: TravelModel
    demand: Demand
    grid: MeasureGrid
    inputs: dict[str, Path]
    calls: Calls | None = None
    memo: SharedMemo = field(default_factory=SharedMemo, init=False, repr=False, compare=False)

    def study_area(self, name: str) -> StudyArea:
        """Study area ``name``.

        Raises
        ------
        InputError
            For a name that is not an area of the study, naming the choices.
        """
        return pick_area(self.areas, name)

    def area(self, name: str) -> shapely.Geometry:
        """The geometry of study area ``name``."""
        return self.study_area(name).geometry

    @shared_cached_property
    def known_cut(self) -> LayerCut:
        """The cells' parts whose travel times the model can tell (same for every scenario)."""
        return self.model.known_cut(self.grid)

    def known(self, area: shapely.Geometry) -> shapely.Geometry:
        """The part of ``area`` whose travel times the model can tell."""
        return self.model.known_area(area)
