"""A cache of prepared inputs (road network arrays, blocks, demand cells), verified
before it is trusted.

Preparing a city-wide network (parsing, filtering, simplifying, speeds) and the demand
cells is the slow part of a run; scenarios, bands and maps are cheap once they exist.
The cache stores them under a key made of the input files' sha256, every parameter that
shapes them, heartgeo's version and the source code of the modules that build them
(:data:`BUILDERS`), so a second run on the same inputs skips the preparation and a
changed input, parameter or builder never reuses a stale result.

Every entry carries the sha256 of its content and is checked on load: a damaged,
unreadable or wrongly typed entry is rebuilt (with one warning line), never trusted.
Entries are pickles, and unpickling runs code: the cache must live in the user's own
directory. A cache folder that others may write to is refused (the run goes on without
the cache, with a warning), as is a cache path that is not a folder.

Location: ``$HEARTGEO_CACHE``, else ``$XDG_CACHE_HOME/heartgeo``, else
``~/.cache/heartgeo``. Entries are written atomically; delete the folder to clear it, or
pass ``--no-cache``.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import io
import json
import os
import pickle
import stat
import tempfile
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import shapely

from heartgeo import __version__

CACHE_ENV = "HEARTGEO_CACHE"
#: Bump when the layout of cached objects changes.
FORMAT = 4
#: First bytes of every entry, then the sha256 of the rest.
MAGIC = b"heartgeo-cache\n"
#: The modules whose source code shapes each kind of entry.
BUILDERS = {
    "network": (
        "heartgeo.network.loading",
        "heartgeo.network.prepare",
        "heartgeo.network.arrays",
        "heartgeo.io.graphml",
        "heartgeo.io.osm",
        "heartgeo.io.layers",
        "heartgeo.geometry",
        "heartgeo.config",  # the default road speeds
    ),
    "blocks": ("heartgeo.network.blocks", "heartgeo.network.strokes", "heartgeo.network.arrays"),
    "demand": ("heartgeo.analysis.demand", "heartgeo.analysis.coverage", "heartgeo.geometry"),
}


def cache_dir() -> Path:
    """The cache folder (not created)."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "heartgeo"


@cache
def code_hash(kind: str) -> str:
    """sha256 of the source of the modules that build entries of ``kind``."""
    digest = hashlib.sha256()
    for name in BUILDERS.get(kind, ()):
        spec = importlib.util.find_spec(name)
        origin = spec.origin if spec is not None else None
        digest.update(name.encode())
        digest.update(Path(origin).read_bytes() if origin else b"?")
    return digest.hexdigest()


def make_key(kind: str, **parts: Any) -> str:
    """A hex key for ``kind`` from JSON-serialisable parts (checksums, parameters), the
    cache format, heartgeo's version and the builders' source code.
    """
    text = json.dumps(
        {"kind": kind, "format": FORMAT, "version": __version__, "code": code_hash(kind), **parts},
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _unsafe_folder(folder: Path) -> str | None:
    """Why ``folder`` cannot hold a cache that is safe to unpickle, or None."""
    if folder.exists() and not folder.is_dir():
        return "it is not a folder"
    probe = folder if folder.exists() else None
    if probe is None:
        return None
    info = probe.stat()
    if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH) and not info.st_mode & stat.S_ISVTX:
        return "others may write to it (entries are pickles, and unpickling runs code)"
    if hasattr(os, "getuid") and info.st_uid != os.getuid():
        return "it belongs to another user (entries are pickles, and unpickling runs code)"
    return None


