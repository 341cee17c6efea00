"""``python -m heartgeo.cli``: the ``heartgeo`` command."""

from heartgeo.cli import main

main()
