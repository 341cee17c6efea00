"""Run GEOS-heavy work on several cores, and lazy attributes that threads may share.

Shapely releases the GIL inside GEOS, so plain threads run geometry operations in
parallel without copying geometries between processes. The number of threads is a
parameter (``Settings.workers``, ``--workers``); by default it is the CPUs this process
may use (:func:`available_cpus`: its affinity set and its container's CPU quota), not the
machine's core count.

Never oversubscribe: OpenBLAS starts one busy-waiting thread per core for numpy's matrix
products. Beside heartgeo's own threads, or beside another program using the CPU, those
threads spin on cores that someone else holds. Measured on this project's 2-core machine
(the planner's curve of ``benchmarks/siting.py``, K = 1..12): 7.3 s quiet, 14.1 s beside
one CPU-bound process, and 7.1 s beside it with BLAS on one thread. So heartgeo runs BLAS
on one thread (:func:`one_blas_thread`) wherever it does matrix work.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")


def available_cpus(cgroup: Path = Path("/sys/fs/cgroup")) -> int:
    """CPUs this process may use: its CPU affinity set, capped by a cgroup (v2 ``cpu.max``,
    or v1 ``cpu.cfs_quota_us``) quota rounded up; at least 1.

    Parameters
    ----------
    cgroup
        The cgroup file system's root (a parameter for tests).
    """
    try:
        n = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not on Linux
        n = os.cpu_count() or 1
    quota = _cgroup_quota(cgroup)
    if quota is not None:
        n = min(n, max(1, -(-quota[0] // quota[1])))
    return max(1, n)


#: A thread count: a number, None (the CPUs available), or a function returning either,
#: asked at each use (a budget that grows when a job running beside has ended).
Workers = int | None | Callable[[], int | None]


def worker_count(workers: Workers = None) -> int:
    """Threads to use: ``workers`` (asked now, if it is a function), or (None or 0) the
    CPUs available.
    """
    if callable(workers):
        workers = workers()
    return workers or available_cpus()


def _cgroup_quota(root: Path) -> tuple[int, int] | None:
    """(quota, period) in microseconds of the CPU limit, or None where there is none."""
    for text in _read(root / "cpu.max"), _read(root / "cpu" / "cpu.cfs_quota_us"):
        if text is None:
            continue
        fields = text.split()
        if fields[0] in ("max", "-1"):
            return None
        if len(fields) == 1:  # cgroup v1: the period is in a file of its own
            period = _read(root / "cpu" / "cpu.cfs_period_us")
            fields.append(period.strip() if period else "100000")
        try:
            quota, period = int(fields[0]), int(fields[1])
        except ValueError:
            return None
        return (quota, period) if quota > 0 and period > 0 else None
    return None


def _read(path: Path) -> str | None:
    try:
        return path.read_text()
    except OSError:
        return None


def hold_blas_to_one_thread() -> None:
    """Keep numpy's BLAS on one thread from now on (the ``heartgeo`` command does; see the
    module's note on oversubscription).
    """
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1, user_api="blas")


@contextlib.contextmanager
def one_blas_thread() -> Iterator[None]:
    """Run the block with numpy's BLAS (OpenBLAS, MKL...) on one thread (threadpoolctl),
    restoring the previous limit after it; see the module's note on oversubscription.
    """
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        yield


def thread_map(fn: Callable[[T], R], items: Iterable[T], workers: Workers = None) -> list[R]:
    """``[fn(x) for x in items]`` on ``workers`` threads (default: :func:`available_cpus`),
    in order.

    Parameters
    ----------
    fn
        The function; it must be safe to run in threads (GEOS work is).
    items
        Its arguments.
    workers
        Number of threads; None for :func:`available_cpus`, 1 to run in the calling thread.
    """
    items = list(items)
    n = worker_count(workers)
    if len(items) <= 1 or n == 1:
        return [fn(item) for item in items]
    with ThreadPoolExecutor(max_workers=min(n, len(items))) as pool:
        return list(pool.map(fn, items))


def chunked(fn: Callable[..., Any], *arrays, workers: Workers = None, min_chunk: int = 1000):
    """``fn(*arrays)`` for an element-wise (vectorised) function, such as shapely's
    ``intersection`` or ``buffer``: the arrays are split into contiguous chunks computed on
    ``workers`` threads (see :func:`thread_map`), and the results joined in order. Arrays
    shorter than two chunks of ``min_chunk`` run in one call. Not for predicates on
    prepared geometries that chunks share: GEOS builds their indexes on first use.

    Parameters
    ----------
    fn
        The function; one output element per input element.
    arrays
        Its arguments, all of the same length (a scalar argument goes in ``fn``).
    workers
        Number of threads; None for :func:`available_cpus`.
    min_chunk
        The fewest elements worth a thread of their own.
    """
    import numpy as np

    n = len(arrays[0])
    k = min(worker_count(workers), n // max(min_chunk, 1))
    if k <= 1:
        return fn(*arrays)
    edges = np.linspace(0, n, k + 1).astype(int)
    spans = list(zip(edges[:-1], edges[1:], strict=True))
    parts = thread_map(lambda span: fn(*(a[span[0] : span[1]] for a in arrays)), spans, k)
    return np.concatenate(parts)


class Background:
    """A job started now on a thread of its own, beside the caller's work; its progress
    lines are held (:meth:`heartgeo.progress.Progress.buffered`) and printed, in one
    piece, when the caller takes its result.

    The thread is a daemon: when the caller fails first (a bad input file), the run
    ends without waiting for the job. Its exception, if any, is raised by :meth:`result`.

    Parameters
    ----------
    job
        Called with the held progress reporter.
    progress
        The reporter the job's lines go to.
    workers
        The run's threads (``--workers``; None: the CPUs available). With one, the job
        runs now, on the caller's thread, with its lines held all the same.
    """

    def __init__(self, job: Callable[[Any], R], progress: Any, workers: Workers = None):
        self._progress = progress.buffered()
        self._done = threading.Event()
        self._value: Any = None
        self._error: BaseException | None = None
        if worker_count(workers) > 1:
            threading.Thread(target=self._run, args=(job,), daemon=True).start()
        else:
            self._run(job)

    def _run(self, job) -> None:
        try:
            self._value = job(self._progress)
        except BaseException as exc:  # handed to the caller by result()
            self._error = exc
        finally:
            self._done.set()

    def done(self) -> bool:
        """Whether the job has ended (its result is ready)."""
        return self._done.is_set()

    def result(self, progress: Any) -> Any:
        """Wait for the job, print its lines on ``progress``, and return its value (or
        raise its exception).
        """
        self._done.wait()
        progress.replay(self._progress)
        if self._error is not None:
            raise self._error
        return self._value


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


class SharedMemo:
    """Values computed once per key, even when several threads ask for one at the same
    time: the first computes it, the others wait for it; different keys are computed at
    the same time. At most ``size`` values are kept (the oldest go first).
    """

    def __init__(self, size: int = 128):
        self.size = size
        self._lock = threading.Lock()
        self._key_locks: dict[Any, threading.Lock] = {}
        self._values: dict[Any, Any] = {}

    def get(self, key: Any, build: Callable[[], R]) -> R:
        """The value of ``key``, computed by ``build()`` if it is not kept."""
        with self._lock:
            if key in self._values:
                return self._values[key]
            key_lock = self._key_locks.setdefault(key, threading.Lock())
        with key_lock:
            with self._lock:
                if key in self._values:
                    return self._values[key]
            value = build()
            with self._lock:
                self._values[key] = value
                self._key_locks.pop(key, None)
                while len(self._values) > self.size:
                    del self._values[next(iter(self._values))]
        return value

    def of(self, obj: Any, key: Any, build: Callable[[], R]) -> R:
        """The value of ``key`` for the object ``obj``, by identity: the object is kept
        with its value, so that no other object takes its id meanwhile.
        """
        kept, value = self.get((id(obj), key), lambda: (obj, build()))
        return value if kept is obj else build()
