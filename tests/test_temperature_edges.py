"""Temperature fits at the edges: optima at the bounds of [0.01, 100], tie rows, flat gradients, extreme logits."""

import math
import warnings

import numpy as np
import pytest

from advisor import calibration as cal
from advisor.calibration import scaling

FAST = {"n_bootstrap": 20, "n_consistency": 20, "folds": 2}


# ---------------------------------------------------------------- boundary temperatures

def test_one_hot_probabilities_fit_the_lowest_temperature():
    labels = np.array([0, 1, 2, 0])
    assert cal.fit_temperature(labels, probs=np.eye(3)[labels]) == scaling.T_MIN


def test_a_single_correct_row_fits_the_lowest_temperature():
    assert cal.fit_temperature(np.array([1]), logits=np.array([[0.0, 2.0, 1.0]])) == scaling.T_MIN


def test_perfectly_separated_logits_fit_the_lowest_temperature_and_so_do_their_folds():
    rng = np.random.default_rng(0)
    z = rng.normal(size=(60, 4))
    labels = z.argmax(axis=1)
    z[np.arange(60), labels] += 5.0
    preds = cal.from_arrays(labels, logits=z)
    assert cal.fit_temperature(preds) == scaling.T_MIN
    overall, folds = scaling.fit_fold_temperatures(preds, np.arange(60) % 3, 3)
    assert overall == scaling.T_MIN and folds.tolist() == [scaling.T_MIN] * 3


def test_a_tie_row_is_not_forced_to_the_lowest_temperature():
    # every prediction is right by argmax, but the ties make every T equally good
    labels, z = np.array([0, 1]), np.array([[0.0, 0.0], [1.0, 1.0]])
    rows, _ = scaling._rows_of(cal.from_arrays(labels, logits=z))
    assert not rows.all_strict()
    assert cal.fit_temperature(labels, logits=z) == pytest.approx(1.0)


def test_a_flat_gradient_does_not_stop_the_search_short_of_a_bound():
    # a tie row blocks the shortcut; the NLL still only rises with T, so the bound is the answer
    z = np.array([[0.0, -1.0, -1.0], [3.0, 0.0, 3.0]])
    assert cal.fit_temperature(np.array([0, 2]), logits=z) == scaling.T_MIN


def test_an_interior_optimum_with_a_tie_row_is_unchanged():
    z = np.array([[2.0, 2.0, 0.0], [1.0, 0.0, 0.0], [0.0, 3.0, 1.0], [0.5, 0.0, 1.5]])
    labels = np.array([0, 1, 1, 0])
    grid = np.exp(np.linspace(math.log(0.01), math.log(100.0), 20001))
    nll = [np.mean(np.log(np.exp(z / t).sum(axis=1)) - z[np.arange(4), labels] / t) for t in grid]
    best = grid[int(np.argmin(nll))]
    assert scaling.T_MIN < best < scaling.T_MAX
    assert cal.fit_temperature(labels, logits=z) == pytest.approx(best, rel=1e-3)


# ---------------------------------------------------------------- extreme but finite logits

@pytest.mark.parametrize("z, labels, expected", [
    ([[1e308, -1e308], [-1e308, 1e308], [1e308, -1e308]], [0, 1, 1], scaling.T_MAX),
    ([[1e308, -1e308], [-1e308, 1e308]], [0, 1], scaling.T_MIN),
    ([[1e308, -1e308, 0.0], [0.0, 1.0, 2.0], [-1e308, 0.5, 1e308]], [0, 2, 1], None),
])
def test_extreme_logits_raise_no_warning_and_stay_finite(z, labels, expected):
    preds = cal.from_arrays(np.array(labels), logits=np.array(z))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = cal.measure(preds, **FAST)
        fold_t = cal.fit_temperature(preds, weights=np.array([1] * (len(labels) - 1) + [0]))
    assert scaling.T_MIN <= result["temperature"] <= scaling.T_MAX and scaling.T_MIN <= fold_t <= scaling.T_MAX
    if expected is not None:
        assert result["temperature"] == expected
    for key in ("accuracy", "ece", "mce", "nll", "brier", "ece_mass", "debiased_l2_error"):
        assert math.isfinite(result[key]), key
    for name in ("temperature", "platt", "isotonic"):
        for value in (result["post_calibration"][name] or {}).values():
            assert math.isfinite(value), name
