"""Online download of the boundary layers and the city-wide drive network.

``heartgeo fetch`` downloads each boundary layer that the data manifest gives a URL for
(ArcGIS REST ``query`` endpoints, paged, or plain GeoJSON downloads) and the
OpenStreetMap drive network for the buffered city limit from an Overpass API server.

What it guarantees:

- **Nothing partial is saved.** An Overpass answer with a ``remark`` (Overpass reports
  timeouts and memory exhaustion that way, next to the data it managed to send), an
  answer that is not complete JSON, or one whose ways refer to nodes it does not hold is
  an error. An ArcGIS server that repeats a page (ignoring ``resultOffset``) is an error.
- **Bounded time.** Each request waits at most ``timeout_s``; failed or rate-limited
  requests (HTTP 429, 502, 503, 504, timeouts, dropped connections) are retried at most
  ``max_retries`` times, honouring ``Retry-After`` up to ``max_wait_s``; the whole fetch
  stops after ``max_total_s``. Each retry is printed.
- **All or nothing.** Every file is downloaded and checked first; only when all have
  succeeded are they moved into the data directory, with the user's normal file
  permissions.

The network is saved as ``roads/durham_drive.graphml`` with
``roads/durham_drive.extent.geojson``, the polygon it was requested for (its extent).
"""

from __future__ import annotations

import json
import math
import os
import tempfile
import warnings
import xml.sax.saxutils as saxutils
from pathlib import Path

import geopandas as gpd
import shapely

from heartgeo.config import LONLAT_CRS, METRIC_CRS, manifest
from heartgeo.errors import InputError
from heartgeo.io.boundaries import load_city
from heartgeo.io.download import Downloader, Limits, download_arcgis
from heartgeo.io.fetch_checks import MAX_BUFFER_KM, check_boundary, check_overpass
from heartgeo.io.layers import read_layer
from heartgeo.io.osm import EXCLUDED_HIGHWAYS, EXCLUDED_SERVICE, keep_drivable, read_osm_xml
from heartgeo.progress import QUIET, Progress


def drive_query(polygon_ll: shapely.Geometry, timeout_s: float) -> str:
    """The Overpass QL query for the drivable ways (OSMnx's drive rules, from
    :mod:`heartgeo.io.osm`) inside a lon/lat polygon, with their nodes.
    """
    excluded = "|".join(sorted(EXCLUDED_HIGHWAYS))
    service = "|".join(sorted(EXCLUDED_SERVICE))
    ways = (
        f'way["highway"]["area"!~"yes"]["highway"!~"{excluded}"]["motor_vehicle"!~"no"]'
        f'["motorcar"!~"no"]["service"!~"{service}"]["access"!~"private"]'
    )
    parts = []
    for part in shapely.get_parts(polygon_ll):
        ring = shapely.simplify(part, 0.0002).exterior.coords  # about 20 m
        coords = " ".join(f"{lat:.6f} {lon:.6f}" for lon, lat in ring)
        parts.append(f'{ways}(poly:"{coords}");')
    return f"[out:json][timeout:{int(timeout_s)}];({''.join(parts)});(._;>;);out;"


def _osm_xml(elements: list[dict], path: Path) -> None:
    """Write Overpass elements as OSM XML (what ``osmnx.graph_from_xml`` reads)."""
    quote = saxutils.quoteattr
    with open(path, "w", encoding="utf-8") as f:
        f.write('<?xml version="1.0" encoding="UTF-8"?>\n<osm version="0.6">\n')
        for e in elements:
            tags = "".join(
                f"<tag k={quote(str(k))} v={quote(str(v))}/>" for k, v in e.get("tags", {}).items()
            )
            if e.get("type") == "node":
                f.write(f'<node id="{e["id"]}" lat="{e["lat"]}" lon="{e["lon"]}">{tags}</node>\n')
            elif e.get("type") == "way":
                refs = "".join(f'<nd ref="{n}"/>' for n in e.get("nodes", ()))
                f.write(f'<way id="{e["id"]}">{refs}{tags}</way>\n')
        f.write("</osm>\n")


def _staged(target: Path) -> Path:
    """A temporary file next to ``target`` (same file system, for an atomic move)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=target.suffix, dir=target.parent)
    os.close(fd)
    return Path(tmp)


def _publish(staged: dict[Path, Path]) -> None:
    """Move every staged file into place with the user's normal permissions."""
    mask = os.umask(0)
    os.umask(mask)
    for tmp in staged:
        os.chmod(tmp, 0o666 & ~mask)
    for tmp, target in staged.items():
        os.replace(tmp, target)


