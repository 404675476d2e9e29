"""Printing text from other people's files on a terminal (standard library only: imported at start-up)."""

from __future__ import annotations


def escape_controls(text) -> str:
    """``text`` with control characters shown as escapes (``\\x1b``), so that names and values
    from other people's files cannot rewrite the terminal they are printed on."""
    return "".join(ch if ch in "\n\t" or ch.isprintable() else repr(ch)[1:-1] for ch in str(text))
