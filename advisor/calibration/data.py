"""Predictions: loading and validating a model's predicted probabilities or logits.

File layouts
------------
``.npz``
    An integer array ``labels`` (N,) and exactly one of ``probs`` ((N, K) rows summing
    to 1, or (N,) the positive-class probability of a binary task) or ``logits``
    ((N, K) unnormalized scores, or (N,) the positive-class logit of a binary task).
``.npy``
    Two sibling files ``NAME.labels.npy`` plus ``NAME.probs.npy`` or
    ``NAME.logits.npy``; pass any of them.
``.csv``
    A header line, then one prediction per line. The header is
    ``label,p0,p1,...,p{K-1}`` (probabilities), ``label,logit0,...,logit{K-1}``
    (logits), ``label,prob`` or ``label,logit`` (binary, positive class).
``.jsonl``
    One JSON object per line: ``{"label": 2, "probs": [...]}`` or
    ``{"label": 2, "logits": [...]}``; binary tasks may use ``"prob": 0.7`` or
    ``"logit": 0.8``. Every line uses the same key and length. Blank lines are skipped.

Labels must be integers in ``0..K-1`` (floats with integral values are accepted).
Every problem raises :class:`PredictionsFormatError` whose message is one line naming
the file and the first bad row, e.g.
``preds.csv: line 5 (row 4): probabilities sum to 0.93, not 1 (tolerance 1e-4)``.
Rows are numbered from 1 in every format; text formats also give the line.

Untrusted files
---------------
Every ``.npy`` header (a file, or an ``.npz`` member) is parsed by hand and checked
before any data is read: the dtype must be plain numbers (booleans, integers or
floats; an object dtype is refused), the shape must fit the array's role, and the declared data
size must equal what the file or zip entry (``ZipInfo.file_size``) holds. The memory
the whole input will need (below) is worked out from the headers too, so a zip bomb
is refused before any byte of data is read or decompressed. Neither reader ever
unpickles: no object array is read at all.

A ``.csv`` / ``.jsonl`` line longer than :data:`LINE_LIMIT` characters (64 Mi), a
CSV field longer than ``csv.field_size_limit()`` (131072 characters), JSON nested
too deeply and bytes that are not UTF-8 are refused naming their line. A UTF-8 BOM
and CRLF line ends are accepted.

Memory
------
Everything that grows with the input is bounded, or the input is refused with an
error naming the file and the limit:

- Classes: at most :data:`MAX_CLASSES` (262,144, more than the vocabulary of current
  language models). Per-class work (a softmax row, one row per block at least, the
  class-wise statistics) grows with K. Checked from a ``.npy`` header, from the
  number of fields of a CSV record before csv splits it (commas counted), from a
  JSONL line's values (a line over :data:`JSON_SCAN_CHARS` characters first has its
  commas outside strings counted, so ``json`` never builds millions of items).
- Rows: the per-row memory of the input plus the measurement must stay within
  :data:`MEMORY_CAP` (half the machine's physical memory, at least 2 GiB), worked out before reading (text: while parsing, at the
  first row too many). Per row, in bytes:

  =========================  =========================================================
  labels, ``.npy``/``.npz``  stored item size + 8 (the int64 copy), + 8 for float labels
  labels, CSV/JSONL          24 (label and line number as parsed, then the int64 array)
  scores, streamed           0 (read block by block, see below)
  scores, 2-D read whole     K x item size, + 8 K when not floating-point (float64 copy)
  scores, 1-D (binary)       item size, + 8 for the float64 copy unless float64, + 8 + 16
                             (1 - p, and the two columns [1-p, p]); text: 8 + 8 + 8 + 16
  scores, small CSV/JSONL    16 K (parsed blocks and their concatenation)
  the measurement            :data:`ROW_BYTES` (128): confidences, correctness, fold ids,
                             temperature constants, resample draws on two threads and
                             the isotonic fits, at their peak (measured: about 117)
  =========================  =========================================================

  The sum is an upper estimate (loading copies are freed before the measurement
  starts); each 2 GiB holds about 15 million rows of a streamed file with int64 labels
  (24 GiB of memory: a cap of 12 GiB, about 90 million rows).
  The row budget is for files (:func:`load_predictions`); arrays given to
  :func:`from_arrays` are in memory already, so only their classes are checked.
- Beyond the cap a run needs fixed working space of about half a GB at most: row
  blocks in flight (a few x :data:`~advisor.calibration.block.CHUNK_ELEMENTS` values),
  the temperature warm-start sample (about 2 million values), isotonic columns
  (:data:`~advisor.calibration.crossfit.ISOTONIC_VALUES`, 128 MiB), the class-wise
  statistics (:data:`~advisor.calibration.accumulator.CLASSWISE_BYTES`, 128 MiB, and a
  third more while a block is added; skipped with a note when K x B needs more), and
  while a text line is parsed, its text and values (:data:`LINE_LIMIT`).

Large inputs
------------
A 2-D array of at least :data:`STREAM_BYTES` in a ``.npy`` file or an ``.npz``
member is not loaded: it becomes a :class:`RowFile`, which reads row blocks into
fresh buffers on demand (``os`` reads, not a memory map, so the pages of a file
larger than memory never count toward the resident set). Stored ``.npz`` members are
read in place; compressed ones are decompressed as a stream, block after block.
Every pass over the data (checks, metrics, temperature fits) goes through
:meth:`Predictions.blocks`, so memory stays a few blocks plus the 1-D per-row arrays.

A ``.csv`` or ``.jsonl`` file of at least :data:`TEXT_STREAM_BYTES` is parsed once,
line by line; each block of parsed rows is appended to a temporary file of float64
rows (in ``tempfile.gettempdir()``, so ``TMPDIR`` needs 8 bytes per value), which a
:class:`RowFile` then reads like a large ``.npy``. The checks run on that file after
parsing, in the order of the in-memory path, so the error for a bad file is the same
either way; the temporary folder is removed on an error, or once the
:class:`Predictions` are no longer referenced (at the latest when Python exits).
Re-parsing the text on every pass would avoid the disk space but cost a text parse
per pass (a temperature fit makes several), and row gathers would need a second
indexing scheme.
"""

from __future__ import annotations

import ast
import contextlib
import csv
import itertools
import json
import math
import os
import re
import shutil
import struct
import tempfile
import threading
import weakref
import zipfile
import zlib
from array import array
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import block as block_module
from .block import EPS, SUM_TOLERANCE, ordered_map, row_chunks, scan_block  # noqa: F401  (re-exported)

