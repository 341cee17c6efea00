"""``heartgeo plan``: the planner's page alone (``planner.html``), to try staging sites and
duty hours in the browser with the command line's figures (one library call).
"""

from __future__ import annotations

from pathlib import Path

import click

from heartgeo.cli.analysis import freeze_prepared
from heartgeo.cli.group import SectionOption, cli, handle_input_errors
from heartgeo.cli.options import (
    analysis_options,
    basemap_choice,
    basemap_options,
    make_settings,
    scenario_staging_options,
    simulate_options,
    staffing_options,
    staging_files,
)
from heartgeo.cli.printing import result
from heartgeo.definitions import comparison_pair, scenario_names
from heartgeo.progress import Progress


@cli.command()
@analysis_options("plan")
@click.option(
    "--area",
    type=click.Choice(list(scenario_names())),
    default=comparison_pair()[1],
    show_default=True,
    help="The scenario whose staging sites the page starts from and whose area its "
    "calls estimate serves.",
    cls=SectionOption,
    section="Scenario",
)
@click.option(
    "--candidates",
    type=click.Path(dir_okay=False, path_type=Path, exists=True),
    default=None,
    help="More candidate sites (CSV with lon,lat, optional id, name), beside the fire "
    "stations and the scenario's sites.",
    cls=SectionOption,
    section="Scenario",
)
@staffing_options
@scenario_staging_options
@basemap_options
@handle_input_errors
def plan(area, candidates, **kw):
    """Write planner.html: try staging sites and duty hours in the browser, with the
    figures heartgeo coverage gives for the same sites.

    Click to add a site, drag to move it, switch candidates on and off, give hours; the
    page shows a calls-answered estimate, A/B scenarios and a CSV to export. It is one
    self-contained file: it runs offline and can be mailed. It runs the run's travel
    model: crow-fly, or the road network (exact polygons) with its own shortest paths.
    """
    from heartgeo.report.plan import run_plan
    from heartgeo.study import default_scenarios

    options = simulate_options(kw)
    basemap = basemap_choice(kw)
    scenario = default_scenarios(staging_files(kw), only=[area])[0]
    progress = Progress(kw["quiet"])
    study, data = run_plan(make_settings(kw), scenario, options, kw["out_dir"], progress,
                           candidates=candidates, basemap=basemap, prepared=freeze_prepared)  # fmt: skip
    path = Path(kw["out_dir"]) / "planner.html"
    result(f"  {path}: {len(data['start'])} site(s) to start from, "
           f"{len(data['candidates'])} candidate(s), {data['cells']['n']:,} demand cells")  # fmt: skip
    if study.model.screening:
        result(f"  {study.model.label}")
