"""Held-out calibrated confidences: each fold's map refitted independently, row by row."""

import math

import numpy as np
import pytest
from helpers import overconfident
from sklearn.isotonic import IsotonicRegression

from advisor import calibration as cal
from advisor.calibration import crossfit, heldout, record, selective


def records(n=600, seed=0):
    """Overconfident records: stated confidence c, true probability of being right c ** 3."""
    rng = np.random.default_rng(seed)
    conf = 0.5 + 0.5 * rng.random(n)
    return conf, rng.random(n) < conf ** 3


def golden_temperature(x, correct):
    """argmin over ln T in [ln 0.01, ln 100] of the mean log loss of sigmoid(x / T), by golden section."""
    def loss(t):
        u = x / math.exp(t)
        return float(np.mean(np.logaddexp(0.0, u) - correct * u))

    lo, hi = math.log(0.01), math.log(100.0)
    ratio = (math.sqrt(5) - 1) / 2
    for _ in range(200):
        a, b = hi - ratio * (hi - lo), lo + ratio * (hi - lo)
        if loss(a) < loss(b):
            hi = b
        else:
            lo = a
    return math.exp((lo + hi) / 2)


def test_record_maps_are_refitted_on_the_other_folds():
    conf, correct = records()
    calibrated, notes = heldout.record_confidences(conf, correct, folds=5, seed=3)
    assert notes == []
    ids = cal.fold_ids(conf.size, 5, 3)
    x = record.confidence_logit(conf)
    for fold in range(5):
        train, test = ids != fold, ids == fold
        temperature = golden_temperature(x[train], correct[train])
        assert calibrated["temperature"][test] == pytest.approx(1 / (1 + np.exp(-x[test] / temperature)), abs=1e-7)
        a, b = cal.fit_platt(x[train], correct[train])
        assert calibrated["platt"][test] == pytest.approx(1 / (1 + np.exp(-(a * x[test] + b))), abs=1e-12)
        iso = IsotonicRegression(out_of_bounds="clip").fit(conf[train], correct[train])
        assert calibrated["isotonic"][test] == pytest.approx(iso.predict(conf[test]), abs=1e-12)


def test_cross_fitted_results_of_overconfident_records():
    conf, correct = records(2000, seed=1)
    result, calibrated = heldout.cross_fit_records(conf, correct, folds=5, seed=0, n_bins=15)
    assert result["before"]["ece"] == record.record_metrics(conf, correct)["ece"]
    for method in heldout.METHODS:
        assert result[method]["ece"] == record.record_metrics(calibrated[method], correct)["ece"]
        assert result[method]["top_label_brier"] == record.top_label_brier(calibrated[method], correct)
        assert result[method]["ece"] < result["before"]["ece"]
    # a temperature only pulls confidences towards 1/2, but rows stated at 0.6 are right 22% of the time:
    # the maps with an intercept (Platt) or any shape (isotonic) do much better
    assert max(result["platt"]["ece"], result["isotonic"]["ece"]) < result["temperature"]["ece"] / 4
    assert result["folds"] == 5 and result["seed"] == 0


def test_too_few_rows_for_folds():
    result, calibrated = heldout.cross_fit_records([0.9], [True], folds=5)
    assert calibrated == {} and result["temperature"] is None and result["platt"] is None
    assert "at least 2 folds" in result["notes"][0]
    _, notes = heldout.record_confidences([0.9, 0.8, 0.7], [True, False, True], folds=5)
    assert notes == ["3 folds instead of 5: only 3 rows"]


@pytest.mark.parametrize("kind", ["logits", "probs"])
def test_cross_fitting_records_the_held_out_temperature_confidences(kind):
    labels, logits, probs = overconfident(900, 4, seed=2, scale=2.5)
    preds = cal.from_arrays(labels, **{kind: logits if kind == "logits" else probs})
    conf = np.full(900, np.nan)
    result, _ = crossfit.cross_fit_with_temperature(preds, folds=5, seed=0, held_out=conf)
    ids = cal.fold_ids(900, 5, 0)
    z = logits if kind == "logits" else np.log(np.maximum(probs, np.finfo(float).eps))
    for fold in range(5):
        temperature = cal.fit_temperature(preds, weights=(ids != fold).astype(float))
        scaled = np.exp(z[ids == fold] / temperature)
        assert conf[ids == fold] == pytest.approx(scaled.max(axis=1) / scaled.sum(axis=1), abs=1e-9)
    # the argmax, hence every correct flag, is the unscaled one; the recorded confidences are the scored ones
    before, correct = cal.top_label(preds)
    assert record.record_metrics(conf, correct)["ece"] == pytest.approx(result["temperature"]["ece"], abs=1e-15)
    assert record.record_metrics(conf, correct)["ece"] < record.record_metrics(before, correct)["ece"] / 2
    # at face value the overconfident model accepts more rows than it should; calibration fixes that
    unscaled = selective.at_face_value(before, correct, 0.9)
    scaled_result = selective.at_face_value(conf, correct, 0.9)
    assert unscaled["accuracy"] < 0.9 and scaled_result["coverage"] < unscaled["coverage"]
    untouched = np.full(900, np.nan)
    crossfit.cross_fit_with_temperature(preds, folds=1, held_out=untouched)
    assert np.isnan(untouched).all()
