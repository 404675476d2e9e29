"""Isotonic regression.

Pool-adjacent-violators (vectorized run pooling, then a stack; see
:func:`pool_adjacent_violators`) on (p_k, [y = k]), predictions by linear interpolation
between the fitted points and clipped outside them, as scikit-learn's
``IsotonicRegression(out_of_bounds="clip")`` predicts. Only exactly equal scores are
merged into one point; scikit-learn also merges distinct scores less than float64
resolution (1e-15) above the first of a run, so the two fits differ where scores that
close have different targets (ours keeps them apart: the exact isotonic fit of the
distinct values). Binary: fitted on the positive class and p0 = 1 - p1. K > 2: one-vs-rest per class, then each row renormalized to sum 1
(uniform when all K fitted values are 0), as ``CalibratedClassifierCV`` does.
"""

from __future__ import annotations

import numpy as np


def pool_adjacent_violators(y, weights=None) -> np.ndarray:
    """Non-decreasing weighted least-squares fit to y (n,) with weights (n,), returned shape (n,).

    Pooling any two adjacent blocks whose means are out of order (or equal) is a
    step of pool-adjacent-violators, in any order, so the work is done in two stages:
    numpy passes that each pool every maximal non-increasing run of blocks at once
    (a run a >= b >= c pools into one block; on 0/1 targets a few passes leave a
    small fraction of the blocks), stopped when a pass removes fewer than 1/8 of the
    blocks; then the classic stack over the blocks that are left. The result is the
    unique isotonic fit of (y, weights), to rounding.
    """
    y = np.asarray(y, dtype=np.float64)
    w = np.ones_like(y) if weights is None else np.asarray(weights, dtype=np.float64)
    means, counts = _pooled_blocks(w * y, w.copy())
    return np.repeat(means, counts)


def _pooled_blocks(sums: np.ndarray, totals: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The blocks of the isotonic fit: (means, elements per block), means strictly increasing.

    ``sums`` (n,) are weight x value and ``totals`` (n,) the weights. Blocks are
    contiguous, so a pass adds each new block's parts with ``np.add.reduceat``.
    """
    counts = np.ones(sums.size, dtype=np.int32 if sums.size < 2**31 else np.intp)
    while totals.size > 1:
        means = sums / totals
        first = np.flatnonzero(np.concatenate([[True], means[:-1] < means[1:]]))  # a block starts where the order holds
        if first.size == totals.size:
            return means, counts
        del means
        before = totals.size
        sums, totals, counts = (np.add.reduceat(a, first) for a in (sums, totals, counts))
        if first.size > 0.875 * before:
            break
    return _pool_stack(sums / totals, totals, counts)


def _pool_stack(means, totals, counts) -> tuple[np.ndarray, np.ndarray]:
    """Stack-based pool-adjacent-violators over blocks (means, weights, sizes): the final (means, sizes)."""
    out_means, out_totals, out_counts = [], [], []
    for mean, total, count in zip(means.tolist(), totals.tolist(), counts.tolist(), strict=True):
        out_means.append(mean)
        out_totals.append(total)
        out_counts.append(count)
        while len(out_means) > 1 and out_means[-2] >= out_means[-1]:
            total = out_totals[-2] + out_totals[-1]
            mean = (out_means[-2] * out_totals[-2] + out_means[-1] * out_totals[-1]) / total
            count = out_counts[-2] + out_counts[-1]
            del out_means[-1], out_totals[-1], out_counts[-1]
            out_means[-1], out_totals[-1], out_counts[-1] = mean, total, count
    return np.asarray(out_means, dtype=np.float64), np.asarray(out_counts, dtype=np.intp)


def _block_ends(knots: np.ndarray, means: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The knots that start or end each block of the fit, with the block's value.

    Interpolating between two knots of equal value gives exactly that value, so the
    map is unchanged (scikit-learn trims its thresholds the same way). Cross-fitting
    keeps one map per fold and class: untrimmed, they would hold about 13 bytes per
    row each (k x K of them), trimmed only a few thousand steps.
    """
    last = np.cumsum(counts) - 1
    first = last - counts + 1
    two = counts > 1
    index = np.column_stack([first, last]).ravel()[np.column_stack([np.ones_like(two), two]).ravel()]
    return knots[index], np.repeat(means, np.where(two, 2, 1))


def fit_isotonic(scores, targets) -> tuple[np.ndarray, np.ndarray]:
    """Isotonic (non-decreasing) map from scores (N,) to targets (N,) in [0, 1].

    Tied scores are first merged into one point (mean target, weight = count).

    Returns
    -------
    knots, values : ndarrays of shape (M,)
        Feed them to :func:`apply_isotonic`. Only the first and last knot of each run
        of equal values is kept (:func:`_block_ends`), so M is the number of steps, not N.
    """
    scores = np.asarray(scores, dtype=np.float64)
    targets = np.asarray(targets, dtype=np.float64)
    knots, inverse, counts = np.unique(scores, return_inverse=True, return_counts=True)
    hits = np.bincount(inverse, weights=targets, minlength=knots.size)
    return _block_ends(knots, *_pooled_blocks(hits, counts.astype(np.float64)))


def fit_isotonic_folds(scores, targets, folds: np.ndarray, n_folds: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """For each fold j, :func:`fit_isotonic` of the rows outside fold j, from one sort of all rows.

    The distinct scores are found once; a fold's training counts and target sums per
    score are the totals minus the fold's own, so each fit is exactly the one
    :func:`fit_isotonic` makes on the training rows, without sorting them again. About
    30 bytes a row at the peak (the order, the sorted scores, a knot number per row).
    """
    scores = np.asarray(scores, dtype=np.float64)
    order = np.argsort(scores)  # ties in any order: equal scores become one knot
    ordered = scores[order]
    fold = np.asarray(folds)[order]
    hit = np.asarray(targets, dtype=bool)[order]
    del order
    starts = np.empty(ordered.size, dtype=bool)
    starts[:1] = True
    np.not_equal(ordered[1:], ordered[:-1], out=starts[1:])
    knots = ordered[starts]
    del ordered
    small = np.int32 if starts.size < 2**31 else np.int64  # counts and knot numbers: exact in 4 bytes
    knot = np.cumsum(starts, dtype=small)
    knot -= 1
    del starts
    counts = np.bincount(knot, minlength=knots.size).astype(small)
    hits = np.bincount(knot[hit], minlength=knots.size).astype(small)
    maps = []
    for j in range(n_folds):
        mine = fold == j
        train_counts = counts - np.bincount(knot[mine], minlength=knots.size).astype(small)
        kept = train_counts > 0
        train_hits = (hits - np.bincount(knot[mine & hit], minlength=knots.size).astype(small))[kept]
        # integer sums and weights: the same numbers as float64 sums of 0/1 targets, half the memory
        blocks = _pooled_blocks(train_hits, train_counts[kept])
        del train_counts, train_hits
        maps.append(_block_ends(knots[kept], *blocks))
    return maps


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
