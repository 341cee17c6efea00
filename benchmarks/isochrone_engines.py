"""heartgeo's isochrones against Valhalla's, same roads, origins, bands and speeds.

    python benchmarks/isochrone_engines.py          # central Durham OSM + SYNTHETIC city grid
    python benchmarks/isochrone_engines.py --quick

Valhalla comes from pyvalhalla, whose binary wheels (``cp312-abi3``, with
``valhalla_build_tiles``) need Python >= 3.12; heartgeo itself runs on 3.11. So this
benchmark makes its own virtual environment for Valhalla under
``~/.cache/heartgeo-bench/`` (or ``$HEARTGEO_BENCH_CACHE``) with the first Python >= 3.12
it finds (``$HEARTGEO_VALHALLA_PYTHON``, ``python3.13``/``python3.12`` on PATH, then
``~/.pyenv/versions/3.1[2-9]*``), installs the pinned ``pyvalhalla`` and ``osmium`` there,
and runs this same file in it as a worker. Without such a Python, or when the install
fails, it prints ``Valhalla: not available (<reason>)`` and stops.

Steps, per graph:

1. heartgeo's road network is written as OSM PBF (pyosmium): every directed road is a
   one-way OSM way with its shape, its OSM ``highway`` class and ``maxspeed`` set to
   heartgeo's speed, so both engines see the same roads at the same speeds.
2. ``valhalla_build_tiles`` builds Valhalla's tiles from that file (timed, not charged).
3. For the same origins (road nodes) and bands (5, 10, 15 min), Valhalla answers one
   ``isochrone`` request per origin with three contours (``costing: auto``, default
   options, polygons); heartgeo builds the same bands with its own pipeline (one
   multi-source search, then nested band polygons), once with its exact polygons and once
   with its fast ones (``--polygons fast``: traced on a travel-time grid of 20 m cells).
   Reported: wall seconds per origin x band for each.
4. Fidelity. The truth is heartgeo's documented rule: a place is within T minutes when it
   lies within ``buffer`` metres (100, the default) of a road point reached within T, with
   the exact drive time along the road (``NetworkModel.point_times``). For each origin and
   band, 4,000 points are drawn uniformly over a box around both polygons; points outside
   the network extent (unknown) are left out. Reported: **falsely covered** (share of the
   points inside a polygon whose true time is above T), the same for points within the
   buffer of some road only (**near roads**: there a wrong answer is a wrong drive time,
   not a place between roads that no road reaches within the buffer) and **left out**
   (share of the points truly within T that the polygon misses), pooled over origins
   and bands.

Prints ``RATIO isochrones_vs_valhalla <Valhalla s / heartgeo s>`` (above 1: heartgeo is
faster) for the city-size graph, and ``RATIO isochrones_fast_vs_valhalla`` for the fast
polygons (medians of three). heartgeo is also timed beside a CPU-bound process that the
benchmark starts and stops (``benchmarks/load.py``), against Valhalla's quiet time:
``RATIO isochrones_fast_loaded_vs_valhalla`` and ``RATIO isochrones_loaded_vs_valhalla``. Valhalla adds turn and maneuver costs that heartgeo's
free-flow model has not, so part of its "left out" share is a difference of model, not of
polygon drawing; the summary line says so.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: Versions the Valhalla environment is built with (the numbers reported come from these).
PINS = ("pyvalhalla==3.9.1", "osmium==4.3.2")
BANDS_MIN = (5.0, 10.0, 15.0)
SAMPLES = 4000


# --- worker: runs under Python >= 3.12 with pyvalhalla and osmium ----------------------


def worker(spec_path: str) -> None:
    """Write the PBF, build the tiles, answer the isochrone requests, save the polygons."""
    import osmium
    import valhalla

    spec = json.loads(Path(spec_path).read_text())
    work = Path(spec["work"])
    pbf = work / "roads.osm.pbf"
    with osmium.SimpleWriter(str(pbf)) as out:
        for nid, lon, lat in spec["nodes"]:
            out.add_node(osmium.osm.mutable.Node(id=nid, location=(lon, lat), version=1))
        for wid, refs, highway, kmh in spec["ways"]:
            tags = {"highway": highway, "maxspeed": str(kmh), "oneway": "yes"}
            out.add_way(osmium.osm.mutable.Way(id=wid, nodes=refs, tags=tags, version=1))
    tiles = work / "tiles"
    tiles.mkdir()
    config = valhalla.get_config(tile_extract="", tile_dir=tiles)
    config_path = work / "valhalla.json"
    config_path.write_text(json.dumps(config))
    start = time.perf_counter()
    build = Path(valhalla.__file__).parent / "bin" / "valhalla_build_tiles"
    built = subprocess.run(
        [str(build), "-c", str(config_path), str(pbf)], capture_output=True, text=True, cwd=work
    )
    if built.returncode != 0:
        sys.exit(f"valhalla_build_tiles failed: {(built.stdout + built.stderr)[-400:]}")
    build_s = time.perf_counter() - start
    actor = valhalla.Actor(str(config_path))
    answers, seconds = [], []
    for lon, lat in spec["origins"]:
        request = {
            "locations": [{"lon": lon, "lat": lat}],
            "costing": "auto",
            "contours": [{"time": m} for m in spec["bands"]],
            "polygons": True,
        }
        start = time.perf_counter()
        answer = actor.isochrone(request)
        seconds.append(time.perf_counter() - start)
        answers.append(answer)
    out_path = work / "answers.json"
    out_path.write_text(json.dumps({"build_s": build_s, "seconds": seconds, "answers": answers}))


# --- the Valhalla environment -----------------------------------------------------------


def _python312() -> tuple[str | None, str]:
    """A Python >= 3.12 to run Valhalla, or None and why not."""
    given = os.environ.get("HEARTGEO_VALHALLA_PYTHON")
    found = [given] if given else []
    found += [shutil.which(n) for n in ("python3.13", "python3.12", "python3.14")]
    found += sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/3.1[2-9]*/bin/python")))
    for exe in filter(None, found):
        probe = subprocess.run(
            [exe, "-c", "import sys; print(sys.version_info >= (3, 12))"],
            capture_output=True,
            text=True,
        )
        if probe.stdout.strip() == "True":
            return exe, ""
    return None, "no Python >= 3.12 found for pyvalhalla's cp312-abi3 wheels"


def valhalla_python() -> tuple[str | None, str]:
    """The Valhalla environment's Python (made on first use), or None and the reason."""
    cache = Path(os.environ.get("HEARTGEO_BENCH_CACHE", "~/.cache/heartgeo-bench")).expanduser()
    env = cache / ("valhalla-" + "-".join(p.replace("==", "") for p in PINS))
    exe = env / "bin" / "python"
    if exe.exists():
        return str(exe), ""
    base, why = _python312()
    if base is None:
        return None, why
    made = subprocess.run([base, "-m", "venv", str(env)], capture_output=True, text=True)
    if made.returncode != 0:
        return None, f"venv with {base} failed: {made.stderr.strip()[-200:]}"
    got = subprocess.run(
        [str(exe), "-m", "pip", "install", "-q", *PINS], capture_output=True, text=True
    )
    if got.returncode != 0:
        shutil.rmtree(env, ignore_errors=True)
        return None, f"pip install {' '.join(PINS)} failed: {got.stderr.strip()[-200:]}"
    return str(exe), ""


