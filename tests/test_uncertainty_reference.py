"""The fast bootstrap and consistency paths equal the straightforward per-resample loops bit for bit."""

import numpy as np
import pytest

from advisor import calibration as cal
from advisor.calibration import uncertainty


def sample(n, seed=0, ties=False):
    rng = np.random.default_rng(seed)
    conf = rng.uniform(0.3, 1.0, size=n)
    if ties:  # values on bin edges, exactly 1.0, and repeats
        conf = np.round(conf * 15) / 15
    correct = rng.random(n) < conf ** 1.5
    return conf, correct


def loop_bootstrap(conf, correct, n_bins, scheme, n_resamples, seed):
    """One resample at a time: its own generator, gather, the metric function from scratch."""
    children = np.random.SeedSequence(seed).spawn(3)[0].spawn(n_resamples)
    accs, eces = [], []
    for child in children:
        idx = np.random.default_rng(child).integers(0, conf.size, size=conf.size)
        accs.append(correct[idx].mean())
        eces.append(cal.expected_calibration_error(conf[idx], correct[idx], n_bins, scheme))
    return np.array(accs), np.array(eces)


@pytest.mark.parametrize("scheme", ["width", "mass"])
@pytest.mark.parametrize("n, n_bins, ties", [(500, 15, False), (301, 10, True), (7, 15, False), (64, 3, True)])
def test_bootstrap_is_identical_to_the_loop(scheme, n, n_bins, ties):
    conf, correct = sample(n, seed=n, ties=ties)
    accs, eces = cal.bootstrap_ece_accuracy(conf, correct, n_bins, scheme, 30, seed=5)
    ref_accs, ref_eces = loop_bootstrap(conf, correct, n_bins, scheme, 30, seed=5)
    np.testing.assert_array_equal(accs, ref_accs)
    np.testing.assert_array_equal(eces, ref_eces)
    interval = cal.bootstrap_intervals(conf, correct, n_bins, scheme, 30, seed=5)
    assert interval["ece"] == uncertainty.percentile_interval(ref_eces)
    assert interval["accuracy"] == uncertainty.percentile_interval(ref_accs)


def test_bootstrap_same_on_one_thread_and_two():
    conf, correct = sample(400, seed=1)
    two = cal.bootstrap_ece_accuracy(conf, correct, 15, "mass", 20, seed=2)
    with cal.config_context(workers=1, resample_values=1000):
        one = cal.bootstrap_ece_accuracy(conf, correct, 15, "mass", 20, seed=2)
    np.testing.assert_array_equal(two[1], one[1])


def test_index_draws_are_the_32_bit_draws():
    # part of the documented definition: the int64 draws are numpy's 32-bit bounded draws
    for n in (1, 2, 1000, 999_983):
        child = np.random.SeedSequence(3).spawn(1)[0]
        wide = np.random.default_rng(child).integers(0, n, size=2000)
        narrow = np.random.default_rng(child).integers(0, n, size=2000, dtype=np.uint32)
        np.testing.assert_array_equal(wide, narrow)


@pytest.mark.parametrize("scheme", ["width", "mass"])
def test_consistency_is_identical_to_the_loop(scheme):
    conf, _ = sample(700, seed=3, ties=True)
    children = np.random.SeedSequence(9).spawn(3)[1].spawn(25)
    ref = [cal.expected_calibration_error(conf, np.random.default_rng(c).random(conf.size) < conf, 15, scheme)
           for c in children]
    np.testing.assert_array_equal(cal.consistency_eces(conf, 15, scheme, 25, seed=9), ref)


def test_unknown_scheme_is_refused():
    conf, correct = sample(10)
    with pytest.raises(ValueError):
        cal.bootstrap_ece_accuracy(conf, correct, 15, "quantile", 3)
