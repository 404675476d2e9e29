"""Fast temperature, joint fold temperatures and vectorized PAV against simple references."""

import math

import numpy as np
import pytest
from scipy.optimize import minimize_scalar
from sklearn.isotonic import IsotonicRegression

from advisor import calibration as cal
from advisor.calibration import scaling


def overconfident(n=600, k=5, true_t=2.0, seed=0, scale=3.0):
    rng = np.random.default_rng(seed)
    z = rng.normal(0, scale, size=(n, k))
    p = np.exp(z / true_t - (z / true_t).max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    labels = (rng.random(n)[:, None] > np.cumsum(p, axis=1)).sum(axis=1)
    return labels, z


def golden_optimum(labels, z):
    """Dense float64 golden-section optimum of the mean NLL in ln T."""
    def nll(log_t):
        s = z / math.exp(log_t)
        top = s.max(axis=1)
        return float(np.mean(top + np.log(np.exp(s - top[:, None]).sum(axis=1)) - s[np.arange(len(labels)), labels]))
    best = minimize_scalar(nll, bounds=(math.log(0.01), math.log(100)), method="bounded", options={"xatol": 1e-11})
    return math.exp(best.x)


@pytest.mark.parametrize("true_t, scale", [(2.0, 3.0), (0.4, 1.0), (1.0, 40.0), (5.0, 400.0)])
def test_temperature_equals_the_golden_section_optimum(true_t, scale):
    labels, z = overconfident(true_t=true_t, scale=scale, seed=int(true_t * 10))
    t = cal.fit_temperature(labels, logits=z)
    assert t == pytest.approx(golden_optimum(labels, z), rel=1e-6)
    assert abs(cal.nll_gradient_in_t(cal.from_arrays(labels, logits=z), t)) < 1e-10


@cal.config_context(pass_values=64, warm_start_values=500)  # many blocks, a strided warm-start sample
def test_temperature_float32_and_probabilities_with_small_blocks():
    labels, z = overconfident(n=900, k=7, seed=3)
    z32 = z.astype(np.float32)
    t = cal.fit_temperature(labels, logits=z32)
    assert t == pytest.approx(golden_optimum(labels, z32.astype(np.float64)), rel=1e-6)
    p = np.exp(z - z.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    assert cal.fit_temperature(labels, probs=p) == pytest.approx(cal.fit_temperature(labels, logits=z), rel=1e-8)


def test_temperature_bounds_are_exact():
    z = np.tile([0.0, 30.0], (20, 1))
    assert cal.fit_temperature(np.array([0, 1] * 10), logits=z) == 100.0
    assert cal.fit_temperature(np.ones(20, dtype=int), logits=np.tile([0.0, 1e-4], (20, 1))) == 0.01


def test_joint_fold_temperatures_equal_fitting_folds_one_by_one():
    labels, z = overconfident(n=1000, k=4, seed=7)
    preds = cal.from_arrays(labels, logits=z)
    folds = cal.fold_ids(1000, 5, seed=1)
    overall, per_fold = scaling.fit_fold_temperatures(preds, folds, 5)
    assert overall == pytest.approx(cal.fit_temperature(preds), rel=1e-9)
    for j in range(5):
        alone = cal.fit_temperature(preds, weights=(folds != j).astype(float))
        assert per_fold[j] == pytest.approx(alone, rel=1e-9)
        assert abs(cal.nll_gradient_in_t(preds, per_fold[j], (folds != j).astype(float))) < 1e-10


def test_a_fold_temperature_never_sees_its_own_rows():
    labels, z = overconfident(n=300, k=3, seed=8)
    folds = cal.fold_ids(300, 3, seed=0)
    _, before = scaling.fit_fold_temperatures(cal.from_arrays(labels, logits=z), folds, 3)
    changed = labels.copy()
    changed[folds == 1] = (changed[folds == 1] + 1) % 3
    _, after = scaling.fit_fold_temperatures(cal.from_arrays(changed, logits=z), folds, 3)
    assert after[1] == pytest.approx(before[1], rel=1e-9)  # same optimum; the path there differs
    assert abs(after[0] - before[0]) > 1e-4 and abs(after[2] - before[2]) > 1e-4


def stack_pav(y, w):
    """The textbook stack algorithm, one point at a time."""
    blocks = []
    for value, weight in zip(y, w, strict=True):
        blocks.append([value, weight, 1])
        while len(blocks) > 1 and blocks[-2][0] >= blocks[-1][0]:
            m2, w2, c2 = blocks.pop()
            m1, w1, c1 = blocks.pop()
            blocks.append([(m1 * w1 + m2 * w2) / (w1 + w2), w1 + w2, c1 + c2])
    return np.repeat([b[0] for b in blocks], [b[2] for b in blocks])


@pytest.mark.parametrize("case", ["binary", "weighted", "staircase", "decreasing", "constant"])
def test_pav_equals_the_stack_algorithm_and_scikit_learn(case):
    rng = np.random.default_rng(4)
    n = 2000
    w = np.ones(n)
    if case == "binary":
        y = (rng.random(n) < np.linspace(0, 1, n)).astype(float)
    elif case == "weighted":
        y, w = rng.normal(size=n), rng.uniform(0.1, 3.0, size=n)
    elif case == "staircase":  # long increasing run, then one huge violator: one pooling per pass
        y = np.append(np.arange(n - 1.0), -1e6)
    elif case == "decreasing":
        y = -np.arange(float(n))
    else:
        y = np.full(n, 0.25)
    fast = cal.pool_adjacent_violators(y, w)
    np.testing.assert_allclose(fast, stack_pav(y, w), rtol=0, atol=1e-9)
    ref = IsotonicRegression().fit(np.arange(n), y, sample_weight=w).predict(np.arange(n))
    np.testing.assert_allclose(fast, ref, rtol=0, atol=1e-9)
    assert np.all(np.diff(fast) >= 0)


def test_isotonic_fit_equals_scikit_learn_on_ties():
    rng = np.random.default_rng(5)
    scores = np.round(rng.random(5000), 3)
    targets = (rng.random(5000) < scores).astype(float)
    knots, values = cal.fit_isotonic(scores, targets)
    new = np.linspace(-0.1, 1.1, 301)
    ref = IsotonicRegression(out_of_bounds="clip").fit(scores, targets).predict(new)
    np.testing.assert_allclose(cal.apply_isotonic(new, knots, values), ref, rtol=0, atol=1e-12)
