"""Error concentration by true class and confusion pair: hand-computed values and a Counter loop."""

import math
from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from advisor import calibration as cal
from advisor.calibration import concentration

LABELS = [0, 0, 0, 1, 1, 2, 3, 4, 4, 4]
PREDICTED = [1, 1, 0, 0, 1, 2, 3, 4, 0, 0]


def test_hand_computed_concentration():
    result = concentration.error_concentration(LABELS, PREDICTED, 5)
    # errors: 0->1 twice, 1->0 once, 4->0 twice; K = 5 so the top ceil(5/5) = 1 class and pair
    assert result["n_errors"] == 5
    top = result["top_classes"]
    assert top["count"] == 1 and top["error_share"] == 2 / 5 and top["row_share"] == 3 / 10
    assert top["classes"] == [
        {"label": 0, "errors": 2, "rows": 3, "error_rate": 2 / 3, "share": 0.4},  # ties: lower label first
        {"label": 4, "errors": 2, "rows": 3, "error_rate": 2 / 3, "share": 0.4},
        {"label": 1, "errors": 1, "rows": 2, "error_rate": 0.5, "share": 0.2}]
    pairs = result["top_pairs"]
    assert pairs["count"] == 1 and pairs["error_share"] == 0.4
    assert pairs["pairs"] == [{"label": 0, "predicted": 1, "errors": 2, "share": 0.4},
                              {"label": 4, "predicted": 0, "errors": 2, "share": 0.4},
                              {"label": 1, "predicted": 0, "errors": 1, "share": 0.2}]


def test_no_errors_and_many_classes():
    assert concentration.error_concentration([0, 1, 2], [0, 1, 2], 3) is None
    # 12 classes -> the top ceil(12/5) = 3 classes
    labels = list(range(12)) * 2
    predicted = [(y + 1) % 12 if y < 4 else y for y in labels]
    result = concentration.error_concentration(labels, predicted, 12)
    assert result["top_classes"]["count"] == 3 and result["top_classes"]["error_share"] == 6 / 8
    assert result["top_classes"]["row_share"] == 6 / 24
    assert len(result["top_classes"]["classes"]) == 4 and len(result["top_pairs"]["pairs"]) == 4


def test_predicted_classes_follow_the_metrics_tie_rule():
    probs = np.array([[0.5, 0.5, 0.0], [0.2, 0.3, 0.5], [0.1, 0.6, 0.3]], dtype=np.float32)
    preds = cal.from_arrays([1, 2, 1], probs=probs)
    assert concentration.predicted_classes(preds).tolist() == [0, 2, 1]
    logits = cal.from_arrays([0, 1], logits=np.array([[1.0, 1.0], [-1.0, 2.0]]))
    assert concentration.predicted_classes(logits).tolist() == [0, 1]


@settings(max_examples=80, deadline=None)
@given(st.integers(2, 12).flatmap(lambda k: st.tuples(
    st.just(k), st.lists(st.tuples(st.integers(0, k - 1), st.integers(0, k - 1)), min_size=1, max_size=60))))
def test_agrees_with_a_counter_loop(data):
    k, rows = data
    labels = [y for y, _ in rows]
    predicted = [p for _, p in rows]
    result = concentration.error_concentration(labels, predicted, k)
    errors = Counter(y for y, p in rows if y != p)
    pairs = Counter((y, p) for y, p in rows if y != p)
    if not errors:
        assert result is None
        return
    total = sum(errors.values())
    count = math.ceil(k / 5)
    ranked = sorted(range(k), key=lambda c: (-errors[c], c))[:count]
    assert result["top_classes"]["error_share"] == pytest.approx(sum(errors[c] for c in ranked) / total)
    assert result["top_classes"]["row_share"] == pytest.approx(sum(labels.count(c) for c in ranked) / len(labels))
    ranked_pairs = sorted(pairs, key=lambda pair: (-pairs[pair], pair))
    assert result["top_pairs"]["error_share"] == pytest.approx(sum(pairs[p] for p in ranked_pairs[:count]) / total)
    assert [(p["label"], p["predicted"]) for p in result["top_pairs"]["pairs"]] == ranked_pairs[:5]


@pytest.mark.parametrize("kind", ["probs", "logits"])
def test_measure_takes_the_predictions_from_its_own_pass(kind):
    rng = np.random.default_rng(4)
    labels = rng.integers(0, 6, 500)
    scores = rng.normal(size=(500, 6)) if kind == "logits" else rng.dirichlet(np.ones(6), size=500)
    preds = cal.from_arrays(labels, **{kind: scores})
    measured = cal.measure(preds, n_bootstrap=0, n_consistency=0, folds=0)
    expected = concentration.error_concentration(labels, concentration.predicted_classes(preds), 6)
    assert measured["error_concentration"] == expected
    assert concentration.predicted_classes(preds).tolist() == np.argmax(scores, axis=1).tolist()
