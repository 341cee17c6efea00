"""``heartgeo report``, ``coverage``, ``map`` and ``isochrones``: one library call each
(:func:`heartgeo.report.run.run_report`), then the results printed.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from heartgeo.cli.group import SectionOption, cli, handle_input_errors
from heartgeo.cli.options import (
    analysis_options,
    basemap_choice,
    make_settings,
    map_options,
    scenario_options,
    scenario_staging_options,
    simulate_options,
    simulation_options,
    staging_files,
)
from heartgeo.cli.printing import print_checks, print_headlines, print_simulation, print_summary
from heartgeo.progress import Progress


def freeze_prepared(_study) -> None:
    """Keep the prepared study out of every later collection (console command only)."""
    from heartgeo.cli import console

    console.freeze()


def _run(kw: dict, scenarios, *, coverage: bool, maps: bool, isochrones: bool = True) -> None:
    from heartgeo.report.run import run_report

    png, online = kw.pop("png", False), kw.pop("online", False)
    basemap = basemap_choice(kw) if "basemap" in kw else None
    sim_options = simulate_options(kw) if kw.pop("simulate", False) else None
    progress = Progress(kw["quiet"])
    run = run_report(
        make_settings(kw),
        scenarios,
        kw["out_dir"],
        progress,
        coverage=coverage,
        maps=maps,
        isochrones=isochrones,
        simulate=sim_options,
        basemap=basemap,
        png=png,
        online=online,
        prepared=freeze_prepared,
    )
    if kw["json"] and print_summary(kw["out_dir"], "summary.json"):
        return
    print_headlines(run.results, run.study)
    if run.simulations:
        print_simulation(run.study, run.simulations)
    print_checks(run.checks)


def _one(area_name: str, staging: Path | None):
    from heartgeo.study import scenario_for_area

    return [scenario_for_area(area_name, staging)]


@cli.command()
@analysis_options("isochrones")
@scenario_options
@handle_input_errors
def isochrones(area_name, staging, **kw):
    """Drive-time polygons per band, dissolved and per unit (GeoJSON and GeoPackage)."""
    _run(kw, _one(area_name, staging), coverage=False, maps=False)


@cli.command()
@analysis_options("coverage")
@scenario_options
@handle_input_errors
def coverage(area_name, staging, **kw):
    """Coverage, gaps and unknown area of one scenario: CSV tables, layers and summary.json."""
    _run(kw, _one(area_name, staging), coverage=True, maps=False)


@cli.command(name="map")
@analysis_options("map")
@scenario_options
@map_options
@handle_input_errors
def map_(area_name, staging, **kw):
    """Interactive HTML map of one scenario (written to --out, default maps/)."""
    _run(kw, _one(area_name, staging), coverage=True, maps=True, isochrones=False)


@cli.command()
@analysis_options("report")
@map_options
@simulation_options
@click.option(
    "--simulate/--no-simulate",
    default=True,
    show_default=True,
    help="Also simulate calls and busy teams (see heartgeo simulate) and show the result "
    "in index.html.",
    cls=SectionOption,
    section="Simulation",
)
@scenario_staging_options
@click.option(
    "--check",
    "check_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Do not run: verify that the inputs recorded in DIR/summary.json (an earlier run) "
    "are unchanged (sha256), list those that differ, exit 1 if any does.",
    cls=SectionOption,
    section="Inputs",
)
@handle_input_errors
def report(check_dir, **kw):
    """The whole pilot-vs-citywide analysis: maps, tables and summary.json in --out.

    Maps: one per scenario and map_pilot_vs_citywide.html (synchronised side by side, with
    the area the citywide staging newly covers). They are self-contained (no internet
    needed) unless --online.
    """
    from heartgeo.study import default_scenarios

    if check_dir is not None:
        from heartgeo.io.recheck import check_inputs

        changed = check_inputs(check_dir, Progress(False))
        sys.exit(1 if changed else 0)
    _run(kw, default_scenarios(staging_files(kw)), coverage=True, maps=True)
