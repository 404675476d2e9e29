"""Two models' predictions on the same rows: paired differences with paired-bootstrap intervals.

``compare(a, b)`` measures both (section 5: accuracy, ECE, MCE, NLL, Brier) and reports
each difference B - A with a percentile interval from a paired bootstrap: every
resample draws one set of rows and measures both models on it, so what the two share
(the same hard and easy rows) cancels out of the difference, and the interval is far
narrower than two separate intervals would suggest. A difference is distinguishable
from zero when its interval excludes 0.

The resamples are drawn as for one model (:mod:`advisor.calibration.uncertainty`): row
by row up to ``ROW_LIMIT`` rows; above it on cells keyed by both models' bins and
correctness (at most (2B)^2 cells), each cell carrying both models' confidence, NLL and
Brier with their covariance (:mod:`advisor.calibration.cell`), so a resample costs
O(cells). When both inputs carry segments, each segment gets its own paired
differences (rows resampled within the segment).

The rows must be the same: the same number, the same labels in the same order (and
the same segment per row when both have segments); otherwise
:class:`~advisor.calibration.problem.PredictionsFormatError` names the first row that differs.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import binning, progress
from .accumulator import CalibrationAccumulator
from .cell import cell_table, resample_cells
from .problem import PredictionsFormatError, shown
from .uncertainty import LEVEL, draws_for, percentile_interval, streams

METRICS = ("accuracy", "ece", "mce", "nll", "brier")
CELL_LIMIT = 1 << 16  # (2B)^2 paired cells at most for the cell draws; more bins resample rows


def compare(a, b, *, bins: int = 15, n_bootstrap: int = 1000, seed: int = 0,
            level: float = LEVEL, draws: str = "auto") -> dict:
    """Paired comparison of predictions ``a`` and ``b`` of the same rows (module doc).

    Returns
    -------
    dict
        ``n_samples``, ``n_bins``, ``a`` and ``b`` (``source`` and the metrics),
        ``difference`` (B - A per metric), ``intervals`` (``[lo, hi]`` per metric, None
        without resamples), ``distinguishable`` (per metric: the interval excludes 0),
        ``level``, ``n_resamples``, ``seed``, ``draws``, and ``segments`` (a list, one
        entry per segment sorted by name, when both inputs carry segments; else None).
    """
    _check_same_rows(a, b)
    progress.phase("measuring A")
    rows_a, metrics_a = _rows(a, bins)
    progress.phase("measuring B")
    rows_b, metrics_b = _rows(b, bins)
    progress.phase("paired bootstrap")
    edges = binning.width_edges(bins)
    n = a.n_samples
    result = {"n_samples": n, "n_bins": int(bins),
              "a": {"source": a.source, **metrics_a}, "b": {"source": b.source, **metrics_b}}
    result.update(_paired(rows_a, rows_b, edges, n_bootstrap, streams(seed)[0], level, draws))
    # the same numbers as measuring each file on its own (advisor calibration), subtracted
    result["difference"] = {key: None if metrics_a[key] is None or metrics_b[key] is None
                            else metrics_b[key] - metrics_a[key] for key in METRICS}
    result.update({"level": level, "n_resamples": int(n_bootstrap), "seed": int(seed)})
    result["segments"] = _segments(a, b, rows_a, rows_b, edges, n_bootstrap, seed, level, draws)
    for entry in [result, *(result["segments"] or [])]:
        _drop_missing(entry, metrics_a, metrics_b)
    return result


def _drop_missing(entry: dict, metrics_a: dict, metrics_b: dict) -> None:
    """NLL and Brier need class probabilities: null for confidence records, in every part of ``entry``."""
    for key in ("nll", "brier"):
        if metrics_a[key] is None or metrics_b[key] is None:
            entry["a"][key] = entry["b"][key] = entry["difference"][key] = None
            for part in ("intervals", "distinguishable"):
                if entry.get(part) is not None:
                    entry[part][key] = None


def _check_same_rows(a, b) -> None:
    if a.n_samples != b.n_samples:
        first = min(a.n_samples, b.n_samples) + 1
        raise PredictionsFormatError(
            f"{b.source}: has {b.n_samples:,} rows but {a.source} has {a.n_samples:,} (row {first} is in one only); "
            "compare needs predictions of the same rows in the same order")
    # confidence records have no labels: only their number of rows can be checked
    labelled = hasattr(a, "labels") and hasattr(b, "labels")
    differ = np.flatnonzero(a.labels != b.labels) if labelled else np.empty(0, dtype=np.intp)
    if differ.size:
        row = int(differ[0])
        raise PredictionsFormatError(
            f"{b.source}: row {row + 1}: label {shown(int(b.labels[row]))} but {a.source} has "
            f"{shown(int(a.labels[row]))}; compare needs predictions of the same rows in the same order")
    names_a, names_b = _segment_names(a), _segment_names(b)
    if names_a is not None and names_b is not None:
        differ = np.flatnonzero(names_a != names_b)
        if differ.size:
            row = int(differ[0])
            raise PredictionsFormatError(
                f"{b.source}: row {row + 1}: segment {shown(str(names_b[row]))} but {a.source} has "
                f"{shown(str(names_a[row]))}; compare needs the same segment on each row")


def _segment_names(preds) -> np.ndarray | None:
    """The segment name of every row (N,), or None when the input has no segments."""
    segments = getattr(preds, "segments", None)
    if segments is None:
        return None
    return np.asarray(segments.names, dtype=object)[np.asarray(segments.codes)]


def _rows(preds, bins: int) -> tuple[dict, dict]:
    """Per-row confidence, correctness, NLL and Brier (one fused pass), and the section-5 metrics.

    Confidence records (``kind == "confidence"``) have no class probabilities: their NLL
    and Brier are zeros here, so the sums below stay defined, and None in the metrics.
    """
    n = preds.n_samples
    if preds.kind == "confidence":
        conf, correct = np.asarray(preds.confidence, dtype=np.float64), np.asarray(preds.correct, dtype=bool)
        edges = binning.width_edges(bins)
        sums = _bin_sums(binning.assign(conf, edges)[None], correct[None], conf[None], bins)
        zeros = np.zeros(1)
        metrics: dict[str, float | None] = {
            key: float(value[0]) for key, value in _metrics_from_sums(*sums, zeros, zeros, n).items()}
        metrics.update(nll=None, brier=None)
        return {"confidence": conf, "correct": correct, "nll": np.zeros(n), "brier": np.zeros(n)}, metrics
    acc = CalibrationAccumulator(bins=bins)
    rows = {"confidence": np.empty(n), "correct": np.empty(n, dtype=bool), "nll": np.empty(n), "brier": np.empty(n)}
    start = 0
    for labels, block in acc.scan(preds):
        acc.add_block(labels, block)
        stop = start + labels.shape[0]
        for key in rows:
            rows[key][start:stop] = getattr(block.rows, key)
        start = stop
    result = acc.result()
    return rows, {key: result[key] for key in METRICS}


def _metrics_from_sums(correct, conf, count, nll, brier, n: int) -> dict:
    """Section-5 metrics (R,) from per-bin correct counts, confidence sums and row counts (R, B) and loss sums (R,)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        gaps = np.abs(correct - conf)
        per_bin = np.where(count > 0, gaps / np.maximum(count, 1), 0.0)
    return {"accuracy": correct.sum(axis=1) / n, "ece": gaps.sum(axis=1) / n, "mce": per_bin.max(axis=1),
            "nll": nll / n, "brier": brier / n}


