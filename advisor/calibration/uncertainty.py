"""Sampling uncertainty of accuracy and ECE, and a calibration significance test.

Seeding: ``np.random.SeedSequence(seed).spawn(3)`` gives one stream per purpose
(0: bootstrap, 1: consistency test, 2: cross-fitting folds); bootstrap resample b
draws with ``default_rng(bootstrap_stream.spawn(R)[b])`` and consistency resample r
likewise. Results therefore do not depend on how resamples are grouped into blocks.
The work is vectorized over a block of resamples (one bincount per block); the only
per-resample Python step is the draw from that resample's own generator.
"""

from __future__ import annotations

import numpy as np

from . import binning

LEVEL = 0.95
BLOCK_ELEMENTS = 1 << 22  # resampled values held at once


def streams(seed: int) -> list[np.random.SeedSequence]:
    """The three independent seed streams (bootstrap, consistency, folds) of ``seed``."""
    return np.random.SeedSequence(int(seed)).spawn(3)


def _blocks(n_resamples: int, n: int):
    step = max(1, BLOCK_ELEMENTS // max(1, n))
    for start in range(0, n_resamples, step):
        yield start, min(n_resamples, start + step)


def _binned_abs_sum(index: np.ndarray, weights: np.ndarray, n_bins: int) -> np.ndarray:
    """sum_m |sum of weights in bin m| for each row of (r, n) bin indices and weights -> (r,)."""
    r = index.shape[0]
    flat = (index + n_bins * np.arange(r)[:, None]).ravel()
    sums = np.bincount(flat, weights=weights.ravel(), minlength=r * n_bins)
    return np.abs(sums.reshape(r, n_bins)).sum(axis=1)


def bootstrap_ece_accuracy(confidences, correct, n_bins: int = 15, scheme: str = "width",
                           n_resamples: int = 1000, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Bootstrap replicates of (accuracy, ECE).

    Parameters
    ----------
    confidences : array_like of float, shape (N,)
    correct : array_like of bool, shape (N,)
    n_bins, scheme : binning of the ECE (equal-mass edges are recomputed per resample).
    n_resamples : int
    seed : int

    Returns
    -------
    accuracies, eces : ndarrays of shape (n_resamples,)
    """
    conf = np.asarray(confidences, dtype=np.float64)
    correct = np.asarray(correct, dtype=np.float64)
    n = conf.size
    children = streams(seed)[0].spawn(n_resamples)
    accuracies = np.empty(n_resamples)
    eces = np.empty(n_resamples)
    if scheme == "width":
        index = binning.assign(conf, binning.width_edges(n_bins))
    else:
        order = np.argsort(conf, kind="stable")
        rank = np.empty(n, dtype=np.int64)
        rank[order] = np.arange(n)
        conf_sorted, correct_sorted = conf[order], correct[order]
    diff = correct - conf
    for start, stop in _blocks(n_resamples, n):
        draws = np.stack([np.random.default_rng(children[b]).integers(0, n, size=n)
                          for b in range(start, stop)])
        accuracies[start:stop] = correct[draws].mean(axis=1)
        if scheme == "width":
            eces[start:stop] = _binned_abs_sum(index[draws], diff[draws], n_bins) / n
        else:
            sorted_pos = np.sort(rank[draws], axis=1)
            values = conf_sorted[sorted_pos]
            weights = correct_sorted[sorted_pos] - values
            eces[start:stop] = _binned_abs_sum(_mass_index_rows(values, n_bins), weights, n_bins) / n
    return accuracies, eces


def _mass_index_rows(sorted_values: np.ndarray, n_bins: int) -> np.ndarray:
    """Equal-mass bin index of each value for every row of (r, n) row-sorted values."""
    r, n = sorted_values.shape
    sizes = np.full(n_bins, n // n_bins)
    sizes[: n % n_bins] += 1
    starts = np.cumsum(sizes)[:-1]
    last = np.clip(starts - 1, 0, n - 1)
    first = np.clip(starts, 0, n - 1)
    inner = (sorted_values[:, last] + sorted_values[:, first]) / 2.0
    inner = np.where(starts >= n, sorted_values[:, -1:], inner)
    index = np.zeros((r, n), dtype=np.int64)
    for m in range(n_bins - 1):  # a loop over edges, not resamples: exact float64 comparisons
        index += sorted_values > inner[:, m:m + 1]
    return index


def percentile_interval(values, level: float = LEVEL) -> list[float]:
    """[lower, upper] percentile interval (linear interpolation) of replicates (R,)."""
    tail = 100.0 * (1.0 - level) / 2.0
    low, high = np.percentile(np.asarray(values, dtype=np.float64), [tail, 100.0 - tail])
    return [float(low), float(high)]


def bootstrap_intervals(confidences, correct, n_bins: int = 15, scheme: str = "width",
                        n_resamples: int = 1000, seed: int = 0, level: float = LEVEL) -> dict:
    """Percentile bootstrap intervals of accuracy and ECE.

    Returns
    -------
    dict
        ``{"level", "n_resamples", "seed", "accuracy": [lo, hi] | None, "ece": [lo, hi] | None}``
        (None when ``n_resamples == 0``).
    """
    result = {"level": level, "n_resamples": int(n_resamples), "seed": int(seed), "accuracy": None, "ece": None}
    if n_resamples > 0:
        accuracies, eces = bootstrap_ece_accuracy(confidences, correct, n_bins, scheme, n_resamples, seed)
        result["accuracy"] = percentile_interval(accuracies, level)
        result["ece"] = percentile_interval(eces, level)
    return result


def consistency_eces(confidences, n_bins: int = 15, scheme: str = "width", n_resamples: int = 1000,
                     seed: int = 0) -> np.ndarray:
    """ECEs (R,) of a perfectly calibrated model with these confidences (N,).

    Resample r draws correct_i ~ Bernoulli(c_i) with its own generator and recomputes
    the ECE with the same bins (the edges depend on the confidences only).
    """
    conf = np.asarray(confidences, dtype=np.float64)
    n = conf.size
    index = binning.assign(conf, binning.edges_for(conf, n_bins, scheme))
    children = streams(seed)[1].spawn(n_resamples)
    eces = np.empty(n_resamples)
    for start, stop in _blocks(n_resamples, n):
        uniform = np.stack([np.random.default_rng(children[r]).random(n) for r in range(start, stop)])
        weights = (uniform < conf).astype(np.float64) - conf
        eces[start:stop] = _binned_abs_sum(np.broadcast_to(index, weights.shape), weights, n_bins) / n
    return eces


def consistency_test(confidences, correct, n_bins: int = 15, scheme: str = "width",
                     n_resamples: int = 1000, seed: int = 0) -> dict:
    """Consistency-resampling test of calibration (Broecker & Smith 2007).

    Parameters
    ----------
    confidences : array_like of float, shape (N,)
    correct : array_like of bool, shape (N,)

    Returns
    -------
    dict
        ``method``, ``n_resamples``, ``seed``, ``ece`` (observed), ``p_value`` =
        (1 + #{ECE_r >= ECE_obs}) / (R + 1), ``ece_if_calibrated`` (mean ECE_r) and
        ``ece_if_calibrated_95`` (95th percentile); the last three None when R == 0.
    """
    from .metric import expected_calibration_error

    observed = expected_calibration_error(confidences, correct, n_bins, scheme)
    result = {"method": "consistency resampling", "n_resamples": int(n_resamples), "seed": int(seed),
              "ece": observed, "p_value": None, "ece_if_calibrated": None, "ece_if_calibrated_95": None}
    if n_resamples > 0:
        eces = consistency_eces(confidences, n_bins, scheme, n_resamples, seed)
        # the observed ECE is recomputed with the same summation as the replicates
        result["p_value"] = float((1 + np.count_nonzero(eces >= observed - 1e-15)) / (n_resamples + 1))
        result["ece_if_calibrated"] = float(np.mean(eces))
        result["ece_if_calibrated_95"] = float(np.percentile(eces, 95.0))
    return result
