"""Presentation: Folium maps, pages and their check in headless Chromium.

- :mod:`heartgeo.viz.mapbase` -- colours, screen-precision geometry, legends, titles
- :mod:`heartgeo.viz.maps` -- scenario and comparison maps
- :mod:`heartgeo.viz.site_map` -- the staging map of ``heartgeo site``
- :mod:`heartgeo.viz.render` -- self-contained HTML (Leaflet inlined)
- :mod:`heartgeo.viz.controls`, :mod:`heartgeo.viz.charts`, :mod:`heartgeo.viz.report_page`
  -- map controls, SVG charts, the report page
- :mod:`heartgeo.viz.browser` -- loading a page in headless Chromium (errors, time, PNG)

Imports the foundation modules and the layers below.
"""
