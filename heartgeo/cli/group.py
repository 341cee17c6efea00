"""The ``heartgeo`` command group: errors on one line, exit code 2, no traceback."""

from __future__ import annotations

import functools
import sys

import click

from heartgeo.choices import CHOICE_FLAGS
from heartgeo.errors import InputError
from heartgeo.settings import FLAGS

#: Every option by the name its library parameter carries, for messages.
ALL_FLAGS = {**FLAGS, **CHOICE_FLAGS}


#: The order of the help's option sections.
SECTION_ORDER = ("Scenario", "Inputs", "Travel model and coverage", "Siting", "Simulation",
                 "Outputs", "Limits and performance", "Other")  # fmt: skip


class SectionOption(click.Option):
    """An option that names the help section it is listed under."""

    def __init__(self, *args, section: str = "Other", **kwargs):
        super().__init__(*args, **kwargs)
        self.section = section


class SectionedCommand(click.Command):
    """A command whose help lists its options grouped by section (inputs, model,
    outputs...).
    """

    def format_options(self, ctx, formatter):
        """The options, one definition list per section, in :data:`SECTION_ORDER`."""
        groups: dict[str, list] = {}
        for param in self.get_params(ctx):
            record = param.get_help_record(ctx)
            if record is not None:
                groups.setdefault(getattr(param, "section", "Other"), []).append(record)
        for section in sorted(groups, key=lambda s: SECTION_ORDER.index(s)):
            with formatter.section(f"{section} options"):
                formatter.write_dl(groups[section])


class OneLineErrors(click.Group):
    """A command group whose usage errors (bad choice, unreadable file...) are one line,
    like every other error of heartgeo, with exit code 2.
    """

    command_class = SectionedCommand

    def format_commands(self, ctx, formatter):
        """Every command with its whole first sentence (click cuts them at 45 characters)."""
        rows = []
        for name in self.list_commands(ctx):
            cmd = self.get_command(ctx, name)
            if cmd is not None and not cmd.hidden:
                rows.append((name, cmd.get_short_help_str(limit=200)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)

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


@click.group(cls=OneLineErrors)
@click.version_option(package_name="heartgeo")
def cli():
    """Drive-time coverage of mobile crisis-response units (Durham HEART).

    Runs on the Durham data bundled with heartgeo, or on --data-dir / $HEARTGEO_DATA; every
    metric computation is in EPSG:32119 (metres). Bad input ends with a one-line error and
    exit code 2.
    """
    # heartgeo's parallelism is its own threads; BLAS threads beside them (or beside other
    # programs) busy-wait on taken cores
    from heartgeo.parallel import hold_blas_to_one_thread

    hold_blas_to_one_thread()
