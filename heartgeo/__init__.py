"""heartgeo: drive-time coverage analysis for mobile crisis-response units.

One module per step of the pipeline:

- :mod:`heartgeo.config` -- constants, data directory and the bundled definitions
- :mod:`heartgeo.boundaries` -- city limit, beats, districts, tracts
- :mod:`heartgeo.pilot` -- the pilot area (default beat list, or user beats / polygon)
- :mod:`heartgeo.network` -- road network from OSM XML / GraphML, speeds, travel times
- :mod:`heartgeo.fetch` -- online download of the network and boundary layers
- :mod:`heartgeo.staging` -- staging points, reading and snapping
- :mod:`heartgeo.routing` -- travel-time engine (sparse graph) and the crow-fly model
- :mod:`heartgeo.isochrones` -- drive-time polygons from reached road segments
- :mod:`heartgeo.demand` -- hexagonal demand cells with dasymetric population
- :mod:`heartgeo.coverage` -- coverage, gaps and unknown area per zone
- :mod:`heartgeo.maps` -- Folium maps
- :mod:`heartgeo.outputs` -- atomic output writing and the run manifest
- :mod:`heartgeo.pipeline` -- scenarios, end-to-end runs
- :mod:`heartgeo.cli` -- the ``heartgeo`` command
"""

__version__ = "0.1.0"
