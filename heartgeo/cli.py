"""The ``heartgeo`` command line."""

from __future__ import annotations

import functools
import gc
import html
import os
import sys
from pathlib import Path

import click
import pandas as pd

from heartgeo.config import (
    DATA_ENV,
    DEFAULT_ACCESS_SPEED_KMH,
    DEFAULT_BUFFER_M,
    DEFAULT_CELL_SIZE_M,
    DEFAULT_MAX_ACCESS_M,
    DEFAULT_MAX_SNAP_M,
    parse_bands,
    resolve_data_dir,
)
from heartgeo.errors import InputError
from heartgeo.progress import Progress

DEFAULT_OUT = "maps"


def handle_input_errors(func):
    """Print an :class:`InputError` as one line on stderr and exit with code 2."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except InputError as exc:
            click.echo(f"heartgeo: error: {exc}", err=True)
            sys.exit(2)

    return wrapper


def data_option(func):
    return click.option(
        "--data-dir",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        help=f"Data directory holding boundaries/, census/, roads/ (default: ${DATA_ENV}, "
        "else what 'heartgeo fetch' downloaded into the per-user data directory, over the "
        "Durham data bundled with heartgeo).",
    )(func)


def analysis_options(func):
    """Options shared by the analysis commands."""
    options = [
        data_option,
        click.option(
            "--network",
            type=click.Path(dir_okay=False, path_type=Path),
            default=None,
            help="Road network file, OSM XML (.osm) or GraphML (.graphml) "
            "(default: roads/durham_drive.graphml from 'heartgeo fetch', else the "
            "central-Durham OSM extract in the data directory).",
        ),
        click.option(
            "--network-extent",
            type=click.Path(dir_okay=False, path_type=Path),
            default=None,
            help="Polygon file of the area where the network's road data is complete "
            "(default: read from the network file; outside it results are 'unknown').",
        ),
        click.option(
            "--travel-model",
            type=click.Choice(["auto", "network", "crowfly"]),
            default="auto",
            show_default=True,
            help="'network': free-flow drive time on the road network (unknown outside "
            "its extent); 'crowfly': straight-line screening model (distance x circuity / "
            "speed) calibrated on the loaded network; 'auto': network where the loaded road "
            "network covers at least 95 % of the study area, else crowfly.",
        ),
        click.option(
            "--bands",
            default="5,10,15",
            show_default=True,
            help="Drive-time bands in minutes, strictly increasing, comma-separated.",
        ),
        click.option(
            "--buffer",
            "buffer_m",
            type=float,
            default=DEFAULT_BUFFER_M,
            show_default=True,
            help="Width (metres) around reached road segments that forms an isochrone polygon.",
        ),
        click.option(
            "--cell-size",
            "cell_size_m",
            type=float,
            default=DEFAULT_CELL_SIZE_M,
            show_default=True,
            help="Distance (metres) between the centres of the hexagonal demand cells.",
        ),
        click.option(
            "--max-snap",
            "max_snap_m",
            type=float,
            default=DEFAULT_MAX_SNAP_M,
            show_default=True,
            help="Staging points farther than this (metres) from a road node are refused.",
        ),
        click.option(
            "--max-access",
            "max_access_m",
            type=float,
            default=DEFAULT_MAX_ACCESS_M,
            show_default=True,
            help="Demand cells whose centre is farther than this (metres) from the "
            "network are unreachable.",
        ),
        click.option(
            "--access-speed",
            "access_speed_kmh",
            type=float,
            default=DEFAULT_ACCESS_SPEED_KMH,
            show_default=True,
            help="Speed (km/h) of the stretch between the network and a cell's centre.",
        ),
        click.option(
            "--road-speed",
            "road_speeds",
            multiple=True,
            metavar="CLASS=SPEED",
            help="Speed for OSM road class CLASS where maxspeed is missing, in km/h or "
            "with an mph suffix, e.g. --road-speed residential=25mph (repeatable).",
        ),
        click.option(
            "--pilot-beats",
            default=None,
            metavar="BEATS",
            help="Pilot area as police beat numbers, e.g. 111,112,511 (default: the "
            "bundled approximation of the 12 pilot beats).",
        ),
        click.option(
            "--pilot-area",
            type=click.Path(dir_okay=False, path_type=Path),
            default=None,
            help="Pilot area as a polygon file (GeoJSON/GPKG) instead of beats.",
        ),
        click.option(
            "--circuity",
            type=float,
            default=None,
            help="Crow-fly model: network/straight distance factor (default: fitted).",
        ),
        click.option(
            "--crowfly-speed",
            "crowfly_speed_kmh",
            type=float,
            default=None,
            help="Crow-fly model: speed in km/h (default: fitted).",
        ),
        click.option(
            "--out",
            "out_dir",
            type=click.Path(file_okay=False, path_type=Path),
            default=DEFAULT_OUT,
            show_default=True,
            help="Output directory.",
        ),
        click.option(
            "--no-cache",
            is_flag=True,
            help="Prepare the network and demand cells afresh instead of reusing the cache "
            "($HEARTGEO_CACHE, default ~/.cache/heartgeo; keyed by the inputs' sha256).",
        ),
        click.option("--quiet", is_flag=True, help="Print no progress messages."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def scenario_options(func):
    func = click.option(
        "--staging",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help="Staging points: CSV with lon,lat columns (WGS84 degrees; optional "
        "id, name) or a point GeoJSON/GPKG (default: the default scenario of --area).",
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


def make_settings(kw: dict):
    from heartgeo.network import parse_speeds
    from heartgeo.pilot import parse_beats
    from heartgeo.pipeline import Settings

    return Settings(
        data_dir=resolve_data_dir(kw["data_dir"]),
        network=kw["network"],
        network_extent=kw["network_extent"],
        travel_model=kw["travel_model"],
        bands_min=parse_bands(kw["bands"]),
        buffer_m=kw["buffer_m"],
        cell_size_m=kw["cell_size_m"],
        max_snap_m=kw["max_snap_m"],
        max_access_m=kw["max_access_m"],
        access_speed_kmh=kw["access_speed_kmh"],
        road_speeds_kmh=parse_speeds(kw["road_speeds"]),
        pilot_beats=parse_beats(kw["pilot_beats"]) if kw["pilot_beats"] else None,
        pilot_area=kw["pilot_area"],
        circuity=kw["circuity"],
        crowfly_speed_kmh=kw["crowfly_speed_kmh"],
        use_cache=not kw["no_cache"],
    )


@click.group()
@click.version_option(package_name="heartgeo")
def cli():
    """Drive-time coverage of mobile crisis-response units (Durham HEART).

    Data are read from --data-dir or $HEARTGEO_DATA; every metric computation is in
    EPSG:32119 (metres). Bad input ends with a one-line error and exit code 2.
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
    from heartgeo.fetch import fetch_layers, fetch_network, seed_from_bundle

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
    if buffer_km < 0:
        raise InputError(f"--buffer-km {buffer_km}: give a distance >= 0")
    if not skip_boundaries:
        fetch_layers(data_dir, urls, only=only_layers, timeout=timeout, progress=progress)
    if not skip_network:
        fetch_network(
            data_dir,
            buffer_m=buffer_km * 1000,
            overpass_url=overpass_url,
            timeout=timeout,
            progress=progress,
        )
    if explicit:  # the per-user directory needs no copies: the bundled data fill it in
        seed_from_bundle(resolve_data_dir(data_dir), progress)


