"""Online download of the boundary layers and the city-wide drive network.

``heartgeo fetch`` downloads each boundary layer that ``data/boundaries/sources.json``
gives a URL for (ArcGIS REST ``query`` endpoints, paged, or plain GeoJSON downloads),
checks it like any input, and then downloads the OpenStreetMap drive network for the
buffered city limit through OSMnx (Overpass API). Everything lands atomically in the
data directory: the layers at their ``path``, the network as
``roads/durham_drive.graphml`` with ``roads/durham_drive.extent.geojson``, the polygon
the network was requested for (its extent).
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import geopandas as gpd
import requests
import shapely

from heartgeo.config import LONLAT_CRS, METRIC_CRS, manifest
from heartgeo.errors import InputError
from heartgeo.io.boundaries import load_city
from heartgeo.io.layers import read_layer
from heartgeo.io.osm import keep_drivable
from heartgeo.progress import QUIET, Progress

PAGE_SIZE = 1000


def _atomic_target(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    return Path(tmp)


def _get_json(url: str, params: dict | None, timeout: float) -> dict:
    try:
        response = requests.get(url, params=params, timeout=timeout)
    except requests.RequestException as exc:
        raise InputError(
            f"download of {url} failed ({type(exc).__name__}): check the network connection or the URL"
        ) from None
    if not response.ok:
        raise InputError(
            f"download of {url} failed: HTTP {response.status_code}; check the URL (heartgeo fetch --source-url)"
        )
    try:
        data = response.json()
    except ValueError:
        raise InputError(f"download of {url} did not return JSON: check the URL") from None
    if isinstance(data, dict) and "error" in data:
        raise InputError(f"download of {url} failed: server said {data['error']}; check the URL")
    return data


def download_arcgis(url: str, timeout: float = 60.0) -> dict:
    """All features of an ArcGIS REST layer ``query`` endpoint as GeoJSON (paged)."""
    features: list = []
    offset = 0
    while True:
        params = {
            "where": "1=1",
            "outFields": "*",
            "f": "geojson",
            "outSR": "4326",
            "resultOffset": offset,
            "resultRecordCount": PAGE_SIZE,
        }
        page = _get_json(url, params, timeout)
        batch = page.get("features", [])
        features.extend(batch)
        more = page.get("exceededTransferLimit") or page.get("properties", {}).get(
            "exceededTransferLimit"
        )
        if not more or not batch:
            break
        offset += len(batch)
    return {"type": "FeatureCollection", "features": features}


def fetch_layers(
    data_dir: Path,
    urls: dict[str, str] | None = None,
    *,
    only: tuple[str, ...] = (),
    timeout: float = 60.0,
    progress: Progress = QUIET,
) -> dict[str, Path]:
    """Download every layer with a URL (or only those in ``only``) into the data directory.

    Returns the paths written.
    """
    layers = manifest()["layers"]
    urls = dict(urls or {})
    unknown = sorted((set(urls) | set(only)) - set(layers))
    if unknown:
        raise InputError(
            f"--source-url: unknown layer {', '.join(unknown)} (layers: {', '.join(layers)})"
        )
    written = {}
    for name, spec in layers.items():
        url = urls.get(name, spec.get("url"))
        if not url or (only and name not in only):
            continue
        with progress.step(f"Downloading {spec['title']}"):
            if spec.get("kind") == "arcgis_rest" or url.rstrip("/").endswith("/query"):
                data = download_arcgis(url, timeout)
            else:
                data = _get_json(url, None, timeout)
            target = data_dir / spec["path"]
            tmp = _atomic_target(target)
            try:
                tmp.write_text(json.dumps(data), encoding="utf-8")
                read_layer(tmp, spec["required_columns"], what=f"downloaded {name} ({url})")
                os.replace(tmp, target)
            finally:
                tmp.unlink(missing_ok=True)
        written[name] = target
    return written


def seed_from_bundle(data_dir: Path, progress: Progress = QUIET) -> list[Path]:
    """Copy into ``data_dir`` the bundled files of the layers that have no download source
    (census tracts and counts, fire stations) and that it lacks, so that a data directory
    given with ``--data-dir`` is complete after a fetch. Returns the files copied.
    """
    import shutil

    from heartgeo.config import bundled_data_dir

    copied = []
    for spec in manifest()["layers"].values():
        if spec.get("url"):
            continue
        target = data_dir / spec["path"]
        source = bundled_data_dir() / spec["path"]
        if target.exists() or not source.exists():
            continue
        tmp = _atomic_target(target)
        try:
            shutil.copyfile(source, tmp)
            os.replace(tmp, target)
        finally:
            tmp.unlink(missing_ok=True)
        copied.append(target)
    if copied:
        progress.info(
            "  copied the bundled layers that are not downloaded: "
            + ", ".join(str(p.relative_to(data_dir)) for p in copied)
        )
    return copied


def fetch_network(
    data_dir: Path,
    *,
    buffer_m: float = 2000.0,
    overpass_url: str | None = None,
    timeout: float = 180.0,
    progress: Progress = QUIET,
) -> Path:
    """Download the drive network around the buffered city limit and save it as GraphML.

    Parameters
    ----------
    data_dir
        Data directory; the city limit is read from it and the network written into it.
    buffer_m
        Distance (metres) around the city limit to include, so that routes leaving and
        re-entering the city are found.
    overpass_url
        Overpass API base URL (default: the public server). A custom URL also turns off
        OSMnx's rate-limit probe.
    timeout
        Seconds to wait for each Overpass response.
    """
    import osmnx as ox

    from heartgeo.config import layer_path

    nets = manifest()["networks"]
    # the target's own city limit (just downloaded), else the default one (bundled)
    city_path = layer_path(data_dir, "city_limits")
    if not city_path.exists():
        city_path = layer_path(None, "city_limits")
    city = load_city(city_path, progress)
    area = shapely.buffer(city, buffer_m)
    area_ll = gpd.GeoSeries([area], crs=METRIC_CRS).to_crs(LONLAT_CRS).iloc[0]
    saved = {
        k: getattr(ox.settings, k)
        for k in (
            "overpass_url",
            "overpass_rate_limit",
            "use_cache",
            "requests_timeout",
            "useful_tags_way",
        )
    }
    try:
        ox.settings.overpass_url = overpass_url or nets["overpass_url"]
        ox.settings.overpass_rate_limit = overpass_url is None
        ox.settings.use_cache = False
        ox.settings.requests_timeout = timeout
        ox.settings.useful_tags_way = sorted(
            set(saved["useful_tags_way"]) | {"motor_vehicle", "motorcar"}
        )
        with progress.step(f"Downloading the OSM drive network from {ox.settings.overpass_url}"):
            try:
                graph = ox.graph_from_polygon(
                    area_ll,
                    network_type="drive",
                    simplify=False,
                    retain_all=True,
                    truncate_by_edge=True,
                )
            except Exception as exc:
                reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                raise InputError(
                    f"network download from {ox.settings.overpass_url} failed ({reason}): "
                    "check the connection or pass --overpass-url"
                ) from None
    finally:
        for k, v in saved.items():
            setattr(ox.settings, k, v)
    # a server may answer with every highway type: keep the drivable ways only
    keep_drivable(graph)
    if graph.number_of_edges() == 0:
        raise InputError(
            f"the Overpass server at {overpass_url or nets['overpass_url']} returned no drivable roads"
        )
    target = data_dir / nets["fetched"]
    extent_target = target.with_name(target.stem + ".extent.geojson")
    tmp_graph, tmp_extent = _atomic_target(target), _atomic_target(extent_target)
    try:
        ox.save_graphml(graph, tmp_graph)
        tmp_extent.unlink()
        gpd.GeoDataFrame(
            {"what": ["area requested from Overpass"]}, geometry=[area_ll], crs=LONLAT_CRS
        ).to_file(tmp_extent, driver="GeoJSON", engine="pyogrio")
        os.replace(tmp_extent, extent_target)
        os.replace(tmp_graph, target)
    finally:
        tmp_graph.unlink(missing_ok=True)
        tmp_extent.unlink(missing_ok=True)
    progress.info(
        f"  saved {graph.number_of_nodes()} nodes, {graph.number_of_edges()} edges to {target}"
    )
    return target
