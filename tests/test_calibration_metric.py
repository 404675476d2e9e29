"""Hand-computed values of every calibration metric, including bin-edge cases."""

import math

import numpy as np
import pytest

from advisor import calibration as cal
from advisor.calibration.metric import debiased_l2_error

# Four binary predictions; bins of width 0.2. Row 3 is a tie -> prediction 0.
PROBS = np.array([[0.2, 0.8], [0.6, 0.4], [0.5, 0.5], [0.1, 0.9]])
LABELS = np.array([1, 1, 1, 0])


def test_hand_computed_section5_metrics():
    result = cal.calibration_metrics(LABELS, probs=PROBS, n_bins=5)
    # bins: (0.4,0.6] holds 0.6 and 0.5 (both wrong), (0.6,0.8] holds 0.8 (right), (0.8,1] holds 0.9 (wrong)
    assert result["accuracy"] == 0.25
    assert result["ece"] == pytest.approx((1.1 + 0.2 + 0.9) / 4, abs=1e-15)
    assert result["mce"] == pytest.approx(0.9, abs=1e-15)
    assert result["nll"] == pytest.approx(-(math.log(0.8) + math.log(0.4) + math.log(0.5) + math.log(0.1)) / 4,
                                          abs=1e-15)
    assert result["brier"] == pytest.approx((0.08 + 0.72 + 0.5 + 1.62) / 4, abs=1e-15)
    counts = [row["count"] for row in result["bins"]]
    assert counts == [0, 0, 2, 1, 1]
    assert result["bins"][0]["confidence"] is None and result["bins"][0]["accuracy"] is None
    assert result["bins"][2]["confidence"] == pytest.approx(0.55)
    assert result["bins"][2]["accuracy"] == 0.0
    assert result["bins"][3]["lower"] == 0.6000000000000001 or result["bins"][3]["lower"] == pytest.approx(0.6)


def test_confidence_exactly_on_an_edge_goes_to_the_lower_bin():
    edges = np.linspace(0.0, 1.0, 16)
    on_edge = edges[10]  # exactly an edge in float64
    probs = np.array([[on_edge, 1.0 - on_edge], [edges[1], 1.0 - edges[1]]])
    conf, correct = cal.top_label(cal.from_arrays([0, 1], probs=probs))
    assert conf[0] == on_edge
    table = cal.reliability_bins(conf, correct, n_bins=15)
    assert table[9]["count"] == 1 and table[10]["count"] == 0  # bin 9 is (e9, e10]
    assert cal.assign_bins([on_edge], edges)[0] == 9
    assert cal.assign_bins([np.nextafter(on_edge, 2.0)], edges)[0] == 10


def test_float32_confidence_is_binned_by_its_float64_value():
    edges = np.linspace(0.0, 1.0, 11)
    value = np.float32(0.3)  # 0.30000001192..., above the float64 edge although float32(edge) == value
    assert np.float32(edges[3]) == value
    assert cal.assign_bins(np.array([value], dtype=np.float32), edges)[0] == 3
    assert cal.assign_bins(np.array([edges[3]]), edges)[0] == 2
    probs = np.array([[value, 1 - value, 0, 0, 0]], dtype=np.float32)  # confidence 0.7 in float32
    conf, _ = cal.top_label(cal.from_arrays([0], probs=probs))
    assert conf.dtype == np.float64 and conf[0] == float(np.float32(1 - value))


def test_confidence_one_and_zero():
    edges = cal.width_edges(15)
    assert cal.assign_bins([0.0, 1.0], edges).tolist() == [0, 14]
    probs = np.array([[1.0, 0.0], [0.0, 1.0]])
    result = cal.calibration_metrics([0, 0], probs=probs)
    assert result["bins"][14]["count"] == 2
    assert result["ece"] == pytest.approx(0.5)  # one right, one wrong, both at confidence 1
    assert result["nll"] == pytest.approx(-math.log(np.finfo(float).eps) / 2)  # p_y = 0 clipped at eps
    assert result["brier"] == 1.0
    # the positive-class ECE puts p1 == 0 in bin 0 and p1 == 1 in the last bin
    assert cal.binary_positive_ece([0, 0], probs=probs) == pytest.approx(0.5)


def test_binary_one_column_equals_two_columns():
    one = cal.measure(cal.from_arrays(LABELS, probs=PROBS[:, 1]), bins=5, n_bootstrap=20, n_consistency=20, folds=2)
    two = cal.measure(cal.from_arrays(LABELS, probs=PROBS), bins=5, n_bootstrap=20, n_consistency=20, folds=2)
    for key in ("accuracy", "ece", "mce", "nll", "brier", "temperature", "ece_mass", "binary_positive_ece",
                "debiased_l2_error"):
        assert one[key] == pytest.approx(two[key], abs=1e-12), key


