"""Run GEOS-heavy work on several cores, and lazy attributes that threads may share.

Shapely releases the GIL inside GEOS, so plain threads run geometry operations in
parallel without copying geometries between processes. The number of threads is a
parameter (``Settings.workers``, ``--workers``); nothing here keeps process-wide state.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")


def thread_map(fn: Callable[[T], R], items: Iterable[T], workers: int | None = None) -> list[R]:
    """``[fn(x) for x in items]`` on ``workers`` threads (default: one per core), in order.

    Parameters
    ----------
    fn
        The function; it must be safe to run in threads (GEOS work is).
    items
        Its arguments.
    workers
        Number of threads; None for one per core, 1 to run in the calling thread.
    """
    items = list(items)
    n = workers or os.cpu_count() or 1
    if len(items) <= 1 or n == 1:
        return [fn(item) for item in items]
    with ThreadPoolExecutor(max_workers=min(n, len(items))) as pool:
        return list(pool.map(fn, items))


class shared_cached_property:  # noqa: N801  (named like functools.cached_property)
    """Like :func:`functools.cached_property`, but computed once even when several threads
    ask at the same time (the first computes, the others wait), so an object can be
    handed to threads without computing its lazy attributes beforehand.
    """

    def __init__(self, func: Callable[[Any], Any]):
        self.func = func
        self.name = func.__name__
        self.__doc__ = func.__doc__
        self._lock = threading.Lock()

    def __set_name__(self, owner, name: str) -> None:
        self.name = name

    def __get__(self, obj, owner=None):
        if obj is None:
            return self
        cache = obj.__dict__
        if self.name in cache:
            return cache[self.name]
        with self._lock:
            if self.name not in cache:
                cache[self.name] = self.func(obj)
        return cache[self.name]
