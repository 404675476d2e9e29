"""Wilson intervals of proportions and the per-bin intervals of the reliability table."""

import math

import numpy as np
import pytest
from scipy import stats

from advisor.calibration import interval

Z95 = 1.959963984540054


def loop_wilson(k, n, z=Z95):
    p = k / n
    center = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return center - half, center + half


def test_normal_quantiles():
    assert interval.two_sided_z(0.95) == pytest.approx(Z95, abs=1e-14)
    assert interval.normal_quantile(0.5) == pytest.approx(0.0, abs=1e-15)
    assert interval.normal_quantile(0.995) == pytest.approx(2.5758293035489004, abs=1e-13)
    with pytest.raises(ValueError):
        interval.normal_quantile(1.0)


def test_hand_computed_wilson():
    lower, upper = interval.wilson_interval([0, 1, 5, 0], [1, 1, 10, 0])
    # k = 0 of 1: [0, z^2 / (1 + z^2)]; k = n = 1: [1 / (1 + z^2), 1]
    assert lower[0] == 0.0 and upper[0] == pytest.approx(Z95 ** 2 / (1 + Z95 ** 2), abs=1e-15)
    assert lower[1] == pytest.approx(1 / (1 + Z95 ** 2), abs=1e-15) and upper[1] == 1.0
    # 5 of 10 is symmetric about 1/2: 1/2 +- z sqrt(1/40 + z^2/400) / (1 + z^2/10)
    half = Z95 * math.sqrt(0.025 + Z95 ** 2 / 400) / (1 + Z95 ** 2 / 10)
    assert (lower[2], upper[2]) == (pytest.approx(0.5 - half, abs=1e-15), pytest.approx(0.5 + half, abs=1e-15))
    assert math.isnan(lower[3]) and math.isnan(upper[3])


@pytest.mark.parametrize("n", [1, 2, 7, 30, 277, 10_000])
def test_agrees_with_a_loop_and_scipy(n):
    ks = np.unique(np.linspace(0, n, 12).round().astype(int))
    lower, upper = interval.wilson_interval(ks, np.full(ks.size, n))
    for k, lo, hi in zip(ks, lower, upper, strict=True):
        loop_lo, loop_hi = loop_wilson(int(k), n)
        assert (lo, hi) == (pytest.approx(max(loop_lo, 0.0), abs=1e-12), pytest.approx(min(loop_hi, 1.0), abs=1e-12))
        ci = stats.binomtest(int(k), n).proportion_ci(confidence_level=0.95, method="wilson")
        assert (lo, hi) == (pytest.approx(ci.low, abs=1e-9), pytest.approx(ci.high, abs=1e-9))


def test_bin_table_gets_intervals_and_thin_flags():
    table = [{"lower": 0.0, "upper": 0.5, "count": 0, "confidence": None, "accuracy": None},
             {"lower": 0.5, "upper": 0.9, "count": 1, "confidence": 0.7, "accuracy": 0.0},
             {"lower": 0.9, "upper": 1.0, "count": 277, "confidence": 0.95, "accuracy": 250 / 277}]
    out = interval.with_bin_intervals(table)
    assert out[0]["accuracy_interval"] is None and out[0]["thin"] is False
    assert out[1]["thin"] is True and out[1]["accuracy_interval"][0] == 0.0
    assert out[1]["accuracy_interval"][1] == pytest.approx(Z95 ** 2 / (1 + Z95 ** 2), abs=1e-15)
    assert out[2]["thin"] is False
    assert out[2]["accuracy_interval"] == pytest.approx(list(loop_wilson(250, 277)), abs=1e-12)
    assert table[1] == {"lower": 0.5, "upper": 0.9, "count": 1, "confidence": 0.7, "accuracy": 0.0}  # not changed
    assert {k: v for k, v in out[2].items() if k not in ("accuracy_interval", "thin")} == table[2]
