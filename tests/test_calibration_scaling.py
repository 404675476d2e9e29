"""Temperature, Platt and isotonic calibration, and cross-fitting."""

import math

import numpy as np
import pytest
from scipy.optimize import minimize_scalar
from sklearn.isotonic import IsotonicRegression

from advisor import calibration as cal


def softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def overconfident(n=800, k=4, true_t=2.0, seed=0):
    rng = np.random.default_rng(seed)
    z = rng.normal(0, 3, size=(n, k))
    probs = softmax(z / true_t)
    labels = (rng.random(n)[:, None] > np.cumsum(probs, axis=1)).sum(axis=1)
    return labels, z


def mean_nll(labels, z, t):
    s = z / t
    lse = s.max(axis=1) + np.log(np.exp(s - s.max(axis=1, keepdims=True)).sum(axis=1))
    return float(np.mean(lse - s[np.arange(len(labels)), labels]))


def test_temperature_reaches_the_optimum():
    labels, z = overconfident()
    t = cal.fit_temperature(labels, logits=z)
    assert 1.6 < t < 2.5
    preds = cal.from_arrays(labels, logits=z)
    assert abs(cal.nll_gradient_in_t(preds, t)) < 1e-8
    best = minimize_scalar(lambda log_t: mean_nll(labels, z, math.exp(log_t)), bounds=(-3, 3), method="bounded",
                           options={"xatol": 1e-10})
    assert t == pytest.approx(math.exp(best.x), rel=1e-5)
    assert mean_nll(labels, z, t) <= best.fun + 1e-12


def test_temperature_from_float32_logits_and_probabilities():
    labels, z = overconfident(seed=1)
    t64 = cal.fit_temperature(labels, logits=z)
    assert cal.fit_temperature(labels, probs=softmax(z)) == pytest.approx(t64, rel=1e-8)
    t32 = cal.fit_temperature(labels, logits=z.astype(np.float32))
    assert abs(cal.nll_gradient_in_t(cal.from_arrays(labels, logits=z.astype(np.float32)), t32)) < 1e-8


def test_temperature_is_clamped_to_its_bounds():
    # every row is a coin flip predicted with confidence ~1: the optimum is T -> infinity
    z = np.tile([0.0, 20.0], (10, 1))
    assert cal.fit_temperature(np.array([0, 1] * 5), logits=z) == 100.0
    # every row right with a tiny margin: the optimum is T -> 0
    z = np.tile([0.0, 0.001], (10, 1))
    assert cal.fit_temperature(np.ones(10, dtype=int), logits=z) == 0.01


def test_temperature_derivative_small_for_a_sharp_optimum():
    labels, z = overconfident(n=300, true_t=0.3, seed=5)
    t = cal.fit_temperature(labels, logits=z)
    assert abs(cal.nll_gradient_in_t(cal.from_arrays(labels, logits=z), t)) < 1e-8


def test_platt_recovers_a_logistic_model():
    rng = np.random.default_rng(0)
    x = rng.normal(0, 2, size=4000)
    y = (rng.random(4000) < 1 / (1 + np.exp(-(0.5 * x - 0.7)))).astype(int)
    a, b = cal.fit_platt(x, y)
    assert a == pytest.approx(0.5, abs=0.08) and b == pytest.approx(-0.7, abs=0.12)
    # stationary point of the smoothed log loss
    n_pos = y.sum()
    target = np.where(y == 1, (n_pos + 1) / (n_pos + 2), 1 / (len(y) - n_pos + 2))
    p = 1 / (1 + np.exp(-(a * x + b)))
    assert abs(np.mean((p - target) * x)) < 1e-9 and abs(np.mean(p - target)) < 1e-9


def test_platt_on_separable_data_stays_finite():
    x = np.array([-3.0, -2.0, -1.0, 1.0, 2.0, 3.0])
    a, b = cal.fit_platt(x, np.array([0, 0, 0, 1, 1, 1]))
    assert math.isfinite(a) and math.isfinite(b) and a > 0
    probs = cal.apply_platt(x, a, b)
    assert np.all(probs[:3, 1] < 0.5) and np.all(probs[3:, 1] > 0.5)


def test_pool_adjacent_violators_by_hand():
    assert cal.pool_adjacent_violators([1.0, 3.0, 2.0, 4.0]).tolist() == [1.0, 2.5, 2.5, 4.0]
    assert cal.pool_adjacent_violators([3.0, 2.0, 1.0]).tolist() == [2.0, 2.0, 2.0]
    assert cal.pool_adjacent_violators([1.0, 1.0, 0.0], [1.0, 1.0, 2.0]).tolist() == [0.5, 0.5, 0.5]


def test_isotonic_matches_scikit_learn():
    rng = np.random.default_rng(1)
    scores = np.round(rng.random(300), 2)  # with ties
    targets = (rng.random(300) < scores).astype(float)
    knots, values = cal.fit_isotonic(scores, targets)
    reference = IsotonicRegression(out_of_bounds="clip").fit(scores, targets)
    new = np.linspace(-0.1, 1.1, 97)
    np.testing.assert_allclose(cal.apply_isotonic(new, knots, values), reference.predict(new), atol=1e-12)


def test_isotonic_multiclass_rows_sum_to_one():
    labels, z = overconfident(n=200, k=3)
    probs = softmax(z)
    maps = cal.fit_isotonic_classes(probs, labels)
    out = cal.apply_isotonic_classes(probs, maps)
    np.testing.assert_allclose(out.sum(axis=1), 1.0, atol=1e-12)
    assert np.all(out >= 0)


def test_cross_fit_improves_overconfident_model_and_keeps_accuracy():
    labels, z = overconfident(n=1000, k=3, true_t=2.5, seed=3)
    result = cal.cross_fit(cal.from_arrays(labels, logits=z), folds=5, seed=0)
    assert result["folds"] == 5
    assert result["temperature"]["accuracy"] == result["before"]["accuracy"]
    assert result["temperature"]["ece"] < result["before"]["ece"] / 2
    assert result["temperature"]["nll"] < result["before"]["nll"]
    assert result["platt"] is None and result["isotonic"] is not None


def test_cross_fit_binary_has_platt_and_is_seeded():
    labels, z = overconfident(n=400, k=2, seed=4)
    preds = cal.from_arrays(labels, logits=z)
    first = cal.cross_fit(preds, folds=4, seed=11)
    assert first == cal.cross_fit(preds, folds=4, seed=11)
    assert first["platt"]["ece"] < first["before"]["ece"]


def test_cross_fit_skipped_with_fewer_than_two_folds():
    labels, z = overconfident(n=30, k=2)
    result = cal.cross_fit(cal.from_arrays(labels, logits=z), folds=1)
    assert result["temperature"] is None and result["notes"]
