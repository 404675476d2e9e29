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

import csv
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
from array import array
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
            if self.member is None:
                self._read_file(start, view)
            else:
                self._read_stream(start, stop, view)
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


def _read_exactly(handle, view: memoryview, name: str) -> None:
    done = 0
    while done < len(view):
        got = handle.readinto(view[done:])
        if not got:
            raise PredictionsFormatError(f"{name}: cannot be read (the file ends early)")
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
        return array.astype(np.int64, copy=False)
    if array.dtype.kind == "f":
        bad = ~np.isfinite(array) | (array != np.round(array))
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            raise _fail(source, f"label {_shown(array[row])} is not an integer", where(row))
        return array.astype(np.int64)
    raise _fail(source, f"labels must be integers; got an array of {array.dtype}")


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
    if not path.exists():
        raise _fail(source, "file not found")
    if path.is_dir():
        raise _fail(source, "is a folder, not a file")
    try:
        return loaders[suffix](path, source)
    except PredictionsFormatError:
        raise
    except (OSError, ValueError, EOFError) as exc:
        raise _fail(source, f"cannot be read ({exc})") from None


def _load_npz(path: Path, source: str) -> Predictions:
    if not zipfile.is_zipfile(path):
        raise _fail(source, "not a valid .npz file (not a zip archive)")
    try:
        with zipfile.ZipFile(path) as archive:
            members = {info.filename[:-4]: info for info in archive.infolist() if info.filename.endswith(".npy")}
        names = sorted(members)
        if "labels" not in names:
            raise _fail(source, f"no 'labels' array (found: {', '.join(names) or 'nothing'})")
        present = [name for name in ("probs", "logits") if name in names]
        if len(present) != 1:
            problem = "both 'probs' and 'logits'" if present else "neither 'probs' nor 'logits'"
            raise _fail(source, f"has {problem}; give exactly one (found: {', '.join(names)})")
        scores = _npz_member(path, members[present[0]])
        if not isinstance(scores, RowFile):
            with np.load(path, allow_pickle=False) as data:
                scores = data[present[0]]
        with np.load(path, allow_pickle=False) as data:
            labels = data["labels"]
    except (zipfile.BadZipFile, ValueError) as exc:
        if isinstance(exc, PredictionsFormatError):
            raise
        raise _fail(source, f"not a valid .npz file ({exc})") from None
    return from_arrays(labels, source=source, **{present[0]: scores})


def _npz_member(path: Path, info: zipfile.ZipInfo):
    """A :class:`RowFile` over a large 2-D member, or None (then the member is loaded)."""
    with zipfile.ZipFile(path) as archive, archive.open(info) as stream:
        shape, fortran, dtype, header = _npy_header(stream)
    if not _streamable(shape, fortran, dtype):
        return None
    if info.compress_type == zipfile.ZIP_STORED and not info.flag_bits & 0x1:
        with open(path, "rb") as handle:  # the member's bytes lie in place after its local header
            handle.seek(info.header_offset)
            local = handle.read(30)
        name_length, extra_length = struct.unpack("<HH", local[26:30])
        start = info.header_offset + 30 + name_length + extra_length
        return RowFile(path, shape, dtype, start + header)
    return RowFile(path, shape, dtype, header, member=info.filename)


def _npy_header(handle) -> tuple[tuple, bool, np.dtype, int]:
    """(shape, fortran_order, dtype, header length in bytes) of a .npy stream at its start."""
    version = np.lib.format.read_magic(handle)
    if version == (1, 0):
        shape, fortran, dtype = np.lib.format.read_array_header_1_0(handle)
    elif version == (2, 0):
        shape, fortran, dtype = np.lib.format.read_array_header_2_0(handle)
    else:
        shape, fortran, dtype = np.lib.format._read_array_header(handle, version)
    return shape, fortran, dtype, handle.tell()


def _streamable(shape, fortran: bool, dtype: np.dtype) -> bool:
    return (len(shape) == 2 and not fortran and dtype.kind == "f" and not dtype.hasobject
            and int(np.prod(shape, dtype=np.int64)) * dtype.itemsize >= STREAM_BYTES)


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
    labels = _read_npy(siblings["labels"])
    scores = _read_npy(siblings[present[0]])
    return from_arrays(labels, source=source, **{present[0]: scores})


