"""Staging-site planning on the coverage pipeline: candidates, cost matrix, outputs.

Builds a :class:`heartgeo.siting.Instance` from a prepared study: the demand cells of
the study area (population inside the area; for the network model only the part whose
travel time is known), candidate sites (fire stations, a file, or a regular sample of
network nodes) and fixed sites, with the travel-time matrix computed once by the same
engine as the isochrones and reused for every K of the planner's curve.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.sparse.csgraph import dijkstra

from heartgeo.boundaries import read_layer
from heartgeo.config import LONLAT_CRS, METRIC_CRS, layer_path
from heartgeo.errors import InputError
from heartgeo.routing import CrowflyModel, NetworkModel
from heartgeo.siting import Instance, evaluate
from heartgeo.staging import default_staging, read_staging


@dataclass
class PlanningProblem:
    """Sites (fixed first, then candidates, then current staging) and their cost matrix."""

    sites: gpd.GeoDataFrame  # id, name, role (fixed|candidate|current), geometry
    cost: np.ndarray  # (sites, cells) seconds
    weights: np.ndarray  # (cells,) population
    unknown_population: float
    dropped: list[str]

    def instance(self) -> Instance:
        pick = self.sites["role"].to_numpy() != "current"
        fixed = np.flatnonzero(self.sites["role"].to_numpy()[pick] == "fixed")
        return Instance.from_cost_matrix(self.cost[pick], self.weights, fixed)

    def rows(self, role: str) -> np.ndarray:
        return np.flatnonzero(self.sites["role"].to_numpy() == role)


def candidate_sites(study, area: shapely.Geometry, spec: str, spacing_m: float) -> gpd.GeoDataFrame:
    """Candidates: ``fire`` (fire-station layer), ``nodes`` (network nodes every
    ``spacing_m`` metres) or a staging-format file."""
    if spec == "fire":
        path = layer_path(study.settings.data_dir, "fire_stations")
        layer = read_layer(path, ["Station"], what="fire stations", geom_types=("Point",))
        frame = gpd.GeoDataFrame(
            {
                "id": layer["Station"].str.lower().str.replace(" ", "_"),
                "name": "Fire " + layer["Station"],
            },
            geometry=layer.geometry.values,
            crs=METRIC_CRS,
        )
    elif spec == "nodes":
        if spacing_m <= 0:
            raise InputError(f"--candidate-spacing {spacing_m}: give a positive distance in metres")
        xy = study.net.xy
        inside = shapely.contains_xy(area, xy[:, 0], xy[:, 1])
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
        frame = read_staging(Path(spec))
    inside = shapely.contains_xy(area, frame.geometry.x, frame.geometry.y)
    frame = frame[inside].reset_index(drop=True)
    if len(frame) == 0:
        raise InputError(f"--candidates {spec}: no candidate site lies inside the study area")
    return frame


def build_problem(
    study,
    area_name: str,
    *,
    candidates: str = "fire",
    spacing_m: float = 1000.0,
    fixed: str | None = None,
    progress=None,
) -> PlanningProblem:
    """Demand cells of the area, sites and the travel-time matrix (seconds)."""
    area = study.area(area_name)
    cand = candidate_sites(study, area, candidates, spacing_m).assign(role="candidate")
    parts = []
    if fixed:
        if fixed in ("default", "city_hall"):
            fixed_sites = default_staging(study.settings.data_dir, area_name)
            if fixed == "city_hall":
                fixed_sites = fixed_sites[fixed_sites["id"] == "city_hall"]
        else:
            fixed_sites = read_staging(Path(fixed))
        parts.append(fixed_sites[["id", "name", "geometry"]].assign(role="fixed"))
    parts.append(cand)
    current = default_staging(study.settings.data_dir, area_name)
    parts.append(current[["id", "name", "geometry"]].assign(role="current"))
    sites = gpd.GeoDataFrame(
        pd.concat(parts, ignore_index=True), geometry="geometry", crs=METRIC_CRS
    )
    sites["row"] = np.arange(len(sites))
    sxy = np.c_[sites.geometry.x, sites.geometry.y]
    cells = study.demand.cells
    cxy = np.c_[cells.geometry.representative_point().x, cells.geometry.representative_point().y]
    zone = study.grid.zone(area)
    weights = study.grid.population * zone.weight
    dropped: list[str] = []
    model = study.model
    if isinstance(model, NetworkModel):
        node, dist = study.net.nearest_nodes(sxy)
        far = dist > study.settings.max_snap_m
        for r in np.flatnonzero(far & (sites["role"].to_numpy() != "current")):
            dropped.append(f"{sites['id'].iloc[r]} ({dist[r]:.0f} m from the loaded network)")
        if (far & (sites["role"].to_numpy() == "fixed")).any():
            raise InputError("a fixed site lies off the loaded road network: " + "; ".join(dropped))
        times = dijkstra(study.net.csr, directed=True, indices=node)  # (sites, nodes), once
        cnode, cdist = study.net.nearest_nodes(cxy)
        cost = times[:, cnode] + cdist / (model.access_speed_kmh / 3.6)
        cost[:, cdist > model.max_access_m] = np.inf
        cost[far] = np.inf
        known = shapely.contains_xy(study.net.extent, cxy[:, 0], cxy[:, 1])
        unknown_pop = float(weights[~known].sum())
        weights = np.where(known, weights, 0.0)
        keep = ~far | (sites["role"].to_numpy() == "current")
        sites, cost = sites[keep].reset_index(drop=True), cost[keep]
    else:
        assert isinstance(model, CrowflyModel)
        d = np.hypot(sxy[:, None, 0] - cxy[None, :, 0], sxy[:, None, 1] - cxy[None, :, 1])
        cost = d * model.seconds_per_metre
        unknown_pop = 0.0
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
    return PlanningProblem(sites, cost[:, populated], weights[populated], unknown_pop, dropped)


def comparison_table(
    problem: PlanningProblem, chosen_rows: np.ndarray, seconds: float, q: float
) -> pd.DataFrame:
    """Current staging against the optimised staging, on the same cells and time T."""
    inst = Instance.from_cost_matrix(problem.cost, problem.weights)
    rows = []
    for label, idx in (("current", problem.rows("current")), ("optimised", chosen_rows)):
        total = inst.weights.sum()
        covered = evaluate("mclp", inst, idx, seconds)
        rows.append(
            {
                "staging": label,
                "units": len(idx),
                "sites": ";".join(problem.sites["id"].iloc[idx]),
                "population": total,
                f"covered_within_{seconds / 60:g}min": covered,
                "covered_share": covered / total if total else None,
                "expected_covered_busy_q": evaluate("mexclp", inst, idx, seconds, q),
                "mean_minutes": evaluate("pmedian", inst, idx) / 60,
                "worst_minutes": evaluate("pcenter", inst, idx) / 60,
            }
        )
    return pd.DataFrame(rows)


def curve_svg(curve: pd.DataFrame, minutes: float, target: float) -> str:
    """A small self-contained SVG line chart of coverage against the number of units."""
    w, h, pad = 560, 300, 45
    ks = curve["units"].to_numpy()
    share = curve["covered_share"].to_numpy(dtype=float)
    x = pad + (ks - ks.min()) / max(ks.max() - ks.min(), 1) * (w - 2 * pad)
    y = h - pad - share * (h - 2 * pad)
    points = " ".join(f"{a:.1f},{b:.1f}" for a, b in zip(x, y, strict=True))
    ty = h - pad - target * (h - 2 * pad)
    ticks = "".join(
        f'<text x="{a:.1f}" y="{h - pad + 16}" font-size="11" text-anchor="middle">{k}</text>'
        for a, k in zip(x, ks, strict=True)
    )
    yticks = "".join(
        f'<text x="{pad - 6}" y="{h - pad - v * (h - 2 * pad) + 4:.1f}" font-size="11" '
        f'text-anchor="end">{int(v * 100)} %</text>'
        for v in (0, 0.25, 0.5, 0.75, 1.0)
    )
    dots = "".join(
        f'<circle cx="{a:.1f}" cy="{b:.1f}" r="3" fill="#253494"/>'
        for a, b in zip(x, y, strict=True)
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" role="img" '
        f'aria-label="population within {minutes:g} minutes against number of units">'
        f'<rect width="{w}" height="{h}" fill="white"/>'
        f'<line x1="{pad}" y1="{h - pad}" x2="{w - pad}" y2="{h - pad}" stroke="#333"/>'
        f'<line x1="{pad}" y1="{pad}" x2="{pad}" y2="{h - pad}" stroke="#333"/>'
        f'<line x1="{pad}" y1="{ty:.1f}" x2="{w - pad}" y2="{ty:.1f}" stroke="#d95f02" stroke-dasharray="5 4"/>'
        f'<text x="{w - pad}" y="{ty - 5:.1f}" font-size="11" text-anchor="end" fill="#d95f02">'
        f"target {target:.0%}</text>"
        f'<polyline points="{points}" fill="none" stroke="#253494" stroke-width="2"/>{dots}{ticks}{yticks}'
        f'<text x="{w / 2}" y="{h - 8}" font-size="12" text-anchor="middle">units (K)</text>'
        f'<text x="12" y="{pad - 14}" font-size="12">population within {minutes:g} min</text></svg>'
    )


def site_report_html(
    title: str, comparison: pd.DataFrame, curve: pd.DataFrame, svg: str, notes: list[str]
) -> str:
    """A self-contained HTML page: the comparison table, the planner's curve and notes."""
    items = "".join(f"<li>{html.escape(n)}</li>" for n in notes)
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title>"
        "<style>body{font:14px sans-serif;margin:24px;max-width:980px}"
        "table{border-collapse:collapse}td,th{border:1px solid #bbb;padding:3px 8px;text-align:right}"
        "th{background:#eee}</style></head><body>"
        f"<h1>{html.escape(title)}</h1>"
        "<h2>Current against optimised staging</h2>"
        f"{comparison.to_html(index=False, float_format=lambda v: f'{v:,.2f}')}"
        "<h2>Planner's curve</h2>"
        f"{svg}{curve.to_html(index=False, float_format=lambda v: f'{v:,.3f}')}"
        f"<h2>Notes</h2><ul>{items}</ul></body></html>\n"
    )


def sites_frame(
    problem: PlanningProblem, rows: np.ndarray, marginal: np.ndarray
) -> gpd.GeoDataFrame:
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
