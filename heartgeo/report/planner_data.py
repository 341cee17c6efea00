"""The data the planner's page carries (:mod:`heartgeo.viz.planner_page`): the demand cells
with their residents in each zone, a sample lattice (finer in the cells that the zones or
the city limit cut), the travel model, the areas, the sites and the call workload.

How the page measures (the same rule as :class:`heartgeo.analysis.coverage.MeasureGrid`,
whose residents are spread evenly over each cell): a cell wholly within a band of the
nearest site counts whole, a cell wholly beyond it not at all, and a cell the band's edge
crosses counts the share of its lattice points (about 100, 25 m apart; about 400, 12.5 m
apart, in a cell that a zone or the city limit cuts) within the band.
Each cell's residents in each zone code (a district, in or out of the pilot area) are the
exact area shares of :meth:`~heartgeo.analysis.coverage.MeasureGrid.zone`; the lattice of a
cut cell marks each point's zone code, so a band edge and a zone edge in one cell are
measured together.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import numpy as np
import shapely

from heartgeo.config import LONLAT_CRS
from heartgeo.errors import InputError
from heartgeo.geometry import polygonal, prepared_copy
from heartgeo.study.zones import zones_for
from heartgeo.travel.page import packed

#: Spacing (metres) of the lattice of sample points inside a cell, and inside a cell that
#: a zone or the city limit cuts (finer: small zones are mostly such cells).
LATTICE_M = 25.0
FINE_LATTICE_M = 12.5
#: A lattice code outside the cell's part (beyond the city limit).
OUTSIDE = 255
#: The projection of the page's metric coordinates: EPSG:32119, NAD83 / North Carolina
#: (Lambert conformal conic, two standard parallels, GRS 1980), as the page computes it.
NC_STATE_PLANE = {
    "lat1": 36.16666666666666, "lat2": 34.33333333333334, "lat0": 33.75, "lon0": -79.0,
    "x0": 609601.22, "y0": 0.0, "a": 6378137.0, "f": 1 / 298.257222101,
}  # fmt: skip


def hex_lattice(size_m: float, spacing_m: float = LATTICE_M) -> np.ndarray:
    """Offsets (metres) of a triangular lattice of points inside a pointy-top hexagon
    ``size_m`` across the flats (the demand cells' shape), shape (L, 2).
    """
    r = size_m / np.sqrt(3.0)
    rows = np.arange(-np.ceil(r / spacing_m), np.ceil(r / spacing_m) + 1)
    pts = [((i + (j % 2) / 2.0) * spacing_m, j * spacing_m * np.sqrt(3) / 2.0)
           for j in rows for i in np.arange(-np.ceil(r / spacing_m) - 1, np.ceil(r / spacing_m) + 1)]  # fmt: skip
    xy = np.array(pts) + spacing_m / 7.0  # off the hexagon's axes: no point on an edge
    angles = np.deg2rad(np.arange(30, 390, 60))
    hexagon = shapely.Polygon(np.c_[r * np.cos(angles), r * np.sin(angles)])
    return xy[shapely.contains_xy(hexagon, xy[:, 0], xy[:, 1])]


@dataclass
class CodeLayers:
    """What a zone code is made of: the districts (which together cover everywhere), the
    pilot area's outline, and the road network's extent (None: known everywhere).
    """

    districts: list[shapely.Geometry]
    pilot: shapely.Geometry
    extent: shapely.Geometry | None

    def code(self, district, in_area, known):
        """The index of each code (arrays or numbers) in :func:`zone_codes`' list."""
        if self.extent is None:
            return district * 2 + in_area
        return (district * 2 + in_area) * 2 + 1 - known


def zone_codes(study, city_area, pilot_area, extent=None) -> tuple[list[dict], list, CodeLayers]:
    """The zone codes (one per district, in or out of the pilot area, and the part in no
    district; each inside the road network's ``extent`` or outside it, where travel
    times are unknown), the areas measured (citywide, pilot, each district) as lists of
    codes, and the layers the codes are made of.
    """
    districts = [(name, geom) for kind, name, geom in zones_for(study, city_area)
                 if kind == "district"]  # fmt: skip
    pilot = pilot_area.cut if pilot_area.cut is not None else pilot_area.geometry
    layers = CodeLayers([geom for _, geom in districts], pilot, extent)
    codes = [{"district": d, "name": name, "in_area": p, "known": k}
             for d, (name, _) in enumerate(districts) for p in (0, 1)
             for k in ((1,) if extent is None else (1, 0))]  # fmt: skip
    areas = [
        {"name": city_area.name, "kind": "area", "codes": list(range(len(codes)))},
        {"name": pilot_area.name, "kind": "area",
         "codes": [i for i, c in enumerate(codes) if c["in_area"]]},
    ] + [
        {"name": name, "kind": "district",
         "codes": [i for i, c in enumerate(codes) if c["district"] == d]}
        for d, (name, _) in enumerate(districts) if not name.startswith("not in any")
    ]  # fmt: skip
    return codes, areas, layers


#: The grid (metres) the parts of a cell that two layers cut are intersected on.
SNAP_M = 0.001
#: A factor's share of a cell below this (or above 1 minus it) counts as none (whole).
WHOLE_TOL = 1e-9


def code_weights(study, layers: CodeLayers) -> np.ndarray:
    """Each cell's share in each zone code, shape (codes, cells): the product of its
    shares in the code's district, in (or out of) the pilot area and in (or out of) the
    extent, each the cells' cut by that layer (:meth:`MeasureGrid.zone`, shared with the
    coverage). A product is exact where at most one factor cuts the cell; the few cells
    that two or more cut are measured by intersecting their parts.
    """
    grid = study.grid
    district = np.array([grid.zone(g).weight for g in layers.districts])
    pilot = grid.zone(layers.pilot).weight
    known = _known_share(study, layers)
    ins = np.stack([1 - pilot, pilot])
    ext = known[None] if layers.extent is None else np.stack([known, 1 - known])
    weights = district[:, None, None] * ins[None, :, None] * ext[None, None]  # (d, p, k, cells)
    cut = [(w > WHOLE_TOL) & (w < 1 - WHOLE_TOL) for w in (district, pilot, known)]
    multi = np.flatnonzero(cut[0].any(axis=0).astype(int) + cut[1] + cut[2] >= 2)
    if len(multi):
        weights[..., multi] = _exact_weights(study, layers, multi, district[:, multi] > 0)
    return weights.reshape(-1, len(grid.cells))


def _known_share(study, layers: CodeLayers) -> np.ndarray:
    if layers.extent is None:
        return np.ones(len(study.grid.cells))
    return study.grid.share(study.known_cut.area)


def _exact_weights(study, layers: CodeLayers, cells: np.ndarray, holds: np.ndarray):
    """The code weights of ``cells`` (shape (d, p, k, cells)) from the parts of each cell
    in its districts (``holds``: shape (d, cells)), the pilot area and the extent, by
    inclusion and exclusion of their intersections' areas; each district's four weights
    are then scaled to add up to its exact share (the 1 mm grid moves them slightly).
    """
    grid = study.grid
    size = grid.cell_area[cells]
    pilot = grid.zone_parts(grid.zone(layers.pilot), cells)
    known = grid.cells[cells] if layers.extent is None else study.known_cut.parts[cells]
    n_k = 1 if layers.extent is None else 2
    out = np.zeros((len(layers.districts), 2, n_k, len(cells)))
    for d, geom in enumerate(layers.districts):
        j = np.flatnonzero(holds[d])
        a = grid.zone_parts(grid.zone(geom), cells[j])
        # on a 1 mm grid: district and pilot outlines run along each other, and overlays
        # of nearly coinciding edges fail in GEOS without one
        a_p = polygonal(shapely.intersection(a, pilot[j], grid_size=SNAP_M))
        a_k = shapely.intersection(a, known[j], grid_size=SNAP_M)
        both = shapely.area(shapely.intersection(a_p, known[j], grid_size=SNAP_M))
        area, area_p, area_k = shapely.area(a), shapely.area(a_p), shapely.area(a_k)
        if n_k == 1:
            parts = np.array([[area - area_p], [area_p]])
        else:
            parts = np.array([[area_k - both, area - area_p - area_k + both],
                              [both, area_p - both]])  # fmt: skip
        parts = np.clip(parts, 0.0, None)
        total = parts.sum(axis=(0, 1))
        out[d][:, :, j] = parts * np.where(total > 0, area / np.where(total > 0, total, 1), 0.0)
    return out / np.where(size > 0, size, 1)


def cell_parts(study, layers: CodeLayers, lattice: np.ndarray):
    """Each cell's residents in each zone code: ``(cell, code, residents)`` rows; the
    cells cut by a zone or the city limit, with each lattice point's code.
    """
    grid = study.grid
    weights = code_weights(study, layers)  # (codes, cells)
    full = np.sqrt(3.0) / 2.0 * study.demand.cell_size_m**2
    main = weights.argmax(axis=0)
    cut = (weights.max(axis=0) < 1 - 1e-6) | (grid.cell_area < full * (1 - 1e-6))
    cell_i, code_i = np.nonzero(weights.T > 1e-9)
    pop = grid.population[cell_i] * weights[code_i, cell_i]
    complex_cells = np.flatnonzero(cut)
    lat_code = _lattice_codes(study, layers, complex_cells, lattice, full)
    return (cell_i, code_i, pop), main, complex_cells, lat_code


def _lattice_codes(study, layers: CodeLayers, cells: np.ndarray, lattice, full: float):
    """The zone code of each lattice point of ``cells`` (cell by cell, :data:`OUTSIDE`
    beyond the cell's part): its district, pilot area and extent, each tested only in the
    cells that layer cuts.
    """
    grid, frame = study.grid, study.demand.cells
    px = (frame["cx"].to_numpy()[cells, None] + lattice[None, :, 0]).ravel()
    py = (frame["cy"].to_numpy()[cells, None] + lattice[None, :, 1]).ravel()
    owner = np.repeat(cells, len(lattice))
    # the lattice lies in the hexagon: only a cell the city limit cuts may miss points
    hexagon = (grid.cell_area / full, grid.cells.__getitem__)
    inside = _point_layer([hexagon], owner, px, py) == 0

    def zone_layer(geom):
        zone = grid.zone(geom)
        return zone.weight, partial(grid.zone_parts, zone)

    district = _point_layer([zone_layer(g) for g in layers.districts], owner, px, py)
    in_area = _point_layer([zone_layer(layers.pilot)], owner, px, py) == 0
    known = np.ones(len(px), bool)
    if layers.extent is not None:
        extent = (_known_share(study, layers), study.known_cut.parts.__getitem__)
        known = _point_layer([extent], owner, px, py) == 0
    codes = np.full(len(px), OUTSIDE, dtype=np.uint8)
    ok = inside & (district >= 0)
    codes[ok] = layers.code(district[ok], in_area[ok].astype(int), known[ok].astype(int))
    return codes


def _point_layer(layers: list, owner, px, py) -> np.ndarray:
    """For each point (in cell ``owner``): the index of the first layer it lies in, -1 in
    none. A layer is (each cell's share in it, a function giving the parts of cells in
    it); only points of the cells that a layer cuts are tested, against their cell's part.
    """
    out = np.full(len(px), -1)
    for k, (share, parts_of) in enumerate(layers):
        share = share[owner]
        out[(out < 0) & (share >= 1 - WHOLE_TOL)] = k
        test = np.flatnonzero((out < 0) & (share > WHOLE_TOL) & (share < 1 - WHOLE_TOL))
        if len(test):
            cells, at = np.unique(owner[test], return_inverse=True)
            hit = shapely.intersects_xy(prepared_copy(parts_of(cells))[at], px[test], py[test])
            out[test[hit]] = k
    return out


def planner_payload(study, scenario, units, candidates, workload: dict) -> dict:
    """Everything the page needs, as JSON-ready values (typed arrays base64-packed).

    Raises
    ------
    InputError
        A model the page cannot run (the network model with fast polygons).
    """
    model = study.model
    codes, areas, layers = zone_codes(study, study.study_area(scenario.area),
                                      part_area(study), model.extent)  # fmt: skip
    if len(codes) >= OUTSIDE:
        raise InputError(f"{len(codes) // 4} districts: the page holds at most 63",
                         param="districts")  # fmt: skip
    lattice = hex_lattice(study.demand.cell_size_m)
    fine = hex_lattice(study.demand.cell_size_m, FINE_LATTICE_M)
    (cell_i, code_i, pop), main, complex_cells, lat_code = cell_parts(study, layers, fine)
    cells = study.demand.cells
    origin = np.floor(np.array(study.grid.cells[0].bounds[:2]) / 1000.0) * 1000.0
    reps = study.demand.points
    lonlat = cells.set_geometry(cells.geometry.centroid).to_crs(LONLAT_CRS).geometry
    centres = np.c_[cells["cx"].to_numpy(), cells["cy"].to_numpy()]
    reach = study.demand.cell_size_m / np.sqrt(3.0)
    return {
        "model": {"name": model.name, "label": model.label, "short": model.short_label,
                  "screening": bool(model.screening)},
        "travel": model.page_data(origin, centres, reach, reps, study.settings.max_snap_m),
        "projection": NC_STATE_PLANE,
        "origin": origin.tolist(),
        "cell_size_m": float(study.demand.cell_size_m),
        "bands_min": list(study.settings.bands_min),
        "cells": {
            "n": len(cells),
            "cx": packed(cells["cx"].to_numpy() - origin[0], "<f4"),
            "cy": packed(cells["cy"].to_numpy() - origin[1], "<f4"),
            "px": packed(reps[:, 0] - origin[0], "<f4"),
            "py": packed(reps[:, 1] - origin[1], "<f4"),
            "lon": packed(lonlat.x.to_numpy(), "<f4"),
            "lat": packed(lonlat.y.to_numpy(), "<f4"),
            "main_code": packed(main, "<u1"),
        },
        "parts": {"cell": packed(cell_i, "<u4"), "code": packed(code_i, "<u1"),
                  "pop": packed(pop, "<f8"), "n": len(cell_i)},
        "lattice": {**_lattice(study.demand.cell_size_m, lattice, fine),
                    "cells": packed(complex_cells, "<u4"),
                    "ncells": len(complex_cells), "code": packed(lat_code, "<u1")},
        "codes": [{"district": c["name"], "in_area": c["in_area"], "known": c["known"]}
                  for c in codes],  # fmt: skip
        "areas": areas,
        "workload": workload,
        "start": _sites(units),
        "candidates": _sites(candidates),
    }  # fmt: skip


def _lattice(size_m: float, lattice: np.ndarray, fine: np.ndarray) -> dict:
    """The two lattices' offsets and weights (the plain one, and the fine one of cut cells)."""
    return {"dx": packed(lattice[:, 0], "<f4"), "dy": packed(lattice[:, 1], "<f4"),
            "w": packed(lattice_weights(size_m, lattice), "<f4"), "n": len(lattice),
            "fine_dx": packed(fine[:, 0], "<f4"), "fine_dy": packed(fine[:, 1], "<f4"),
            "fine_w": packed(lattice_weights(size_m, fine), "<f4"), "fine_n": len(fine)}  # fmt: skip


def part_area(study):
    """The study's area that is part of the city (the pilot area), or None."""
    return next((area for area in study.areas.values() if not area.whole_city), None)


def _sites(frame) -> list[dict]:
    """Sites as the page takes them: id, name, lon, lat and hours (None: the default)."""
    ll = frame.geometry.to_crs(LONLAT_CRS)
    hours = frame["hours"] if "hours" in frame else [None] * len(frame)
    return [
        {"id": str(i), "name": str(n), "lon": round(p.x, 7), "lat": round(p.y, 7),
         "hours": None if h is None or (isinstance(h, float) and np.isnan(h)) else str(h)}
        for i, n, p, h in zip(frame["id"], frame["name"], ll, hours, strict=True)
    ]  # fmt: skip


def lattice_weights(size_m: float, lattice: np.ndarray) -> np.ndarray:
    """The area of the cell each lattice point stands for: its Voronoi polygon among the
    lattice's points, cut by the cell hexagon (``size_m`` across its flats), shape (L,).
    The weights partition the hexagon, so a weighted share of points is a share of area.
    """
    r = size_m / np.sqrt(3.0)
    angles = np.deg2rad(np.arange(30, 390, 60))
    cell = shapely.Polygon(np.c_[r * np.cos(angles), r * np.sin(angles)])
    points = shapely.points(lattice)
    regions = shapely.get_parts(
        shapely.voronoi_polygons(shapely.multipoints(lattice), extend_to=cell.buffer(size_m))
    )
    # each region holds exactly one lattice point: match them
    region_of = shapely.STRtree(regions).query(points, predicate="intersects")
    weights = np.zeros(len(lattice))
    weights[region_of[0]] = shapely.area(shapely.intersection(regions[region_of[1]], cell))
    return weights