def map_options(func):
    """Options of the commands that write maps."""
    func = click.option(
        "--online",
        is_flag=True,
        help="Load Leaflet from its CDN instead of inlining it (smaller file; needs internet).",
    )(func)
    func = click.option(
        "--basemap",
        is_flag=True,
        help="Add an OpenStreetMap basemap (needs internet when the map is opened).",
    )(func)
    func = click.option(
        "--png",
        is_flag=True,
        help="Also write a PNG of each map (for slides) with headless Chromium.",
    )(func)
    return func


def _run(
    kw: dict,
    scenarios: list[tuple[str, str, Path | None]],
    *,
    coverage: bool,
    maps: bool,
    isochrones: bool = True,
):
    from heartgeo.outputs import OutputSet
    from heartgeo.pipeline import prepare, run_scenario, summary, write_scenario

    map_settings = {k: kw.pop(k, False) for k in ("png", "basemap", "online")}
    progress = Progress(kw["quiet"])
    settings = make_settings(kw)
    study = prepare(settings, progress, areas=tuple(dict.fromkeys(a for _, a, _ in scenarios)))
    gc.freeze()  # the prepared study lives to the end: keep it out of every collection
    results = [
        run_scenario(study, name, area, staging, progress, coverage=coverage)
        for name, area, staging in scenarios
    ]
    with progress.step(f"Writing outputs to {kw['out_dir']}"), OutputSet(kw["out_dir"]) as outs:
        for result in results:
            write_scenario(outs, study, result, tables=coverage, isochrones=isochrones)
        checks = _write_maps(outs, study, results, **map_settings) if maps else []
        outs.json(
            "summary.json",
            summary(study, results, outs.records(), map_checks=checks),
            "run manifest: inputs, parameters, versions, travel model, headline numbers",
        )
    _print_headlines(results, study, progress)
    for check in checks:
        progress.info(
            f"{check['path']}: {check['bytes'] / 1e6:.2f} MB, ready in {check['ready_ms']} ms "
            f"in headless Chromium; PNG {check['png']}"
        )
    return results


