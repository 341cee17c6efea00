"""The road network: loaded from OSM XML or GraphML, prepared as arrays.

- :mod:`heartgeo.network.loading` -- reading, the drive filter, simplification, the extent
- :mod:`heartgeo.network.prepare` -- edges as arrays: the connected part, speeds, projection
- :mod:`heartgeo.network.arrays` -- :class:`RoadNetwork`, the arrays every model uses
- :mod:`heartgeo.network.strokes` -- roads chained into strokes
- :mod:`heartgeo.network.blocks` -- the city blocks isochrones are built from
- :mod:`heartgeo.network.timegrid` -- the travel-time grid fast isochrones are traced on

Imports the foundation modules and :mod:`heartgeo.io`.
"""

from heartgeo.network.arrays import RoadNetwork
from heartgeo.network.loading import load_network

__all__ = ["RoadNetwork", "load_network"]
