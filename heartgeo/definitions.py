"""The bundled scenario definitions (``data/boundaries/scenarios.json``), read without
any heavy import: the names of the scenarios and areas, each scenario's default staging
in words, and the pair drawn side by side.
"""

from __future__ import annotations

from heartgeo.config import load_defs

#: The bundled definition of the default scenarios and their areas.
SCENARIOS_FILE = "scenarios.json"


def scenario_definitions() -> dict:
    """The parsed ``scenarios.json``: ``areas``, ``scenarios`` and ``comparison``."""
    return load_defs(SCENARIOS_FILE)


def scenario_names() -> tuple[str, ...]:
    """The names of the bundled scenarios, in their order."""
    return tuple(s["name"] for s in scenario_definitions()["scenarios"])


def area_names() -> tuple[str, ...]:
    """The names of the bundled study areas, in their order."""
    return tuple(scenario_definitions()["areas"])


def city_area() -> str:
    """The name of the study area that is the whole city (kind ``city``)."""
    areas = scenario_definitions()["areas"]
    return next(name for name, spec in areas.items() if spec["kind"] == "city")


def default_staging_text(name: str) -> str:
    """A reader's description of a bundled scenario's default staging sites."""
    for s in scenario_definitions()["scenarios"]:
        if s["name"] == name:
            return s.get("staging", "its default sites")
    return "its default sites"


def comparison_pair() -> tuple[str, str]:
    """The two scenarios drawn side by side (before, after): the pilot and citywide."""
    pair = scenario_definitions()["comparison"]
    return pair["before"], pair["after"]


def choice_text(names) -> str:
    """``a or b``, ``a, b or c``: the choices an error message offers."""
    names = [str(n) for n in names]
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"
