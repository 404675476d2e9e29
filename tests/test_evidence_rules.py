"""The decision uses the new evidence: segments, error concentration and routing become rule metrics.

The metrics are checked by hand on small measurement dicts; the rules through the engine on
real measurements of constructed predictions (advisor.calibration.measure).
"""

from __future__ import annotations

import numpy as np
import pytest
from helpers import loaded_profile

from advisor import calibration as cal
from advisor import crosscheck, decision, engine, measurement, rule
from advisor.rubric import load_rubric

RUBRIC = load_rubric(None)
QUICK = {"n_bootstrap": 200, "n_consistency": 200}


def fired(assessment) -> set[str]:
    return {rule["id"] for rule in assessment["rules"]}


# ---------------------------------------------------------------- the metrics, by hand

def summary(accuracy, interval, below, clearly):
    return {"segment_summary": {"worst": {"name": "x", "n_samples": 100, "accuracy": accuracy,
                                          "accuracy_interval": interval, "below_target": below,
                                          "clearly_below": clearly}}}


def concentration(n_errors, share, row_share):
    return {"n_errors": n_errors, "top_classes": {"count": 2, "error_share": share, "row_share": row_share,
                                                  "classes": []}, "top_pairs": {"count": 2, "error_share": 0.3,
                                                                                "pairs": []}}


def test_segment_metrics():
    values = measurement.metrics_of(summary(0.81, [0.72, 0.87], True, True))
    assert values["worst_segment_accuracy"] == 0.81
    assert values["worst_segment_below_target"] is True and values["worst_segment_clearly_below"] is True
    none = measurement.metrics_of({"segment_summary": {"worst": None}})
    assert none["worst_segment_accuracy"] is None and none["worst_segment_below_target"] is None
    assert set(measurement.metrics_of(None)) == set(measurement.METRICS)


@pytest.mark.parametrize("n_errors, k, share, rows, expected", [
    (40, 10, 0.60, 0.20, True),     # 3 times its row share, and half the errors
    (40, 10, 0.50, 1 / 3, True),    # exactly at both limits
    (40, 10, 0.49, 0.20, False),    # under half of the errors
    (40, 10, 0.60, 0.41, False),    # less than 1.5 times the row share: class imbalance, not concentration
    (19, 10, 0.90, 0.20, None),     # too few errors to say
    (40, 2, 0.90, 0.20, None),      # two classes: one always holds half of the errors
])
def test_concentration_metric_limits(n_errors, k, share, rows, expected):
    values = measurement.metrics_of({"error_concentration": concentration(n_errors, share, rows), "n_classes": k})
    assert values["error_share_top_classes"] == share
    assert values["errors_concentrated"] is expected


def test_routing_metrics_read_the_face_value_gain():
    gain = {"usable_today": 0.0, "usable_after": 0.3, "gain": 0.3, "today_clearly_below": True, "n_added": 0,
            "added_accuracy": None, "added_interval": None, "beyond_noise": True}
    selective = {"target_accuracy": 0.9, "threshold": 0.7, "coverage": 0.6, "accuracy": 0.91,
                 "at_face_value": {"coverage": 0.5, "accuracy": 0.8},
                 "after_calibration": {"coverage": 0.65, "at_face_value": {"coverage": 0.3, "accuracy": 0.92},
                                       "face_value_gain": gain}}
    values = measurement.metrics_of({"selective": selective})
    assert values["coverage_at_target"] == 0.6 and values["coverage_after_calibration"] == 0.65
    assert values["coverage_gain_after_calibration"] == pytest.approx(0.05)
    assert values["face_value_coverage_gain"] == 0.3 and values["face_value_gain_beyond_noise"] is True
    selective["after_calibration"] = {"coverage": None, "at_face_value": None, "face_value_gain": None,
                                      "notes": ["not run"]}
    values = measurement.metrics_of({"selective": selective})
    assert values["coverage_after_calibration"] is None and values["face_value_coverage_gain"] is None
    assert values["face_value_gain_beyond_noise"] is None


# ---------------------------------------------------------------- the rules, on real measurements

