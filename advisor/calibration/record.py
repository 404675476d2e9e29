"""Metrics of records without class probabilities: a confidence and a correct flag per row.

This is what LLM evaluations produce (interface section 8): c_i in [0, 1], the model's
stated probability that its answer i is right, and correct_i. With c in place of the
top-label confidence, ``accuracy`` = mean(correct) and ``ece``, ``mce`` and ``bins``
are exactly section 5's (same edges, same bin rule). There is no class
distribution, so ``nll``, ``brier`` and ``temperature`` do not exist for records;
what does exist is the top-label Brier score::

    top_label_brier = mean_i (c_i - correct_i)^2

(for class predictions the same quantity of the top-label confidence; it is not
section 5's ``brier``, which sums over all classes).

:class:`Records` is the validated model (what the readers return for a
``confidence,correct`` layout); :func:`records_from_arrays` is its one input check.
Only confidences the model reported count: a row whose confidence is empty (NaN in
an array; the readers turn an empty field, a JSON null and a Parquet null into NaN)
is counted in ``n_without_confidence`` and left out of every measure.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import binning
from .problem import default_where, fail, shown
from .segment import Segments, as_segments
from .statistic import (
    bin_statistics,
    bins_table,
    ece_from_statistics,
    mce_from_statistics,
)

EPS = float(np.finfo(np.float64).eps)


@dataclass(frozen=True, eq=False)
class Records:
    """Validated records of the rows that reported a confidence.

    Attributes
    ----------
    confidence : ndarray of float64, shape (N,)
        In [0, 1].
    correct : ndarray of bool, shape (N,)
    segments : Segments or None
        The segment of each of the N rows.
    source : str
    n_without_confidence : int
        Rows left out because their confidence was empty.
    """

    confidence: np.ndarray
    correct: np.ndarray
    segments: Segments | None = None
    source: str = "<arrays>"
    n_without_confidence: int = 0

    kind = "confidence"
    n_classes = None

    @property
    def n_samples(self) -> int:
        return int(self.confidence.shape[0])


CORRECT_WORDS = {"0": False, "1": True, "false": False, "true": True}


def as_correct(value) -> bool | None:
    """A correct flag from 0/1, true/false (any case, as text or values), 0.0/1.0; None otherwise."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, str):
        word = value.strip().lower()
        if word in CORRECT_WORDS:
            return CORRECT_WORDS[word]
        try:
            value = float(word)
        except ValueError:
            return None
    if isinstance(value, (int, float, np.integer, np.floating)) and value in (0, 1):
        return bool(value)
    return None


def records_from_arrays(confidence, correct, segments=None, source: str = "<arrays>",
                        where=default_where) -> Records:
    """Validate records and wrap them as :class:`Records`.

    Parameters
    ----------
    confidence : array_like of float, shape (N,)
        In [0, 1]; NaN marks a row whose model reported no confidence.
    correct : array_like, shape (N,)
        Booleans, or numbers that are 0 or 1.
    segments : array_like of str or int, shape (N,), or Segments, optional
    source : str
        Named first in every error message.
    where : callable
        Maps a 0-based row index to its location text (default ``"row i+1"``).

    Raises
    ------
    PredictionsFormatError
        Naming ``source`` and the first bad row.
    """
    conf = np.asarray(confidence)
    flags = np.asarray(correct)
    for name, values in (("confidence", conf), ("correct", flags)):
        if values.ndim != 1:
            raise fail(source, f"{name} must be a 1-D array; got shape {values.shape}")
    if conf.dtype.kind not in "biuf":
        raise fail(source, f"confidence must be numbers; got an array of {conf.dtype}")
    if flags.dtype.kind not in "biuf":
        raise fail(source, f"correct must be 0/1 or true/false; got an array of {flags.dtype}")
    if conf.shape[0] != flags.shape[0]:
        raise fail(source, f"length mismatch: {conf.shape[0]} confidences but {flags.shape[0]} correct flags")
    if conf.shape[0] == 0:
        raise fail(source, "no records (0 rows)")
    conf = conf.astype(np.float64)
    with np.errstate(invalid="ignore"):
        bad = ~np.isnan(conf) & ~((conf >= 0.0) & (conf <= 1.0))
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise fail(source, f"confidence {shown(float(conf[row]))} is outside [0, 1]", where(row))
    if flags.dtype.kind != "b":
        wrong = ~np.isin(flags, (0, 1))
        if wrong.any():
            row = int(np.flatnonzero(wrong)[0])
            raise fail(source, f"correct {shown(flags[row].item())} is not 0/1 or true/false", where(row))
    flags = flags.astype(bool)
    if segments is not None:
        segments = as_segments(segments, source, where)
        if len(segments) != conf.shape[0]:
            raise fail(source, f"length mismatch: {conf.shape[0]} confidences but {len(segments)} segments")
    reported = ~np.isnan(conf)
    missing = int(conf.shape[0] - np.count_nonzero(reported))
    if missing == conf.shape[0]:
        raise fail(source, f"no row has a confidence (all {missing:,} are empty)")
    if missing:
        conf, flags = conf[reported], flags[reported]
        segments = None if segments is None else segments.take(reported)
    return Records(conf, flags, segments, source, missing)


def top_label_brier(confidences, correct) -> float:
    """mean_i (c_i - correct_i)^2 of confidences (N,) and correctness (N,); NaN when N == 0."""
    conf = np.asarray(confidences, dtype=np.float64)
    if not conf.size:
        return float("nan")
    gap = conf - np.asarray(correct, dtype=np.float64)
    return float(np.dot(gap, gap) / conf.size)


def confidence_logit(confidences) -> np.ndarray:
    """x_i = ln(max(c_i, eps)) - ln(max(1 - c_i, eps)), shape (N,): the confidence as a logit.

    The eps clip (section 5's) keeps c = 0 and c = 1 finite (|x| <= 36.05).
    """
    conf = np.asarray(confidences, dtype=np.float64)
    return np.log(np.maximum(conf, EPS)) - np.log(np.maximum(1.0 - conf, EPS))


def sigmoid(x) -> np.ndarray:
    """1 / (1 + e^-x) without overflow, elementwise."""
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(x, dtype=np.float64)))


def record_metrics(confidences, correct, n_bins: int = 15) -> dict:
    """Section 5's metrics with c = confidence (section 8).

    Parameters
    ----------
    confidences : array_like of float, shape (N,), values in [0, 1]
    correct : array_like of bool, shape (N,)
    n_bins : int
        Equal-width bins B.

    Returns
    -------
    dict
        ``n_samples``, ``accuracy``, ``ece``, ``mce``, ``bins`` (section 5) and
        ``top_label_brier``.
    """
    conf = np.asarray(confidences, dtype=np.float64)
    ok = np.asarray(correct, dtype=bool)
    if not conf.size:
        raise ValueError("no records")
    stats = bin_statistics(conf, ok, binning.width_edges(n_bins))
    return {
        "n_samples": int(conf.size),
        "accuracy": int(np.count_nonzero(ok)) / conf.size,
        "ece": ece_from_statistics(*stats),
        "mce": mce_from_statistics(*stats),
        "bins": bins_table(binning.width_edges(n_bins), *stats),
        "top_label_brier": top_label_brier(conf, ok),
    }
