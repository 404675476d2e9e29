"""The fused block pass and the accumulator: chunked and merged results equal the in-memory ones."""

from __future__ import annotations

import math

import numpy as np
import pytest

from advisor import calibration as cal
from advisor.calibration import block

EDGES = np.linspace(0.0, 1.0, 16)


def softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def make(n, k, seed, dtype=np.float64):
    rng = np.random.default_rng(seed)
    logits = rng.standard_normal((n, k)) * 2.0
    labels = rng.integers(0, k, n)
    return labels, logits.astype(dtype), softmax(logits).astype(dtype)


def reference(labels, probs, n_bins=15):
    """Section 5 written out directly in float64, one row at a time where it is clearer."""
    p = np.asarray(probs, dtype=np.float64)
    n, k = p.shape
    pred = p.argmax(axis=1)
    conf = p[np.arange(n), pred]
    correct = pred == labels
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    index = np.clip(np.searchsorted(edges, conf, side="left") - 1, 0, n_bins - 1)
    ece, mce = 0.0, 0.0
    for m in range(n_bins):
        inside = index == m
        if inside.any():
            gap = abs(correct[inside].sum() - conf[inside].sum())
            ece += gap / n
            mce = max(mce, gap / inside.sum())
    onehot = np.eye(k)[labels]
    nll = float(np.mean(-np.log(np.maximum(p[np.arange(n), labels], np.finfo(float).eps))))
    classwise = 0.0
    for c in range(k):
        col = np.clip(np.searchsorted(edges, p[:, c], side="left") - 1, 0, n_bins - 1)
        classwise += sum(abs((labels[col == m] == c).sum() - p[col == m, c].sum()) for m in range(n_bins)) / n
    return {"accuracy": correct.mean(), "ece": ece, "mce": mce, "nll": nll,
            "brier": float(np.mean(((p - onehot) ** 2).sum(axis=1))), "classwise_ece": classwise / k}


def assert_close(result, expected, keys=("accuracy", "ece", "mce", "nll", "brier")):
    for key in keys:
        assert result[key] == pytest.approx(expected[key], rel=1e-12, abs=1e-14), key


@pytest.fixture
def tiny_blocks():
    """Blocks of a few rows, so small inputs span many blocks."""
    with cal.config_context(block_values=12):
        yield


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_accumulator_equals_reference_over_many_blocks(tiny_blocks, dtype):
    labels, _, probs = make(203, 5, seed=1, dtype=dtype)
    acc = cal.CalibrationAccumulator(bins=15, classwise=True)
    result = acc.update(labels, probs=probs).result()
    expected = reference(labels, probs)
    assert_close(result, expected, keys=("accuracy", "ece", "mce", "nll", "brier", "classwise_ece"))
    assert sum(b["count"] for b in result["bins"]) == 203


def test_merged_chunks_equal_one_update(tiny_blocks):
    labels, logits, _ = make(300, 7, seed=2)
    whole = cal.CalibrationAccumulator(classwise=True).update(labels, logits=logits).result()
    parts = [cal.CalibrationAccumulator(classwise=True).update(labels[s:s + 37], logits=logits[s:s + 37])
             for s in range(0, 300, 37)]
    merged = parts[0]
    for part in parts[1:]:
        merged.merge(part)
    result = merged.result()
    assert_close(result, whole, keys=("accuracy", "ece", "mce", "nll", "brier", "classwise_ece"))
    assert [b["count"] for b in result["bins"]] == [b["count"] for b in whole["bins"]]


def test_logits_equal_their_softmax_probabilities(tiny_blocks):
    labels, logits, probs = make(120, 4, seed=3)
    from_logits = cal.CalibrationAccumulator().update(labels, logits=logits).result()
    assert_close(from_logits, reference(labels, probs))


