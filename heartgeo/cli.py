"""The ``heartgeo`` command line: it parses options, makes one library call per command,
writes through the library's writers and prints; it holds no analysis.

Options of the analysis commands are built from the fields of
:class:`heartgeo.settings.Settings`; option strings (bands, road speeds, beats) are
parsed by click parameter types; every error, a usage error too, is one line with exit
code 2. Garbage-collector tuning belongs to the console entry point (:func:`main`) only.
"""

from __future__ import annotations

import functools
import gc
import math
import os
import sys
from dataclasses import fields
from pathlib import Path

import click

from heartgeo.config import DATA_ENV, parse_bands, resolve_data_dir
from heartgeo.errors import InputError
from heartgeo.io.hours import parse_hours_option
from heartgeo.io.osm import parse_speeds
from heartgeo.io.pilot import parse_beats
from heartgeo.progress import Progress
from heartgeo.settings import FLAGS, Settings

DEFAULT_OUT = "maps"
#: Options of ``heartgeo site`` by the name its library parameters carry.
SITE_FLAGS = {
    "minutes": "--minutes",
    "units": "--units",
    "target": "--target",
    "busy_q": "--busy",
    "calls_per_hour": "--calls-per-hour",
    "minutes_per_call": "--minutes-per-call",
    "candidate_spacing_m": "--candidate-spacing",
    "candidates": "--candidates",
    "max_units": "--max-units",
    "time_limit_s": "--time-limit",
    "calls_per_day": "--calls-per-day",
    "service": "--service",
    "service_cv": "--service-cv",
    "max_wait_min": "--max-wait",
    "weeks": "--weeks",
    "teams": "--teams",
}
ALL_FLAGS = {**FLAGS, **SITE_FLAGS, "area": "--area", "objective": "--objective"}


class OneLineErrors(click.Group):
    """A command group whose usage errors (bad choice, unreadable file...) are one line,
    like every other error of heartgeo, with exit code 2.
    """

    def main(self, *args, standalone_mode: bool = True, **kwargs):
        """Run the command; in standalone mode print click's errors on one line."""
        if not standalone_mode:
            return super().main(*args, standalone_mode=False, **kwargs)
        try:
            rv = super().main(*args, standalone_mode=False, **kwargs)
        except click.exceptions.Abort:
            click.echo("heartgeo: aborted", err=True)
            sys.exit(1)
        except click.ClickException as exc:
            click.echo(f"heartgeo: error: {' '.join(exc.format_message().split())}", err=True)
            sys.exit(2)
        sys.exit(rv if isinstance(rv, int) else 0)


def handle_input_errors(func):
    """Print an :class:`InputError` as one line on stderr (naming options as flags) and
    exit with code 2.
    """

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except InputError as exc:
            click.echo(f"heartgeo: error: {exc.renamed(ALL_FLAGS)}", err=True)
            sys.exit(2)

    return wrapper


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
}


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
    else:
        raise TypeError(f"no command-line form for Settings.{f.name} ({f.type})")
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
        click.option("--quiet", is_flag=True, help="Print no progress messages."),
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
    return click.option(
        "--area",
        "area_name",
        type=click.Choice(["pilot", "citywide"]),
        default="citywide",
        show_default=True,
        help=help_text,
    )


def simulation_options(func):
    """The options of the call simulation (``simulate``, and ``report``)."""
    func = workload_options(func)
    func = click.option(
        "--service",
        type=click.Choice(["lognormal", "exponential"]),
        default=None,
        help="Service-time distribution (default lognormal).",
    )(func)
    func = click.option(
        "--service-cv",
        type=float,
        default=None,
        help="Lognormal service time: standard deviation / mean (default 0.67).",
    )(func)
    func = click.option(
        "--max-wait",
        "max_wait_min",
        type=float,
        default=0.0,
        show_default=True,
        help="Minutes a call may wait for a free team; 0: a call that finds none free is "
        "missed (it goes to police, as HEART's dispatch works).",
    )(func)
    func = click.option(
        "--weeks", type=int, default=52, show_default=True, help="Weeks to simulate."
    )(func)
    func = click.option("--seed", type=int, default=0, show_default=True, help="Random seed.")(func)
    func = click.option(
        "--teams",
        default=None,
        metavar="N|A..B|A,B,...",
        help="Teams curve: simulate each of these numbers of teams on duty (placed on the "
        "staging sites in turn), e.g. --teams 1..8.",
    )(func)
    return func


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


