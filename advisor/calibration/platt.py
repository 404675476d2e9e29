"""Platt scaling (binary).

P(y = 1) = sigmoid(a x + b) on x = logit of the positive class (z1 - z0, or
ln p1 - ln p0 with the eps clip), fitted by Newton's method with a backtracking line
search on the log loss against Platt's smoothed targets (N+ + 1)/(N+ + 2) and
1/(N- + 2), as scikit-learn's ``CalibratedClassifierCV(method="sigmoid")`` does.
"""

from __future__ import annotations

import numpy as np

from .block import log_scores

PLATT_LIMIT = 1e100

def positive_logit(preds_scores: np.ndarray, kind: str) -> np.ndarray:
    """x = logit of the positive class from (n, 2) probabilities or logits, shape (n,)."""
    z = log_scores(preds_scores, kind)
    with np.errstate(over="ignore"):
        x = z[:, 1] - z[:, 0]
    # beyond 1e100 the sigmoid is saturated anyway; the clip keeps x * x and a * x finite
    return np.clip(x, -PLATT_LIMIT, PLATT_LIMIT)


def _platt_loss(a, b, x, target):
    u = a * x + b
    return float(np.mean(np.logaddexp(0.0, u) - target * u))


def fit_platt(x, labels, max_iter: int = 100) -> tuple[float, float]:
    """Fit P(y = 1 | x) = sigmoid(a x + b) (see module doc).

    Parameters
    ----------
    x : array_like of float, shape (N,)
        Positive-class logits.
    labels : array_like of {0, 1}, shape (N,)

    Returns
    -------
    (a, b) : tuple of float
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(labels) == 1
    n_pos = int(np.count_nonzero(y))
    n_neg = y.size - n_pos
    target = np.where(y, (n_pos + 1.0) / (n_pos + 2.0), 1.0 / (n_neg + 2.0))
    a, b = 1.0, 0.0
    loss = _platt_loss(a, b, x, target)
    for _ in range(max_iter):
        p = 0.5 * (1.0 + np.tanh(0.5 * (a * x + b)))  # sigmoid without overflow
        residual = p - target
        grad = np.array([np.mean(residual * x), np.mean(residual)])
        if np.max(np.abs(grad)) < 1e-12:
            break
        w = p * (1.0 - p)
        hess = np.array([[np.mean(w * x * x), np.mean(w * x)], [np.mean(w * x), np.mean(w)]])
        hess += 1e-12 * np.eye(2)  # keeps the step defined when the weights vanish
        try:
            direction = -np.linalg.solve(hess, grad)
        except np.linalg.LinAlgError:
            direction = -grad
        step = 1.0
        while step > 1e-10:
            new_loss = _platt_loss(a + step * direction[0], b + step * direction[1], x, target)
            if new_loss <= loss:
                break
            step /= 2.0
        else:
            break
        a, b = a + step * direction[0], b + step * direction[1]
        if loss - new_loss < 1e-16 * max(1.0, abs(loss)):
            loss = new_loss
            break
        loss = new_loss
    return float(a), float(b)


def apply_platt(x, a: float, b: float) -> np.ndarray:
    """Calibrated (n, 2) probabilities [1 - q, q] with q = sigmoid(a x + b)."""
    q = 0.5 * (1.0 + np.tanh(0.5 * (a * np.asarray(x, dtype=np.float64) + b)))
    return np.column_stack([1.0 - q, q])
