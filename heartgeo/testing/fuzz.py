"""Fuzz the staging-point and boundary readers, for a number of inputs or a time budget.

    python -m heartgeo.testing.fuzz --seconds 60
    python -m heartgeo.testing.fuzz --examples 2000

Feeds generated files (random bytes, mangled CSV, mangled GeoJSON) to
:func:`heartgeo.io.staging.read_staging` and :func:`heartgeo.io.layers.read_layer`.
Each must either return a result or raise :class:`heartgeo.errors.InputError` with a
one-line message; anything else (a traceback) is a failure: hypothesis prints the
failing input (its shrunk example) with the traceback, and the command exits with 1.
Test support, not used by a run of heartgeo; needs ``hypothesis`` (a test extra).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import traceback
import warnings
from pathlib import Path

from heartgeo.errors import InputError
from heartgeo.io.layers import read_layer
from heartgeo.io.staging import read_staging

SUFFIXES = (".csv", ".geojson", ".json", ".gpkg", ".txt")


def _strategies():
    from hypothesis import strategies as st

    number = st.one_of(
        st.floats(allow_nan=True, allow_infinity=True),
        st.integers(-(10**12), 10**12),
        st.sampled_from(["", "nan", "inf", "-78.9", "36.0", "1e400", "abc", " 12 ", "0x10"]),
    )
    cell = st.one_of(number.map(str), st.text(max_size=12))
    header = st.lists(
        st.sampled_from(["id", "name", "lon", "lat", "longitude", "latitude", "x", "y", "LON", ""])
        | st.text(max_size=6),
        min_size=0,
        max_size=5,
    )
    csv_text = st.builds(
        lambda h, rows, sep: sep.join(h) + "\n" + "\n".join(sep.join(r) for r in rows),
        header,
        st.lists(st.lists(cell, max_size=6), max_size=5),
        st.sampled_from([",", ";", "\t", ", "]),
    )
    coords = st.lists(st.lists(number, min_size=0, max_size=3), max_size=6)
    geometry = st.one_of(
        st.none(),
        st.builds(lambda c: {"type": "Point", "coordinates": c[0] if c else []}, coords),
        st.builds(lambda c: {"type": "Polygon", "coordinates": [c]}, coords),
        st.builds(lambda t, c: {"type": t, "coordinates": c}, st.text(max_size=12), coords),
    )
    feature = st.builds(
        lambda g, p: {"type": "Feature", "geometry": g, "properties": p},
        geometry,
        st.dictionaries(st.sampled_from(["id", "LAWBEAT", "Station", "name"]), number, max_size=3),
    )
    geojson_text = st.builds(
        lambda feats, crs, cut: json.dumps(
            {"type": "FeatureCollection", "features": feats, **crs},
            default=str,
        )[: cut or None],
        st.lists(feature, max_size=4),
        st.sampled_from([{}, {"crs": {"type": "name", "properties": {"name": "EPSG:99999"}}}]),
        st.integers(0, 400),
    )
    return st.one_of(
        st.tuples(st.just(".csv"), csv_text.map(str.encode)),
        st.tuples(st.sampled_from([".geojson", ".json"]), geojson_text.map(str.encode)),
        st.tuples(st.sampled_from(SUFFIXES), st.binary(max_size=300)),
    )


def check_one(suffix: str, data: bytes, folder: Path) -> None:
    """Read ``data`` as a staging file and as a boundary layer; only InputError may escape."""
    path = folder / f"input{suffix}"
    path.write_bytes(data)
    for reader in (read_staging, lambda p: read_layer(p, ("LAWBEAT",), what="fuzz layer")):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                reader(path)
        except InputError as exc:
            if "\n" in str(exc):
                raise AssertionError(f"multi-line error message: {exc!r}") from None


def run(seconds: float | None = None, examples: int | None = None) -> int:
    """Fuzz until ``examples`` inputs were tried or about ``seconds`` passed (at least one
    batch of 50); return the number of inputs tried. Raises on a failure.
    """
    from hypothesis import HealthCheck, given, settings

    if seconds is None and examples is None:
        raise ValueError("give seconds or examples")
    tried = 0
    deadline = time.monotonic() + seconds if seconds is not None else float("inf")
    enough = examples if examples is not None else float("inf")
    with tempfile.TemporaryDirectory(prefix="heartgeo-fuzz-") as tmp:
        folder = Path(tmp)

        @settings(
            max_examples=50,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(_strategies())
        def batch(case):
            nonlocal tried
            tried += 1
            check_one(case[0], case[1], folder)

        while True:
            batch()
            if tried >= enough or time.monotonic() >= deadline:
                break
    return tried


def main(argv: list[str] | None = None) -> None:
    """Command line: ``python -m heartgeo.testing.fuzz --seconds 60``."""
    parser = argparse.ArgumentParser(description="Fuzz heartgeo's staging and boundary readers.")
    parser.add_argument("--seconds", type=float, default=None, help="time budget (seconds)")
    parser.add_argument("--examples", type=int, default=None, help="number of inputs")
    args = parser.parse_args(argv)
    start = time.monotonic()
    try:
        tried = run(args.seconds if args.examples else (args.seconds or 60.0), args.examples)
    except Exception:
        traceback.print_exc()
        print("fuzz: FAILED: an input produced a traceback (shown above)", file=sys.stderr)
        sys.exit(1)
    print(f"fuzz: {tried} inputs in {time.monotonic() - start:.0f} s, no traceback")


if __name__ == "__main__":
    main()