def _paired(rows_a: dict, rows_b: dict, edges: np.ndarray, n_resamples: int, stream, level: float,
            draws: str) -> dict:
    """Differences B - A, their paired-bootstrap intervals and whether each excludes 0."""
    n, n_bins = rows_a["confidence"].size, len(edges) - 1
    point = {}
    for side, rows in (("a", rows_a), ("b", rows_b)):
        index = binning.assign(rows["confidence"], edges)
        sums = _bin_sums(index[None], rows["correct"][None], rows["confidence"][None], n_bins)
        point[side] = _metrics_from_sums(*sums, rows["nll"].sum(keepdims=True), rows["brier"].sum(keepdims=True), n)
    difference = {key: float(point["b"][key][0] - point["a"][key][0]) for key in METRICS}
    way = draws_for(n, draws) if (2 * n_bins) ** 2 <= CELL_LIMIT else "rows"
    out: dict[str, Any] = {"difference": difference, "intervals": None, "distinguishable": None, "draws": way}
    if n_resamples <= 0 or n == 0:
        return out
    rng = np.random.default_rng(stream)
    if way == "cells":
        replicates = _cell_replicates(rows_a, rows_b, edges, n_resamples, rng)
    else:
        replicates = _row_replicates(rows_a, rows_b, edges, n_resamples, rng)
    out["intervals"] = {key: percentile_interval(replicates[key], level) for key in METRICS}
    out["distinguishable"] = {key: not (lo <= 0.0 <= hi) for key, (lo, hi) in out["intervals"].items()}
    return out


