"""Honest post-calibration results by k-fold cross-fitting.

The rows are split into k folds by a seeded permutation (row ``perm[j]`` goes to fold
``j mod k``; stream 2 of :func:`advisor.calibration.uncertainty.streams`). For each
fold a calibrator is fitted on the other k-1 folds and applied to the held-out fold;
the held-out predictions of all folds are pooled and measured (ECE with section-5
bins, NLL, Brier, accuracy). No row is ever scored by a calibrator that saw it.
The k temperatures are fitted jointly (:func:`advisor.calibration.scaling.fit_fold_temperatures`:
each Newton/Halley step of all folds is one read of each row block) and the held-out
rows are then scored in one more pass, each row with its own fold's T; no copy of the
N x K data is made.
"""

from __future__ import annotations

import numpy as np

from . import scaling
from .accumulator import CalibrationAccumulator
from .data import Predictions
from .block import ordered_map
from .metric import chunk_rows
from .uncertainty import streams

ISOTONIC_MAX_CLASSES = 50  # one-vs-rest isotonic over more classes is neither meaningful nor cheap


def fold_ids(n_samples: int, folds: int, seed: int = 0) -> np.ndarray:
    """Fold number (N,) of every row: a seeded permutation dealt round-robin into ``folds`` folds."""
    rng = np.random.default_rng(streams(seed)[2])
    ids = np.empty(n_samples, dtype=np.int64)
    ids[rng.permutation(n_samples)] = np.arange(n_samples) % folds
    return ids


def _summary(acc: CalibrationAccumulator) -> dict:
    result = acc.result()
    return {key: result[key] for key in ("ece", "nll", "brier", "accuracy")}


def _gather(preds: Predictions, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Labels and float64 scores of the selected rows (only for 1-D features or small K)."""
    return preds.labels[mask], np.asarray(preds.scores[mask], dtype=np.float64)


def _temperature_folds(preds: Predictions, ids: np.ndarray, k: int, acc: CalibrationAccumulator) -> float:
    """Fit all k fold temperatures in shared passes, then score every row with its fold's T in one pass.

    Returns the temperature fitted on all rows (a by-product of the joint fit).
    """
    overall, temperatures = scaling.fit_fold_temperatures(preds, ids, k)
    betas = 1.0 / temperatures

    def work(item):
        start, labels, chunk = item
        beta = betas[ids[start:start + labels.shape[0]]]
        z = np.array(chunk, dtype=np.float64) if preds.kind == "logits" else scaling._log_scores(chunk, preds.kind)
        pred = np.argmax(z, axis=1)
        z -= z[np.arange(z.shape[0]), pred][:, None]
        z *= beta[:, None]
        probs = np.exp(z, out=z)
        probs /= probs.sum(axis=1, keepdims=True)
        return labels, _rows_keeping_prediction(labels, probs, pred)

    for labels, rows in ordered_map(work, preds.blocks()):
        acc.add_rows(labels, rows)
    return overall


def _rows_keeping_prediction(labels, probs, pred):
    """Rows of temperature-scaled probabilities, predicting the unscaled argmax.

    Scaling by 1/T cannot change the argmax mathematically; taking it from the
    unscaled scores also keeps it when rounding makes two scaled scores equal.
    """
    rows = chunk_rows(labels, probs, "probs")
    idx = np.arange(labels.shape[0])
    return rows._replace(confidence=probs[idx, pred], correct=pred == labels)


def _platt_fold(preds, train, test, acc):
    y_train, s_train = _gather(preds, train)
    a, b = scaling.fit_platt(scaling.positive_logit(s_train, preds.kind), y_train)
    y_test, s_test = _gather(preds, test)
    probs = scaling.apply_platt(scaling.positive_logit(s_test, preds.kind), a, b)
    acc.add_rows(y_test, chunk_rows(y_test, probs, "probs"))


def _probabilities(preds, scores):
    return scores if preds.kind == "probs" else scaling.apply_temperature(scores, "logits", 1.0)


def _isotonic_fold(preds, train, test, acc):
    y_train, s_train = _gather(preds, train)
    maps = scaling.fit_isotonic_classes(_probabilities(preds, s_train), y_train)
    y_test, s_test = _gather(preds, test)
    probs = scaling.apply_isotonic_classes(_probabilities(preds, s_test), maps)
    acc.add_rows(y_test, chunk_rows(y_test, probs, "probs"))


METHODS = {"platt": _platt_fold, "isotonic": _isotonic_fold}


def cross_fit(preds: Predictions, folds: int = 5, seed: int = 0, n_bins: int = 15) -> dict:
    """Cross-fitted results of temperature, Platt (binary) and isotonic calibration.

    Parameters
    ----------
    preds : Predictions
    folds : int
        k; reduced to N when N < k. Fewer than 2 folds skips the calibrators.
    seed : int
    n_bins : int
        Equal-width bins of the reported ECE.

    Returns
    -------
    dict
        ``{"folds", "seed", "before": {ece, nll, brier, accuracy}, "temperature": {...},
        "platt": {...} | None, "isotonic": {...} | None, "notes": [str]}``.
    """
    before = CalibrationAccumulator(bins=n_bins).add(preds)
    k = min(int(folds), preds.n_samples)
    result = {"folds": k, "seed": int(seed), "before": _summary(before),
              "temperature": None, "platt": None, "isotonic": None, "notes": []}
    if k < 2:
        result["notes"].append("cross-fitting skipped: fewer than 2 folds")
        return result
    methods = ["temperature"]
    if preds.n_classes == 2:
        methods.append("platt")
    if preds.n_classes <= ISOTONIC_MAX_CLASSES:
        methods.append("isotonic")
    else:
        result["notes"].append(f"isotonic skipped: more than {ISOTONIC_MAX_CLASSES} classes")
    ids = fold_ids(preds.n_samples, k, seed)
    for method in methods:
        acc = CalibrationAccumulator(bins=n_bins)
        acc._set_classes(preds.n_classes)
        if method == "temperature":
            _temperature_folds(preds, ids, k, acc)
        else:
            for fold in range(k):
                test = ids == fold
                METHODS[method](preds, ~test, test, acc)
        result[method] = _summary(acc)
    return result
