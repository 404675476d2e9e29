"""Resampling on per-cell sufficient statistics: the row-level distributions, at a cost that does not grow with N."""

from __future__ import annotations

import math

import numpy as np
import pytest

from advisor import calibration as cal
from advisor.calibration import cell, uncertainty


def predictions(n: int, seed: int, calibrated: bool = False):
    """Confidences and correctness of n binary predictions: overconfident, or calibrated by construction."""
    rng = np.random.default_rng(seed)
    p = rng.beta(0.6, 0.6, n)
    truth = p if calibrated else 0.5 + 0.8 * (p - 0.5)
    labels = rng.random(n) < truth
    return np.maximum(p, 1.0 - p), (p > 0.5) == labels


def assert_same_distribution(a: np.ndarray, b: np.ndarray, what: str) -> None:
    """Two independent Monte-Carlo samples of one distribution: mean, spread and 95% ends agree within 4 SE."""
    r = min(a.size, b.size)
    spread = max(a.std(), b.std())
    assert abs(a.mean() - b.mean()) <= 4 * spread * math.sqrt(2 / r), (what, "mean", a.mean(), b.mean())
    assert abs(a.std() - b.std()) <= 4 * spread * math.sqrt(1 / r), (what, "spread", a.std(), b.std())
    # a percentile's standard error: sqrt(q (1 - q) / R) / density, the density of a normal there
    ends_se = spread * math.sqrt(0.025 * 0.975 / r) / 0.0584
    for q in (2.5, 97.5):
        x, y = np.percentile(a, q), np.percentile(b, q)
        assert abs(x - y) <= 4 * math.sqrt(2) * ends_se, (what, q, x, y)


@pytest.mark.parametrize("n", [uncertainty.ROW_LIMIT, 3 * uncertainty.ROW_LIMIT])
def test_bootstrap_on_cells_draws_the_row_level_distribution(n):
    conf, correct = predictions(n, seed=n)
    rows = cal.bootstrap_ece_accuracy(conf, correct, 15, "width", 2000, seed=1, draws="rows")
    cells = cal.bootstrap_ece_accuracy(conf, correct, 15, "width", 2000, seed=1, draws="cells")
    assert_same_distribution(rows[0], cells[0], "accuracy")
    assert_same_distribution(rows[1], cells[1], "ece")
    by_rows = cal.bootstrap_intervals(conf, correct, 15, "width", 2000, seed=1, draws="rows")
    by_cells = cal.bootstrap_intervals(conf, correct, 15, "width", 2000, seed=1, draws="cells")
    assert (by_rows["draws"], by_cells["draws"]) == ("rows", "cells")
    for key in ("accuracy", "ece"):
        width = by_rows[key][1] - by_rows[key][0]
        assert by_cells[key] == pytest.approx(by_rows[key], abs=0.1 * width), key


@pytest.mark.parametrize("calibrated", [True, False])
def test_consistency_test_on_cells_gives_the_row_level_p_value(calibrated):
    n = uncertainty.ROW_LIMIT
    conf, correct = predictions(n, seed=11, calibrated=calibrated)
    rows = cal.consistency_eces(conf, 15, "width", 2000, seed=2, draws="rows")
    cells = cal.consistency_eces(conf, 15, "width", 2000, seed=2, draws="cells")
    assert_same_distribution(rows, cells, "ece if calibrated")
    p_rows = cal.consistency_test(conf, correct, 15, "width", 2000, seed=2, draws="rows")
    p_cells = cal.consistency_test(conf, correct, 15, "width", 2000, seed=2, draws="cells")
    p = p_rows["p_value"]
    assert abs(p_cells["p_value"] - p) <= 4 * math.sqrt(2 * max(p * (1 - p), 1e-3) / 2000), (p, p_cells["p_value"])
    assert (p_rows["draws"], p_cells["draws"]) == ("rows", "cells")
    if calibrated:
        assert 0.05 < p < 0.95  # the case where the p-value can differ, not a floor at 1 / (R + 1)


def test_consistency_cells_also_serve_equal_mass_bins():
    conf, _ = predictions(5000, seed=4, calibrated=True)
    rows = cal.consistency_eces(conf, 10, "mass", 1000, seed=5, draws="rows")
    cells = cal.consistency_eces(conf, 10, "mass", 1000, seed=5, draws="cells")
    assert_same_distribution(rows, cells, "ece if calibrated, equal mass")


