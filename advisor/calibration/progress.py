"""Progress of long work, for whoever asks: the library itself never prints.

The measurement announces its phases (:func:`phase`) and every pass over the rows
reports how many it has read (:func:`rows`, called by
:meth:`~advisor.calibration.predictions.BasePredictions.blocks`). Nothing happens
unless a caller installs a callback with :func:`reporting`; the command line does so
only when standard error is a terminal, so scripts and CI logs stay clean.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

Callback = Callable[[str, int, "int | None"], None]  # (phase, rows done, rows in all or None)

_callback: Callback | None = None
_phase = ""


def phase(name: str) -> None:
    """Start a phase of the work (its rows count from 0)."""
    global _phase
    _phase = name
    if _callback is not None:
        _callback(name, 0, None)


def rows(done: int, total: int | None = None) -> None:
    """``done`` rows of the current phase are through (of ``total``, when known)."""
    if _callback is not None:
        _callback(_phase, done, total)


@contextlib.contextmanager
def reporting(callback: Callback) -> Iterator[None]:
    """Send the progress of the work inside the ``with`` block to ``callback``."""
    global _callback, _phase
    saved = _callback, _phase
    _callback, _phase = callback, ""
    try:
        yield
    finally:
        _callback, _phase = saved
