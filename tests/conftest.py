"""Shared fixtures: the Durham data bundled with heartgeo (``data/``)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from heartgeo.config import bundled_data_dir

ROOT = Path(__file__).resolve().parents[1]
# tests never read or fill the user's cache or data directory, and never follow a data
# directory set in the environment: they run on the bundled data
os.environ["HEARTGEO_CACHE"] = tempfile.mkdtemp(prefix="heartgeo-test-cache-")
os.environ["HEARTGEO_USER_DATA"] = tempfile.mkdtemp(prefix="heartgeo-test-user-data-")
os.environ.pop("HEARTGEO_DATA", None)

DATA = bundled_data_dir()
#: Map load measurements collected by the browser tests, printed at the end of the run.
LOAD_REPORT: list[str] = []


def pytest_addoption(parser):
    parser.addoption(
        "--skip-city-scale",
        action="store_true",
        help="skip the city-scale loopback fetch rehearsal (tests marked city_scale); "
        "they run unless this option is given",
    )


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "city_scale: the city-scale loopback fetch rehearsal (minutes)"
    )
    config.addinivalue_line(
        "markers",
        "integration: runs on the bundled Durham data (unit tests: pytest -m 'not integration')",
    )
    config.addinivalue_line(
        "markers",
        "slow: a unit test of more than 2 s (the quickest check: pytest -m 'not integration "
        "and not slow')",
    )


#: Fixtures that hold Durham data: a test using one is an integration test.
DATA_FIXTURES = {"central_net", "study", "boundaries", "data_dir", "nx_graph"}


def pytest_collection_modifyitems(config, items):
    unmarked = [
        item.nodeid
        for item in items
        if DATA_FIXTURES & set(getattr(item, "fixturenames", ()))
        and "integration" not in item.keywords
    ]
    if unmarked:
        raise pytest.UsageError(
            "tests on the Durham data must be marked integration: " + ", ".join(unmarked)
        )
    if not config.getoption("--skip-city-scale"):
        return
    skip = pytest.mark.skip(reason="--skip-city-scale was given")
    for item in items:
        if "city_scale" in item.keywords:
            item.add_marker(skip)


def pytest_terminal_summary(terminalreporter):
    if LOAD_REPORT:
        terminalreporter.section("map load in headless Chromium (networking disabled)")
        for line in LOAD_REPORT:
            terminalreporter.write_line(line)


CENTRAL_OSM = DATA / "roads" / "osm_central_durham_2024-01-24.osm"
#: A quick crow-fly ``heartgeo site`` run on the real data.
SITE_ARGS = [
    "site",
    "--data-dir",
    str(DATA),
    "--travel-model",
    "crowfly",
    "--cell-size",
    "600",
    "--quiet",
]


@pytest.fixture(scope="session")
def data_dir() -> Path:
    return DATA


@pytest.fixture(scope="session")
def central_net():
    from heartgeo.network import load_network

    return load_network(CENTRAL_OSM)


@pytest.fixture(scope="session")
def boundaries():
    from heartgeo.io.boundaries import load_boundaries

    return load_boundaries(DATA)


@pytest.fixture(scope="session")
def study():
    from heartgeo import Settings, prepare

    return prepare(Settings(data_dir=DATA, travel_model="network", cell_size_m=400.0))


@pytest.fixture()
def nx_graph(central_net):
    """The same graph as the engine's, in networkx (fastest of parallel edges)."""
    import networkx as nx

    g = nx.DiGraph()
    g.add_nodes_from(range(central_net.n_nodes))
    for u, v, t in zip(central_net.u, central_net.v, central_net.time_s, strict=True):
        if u != v and (not g.has_edge(u, v) or g[u][v]["w"] > t):
            g.add_edge(int(u), int(v), w=float(t))
    return g


def assert_drivable(highways) -> None:
    """Only drivable road classes, and the common ones present."""
    from heartgeo.io.osm import EXCLUDED_HIGHWAYS

    classes = set(highways)
    assert not classes & EXCLUDED_HIGHWAYS, classes & EXCLUDED_HIGHWAYS
    assert {"residential", "secondary", "tertiary"} <= classes