def two_scenario_options(func):
    """``--pilot-staging`` and ``--citywide-staging`` of the two-scenario commands."""
    for name, default in (
        ("citywide", "City Hall and example fire stations"),
        ("pilot", "City Hall"),
    ):
        func = click.option(
            f"--{name}-staging",
            type=click.Path(dir_okay=False, path_type=Path),
            default=None,
            help=f"Staging points of the {name} scenario (default: {default}); an 'hours' "
            "column gives each unit its own duty hours.",
        )(func)
    return func


def workload_options(func):
    """The call-workload options shared by ``simulate`` and ``site --objective mexclp``."""
    func = click.option(
        "--calls-per-day",
        type=float,
        default=None,
        help="Eligible calls a day in the whole city, all hours (a scenario gets its area's "
        "share of the demand). Default: from --calls times when they span a week, else 60 "
        "(2024: 11,612 responses at 50-55 % of eligible calls answered; "
        "data/boundaries/hours_default.json).",
    )(func)
    func = click.option(
        "--minutes-per-call",
        type=float,
        default=None,
        help="Mean minutes a team spends on scene per call (default 45, an assumption: no "
        "published figure); the drives there and back come on top in the simulation.",
    )(func)
    return func


@click.group(cls=OneLineErrors)
@click.version_option(package_name="heartgeo")
def cli():
    """Drive-time coverage of mobile crisis-response units (Durham HEART).

    Runs on the Durham data bundled with heartgeo, or on --data-dir / $HEARTGEO_DATA; every
    metric computation is in EPSG:32119 (metres). Bad input ends with a one-line error and
    exit code 2.
    """


@cli.command()
@data_option
@click.option(
    "--overpass-url",
    default=None,
    help="Overpass API base URL, e.g. http://127.0.0.1:8080/api (default: the public server).",
)
@click.option(
    "--source-url",
    "source_urls",
    multiple=True,
    metavar="LAYER=URL",
    help="Download LAYER (city_limits, police_beats, police_districts) from URL instead "
    "of its official source (repeatable).",
)
@click.option(
    "--buffer-km",
    type=float,
    default=2.0,
    show_default=True,
    help="Distance (km) around the city limit whose roads are downloaded.",
)
@click.option(
    "--timeout",
    type=float,
    default=180.0,
    show_default=True,
    help="Seconds to wait for each server response.",
)
@click.option(
    "--max-retries",
    type=int,
    default=3,
    show_default=True,
    help="Retries of a request after a timeout, a dropped connection or HTTP 429/502/503/504 "
    "(Retry-After honoured up to 120 s).",
)
@click.option(
    "--max-time",
    type=float,
    default=1800.0,
    show_default=True,
    help="Seconds the whole fetch may take; then it stops and saves nothing.",
)
@click.option(
    "--layer",
    "only_layers",
    multiple=True,
    metavar="LAYER",
    help="Download only this boundary layer (repeatable; default: every layer with a URL).",
)
@click.option("--skip-boundaries", is_flag=True, help="Do not download the boundary layers.")
@click.option("--skip-network", is_flag=True, help="Do not download the road network.")
@click.option("--quiet", is_flag=True, help="Print no progress messages.")
@handle_input_errors
def fetch(
    data_dir,
    overpass_url,
    source_urls,
    buffer_km,
    timeout,
    max_retries,
    max_time,
    only_layers,
    skip_boundaries,
    skip_network,
    quiet,
):
    """Download the boundary layers and the city-wide drive network into the data directory.

    Needs internet access (or local mirrors given with --overpass-url / --source-url).
    Without --data-dir (or $HEARTGEO_DATA) the files go to the per-user data directory
    (on Linux ~/.local/share/heartgeo, or $HEARTGEO_USER_DATA), where later runs find
    them without options; the bundled data fill in the layers that are not downloaded.
    The network is saved as roads/durham_drive.graphml with its extent; later runs use it
    instead of the central-Durham extract.
    """
    from heartgeo.config import resolve_data_dir, user_data_dir
    from heartgeo.io.fetch import Limits, fetch, seed_from_bundle

    progress = Progress(quiet)
    explicit = data_dir or os.environ.get(DATA_ENV)
    data_dir = Path(explicit or user_data_dir()).expanduser()
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(
            f"data directory {data_dir} cannot be created ({exc.strerror}): pass a writable --data-dir"
        ) from None
    progress.info(f"Fetching into {data_dir}")
    urls = {}
    for item in source_urls:
        name, sep, url = item.partition("=")
        if not sep or not url:
            raise InputError(
                f"--source-url {item!r}: give LAYER=URL, e.g. police_beats=https://..."
            )
        urls[name.strip()] = url.strip()
    if not (math.isfinite(buffer_km) and buffer_km >= 0):
        raise InputError(f"--buffer-km {buffer_km}: give a finite distance >= 0")
    for name, value in (("--timeout", timeout), ("--max-time", max_time)):
        if not (math.isfinite(value) and value > 0):
            raise InputError(f"{name} {value}: give a finite number > 0")
    if max_retries < 0:
        raise InputError(f"--max-retries {max_retries}: give 0 or more")
    written = fetch(
        data_dir,
        urls=urls,
        only=only_layers,
        boundaries=not skip_boundaries,
        network=not skip_network,
        buffer_m=buffer_km * 1000,
        overpass_url=overpass_url,
        limits=Limits(timeout_s=timeout, max_retries=max_retries, max_total_s=max_time),
        progress=progress,
    )
    for path in written:
        progress.info(f"  saved {path}")
    if explicit:  # the per-user directory needs no copies: the bundled data fill it in
        seed_from_bundle(resolve_data_dir(data_dir), progress)