def test_binary_logit_column_equals_sigmoid_probability():
    z = np.array([1.3, -0.4, 0.0, 2.2])
    p = 1.0 / (1.0 + np.exp(-z))
    a = cal.calibration_metrics(LABELS, logits=z)
    b = cal.calibration_metrics(LABELS, probs=p)
    for key in ("accuracy", "ece", "nll", "brier"):
        assert a[key] == pytest.approx(b[key], abs=1e-12)


def test_logits_and_probabilities_give_the_same_metrics():
    rng = np.random.default_rng(3)
    logits = rng.normal(0, 2, size=(300, 4))
    labels = rng.integers(0, 4, size=300)
    probs = np.exp(logits - logits.max(axis=1, keepdims=True))
    probs /= probs.sum(axis=1, keepdims=True)
    a = cal.measure(cal.from_arrays(labels, logits=logits), n_bootstrap=50, n_consistency=50, folds=3)
    b = cal.measure(cal.from_arrays(labels, probs=probs), n_bootstrap=50, n_consistency=50, folds=3)
    for key in ("accuracy", "ece", "mce", "nll", "brier", "ece_mass", "classwise_ece", "debiased_l2_error",
                "temperature"):
        assert a[key] == pytest.approx(b[key], abs=1e-9), key
    assert a["intervals"] == b["intervals"]


def test_logit_nll_is_stable_for_extreme_logits():
    logits = np.array([[0.0, 800.0], [800.0, 0.0], [0.0, 40.0]])
    result = cal.calibration_metrics([0, 0, 0], logits=logits)
    # rows 1 and 3: p_y = exp(-800) and exp(-40): below eps, clipped at -ln(eps); row 2 exact ~0
    assert result["nll"] == pytest.approx((2 * -math.log(np.finfo(float).eps)) / 3, rel=1e-12)


def test_equal_mass_ece_by_hand():
    conf = np.array([0.6, 0.7, 0.8, 0.9])
    correct = np.array([1, 0, 1, 1])
    # groups {0.6, 0.7} and {0.8, 0.9}, edge 0.75
    assert cal.mass_edges(conf, 2).tolist() == [0.0, 0.75, 1.0]
    assert cal.expected_calibration_error(conf, correct, 2, "mass") == pytest.approx((0.3 + 0.3) / 4)


def test_equal_mass_ties_never_straddle_an_edge():
    conf = np.array([0.5, 0.5, 0.5, 0.9])
    correct = np.array([1, 0, 0, 1])
    table = cal.reliability_bins(conf, correct, 2, "mass")
    assert [row["count"] for row in table] == [3, 1]
    assert cal.expected_calibration_error(conf, correct, 2, "mass") == pytest.approx((0.5 + 0.1) / 4)


def test_equal_mass_with_fewer_samples_than_bins():
    conf = np.array([0.6, 0.9])
    table = cal.reliability_bins(conf, [1, 1], 4, "mass")
    assert [row["count"] for row in table] == [1, 1, 0, 0]


def test_classwise_ece_by_hand():
    probs = np.array([[0.5, 0.3, 0.2], [0.1, 0.1, 0.8]])
    # class 0: |1 - 0.6| / 2; class 1: |0 - 0.4| / 2; class 2: (|0 - 0.2| + |1 - 0.8|) / 2
    assert cal.classwise_ece([0, 2], probs=probs, n_bins=2) == pytest.approx(0.2, abs=1e-15)


def test_binary_positive_ece_matches_the_torchmetrics_docstring_example():
    # torchmetrics binary_calibration_error(preds, target, n_bins=2, norm="l1") == 0.2900
    preds = np.array([0.25, 0.25, 0.55, 0.75, 0.75])
    target = np.array([0, 0, 1, 1, 1])
    assert cal.binary_positive_ece(target, probs=preds, n_bins=2) == pytest.approx(0.29, abs=1e-12)
    # the top-label view of the same predictions bins 0.75 (for class 0) instead of 0.25
    assert cal.calibration_metrics(target, probs=preds, n_bins=2)["bins"][0]["count"] == 0


def test_debiased_l2_error_by_hand():
    conf = np.array([0.2, 0.3, 0.4, 0.7, 0.8, 0.9])
    correct = np.array([1, 1, 0, 0, 0, 1])
    # Kumar bins: two groups of 3, edge (0.4 + 0.7) / 2 = 0.55
    assert cal.kumar_equal_bins(conf, 2).tolist() == [0.55, 1.0]
    # bin 1: (0.3 - 2/3)^2 - (2/3)(1/3)/2 = 21/900; bin 2: (0.8 - 1/3)^2 - 1/9 = 96/900
    assert cal.debiased_l2_error(conf, correct, 2) == pytest.approx(math.sqrt(117 / 1800), abs=1e-12)


def test_debiased_l2_error_is_clipped_at_zero_and_ignores_singleton_bins():
    conf = np.array([0.2, 0.3, 0.6, 0.7, 0.8, 0.9])
    correct = np.array([0, 1, 1, 0, 1, 1])
    assert cal.debiased_l2_error(conf, correct, 2) == 0.0
    assert cal.debiased_l2_error([0.9], [1], 15) == 0.0


