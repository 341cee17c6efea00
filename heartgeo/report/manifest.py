"""The run manifests: ``summary.json`` (a run's inputs with checksums, parameters,
versions, travel model and headline numbers) and ``simulation_summary.json``, both built
on :func:`heartgeo.io.outputs.run_record`, the block every manifest shares.
"""

from __future__ import annotations

from heartgeo.analysis.coverage import band_label, headline_band
from heartgeo.analysis.weekly import week_shares
from heartgeo.geometry import share_within
from heartgeo.io.outputs import run_record
from heartgeo.operations import SimulationRun
from heartgeo.operations.outcomes import outcome_line
from heartgeo.report.text import curve_line, headline, hours_line, simulation_line
from heartgeo.study import ScenarioResult, Study


def scenario_summary(study: Study, result: ScenarioResult) -> dict:
    """The scenario's headline numbers for ``summary.json``."""
    units = result.units
    head = {
        "area": result.area_name,
        "staging_source": result.staging_source,
        "units": [
            {
                "id": r["id"],
                "name": r["name"],
                "snap_m": (float(r["snap_m"]) if "snap_m" in units.columns else None),
            }
            for _, r in units.iterrows()
        ],
        "excluded_units": result.excluded,
        "network_extent_share": share_within(result.area, study.net.extent),
    }
    if not result.tables:
        return head
    row = result.tables["area"].iloc[0]
    bands = []
    for m in study.settings.bands_min:
        lab = band_label(m)
        bands.append(
            {
                "minutes": m,
                "area_km2": row[f"area_km2_{lab}"],
                "population": row[f"population_{lab}"],
                "road_km": row[f"road_km_{lab}"],
                "area_share": row[f"area_share_{lab}"],
                "population_share": row[f"population_share_{lab}"],
                "road_share": row[f"road_share_{lab}"],
                "population_share_of_known": row[f"population_share_of_known_{lab}"],
            }
        )
    return {
        **head,
        "area_km2": row["area_km2"],
        "population": row["population"],
        "road_km": row["road_km"],
        "known_area_share": row["known_area_share"],
        "known_population_share": row["known_population_share"],
        "unknown": {"area_km2": row["unknown_area_km2"], "population": row["unknown_population"]},
        "gap": {
            "area_km2": row["gap_area_km2"],
            "population": row["gap_population"],
            "road_km": row["gap_road_km"],
            "population_share": row["gap_population_share"],
        },
        "bands": bands,
        "hours": {
            **(result.hours_info or {}),
            **week_shares(result.tables["hours"], study.settings.bands_min),
        },
        **({"calls": _calls_summary(study, result)} if result.calls is not None else {}),
        "equity": result.tables["equity"].to_dict(orient="records"),
        "median_minutes": row["median_minutes"],
        "p90_minutes": row["p90_minutes"],
        "unreached_population": row["unreached_population"],
    }


def _calls_summary(study: Study, result: ScenarioResult) -> dict:
    """The calls part of a scenario's summary: inside, outside, within each band."""
    row = result.tables["area"].iloc[0]
    return {
        "source": result.calls.calls.source,
        "inside": float(row["calls"]),
        "known": float(row["calls_known"]),
        "outside_rows": result.calls.outside_count,
        "outside_weight": result.calls.outside_weight,
        "within": {
            band_label(m): float(row[f"calls_within_{band_label(m)}"])
            for m in study.settings.bands_min
        },
        "share": {
            band_label(m): row[f"calls_share_{band_label(m)}"] for m in study.settings.bands_min
        },
    }


def network_summary(study: Study) -> dict:
    """The road network's part of ``summary.json``: source, size, extent, steps."""
    net = study.net
    city, pilot = study.boundaries.city, study.pilot.geometry
    return {
        "source": net.source,
        "nodes": net.n_nodes,
        "edges": net.n_edges,
        "extent_method": net.extent_method,
        "extent_km2": net.extent.area / 1e6,
        "extent_share_of_city": share_within(city, net.extent),
        "extent_share_of_pilot": share_within(pilot, net.extent),
        "steps": {k: v for k, v in net.stats.items() if k != "speed_table_kmh"},
        "default_speeds_kmh": net.stats.get("speed_table_kmh"),
    }


def summary(
    study: Study,
    results: list[ScenarioResult],
    outputs: list[dict],
    *,
    map_checks: list[dict] | None = None,
    stale: list[str] | None = None,
) -> dict:
    """The run manifest: inputs with checksums, parameters, versions, model and headline
    numbers, the outputs written and (``stale``) other files in the folder, left alone.
    """
    extra = {"map_checks": map_checks} if map_checks else {}
    if stale:
        extra["stale_outputs"] = stale
    record = run_record(study)
    return {
        "heartgeo_version": record.pop("heartgeo_version"),
        "created": record.pop("created"),
        "headline": headline(study, results),
        "headline_week": hours_line(study, results) if any(r.tables for r in results) else None,
        "travel_model": record.pop("travel_model"),
        "parameters": record.pop("parameters"),
        "pilot_area": {
            "definition": study.pilot.definition,
            "approximation": study.pilot.approximation,
            "beats": list(study.pilot.beats) if study.pilot.beats else None,
        },
        "network": network_summary(study),
        "demand": {
            "cells": len(study.demand.cells),
            "cell_size_m": study.demand.cell_size_m,
            "population_source": study.boundaries.population,
            "population_in_city": float(study.demand.cells["population"].sum()),
            "city_census_count": study.boundaries.city_count,
            "adjustment": study.demand.adjustment,
            "dense_cells": [
                {"cell": i, "population": p, "per_km2": d} for i, p, d in study.demand.dense_cells
            ],
            "tracts_by_weight": {
                str(k): int(v)
                for k, v in study.demand.tracts["method"].value_counts().sort_index().items()
            },
        },
        "scenarios": {r.name: scenario_summary(study, r) for r in results},
        **record,
        "outputs": outputs,
        **extra,
    }


def simulation_summary(study: Study, runs: list[SimulationRun]) -> dict:
    """The simulation's part of a manifest: headline lines, teams curve, per scenario its
    workload (with sources), hours, figures and curve.
    """
    band = headline_band(study.settings.bands_min)
    curve = any(r.curve for r in runs)
    return {
        "headline": [simulation_line(r, study.model.short_label, band) for r in runs],
        "outcomes": [outcome_line(r.scenario, r.info["outcomes"], r.info["area"]) for r in runs],
        "teams_curve": curve_line(runs, band) if curve else None,
        "scenarios": {
            r.scenario: {**r.info, "figures": r.main.figures, "curve": r.curve} for r in runs
        },
    }


def simulation_manifest(study: Study, runs: list[SimulationRun], outputs: list[dict]) -> dict:
    """``simulation_summary.json``: the simulation's summary with the run's record."""
    record = run_record(study)
    return {
        "heartgeo_version": record.pop("heartgeo_version"),
        "created": record.pop("created"),
        **simulation_summary(study, runs),
        **record,
        "outputs": outputs,
    }
