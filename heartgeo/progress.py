"""Progress messages for long steps, on standard error, silenced by ``--quiet``."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager


class Progress:
    """Prints one line per step with its duration; ``quiet=True`` prints nothing."""

    def __init__(self, quiet: bool = False, stream=None):
        self.quiet = quiet
        self.stream = stream if stream is not None else sys.stderr

    def info(self, message: str) -> None:
        """Print a line (unless quiet)."""
        if not self.quiet:
            print(message, file=self.stream, flush=True)

    def warn(self, message: str) -> None:
        """Print a warning line (unless quiet)."""
        self.info(f"warning: {message}")

    @contextmanager
    def step(self, label: str) -> Iterator[None]:
        """Announce ``label``, run the block, then report how long it took."""
        start = time.perf_counter()
        if not self.quiet:
            print(f"{label} ...", file=self.stream, end="", flush=True)
        try:
            yield
        except BaseException:
            if not self.quiet:
                print(" failed", file=self.stream, flush=True)
            raise
        if not self.quiet:
            print(f" done ({time.perf_counter() - start:.1f} s)", file=self.stream, flush=True)


QUIET = Progress(quiet=True)
