"""Input and output: every file heartgeo reads or writes.

- :mod:`heartgeo.io.layers` -- any vector layer, checked, repaired, in EPSG:32119
- :mod:`heartgeo.io.boundaries` -- city limit, police beats and districts, census tracts
- :mod:`heartgeo.io.pilot` -- the pilot area (default beat list, user beats or polygon)
- :mod:`heartgeo.io.staging` -- staging points and fire stations
- :mod:`heartgeo.io.osm` -- OpenStreetMap tag rules (drivable ways, speeds as text)
- :mod:`heartgeo.io.fetch` -- online download of the boundary layers and the road network
- :mod:`heartgeo.io.cache` -- the on-disk cache of prepared networks, blocks and cells
- :mod:`heartgeo.io.outputs` -- atomic output writing and the run manifest

This layer imports only the foundation modules (:mod:`heartgeo.config`,
:mod:`heartgeo.errors`, :mod:`heartgeo.progress`, :mod:`heartgeo.geometry`).
"""
