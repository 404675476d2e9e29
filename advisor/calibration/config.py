"""Sizes and limits of the calibration code, read at call time.

Everything that trades memory for speed, or bounds what an input may need, is one named
setting here. The defaults suit a 2-core machine with a few GB of memory; tests shrink
the block sizes so small inputs take every streamed path, and a deployment can lower the
memory limits::

    from advisor.calibration.config import config_context, get_config

    with config_context(block_values=64, stream_bytes=0):   # many tiny blocks, files streamed
        result = cal.measure(cal.load_predictions("preds.npz"))
    get_config()["memory_cap"]

As in scikit-learn's ``config_context``, the settings are process-wide while the block
runs (the worker threads of a pass read them too) and restored when it ends, also on an
error. Settings:

``block_values``
    Values (rows x K) per block of the fused metrics pass (262,144: 1 MB of float32 and
    2 MB of float64 scratch fit a 4 MB L2 cache). Also the block of parsed CSV/JSONL rows.
``workers``
    Threads of a pass and of the resampling (at most 2, as many as the machine has).
``pass_values``
    Values per block of a temperature-fit pass (131,072: its float64 buffers stay in L2).
``warm_start_values``
    Values in the temperature fit's warm-start subsample (2 Mi).
``resample_values``
    Resampled values per task handed to a resampling worker (4 Mi).
``isotonic_values``
    float64 values of gathered columns held at once for the cross-fitted isotonic fits
    (16 Mi: 128 MB).
``stream_bytes``
    A 2-D ``.npy`` array or ``.npz`` member at least this large (256 MiB) is read block
    by block instead of loaded (:class:`~advisor.calibration.predictions.StreamedPredictions`).
``text_stream_bytes``
    A CSV/JSONL file at least this large (32 MiB) keeps its (N, K) scores in a temporary
    file (parsed into Python lists a value costs about 30 bytes, a few times its text).
``memory_cap``
    Memory an input may need in all, worked out before reading: half the machine's
    physical memory, at least 2 GiB (2 GiB where the size is unknown).
``max_classes``
    Classes an input may have (262,144, equal to ``block_values`` so a row always fits
    one ordinary block).
``json_scan_chars``
    A JSONL line longer than this (1 Mi characters) has its commas outside strings
    counted before ``json`` parses it, so json never builds millions of items.
``line_limit``
    Characters in one CSV/JSONL line (64 Mi): a line is a label and K numbers, and an
    endless line would exhaust memory before any check could run.
``parquet_batch_values``
    Values per Parquet record batch of the Dask path (4 Mi: 32 MB of float64).
``classwise_bytes``
    Memory the per-class bin sums (3 x K x B float64) may take (128 MiB); adding a
    block's sums takes a third more. K x B can reach 2**18 classes x 10,000 bins (63 GB):
    over the budget, ``measure`` skips the class-wise ECE with a note, and an accumulator
    asked for it raises ValueError.
``cell_fit_rows``
    Rows of a binary task from which the cross-fitted calibrators are fitted and
    scored on cells of the logit (:mod:`advisor.calibration.cellfit`; 1,048,576)
    instead of row by row.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator


def _default_memory_cap() -> int:
    """Half this machine's physical memory, and at least 2 GiB (2 GiB where the size is unknown)."""
    try:
        physical = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):
        return 2 << 30
    return max(2 << 30, physical // 2)


DEFAULTS: dict[str, int] = {
    "block_values": 1 << 18,
    "workers": min(2, os.cpu_count() or 1),
    "pass_values": 1 << 17,
    "warm_start_values": 1 << 21,
    "resample_values": 1 << 22,
    "isotonic_values": 1 << 24,
    "stream_bytes": 1 << 28,
    "text_stream_bytes": 1 << 25,
    "memory_cap": _default_memory_cap(),
    "max_classes": 1 << 18,
    "json_scan_chars": 1 << 20,
    "line_limit": 1 << 26,
    "parquet_batch_values": 1 << 22,
    "classwise_bytes": 128 << 20,
    "cell_fit_rows": 1 << 20,
}

_settings = dict(DEFAULTS)
_lock = threading.Lock()


def get(name: str) -> int:
    """The current value of one setting."""
    return _settings[name]


def get_config() -> dict[str, int]:
    """A copy of every current setting."""
    return dict(_settings)


def set_config(**settings: int) -> None:
    """Change settings until changed again (prefer :func:`config_context`, which restores them)."""
    unknown = sorted(set(settings) - set(DEFAULTS))
    if unknown:
        raise TypeError(f"unknown calibration setting(s) {', '.join(unknown)}; known: {', '.join(sorted(DEFAULTS))}")
    for name, value in settings.items():
        if int(value) != value or value < 0 or (name == "workers" and value < 1):
            raise ValueError(f"{name} must be a {'positive' if name == 'workers' else 'non-negative'} integer; "
                             f"got {value!r}")
    with _lock:
        _settings.update({name: int(value) for name, value in settings.items()})


@contextlib.contextmanager
def config_context(**settings: int) -> Iterator[None]:
    """Apply ``settings`` inside a ``with`` block and restore the previous ones after it."""
    saved = get_config()
    set_config(**settings)
    try:
        yield
    finally:
        with _lock:
            _settings.clear()
            _settings.update(saved)
