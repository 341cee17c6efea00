"""Numbers as readers see them: shares in per cent, half-widths in points, ``n/a`` for a
value that is missing (None or NaN), the same on the terminal, the pages and the maps.
"""

from __future__ import annotations


def missing(value) -> bool:
    """Whether ``value`` is missing: None or NaN."""
    return value is None or value != value


def percent(value, digits: int = 1) -> str:
    """A share (0..1) in per cent, e.g. ``81.6 %``; ``n/a`` when missing."""
    return "n/a" if missing(value) else f"{100 * value:.{digits}f} %"


def points(value) -> str:
    """A half-width (0..1) in percentage points, e.g. ``0.6``; ``n/a`` when missing."""
    return "n/a" if missing(value) else f"{100 * value:.1f}"
