"""The options of the ``heartgeo`` commands, declared once.

The analysis options come from the fields of :class:`heartgeo.settings.Settings`; option
strings (bands, road speeds, beats, hours) are parsed by click parameter types whose
errors are one line; the scenarios' options come from ``scenarios.json``.
"""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

import click

from heartgeo.choices import SimulationChoices, parse_team_counts
from heartgeo.cli.group import ALL_FLAGS
from heartgeo.config import parse_bands, resolve_data_dir
from heartgeo.definitions import area_names, city_area, default_staging_text, scenario_names
from heartgeo.errors import InputError
from heartgeo.io.hours import parse_hours_option
from heartgeo.io.osm import parse_speeds
from heartgeo.io.pilot import parse_beats
from heartgeo.settings import Settings

DEFAULT_OUT = "maps"


class ParsedText(click.ParamType):
    """An option string parsed by a library function; its InputError becomes a usage error."""

    def __init__(self, name: str, parse):
        self.name = name
        self.parse = parse

    def convert(self, value, param, ctx):
        """Parse ``value`` (already parsed values pass through)."""
        if not isinstance(value, str):
            return value
        try:
            return self.parse(value)
        except InputError as exc:
            self.fail(exc.renamed(ALL_FLAGS), param, ctx)


BANDS = ParsedText("bands", parse_bands)
BEATS = ParsedText("beats", parse_beats)
HOURS = ParsedText("hours", parse_hours_option)
TEAMS = ParsedText("teams", parse_team_counts)
ROAD_SPEED = ParsedText("CLASS=SPEED", lambda text: next(iter(parse_speeds([text]).items())))

_KINDS = {
    "dir": lambda f, o: {"type": click.Path(file_okay=False, path_type=Path)},
    "file": lambda f, o: {"type": click.Path(dir_okay=False, path_type=Path)},
    "choice": lambda f, o: {
        "type": click.Choice(list(o["choices"])),
        "default": f.default,
        "show_default": True,
    },
    "bands": lambda f, o: {
        "type": BANDS,
        "default": ",".join(f"{m:g}" for m in f.default),
        "show_default": True,
    },
    "speeds": lambda f, o: {"type": ROAD_SPEED, "multiple": True, "metavar": "CLASS=SPEED"},
    "beats": lambda f, o: {"type": BEATS, "metavar": "BEATS"},
    "hours": lambda f, o: {"type": HOURS, "multiple": True, "metavar": "[SCENARIO=]HOURS"},
    "negated_flag": lambda f, o: {"is_flag": True, "flag_value": False, "default": True},
    "area": lambda f, o: _area_spec(),
    "teams": lambda f, o: {"type": TEAMS, "metavar": "N|A..B|A,B,..."},
}


def _area_spec() -> dict:
    """``--area``: one of the study areas of ``scenarios.json``, the whole city by default."""
    return {"type": click.Choice(list(area_names())), "default": city_area(), "show_default": True}


def _settings_option(f):
    """The click option of a :class:`Settings` field, from its metadata."""
    meta = f.metadata
    extra = dict(meta["option"])
    kind = extra.pop("kind", None)
    extra.pop("choices", None) if kind != "choice" else None
    if kind is not None:
        spec = _KINDS[kind](f, meta["option"])
    elif f.type in ("float", "float | None"):
        spec = {"type": float, "default": f.default, "show_default": f.default is not None}
    elif f.type in ("int", "int | None"):
        spec = {"type": int, "default": f.default, "show_default": f.default is not None}
    elif f.type in ("str", "str | None"):
        spec = {"default": f.default, "show_default": f.default is not None}
    else:
        raise TypeError(f"no command-line form for {f.name} ({f.type})")
    return click.option(meta["flag"], f.name, help=meta["help"], **spec)


