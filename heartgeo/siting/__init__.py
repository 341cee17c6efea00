"""Staging-site optimisation.

- :mod:`heartgeo.siting.models` -- MCLP, LSCP, p-median, p-center, MEXCLP on a cost matrix
- :mod:`heartgeo.siting.curve` -- the MCLP for every K, exact (reduction, Lagrangian bounds, branching)
- :mod:`heartgeo.siting.planning` -- candidates, fixed sites and the cost matrix of a study
- :mod:`heartgeo.siting.report` -- the planner's curve chart and the report page
- :mod:`heartgeo.siting.workflow` -- ``heartgeo site`` as a library call and its writer

Imports every layer below it (:mod:`heartgeo.viz` for the site map).
"""
