"""The console command's process settings: the garbage collector's tuning.

Python's cycle collector walks every live object; a run keeps hundreds of thousands
(geometries, arrays of objects, the network graph while it loads), and the default
thresholds made it cost a quarter of a city-size report. The console command collects
less often and freezes the prepared study; the library never touches the collector.
"""

from __future__ import annotations

import gc

GC_THRESHOLDS = (100_000, 50, 100)
#: Set by :func:`enable`: the process is the ``heartgeo`` console command.
_STATE = {"console": False}


def enable() -> None:
    """Mark the process as the console command and tune the collector."""
    _STATE["console"] = True
    gc.set_threshold(*GC_THRESHOLDS)


def freeze() -> None:
    """Keep what exists now out of every later collection (console command only)."""
    if _STATE["console"]:
        gc.freeze()
