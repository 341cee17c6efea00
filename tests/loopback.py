"""A local stand-in for the Overpass API and the City of Durham's ArcGIS services, on
127.0.0.1 only -- the tests never touch the internet.

- :func:`overpass_from_osm_xml` turns an OSM XML file (the bundled central-Durham
  extract) into the JSON answer Overpass gives (every highway type, like the original
  OSMnx cache file it came from);
- :func:`synthetic_city_overpass` writes a SYNTHETIC street grid of about 20,000 nodes
  over the whole of Durham as an Overpass answer: generated, not real roads, and named so
  in every way's ``name`` tag;
- :func:`serve` runs a threaded HTTP server answering Overpass ``interpreter`` POSTs with
  one such answer and ArcGIS REST ``query`` GETs (paged) and Hub GeoJSON downloads with
  the bundled boundary files.

Run ``python -m tests.loopback`` to keep a server up for manual rehearsals of
``heartgeo fetch`` (it prints the options to pass).
"""

from __future__ import annotations

import json
import threading
import time
import xml.etree.ElementTree as ET
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

from pyproj import Transformer

from heartgeo.config import bundled_data_dir

DATA = bundled_data_dir()
BEATS_PATH = "/arcgis/rest/services/PublicServices/Public_Safety/MapServer/8/query"
#: Features per ArcGIS page (a small maxRecordCount, so that paging is exercised).
PAGE = 50


def overpass_from_osm_xml(path: Path) -> dict:
    """The Overpass JSON answer holding the nodes and ways of an OSM XML file."""
    elements: list[dict] = []
    for el in ET.parse(path).getroot():
        tags = {t.get("k"): t.get("v") for t in el.findall("tag")}
        if el.tag == "node":
            item = {
                "type": "node",
                "id": int(el.get("id")),
                "lat": float(el.get("lat")),
                "lon": float(el.get("lon")),
            }
        elif el.tag == "way":
            item = {
                "type": "way",
                "id": int(el.get("id")),
                "nodes": [int(nd.get("ref")) for nd in el.findall("nd")],
            }
        else:
            continue
        if tags:
            item["tags"] = tags
        elements.append(item)
    return {"version": 0.6, "generator": "heartgeo tests (from OSM XML)", "elements": elements}


def synthetic_city_overpass(n_nodes: int = 20_000, seed: int = 0) -> dict:
    """A SYNTHETIC city-size street grid over Durham as an Overpass JSON answer.

    The grid of :func:`heartgeo.synthetic.synthetic_grid` (arterials every sixth line,
    35 mph; residential streets 25 mph), one way per link, plus a footway beside every
    40th link so that the drivable filter has something to drop. Not real roads.
    """
    from heartgeo.testing.synthetic import synthetic_grid

    grid = synthetic_grid(n_nodes, seed=seed)
    lon, lat = Transformer.from_crs("EPSG:32119", "EPSG:4326", always_xy=True).transform(
        grid.xy[:, 0], grid.xy[:, 1]
    )
    elements: list[dict] = [
        {"type": "node", "id": i + 1, "lat": round(float(y), 7), "lon": round(float(x), 7)}
        for i, (x, y) in enumerate(zip(lon, lat, strict=True))
    ]
    forward = grid.u < grid.v  # each two-way link once
    next_id = len(elements) + 1
    for k, (a, b, hw) in enumerate(
        zip(grid.u[forward], grid.v[forward], grid.highway[forward], strict=True)
    ):
        arterial = hw == "secondary"
        elements.append(
            {
                "type": "way",
                "id": k + 1,
                "nodes": [int(a) + 1, int(b) + 1],
                "tags": {
                    "highway": str(hw),
                    "maxspeed": "35 mph" if arterial else "25 mph",
                    "name": f"SYNTHETIC {'avenue' if arterial else 'street'} {k + 1}",
                },
            }
        )
        if k % 40 == 0:  # a footpath beside it, on nodes of its own
            ids = []
            for t in (0.3, 0.7):
                elements.append(
                    {
                        "type": "node",
                        "id": next_id,
                        "lat": round(float(lat[a] + t * (lat[b] - lat[a]) + 2e-5), 7),
                        "lon": round(float(lon[a] + t * (lon[b] - lon[a]) + 2e-5), 7),
                    }
                )
                ids.append(next_id)
                next_id += 1
            elements.append(
                {
                    "type": "way",
                    "id": 10_000_000 + k,
                    "nodes": ids,
                    "tags": {"highway": "footway", "name": "SYNTHETIC footpath"},
                }
            )
    return {
        "version": 0.6,
        "generator": f"heartgeo tests: SYNTHETIC street grid ({len(grid.xy)} nodes), not real",
        "elements": elements,
    }


#: What a server set up by :func:`serve` does, per service (tests change it between calls):
#: ``ok``; for Overpass ``remark``, ``429``, ``hang``, ``500``, ``garbage``, ``truncated``,
#: ``missing`` (ways without their nodes); for ArcGIS ``repeat`` (ignores resultOffset).
BEHAVIOURS = ("ok", "remark", "429", "hang", "500", "garbage", "truncated", "missing", "repeat")


