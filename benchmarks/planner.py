"""The planner's page: time to update after one site moves, measured inside headless
Chromium with ``performance.now()``, against rerunning ``heartgeo coverage`` on the same
sites (the planner's alternative), and the page's size; for the crow-fly model on the
bundled data and for the road network's model on a SYNTHETIC city-size street grid
(about 20,000 nodes, written as OSM XML).

    python benchmarks/planner.py
    python benchmarks/planner.py --moves 41

Prints per case the median update (the model alone, and with the map and tables redrawn)
over ``--moves`` moves of one site (the first, a warm-up, left out), the median of three
``heartgeo coverage`` runs, the page's size against its target, and
``RATIO planner_update_vs_cli_coverage_<case> <coverage seconds / update seconds>``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from heartgeo.viz.cdp import Browser  # noqa: E402

READY = "document.body && document.body.getAttribute('data-heartgeo-planner-ready')"


def heartgeo(*args: str) -> float:
    """Run a heartgeo command (quiet); its wall time in seconds."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "heartgeo.cli", *args, "--quiet"], check=True,
                   stdout=subprocess.DEVNULL)  # fmt: skip
    return time.perf_counter() - start


def page_moves(page: Path, moves: int) -> tuple[list[float], list[float], str]:
    """Move the first site ``moves`` times (100 m east each); the update times (ms): the
    model alone, and with the redraw; and the sites as a staging CSV.
    """
    compute, total = [], []
    with Browser((1280, 720)) as b:
        b.open(page, READY)
        for k in range(moves):
            b.run("var s = window.heartgeoPlanner.sites(); s[0].lon += 0.0011 * (" + str(k % 2) +
                  " ? -1 : 1); window.heartgeoPlanner.setSites(s)")  # fmt: skip
            compute.append(b.run("window.heartgeoPlanner.lastComputeMs()"))
            total.append(b.run("window.heartgeoPlanner.lastUpdateMs()"))
        csv_text = b.run("window.heartgeoPlanner.exportCsv()")
    return compute[1:], total[1:], csv_text


CASES = {  # name: (model options, update target ms, size target MB)
    "crowfly": (("--travel-model", "crowfly"), 50.0, 3.0),
    "network": (("--travel-model", "network"), 200.0, 8.0),
}


def run_case(name: str, out: Path, moves: int) -> None:
    """One model: the page's updates, three command-line runs, the size; printed."""
    from heartgeo.testing.synthetic import write_synthetic_osm

    model, target_ms, target_mb = CASES[name]
    if name == "network":
        osm = out / "synthetic_city.osm"
        write_synthetic_osm(osm, 20_000)
        model = ("--network", str(osm), *model)
    heartgeo("plan", *model, "--no-basemap", "--out", str(out / f"p_{name}"))
    page = out / f"p_{name}" / "planner.html"
    size_mb = page.stat().st_size / 1e6
    compute, total, csv_text = page_moves(page, moves)
    staging = out / f"sites_{name}.csv"
    staging.write_text(csv_text)
    cli = [heartgeo("coverage", *model, "--staging", str(staging), "--out", str(out / f"c{i}"))
           for i in range(3)]  # fmt: skip
    med_c, med_t, med_cli = (
        statistics.median(compute),
        statistics.median(total),
        statistics.median(cli),
    )
    what = "bundled data" if name == "crowfly" else "SYNTHETIC city grid, 20,000 nodes"
    print(f"| {name}, {what}, one site moved: model | {med_c:.1f} ms | |")
    print(f"| {name}, {what}, one site moved: model and redraw | {med_t:.1f} ms | "
          f"< {target_ms:g} ms ({'met' if med_t < target_ms else 'NOT met'}) |")  # fmt: skip
    print(f"| {name}: heartgeo coverage on the same sites (3 runs) | {med_cli:.2f} s | |")
    print(f"| {name}: page size | {size_mb:.2f} MB | < {target_mb:g} MB "
          f"({'met' if size_mb < target_mb else 'NOT met'}) |")  # fmt: skip
    print(json.dumps({"case": name, "model_ms": compute, "update_ms": total, "cli_s": cli}))
    print(f"RATIO planner_update_vs_cli_coverage_{name} {med_cli / (med_t / 1000):.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--moves", type=int, default=21)
    parser.add_argument("--case", choices=list(CASES), action="append")
    args = parser.parse_args()
    print("| case | median | target |\n|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.case or list(CASES):
            run_case(name, Path(tmp), args.moves)


if __name__ == "__main__":
    main()
