"""heartgeo performance benchmark: one command, baselines measured in the same run.

    python benchmarks/run.py                # full run (several minutes)
    python benchmarks/run.py --quick        # about 3 minutes
    python benchmarks/run.py --only report  # section 5 alone, about 2 minutes

Prints, for each comparison, a table and one machine-readable line
``RATIO <name> <baseline seconds / heartgeo seconds>``:

1. isochrones against the OSMnx notebook method (``nx.ego_graph`` per centre node with
   travel-time distance, then buffered nodes and edges, as in the osmnx-examples notebook
   13 ``make_iso_polys``), same graph, origins and bands; the reached node sets must be
   identical; then against a leaner version of it (no per-edge GeoDataFrame lookups);
2. the candidate x node travel-time matrix against networkx single-source Dijkstra per
   origin; the times must be identical;
3. the time split of a heartgeo isochrone run (routing, polygons, I/O) and peak memory;
4. a scaling curve: time against graph size;
5. a full ``heartgeo report`` on a city-size network, cold (empty cache) and warm, three
   runs each (the cold median compared with the 10 s target, with the median time of each
   step from the runs' progress lines), with the report process's peak resident memory
   (compared with 1 GB);
6. travel times against pandana's contraction hierarchies (``benchmarks/engines.py``);
7. isochrones against Valhalla, speed and fidelity, for heartgeo's exact polygons and its
   fast (grid-traced) ones (``benchmarks/isochrone_engines.py``; Valhalla runs in its own
   Python >= 3.12 environment, made on first use);
8. the planner's curve (MCLP, K = 1..12) against spopt (``benchmarks/siting.py``), also
   beside a CPU-bound process;
9. start-up: ``heartgeo --help`` against its 1 s target (``benchmarks/startup.py``).

Graphs: the real central-Durham OSM extract, and SYNTHETIC street grids (jittered
lattices with links removed at random, placed over Durham's city limit) of city size
(about 20,000 nodes / 50,000 edges) and county size (about 100,000 nodes). Synthetic
graphs are named as such everywhere they appear.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import shapely

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from heartgeo.analysis.isochrones import band_polygons  # noqa: E402
from heartgeo.analysis.routing import node_travel_times  # noqa: E402
from heartgeo.config import LONLAT_CRS, METRIC_CRS  # noqa: E402
from heartgeo.io.outputs import geojson_text  # noqa: E402
from heartgeo.network import RoadNetwork, load_network  # noqa: E402
from heartgeo.testing.synthetic import synthetic_grid  # noqa: E402

BANDS_MIN = (5.0, 10.0, 15.0)
#: The full report's target on the SYNTHETIC city grid, cold (issue 28).
REPORT_TARGET_S = 10.0


def data_dir() -> Path:
    """The Durham data: $HEARTGEO_DATA if set, else the data bundled with heartgeo."""
    from heartgeo.config import bundled_data_dir

    return Path(os.environ.get("HEARTGEO_DATA") or bundled_data_dir()).resolve()


# --- graphs ---------------------------------------------------------------------------


def to_networkx(net: RoadNetwork) -> nx.MultiDiGraph:
    """The same graph for networkx / OSMnx methods (travel_time and geometry on edges)."""
    g = nx.MultiDiGraph()
    g.add_nodes_from((i, {"x": x, "y": y}) for i, (x, y) in enumerate(net.xy))
    g.add_edges_from(
        (int(u), int(v), {"travel_time": float(t), "geometry": geom})
        for u, v, t, geom in zip(net.u, net.v, net.csr[net.u, net.v].A1, net.geometry, strict=True)
    )
    return g


def write_graphml(net: RoadNetwork, folder: Path) -> tuple[Path, Path]:
    """Save a synthetic network as OSMnx GraphML (lon/lat) with its extent file."""
    import osmnx as ox

    lonlat = gpd.GeoSeries(gpd.points_from_xy(*net.xy.T), crs=METRIC_CRS).to_crs(LONLAT_CRS)
    g = nx.MultiDiGraph(crs="epsg:4326", simplified=True)
    for i, p in enumerate(lonlat):
        g.add_node(i, x=p.x, y=p.y, street_count=2)
    for k, (u, v, hw, ln) in enumerate(zip(net.u, net.v, net.highway, net.length_m, strict=True)):
        g.add_edge(
            int(u), int(v), osmid=k, highway=hw, oneway=False, reversed=False, length=float(ln)
        )
    path = folder / "SYNTHETIC_city_grid.graphml"
    ox.save_graphml(g, path)
    extent = folder / "SYNTHETIC_city_grid.extent.geojson"
    gpd.GeoDataFrame(geometry=[net.extent], crs=METRIC_CRS).to_crs(LONLAT_CRS).to_file(extent)
    return path, extent


# --- comparisons ----------------------------------------------------------------------


def timed(fn, *args, **kw):
    start = time.perf_counter()
    out = fn(*args, **kw)
    return time.perf_counter() - start, out


def osmnx_notebook(g: nx.MultiDiGraph, centres, bands_min, edge_buff=25, node_buff=50):
    """The osmnx-examples notebook 13 method (``make_iso_polys``), step by step as users
    copy it: ego_graph per centre and band, a node GeoDataFrame indexed by id, each
    edge's geometry looked up through its end nodes, buffered nodes and edges, union.
    """
    from shapely.geometry import LineString, Point

    reached, polys = {}, []
    for c in centres:
        for m in sorted(bands_min, reverse=True):
            sub = nx.ego_graph(g, c, radius=m * 60, distance="travel_time")
            reached[(c, m)] = set(sub.nodes)
            points = [Point((d["x"], d["y"])) for _, d in sub.nodes(data=True)]
            nodes = gpd.GeoDataFrame({"id": list(sub.nodes)}, geometry=points).set_index("id")
            lines = []
            for a, b in sub.edges():
                start, end = nodes.loc[a].geometry, nodes.loc[b].geometry
                lines.append(g.get_edge_data(a, b)[0].get("geometry", LineString([start, end])))
            buffered = list(nodes.buffer(node_buff).geometry)
            buffered += list(gpd.GeoSeries(lines).buffer(edge_buff).geometry)
            polys.append(gpd.GeoSeries(buffered).union_all())
    return reached, polys


def osmnx_notebook_lean(g: nx.MultiDiGraph, centres, bands_min, edge_buff=25, node_buff=50):
    """The same method without the notebook's per-edge GeoDataFrame lookups (edge
    geometries read straight from the graph): a stronger baseline than users run.
    """
    reached, polys = {}, []
    for c in centres:
        for m in bands_min:
            sub = nx.ego_graph(g, c, radius=m * 60, distance="travel_time")
            reached[(c, m)] = set(sub.nodes)
            nodes = [shapely.Point(g.nodes[n]["x"], g.nodes[n]["y"]).buffer(node_buff) for n in sub]
            edges = [d["geometry"].buffer(edge_buff) for _, _, d in sub.edges(data=True)]
            polys.append(shapely.union_all(nodes + edges))
    return reached, polys


def heartgeo_isochrones(net: RoadNetwork, centres, bands_min, buffer_m=25.0, method="exact"):
    """heartgeo: one bounded multi-row Dijkstra, then each origin's bands (exactly nested,
    as heartgeo writes them) built from the network's blocks on every core. The first call
    on a network includes finding its blocks (or, with ``method="fast"``, its time grid).
    """
    t0 = time.perf_counter()
    times = node_travel_times(
        net, np.asarray(centres), limit_s=max(bands_min) * 60, per_source=True
    )
    t1 = time.perf_counter()
    reached = {
        (c, m): set(np.flatnonzero(row <= m * 60).tolist())
        for row, c in zip(times, centres, strict=True)
        for m in bands_min
    }
    seconds = [m * 60 for m in bands_min]
    polys = [
        p
        for unit in band_polygons(net, list(times), seconds, buffer_m, method=method)
        for p in unit
    ]
    t2 = time.perf_counter()
    return reached, polys, {"routing": t1 - t0, "polygons": t2 - t1}


def compare_isochrones(
    net: RoadNetwork, g, n_centres: int, label: str, rows: list, baseline=osmnx_notebook
) -> float:
    rng = np.random.default_rng(1)
    centres = rng.choice(net.n_nodes, size=n_centres, replace=False).tolist()
    t_base, (base_reached, _) = timed(baseline, g, centres, BANDS_MIN)
    t_ours, (ours_reached, _, split) = timed(heartgeo_isochrones, net, centres, BANDS_MIN)
    identical = all(base_reached[k] == ours_reached[k] for k in base_reached)
    if not identical:
        sys.exit(f"benchmark: reached node sets differ on {label}")
    ratio = t_base / t_ours
    rows.append((label, net.n_nodes, net.n_edges, n_centres, t_base, t_ours, ratio, identical))
    return ratio


def compare_matrix(net: RoadNetwork, g, n_cand: int, label: str, rows: list) -> float:
    from scipy.sparse.csgraph import dijkstra

    rng = np.random.default_rng(2)
    cands = rng.choice(net.n_nodes, size=n_cand, replace=False)
    simple = nx.DiGraph()
    simple.add_nodes_from(range(net.n_nodes))
    for u, v, d in g.edges(data=True):
        if not simple.has_edge(u, v) or simple[u][v]["w"] > d["travel_time"]:
            simple.add_edge(u, v, w=d["travel_time"])

    def baseline():
        out = np.full((n_cand, net.n_nodes), np.inf)
        for i, c in enumerate(cands):
            for node, t in nx.single_source_dijkstra_path_length(
                simple, int(c), weight="w"
            ).items():
                out[i, node] = t
        return out

    t_base, ref = timed(baseline)
    t_ours, ours = timed(dijkstra, net.csr, directed=True, indices=cands)
    identical = bool(np.allclose(ours, ref, rtol=1e-9, atol=1e-6, equal_nan=False))
    if not identical:
        sys.exit(f"benchmark: travel-time matrices differ on {label}")
    ratio = t_base / t_ours
    rows.append((label, net.n_nodes, net.n_edges, n_cand, t_base, t_ours, ratio, identical))
    return ratio


def time_split(net: RoadNetwork, n_centres: int) -> dict:
    rng = np.random.default_rng(3)
    centres = rng.choice(net.n_nodes, size=n_centres, replace=False)
    tracemalloc.start()
    _, polys, split = heartgeo_isochrones(net, list(centres), BANDS_MIN, buffer_m=100.0)
    frame = gpd.GeoDataFrame({"i": range(len(polys))}, geometry=polys, crs=METRIC_CRS)
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        (Path(tmp) / "iso.geojson").write_text(geojson_text(frame))
        split["io"] = time.perf_counter() - t0
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    split["python_peak_mb"] = peak / 1e6
    split["max_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return split


def scaling(sizes: list[int], n_centres: int) -> list[tuple]:
    out = []
    for n in sizes:
        net = synthetic_grid(n, seed=n)
        rng = np.random.default_rng(4)
        centres = rng.choice(net.n_nodes, size=n_centres, replace=False)
        t_all, _ = timed(node_travel_times, net, centres)
        t_iso, _ = timed(heartgeo_isochrones, net, list(centres), BANDS_MIN, 100.0)
        out.append((net.n_nodes, net.n_edges, t_all, t_iso))
    return out


#: Runs the heartgeo command and, at exit, writes its own peak resident memory (VmHWM of
#: /proc/self/status: the process's own address space; ``ru_maxrss`` of a child would also
#: count the benchmark's pages, shared with it between fork and exec).
PEAK_RSS_LAUNCHER = (
    "import atexit, sys; f = sys.argv.pop(1); "
    "atexit.register(lambda: open(f, 'w').write("
    "next(l for l in open('/proc/self/status') if l.startswith('VmHWM')))); "
    "sys.argv[0] = 'heartgeo'; from heartgeo.cli import main; main()"
)


def full_report(
    net: RoadNetwork, data: Path, runs: int = 3, warm_runs: int = 3, steps: list | None = None
) -> tuple[list[float], list[float], list[float]]:
    """Wall times of ``heartgeo report`` on ``net``: ``runs`` cold (empty cache each) and
    ``warm_runs`` warm (the machine is shared and noisy: compare medians), and each run's
    peak resident memory (MB); each cold run's step times are appended to ``steps``.
    """
    steps = [] if steps is None else steps
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        graphml, extent = write_graphml(net, tmp)
        hwm = tmp / "vmhwm.txt"
        cmd = [
            sys.executable,
            "-c",
            PEAK_RSS_LAUNCHER,
            str(hwm),
            "report",
            "--data-dir",
            str(data),
            "--network",
            str(graphml),
            "--network-extent",
            str(extent),
            "--out",
            str(tmp / "out"),
        ]
        cold, warm, rss = [], [], []
        for i in range(runs + warm_runs):
            cache = tmp / f"cache{i if i < runs else runs - 1}"
            env = dict(os.environ, HEARTGEO_CACHE=str(cache))
            start = time.perf_counter()
            proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
            (cold if i < runs else warm).append(time.perf_counter() - start)
            if proc.returncode != 0:
                sys.exit(f"benchmark: heartgeo report failed:\n{proc.stderr}")
            rss.append(int(hwm.read_text().split()[1]) / 1024)  # VmHWM: kB
            if i < runs:
                steps.append(step_times(proc.stdout + proc.stderr))
        summary = json.loads((tmp / "out" / "summary.json").read_text())
        assert summary["network"]["nodes"] > 0.5 * net.n_nodes
    return cold, warm, rss


STEP_LINE = re.compile(r"^(.+?)(?: \.\.\.|:) done \((\d+(?:\.\d+)?) s\)$")


def step_times(log: str) -> dict[str, float]:
    """Seconds of each step of a heartgeo run, from its progress lines
    (``Label ... done (1.2 s)``).
    """
    out = {}
    for line in log.splitlines():
        match = STEP_LINE.match(line.strip())
        if match:
            label = re.sub(r" (to|from) /\S+", "", match.group(1))  # no temporary paths
            out[label] = float(match.group(2))
    return out


def print_steps(steps: list[dict[str, float]]) -> None:
    """Each step's median seconds over the runs, in the order of the first run."""
    for label in steps[0] if steps else []:
        times = [s[label] for s in steps if label in s]
        print(f"     {label:<66} {float(np.median(times)):>5.1f} s")


