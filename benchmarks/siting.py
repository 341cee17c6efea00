"""Siting benchmark: heartgeo against PySAL spopt on the same Durham-size cost matrix.

    pip install -e ".[bench]"          # adds spopt (and PuLP with CBC)
    python benchmarks/siting.py        # K = 1..12
    python benchmarks/siting.py --quick

Instance: every populated citywide demand cell (250 m hexagons, census population) x
candidate sites on a regular 1 km lattice inside the city limit (about 300), crow-fly
travel times calibrated on the central-Durham network (no city-wide road network is
available offline, so the lattice stands in for road-node candidates). For each K the
MCLP (10 minutes) is built and solved by heartgeo (HiGHS through scipy) and by spopt
(``MCLP.from_cost_matrix``, CBC through PuLP); both answers are scored with the same
function. Prints a table and ``RATIO mclp_spopt_vs_heartgeo <spopt s / heartgeo s>``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import shapely

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from run import data_dir  # noqa: E402

from heartgeo.pipeline import Settings, prepare  # noqa: E402
from heartgeo.siting.models import Instance, evaluate, solve  # noqa: E402


def instance(spacing_m: float, cell_m: float, minutes: float):
    study = prepare(Settings(data_dir=data_dir(), travel_model="crowfly", cell_size_m=cell_m))
    city = study.boundaries.city
    minx, miny, maxx, maxy = city.bounds
    gx, gy = np.meshgrid(np.arange(minx, maxx, spacing_m), np.arange(miny, maxy, spacing_m))
    pts = np.c_[gx.ravel(), gy.ravel()]
    pts = pts[shapely.contains_xy(city, pts[:, 0], pts[:, 1])]
    cells = study.demand.cells
    weights = cells["population"].to_numpy()
    keep = weights > 0
    cxy = np.c_[cells["cx"], cells["cy"]][keep]
    dist = np.hypot(pts[:, None, 0] - cxy[None, :, 0], pts[:, None, 1] - cxy[None, :, 1])
    cost = dist * study.model.seconds_per_metre
    return Instance.from_cost_matrix(cost, weights[keep]), minutes * 60


def spopt_mclp(inst: Instance, seconds: float, k: int):
    import pulp
    from spopt.locate import MCLP

    model = MCLP.from_cost_matrix(inst.cost.T, inst.weights, service_radius=seconds, p_facilities=k)
    model.solve(pulp.PULP_CBC_CMD(msg=False))
    return [i for i, v in enumerate(model.fac_vars) if v.value() and v.value() > 0.5]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="K = 1..4, coarser cells")
    args = parser.parse_args()
    inst, seconds = instance(1000.0, 400.0 if args.quick else 250.0, 10.0)
    ks = range(1, 5) if args.quick else range(1, 13)
    print(
        f"MCLP, 10 min: {len(inst.weights)} populated cells x {inst.n_candidates} candidates "
        f"(crow-fly model), population {inst.weights.sum():,.0f}\n"
    )
    print(
        f"{'K':>3} {'heartgeo covered':>17} {'spopt covered':>14} {'heartgeo s':>11} {'spopt s':>9}  match"
    )
    t_h = t_s = 0.0
    for k in ks:
        start = time.perf_counter()
        ours = solve("mclp", inst, units=k, seconds=seconds)
        t1 = time.perf_counter() - start
        start = time.perf_counter()
        theirs = spopt_mclp(inst, seconds, k)
        t2 = time.perf_counter() - start
        v_s = evaluate("mclp", inst, theirs, seconds)
        t_h, t_s = t_h + t1, t_s + t2
        ok = "yes" if ours.value >= v_s - 1e-6 * max(v_s, 1) else "NO"
        print(f"{k:>3} {ours.value:>17,.1f} {v_s:>14,.1f} {t1:>11.2f} {t2:>9.2f}  {ok}")
    print(f"\ntotal: heartgeo {t_h:.1f} s, spopt {t_s:.1f} s")
    print(f"RATIO mclp_spopt_vs_heartgeo {t_s / t_h:.1f}")


if __name__ == "__main__":
    main()
