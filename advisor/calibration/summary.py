"""``measure``: every metric, interval, test and post-calibration result in one JSON-able dict."""

from __future__ import annotations

import numpy as np

from . import binning, progress
from .accumulator import CalibrationAccumulator, classwise_problem
from .crossfit import SUMMARY_KEYS, cross_fit_with_temperature
from .evidence import after_calibration, measure_evidence
from .heldout import cross_fit_records
from .metric import debiased_l2_from_statistics
from .predictions import BasePredictions
from .record import Records, record_metrics
from .scaling import fit_temperature
from .statistic import (
    bin_statistics,
    bins_table,
    ece_from_statistics,
    mce_from_statistics,
)
from .uncertainty import LEVEL, bootstrap_intervals, consistency_test

SCHEMES = ("width", "mass")


def measure(preds: BasePredictions | Records, *, bins: int = 15, scheme: str = "width", n_bootstrap: int = 1000,
            n_consistency: int = 1000, folds: int = 5, seed: int = 0, target_accuracy: float | None = None) -> dict:
    """Measure the accuracy and calibration of validated predictions.

    Parameters
    ----------
    preds : Predictions or Records
        From :func:`load_predictions`, :func:`from_arrays` (labels (N,), scores (N, K))
        or :func:`records_from_arrays` (confidence (N,), correct (N,); interface section 8).
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
    target_accuracy : float, optional
        Adds ``selective`` (section 8), and the worst segment against this target.

    Returns
    -------
    dict
        The result documented in the README (section-5 metrics, ``bins``,
        ``ece_width``, ``ece_mass``, ``classwise_ece``, ``debiased_l2_error``,
        ``binary_positive_ece``, ``intervals``, ``significance``, ``post_calibration``;
        with ``scheme="mass"`` also ``mass_bins`` and ``mce_mass``), and ``notes``
        (a list of text: what was skipped and why; ``classwise_ece`` is None with a
        note when K x B per-class sums would exceed
        the ``classwise_bytes`` setting of :mod:`advisor.calibration.config`); and the
        evidence of :mod:`advisor.calibration.evidence` (``top_label_brier``, per-bin
        intervals, ``segments``, ``segment_summary``, ``error_concentration``,
        ``selective``). Records have ``input`` "confidence", ``n_classes``, ``nll``,
        ``brier`` and ``temperature`` None, ``n_without_confidence``, and their
        post-calibration maps the confidence (:func:`advisor.calibration.heldout.cross_fit_records`).

    Memory: besides the labels and scores, about
    :data:`advisor.calibration.readers.header.ROW_BYTES` bytes per row at the peak, plus fixed
    working space (see "Memory" in :mod:`advisor.calibration.readers`).
    """
    if scheme not in SCHEMES:
        raise ValueError(f"unknown binning scheme {scheme!r}; use 'width' or 'mass'")
    if int(bins) < 1:
        raise ValueError("bins must be at least 1")
    if isinstance(preds, Records):
        return _measure_records(preds, bins=bins, scheme=scheme, n_bootstrap=n_bootstrap,
                                n_consistency=n_consistency, folds=folds, seed=seed, target_accuracy=target_accuracy)
    notes = []
    classwise = preds.n_classes > 2
    if classwise and classwise_problem(preds.n_classes, bins):
        classwise = False  # the memory bound wins over one extra metric: say so instead
        notes.append(f"class-wise ECE skipped: {classwise_problem(preds.n_classes, bins)}")
    acc = CalibrationAccumulator(bins=bins, classwise=classwise)
    progress.phase("measuring")
    conf = np.empty(preds.n_samples)
    correct = np.empty(preds.n_samples, dtype=bool)
    # the predicted class of every row, kept from the same pass for the error concentration
    predicted = np.empty(preds.n_samples, dtype=np.int32)
    start = 0
    for labels, block in acc.scan(preds):
        acc.add_block(labels, block)
        stop = start + labels.shape[0]
        conf[start:stop], correct[start:stop] = block.rows.confidence, block.rows.correct
        predicted[start:stop] = block.rows.prediction
        start = stop
    base = acc.result()
    progress.phase("resampling")
    uncertainty = _binned_uncertainty(conf, correct, bins, scheme, n_bootstrap, n_consistency, seed)
    evidence = measure_evidence(conf, correct, tables={"bins": base["bins"], "mass_bins": uncertainty.pop("mass_bins", None)},
                                bins=bins, seed=seed, n_resamples=n_bootstrap, target_accuracy=target_accuracy,
                                segments=preds.segments, calibrate=None, folds=folds, labels=preds.labels,
                                predicted=predicted, n_classes=preds.n_classes)
    # 12 bytes a row: cross-fitting, the memory peak, does not need them; with a target
    # accuracy the correct flags stay (1 byte a row), so does whether each row's confidence
    # reaches the target (1 more), and the cross-fitting records each row's held-out
    # temperature-scaled confidence (8 more) for the routing after calibration
    accepted_today = conf >= target_accuracy if target_accuracy is not None else None
    del conf, predicted
    held_out = None
    if target_accuracy is not None:
        held_out = np.empty(preds.n_samples)
    else:
        del correct
    # the main pass already measured the uncalibrated predictions, and the joint fold fit
    # finds the all-rows temperature on its way: neither needs passes of its own
    before = {key: base[key] for key in SUMMARY_KEYS}
    post, temperature = cross_fit_with_temperature(preds, folds=folds, seed=seed, n_bins=bins, before=before,
                                                   held_out=held_out)
    if temperature is None:
        temperature = fit_temperature(preds)
    if evidence["selective"] is not None:
        scaled = held_out if post["temperature"] is not None else None
        evidence["selective"]["after_calibration"] = after_calibration(
            scaled, correct, evidence["selective"]["target_accuracy"], post["folds"],
            [] if scaled is not None else list(post["notes"]), accepted_today)
        del correct, held_out, accepted_today
    post["notes"] += nll_rise_note(post)
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
        "bins": evidence.pop("bins"),
        "ece_width": base["ece"],
        "ece_mass": uncertainty.pop("ece_mass"),
        "classwise_ece": base["classwise_ece"],
        "debiased_l2_error": uncertainty.pop("debiased_l2_error"),
        "binary_positive_ece": base["binary_positive_ece"],
        "intervals": uncertainty.pop("intervals"),
        "significance": uncertainty.pop("significance"),
        "post_calibration": post,
        "notes": notes,
        **_mass_keys(evidence, uncertainty),
        "n_without_confidence": None,
    }
    result.update(evidence)
    return result


