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

import email.utils
import hashlib
import json
import os
import tempfile
import time
import warnings
import xml.sax.saxutils as saxutils
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import requests
import shapely

from heartgeo.config import LONLAT_CRS, METRIC_CRS, manifest
from heartgeo.errors import InputError, shown
from heartgeo.io.boundaries import load_city
from heartgeo.io.layers import read_layer
from heartgeo.io.osm import EXCLUDED_HIGHWAYS, EXCLUDED_SERVICE, keep_drivable, read_osm_xml
from heartgeo.progress import QUIET, Progress

PAGE_SIZE = 1000
#: Answers that are worth asking again (rate limit, gateway trouble).
RETRY_STATUS = frozenset({429, 502, 503, 504})


@dataclass
class Limits:
    """How long a fetch may take.

    Attributes
    ----------
    timeout_s
        Seconds to wait for one answer.
    max_retries
        Retries of one request after a timeout, a dropped connection or HTTP 429/5xx.
    max_total_s
        Seconds the whole fetch may take.
    max_wait_s
        Longest pause before a retry, also when a server's ``Retry-After`` asks for more.
    max_pages
        Most pages read from one ArcGIS layer.
    """

    timeout_s: float = 180.0
    max_retries: int = 3
    max_total_s: float = 1800.0
    max_wait_s: float = 120.0
    max_pages: int = 1000


@dataclass
class Downloader:
    """HTTP requests under :class:`Limits`, reporting each retry on ``progress``."""

    limits: Limits = field(default_factory=Limits)
    progress: Progress = QUIET
    started: float = field(default_factory=time.monotonic)

    def _left(self) -> float:
        return self.limits.max_total_s - (time.monotonic() - self.started)

    def request(self, method: str, url: str, **kwargs) -> requests.Response:
        """The answer to one request, retried within the limits.

        Raises
        ------
        InputError
            A final HTTP error, or the retries or the total time used up.
        """
        last = ""
        for attempt in range(self.limits.max_retries + 1):
            left = self._left()
            if left <= 0:
                raise InputError(
                    f"download of {url} stopped: the fetch took its {self.limits.max_total_s:g} s "
                    f"(--max-time){f'; last problem: {last}' if last else ''}; nothing was saved"
                )
            wait = None
            try:
                response = requests.request(
                    method, url, timeout=min(self.limits.timeout_s, left), **kwargs
                )
            except requests.Timeout:
                last = f"no answer within {min(self.limits.timeout_s, left):g} s"
            except requests.RequestException as exc:
                last = f"connection failed ({type(exc).__name__})"
            else:
                if response.ok:
                    return response
                if response.status_code not in RETRY_STATUS:
                    raise InputError(
                        f"download of {url} failed: HTTP {response.status_code} "
                        f"{shown(response.reason or '')}; check the URL (heartgeo fetch "
                        "--source-url / --overpass-url) or try again later; nothing was saved"
                    )
                last = f"HTTP {response.status_code}"
                wait = _retry_after(response.headers.get("Retry-After"))
            if attempt == self.limits.max_retries:
                break
            pause = min(
                wait if wait is not None else 2.0**attempt,
                self.limits.max_wait_s,
                max(self._left(), 0.0),
            )
            self.progress.info(
                f"  retry {attempt + 1}/{self.limits.max_retries} of {url} in {pause:.0f} s ({last})"
            )
            time.sleep(pause)
        raise InputError(
            f"download of {url} failed after {self.limits.max_retries} retries ({last}): "
            "try again later, or raise --max-retries / --timeout; nothing was saved"
        )

    def json(self, method: str, url: str, **kwargs) -> dict:
        """The answer as a JSON object (an ``error`` member is an error)."""
        response = self.request(method, url, **kwargs)
        try:
            data = response.json()
        except ValueError:
            start = response.content[:60].decode("utf-8", "replace")
            raise InputError(
                f"download of {url} did not return complete JSON (it starts {shown(start)}): "
                "the answer may have been cut off; check the URL or try again; nothing was saved"
            ) from None
        if not isinstance(data, dict):
            raise InputError(
                f"download of {url} returned JSON that is not an object: check the URL"
            )
        if "error" in data:
            raise InputError(
                f"download of {url} failed: server said {shown(data['error'])}; check the URL"
            )
        return data


