"""Start-up cost of the command line: ``heartgeo --help`` against its 1 s target, and which
heavy libraries it imports (osmnx, folium and scipy.optimize belong only where used).

    python benchmarks/startup.py            # three runs (median)
    python benchmarks/startup.py --runs 7

Prints each run's wall time, the median, the heavy modules that ``--help`` imports (from
``python -X importtime``), and ``RATIO help_vs_1s_target <1 s / median>``.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

HEAVY = ("osmnx", "folium", "scipy.optimize", "networkx", "matplotlib")
TARGET_S = 1.0


def help_seconds() -> float:
    """Wall seconds of one ``heartgeo --help`` in a fresh interpreter."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "heartgeo.cli", "--help"], check=True,
                   stdout=subprocess.DEVNULL)  # fmt: skip
    return time.perf_counter() - start


def heavy_imports() -> list[str]:
    """The modules of :data:`HEAVY` that ``heartgeo --help`` imports."""
    out = subprocess.run([sys.executable, "-X", "importtime", "-m", "heartgeo.cli", "--help"],
                         check=True, capture_output=True, text=True)  # fmt: skip
    names = {line.split("|")[-1].strip() for line in out.stderr.splitlines() if "|" in line}
    return [m for m in HEAVY if m in names]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print(run_startup(args.runs))


def run_startup(runs: int = 3) -> str:
    """The measurement, printed as it goes; returns the RATIO line."""
    help_seconds()  # a warm-up: the first run pays for the disk cache
    times = [help_seconds() for _ in range(runs)]
    med = statistics.median(times)
    verdict = "met" if med < TARGET_S else "NOT met"
    print(f"   heartgeo --help: {', '.join(f'{t:.2f}' for t in times)} s -> median {med:.2f} s "
          f"(target < {TARGET_S:g} s: {verdict})")  # fmt: skip
    heavy = heavy_imports()
    print(f"   heavy modules imported by --help: {', '.join(heavy) if heavy else 'none'} "
          f"(of {', '.join(HEAVY)})")  # fmt: skip
    return f"RATIO help_vs_1s_target {TARGET_S / med:.2f}"


if __name__ == "__main__":
    main()
