"""A CPU-bound competitor for measurements "on a busy machine".

A planner's laptop runs a browser and a video call beside heartgeo. The benchmarks
imitate that with :func:`competitor`: one process that keeps one core busy (a pure
Python loop, which neither sleeps nor yields), started before the measurement and
stopped after it, so each loaded figure is taken with exactly one core taken.
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
import time
from collections.abc import Callable, Iterator


@contextlib.contextmanager
def competitor() -> Iterator[subprocess.Popen]:
    """Keep one core busy with another process for the duration of the block."""
    proc = subprocess.Popen([sys.executable, "-c", "while True:\n    pass\n"])
    time.sleep(0.2)  # let it start spinning
    try:
        yield proc
    finally:
        proc.kill()
        proc.wait()


def median_of_three(fn: Callable[[], object], loaded: bool = False) -> float:
    """Median wall seconds of three calls of ``fn`` (beside :func:`competitor` if
    ``loaded``).
    """
    times = []
    for _ in range(3):
        with competitor() if loaded else contextlib.nullcontext():
            start = time.perf_counter()
            fn()
            times.append(time.perf_counter() - start)
    return sorted(times)[1]