def _bin_sums(index, correct, conf, n_bins: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-bin (correct, confidence sum, count), each (R, B), of (R, n) bin indices, correctness and confidences."""
    r = index.shape[0]
    flat = (index + (np.arange(r) * n_bins)[:, None]).ravel()
    size = r * n_bins
    return (np.bincount(flat, weights=correct.ravel(), minlength=size).reshape(r, n_bins),
            np.bincount(flat, weights=conf.ravel(), minlength=size).reshape(r, n_bins),
            np.bincount(flat, minlength=size).reshape(r, n_bins).astype(np.float64))


def _row_replicates(rows_a: dict, rows_b: dict, edges: np.ndarray, n_resamples: int, rng) -> dict:
    """Replicates (R,) of every difference, each resample the same drawn rows for both models."""
    n, n_bins = rows_a["confidence"].size, len(edges) - 1
    index = [binning.assign(rows["confidence"], edges) for rows in (rows_a, rows_b)]
    out = {key: np.empty(n_resamples) for key in METRICS}
    step = max(1, (1 << 22) // max(1, n))  # resamples drawn at once: about 4 million indices
    for first in range(0, n_resamples, step):
        count = min(step, n_resamples - first)
        draw = rng.integers(0, n, size=(count, n))
        metrics = []
        for rows, bins in zip((rows_a, rows_b), index, strict=True):
            sums = _bin_sums(bins[draw], rows["correct"][draw], rows["confidence"][draw], n_bins)
            metrics.append(_metrics_from_sums(*sums, rows["nll"][draw].sum(axis=1), rows["brier"][draw].sum(axis=1), n))
        for key in METRICS:
            out[key][first:first + count] = metrics[1][key] - metrics[0][key]
    return out


def _cell_replicates(rows_a: dict, rows_b: dict, edges: np.ndarray, n_resamples: int, rng) -> dict:
    """Replicates (R,) of every difference, drawn on cells of (A's bin and correctness, B's)."""
    n, n_bins = rows_a["confidence"].size, len(edges) - 1
    side = 2 * n_bins
    keys = np.empty(n, dtype=np.int64)
    keys[:] = 2 * binning.assign(rows_a["confidence"], edges) + rows_a["correct"]
    keys *= side
    keys += 2 * binning.assign(rows_b["confidence"], edges) + rows_b["correct"]
    values = [rows_a["confidence"], rows_b["confidence"], rows_a["nll"], rows_b["nll"], rows_a["brier"],
              rows_b["brier"]]
    table = cell_table(keys, values)
    counts, sums = resample_cells(table, n_resamples, rng)
    metrics = []
    for which, key_of in ((0, table.keys // side), (1, table.keys % side)):
        bins, hit = key_of // 2, (key_of % 2).astype(bool)
        correct = np.zeros((n_resamples, n_bins))
        conf = np.zeros((n_resamples, n_bins))
        count = np.zeros((n_resamples, n_bins))
        np.add.at(correct.T, bins[hit], counts[:, hit].T)
        np.add.at(conf.T, bins, sums[:, :, which].T)
        np.add.at(count.T, bins, counts.T)
        metrics.append(_metrics_from_sums(correct, conf, count, sums[:, :, 2 + which].sum(axis=1),
                                          sums[:, :, 4 + which].sum(axis=1), n))
    return {key: metrics[1][key] - metrics[0][key] for key in METRICS}


def _segments(a, b, rows_a, rows_b, edges, n_resamples, seed, level, draws) -> list | None:
    """Per-segment paired differences when both inputs carry segments, sorted by name; else None."""
    names = _segment_names(a)
    if names is None or _segment_names(b) is None:
        return None
    out = []
    for i, name in enumerate(sorted(set(names.tolist()))):
        mine = names == name
        part_a = {key: value[mine] for key, value in rows_a.items()}
        part_b = {key: value[mine] for key, value in rows_b.items()}
        entry = {"name": name, "n_samples": int(mine.sum())}
        paired = _paired(part_a, part_b, edges, n_resamples, np.random.SeedSequence([int(seed), i]), level, draws)
        for side, part in (("a", part_a), ("b", part_b)):
            index = binning.assign(part["confidence"], edges)
            sums = _bin_sums(index[None], part["correct"][None], part["confidence"][None], len(edges) - 1)
            metrics = _metrics_from_sums(*sums, part["nll"].sum(keepdims=True), part["brier"].sum(keepdims=True),
                                         entry["n_samples"])
            entry[side] = {key: float(metrics[key][0]) for key in METRICS}
        entry.update(paired)
        out.append(entry)
    return out
