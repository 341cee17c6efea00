"""A study: prepared once (areas, road network, travel model, demand), then any number of
scenarios run on it.

- :mod:`heartgeo.study.scenarios` -- scenarios and study areas as data;
- :mod:`heartgeo.study.stages` -- preparation as named, cached stages (:func:`prepare`);
- :mod:`heartgeo.study.prepared` -- the prepared :class:`Study`;
- :mod:`heartgeo.study.run` -- running a scenario (:func:`run_scenario`);
- :mod:`heartgeo.study.zones` -- zones, equity groups and the gap's households.
"""

from heartgeo.definitions import comparison_pair
from heartgeo.study.prepared import Study
from heartgeo.study.run import (
    ScenarioResult,
    comparison_results,
    run_scenario,
    run_scenarios,
    scenario_units,
)
from heartgeo.study.scenarios import (
    Scenario,
    StudyArea,
    default_scenarios,
    focused,
    scenario_for_area,
)
from heartgeo.study.stages import prepare

__all__ = [
    "Scenario",
    "ScenarioResult",
    "Study",
    "StudyArea",
    "comparison_pair",
    "default_scenarios",
    "prepare",
    "run_scenario",
    "run_scenarios",
    "comparison_results",
    "focused",
    "scenario_for_area",
    "scenario_units",
]
