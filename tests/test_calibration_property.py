"""Property tests (hypothesis) of the calibration metrics, temperature scaling and the accumulator."""

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from advisor import calibration as cal

SETTINGS = settings(max_examples=40, deadline=None)


@st.composite
def predictions(draw, max_rows=40, max_classes=5, kind=None):
    n = draw(st.integers(1, max_rows))
    k = draw(st.integers(2, max_classes))
    kind = kind or draw(st.sampled_from(["probs", "logits"]))
    labels = draw(arrays(np.int64, n, elements=st.integers(0, k - 1)))
    if kind == "logits":
        scores = draw(arrays(np.float64, (n, k), elements=st.floats(-10, 10, allow_nan=False)))
    else:
        raw = draw(arrays(np.float64, (n, k), elements=st.floats(0, 1, allow_nan=False)))
        raw[:, 0] += 1e-3  # keep every row sum positive
        scores = raw / raw.sum(axis=1, keepdims=True)
    return labels, {kind: scores}


KEYS = ("accuracy", "ece", "mce", "nll", "brier", "ece_mass", "classwise_ece", "debiased_l2_error",
        "binary_positive_ece")


def quick(labels, scores):
    return cal.measure(cal.from_arrays(labels, **scores), n_bootstrap=0, n_consistency=0, folds=0)


@SETTINGS
@given(predictions(), st.randoms(use_true_random=False))
def test_metrics_do_not_depend_on_row_order(data, random):
    labels, scores = data
    order = list(range(len(labels)))
    random.shuffle(order)
    a = quick(labels, scores)
    b = quick(labels[order], {k: v[order] for k, v in scores.items()})
    for key in KEYS:
        if a[key] is None:
            assert b[key] is None
        else:
            assert a[key] == pytest.approx(b[key], abs=1e-12), key
    assert [r["count"] for r in a["bins"]] == [r["count"] for r in b["bins"]]


@SETTINGS
@given(predictions(), st.integers(1, 30))
def test_ece_is_in_the_unit_interval(data, n_bins):
    labels, scores = data
    result = cal.measure(cal.from_arrays(labels, **scores), bins=n_bins, n_bootstrap=0, n_consistency=0,
                         folds=0)
    for key in ("ece", "mce", "ece_mass", "ece_width", "debiased_l2_error"):
        assert 0.0 <= result[key] <= 1.0
    assert sum(row["count"] for row in result["bins"]) == len(labels)


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_ece_of_a_calibrated_model_shrinks_with_n(seed):
    rng = np.random.default_rng(seed)

    def ece(n):
        conf = rng.uniform(0.5, 1.0, size=n)
        return cal.expected_calibration_error(conf, rng.random(n) < conf)

    small, large = ece(200), ece(50_000)
    assert large < 0.02
    assert large < small


@SETTINGS
@given(predictions(max_rows=60, kind="logits"))
def test_temperature_keeps_accuracy_and_never_raises_nll(data):
    labels, scores = data
    preds = cal.from_arrays(labels, **scores)
    t = cal.fit_temperature(preds)
    assert 0.01 <= t <= 100
    before = cal.calibration_metrics(preds)
    after = cal.calibration_metrics(cal.from_arrays(labels, logits=scores["logits"] / t))
    assert after["nll"] <= before["nll"] + 1e-12
    result = cal.cross_fit(preds, folds=2, seed=0) if len(labels) >= 2 else None
    if result:
        assert result["temperature"]["accuracy"] == result["before"]["accuracy"]
    assert after["accuracy"] == before["accuracy"] or np.any(
        np.sum(scores["logits"] / t == (scores["logits"] / t).max(axis=1, keepdims=True), axis=1) > 1)


@SETTINGS
@given(predictions(max_rows=60), st.lists(st.integers(1, 60), min_size=1, max_size=5), st.integers(1, 20))
def test_accumulator_chunks_and_merges_equal_in_memory(data, cuts, n_bins):
    labels, scores = data
    kind, values = next(iter(scores.items()))
    whole = cal.CalibrationAccumulator(bins=n_bins, classwise=True).update(labels, **scores).result()
    bounds = sorted({0, len(labels), *[c % (len(labels) + 1) for c in cuts]})
    parts = []
    for lo, hi in itertools.pairwise(bounds):
        part = cal.CalibrationAccumulator(bins=n_bins, classwise=True)
        part.update(labels[lo:hi], **{kind: values[lo:hi]})
        parts.append(part)
    merged = cal.CalibrationAccumulator(bins=n_bins, classwise=True)
    for part in reversed(parts):
        merged.merge(part)
    sequential = cal.CalibrationAccumulator(bins=n_bins, classwise=True)
    for lo, hi in itertools.pairwise(bounds):
        sequential.update(labels[lo:hi], **{kind: values[lo:hi]})
    for other in (merged.result(), sequential.result()):
        for key in ("accuracy", "ece", "mce", "nll", "brier", "classwise_ece", "binary_positive_ece"):
            if whole[key] is None:
                assert other[key] is None
            else:
                assert other[key] == pytest.approx(whole[key], abs=1e-12), key
        assert [r["count"] for r in other["bins"]] == [r["count"] for r in whole["bins"]]
        assert other["n_samples"] == whole["n_samples"]


def test_accumulator_matches_measure_and_rejects_mismatched_classes():
    rng = np.random.default_rng(0)
    z = rng.normal(size=(100, 3))
    labels = rng.integers(0, 3, 100)
    acc = cal.CalibrationAccumulator()
    acc.update(labels[:50], logits=z[:50]).update(labels[50:], logits=z[50:])
    full = quick(labels, {"logits": z})
    for key in ("accuracy", "ece", "mce", "nll", "brier"):
        assert acc.result()[key] == pytest.approx(full[key], abs=1e-12)
    with pytest.raises(ValueError):
        acc.update(labels[:5] % 2, logits=z[:5, :2])
    with pytest.raises(ValueError):
        cal.CalibrationAccumulator().result()


def test_small_chunks_inside_measure_give_the_same_result():
    rng = np.random.default_rng(1)
    z = rng.normal(0, 2, size=(500, 6)).astype(np.float32)
    labels = rng.integers(0, 6, 500)
    preds = cal.from_arrays(labels, logits=z)
    big = cal.measure(preds, n_bootstrap=20, n_consistency=20, folds=3)
    with cal.config_context(block_values=7 * 6, pass_values=7 * 6):  # 7 rows per block in every pass
        assert len(list(preds.blocks())) == 72  # the setting must reach the code, or this test proves nothing
        small = cal.measure(preds, n_bootstrap=20, n_consistency=20, folds=3)
    for key in ("accuracy", "ece", "mce", "nll", "brier", "temperature", "classwise_ece"):
        assert small[key] == pytest.approx(big[key], abs=1e-12), key