# --- driver: runs in heartgeo's environment -------------------------------------------


def osm_spec(net, origins, work: Path) -> dict:
    """Heartgeo's network as OSM nodes and one-way ways (lon/lat, highway, maxspeed)."""
    import numpy as np
    import shapely
    from pyproj import Transformer

    from heartgeo.config import LONLAT_CRS, METRIC_CRS

    to_lonlat = Transformer.from_crs(METRIC_CRS, LONLAT_CRS, always_xy=True)
    lon, lat = to_lonlat.transform(net.xy[:, 0], net.xy[:, 1])
    nodes = [[i + 1, float(x), float(y)] for i, (x, y) in enumerate(zip(lon, lat, strict=True))]
    next_id = len(nodes) + 1
    ways = []
    coords, idx = shapely.get_coordinates(net.geometry, return_index=True)
    glon, glat = to_lonlat.transform(coords[:, 0], coords[:, 1])
    starts = np.r_[0, np.flatnonzero(np.diff(idx)) + 1, len(idx)]
    kmh = np.maximum(np.round(net.length_m / net.time_s * 3.6), 1).astype(int)
    for e in range(net.n_edges):
        inner = range(starts[e] + 1, starts[e + 1] - 1)
        refs = [int(net.u[e]) + 1]
        for k in inner:  # shape points: their own nodes, so no false junctions
            nodes.append([next_id, float(glon[k]), float(glat[k])])
            refs.append(next_id)
            next_id += 1
        refs.append(int(net.v[e]) + 1)
        ways.append([e + 1, refs, str(net.highway[e]), int(kmh[e])])
    return {
        "work": str(work),
        "nodes": nodes,
        "ways": ways,
        "origins": [[float(lon[o]), float(lat[o])] for o in origins],
        "bands": list(BANDS_MIN),
    }


