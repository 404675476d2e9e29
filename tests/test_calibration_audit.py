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
