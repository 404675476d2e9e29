"""Post-hoc calibration maps: temperature scaling, Platt scaling, isotonic regression.

Temperature scaling
    T minimizes the mean NLL f(T) = mean_i [ln sum_k exp(z_ik / T) - z_iy / T] over
    [0.01, 100], z the logits (or ln(max(p, eps)) for probabilities). With beta = 1/T,
    f is convex in beta: df/dbeta = mean(E_p[z] - z_y), d2f/dbeta2 = mean(Var_p[z]) >= 0
    (p = softmax(beta z)). We solve df/dt = 0 in t = ln T by Newton steps safeguarded by
    a bisection bracket; each step is one chunked pass computing the three row sums
    (log-sum-exp, softmax mean of z, softmax variance of z), so it also runs over data
    larger than memory. It stops when |df/dT| < 1e-10 or the bracket collapses, and
    returns the bound when the optimum lies outside [0.01, 100]. The objective is the
    unclipped NLL (the eps clip of section 5 only matters below p = 2.2e-16).
Platt scaling (binary)
    P(y = 1) = sigmoid(a x + b) on x = logit of the positive class (z1 - z0, or
    ln p1 - ln p0 with the eps clip), fitted by Newton's method with a backtracking line
    search on the log loss against Platt's smoothed targets (N+ + 1)/(N+ + 2) and
    1/(N- + 2), as scikit-learn's ``CalibratedClassifierCV(method="sigmoid")`` does.
Isotonic regression
    Pool-adjacent-violators on (p_k, [y = k]), predictions by linear interpolation
    between the fitted points and clipped outside them (scikit-learn's
    ``IsotonicRegression(out_of_bounds="clip")``). Binary: fitted on the positive class
    and p0 = 1 - p1. K > 2: one-vs-rest per class, then each row renormalized to sum 1
    (uniform when all K fitted values are 0), as ``CalibratedClassifierCV`` does.
"""

from __future__ import annotations

import math

import numpy as np

from .data import EPS, Predictions, from_arrays, row_chunks

T_MIN, T_MAX = 0.01, 100.0
GRADIENT_TOLERANCE = 1e-10


def _log_scores(chunk: np.ndarray, kind: str) -> np.ndarray:
    x = np.asarray(chunk, dtype=np.float64)
    return x if kind == "logits" else np.log(np.maximum(x, EPS))


def temperature_pass(preds: Predictions, temperature: float, weights: np.ndarray | None = None):
    """One pass: (f, df/dbeta, d2f/dbeta2) of the mean NLL at ``temperature``.

    ``weights`` (N,) of 0/1 selects the rows (cross-fitting); the means are over them.
    """
    beta = 1.0 / temperature
    total = value = grad = curv = 0.0
    for rows in row_chunks(preds.n_samples, preds.n_classes):
        z = _log_scores(preds.scores[rows], preds.kind)
        labels = preds.labels[rows]
        if weights is not None:
            keep = weights[rows] > 0
            z, labels = z[keep], labels[keep]
        if z.shape[0] == 0:
            continue
        idx = np.arange(z.shape[0])
        # shifting by the row maximum changes neither the gradient nor the variance
        d = z - z.max(axis=1, keepdims=True)
        e = np.exp(beta * d)
        s = e.sum(axis=1)
        mean_d = np.einsum("ij,ij->i", e, d) / s
        e *= d
        # the curvature only sizes the Newton step, so E[d^2] - E[d]^2 is accurate enough
        var_d = np.einsum("ij,ij->i", e, d) / s - mean_d * mean_d
        d_y = d[idx, labels]
        value += float(np.sum(np.log(s) - beta * d_y))
        grad += float(np.sum(mean_d - d_y))
        curv += float(np.sum(np.maximum(var_d, 0.0)))
        total += z.shape[0]
    return value / total, grad / total, curv / total


def nll_gradient_in_t(preds: Predictions, temperature: float, weights=None) -> float:
    """d(mean NLL)/dT at ``temperature`` (used to check the optimum)."""
    _, grad_beta, _ = temperature_pass(preds, temperature, weights)
    return -grad_beta / temperature ** 2


