"""``measure``: every metric, interval, test and post-calibration result in one JSON-able dict."""

from __future__ import annotations

import numpy as np

from . import binning, progress
from .accumulator import CalibrationAccumulator, classwise_problem
from .crossfit import SUMMARY_KEYS, cross_fit_with_temperature
from .metric import debiased_l2_error
from .predictions import BasePredictions
from .scaling import fit_temperature
from .statistic import (
    bin_statistics,
    bins_table,
    ece_from_statistics,
    mce_from_statistics,
)
from .uncertainty import LEVEL, bootstrap_intervals, consistency_test

SCHEMES = ("width", "mass")


def measure(preds: BasePredictions, *, bins: int = 15, scheme: str = "width", n_bootstrap: int = 1000,
            n_consistency: int = 1000, folds: int = 5, seed: int = 0) -> dict:
    """Measure the accuracy and calibration of validated predictions.

    Parameters
    ----------
    preds : Predictions
        From :func:`load_predictions` or :func:`from_arrays`; labels (N,), scores (N, K).
    bins : int
        Number of bins B (default 15, Guo et al. 2017).
    scheme : {"width", "mass"}
        Binning of ``intervals`` and ``significance`` (each says its ``scheme``) and of
        the text/Markdown headline. ``ece``, ``mce`` and ``bins`` always keep their
        interface-section-5 meaning (equal-width, B = ``bins``); "mass" adds
        ``mass_bins`` and ``mce_mass``. ``ece_width`` and ``ece_mass`` are always both reported.
    n_bootstrap, n_consistency : int
        Resamples of the bootstrap intervals and of the consistency test (0 skips).
    folds : int
        Cross-fitting folds of the post-calibration results (< 2 skips the calibrators).
    seed : int
        Seed of every random draw: the same seed gives the same result.

    Returns
    -------
    dict
        The result documented in the README (section-5 metrics, ``bins``,
        ``ece_width``, ``ece_mass``, ``classwise_ece``, ``debiased_l2_error``,
        ``binary_positive_ece``, ``intervals``, ``significance``, ``post_calibration``;
        with ``scheme="mass"`` also ``mass_bins`` and ``mce_mass``), and ``notes``
        (a list of text: what was skipped and why; ``classwise_ece`` is None with a
        note when K x B per-class sums would exceed
        the ``classwise_bytes`` setting of :mod:`advisor.calibration.config`).

    Memory: besides the labels and scores, about
    :data:`advisor.calibration.readers.header.ROW_BYTES` bytes per row at the peak, plus fixed
    working space (see "Memory" in :mod:`advisor.calibration.readers`).
    """
    if scheme not in SCHEMES:
        raise ValueError(f"unknown binning scheme {scheme!r}; use 'width' or 'mass'")
    if int(bins) < 1:
        raise ValueError("bins must be at least 1")
    notes = []
    classwise = preds.n_classes > 2
    if classwise and classwise_problem(preds.n_classes, bins):
        classwise = False  # the memory bound wins over one extra metric: say so instead
        notes.append(f"class-wise ECE skipped: {classwise_problem(preds.n_classes, bins)}")
    acc = CalibrationAccumulator(bins=bins, classwise=classwise)
    progress.phase("measuring")
    conf = np.empty(preds.n_samples)
    correct = np.empty(preds.n_samples, dtype=bool)
    start = 0
    for labels, block in acc.scan(preds):
        acc.add_block(labels, block)
        stop = start + labels.shape[0]
        conf[start:stop], correct[start:stop] = block.rows.confidence, block.rows.correct
        start = stop
    base = acc.result()
    progress.phase("resampling")
    mass_edges = binning.mass_edges(conf, bins)
    mass_stats = bin_statistics(conf, correct, mass_edges)
    significance = consistency_test(conf, correct, bins, scheme, n_consistency, seed)
    significance.pop("ece")
    significance["scheme"] = scheme
    intervals = bootstrap_intervals(conf, correct, bins, scheme, n_bootstrap, seed, LEVEL)
    intervals["scheme"] = scheme
    debiased = debiased_l2_error(conf, correct, bins)
    del conf, correct  # 9 bytes a row: cross-fitting, the memory peak, does not need them
    # the main pass already measured the uncalibrated predictions, and the joint fold fit
    # finds the all-rows temperature on its way: neither needs passes of its own
    before = {key: base[key] for key in SUMMARY_KEYS}
    post, temperature = cross_fit_with_temperature(preds, folds=folds, seed=seed, n_bins=bins, before=before)
    if temperature is None:
        temperature = fit_temperature(preds)
    result = {
        "source": preds.source,
        "n_samples": preds.n_samples,
        "n_classes": preds.n_classes,
        "input": preds.kind,
        "accuracy": base["accuracy"],
        "ece": base["ece"],
        "mce": base["mce"],
        "nll": base["nll"],
        "brier": base["brier"],
        "temperature": temperature,
        "n_bins": int(bins),
        "scheme": scheme,
        "bins": base["bins"],
        "ece_width": base["ece"],
        "ece_mass": ece_from_statistics(*mass_stats),
        "classwise_ece": base["classwise_ece"],
        "debiased_l2_error": debiased,
        "binary_positive_ece": base["binary_positive_ece"],
        "intervals": intervals,
        "significance": significance,
        "post_calibration": post,
        "notes": notes,
    }
    if scheme == "mass":  # added keys only: section-5 keys never change meaning with the scheme
        result["mass_bins"] = bins_table(mass_edges, *mass_stats)
        result["mce_mass"] = mce_from_statistics(*mass_stats)
    return result

