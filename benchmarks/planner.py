"""The planner's page: time to update after one site moves, measured inside headless
Chromium with ``performance.now()``, against rerunning ``heartgeo coverage`` on the same
sites (the planner's alternative), and the page's size.

    python benchmarks/planner.py            # bundled data, crow-fly model
    python benchmarks/planner.py --moves 41

Prints the median update (the model alone, and with the map and tables redrawn) over
``--moves`` moves of one site (the first, a warm-up, left out), the median of three
``heartgeo coverage`` runs, the page's size against its 3 MB target, and
``RATIO planner_update_vs_cli_coverage <coverage seconds / update seconds>``. The road
network's model is not in the page yet: said so.
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
TARGET_MS, TARGET_MB = 50.0, 3.0


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--moves", type=int, default=21)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        heartgeo("plan", "--travel-model", "crowfly", "--no-basemap", "--out", str(out / "p"))
        page = out / "p" / "planner.html"
        size_mb = page.stat().st_size / 1e6
        compute, total, csv_text = page_moves(page, args.moves)
        staging = out / "sites.csv"
        staging.write_text(csv_text)
        cli = [heartgeo("coverage", "--travel-model", "crowfly", "--staging", str(staging),
                        "--out", str(out / f"c{i}")) for i in range(3)]  # fmt: skip
    med_c, med_t, med_cli = (
        statistics.median(compute),
        statistics.median(total),
        statistics.median(cli),
    )
    print("| case | median | target |\n|---|---|---|")
    print(f"| crow-fly, bundled data, one site moved: model | {med_c:.1f} ms | |")
    print(f"| crow-fly, bundled data, one site moved: model and redraw | {med_t:.1f} ms | "
          f"< {TARGET_MS:g} ms ({'met' if med_t < TARGET_MS else 'NOT met'}) |")  # fmt: skip
    print(f"| heartgeo coverage on the same sites (3 runs) | {med_cli:.2f} s | |")
    print(f"| page size, crow-fly | {size_mb:.2f} MB | < {TARGET_MB:g} MB "
          f"({'met' if size_mb < TARGET_MB else 'NOT met'}) |")  # fmt: skip
    print("| network model, synthetic city grid | not in the page yet | < 200 ms, < 8 MB |")
    print(json.dumps({"moves": len(total), "model_ms": compute, "update_ms": total}))
    print(f"RATIO planner_update_vs_cli_coverage {med_cli / (med_t / 1000):.1f}")


if __name__ == "__main__":
    main()