def valhalla_polygons(answers: list[dict]) -> list[list]:
    """Valhalla's answers as metric polygons, per origin, in the order of BANDS_MIN."""
    import geopandas as gpd
    import shapely

    from heartgeo.config import LONLAT_CRS, METRIC_CRS

    out = []
    for answer in answers:
        by_time = {}
        for feature in answer["features"]:
            geom = shapely.geometry.shape(feature["geometry"])
            if geom.geom_type == "LineString":
                geom = shapely.Polygon(geom)
            by_time[float(feature["properties"]["contour"])] = geom
        polys = gpd.GeoSeries([by_time[m] for m in BANDS_MIN], crs=LONLAT_CRS).to_crs(METRIC_CRS)
        out.append(list(polys.make_valid()))
    return out


def fidelity(net, node_times, polygons, buffer_m: float, seed: int) -> tuple[int, ...]:
    """Counts over all bands: falsely covered, points inside, left out, points truly
    within, and the first two again for points within ``buffer_m`` of a road only (where
    a wrong answer is a wrong drive time, not a place between roads nobody can reach).
    """
    import numpy as np
    import shapely

    from heartgeo.travel.network import NetworkModel

    model = NetworkModel(net, buffer_m=buffer_m)
    rng = np.random.default_rng(seed)
    false_in = inside_n = left_out = truly_n = false_road = inside_road = 0
    for row, polys in zip(node_times, polygons, strict=True):
        for m, poly in zip(BANDS_MIN, polys, strict=True):
            minx, miny, maxx, maxy = poly.bounds
            pad = 0.1 * max(maxx - minx, maxy - miny) + buffer_m
            xy = np.c_[
                rng.uniform(minx - pad, maxx + pad, SAMPLES),
                rng.uniform(miny - pad, maxy + pad, SAMPLES),
            ]
            truth = model.point_times(row, xy)
            known = ~np.isnan(truth)
            within = known & (truth <= m * 60)
            inside = known & shapely.contains_xy(poly, xy[:, 0], xy[:, 1])
            road = inside & np.isfinite(truth)
            false_road += int((road & ~within).sum())
            inside_road += int(road.sum())
            false_in += int((inside & ~within).sum())
            inside_n += int(inside.sum())
            left_out += int((within & ~inside).sum())
            truly_n += int(within.sum())
    return false_in, inside_n, left_out, truly_n, false_road, inside_road


