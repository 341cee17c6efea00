"""heartgeo: drive-time coverage analysis for mobile crisis-response units.

The public entry points (``heartgeo.__all__``), imported on first use so that
``import heartgeo`` stays light:

- :class:`Settings` -- every parameter of a run;
- :func:`prepare` -- prepare a study (areas, road network, travel model, demand);
- :class:`Scenario`, :func:`default_scenarios` -- scenarios as data (pilot, citywide...);
- :func:`run_scenario` -- run one scenario on a prepared study (coverage, gaps, hours);
- :func:`run_report` -- the whole report (what ``heartgeo report`` does), written to a folder;
- :func:`choose_sites` -- staging sites by MCLP, LSCP, p-median, p-center or MEXCLP;
- :func:`simulate` -- calls and busy teams on a prepared study's scenarios;
- :func:`headline` -- the headline line of scenario results, as the command line prints it;
- :class:`TravelModel` -- the protocol both travel models implement.

The package is layered; a module imports only its own layer and the layers below
(``tests/test_architecture.py`` checks this): the foundation (config, errors, progress,
parallel, geometry, settings, definitions), then io, network, analysis, travel, viz,
siting, testing, operations and study, report, and cli on top. See ``docs/`` for a worked
example (``docs/example.md``), methods, outputs, performance and development.
"""

from __future__ import annotations

from importlib import import_module

__version__ = "0.1.0"

#: Public name -> module that defines it.
_EXPORTS = {
    "Settings": "heartgeo.settings",
    "prepare": "heartgeo.study.stages",
    "Study": "heartgeo.study.prepared",
    "Scenario": "heartgeo.study.scenarios",
    "default_scenarios": "heartgeo.study.scenarios",
    "run_scenario": "heartgeo.study.run",
    "ScenarioResult": "heartgeo.study.run",
    "run_report": "heartgeo.report.run",
    "choose_sites": "heartgeo.siting.workflow",
    "SiteOptions": "heartgeo.siting.workflow",
    "simulate": "heartgeo.report.run",
    "SimulateOptions": "heartgeo.operations.simulate",
    "TravelModel": "heartgeo.travel.protocol",
    "headline": "heartgeo.report.text",
    "HeartgeoError": "heartgeo.errors",
    "InputError": "heartgeo.errors",
}
#: Public names whose function has another name in its module.
_ALIASES = {"choose_sites": "run_siting", "simulate": "run_simulations"}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    """Import a public entry point on first use."""
    if name not in _EXPORTS:
        raise AttributeError(f"module 'heartgeo' has no attribute {name!r}")
    value = getattr(import_module(_EXPORTS[name]), _ALIASES.get(name, name))
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