def segment_records(n=3000, seed=0):
    """Records at 0.95 accuracy overall; segment 'scans' (a fifth of the rows) at about 0.80."""
    rng = np.random.default_rng(seed)
    segments = np.where(np.arange(n) % 5 == 0, "scans", "typed")
    truth = np.where(segments == "scans", 0.80, 0.99)
    correct = rng.random(n) < truth
    confidence = np.clip(truth + rng.normal(0, 0.02, n), 0, 1)  # calibrated per segment
    return cal.records_from_arrays(confidence, correct, segments)


def test_a_segment_clearly_below_target_behind_a_good_aggregate():
    measured = cal.measure(segment_records(), target_accuracy=0.93, **QUICK)
    assert measured["accuracy"] >= 0.93
    profile = loaded_profile([1, 3, 1, 2, 2, 1], {"has_eval_set": True, "confidence_used_downstream": True},
                             {"target_accuracy": 0.93})
    assessment = engine.assess(profile, RUBRIC, measured=measured)
    metrics = assessment["metrics"]
    assert metrics["worst_segment_clearly_below"] is True and metrics["worst_segment_accuracy"] < 0.85
    assert {"weak-segment-behind-good-aggregate", "weak-segment-clearly-below-target"} <= fired(assessment)
    assert any("a segment is measurably below it" in w for w in assessment["warnings"])
    # a measured, clearly weak segment is a reason to change: not "keep the current approach"
    assert assessment["recommendation"].get("change_needed") is not False
    finding = [f for f in assessment["calibration"]["findings"] if "segment 'scans'" in f]
    assert finding and "whole 95% interval is below the target" in finding[0]
    without = engine.assess(profile, RUBRIC, measured={**measured, "segment_summary": None, "segments": None})
    adjust = {r["target"]: r["amount"] for r in assessment["rules"] if r["id"] == "weak-segment-clearly-below-target"}
    assert adjust == {"fine_tune": 1.0}
    assert fine_tune_score(assessment) == pytest.approx(fine_tune_score(without) + 1.0)


def fine_tune_score(assessment) -> float:
    return next(s["score"] for s in assessment["strategies"] if s["id"] == "fine_tune")