def main() -> None:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from engines import run_pandana
    from isochrone_engines import run_valhalla
    from siting import siting_curve
    from startup import run_startup

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small graphs, about 3 minutes")
    parser.add_argument(
        "--only", choices=["report"], help="run one section: report (section 5, about 2 min)"
    )
    args = parser.parse_args()
    data = data_dir()
    q = args.quick
    city_n = 5000 if q else 20000
    if args.only == "report":
        city = synthetic_grid(city_n, seed=0)
        print(f"5. Full `heartgeo report` on SYNTHETIC city grid ({city.n_nodes} nodes)")
        print("\n".join(report_section(city, data, q)))
        return
    county_n = 100000
    print(f"heartgeo benchmark ({'quick' if q else 'full'}); bands {BANDS_MIN} min\n")

    central = load_network(data / "roads" / "osm_central_durham_2024-01-24.osm")
    city = synthetic_grid(city_n, seed=0)
    label_city = f"SYNTHETIC city grid ({city.n_nodes} nodes)"
    graphs = [("central Durham OSM (real)", central), (label_city, city)]

    print("1. Isochrones vs the OSMnx notebook method (ego_graph + buffered edges)")
    rows: list = []
    for label, net in graphs:
        n_centres = min(2 if q else 20, net.n_nodes)
        ratio = compare_isochrones(net, to_networkx(net), n_centres, label, rows)
    _table(rows, "origins")
    print(f"RATIO isochrones_vs_osmnx_notebook {ratio:.1f}")
    rows = []
    lean = compare_isochrones(
        city, to_networkx(city), 1 if q else 5, label_city, rows, baseline=osmnx_notebook_lean
    )
    print("   the same without the notebook's per-edge GeoDataFrame lookups:")
    _table(rows, "origins")
    print(f"RATIO isochrones_vs_osmnx_notebook_lean {lean:.1f}\n")

    print("2. Candidate x node travel-time matrix vs networkx single-source Dijkstra per origin")
    rows = []
    for label, net in graphs:
        n_cand = min(300 if not q else 30, net.n_nodes)
        ratio = compare_matrix(net, to_networkx(net), n_cand, label, rows)
    _table(rows, "candidates")
    print(f"RATIO matrix_vs_networkx_dijkstra {ratio:.1f}\n")

    print(f"3. Time split of heartgeo isochrones (20 origins x 3 bands, {label_city})")
    split = time_split(city, 20)
    print(
        f"   routing {split['routing']:.2f} s | polygons {split['polygons']:.2f} s | "
        f"GeoJSON I/O {split['io']:.2f} s | Python/numpy peak {split['python_peak_mb']:.0f} MB | "
        f"process max RSS {split['max_rss_mb']:.0f} MB\n"
    )

    sizes = [1000, 2000, 5000] if q else [2000, 5000, 20000, 50000, county_n]
    n_scaling = 5 if q else 20
    print(
        f"4. Scaling (SYNTHETIC grids; {n_scaling} origins; all-node nearest-unit times and "
        "3-band isochrones)"
    )
    print(f"   {'nodes':>8} {'edges':>8} {'nearest-unit s':>15} {'isochrones s':>13}")
    for n, e, t_all, t_iso in scaling(sizes, n_scaling):
        print(f"   {n:>8} {e:>8} {t_all:>15.3f} {t_iso:>13.2f}")
    print()

    print(f"5. Full `heartgeo report` on {label_city} over Durham (cold and warm cache)")
    ratios = report_section(city, data, q)
    print("\n6. Travel times vs pandana (contraction hierarchies), same graphs")
    ratios += run_pandana(q)
    print("\n7. Isochrones vs Valhalla (pyvalhalla), same roads, speeds, origins and bands")
    ratios += run_valhalla(q)
    print("\n8. Planner's curve (MCLP for each K) vs spopt, same cost matrix")
    ratios.append(siting_curve(q))
    print("\n9. Start-up: heartgeo --help")
    ratios.append(run_startup())
    print()
    for line in ratios:
        print(line)