def stage_layers(
    data_dir: Path,
    urls: dict[str, str] | None = None,
    *,
    only: tuple[str, ...] = (),
    downloader: Downloader | None = None,
) -> dict[Path, Path]:
    """Download and check every layer with a URL (or only those in ``only``).

    Returns
    -------
    dict
        Staged temporary file -> its place in ``data_dir`` (see :func:`fetch`).
    """
    downloader = downloader or Downloader()
    layers = manifest()["layers"]
    urls = dict(urls or {})
    unknown = sorted((set(urls) | set(only)) - set(layers))
    if unknown:
        raise InputError(
            f"--source-url: unknown layer {', '.join(unknown)} (layers: {', '.join(layers)})"
        )
    staged: dict[Path, Path] = {}
    city = load_city(_city_for(data_dir))  # what the downloaded layers are checked against
    try:
        for name, spec in layers.items():
            url = urls.get(name, spec.get("url"))
            if not url or (only and name not in only):
                continue
            with downloader.progress.step(f"Downloading {spec['title']}"):
                if spec.get("kind") == "arcgis_rest" or url.rstrip("/").endswith("/query"):
                    data = download_arcgis(url, downloader)
                else:
                    data = downloader.json("GET", url)
                target = data_dir / spec["path"]
                tmp = _staged(target)
                staged[tmp] = target
                tmp.write_text(json.dumps(data), encoding="utf-8")
                layer = read_layer(tmp, spec["required_columns"], what=f"downloaded {name} ({url})")
                check_boundary(name, layer, city, url)
    except BaseException:
        for tmp in staged:
            tmp.unlink(missing_ok=True)
        raise
    return staged


def stage_network(
    data_dir: Path,
    *,
    buffer_m: float = 2000.0,
    overpass_url: str | None = None,
    downloader: Downloader | None = None,
    city_path: Path | None = None,
) -> dict[Path, Path]:
    """Download, check and prepare the drive network around the buffered city limit.

    Parameters
    ----------
    data_dir
        Data directory the network is meant for (``roads/durham_drive.graphml``).
    buffer_m
        Distance (metres) around the city limit to include, so that routes leaving and
        re-entering the city are found.
    overpass_url
        Overpass API base URL (default: the public server).
    downloader
        Requests under limits.
    city_path
        The city limit to buffer (default: the data directory's, else the bundled one).

    Returns
    -------
    dict
        Staged temporary files (GraphML and extent) -> their places (see :func:`fetch`).
    """
    downloader = downloader or Downloader()
    nets = manifest()["networks"]
    base = (overpass_url or nets["overpass_url"]).rstrip("/")
    city = load_city(city_path or _city_for(data_dir), downloader.progress)
    area = shapely.buffer(city, buffer_m)
    area_ll = gpd.GeoSeries([area], crs=METRIC_CRS).to_crs(LONLAT_CRS).iloc[0]
    query = drive_query(area_ll, downloader.limits.timeout_s)
    with downloader.progress.step(f"Downloading the OSM drive network from {base}"):
        answer = downloader.json("POST", f"{base}/interpreter", data={"data": query})
        elements = check_overpass(answer, base)
    target = data_dir / nets["fetched"]
    extent_target = target.with_name(target.stem + ".extent.geojson")
    staged: dict[Path, Path] = {}
    try:
        with downloader.progress.step(f"Building the road graph ({len(elements):,} elements)"):
            graph = _drive_graph(elements, target, area_ll)
        if graph.number_of_edges() == 0:
            raise InputError(f"the Overpass server at {base} returned no drivable roads")
        tmp_graph, tmp_extent = _staged(target), _staged(extent_target)
        staged = {tmp_graph: target, tmp_extent: extent_target}
        _save(graph, tmp_graph, area_ll, tmp_extent)
    except BaseException:
        for tmp in staged:
            tmp.unlink(missing_ok=True)
        raise
    downloader.progress.info(
        f"  {graph.number_of_nodes()} nodes, {graph.number_of_edges()} edges, ready for {target}"
    )
    return staged


def _save(graph, graph_path: Path, area_ll: shapely.Geometry, extent_path: Path) -> None:
    """The graph as GraphML, and the area requested from Overpass as its extent."""
    import osmnx as ox

    ox.save_graphml(graph, graph_path)
    extent_path.unlink()
    gpd.GeoDataFrame(
        {"what": ["area requested from Overpass"]}, geometry=[area_ll], crs=LONLAT_CRS
    ).to_file(extent_path, driver="GeoJSON", engine="pyogrio")


