"""Boundary and census layers: reading, checking, repairing, reprojecting.

Every layer is read with pyogrio, checked (file present, not empty, CRS known,
required columns present, geometries valid or repairable) and returned in
EPSG:32119. Beats are dissolved by ``LAWBEAT`` and districts by ``LAWDIST``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from heartgeo.config import layer_path, manifest
from heartgeo.errors import InputError, shown
from heartgeo.io.layers import read_layer
from heartgeo.progress import QUIET, Progress

#: Largest believable population of one census tract (the most populous US tracts hold
#: tens of thousands; the Census Bureau aims at 1,200 to 8,000): a larger value is an error.
MAX_TRACT_POPULATION = 1_000_000


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
            f"police beats file {path}, feature {row}: LAWBEAT {shown(gdf['LAWBEAT'].iloc[row])} "
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
    pop = pd.to_numeric(gdf["total_population"], errors="coerce").astype(float)
    bad = ~np.isfinite(pop) | (pop < 0) | (pop > MAX_TRACT_POPULATION)
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputError(
            f"census tracts file {path}, feature {row} (GEOID {shown(gdf['GEOID'].iloc[row])}): "
            f"total_population {shown(gdf['total_population'].iloc[row])} is not a count "
            f"between 0 and {MAX_TRACT_POPULATION:,}: fix the value"
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
