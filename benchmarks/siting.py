"""Siting benchmark: the planner's curve, heartgeo against PySAL spopt, same cost matrix.

    pip install -e ".[bench]"          # adds spopt (and PuLP with CBC)
    python benchmarks/siting.py        # K = 1..12
    python benchmarks/siting.py --quick

Instance: every populated citywide demand cell (250 m hexagons, census population) x
candidate sites on a regular 1 km lattice inside the city limit (about 300), crow-fly
travel times calibrated on the central-Durham network (no city-wide road network is
available offline, so the lattice stands in for road-node candidates). For each K the
MCLP (10 minutes) is solved three ways, each answer scored with the same function:

- heartgeo's planner's curve (:func:`heartgeo.siting.curve.mclp_curve`: reduction,
  Lagrangian bounds and fixing, branch and bound, HiGHS at the leaves), K = 1..12 in one
  sweep, as ``heartgeo site`` runs it;
- heartgeo's reference MILP (``mclp_milp``, one cold HiGHS MILP per K), the method
  before the curve solver (``--quick`` only on the full instance: it takes minutes);
- spopt (``MCLP.from_cost_matrix``, CBC through PuLP), one model per K.

The curve is timed three times on a quiet machine and three times beside a CPU-bound
process that the benchmark starts and stops (``benchmarks/load.py``); spopt once, quiet.
Prints a table, ``RATIO siting_curve_vs_spopt <spopt s / heartgeo curve s, median of
three>`` and ``RATIO siting_curve_loaded_vs_spopt`` (the loaded median against the same
quiet spopt time); every K must reach spopt's value and be proved optimal.
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

from load import median_of_three  # noqa: E402
from run import data_dir  # noqa: E402

from heartgeo import Settings, prepare  # noqa: E402
from heartgeo.siting.curve import CoverProblem, mclp_curve  # noqa: E402
from heartgeo.siting.milp import mclp_milp  # noqa: E402
from heartgeo.siting.models import Instance, evaluate  # noqa: E402


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
    parser.add_argument("--milp", action="store_true", help="also one cold HiGHS MILP per K (slow)")
    args = parser.parse_args()
    print(siting_curve(args.quick, args.milp))


def siting_curve(quick: bool, milp: bool = False) -> str:
    """The comparison, printed as it goes; returns the RATIO line."""
    inst, seconds = instance(1000.0, 400.0 if quick else 250.0, 10.0)
    ks = range(1, 5) if quick else range(1, 13)
    milp = milp or quick
    print(
        f"   MCLP, 10 min: {len(inst.weights)} populated cells x {inst.n_candidates} "
        f"candidates (crow-fly model), population {inst.weights.sum():,.0f}"
    )

    def curve():
        problem = CoverProblem.from_cost_matrix(inst.cost, inst.weights, seconds)
        return problem, mclp_curve(problem, ks)

    problem, points = curve()
    t_curve = median_of_three(curve)
    t_loaded = median_of_three(curve, loaded=True)
    print(
        f"   reduced to {problem.a.shape[1]} cell patterns x {problem.a.shape[0]} "
        f"undominated candidates\n"
    )
    print(
        f"   {'K':>3} {'heartgeo covered':>17} {'spopt covered':>14} {'curve s':>8} "
        f"{'MILP s':>7} {'spopt s':>8}  optimal  match"
    )
    t_s = t_m = 0.0
    for point in points:
        k = point.units
        t_milp = float("nan")
        if milp:
            start = time.perf_counter()
            ref_sites, _, _ = mclp_milp(inst, k, seconds)
            t_milp = time.perf_counter() - start
            t_m += t_milp
            ref = evaluate("mclp", inst, ref_sites, seconds)
            assert abs(ref - point.value) <= 1e-6 * ref, (k, ref, point.value)
        start = time.perf_counter()
        theirs = spopt_mclp(inst, seconds, k)
        t2 = time.perf_counter() - start
        v_s = evaluate("mclp", inst, theirs, seconds)
        t_s += t2
        ok = "yes" if point.value >= v_s - 1e-6 * max(v_s, 1) else "NO"
        if ok == "NO" or not point.optimal:
            sys.exit(f"benchmark: K = {k}: heartgeo {point.value} vs spopt {v_s}")
        print(
            f"   {k:>3} {point.value:>17,.1f} {v_s:>14,.1f} {point.seconds:>8.2f} "
            f"{t_milp:>7.2f} {t2:>8.2f}  {point.optimal!s:<7}  {ok}"
        )
    milp_text = f", one MILP per K {t_m:.1f} s" if milp else ""
    print(
        f"\n   total: heartgeo curve {t_curve:.1f} s (with the reduction; median of three), "
        f"{t_loaded:.1f} s beside a CPU-bound process{milp_text}, spopt {t_s:.1f} s"
    )
    return (
        f"RATIO siting_curve_vs_spopt {t_s / t_curve:.1f}\n"
        f"RATIO siting_curve_loaded_vs_spopt {t_s / t_loaded:.1f}"
    )


if __name__ == "__main__":
    main()
