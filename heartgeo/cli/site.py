"""``heartgeo site``: choose staging sites (one library call, then the notes printed)."""

from __future__ import annotations

from heartgeo.choices import SiteChoices
from heartgeo.cli.analysis import freeze_prepared
from heartgeo.cli.group import cli, handle_input_errors
from heartgeo.cli.options import (
    analysis_options,
    basemap_choice,
    basemap_options,
    choice_options,
    make_settings,
    pop_choices,
)
from heartgeo.cli.printing import print_summary
from heartgeo.cli.printing import result as echo
from heartgeo.progress import Progress


@cli.command()
@analysis_options("site")
@choice_options(SiteChoices, "Siting")
@basemap_options
@handle_input_errors
def site(**kw):
    """Choose staging sites: MCLP, LSCP, p-median, p-center or MEXCLP, with fixed sites."""
    from heartgeo.report.run import run_site
    from heartgeo.siting.workflow import SiteOptions

    options = SiteOptions(**pop_choices(SiteChoices, kw), basemap=basemap_choice(kw))
    progress = Progress(kw["quiet"])
    result = run_site(make_settings(kw), options, kw["out_dir"], progress, prepared=freeze_prepared)
    if kw["json"] and print_summary(kw["out_dir"], "site_summary.json"):
        return
    for note in result.notes:
        echo(note)
