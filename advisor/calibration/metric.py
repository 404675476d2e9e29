"""Calibration metrics (README, "Metric definitions") and the extra estimators.

All functions take ``labels`` (N,) and exactly one of ``probs`` (N, K) or ``logits``
(N, K); inputs are validated by :func:`advisor.calibration.predictions.from_arrays`. The
per-row work is the fused block pass of :mod:`advisor.calibration.block` (one read of
each row block, float64 scratch per block, two threads), so no float64 copy of a
whole N x K array is ever made. The per-row quantities are defined there.
"""

from __future__ import annotations

import numpy as np

from . import binning
from .accumulator import CalibrationAccumulator
from .predictions import BasePredictions, from_arrays
from .statistic import (
    bin_statistics,
    bins_table,
    ece_from_statistics,
    mce_from_statistics,
)


def _as_preds(labels, probs, logits) -> BasePredictions:
    if isinstance(labels, BasePredictions):
        return labels
    return from_arrays(labels, probs=probs, logits=logits)


def expected_calibration_error(confidences, correct, n_bins: int = 15, scheme: str = "width") -> float:
    """Top-label ECE from confidences (N,) and correctness (N,).

    ``scheme="width"`` is exactly interface section 5; ``"mass"`` uses the equal-mass
    edges of :mod:`advisor.calibration.binning`.
    """
    edges = binning.edges_for(confidences, n_bins, scheme)
    return ece_from_statistics(*bin_statistics(confidences, correct, edges))


def maximum_calibration_error(confidences, correct, n_bins: int = 15, scheme: str = "width") -> float:
    """Top-label MCE from confidences (N,) and correctness (N,)."""
    edges = binning.edges_for(confidences, n_bins, scheme)
    return mce_from_statistics(*bin_statistics(confidences, correct, edges))


def reliability_bins(confidences, correct, n_bins: int = 15, scheme: str = "width") -> list[dict]:
    """The per-bin table for confidences (N,) and correctness (N,)."""
    edges = binning.edges_for(confidences, n_bins, scheme)
    return bins_table(edges, *bin_statistics(confidences, correct, edges))


# ---------------------------------------------------------------- metrics on predictions

def calibration_metrics(labels, probs=None, logits=None, n_bins: int = 15) -> dict:
    """accuracy, ece, mce, nll, brier and bins (section 5) of labels (N,) and probs/logits (N, K)."""
    preds = _as_preds(labels, probs, logits)
    acc = CalibrationAccumulator(bins=n_bins)
    acc.add(preds)
    return acc.result()


def accuracy(labels, probs=None, logits=None) -> float:
    """mean(argmax_k p_ik == y_i)."""
    return calibration_metrics(labels, probs, logits)["accuracy"]


def negative_log_likelihood(labels, probs=None, logits=None) -> float:
    """Mean of -ln(max(p_iy, eps)) (equals scikit-learn's ``log_loss``)."""
    return calibration_metrics(labels, probs, logits)["nll"]


def brier_score(labels, probs=None, logits=None) -> float:
    """Mean over rows of sum_k (p_ik - [y_i = k])^2 (binary: twice scikit-learn's ``brier_score_loss``)."""
    return calibration_metrics(labels, probs, logits)["brier"]


def classwise_ece(labels, probs=None, logits=None, n_bins: int = 15) -> float:
    """Class-wise ECE: the mean over classes k of the equal-width ECE of p_k against [y == k].

    For each class k, every sample's p_ik is placed in an equal-width bin (section-5
    edges and rule), and the class's error is sum_m |sum [y = k] - sum p_ik| / N; the
    result is the unweighted mean over the K classes (the "static calibration error"
    of Nixon et al. 2019 with the section-5 bins).
    """
    acc = CalibrationAccumulator(bins=n_bins, classwise=True)
    acc.add(_as_preds(labels, probs, logits))
    return acc.result()["classwise_ece"]


