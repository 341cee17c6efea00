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
from heartgeo.io.focus import Focus, focus_geometry, parse_focus
from heartgeo.io.hours import DutyHours, scenario_hours
from heartgeo.io.pilot import PilotArea
from heartgeo.progress import QUIET


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
    defaults
        The bundled scenario whose default staging sites and hours it takes (None: its
        own name).
    title
        Its name for a reader (empty: ``name``).
    """

    name: str
    area: str
    staging: Path | None = None
    hours: DutyHours | None = None
    defaults: str | None = None
    title: str = ""

    @property
    def base(self) -> str:
        """The bundled scenario whose defaults (sites, hours, ``--NAME-staging``) it takes."""
        return self.defaults or self.name

    @property
    def label(self) -> str:
        """The scenario's name for a reader."""
        return self.title or self.name

    def duty_hours(self, overrides: dict[str, str]) -> DutyHours:
        """The scenario's default hours: its own, else ``--hours`` / the bundled default."""
        return self.hours if self.hours is not None else scenario_hours(self.base, overrides)


def focus_scenarios(scenarios: list[Scenario], focus: Focus) -> list[Scenario]:
    """The scenarios measured on a focus zone instead of their areas: named
    ``ZONE_SCENARIO`` (``district-D3_citywide``), with the same sites and hours.
    """
    return [
        Scenario(
            f"{focus.slug}_{s.name}",
            focus.slug,
            s.staging,
            s.hours,
            s.base,
            f"{focus.title}, {s.label} staging",
        )
        for s in scenarios
    ]


def focused(scenarios: list[Scenario], focus_text: str | None) -> list[Scenario]:
    """``scenarios`` on the zone of ``--focus`` (unchanged without one)."""
    return scenarios if focus_text is None else focus_scenarios(scenarios, parse_focus(focus_text))


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


def build_areas(
    bounds: Boundaries, pilot: PilotArea, focus_text: str | None = None, progress=QUIET
) -> dict[str, StudyArea]:
    """The study areas of ``scenarios.json`` from the loaded boundaries and pilot area,
    and the focus zone of ``--focus`` (named by its slug) if given.
    """
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
    if focus_text is not None:
        focus = parse_focus(focus_text)
        geometry, outline = focus_geometry(
            focus, bounds.beats, bounds.districts, bounds.city, progress
        )
        if focus.slug in areas:
            raise InputError(
                f"focus zone {focus.title}: its name {focus.slug!r} is taken by a study area "
                "of scenarios.json; rename the file",
                param="focus",
            )
        areas[focus.slug] = StudyArea(focus.slug, geometry, outline, focus.title)
    return areas