#: Set by :func:`main`: the process is the ``heartgeo`` console command, not a library
#: user, so the garbage collector may be tuned.
_CONSOLE = False


def _freeze_prepared() -> None:
    """Keep the prepared study out of every later collection (console command only)."""
    if _CONSOLE:
        gc.freeze()


def _run(
    kw: dict,
    scenarios: list[tuple[str, str, Path | None]],
    *,
    coverage: bool,
    maps: bool,
    isochrones: bool = True,
) -> None:
    from heartgeo.pipeline import prepare, run_scenarios, simulate_results, write_run

    map_settings = {k: kw.pop(k, False) for k in ("png", "online")}
    map_settings["basemap"] = basemap_choice(kw) if "basemap" in kw else None
    sim_options = simulate_options(kw) if kw.pop("simulate", False) else None
    progress = Progress(kw["quiet"])
    settings = make_settings(kw)
    areas = tuple(dict.fromkeys(area for _, area, _ in scenarios))
    study = prepare(settings, progress, areas=areas)
    _freeze_prepared()
    results = run_scenarios(study, scenarios, progress, coverage=coverage)
    runs = simulate_results(study, results, sim_options, progress) if sim_options else None
    checks = write_run(
        kw["out_dir"],
        study,
        results,
        progress,
        coverage=coverage,
        isochrones=isochrones,
        maps=maps,
        simulations=runs,
        **map_settings,
    )
    _print_headlines(results, study, progress)
    if runs:
        _print_simulation(study, runs, progress)
    for check in checks:
        progress.info(
            f"{check['path']}: {check['bytes'] / 1e6:.2f} MB, ready in {check['ready_ms']} ms "
            f"in headless Chromium; PNG {check['png']}"
        )


def simulate_options(kw: dict):
    """:class:`heartgeo.operations.SimulateOptions` from the parsed options (popped),
    checked before any work.
    """
    from heartgeo.operations import SimulateOptions, parse_team_counts

    teams = kw.pop("teams")
    options = SimulateOptions(
        calls_per_day=kw.pop("calls_per_day"),
        minutes_per_call=kw.pop("minutes_per_call"),
        service=kw.pop("service"),
        service_cv=kw.pop("service_cv"),
        max_wait_min=kw.pop("max_wait_min"),
        weeks=kw.pop("weeks"),
        seed=kw.pop("seed"),
        teams=parse_team_counts(teams) if teams else None,
    )
    options.workload(None)
    return options


def _print_simulation(study, runs, progress: Progress) -> None:
    """A line per simulated scenario and the teams curve."""
    from heartgeo.analysis.coverage import headline_band
    from heartgeo.operations import curve_line, simulation_line

    band = headline_band(study.settings.bands_min)
    for run in runs:
        progress.info(f"  simulated {simulation_line(run, study.model.short_label, band)}")
    if any(run.curve for run in runs):
        progress.info(f"  {curve_line(runs, band)}")


def _print_headlines(results, study, progress: Progress) -> None:
    """The headline (both scenarios, one band), the model's label, then a line per scenario."""
    from heartgeo.pipeline import equity_line, headline, hours_line, scenario_line

    results = [r for r in results if r.tables]
    if not results:
        return
    progress.info(headline(study, results))
    if study.model.screening:
        progress.info(f"  {study.model.label}")
    for result in results:
        progress.info(f"  {scenario_line(study, result)}")
    for result in results:
        progress.info(f"  {equity_line(study, result)}")
    progress.info(f"  {hours_line(study, results)}")


