"""What calibration buys a router that trusts the confidence, and the guard against sampling noise.

``face_value_gain`` (advisor.calibration.selective) is checked by hand on small cases, then
against a straightforward numpy computation on measured records (the held-out temperature-scaled
confidences recomputed with the same folds); the rule ``calibration-raises-coverage`` must stay
silent on perfectly calibrated samples and fire on a clearly overconfident one.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from helpers import loaded_profile

from advisor import calibration as cal
from advisor import engine, measurement
from advisor.calibration import heldout, selective
from advisor.rubric import load_rubric

RUBRIC = load_rubric(None)
QUICK = {"n_bootstrap": 200, "n_consistency": 200}
Z95 = 1.959963984540054


def wilson(k: int, n: int) -> tuple[float, float]:
    """The 95% Wilson score interval, written out."""
    p, z2 = k / n, Z95 * Z95
    center = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = Z95 * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return center - half, center + half


def expected_gain(conf, calibrated, correct, target) -> dict:
    today, after = conf >= target, calibrated >= target
    added = after & ~today
    n = conf.size
    k0, h0 = int(today.sum()), int(correct[today].sum())
    k1, h1 = int(after.sum()), int(correct[after].sum())
    ka, ha = int(added.sum()), int(correct[added].sum())
    clearly_below = k0 > 0 and wilson(h0, k0)[1] < target
    usable_today = 0.0 if clearly_below else k0 / n
    usable_after = k1 / n if k1 and h1 / k1 >= target else 0.0
    gain = usable_after - usable_today
    shown = clearly_below or (ka > 0 and wilson(ha, ka)[0] >= target)
    return {"usable_today": usable_today, "usable_after": usable_after, "gain": gain,
            "today_clearly_below": clearly_below, "n_added": ka, "added_accuracy": ha / ka if ka else None,
            "beyond_noise": gain > 0 and shown}


def fired(assessment) -> set[str]:
    return {r["id"] for r in assessment["rules"]}


# ---------------------------------------------------------------- by hand

def test_overconfident_today_clearly_below_the_target():
    # 40 rows, target 0.8: today 20 rows have confidence >= 0.8 but only 10 are right
    # (Wilson upper end 0.7007 < 0.8); after calibration 5 of them, all right, stay above.
    conf = np.r_[np.full(20, 0.9), np.full(20, 0.3)]
    correct = np.r_[np.arange(20) < 10, np.zeros(20, bool)]
    calibrated = np.r_[np.full(5, 0.85), np.full(15, 0.5), np.full(20, 0.2)]
    got = selective.face_value_gain(conf >= 0.8, calibrated, correct, 0.8)
    assert got["today_clearly_below"] is True and got["usable_today"] == 0.0
    assert got["usable_after"] == 5 / 40 and got["gain"] == 5 / 40 and got["n_added"] == 0
    assert got["beyond_noise"] is True


def test_a_few_added_rows_are_no_evidence_but_many_are():
    # target 0.8; today 10 rows of 40 accepted, all right (usable 0.25). Calibration adds 4
    # rows, all right: 4/4 has a Wilson lower end of 0.5101 < 0.8, so the +0.1 is noise.
    conf = np.r_[np.full(10, 0.9), np.full(4, 0.7), np.full(26, 0.3)]
    correct = np.r_[np.ones(14, bool), np.zeros(26, bool)]
    calibrated = np.r_[np.full(14, 0.85), np.full(26, 0.3)]
    got = selective.face_value_gain(conf >= 0.8, calibrated, correct, 0.8)
    assert got["usable_today"] == 0.25 and got["usable_after"] == 14 / 40 and got["gain"] == pytest.approx(0.1)
    assert got["n_added"] == 4 and got["added_accuracy"] == 1.0
    assert got["added_interval"][0] == pytest.approx(0.5101, abs=1e-4) and got["beyond_noise"] is False
    # 60 added rows, all right, of 200: lower end 0.9398 >= 0.8, the gain is shown
    conf = np.r_[np.full(10, 0.9), np.full(60, 0.7), np.full(130, 0.3)]
    correct = np.r_[np.ones(70, bool), np.zeros(130, bool)]
    calibrated = np.r_[np.full(70, 0.85), np.full(130, 0.3)]
    got = selective.face_value_gain(conf >= 0.8, calibrated, correct, 0.8)
    assert got["gain"] == pytest.approx(60 / 200) and got["added_interval"][0] == pytest.approx(0.9398, abs=1e-4)
    assert got["beyond_noise"] is True
    # calibrated rows that miss the target at face value count as 0, whatever they add
    missed = selective.face_value_gain(conf >= 0.8, np.full(200, 0.85), correct, 0.8)
    assert missed["usable_after"] == 0.0 and missed["gain"] == pytest.approx(-0.05) and missed["beyond_noise"] is False


# ---------------------------------------------------------------- measured, against numpy

def perfectly_calibrated(n, seed):
    """The reviewer's construction: confidence uniform in [0.6, 1], right with exactly that probability."""
    rng = np.random.default_rng(seed)
    conf = np.round(rng.uniform(0.6, 1.0, n), 4)
    return conf, rng.uniform(size=n) < conf


def overconfident(n=5000, seed=5):
    """Stated sigmoid(z), true sigmoid(z / 3): right about 82% of the time while claiming about 96%."""
    rng = np.random.default_rng(seed)
    z = rng.normal(5, 2, n)
    return 1 / (1 + np.exp(-z)), rng.random(n) < 1 / (1 + np.exp(-z / 3))


