"""When and how many: duty hours, call demand and the call simulation on a prepared study.

The study (:mod:`heartgeo.study`) answers *where*: who is within each band of a unit,
every unit always free. This package adds *when* and *how many*:

- :mod:`heartgeo.operations.duty` -- each unit's duty hours (its own ``hours``, else the
  scenario's default, a labelled assumption), coverage for each of the 168 hours of the
  week, and coverage of calls (a call file) per zone;
- :mod:`heartgeo.operations.simulate` -- the discrete-event simulation of calls and busy
  teams (:mod:`heartgeo.analysis.simulation`) on the study's travel model.

It uses duck-typed studies and scenarios and imports nothing from :mod:`heartgeo.study`.
"""

from heartgeo.choices import parse_team_counts
from heartgeo.operations.duty import (
    CallsInArea,
    calls_in_area,
    calls_zone_table,
    hours_table,
    unit_duty,
)
from heartgeo.operations.simulate import (
    ScenarioSimulation,
    SimulateOptions,
    SimulationRun,
    area_share,
    demand_points,
    mexclp_workload,
    simulate_scenario,
    simulate_units,
    workload_defaults,
)

__all__ = [
    "CallsInArea",
    "ScenarioSimulation",
    "SimulateOptions",
    "SimulationRun",
    "area_share",
    "calls_in_area",
    "calls_zone_table",
    "demand_points",
    "hours_table",
    "mexclp_workload",
    "parse_team_counts",
    "simulate_scenario",
    "simulate_units",
    "unit_duty",
    "workload_defaults",
]
