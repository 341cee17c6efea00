"""heartgeo: drive-time coverage analysis for mobile crisis-response units.

The package is layered; a module imports only its own layer and the layers below
(``tests/test_architecture.py`` checks this):

- foundation -- :mod:`heartgeo.config` (constants, data directories, the manifest),
  :mod:`heartgeo.errors`, :mod:`heartgeo.progress`, :mod:`heartgeo.parallel` (threads),
  :mod:`heartgeo.geometry` (shapely helpers), :mod:`heartgeo.settings` (run parameters)
- :mod:`heartgeo.io` -- layers, boundaries, pilot area, staging points, OSM tag rules,
  download, cache, outputs
- :mod:`heartgeo.network` -- loading, arrays, strokes, blocks
- :mod:`heartgeo.analysis` -- travel models, snapping, isochrones, demand, coverage
- :mod:`heartgeo.viz` -- Folium maps and their check in headless Chromium
- :mod:`heartgeo.siting` -- location models, planning on a study, report, workflow
- :mod:`heartgeo.testing` -- synthetic grids, fuzzer, brute force (tests and benchmarks)
- :mod:`heartgeo.pipeline` -- prepare a study, run scenarios, write a run
- :mod:`heartgeo.cli` -- the ``heartgeo`` command (parses and prints only)
"""

__version__ = "0.1.0"
