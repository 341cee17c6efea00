"""The download path, against a local server on 127.0.0.1 that answers like Overpass and
ArcGIS REST with the shared Durham files -- never the internet."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import pytest
from click.testing import CliRunner

from heartgeo.cli import cli

from .conftest import DATA, assert_drivable

BEATS_PATH = "/arcgis/rest/services/PublicServices/Public_Safety/MapServer/8/query"


class Handler(BaseHTTPRequestHandler):
    requests: list = []

    def log_message(self, *args):
        pass

    def _send(self, body: bytes, status=200, ctype="application/json"):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        url = urlparse(self.path)
        query = parse_qs(url.query)
        Handler.requests.append(("GET", url.path, query))
        if url.path == BEATS_PATH:
            # answer in pages of 50 like an ArcGIS server with a small maxRecordCount
            data = json.loads((DATA / "boundaries" / "police_beats_2022.geojson").read_text())
            offset = int(query.get("resultOffset", ["0"])[0])
            page = data["features"][offset : offset + 50]
            body = {"type": "FeatureCollection", "features": page}
            if offset + 50 < len(data["features"]):
                body["properties"] = {"exceededTransferLimit": True}
            self._send(json.dumps(body).encode())
        elif url.path == "/hub/city.geojson":
            self._send((DATA / "boundaries" / "city_limits_2025.geojson").read_bytes())
        elif url.path == "/hub/districts.geojson":
            self._send((DATA / "boundaries" / "police_districts_2025.geojson").read_bytes())
        elif url.path == "/api/status":
            self._send(b"Rate limit: 0\n", ctype="text/plain")
        else:
            self._send(b'{"error": "not found"}', status=404)

    def do_POST(self):
        length = int(self.headers.get("Content-Length", 0))
        body = self.rfile.read(length).decode()
        Handler.requests.append(("POST", self.path, body))
        if self.path == "/api/interpreter":
            self._send((DATA / "roads" / "overpass_central_durham_2024-01-24.json").read_bytes())
        else:
            self._send(b'{"error": "not found"}', status=404)


@pytest.fixture(scope="module")
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def test_fetch_from_local_servers(server, tmp_path):
    data = tmp_path / "data"
    Handler.requests.clear()
    result = CliRunner().invoke(
        cli,
        [
            "fetch",
            "--data-dir",
            str(data),
            "--overpass-url",
            f"{server}/api",
            "--source-url",
            f"police_beats={server}{BEATS_PATH}",
            "--source-url",
            f"city_limits={server}/hub/city.geojson",
            "--source-url",
            f"police_districts={server}/hub/districts.geojson",
            "--quiet",
        ],
    )
    assert result.exit_code == 0, result.output
    # ArcGIS paging followed to the end
    beat_pages = [r for r in Handler.requests if r[1] == BEATS_PATH]
    assert len(beat_pages) == 3
    assert all(r[2]["f"] == ["geojson"] for r in beat_pages)
    # the Overpass query asked for the drive network
    posts = [r for r in Handler.requests if r[0] == "POST"]
    assert posts and "motor_vehicle" in posts[0][2]
    from heartgeo.boundaries import load_beats
    from heartgeo.network import load_network

    beats = load_beats(data / "boundaries" / "police_beats_2022.geojson")
    assert len(beats) == 37
    graphml = data / "roads" / "durham_drive.graphml"
    assert graphml.exists() and (data / "roads" / "durham_drive.extent.geojson").exists()
    net = load_network(graphml)
    # the replayed answer holds every highway type; only drivable roads were kept
    assert_drivable(net.highway)
    assert 150 < net.n_nodes < 400
    assert net.extent_method.startswith("extent file")
    assert not [p for p in (data / "roads").iterdir() if p.name.startswith(".")]


def test_fetch_reports_server_errors(server, tmp_path):
    result = CliRunner().invoke(
        cli,
        [
            "fetch",
            "--data-dir",
            str(tmp_path / "d"),
            "--skip-network",
            "--layer",
            "police_beats",
            "--source-url",
            f"police_beats={server}/nowhere/query",
            "--quiet",
        ],
    )
    assert result.exit_code == 2
    assert "HTTP 404" in result.stderr and "Traceback" not in result.output
    assert not (tmp_path / "d" / "boundaries" / "police_beats_2022.geojson").exists()
