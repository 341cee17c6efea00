"""Writing outputs all-or-nothing, and the run manifest.

All files of a run are first written into a hidden temporary folder inside the output
directory (``.heartgeo-tmp-*``, with the writing process's id). When every file is
complete and flushed to disk, a journal (``.heartgeo-journal.json``) naming the folder
and its files is written atomically, the files are moved into place (``os.replace``),
and the journal and folder are removed. The journal makes the switch one step: a run
killed while moving leaves the journal, and the next heartgeo command writing to that
directory (or :func:`recover`) completes the moves first, so the directory always ends
up holding one run's outputs, never a mix. A run killed before its journal leaves the
earlier outputs as they were; its temporary folder is removed by the next run once its
process is gone. Errors (a full disk too) end as one-line :class:`InputError`.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import shutil
import tempfile
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from heartgeo.config import LONLAT_CRS
from heartgeo.errors import InputError
from heartgeo.io.layers import split_layer
from heartgeo.io.tables import tidy_table

VERSIONED_PACKAGES = (
    "heartgeo",
    "geopandas",
    "shapely",
    "pyogrio",
    "pyproj",
    "osmnx",
    "networkx",
    "numpy",
    "pandas",
    "scipy",
    "folium",
    "click",
)


def sha256(path: str | Path) -> str:
    """Hex sha256 of a file."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def versions() -> dict[str, str]:
    """Installed versions of heartgeo and the packages its results depend on."""
    out = {}
    for name in VERSIONED_PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def input_record(name: str, path: str | Path) -> dict[str, Any]:
    """Manifest entry of an input file: path (and layer, for ``FILE:LAYER``), size and
    sha256 of the file.
    """
    file, layer = split_layer(path)
    file = file.resolve()
    record = {"name": name, "path": str(file), "bytes": file.stat().st_size, "sha256": sha256(file)}
    return record | ({"layer": layer} if layer is not None else {})


def run_record(study) -> dict[str, Any]:
    """The part every manifest of a run shares (``summary.json``, ``simulation_summary.json``,
    ``site_summary.json``): heartgeo's version, the time, the travel model, the parameters,
    the inputs with their sha256 and the packages' versions.
    """
    from heartgeo import __version__

    return {
        "heartgeo_version": __version__,
        "created": utc_now(),
        "travel_model": study.model.describe(),
        "parameters": study.settings.as_dict(),
        "inputs": [input_record(k, v) for k, v in sorted(study.inputs.items())],
        "versions": versions(),
    }


def utc_now() -> str:
    """The current UTC time, ISO 8601, to the second."""
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def _jsonable(value):
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating | float):
        value = float(value)
        return round(value, 6) if np.isfinite(value) else None
    if isinstance(value, Path):
        return str(value)
    return value


#: Decimal places of lon/lat in GeoJSON outputs (1e-6 degree: about 0.1 m).
GEOJSON_DECIMALS = 6


def geojson_text(frame: gpd.GeoDataFrame) -> str:
    """A FeatureCollection (RFC 7946) written with GEOS's GeoJSON writer, deterministically.

    Coordinates are projected to lon/lat and rounded to :data:`GEOJSON_DECIMALS` places in
    one pass (half up, as GEOS's pointwise ``set_precision`` rounds, bit for bit).
    """
    from pyproj import Transformer

    to_lonlat = Transformer.from_crs(frame.crs, LONLAT_CRS, always_xy=True)
    scale = 10.0**GEOJSON_DECIMALS

    def project(xy: np.ndarray) -> np.ndarray:
        x, y = to_lonlat.transform(xy[:, 0], xy[:, 1])
        return np.floor(np.column_stack([x, y]) * scale + 0.5) / scale

    geoms = shapely.transform(frame.geometry.to_numpy(), project)
    geoms = shapely.orient_polygons(geoms, exterior_cw=False)
    texts = shapely.to_geojson(geoms)
    props = frame.drop(columns=frame.geometry.name)
    records = props.to_dict(orient="records")
    features = [
        '{"type":"Feature","properties":'
        + json.dumps(_jsonable(rec), allow_nan=False)
        + ',"geometry":'
        + (geom if geom is not None else "null")
        + "}"
        for rec, geom in zip(records, texts, strict=True)
    ]
    return '{"type":"FeatureCollection","features":[\n' + ",\n".join(features) + "\n]}\n"


