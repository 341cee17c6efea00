"""Staging-site planning on the coverage pipeline: candidates, cost matrix, outputs.

Builds a :class:`heartgeo.siting.Instance` from a prepared study: the demand of the
study area (the demand cells' population inside the area or, given a call file, the
calls inside it; for the network model only the part whose travel time is known), candidate sites (fire stations, a file, or a regular sample of
network nodes) and fixed sites, with the travel-time matrix computed once by the same
engine as the isochrones and reused for every K of the planner's curve.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from heartgeo.config import LONLAT_CRS, METRIC_CRS, layer_path
from heartgeo.errors import InputError, OverLimitError
from heartgeo.io.staging import default_staging, read_fire_stations, read_staging
from heartgeo.siting.models import Instance, evaluate

#: Largest travel-time matrix (sites x demand cells, float64) a siting run builds.
MAX_MATRIX_BYTES = 4e9


@dataclass
class PlanningProblem:
    """Sites (fixed first, then candidates, then current staging) and their cost matrix."""

    sites: gpd.GeoDataFrame  # id, name, role (fixed|candidate|current|baseline), geometry
    cost: np.ndarray  # (sites, cells) seconds
    weights: np.ndarray  # (cells,) population
    unknown_population: float
    dropped: list[str]
    #: candidates outside the study area: id, name, distance, kept or not
    outside: list[dict] = field(default_factory=list)

    def instance(self) -> Instance:
        """The siting instance: fixed sites and candidates (the current staging and the
        baseline, which are only compared with, left out).
        """
        pick = ~np.isin(self.sites["role"].to_numpy(), ("current", "baseline"))
        fixed = np.flatnonzero(self.sites["role"].to_numpy()[pick] == "fixed")
        return Instance.from_cost_matrix(self.cost[pick], self.weights, fixed)

    def rows(self, role: str) -> np.ndarray:
        """Rows of ``sites`` with ``role`` (``fixed``, ``candidate`` or ``current``)."""
        return np.flatnonzero(self.sites["role"].to_numpy() == role)


def candidate_sites(
    study, area: shapely.Geometry, spec: str, spacing_m: float, outside: str = "keep"
) -> tuple[gpd.GeoDataFrame, list[dict]]:
    """Candidates: ``fire`` (fire-station layer), ``nodes`` (network nodes every
    ``spacing_m`` metres) or a staging-format file; ``outside``: ``keep`` candidates
    outside the study area (a unit can serve it from there) or ``drop`` them.

    Returns
    -------
    tuple
        The candidates, and those outside the area (id, name, distance in metres, kept).
    """
    if spec == "fire":
        layer = read_fire_stations(layer_path(study.settings.data_dir, "fire_stations"))
        frame = gpd.GeoDataFrame(
            {"id": layer["id"], "name": "Fire " + layer["Station"]},
            geometry=layer.geometry.values,
            crs=METRIC_CRS,
        )
    elif spec == "nodes":
        if spacing_m <= 0:
            raise InputError(
                f"candidate_spacing_m {spacing_m}: give a positive distance in metres",
                param="candidate_spacing_m",
            )
        xy = study.net.xy
        inside = shapely.intersects_xy(area, xy[:, 0], xy[:, 1])
        idx = np.flatnonzero(inside)
        key = np.floor(xy[idx] / spacing_m).astype(np.int64)
        _, first = np.unique(key, axis=0, return_index=True)
        idx = np.sort(idx[first])
        frame = gpd.GeoDataFrame(
            {
                "id": [f"node_{study.net.node_ids[i]}" for i in idx],
                "name": [f"road node {study.net.node_ids[i]}" for i in idx],
            },
            geometry=gpd.points_from_xy(xy[idx, 0], xy[idx, 1]),
            crs=METRIC_CRS,
        )
    else:
        frame = read_staging(spec, what="candidate sites")
    inside = shapely.intersects_xy(area, frame.geometry.x, frame.geometry.y)
    distance = shapely.distance(area, frame.geometry.to_numpy())
    beyond = [
        {"id": str(i), "name": str(n), "outside_m": round(float(d), 1), "kept": outside == "keep"}
        for i, n, d in zip(
            frame["id"][~inside], frame["name"][~inside], distance[~inside], strict=True
        )
    ]
    if outside == "drop":
        frame = frame[inside]
    if len(frame) == 0:
        raise InputError(
            f"candidates {spec}: no candidate site lies inside the study area", param="candidates"
        )
    return frame.reset_index(drop=True), beyond


def build_problem(
    study,
    area_name: str,
    *,
    candidates: str = "fire",
    spacing_m: float = 1000.0,
    fixed: str | None = None,
    progress=None,
    outside: str = "keep",
    current: str | None = None,
    baseline=None,
    staging=None,
) -> PlanningProblem:
    """Demand cells of the area, sites and the travel-time matrix (seconds).

    Candidates outside the area are kept or dropped (``outside``) and listed, with a
    warning, in ``PlanningProblem.outside``.
    """
    area = study.area(area_name)
    cand, found_outside = candidate_sites(study, area, candidates, spacing_m, outside)
    cand = cand.assign(role="candidate")
    _warn_outside(progress, found_outside, area_name, outside)
    sites = _all_sites(study, current or area_name, cand, fixed, baseline, staging)
    sxy = np.c_[sites.geometry.x, sites.geometry.y]
    cxy, weights = _demand(study, area)
    dropped: list[str] = []
    model = study.model
    need = len(sites) * len(cxy) * 8
    if need > MAX_MATRIX_BYTES:
        raise OverLimitError(
            f"candidates {candidates}: {len(sites):,} sites x {len(cxy):,} demand cells need a "
            f"{need / 1e9:.1f} GB travel-time matrix (limit {MAX_MATRIX_BYTES / 1e9:.0f} GB): "
            "give fewer candidates (a larger candidate spacing) or a larger cell size",
            param=("candidates", "candidate_spacing_m", "cell_size_m"),
        )
    cost, dist, ok = model.candidate_costs(sxy, cxy, study.settings.max_snap_m)
    role = sites["role"].to_numpy()
    compared = np.isin(role, ("current", "baseline"))  # evaluated, never chosen
    for r in np.flatnonzero(~ok & ~compared):
        dropped.append(f"{sites['id'].iloc[r]} ({dist[r]:.0f} m from the loaded network)")
    if (~ok & (role == "fixed")).any():
        raise InputError("a fixed site lies off the loaded road network: " + "; ".join(dropped))
    known = model.known(cxy)
    unknown_pop = float(weights[~known].sum())
    weights = np.where(known, weights, 0.0)
    keep = ok | compared
    sites, cost = sites[keep].reset_index(drop=True), cost[keep]
    if (sites["role"] == "candidate").sum() == 0:
        raise InputError(
            "no candidate site lies on the loaded road network: use --travel-model crowfly or fetch a network"
        )
    if progress is not None and dropped:
        progress.warn(
            f"{len(dropped)} candidate(s) left out, off the loaded network: "
            + ", ".join(dropped[:5])
        )
    populated = weights > 0
    return PlanningProblem(
        sites, cost[:, populated], weights[populated], unknown_pop, dropped, found_outside
    )


def _warn_outside(progress, found_outside: list[dict], area_name: str, outside: str) -> None:
    """One warning listing the candidates outside the area, kept or left out."""
    if progress is not None and found_outside:
        listed = ", ".join(f"{c['id']} ({c['outside_m']:.0f} m)" for c in found_outside[:5])
        progress.warn(
            f"{len(found_outside)} candidate(s) lie outside the {area_name} area, "
            + ("kept (serving it from outside)" if outside == "keep" else "left out")
            + f": {listed}"
        )


def _all_sites(study, scenario: str, cand, fixed: str | None, baseline=None, staging=None):
    """Fixed sites (a file, ``default`` or ``city_hall``), candidates and the current
    staging (the ``staging`` file, else the default sites of bundled scenario
    ``scenario``) and the ``baseline``
    file's sites (role ``baseline``), each with its ``role``.
    """
    parts = []
    if fixed:
        if fixed in ("default", "city_hall"):
            fixed_sites = default_staging(study.settings.data_dir, scenario)
            if fixed == "city_hall":
                fixed_sites = fixed_sites[fixed_sites["id"] == "city_hall"]
        else:
            fixed_sites = read_staging(fixed, what="fixed sites")
        parts.append(fixed_sites[["id", "name", "geometry"]].assign(role="fixed"))
    parts.append(cand)
    today = (
        read_staging(staging, what="staging sites")
        if staging is not None
        else default_staging(study.settings.data_dir, scenario)
    )
    parts.append(today[["id", "name", "geometry"]].assign(role="current"))
    if baseline is not None:
        base = read_staging(baseline, what="baseline sites")
        parts.append(base[["id", "name", "geometry"]].assign(role="baseline"))
    return gpd.GeoDataFrame(
        pd.concat(parts, ignore_index=True), geometry="geometry", crs=METRIC_CRS
    )


def _demand(study, area) -> tuple[np.ndarray, np.ndarray]:
    """The demand points and weights of the area: its calls (a call file), else its cells."""
    calls = getattr(study, "calls", None)
    if calls is not None:  # a call file: the calls inside the area are the demand
        inside = calls.inside(area)
        return calls.xy[inside], calls.weight[inside].astype(float)
    return study.demand.points, study.grid.population * study.grid.zone(area).weight


def baseline_rows(problem: PlanningProblem) -> tuple[str, np.ndarray]:
    """The baseline: the ``baseline`` file's sites if given, else City Hall alone (the
    current site ``city_hall``), with its name for a reader.
    """
    rows = problem.rows("baseline")
    if len(rows):
        return "baseline", rows
    current = problem.rows("current")
    return "City Hall alone", current[problem.sites["id"].to_numpy()[current] == "city_hall"]


def comparison_table(
    problem: PlanningProblem, chosen_rows: np.ndarray, seconds: float, q: float
) -> pd.DataFrame:
    """The optimised staging against the baseline (City Hall alone, or ``--baseline``)
    and the current staging, on the same cells and time T.
    """
    inst = Instance.from_cost_matrix(problem.cost, problem.weights)
    sets = [
        baseline_rows(problem),
        ("current", problem.rows("current")),
        ("optimised", chosen_rows),
    ]
    rows = []
    for label, idx in (s for s in sets if len(s[1])):
        total = inst.weights.sum()
        covered = evaluate("mclp", inst, idx, seconds)
        rows.append(
            {
                "staging": label,
                "units": len(idx),
                "sites": ";".join(problem.sites["id"].iloc[idx]),
                "names": "; ".join(problem.sites["name"].astype(str).iloc[idx]),
                "population": total,
                f"covered_within_{seconds / 60:g}min": covered,
                "covered_share": covered / total if total else None,
                "expected_covered_busy_q": evaluate("mexclp", inst, idx, seconds, q),
                "mean_minutes": evaluate("pmedian", inst, idx) / 60,
                "worst_minutes": evaluate("pcenter", inst, idx) / 60,
            }
        )
    return pd.DataFrame(rows)


def sites_frame(
    problem: PlanningProblem, rows: np.ndarray, marginal: np.ndarray
) -> gpd.GeoDataFrame:
    """The chosen sites with their role, marginal contribution and lon/lat."""
    chosen = problem.sites.iloc[rows]
    ll = chosen.to_crs(LONLAT_CRS)
    return gpd.GeoDataFrame(
        {
            "id": chosen["id"].to_numpy(),
            "name": chosen["name"].to_numpy(),
            "fixed": (chosen["role"] == "fixed").to_numpy(),
            "marginal_contribution": marginal,
            "lon": ll.geometry.x.round(6).to_numpy(),
            "lat": ll.geometry.y.round(6).to_numpy(),
        },
        geometry=chosen.geometry.to_numpy(),
        crs=METRIC_CRS,
    )
