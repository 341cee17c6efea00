"""heartgeo's travel times against pandana's contraction hierarchies, same graphs.

    pip install -e ".[bench]"          # adds pandana (wheels for Python 3.11+)
    python benchmarks/engines.py       # central Durham OSM + SYNTHETIC city grid
    python benchmarks/engines.py --quick

Two measurements per graph, each answer checked against the other:

1. nearest-unit times: seconds from the nearest of 20 units to every node within 15
   minutes (the largest band). heartgeo: one bounded multi-source Dijkstra (scipy). pandana: ``nearest_pois`` on the reversed graph (its
   distances run from a node to the points of interest; reversing the edges makes them
   run from the units, as heartgeo's do), after building its contraction hierarchy.
2. the candidate x node matrix: seconds from each of 300 candidates to every node.
   heartgeo: one bounded search per candidate. pandana: ``shortest_path_lengths`` over
   every (candidate, node) pair.

pandana's one-off preparation (the contraction hierarchy) is timed separately and not
charged to the queries. Prints ``RATIO matrix_vs_pandana`` and
``RATIO nearest_vs_pandana`` (pandana seconds / heartgeo seconds: above 1, heartgeo is
faster). Graphs marked SYNTHETIC are generated street grids over Durham, not real roads.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import time
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from run import data_dir  # noqa: E402

from heartgeo.analysis.routing import node_travel_times  # noqa: E402
from heartgeo.network import load_network  # noqa: E402
from heartgeo.testing.synthetic import synthetic_grid  # noqa: E402


@contextlib.contextmanager
def quiet_c_output():
    """Silence pandana's C++ progress prints (file descriptor 1) and its warnings about
    pairs that cannot reach each other (they get pandana's 'no path' value).
    """
    sys.stdout.flush()
    saved = os.dup(1)
    with open(os.devnull, "w") as null, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        os.dup2(null.fileno(), 1)
        try:
            yield
        finally:
            os.dup2(saved, 1)
            os.close(saved)


def pandana_network(net, reverse: bool):
    """A pandana network of ``net`` (edge weight: free-flow seconds), and its build time."""
    import pandana
    import pandas as pd

    nodes = pd.DataFrame({"x": net.xy[:, 0], "y": net.xy[:, 1]})
    u, v = (net.v, net.u) if reverse else (net.u, net.v)
    edges = pd.DataFrame({"from": u, "to": v, "time_s": net.time_s})
    start = time.perf_counter()
    with quiet_c_output():
        pdn = pandana.Network(
            nodes["x"], nodes["y"], edges["from"], edges["to"], edges[["time_s"]], twoway=False
        )
    return pdn, time.perf_counter() - start


#: Both engines search up to the largest band (15 minutes), as a coverage run does.
HORIZON_S = 900.0


def best_of(fn, repeat: int = 3) -> tuple[float, object]:
    """The fastest of ``repeat`` runs (seconds) and the last result."""
    times, out = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return min(times), out


def nearest(net, label: str, n_units: int, rng) -> float:
    units = rng.choice(net.n_nodes, size=n_units, replace=False)
    horizon = HORIZON_S
    t_ours, ours = best_of(lambda: node_travel_times(net, units, limit_s=horizon))
    pdn, t_build = pandana_network(net, reverse=True)

    def query():
        with quiet_c_output():
            pdn.set_pois("units", horizon, 1, net.xy[units, 0], net.xy[units, 1])
            return pdn.nearest_pois(horizon, "units", num_pois=1).iloc[:, 0].to_numpy()

    t_theirs, theirs = best_of(query)
    theirs = np.where(theirs >= horizon, np.inf, theirs)
    ok = np.isfinite(ours) & (ours < horizon - 1.0)  # away from the cut-off's rounding
    agree = np.allclose(ours[ok], theirs[ok], rtol=1e-4, atol=0.05)
    print(
        f"   {label:<40} {net.n_nodes:>7} {n_units:>6} {t_build:>9.2f} {t_theirs:>10.4f} "
        f"{t_ours:>11.4f} {t_theirs / t_ours:>7.1f} {agree}"
    )
    if not agree:
        worst = np.nanmax(np.abs(ours[ok] - theirs[ok]))
        sys.exit(f"benchmark: nearest-unit times disagree (worst {worst:.3f} s)")
    return t_theirs / t_ours


def matrix(net, label: str, n_cand: int, rng) -> float:
    cand = rng.choice(net.n_nodes, size=n_cand, replace=False)
    t_ours, ours = best_of(lambda: node_travel_times(net, cand, per_source=True), repeat=1)
    pdn, t_build = pandana_network(net, reverse=False)
    orig = np.repeat(cand, net.n_nodes)
    dest = np.tile(np.arange(net.n_nodes), n_cand)
    ids = pdn.node_ids.to_numpy()

    def query():
        with quiet_c_output():
            return np.asarray(pdn.shortest_path_lengths(ids[orig], ids[dest], imp_name="time_s"))

    t_theirs, theirs = best_of(query, repeat=1)
    theirs = np.asarray(theirs, float).reshape(n_cand, net.n_nodes)
    ok = np.isfinite(ours)
    agree = np.allclose(ours[ok], theirs[ok], rtol=1e-4, atol=0.05)
    print(
        f"   {label:<40} {net.n_nodes:>7} {n_cand:>6} {t_build:>9.2f} {t_theirs:>10.3f} "
        f"{t_ours:>11.3f} {t_theirs / t_ours:>7.1f} {agree}"
    )
    if not agree:
        sys.exit("benchmark: candidate x node times disagree")
    return t_theirs / t_ours


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller grid, fewer candidates")
    for line in run_pandana(parser.parse_args().quick):
        print(line)


def run_pandana(q: bool) -> list[str]:
    """Both comparisons, printed as they go; returns the RATIO lines (or the reason)."""
    try:
        import pandana  # noqa: F401
    except ImportError as exc:
        return [f"pandana: not available ({exc}); pip install -e '.[bench]'"]
    rng = np.random.default_rng(7)
    central = load_network(data_dir() / "roads" / "osm_central_durham_2024-01-24.osm")
    city = synthetic_grid(5000 if q else 20000, seed=0)
    graphs = [
        ("central Durham OSM (real)", central),
        (f"SYNTHETIC city grid ({city.n_nodes} nodes)", city),
    ]
    head = (
        f"   {'graph':<40} {'nodes':>7} {'{}':>6} {'pandana CH':>9} {'pandana s':>10} "
        f"{'heartgeo s':>11} {'ratio':>7} agree"
    )
    print("   a. Nearest-unit times to every node within 15 min (20 units; best of three)")
    print(head.format("units"))
    ratio = 1.0
    for label, net in graphs:
        ratio = nearest(net, label, min(20, net.n_nodes), rng)
    lines = [f"RATIO nearest_vs_pandana {ratio:.1f}"]
    print("   b. Candidate x node travel-time matrix")
    print(head.format("cand."))
    for label, net in graphs:
        ratio = matrix(net, label, min(30 if q else 300, net.n_nodes), rng)
    return [*lines, f"RATIO matrix_vs_pandana {ratio:.1f}"]


if __name__ == "__main__":
    main()
