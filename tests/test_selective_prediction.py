"""Selective prediction (interface section 8): hand-computed values and a loop over every threshold."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from advisor.calibration import selective

# accepted(0.9) = 2 rows, 2 right; accepted(0.8) = 3, 2 right; accepted(0.7) = 4, 3 right; accepted(0.6) = 5, 3 right
CONF = np.array([0.7, 0.9, 0.6, 0.9, 0.8])
CORRECT = np.array([True, True, False, True, False])


def loop_selective(conf, correct, target):
    """Section 8 read literally: every distinct tau, accepted = c >= tau, keep the most accepted rows."""
    best = None
    for tau in sorted({float(c) for c in conf}):
        accepted = [ok for c, ok in zip(conf, correct, strict=True) if c >= tau]
        accuracy = sum(accepted) / len(accepted)
        if accuracy >= target and (best is None or len(accepted) > best[1]):
            best = (tau, len(accepted), accuracy)
    if best is None:
        return {"target_accuracy": target, "threshold": None, "coverage": 0.0, "accuracy": None}
    return {"target_accuracy": target, "threshold": best[0], "coverage": best[1] / len(conf), "accuracy": best[2]}


def test_hand_computed_threshold_skips_a_failing_higher_threshold():
    # tau = 0.8 fails (2/3) but tau = 0.7 reaches exactly 3/4: the most accepted rows win
    assert selective.selective_prediction(CONF, CORRECT, 0.75) == {
        "target_accuracy": 0.75, "threshold": 0.7, "coverage": 0.8, "accuracy": 0.75}


def test_hand_computed_strict_target_and_none():
    assert selective.selective_prediction(CONF, CORRECT, 1.0) == {
        "target_accuracy": 1.0, "threshold": 0.9, "coverage": 0.4, "accuracy": 1.0}
    assert selective.selective_prediction(CONF, CORRECT, 0.0)["coverage"] == 1.0
    none = selective.selective_prediction(CONF, ~CORRECT, 0.7)  # best is 2/5 at tau = 0.6
    assert none == {"target_accuracy": 0.7, "threshold": None, "coverage": 0.0, "accuracy": None}


def test_decimal_target_met_exactly_by_a_fraction():
    conf = np.linspace(0.5, 1.0, 50)
    correct = np.ones(50, dtype=bool)
    correct[0] = False  # the lowest confidence is the one mistake: all 50 rows give 49/50
    result = selective.selective_prediction(conf, correct, 0.98)
    assert result["coverage"] == 1.0 and result["accuracy"] == 0.98 and result["threshold"] == 0.5


def test_no_rows():
    assert selective.selective_prediction([], [], 0.9)["threshold"] is None
    assert selective.area_under_risk_coverage([], []) is None
    assert selective.curve_points([], []) == []


def test_face_value_aurc_and_curve_by_hand():
    assert selective.at_face_value(CONF, CORRECT, 0.75) == {"coverage": 0.6, "accuracy": 2 / 3}
    assert selective.at_face_value(CONF, CORRECT, 0.95) == {"coverage": 0.0, "accuracy": None}
    # coverages 0.4, 0.6, 0.8, 1.0 with risks 0, 1/3, 1/4, 2/5: each risk times the coverage it adds
    assert selective.area_under_risk_coverage(CONF, CORRECT) == pytest.approx(0.2 / 3 + 0.05 + 0.08, abs=1e-15)
    points = selective.curve_points(CONF, CORRECT)
    assert [p["threshold"] for p in points] == [0.9, 0.8, 0.7, 0.6]
    assert [p["coverage"] for p in points] == [0.4, 0.6, 0.8, 1.0]
    assert points[1]["accuracy"] == 2 / 3


def test_curve_is_thinned_but_keeps_ends_and_the_threshold():
    rng = np.random.default_rng(3)
    conf = rng.random(5000)
    correct = rng.random(5000) < conf
    summary = selective.selective_summary(conf, correct, 0.9, max_points=20)
    coverages = [p["coverage"] for p in summary["curve"]]
    assert len(coverages) <= 21 and coverages == sorted(coverages)
    assert coverages[0] == 1 / 5000 and coverages[-1] == 1.0
    assert summary["threshold"] in [p["threshold"] for p in summary["curve"]]
    assert set(summary) == {"target_accuracy", "threshold", "coverage", "accuracy", "at_face_value", "aurc", "curve"}


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 10), st.booleans()), min_size=1, max_size=40),
       st.sampled_from([0.0, 0.5, 0.6, 0.75, 0.8, 0.9, 0.98, 1.0]))
def test_agrees_with_the_loop_over_thresholds(rows, target):
    conf = np.array([c / 10 for c, _ in rows])  # few distinct values: many ties
    correct = np.array([ok for _, ok in rows])
    assert selective.selective_prediction(conf, correct, target) == loop_selective(conf, correct, target)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 20), st.booleans()), min_size=1, max_size=40))
def test_aurc_agrees_with_a_loop(rows):
    conf = np.array([c / 20 for c, _ in rows])
    correct = np.array([ok for _, ok in rows])
    area, previous = 0.0, 0
    for tau in sorted(set(conf.tolist()), reverse=True):
        accepted = [ok for c, ok in zip(conf, correct, strict=True) if c >= tau]
        area += (1 - sum(accepted) / len(accepted)) * (len(accepted) - previous) / len(conf)
        previous = len(accepted)
    assert selective.area_under_risk_coverage(conf, correct) == pytest.approx(area, abs=1e-12)
