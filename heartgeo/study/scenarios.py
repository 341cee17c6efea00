"""Scenarios as data: a name, a study area, staging units and duty hours.

The bundled scenarios (``data/boundaries/scenarios.json``) are the 2022 pilot and the
citywide service; their default staging sites and hours live under the same names in
``staging_default.json`` and ``hours_default.json``. Code never names a scenario: a
run holds any list of :class:`Scenario`, and a study any number of :class:`StudyArea`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import shapely

from heartgeo.definitions import choice_text, scenario_definitions
from heartgeo.errors import InputError
from heartgeo.io.boundaries import Boundaries
from heartgeo.io.hours import DutyHours, scenario_hours
from heartgeo.io.pilot import PilotArea


@dataclass(frozen=True)
class StudyArea:
    """A study area: its geometry (EPSG:32119) and the outline cells are cut with.

    Attributes
    ----------
    name
        The area's name (``pilot``, ``citywide``...).
    geometry
        The area, clipped to the city limit.
    cut
        The outline the demand cells are cut with (the area before clipping: the same
        cut, cheaper); None for the whole city (no cut at all).
    title
        A reader's description.
    """

    name: str
    geometry: shapely.Geometry
    cut: shapely.Geometry | None
    title: str = ""

    @property
    def whole_city(self) -> bool:
        """Whether the area is the whole city (its cells need no cut)."""
        return self.cut is None

    @property
    def zone_geometry(self) -> shapely.Geometry | None:
        """The geometry a demand zone is measured on: None for the whole city, else the area."""
        return None if self.cut is None else self.geometry


@dataclass(frozen=True)
class Scenario:
    """One scenario of a run.

    Attributes
    ----------
    name
        Its name in outputs (file names, headlines, maps).
    area
        The name of its study area (a key of :attr:`heartgeo.study.Study.areas`).
    staging
        A staging file (CSV or point layer); None: the bundled default sites of ``name``.
    hours
        The default duty hours of its units (a unit's own ``hours`` wins); None: taken
        from ``--hours`` or the bundled default when the scenario runs.
    """

    name: str
    area: str
    staging: Path | None = None
    hours: DutyHours | None = None

    def duty_hours(self, overrides: dict[str, str]) -> DutyHours:
        """The scenario's default hours: its own, else ``--hours`` / the bundled default."""
        return self.hours if self.hours is not None else scenario_hours(self.name, overrides)


def default_scenarios(
    staging: dict[str, Path | None] | None = None, only: tuple[str, ...] | None = None
) -> list[Scenario]:
    """The bundled scenarios (``scenarios.json``), each with its staging file from
    ``staging`` (by name; None or missing: the bundled default sites).

    Parameters
    ----------
    staging
        Staging files by scenario name.
    only
        Keep only these scenarios (in the bundled order); None: all.

    Raises
    ------
    InputError
        A name in ``only`` or ``staging`` that is not a bundled scenario.
    """
    staging = staging or {}
    defs = scenario_definitions()["scenarios"]
    names = [s["name"] for s in defs]
    for name in [*(only or ()), *staging]:
        if name not in names:
            raise InputError(f"scenario {name!r}: choose {choice_text(names)}", param="area")
    return [
        Scenario(s["name"], s["area"], staging.get(s["name"]))
        for s in defs
        if only is None or s["name"] in only
    ]


def scenario_for_area(area: str, staging: Path | None = None) -> Scenario:
    """The single-scenario run of one area (``coverage``, ``map``...): named as the area."""
    return Scenario(area, area, staging)


def pick_area(areas: dict[str, StudyArea], name: str) -> StudyArea:
    """Study area ``name`` of ``areas``.

    Raises
    ------
    InputError
        For a name that is not among them, naming the choices.
    """
    if name not in areas:
        raise InputError(f"area {name!r}: choose {choice_text(areas)}", param="area")
    return areas[name]


def build_areas(bounds: Boundaries, pilot: PilotArea) -> dict[str, StudyArea]:
    """The study areas of ``scenarios.json`` from the loaded boundaries and pilot area."""
    kinds = {
        "pilot_area": lambda: (pilot.geometry, pilot.simple),
        "city": lambda: (bounds.city, None),
    }
    areas = {}
    for name, spec in scenario_definitions()["areas"].items():
        if spec["kind"] not in kinds:
            raise InputError(
                f"scenarios.json: area {name!r} has kind {spec['kind']!r}: "
                f"give {choice_text(sorted(kinds))}"
            )
        geometry, cut = kinds[spec["kind"]]()
        areas[name] = StudyArea(name, geometry, cut, spec.get("title", name))
    return areas
