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
        self._open = False  # a step's line waits for its " done"

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
        """Print a line (unless quiet); inside a step, on a line of its own."""
        if not self.quiet:
            if self._open:  # finish the step's line first; its result goes on a new one
                print(file=self.stream)
                self._open = False
            print(message, file=self.stream, flush=True)

    def warn(self, message: str) -> None:
        """Print a warning line (unless quiet)."""
        self.info(f"warning: {message}")

    def buffered(self) -> Progress:
        """A reporter for work on another thread: as quiet as this one, its lines kept
        until :meth:`replay` prints them here.
        """
        return Progress(quiet=self.quiet, stream=io.StringIO())

    def replay(self, other: Progress) -> None:
        """Print the lines ``other`` (from :meth:`buffered`) kept, as if printed here."""
        text = other.stream.getvalue() if isinstance(other.stream, io.StringIO) else ""
        other.stream = io.StringIO()
        if text and not self.quiet:
            if self._open:
                print(file=self.stream)
                self._open = False
            print(text, file=self.stream, end="" if text.endswith("\n") else "\n", flush=True)

    @contextmanager
    def step(self, label: str) -> Iterator[None]:
        """Announce ``label``, run the block, then report how long it took."""
        start = time.perf_counter()
        if not self.quiet:
            if self._open:  # a step inside a step: on its own line
                print(file=self.stream)
            print(f"{label} ...", file=self.stream, end="", flush=True)
            self._open = True
        try:
            yield
        except BaseException:
            self._end(label, "failed")
            raise
        self._end(label, f"done ({time.perf_counter() - start:.1f} s)")

    def _end(self, label: str, result: str) -> None:
        """Close a step's line, or, if a message came in between, repeat its label."""
        if self.quiet:
            return
        if self._open:
            print(f" {result}", file=self.stream, flush=True)
        else:
            print(f"{label}: {result}", file=self.stream, flush=True)
        self._open = False


QUIET = Progress(quiet=True)
