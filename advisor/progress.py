"""A one-line progress display on a terminal's standard error (stdlib only).

Shown only after :data:`DELAY` seconds, so quick runs print nothing, rewritten at most
every :data:`INTERVAL` seconds, and erased at the end. The command line uses it only when
standard error is a terminal (:func:`for_stderr`); a pipe, a file or a CI log gets nothing.
"""

from __future__ import annotations

import sys
import time

DELAY = 2.0  # seconds of work before anything is shown
INTERVAL = 0.2  # seconds between two updates of the line


class TerminalProgress:
    """Callback for :func:`advisor.calibration.progress.reporting` that draws one status line."""

    def __init__(self, stream, delay: float = DELAY, interval: float = INTERVAL, clock=time.monotonic):
        self.stream, self.delay, self.interval, self.clock = stream, delay, interval, clock
        self.start = clock()
        self.last = None  # when the line was last drawn
        self.shown = False

    def __call__(self, phase: str, done: int, total: int | None) -> None:
        now = self.clock()
        if now - self.start < self.delay or (self.last is not None and now - self.last < self.interval):
            return
        self.last = now
        count = f"{done:,} of {total:,} rows ({100 * done // max(total, 1)}%)" if total else f"{done:,} rows"
        self.stream.write(f"\r\x1b[K{phase}: {count}" if done or total else f"\r\x1b[K{phase}")
        self.stream.flush()
        self.shown = True

    def close(self) -> None:
        """Erase the line, if one was drawn."""
        if self.shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self.shown = False


def for_stderr() -> TerminalProgress | None:
    """A display on standard error when it is a terminal; None (show nothing) otherwise."""
    stream = sys.stderr
    try:
        interactive = stream.isatty()
    except (AttributeError, ValueError):
        interactive = False
    return TerminalProgress(stream) if interactive else None
