"""Honest post-calibration results by k-fold cross-fitting.

The rows are split into k folds by a seeded shuffle of the pattern 0, 1, ..., k-1, 0, ...
(stream 2 of :func:`advisor.calibration.uncertainty.streams`). For each
fold a calibrator is fitted on the other k-1 folds and applied to the held-out fold;
the held-out predictions of all folds are pooled and measured (ECE with section-5
bins, NLL, Brier, accuracy). No row is ever scored by a calibrator that saw it.
The k temperatures are fitted jointly (:func:`advisor.calibration.scaling.fit_fold_temperatures`:
each Newton/Halley step of all folds is one read of each row block, or for a binary
task of one margin per row, :mod:`advisor.calibration.margin`) and the held-out rows
are then scored in one more pass, each row with its own fold's T. Platt scaling works
on the 1-D positive-class logits (one pass), grouped by fold so that each fold's
training rows are k-1 ranges of one array (no copy per fold), every fold starting from
one shared warm start (a fit on a strided subsample) so that two or three Newton
steps finish it. Isotonic regression (K <= 50) gathers the probabilities of a few
classes at a time (N values per class, within the ``isotonic_values`` setting); the
k fold maps of a class come from one sort of all its rows
(:func:`advisor.calibration.isotonic.fit_isotonic_folds`), and scoring is one pass
with each row's fold maps. Every read of the N x K scores goes through
``preds.blocks()``: no copy of them is made.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from . import cellfit, config, isotonic, platt, progress, scaling
from .accumulator import CalibrationAccumulator
from .block import ordered_map, row_chunks
from .predictions import BasePredictions, Predictions
from .scan import chunk_rows
from .uncertainty import streams

ISOTONIC_MAX_CLASSES = 50  # one-vs-rest isotonic over more classes is neither meaningful nor cheap


def fold_ids(n_samples: int, folds: int, seed: int = 0) -> np.ndarray:
    """Fold number (N,) of every row: the pattern 0, 1, ..., k-1, 0, 1, ... shuffled by a seeded generator.

    Fold sizes differ by at most one (the first N mod k folds hold one row more), and
    which rows share a fold is uniformly random. One byte a row where the folds allow
    (10 million rows take 10 MB), shuffled in place: a third of the time of drawing a
    permutation of the row numbers and dealing it out.
    """
    rng = np.random.default_rng(streams(seed)[2])
    pattern = np.arange(folds, dtype=np.int8 if folds <= 127 else np.int64)
    ids = np.tile(pattern, -(-n_samples // folds))[:n_samples]
    rng.shuffle(ids)
    return ids


SUMMARY_KEYS = ("ece", "nll", "brier", "accuracy")


def _summary(acc: CalibrationAccumulator) -> dict:
    result = acc.result()
    return {key: result[key] for key in SUMMARY_KEYS}


def _temperature_folds(preds: BasePredictions, ids: np.ndarray, k: int, acc: CalibrationAccumulator,
                       held_out: np.ndarray | None = None) -> float:
    """Fit all k fold temperatures in shared passes, then score every row with its fold's T in one pass.

    Returns the temperature fitted on all rows (a by-product of the joint fit). ``held_out``
    (N,), when given, receives every row's scaled top-label confidence (selective prediction
    after calibration reads them).
    """
    overall, temperatures = scaling.fit_fold_temperatures(preds, ids, k)
    betas = 1.0 / temperatures

    def work(item):
        start, labels, chunk = item
        beta = betas[ids[start:start + labels.shape[0]]]
        z = scaling.log_scores(chunk, preds.kind)
        pred = np.argmax(z, axis=1)
        with np.errstate(over="ignore"):  # z - max z of +-1e308 logits is -inf: clipped below
            z -= z[np.arange(z.shape[0]), pred][:, None]
        np.maximum(z, scaling.SHIFT_FLOOR, out=z)  # so z / T stays finite
        z *= beta[:, None]
        probs = np.exp(z, out=z)
        probs /= probs.sum(axis=1, keepdims=True)
        return start, labels, _rows_keeping_prediction(labels, probs, pred)

    for start, labels, rows in ordered_map(work, preds.blocks()):
        acc.add_rows(labels, rows)
        if held_out is not None:
            held_out[start:start + labels.shape[0]] = rows.confidence
    return overall


def _rows_keeping_prediction(labels, probs, pred):
    """Rows of temperature-scaled probabilities, predicting the unscaled argmax.

    Scaling by 1/T cannot change the argmax mathematically; taking it from the
    unscaled scores also keeps it when rounding makes two scaled scores equal.
    """
    rows = chunk_rows(labels, probs, "probs")
    idx = np.arange(labels.shape[0])
    return rows._replace(confidence=probs[idx, pred], correct=pred == labels)


def _positive_logits(preds: BasePredictions) -> np.ndarray:
    """x (N,) = logit of the positive class of a binary task, in one pass over the blocks."""
    x = np.empty(preds.n_samples)
    for start, _, chunk in preds.blocks():
        x[start:start + chunk.shape[0]] = scaling.positive_logit(chunk, preds.kind)
    return x


def _platt_folds(preds: BasePredictions, ids: np.ndarray, k: int, acc: CalibrationAccumulator) -> None:
    """Fit Platt's (a, b) per fold on the 1-D positive logits, then score each row with its fold's."""
    x = _positive_logits(preds)
    start = None
    if x.size > platt.WARM_ROWS:  # one warm start for every fold: each then needs two or three steps
        stride = -(-x.size // platt.WARM_ROWS)
        start = scaling.fit_platt(x[::stride], preds.labels[::stride])
    # rows grouped by fold, so every fold's training rows are k - 1 ranges: no copies per fold
    order = np.argsort(ids, kind="stable")
    grouped_x, grouped_y = x[order], preds.labels[order]
    del order
    bounds = np.concatenate([[0], np.cumsum(np.bincount(ids, minlength=k))]).tolist()
    fitted = [scaling.fit_platt(grouped_x, grouped_y, start=start,
                                ranges=[(bounds[f], bounds[f + 1]) for f in range(k) if f != fold])
              for fold in range(k)]
    del grouped_x, grouped_y
    a, b = np.array(fitted).T
    for rows in row_chunks(preds.n_samples, 2):
        labels = preds.labels[rows]
        fold = ids[rows]
        probs = scaling.apply_platt(x[rows], a[fold], b[fold])
        acc.add_rows(labels, chunk_rows(labels, probs, "probs"))


def _probabilities(preds, scores):
    """float64 probabilities of a block: the scores themselves, or softmax of the logits."""
    if preds.kind == "probs":
        return np.asarray(scores, dtype=np.float64)
    return scaling.apply_temperature(scores, "logits", 1.0)


def _calibrated_columns(n_classes: int) -> list[int]:
    """The columns isotonic maps are fitted on: the positive class of a binary task, else all."""
    return [1] if n_classes == 2 else list(range(n_classes))


def _column_groups(columns: list[int], n_samples: int) -> list[list[int]]:
    """Columns split so that one group's gathered values (N per column) stay under a memory budget."""
    size = max(1, config.get("isotonic_values") // max(1, n_samples))
    return [columns[i:i + size] for i in range(0, len(columns), size)]


def _gather_columns(preds: BasePredictions, columns: list[int]) -> np.ndarray:
    """Probabilities (N, len(columns)) of the chosen classes, gathered in one pass over the blocks."""
    out = np.empty((preds.n_samples, len(columns)))
    for start, _, chunk in preds.blocks():
        out[start:start + chunk.shape[0]] = _probabilities(preds, chunk)[:, columns]
    return out


def _fit_isotonic_maps(preds: BasePredictions, ids: np.ndarray, k: int) -> list[list]:
    """maps[fold][j]: the isotonic map of calibrated column j fitted on the rows outside ``fold``."""
    columns = _calibrated_columns(preds.n_classes)
    maps: list[list] = [[None] * len(columns) for _ in range(k)]
    for positions in _column_groups(list(range(len(columns))), preds.n_samples):
        if isinstance(preds, Predictions) and preds.probs is not None and preds.probs.dtype == np.float64:
            values = preds.probs[:, [columns[j] for j in positions]] if len(positions) > 1 else \
                preds.probs[:, columns[positions[0]]][:, None]  # a view: no copy of an in-memory column
        else:
            values = _gather_columns(preds, [columns[j] for j in positions])
        for i, j in enumerate(positions):
            for fold, fitted in enumerate(isotonic.fit_isotonic_folds(values[:, i], preds.labels == columns[j], ids, k)):
                maps[fold][j] = fitted
    return maps


def _isotonic_folds(preds: BasePredictions, ids: np.ndarray, k: int, acc: CalibrationAccumulator) -> None:
    """Fit the isotonic maps of every fold, then score each row with its fold's maps in one pass."""
    maps = _fit_isotonic_maps(preds, ids, k)

    def work(item):
        start, labels, chunk = item
        probs = _probabilities(preds, chunk)
        fold = ids[start:start + labels.shape[0]]
        out = np.empty_like(probs)
        for f in np.unique(fold):
            mine = fold == f
            out[mine] = scaling.apply_isotonic_classes(probs[mine], maps[f])
        return labels, chunk_rows(labels, out, "probs")

    for labels, rows in ordered_map(work, preds.blocks()):
        acc.add_rows(labels, rows)


METHODS: dict[str, Callable[..., float | None]] = {
    "temperature": _temperature_folds, "platt": _platt_folds, "isotonic": _isotonic_folds}


def cross_fit(preds: BasePredictions, folds: int = 5, seed: int = 0, n_bins: int = 15,
              before: dict | None = None) -> dict:
    """Cross-fitted results of temperature, Platt (binary) and isotonic calibration.

    Parameters
    ----------
    preds : Predictions
    folds : int
        k; reduced to N when N < k. Fewer than 2 folds skips the calibrators.
    seed : int
    n_bins : int
        Equal-width bins of the reported ECE.
    before : dict, optional
        The uncalibrated {ece, nll, brier, accuracy} when the caller already measured
        them (saves a pass over the data).

    Returns
    -------
    dict
        ``{"folds", "seed", "before": {ece, nll, brier, accuracy}, "temperature": {...},
        "platt": {...} | None, "isotonic": {...} | None, "notes": [str]}``.
    """
    return cross_fit_with_temperature(preds, folds, seed, n_bins, before)[0]


def cross_fit_with_temperature(preds: BasePredictions, folds: int = 5, seed: int = 0, n_bins: int = 15,
                               before: dict | None = None,
                               held_out: np.ndarray | None = None) -> tuple[dict, float | None]:
    """:func:`cross_fit` plus the all-rows temperature its joint fit found (None below 2 folds).

    ``held_out`` (N,) float64, when given, receives each row's top-label confidence after
    temperature scaling by its fold's T (left untouched below 2 folds).
    """
    if before is None:
        before = _summary(CalibrationAccumulator(bins=n_bins).add(preds))
    k = min(int(folds), preds.n_samples)
    result: dict[str, Any] = {"folds": k, "seed": int(seed), "before": {key: before[key] for key in SUMMARY_KEYS},
              "temperature": None, "platt": None, "isotonic": None, "notes": []}
    if k < 2:
        why = (f"{int(folds)} fold(s) requested" if int(folds) < 2
               else f"only {preds.n_samples} row(s) to split into folds")
        result["notes"].append(f"cross-fitting needs at least 2 folds: {why}")
    elif k < int(folds):
        result["notes"].append(f"{k} folds instead of {int(folds)}: only {preds.n_samples} rows")
    if k < 2:
        return result, None
    ids = fold_ids(preds.n_samples, k, seed)
    if preds.n_classes == 2 and preds.n_samples >= config.get("cell_fit_rows"):
        progress.phase("cross-fitting on cells")
        fitted = cellfit.cross_fit_cells(lambda: _positive_logits(preds), lambda: _gather_columns(preds, [1])[:, 0],
                                         preds.labels, ids, k, n_bins, held_out)
        if fitted is not None:
            result.update(fitted[0])
            result["notes"].append(f"calibrators fitted and scored on cells ({preds.n_samples:,} rows; cells "
                                   f"2^-{cellfit.CELL_BITS} of |logit| wide, or of the distance to 0 or 1)")
            return result, fitted[1]
        result["notes"].append("the cells of the logit are too coarse for the fitted temperature or Platt map "
                               f"(its logit varies by more than {cellfit.MAX_SPREAD} across one): fitted row by row")
    overall: float | None = None
    for method in _methods(preds.n_classes, result["notes"]):
        acc = CalibrationAccumulator(bins=n_bins)
        acc.set_classes(preds.n_classes)
        progress.phase(f"cross-fitting {method}")
        if method == "temperature":
            overall = _temperature_folds(preds, ids, k, acc, held_out)
        else:
            METHODS[method](preds, ids, k, acc)
        result[method] = _summary(acc)
    return result, overall


def _methods(n_classes: int, notes: list) -> list[str]:
    methods = ["temperature"]
    if n_classes == 2:
        methods.append("platt")
    if n_classes <= ISOTONIC_MAX_CLASSES:
        methods.append("isotonic")
    else:
        notes.append(f"isotonic skipped: more than {ISOTONIC_MAX_CLASSES} classes")
    return methods
