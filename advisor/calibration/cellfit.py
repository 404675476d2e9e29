"""Cross-fitted calibrators of a large binary task, fitted and scored on cells.

From the ``cell_fit_rows`` setting on (:mod:`advisor.calibration.config`), the
post-calibration results of a two-class task are no longer fitted and scored row by
row (:mod:`advisor.calibration.crossfit`). Every row falls in a *cell*, an interval of
the value a calibrator maps, and one pass counts each cell's rows per fold and label
and sums their values; everything after it works on those counts, O(cells) instead
of O(rows):

- temperature and Platt scaling map the positive-class logit x
  (:func:`advisor.calibration.platt.positive_logit`). Its cells hold the x whose
  float32 value shares sign, exponent and top :data:`CELL_BITS` mantissa bits (at
  most 2**-12 of |x| wide; x = 0 is a cell of its own, so no cell straddles the
  unscaled decision). Each fold's map is fitted on the other folds' cells, every row
  of a cell standing at the cell's mean x: temperature by the safeguarded Halley
  search of :mod:`advisor.calibration.scaling` on weighted margins, Platt by Newton's
  method with :func:`advisor.calibration.platt.fit_platt`'s targets, start and stopping
  rules. The cells are then checked against the fitted maps (:func:`fine_enough`): a
  map whose logit a x + b varies by more than :data:`MAX_SPREAD` across an unsaturated
  cell (a steep slope over a narrow band of x) sends the whole task back to the
  row-level path.
- isotonic regression maps the positive-class probability p, as the row-level fit
  does (saturated logits give equal probabilities, which it ties). Its cells are
  narrow relative to the distance to the nearer end (:func:`probability_keys`);
  pool-adjacent-violators runs over them in p order, and held-out cells are
  interpolated at their mean p. A step of the fit falls on a cell edge instead of
  between two rows.
- each fold's held-out rows are scored as two weighted representative rows per cell
  (one per label, at the cell's held-out mean), through the per-row definitions of
  section 5 (:func:`advisor.calibration.scan.chunk_rows`).

Within the checked spread, a cell's rows differ from their mean's map only at second
order: below 1e-5 in each row's NLL. The binned ECE can move where a cell straddles a
bin edge. ``tests/test_cellfit.py`` holds the two paths together at the switch and
checks the fallback. The all-rows temperature reported as ``temperature`` stays exact:
the row-level search on every row's margin starts from the cells' optimum and
finishes in one or two passes.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from . import binning, scaling
from .isotonic import _block_ends, _pooled_blocks
from .margin import MarginRows, margin_values
from .platt import PLATT_LIMIT, minimize_platt_loss
from .record import sigmoid
from .scan import chunk_rows
from .statistic import ece_from_statistics

CELL_BITS = 12
_SHIFT = 23 - CELL_BITS  # float32 mantissa bits dropped
_FLOAT32_SAFE = 1e38  # |x| clipped below float32's largest value before the cast
_KEYS = 1 << (32 - _SHIFT)  # sign + exponent + kept mantissa bits: every key of a float32
ZERO_KEY = _KEYS  # x == 0 (either sign): a cell of its own


def cell_keys(x: np.ndarray) -> np.ndarray:
    """Cell key (N,) int32 in [0, KEYS] of each logit x (N,) float64: sign, exponent, top mantissa bits."""
    narrow = np.clip(x, -_FLOAT32_SAFE, _FLOAT32_SAFE).astype(np.float32)
    key = narrow.view(np.int32) >> _SHIFT  # arithmetic shift: the sign stays apart
    del narrow
    key += _KEYS // 2
    key[x == 0] = ZERO_KEY
    return key


def cell_bounds(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The x interval (lower, upper), shape (cells,) each, of logit cells given by their keys."""
    signed = keys.astype(np.int64) - _KEYS // 2
    with np.errstate(over="ignore"):
        ends = [((signed + step) << _SHIFT).astype(np.int32).view(np.float32).astype(np.float64) for step in (0, 1)]
    lower, upper = np.minimum(*ends), np.maximum(*ends)
    zero = keys == ZERO_KEY
    lower[zero] = upper[zero] = 0.0
    return lower, upper


