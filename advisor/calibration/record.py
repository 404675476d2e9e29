"""Metrics of records without class probabilities: a confidence and a correct flag per row.

This is what LLM evaluations produce (interface section 8): c_i in [0, 1], the model's
stated probability that its answer i is right, and correct_i. With c in place of the
top-label confidence, ``accuracy`` = mean(correct) and ``ece``, ``mce`` and ``bins``
are exactly section 5's (same edges, same bin rule). There is no class
distribution, so ``nll``, ``brier`` and ``temperature`` do not exist for records;
what does exist is the top-label Brier score::

    top_label_brier = mean_i (c_i - correct_i)^2

(for class predictions the same quantity of the top-label confidence; it is not
section 5's ``brier``, which sums over all classes).
"""

from __future__ import annotations

import numpy as np

from . import binning
from .statistic import (
    bin_statistics,
    bins_table,
    ece_from_statistics,
    mce_from_statistics,
)

EPS = float(np.finfo(np.float64).eps)


def top_label_brier(confidences, correct) -> float:
    """mean_i (c_i - correct_i)^2 of confidences (N,) and correctness (N,); NaN when N == 0."""
    conf = np.asarray(confidences, dtype=np.float64)
    if not conf.size:
        return float("nan")
    gap = conf - np.asarray(correct, dtype=np.float64)
    return float(np.dot(gap, gap) / conf.size)


def confidence_logit(confidences) -> np.ndarray:
    """x_i = ln(max(c_i, eps)) - ln(max(1 - c_i, eps)), shape (N,): the confidence as a logit.

    The eps clip (section 5's) keeps c = 0 and c = 1 finite (|x| <= 36.05).
    """
    conf = np.asarray(confidences, dtype=np.float64)
    return np.log(np.maximum(conf, EPS)) - np.log(np.maximum(1.0 - conf, EPS))


def sigmoid(x) -> np.ndarray:
    """1 / (1 + e^-x) without overflow, elementwise."""
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(x, dtype=np.float64)))


def record_metrics(confidences, correct, n_bins: int = 15) -> dict:
    """Section 5's metrics with c = confidence (section 8).

    Parameters
    ----------
    confidences : array_like of float, shape (N,), values in [0, 1]
    correct : array_like of bool, shape (N,)
    n_bins : int
        Equal-width bins B.

    Returns
    -------
    dict
        ``n_samples``, ``accuracy``, ``ece``, ``mce``, ``bins`` (section 5) and
        ``top_label_brier``.
    """
    conf = np.asarray(confidences, dtype=np.float64)
    ok = np.asarray(correct, dtype=bool)
    if not conf.size:
        raise ValueError("no records")
    stats = bin_statistics(conf, ok, binning.width_edges(n_bins))
    return {
        "n_samples": int(conf.size),
        "accuracy": int(np.count_nonzero(ok)) / conf.size,
        "ece": ece_from_statistics(*stats),
        "mce": mce_from_statistics(*stats),
        "bins": bins_table(binning.width_edges(n_bins), *stats),
        "top_label_brier": top_label_brier(conf, ok),
    }
