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
from heartgeo.cli.group import ALL_FLAGS, SectionOption
from heartgeo.config import parse_bands, resolve_data_dir
from heartgeo.definitions import area_names, city_area, default_staging_text, scenario_names
from heartgeo.errors import InputError
from heartgeo.io.hours import parse_hours_option
from heartgeo.io.osm import parse_speeds
from heartgeo.io.pilot import parse_beats
from heartgeo.settings import Settings

DEFAULT_OUT = "maps"

#: The help section of each :class:`Settings` field (others: "Travel model and coverage").
SECTIONS = {
    "Inputs": ("data_dir", "network", "network_extent", "population", "pilot_beats",
               "pilot_area", "calls", "hours"),
    "Scenario": ("focus",),
    "Limits and performance": ("use_cache", "max_cells", "unit_limit", "per_unit_limit",
                               "workers"),
}  # fmt: skip
_SECTION_OF = {name: section for section, names in SECTIONS.items() for name in names}

#: The :class:`Settings` fields a command does not use: left out of its options and help
#: (they keep their defaults).
UNUSED = {
    "site": ("bands_min", "per_unit_limit", "unit_limit", "hours"),
    "simulate": ("per_unit_limit", "buffer_m", "polygons"),
    "staff": ("per_unit_limit", "buffer_m", "polygons", "hours"),
    "expand": ("per_unit_limit", "buffer_m", "polygons", "focus", "bands_min"),
    "plan": ("per_unit_limit", "buffer_m", "polygons", "focus"),
    "isochrones": ("calls", "hours"),
}


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


def _settings_option(f, section: str | None = None):
    """The click option of a :class:`Settings` field (or a choice), from its metadata."""
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
    section = section or _SECTION_OF.get(f.name, "Travel model and coverage")
    return click.option(
        meta["flag"], f.name, help=meta["help"], cls=SectionOption, section=section, **spec
    )


def analysis_options(command: str):
    """A decorator adding the options of analysis command ``command``: one per
    :class:`Settings` field it uses (see :data:`UNUSED`), the output directory, ``--quiet``
    and ``--json``.
    """
    unused = UNUSED.get(command, ())
    options = [_settings_option(f) for f in fields(Settings) if f.name not in unused]
    options += [
        click.option(
            "--out",
            "out_dir",
            type=click.Path(file_okay=False, path_type=Path),
            default=DEFAULT_OUT,
            show_default=True,
            help="Output directory.",
            cls=SectionOption,
            section="Outputs",
        ),
        click.option(
            "--quiet",
            is_flag=True,
            help="Print no progress messages (on stderr); the results still go to stdout.",
            cls=SectionOption,
            section="Outputs",
        ),
        click.option(
            "--json",
            "json",
            is_flag=True,
            help="Print the run's summary (the JSON file written to --out) on stdout "
            "instead of the result lines.",
            cls=SectionOption,
            section="Outputs",
        ),
    ]

    def decorate(func):
        for option in reversed(options):
            func = option(func)
        return func

    return decorate


def data_option(func):
    """The ``--data-dir`` option alone (for ``heartgeo fetch``)."""
    return _settings_option(next(f for f in fields(Settings) if f.name == "data_dir"))(func)


def make_settings(kw: dict) -> Settings:
    """:class:`Settings` from the parsed options (the keys of its fields are popped)."""
    values = {f.name: kw.pop(f.name) for f in fields(Settings) if f.name in kw}
    values.setdefault("road_speeds_kmh", ())
    values.setdefault("hours", ())
    values["data_dir"] = resolve_data_dir(values["data_dir"])
    values["road_speeds_kmh"] = dict(values["road_speeds_kmh"])
    values["hours"] = hours_by_scenario(values["hours"])
    return Settings(**values)


def hours_by_scenario(pairs) -> dict[str, str]:
    """``--hours`` (repeatable) by scenario; one scenario given twice is refused (its
    windows go in one ``--hours``, separated by ``;``).
    """
    out: dict[str, str] = {}
    for key, spec in pairs:
        if key in out:
            who = "every scenario" if key == "*" else key
            raise InputError(
                f"hours given twice for {who} ({out[key]!r} and {spec!r}): give its windows "
                f"in one --hours, separated by ';', e.g. '{out[key]}; {spec}'",
                param="hours",
            )
        out[key] = spec
    return out


def scenario_options(func):
    """``--staging`` and ``--area`` of the single-scenario commands."""
    func = click.option(
        "--staging",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help="Staging points: CSV with lon,lat columns (WGS84 degrees; optional "
        "id, name, hours) or a point GeoJSON/GPKG (default: the default scenario of --area).",
        cls=SectionOption,
        section="Scenario",
    )(func)
    return area_option("Study area: the pilot beats or the city limit.")(func)