def _kumar_reference(conf, correct, n_bins):
    """Straight transcription of the released algorithm (PyPI) with lists and bisect."""
    import bisect

    values = sorted(float(c) for c in conf)
    parts = [list(part) for part in np.array_split(values, min(n_bins, len(values)))]  # the PyPI release
    edges = sorted({(parts[i][-1] + parts[i + 1][0]) / 2.0 for i in range(len(parts) - 1)} | {1.0})
    binned = [[] for _ in edges]
    for c, y in zip(conf, correct, strict=True):
        binned[bisect.bisect_left(edges, float(c))].append((float(c), float(y)))
    total = 0.0
    for data in binned:
        if len(data) < 2:
            continue
        mean_c = sum(c for c, _ in data) / len(data)
        mean_y = sum(y for _, y in data) / len(data)
        total += len(data) / len(conf) * ((mean_c - mean_y) ** 2 - mean_y * (1 - mean_y) / (len(data) - 1))
    return max(total, 0.0) ** 0.5


def test_debiased_l2_bins_are_the_equal_mass_bins():
    # 7 values in 3 bins: array_split gives groups of 3, 2, 2 (edges 0.35 and 0.55), as --scheme mass
    # does; groups of ceil(7/3) = 3 would give 3, 3, 1 (edges 0.35 and 0.65)
    conf = np.array([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7])
    assert cal.kumar_equal_bins(conf, 3).tolist() == pytest.approx([0.35, 0.55, 1.0], abs=1e-15)
    assert cal.kumar_equal_bins(conf, 3)[:-1].tolist() == cal.mass_edges(conf, 3)[1:-1].tolist()
    correct = np.array([0, 0, 0, 1, 1, 0, 1])
    # bins {0.1,0.2,0.3} a=0, {0.4,0.5} a=1, {0.6,0.7} a=1/2:
    # 3/7 [(0.2 - 0)^2 - 0] + 2/7 [(0.45 - 1)^2 - 0] + 2/7 [(0.65 - 0.5)^2 - (1/4) / 1]
    expected = 3 / 7 * 0.2 ** 2 + 2 / 7 * 0.55 ** 2 + 2 / 7 * (0.15 ** 2 - 0.25)
    assert cal.debiased_l2_error(conf, correct, 3) == pytest.approx(math.sqrt(expected), abs=1e-12)
    # fewer values than bins: one group per value, as the release does
    assert cal.kumar_equal_bins([0.9, 0.5], 15).tolist() == [0.7, 1.0]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_debiased_l2_error_matches_the_reference_algorithm(seed):
    rng = np.random.default_rng(seed)
    conf = rng.uniform(0.3, 1.0, size=257)
    correct = rng.random(257) < conf ** 2
    assert cal.debiased_l2_error(conf, correct, 15) == pytest.approx(_kumar_reference(conf, correct, 15), abs=1e-12)


@pytest.mark.parametrize("n, ties", [(3, False), (15, False), (1000, False), (1000, True), (20_000, True)])
def test_debiased_l2_from_mass_bin_sums_equals_the_direct_estimate(n, ties):
    # measure() takes the debiased L2 error from the equal-mass bin sums it already has
    from advisor.calibration import binning
    from advisor.calibration.metric import debiased_l2_from_statistics
    from advisor.calibration.statistic import bin_statistics

    rng = np.random.default_rng(n)
    conf = rng.uniform(0.3, 1.0, n)
    if ties:
        conf = np.round(conf, 2)
    correct = rng.random(n) < conf * 0.9
    stats = bin_statistics(conf, correct, binning.mass_edges(conf, 15))
    assert debiased_l2_from_statistics(*stats) == debiased_l2_error(conf, correct, 15)


@pytest.mark.parametrize("n_bins", [1, 2, 7, 15, 100, 10_000])
def test_equal_width_bins_by_arithmetic_match_the_binary_search(n_bins):
    from advisor.calibration import binning

    edges = binning.width_edges(n_bins)
    rng = np.random.default_rng(n_bins)
    around = np.concatenate([edges, np.nextafter(edges, 2.0), np.nextafter(edges, -1.0),
                             np.nextafter(np.nextafter(edges, 2.0), 2.0), [0.0, 1.0, -0.0, 5e-324]])
    values = np.clip(np.concatenate([rng.random(20_000), around, rng.random(5000).astype(np.float32)]), 0.0, 1.0)
    expected = np.clip(np.searchsorted(edges, values, side="left") - 1, 0, n_bins - 1)
    np.testing.assert_array_equal(binning.assign(values, edges), expected)
    np.testing.assert_array_equal(binning.assign(values.reshape(-1, 2)[:, ::-1], edges),
                                  expected.reshape(-1, 2)[:, ::-1])
