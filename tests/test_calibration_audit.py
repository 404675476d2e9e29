"""Corrections from the independent audit of the calibration module."""

import numpy as np
import pytest
from sklearn.isotonic import IsotonicRegression

from advisor import calibration as cal


def test_isotonic_keeps_scores_closer_than_1e15_apart_unlike_scikit_learn():
    # scikit-learn merges 0.1 and 0.1 + 5e-16 into one point (target 1/2); the exact isotonic fit of
    # the distinct scores keeps them apart, as the docstring now says
    x = np.array([0.1, 0.1 + 5e-16, 0.9])
    y = np.array([0.0, 1.0, 1.0])
    ours = cal.apply_isotonic(x, *cal.fit_isotonic(x, y))
    assert ours.tolist() == [0.0, 1.0, 1.0]
    theirs = IsotonicRegression(out_of_bounds="clip").fit(x, y).predict(x)
    assert theirs == pytest.approx([0.5, 0.5, 1.0], abs=1e-12)
    # a millionth apart, both agree
    x[1] = 0.1 + 1e-6
    assert cal.apply_isotonic(x, *cal.fit_isotonic(x, y)).tolist() == \
        IsotonicRegression(out_of_bounds="clip").fit(x, y).predict(x).tolist()


def test_debiased_l2_error_uses_the_readme_equal_mass_bins():
    rng = np.random.default_rng(7)
    conf = rng.uniform(0.4, 1.0, 103)  # 103 = 6 x 15 + 13: array_split and ceil(N/B) groups differ
    upper = cal.kumar_equal_bins(conf, 15)
    assert upper[:-1].tolist() == np.unique(cal.mass_edges(conf, 15)[1:-1]).tolist()


def wrong_by_enormous_margins(n=300):
    """Confident right rows (margin 6) and five rows wrong by a logit gap of 10,000."""
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 2, n)
    logits = np.zeros((n, 2))
    logits[np.arange(n), labels] = 6.0
    logits[:5] = 0.0
    logits[np.arange(5), 1 - labels[:5]] = 1e4
    return labels, logits


def test_a_rising_nll_after_temperature_scaling_is_warned_about():
    labels, logits = wrong_by_enormous_margins()
    result = cal.measure(cal.from_arrays(labels, logits=logits), n_bootstrap=0, n_consistency=0)
    post = result["post_calibration"]
    # the unclipped NLL of the five rows (10,000 / T) drives T to its bound; their clipped NLL stays 36.04
    assert result["temperature"] == 100.0
    assert post["temperature"]["nll"] > post["before"]["nll"]
    assert any("NLL rises after temperature scaling" in note and "eps clip" in note for note in post["notes"])
    assert "NLL rises after temperature scaling" in cal.format_text(result)
    labels, logits = overconfident_two_class()
    ordinary = cal.measure(cal.from_arrays(labels, logits=logits), n_bootstrap=0, n_consistency=0)
    assert not any("NLL rises" in note for note in ordinary["post_calibration"]["notes"])


def overconfident_two_class():
    rng = np.random.default_rng(1)
    z = rng.standard_normal(400) * 2
    labels = (rng.random(400) < 1 / (1 + np.exp(-z))).astype(int)
    return labels, np.column_stack([np.zeros(400), 3 * z])


def test_float16_rows_pass_within_their_own_rounding():
    rng = np.random.default_rng(0)
    exact = rng.dirichlet(np.ones(12), size=2000)
    half = exact.astype(np.float16)  # a float32 or float64 softmax stored as float16
    sums = half.sum(axis=1, dtype=np.float64)
    assert np.abs(sums - 1).max() > 1e-4  # the old fixed tolerance refused these
    labels = rng.integers(0, 12, 2000)
    cal.from_arrays(labels, probs=half)
    # the same values as float32 are held to 1e-4: the looser bound belongs to float16 only
    with pytest.raises(cal.PredictionsFormatError, match=r"tolerance 1e-4"):
        cal.from_arrays(labels, probs=half.astype(np.float32))
    bad = half.copy()
    bad[3] = np.float16(0.09)  # sums to 1.08
    with pytest.raises(cal.PredictionsFormatError, match=r"row 4: probabilities sum to 1.080[0-9]*, not 1 \(tolerance 0.00098\)"):
        cal.from_arrays(labels, probs=bad)


def test_the_report_says_what_the_ece_interval_covers():
    rng = np.random.default_rng(3)
    conf = rng.uniform(0.5, 1, 500)
    preds = cal.from_arrays((rng.random(500) < conf).astype(int), probs=conf)
    text = cal.format_text(cal.measure(preds, n_bootstrap=200, n_consistency=200))
    assert "of the binned ECE at this size" in text
    assert "covers the binned ECE expected at this sample size" in text and "never at 0" in text
    assert "ECE noise floor" in text
