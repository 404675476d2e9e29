"""The measured evidence beyond section 5 that :func:`advisor.calibration.measure` adds.

Given the top-label confidences c (N,) and correct flags (N,) of class predictions, or
the confidences of records, the result gains (interface section 8 where it fixes them):

``top_label_brier``
    mean (c - correct)^2 (:mod:`.record`).
``bins`` (and ``mass_bins``)
    each bin also has ``accuracy_interval`` (95% Wilson) and ``thin`` (fewer than
    :data:`advisor.calibration.interval.THIN_COUNT` rows; :mod:`.interval`).
``segments`` and ``segment_summary``
    when the input has a segment per row: one entry per segment, sorted by name as text,
    with accuracy and ECE (same bins) and their intervals; the worst segment (small
    segments are flagged, not ranked) against the target accuracy; the share of the
    errors in the worst fifth of the segments (:mod:`.segment`). Otherwise None.
``error_concentration``
    class predictions only: the share of the errors in the top classes and confusion
    pairs (:mod:`.concentration`). None for records and when there are no errors.
``selective``
    with a target accuracy T: section 8's ``{target_accuracy, threshold, coverage,
    accuracy}``, plus ``at_face_value`` (accept c >= T), ``aurc``, the thinned risk-coverage
    ``curve``, and ``after_calibration``: the same measures of the held-out confidences
    after cross-fitted temperature scaling (:mod:`.heldout`), which is what calibrating
    would change, and ``face_value_gain``: what it buys a router that trusts the
    confidence, and whether that is beyond noise (:mod:`.selective`). None without a target.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .concentration import error_concentration
from .interval import LEVEL, with_bin_intervals
from .record import top_label_brier
from .segment import MIN_SEGMENT_SAMPLES, segment_table, worst_segment, worst_share
from .selective import at_face_value, face_value_gain, selective_prediction, selective_summary


def segment_evidence(confidences, correct, segments, *, bins: int, target_accuracy: float | None,
                     n_resamples: int, seed: int, level: float = LEVEL) -> tuple[list | None, dict | None]:
    """(``segments``, ``segment_summary``) of the result; (None, None) without segments."""
    if segments is None:
        return None, None
    table = segment_table(confidences, correct, segments, n_bins=bins, target_accuracy=target_accuracy,
                          n_resamples=n_resamples, seed=seed, level=level)
    summary = {"min_samples": MIN_SEGMENT_SAMPLES, "n_segments": len(table),
               "n_small": sum(entry["small"] for entry in table),
               "worst": worst_segment(table, target_accuracy), "worst_share": worst_share(table)}
    return table, summary


def after_calibration(calibrated, correct, target_accuracy: float, folds: int, notes: list[str],
                      accepted_today) -> dict:
    """Section 8's measures of held-out temperature-scaled confidences (None confidences: not run).

    ``accepted_today`` (N,) marks the rows whose reported confidence is at least the target:
    ``face_value_gain`` compares them with the calibrated ones (:func:`.selective.face_value_gain`).
    """
    result = {"method": "temperature", "folds": folds, "threshold": None, "coverage": None, "accuracy": None,
              "at_face_value": None, "face_value_gain": None, "notes": notes}
    if calibrated is not None:
        chosen = selective_prediction(calibrated, correct, target_accuracy)
        result.update({key: chosen[key] for key in ("threshold", "coverage", "accuracy")})
        result["at_face_value"] = at_face_value(calibrated, correct, target_accuracy)
        result["face_value_gain"] = face_value_gain(accepted_today, calibrated, correct, target_accuracy)
    return result


def selective_evidence(confidences, correct, target_accuracy: float | None,
                       calibrate: Callable[[], tuple[np.ndarray | None, list[str]]] | None, folds: int) -> dict | None:
    """``selective`` of the result; ``calibrate`` returns the held-out calibrated confidences and notes.

    Without ``calibrate`` the caller adds ``after_calibration`` itself (class predictions: the
    cross-fitting that follows fills in the held-out confidences).
    """
    if target_accuracy is None:
        return None
    result = selective_summary(confidences, correct, target_accuracy)
    if calibrate is not None:
        calibrated, notes = calibrate()
        result["after_calibration"] = after_calibration(calibrated, correct, target_accuracy, folds, notes,
                                                        np.asarray(confidences, dtype=np.float64) >= target_accuracy)
    return result


def measure_evidence(confidences, correct, *, tables: dict, bins: int, seed: int, n_resamples: int,
                     target_accuracy: float | None, segments, calibrate, folds: int,
                     labels=None, predicted=None, n_classes: int | None = None) -> dict:
    """The keys of the module doc, for a :func:`measure` result.

    Parameters
    ----------
    confidences, correct : ndarrays of shape (N,)
        Top-label confidences and correct flags (or the records').
    tables : dict
        The result's reliability tables (``bins``, and ``mass_bins`` when present):
        returned with each bin's interval and thinness.
    segments : Segments, array of shape (N,), or None
    calibrate : callable or None
        () -> (held-out temperature-scaled confidences (N,) or None, notes); called
        only with a target accuracy. None: ``selective`` has no ``after_calibration``
        yet (the caller adds it with :func:`after_calibration`).
    labels, predicted : ndarrays of int, shape (N,), optional
        Class predictions only: true and predicted classes of the K = ``n_classes``.
    """
    found: dict = {key: with_bin_intervals(table) for key, table in tables.items() if table is not None}
    found["top_label_brier"] = top_label_brier(confidences, correct)
    found["segments"], found["segment_summary"] = segment_evidence(
        confidences, correct, segments, bins=bins, target_accuracy=target_accuracy,
        n_resamples=n_resamples, seed=seed)
    found["error_concentration"] = (None if labels is None or n_classes is None
                                    else error_concentration(labels, predicted, n_classes))
    found["selective"] = selective_evidence(confidences, correct, target_accuracy, calibrate, folds)
    return found
