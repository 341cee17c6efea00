"""The ``heartgeo`` command line: one module per command; each parses, makes one library
call and prints. It holds no analysis.

- :mod:`heartgeo.cli.group` -- the command group, one-line errors;
- :mod:`heartgeo.cli.options` -- options declared once (from :class:`heartgeo.settings.Settings`
  and ``scenarios.json``);
- :mod:`heartgeo.cli.analysis` -- ``report``, ``coverage``, ``map``, ``isochrones``;
- :mod:`heartgeo.cli.site`, :mod:`heartgeo.cli.simulate`, :mod:`heartgeo.cli.fetch`,
  :mod:`heartgeo.cli.zones`.
"""

from heartgeo.cli import (  # noqa: F401  (register them)
    analysis,
    expand,
    fetch,
    plan,
    simulate,
    site,
    staff,
    zones,
)
from heartgeo.cli.console import GC_THRESHOLDS, enable
from heartgeo.cli.group import cli


def main() -> None:
    """The ``heartgeo`` console command."""
    enable()
    cli()


__all__ = ["GC_THRESHOLDS", "cli", "main"]