def analysis_options(func):
    """The options of every analysis command: one per :class:`Settings` field, the output
    directory and ``--quiet``.
    """
    options = [_settings_option(f) for f in fields(Settings)]
    options += [
        click.option(
            "--out",
            "out_dir",
            type=click.Path(file_okay=False, path_type=Path),
            default=DEFAULT_OUT,
            show_default=True,
            help="Output directory.",
        ),
        click.option(
            "--quiet",
            is_flag=True,
            help="Print no progress messages (on stderr); the results still go to stdout.",
        ),
        click.option(
            "--json",
            "json",
            is_flag=True,
            help="Print the run's summary (the JSON file written to --out) on stdout "
            "instead of the result lines.",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def data_option(func):
    """The ``--data-dir`` option alone (for ``heartgeo fetch``)."""
    return _settings_option(next(f for f in fields(Settings) if f.name == "data_dir"))(func)


def make_settings(kw: dict) -> Settings:
    """:class:`Settings` from the parsed options (the keys of its fields are popped)."""
    values = {f.name: kw.pop(f.name) for f in fields(Settings)}
    values["data_dir"] = resolve_data_dir(values["data_dir"])
    values["road_speeds_kmh"] = dict(values["road_speeds_kmh"])
    values["hours"] = dict(values["hours"])
    return Settings(**values)


def scenario_options(func):
    """``--staging`` and ``--area`` of the single-scenario commands."""
    func = click.option(
        "--staging",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help="Staging points: CSV with lon,lat columns (WGS84 degrees; optional "
        "id, name, hours) or a point GeoJSON/GPKG (default: the default scenario of --area).",
    )(func)
    return area_option("Study area: the pilot beats or the city limit.")(func)


def area_option(help_text: str):
    """The ``--area pilot|citywide`` option (default citywide)."""
    return click.option("--area", "area_name", help=help_text, **_area_spec())


def choice_options(cls):
    """A decorator adding an option for every field of ``cls`` (a dataclass of
    :mod:`heartgeo.choices`), from its metadata.
    """

    def decorate(func):
        for f in reversed(fields(cls)):
            func = _settings_option(f)(func)
        return func

    return decorate


def simulation_options(func):
    """The options of the call simulation (``simulate``, and ``report``)."""
    return choice_options(SimulationChoices)(func)


def pop_choices(cls, kw: dict) -> dict:
    """The values of ``cls``'s fields, popped from the parsed options."""
    return {f.name: kw.pop(f.name) for f in fields(cls)}


def basemap_options(func):
    """``--basemap/--no-basemap`` and ``--basemap-url`` of the commands that write maps."""
    func = click.option(
        "--basemap-url",
        default=None,
        metavar="URL",
        help="Tiles of your own basemap server instead of the default basemaps, e.g. "
        "http://tiles.example.org/{z}/{x}/{y}.png.",
    )(func)
    func = click.option(
        "--basemap/--no-basemap",
        default=True,
        show_default=True,
        help="A light basemap with streets and place names (CARTO Positron, OpenStreetMap "
        "as the alternative; tiles load when the map is viewed online, offline the map "
        "shows a plain background). --no-basemap: maps that fetch nothing at all.",
    )(func)
    return func


def basemap_choice(kw: dict) -> str | None:
    """The basemap from the options (popped): None, a tile URL template or ``default``."""
    on, url = kw.pop("basemap"), kw.pop("basemap_url")
    if url is not None and not ("{z}" in url and "{x}" in url and "{y}" in url):
        raise InputError(
            f"--basemap-url {url!r}: give a tile URL template with {{z}}, {{x}} and {{y}}"
        )
    return (url or "default") if on else None


def map_options(func):
    """Options of the commands that write maps."""
    func = click.option(
        "--online",
        is_flag=True,
        help="Load Leaflet from its CDN instead of inlining it (smaller file; needs internet).",
    )(func)
    func = basemap_options(func)
    func = click.option(
        "--png",
        is_flag=True,
        help="Also write a PNG of each map (for slides) with headless Chromium.",
    )(func)
    return func


def scenario_staging_options(func):
    """``--NAME-staging`` for every scenario of ``scenarios.json`` (``--pilot-staging``,
    ``--citywide-staging``) of the commands that run them all.
    """
    for name in reversed(scenario_names()):
        func = click.option(
            f"--{name}-staging",
            f"{name}_staging",
            type=click.Path(dir_okay=False, path_type=Path),
            default=None,
            help=f"Staging points of the {name} scenario (default: "
            f"{default_staging_text(name)}); an 'hours' column gives each unit its own duty hours.",
        )(func)
    return func


def staging_files(kw: dict) -> dict[str, Path | None]:
    """The ``--NAME-staging`` files by scenario name (popped from ``kw``)."""
    return {name: kw.pop(f"{name}_staging") for name in scenario_names()}


def simulate_options(kw: dict):
    """:class:`heartgeo.operations.SimulateOptions` from the parsed options (popped),
    checked before any work.
    """
    from heartgeo.operations import SimulateOptions

    options = SimulateOptions(**pop_choices(SimulationChoices, kw))
    options.workload(None)
    return options
