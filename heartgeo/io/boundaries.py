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
from heartgeo.errors import InputError, MissingColumnError, shown
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
        Census tracts with ``GEOID``, ``population`` and ACS attributes.
    sources
        Paths of the files read, by layer name.
    """

    city: shapely.Geometry
    beats: gpd.GeoDataFrame
    districts: gpd.GeoDataFrame
    tracts: gpd.GeoDataFrame
    sources: dict[str, Path] = field(default_factory=dict)
    #: ``census2020`` or ``acs``: where ``tracts.population`` comes from
    population: str = "acs"
    #: the city's own census count (the allocation's control total), if known
    city_count: float | None = None


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


def load_counts(path: Path, id_column: str) -> pd.Series:
    """2020 census counts (``total``) by id (``geocode`` of tracts, ``fips`` of places).

    Raises
    ------
    InputError
        Missing file or columns, or a count that is not a number >= 0.
    """
    if not path.exists():
        raise InputError(f"census counts file {path} does not exist: check the data directory")
    try:
        table = pd.read_csv(path, dtype={id_column: str})
    except Exception as exc:
        raise InputError(
            f"census counts file {path} cannot be read ({shown(str(exc).splitlines()[0])})"
        ) from None
    missing = [c for c in (id_column, "total") if c not in table.columns]
    if missing:
        raise MissingColumnError(f"census counts file {path} lacks column(s) {', '.join(missing)}")
    total = pd.to_numeric(table["total"], errors="coerce").astype(float)
    bad = ~np.isfinite(total) | (total < 0)
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputError(
            f"census counts file {path}, row {row + 2}: total {shown(table['total'].iloc[row])} "
            "is not a count >= 0: fix the value"
        )
    return pd.Series(total.to_numpy(), index=table[id_column].str.strip().to_numpy())


def load_tracts(
    path: Path, progress: Progress = QUIET, counts_path: Path | None = None
) -> gpd.GeoDataFrame:
    """Census tracts with ``GEOID``, ``population`` and the ACS attributes.

    ``population`` is the 2020 decennial count joined by GEOID from ``counts_path`` when
    given, else the ACS estimate ``total_population``. ``population_acs``,
    ``households_no_vehicle``, ``total_households`` and ``median_income`` are kept where
    the layer has them (NaN where a value is missing).
    """
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
    columns = {"GEOID": gdf["GEOID"].astype(str).str.strip(), "population": pop.astype(float)}
    columns["population_acs"] = pop.astype(float)
    for extra in ("households_no_vehicle", "total_households", "median_income"):
        if extra in gdf.columns:
            columns[extra] = pd.to_numeric(gdf[extra], errors="coerce").astype(float)
    out = gpd.GeoDataFrame(columns, geometry=gdf.geometry.values, crs=gdf.crs)
    if counts_path is not None:
        counts = load_counts(counts_path, "geocode")
        joined = out["GEOID"].map(counts)
        if joined.isna().any():
            row = int(np.flatnonzero(joined.isna().to_numpy())[0])
            raise InputError(
                f"census tracts file {path}, feature {row}: GEOID {shown(out['GEOID'].iloc[row])} "
                f"has no 2020 count in {counts_path}: use matching files, or --population acs"
            )
        out["population"] = joined.to_numpy(float)
    return out.reset_index(drop=True)


def load_boundaries(
    data_dir: Path | None, progress: Progress = QUIET, population: str = "census2020"
) -> Boundaries:
    """Load the city limit, beats, districts and tracts from the data directory.

    ``population``: ``census2020`` (the 2020 decennial counts, joined by GEOID, and the
    city's 2020 count as the control total where the data directory has it) or ``acs``
    (the tracts' ACS 2020-2024 estimates, no control total).
    """
    names = ["city_limits", "police_beats", "police_districts", "tracts"]
    if population == "census2020":
        names.append("tracts_2020_counts")
    paths = {name: layer_path(data_dir, name) for name in names}
    city_count = None
    with progress.step("Loading boundaries and census tracts"):
        city = load_city(paths["city_limits"], progress)
        beats = load_beats(paths["police_beats"], progress)
        districts = load_districts(paths["police_districts"], progress)
        tracts = load_tracts(paths["tracts"], progress, paths.get("tracts_2020_counts"))
        places = layer_path(data_dir, "places_2020_counts")
        fips = manifest()["layers"]["places_2020_counts"].get("city_fips")
        if population == "census2020" and places.exists() and fips:
            counts = load_counts(places, "fips")
            if fips in counts.index:
                city_count = float(counts[fips])
                paths["places_2020_counts"] = places
    return Boundaries(
        city=city,
        beats=beats,
        districts=districts,
        tracts=tracts,
        sources=paths,
        population=population,
        city_count=city_count,
    )
