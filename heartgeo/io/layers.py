"""Reading any vector layer: checked, repaired and reprojected to EPSG:32119."""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import pyproj
import shapely

from heartgeo.config import BOUNDARY_TOLERANCE_M, METRIC_CRS
from heartgeo.errors import InputError, MissingColumnError, MissingCRSError, shown
from heartgeo.geometry import polygonal
from heartgeo.progress import QUIET, Progress


def read_layer(
    path: str | Path,
    required: Iterable[str] = (),
    *,
    what: str = "layer",
    geom_types: Iterable[str] | None = ("Polygon", "MultiPolygon"),
    progress: Progress = QUIET,
    simplify_m: float = BOUNDARY_TOLERANCE_M,
    null_geometries: str = "drop",
) -> gpd.GeoDataFrame:
    """Read a vector file, check it and return it in EPSG:32119.

    Parameters
    ----------
    path
        GeoJSON, GeoPackage, shapefile or any format pyogrio reads; ``FILE.gpkg:LAYER``
        names one layer of a file with several (a file with several layers and no name
        is refused: no layer is ever skipped silently).
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
    null_geometries
        ``"drop"`` (with a warning) or ``"refuse"`` features without geometry.

    Raises
    ------
    InputError
        Missing or empty file, unreadable file, no CRS, missing columns, empty or
        unrepairable geometries, wrong geometry type.
    """
    path, layer = split_layer(path)
    gdf = _read_file(path, what, layer, progress)
    missing = [c for c in required if c not in gdf.columns]
    if missing:
        raise MissingColumnError(
            f"{what} file {path} lacks column(s) {', '.join(missing)} "
            f"(has {', '.join(map(str, gdf.columns.drop('geometry')))}): use the layer that carries them"
        )
    gdf = _checked_geometries(gdf, path, what, geom_types, null_geometries, progress)
    gdf = _metric(gdf, path, what)
    gdf, repaired = _repaired(gdf, path, what, geom_types, simplify_m, progress)
    gdf.attrs["source"] = str(path)
    gdf.attrs["repaired"] = repaired
    return gdf


def _checked_geometries(gdf, path, what, geom_types, null_geometries, progress):
    """Features without geometry dropped (or refused); every geometry of an accepted type."""
    null = gdf.geometry.isna() | gdf.geometry.is_empty
    if null.all():
        raise InputError(f"{what} file {path} has no geometries: replace it with a non-empty layer")
    if null.any() and null_geometries == "refuse":
        row = int(np.flatnonzero(null.to_numpy())[0])
        raise InputError(
            f"{what} file {path}, feature {row}: no geometry: give it a position or remove it"
        )
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
    return gdf


def _within_use(gdf, path, what):
    """A lon/lat layer cut to where EPSG:32119 is valid (North Carolina, a degree around):
    beyond it the projection folds over (a world-sized polygon would become a sliver).
    """
    if gdf.crs is None or not gdf.crs.is_geographic:
        return gdf
    west, south, east, north = pyproj.CRS(METRIC_CRS).area_of_use.bounds
    window = (west - 1.0, south - 1.0, east + 1.0, north + 1.0)
    minx, miny, maxx, maxy = gdf.total_bounds
    if minx >= window[0] and miny >= window[1] and maxx <= window[2] and maxy <= window[3]:
        return gdf
    gdf = gdf.to_crs("EPSG:4326")
    cut = shapely.intersection(gdf.geometry.to_numpy(), shapely.box(*window))
    keep = ~shapely.is_empty(cut)
    if not keep.any():
        raise InputError(
            f"{what} file {path} lies outside North Carolina (bounds {minx:.2f}, {miny:.2f}, "
            f"{maxx:.2f}, {maxy:.2f} degrees): check its coordinates and CRS"
        )
    return gdf.iloc[np.flatnonzero(keep)].set_geometry(cut[keep])


def _metric(gdf, path, what):
    """The layer in EPSG:32119, with finite coordinates (a lon/lat layer first cut to the
    projection's area of use).
    """
    gdf = _within_use(gdf, path, what)
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
    return gdf


