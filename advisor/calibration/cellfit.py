"""Cross-fitted calibrators of a large binary task, fitted and scored on cells of the logit.

Above the ``cell_fit_rows`` setting (:mod:`advisor.calibration.config`), the
post-calibration results of a two-class task no longer fit and score each calibrator
row by row (:mod:`advisor.calibration.crossfit`): every row's positive-class logit x
(:func:`advisor.calibration.platt.positive_logit`) falls in a *cell*, the interval of
x values whose float32 value shares its sign, exponent and top :data:`CELL_BITS`
mantissa bits (x = 0 has a cell of its own, so no cell straddles the decision
boundary of the unscaled prediction). A cell is at most 2**-12 of |x| wide. One pass
counts each cell's rows per fold and label and sums their x; everything else works on
those counts, O(cells) instead of O(rows):

- each fold's calibrator is fitted on the training cells (all folds' counts minus the
  fold's own), every row of a cell standing at the cell's mean x: temperature scaling
  by the safeguarded Halley search of :mod:`advisor.calibration.scaling` on weighted
  margins, Platt scaling by Newton's method with Platt's smoothed targets (the same
  loss and stopping rules as :func:`advisor.calibration.platt.fit_platt`), isotonic
  regression by pool-adjacent-violators over the cells in x order (the cells of a
  fold's training rows are the tied groups of the row-level fit, one step finer than
  its knots);
- each fold's held-out rows are scored the same way, two weighted representative rows
  per cell (one per label, at the cell's held-out mean x), through the per-row
  definitions of section 5 (:func:`advisor.calibration.scan.chunk_rows`).

The within-cell spread of x enters the fitted parameters and the scored NLL only at
second order (a relative spread of 2**-12 is a variance below 1e-8 x**2); the binned
ECE can differ where a cell straddles a bin edge. ``tests/test_cellfit.py`` holds the
two paths to agree at the crossover. The all-rows temperature reported as
``temperature`` stays exact: the row-level search on every row's margin starts from
the cells' optimum and finishes in one or two passes.
"""

from __future__ import annotations

import math

import numpy as np

from . import binning, scaling
from .isotonic import _block_ends, _pooled_blocks
from .margin import MarginRows, margin_values
from .scan import chunk_rows
from .statistic import ece_from_statistics

CELL_BITS = 12
_SHIFT = 23 - CELL_BITS  # float32 mantissa bits dropped
_FLOAT32_SAFE = 1e38  # |x| clipped below float32's largest value before the cast
_KEYS = 1 << (32 - _SHIFT)  # sign + exponent + kept mantissa bits: every key of a float32
ZERO_KEY = _KEYS  # x == 0 (either sign): a cell of its own


def cell_keys(x: np.ndarray) -> np.ndarray:
    """Cell key (N,) int32 in [0, 2**(32 - SHIFT)] of each logit x (N,) float64."""
    narrow = np.clip(x, -_FLOAT32_SAFE, _FLOAT32_SAFE).astype(np.float32)
    key = narrow.view(np.int32) >> _SHIFT  # arithmetic shift: the sign stays apart
    del narrow
    key += _KEYS // 2
    key[x == 0] = ZERO_KEY
    return key


