"""Per-segment accuracy and calibration (interface section 8), and the worst segment.

A segment is a named subset of the rows (a language, a customer, a document type),
given as a text or integer label per row. Segment names are the labels as text
(``3`` and ``"3"`` are the same segment) and segments are listed sorted by name as
text (Python string order). Per segment:

- ``accuracy`` = mean(correct) with a Wilson interval (:mod:`advisor.calibration.interval`);
- ``ece``: section 5 on the segment's rows, with the same equal-width bins;
- ``ece_interval``: percentile bootstrap of that ECE (rows resampled within the segment);
- ``ece_if_calibrated``: the mean ECE of a perfectly calibrated model with the same
  confidences (correct_i ~ Bernoulli(c_i)). The binned ECE of n rows is biased
  upwards by roughly sqrt(B / n), so a small segment's ECE only means something
  next to this number (and the bootstrap interval covers the expected binned ECE at
  this size, not the true calibration error);
- ``small``: fewer than ``min_samples`` rows. Small segments are listed and flagged
  but never ranked: their accuracy is too uncertain to call one of them the worst.

Resampling draws are seeded per segment from ``SeedSequence([seed, i])``, i the
segment's position in the sorted list, so a segment's numbers do not depend on how
the other segments are resampled (:func:`segment_resamples`: row by row for small
segments, on per-cell statistics for large ones).
"""

from __future__ import annotations

import math
from array import array
from dataclasses import dataclass

import numpy as np

from . import binning
from .interval import LEVEL, interval_pairs, wilson_interval
from .problem import default_where, fail, shown
from .uncertainty import ROW_LIMIT, bootstrap_ece_accuracy, consistency_eces, percentile_interval

MIN_SEGMENT_SAMPLES = 30
RESAMPLE_ELEMENTS = 1 << 22  # resampled values drawn at once (32 MB of indices)


@dataclass(frozen=True, eq=False)
class Segments:
    """The segment of every row, as codes into names (4-8 bytes a row, not a string each).

    Attributes
    ----------
    names : list of str
        Distinct names, in any order (readers keep the order they first met them).
    codes : ndarray of int, shape (N,)
        Index into ``names`` of every row.
    """

    names: list[str]
    codes: np.ndarray

    def __len__(self) -> int:
        return int(self.codes.shape[0])

    def take(self, rows) -> Segments:
        """The segments of the selected rows (a boolean mask or indices)."""
        return Segments(self.names, self.codes[rows])


class SegmentNames:
    """Names met while reading rows one by one: :meth:`code` gives each its number."""

    def __init__(self):
        self.index: dict[str, int] = {}
        self.codes = array("q")

    def add(self, name: str) -> None:
        code = self.index.get(name)
        if code is None:
            code = self.index[name] = len(self.index)
        self.codes.append(code)

    def segments(self) -> Segments:
        return Segments(list(self.index), np.frombuffer(self.codes, dtype=np.int64).copy())


def segment_name(value) -> str | None:
    """The name of one segment value (text, or an integer as its decimal text); None when unusable.

    Unusable: an empty or blank name, a boolean, a fraction, anything but text and integers.
    """
    if isinstance(value, (bool, np.bool_)):
        return None
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, str):
        return value if value.strip() else None
    return None


def segment_problem(value) -> str:
    """Why ``value`` is not a segment name (for :func:`segment_name` returning None)."""
    if isinstance(value, str) or value is None:
        return "the segment name is empty"
    return f"segment {shown(value)} is neither text nor an integer"


def as_segments(values, source: str, where=default_where) -> Segments:
    """Validated segments of an array (N,) of text or integers, or a :class:`Segments`.

    Raises
    ------
    PredictionsFormatError
        Naming the first row with an empty name, or values that are neither text nor integers.
    """
    if isinstance(values, Segments):
        return values
    array_ = np.asarray(values)
    if array_.ndim != 1:
        raise fail(source, f"segment must be a 1-D array; got shape {array_.shape}")
    if array_.dtype.kind in "iu":
        unique, codes = np.unique(array_, return_inverse=True)
        return Segments([str(int(v)) for v in unique.tolist()], codes.reshape(-1).astype(np.int64))
    if array_.dtype.kind == "U":
        blank = np.char.strip(array_) == ""
        if blank.any():
            raise fail(source, "the segment name is empty", where(int(np.flatnonzero(blank)[0])))
        unique, codes = np.unique(array_, return_inverse=True)
        return Segments([str(v) for v in unique.tolist()], codes.reshape(-1).astype(np.int64))
    if array_.dtype.kind == "O":
        names = SegmentNames()
        for row, value in enumerate(array_.tolist()):
            name = segment_name(value)
            if name is None:
                raise fail(source, segment_problem(value), where(row))
            names.add(name)
        return names.segments()
    raise fail(source, f"segment must be text or integers; got an array of {array_.dtype}")


