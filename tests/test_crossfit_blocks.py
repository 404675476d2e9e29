"""Cross-fitting and ``measure`` read the scores only through row blocks, with the in-memory numbers."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import overconfident

from advisor import calibration as cal
from advisor.calibration import accumulator, rowfile, scaling, summary

KEYS = ("ece", "nll", "brier", "accuracy")


def streamed(tmp_path, monkeypatch, labels, kind, scores):
    """The predictions of a streamed file (read in blocks of a few rows: see the test), row gathers forbidden."""
    np.save(tmp_path / "p.labels.npy", labels)
    np.save(tmp_path / f"p.{kind}.npy", scores)
    with cal.config_context(stream_bytes=0):
        preds = cal.load_predictions(tmp_path / f"p.{kind}.npy")
    assert isinstance(preds, cal.StreamedPredictions)

    def no_gather(self, index):
        raise AssertionError("cross-fitting gathered rows of the N x K file")

    monkeypatch.setattr(rowfile.RowFile, "_gather", no_gather)
    return preds


def assert_same(ours, theirs, tol=1e-12):
    for method in ("before", "temperature", "platt", "isotonic"):
        if theirs[method] is None:
            assert ours[method] is None, method
            continue
        for key in KEYS:
            assert ours[method][key] == pytest.approx(theirs[method][key], rel=tol, abs=tol), (method, key)


@pytest.mark.parametrize("k, kind", [(4, "logits"), (2, "probs"), (2, "logits"), (3, "probs")])
def test_streamed_cross_fit_equals_in_memory(tmp_path, monkeypatch, k, kind):
    labels, logits, probs = overconfident(240, k, seed=k)
    scores = logits if kind == "logits" else probs.astype(np.float32)
    expected = cal.cross_fit(cal.from_arrays(labels, **{kind: scores}), folds=5, seed=3)
    preds = streamed(tmp_path, monkeypatch, labels, kind, scores)
    with cal.config_context(block_values=12, pass_values=12):
        result = cal.cross_fit(preds, folds=5, seed=3)
    assert result["temperature"] is not None and result["isotonic"] is not None
    assert (result["platt"] is not None) == (k == 2)
    assert_same(result, expected)


def test_isotonic_columns_gathered_a_few_at_a_time_give_the_same_result():
    labels, logits, _ = overconfident(300, 5, seed=7)
    preds = cal.from_arrays(labels, logits=logits)
    expected = cal.cross_fit(preds, folds=3, seed=1)
    with cal.config_context(isotonic_values=2 * 300):  # two classes per pass
        assert_same(cal.cross_fit(preds, folds=3, seed=1), expected)


def reference_cross_fit(labels, logits, folds, seed):
    """The textbook loop: fit each calibrator on k-1 folds, score the held-out fold, pool."""
    ids = cal.fold_ids(len(labels), folds, seed)
    pooled = {"temperature": [], "platt": [], "isotonic": []}
    order = []
    for fold in range(folds):
        test, train = ids == fold, ids != fold
        order.append(labels[test])
        t = scaling.fit_temperature(labels, logits=logits, weights=train.astype(float))
        pooled["temperature"].append(scaling.apply_temperature(logits[test], "logits", t))
        x = logits[:, 1] - logits[:, 0]
        a, b = scaling.fit_platt(x[train], labels[train])
        pooled["platt"].append(scaling.apply_platt(x[test], a, b))
        softmax = scaling.apply_temperature(logits, "logits", 1.0)
        maps = scaling.fit_isotonic_classes(softmax[train], labels[train])
        pooled["isotonic"].append(scaling.apply_isotonic_classes(softmax[test], maps))
    y = np.concatenate(order)
    return {name: cal.calibration_metrics(y, probs=np.concatenate(parts)) for name, parts in pooled.items()}


def test_cross_fit_equals_the_textbook_fold_loop():
    labels, logits, _ = overconfident(400, 2, seed=11)
    result = cal.cross_fit(cal.from_arrays(labels, logits=logits), folds=4, seed=5)
    expected = reference_cross_fit(labels, logits, 4, 5)
    for method in ("platt", "isotonic"):
        for key in KEYS:
            assert result[method][key] == pytest.approx(expected[method][key], rel=1e-12, abs=1e-12)
    for key in KEYS:  # fold temperatures agree to the solver's tolerance, not to the last bit
        assert result["temperature"][key] == pytest.approx(expected["temperature"][key], rel=1e-8, abs=1e-9)


def test_measure_without_folds_reuses_the_main_pass(monkeypatch):
    labels, logits, _ = overconfident(300, 4, seed=2)
    preds = cal.from_arrays(labels, logits=logits)
    separate = cal.cross_fit(preds, folds=0)["before"]
    with_folds = cal.measure(preds, n_bootstrap=20, n_consistency=20, folds=3)

    def no_extra_pass(*args, **kwargs):
        raise AssertionError("a second pass measured the uncalibrated predictions")

    monkeypatch.setattr(accumulator.CalibrationAccumulator, "add", no_extra_pass)
    result = cal.measure(preds, n_bootstrap=20, n_consistency=20, folds=0)
    post = result["post_calibration"]
    assert post["folds"] == 0 and post["temperature"] is None
    for key in KEYS:
        assert post["before"][key] == result[key]
        assert post["before"][key] == pytest.approx(separate[key], rel=1e-12, abs=1e-12)
    assert result["temperature"] == pytest.approx(cal.fit_temperature(preds), rel=1e-12)
    for key in ("accuracy", "ece", "mce", "nll", "brier", "ece_mass", "intervals", "significance"):
        assert result[key] == with_folds[key], key
    assert post["before"] == with_folds["post_calibration"]["before"]


def test_measure_takes_the_temperature_from_the_fold_fit(monkeypatch):
    labels, logits, _ = overconfident(300, 3, seed=4)
    preds = cal.from_arrays(labels, logits=logits)
    expected = cal.fit_temperature(preds)

    def no_separate_fit(*args, **kwargs):
        raise AssertionError("measure fitted the all-rows temperature a second time")

    monkeypatch.setattr(summary, "fit_temperature", no_separate_fit)
    result = cal.measure(preds, n_bootstrap=0, n_consistency=0, folds=5)
    assert result["temperature"] == pytest.approx(expected, rel=1e-9)
    assert abs(scaling.nll_gradient_in_t(preds, result["temperature"])) < 1e-10


def test_solver_with_a_pluggable_pass_equals_fit_temperature():
    labels, logits, _ = overconfident(500, 4, seed=9, scale=2.5)
    preds = cal.from_arrays(labels, logits=logits)
    calls = []

    def one_pass(temperature):
        calls.append(temperature)
        return scaling.temperature_sums(preds, temperature)

    t = scaling.solve_temperature(one_pass)
    assert t == pytest.approx(cal.fit_temperature(preds), rel=1e-9)
    assert abs(scaling.nll_gradient_in_t(preds, t)) < 1e-10
    assert calls[0] == 1.0 and calls[-1] == t
