"""heartgeo: drive-time coverage analysis for mobile crisis-response units.

One module per step of the pipeline:

- :mod:`heartgeo.config` -- constants, data directory and the bundled definitions
- :mod:`heartgeo.io.boundaries` -- city limit, beats, districts, tracts
- :mod:`heartgeo.io.pilot` -- the pilot area (default beat list, or user beats / polygon)
- :mod:`heartgeo.network` -- road network from OSM XML / GraphML, speeds, travel times
- :mod:`heartgeo.io.fetch` -- online download of the network and boundary layers
- :mod:`heartgeo.io.staging` -- staging points, reading and snapping
- :mod:`heartgeo.analysis.routing` -- travel-time engine (sparse graph) and the crow-fly model
- :mod:`heartgeo.analysis.isochrones` -- drive-time polygons from reached road segments
- :mod:`heartgeo.analysis.demand` -- hexagonal demand cells with dasymetric population
- :mod:`heartgeo.analysis.coverage` -- coverage, gaps and unknown area per zone
- :mod:`heartgeo.viz.maps` -- Folium maps
- :mod:`heartgeo.io.outputs` -- atomic output writing and the run manifest
- :mod:`heartgeo.pipeline` -- scenarios, end-to-end runs
- :mod:`heartgeo.cli` -- the ``heartgeo`` command
"""

__version__ = "0.1.0"