def _overpass_answer(body: bytes, mode: str) -> tuple[int, bytes, dict]:
    """(status, body, headers) of an Overpass answer in ``mode``."""
    if mode == "429":
        return 429, b"rate limited", {"Retry-After": "1"}
    if mode == "500":
        return 500, b"<html>Internal Server Error</html>", {}
    if mode == "garbage":
        return 200, b"\x00\x01garbage\x00 not json" * 3, {}
    if mode == "truncated":
        return 200, body[: len(body) // 2], {}
    broken = {  # one malformed element put first
        "nolat": {"type": "node", "id": 1, "lon": -78.9},
        "badlat": {"type": "node", "id": 1, "lat": "abc", "lon": -78.9},
        "nullnodes": {"type": "way", "id": 1, "nodes": None},
        "nonobject": "just a string",
    }
    if mode in broken:
        answer = json.loads(body)
        answer["elements"] = [broken[mode], *answer["elements"]]
        return 200, json.dumps(answer).encode(), {}
    if mode == "nested":
        return 200, b'{"elements": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", {}
    if mode == "bomb":  # a small gzip that inflates to 64 MB
        import gzip

        return 200, gzip.compress(b" " * (64 << 20)), {"Content-Encoding": "gzip"}
    if mode in ("remark", "missing"):
        answer = json.loads(body)
        if mode == "remark":
            answer["remark"] = (
                'runtime error: Query timed out in "query" at line 1 after 180 seconds.'
            )
            answer["elements"] = answer["elements"][: len(answer["elements"]) * 3 // 4]
        else:
            answer["elements"] = [
                e for e in answer["elements"] if e["type"] != "node" or e["id"] % 7
            ]
        return 200, json.dumps(answer).encode(), {}
    return 200, body, {}


def _shift(geojson: dict, dlon: float, dlat: float) -> None:
    """Move every coordinate of a GeoJSON feature collection (in place)."""

    def move(c):
        if isinstance(c[0], int | float):
            c[0] += dlon
            c[1] += dlat
        else:
            for item in c:
                move(item)

    for feature in geojson["features"]:
        move(feature["geometry"]["coordinates"])


def _write(stream, body: bytes, drip: bool) -> None:
    """Send ``body``; ``drip``: a byte every 0.2 s (a server that sends slowly)."""
    if not drip:
        stream.write(body)
        return
    for i in range(len(body)):
        stream.write(body[i : i + 1])
        stream.flush()
        time.sleep(0.2)


def _city_body(behaviour: dict) -> bytes:
    """The city limit as the hub serves it (``city="moved"``: 0.6 degrees east, about
    Raleigh; ``city="sydney"``: in Sydney).
    """
    city = (DATA / "boundaries" / "city_limits_2025.geojson").read_bytes()
    shifts = {"moved": (0.6, 0.0), "sydney": (151.2 + 78.9, -33.9 - 36.0)}
    if behaviour.get("city") not in shifts:
        return city
    data = json.loads(city)
    _shift(data, *shifts[behaviour["city"]])
    return json.dumps(data).encode()


def _handler(overpass_body: bytes, requests: list, behaviour: dict):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def _send(self, body: bytes, status=200, ctype="application/json", headers=None):
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            _write(self.wfile, body, drip=behaviour.get("drip", False))

        def do_GET(self):
            url = urlparse(self.path)
            query = parse_qs(url.query)
            requests.append(("GET", url.path, query))
            if url.path == BEATS_PATH:
                data = json.loads((DATA / "boundaries" / "police_beats_2022.geojson").read_text())
                offset = int(query.get("resultOffset", ["0"])[0])
                if behaviour.get("arcgis") == "repeat":
                    offset = 0  # a server that ignores resultOffset
                body = {
                    "type": "FeatureCollection",
                    "features": data["features"][offset : offset + PAGE],
                }
                if offset + PAGE < len(data["features"]):
                    body["properties"] = {"exceededTransferLimit": True}
                self._send(json.dumps(body).encode())
            elif url.path == "/hub/city.geojson":
                self._send(_city_body(behaviour))
            elif url.path == "/hub/districts.geojson":
                self._send((DATA / "boundaries" / "police_districts_2025.geojson").read_bytes())
            elif url.path == "/api/status":
                self._send(b"Rate limit: 0\n", ctype="text/plain")
            else:
                self._send(b'{"error": "not found"}', status=404)

        def do_POST(self):
            length = int(self.headers.get("Content-Length", 0))
            body = self.rfile.read(length).decode()
            requests.append(("POST", self.path, body))
            if self.path == "/api/interpreter":
                mode = behaviour.get("overpass", "ok")
                if mode == "hang":
                    time.sleep(behaviour.get("hang_s", 5))
                status, body, headers = _overpass_answer(overpass_body, mode)
                self._send(body, status=status, headers=headers)
            else:
                self._send(b'{"error": "not found"}', status=404)

    return Handler


class _QuietServer(ThreadingHTTPServer):
    """A client that gave up (a test of timeouts) is no error worth printing."""

    def handle_error(self, request, client_address):
        pass


@contextmanager
def serve(overpass_answer: dict, behaviour: dict | None = None):
    """A server on 127.0.0.1 (free port); yields ``(base_url, requests)``. ``behaviour``
    (a dict the caller may change at any time) picks how each service answers.
    """
    requests: list = []
    body = json.dumps(overpass_answer).encode()
    behaviour = {} if behaviour is None else behaviour
    httpd = _QuietServer(("127.0.0.1", 0), _handler(body, requests, behaviour))
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", requests
    finally:
        httpd.shutdown()
        httpd.server_close()


def fetch_args(base: str) -> list[str]:
    """``heartgeo fetch`` options that point every download at the server at ``base``."""
    return [
        "--overpass-url",
        f"{base}/api",
        "--source-url",
        f"police_beats={base}{BEATS_PATH}",
        "--source-url",
        f"city_limits={base}/hub/city.geojson",
        "--source-url",
        f"police_districts={base}/hub/districts.geojson",
    ]


if __name__ == "__main__":  # manual rehearsal: python -m tests.loopback
    answer = synthetic_city_overpass()
    with serve(answer) as (base, _):
        print("heartgeo fetch " + " ".join(fetch_args(base)), flush=True)
        while True:
            time.sleep(3600)
