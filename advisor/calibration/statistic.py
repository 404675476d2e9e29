"""Per-bin sufficient statistics and the binned metrics computed from them.

The low-level kernels of the binned metrics: every one of them (ECE, MCE, the
reliability table) is a function of each bin's count, sum of confidences and sum of
correct predictions. Imports nothing of the package but :mod:`.binning`, so the
accumulator, the metrics and the resampling all build on it without a cycle.
"""

from __future__ import annotations

import numpy as np

from . import binning


def bin_statistics(confidences, correct, edges: np.ndarray):
    """Per-bin sufficient statistics.

    Parameters
    ----------
    confidences : array_like of float, shape (N,)
    correct : array_like of bool or float, shape (N,)
    edges : ndarray of float64, shape (B+1,)

    Returns
    -------
    counts, sum_confidence, sum_correct : ndarrays of shape (B,)
    """
    conf = np.asarray(confidences, dtype=np.float64)
    index = binning.assign(conf, edges)
    n_bins = len(edges) - 1
    counts = np.bincount(index, minlength=n_bins).astype(np.float64)
    sum_conf = np.bincount(index, weights=conf, minlength=n_bins)
    sum_correct = np.bincount(index, weights=np.asarray(correct, dtype=np.float64), minlength=n_bins)
    return counts, sum_conf, sum_correct


def ece_from_statistics(counts, sum_conf, sum_correct) -> float:
    """sum_m |sum(correct) - sum(c)| / N over bins (empty bins contribute 0)."""
    total = float(np.sum(counts))
    return float(np.sum(np.abs(sum_correct - sum_conf)) / total) if total else 0.0


def mce_from_statistics(counts, sum_conf, sum_correct) -> float:
    """max over non-empty bins of |mean(correct) - mean(c)|."""
    full = counts > 0
    if not full.any():
        return 0.0
    return float(np.max(np.abs(sum_correct[full] - sum_conf[full]) / counts[full]))


def bins_table(edges, counts, sum_conf, sum_correct) -> list[dict]:
    """The reliability table: ``[{lower, upper, count, confidence, accuracy}]`` (None when empty)."""
    table = []
    for m in range(len(counts)):
        n = int(counts[m])
        table.append({
            "lower": float(edges[m]), "upper": float(edges[m + 1]), "count": n,
            "confidence": float(sum_conf[m] / n) if n else None,
            "accuracy": float(sum_correct[m] / n) if n else None,
        })
    return table
