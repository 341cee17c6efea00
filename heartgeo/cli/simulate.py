"""``heartgeo simulate``: calls and busy teams (one library call, then the lines printed)."""

from __future__ import annotations

import click

from heartgeo.cli.analysis import freeze_prepared
from heartgeo.cli.group import SectionOption, cli, handle_input_errors
from heartgeo.cli.options import (
    analysis_options,
    make_settings,
    scenario_staging_options,
    simulate_options,
    simulation_options,
    staging_files,
)
from heartgeo.cli.printing import print_simulation, print_summary, result
from heartgeo.definitions import scenario_names
from heartgeo.progress import Progress


@cli.command()
@analysis_options("simulate")
@simulation_options
@scenario_staging_options
@click.option(
    "--area",
    "areas",
    type=click.Choice(list(scenario_names())),
    multiple=True,
    help="Simulate only this scenario (repeatable; default: all).",
    cls=SectionOption,
    section="Scenario",
)
@handle_input_errors
def simulate(areas, **kw):
    """Simulate calls and busy teams: the share of eligible calls answered (within 5/10/15
    minutes) per scenario and hour of the week, with the teams curve (--teams 1..8).

    Calls arrive at random (Poisson) from the demand (residents, or --calls points); the
    nearest free on-duty team drives there, serves the call and drives back; a call that
    finds no free team is missed. Seeded: the same seed gives the same outputs.
    """
    from heartgeo.report.run import run_simulation
    from heartgeo.study import default_scenarios

    options = simulate_options(kw)
    progress = Progress(kw["quiet"])
    scenarios = default_scenarios(staging_files(kw), only=areas or None)
    study, runs = run_simulation(
        make_settings(kw), scenarios, kw["out_dir"], options, progress, prepared=freeze_prepared
    )
    if kw["json"] and print_summary(kw["out_dir"], "simulation_summary.json"):
        return
    print_simulation(study, runs)
    if study.model.screening:
        result(f"  {study.model.label}")
