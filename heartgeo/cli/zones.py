"""``heartgeo zones``: the districts and beats that ``--focus`` can study, with their
residents and the beats of each district.
"""

from __future__ import annotations

import click

from heartgeo.cli.group import cli, handle_input_errors
from heartgeo.cli.options import data_option
from heartgeo.cli.printing import result
from heartgeo.progress import Progress


@cli.command()
@data_option
@click.option("--csv", "as_csv", is_flag=True, help="Print the list as CSV instead of a table.")
@click.option("--quiet", is_flag=True, help="Print no progress messages (on stderr).")
@handle_input_errors
def zones(data_dir, as_csv, quiet):
    """List the police districts and beats (residents, km2, beats of each district):
    what --focus district:CODE or --focus beat:NUMBER studies.
    """
    from heartgeo.config import resolve_data_dir
    from heartgeo.io.focus import CODE_NOTES
    from heartgeo.settings import Settings
    from heartgeo.study import prepare
    from heartgeo.study.zones import zone_listing

    study = prepare(Settings(data_dir=resolve_data_dir(data_dir)), Progress(quiet))
    table = zone_listing(study)
    if as_csv:
        click.echo(table.to_csv(index=False), nl=False)
        return
    for kind in ("district", "beat"):
        rows = table[table["kind"] == kind]
        result(f"{kind.capitalize()}s ({len(rows)}): --focus {kind}:CODE")
        for _, row in rows.iterrows():
            extra = (
                f"  beats {row['beats']}" if kind == "district" else f"  district {row['district']}"
            )
            note = f"  [{CODE_NOTES[row['code']]}]" if row["code"] in CODE_NOTES else ""
            result(
                f"  {row['code']:>4}  {row['residents']:>8,} residents  "
                f"{row['area_km2']:>7.2f} km2{extra}{note}"
            )
