"""Confidence intervals of proportions (numpy and the standard library only).

Wilson score interval
    For k successes in n trials, p = k / n and z the two-sided normal quantile of the
    level (1.959963984540054 at 95%)::

        center = (p + z^2 / (2n)) / (1 + z^2 / n)
        half   = z sqrt(p (1 - p) / n + z^2 / (4 n^2)) / (1 + z^2 / n)

    and the interval is [center - half, center + half]. At k = 0 the lower end is 0 and
    at k = n the upper end is 1 exactly (the formula gives them up to rounding). Unlike
    the normal (Wald) interval it never leaves [0, 1] and keeps its coverage near the
    nominal level for small n and for p near 0 or 1 (Brown, Cai and DasGupta 2001),
    which is where reliability bins and small segments live. It has no continuity
    correction; it equals ``scipy.stats.binomtest(k, n).proportion_ci(method="wilson")``.

Thin bins
    A reliability bin (or segment) with fewer than :data:`THIN_COUNT` rows is "thin":
    its accuracy is then known to within about +-0.3 at best, so it is drawn and
    labelled as such rather than weighted like a full bin.
"""

from __future__ import annotations

import math

import numpy as np

LEVEL = 0.95
THIN_COUNT = 10


def normal_quantile(probability: float) -> float:
    """The x with Phi(x) = ``probability`` (standard normal), by bisection on ``math.erfc``.

    Accurate to a few units in the last place for probabilities in (1e-300, 1 - 1e-16).
    """
    if not 0.0 < probability < 1.0:
        raise ValueError("probability must lie strictly between 0 and 1")
    lo, hi = -40.0, 40.0
    for _ in range(200):
        mid = (lo + hi) / 2.0
        if mid in (lo, hi):
            break
        if 0.5 * math.erfc(-mid / math.sqrt(2.0)) < probability:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2.0


def two_sided_z(level: float = LEVEL) -> float:
    """z with P(|Z| <= z) = ``level`` for a standard normal Z (1.959963984540054 at 0.95)."""
    if not 0.0 < level < 1.0:
        raise ValueError("level must lie strictly between 0 and 1")
    return normal_quantile(1.0 - (1.0 - level) / 2.0)


def wilson_interval(successes, trials, level: float = LEVEL) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score intervals of k successes in n trials, elementwise.

    Parameters
    ----------
    successes : array_like of int, shape (M,)
        k, with 0 <= k <= n.
    trials : array_like of int, shape (M,)
        n; where n == 0 both ends are NaN (nothing is known).
    level : float
        Two-sided confidence level.

    Returns
    -------
    lower, upper : ndarrays of float64, shape (M,)
    """
    k = np.asarray(successes, dtype=np.float64)
    n = np.asarray(trials, dtype=np.float64)
    z = two_sided_z(level)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = k / n
        z2n = z * z / n
        denominator = 1.0 + z2n
        center = (p + z2n / 2.0) / denominator
        half = z * np.sqrt(p * (1.0 - p) / n + z2n / (4.0 * n)) / denominator
    lower = np.where(k == 0, 0.0, np.clip(center - half, 0.0, 1.0))
    upper = np.where(k == n, 1.0, np.clip(center + half, 0.0, 1.0))
    empty = n == 0
    return np.where(empty, np.nan, lower), np.where(empty, np.nan, upper)


def interval_pairs(lower: np.ndarray, upper: np.ndarray) -> list[list[float] | None]:
    """JSON-able ``[lo, hi]`` pairs, None where the interval is undefined (NaN)."""
    return [None if math.isnan(lo) else [float(lo), float(hi)] for lo, hi in zip(lower.tolist(), upper.tolist(), strict=True)]


def with_bin_intervals(table: list[dict], level: float = LEVEL, thin_count: int = THIN_COUNT) -> list[dict]:
    """The reliability table with each bin's accuracy interval and thinness added.

    Parameters
    ----------
    table : list of dict
        Bins ``{lower, upper, count, confidence, accuracy}`` (section 5).

    Returns
    -------
    list of dict
        New dicts, each also with ``accuracy_interval`` (Wilson ``[lo, hi]``, None for
        an empty bin) and ``thin`` (0 < count < ``thin_count``).
    """
    counts = np.array([row["count"] for row in table], dtype=np.int64)
    # the bin's accuracy is sum(correct) / count, so sum(correct) is recovered exactly
    hits = np.array([round(row["accuracy"] * row["count"]) if row["count"] else 0 for row in table],
                    dtype=np.int64)
    pairs = interval_pairs(*wilson_interval(hits, counts, level))
    return [dict(row, accuracy_interval=pair, thin=bool(0 < row["count"] < thin_count))
            for row, pair in zip(table, pairs, strict=True)]
