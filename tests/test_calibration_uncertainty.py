"""Bootstrap intervals and the consistency test against straightforward per-resample loops."""

import numpy as np
import pytest

from advisor import calibration as cal


def sample(n=400, seed=0, sharpness=1.5):
    rng = np.random.default_rng(seed)
    conf = rng.uniform(0.4, 1.0, size=n)
    correct = rng.random(n) < conf ** sharpness
    return conf, correct


def reference_bootstrap(conf, correct, n_bins, scheme, n_resamples, seed):
    children = np.random.SeedSequence(seed).spawn(3)[0].spawn(n_resamples)
    accs, eces = [], []
    for b in range(n_resamples):
        idx = np.random.default_rng(children[b]).integers(0, conf.size, size=conf.size)
        accs.append(correct[idx].mean())
        eces.append(cal.expected_calibration_error(conf[idx], correct[idx], n_bins, scheme))
    return (np.percentile(accs, [2.5, 97.5]).tolist(), np.percentile(eces, [2.5, 97.5]).tolist(),
            np.array(eces))


@pytest.mark.parametrize("scheme", ["width", "mass"])
def test_bootstrap_equals_the_per_resample_loop(scheme):
    conf, correct = sample()
    acc_ref, ece_ref, replicates = reference_bootstrap(conf, correct, 15, scheme, 60, seed=7)
    _, eces = cal.bootstrap_ece_accuracy(conf, correct, 15, scheme, 60, seed=7)
    np.testing.assert_allclose(eces, replicates, rtol=0, atol=1e-12)
    result = cal.bootstrap_intervals(conf, correct, 15, scheme, 60, seed=7)
    assert result["accuracy"] == pytest.approx(acc_ref, abs=1e-15)
    assert result["ece"] == pytest.approx(ece_ref, abs=1e-12)
    assert result["level"] == 0.95 and result["n_resamples"] == 60 and result["seed"] == 7


def test_bootstrap_does_not_depend_on_blocking():
    conf, correct = sample(n=300)
    whole = cal.bootstrap_ece_accuracy(conf, correct, 10, "mass", 25, seed=3)
    with cal.config_context(resample_values=1):  # one resample per block
        single = cal.bootstrap_ece_accuracy(conf, correct, 10, "mass", 25, seed=3)
    fewer = cal.bootstrap_ece_accuracy(conf, correct, 10, "mass", 10, seed=3)
    np.testing.assert_array_equal(whole[1], single[1])
    np.testing.assert_array_equal(whole[1][:10], fewer[1])


def test_bootstrap_zero_resamples_gives_nulls():
    conf, correct = sample(n=20)
    result = cal.bootstrap_intervals(conf, correct, n_resamples=0)
    assert result["accuracy"] is None and result["ece"] is None


def reference_consistency(conf, n_bins, n_resamples, seed):
    children = np.random.SeedSequence(seed).spawn(3)[1].spawn(n_resamples)
    return np.array([cal.expected_calibration_error(conf, np.random.default_rng(children[r]).random(conf.size) < conf,
                                                    n_bins) for r in range(n_resamples)])


def test_consistency_test_equals_the_loop_and_the_p_value_formula():
    conf, correct = sample(n=500, seed=1)
    eces = reference_consistency(conf, 15, 80, seed=5)
    np.testing.assert_allclose(cal.consistency_eces(conf, 15, "width", 80, seed=5), eces, atol=1e-12)
    result = cal.consistency_test(conf, correct, 15, "width", 80, seed=5)
    observed = cal.expected_calibration_error(conf, correct, 15)
    assert result["p_value"] == pytest.approx((1 + np.sum(eces >= observed)) / 81)
    assert result["ece_if_calibrated"] == pytest.approx(eces.mean(), abs=1e-12)
    assert result["ece_if_calibrated_95"] == pytest.approx(np.percentile(eces, 95), abs=1e-12)


def test_consistency_test_detects_overconfidence_but_not_calibration():
    conf, _ = sample(n=2000, seed=2)
    rng = np.random.default_rng(9)
    calibrated = rng.random(conf.size) < conf
    overconfident = rng.random(conf.size) < conf ** 3
    assert cal.consistency_test(conf, overconfident, n_resamples=99, seed=0)["p_value"] == 0.01
    assert cal.consistency_test(conf, calibrated, n_resamples=99, seed=0)["p_value"] > 0.05


def test_calibrated_model_of_1000_samples_shows_ece_near_003():
    conf, _ = sample(n=1000, seed=4)
    result = cal.consistency_test(conf, conf > 0.5, n_resamples=200, seed=0)
    assert 0.015 < result["ece_if_calibrated"] < 0.045