def probability_keys(p: np.ndarray) -> np.ndarray:
    """Cell key (N,) of each positive-class probability p (N,): its side of 1/2 and the cell of min(p, 1 - p).

    Cells are narrow relative to the distance to the nearer end, so 0.9999 and 0.99999 stay
    apart, and p = 0, 1/2 and 1 are values of their own (the row-level isotonic fit ties
    equal probabilities, as saturated logits give, and only those).
    """
    high = p > 0.5
    distance = np.where(high, 1.0 - p, p)
    key = distance.astype(np.float32).view(np.int32) >> _SHIFT
    key[distance == 0] = _KEYS // 2  # beyond any float32 in [0, 1/2]: the exact ends
    key[p == 0.5] = _KEYS // 2 + 1
    key += high * (_KEYS // 2 + 2)
    return key


class CellTable:
    """Rows per (cell, fold, label) and their sum of a value per (cell, fold).

    Parameters
    ----------
    values : ndarray of float64, shape (N,)
        What the calibrator maps: the positive-class logit, or its probability.
    keys : ndarray of int, shape (N,)
        Each row's cell (:func:`cell_keys`, :func:`probability_keys`): cells are intervals of
        the values.
    labels : ndarray of {0, 1}, shape (N,)
    folds : ndarray of int, shape (N,)
        Fold of every row, in ``0..n_folds-1``.
    n_folds : int

    Attributes
    ----------
    counts : ndarray of int64, shape (cells, n_folds, 2)
    sums : ndarray of float64, shape (cells, n_folds)
    order : ndarray of int, shape (cells,)
        The cells in increasing value.
    keys : ndarray of int, shape (cells,)
        Each cell's key.
    """

    def __init__(self, values: np.ndarray, keys: np.ndarray, labels: np.ndarray, folds: np.ndarray, n_folds: int):
        present = np.flatnonzero(np.bincount(keys))
        dense = np.zeros(int(present[-1]) + 1, dtype=np.int32)
        dense[present] = np.arange(present.size, dtype=np.int32)
        cell = dense[keys]
        del dense
        m, k = present.size, int(n_folds)
        small = np.int32 if m * 2 * k < 2**31 else np.int64
        cell = cell.astype(small, copy=False)
        cell *= k
        cell += folds
        self.sums = np.bincount(cell, weights=values, minlength=m * k).reshape(m, k)
        cell *= 2
        cell += labels.astype(small, copy=False)
        self.counts = np.bincount(cell, minlength=m * k * 2).reshape(m, k, 2)
        del cell
        rows = self.counts.sum(axis=(1, 2))
        self.order = np.argsort(self.sums.sum(axis=1) / rows, kind="stable")
        self.keys = present
        self.n_folds = k

    def training(self, fold: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(mean value, negatives, positives) of the cells holding rows outside ``fold``, in value order."""
        counts = self.counts.sum(axis=1) - self.counts[:, fold]
        sums = self.sums.sum(axis=1) - self.sums[:, fold]
        counts, sums = counts[self.order], sums[self.order]
        kept = counts.sum(axis=1) > 0
        counts, sums = counts[kept], sums[kept]
        return sums / counts.sum(axis=1), counts[:, 0], counts[:, 1]

    def held_out(self, fold: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(mean value, negatives, positives) of the cells holding rows of ``fold``."""
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
    x = np.clip(x, -PLATT_LIMIT, PLATT_LIMIT)
    return minimize_platt_loss(lambda a, b: _platt_state(a, b, x, weights, target_sums), (1.0, 0.0), max_iter)


def fit_isotonic_cells(x, negatives, positives) -> tuple[np.ndarray, np.ndarray]:
    """Isotonic map (knots in x, values) of cells given in increasing x."""
    counts = negatives + positives
    return _block_ends(np.asarray(x, dtype=np.float64), *_pooled_blocks(positives.astype(np.float64),
                                                                         counts.astype(np.float64)))


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


MAX_SPREAD = 0.01  # the most a fitted map's logit a x + b may vary across one cell
SATURATED = 40.0  # |a x + b| beyond this across a whole cell: its probabilities are 0 or 1 in float64


def fine_enough(bounds: tuple[np.ndarray, np.ndarray], slope: float, intercept: float = 0.0) -> bool:
    """Whether every cell is narrow for the map sigmoid(slope x + intercept): its logit varies by at
    most :data:`MAX_SPREAD` across the cell, or the map is saturated across all of it."""
    lower, upper = bounds
    if slope == 0:
        return True
    with np.errstate(over="ignore", invalid="ignore"):
        low, high = slope * lower + intercept, slope * upper + intercept
        spread = np.abs(high - low)
        saturated = (np.minimum(np.abs(low), np.abs(high)) >= SATURATED) & (np.sign(low) == np.sign(high))
    return bool(np.all((spread <= MAX_SPREAD) | saturated))


def _representatives(table: CellTable) -> tuple[np.ndarray, ...]:
    """Weighted representative rows of every fold's held-out cells: (value, label, weight, fold)."""
    parts = []
    for fold in range(table.n_folds):
        mean, negatives, positives = table.held_out(fold)
        for label, count in ((0, negatives), (1, positives)):
            kept = count > 0
            parts.append((mean[kept], np.full(int(kept.sum()), label), count[kept].astype(np.float64),
                          np.full(int(kept.sum()), fold)))
    return tuple(np.concatenate(column) for column in zip(*parts, strict=True))


def cross_fit_cells(x_of: Callable[[], np.ndarray], p_of: Callable[[], np.ndarray], labels: np.ndarray,
                    folds: np.ndarray, n_folds: int, n_bins: int = 15,
                    held_out: np.ndarray | None = None) -> tuple[dict, float] | None:
    """Cross-fitted temperature, Platt and isotonic results of a binary task, on cells.

    Parameters
    ----------
    x_of : callable returning ndarray of float64, shape (N,)
        Positive-class logits (clipped to +-1e100 as :func:`platt.positive_logit` does).
    p_of : callable returning ndarray of float64, shape (N,)
        Positive-class probabilities, as the row-level isotonic fit reads them. Called
        first, and its array dropped before ``x_of`` is called: one of the two at a time.
    labels : ndarray of {0, 1}, shape (N,)
    folds : ndarray of int, shape (N,)
    n_folds : int
        At least 2.
    n_bins : int
    held_out : ndarray of float64, shape (N,), optional
        Receives each row's top-label confidence after scaling by its fold's temperature.

    Returns
    -------
    (results, temperature), or None
        ``{"temperature", "platt", "isotonic"}`` -> {ece, nll, brier, accuracy}, and the
        exact all-rows temperature. None when the logit cells are too coarse for a fitted
        temperature or Platt map (:func:`fine_enough`): the caller then fits row by row.
    """
    p = p_of()
    probabilities = CellTable(p, probability_keys(p), labels, folds, n_folds)
    del p
    x = x_of()
    logits = CellTable(x, cell_keys(x), labels, folds, n_folds)
    everything = logits.counts.sum(axis=1)
    start = fit_temperature_cells(logits.sums.sum(axis=1) / everything.sum(axis=1), everything[:, 0], everything[:, 1])
    trainings = [logits.training(fold) for fold in range(n_folds)]
    temperatures = np.array([fit_temperature_cells(*train, start=start) for train in trainings])
    platts = np.array([fit_platt_cells(*train) for train in trainings])
    bounds = cell_bounds(logits.keys)
    if not (all(fine_enough(bounds, 1.0 / t) for t in temperatures)
            and all(fine_enough(bounds, a, b) for a, b in platts)):
        return None
    rep_x, rep_y, rep_w, rep_fold = _representatives(logits)
    q = {"temperature": sigmoid(rep_x / temperatures[rep_fold]),
         "platt": sigmoid(platts[rep_fold, 0] * rep_x + platts[rep_fold, 1])}
    results = {method: _summary(rep_y, np.column_stack([1.0 - value, value]), rep_w, n_bins,
                                (rep_x > 0).astype(np.int64) if method == "temperature" else None)
               for method, value in q.items()}
    results["isotonic"] = _isotonic_cells(probabilities, n_bins)
    if held_out is not None:
        scaled = sigmoid(x / temperatures[folds])
        np.copyto(held_out, np.where(x > 0, scaled, 1.0 - scaled))
    return results, exact_temperature(x, labels, start)


def _isotonic_cells(table: CellTable, n_bins: int) -> dict:
    """Cross-fitted isotonic regression of the positive-class probability, on probability cells."""
    maps = [fit_isotonic_cells(*table.training(fold)) for fold in range(table.n_folds)]
    rep_p, rep_y, rep_w, rep_fold = _representatives(table)
    q = np.empty_like(rep_p)
    for fold, (knots, values) in enumerate(maps):
        mine = rep_fold == fold
        q[mine] = np.interp(rep_p[mine], knots, values)
    return _summary(rep_y, np.column_stack([1.0 - q, q]), rep_w, n_bins)


def exact_temperature(x: np.ndarray, labels: np.ndarray, start: float) -> float:
    """The all-rows temperature of a binary task from its positive logits, searched from ``start``."""
    margins = np.where(labels == 1, x, -x)
    rows = MarginRows(margins, margins > 0)
    if rows.all_strict():
        return scaling.T_MIN
    return scaling.solve_temperature(lambda t: rows.evaluate([(1.0 / t, None)])[0].sum(axis=0),
                                     start if math.isfinite(start) else 1.0)
