"""``heartgeo staff``: shifts and sites for a weekly budget of team-hours (one library call,
then the lines printed).
"""

from __future__ import annotations

from pathlib import Path

import click

from heartgeo.cli.analysis import freeze_prepared
from heartgeo.cli.group import SectionOption, cli, handle_input_errors
from heartgeo.cli.options import (
    analysis_options,
    make_settings,
    scenario_staging_options,
    simulate_options,
    staffing_options,
    staging_files,
)
from heartgeo.cli.printing import print_summary, result
from heartgeo.definitions import comparison_pair, scenario_names
from heartgeo.progress import Progress


@cli.command()
@analysis_options("staff")
@click.option(
    "--team-hours",
    "budget",
    type=click.FloatRange(min=1, max=100_000),
    required=True,
    help="Weekly budget of team-hours (e.g. 252: three teams 12 hours a day, 7 days).",
    cls=SectionOption,
    section="Scenario",
)
@click.option(
    "--shifts",
    type=click.Path(dir_okay=False, path_type=Path, exists=True),
    default=None,
    help="CSV with a column hours, one shift per row ('Mon-Fri 08:00-16:00'): the menu to "
    "choose from (default: 8, 10 and 12-hour shifts starting every 2 hours, daily, Mon-Fri, "
    "Sat,Sun, Mon-Thu and Thu-Sun).",
    cls=SectionOption,
    section="Scenario",
)
@click.option(
    "--area",
    type=click.Choice(list(scenario_names())),
    default=comparison_pair()[1],
    show_default=True,
    help="The scenario whose area is served and whose staging sites are the candidates.",
    cls=SectionOption,
    section="Scenario",
)
@staffing_options
@scenario_staging_options
@handle_input_errors
def staff(budget, shifts, area, **kw):
    """Choose shifts and sites that answer the most calls within the standard for a weekly
    budget of team-hours, and compare with the same budget as daily 08:00-20:00 and 24/7.

    The candidate sites are the scenario's staging sites (--citywide-staging FILE to give
    others). Each schedule is simulated with the same calls (see heartgeo simulate); the
    optimised one is also written as a staging file with hours.
    """
    from heartgeo.report.staff import run_staff, staff_lines
    from heartgeo.study import default_scenarios

    options = simulate_options(kw)
    progress = Progress(kw["quiet"])
    scenario = default_scenarios(staging_files(kw), only=[area])[0]
    study, run, _ = run_staff(
        make_settings(kw), scenario, options, budget, kw["out_dir"], progress,
        shifts=shifts, prepared=freeze_prepared,
    )  # fmt: skip
    if kw["json"] and print_summary(kw["out_dir"], "staffing_summary.json"):
        return
    for line in staff_lines(study, run):
        result(f"  {line}")
    if study.model.screening:
        result(f"  {study.model.label}")
