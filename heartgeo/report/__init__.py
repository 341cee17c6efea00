"""Reporting a run: the text of results, the manifests, the pages and the file writers.

- :mod:`heartgeo.report.text` -- headline and result lines;
- :mod:`heartgeo.report.manifest` -- ``summary.json`` and ``simulation_summary.json``;
- :mod:`heartgeo.report.pages` -- the hours and simulation pages, the report page's content;
- :mod:`heartgeo.report.writers` -- every output file, written as one set;
- :mod:`heartgeo.report.run` -- a whole report or simulation as one call.
"""
