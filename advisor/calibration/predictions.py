"""Predictions: the validated model of a classifier's predicted probabilities or logits.

Two types share one read interface (:class:`BasePredictions`: ``labels``, ``kind``,
``n_samples``, ``n_classes``, ``source`` and :meth:`~BasePredictions.blocks`, the row
blocks every measurement reads):

- :class:`Predictions`: the scores are an ndarray in memory, ``probs`` or ``logits``
  (N, K). What :func:`from_arrays` returns, and what a reader returns for a small file.
- :class:`StreamedPredictions`: the scores of a large file stay in it (``rows``, a
  :class:`~advisor.calibration.rowfile.RowFile` read block by block); there is no
  ``probs`` array to index. ``preds.in_memory()`` reads them whole when they fit.

:func:`from_arrays` is the single input check every entry point goes through (section 4
of the public interface): labels are integers in ``0..K-1``, probabilities have no NaN,
lie in [0, 1] and rows sum to 1 within 1e-4 (float16 rows: within its machine epsilon,
9.8e-4, the rounding of storing a normalized row as float16), logits are finite. A problem raises
:class:`~advisor.calibration.problem.PredictionsFormatError` naming the source and the
first bad row (rows numbered from 1).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from . import config, progress
from .block import EPS, ordered_map, row_chunks, scan_block, sum_tolerance, tolerance_text  # noqa: F401  (EPS re-exported)
from .problem import PredictionsFormatError, default_where, fail, shown
from .rowfile import RowFile
from .segment import Segments, as_segments


class BasePredictions:
    """What every measurement reads: labels, the kind of scores, and their row blocks.

    Attributes
    ----------
    labels : ndarray of int64, shape (N,)
        True classes in ``0..K-1``.
    source : str
        Where the predictions came from (the file name, or ``"<arrays>"``).
    """

    labels: np.ndarray
    source: str
    segments: Segments | None  # the segment of every row (section 8), when the input has them

    @property
    def kind(self) -> str:
        """``"probs"`` or ``"logits"``."""
        raise NotImplementedError

    @property
    def n_samples(self) -> int:
        return int(self.labels.shape[0])

    @property
    def n_classes(self) -> int:
        return int(self._score_rows().shape[1])

    def _score_rows(self):
        raise NotImplementedError

    def blocks(self, elements: int | None = None) -> Iterator[tuple[int, np.ndarray, np.ndarray]]:
        """Yield ``(start, labels (n,), scores (n, K))`` over consecutive row blocks.

        The one way to touch all N x K values: a file-backed input is read block by
        block, in order, so at most one block is resident per consumer. ``elements``
        is the values per block (default: the ``block_values`` setting).
        """
        scores = self._score_rows()
        for rows in row_chunks(self.n_samples, self.n_classes, elements):
            yield rows.start, self.labels[rows], scores[rows]
            progress.rows(rows.stop, self.n_samples)

    def in_memory(self) -> Predictions:
        """These predictions with their scores as an ndarray (reads a streamed file whole)."""
        raise NotImplementedError


@dataclass(frozen=True, eq=False)
class Predictions(BasePredictions):
    """Validated predictions held in memory.

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
    segments : Segments or None
        The segment of every row (interface section 8), when the input has them.
    """

    labels: np.ndarray
    probs: np.ndarray | None
    logits: np.ndarray | None
    source: str = "<arrays>"
    segments: Segments | None = None

    @property
    def kind(self) -> str:
        """``"probs"`` or ``"logits"``."""
        return "probs" if self.probs is not None else "logits"

    @property
    def scores(self) -> np.ndarray:
        """The (N, K) array that is present (probabilities or logits)."""
        scores = self.probs if self.probs is not None else self.logits
        if scores is None:  # pragma: no cover - from_arrays requires exactly one
            raise ValueError("predictions without probabilities or logits")
        return scores

    def _score_rows(self):
        return self.scores

    def in_memory(self) -> Predictions:
        return self


@dataclass(frozen=True, eq=False)
class StreamedPredictions(BasePredictions):
    """Validated predictions of a large file whose (N, K) scores stay in the file.

    The labels are in memory; the scores are read block by block by :meth:`blocks`
    (every measurement does), so memory stays a few blocks whatever N x K is. There is
    no ``probs``/``logits`` ndarray: use :meth:`blocks`, or :meth:`in_memory` when
    N x K x 8 bytes fit in memory.

    Attributes
    ----------
    labels : ndarray of int64, shape (N,)
    score_kind : str
        ``"probs"`` or ``"logits"``: what ``rows`` holds (also :attr:`kind`).
    rows : RowFile
        The (N, K) scores in their file (:class:`~advisor.calibration.rowfile.RowFile`:
        ``shape``, ``dtype``, row slices read on demand).
    source : str
    """

    labels: np.ndarray
    score_kind: str
    rows: RowFile
    source: str = "<arrays>"
    segments: Segments | None = None

    @property
    def kind(self) -> str:
        return self.score_kind

    def _score_rows(self):
        return self.rows

    def __getattr__(self, name: str):
        if name in ("probs", "logits", "scores"):
            raise AttributeError(f"the scores of {self.source} stay in the file (a streamed input has no "
                                 f"'{name}' array); iterate preds.blocks(), or call preds.in_memory() "
                                 "when they fit in memory")
        raise AttributeError(name)

    def in_memory(self) -> Predictions:
        scores = np.asarray(self.rows)
        return Predictions(self.labels, scores if self.kind == "probs" else None,
                           scores if self.kind == "logits" else None, self.source, self.segments)


def from_arrays(labels, probs=None, logits=None, source: str = "<arrays>",
                where: Callable[[int], str] | None = None, check_values: bool = True, segments=None):
    """Validate arrays and wrap them as :class:`Predictions`.

    This is the single input check every entry point goes through.

    Parameters
    ----------
    labels : array_like of int, shape (N,)
    probs : array_like of float, shape (N, K) or (N,), optional
        Rows sum to 1 within 1e-4 (float16: 9.8e-4); a 1-D array is the positive-class probability.
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
    segments : array_like of str or int, shape (N,), or Segments, optional
        The segment of every row (section 8): text or integers, no empty names.

    Returns
    -------
    Predictions
        Arrays in memory. (A reader passing a :class:`~advisor.calibration.rowfile.RowFile`
        as the scores gets :class:`StreamedPredictions`, whose scores stay in the file.)

    Raises
    ------
    PredictionsFormatError
        Naming ``source`` and the first bad row.
    """
    where = where or default_where
    if (probs is None) == (logits is None):
        raise fail(source, "give exactly one of probabilities ('probs') or logits ('logits')"
                   + ("; both were given" if probs is not None else "; neither was given"))
    name = "probs" if probs is not None else "logits"
    scores = _as_float_array(probs if probs is not None else logits, name, source)
    labels = _as_label_array(labels, source, where)
    if scores.ndim not in (1, 2):
        raise fail(source, f"{name} must be 1-D (binary) or 2-D (N, K); got shape {scores.shape}")
    if scores.shape[0] != labels.shape[0]:
        raise fail(source, f"length mismatch: {labels.shape[0]} labels but {scores.shape[0]} rows of {name}")
    if labels.shape[0] == 0:
        raise fail(source, "no predictions (0 rows)")
    if scores.ndim == 2 and scores.shape[1] < 2:
        raise fail(source, f"{name} has {scores.shape[1]} column(s); at least 2 classes are needed "
                           "(a binary task may give the positive class as a 1-D array)")
    max_classes = config.get("max_classes")
    if scores.ndim == 2 and scores.shape[1] > max_classes:
        raise fail(source, f"{name} has {scores.shape[1]:,} columns: more classes than the "
                           f"{max_classes:,} advisor measures (MAX_CLASSES)")
    if scores.ndim == 1:
        if check_values:
            _raise_first_bad(np.asarray(scores), name, 0, source, where)
    elif check_values:
        check_blocks(labels, scores, name, source, where)
    n_classes = 2 if scores.ndim == 1 else scores.shape[1]
    _check_label_range(labels, n_classes, source, where)
    if segments is not None:
        segments = as_segments(segments, source, where)
        if len(segments) != labels.shape[0]:
            raise fail(source, f"length mismatch: {labels.shape[0]} labels but {len(segments)} segments")
    if scores.ndim == 1:
        scores = _binary_columns(scores, name)
    if isinstance(scores, RowFile):
        return StreamedPredictions(labels=labels, score_kind=name, rows=scores, source=source, segments=segments)
    if name == "probs":
        return Predictions(labels=labels, probs=scores, logits=None, source=source, segments=segments)
    return Predictions(labels=labels, probs=None, logits=scores, source=source, segments=segments)


def check_blocks(labels, scores, kind: str, source: str = "<arrays>", where=None) -> None:
    """Check every value of (N, K) scores with the fused block pass; raise naming the first bad row."""
    preds = (StreamedPredictions(labels, kind, scores, source) if isinstance(scores, RowFile)
             else Predictions(labels, scores if kind == "probs" else None, scores if kind == "logits" else None, source))

    def check(item):
        start, block_labels, block = item
        return start, block, scan_block(block_labels, block, kind, check=True, rows=False).ok

    for start, block, ok in ordered_map(check, preds.blocks()):
        if not ok:
            raise block_error(block, kind, start, source, where)


def block_error(block, kind: str, start: int, source: str, where=None) -> PredictionsFormatError:
    """The error naming the first bad row of a block that failed the fused check."""
    try:
        _raise_first_bad(np.asarray(block), kind, start, source, where or default_where)
    except PredictionsFormatError as exc:
        return exc
    return fail(source, "invalid values", (where or default_where)(start))  # not reached


def _binary_columns(values: np.ndarray | RowFile, name: str) -> np.ndarray:
    values = np.asarray(values, dtype=np.float64)
    if name == "probs":
        return np.column_stack([1.0 - values, values])
    # softmax([0, z]) is sigmoid(z): the positive-class logit becomes a 2-class logit row
    return np.column_stack([np.zeros_like(values), values])


def _as_float_array(values, name: str, source: str) -> np.ndarray | RowFile:
    if isinstance(values, RowFile):
        if values.dtype.kind != "f":
            raise fail(source, f"{name} must be floating-point numbers; got an array of {values.dtype}")
        return values
    array = np.asarray(values)
    if array.dtype.kind == "f":
        return array
    if array.dtype.kind in "iub":
        return array.astype(np.float64)
    raise fail(source, f"{name} must be numbers; got an array of {array.dtype}")


def _as_label_array(values, source: str, where) -> np.ndarray:
    array = np.asarray(values)
    if array.ndim != 1:
        raise fail(source, f"labels must be a 1-D array; got shape {array.shape}")
    if array.dtype.kind in "iu":
        _check_label_size(array, source, where)
        return array.astype(np.int64, copy=False)
    if array.dtype.kind == "f":
        bad = ~np.isfinite(array) | (array != np.round(array))
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            raise fail(source, f"label {shown(array[row])} is not an integer", where(row))
        _check_label_size(array, source, where)
        return array.astype(np.int64)
    raise fail(source, f"labels must be integers; got an array of {array.dtype}")


def _check_label_size(array: np.ndarray, source: str, where) -> None:
    """Refuse labels that int64 cannot hold before the cast would wrap them (2**64 - 1 becomes -1)."""
    if array.dtype.kind == "i" or not len(array):
        return
    huge = np.abs(array) >= 2.0**62 if array.dtype.kind == "f" else array > np.iinfo(np.int64).max
    if huge.any():
        row = int(np.flatnonzero(huge)[0])
        raise fail(source, f"label {shown(array[row])} is far outside the class range", where(row))


def _check_label_range(labels: np.ndarray, n_classes: int, source: str, where) -> None:
    bad = (labels < 0) | (labels >= n_classes)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise fail(source, f"label {labels[row]} is outside 0..{n_classes - 1} ({n_classes} classes)", where(row))


def _raise_first_bad(block: np.ndarray, kind: str, start: int, source: str, where) -> None:
    """Raise for the first bad row of a 1-D or 2-D block (rows numbered from ``start``), if any."""
    where = where or default_where
    x = block if block.ndim == 2 else block[:, None]
    column = (lambda c: f" (column {c})") if block.ndim == 2 else (lambda c: "")
    with np.errstate(all="ignore"):
        if kind == "probs":
            tests = [(np.isnan(x), lambda v, c: "probability is NaN" + column(c)),
                     (x < 0, lambda v, c: f"probability {shown(v)} is negative" + column(c)),
                     (x > 1, lambda v, c: f"probability {shown(v)} is greater than 1" + column(c))]
        else:
            tests = [(~np.isfinite(x), lambda v, c: f"logit {shown(v)} is not finite" + column(c))]
        bad_rows = np.zeros(x.shape[0], dtype=bool)
        for mask, _ in tests:
            bad_rows |= mask.any(axis=1)
        sums, tolerance = None, sum_tolerance(block.dtype)
        if kind == "probs" and block.ndim == 2:
            sums = x.sum(axis=1, dtype=np.float64)
            bad_rows |= np.abs(sums - 1.0) > tolerance
    if not bad_rows.any():
        return
    row = int(np.flatnonzero(bad_rows)[0])
    for mask, text in tests:
        if mask[row].any():
            col = int(np.flatnonzero(mask[row])[0])
            raise fail(source, text(float(x[row, col]), col), where(start + row))
    if sums is None:  # pragma: no cover - a row no value test flagged was flagged by its sum
        raise ValueError(f"row {start + row}: no check explains the bad row")
    raise fail(source, f"probabilities sum to {sums[row]:.6g}, not 1 (tolerance {tolerance_text(tolerance)})",
               where(start + row))


# ---------------------------------------------------------------- files