class CellTable:
    """Rows per (cell, fold, label) and their sum of x per (cell, fold).

    Parameters
    ----------
    x : ndarray of float64, shape (N,)
        Positive-class logits.
    labels : ndarray of {0, 1}, shape (N,)
    folds : ndarray of int, shape (N,)
        Fold of every row, in ``0..n_folds-1``.
    n_folds : int

    Attributes
    ----------
    counts : ndarray of int64, shape (cells, n_folds, 2)
    sums : ndarray of float64, shape (cells, n_folds)
    order : ndarray of int, shape (cells,)
        The cells in increasing x.
    """

    def __init__(self, x: np.ndarray, labels: np.ndarray, folds: np.ndarray, n_folds: int):
        key = cell_keys(x)
        present = np.flatnonzero(np.bincount(key, minlength=_KEYS + 1))
        dense = np.zeros(_KEYS + 1, dtype=np.int32)
        dense[present] = np.arange(present.size, dtype=np.int32)
        cell = dense[key]
        del key, dense
        m, k = present.size, int(n_folds)
        small = np.int32 if m * 2 * k < 2**31 else np.int64
        cell = cell.astype(small, copy=False)
        cell *= k
        cell += folds
        self.sums = np.bincount(cell, weights=x, minlength=m * k).reshape(m, k)
        cell *= 2
        cell += labels.astype(small, copy=False)
        self.counts = np.bincount(cell, minlength=m * k * 2).reshape(m, k, 2)
        del cell
        rows = self.counts.sum(axis=(1, 2))
        self.order = np.argsort(self.sums.sum(axis=1) / rows, kind="stable")
        self.n_folds = k

    def training(self, fold: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(mean x, negatives, positives) of the cells holding rows outside ``fold``, in x order."""
        counts = self.counts.sum(axis=1) - self.counts[:, fold]
        sums = self.sums.sum(axis=1) - self.sums[:, fold]
        counts, sums = counts[self.order], sums[self.order]
        kept = counts.sum(axis=1) > 0
        counts, sums = counts[kept], sums[kept]
        return sums / counts.sum(axis=1), counts[:, 0], counts[:, 1]

    def held_out(self, fold: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(mean x, negatives, positives) of the cells holding rows of ``fold``."""
        counts = self.counts[:, fold]
        kept = counts.sum(axis=1) > 0
        counts = counts[kept]
        return self.sums[kept, fold] / counts.sum(axis=1), counts[:, 0], counts[:, 1]


def _margins(x: np.ndarray, negatives: np.ndarray, positives: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Weighted margins (label score minus the other's) of cells: (margins, weights), empty weights dropped."""
    margins = np.concatenate([x, -x])
    weights = np.concatenate([positives, negatives]).astype(np.float64)
    kept = weights > 0
    return margins[kept], weights[kept]


def fit_temperature_cells(x, negatives, positives, start: float = 1.0) -> float:
    """The temperature of cells (mean x, negatives, positives), as :func:`scaling.fit_temperature` of their rows."""
    margins, weights = _margins(x, negatives, positives)
    if np.all(margins > 0):  # every row strictly correct: the optimum is the lower bound
        return scaling.T_MIN

    def sums(temperature: float) -> np.ndarray:
        values = margin_values(margins, 1.0 / temperature)
        return np.array([weights.sum(), *(weights @ value for value in values)])

    return scaling.solve_temperature(sums, start)


def _platt_state(a: float, b: float, x, weights, target_sums) -> tuple:
    """(loss, gradient (2,), Hessian (2, 2)) of the mean smoothed log loss of weighted cells."""
    u = a * x + b
    e = np.exp(-np.abs(u))
    inverse = 1.0 / (1.0 + e)
    p = np.where(u >= 0, inverse, e * inverse)
    total = weights.sum()
    residual = weights * p - target_sums
    w = weights * e * inverse * inverse  # n p (1 - p)
    loss = float(np.sum(weights * (np.maximum(u, 0.0) + np.log1p(e)) - target_sums * u)) / total
    grad = np.array([residual @ x, residual.sum()]) / total
    hess = np.array([[w @ (x * x), w @ x], [w @ x, w.sum()]]) / total
    return loss, grad, hess


def fit_platt_cells(x, negatives, positives, max_iter: int = 100) -> tuple[float, float]:
    """Platt's (a, b) of cells, with the loss, start and stopping rules of :func:`platt.fit_platt`."""
    n_pos, n_neg = float(positives.sum()), float(negatives.sum())
    t_pos, t_neg = (n_pos + 1.0) / (n_pos + 2.0), 1.0 / (n_neg + 2.0)
    weights = (negatives + positives).astype(np.float64)
    target_sums = positives * t_pos + negatives * t_neg
    x = np.clip(x, -1e100, 1e100)
    a, b = 1.0, 0.0
    loss, grad, hess = _platt_state(a, b, x, weights, target_sums)
    for _ in range(max_iter):
        if np.max(np.abs(grad)) < 1e-12:
            break
        hess += 1e-12 * np.eye(2)
        try:
            direction = -np.linalg.solve(hess, grad)
        except np.linalg.LinAlgError:
            direction = -grad
        if -float(grad @ direction) < 1e-15 * max(1.0, abs(loss)):
            a, b = a + direction[0], b + direction[1]
            break
        step = 1.0
        while step > 1e-10:
            state = _platt_state(a + step * direction[0], b + step * direction[1], x, weights, target_sums)
            if state[0] <= loss:
                break
            step /= 2.0
        else:
            break
        a, b = a + step * direction[0], b + step * direction[1]
        previous, (loss, grad, hess) = loss, state
        if previous - loss < 1e-16 * max(1.0, abs(previous)):
            break
    return float(a), float(b)


def fit_isotonic_cells(x, negatives, positives) -> tuple[np.ndarray, np.ndarray]:
    """Isotonic map (knots in x, values) of cells given in increasing x."""
    counts = negatives + positives
    return _block_ends(np.asarray(x, dtype=np.float64), *_pooled_blocks(positives.astype(np.float64),
                                                                         counts.astype(np.float64)))


def _sigmoid(u: np.ndarray) -> np.ndarray:
    e = np.exp(-np.abs(u))
    inverse = 1.0 / (1.0 + e)
    return np.where(u >= 0, inverse, e * inverse)


def _summary(labels, probs, weights, n_bins: int, prediction=None) -> dict:
    """Section-5 {ece, nll, brier, accuracy} of weighted representative rows with probabilities (n, 2)."""
    rows = chunk_rows(labels, probs, "probs")
    if prediction is not None:  # temperature scaling keeps the unscaled prediction
        rows = rows._replace(confidence=probs[np.arange(labels.size), prediction], correct=prediction == labels)
    index = binning.assign(rows.confidence, binning.width_edges(n_bins))
    hits = weights * rows.correct
    stats = (np.bincount(index, weights=weights, minlength=n_bins),
             np.bincount(index, weights=weights * rows.confidence, minlength=n_bins),
             np.bincount(index, weights=hits, minlength=n_bins))
    total = weights.sum()
    return {"ece": ece_from_statistics(*stats), "nll": float(weights @ rows.nll) / total,
            "brier": float(weights @ rows.brier) / total, "accuracy": float(hits.sum()) / total}


def cross_fit_cells(x: np.ndarray, labels: np.ndarray, folds: np.ndarray, n_folds: int, n_bins: int = 15,
                    held_out: np.ndarray | None = None) -> tuple[dict, float]:
    """Cross-fitted temperature, Platt and isotonic results of a binary task, on cells.

    Parameters
    ----------
    x : ndarray of float64, shape (N,)
        Positive-class logits (clipped to +-1e100 as :func:`platt.positive_logit` does).
    labels : ndarray of {0, 1}, shape (N,)
    folds : ndarray of int, shape (N,)
    n_folds : int
        At least 2.
    n_bins : int
    held_out : ndarray of float64, shape (N,), optional
        Receives each row's top-label confidence after scaling by its fold's temperature.

    Returns
    -------
    (results, temperature)
        ``{"temperature", "platt", "isotonic"}`` -> {ece, nll, brier, accuracy}, and the
        exact all-rows temperature.
    """
    table = CellTable(x, labels, folds, n_folds)
    everything = table.counts.sum(axis=1)
    all_x = table.sums.sum(axis=1) / everything.sum(axis=1)
    start = fit_temperature_cells(all_x, everything[:, 0], everything[:, 1])
    temperatures, platts, maps = [], [], []
    for fold in range(n_folds):
        train = table.training(fold)
        temperatures.append(fit_temperature_cells(*train, start=start))
        platts.append(fit_platt_cells(*train))
        maps.append(fit_isotonic_cells(*train))
    parts = []  # representative rows: (x, label, weight, fold)
    for fold in range(n_folds):
        mean, negatives, positives = table.held_out(fold)
        for label, count in ((0, negatives), (1, positives)):
            kept = count > 0
            parts.append((mean[kept], np.full(int(kept.sum()), label), count[kept].astype(np.float64),
                          np.full(int(kept.sum()), fold)))
    rep_x, rep_y, rep_w, rep_fold = (np.concatenate(column) for column in zip(*parts, strict=True))
    q = {"temperature": _sigmoid(rep_x / np.array(temperatures)[rep_fold]),
         "platt": _sigmoid(np.array([a for a, _ in platts])[rep_fold] * rep_x
                           + np.array([b for _, b in platts])[rep_fold]),
         "isotonic": np.empty_like(rep_x)}
    for fold, (knots, values) in enumerate(maps):
        mine = rep_fold == fold
        q["isotonic"][mine] = np.interp(rep_x[mine], knots, values)
    unscaled = (rep_x > 0).astype(np.int64)
    results = {method: _summary(rep_y, np.column_stack([1.0 - value, value]), rep_w, n_bins,
                                unscaled if method == "temperature" else None)
               for method, value in q.items()}
    if held_out is not None:
        scaled = _sigmoid(x / np.array(temperatures)[folds])
        np.copyto(held_out, np.where(x > 0, scaled, 1.0 - scaled))
    return results, exact_temperature(x, labels, start)


def exact_temperature(x: np.ndarray, labels: np.ndarray, start: float) -> float:
    """The all-rows temperature of a binary task from its positive logits, searched from ``start``."""
    margins = np.where(labels == 1, x, -x)
    rows = MarginRows(margins, margins > 0)
    if rows.all_strict():
        return scaling.T_MIN
    return scaling.solve_temperature(lambda t: rows.evaluate([(1.0 / t, None)])[0].sum(axis=0),
                                     start if math.isfinite(start) else 1.0)
