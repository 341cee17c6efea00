"""Presentation: Folium maps and their check in headless Chromium.

- :mod:`heartgeo.viz.maps` -- scenario, comparison and site maps, self-contained HTML
- :mod:`heartgeo.viz.browser` -- loading a map in headless Chromium (errors, time, PNG)

Imports the foundation modules and :mod:`heartgeo.analysis`.
"""
