"""Records without class probabilities (confidence, correct): section 5 with c = confidence."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from advisor import calibration as cal
from advisor.calibration import record


def loop_metrics(conf, correct, n_bins):
    """Section 5 read literally, one row at a time."""
    edges = np.linspace(0.0, 1.0, n_bins + 1).tolist()  # the float64 edges section 5 fixes
    members = [[] for _ in range(n_bins)]
    for c, ok in zip(conf, correct, strict=True):
        m = 0 if c == 0 else next(i for i in range(n_bins) if edges[i] < c <= edges[i + 1])
        members[m].append((c, ok))
    ece = sum(abs(sum(ok for _, ok in b) - sum(c for c, _ in b)) for b in members) / len(conf)
    mce = max(abs(sum(ok for _, ok in b) / len(b) - sum(c for c, _ in b) / len(b)) for b in members if b)
    return ece, mce, [len(b) for b in members]


def test_hand_computed_records():
    conf = [0.95, 0.95, 0.85, 0.55, 0.0, 1.0]
    correct = [True, False, True, True, False, True]
    result = record.record_metrics(conf, correct, n_bins=10)
    assert result["n_samples"] == 6
    assert result["accuracy"] == 4 / 6
    # bins: [0] 0.0 wrong -> 0; (0.5,0.6] 0.55 right -> 0.45; (0.8,0.9] 0.85 right -> 0.15;
    # (0.9,1.0] 0.95, 0.95, 1.0 with 2 right -> |2 - 2.9| = 0.9
    assert result["ece"] == pytest.approx((0.45 + 0.15 + 0.9) / 6, abs=1e-15)
    assert result["mce"] == pytest.approx(0.45, abs=1e-15)
    assert [row["count"] for row in result["bins"]] == [1, 0, 0, 0, 0, 1, 0, 0, 1, 3]
    assert result["bins"][9]["accuracy"] == 2 / 3
    assert result["top_label_brier"] == pytest.approx(
        (0.05 ** 2 + 0.95 ** 2 + 0.15 ** 2 + 0.45 ** 2 + 0 + 0) / 6, abs=1e-15)


def test_records_equal_the_top_label_view_of_class_predictions():
    rng = np.random.default_rng(1)
    probs = rng.dirichlet(np.ones(4), size=300)
    labels = rng.integers(0, 4, size=300)
    conf, correct = cal.top_label(cal.from_arrays(labels, probs=probs))
    full = cal.calibration_metrics(labels, probs=probs)
    mine = record.record_metrics(conf, correct)
    for key in ("accuracy", "ece", "mce", "bins"):
        assert mine[key] == full[key]
    assert mine["top_label_brier"] == pytest.approx(np.mean((conf - correct) ** 2), abs=1e-15)


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 40), st.booleans()), min_size=1, max_size=50),
       st.integers(1, 20))
def test_agrees_with_a_loop(rows, n_bins):
    conf = [c / 40 for c, _ in rows]  # lands on edges often
    correct = [ok for _, ok in rows]
    ece, mce, counts = loop_metrics(conf, correct, n_bins)
    result = record.record_metrics(conf, correct, n_bins)
    assert result["ece"] == pytest.approx(ece, abs=1e-12)
    assert result["mce"] == pytest.approx(mce, abs=1e-12)
    assert [row["count"] for row in result["bins"]] == counts
    loop_brier = sum((c - ok) ** 2 for c, ok in zip(conf, correct, strict=True)) / len(conf)
    assert result["top_label_brier"] == pytest.approx(loop_brier, abs=1e-12)


def test_confidence_logit_is_finite_at_zero_and_one():
    x = record.confidence_logit([0.0, 0.5, 1.0, 0.75])
    assert x[1] == 0.0 and x[3] == pytest.approx(math.log(3.0), abs=1e-15)
    assert np.isfinite(x).all() and x[0] == -x[2] == pytest.approx(-math.log(1 / np.finfo(float).eps))
    assert record.sigmoid(x)[3] == pytest.approx(0.75, abs=1e-15)


def test_no_records_is_an_error():
    with pytest.raises(ValueError):
        record.record_metrics([], [])