def _write_maps(outs, study, results, *, png: bool, basemap: bool, online: bool) -> list[dict]:
    """Write each scenario's map, the comparison when both scenarios ran, and PNGs if asked."""
    from heartgeo.maps import comparison_map, scenario_map, write_html

    written = []
    for result in results:
        path = outs.path(f"map_{result.name}.html", f"{result.name}: interactive map")
        write_html(scenario_map(study, result, basemap=basemap), path, offline=not online)
        written.append(path)
    by_name = {r.name: r for r in results}
    if "pilot" in by_name and "citywide" in by_name:
        path = outs.path(
            "map_pilot_vs_citywide.html",
            "pilot (left) and citywide (right) side by side, with the area newly covered",
        )
        dual = comparison_map(study, by_name["pilot"], by_name["citywide"], basemap=basemap)
        write_html(dual, path, offline=not online)
        written.append(path)
    if not png:
        return []
    from heartgeo.browser import load_page

    checks = []
    for path in written:
        shot = outs.path(path.with_suffix(".png").name, f"snapshot of {path.name}")
        page = load_page(path, png=shot)
        if page.png is None:
            raise RuntimeError(f"headless Chromium wrote no PNG for {path.name}")
        checks.append(
            {
                "path": path.name,
                "bytes": path.stat().st_size,
                "ready_ms": page.ready_ms,
                "errors": page.errors,
                "png": str(outs.out_dir / shot.name),
            }
        )
    return checks


def _print_headlines(results, study, progress: Progress) -> None:
    """The headline (both scenarios, one band), the model's label, then a line per scenario."""
    from heartgeo.pipeline import headline

    results = [r for r in results if r.tables]
    if not results:
        return
    progress.info(headline(study, results))
    if study.model.screening:
        progress.info(f"  {study.model.label}")
    for result in results:
        _print_headline(result, study, progress)