def report_section(city: RoadNetwork, data: Path, q: bool) -> list[str]:
    """Section 5: ``heartgeo report`` on ``city``, cold and warm, with its steps and peak
    memory; returns its RATIO lines (``--only report`` runs just this section).
    """
    steps: list = []
    cold, warm, rss = full_report(
        city, data, runs=1 if q else 3, warm_runs=0 if q else 3, steps=steps
    )
    c = float(np.median(cold))
    w = float(np.median(warm)) if warm else float("nan")
    verdict = "meets" if c < REPORT_TARGET_S else "MISSES"
    warm_text = (
        f"warm {', '.join(f'{t:.1f}' for t in warm)} s -> median {w:.1f} s"
        if warm
        else "warm not measured (--quick)"
    )
    print(
        f"   cold (empty cache) {', '.join(f'{t:.1f}' for t in cold)} s -> median {c:.1f} s "
        f"({verdict} the {REPORT_TARGET_S:g} s target for a cold run); {warm_text}"
    )
    print(
        "   steps of the cold runs (medians; the rest is start-up, imports and exit; the road\n"
        "   network loads beside the boundaries and the blocks are found beside the population,\n"
        "   so those pairs overlap in time):"
    )
    print_steps(steps)
    peak = max(rss)
    print(
        f"   peak resident memory of the report process: {peak:.0f} MB (largest of the "
        f"runs; {'meets' if peak < 1024 else 'MISSES'} the 1 GB target)"
    )
    if warm:
        print(f"RATIO report_cold_vs_warm {c / w:.1f}")
    return [
        f"RATIO report_cold_vs_{REPORT_TARGET_S:g}s_target {REPORT_TARGET_S / c:.2f}",
        f"RATIO report_memory_vs_1GB_target {1024 / peak:.2f}",
    ]


def _table(rows, what):
    print(
        f"   {'graph':<40} {'nodes':>7} {'edges':>7} {what:>10} {'baseline s':>11} "
        f"{'heartgeo s':>11} {'ratio':>7} identical"
    )
    for label, n, e, k, tb, to, r, same in rows:
        print(f"   {label:<40} {n:>7} {e:>7} {k:>10} {tb:>11.2f} {to:>11.3f} {r:>7.1f} {same}")


if __name__ == "__main__":
    main()
