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
    table = cellfit.CellTable(x, cellfit.cell_keys(x), labels, folds, 2)
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
    assert any("fitted and scored on cells" in note for note in cells["notes"])
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
    assert cellfit.cross_fit_cells(lambda: x, lambda: preds.probs[:, 1], preds.labels, ids, 5,
                                   held_out=held_out) is not None
    table = cellfit.CellTable(x, cellfit.cell_keys(x), preds.labels, ids, 5)
    for fold in (0, 3):
        temperature = cellfit.fit_temperature_cells(*table.training(fold))
        q = 1 / (1 + np.exp(-x[ids == fold] / temperature))
        np.testing.assert_allclose(held_out[ids == fold], np.where(x[ids == fold] > 0, q, 1 - q), rtol=1e-7)


def test_measure_says_when_the_calibrators_were_fitted_on_cells():
    preds = _binary(3000, seed=2)
    with config_context(cell_fit_rows=1000):
        result = cal.measure(preds, n_bootstrap=0, n_consistency=0)
    assert any("fitted and scored on cells" in note for note in result["post_calibration"]["notes"])
    with config_context(cell_fit_rows=10_000):
        result = cal.measure(preds, n_bootstrap=0, n_consistency=0)
    assert not any("cells" in note for note in result["post_calibration"]["notes"])


def test_probability_cells_keep_the_ends_and_one_half_apart_and_near_ends_distinct():
    p = np.array([0.0, 1e-20, 1e-30, 0.5, 0.5 + 1e-12, 0.9999, 0.99999, 1.0, 1.0 - 1e-17])
    key = cellfit.probability_keys(p)
    assert len(set(key.tolist())) == len(p) - 1  # 1 - 1e-17 is 1.0 in float64
    assert key[-1] == key[-2]


def _cells_and_rows(preds):
    with config_context(cell_fit_rows=1 << 40):
        rows = cross_fit_with_temperature(preds)[0]
    with config_context(cell_fit_rows=0):
        cells = cross_fit_with_temperature(preds)[0]
    return rows, cells


def test_saturated_logits_tie_in_isotonic_regression_as_row_by_row():
    # logits far beyond 37 all give p = 1.0: the row-level fit pools them, so the cells must too
    rng = np.random.default_rng(6)
    x = 1000 + 0.3 * rng.standard_normal(20_000)
    y = (rng.random(x.size) < 0.5 + 0.4 * np.tanh(x - 1000)).astype(np.int64)
    rows, cells = _cells_and_rows(cal.from_arrays(y, logits=np.column_stack([np.zeros_like(x), x])))
    assert cells["isotonic"]["accuracy"] == pytest.approx(rows["isotonic"]["accuracy"], abs=1e-12)
    assert cells["isotonic"]["nll"] == pytest.approx(rows["isotonic"]["nll"], rel=1e-9)


def test_a_steep_map_over_a_narrow_band_of_logits_falls_back_to_rows():
    # x = 10 +- 0.001 with a slope near 1000: one cell (0.0024 wide) spans the whole signal
    rng = np.random.default_rng(7)
    x = 10 + 0.001 * rng.standard_normal(20_000)
    y = (rng.random(x.size) < 1 / (1 + np.exp(-1000 * (x - 10)))).astype(np.int64)
    rows, cells = _cells_and_rows(cal.from_arrays(y, logits=np.column_stack([np.zeros_like(x), x])))
    assert any("too coarse" in note for note in cells["notes"])
    assert cells["platt"] == rows["platt"] and cells["isotonic"] == rows["isotonic"]


def test_fine_enough_reads_the_spread_of_the_maps_logit_across_each_cell():
    bounds = cellfit.cell_bounds(cellfit.CellTable(np.array([1.0, 20.0, 1e90]), cellfit.cell_keys(np.array(
        [1.0, 20.0, 1e90])), np.array([0, 1, 1]), np.array([0, 1, 0]), 2).keys)
    width_at_20 = 16 * 2.0 ** -12  # [16, 32) has float32 spacing 2^-19, 128 of them per cell
    assert bounds[1][1] - bounds[0][1] == width_at_20
    assert cellfit.fine_enough(bounds, 1.0)  # 20 * 2^-12 at most; the 1e90 cell is saturated
    assert not cellfit.fine_enough(bounds, 5.0, -100.0)  # the 20 cell: spread 0.0195, logit ~0
    assert cellfit.fine_enough(bounds, 0.0, 3.0)
