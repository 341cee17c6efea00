"""Size, screenshot size and load time of every HTML page of a run, in headless Chromium.

    heartgeo report --out out && heartgeo site --out out/site
    python benchmarks/pages.py out

Each page is opened three times per window size (1280 x 720 and 1920 x 1080) with
networking blocked; the table gives medians: the page's own ready time (maps, which
record it) and the wall time including Chromium's start. Any page error stops the run.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from heartgeo.viz.browser import load_page  # noqa: E402

SIZES = ((1280, 720), (1920, 1080))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="an output folder of heartgeo report")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    pages = sorted(args.out.rglob("*.html"))
    print("| page | file size | window | PNG | ready | wall |\n|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for page in pages:
            for width, height in SIZES:
                ready, wall, png_bytes = [], [], []
                for i in range(args.runs):
                    png = Path(tmp) / f"{page.stem}-{width}-{i}.png"
                    check = load_page(page, png=png, size=(width, height))
                    if check.errors or check.console:
                        sys.exit(f"{page}: {check.errors or check.console}")
                    ready.append(check.ready_ms)
                    wall.append(check.wall_s)
                    png_bytes.append(png.stat().st_size)
                shown = "n/a" if None in ready else f"{statistics.median(ready):.0f} ms"
                print(
                    f"| {page.relative_to(args.out)} | {page.stat().st_size / 1e6:.2f} MB | "
                    f"{width}x{height} | {statistics.median(png_bytes) / 1e3:.0f} kB | {shown} | "
                    f"{statistics.median(wall):.2f} s |"
                )


if __name__ == "__main__":
    main()
