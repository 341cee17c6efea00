"""Benchmark of coverage by hour of the week with staggered duty hours: one command,
baseline measured in the same run.

    python benchmarks/duty_hours.py            # 400 units end to end, three runs
    python benchmarks/duty_hours.py --quick    # 100 units, one run

Units are placed at random in Durham's city limit (fixed seed), each with its own hours
(a weekday pattern, a start on the quarter hour, 8, 10 or 12 hours long), so that the
week has hundreds of distinct sets of units on duty.

1. The combination of each unit's own polygons (:class:`heartgeo.analysis.unitcover.
   UnitCuts`) against measuring the dissolved polygons of each set, set by set (the way
   before, :func:`heartgeo.testing.brute_force.residents_set_by_set`), for 50 units, on
   the bundled data with the crow-fly model: both must give the same residents. Prints
   ``RATIO duty_sets_vs_set_by_set <set-by-set s / heartgeo s>``.
2. ``heartgeo coverage --staging <400 units>`` end to end (median of three), against the
   target of one minute, with the time of the hour-of-week step.
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from heartgeo import Settings, prepare  # noqa: E402
from heartgeo.analysis.unitcover import UnitCuts  # noqa: E402
from heartgeo.analysis.weekly import DutySets  # noqa: E402
from heartgeo.config import LONLAT_CRS, METRIC_CRS  # noqa: E402
from heartgeo.io.hours import parse_hours  # noqa: E402
from heartgeo.testing.brute_force import residents_set_by_set  # noqa: E402

DAYS = ("Mon-Fri", "daily", "Sat-Sun", "Mon-Thu", "Tue-Sat", "Wed-Sun")
TARGET_S = 60.0


def staggered_units(city: shapely.Geometry, n: int, seed: int = 7) -> gpd.GeoDataFrame:
    """``n`` units at random in ``city`` (metres), each with its own hours."""
    rng = np.random.default_rng(seed)
    minx, miny, maxx, maxy = city.bounds
    shapely.prepare(city)
    xy = []
    while len(xy) < n:
        x, y = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
        if shapely.contains_xy(city, x, y):
            xy.append((x, y))
    hours = []
    for _ in range(n):
        start, minute = int(rng.integers(0, 14)), int(rng.choice([0, 15, 30, 45]))
        end = (start + int(rng.choice([8, 10, 12]))) % 24
        days = DAYS[int(rng.integers(0, len(DAYS)))]
        hours.append(f"{days} {start:02d}:{minute:02d}-{end:02d}:{minute:02d}")
    return gpd.GeoDataFrame(
        {"id": [f"u{i}" for i in range(n)], "name": [f"Unit {i}" for i in range(n)]}
        | {"hours": hours},
        geometry=gpd.points_from_xy(*np.array(xy).T),
        crs=METRIC_CRS,
    )


def write_csv(units: gpd.GeoDataFrame, path: Path) -> None:
    ll = units.to_crs(LONLAT_CRS)
    frame = ll.drop(columns="geometry").assign(lon=ll.geometry.x, lat=ll.geometry.y)
    frame.to_csv(path, index=False)


def combine_vs_set_by_set(study, n_units: int) -> str:
    """Part 1: the residents within 10 min for every set, both ways; returns the RATIO."""
    units = staggered_units(study.areas["citywide"].geometry, n_units)
    sets = DutySets.from_masks(np.array([parse_hours(h) for h in units["hours"]])).sets
    sets = sets[sets.any(axis=1)]
    area = study.areas["citywide"].geometry
    _, per_unit = study.model.isochrones(units, (10.0,), shapely.box(*area.bounds))
    polygons = list(per_unit.geometry)
    zone = study.grid.zone(None)
    start = time.perf_counter()
    ours = UnitCuts.build(study.grid, zone, polygons).residents(sets)
    t_ours = time.perf_counter() - start
    start = time.perf_counter()
    theirs = residents_set_by_set(study.grid, zone, polygons, sets)
    t_theirs = time.perf_counter() - start
    worst = float(np.max(np.abs(ours - theirs)))
    print(f"{n_units} units, {len(sets)} distinct sets on duty, 10-min band, crow-fly model")
    print(f"  set by set (dissolve each set, cut the cells): {t_theirs:8.2f} s")
    print(f"  heartgeo (each unit cut once, combined):       {t_ours:8.2f} s")
    print(f"  largest difference: {worst:.2e} residents")
    if worst > 1e-3:
        raise SystemExit("the two measures disagree")
    return f"RATIO duty_sets_vs_set_by_set {t_theirs / t_ours:.1f}"


def end_to_end(study, n_units: int, runs: int) -> None:
    """Part 2: ``heartgeo coverage`` with ``n_units`` staggered units, timed."""
    units = staggered_units(study.areas["citywide"].geometry, n_units)
    with tempfile.TemporaryDirectory() as tmp:
        staging = Path(tmp) / "units.csv"
        write_csv(units, staging)
        walls, steps = [], []
        for _ in range(runs):
            cmd = [sys.executable, "-m", "heartgeo.cli", "coverage", "--staging", str(staging)]
            cmd += ["--travel-model", "crowfly", "--out", str(Path(tmp) / "out")]
            start = time.perf_counter()
            done = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, check=True)
            walls.append(time.perf_counter() - start)
            found = re.search(r"Coverage by hour of the week: done \(([\d.]+) s\)", done.stderr)
            steps.append(float(found.group(1)) if found else float("nan"))
            sets = re.search(r"([\d,]+) set\(s\) of units on duty", done.stderr)
    wall, step = statistics.median(walls), statistics.median(steps)
    print(f"heartgeo coverage, {n_units} staggered units ({sets.group(1)} sets besides all)")
    print(f"  whole command (median of {runs}): {wall:.1f} s; hour-of-week step {step:.1f} s")
    print(f"  target: under {TARGET_S:.0f} s: {'met' if wall < TARGET_S else 'NOT met'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100 units, one run")
    args = parser.parse_args()
    study = prepare(Settings(travel_model="crowfly"), areas=("citywide",))
    ratio = combine_vs_set_by_set(study, 50)
    end_to_end(study, 100 if args.quick else 400, 1 if args.quick else 3)
    print(ratio)


if __name__ == "__main__":
    main()