def underconfident(n=3000, seed=2):
    rng = np.random.default_rng(seed)
    stated = rng.uniform(0.5, 0.95, n)
    return stated, rng.random(n) < 0.93 + 0.07 * (stated - 0.5) / 0.45


@pytest.mark.parametrize("rows, target", [(overconfident(), 0.9), (underconfident(), 0.95),
                                          (perfectly_calibrated(2000, 0), 0.9), (perfectly_calibrated(80, 14), 0.9)])
def test_measured_gain_matches_numpy(rows, target):
    conf, correct = rows
    measured = cal.measure(cal.records_from_arrays(conf, correct), target_accuracy=target, **QUICK)
    got = measured["selective"]["after_calibration"]["face_value_gain"]
    calibrated = heldout.record_confidences(conf, correct, folds=5, seed=0)[0]["temperature"]
    want = expected_gain(np.asarray(conf), calibrated, np.asarray(correct), target)
    for key in ("usable_today", "usable_after", "gain", "added_accuracy"):
        assert got[key] == pytest.approx(want[key], abs=1e-12), key
    for key in ("today_clearly_below", "n_added", "beyond_noise"):
        assert got[key] == want[key], key
    metrics = measurement.metrics_of(measured)
    assert metrics["face_value_coverage_gain"] == got["gain"]
    assert metrics["face_value_gain_beyond_noise"] is got["beyond_noise"]


def routing_profile():
    return loaded_profile([1, 3, 1, 2, 2, 1], {"has_eval_set": True, "confidence_used_downstream": True},
                          {"target_accuracy": 0.9, "target_ece": 0.05})


def test_clearly_overconfident_routing_supports_calibrating():
    conf, correct = overconfident()
    measured = cal.measure(cal.records_from_arrays(conf, correct), target_accuracy=0.9, **QUICK)
    got = measured["selective"]["after_calibration"]["face_value_gain"]
    # today's 92% of rows at face value are right 84% of the time; calibrated, 22% reach 0.9
    assert measured["selective"]["at_face_value"]["accuracy"] < 0.85 and got["today_clearly_below"] is True
    assert got["gain"] > 0.2 and got["beyond_noise"] is True
    assessment = engine.assess(routing_profile(), RUBRIC, measured=measured)
    adjust = [r for r in assessment["rules"] if r["id"] == "calibration-raises-coverage"]
    assert [(r["target"], r["amount"]) for r in adjust] == [("calibrate", 4.0)]
    assert any("a gain the data shows, beyond sampling noise" in f for f in assessment["calibration"]["findings"])


# seeds where today's face-value routing narrowly missed 0.9 and, counted as 0, made
# calibration seem to gain 0.11-0.26 of the rows under the previous definition
NOISY_SEEDS = [1, 3, 9, 14, 24, 44, 46, 53, 55]


@pytest.mark.parametrize("seed", NOISY_SEEDS)
def test_noise_of_a_calibrated_sample_is_no_reason_to_calibrate(seed):
    conf, correct = perfectly_calibrated(80, seed)
    measured = cal.measure(cal.records_from_arrays(conf, correct), target_accuracy=0.9, **QUICK)
    got = measured["selective"]["after_calibration"]["face_value_gain"]
    assert got["beyond_noise"] is False
    assessment = engine.assess(routing_profile(), RUBRIC, measured=measured)
    assert "calibration-raises-coverage" not in fired(assessment)


def test_calibrated_samples_rarely_look_beyond_noise_and_never_fire():
    # 60 seeds of 80 perfectly calibrated rows: the metric's guard is a one-sided 2.5% test, so
    # a rare sample whose accepted rows fall clearly below the target by chance can pass it; the
    # consistency test then keeps the rule silent.
    shown, rule = 0, 0
    for seed in range(60):
        conf, correct = perfectly_calibrated(80, seed)
        measured = cal.measure(cal.records_from_arrays(conf, correct), target_accuracy=0.9, **QUICK)
        shown += measured["selective"]["after_calibration"]["face_value_gain"]["beyond_noise"]
        rule += "calibration-raises-coverage" in fired(engine.assess(routing_profile(), RUBRIC, measured=measured))
    assert shown <= 2 and rule == 0


def test_the_text_output_states_the_face_value_gain_and_its_verdict():
    from advisor.calibration.render import face_value_gain_sentence

    gain = {"usable_today": 0.637, "usable_after": 0.85, "gain": 0.213, "today_clearly_below": False, "n_added": 191,
            "added_accuracy": 0.984, "added_interval": [0.955, 0.995], "beyond_noise": True}
    assert face_value_gain_sentence(gain) == (
        "Usable at face value (accepted rows reaching the target): 63.7% today, 85% after calibration; the 191 "
        "row(s) only calibration accepts are 98.4% accurate (95% [0.955, 0.995]): a gain of +21.3 points, beyond "
        "sampling noise.")
    quiet = {**gain, "n_added": 0, "added_accuracy": None, "added_interval": None, "gain": 0.0, "usable_after": 0.637,
             "beyond_noise": False}
    assert face_value_gain_sentence(quiet).endswith("63.7% after calibration: a gain of +0.0 points, within sampling "
                                                    "noise.")