def _read_npy(path: Path):
    """The array of a .npy file: a :class:`RowFile` when large and 2-D, else loaded."""
    try:
        with open(path, "rb") as handle:
            shape, fortran, dtype, header = _npy_header(handle)
        if _streamable(shape, fortran, dtype):
            return RowFile(path, shape, dtype, header)
        return np.load(path, allow_pickle=False)
    except ValueError as exc:
        raise _fail(str(path), f"not a valid .npy file ({exc})") from None


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
                        f"(or 'prob' / 'logit' for a binary task); got {','.join(rest) or 'nothing'}",
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

    def __enter__(self) -> _TextRows:
        return self

    def __exit__(self, kind, value, traceback) -> None:
        if kind is not None and self._spill is not None:
            self._spill.remove()

    @property
    def count(self) -> int:
        return len(self.labels)

    def append(self, label: int, values: list[float], line: int) -> None:
        self.labels.append(label)
        self.lines.append(line)
        self._pending.append(values)
        if len(self._pending) * len(values) >= block_module.CHUNK_ELEMENTS:
            self._flush()

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


def _load_csv(path: Path, source: str) -> Predictions:
    with open(path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if header is None:
            raise _fail(source, "no predictions (the file is empty)")
        kind, binary = column_layout(header, source)
        names = [name.strip() for name in header[1:]]
        with _TextRows(path, source) as rows:
            for fields in reader:
                if not fields or all(not f.strip() for f in fields):
                    continue
                where = f"line {reader.line_num} (row {rows.count + 1})"
                if len(fields) != len(header):
                    raise _fail(source, f"has {len(fields)} fields, expected {len(header)} as in the header", where)
                label = _parse_label(fields[0], source, where)
                rows.append(label, [_parse_number(text, names[j], source, where)
                                    for j, text in enumerate(fields[1:])], reader.line_num)
            return rows.predictions(kind, binary)


def _shown(value) -> str:
    """A value as the user wrote it: JSON spelling for JSON values, quotes around text."""
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
    if isinstance(value, float) and (not math.isfinite(value) or value != round(value)):
        raise _fail(source, f"label {_shown_number(text)} is not an integer", where)
    if not -2**63 <= value < 2**63:  # no class has such an index, and it would not fit an int64
        raise _fail(source, f"label {_shown_number(text)} is far outside the class range", where)
    return int(value)


def _shown_number(text) -> str:
    """A number as written: the text of a CSV field unquoted, a JSON number as JSON would."""
    return text.strip() if isinstance(text, str) else _shown(text)


def _parse_number(text, column: str, source: str, where: str) -> float:
    if isinstance(text, bool) or text is None:
        raise _fail(source, f"{column}: {_shown(text)} is not a number", where)
    try:
        return float(text)
    except (TypeError, ValueError):
        raise _fail(source, f"{column}: {_shown(text)} is not a number", where) from None


_JSON_KEYS = {"probs": ("probs", False), "logits": ("logits", False), "prob": ("probs", True),
              "logit": ("logits", True)}


def _json_record(text: str, source: str, where: str) -> tuple[dict, str]:
    """The object of one JSONL line and its one score key, or an error naming the line."""
    try:
        record = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _fail(source, f"not valid JSON ({exc.msg} at column {exc.colno})", where) from None
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
    with open(path, encoding="utf-8-sig") as handle, _TextRows(path, source) as rows:
        for number, text in enumerate(handle, start=1):
            if not text.strip():
                continue
            where = f"line {number} (row {rows.count + 1})"
            record, key = _json_record(text, source, where)
            values = record[key]
            if _JSON_KEYS[key][1]:
                values = [values]
            elif not isinstance(values, list):
                raise _fail(source, f"'{key}' must be a list of numbers", where)
            if layout is None:
                layout = (key, len(values), number)
            elif key != layout[0]:
                raise _fail(source, f"uses '{key}' but line {layout[2]} uses '{layout[0]}'", where)
            elif len(values) != layout[1]:
                raise _fail(source, f"has {len(values)} values in '{key}', expected {layout[1]} "
                                    f"as on line {layout[2]}", where)
            label = _parse_label(record["label"], source, where)
            for j, value in enumerate(values):
                if isinstance(value, bool) or not isinstance(value, (int, float)):
                    raise _fail(source, f"{key}[{j}]: {_shown(value)} is not a number", where)
            rows.append(label, [float(v) for v in values], number)
        if layout is None:
            raise _fail(source, "no predictions (the file is empty)")
        return rows.predictions(*_JSON_KEYS[layout[0]])
