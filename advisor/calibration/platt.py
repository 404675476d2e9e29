"""Platt scaling (binary).

P(y = 1) = sigmoid(a x + b) on x = logit of the positive class (z1 - z0, or
ln p1 - ln p0 with the eps clip), fitted by Newton's method with a backtracking line
search on the log loss against Platt's smoothed targets (N+ + 1)/(N+ + 2) and
1/(N- + 2), as scikit-learn's ``CalibratedClassifierCV(method="sigmoid")`` does.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .block import log_scores, ordered_map

PIECE = 1 << 16  # rows per piece of a pass: its temporaries stay in cache

PLATT_LIMIT = 1e100

def positive_logit(preds_scores: np.ndarray, kind: str) -> np.ndarray:
    """x = logit of the positive class from (n, 2) probabilities or logits, shape (n,)."""
    z = log_scores(preds_scores, kind)
    with np.errstate(over="ignore"):
        x = z[:, 1] - z[:, 0]
    # beyond 1e100 the sigmoid is saturated anyway; the clip keeps x * x and a * x finite
    return np.clip(x, -PLATT_LIMIT, PLATT_LIMIT)


# Rows of a strided subsample whose fit starts the fit on all rows (above this many rows):
# Newton's method then needs two or three steps on the full data instead of six or more
WARM_ROWS = 1 << 20


def _platt_state(a: float, b: float, x: np.ndarray, y: np.ndarray, targets: tuple, pieces: list) -> tuple:
    """(loss, gradient (2,), Hessian (2, 2)) of the mean log loss at (a, b), from one sigmoid per row.

    Over the rows of ``pieces`` (slices of ``x`` and ``y``), each target Platt's
    smoothed ``targets`` (positive, negative); pieces run on the worker threads and
    are added in order (reproducible).
    """
    def piece(rows):
        xs = x[rows]
        ts = np.where(y[rows], *targets)
        u = a * xs + b
        e = np.exp(-np.abs(u))  # never overflows
        inverse = 1.0 / (1.0 + e)
        residual = np.where(u >= 0, inverse, e * inverse) - ts
        w = e * inverse * inverse  # p (1 - p)
        wx = w * xs
        return np.array([np.sum(np.maximum(u, 0.0) + np.log1p(e) - ts * u), (residual * xs).sum(), residual.sum(),
                         (wx * xs).sum(), wx.sum(), w.sum(), xs.size])

    sums = np.zeros(7)
    for part in ordered_map(piece, pieces):
        sums += part
    sums[:6] /= sums[6]
    return float(sums[0]), sums[1:3], np.array([[sums[3], sums[4]], [sums[4], sums[5]]])


def fit_platt(x, labels, max_iter: int = 100, start: tuple[float, float] | None = None,
              ranges: list[tuple[int, int]] | None = None) -> tuple[float, float]:
    """Fit P(y = 1 | x) = sigmoid(a x + b) (see module doc).

    Parameters
    ----------
    x : array_like of float, shape (N,)
        Positive-class logits.
    labels : array_like of {0, 1}, shape (N,)
    start : (a, b), optional
        Where Newton's method starts (default (1, 0); above :data:`WARM_ROWS` rows, the
        fit of a strided subsample).
    ranges : list of (start, stop), optional
        Fit on these row ranges only (cross-fitting: every fold but one, rows grouped by
        fold), without copying them.

    Returns
    -------
    (a, b) : tuple of float
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(labels) == 1
    ranges = [(0, x.size)] if ranges is None else ranges
    pieces = [slice(lo, min(hi, lo + PIECE)) for first, hi in ranges for lo in range(first, hi, PIECE)]
    size = sum(hi - lo for lo, hi in ranges)
    n_pos = sum(int(np.count_nonzero(y[lo:hi])) for lo, hi in ranges)
    n_neg = size - n_pos
    targets = ((n_pos + 1.0) / (n_pos + 2.0), 1.0 / (n_neg + 2.0))
    if start is None and size > WARM_ROWS:
        stride = -(-size // WARM_ROWS)
        chosen = np.concatenate([np.arange(lo, hi) for lo, hi in ranges])[::stride]
        start = fit_platt(x[chosen], y[chosen], max_iter)
    return minimize_platt_loss(lambda a, b: _platt_state(a, b, x, y, targets, pieces),
                               (1.0, 0.0) if start is None else start, max_iter)


def minimize_platt_loss(state: Callable[[float, float], tuple], start: tuple[float, float],
                        max_iter: int = 100) -> tuple[float, float]:
    """Newton's method with a backtracking line search on a convex loss of (a, b).

    ``state(a, b)`` returns (loss, gradient (2,), Hessian (2, 2)); rows one by one
    (:func:`fit_platt`) or weighted cells (:mod:`advisor.calibration.cellfit`) share
    these steps and stopping rules.
    """
    a, b = start
    loss, grad, hess = state(a, b)
    for _ in range(max_iter):
        if np.max(np.abs(grad)) < 1e-12:
            break
        hess += 1e-12 * np.eye(2)  # keeps the step defined when the weights vanish
        try:
            direction = -np.linalg.solve(hess, grad)
        except np.linalg.LinAlgError:
            direction = -grad
        if -float(grad @ direction) < 1e-15 * max(1.0, abs(loss)):
            # the Newton decrement is at rounding level: the loss cannot show a decrease,
            # so take the full step (quadratic convergence) and stop instead of halving it
            a, b = a + direction[0], b + direction[1]
            break
        step = 1.0
        while step > 1e-10:
            candidate = state(a + step * direction[0], b + step * direction[1])
            if candidate[0] <= loss:
                break
            step /= 2.0
        else:
            break
        a, b = a + step * direction[0], b + step * direction[1]
        previous, (loss, grad, hess) = loss, candidate
        if previous - loss < 1e-16 * max(1.0, abs(previous)):
            break
    return float(a), float(b)


def apply_platt(x, a: float, b: float) -> np.ndarray:
    """Calibrated (n, 2) probabilities [1 - q, q] with q = sigmoid(a x + b)."""
    q = 0.5 * (1.0 + np.tanh(0.5 * (a * np.asarray(x, dtype=np.float64) + b)))
    return np.column_stack([1.0 - q, q])
