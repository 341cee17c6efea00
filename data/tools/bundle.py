"""Rebuild the bundled Durham inputs under ``data/`` from the workspace's source mirror.

Maintainers' tool, run once when a source file changes (never by heartgeo itself)::

    python data/tools/bundle.py ../shared/data/durham

Each file listed in ``FILES`` is copied from the mirror: GeoJSON polygon layers with
their coordinates rounded to ``DECIMALS`` decimal places of a degree (at most 0.056 m
at Durham's latitude; the largest shift actually measured, in EPSG:32119, is recorded),
written compactly; every other file byte for byte. The manifest ``data/manifest.json``
is rewritten with each file's origin, licence, attribution, size, sha256 and the
measured vertex shift; everything else in the manifest (fetch URLs, required columns,
definitions) is kept as it is.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import sys
from pathlib import Path

import numpy as np
import shapely
from pyproj import Transformer

DATA = Path(__file__).resolve().parents[1]
#: Decimal places kept in bundled GeoJSON coordinates (1e-7 degree is about 1 cm).
DECIMALS = 7
#: Largest vertex shift allowed by the bundling (metres).
MAX_SHIFT_M = 0.5

#: Bundled file -> (source path inside the mirror, how it is stored).
FILES = {
    "boundaries/city_limits_2025.geojson": ("boundaries/city_limits_2025.geojson", "round"),
    "boundaries/police_beats_2022.geojson": ("boundaries/police_beats_2022.geojson", "round"),
    "boundaries/police_districts_2025.geojson": (
        "boundaries/police_districts_2025.geojson",
        "round",
    ),
    "census/tracts_acs_2020_2024.geojson": ("census/tracts_acs_2020_2024.geojson", "round"),
    "census/nc_tracts_2020_pl94171.csv": ("census/nc_tracts_2020_pl94171.csv", "copy"),
    "census/nc_places_2020_pl94171.csv": ("census/nc_places_2020_pl94171.csv", "copy"),
    "facilities/fire_stations_geocoded.geojson": (
        "facilities/fire_stations_geocoded.geojson",
        "copy",
    ),
    "roads/osm_central_durham_2024-01-24.osm": ("roads/osm_central_durham_2024-01-24.osm", "copy"),
}


def _round(obj, decimals: int):
    if isinstance(obj, float):
        return round(obj, decimals)
    if isinstance(obj, list):
        return [_round(x, decimals) for x in obj]
    return obj


def rounded_geojson(src: Path, dst: Path) -> float:
    """Write ``src`` with rounded coordinates to ``dst``; return the largest shift (m)."""
    data = json.loads(src.read_text(encoding="utf-8"))
    for feature in data["features"]:
        geom = feature.get("geometry")
        if geom:
            geom["coordinates"] = _round(geom["coordinates"], DECIMALS)
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    dst.write_text(text + "\n", encoding="utf-8")
    before = json.loads(src.read_text(encoding="utf-8"))["features"]
    after = data["features"]
    to_m = Transformer.from_crs("EPSG:4326", "EPSG:32119", always_xy=True)
    shift = 0.0
    for i, (f0, f1) in enumerate(zip(before, after, strict=True)):
        if not f0.get("geometry"):
            continue
        g0, g1 = shapely.geometry.shape(f0["geometry"]), shapely.geometry.shape(f1["geometry"])
        if g0.is_valid and not g1.is_valid:
            raise SystemExit(f"{src}: rounding made feature {i} invalid; keep more decimals")
        a, b = shapely.get_coordinates(g0), shapely.get_coordinates(g1)
        ax, ay = to_m.transform(a[:, 0], a[:, 1])
        bx, by = to_m.transform(b[:, 0], b[:, 1])
        shift = max(shift, float(np.max(np.hypot(ax - bx, ay - by))))
    return shift


def sha256(path: Path) -> str:
    """The sha256 of a file, in hex."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def main(argv: list[str] | None = None) -> int:
    """Rebuild the bundled files and the manifest; 0 on success."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mirror", type=Path, help="the source mirror, e.g. ../shared/data/durham")
    args = parser.parse_args(argv)
    manifest_path = DATA / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    for rel, (src_rel, how) in FILES.items():
        src, dst = args.mirror / src_rel, DATA / rel
        dst.parent.mkdir(parents=True, exist_ok=True)
        entry = manifest["files"][rel]
        if how == "round":
            shift = rounded_geojson(src, dst)
            if shift > MAX_SHIFT_M:
                print(f"{rel}: a vertex moved {shift:.3f} m (> {MAX_SHIFT_M} m)", file=sys.stderr)
                return 1
            entry["stored_as"] = f"GeoJSON, coordinates rounded to {DECIMALS} decimals"
            entry["max_vertex_shift_m"] = round(shift, 4)
        else:
            shutil.copyfile(src, dst)
            entry["stored_as"] = "byte-identical copy"
            entry["max_vertex_shift_m"] = 0.0
        entry["source_sha256"] = sha256(src)
        entry["sha256"] = sha256(dst)
        entry["bytes"] = dst.stat().st_size
        print(f"{rel}: {src.stat().st_size:,} -> {dst.stat().st_size:,} bytes")
    for rel, entry in manifest["files"].items():
        if rel not in FILES:  # hand-written definitions
            entry["sha256"] = sha256(DATA / rel)
            entry["bytes"] = (DATA / rel).stat().st_size
    manifest_path.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