def concentrated_predictions(n=2000, k=10, seed=1):
    """10 classes; classes 0 and 1 (a fifth of the rows) are confused with each other, the rest rarely wrong."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, k, n)
    predicted = labels.copy()
    hard = labels < 2
    swap = hard & (rng.random(n) < 0.45)
    predicted[swap] = 1 - labels[swap]
    easy_wrong = ~hard & (rng.random(n) < 0.02)
    predicted[easy_wrong] = (labels[easy_wrong] + 1) % k
    probs = np.full((n, k), 0.2 / (k - 1))
    probs[np.arange(n), predicted] = 0.8
    return cal.from_arrays(labels, probs=probs)


def test_errors_concentrated_in_few_classes_support_fine_tuning():
    measured = cal.measure(concentrated_predictions(), **QUICK)
    top = measured["error_concentration"]["top_classes"]
    assert top["count"] == 2 and top["error_share"] > 0.7 and top["row_share"] < 0.25
    context = {"has_eval_set": True, "failure_classes_known": False, "monthly_volume": 500_000}
    profile = loaded_profile([3, 4, 1, 3, 2, 1], context, {"target_accuracy": 0.95})
    assessment = engine.assess(profile, RUBRIC, measured=measured)
    assert assessment["metrics"]["errors_concentrated"] is True
    rules = fired(assessment)
    assert "errors-concentrated-in-few-classes" in rules
    # the measured concentration is the failure analysis: fine-tuning is not gated on it
    assert "fine-tune-needs-failure-analysis" not in rules
    assert "recurring-failures-at-volume" in rules
    assert any("form recurring, measurable classes" in f for f in assessment["calibration"]["findings"])
    spread = dict(measured, error_concentration={**measured["error_concentration"],
                                                 "top_classes": {**top, "error_share": 0.3}})
    assert "fine-tune-needs-failure-analysis" in fired(engine.assess(profile, RUBRIC, measured=spread))


def test_measured_concentration_answers_every_question_about_failure_classes():
    # The team has not named the failure classes, but the measurement shows them: every rule,
    # prerequisite and warning that asks whether they are known must read the same answer.
    measured = cal.measure(concentrated_predictions(), **QUICK)
    context = {"has_eval_set": True, "failure_classes_known": False, "labeled_examples": 20_000,
               "launch_weeks": 20, "monthly_volume": 100_000}
    profile = loaded_profile([3, 4, 1, 2, 2, 1], context, {"target_accuracy": 0.95, "target_ece": 0.05})
    assessment = engine.assess(profile, RUBRIC, measured=measured)
    rec = assessment["recommendation"]
    assert assessment["metrics"]["errors_concentrated"] is True
    assert rec["primary"] == "fine_tune" and rec["provisional"] is False
    assert "failure classes have not been named" not in rec["summary"]
    assert not any(w.startswith("Fine-tuning before failure analysis") for w in assessment["warnings"])
    rules = fired(assessment)
    assert {"errors-concentrated-in-few-classes", "recurring-failures-at-volume"} <= rules
    assert not rules & {"mistake-fine-tune-before-failure-analysis", "fine-tune-needs-failure-analysis",
                        "from-scratch-needs-failure-analysis"}
    assert failure_analysis_missing(profile, measured) is False  # fine-tuning's prerequisite is met
    # the same profile without the measured concentration: all four ask for the failure analysis
    spread = dict(measured, error_concentration={**measured["error_concentration"], "top_classes": {
        **measured["error_concentration"]["top_classes"], "error_share": 0.3}})
    unmeasured = engine.assess(profile, RUBRIC, measured=spread)
    assert failure_analysis_missing(profile, spread) is True
    assert any(w.startswith("Fine-tuning before failure analysis") for w in unmeasured["warnings"])
    assert {"mistake-fine-tune-before-failure-analysis", "fine-tune-needs-failure-analysis",
            "from-scratch-needs-failure-analysis"} <= fired(unmeasured)


def failure_analysis_missing(loaded, measured) -> bool:
    """Whether fine-tuning's failure-analysis prerequisite counts as missing for this profile and measurement."""
    facts, scores = loaded.profile.context.model_dump(), loaded.profile.scores.model_dump()
    metrics = crosscheck.compute_metrics(measured, crosscheck.claims_of(loaded.profile.baseline), scores["quality_gap"])
    env = decision.environment(decision.decide(RUBRIC, scores, facts, metrics).dimensions, facts, metrics)
    needed = next(p for p in RUBRIC.strategy("fine_tune").prerequisites if p.id == "failure-analysis")
    return rule.evaluate(needed.condition, env)


def underconfident_records(n=3000, seed=2):
    """Right 93-100% of the time (96.5% overall), but the stated confidence is far lower (0.5-0.95)."""
    rng = np.random.default_rng(seed)
    stated = rng.uniform(0.5, 0.95, n)
    correct = rng.random(n) < 0.93 + 0.07 * (stated - 0.5) / 0.45
    return cal.records_from_arrays(stated, correct)


def test_calibration_that_raises_coverage_at_target_supports_calibrating():
    measured = cal.measure(underconfident_records(), target_accuracy=0.95, **QUICK)
    selective = measured["selective"]
    gain = measurement.metrics_of(measured)["face_value_coverage_gain"]
    assert selective["at_face_value"]["coverage"] < 0.1 and gain > 0.3
    context = {"has_eval_set": True, "confidence_used_downstream": True}
    profile = loaded_profile([1, 3, 1, 2, 2, 1], context, {"target_accuracy": 0.95, "target_ece": 0.5})
    assessment = engine.assess(profile, RUBRIC, measured=measured)
    rules = fired(assessment)
    # the ECE target is lenient here, so only the routing evidence speaks for calibrating
    assert assessment["metrics"]["ece_above_target"] is False
    assert "calibration-raises-coverage" in rules and "calibration-needs-a-confidence-problem" not in rules
    assert assessment["recommendation"]["primary"] == "calibrate"
    unused = loaded_profile([1, 3, 1, 2, 2, 1], {**context, "confidence_used_downstream": False},
                            {"target_accuracy": 0.95, "target_ece": 0.5})
    assert "calibration-raises-coverage" not in fired(engine.assess(unused, RUBRIC, measured=measured))