def _repaired(gdf, path, what, geom_types, simplify_m, progress):
    """Invalid geometries repaired (reported), polygons simplified; and how many were repaired."""
    invalid = ~gdf.geometry.is_valid
    if invalid.any():
        gdf.loc[invalid, "geometry"] = shapely.make_valid(gdf.geometry[invalid].values)
        if geom_types is not None and {"Polygon", "MultiPolygon"} >= set(geom_types):
            gdf["geometry"] = polygonal(gdf.geometry.values)
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
        gdf["geometry"] = polygonal(gdf.geometry.to_numpy())
    return gdf, int(invalid.sum())


#: Formats that hold one layer only: a ``:LAYER`` suffix on them is refused.
SINGLE_LAYER = (".csv", ".txt", ".geojson", ".json", ".shp", ".osm", ".graphml")


def split_layer(path: str | Path) -> tuple[Path, str | None]:
    """``FILE.gpkg:LAYER`` into the file and the layer's name (None if not given).

    The file is the longest prefix before a colon that exists (a layer name may hold
    colons: ``f.gpkg:a:b`` is layer ``a:b`` of ``f.gpkg``); a path that exists whole has
    no layer; otherwise the last colon after a file suffix splits.

    Raises
    ------
    InputError
        A layer named on a single-layer format (``calls.csv:foo``).
    """
    text = str(path)
    if ":" not in text or Path(text).exists():
        return Path(text), None
    cuts = [i for i, ch in enumerate(text) if ch == ":" and i > 0]
    found = [i for i in cuts if Path(text[:i]).is_file()]
    if found:
        i = found[-1]
    else:
        head, _, tail = text.rpartition(":")
        if not (tail and Path(head).suffix and "/" not in tail):
            return Path(text), None
        i = len(head)
    file, layer = Path(text[:i]), text[i + 1 :]
    if not layer:
        return Path(text), None
    if file.suffix.lower() in SINGLE_LAYER:
        raise InputError(
            f"{text}: a {file.suffix} file has one layer only: give {file} without ':{layer}'"
        )
    return file, layer


def _read_file(
    path: Path, what: str, layer: str | None = None, progress: Progress = QUIET
) -> gpd.GeoDataFrame:
    """The layer in ``path`` as read by pyogrio: present, readable, one named or only layer,
    with features and a CRS. GDAL's warnings go to ``progress`` (silent under --quiet).
    """
    if not path.exists():
        raise InputError(f"{what} file {path} does not exist: check the path or the data directory")
    if path.is_file() and path.stat().st_size == 0:
        raise InputError(f"{what} file {path} is empty: replace it with a valid file")
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            # a one-layer format needs no listing (GDAL would read a GeoJSON file for it)
            one = layer is None and path.suffix.lower() in SINGLE_LAYER
            names = [] if one else [str(n) for n in pyogrio.list_layers(path)[:, 0]]
            if layer is None and len(names) > 1:
                raise InputError(
                    f"{what} file {path} has {len(names)} layers ({', '.join(names[:6])}): "
                    f"name one as {path}:LAYER"
                )
            if layer is not None and layer not in names:
                raise InputError(
                    f"{what} file {path} has no layer {shown(layer)} (layers: "
                    f"{', '.join(names[:6])}): name one of them as {path}:LAYER"
                )
            gdf = gpd.read_file(path, engine="pyogrio", layer=layer)
    except InputError:
        raise
    except Exception as exc:  # pyogrio raises several DataSourceError kinds
        reason = shown(str(exc).splitlines()[0]) if str(exc) else type(exc).__name__
        raise InputError(
            f"{what} file {path} cannot be read ({reason}): replace it with valid GeoJSON/GeoPackage"
        ) from None
    for item in caught:
        progress.warn(f"{what} file {path}: {' '.join(str(item.message).split())}")
    if not isinstance(gdf, gpd.GeoDataFrame) or gdf.geometry.name not in gdf.columns:
        raise InputError(
            f"{what} file {path} has no geometry: give a GeoJSON, GeoPackage or shapefile layer"
        )
    if len(gdf) == 0:
        raise InputError(f"{what} file {path} has no features: replace it with a non-empty layer")
    if gdf.crs is None:
        raise MissingCRSError(
            f"{what} file {path} has no CRS: save it with its coordinate reference system "
            "(for lon/lat, EPSG:4326)"
        )
    return gdf