def compare(
    net, label: str, n_origins: int, python: str, buffer_m: float = 100.0
) -> tuple[float, float]:
    """One graph: the engines' seconds per origin x band and their fidelity; returns the
    ratios of heartgeo's exact and fast polygons.
    """
    import numpy as np

    sys.path.insert(0, str(ROOT / "benchmarks"))
    from load import median_of_three
    from run import heartgeo_isochrones

    rng = np.random.default_rng(11)
    origins = rng.choice(net.n_nodes, size=n_origins, replace=False)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        spec = work / "spec.json"
        spec.write_text(json.dumps(osm_spec(net, origins, work)))
        run = subprocess.run(
            [python, str(Path(__file__).resolve()), "--worker", str(spec)],
            capture_output=True,
            text=True,
        )
        if run.returncode != 0:
            print(f"   Valhalla: not available (worker failed: {run.stderr.strip()[-300:]})")
            return float("nan"), float("nan")
        done = json.loads((work / "answers.json").read_text())
    pairs = n_origins * len(BANDS_MIN)
    t_valhalla = float(np.sum(done["seconds"]))
    v_polys = valhalla_polygons(done["answers"])
    engines = [("Valhalla", v_polys, t_valhalla)]
    loaded = {}
    for method in ("exact", "fast"):
        _, flat, _ = heartgeo_isochrones(net, list(origins), BANDS_MIN, buffer_m, method)
        # median of three, after a first run that builds the blocks or the grid
        secs = median_of_three(
            lambda m=method: heartgeo_isochrones(net, list(origins), BANDS_MIN, buffer_m, m)
        )
        loaded[method] = median_of_three(
            lambda m=method: heartgeo_isochrones(net, list(origins), BANDS_MIN, buffer_m, m),
            loaded=True,
        )
        polys = [flat[i : i + len(BANDS_MIN)] for i in range(0, len(flat), len(BANDS_MIN))]
        name = "heartgeo" if method == "exact" else "heartgeo fast"
        engines.append((name, polys, secs))
    from heartgeo.analysis.routing import node_travel_times

    times = node_travel_times(net, origins, per_source=True)
    for name, polys, secs in engines:
        f_in, n_in, out, n_true, f_road, n_road = fidelity(net, times, polys, buffer_m, seed=5)
        print(
            f"   {label:<38} {name:<13} {1000 * secs / pairs:>10.2f} "
            f"{100 * f_in / max(n_in, 1):>15.2f} {100 * f_road / max(n_road, 1):>13.2f} "
            f"{100 * out / max(n_true, 1):>9.2f}"
        )
    print(
        f"   {'':<38} beside a CPU-bound process: heartgeo "
        f"{1000 * loaded['exact'] / pairs:.2f}, heartgeo fast {1000 * loaded['fast'] / pairs:.2f} "
        f"ms/origin x band (Valhalla's time is the quiet one)"
    )
    print(
        f"   (Valhalla tiles built in {done['build_s']:.1f} s, not charged; {n_origins} "
        f"origins x {len(BANDS_MIN)} bands; heartgeo median of three)"
    )
    return (
        t_valhalla / engines[1][2],
        t_valhalla / engines[2][2],
        t_valhalla / loaded["fast"],
        t_valhalla / loaded["exact"],
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller grid, fewer origins")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker)
        return
    print("\n".join(run_valhalla(args.quick)))


def run_valhalla(quick: bool) -> list[str]:
    """The whole comparison, printed as it goes; returns the RATIO lines (or the reason)."""
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from run import data_dir

    from heartgeo.network import load_network
    from heartgeo.testing.synthetic import synthetic_grid

    python, why = valhalla_python()
    if python is None:
        return [f"Valhalla: not available ({why})"]
    central = load_network(data_dir() / "roads" / "osm_central_durham_2024-01-24.osm")
    city = synthetic_grid(5000 if quick else 20000, seed=0)
    print(
        f"   {'graph':<38} {'engine':<13} {'ms/origin x band':>10} {'falsely covered %':>15} "
        f"{'near roads %':>13} {'left out %':>9}"
    )
    ratios = (float("nan"),) * 4
    for label, net, n in (
        ("central Durham OSM (real)", central, 20),
        (f"SYNTHETIC city grid ({city.n_nodes} nodes)", city, 5 if quick else 20),
    ):
        ratios = compare(net, label, min(n, net.n_nodes), python)
    exact, fast, fast_loaded, exact_loaded = ratios
    return [
        f"RATIO isochrones_vs_valhalla {exact:.2f}",
        f"RATIO isochrones_fast_vs_valhalla {fast:.2f}",
        f"RATIO isochrones_fast_loaded_vs_valhalla {fast_loaded:.2f}",
        f"RATIO isochrones_loaded_vs_valhalla {exact_loaded:.2f}",
    ]


if __name__ == "__main__":
    main()
