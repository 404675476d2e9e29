"""Cross-fitting a large binary task on cells of the logit (advisor/calibration/cellfit.py)."""

from __future__ import annotations

import numpy as np
import pytest

import advisor.calibration as cal
from advisor.calibration import cellfit, scaling
from advisor.calibration.config import config_context
from advisor.calibration.crossfit import cross_fit_with_temperature, fold_ids


def test_a_cell_is_sign_exponent_and_twelve_mantissa_bits_with_zero_apart():
    x = np.array([1.0, 1.0001, 1.001, -1.0, 0.0, -0.0, 2.0, 1e-300, -1e-300, 1e100])
    key = cellfit.cell_keys(x)
    assert key[0] == key[1]  # 1.0001 is within 2**-12 of 1.0
    assert len({key[0], key[2], key[3], key[4], key[6], key[7], key[8], key[9]}) == 8
    assert key[4] == key[5] == cellfit.ZERO_KEY  # both zeros, and only they
    assert (key >= 0).all() and key.dtype == np.int32


def test_the_table_counts_rows_per_cell_fold_and_label_and_sums_their_logits():
    x = np.array([1.0, 1.0001, -2.0, 1.0, 0.0])
    labels = np.array([1, 0, 0, 1, 1])
    folds = np.array([0, 0, 1, 1, 0])
    table = cellfit.CellTable(x, labels, folds, 2)
    by_x = table.order  # cells in increasing x: -2, 0, 1
    assert table.counts[by_x].tolist() == [[[0, 0], [1, 0]], [[0, 1], [0, 0]], [[1, 1], [0, 1]]]
    assert table.sums[by_x].tolist() == [[0.0, -2.0], [0.0, 0.0], [1.0 + 1.0001, 1.0]]
    mean, negatives, positives = table.training(1)  # the rows of fold 0
    assert mean.tolist() == [0.0, (1.0 + 1.0001) / 2] and negatives.tolist() == [0, 1] and positives.tolist() == [1, 1]


def _one_row_per_cell(n=3000, seed=4):
    rng = np.random.default_rng(seed)
    x = np.sort(rng.normal(0.5, 2.0, n))
    x = x[np.concatenate([[True], np.diff(cellfit.cell_keys(x)) != 0])]  # one row per cell
    y = (rng.random(x.size) < 1 / (1 + np.exp(-0.6 * x))).astype(np.int64)
    return x, y


def test_with_one_row_per_cell_the_fits_are_the_row_level_fits():
    x, y = _one_row_per_cell()
    ones, zeros = y.astype(np.int64), 1 - y
    a, b = cellfit.fit_platt_cells(x, zeros, ones)
    assert (a, b) == pytest.approx(scaling.fit_platt(x, y), rel=1e-9, abs=1e-12)
    logits = np.column_stack([np.zeros_like(x), x])
    assert cellfit.fit_temperature_cells(x, zeros, ones) == pytest.approx(scaling.fit_temperature(y, logits=logits),
                                                                          rel=1e-9)
    knots, values = cellfit.fit_isotonic_cells(x, zeros, ones)
    row_knots, row_values = scaling.fit_isotonic(x, y)
    np.testing.assert_allclose(np.interp(x, knots, values), np.interp(x, row_knots, row_values), atol=1e-12)


def test_all_strictly_correct_cells_fit_the_lowest_temperature():
    x = np.array([-3.0, -1.0, 2.0, 5.0])
    assert cellfit.fit_temperature_cells(x, np.array([4, 2, 0, 0]), np.array([0, 0, 3, 1])) == scaling.T_MIN


def _binary(n, seed=3):
    rng = np.random.default_rng(seed)
    p = rng.beta(2, 2, n)
    y = (rng.random(n) < np.clip(p * 1.2 - 0.1, 0, 1)).astype(np.int64)
    return cal.from_arrays(y, probs=p)


def test_cells_and_rows_agree_at_the_crossover():
    preds = _binary(1 << 18)
    with config_context(cell_fit_rows=1 << 40):
        rows, t_rows = cross_fit_with_temperature(preds)
    with config_context(cell_fit_rows=1 << 18):
        cells, t_cells = cross_fit_with_temperature(preds)
    assert t_cells == pytest.approx(t_rows, rel=1e-8)  # the all-rows temperature stays exact
    assert any("cells of the logit" in note for note in cells["notes"])
    for method in ("temperature", "platt"):
        assert cells[method]["ece"] == pytest.approx(rows[method]["ece"], abs=5e-5)
        assert cells[method]["nll"] == pytest.approx(rows[method]["nll"], rel=1e-6)
        assert cells[method]["brier"] == pytest.approx(rows[method]["brier"], rel=1e-6)
        assert cells[method]["accuracy"] == pytest.approx(rows[method]["accuracy"], abs=1e-5)
    # isotonic steps fall on cell edges instead of between rows: far below the ECE's sampling error
    assert cells["isotonic"]["ece"] == pytest.approx(rows["isotonic"]["ece"], abs=3e-4)
    assert cells["isotonic"]["nll"] == pytest.approx(rows["isotonic"]["nll"], rel=1e-4)
    assert cells["isotonic"]["accuracy"] == pytest.approx(rows["isotonic"]["accuracy"], abs=1e-4)


def test_held_out_confidences_are_each_rows_own_fold_temperature():
    preds = _binary(5000, seed=8)
    x = scaling.positive_logit(preds.probs, "probs")
    ids = fold_ids(preds.n_samples, 5, 0)
    held_out = np.empty(preds.n_samples)
    cellfit.cross_fit_cells(x, preds.labels, ids, 5, held_out=held_out)
    table = cellfit.CellTable(x, preds.labels, ids, 5)
    for fold in (0, 3):
        temperature = cellfit.fit_temperature_cells(*table.training(fold))
        q = 1 / (1 + np.exp(-x[ids == fold] / temperature))
        np.testing.assert_allclose(held_out[ids == fold], np.where(x[ids == fold] > 0, q, 1 - q), rtol=1e-7)


def test_measure_says_when_the_calibrators_were_fitted_on_cells():
    preds = _binary(3000, seed=2)
    with config_context(cell_fit_rows=1000):
        result = cal.measure(preds, n_bootstrap=0, n_consistency=0)
    assert any("cells of the logit" in note for note in result["post_calibration"]["notes"])
    with config_context(cell_fit_rows=10_000):
        result = cal.measure(preds, n_bootstrap=0, n_consistency=0)
    assert not any("cells of the logit" in note for note in result["post_calibration"]["notes"])
