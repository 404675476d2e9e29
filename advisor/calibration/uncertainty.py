"""Sampling uncertainty of accuracy and ECE, and a calibration significance test.

Seeding: ``np.random.SeedSequence(seed).spawn(3)`` gives one stream per purpose
(0: bootstrap, 1: consistency test, 2: cross-fitting folds). Bootstrap resample b
draws its row indices with ``default_rng(bootstrap_stream.spawn(R)[b]).integers(0, N,
size=N)`` (the same numbers as ``dtype=np.uint32``: for N < 2**32 numpy draws 32-bit
values either way); consistency resample r draws ``default_rng(child_r).random(N)``
and calls row i correct when that value is below c_i.

Two ways to draw
----------------
Up to :data:`ROW_LIMIT` rows (and always for the bootstrap of equal-mass bins, whose
edges move with every resample) the resamples are drawn row by row, as described
below. Above it they are drawn on per-cell sufficient statistics
(:mod:`advisor.calibration.cell`): the same distributions (exactly for every count,
from exact moments for the sums of confidences of large cells), at a cost that does
not grow with N. ``draws`` in the results says which: ``"rows"`` or ``"cells"``.
:data:`ROW_LIMIT` is set by measurement (``benchmarks/bench_resampling.py``: where the
row-level draws start to cost noticeable time); ``tests/test_resampling_cells.py`` checks
that both give the same intervals and p-values within Monte-Carlo error there.

Row by row
----------
Results are identical, to the last bit, to the straightforward loop that gathers
each resample and calls :func:`advisor.calibration.metric.expected_calibration_error`
on it (``tests/test_uncertainty_reference.py``): per resample we keep exactly the
float additions of that loop (per-bin sums of the resampled confidences in draw
order, integer counts of correct rows), and drop everything else it repeats:
bin search (the bin of a row is looked up, one byte per row, with its
correctness), float copies of the correctness, and, for equal-mass bins, the
sort (the resample's sorted values come from a count of draws per sorted
position). Resamples are independent, each with its own generator, so they run
on two threads in any order and land at their own index.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

from . import binning, config
from .cell import bootstrap_ece_accuracy_cells, consistency_eces_cells
from .statistic import bin_statistics, ece_from_statistics

LEVEL = 0.95
# Rows up to which resamples are drawn row by row; above, on per-cell sufficient statistics
# (module doc). Measured (benchmarks/bench_resampling.py, 1,000 + 1,000 resamples): the cell
# draws cost 0.01-0.05 s at any N, the row draws 0.25 s at 2,000 rows and then N x
# resamples (0.8 s at 10,000, 8 s at 100,000). Below this the exact row-level numbers cost
# a user nothing noticeable, so small inputs keep them; above it they would dominate
ROW_LIMIT = 2_000
DRAWS = ("auto", "rows", "cells")


def draws_for(n_samples: int, draws: str = "auto", scheme: str = "width") -> str:
    """``"rows"`` or ``"cells"``: how resamples of ``n_samples`` rows are drawn (``"auto"``: by :data:`ROW_LIMIT`)."""
    if draws not in DRAWS:
        raise ValueError(f"unknown draws {draws!r}; use one of {', '.join(DRAWS)}")
    if draws == "auto":
        return "rows" if n_samples <= ROW_LIMIT else "cells"
    return draws


def streams(seed: int) -> list[np.random.SeedSequence]:
    """The three independent seed streams (bootstrap, consistency, folds) of ``seed``."""
    return np.random.SeedSequence(int(seed)).spawn(3)


def _run(task, n_resamples: int, n: int) -> None:
    """Call ``task(i)`` for every resample i, blocks of resamples spread over the ``workers`` threads.

    A block holds about ``resample_values`` resampled values (:mod:`advisor.calibration.config`);
    numpy releases the GIL in the draws, gathers and bincounts, so the threads run in parallel.
    """
    step = max(1, config.get("resample_values") // max(1, n))
    workers = config.get("workers")
    blocks = [range(start, min(n_resamples, start + step)) for start in range(0, n_resamples, step)]

    def run_block(block):
        for i in block:
            task(i)

    if workers <= 1 or len(blocks) <= 1:
        for block in blocks:
            run_block(block)
        return
    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(run_block, blocks))


def _keys(index: np.ndarray, correct: np.ndarray, n_bins: int) -> np.ndarray:
    """2 * bin + correct per row, in the smallest unsigned type that holds it."""
    dtype = np.uint8 if 2 * n_bins <= 256 else np.uint16 if 2 * n_bins <= 65536 else np.intp
    return (2 * index + correct).astype(dtype)


def _ece_of_keys(keys: np.ndarray, conf: np.ndarray, n_bins: int) -> tuple[int, float]:
    """(correct rows, ECE) of resampled keys (n,) and confidences (n,), as the metric computes it."""
    counts = np.bincount(keys, minlength=2 * n_bins)
    sum_conf = np.bincount(keys >> 1, weights=conf, minlength=n_bins)
    sum_correct = counts[1::2].astype(np.float64)
    return int(counts[1::2].sum()), float(np.sum(np.abs(sum_correct - sum_conf)) / float(conf.size))


def bootstrap_ece_accuracy(confidences, correct, n_bins: int = 15, scheme: str = "width",
                           n_resamples: int = 1000, seed: int = 0, draws: str = "auto") -> tuple[np.ndarray, np.ndarray]:
    """Bootstrap replicates of (accuracy, ECE).

    Parameters
    ----------
    confidences : array_like of float, shape (N,)
    correct : array_like of bool, shape (N,)
    n_bins, scheme : binning of the ECE (equal-mass edges are recomputed per resample).
    n_resamples : int
    seed : int
    draws : {"auto", "rows", "cells"}
        Row by row, or on per-cell sufficient statistics (module doc; equal-mass bins
        are always drawn row by row); ``"auto"`` decides by :data:`ROW_LIMIT`.

    Returns
    -------
    accuracies, eces : ndarrays of shape (n_resamples,)
    """
    conf = np.asarray(confidences, dtype=np.float64)
    correct = np.asarray(correct, dtype=bool)
    n = conf.size
    if scheme == "width" and n and n_resamples and draws_for(n, draws, scheme) == "cells":
        rng = np.random.default_rng(streams(seed)[0])
        return bootstrap_ece_accuracy_cells(conf, correct, binning.width_edges(n_bins), n_resamples, rng)
    children = streams(seed)[0].spawn(n_resamples)
    hits = np.zeros(n_resamples, dtype=np.int64)
    eces = np.zeros(n_resamples)
    if scheme == "width":
        keys = _keys(binning.assign(conf, binning.width_edges(n_bins)), correct, n_bins)

        def resample(b):
            draw = np.random.default_rng(children[b]).integers(0, n, size=n)
            hits[b], eces[b] = _ece_of_keys(keys.take(draw), conf.take(draw), n_bins)
    elif scheme == "mass":
        order = np.argsort(conf, kind="stable")
        rank = np.empty(n, dtype=np.intp)
        rank[order] = np.arange(n)
        conf_sorted, correct_sorted = conf[order], correct[order]

        def resample(b):
            draw = rank.take(np.random.default_rng(children[b]).integers(0, n, size=n))
            edges = _resample_mass_edges(conf_sorted, np.bincount(draw, minlength=n), n_bins)
            keys = _keys(_sorted_bins(conf_sorted, edges), correct_sorted, n_bins)
            hits[b], eces[b] = _ece_of_keys(keys.take(draw), conf_sorted.take(draw), n_bins)
    else:
        raise ValueError(f"unknown binning scheme {scheme!r}; use 'width' or 'mass'")
    if n:
        _run(resample, n_resamples, n)
    return hits / n if n else np.full(n_resamples, np.nan), eces


def _resample_mass_edges(conf_sorted: np.ndarray, draws_per_position: np.ndarray, n_bins: int) -> np.ndarray:
    """:func:`binning.mass_edges` of a resample, from how often each sorted position was drawn.

    The resample's s-th smallest value is conf_sorted[p] for the first p whose
    cumulative count exceeds s, so only the 2(B-1) values the edges need are looked up.
    """
    n = conf_sorted.size
    cumulative = np.cumsum(draws_per_position)
    sizes = np.full(n_bins, n // n_bins)
    sizes[: n % n_bins] += 1
    starts = np.cumsum(sizes)[:-1]
    last = np.clip(starts - 1, 0, n - 1)
    first = np.clip(starts, 0, n - 1)

    def value(s):
        return conf_sorted[np.searchsorted(cumulative, s, side="right")]

    edges = np.empty(n_bins + 1)
    edges[0], edges[-1] = 0.0, 1.0
    edges[1:-1] = (value(last) + value(first)) / 2.0
    edges[1:-1] = np.where(starts >= n, value(np.array([n - 1]))[0], edges[1:-1])
    return edges


def _sorted_bins(conf_sorted: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """:func:`binning.assign` of sorted values: bin m starts after the last value <= edges[m]."""
    n_bins = len(edges) - 1
    starts = np.searchsorted(conf_sorted, edges[1:-1], side="right")
    return np.repeat(np.arange(n_bins), np.diff(np.concatenate([[0], starts, [conf_sorted.size]])))


def percentile_interval(values, level: float = LEVEL) -> list[float]:
    """[lower, upper] percentile interval (linear interpolation) of replicates (R,)."""
    tail = 100.0 * (1.0 - level) / 2.0
    low, high = np.percentile(np.asarray(values, dtype=np.float64), [tail, 100.0 - tail])
    return [float(low), float(high)]


def bootstrap_intervals(confidences, correct, n_bins: int = 15, scheme: str = "width",
                        n_resamples: int = 1000, seed: int = 0, level: float = LEVEL, draws: str = "auto") -> dict:
    """Percentile bootstrap intervals of accuracy and ECE.

    Returns
    -------
    dict
        ``{"level", "n_resamples", "seed", "accuracy": [lo, hi] | None, "ece": [lo, hi] | None,
        "draws": "rows" | "cells"}`` (None when ``n_resamples == 0``).
    """
    n = np.size(confidences)
    result: dict[str, Any] = {"level": level, "n_resamples": int(n_resamples), "seed": int(seed), "accuracy": None, "ece": None,
              "draws": "rows" if scheme == "mass" else draws_for(n, draws, scheme)}
    if n_resamples > 0:
        accuracies, eces = bootstrap_ece_accuracy(confidences, correct, n_bins, scheme, n_resamples, seed, draws)
        result["accuracy"] = percentile_interval(accuracies, level)
        result["ece"] = percentile_interval(eces, level)
    return result


def consistency_eces(confidences, n_bins: int = 15, scheme: str = "width", n_resamples: int = 1000,
                     seed: int = 0, draws: str = "auto") -> np.ndarray:
    """ECEs (R,) of a perfectly calibrated model with these confidences (N,).

    Resample r draws correct_i ~ Bernoulli(c_i) with its own generator and recomputes
    the ECE with the same bins (the edges depend on the confidences only). The per-bin
    sums of confidences do not change between resamples: computed once. ``draws`` as
    in :func:`bootstrap_ece_accuracy` (the bins are fixed, so both schemes can be drawn per bin).
    """
    conf = np.asarray(confidences, dtype=np.float64)
    n = conf.size
    index = binning.assign(conf, binning.edges_for(conf, n_bins, scheme))
    if n and n_resamples and draws_for(n, draws, scheme) == "cells":
        return consistency_eces_cells(index, conf, n_bins, n_resamples, np.random.default_rng(streams(seed)[1]))
    sum_conf = np.bincount(index, weights=conf, minlength=n_bins)
    doubled = _keys(index, np.zeros(n, dtype=bool), n_bins)
    children = streams(seed)[1].spawn(n_resamples)
    eces = np.zeros(n_resamples)

    def resample(r):
        keys = doubled + (np.random.default_rng(children[r]).random(n) < conf)
        sum_correct = np.bincount(keys, minlength=2 * n_bins)[1::2].astype(np.float64)
        eces[r] = float(np.sum(np.abs(sum_correct - sum_conf)) / float(n))

    if n:
        _run(resample, n_resamples, n)
    return eces


def consistency_test(confidences, correct, n_bins: int = 15, scheme: str = "width",
                     n_resamples: int = 1000, seed: int = 0, draws: str = "auto") -> dict:
    """Consistency-resampling test of calibration (Broecker & Smith 2007).

    Parameters
    ----------
    confidences : array_like of float, shape (N,)
    correct : array_like of bool, shape (N,)

    Returns
    -------
    dict
        ``method``, ``n_resamples``, ``seed``, ``draws`` (``"rows"`` or ``"cells"``), ``ece`` (observed), ``p_value`` =
        (1 + #{ECE_r >= ECE_obs}) / (R + 1), ``ece_if_calibrated`` (mean ECE_r) and
        ``ece_if_calibrated_95`` (95th percentile); the last three None when R == 0.
    """
    edges = binning.edges_for(confidences, n_bins, scheme)
    observed = ece_from_statistics(*bin_statistics(confidences, correct, edges))
    result = {"method": "consistency resampling", "n_resamples": int(n_resamples), "seed": int(seed),
              "draws": draws_for(np.size(confidences), draws, scheme),
              "ece": observed, "p_value": None, "ece_if_calibrated": None, "ece_if_calibrated_95": None}
    if n_resamples > 0:
        eces = consistency_eces(confidences, n_bins, scheme, n_resamples, seed, draws)
        # the observed ECE is recomputed with the same summation as the replicates
        result["p_value"] = float((1 + np.count_nonzero(eces >= observed - 1e-15)) / (n_resamples + 1))
        result["ece_if_calibrated"] = float(np.mean(eces))
        result["ece_if_calibrated_95"] = float(np.percentile(eces, 95.0))
    return result