def binary_positive_ece(labels, probs=None, logits=None, n_bins: int = 15) -> float:
    """ECE of the positive-class probability of a binary task (K == 2 only).

    Bins p_i1 with the section-5 equal-width rule and compares the mean p_i1 with the
    fraction of positives in each bin, weighted by the bin's share: what torchmetrics'
    ``binary_calibration_error(norm="l1")`` computes. Differences from torchmetrics:
    we compare in float64 with float64 edges (torchmetrics uses float32 edges), and
    p = 0 falls in bin 0 (torchmetrics' ``bucketize(...) - 1`` gives index -1 there).
    Not the top-label ``ece``: a binary model predicting 0.3 for the positive class
    has top-label confidence 0.7.
    """
    preds = _as_preds(labels, probs, logits)
    if preds.n_classes != 2:
        raise ValueError("binary_positive_ece needs exactly 2 classes")
    acc = CalibrationAccumulator(bins=n_bins)
    acc.add(preds)
    return acc.result()["binary_positive_ece"]


def kumar_equal_bins(confidences, n_bins: int = 15) -> np.ndarray:
    """Equal-mass upper edges as in Kumar et al.'s released ``get_equal_bins``, shape (<= B,), last is 1.0.

    The sorted values are cut into min(B, N) groups by ``np.array_split`` (sizes differ
    by at most one, the larger first: the PyPI release of the reference package; an
    earlier revision in its repository cut groups of ceil(N / B) values, which can leave
    fewer than B groups); each inner edge is the midpoint between the last value of a
    group and the first of the next; duplicate edges are dropped. These are the inner
    edges of :func:`advisor.calibration.binning.mass_edges` (the README's equal-mass
    bins) without the repeats that edges of empty groups add when N < B.
    """
    values = np.asarray(confidences, dtype=np.float64)
    if not values.size:
        return np.array([1.0])
    return np.unique(np.append(binning.mass_edges(values, min(int(n_bins), values.size))[1:-1], 1.0))


def debiased_l2_error(confidences, correct, n_bins: int = 15) -> float:
    """Debiased top-label L2 calibration error of Kumar et al. 2019 ("Verified Uncertainty Calibration").

    Replicates ``lower_bound_scaling_ce(probs, labels, p=2, debias=True, num_bins=B,
    binning_scheme=get_equal_bins, mode="top-label")`` of the reference package's PyPI
    release (p-lambda/verified_calibration): the README's equal-mass bins
    (:func:`kumar_equal_bins`, the same grouping as ``--scheme mass``), a value v in bin
    i when ``edges[i-1] < v <= edges[i]``; per bin with n_b >= 2 samples the plug-in
    (mean(c) - mean(correct))^2 minus the variance correction a_b (1 - a_b) / (n_b - 1),
    where a_b = mean(correct); bins with fewer than 2 samples contribute 0; the terms are
    weighted by n_b / N and summed.

    Returns
    -------
    float
        sqrt(max(estimate, 0)): an L2 error on the probability scale, comparable with the ECE.
    """
    conf = np.asarray(confidences, dtype=np.float64)
    correct = np.asarray(correct, dtype=np.float64)
    upper = kumar_equal_bins(conf, n_bins)
    index = np.searchsorted(upper, conf, side="left")
    size = len(upper)
    counts = np.bincount(index, minlength=size)
    sum_conf = np.bincount(index, weights=conf, minlength=size)
    sum_correct = np.bincount(index, weights=correct, minlength=size)
    return debiased_l2_from_statistics(counts, sum_conf, sum_correct)


def debiased_l2_from_statistics(counts, sum_conf, sum_correct) -> float:
    """:func:`debiased_l2_error` from the per-bin (count, sum of c, sum of correct) of its bins, shape (B,) each.

    The sums of :func:`advisor.calibration.statistic.bin_statistics` over
    :func:`advisor.calibration.binning.mass_edges` give the same value as the sums over
    :func:`kumar_equal_bins`: the two assign every value to the same group, and the
    empty bins that repeated mass edges add contribute nothing.
    """
    counts = np.asarray(counts, dtype=np.float64)
    sum_conf, sum_correct = np.asarray(sum_conf, dtype=np.float64), np.asarray(sum_correct, dtype=np.float64)
    full = counts >= 2
    n_b = counts[full]
    mean_correct = sum_correct[full] / n_b
    biased = (sum_conf[full] / n_b - mean_correct) ** 2
    variance = mean_correct * (1.0 - mean_correct) / (n_b - 1.0)
    estimate = float(np.dot(n_b / counts.sum(), biased - variance))
    return max(estimate, 0.0) ** 0.5