def test_auto_draws_switch_at_the_row_limit():
    assert uncertainty.draws_for(uncertainty.ROW_LIMIT) == "rows"
    assert uncertainty.draws_for(uncertainty.ROW_LIMIT + 1) == "cells"
    assert uncertainty.draws_for(10, "cells") == "cells"
    with pytest.raises(ValueError, match="unknown draws"):
        uncertainty.draws_for(10, "maybe")
    conf, correct = predictions(uncertainty.ROW_LIMIT + 1, seed=3)
    assert cal.bootstrap_intervals(conf, correct, 15, "width", 10)["draws"] == "cells"
    assert cal.bootstrap_intervals(conf, correct, 15, "mass", 10)["draws"] == "rows"  # edges move per resample
    assert cal.consistency_test(conf, correct, 15, "mass", 10)["draws"] == "cells"
    small = cal.bootstrap_intervals(conf[:100], correct[:100], 15, "width", 10, seed=7)
    assert small["draws"] == "rows"
    assert small == cal.bootstrap_intervals(conf[:100], correct[:100], 15, "width", 10, seed=7, draws="rows")


def test_cell_table_moments_by_hand():
    keys = np.array([3, 1, 3, 3, 1])
    values = np.array([0.5, 0.9, 0.7, 0.6, 0.8])
    table = cell.cell_table(keys, [values])
    assert table.keys.tolist() == [1, 3] and table.counts.tolist() == [2, 3]
    np.testing.assert_allclose(table.mean[:, 0], [0.85, 0.6])
    # population variances 0.0025 and 0.02 / 3; the root squares back to them
    np.testing.assert_allclose((table.root @ np.swapaxes(table.root, 1, 2))[:, 0, 0], [0.0025, 0.02 / 3])
    assert set(table.small) == {0, 1}  # both cells are small: drawn row by row


def test_cell_draws_keep_every_count_and_a_constant_cell_exact():
    rng = np.random.default_rng(0)
    keys = np.repeat([0, 1, 2], [500, 300, 200])
    values = np.concatenate([np.full(500, 0.75), rng.random(300), np.full(200, 0.6)])
    table = cell.cell_table(keys, [values])
    counts, sums = cell.resample_cells(table, 2000, np.random.default_rng(1))
    assert (counts.sum(axis=1) == 1000).all()  # every resample has N rows
    np.testing.assert_allclose(sums[:, 0, 0], 0.75 * counts[:, 0])  # no spread: the normal draw is exact
    np.testing.assert_allclose(sums[:, 2, 0], 0.6 * counts[:, 2])
    # the middle cell's sum: its count times its mean, spread sqrt(count) times its standard deviation
    middle = values[500:800]
    assert np.mean(sums[:, 1, 0] / counts[:, 1]) == pytest.approx(middle.mean(), abs=0.005)
    scaled = (sums[:, 1, 0] - counts[:, 1] * middle.mean()) / np.sqrt(counts[:, 1])
    assert scaled.std() == pytest.approx(middle.std(), rel=0.1)


def test_small_cells_are_sums_of_drawn_rows():
    table = cell.cell_table(np.zeros(3, dtype=np.int64), [np.array([0.1, 0.2, 0.4])])
    counts, sums = cell.resample_cells(table, 200, np.random.default_rng(2))
    assert (counts[:, 0] == 3).all()
    # every sum is one of the sums of three of the values drawn with replacement
    possible = {round(a + b + c, 12) for a in (0.1, 0.2, 0.4) for b in (0.1, 0.2, 0.4) for c in (0.1, 0.2, 0.4)}
    assert {round(float(s), 12) for s in sums[:, 0, 0]} <= possible
    assert len({round(float(s), 12) for s in sums[:, 0, 0]}) > 3


def test_group_sums():
    values = np.arange(1.0, 7.0)[:, None]
    np.testing.assert_array_equal(cell._group_sums(values, np.array([2, 0, 3, 1]))[:, 0], [3.0, 0.0, 12.0, 6.0])


def test_same_seed_same_cell_draws():
    conf, correct = predictions(10_000, seed=9)
    first = cal.bootstrap_ece_accuracy(conf, correct, 15, "width", 50, seed=4)
    again = cal.bootstrap_ece_accuracy(conf, correct, 15, "width", 50, seed=4)
    np.testing.assert_array_equal(first[1], again[1])
    assert not np.array_equal(first[1], cal.bootstrap_ece_accuracy(conf, correct, 15, "width", 50, seed=5)[1])
