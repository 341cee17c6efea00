"""Run GEOS-heavy work on every core.

Shapely releases the GIL inside GEOS, so plain threads run geometry operations in
parallel without copying geometries between processes.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


def thread_map(fn: Callable[[T], R], items: Iterable[T]) -> list[R]:
    """``[fn(x) for x in items]``, on a thread per core (in order)."""
    items = list(items)
    if len(items) <= 1 or (os.cpu_count() or 1) == 1:
        return [fn(item) for item in items]
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        return list(pool.map(fn, items))