def area_option(help_text: str):
    """The ``--area pilot|citywide`` option (default citywide)."""
    return click.option(
        "--area",
        "area_name",
        help=help_text,
        cls=SectionOption,
        section="Scenario",
        **_area_spec(),
    )


def choice_options(cls, section: str, exclude: tuple[str, ...] = ()):
    """A decorator adding an option for every field of ``cls`` (a dataclass of
    :mod:`heartgeo.choices`) but those in ``exclude``, from its metadata, under help
    section ``section``.
    """

    def decorate(func):
        for f in reversed([f for f in fields(cls) if f.name not in exclude]):
            func = _settings_option(f, section)(func)
        return func

    return decorate


def simulation_options(func):
    """The options of the call simulation (``simulate``, and ``report``)."""
    return choice_options(SimulationChoices, "Simulation")(func)


def staffing_options(func):
    """The simulation's options without its teams curve (``staff`` chooses the teams)."""
    return choice_options(SimulationChoices, "Simulation", ("teams", "answered_target"))(func)


def pop_choices(cls, kw: dict) -> dict:
    """The values of ``cls``'s fields, popped from the parsed options."""
    return {f.name: kw.pop(f.name) for f in fields(cls) if f.name in kw}


def basemap_options(func):
    """``--basemap/--no-basemap`` and ``--basemap-url`` of the commands that write maps."""
    func = click.option(
        "--basemap-url",
        default=None,
        metavar="URL",
        help="Tiles of your own basemap server instead of the default basemaps, e.g. "
        "http://tiles.example.org/{z}/{x}/{y}.png.",
        cls=SectionOption,
        section="Outputs",
    )(func)
    func = click.option(
        "--basemap/--no-basemap",
        default=True,
        show_default=True,
        help="A light basemap with streets and place names (CARTO Positron, OpenStreetMap "
        "as the alternative; tiles load when the map is viewed online, offline the map "
        "shows a plain background). --no-basemap: maps that fetch nothing at all.",
        cls=SectionOption,
        section="Outputs",
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
        cls=SectionOption,
        section="Outputs",
    )(func)
    func = basemap_options(func)
    func = click.option(
        "--png",
        is_flag=True,
        help="Also write a PNG of each map (for slides) with headless Chromium.",
        cls=SectionOption,
        section="Outputs",
    )(func)
    return func


def _staging_pair(text: str) -> tuple[str, Path]:
    """``SCENARIO=FILE`` of ``--staging`` on the commands that run every scenario."""
    name, sep, path = text.partition("=")
    names = scenario_names()
    if not sep or name not in names:
        raise InputError(
            f"staging {text!r}: this command runs the scenarios {', '.join(names)}: give "
            f"SCENARIO=FILE, e.g. --staging {names[-1]}=sites.csv",
            param="staging",
        )
    return name, Path(path)


STAGING_PAIR = ParsedText("SCENARIO=FILE", _staging_pair)


def scenario_staging_options(func):
    """``--staging SCENARIO=FILE`` (repeatable) of the commands that run every scenario of
    ``scenarios.json``; the older ``--pilot-staging`` / ``--citywide-staging`` still work
    (hidden).
    """
    for name in reversed(scenario_names()):
        func = click.option(
            f"--{name}-staging",
            f"{name}_staging",
            type=click.Path(dir_okay=False, path_type=Path),
            default=None,
            hidden=True,
        )(func)
    defaults = "; ".join(f"{n}: {default_staging_text(n)}" for n in scenario_names())
    return click.option(
        "--staging",
        "staging",
        type=STAGING_PAIR,
        multiple=True,
        metavar="SCENARIO=FILE",
        help="Staging points of a scenario: CSV with lon,lat (optional id, name, hours) or a "
        f"point layer, e.g. --staging citywide=sites.csv (repeatable; default: {defaults}).",
        cls=SectionOption,
        section="Scenario",
    )(func)


def staging_files(kw: dict) -> dict[str, Path | None]:
    """The staging files by scenario name (``--staging`` and the older ``--NAME-staging``,
    popped from ``kw``).
    """
    files = {name: kw.pop(f"{name}_staging") for name in scenario_names()}
    for name, path in kw.pop("staging", ()):
        files[name] = path
    return files


def simulate_options(kw: dict):
    """:class:`heartgeo.operations.SimulateOptions` from the parsed options (popped),
    checked before any work.
    """
    from heartgeo.operations import SimulateOptions

    options = SimulateOptions(**pop_choices(SimulationChoices, kw))
    options.workload(None)
    return options