def _print_headline(result, study, progress: Progress) -> None:
    from heartgeo.coverage import band_label

    row = result.tables["area"].iloc[0]
    parts = []
    for m in study.settings.bands_min:
        share = row[f"population_share_{band_label(m)}"]
        parts.append(f"{m:g} min {100 * share:.1f} %" if share is not None else f"{m:g} min n/a")
    extent = 100 * study.net.extent.intersection(result.area).area / result.area.area
    if study.model.name == "network":
        tail = f"the road network covers {extent:.1f} % of the area"
    else:
        tail = f"the crow-fly model covers the whole area (road network extent {extent:.1f} %)"
    progress.info(
        f"  {result.name} ({study.model.short_label}): population within "
        + ", ".join(parts)
        + f"; gap {100 * (row['gap_population_share'] or 0):.1f} %; unknown (no road data) "
        f"{100 * (1 - (row['known_population_share'] or 0)):.1f} % of {row['population']:,.0f} "
        f"people; {tail}"
    )


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
@click.option(
    "--pilot-staging",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Staging points of the pilot scenario (default: City Hall).",
)
@click.option(
    "--citywide-staging",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Staging points of the citywide scenario (default: City Hall and example fire stations).",
)
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
        from heartgeo.outputs import check_inputs

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
    help="mexclp: calls per hour, to derive q with --minutes-per-call.",
)
@click.option(
    "--minutes-per-call",
    type=float,
    default=None,
    help="mexclp: minutes a unit spends per call (travel, scene, return).",
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
@handle_input_errors
def site(**kw):
    """Choose staging sites: MCLP, LSCP, p-median, p-center or MEXCLP, with fixed sites."""
    _site(kw)


def _site(kw: dict) -> None:
    """Run ``heartgeo site``: ``kw`` holds the site options and the analysis options."""
    area_name, objective, units, minutes = (
        kw.pop(k) for k in ("area_name", "objective", "units", "minutes")
    )
    candidates, candidate_spacing, fixed, target = (
        kw.pop(k) for k in ("candidates", "candidate_spacing", "fixed", "target")
    )
    busy_q, calls_per_hour, minutes_per_call, max_units, time_limit = (
        kw.pop(k)
        for k in ("busy_q", "calls_per_hour", "minutes_per_call", "max_units", "time_limit")
    )
    from heartgeo.outputs import OutputSet, input_record, utc_now, versions
    from heartgeo.pipeline import prepare
    from heartgeo.planning import (
        build_problem,
        comparison_table,
        curve_svg,
        site_report_html,
        sites_frame,
    )
    from heartgeo.siting import busy_probability, solve

    if not minutes > 0:
        raise InputError(f"--minutes {minutes}: give a time > 0")
    if units < 1:
        raise InputError(f"--units {units}: give at least 1")
    q = (
        busy_probability(busy_q, calls_per_hour, minutes_per_call, units)
        if (objective == "mexclp" or busy_q is not None or calls_per_hour is not None)
        else 0.0
    )
    progress = Progress(kw["quiet"])
    study = prepare(make_settings(kw), progress, areas=(area_name,))
    gc.freeze()
    with progress.step("Travel-time matrix from every site to every demand cell"):
        problem = build_problem(
            study,
            area_name,
            candidates=candidates,
            spacing_m=candidate_spacing,
            fixed=fixed,
            progress=progress,
        )
    inst = problem.instance()
    seconds = minutes * 60.0
    with progress.step(f"Solving {objective}"):
        sol = solve(
            objective, inst, units=units, seconds=seconds, q=q, target=target, time_limit=time_limit
        )
    curve_rows = []
    with progress.step(f"Planner's curve (mclp, K = 1..{max_units})"):
        for k in range(max(1, len(inst.fixed)), min(max_units, inst.n_candidates) + 1):
            c = solve("mclp", inst, units=k, seconds=seconds, time_limit=time_limit)
            curve_rows.append(
                {
                    "units": k,
                    "covered": c.value,
                    "covered_share": c.value / inst.weights.sum(),
                    "optimal": c.optimal,
                    "sites": ";".join(problem.sites["id"].iloc[c.sites]),
                }
            )
    curve = pd.DataFrame(curve_rows)
    reach = curve[curve["covered_share"] >= target - 1e-9]
    needed = int(reach["units"].iloc[0]) if len(reach) else None
    comparison = comparison_table(problem, sol.sites, seconds, q)
    chosen = sites_frame(problem, sol.sites, sol.marginal)
    unit = {
        "mclp": "people",
        "lscp": "sites",
        "mexclp": "people (expected)",
        "pmedian": "seconds (mean)",
        "pcenter": "seconds (worst)",
    }[objective]
    notes = [
        f"Objective {objective}: value {sol.value:,.1f} {unit}; method {sol.method}; "
        + (f"optimality gap {sol.gap:.2%}" if sol.gap is not None else "no bound")
        + ("" if sol.optimal or sol.method.startswith("greedy") else " (time limit reached)"),
        f"{study.model.name} travel model ({study.model.label}); {len(inst.weights)} populated demand cells; "
        f"{inst.n_candidates} candidate sites ({len(inst.fixed)} fixed).",
        f"Population with no road data (left out, unknown): {problem.unknown_population:,.0f}.",
        f"Units needed to reach {target:.0%} within {minutes:g} min: "
        + (str(needed) if needed else f"more than {max_units} from these candidates"),
    ]
    if problem.dropped:
        notes.append(f"Candidates off the loaded network, left out: {', '.join(problem.dropped)}")
    with OutputSet(kw["out_dir"]) as outs:
        outs.csv(
            f"sites_{objective}.csv",
            pd.DataFrame(chosen.drop(columns="geometry")),
            "chosen sites with their marginal contribution",
        )
        outs.geojson(f"sites_{objective}.geojson", chosen, "chosen sites")
        outs.csv("site_comparison.csv", comparison, "current against optimised staging")
        outs.csv("site_curve.csv", curve, "planner's curve: coverage against number of units")
        outs.text(
            "site_report.html",
            site_report_html(
                f"HEART staging plan ({area_name}, {objective})",
                comparison,
                curve,
                curve_svg(curve, minutes, target),
                notes,
            ),
            "comparison, planner's curve (chart) and notes",
        )
        _sites_map(outs, study, area_name, problem, sol.sites)
        outs.json(
            "site_summary.json",
            {
                "heartgeo_version": versions()["heartgeo"],
                "created": utc_now(),
                "objective": objective,
                "units": units,
                "minutes": minutes,
                "busy_q": q,
                "target": target,
                "area": area_name,
                "value": sol.value,
                "value_units": unit,
                "bound": sol.bound,
                "gap": sol.gap,
                "method": sol.method,
                "optimal": sol.optimal,
                "sites": chosen.drop(columns="geometry").to_dict(orient="records"),
                "units_needed_for_target": needed,
                "unknown_population": problem.unknown_population,
                "travel_model": study.model.describe(),
                "parameters": study.settings.as_dict(),
                "inputs": [input_record(k, v) for k, v in sorted(study.inputs.items())],
                "versions": versions(),
            },
            "site optimisation manifest",
        )
    for note in notes:
        progress.info(note)


def _sites_map(outs, study, area_name, problem, chosen_rows) -> None:
    import folium

    from heartgeo.config import LONLAT_CRS
    from heartgeo.maps import ATTRIBUTION, Attribution, _lonlat, title_html, write_html

    area = study.area(area_name)
    minx, miny, maxx, maxy = _lonlat([area]).total_bounds
    fmap = folium.Map(location=[(miny + maxy) / 2, (minx + maxx) / 2], tiles=None, zoom_start=12)
    fmap.fit_bounds([[miny, minx], [maxy, maxx]])
    folium.GeoJson(
        _lonlat([area]).iloc[0].__geo_interface__,
        name=f"{area_name} area",
        style_function=lambda _f: {"color": "#000", "weight": 2, "fill": False},
    ).add_to(fmap)
    sites = problem.sites.to_crs(LONLAT_CRS)
    chosen = set(chosen_rows.tolist())
    styles = {"candidate": ("#bbbbbb", 4), "current": ("#ffffff", 7), "chosen": ("#7b3294", 8)}
    for label, rows in (
        ("candidate", [r for r in problem.rows("candidate") if r not in chosen]),
        ("current", list(problem.rows("current"))),
        ("chosen", sorted(chosen)),
    ):
        group = folium.FeatureGroup(
            name={
                "candidate": "Candidate sites",
                "current": "Current staging",
                "chosen": "Optimised staging",
            }[label]
        )
        colour, radius = styles[label]
        for r in rows:
            p = sites.geometry.iloc[r]
            folium.CircleMarker(
                [p.y, p.x],
                radius=radius,
                color="#000",
                weight=1.5,
                fill=True,
                fill_color=colour,
                fill_opacity=1,
                tooltip=html.escape(str(sites["name"].iloc[r])),
            ).add_to(group)
        group.add_to(fmap)
    folium.LayerControl(collapsed=False).add_to(fmap)
    Attribution(ATTRIBUTION).add_to(fmap)
    fmap.get_root().html.add_child(
        folium.Element(
            title_html(
                "HEART staging: current (white) and optimised (purple)"
                + (" - SCREENING estimate (crow-fly model)" if study.model.screening else "")
            )
        )
    )
    write_html(fmap, outs.path("map_sites.html", "current and optimised staging sites"))


#: Python's cycle collector walks every live object; a run keeps hundreds of thousands
#: (geometries, arrays of objects, the network graph while it loads), and the default
#: thresholds made it cost a quarter of a city-size report. The CLI collects less often.
GC_THRESHOLDS = (100_000, 50, 100)


def main() -> None:
    gc.set_threshold(*GC_THRESHOLDS)
    cli()


if __name__ == "__main__":
    main()
