"""Held-out calibrated confidences by k-fold cross-fitting, one value per row.

Folds are :func:`advisor.calibration.crossfit.fold_ids` (the same seeded split as the
post-calibration results); each row's calibrated confidence comes from a map fitted
on the other k - 1 folds, so measures of these confidences (ECE, coverage at a target
accuracy) are honest estimates of what the fitted map does on new rows.

Records (confidence, correct)
    x = :func:`advisor.calibration.record.confidence_logit` (c). The calibrated
    confidence is sigmoid(x / T) for temperature scaling (T in [0.01, 100] minimizing
    the log loss of the correct flag, fitted by
    :func:`advisor.calibration.scaling.fit_fold_temperatures` on the two-class logits
    [0, x]: softmax([0, x / T])_1 = sigmoid(x / T)), sigmoid(a x + b) for Platt scaling
    (:func:`advisor.calibration.scaling.fit_platt`, targets smoothed as Platt does),
    and the isotonic map of c for isotonic regression.
Class predictions
    Temperature scaling: the cross-fitting of the post-calibration results records each
    row's top-label confidence of softmax(z / T_fold) as it scores it
    (:func:`advisor.calibration.crossfit.cross_fit_with_temperature`, ``held_out``); the
    argmax, hence every correct flag, is the unscaled one.
"""

from __future__ import annotations

import numpy as np

from . import binning, scaling
from .crossfit import fold_ids
from .predictions import from_arrays
from .record import confidence_logit, sigmoid, top_label_brier
from .statistic import bin_statistics, ece_from_statistics

METHODS = ("temperature", "platt", "isotonic")


def _fold_count(n_samples: int, folds: int, notes: list) -> int:
    """k, reduced to N below k rows; 0 (with a note) when fewer than 2 folds remain."""
    k = min(int(folds), int(n_samples))
    if k < 2:
        why = f"{int(folds)} fold(s) requested" if int(folds) < 2 else f"only {n_samples} row(s) to split into folds"
        notes.append(f"cross-fitting needs at least 2 folds: {why}")
        return 0
    if k < int(folds):
        notes.append(f"{k} folds instead of {int(folds)}: only {n_samples} rows")
    return k


def record_confidences(confidences, correct, folds: int = 5, seed: int = 0) -> tuple[dict, list[str]]:
    """Held-out calibrated confidences of records, per method.

    Parameters
    ----------
    confidences : array_like of float, shape (N,)
    correct : array_like of bool, shape (N,)
    folds, seed : int
        k and the seed of the fold split.

    Returns
    -------
    calibrated : dict
        ``{"temperature", "platt", "isotonic"}`` -> ndarray of float64, shape (N,); empty
        when fewer than 2 folds are possible.
    notes : list of str
    """
    conf = np.asarray(confidences, dtype=np.float64)
    ok = np.asarray(correct, dtype=bool)
    notes: list[str] = []
    k = _fold_count(conf.size, folds, notes)
    if not k:
        return {}, notes
    ids = fold_ids(conf.size, k, seed)
    x = confidence_logit(conf)
    two_class = from_arrays(ok.astype(np.int64), logits=np.column_stack([np.zeros_like(x), x]))
    _, temperatures = scaling.fit_fold_temperatures(two_class, ids, k)
    out = {"temperature": sigmoid(x / temperatures[ids]), "platt": np.empty_like(conf),
           "isotonic": np.empty_like(conf)}
    for fold in range(k):
        train, test = ids != fold, ids == fold
        a, b = scaling.fit_platt(x[train], ok[train])
        out["platt"][test] = sigmoid(a * x[test] + b)
        out["isotonic"][test] = scaling.apply_isotonic(conf[test], *scaling.fit_isotonic(conf[train], ok[train]))
    return out, notes


def _summary(confidences, correct, n_bins: int) -> dict:
    """The keys of class predictions' post-calibration results; records have no NLL or Brier (None)."""
    stats = bin_statistics(confidences, correct, binning.width_edges(n_bins))
    return {"ece": ece_from_statistics(*stats), "nll": None, "brier": None,
            "accuracy": float(np.count_nonzero(correct)) / max(1, len(correct)),
            "top_label_brier": top_label_brier(confidences, correct)}


def cross_fit_records(confidences, correct, folds: int = 5, seed: int = 0, n_bins: int = 15) -> tuple[dict, dict]:
    """Cross-fitted post-calibration results of records.

    Returns
    -------
    result : dict
        ``{"folds", "seed", "before": {...}, "temperature": {...} | None, "platt": {...} | None,
        "isotonic": {...} | None, "notes": [str]}``, each ``{ece, nll, brier, accuracy,
        top_label_brier}``: the ECE with section-5 bins (B = ``n_bins``) and the top-label
        Brier score of the held-out calibrated confidences; ``nll`` and ``brier`` None (no
        class distribution); the accuracy is mean(correct) whatever the calibration.
    calibrated : dict
        The held-out confidences of :func:`record_confidences`.
    """
    conf = np.asarray(confidences, dtype=np.float64)
    ok = np.asarray(correct, dtype=bool)
    calibrated, notes = record_confidences(conf, ok, folds, seed)
    result = {"folds": min(int(folds), conf.size), "seed": int(seed), "before": _summary(conf, ok, n_bins),
              "notes": notes}
    for method in METHODS:
        result[method] = _summary(calibrated[method], ok, n_bins) if method in calibrated else None
    return result, calibrated
