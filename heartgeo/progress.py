"""Progress messages for long steps, on standard error, silenced by ``--quiet``."""

from __future__ import annotations

import io
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager


class Progress:
    """Prints one line per step with its duration; ``quiet=True`` prints nothing."""

    def __init__(self, quiet: bool = False, stream=None):
        self.quiet = quiet
        self.stream = stream if stream is not None else sys.stderr
        self._held = None

    def hold(self) -> None:
        """Keep the following lines back until :meth:`release` (to print a line that is
        only known later, such as the travel model chosen, first).
        """
        if self._held is None:
            self._held = self.stream
            self.stream = io.StringIO()

    def release(self, first: str | None = None) -> None:
        """Print ``first``, then the lines held back since :meth:`hold`."""
        if self._held is None:
            if first:
                self.info(first)
            return
        held, self.stream, self._held = self.stream.getvalue(), self._held, None
        if first:
            self.info(first)
        if held and not self.quiet:
            print(held, file=self.stream, end="", flush=True)

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