def segment_codes(segments) -> tuple[list[str], np.ndarray]:
    """Names sorted as text and the code (N,) int64 of every row into them.

    ``segments`` is a :class:`Segments` or an array (N,) of text or integers; integers
    are named by their decimal text, and any other values (an object array mixing 3
    and "3") by ``str``.
    """
    if isinstance(segments, Segments):  # only the names some row has
        used, inverse = np.unique(segments.codes, return_inverse=True)
        names = [segments.names[i] for i in used.tolist()]
    else:
        values = np.asarray(segments).reshape(-1)
        if values.dtype.kind not in "iuU":
            values = values.astype(str)
        unique, inverse = np.unique(values, return_inverse=True)
        names = [str(v) for v in unique.tolist()]  # distinct values have distinct texts
    order = sorted(range(len(names)), key=names.__getitem__)
    rank = np.empty(len(names), dtype=np.int64)
    rank[order] = np.arange(len(names))
    return [names[i] for i in order], rank[inverse.reshape(-1)]


def _ece_rows(keys: np.ndarray, conf: np.ndarray, n_bins: int) -> np.ndarray:
    """ECE of each row of resampled (R, n) bin keys (2 bin + correct) and confidences (R, n)."""
    r, n = keys.shape
    offset = (np.arange(r) * 2 * n_bins)[:, None]
    counts = np.bincount((keys + offset).ravel(), minlength=r * 2 * n_bins).reshape(r, n_bins, 2)
    sum_conf = np.bincount((keys // 2 + offset // 2).ravel(), weights=conf.ravel(),
                           minlength=r * n_bins).reshape(r, n_bins)
    return np.abs(counts[:, :, 1] - sum_conf).sum(axis=1) / n


def resampled_eces(confidences, correct, n_bins: int, n_resamples: int, seed) -> tuple[np.ndarray, np.ndarray]:
    """Bootstrap ECEs and consistency ECEs (R,) of one segment's rows (section-5 bins).

    Bootstrap: rows drawn with replacement, ``integers(0, n, size=(R, n))``.
    Consistency: correct_i redrawn as ``random((R, n)) < c_i`` (a perfectly calibrated
    model with these confidences). Draws come from one ``default_rng(seed)``, in blocks
    of resamples holding about :data:`RESAMPLE_ELEMENTS` values, bootstrap first.
    """
    conf = np.asarray(confidences, dtype=np.float64)
    ok = np.asarray(correct, dtype=bool)
    n = conf.size
    index = binning.assign(conf, binning.width_edges(n_bins))
    keys = 2 * index + ok
    rng = np.random.default_rng(seed)
    step = max(1, RESAMPLE_ELEMENTS // max(1, n))
    bootstrap, consistency = np.empty(n_resamples), np.empty(n_resamples)
    for start in range(0, n_resamples, step):
        stop = min(n_resamples, start + step)
        draw = rng.integers(0, n, size=(stop - start, n))
        bootstrap[start:stop] = _ece_rows(keys[draw], conf[draw], n_bins)
    for start in range(0, n_resamples, step):
        stop = min(n_resamples, start + step)
        redrawn = 2 * index + (rng.random((stop - start, n)) < conf)
        consistency[start:stop] = _ece_rows(redrawn, np.broadcast_to(conf, redrawn.shape), n_bins)
    return bootstrap, consistency


def segment_resamples(confidences, correct, n_bins: int, n_resamples: int,
                      seed: np.random.SeedSequence) -> tuple[np.ndarray, np.ndarray]:
    """Bootstrap and consistency ECEs (R,) of one segment's rows.

    Up to :data:`advisor.calibration.uncertainty.ROW_LIMIT` rows all resamples are drawn
    at once, row by row (:func:`resampled_eces`: many small segments cost no more than
    one large one); above it on per-cell sufficient statistics, as the whole file's
    intervals are (:mod:`advisor.calibration.cell`), so a large segment costs O(bins)
    per resample, not O(rows).
    """
    if len(confidences) <= ROW_LIMIT:
        return resampled_eces(confidences, correct, n_bins, n_resamples, seed)
    child = int(seed.generate_state(1)[0])
    _, boot = bootstrap_ece_accuracy(confidences, correct, n_bins, "width", n_resamples, child, draws="cells")
    return boot, consistency_eces(confidences, n_bins, "width", n_resamples, child, draws="cells")


def segment_table(confidences, correct, segments, n_bins: int = 15, target_accuracy: float | None = None,
                  min_samples: int = MIN_SEGMENT_SAMPLES, n_resamples: int = 1000, seed: int = 0,
                  level: float = LEVEL) -> list[dict]:
    """One entry per segment, sorted by name as text (see module doc).

    Parameters
    ----------
    confidences : array_like of float, shape (N,)
    correct : array_like of bool, shape (N,)
    segments : array_like of str or int, shape (N,)
    n_bins : int
        Equal-width bins of every segment's ECE.
    target_accuracy : float, optional
        Adds ``below_target`` (accuracy < target) to each entry.
    min_samples : int
        Segments with fewer rows are ``small``.
    n_resamples : int
        Bootstrap and consistency resamples per segment (0: ``ece_interval`` and
        ``ece_if_calibrated`` are None).

    Returns
    -------
    list of dict
        ``{"name", "n_samples", "errors", "accuracy", "accuracy_interval", "ece",
        "ece_interval", "ece_if_calibrated", "small", "below_target"}``.
    """
    conf = np.asarray(confidences, dtype=np.float64)
    ok = np.asarray(correct, dtype=bool)
    names, codes = segment_codes(segments)
    s = len(names)
    index = binning.assign(conf, binning.width_edges(n_bins))
    flat = codes * n_bins + index
    counts = np.bincount(codes, minlength=s)
    hits = np.bincount(codes, weights=ok, minlength=s).astype(np.int64)
    sum_conf = np.bincount(flat, weights=conf, minlength=s * n_bins).reshape(s, n_bins)
    sum_correct = np.bincount(flat, weights=ok, minlength=s * n_bins).reshape(s, n_bins)
    eces = np.abs(sum_correct - sum_conf).sum(axis=1) / np.maximum(counts, 1)
    accuracy_intervals = interval_pairs(*wilson_interval(hits, counts, level))
    order = np.argsort(codes, kind="stable")
    bounds = np.concatenate([[0], np.cumsum(counts)])
    table = []
    for i, name in enumerate(names):
        n = int(counts[i])
        entry = {"name": name, "n_samples": n, "errors": n - int(hits[i]), "accuracy": int(hits[i]) / n,
                 "accuracy_interval": accuracy_intervals[i], "ece": float(eces[i]), "ece_interval": None,
                 "ece_if_calibrated": None, "small": n < min_samples,
                 "below_target": None if target_accuracy is None else int(hits[i]) / n < target_accuracy}
        if n_resamples > 0:
            rows = order[bounds[i]:bounds[i + 1]]
            boot, calibrated = segment_resamples(conf[rows], ok[rows], n_bins, n_resamples,
                                                 np.random.SeedSequence([int(seed), i]))
            entry["ece_interval"] = percentile_interval(boot, level)
            entry["ece_if_calibrated"] = float(np.mean(calibrated))
        table.append(entry)
    return table


def worst_segment(table: list[dict], target_accuracy: float | None = None) -> dict | None:
    """The ranked (not small) segment with the lowest accuracy, against the target.

    Ties go to the larger segment, then to the first name. Returns None when every
    segment is small.

    Returns
    -------
    dict or None
        ``{"name", "n_samples", "accuracy", "accuracy_interval", "target_accuracy",
        "below_target", "clearly_below"}``; ``clearly_below``: the whole accuracy interval
        lies under the target. The last three are None without a target.
    """
    ranked = [entry for entry in table if not entry["small"]]
    if not ranked:
        return None
    worst = min(ranked, key=lambda e: (e["accuracy"], -e["n_samples"], e["name"]))
    result = {key: worst[key] for key in ("name", "n_samples", "accuracy", "accuracy_interval")}
    result.update(target_accuracy=target_accuracy, below_target=None, clearly_below=None)
    if target_accuracy is not None:
        result["below_target"] = worst["accuracy"] < target_accuracy
        result["clearly_below"] = worst["accuracy_interval"][1] < target_accuracy
    return result


def worst_share(table: list[dict], fraction: float = 0.2) -> dict | None:
    """Share of the errors and of the rows in the worst fifth of the ranked segments.

    The ranked (not small) segments are ordered by accuracy (lowest first, ties as in
    :func:`worst_segment`); the worst ceil(fraction x S) of them, at least one, are
    taken. Errors concentrate when ``error_share`` is well above ``row_share``.
    None with fewer than 2 ranked segments or no errors.

    Returns
    -------
    dict or None
        ``{"segments": [names], "count", "error_share", "row_share"}``.
    """
    ranked = sorted((e for e in table if not e["small"]), key=lambda e: (e["accuracy"], -e["n_samples"], e["name"]))
    errors = sum(e["errors"] for e in table)
    rows = sum(e["n_samples"] for e in table)
    if len(ranked) < 2 or errors == 0:
        return None
    count = max(1, math.ceil(fraction * len(ranked)))
    worst = ranked[:count]
    return {"segments": [e["name"] for e in worst], "count": count,
            "error_share": sum(e["errors"] for e in worst) / errors,
            "row_share": sum(e["n_samples"] for e in worst) / rows}
