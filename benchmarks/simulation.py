"""Benchmark of ``heartgeo simulate``: one command, baseline measured in the same run.

    python benchmarks/simulation.py            # full: 52 weeks, city-size graph, 3 runs
    python benchmarks/simulation.py --quick    # 8 weeks, smaller graph, 1 run

1. The simulation loop against a textbook discrete-event loop in pure Python (a heap of
   arrival and completion events, teams scanned in a Python loop), on the same random
   draws: both must answer exactly the same calls. Prints
   ``RATIO simulation_vs_heapq_event_loop <baseline s / heartgeo s>``.
2. ``heartgeo simulate --weeks 52 --teams 1..8`` end to end on a SYNTHETIC city-size
   street grid over Durham (about 20,000 nodes), both scenarios, three runs (median),
   against the 30 s target of 52 simulated weeks of a city-size scenario.
"""

from __future__ import annotations

import argparse
import heapq
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from run import data_dir, write_graphml  # noqa: E402

from heartgeo.analysis.simulation import Workload, draw_calls, simulate  # noqa: E402
from heartgeo.io.hours import WEEK_MIN, parse_hours  # noqa: E402
from heartgeo.testing.synthetic import synthetic_grid  # noqa: E402


def heap_event_loop(travel, weights, site, duty, workload: Workload, weeks: int, seed: int):
    """The textbook baseline: the same draws as heartgeo's simulation (its
    ``draw_calls``), then events on a heap (arrival, completion), team states in Python
    lists. Returns answered flags.
    """
    start, where, service = draw_calls(workload, weights, weeks, seed)
    n = len(start)
    events = [(start[i] * 60.0, 1, i) for i in range(n)]  # completions (kind 0) first
    heapq.heapify(events)
    busy = [False] * len(site)
    answered = [False] * n
    travel_rows = [list(travel[s]) for s in site]
    duty_rows = [list(d) for d in duty]
    while events:
        t, kind, who = heapq.heappop(events)
        if kind == 0:
            busy[who] = False
            continue
        m = int(start[who]) % WEEK_MIN
        best, best_t = -1, math.inf
        for j in range(len(site)):
            tt = travel_rows[j][where[who]]
            if not busy[j] and duty_rows[j][m] and tt < best_t:
                best, best_t = j, tt
        if best < 0:
            continue
        busy[best] = True
        answered[who] = True
        heapq.heappush(events, (t + 2 * best_t + service[who], 0, best))
    return np.array(answered)


def compare_loop(weeks: int, teams: int, calls_per_day: float, points: int) -> float:
    rng = np.random.default_rng(2)
    travel = rng.uniform(60, 1500, (teams, points))
    weights = rng.uniform(0, 10, points)
    duty = np.array([parse_hours("daily 08:00-20:00")] * teams)
    workload = Workload(calls_per_day=calls_per_day, minutes_per_call=45.0)
    site = np.arange(teams)
    t0 = time.perf_counter()
    ours = simulate(travel, weights, site, duty, workload, weeks=weeks, seed=3)
    t_ours = time.perf_counter() - t0
    t0 = time.perf_counter()
    base = heap_event_loop(travel, weights, site, duty, workload, weeks, seed=3)
    t_base = time.perf_counter() - t0
    same = bool((ours.answered == base).all())
    print(
        f"   {weeks} weeks, {teams} teams, {calls_per_day:g} calls/day, {points} demand points, "
        f"{len(base):,} calls: heap loop {t_base:.2f} s, heartgeo {t_ours:.2f} s, "
        f"ratio {t_base / t_ours:.1f}, identical answered calls: {same}"
    )
    if not same:
        sys.exit("benchmark: the two simulations disagree")
    return t_base / t_ours


def simulate_command(nodes: int, weeks: int, runs: int) -> list[float]:
    net = synthetic_grid(nodes, seed=0)
    print(f"   SYNTHETIC city grid: {net.n_nodes} nodes, {net.n_edges} edges")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        graphml, extent = write_graphml(net, tmp)
        cmd = [
            sys.executable, "-m", "heartgeo.cli", "simulate", "--data-dir", str(data_dir()),
            "--network", str(graphml), "--network-extent", str(extent), "--quiet",
            "--weeks", str(weeks), "--teams", "1..8", "--out", str(tmp / "out"),
        ]  # fmt: skip
        times = []
        env = dict(os.environ, HEARTGEO_CACHE=str(tmp / "cache"))
        for _ in range(runs):
            t0 = time.perf_counter()
            proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
            times.append(time.perf_counter() - t0)
            if proc.returncode != 0:
                sys.exit(f"benchmark: heartgeo simulate failed:\n{proc.stderr}")
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short, under a minute")
    q = parser.parse_args().quick
    weeks = 8 if q else 52
    print(f"heartgeo simulation benchmark ({'quick' if q else 'full'})\n")
    print("1. Simulation loop vs a textbook heap-based event loop (same draws)")
    compare_loop(weeks, 7, 60.0, 6800)
    ratio = compare_loop(weeks, 30, 600.0, 6800)
    print(f"RATIO simulation_vs_heapq_event_loop {ratio:.1f}\n")
    runs = 1 if q else 3
    print(f"2. `heartgeo simulate --weeks {weeks} --teams 1..8` (both scenarios, 9 runs each)")
    times = simulate_command(5000 if q else 20000, weeks, runs)
    med = float(np.median(times))
    verdict = "meets" if med < 30 else "MISSES"
    print(
        f"   {', '.join(f'{t:.1f}' for t in times)} s -> median {med:.1f} s, whole command "
        f"incl. network load and 18 simulations ({verdict} the 30 s target)"
    )


if __name__ == "__main__":
    main()
