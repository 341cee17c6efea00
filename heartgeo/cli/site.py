"""``heartgeo site``: choose staging sites (one library call, then the notes printed)."""

from __future__ import annotations

import click

from heartgeo.cli.analysis import freeze_prepared
from heartgeo.cli.group import cli, handle_input_errors
from heartgeo.cli.options import (
    analysis_options,
    area_option,
    basemap_choice,
    basemap_options,
    make_settings,
    workload_options,
)
from heartgeo.progress import Progress


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
    from heartgeo.report.run import run_site
    from heartgeo.siting.workflow import SiteOptions

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
    progress = Progress(kw["quiet"])
    result = run_site(
        make_settings(kw),
        options,
        kw["out_dir"],
        progress,
        calls_per_day=calls_per_day,
        prepared=freeze_prepared,
    )
    for note in result.notes:
        progress.info(note)
