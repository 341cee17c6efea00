"""Analysis: travel models, isochrones, demand and coverage.

- :mod:`heartgeo.analysis.routing` -- the sparse-graph routing engine (Dijkstra)
- :mod:`heartgeo.analysis.snapping` -- staging points onto the network (the max-snap rule)
- :mod:`heartgeo.analysis.isochrones` -- drive-time polygons from reached roads
- :mod:`heartgeo.analysis.demand` -- hexagonal demand cells with dasymetric population
- :mod:`heartgeo.analysis.coverage` -- coverage, gaps and unknown area per zone

Imports the foundation modules, :mod:`heartgeo.io` and :mod:`heartgeo.network`.
"""