class Cache:
    """Verified pickled objects by (kind, key); disabled when ``enabled`` is False.

    Parameters
    ----------
    enabled
        False: every lookup misses and nothing is stored.
    folder
        The cache folder (default :func:`cache_dir`).
    warn
        Called with one line for each entry rebuilt and for a refused folder.
    """

    def __init__(
        self,
        enabled: bool = True,
        folder: Path | None = None,
        warn: Callable[[str], None] | None = None,
    ):
        self.folder = folder or cache_dir()
        self.warn = warn or (lambda _line: None)
        self.enabled = enabled
        if enabled:
            why = _unsafe_folder(self.folder)
            if why:
                self.warn(f"cache {self.folder} not used: {why}; running without the cache")
                self.enabled = False

    def _path(self, kind: str, key: str) -> Path:
        return self.folder / f"{kind}-{key}.pickle"

    def get(self, kind: str, key: str, expected: type | tuple[type, ...] = object) -> Any | None:
        """The cached value of ``kind`` under ``key`` if it is intact and an ``expected``;
        None if missing or disabled; a damaged entry is removed, with a warning.
        """
        if not self.enabled:
            return None
        path = self._path(kind, key)
        if path.is_dir():
            self.warn(f"cache entry {path} is a folder, not a file: preparing afresh")
            return None
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            self.warn(f"cache entry {path} cannot be read ({exc.strerror}): preparing afresh")
            return None
        head = len(MAGIC) + 32
        payload = data[head:]
        intact = (
            data[: len(MAGIC)] == MAGIC
            and data[len(MAGIC) : head] == hashlib.sha256(payload).digest()
        )
        value = None
        if intact:
            try:
                value = pickle.loads(payload)
            except Exception:  # an intact entry of another code version
                intact = False
        if not intact or not isinstance(value, expected):
            self.warn(f"cache entry {path.name} is damaged or stale: preparing afresh")
            path.unlink(missing_ok=True)
            return None
        return value

    def get_or_build(
        self,
        kind: str,
        key: str,
        build: Callable[[], Any],
        *,
        expected: type | tuple[type, ...] = object,
        check: Callable[[Any], bool] | None = None,
        on_hit: Callable[[Any], None] | None = None,
    ) -> Any:
        """The entry ``kind``/``key`` if intact (an ``expected`` that passes ``check``),
        else ``build()``, stored under ``key``; ``on_hit`` is called with a cached value.
        """
        value = self.get(kind, key, expected=expected)
        if value is not None and check is not None and not check(value):
            self.warn(f"cache entry of the {kind} holds something else: preparing afresh")
            value = None
        if value is None:
            value = build()
            self.put(kind, key, value)
        elif on_hit is not None:
            on_hit(value)
        return value

    def put(self, kind: str, key: str, value: Any) -> None:
        """Store ``value`` under ``key`` with its checksum (atomically; failures only cost
        speed).
        """
        if not self.enabled:
            return
        path = self._path(kind, key)
        if path.is_dir():
            return
        tmp = None
        try:
            self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            payload = dumps(value)
            fd, tmp = tempfile.mkstemp(prefix=f".{kind}-", dir=self.folder)
            with os.fdopen(fd, "wb") as f:
                f.write(MAGIC + hashlib.sha256(payload).digest() + payload)
            os.replace(tmp, path)
        except OSError:
            # an unwritable or full cache only costs time; its partial file goes
            if tmp is not None:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)


def _geometries_from_wkb(wkb: np.ndarray) -> np.ndarray:
    return shapely.from_wkb(wkb)


class _GeometryPickler(pickle.Pickler):
    """Pickles arrays of shapely geometries as one vectorised WKB conversion instead of
    one Python call per geometry (several times faster for a city's roads).
    """

    def reducer_override(self, obj):
        if (
            isinstance(obj, np.ndarray)
            and obj.dtype == object
            and obj.size
            and all(isinstance(g, shapely.Geometry) for g in obj.flat)
        ):
            return _geometries_from_wkb, (shapely.to_wkb(obj),)
        return NotImplemented


def dumps(value: Any) -> bytes:
    """``pickle.dumps`` with :class:`_GeometryPickler` (for tests and tools)."""
    buffer = io.BytesIO()
    _GeometryPickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(value)
    return buffer.getvalue()