@cli.command()
@analysis_options
@scenario_options
@handle_input_errors
def isochrones(area_name, staging, **kw):
    """Drive-time polygons per band, dissolved and per unit (GeoJSON and GeoPackage)."""
    _run(kw, [(area_name, area_name, staging)], coverage=False, maps=False)


@cli.command()
@analysis_options
@scenario_options
@handle_input_errors
def coverage(area_name, staging, **kw):
    """Coverage, gaps and unknown area of one scenario: CSV tables, layers and summary.json."""
    _run(kw, [(area_name, area_name, staging)], coverage=True, maps=False)


@cli.command(name="map")
@analysis_options
@scenario_options
@map_options
@handle_input_errors
def map_(area_name, staging, **kw):
    """Interactive HTML map of one scenario (written to --out, default maps/)."""
    _run(kw, [(area_name, area_name, staging)], coverage=True, maps=True, isochrones=False)


@cli.command()
@analysis_options
@map_options
@simulation_options
@click.option(
    "--simulate/--no-simulate",
    default=True,
    show_default=True,
    help="Also simulate calls and busy teams (see heartgeo simulate) and show the result "
    "in index.html.",
)
@two_scenario_options
@click.option(
    "--check",
    "check_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Do not run: verify that the inputs recorded in DIR/summary.json (an earlier run) "
    "are unchanged (sha256), list those that differ, exit 1 if any does.",
)
@handle_input_errors
def report(pilot_staging, citywide_staging, check_dir, **kw):
    """The whole pilot-vs-citywide analysis: maps, tables and summary.json in --out.

    Maps: one per scenario and map_pilot_vs_citywide.html (synchronised side by side, with
    the area the citywide staging newly covers). They are self-contained (no internet
    needed) unless --online.
    """
    if check_dir is not None:
        from heartgeo.io.outputs import check_inputs

        changed = check_inputs(check_dir, Progress(False))
        sys.exit(1 if changed else 0)
    _run(
        kw,
        [("pilot", "pilot", pilot_staging), ("citywide", "citywide", citywide_staging)],
        coverage=True,
        maps=True,
    )


