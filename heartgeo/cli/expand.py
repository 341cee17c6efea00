"""``heartgeo expand``: the order in which to add beats (or districts) to the pilot area, by
the gain in calls answered within the standard per added team-hour (one library call, then
the lines printed).
"""

from __future__ import annotations

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
from heartgeo.cli.printing import print_summary, result
from heartgeo.definitions import comparison_pair, scenario_names
from heartgeo.errors import InputError
from heartgeo.progress import Progress


def _scenario_option(flag: str, default: str, text: str):
    return click.option(flag, type=click.Choice(list(scenario_names())), default=default,
                        show_default=True, help=text, cls=SectionOption, section="Scenario")  # fmt: skip


@cli.command()
@analysis_options("expand")
@_scenario_option("--from", comparison_pair()[0], "The scenario whose area is the start.")
@_scenario_option(
    "--to",
    comparison_pair()[1],
    "The scenario whose area is reached at the end, and whose staging sites (the "
    "candidates) and duty hours (--hours SCENARIO=...) the teams take.",
)
@click.option(
    "--by",
    type=click.Choice(["beat", "district"]),
    default="beat",
    show_default=True,
    help="Add police beats, or districts (their parts outside the start area), one at a time.",
    cls=SectionOption,
    section="Scenario",
)
@click.option(
    "--max-busy",
    type=click.FloatRange(min=0, max=1, min_open=True, max_open=True),
    default=0.05,
    show_default=True,
    help="Teams are added until at most this share of on-duty calls finds every team busy "
    "(Erlang-B estimate). An ASSUMPTION: 5 %, a grade of service of Erlang-B practice; HEART "
    "publishes none.",
    cls=SectionOption,
    section="Scenario",
)
@staffing_options
@scenario_staging_options
@basemap_options
@handle_input_errors
def expand(by, max_busy, **kw):
    """Order the beats (or districts) to add after the pilot by the gain in calls answered
    within the standard per added team-hour; write the sequence, the cumulative curves and
    a map numbered in order.

    Teams work the --to scenario's hours from its staging sites (--citywide-staging FILE to
    give others) and are added where they gain most when the busy share would exceed
    --max-busy, or when a zone needs a team nearer to it. Each step is then simulated
    (see heartgeo simulate) with the same calls.
    """
    from heartgeo.report.expand import expand_lines, run_expand
    from heartgeo.study import default_scenarios

    start_name, target_name = kw.pop("from"), kw.pop("to")
    if start_name == target_name:
        raise InputError(
            f"--from {start_name} and --to {target_name} are the same scenario: nothing to "
            "add; give two scenarios whose areas differ",
            param="from",
        )
    options = simulate_options(kw)
    progress = Progress(kw["quiet"])
    scenarios = {s.name: s for s in default_scenarios(staging_files(kw))}
    basemap = basemap_choice(kw)
    study, run, sequence = run_expand(
        make_settings(kw), scenarios[start_name], scenarios[target_name], options,
        kw["out_dir"], progress, by=by, max_busy=max_busy, basemap=basemap,
        prepared=freeze_prepared,
    )  # fmt: skip
    if kw["json"] and print_summary(kw["out_dir"], "expansion_summary.json"):
        return
    for line in expand_lines(study, run, sequence):
        result(f"  {line}")
    if study.model.screening:
        result(f"  {study.model.label}")