#: The journal of a switch in progress, and the prefix of the temporary folders.
JOURNAL = ".heartgeo-journal.json"
TMP_PREFIX = ".heartgeo-tmp-"
OWNER = ".owner-pid"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _move(src: Path, dst: Path) -> None:
    """One step of a switch: move a finished file into place (atomic on one file system)."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    os.replace(src, dst)


def _fsync(path: Path) -> None:
    with open(path, "rb") as f:
        os.fsync(f.fileno())


def recover(out_dir: str | Path) -> list[str]:
    """Finish an interrupted switch in ``out_dir`` and remove temporary folders of runs that
    are gone. Returns what was done, one line each (for a warning).
    """
    out_dir = Path(out_dir)
    done = []
    journal = out_dir / JOURNAL
    if journal.exists():
        try:
            entry = json.loads(journal.read_text(encoding="utf-8"))
            tmp, names = out_dir / entry["tmp"], list(entry["files"])
        except (ValueError, KeyError, TypeError, OSError):
            tmp, names = None, []
        if tmp is not None and tmp.is_dir():
            for name in names:
                if (tmp / name).exists():
                    _move(tmp / name, out_dir / name)
            done.append(f"completed the interrupted writing of {len(names)} outputs")
        journal.unlink(missing_ok=True)
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
    for folder in out_dir.glob(TMP_PREFIX + "*"):
        try:
            pid = int((folder / OWNER).read_text())
        except (OSError, ValueError):
            pid = None
        if pid is None or not _pid_alive(pid):
            shutil.rmtree(folder, ignore_errors=True)
            done.append(f"removed {folder.name}, left by an interrupted run")
    return done


class OutputSet:
    """A set of output files written all-or-nothing into ``out_dir``.

    Use as a context manager: ``with OutputSet(out) as outs: outs.path("a.csv")...``.
    Files appear in ``out_dir`` only if the block finishes without error, and then all of
    them as one switch (see the module's description).

    Parameters
    ----------
    out_dir
        The output directory (created if needed).
    warn
        Called with a line for each repair of an earlier interrupted run.
    inputs
        The run's input files (``FILE:LAYER`` allowed): an output that would replace one
        of them is refused, and nothing is written.
    """

    def __init__(self, out_dir: str | Path, warn=None, inputs=()):
        self.out_dir = Path(out_dir)
        self.files: dict[str, str] = {}
        self._tmp: Path | None = None
        self._warn = warn or (lambda _line: None)
        self._inputs = {split_layer(p)[0].resolve(): str(p) for p in inputs if p is not None}

    def __enter__(self) -> OutputSet:
        if self.out_dir.is_symlink() and not self.out_dir.exists():
            raise InputError(
                f"output directory {self.out_dir} is a broken symbolic link (to "
                f"{os.readlink(self.out_dir)}): fix the link or choose another --out"
            )
        try:
            self.out_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise InputError(
                f"output directory {self.out_dir} cannot be created ({exc.strerror or exc}): "
                "choose another --out"
            ) from None
        if not os.access(self.out_dir, os.W_OK):
            raise InputError(
                f"output directory {self.out_dir} is not writable: choose another --out"
            )
        for line in recover(self.out_dir):
            self._warn(f"{self.out_dir}: {line}")
        self._tmp = Path(tempfile.mkdtemp(prefix=TMP_PREFIX, dir=self.out_dir))
        (self._tmp / OWNER).write_text(str(os.getpid()))
        return self

    def path(self, name: str, description: str = "") -> Path:
        """Temporary path where the output ``name`` is to be written."""
        assert self._tmp is not None
        final = (self.out_dir / name).resolve()
        if final in self._inputs:
            raise InputError(
                f"--out {self.out_dir}: the output {name} would overwrite the input "
                f"{self._inputs[final]}: copy the input elsewhere or choose another --out"
            )
        self.files[name] = description
        target = self._tmp / name
        target.parent.mkdir(parents=True, exist_ok=True)
        return target

    def records(self) -> list[dict[str, Any]]:
        """Manifest entries (name, description, bytes, sha256) of the files written so far."""
        assert self._tmp is not None
        out = []
        for name, description in sorted(self.files.items()):
            p = self._tmp / name
            if p.exists():
                out.append(
                    {
                        "path": name,
                        "description": description,
                        "bytes": p.stat().st_size,
                        "sha256": sha256(p),
                    }
                )
        return out

    def stale(self) -> list[str]:
        """Files already in ``out_dir`` that this set does not write (left as they are)."""
        names = set(self.files)
        return sorted(
            str(p.relative_to(self.out_dir))
            for p in self.out_dir.iterdir()
            if p.is_file() and not p.name.startswith(".") and p.name not in names
        )

    def __exit__(self, exc_type, exc, tb) -> None:
        assert self._tmp is not None
        try:
            if exc_type is None:
                self._switch()
        except OSError as error:
            exc_type, exc = type(error), error
        finally:
            switching = (self.out_dir / JOURNAL).exists()
            if not switching:  # else the next run completes the switch from the folder
                shutil.rmtree(self._tmp, ignore_errors=True)
        if exc_type is not None and issubclass(exc_type, OSError):
            why = "no space left on device" if exc.errno == errno.ENOSPC else exc.strerror
            state = (
                "the next run into it completes this one's switch"
                if switching
                else "the earlier outputs are as they were"
            )
            raise InputError(
                f"writing the outputs into {self.out_dir} failed ({why or exc}): free some space "
                f"or choose another --out; {state}"
            ) from None

    def _switch(self) -> None:
        names = [n for n in self.files if (self._tmp / n).exists()]
        for name in names:
            _fsync(self._tmp / name)
        journal = self.out_dir / JOURNAL
        tmp_journal = self._tmp / JOURNAL
        tmp_journal.write_text(json.dumps({"tmp": self._tmp.name, "files": names}))
        _fsync(tmp_journal)
        os.replace(tmp_journal, journal)  # from here on the switch is decided
        for name in names:
            _move(self._tmp / name, self.out_dir / name)
        journal.unlink()
        with contextlib.suppress(OSError):
            dir_fd = os.open(self.out_dir, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)

    # writers ---------------------------------------------------------------

    def csv(self, name: str, frame: pd.DataFrame, description: str = "") -> None:
        """Write a table as CSV, rounded for a reader (:func:`tidy_table`), Unix line ends."""
        tidy_table(frame).to_csv(self.path(name, description), index=False, lineterminator="\n")

    def json(self, name: str, data: dict, description: str = "") -> None:
        """Write a JSON document (NaN and infinity refused)."""
        with open(self.path(name, description), "w", encoding="utf-8") as f:
            json.dump(_jsonable(data), f, indent=2, sort_keys=False, allow_nan=False)
            f.write("\n")

    def geojson(self, name: str, frame: gpd.GeoDataFrame, description: str = "") -> None:
        """GeoJSON in WGS84 (RFC 7946: lon/lat, counter-clockwise shells), coordinates
        rounded to 1e-6 degrees (about 0.1 m).
        """
        with open(self.path(name, description), "w", encoding="utf-8") as f:
            f.write(geojson_text(frame))

    def gpkg(self, name: str, layers: dict[str, gpd.GeoDataFrame], description: str = "") -> None:
        """A GeoPackage with one layer per item, in the metric CRS (EPSG:32119)."""
        import sqlite3

        target = self.path(name, description)
        try:
            for layer, frame in layers.items():
                frame.to_file(target, driver="GPKG", layer=layer, engine="pyogrio")
        except OSError:
            raise
        except Exception as exc:  # GDAL's errors (a full disk among them) are not OSErrors
            reason = " ".join(str(exc).split()) or type(exc).__name__
            raise OSError(errno.EIO, f"GeoPackage {name}: {reason}") from None
        # GDAL stamps each layer with the current time; a fixed stamp keeps files reproducible
        with sqlite3.connect(target) as db:
            db.execute("UPDATE gpkg_contents SET last_change = '2000-01-01T00:00:00.000Z'")
        # GDAL's number of write transactions varies from run to run, and SQLite counts
        # them in the file's header: a vacuumed copy (its header and application id kept,
        # counter 1) holds the same content in the same bytes every time
        packed = target.with_name(target.name + ".vacuum")
        packed.unlink(missing_ok=True)
        db.execute("VACUUM INTO ?", (str(packed),))
        db.close()
        os.replace(packed, target)

    def text(self, name: str, text: str, description: str = "") -> None:
        """Write a text file (UTF-8)."""
        with open(self.path(name, description), "w", encoding="utf-8") as f:
            f.write(text)
