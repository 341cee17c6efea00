"""A cache of prepared inputs (road network arrays, demand cells) keyed by checksums.

Preparing a city-wide network (parsing, filtering, simplifying, speeds) and the demand
cells is the slow part of a run; scenarios, bands and maps are cheap once they exist.
The cache stores them under a key made of the input files' sha256, every parameter that
shapes them and heartgeo's version, so a second run on the same inputs skips the
preparation and a changed input never reuses a stale result.

Location: ``$HEARTGEO_CACHE``, else ``$XDG_CACHE_HOME/heartgeo``, else
``~/.cache/heartgeo``. Entries are pickles written atomically; delete the folder to
clear it, or pass ``--no-cache``.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import tempfile
from pathlib import Path
from typing import Any

from heartgeo import __version__

CACHE_ENV = "HEARTGEO_CACHE"
#: Bump when the layout of cached objects changes.
FORMAT = 2


def cache_dir() -> Path:
    """The cache folder (not created)."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "heartgeo"


def make_key(kind: str, **parts: Any) -> str:
    """A hex key for ``kind`` from JSON-serialisable parts (checksums, parameters)."""
    text = json.dumps(
        {"kind": kind, "format": FORMAT, "version": __version__, **parts},
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(text.encode()).hexdigest()[:32]


class Cache:
    """Pickled objects by (kind, key); disabled when ``enabled`` is False."""

    def __init__(self, enabled: bool = True, folder: Path | None = None):
        self.enabled = enabled
        self.folder = folder or cache_dir()

    def _path(self, kind: str, key: str) -> Path:
        return self.folder / f"{kind}-{key}.pickle"

    def get(self, kind: str, key: str) -> Any | None:
        if not self.enabled:
            return None
        path = self._path(kind, key)
        try:
            with open(path, "rb") as f:
                return pickle.load(f)
        except FileNotFoundError:
            return None
        except Exception:  # a damaged entry is rebuilt, never trusted
            path.unlink(missing_ok=True)
            return None

    def put(self, kind: str, key: str, value: Any) -> None:
        if not self.enabled:
            return
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{kind}-", dir=self.folder)
            with os.fdopen(fd, "wb") as f:
                pickle.dump(value, f, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, self._path(kind, key))
        except OSError:
            return  # an unwritable cache only costs time