def _retry_after(value: str | None) -> float | None:
    """Seconds asked for by a ``Retry-After`` header (seconds or an HTTP date)."""
    if not value:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(when.timestamp() - time.time(), 0.0)


def download_arcgis(url: str, downloader: Downloader | None = None) -> dict:
    """All features of an ArcGIS REST layer ``query`` endpoint as GeoJSON (paged).

    Raises
    ------
    InputError
        A page that repeats an earlier one (the server ignores ``resultOffset``), more
        than ``max_pages`` pages, or any download error.
    """
    downloader = downloader or Downloader()
    features: list = []
    seen: set[str] = set()
    offset = 0
    for page_no in range(downloader.limits.max_pages):
        params = {
            "where": "1=1",
            "outFields": "*",
            "f": "geojson",
            "outSR": "4326",
            "resultOffset": offset,
            "resultRecordCount": PAGE_SIZE,
        }
        page = downloader.json("GET", url, params=params)
        batch = page.get("features", [])
        digest = hashlib.sha256(json.dumps(batch, sort_keys=True).encode()).hexdigest()
        if batch and digest in seen:
            raise InputError(
                f"download of {url}: page {page_no + 1} (offset {offset}) repeats an earlier "
                "page: the server ignores resultOffset, so the layer cannot be read completely; "
                "nothing was saved"
            )
        seen.add(digest)
        features.extend(batch)
        more = page.get("exceededTransferLimit") or page.get("properties", {}).get(
            "exceededTransferLimit"
        )
        if not more or not batch:
            return {"type": "FeatureCollection", "features": features}
        offset += len(batch)
    raise InputError(
        f"download of {url}: more than {downloader.limits.max_pages} pages; nothing was saved"
    )


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


def check_overpass(answer: dict, url: str) -> list[dict]:
    """The elements of a complete Overpass answer.

    Raises
    ------
    InputError
        A ``remark`` (Overpass's way of saying the answer is partial), no ``elements``, or
        ways that refer to nodes the answer does not hold.
    """
    if answer.get("remark"):
        raise InputError(
            f"Overpass server {url} answered with a remark ({shown(answer['remark'])}): the "
            "answer is partial, so nothing was saved; try again later or raise --timeout"
        )
    elements = answer.get("elements")
    if not isinstance(elements, list):
        raise InputError(f"Overpass server {url} answered without 'elements': check --overpass-url")
    nodes = {e.get("id") for e in elements if e.get("type") == "node"}
    missing = {
        ref
        for e in elements
        if e.get("type") == "way"
        for ref in e.get("nodes", ())
        if ref not in nodes
    }
    if missing:
        raise InputError(
            f"Overpass server {url} answered with ways that refer to {len(missing):,} nodes it "
            "did not send: the answer is incomplete, so nothing was saved; try again"
        )
    if not any(e.get("type") == "way" for e in elements):
        raise InputError(f"Overpass server {url} returned no roads for the city: check the server")
    return elements


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
                read_layer(tmp, spec["required_columns"], what=f"downloaded {name} ({url})")
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
    import osmnx as ox

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
            xml = _staged(target.with_suffix(".osm"))
            _osm_xml(elements, xml)
            try:
                graph = read_osm_xml(xml)
            finally:
                xml.unlink(missing_ok=True)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                graph = ox.truncate.truncate_graph_polygon(graph, area_ll, truncate_by_edge=True)
            keep_drivable(graph)
        if graph.number_of_edges() == 0:
            raise InputError(f"the Overpass server at {base} returned no drivable roads")
        tmp_graph, tmp_extent = _staged(target), _staged(extent_target)
        staged = {tmp_graph: target, tmp_extent: extent_target}
        ox.save_graphml(graph, tmp_graph)
        tmp_extent.unlink()
        gpd.GeoDataFrame(
            {"what": ["area requested from Overpass"]}, geometry=[area_ll], crs=LONLAT_CRS
        ).to_file(tmp_extent, driver="GeoJSON", engine="pyogrio")
    except BaseException:
        for tmp in staged:
            tmp.unlink(missing_ok=True)
        raise
    downloader.progress.info(
        f"  {graph.number_of_nodes()} nodes, {graph.number_of_edges()} edges, ready for {target}"
    )
    return staged


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
