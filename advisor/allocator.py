"""Allocator settings of the command-line process (glibc on Linux; elsewhere nothing changes).

At ten million rows every numpy temporary is 80 MB. By default glibc serves a block
that large with a fresh ``mmap`` and unmaps it when it is freed, so the next temporary
faults in 20,000 freshly zeroed pages again: about a second of system time in a
default ``advisor calibration`` of 10,000,000 binary rows (benchmarks/RESULTS.md).
Serving such blocks from the heap, and keeping up to 256 MiB of freed heap for the
next one, removes most of that for about 40 MB more peak memory. Freed blocks in the
middle of the heap stay with the process until it ends, which a short-lived command
can afford. Only the command line sets this: a program that imports advisor as a
library keeps its own settings.
"""

from __future__ import annotations

import ctypes
import sys

M_TRIM_THRESHOLD = -1  # glibc's mallopt parameter numbers (malloc.h)
M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 1 << 30
FALLBACK_THRESHOLD = 32 << 20
TRIM_THRESHOLD = 256 << 20


def tune_allocator() -> bool:
    """Apply the settings above; True when the C library took them."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt  # the C library this process already runs on
    except (OSError, AttributeError):  # a C library without mallopt
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    # older glibc caps the threshold at 32 MiB (on 64-bit): then the most it allows
    mapped = mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD) or mallopt(M_MMAP_THRESHOLD, FALLBACK_THRESHOLD)
    return bool(mapped) & bool(mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD))