STREAM_BYTES = 1 << 28  # 2-D file arrays this large are read block by block instead of loaded
# CSV/JSONL files this large keep their scores in a temporary file: parsed into Python
# lists, a value costs about 30 bytes, a few times its text
TEXT_STREAM_BYTES = 1 << 25
def _default_memory_cap() -> int:
    """Half this machine's physical memory, and at least 2 GiB (2 GiB where the size is unknown)."""
    try:
        physical = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):
        return 2 << 30
    return max(2 << 30, physical // 2)


# Memory an input may need in all (see "Memory" above): the labels, the scores held in
# memory, their loading copies and the measurement's per-row arrays. Worked out from the
# headers, so a larger need is refused before a byte of data is read or inflated. Half the
# machine: a hostile file cannot take it over, and a large honest one fits where it can
MEMORY_CAP = _default_memory_cap()
# Bytes per row that measure() holds at its peak besides the labels and scores (the
# isotonic fits of cross-fitting; measured about 117, tests/test_hardening_memory.py
# checks the bound). It does not depend on K: per-class work is per block
ROW_BYTES = 128
# Classes an input may have: per-class state and the smallest block (one row) grow with K.
# Equal to block.CHUNK_ELEMENTS, so a row always fits one ordinary block
MAX_CLASSES = 1 << 18
# A JSONL line longer than this has its commas outside strings counted before json parses
# it: json.loads builds an object per item (up to ~20 bytes per character of a line of
# empty lists), and a shorter line cannot cost more than ~20 MB
JSON_SCAN_CHARS = 1 << 20
# Characters in one CSV/JSONL line (64 Mi): a line is a label and K numbers, and reading
# an endless line whole would exhaust memory before any check could run
LINE_LIMIT = 1 << 26
NPY_HEADER_LIMIT = 10_000  # bytes of a .npy header's text; numpy's np.load refuses longer too


try:
    from lzma import LZMAError
except ImportError:  # a Python without lzma cannot open such zip members at all
    LZMAError = zlib.error

# What a damaged zip archive or member can raise: each codec has its own error type
_ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, LZMAError, NotImplementedError, EOFError, OSError)


class PredictionsFormatError(ValueError):
    """A predictions file or array is missing, unreadable or malformed."""


@dataclass(frozen=True, eq=False)
class Predictions:
    """Validated predictions of a classifier.

    Attributes
    ----------
    labels : ndarray of int64, shape (N,)
        True classes in ``0..K-1``.
    probs : ndarray of float, shape (N, K), or None
        Class probabilities (a 1-D binary input is stored as the two columns ``[1-p, p]``).
    logits : ndarray of float, shape (N, K), or None
        Unnormalized scores (a 1-D binary logit ``z`` is stored as ``[0, z]``).
    source : str
        Where the predictions came from (the file name, or ``"<arrays>"``).
    """

    labels: np.ndarray
    probs: np.ndarray | None
    logits: np.ndarray | None
    source: str = "<arrays>"

    @property
    def kind(self) -> str:
        """``"probs"`` or ``"logits"``."""
        return "probs" if self.probs is not None else "logits"

    @property
    def scores(self) -> np.ndarray:
        """The (N, K) array that is present (probabilities or logits)."""
        return self.probs if self.probs is not None else self.logits

    @property
    def n_samples(self) -> int:
        return int(self.labels.shape[0])

    @property
    def n_classes(self) -> int:
        return int(self.scores.shape[1])

    def blocks(self, elements: int | None = None) -> Iterator[tuple[int, np.ndarray, np.ndarray]]:
        """Yield ``(start, labels (n,), scores (n, K))`` over consecutive row blocks.

        The one way to touch all N x K values: a file-backed input is read block by
        block, in order, so at most one block is resident per consumer.
        """
        scores = self.scores
        for rows in row_chunks(self.n_samples, self.n_classes, elements):
            yield rows.start, self.labels[rows], scores[rows]