def test_binary_positive_ece_over_blocks(tiny_blocks):
    # positive-class probabilities 0.9, 0.2, 0.6, 0.55: bins 13, 2, 8, 8 of 15
    probs = np.array([0.9, 0.2, 0.6, 0.55])
    labels = np.array([1, 0, 0, 1])
    result = cal.CalibrationAccumulator().update(labels, probs=probs).result()
    expected = (abs(1 - 0.9) + abs(0 - 0.2) + abs(1 - 0.6 - 0.55)) / 4
    assert result["binary_positive_ece"] == pytest.approx(expected, rel=1e-12)


def test_class_statistics_count_every_value_once():
    # rows sum to 1: only values above 1/15 are binned one by one, bin 0 takes the rest
    p = np.array([[0.7, 0.2, 0.1, 0.0], [0.05, 0.05, 0.05, 0.85]])
    stats = block.class_statistics(p, np.array([0, 3]), EDGES)
    assert stats[0].sum() == 8
    assert stats[0, 3, 0] == 1 and stats[0, 3, 12] == 1  # 0.0 in bin 0, 0.85 in bin 12
    assert stats[1, 0, 0] == pytest.approx(0.05, abs=1e-15)
    assert stats[1, 0].sum() == pytest.approx(0.75)
    assert stats[2, 0, 10] == 1 and stats[2, 3, 12] == 1 and stats[2].sum() == 2


def test_two_workers_give_identical_bits(tiny_blocks):
    labels, _, probs = make(500, 6, seed=4, dtype=np.float32)
    results = []
    for workers in (1, 2):
        with cal.config_context(workers=workers):
            results.append(cal.CalibrationAccumulator(classwise=True).update(labels, probs=probs).result())
    assert results[0] == results[1]


def test_first_bad_row_in_a_later_block_is_named(tiny_blocks):
    labels, _, probs = make(50, 4, seed=5)
    probs[37, 2] = math.nan
    probs[41, 1] = -0.5
    with pytest.raises(cal.PredictionsFormatError, match=r"row 38: probability is NaN \(column 2\)"):
        cal.from_arrays(labels, probs=probs)
    acc = cal.CalibrationAccumulator()
    with pytest.raises(cal.PredictionsFormatError, match="row 38"):
        acc.update(labels, probs=probs)
    assert acc.n_samples == 0 and acc.counts.sum() == 0  # a failed update adds nothing


@pytest.mark.parametrize("row, value, message", [
    (44, 1.5, r"row 45: probability 1.5 is greater than 1 \(column 0\)"),
    (44, -0.25, r"row 45: probability -0.25 is negative \(column 0\)"),
])
def test_range_errors_name_the_row(tiny_blocks, row, value, message):
    labels, _, probs = make(60, 3, seed=6)
    probs[row, 0] = value
    with pytest.raises(cal.PredictionsFormatError, match=message):
        cal.CalibrationAccumulator().update(labels, probs=probs)


def test_row_sum_and_logit_errors_name_the_row(tiny_blocks):
    labels, logits, probs = make(60, 3, seed=7)
    probs[52] *= 0.9
    with pytest.raises(cal.PredictionsFormatError, match=r"row 53: probabilities sum to 0.9,"):
        cal.from_arrays(labels, probs=probs)
    logits[33, 1] = -math.inf
    with pytest.raises(cal.PredictionsFormatError, match=r"row 34: logit -inf is not finite \(column 1\)"):
        cal.CalibrationAccumulator().update(labels, logits=logits)


def test_float32_row_sums_near_the_tolerance_are_decided_in_float64():
    # 0.25 + 0.75 + d is summed exactly in float64: d = 0.99e-4 passes, 1.01e-4 fails
    labels = np.array([0, 1])
    ok = np.array([[0.25, 0.75 + 0.99e-4], [0.5, 0.5]], dtype=np.float32)
    cal.from_arrays(labels, probs=ok)
    bad = np.array([[0.5, 0.5], [0.25, 0.75 + 1.01e-4]], dtype=np.float32)
    with pytest.raises(cal.PredictionsFormatError, match=r"row 2: probabilities sum to 1\.0001,"):
        cal.from_arrays(labels, probs=bad)