def _drive_graph(elements: list[dict], target: Path, area_ll: shapely.Geometry):
    """The OSMnx drive graph of Overpass ``elements``, cut to the requested area."""
    import osmnx as ox

    xml = _staged(target.with_suffix(".osm"))
    try:
        _osm_xml(elements, xml)
        graph = read_osm_xml(xml)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            graph = ox.truncate.truncate_graph_polygon(graph, area_ll, truncate_by_edge=True)
    except InputError:
        raise
    except Exception as exc:  # osmnx: no roads in the polygon, a graph it cannot build
        reason = " ".join(str(exc).split())[:120] or type(exc).__name__
        raise InputError(
            f"the Overpass answer gives no drive network inside the requested area ({reason}): "
            "check --overpass-url and --buffer-km; nothing was saved"
        ) from None
    finally:
        xml.unlink(missing_ok=True)
    keep_drivable(graph)
    return graph


def fetch(
    data_dir: Path,
    *,
    urls: dict[str, str] | None = None,
    only: tuple[str, ...] = (),
    boundaries: bool = True,
    network: bool = True,
    buffer_m: float = 2000.0,
    overpass_url: str | None = None,
    limits: Limits | None = None,
    progress: Progress = QUIET,
) -> list[Path]:
    """Download the boundary layers and the drive network into ``data_dir``, all or nothing.

    Every file is downloaded and checked into a temporary file first; only when all of
    them succeeded are they moved into place. Returns the files written.
    """
    downloader = Downloader(limits or Limits(), progress)
    staged: dict[Path, Path] = {}
    try:
        if boundaries:
            staged.update(stage_layers(data_dir, urls, only=only, downloader=downloader))
        if network:
            city_target = data_dir / manifest()["layers"]["city_limits"]["path"]
            fresh_city = next((t for t, target in staged.items() if target == city_target), None)
            staged.update(
                stage_network(
                    data_dir,
                    buffer_m=buffer_m,
                    overpass_url=overpass_url,
                    downloader=downloader,
                    city_path=fresh_city,
                )
            )
        _publish(staged)
    finally:
        for tmp in staged:
            tmp.unlink(missing_ok=True)
    return sorted(staged.values())


def _city_for(data_dir: Path) -> Path:
    """The city limit of ``data_dir``, else the default one (bundled)."""
    from heartgeo.config import layer_path

    path = layer_path(data_dir, "city_limits")
    return path if path.exists() else layer_path(None, "city_limits")


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
        tmp = _staged(target)
        try:
            shutil.copyfile(source, tmp)
            _publish({tmp: target})
        finally:
            tmp.unlink(missing_ok=True)
        copied.append(target)
    if copied:
        progress.info(
            "  copied the bundled layers that are not downloaded: "
            + ", ".join(str(p.relative_to(data_dir)) for p in copied)
        )
    return copied


def parse_source_urls(items: tuple[str, ...]) -> dict[str, str]:
    """``--source-url LAYER=URL`` items as a dict.

    Raises
    ------
    InputError
        For an item without ``=`` or without a URL.
    """
    urls = {}
    for item in items:
        name, sep, url = item.partition("=")
        if not sep or not url:
            raise InputError(
                f"--source-url {item!r}: give LAYER=URL, e.g. police_beats=https://..."
            )
        urls[name.strip()] = url.strip()
    return urls


def check_limits(
    buffer_km: float, timeout: float, max_retries: int, max_time: float, max_mb: float = 1024.0
) -> Limits:
    """The fetch's limits, checked: a buffer of 0 to :data:`MAX_BUFFER_KM`, finite positive
    times and size, retries >= 0.

    Raises
    ------
    InputError
        Naming the option and the value.
    """
    if not (math.isfinite(buffer_km) and 0 <= buffer_km <= MAX_BUFFER_KM):
        raise InputError(
            f"--buffer-km {buffer_km}: give 0 to {MAX_BUFFER_KM:g} km (the roads around the city "
            "that routes may use)"
        )
    for name, value in (
        ("--timeout", timeout),
        ("--max-time", max_time),
        ("--max-download-mb", max_mb),
    ):
        if not (math.isfinite(value) and value > 0):
            raise InputError(f"{name} {value}: give a finite number > 0")
    if max_retries < 0:
        raise InputError(f"--max-retries {max_retries}: give 0 or more")
    return Limits(
        timeout_s=timeout,
        max_retries=max_retries,
        max_total_s=max_time,
        max_bytes=int(max_mb * 2**20),
    )


def writable_dir(data_dir: Path) -> Path:
    """``data_dir``, created if needed.

    Raises
    ------
    InputError
        When it cannot be created, with the reason.
    """
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(
            f"data directory {data_dir} cannot be created ({exc.strerror}): pass a writable --data-dir"
        ) from None
    return data_dir