def fit_temperature(labels, logits=None, probs=None, weights=None, max_iter: int = 100) -> float:
    """The temperature in [0.01, 100] minimizing the mean NLL (see module doc).

    Parameters
    ----------
    labels : array_like of int, shape (N,), or a :class:`Predictions`
    logits : array_like, shape (N, K), optional
    probs : array_like, shape (N, K) or (N,), optional
    weights : ndarray of 0/1, shape (N,), optional
        Fit on the selected rows only.

    Returns
    -------
    float
    """
    preds = labels if isinstance(labels, Predictions) else from_arrays(labels, probs=probs, logits=logits)
    lo, hi = math.log(T_MIN), math.log(T_MAX)

    def slope(t):  # (df/dt, d2f/dt2, df/dT)
        temperature = math.exp(t)
        beta = 1.0 / temperature
        _, g_beta, c_beta = temperature_pass(preds, temperature, weights)
        g_t = -beta * g_beta
        return g_t, beta * beta * c_beta + beta * g_beta, g_t / temperature

    if slope(lo)[0] >= 0:
        return T_MIN
    if slope(hi)[0] <= 0:
        return T_MAX
    t = 0.0
    for _ in range(max_iter):
        g_t, h_t, g_temperature = slope(t)
        if abs(g_temperature) < GRADIENT_TOLERANCE:
            break
        if g_t < 0:
            lo = t
        else:
            hi = t
        if hi - lo <= 4 * np.spacing(max(abs(lo), abs(hi), 1.0)):
            break
        step = t - g_t / h_t if h_t > 0 else math.nan
        t = step if lo < step < hi else (lo + hi) / 2.0
    return float(math.exp(t))


def apply_temperature(scores: np.ndarray, kind: str, temperature: float) -> np.ndarray:
    """softmax(z / T) of a chunk (n, K) as float64 probabilities."""
    z = _log_scores(scores, kind) / temperature
    z -= z.max(axis=1, keepdims=True)
    p = np.exp(z)
    p /= p.sum(axis=1, keepdims=True)
    return p


# ---------------------------------------------------------------- Platt

def positive_logit(preds_scores: np.ndarray, kind: str) -> np.ndarray:
    """x = logit of the positive class from (n, 2) probabilities or logits, shape (n,)."""
    z = _log_scores(preds_scores, kind)
    return z[:, 1] - z[:, 0]


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


# ---------------------------------------------------------------- isotonic

def pool_adjacent_violators(y, weights=None) -> np.ndarray:
    """Non-decreasing least-squares fit to y (n,) with weights (n,), returned shape (n,)."""
    y = np.asarray(y, dtype=np.float64)
    w = np.ones_like(y) if weights is None else np.asarray(weights, dtype=np.float64)
    means, sums, counts = [], [], []
    for value, weight in zip(y.tolist(), w.tolist()):
        means.append(value)
        sums.append(weight)
        counts.append(1)
        while len(means) > 1 and means[-2] >= means[-1]:
            weight = sums[-2] + sums[-1]
            mean = (means[-2] * sums[-2] + means[-1] * sums[-1]) / weight
            count = counts[-2] + counts[-1]
            del means[-1], sums[-1], counts[-1]
            means[-1], sums[-1], counts[-1] = mean, weight, count
    return np.repeat(means, counts)


def fit_isotonic(scores, targets) -> tuple[np.ndarray, np.ndarray]:
    """Isotonic (non-decreasing) map from scores (N,) to targets (N,) in [0, 1].

    Tied scores are first merged into one point (mean target, weight = count).

    Returns
    -------
    knots, values : ndarrays of shape (M,)
        Feed them to :func:`apply_isotonic`.
    """
    scores = np.asarray(scores, dtype=np.float64)
    targets = np.asarray(targets, dtype=np.float64)
    knots, inverse, counts = np.unique(scores, return_inverse=True, return_counts=True)
    means = np.bincount(inverse, weights=targets, minlength=knots.size) / counts
    return knots, pool_adjacent_violators(means, counts)


def apply_isotonic(scores, knots: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Map scores (n,) by linear interpolation between the knots, clipped outside them."""
    return np.interp(np.asarray(scores, dtype=np.float64), knots, values)


def fit_isotonic_classes(probs, labels) -> list[tuple[np.ndarray, np.ndarray]]:
    """One isotonic map per calibrated column: [positive class] for K == 2, else one per class."""
    probs = np.asarray(probs, dtype=np.float64)
    labels = np.asarray(labels)
    columns = [1] if probs.shape[1] == 2 else range(probs.shape[1])
    return [fit_isotonic(probs[:, k], labels == k) for k in columns]


def apply_isotonic_classes(probs, maps) -> np.ndarray:
    """Calibrated (n, K) probabilities from :func:`fit_isotonic_classes` maps."""
    probs = np.asarray(probs, dtype=np.float64)
    if probs.shape[1] == 2:
        q = apply_isotonic(probs[:, 1], *maps[0])
        return np.column_stack([1.0 - q, q])
    out = np.column_stack([apply_isotonic(probs[:, k], *maps[k]) for k in range(probs.shape[1])])
    total = out.sum(axis=1, keepdims=True)
    zero = total[:, 0] == 0
    out[zero] = 1.0 / probs.shape[1]
    total[zero] = 1.0
    return out / total
