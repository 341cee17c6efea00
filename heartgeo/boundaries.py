"""Boundary and census layers: reading, checking, repairing, reprojecting.

Every layer is read with pyogrio, checked (file present, not empty, CRS known,
required columns present, geometries valid or repairable) and returned in
EPSG:32119. Beats are dissolved by ``LAWBEAT`` and districts by ``LAWDIST``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from heartgeo.config import BOUNDARY_TOLERANCE_M, METRIC_CRS, layer_path, manifest
from heartgeo.errors import InputError
from heartgeo.progress import QUIET, Progress


def read_layer(
    path: str | Path,
    required: Iterable[str] = (),
    *,
    what: str = "layer",
    geom_types: Iterable[str] | None = ("Polygon", "MultiPolygon"),
    progress: Progress = QUIET,
    simplify_m: float = BOUNDARY_TOLERANCE_M,
) -> gpd.GeoDataFrame:
    """Read a vector file, check it and return it in EPSG:32119.

    Parameters
    ----------
    path
        GeoJSON, GeoPackage, shapefile or any format pyogrio reads.
    required
        Columns that must be present.
    what
        Name of the layer used in messages (``"police beats"``...).
    geom_types
        Accepted geometry types, or None for any.
    progress
        Where repairs are reported.
    simplify_m
        Tolerance (metres) of a topology-preserving simplification of polygons.

    Raises
    ------
    InputError
        Missing or empty file, unreadable file, no CRS, missing columns, empty or
        unrepairable geometries, wrong geometry type.
    """
    path = Path(path)
    if not path.exists():
        raise InputError(f"{what} file {path} does not exist: check the path or the data directory")
    if path.is_file() and path.stat().st_size == 0:
        raise InputError(f"{what} file {path} is empty: replace it with a valid file")
    try:
        gdf = gpd.read_file(path, engine="pyogrio")
    except Exception as exc:  # pyogrio raises several DataSourceError kinds
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputError(
            f"{what} file {path} cannot be read ({reason}): replace it with valid GeoJSON/GeoPackage"
        ) from None
    if not isinstance(gdf, gpd.GeoDataFrame) or gdf.geometry.name not in gdf.columns:
        raise InputError(
            f"{what} file {path} has no geometry: give a GeoJSON, GeoPackage or shapefile layer"
        )
    if len(gdf) == 0:
        raise InputError(f"{what} file {path} has no features: replace it with a non-empty layer")
    if gdf.crs is None:
        raise InputError(
            f"{what} file {path} has no CRS: save it with its coordinate reference system "
            "(for lon/lat, EPSG:4326)"
        )
    missing = [c for c in required if c not in gdf.columns]
    if missing:
        raise InputError(
            f"{what} file {path} lacks column(s) {', '.join(missing)} "
            f"(has {', '.join(map(str, gdf.columns.drop('geometry')))}): use the layer that carries them"
        )
    null = gdf.geometry.isna() | gdf.geometry.is_empty
    if null.all():
        raise InputError(f"{what} file {path} has no geometries: replace it with a non-empty layer")
    if null.any():
        progress.warn(f"{what} file {path}: dropped {int(null.sum())} feature(s) without geometry")
        gdf = gdf[~null].copy()
    if geom_types is not None:
        bad = ~gdf.geom_type.isin(list(geom_types))
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            raise InputError(
                f"{what} file {path}, feature {row}: geometry type {gdf.geom_type.iloc[row]} "
                f"where {'/'.join(geom_types)} is expected: use a layer of that type"
            )
    try:
        gdf = gdf.to_crs(METRIC_CRS)
    except Exception as exc:
        raise InputError(
            f"{what} file {path}: its CRS {gdf.crs} cannot be transformed to {METRIC_CRS} ({exc}): "
            "reproject it to EPSG:4326"
        ) from None
    coords = shapely.get_coordinates(gdf.geometry.values)
    if len(coords) and not np.isfinite(coords).all():
        raise InputError(
            f"{what} file {path} has coordinates that are not finite after reprojection: "
            "check the file's CRS"
        )
    invalid = ~gdf.geometry.is_valid
    if invalid.any():
        gdf.loc[invalid, "geometry"] = shapely.make_valid(gdf.geometry[invalid].values)
        if geom_types is not None and {"Polygon", "MultiPolygon"} >= set(geom_types):
            gdf["geometry"] = _polygonal(gdf.geometry.values)
        progress.warn(
            f"{what} file {path}: repaired {int(invalid.sum())} invalid geometr"
            f"{'y' if invalid.sum() == 1 else 'ies'} with make_valid"
        )
    if simplify_m > 0 and geom_types is not None and "Point" not in geom_types:
        # survey-grade vertices (tens of thousands per boundary) slow every overlay;
        # half a metre changes areas by well under 0.01 %
        gdf["geometry"] = shapely.make_valid(
            shapely.simplify(gdf.geometry.to_numpy(), simplify_m, preserve_topology=True)
        )
        gdf["geometry"] = _polygonal(gdf.geometry.to_numpy())
    gdf.attrs["source"] = str(path)
    gdf.attrs["repaired"] = int(invalid.sum())
    return gdf


def _polygonal(geoms: np.ndarray) -> np.ndarray:
    """Keep only the polygonal parts of each geometry (make_valid can add lines)."""
    out = []
    for g in geoms:
        if g.geom_type in ("Polygon", "MultiPolygon"):
            out.append(g)
        else:
            parts = [p for p in shapely.get_parts(g) if p.geom_type in ("Polygon", "MultiPolygon")]
            out.append(shapely.union_all(parts) if parts else shapely.Polygon())
    return np.asarray(out, dtype=object)


@dataclass
class Boundaries:
    """The study layers, all in EPSG:32119.

    Attributes
    ----------
    city
        The city limit as one (multi)polygon.
    beats
        One row per beat (``beat`` int, ``district`` str), clipped to nothing.
    districts
        One row per district (``district`` str).
    tracts
        Census tracts with ``GEOID`` and ``population``.
    sources
        Paths of the files read, by layer name.
    """

    city: shapely.Geometry
    beats: gpd.GeoDataFrame
    districts: gpd.GeoDataFrame
    tracts: gpd.GeoDataFrame
    sources: dict[str, Path] = field(default_factory=dict)


def _required(layer: str) -> list[str]:
    return manifest()["layers"][layer]["required_columns"]


def load_city(path: Path, progress: Progress = QUIET) -> shapely.Geometry:
    """The city limit as a single polygon in EPSG:32119."""
    gdf = read_layer(path, _required("city_limits"), what="city limit", progress=progress)
    return shapely.union_all(gdf.geometry.values)


def load_beats(path: Path, progress: Progress = QUIET) -> gpd.GeoDataFrame:
    """Police beats dissolved by ``LAWBEAT`` (columns ``beat``, ``district``)."""
    gdf = read_layer(path, _required("police_beats"), what="police beats", progress=progress)
    beat = pd.to_numeric(gdf["LAWBEAT"], errors="coerce")
    if beat.isna().any():
        row = int(np.flatnonzero(beat.isna().to_numpy())[0])
        raise InputError(
            f"police beats file {path}, feature {row}: LAWBEAT {gdf['LAWBEAT'].iloc[row]!r} "
            "is not a beat number: fix or drop that feature"
        )
    gdf = gdf.assign(beat=beat.astype(int), district=gdf["LAWDIST"].astype(str))
    out = gdf.dissolve("beat", aggfunc={"district": "first"}).reset_index()
    return out[["beat", "district", "geometry"]].sort_values("beat").reset_index(drop=True)


def load_districts(path: Path, progress: Progress = QUIET) -> gpd.GeoDataFrame:
    """Police districts dissolved by ``LAWDIST`` (column ``district``)."""
    gdf = read_layer(
        path, _required("police_districts"), what="police districts", progress=progress
    )
    gdf = gdf.assign(district=gdf["LAWDIST"].astype(str))
    out = gdf.dissolve("district").reset_index()[["district", "geometry"]]
    return out.sort_values("district").reset_index(drop=True)


def load_tracts(path: Path, progress: Progress = QUIET) -> gpd.GeoDataFrame:
    """Census tracts with ``GEOID`` and ``population`` (from ``total_population``)."""
    gdf = read_layer(path, _required("tracts"), what="census tracts", progress=progress)
    pop = pd.to_numeric(gdf["total_population"], errors="coerce")
    bad = pop.isna() | (pop < 0)
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputError(
            f"census tracts file {path}, feature {row} (GEOID {gdf['GEOID'].iloc[row]}): "
            f"total_population {gdf['total_population'].iloc[row]!r} is not a count >= 0: fix the value"
        )
    out = gpd.GeoDataFrame(
        {"GEOID": gdf["GEOID"].astype(str), "population": pop.astype(float)},
        geometry=gdf.geometry.values,
        crs=gdf.crs,
    )
    return out.reset_index(drop=True)


def load_boundaries(data_dir: Path, progress: Progress = QUIET) -> Boundaries:
    """Load the city limit, beats, districts and tracts from the data directory."""
    paths = {
        name: layer_path(data_dir, name)
        for name in ("city_limits", "police_beats", "police_districts", "tracts")
    }
    with progress.step("Loading boundaries and census tracts"):
        city = load_city(paths["city_limits"], progress)
        beats = load_beats(paths["police_beats"], progress)
        districts = load_districts(paths["police_districts"], progress)
        tracts = load_tracts(paths["tracts"], progress)
    return Boundaries(city=city, beats=beats, districts=districts, tracts=tracts, sources=paths)
