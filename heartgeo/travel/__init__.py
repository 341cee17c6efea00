"""Travel models behind one protocol (:class:`TravelModel`).

- :mod:`heartgeo.travel.protocol` -- what every model answers: snapping, travel times,
  isochrone bands, the known extent, cost matrices, labels;
- :mod:`heartgeo.travel.network` -- drive times over the road network;
- :mod:`heartgeo.travel.crowfly` -- the crow-fly screening model and its calibration;
- :mod:`heartgeo.travel.choice` -- which model a run uses, and building it (the only
  code that tells the models apart).
"""