class RowFile:
    """A read-only row-major (N, K) array in a file, read in row blocks on demand.

    Supports ``shape``, ``dtype``, ``ndim``, ``len()``, slicing rows (``a[i:j]``,
    ``a[i:j, cols]``), integer and boolean row selection (gathered block by block),
    and ``np.asarray`` (reads everything: avoid on large files).

    Parameters
    ----------
    path : str or Path
        The ``.npy`` file, or the ``.npz`` archive holding ``member``.
    shape, dtype
        Of the stored array (C order).
    offset : int
        Byte offset of the first value (in the file, or in the member's stream).
    member : str, optional
        Name of a compressed ``.npz`` member, decompressed as a stream.
    owner : object, optional
        Kept alive as long as this object (the temporary file of a large CSV/JSONL
        input is removed when its owner is collected).
    """

    def __init__(self, path, shape, dtype, offset: int, member: str | None = None, owner=None):
        self.path = str(path)
        self.owner = owner
        self.shape = tuple(int(n) for n in shape)
        self.dtype = np.dtype(dtype)
        self.ndim = len(self.shape)
        self.offset = int(offset)
        self.member = member
        self._row_bytes = self.dtype.itemsize * int(np.prod(self.shape[1:], dtype=np.int64))
        self._stream = None  # (open zip, member stream, next row) of a compressed member
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return self.shape[0]

    def __array__(self, dtype=None, copy=None):
        data = self.read(0, self.shape[0])
        return data if dtype is None else data.astype(dtype, copy=False)

    def __getitem__(self, key):
        if isinstance(key, tuple):
            rows, rest = key[0], key[1:]
            selected = self[rows]
            return selected[(slice(None),) + rest] if np.ndim(selected) == self.ndim else selected[rest]
        if isinstance(key, slice):
            start, stop, step = key.indices(self.shape[0])
            if step == 1:
                return self.read(start, max(start, stop))
            return self._gather(np.arange(start, stop, step))
        if isinstance(key, (int, np.integer)):
            index = int(key) + (self.shape[0] if key < 0 else 0)
            if not 0 <= index < self.shape[0]:
                raise IndexError(f"row {key} out of range for {self.shape[0]} rows")
            return self.read(index, index + 1)[0]
        key = np.asarray(key)
        if key.dtype == bool:
            if key.shape != (self.shape[0],):
                raise IndexError("a boolean row mask must have one value per row")
            key = np.flatnonzero(key)
        return self._gather(key.astype(np.int64))

    def _gather(self, index: np.ndarray) -> np.ndarray:
        out = np.empty((len(index),) + self.shape[1:], self.dtype)
        if len(index) == 0:
            return out
        order = np.argsort(index, kind="stable")
        sorted_index = index[order]
        for rows in row_chunks(self.shape[0], self._row_bytes // max(1, self.dtype.itemsize)):
            lo, hi = np.searchsorted(sorted_index, [rows.start, rows.stop])
            if lo < hi:
                out[order[lo:hi]] = self.read(rows.start, rows.stop)[sorted_index[lo:hi] - rows.start]
        return out

    def read(self, start: int, stop: int) -> np.ndarray:
        """Rows ``start:stop`` as a fresh ndarray."""
        out = np.empty((stop - start,) + self.shape[1:], self.dtype)
        view = memoryview(out.reshape(-1).view(np.uint8))
        with self._lock:
            try:
                if self.member is None:
                    self._read_file(start, view)
                else:
                    self._read_stream(start, stop, view)
            except PredictionsFormatError:
                self._close_stream()
                raise
            except _ZIP_ERRORS as exc:
                # damage found on a later pass (a bad deflate block, a file cut meanwhile)
                # is still an input error naming the file, not a traceback
                self._close_stream()
                where = _member_where(self.member) if self.member else None
                raise _fail(self.path, f"cannot be read ({_zip_reason(exc)})", where) from None
        return out

    def _read_file(self, start: int, view: memoryview) -> None:
        with open(self.path, "rb", buffering=0) as handle:
            handle.seek(self.offset + start * self._row_bytes)
            _read_exactly(handle, view, self.path)

    def _read_stream(self, start: int, stop: int, view: memoryview) -> None:
        if self._stream is None or self._stream[2] != start:
            self._close_stream()
            archive = zipfile.ZipFile(self.path)
            stream = archive.open(self.member)
            _skip(stream, self.offset + start * self._row_bytes, self.path)
            self._stream = [archive, stream, start]
        _read_exactly(self._stream[1], view, self.path)
        self._stream[2] = stop
        if stop == self.shape[0]:
            self._close_stream()

    def _close_stream(self) -> None:
        if self._stream is not None:
            self._stream[1].close()
            self._stream[0].close()
            self._stream = None


def _zip_reason(exc: Exception) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    if isinstance(exc, EOFError):  # zipfile's own is blank
        return "the compressed data ends early"
    return str(exc) or type(exc).__name__


_READ_SLICE = 1 << 24


def _read_exactly(handle, view: memoryview, name: str, where: str | None = None) -> None:
    done = 0
    while done < len(view):
        # in slices: a zip member's readinto reads into a temporary bytes object first
        got = handle.readinto(view[done:done + _READ_SLICE])
        if not got:
            raise _fail(name, "cannot be read (the file ends early)", where)
        done += got


def _skip(stream, count: int, name: str) -> None:
    while count > 0:
        got = len(stream.read(min(count, 1 << 20)))
        if not got:
            raise PredictionsFormatError(f"{name}: cannot be read (the file ends early)")
        count -= got


def _default_where(row: int) -> str:
    return f"row {row + 1}"


def _fail(source: str, message: str, where: str | None = None) -> PredictionsFormatError:
    return PredictionsFormatError(f"{source}: {where}: {message}" if where else f"{source}: {message}")


def from_arrays(labels, probs=None, logits=None, source: str = "<arrays>",
                where: Callable[[int], str] | None = None, check_values: bool = True) -> Predictions:
    """Validate arrays and wrap them as :class:`Predictions`.

    This is the single input check every entry point goes through.

    Parameters
    ----------
    labels : array_like of int, shape (N,)
    probs : array_like of float, shape (N, K) or (N,), optional
        Rows sum to 1 within 1e-4; a 1-D array is the positive-class probability.
    logits : array_like of float, shape (N, K) or (N,), optional
        Finite scores; a 1-D array is the positive-class logit of a binary task.
    source : str
        Named first in every error message.
    where : callable, optional
        Maps a 0-based row index to its location text (default ``"row i+1"``).
    check_values : bool
        Check every value (one fused block pass). False leaves that to the caller's
        own pass (the accumulator checks while it measures); shapes and labels are
        always checked.

    Returns
    -------
    Predictions

    Raises
    ------
    PredictionsFormatError
        Naming ``source`` and the first bad row.
    """
    where = where or _default_where
    if (probs is None) == (logits is None):
        raise _fail(source, "give exactly one of probabilities ('probs') or logits ('logits')"
                    + ("; both were given" if probs is not None else "; neither was given"))
    name = "probs" if probs is not None else "logits"
    scores = _as_float_array(probs if probs is not None else logits, name, source)
    labels = _as_label_array(labels, source, where)
    if scores.ndim not in (1, 2):
        raise _fail(source, f"{name} must be 1-D (binary) or 2-D (N, K); got shape {scores.shape}")
    if scores.shape[0] != labels.shape[0]:
        raise _fail(source, f"length mismatch: {labels.shape[0]} labels but {scores.shape[0]} rows of {name}")
    if labels.shape[0] == 0:
        raise _fail(source, "no predictions (0 rows)")
    if scores.ndim == 2 and scores.shape[1] < 2:
        raise _fail(source, f"{name} has {scores.shape[1]} column(s); at least 2 classes are needed "
                            "(a binary task may give the positive class as a 1-D array)")
    if scores.ndim == 2 and scores.shape[1] > MAX_CLASSES:
        raise _fail(source, f"{name} has {scores.shape[1]:,} columns: more classes than the "
                            f"{MAX_CLASSES:,} advisor measures (MAX_CLASSES)")
    if scores.ndim == 1:
        if check_values:
            _raise_first_bad(np.asarray(scores), name, 0, source, where)
    elif check_values:
        check_blocks(labels, scores, name, source, where)
    n_classes = 2 if scores.ndim == 1 else scores.shape[1]
    _check_label_range(labels, n_classes, source, where)
    if scores.ndim == 1:
        scores = _binary_columns(scores, name)
    if name == "probs":
        return Predictions(labels=labels, probs=scores, logits=None, source=source)
    return Predictions(labels=labels, probs=None, logits=scores, source=source)


def check_blocks(labels, scores, kind: str, source: str = "<arrays>", where=None) -> None:
    """Check every value of (N, K) scores with the fused block pass; raise naming the first bad row."""
    preds = Predictions(labels, scores if kind == "probs" else None, scores if kind == "logits" else None, source)

    def check(item):
        start, block_labels, block = item
        return start, block, scan_block(block_labels, block, kind, check=True, rows=False).ok

    for start, block, ok in ordered_map(check, preds.blocks()):
        if not ok:
            raise block_error(block, kind, start, source, where)


def block_error(block, kind: str, start: int, source: str, where=None) -> PredictionsFormatError:
    """The error naming the first bad row of a block that failed the fused check."""
    try:
        _raise_first_bad(np.asarray(block), kind, start, source, where or _default_where)
    except PredictionsFormatError as exc:
        return exc
    return _fail(source, "invalid values", (where or _default_where)(start))  # not reached


def _binary_columns(values: np.ndarray, name: str) -> np.ndarray:
    values = np.asarray(values, dtype=np.float64)
    if name == "probs":
        return np.column_stack([1.0 - values, values])
    # softmax([0, z]) is sigmoid(z): the positive-class logit becomes a 2-class logit row
    return np.column_stack([np.zeros_like(values), values])


def _as_float_array(values, name: str, source: str) -> np.ndarray:
    array = values if isinstance(values, (np.ndarray, RowFile)) else np.asarray(values)
    if isinstance(array, RowFile) and array.dtype.kind != "f":
        raise _fail(source, f"{name} must be floating-point numbers; got an array of {array.dtype}")
    if array.dtype.kind == "f":
        return array
    if array.dtype.kind in "iub":
        return array.astype(np.float64)
    raise _fail(source, f"{name} must be numbers; got an array of {array.dtype}")


def _as_label_array(values, source: str, where) -> np.ndarray:
    array = np.asarray(values)
    if array.ndim != 1:
        raise _fail(source, f"labels must be a 1-D array; got shape {array.shape}")
    if array.dtype.kind in "iu":
        _check_label_size(array, source, where)
        return array.astype(np.int64, copy=False)
    if array.dtype.kind == "f":
        bad = ~np.isfinite(array) | (array != np.round(array))
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            raise _fail(source, f"label {_shown(array[row])} is not an integer", where(row))
        _check_label_size(array, source, where)
        return array.astype(np.int64)
    raise _fail(source, f"labels must be integers; got an array of {array.dtype}")


def _check_label_size(array: np.ndarray, source: str, where) -> None:
    """Refuse labels that int64 cannot hold before the cast would wrap them (2**64 - 1 becomes -1)."""
    if array.dtype.kind == "i" or not len(array):
        return
    huge = np.abs(array) >= 2.0**62 if array.dtype.kind == "f" else array > np.iinfo(np.int64).max
    if huge.any():
        row = int(np.flatnonzero(huge)[0])
        raise _fail(source, f"label {_shown(array[row])} is far outside the class range", where(row))


def _check_label_range(labels: np.ndarray, n_classes: int, source: str, where) -> None:
    bad = (labels < 0) | (labels >= n_classes)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise _fail(source, f"label {labels[row]} is outside 0..{n_classes - 1} ({n_classes} classes)", where(row))


def _raise_first_bad(block: np.ndarray, kind: str, start: int, source: str, where) -> None:
    """Raise for the first bad row of a 1-D or 2-D block (rows numbered from ``start``), if any."""
    where = where or _default_where
    x = block if block.ndim == 2 else block[:, None]
    column = (lambda c: f" (column {c})") if block.ndim == 2 else (lambda c: "")
    with np.errstate(all="ignore"):
        if kind == "probs":
            tests = [(np.isnan(x), lambda v, c: "probability is NaN" + column(c)),
                     (x < 0, lambda v, c: f"probability {_shown(v)} is negative" + column(c)),
                     (x > 1, lambda v, c: f"probability {_shown(v)} is greater than 1" + column(c))]
        else:
            tests = [(~np.isfinite(x), lambda v, c: f"logit {_shown(v)} is not finite" + column(c))]
        bad_rows = np.zeros(x.shape[0], dtype=bool)
        for mask, _ in tests:
            bad_rows |= mask.any(axis=1)
        sums = None
        if kind == "probs" and block.ndim == 2:
            sums = x.sum(axis=1, dtype=np.float64)
            bad_rows |= np.abs(sums - 1.0) > SUM_TOLERANCE
    if not bad_rows.any():
        return
    row = int(np.flatnonzero(bad_rows)[0])
    for mask, text in tests:
        if mask[row].any():
            col = int(np.flatnonzero(mask[row])[0])
            raise _fail(source, text(float(x[row, col]), col), where(start + row))
    raise _fail(source, f"probabilities sum to {sums[row]:.6g}, not 1 (tolerance 1e-4)", where(start + row))


# ---------------------------------------------------------------- files

def load_predictions(path) -> Predictions:
    """Load and validate a predictions file (.npz, .npy, .csv or .jsonl).

    Parameters
    ----------
    path : str or os.PathLike

    Returns
    -------
    Predictions
        ``source`` is ``str(path)`` as given.

    Raises
    ------
    PredictionsFormatError
        The file is missing, unreadable or malformed (message names file and first bad row).
    """
    path = Path(path)
    source = str(path)
    loaders = {".npz": _load_npz, ".npy": _load_npy, ".csv": _load_csv, ".jsonl": _load_jsonl}
    suffix = path.suffix.lower()
    if suffix not in loaders:
        raise _fail(source, f"unsupported file type {repr(suffix) if suffix else '(none)'}; use .npz, .npy, .csv or .jsonl")
    try:
        _check_regular_file(path, source)
        return loaders[suffix](path, source)
    except PredictionsFormatError:
        raise
    except OSError as exc:
        raise _fail(source, f"cannot be read ({_os_reason(exc, source)})") from None
    except (ValueError, EOFError) as exc:  # a last net: each loader names its own problems
        raise _fail(source, f"cannot be read ({exc})") from None


def _check_regular_file(path: Path, source: str) -> None:
    if not path.exists():
        raise _fail(source, "file not found")
    if path.is_dir():
        raise _fail(source, "is a folder, not a file")
    if not path.is_file():  # a FIFO or a device would block or never end
        raise _fail(source, "is not a regular file")


def _os_reason(exc: OSError, source: str) -> str:
    """The OS's reason, naming the file only when it is not ``source`` (a sibling, say)."""
    reason = exc.strerror or str(exc)
    if exc.filename is not None and os.fspath(exc.filename) != source:
        return f"{reason}: {os.fspath(exc.filename)}"
    return reason


# ---------------------------------------------------------------- .npy headers

_NPY_MAGIC = b"\x93NUMPY"
# The header-length field and header text encoding of each .npy version numpy writes
_NPY_VERSIONS = {(1, 0): ("<H", "latin1"), (2, 0): ("<I", "latin1"), (3, 0): ("<I", "utf8")}
_DTYPE_KINDS = {"U": "text", "S": "bytes", "V": "structured records", "c": "complex numbers",
                "M": "dates", "m": "time spans"}


@dataclass(frozen=True)
class _NpyHeader:
    """What a .npy header declares, and the byte offset of the data after it."""

    shape: tuple[int, ...]
    fortran: bool
    dtype: np.dtype
    offset: int

    @property
    def data_bytes(self) -> int:
        return math.prod(self.shape) * self.dtype.itemsize  # Python ints: a lying shape cannot overflow

    @property
    def memory_bytes(self) -> int:
        # read whole, labels become int64 and scores float64: narrower types widen
        return math.prod(self.shape) * max(self.dtype.itemsize, 8)

    def declared(self) -> str:
        return f"header declares shape {self.shape} of {self.dtype} ({self.data_bytes:,} bytes)"


def _read_npy_header(stream, source: str, where: str | None) -> _NpyHeader:
    """Parse a .npy header by hand, reading only its bounded, declared length.

    numpy's own reader would read a 4 GiB header length before checking it.
    """
    magic = _read_upto(stream, len(_NPY_MAGIC) + 2)
    if not magic or not magic.startswith(_NPY_MAGIC[:len(magic)]):
        raise _fail(source, "not a .npy array (it does not start with the .npy magic string)", where)
    if len(magic) < len(_NPY_MAGIC) + 2:
        raise _fail(source, "ends within the .npy header", where)
    version = (magic[-2], magic[-1])
    if version not in _NPY_VERSIONS:
        raise _fail(source, f"unsupported .npy format version {version[0]}.{version[1]} "
                            "(advisor reads 1.0, 2.0 and 3.0)", where)
    length_format, encoding = _NPY_VERSIONS[version]
    length_field = _read_upto(stream, struct.calcsize(length_format))
    if len(length_field) < struct.calcsize(length_format):
        raise _fail(source, "ends within the .npy header", where)
    length = struct.unpack(length_format, length_field)[0]
    if length > NPY_HEADER_LIMIT:
        raise _fail(source, f"the .npy header is {length:,} bytes long (at most {NPY_HEADER_LIMIT:,} are read)", where)
    text = _read_upto(stream, length)
    if len(text) < length:
        raise _fail(source, "ends within the .npy header", where)
    shape, fortran, dtype = _npy_header_fields(text, encoding, source, where)
    return _NpyHeader(shape, fortran, dtype, len(magic) + len(length_field) + length)


def _read_upto(stream, count: int) -> bytes:
    """``count`` bytes, or fewer only at the end of the stream."""
    chunks, got = [], 0
    while got < count:
        chunk = stream.read(count - got)
        if not chunk:
            break
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


def _npy_header_fields(raw: bytes, encoding: str, source: str, where: str | None):
    """(shape, fortran order, dtype) of a header's text, a Python dict literal."""
    try:
        fields = ast.literal_eval(raw.decode(encoding))
    except (UnicodeDecodeError, SyntaxError, ValueError, TypeError, MemoryError, RecursionError):
        fields = None  # literal_eval's errors on hostile text include MemoryError and RecursionError
    if not isinstance(fields, dict) or set(fields) != {"descr", "fortran_order", "shape"}:
        raise _fail(source, f"the .npy header cannot be parsed: {_shown(raw.decode('latin1').strip())}", where)
    shape, fortran, descr = fields["shape"], fields["fortran_order"], fields["descr"]
    if not (isinstance(shape, tuple) and all(type(n) is int and n >= 0 for n in shape)
            and isinstance(fortran, bool)):
        raise _fail(source, f"the .npy header has an invalid shape or order: {_shown(raw.decode('latin1').strip())}",
                    where)
    if not isinstance(descr, str):  # a list or tuple describes structured records or sub-arrays
        raise _fail(source, f"holds structured records (dtype {_shown(descr)}), not plain numbers", where)
    try:
        return shape, fortran, np.dtype(descr)
    except (TypeError, ValueError, OverflowError):
        raise _fail(source, f"the .npy header names an unknown dtype {_shown(descr)}", where) from None


def _check_npy_header(header: _NpyHeader, stored_bytes: int, role: str, source: str, where: str | None,
                      holder: str = "file") -> None:
    """Refuse a header that cannot hold ``role`` (labels, probs or logits) or that lies about its size.

    ``stored_bytes`` is the size of the ``holder`` (the file, or the zip member) including the header.
    """
    dtype = header.dtype
    if dtype.hasobject:
        raise _fail(source, "holds Python objects (dtype object); advisor never unpickles data "
                            "(allow_pickle=False)", where)
    if dtype.kind not in "biuf":
        wanted = "integers" if role == "labels" else "numbers"
        raise _fail(source, f"holds {_DTYPE_KINDS.get(dtype.kind, 'values')} (dtype {_clipped(str(dtype))}), "
                            f"not plain numbers; {role} must be {wanted}", where)
    if role == "labels" and len(header.shape) != 1:
        raise _fail(source, f"labels must be a 1-D array; got shape {header.shape}", where)
    if len(header.shape) not in (1, 2):
        raise _fail(source, f"{role} must be 1-D (binary) or 2-D (N, K); got shape {header.shape}", where)
    held = stored_bytes - header.offset
    if header.data_bytes != held:
        raise _fail(source, f"{header.declared()} but the {holder} holds {held:,} bytes of data", where)
    if role != "labels" and len(header.shape) == 2 and header.shape[1] > MAX_CLASSES:
        raise _fail(source, f"header declares shape {header.shape}: {header.shape[1]:,} classes, "
                            f"more than the {MAX_CLASSES:,} advisor measures (MAX_CLASSES)", where)
    if not _streamable(header) and header.memory_bytes > MEMORY_CAP:
        hint = "; only C-ordered 2-D float arrays are streamed" if len(header.shape) == 2 else ""
        raise _fail(source, f"header declares shape {header.shape} of {dtype}, which needs {header.memory_bytes:,} "
                            f"bytes of memory (the limit for an array read whole is {MEMORY_CAP:,} bytes{hint})",
                    where)


def _label_bytes(header: _NpyHeader) -> int:
    """Labels read whole, their int64 copy, and the integrality check of float labels."""
    n = header.shape[0]
    return n * (header.dtype.itemsize + 8 + (8 if header.dtype.kind == "f" else 0))


def _score_bytes(header: _NpyHeader) -> int:
    """Memory the scores of a checked header will hold, with the copies :func:`from_arrays` makes."""
    if _streamable(header):
        return 0  # read block by block
    n, itemsize = header.shape[0], header.dtype.itemsize
    if len(header.shape) == 2:
        return header.data_bytes + (0 if header.dtype.kind == "f" else header.data_bytes // itemsize * 8)
    float64_copy = 0 if header.dtype == np.float64 else 8
    return n * (itemsize + float64_copy + 8 + 16)  # then 1 - p, then the (N, 2) columns


def _check_memory(source: str, labels: _NpyHeader, scores: _NpyHeader, kind: str) -> None:
    """Refuse an input whose loading and measurement would need more than :data:`MEMORY_CAP`.

    Worked out from the headers alone (module doc, "Memory"), before any data is read.
    """
    parts = {"labels": _label_bytes(labels), kind: _score_bytes(scores),
             "the measurement": labels.shape[0] * ROW_BYTES}
    needed = sum(parts.values())
    if needed > MEMORY_CAP:
        detail = " + ".join(f"{what} {size:,}" if size else f"{what} 0 (streamed)" for what, size in parts.items())
        raise _fail(source, f"{labels.shape[0]:,} rows would need about {needed:,} bytes of memory "
                            f"({detail}, at {ROW_BYTES} bytes per row); the limit is {MEMORY_CAP:,} bytes")


def _streamable(header: _NpyHeader) -> bool:
    return (len(header.shape) == 2 and not header.fortran and header.dtype.kind == "f"
            and header.data_bytes >= STREAM_BYTES)


def _read_whole(stream, header: _NpyHeader, source: str, where: str | None) -> np.ndarray:
    """The array of a checked header, read from ``stream`` positioned at its data."""
    flat = np.empty(math.prod(header.shape), header.dtype)
    _read_exactly(stream, memoryview(flat.view(np.uint8)), source, where)
    return flat.reshape(header.shape, order="F" if header.fortran else "C")


# ---------------------------------------------------------------- .npz

def _load_npz(path: Path, source: str) -> Predictions:
    if not zipfile.is_zipfile(path):
        raise _fail(source, "not a valid .npz file (not a zip archive)")
    try:
        with zipfile.ZipFile(path) as archive:
            members = _npz_members(archive, source)
            kind = _npz_score_kind(members, source)
            # every header is checked before any data is read or inflated
            headers = {role: _npz_header(archive, members[role], role, source) for role in ("labels", kind)}
            _check_memory(source, headers["labels"], headers[kind], kind)
            labels, scores = (_npz_array(path, archive, members[role], headers[role], source)
                              for role in ("labels", kind))
    except PredictionsFormatError:
        raise
    except (*_ZIP_ERRORS, ValueError) as exc:
        raise _fail(source, f"not a valid .npz file ({exc})") from None
    return from_arrays(labels, source=source, **{kind: scores})


def _npz_members(archive: zipfile.ZipFile, source: str) -> dict[str, zipfile.ZipInfo]:
    """The .npy members by array name; a repeated name is refused (which copy would be meant?)."""
    infos = archive.infolist()
    repeated = [(name, count) for name, count in Counter(info.filename for info in infos).items() if count > 1]
    if repeated:
        name, count = repeated[0]
        raise _fail(source, f"the archive holds {count} members named {name!r}; each name must appear once")
    return {info.filename[:-4]: info for info in infos if info.filename.endswith(".npy") and not info.is_dir()}


def _npz_score_kind(members: dict, source: str) -> str:
    names = sorted(members)
    found = _escaped(", ".join(names)) or "nothing"  # member names are the file's text
    if "labels" not in names:
        raise _fail(source, f"no 'labels' array (found: {found})")
    present = [name for name in ("probs", "logits") if name in names]
    if len(present) != 1:
        problem = "both 'probs' and 'logits'" if present else "neither 'probs' nor 'logits'"
        raise _fail(source, f"has {problem}; give exactly one (found: {found})")
    return present[0]


def _member_where(filename: str) -> str:
    """A member as its array name, as ``np.load`` keys it: ``member 'probs'``."""
    return f"member {filename.removesuffix('.npy')!r}"


def _npz_header(archive: zipfile.ZipFile, info: zipfile.ZipInfo, role: str, source: str) -> _NpyHeader:
    """The checked header of a member; zipfile never inflates more than ``info.file_size`` bytes."""
    where = _member_where(info.filename)
    if info.flag_bits & 0x1:
        raise _fail(source, "is encrypted; advisor reads only unencrypted archives", where)
    try:
        with archive.open(info) as stream:
            header = _read_npy_header(stream, source, where)
    except PredictionsFormatError:
        raise
    except _ZIP_ERRORS as exc:
        raise _fail(source, f"cannot be read ({_zip_reason(exc)})", where) from None
    _check_npy_header(header, info.file_size, role, source, where, holder="member")
    return header


def _npz_array(path: Path, archive: zipfile.ZipFile, info: zipfile.ZipInfo, header: _NpyHeader, source: str):
    """A member's array: a :class:`RowFile` when large and 2-D, else read whole."""
    where = _member_where(info.filename)
    if _streamable(header):
        return _member_rows(path, info, header, source, where)
    try:
        with archive.open(info) as stream:
            _skip(stream, header.offset, source)
            return _read_whole(stream, header, source, where)
    except PredictionsFormatError:
        raise
    except _ZIP_ERRORS as exc:
        raise _fail(source, f"cannot be read ({_zip_reason(exc)})", where) from None


def _member_rows(path: Path, info: zipfile.ZipInfo, header: _NpyHeader, source: str, where: str) -> RowFile:
    if info.compress_type != zipfile.ZIP_STORED:
        return RowFile(path, header.shape, header.dtype, header.offset, member=info.filename)
    return RowFile(path, header.shape, header.dtype, _stored_data_start(path, info, source, where) + header.offset)


def _stored_data_start(path: Path, info: zipfile.ZipInfo, source: str, where: str) -> int:
    """Where a stored member's bytes begin: in place, after its local header."""
    with open(path, "rb") as handle:
        handle.seek(info.header_offset)
        local = handle.read(30)
        archive_bytes = os.fstat(handle.fileno()).st_size
    if len(local) < 30 or not local.startswith(b"PK\x03\x04"):
        raise _fail(source, "its local zip header is damaged", where)
    name_length, extra_length = struct.unpack("<HH", local[26:30])
    start = info.header_offset + 30 + name_length + extra_length
    if start + info.file_size > archive_bytes:
        raise _fail(source, "the archive ends before the member does", where)
    return start


# ---------------------------------------------------------------- .npy

_NPY_NAME = re.compile(r"^(?P<stem>.*)\.(?P<part>labels|probs|logits)\.npy$", re.IGNORECASE)


def _load_npy(path: Path, source: str) -> Predictions:
    match = _NPY_NAME.match(path.name)
    if not match:
        raise _fail(source, "a .npy input is a set of sibling files NAME.labels.npy and "
                            "NAME.probs.npy or NAME.logits.npy; name the files that way")
    stem = match.group("stem")
    siblings = {part: path.with_name(f"{stem}.{part}.npy") for part in ("labels", "probs", "logits")}
    if not siblings["labels"].exists():
        raise _fail(source, f"the labels file {siblings['labels'].name} is missing")
    present = [part for part in ("probs", "logits") if siblings[part].exists()]
    if len(present) != 1:
        problem = "both" if present else "neither"
        raise _fail(source, f"{problem} of {siblings['probs'].name} and {siblings['logits'].name} exist; "
                            "give exactly one")
    kind = present[0]
    files = {role: _NpyFile(siblings[role], source, None if siblings[role] == path else siblings[role].name)
             for role in ("labels", kind)}
    for npy in files.values():
        npy.check_regular()
    # every header is checked before any data is read
    headers = {role: npy.header(role) for role, npy in files.items()}
    _check_memory(source, headers["labels"], headers[kind], kind)
    labels, scores = (files[role].array(headers[role]) for role in ("labels", kind))
    return from_arrays(labels, source=source, **{kind: scores})


@dataclass(frozen=True)
class _NpyFile:
    """One file of a .npy pair; errors name the given ``source``, then this file if it is another."""

    path: Path
    source: str
    where: str | None

    def check_regular(self) -> None:
        if not self.path.is_file():
            raise _fail(self.source, "is not a regular file", self.where)

    def header(self, role: str) -> _NpyHeader:
        with self._reading():
            with open(self.path, "rb") as handle:
                header = _read_npy_header(handle, self.source, self.where)
                stored_bytes = os.fstat(handle.fileno()).st_size
        _check_npy_header(header, stored_bytes, role, self.source, self.where)
        return header

    def array(self, header: _NpyHeader):
        """The checked array: a :class:`RowFile` when large and 2-D, else read whole."""
        if _streamable(header):
            return RowFile(self.path, header.shape, header.dtype, header.offset)
        with self._reading():
            with open(self.path, "rb") as handle:
                handle.seek(header.offset)
                return _read_whole(handle, header, self.source, self.where)

    @contextlib.contextmanager
    def _reading(self):
        try:
            yield
        except OSError as exc:
            raise _fail(self.source, f"cannot be read ({_os_reason(exc, str(self.path))})", self.where) from None


_CSV_COLUMNS = {"p": "probs", "logit": "logits"}


def column_layout(names, source: str, where: str = "line 1") -> tuple[str, bool]:
    """(kind, binary) of the column names ``label,p0,...`` / ``label,logit0,...`` / ``label,prob`` / ``label,logit``.

    Shared by the CSV header and by Parquet partitions (:mod:`advisor.calibration.dask`);
    ``where`` locates the names in error messages.
    """
    names = [str(name).strip().lower() for name in names]
    if not names or names[0] != "label":
        raise _fail(source, "the header must start with 'label' (e.g. label,p0,p1,p2)", where)
    rest = names[1:]
    if rest in (["prob"], ["logit"]):
        return ("probs" if rest == ["prob"] else "logits"), True
    for prefix, kind in _CSV_COLUMNS.items():
        if rest and rest == [f"{prefix}{k}" for k in range(len(rest))]:
            return kind, False
    raise _fail(source, "after 'label' the columns must be p0,p1,...,p{K-1} or logit0,...,logit{K-1} "
                        f"(or 'prob' / 'logit' for a binary task); got {_escaped(','.join(rest)) or 'nothing'}",
                where)


class _TextRows:
    """Rows parsed from a text file, gathered block by block in bounded memory.

    Labels and line numbers are kept as compact 1-D arrays (8 bytes a row each). The
    (N, K) scores of a file of at least :data:`TEXT_STREAM_BYTES` go, block after
    block, to a temporary file of float64 rows that a :class:`RowFile` then reads: the
    second pass of the checks and every later pass read it like a large ``.npy``. Rows
    of one value (a binary task) stay in memory: they are a per-row array like the labels.
    The temporary folder goes when the last reader of it does, or at once on an error.

    Use as a context manager around the parsing; call :meth:`predictions` inside it.
    """

    def __init__(self, path: Path, source: str):
        self.source = source
        self.labels = array("q")
        self.lines = array("q")
        self._pending: list[list[float]] = []
        self._blocks: list[np.ndarray] = []
        self._large = path.stat().st_size >= TEXT_STREAM_BYTES
        self._spill = None
        self._max_rows: int | None = None  # set at the first row, when K is known

    def __enter__(self) -> _TextRows:
        return self

    def __exit__(self, kind, value, traceback) -> None:
        if kind is not None and self._spill is not None:
            self._spill.remove()

    @property
    def count(self) -> int:
        return len(self.labels)

    def append(self, label: int, values: list[float], line: int) -> None:
        if self._max_rows is None:
            self._max_rows = MEMORY_CAP // self._row_bytes(len(values))
        if self.count >= self._max_rows:
            raise _fail(self.source, f"more than {self._max_rows:,} rows: at about {self._row_bytes(len(values))} "
                                     f"bytes per row to load and measure, {MEMORY_CAP:,} bytes (the limit) "
                                     "hold no more", f"line {line} (row {self.count + 1})")
        self.labels.append(label)
        self.lines.append(line)
        self._pending.append(values)
        if len(self._pending) * len(values) >= block_module.CHUNK_ELEMENTS:
            self._flush()

    def _row_bytes(self, width: int) -> int:
        """Memory a row needs (module doc, "Memory"): label and line, scores held, the measurement."""
        if width == 1:
            scores = 8 + 8 + 8 + 16  # parsed, concatenated, 1 - p, the two columns [1-p, p]
        else:
            scores = 0 if self._large else 16 * width  # spilled to a file, or parsed and concatenated
        return 24 + scores + ROW_BYTES

    def _flush(self) -> None:
        if not self._pending:
            return
        rows = np.asarray(self._pending, dtype=np.float64)
        self._pending = []
        if self._large and not self._blocks and self._spill is None and rows.shape[1] > 1:
            self._spill = _Spill()  # decided at the first block: every row has the same width
        if self._spill is None:
            self._blocks.append(rows)
        else:
            self._spill.write(rows)

    def predictions(self, kind: str, binary: bool) -> Predictions:
        """Validate everything gathered (as :func:`from_arrays`) and return it."""
        if not self.count:
            raise _fail(self.source, "no predictions (0 rows)")
        self._flush()
        lines = self.lines

        def where(row: int) -> str:
            return f"line {lines[row]} (row {row + 1})"

        labels = np.array(self.labels, dtype=np.int64)
        return from_arrays(labels, source=self.source, where=where, **{kind: self._scores(binary)})

    def _scores(self, binary: bool):
        if self._spill is None:
            scores = np.concatenate(self._blocks)
            self._blocks = []
            return scores[:, 0] if binary else scores
        return self._spill.finish(self.count)


class _Spill:
    """A temporary file of float64 rows, removed when the :class:`RowFile` reading it is gone."""

    def __init__(self):
        self.folder = tempfile.mkdtemp(prefix="advisor-rows-")
        self.path = os.path.join(self.folder, "rows.f64")
        self.handle = open(self.path, "wb")  # noqa: SIM115  (written block by block, closed by finish)
        self.width = 0
        self.remove = weakref.finalize(self, _remove_folder, self.handle, self.folder)

    def write(self, rows: np.ndarray) -> None:
        self.width = rows.shape[1]
        self.handle.write(rows.tobytes())

    def finish(self, n_rows: int) -> RowFile:
        self.handle.close()
        return RowFile(self.path, (n_rows, self.width), np.float64, 0, owner=self)


def _remove_folder(handle, folder: str) -> None:
    handle.close()
    shutil.rmtree(folder, ignore_errors=True)


# ---------------------------------------------------------------- text files

# How errors="surrogateescape" shows a byte that is not UTF-8: U+DC80..U+DCFF
_ESCAPED_BYTE = re.compile("[\udc80-\udcff]")


def _open_text(path: Path):
    """A text handle that keeps undecodable bytes (as surrogates) so the error can name their line."""
    return open(path, encoding="utf-8-sig", errors="surrogateescape", newline="")


def _text_lines(handle, source: str) -> Iterator[str]:
    """Each line, with its line end; refused at the first that is too long or not UTF-8."""
    for number in itertools.count(1):
        text = handle.readline(LINE_LIMIT + 1)  # bounded: an endless line is never read whole
        if not text:
            return
        if len(text) > LINE_LIMIT and text[-1] not in "\r\n":
            raise _fail(source, f"longer than {LINE_LIMIT:,} characters", f"line {number}")
        bad = None if text.isascii() else _ESCAPED_BYTE.search(text)  # isascii: the fast common case
        if bad:
            raise _fail(source, _not_utf8(text, bad.start()), f"line {number}")
        yield text


def _not_utf8(text: str, index: int) -> str:
    column = len(text[:index].encode("utf-8", "surrogateescape")) + 1
    return f"byte {column} of the line (0x{ord(text[index]) - 0xDC00:02x}) is not valid UTF-8"


class _CsvLines:
    """The lines fed to ``csv.reader``, refusing a record of more than MAX_CLASSES + 1 fields.

    csv builds a record's whole list of fields before advisor sees it: counting the
    commas of each line first bounds that list. A record can span lines (a quoted
    line end), so the count runs from the end of the previous record
    (:meth:`record_done`).
    """

    def __init__(self, lines: Iterator[str], source: str):
        self.lines, self.source = lines, source
        self.number = self.commas = 0

    def __iter__(self) -> _CsvLines:
        return self

    def __next__(self) -> str:
        text = next(self.lines)
        self.number += 1
        self.commas += text.count(",")
        if self.commas > MAX_CLASSES:
            raise _fail(self.source, f"more than {MAX_CLASSES + 1:,} fields: more classes than the "
                                     f"{MAX_CLASSES:,} advisor measures (MAX_CLASSES)", f"line {self.number}")
        return text

    def record_done(self) -> None:
        self.commas = 0


def _csv_records(reader, source: str, lines: _CsvLines) -> Iterator[list[str]]:
    """The non-blank records of a ``csv.reader`` over ``lines``; its errors name their line."""
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise _fail(source, _csv_problem(exc), f"line {reader.line_num}") from None
        lines.record_done()
        if fields and any(field.strip() for field in fields):
            yield fields


def _csv_problem(exc: csv.Error) -> str:
    # a legitimate field is one number, so csv's size limit stays: only the wording changes
    if "field limit" in str(exc):
        return f"a field is longer than {csv.field_size_limit()} characters"
    return f"not valid CSV ({exc})"


def _load_csv(path: Path, source: str) -> Predictions:
    with _open_text(path) as handle:
        lines = _CsvLines(_text_lines(handle, source), source)
        reader = csv.reader(lines)
        records = _csv_records(reader, source, lines)
        header = next(records, None)
        if header is None:
            raise _fail(source, "no predictions (the file is empty)")
        kind, binary = column_layout(header, source, f"line {reader.line_num}")
        names = [name.strip() for name in header[1:]]
        with _TextRows(path, source) as rows:
            for fields in records:
                where = f"line {reader.line_num} (row {rows.count + 1})"
                if len(fields) != len(header):
                    raise _fail(source, f"has {len(fields)} fields, expected {len(header)} as in the header", where)
                label = _parse_label(fields[0], source, where)
                rows.append(label, [_parse_number(text, names[j], source, where)
                                    for j, text in enumerate(fields[1:])], reader.line_num)
            return rows.predictions(kind, binary)


_SHOWN_LIMIT = 60  # characters of a bad value quoted in a message (a field can be 131072)


def _clipped(text: str) -> str:
    return text if len(text) <= _SHOWN_LIMIT else text[:_SHOWN_LIMIT - 3] + "..."


def _escaped(text: str) -> str:
    """Unquoted text from the file, clipped, its control characters escaped (they could drive a terminal)."""
    return _clipped(repr(text)[1:-1])


def _shown(value) -> str:
    """A value as the user wrote it (JSON spelling for JSON values, quotes around text), clipped."""
    return _clipped(_spelled(value))


def _spelled(value) -> str:
    if isinstance(value, str):
        return repr(value)  # quoted, with control characters escaped
    if isinstance(value, (bool, np.bool_)) or value is None:
        return json.dumps(None if value is None else bool(value))
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        return repr(float(value))
    return json.dumps(value, default=str)


def _parse_label(text, source: str, where: str) -> int:
    if isinstance(text, bool):
        raise _fail(source, f"label {_shown(text)} is not an integer", where)
    try:
        value = text if isinstance(text, int) else float(text)  # a JSON int stays exact
    except (TypeError, ValueError):
        raise _fail(source, f"label {_shown(text)} is not an integer", where) from None
    if isinstance(value, float) and math.isinf(value) and str(text).strip().lstrip("+-").isdigit():
        raise _fail(source, f"label {_shown_number(text)} is far outside the class range", where)  # 400+ digits
    if isinstance(value, float) and (not math.isfinite(value) or value != round(value)):
        raise _fail(source, f"label {_shown_number(text)} is not an integer", where)
    if not -2**63 <= value < 2**63:  # no class has such an index, and it would not fit an int64
        raise _fail(source, f"label {_shown_number(text)} is far outside the class range", where)
    return int(value)


def _shown_number(text) -> str:
    """A number as written: the text of a CSV field unquoted, a JSON number as JSON would."""
    return _clipped(text.strip()) if isinstance(text, str) else _shown(text)


def _parse_number(text, column: str, source: str, where: str) -> float:
    if isinstance(text, bool) or text is None:
        raise _fail(source, f"{column}: {_shown(text)} is not a number", where)
    try:
        return float(text)
    except (TypeError, ValueError):
        raise _fail(source, f"{column}: {_shown(text)} is not a number", where) from None


_JSON_KEYS = {"probs": ("probs", False), "logits": ("logits", False), "prob": ("probs", True),
              "logit": ("logits", True)}


class _DuplicateKey(ValueError):
    pass


def _unique_keys(pairs: list) -> dict:
    record = dict(pairs)
    if len(record) != len(pairs):
        seen = set()
        raise _DuplicateKey(next(key for key, _ in pairs if key in seen or seen.add(key)))
    return record


def _json_record(text: str, source: str, where: str) -> tuple[dict, str]:
    """The object of one JSONL line and its one score key, or an error naming the line."""
    try:
        record = json.loads(text, object_pairs_hook=_unique_keys)
    except _DuplicateKey as exc:
        raise _fail(source, f"the key {_shown(exc.args[0])} appears twice (which value is meant?)", where) from None
    except json.JSONDecodeError as exc:
        raise _fail(source, f"not valid JSON ({exc.msg} at column {exc.colno})", where) from None
    except RecursionError:
        raise _fail(source, "not valid JSON (arrays or objects nested too deeply)", where) from None
    except ValueError as exc:  # an integer with more digits than Python converts (sys.set_int_max_str_digits)
        raise _fail(source, f"not valid JSON ({str(exc).split(';')[0]})", where) from None
    if not isinstance(record, dict):
        raise _fail(source, "each line must be a JSON object like {\"label\": 2, \"probs\": [...]}", where)
    if "label" not in record:
        raise _fail(source, "no 'label'", where)
    keys = [key for key in _JSON_KEYS if key in record]
    if len(keys) != 1:
        found = "both " + " and ".join(repr(k) for k in keys) if keys else "none"
        raise _fail(source, f"give exactly one of 'probs', 'logits', 'prob', 'logit' (found {found})", where)
    return record, keys[0]


def _load_jsonl(path: Path, source: str) -> Predictions:
    layout = None  # (key, width, first line)
    with _open_text(path) as handle, _TextRows(path, source) as rows:
        for number, text in enumerate(_text_lines(handle, source), start=1):
            if not text.strip():
                continue
            where = f"line {number} (row {rows.count + 1})"
            if len(text) > JSON_SCAN_CHARS:
                _check_json_items(text, source, where)
            record, key = _json_record(text, source, where)
            values = record[key]
            if _JSON_KEYS[key][1]:
                values = [values]
            elif not isinstance(values, list):
                raise _fail(source, f"'{key}' must be a list of numbers", where)
            if len(values) > MAX_CLASSES:
                raise _fail(source, f"'{key}' has {len(values):,} values: more classes than the "
                                    f"{MAX_CLASSES:,} advisor measures (MAX_CLASSES)", where)
            if layout is None:
                layout = (key, len(values), number)
            elif key != layout[0]:
                raise _fail(source, f"uses '{key}' but line {layout[2]} uses '{layout[0]}'", where)
            elif len(values) != layout[1]:
                raise _fail(source, f"has {len(values)} values in '{key}', expected {layout[1]} "
                                    f"as on line {layout[2]}", where)
            if isinstance(record["label"], str):  # "1" is text in JSON: a typo or a broken export
                raise _fail(source, f"label {_shown(record['label'])} is text, not a JSON number", where)
            label = _parse_label(record["label"], source, where)
            rows.append(label, _json_numbers(values, key, source, where), number)
        if layout is None:
            raise _fail(source, "no predictions (the file is empty)")
        return rows.predictions(*_JSON_KEYS[layout[0]])


# A JSON string: quotes around anything but a quote or backslash, or an escaped character
_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"')


def _check_json_items(text: str, source: str, where: str) -> None:
    """Refuse a line with far more items than a record of MAX_CLASSES values, before json builds them.

    Every item json builds but the first of a list or object follows a comma outside
    a string, so the commas bound the objects (nesting depth is bounded apart). Twice
    MAX_CLASSES leaves room for other keys of the record.
    """
    commas = _JSON_STRING.sub("", text).count(",")
    if commas > 2 * MAX_CLASSES:
        raise _fail(source, f"at least {commas:,} values or keys: far more than a record of at most "
                            f"{MAX_CLASSES:,} classes (MAX_CLASSES) holds", where)


def _json_numbers(values: list, key: str, source: str, where: str) -> list[float]:
    for j, value in enumerate(values):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise _fail(source, f"{key}[{j}]: {_shown(value)} is not a number", where)
    try:
        return [float(value) for value in values]
    except OverflowError:  # an integer beyond float range: like JSON's 1e999, it is infinite
        return [value if isinstance(value, float) else _integer_as_float(value) for value in values]


def _integer_as_float(value: int) -> float:
    try:
        return float(value)
    except OverflowError:
        return math.inf if value > 0 else -math.inf


def input_files(path) -> list[Path]:
    """The files loading ``path`` reads: itself, or every existing sibling of a ``.npy`` pair.

    A command writing output uses it to refuse writing over its own input.
    """
    path = Path(path)
    match = _NPY_NAME.match(path.name)
    if path.suffix.lower() != ".npy" or not match:
        return [path]
    siblings = [path.with_name(f"{match.group('stem')}.{part}.npy") for part in ("labels", "probs", "logits")]
    return [path, *(sibling for sibling in siblings if sibling.exists())]