def _mass_keys(evidence: dict, uncertainty: dict) -> dict:
    """``mass_bins`` and ``mce_mass`` of ``scheme="mass"`` (added keys only: section-5 keys never change meaning)."""
    if "mass_bins" not in evidence:
        return {}
    return {"mass_bins": evidence.pop("mass_bins"), "mce_mass": uncertainty.pop("mce_mass")}


def nll_rise_note(post: dict) -> list[str]:
    """A warning when the reported NLL is higher after temperature scaling than before.

    The temperature minimizes the NLL without section 5's eps clip; the reported NLL
    clips each row at -ln(eps) = 36.04. Rows wrong by enormous logit gaps (hundreds)
    dominate the unclipped objective and pull T up, while their clipped NLL cannot
    fall: the other rows then pay, and the reported NLL rises.
    """
    scaled = post.get("temperature")
    if not scaled or scaled["nll"] <= post["before"]["nll"]:
        return []
    return [f"the NLL rises after temperature scaling ({post['before']['nll']:.4f} -> {scaled['nll']:.4f}): the "
            "temperature minimizes the NLL without the eps clip of the reported NLL, so a few rows wrong by "
            "enormous margins can pull it where the clipped NLL is worse (or the folds disagree)"]


def _binned_uncertainty(conf, correct, bins: int, scheme: str, n_bootstrap: int, n_consistency: int,
                        seed: int) -> dict:
    """The measures of confidences (N,) and correct flags (N,) beyond the equal-width bins.

    ``ece_mass``, ``debiased_l2_error``, ``intervals``, ``significance`` (each naming its
    ``scheme``), and with ``scheme="mass"`` also ``mass_bins`` and ``mce_mass`` (added keys
    only: section-5 keys never change meaning with the scheme).
    """
    mass_edges = binning.mass_edges(conf, bins)
    mass_stats = bin_statistics(conf, correct, mass_edges)
    significance = consistency_test(conf, correct, bins, scheme, n_consistency, seed)
    significance.pop("ece")
    significance["scheme"] = scheme
    intervals = bootstrap_intervals(conf, correct, bins, scheme, n_bootstrap, seed, LEVEL)
    intervals["scheme"] = scheme
    # the equal-mass bins are the debiased L2 error's own: its sums are already here
    result = {"ece_mass": ece_from_statistics(*mass_stats), "debiased_l2_error": debiased_l2_from_statistics(*mass_stats),
              "intervals": intervals, "significance": significance}
    if scheme == "mass":
        result["mass_bins"] = bins_table(mass_edges, *mass_stats)
        result["mce_mass"] = mce_from_statistics(*mass_stats)
    return result


def _measure_records(records: Records, *, bins: int, scheme: str, n_bootstrap: int, n_consistency: int,
                     folds: int, seed: int, target_accuracy: float | None) -> dict:
    """:func:`measure` of records: section 5 with c = confidence, no class distribution (section 8)."""
    conf, correct = records.confidence, records.correct
    progress.phase("measuring")
    base = record_metrics(conf, correct, bins)
    progress.phase("resampling")
    uncertainty = _binned_uncertainty(conf, correct, bins, scheme, n_bootstrap, n_consistency, seed)
    post, calibrated = cross_fit_records(conf, correct, folds=folds, seed=seed, n_bins=bins)
    notes = []
    if records.n_without_confidence:
        notes.append(f"{records.n_without_confidence:,} row(s) had no confidence and are not measured")

    def calibrate():
        return calibrated.get("temperature"), list(post["notes"])

    evidence = measure_evidence(conf, correct, tables={"bins": base["bins"], "mass_bins": uncertainty.pop("mass_bins", None)},
                                bins=bins, seed=seed, n_resamples=n_bootstrap, target_accuracy=target_accuracy,
                                segments=records.segments, calibrate=calibrate, folds=post["folds"])
    result = {
        "source": records.source,
        "n_samples": records.n_samples,
        "n_classes": None,
        "input": "confidence",
        "accuracy": base["accuracy"],
        "ece": base["ece"],
        "mce": base["mce"],
        "nll": None,
        "brier": None,
        "temperature": None,
        "n_bins": int(bins),
        "scheme": scheme,
        "bins": evidence.pop("bins"),
        "ece_width": base["ece"],
        "ece_mass": uncertainty.pop("ece_mass"),
        "classwise_ece": None,
        "debiased_l2_error": uncertainty.pop("debiased_l2_error"),
        "binary_positive_ece": None,
        "intervals": uncertainty.pop("intervals"),
        "significance": uncertainty.pop("significance"),
        "post_calibration": post,
        "notes": notes,
        **_mass_keys(evidence, uncertainty),
        "n_without_confidence": records.n_without_confidence,
    }
    result.update(evidence)
    return result