@cli.command()
@analysis_options
@area_option("Study area whose population is to be served.")
@click.option(
    "--objective",
    type=click.Choice(["mclp", "lscp", "pmedian", "pcenter", "mexclp"]),
    default="mclp",
    show_default=True,
    help="mclp: most people within --minutes with --units sites; lscp: fewest sites "
    "covering --target of the people; pmedian: lowest mean time; pcenter: lowest worst "
    "time; mexclp: most people expected to find a free unit (busy probability q).",
)
@click.option("--units", type=int, default=4, show_default=True, help="Number of sites K.")
@click.option(
    "--minutes",
    type=float,
    default=10.0,
    show_default=True,
    help="Coverage time T (minutes) for mclp, lscp, mexclp and the planner's curve.",
)
@click.option(
    "--candidates",
    default="fire",
    show_default=True,
    help="Candidate sites: 'fire' (fire-station layer), 'nodes' (road nodes every "
    "--candidate-spacing metres) or a CSV/GeoJSON file of points.",
)
@click.option(
    "--candidate-spacing",
    type=float,
    default=1000.0,
    show_default=True,
    help="Spacing (metres) of the road-node candidates.",
)
@click.option(
    "--fixed",
    default=None,
    help="Sites kept open: a CSV/GeoJSON file, 'city_hall' (HEART's base), or 'default' "
    "(the default staging of the area).",
)
@click.option(
    "--target",
    type=float,
    default=0.9,
    show_default=True,
    help="lscp: share of the population (0-1] to cover within --minutes.",
)
@click.option(
    "--busy",
    "busy_q",
    type=float,
    default=None,
    help="mexclp: probability q in [0, 1) that a unit is busy on a call.",
)
@click.option(
    "--calls-per-hour",
    type=float,
    default=None,
    help="mexclp: calls per hour in the area, to derive q with --minutes-per-call "
    "(default: from --calls-per-day, as in heartgeo simulate).",
)
@click.option(
    "--max-units",
    type=int,
    default=12,
    show_default=True,
    help="Planner's curve: coverage for K = 1 .. this.",
)
@click.option(
    "--time-limit",
    type=float,
    default=120.0,
    show_default=True,
    help="Seconds the MILP solver may use per model.",
)
@click.option(
    "--candidates-outside",
    type=click.Choice(["keep", "drop"]),
    default="keep",
    show_default=True,
    help="Candidate sites outside the study area: keep them (a unit there can serve the "
    "area from outside) or drop them; either way they are listed in site_summary.json.",
)
@workload_options
@basemap_options
@handle_input_errors
def site(**kw):
    """Choose staging sites: MCLP, LSCP, p-median, p-center or MEXCLP, with fixed sites."""
    from heartgeo.io.outputs import OutputSet
    from heartgeo.operations import mexclp_workload
    from heartgeo.pipeline import prepare
    from heartgeo.siting.workflow import SiteOptions, run_siting, write_site

    options = SiteOptions(
        area=kw.pop("area_name"),
        objective=kw.pop("objective"),
        units=kw.pop("units"),
        minutes=kw.pop("minutes"),
        candidates=kw.pop("candidates"),
        candidate_spacing_m=kw.pop("candidate_spacing"),
        fixed=kw.pop("fixed"),
        target=kw.pop("target"),
        busy_q=kw.pop("busy_q"),
        calls_per_hour=kw.pop("calls_per_hour"),
        minutes_per_call=kw.pop("minutes_per_call"),
        max_units=kw.pop("max_units"),
        time_limit_s=kw.pop("time_limit"),
        candidates_outside=kw.pop("candidates_outside"),
        basemap=basemap_choice(kw),
    )
    calls_per_day = kw.pop("calls_per_day")
    derive = (
        options.objective == "mexclp" and options.busy_q is None and options.calls_per_hour is None
    )
    if not derive:
        options.validate()  # before the study is prepared: a bad option costs nothing
    progress = Progress(kw["quiet"])
    study = prepare(make_settings(kw), progress, areas=(options.area,))
    if derive:
        per_hour, minutes, note = mexclp_workload(
            study, options.area, calls_per_day, options.minutes_per_call
        )
        options.calls_per_hour, options.minutes_per_call = per_hour, minutes
        options.busy_from = note
        options.validate()
    _freeze_prepared()
    result = run_siting(study, options, progress)
    with OutputSet(kw["out_dir"], warn=progress.warn) as outs:
        write_site(outs, result)
    for note in result.notes:
        progress.info(note)


@cli.command()
@analysis_options
@simulation_options
@two_scenario_options
@click.option(
    "--area",
    "areas",
    type=click.Choice(["pilot", "citywide"]),
    multiple=True,
    help="Simulate only this scenario (repeatable; default: both).",
)
@handle_input_errors
def simulate(pilot_staging, citywide_staging, areas, **kw):
    """Simulate calls and busy teams: the share of eligible calls answered (within 5/10/15
    minutes) per scenario and hour of the week, with the teams curve (--teams 1..8).

    Calls arrive at random (Poisson) from the demand (residents, or --calls points); the
    nearest free on-duty team drives there, serves the call and drives back; a call that
    finds no free team is missed. Seeded: the same seed gives the same outputs.
    """
    from heartgeo.pipeline import prepare, run_simulations, write_simulation

    options = simulate_options(kw)
    progress = Progress(kw["quiet"])
    staging = {"pilot": pilot_staging, "citywide": citywide_staging}
    chosen = areas or ("pilot", "citywide")
    scenarios = [(a, a, staging[a]) for a in ("pilot", "citywide") if a in chosen]
    study = prepare(make_settings(kw), progress, areas=tuple(a for _, a, _ in scenarios))
    _freeze_prepared()
    runs = run_simulations(study, scenarios, options, progress)
    write_simulation(kw["out_dir"], study, runs, progress)
    _print_simulation(study, runs, progress)
    if study.model.screening:
        progress.info(f"  {study.model.label}")


#: Python's cycle collector walks every live object; a run keeps hundreds of thousands
#: (geometries, arrays of objects, the network graph while it loads), and the default
#: thresholds made it cost a quarter of a city-size report. The console command collects
#: less often and freezes the prepared study; the library never touches the collector.
GC_THRESHOLDS = (100_000, 50, 100)


def main() -> None:
    """The ``heartgeo`` console command."""
    global _CONSOLE
    _CONSOLE = True
    gc.set_threshold(*GC_THRESHOLDS)
    cli()


if __name__ == "__main__":
    main()
