"""The error of a bad predictions input, and how a value from the input is shown in it.

Every message is one line naming the file, then where (a row, a line, a zip member),
then what is wrong. Values from the file are clipped and their control characters
escaped before they are quoted: they could drive a terminal.

This package imports nothing from the rest of advisor, so it does not use
``advisor.text`` (the one policy for untrusted text): :func:`escaped` and :func:`spelled`
escape through ``repr``, which escapes exactly the characters that are not printable
(controls and bidirectional controls), as ``advisor.text.for_terminal`` does; the CLI
passes every message through that policy again before printing it.
"""

from __future__ import annotations

import json
import os

import numpy as np


class PredictionsFormatError(ValueError):
    """A predictions file or array is missing, unreadable or malformed."""


def default_where(row: int) -> str:
    return f"row {row + 1}"


def fail(source: str, message: str, where: str | None = None) -> PredictionsFormatError:
    return PredictionsFormatError(f"{source}: {where}: {message}" if where else f"{source}: {message}")


# Characters of a value from a file quoted in a message: enough to recognise it, too few to
# leak a secret the file holds (a profile may point advisor at someone else's file).
SHOWN_LIMIT = 20


def clipped(text: str) -> str:
    return text if len(text) <= SHOWN_LIMIT else text[:SHOWN_LIMIT - 3] + "..."


def escaped(text: str) -> str:
    """Unquoted text from the file, clipped, its control characters escaped (they could drive a terminal)."""
    return clipped(repr(text)[1:-1])


def shown(value) -> str:
    """A value as the user wrote it (JSON spelling for JSON values, quotes around text), clipped."""
    return clipped(spelled(value))


def spelled(value) -> str:
    if isinstance(value, str):
        return repr(value)  # quoted, with control characters escaped
    if isinstance(value, (bool, np.bool_)) or value is None:
        return json.dumps(None if value is None else bool(value))
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        return repr(float(value))
    return json.dumps(value, default=str)


def os_reason(exc: OSError, source: str) -> str:
    """The OS's reason, naming the file only when it is not ``source`` (a sibling, say)."""
    reason = exc.strerror or str(exc)
    if exc.filename is not None and os.fspath(exc.filename) != source:
        return f"{reason}: {os.fspath(exc.filename)}"
    return reason
