"""Staging points: where units wait between calls.

Read from CSV (named longitude/latitude columns) or any point layer (GeoJSON, GPKG),
checked, and snapped to the nearest node of the drive network. Bad rows are refused
with a message naming the file, the row and the fix.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from heartgeo.config import LONLAT_CRS, METRIC_CRS, layer_path, load_defs
from heartgeo.errors import InputError, MissingColumnError, OutsideAreaError, shown
from heartgeo.io.layers import read_layer, split_layer
from heartgeo.progress import QUIET, Progress

LON_NAMES = ("lon", "longitude", "lng", "long", "x")
LAT_NAMES = ("lat", "latitude", "y")
ID_NAMES = ("id", "site_id", "name")


def _pick(columns: list[str], names: tuple[str, ...]) -> str | None:
    lower = {c.lower().strip(): c for c in columns}
    return next((lower[n] for n in names if n in lower), None)


def _separator(path: Path) -> str:
    """The CSV field separator: a comma, unless the header holds none and has a semicolon,
    tab or pipe (spreadsheets in many locales write semicolons).
    """
    with open(path, encoding="utf-8", errors="replace") as f:
        header = f.readline()
    if "," in header:
        return ","
    return next((sep for sep in (";", "\t", "|") if sep in header), ",")


def read_lonlat_csv(path: Path, what: str) -> gpd.GeoDataFrame:
    """Points of a CSV with longitude/latitude columns (WGS84), other columns as text.

    Raises
    ------
    InputError
        Naming the file, the row and the fix (missing columns, bad or swapped numbers).
    """
    sep = _separator(path)
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False, sep=sep)
    except pd.errors.EmptyDataError:
        raise InputError(
            f"{what} file {path} is empty: give a header lon,lat and one row per "
            f"{'call' if what.startswith('call') else 'site'}"
        ) from None
    except Exception as exc:
        raise InputError(
            f"{what} file {path} cannot be read as CSV ({shown(str(exc).splitlines()[0])}): "
            "fix the file"
        ) from None
    lon_col, lat_col = _pick(list(df.columns), LON_NAMES), _pick(list(df.columns), LAT_NAMES)
    if lon_col is None or lat_col is None:
        raise MissingColumnError(
            f"{what} file {path} lacks a {'longitude' if lon_col is None else 'latitude'} column "
            f"(has {', '.join(shown(c) for c in df.columns) or 'none'}; fields separated by "
            f"{shown(sep)}): name the columns lon and lat (WGS84 degrees), separated by commas"
        )
    if len(df) == 0:
        item = "call" if what.startswith("call") else "site"
        raise InputError(f"{what} file {path} has no rows: add one row per {item}")
    values = {}
    for col in (lon_col, lat_col):
        num = pd.to_numeric(df[col].str.strip(), errors="coerce")
        bad = num.isna() | ~np.isfinite(num.fillna(0).to_numpy())
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            raise InputError(
                f"{what} file {path}, row {row + 2}: {col} {shown(df[col].iloc[row])} is not a "
                "finite number: give decimal degrees (WGS84)"
            )
        values[col] = num.to_numpy(float)
    lon, lat = values[lon_col], values[lat_col]
    out_of_range = (np.abs(lat) > 90) | (np.abs(lon) > 180)
    if out_of_range.any():
        row = int(np.flatnonzero(out_of_range)[0])
        swapped = abs(lon[row]) <= 90 < abs(lat[row])
        hint = "; longitude and latitude look swapped" if swapped else ""
        raise InputError(
            f"{what} file {path}, row {row + 2}: {lon_col}={lon[row]}, {lat_col}={lat[row]} "
            f"is not a WGS84 position{hint}: give {lon_col} in -180..180 and {lat_col} in -90..90"
        )
    gdf = gpd.GeoDataFrame(
        df.drop(columns=[lon_col, lat_col]),
        geometry=gpd.points_from_xy(lon, lat),
        crs=LONLAT_CRS,
    )
    gdf.attrs["row_offset"] = 2  # header line + 1-based rows
    return gdf


def read_staging(
    path: str | Path, progress: Progress = QUIET, what: str = "staging"
) -> gpd.GeoDataFrame:
    """Read sites from CSV, GeoJSON or GPKG; return ``id``, ``name``, points in EPSG:32119
    and, if the file has an ``hours`` column, each site's duty hours (text, checked by
    :func:`heartgeo.io.hours.parse_hours` where the scenario is known; empty: the default).

    Parameters
    ----------
    path
        The file; ``FILE.gpkg:LAYER`` names one layer of a file with several.
    progress
        Where GDAL's warnings go.
    what
        What the file holds, for messages (``staging``, ``candidate sites``, ``fixed sites``).

    Raises
    ------
    InputError
        Missing or empty file, missing or non-numeric coordinate columns, NaN/infinite or
        out-of-range coordinates, swapped longitude/latitude, duplicate ids, non-point or
        missing geometry, a file with several layers and none named.
    """
    path, layer = split_layer(path)
    if not path.exists():
        raise InputError(f"{what} file {path} does not exist: check the path")
    if path.stat().st_size == 0:
        raise InputError(f"{what} file {path} is empty: give a header lon,lat and one row per site")
    if path.suffix.lower() in (".csv", ".txt"):
        gdf = read_lonlat_csv(path, what).to_crs(METRIC_CRS)
        offset = 2
    else:
        source = f"{path}:{layer}" if layer else path
        gdf = read_layer(
            source, what=what, geom_types=("Point",), progress=progress, null_geometries="refuse"
        )
        offset = 0
    id_col, ids = _site_ids(gdf, path, offset, what)
    name_col = _pick(
        [c for c in gdf.columns if c not in ("geometry", id_col)], ("name", "label", "site")
    )
    names = gdf[name_col].astype(str) if name_col else ids
    columns = {"id": ids.to_numpy(), "name": names.to_numpy()}
    hours_col = _pick([c for c in gdf.columns if c != "geometry"], ("hours", "shift", "duty_hours"))
    if hours_col is not None:  # checked where the scenario's default is known
        columns["hours"] = gdf[hours_col].astype(str).str.strip().to_numpy()
    out = gpd.GeoDataFrame(columns, geometry=gdf.geometry.to_numpy(), crs=METRIC_CRS)
    out.attrs["source"] = str(path)
    out.attrs["row_offset"] = offset
    return out


def _site_ids(gdf, path: Path, offset: int, what: str) -> tuple[str | None, pd.Series]:
    """The id column (None: numbered ``site_1``...) and the ids, checked non-empty and unique."""
    id_col = _pick([c for c in gdf.columns if c != "geometry"], ID_NAMES)
    ids = (
        gdf[id_col].astype(str).str.strip()
        if id_col
        else pd.Series([f"site_{i + 1}" for i in range(len(gdf))])
    )
    if (ids == "").any():
        row = int(np.flatnonzero((ids == "").to_numpy())[0]) + offset
        raise InputError(f"{what} file {path}, row {row}: empty {id_col}: give every site an id")
    dup = ids.duplicated()
    if dup.any():
        row = int(np.flatnonzero(dup.to_numpy())[0])
        raise InputError(
            f"{what} file {path}, row {row + offset}: {id_col} {shown(ids.iloc[row])} is used twice: "
            "give every site a unique id"
        )
    return id_col, ids


def check_in_area(
    points: gpd.GeoDataFrame, area: shapely.Geometry, area_name: str, source: str
) -> None:
    """Refuse points outside ``area`` (the city limit; naming the first one); detect
    swapped lon/lat.
    """
    # covers, not contains: a point on the boundary (edge or vertex) is inside
    inside = shapely.intersects_xy(area, points.geometry.x.to_numpy(), points.geometry.y.to_numpy())
    if inside.all():
        return
    row = int(np.flatnonzero(~inside)[0])
    offset = points.attrs.get("row_offset", 0)
    lonlat = gpd.GeoSeries(points.geometry.iloc[[row]], crs=METRIC_CRS).to_crs(LONLAT_CRS).iloc[0]
    hint = ""
    if abs(lonlat.y) <= 180 and abs(lonlat.x) <= 90:
        swapped = gpd.GeoSeries([shapely.Point(lonlat.y, lonlat.x)], crs=LONLAT_CRS).to_crs(
            METRIC_CRS
        )
        if shapely.contains(area, swapped.iloc[0]):
            hint = " (longitude and latitude look swapped)"
    raise OutsideAreaError(
        f"staging file {source}, row {row + offset} ({points['id'].iloc[row]}): point "
        f"{lonlat.x:.5f},{lonlat.y:.5f} lies outside the {area_name} limit{hint}: move it inside "
        f"the {area_name}"
    )


def station_id(names: pd.Series) -> pd.Series:
    """Site ids of fire stations: ``Station 2`` becomes ``station_2``."""
    return names.str.lower().str.replace(" ", "_")


def read_fire_stations(path: Path, progress: Progress = QUIET) -> gpd.GeoDataFrame:
    """The fire-station layer (``Station`` column, points) with an ``id`` per station."""
    layer = read_layer(
        path, ["Station"], what="fire stations", geom_types=("Point",), progress=progress
    )
    return layer.assign(id=station_id(layer["Station"]))


def default_staging(data_dir: Path, scenario: str, progress: Progress = QUIET) -> gpd.GeoDataFrame:
    """The default staging points of a scenario (``pilot`` or ``citywide``).

    City Hall for both; the citywide scenario adds the fire stations named in
    ``data/boundaries/staging_default.json``, read from the fire-station layer.
    """
    defs = load_defs("staging_default.json")
    rows = [p for p in defs["points"] if scenario in p["scenarios"]]
    frame = gpd.GeoDataFrame(
        {"id": [p["id"] for p in rows], "name": [p["name"] for p in rows]},
        geometry=gpd.points_from_xy([p["lon"] for p in rows], [p["lat"] for p in rows]),
        crs=LONLAT_CRS,
    ).to_crs(METRIC_CRS)
    stations = defs.get("fire_stations", {})
    if scenario in stations.get("scenarios", []):
        path = layer_path(data_dir, stations["layer"])
        layer = read_fire_stations(path, progress)
        wanted = stations["stations"]
        found = layer[layer["Station"].isin(wanted)]
        missing = sorted(set(wanted) - set(found["Station"]))
        if missing:
            raise MissingColumnError(
                f"fire stations file {path} lacks {', '.join(missing)}: fix staging_default.json or the layer"
            )
        extra = gpd.GeoDataFrame(
            {
                "id": found["id"].to_numpy(),
                "name": (
                    "Fire " + found["Station"] + ", " + found["Address"].str.strip()
                ).to_numpy()
                if "Address" in found
                else found["Station"].to_numpy(),
            },
            geometry=found.geometry.to_numpy(),
            crs=METRIC_CRS,
        )
        frame = pd.concat([frame, extra], ignore_index=True)
    frame = gpd.GeoDataFrame(frame, geometry="geometry", crs=METRIC_CRS)
    frame.attrs["source"] = "default scenario (data/boundaries/staging_default.json)"
    if scenario in stations.get("scenarios", []):
        frame.attrs["layers"] = {stations["layer"]: layer_path(data_dir, stations["layer"])}
    frame.attrs["row_offset"] = 0
    return frame
