"""One profile per row of the decision guide's scenario matrix and per example in its
sections 2-4, the calibration document's case, the common mistakes and readiness."""

from __future__ import annotations

import pytest
from helpers import loaded_profile

from advisor import engine, rubric

RUBRIC = rubric.load_rubric()


def run(scores, context=None, baseline=None, measured=None) -> dict:
    return engine.assess(loaded_profile(scores, context, baseline), RUBRIC, measured=measured)


#            quality_gap, data_readiness, latency, cost, governance, control
SCENARIOS = {
    # Figure 3, row 1: launch in under 8 weeks with limited labeled data.
    "matrix: urgent launch, thin data": ("pretrained", [2, 1, 2, 2, 1, 1], dict(
        launch_weeks=6, labeled_examples=300, has_eval_set=False, failure_classes_known=False)),
    # Figure 3, row 2: recurring measurable failures in a high-volume flow, solid data.
    "matrix: recurring failures at volume": ("fine_tune", [3, 4, 2, 3, 2, 1], dict(
        launch_weeks=16, labeled_examples=20000, has_eval_set=True, failure_classes_known=True,
        monthly_volume=2_000_000, adaptation_tried=["pretrained"])),
    # Figure 3, row 3: hard sovereignty/control constraints and a durable data moat.
    "matrix: sovereignty and data moat": ("from_scratch", [4, 5, 2, 2, 4, 5], dict(
        sovereignty_required=True, proprietary_data_moat=True, adaptation_tried=["pretrained", "fine_tune"],
        has_eval_set=True, failure_classes_known=True)),
    # Section 2: support assistant whose real problem is missing account context (retrieval).
    "section 2: support ticket assistant": ("pretrained", [2, 2, 2, 2, 1, 1], dict(
        has_eval_set=True, failure_classes_known=False, monthly_volume=50_000)),
    # Section 3: strict-JSON claims extraction, prompt-only still 8-12% invalid fields.
    "section 3: claims JSON extraction": ("fine_tune", [3, 4, 1, 3, 2, 1], dict(
        has_eval_set=True, failure_classes_known=True, monthly_volume=500_000, labeled_examples=20000,
        adaptation_tried=["pretrained"])),
    # Section 3: medical coding confusing similar codes; adjudicated samples, audits in place.
    "section 3: medical coding": ("fine_tune", [3, 4, 2, 2, 4, 2], dict(
        has_eval_set=True, failure_classes_known=True, monthly_volume=80_000, high_stakes=True,
        labeled_examples=15000, confidence_used_downstream=True)),
    # Section 4: national-language legal platform, on-prem, strict audit, adaptation fell short.
    "section 4: sovereign legal platform": ("from_scratch", [4, 4, 2, 2, 5, 5], dict(
        sovereignty_required=True, proprietary_data_moat=True, adaptation_tried=["pretrained", "fine_tune"],
        has_eval_set=True, failure_classes_known=True, high_stakes=True)),
    # Section 4: large proprietary multimodal corpus; owning model behaviour is the product's moat.
    # Nothing has been tried yet, so adaptation comes first (the section opens: from scratch "becomes
    # reasonable when adaptation cannot meet hard constraints"; section 5: "If adaptation fails under
    # non-negotiable governance/control constraints, evaluate from-scratch"). Once fine-tuning has
    # been tried and failed, the same platform gets from_scratch.
    "section 4: proprietary multimodal platform": ("fine_tune", [3, 5, 2, 2, 2, 5], dict(
        proprietary_data_moat=True, has_eval_set=True, failure_classes_known=True)),
    "section 4: proprietary multimodal platform, adaptation failed": ("from_scratch", [3, 5, 2, 2, 2, 5], dict(
        proprietary_data_moat=True, has_eval_set=True, failure_classes_known=True,
        adaptation_tried=["pretrained", "fine_tune"])),
}


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_guide_scenarios_pick_the_guides_strategy(name):
    expected, scores, context = SCENARIOS[name]
    result = run(scores, context)
    assert result["recommendation"]["primary"] == expected
    assert result["strategies"][0]["id"] == expected and result["strategies"][0]["rank"] == 1
    assert result["recommendation"]["margin"] > 0


def test_medical_coding_calibrates_after_fine_tuning():
    _, scores, context = SCENARIOS["section 3: medical coding"]
    assert run(scores, context)["recommendation"]["companions"] == ["calibrate"]


def test_from_scratch_is_gated_without_a_hard_reason_even_at_maximum_scores():
    # Everything maxed out but adaptation never tried, no sovereignty, no data moat.
    result = run([5, 5, 5, 5, 5, 5], dict(has_eval_set=True, failure_classes_known=True))
    scratch = next(s for s in result["strategies"] if s["id"] == "from_scratch")
    assert scratch["status"] == "gated" and scratch["blocked_by"] == ["from-scratch-needs-a-hard-reason"]
    assert result["recommendation"]["primary"] != "from_scratch"
    # gated ranks below every eligible strategy whatever its score
    assert all(s["rank"] < scratch["rank"] for s in result["strategies"] if s["status"] == "eligible")


# --- calibration (source document 000: accurate yet miscalibrated) ------------------------


CALIBRATE_CONTEXT = dict(has_eval_set=True, failure_classes_known=True, confidence_used_downstream=True,
                         monthly_volume=300_000)


def measured(accuracy=0.93, ece=0.12, p_value=0.001, after=0.03, acc_ci=(0.91, 0.95), ece_ci=(0.10, 0.14)):
    """A hand-built cal.measure() result with only the fields the engine reads."""
    return {"accuracy": accuracy, "ece": ece, "n_samples": 2000, "n_classes": 10,
            "intervals": {"level": 0.95, "accuracy": list(acc_ci), "ece": list(ece_ci)},
            "significance": {"p_value": p_value, "ece_if_calibrated": 0.01, "ece_if_calibrated_95": 0.02},
            "post_calibration": {"temperature": {"ece": after}}}


def test_claimed_accurate_but_miscalibrated_is_calibrate():
    result = run([1, 3, 2, 2, 3, 1], CALIBRATE_CONTEXT, dict(accuracy=0.93, ece=0.12, target_accuracy=0.90))
    assert result["recommendation"]["primary"] == "calibrate"
    assert "accurate-but-miscalibrated" in {r["id"] for r in result["rules"]}


def test_measured_accurate_but_miscalibrated_is_calibrate_with_findings():
    baseline = dict(accuracy=0.93, ece=0.03, target_accuracy=0.90)
    result = run([1, 3, 2, 2, 3, 1], CALIBRATE_CONTEXT, baseline, measured=measured())
    assert result["recommendation"]["primary"] == "calibrate"
    findings = result["calibration"]["findings"]
    assert any("Claimed ECE 0.030 lies outside the measured 95% interval [0.100, 0.140]" in f for f in findings)
    assert any("p = 0.0010" in f and "supports calibrating" in f for f in findings)
    assert any("from 0.120 to 0.030, within the target 0.050" in f for f in findings)
    assert result["calibration"]["claimed"]["ece"] == 0.03
    assert result["metrics"]["evidence"] == "measured"


def test_ece_within_noise_does_not_support_calibrate():
    baseline = dict(accuracy=0.93, target_accuracy=0.90)
    result = run([1, 3, 2, 2, 3, 1], CALIBRATE_CONTEXT, baseline, measured=measured(ece=0.06, p_value=0.4))
    assert result["recommendation"]["primary"] != "calibrate"
    assert any("within what a perfectly calibrated model would show" in w for w in result["warnings"])
    assert any("not evidence of miscalibration" in f for f in result["calibration"]["findings"])


def test_calibration_never_fixes_accuracy():
    # Badly calibrated AND below the accuracy target: calibrate is gated as the primary,
    # but stays as a companion because confidence is used downstream.
    baseline = dict(accuracy=0.80, ece=0.15, target_accuracy=0.90)
    result = run([3, 4, 2, 3, 2, 1], CALIBRATE_CONTEXT, baseline, measured=measured(accuracy=0.80, ece=0.15))
    calibrate = next(s for s in result["strategies"] if s["id"] == "calibrate")
    assert calibrate["status"] == "gated" and "calibration-cannot-fix-accuracy" in calibrate["blocked_by"]
    assert result["recommendation"]["primary"] == "fine_tune"
    assert "calibrate" in result["recommendation"]["companions"]


def test_measured_shortfall_overrides_a_low_quality_gap_self_score():
    baseline = dict(target_accuracy=0.95)
    result = run([0, 4, 2, 3, 2, 1], CALIBRATE_CONTEXT, baseline, measured=measured(accuracy=0.85, ece=0.02))
    quality = result["dimensions"][0]
    # shortfall 0.10 -> quality_gap 3 (SHORTFALL_LEVELS), self-score 0
    assert (quality["score"], quality["self_score"], quality["adjusted_by_evidence"]) == (3, 0, True)
    assert any("contradicts the self-score" in f for f in result["calibration"]["findings"])
    assert any("measured accuracy misses its target although quality_gap" in w for w in result["warnings"])
    assert result["recommendation"]["primary"] == "fine_tune"


# --- common mistakes ----------------------------------------------------------------------


@pytest.mark.parametrize("scores, context, baseline, words", [
    ([3, 3, 2, 2, 2, 1], dict(failure_classes_known=False, has_eval_set=True), None, "Fine-tuning before failure analysis"),
    ([3, 3, 2, 2, 2, 1], dict(has_eval_set=False, failure_classes_known=True), None, "No eval set"),
    # The two from-scratch traps are shown when that path is on the table (here a later stage for a
    # moat whose model is core to the product); tests/test_engine_expert_cases.py checks they are not otherwise.
    ([4, 5, 2, 2, 2, 5], dict(has_eval_set=True, proprietary_data_moat=True), None, "because it sounds strategic"),
    ([4, 5, 2, 5, 2, 5], dict(has_eval_set=True, proprietary_data_moat=True), None, "Money alone is no reason"),
    ([2, 3, 2, 2, 2, 1], dict(has_eval_set=True), dict(accuracy=0.9, target_accuracy=0.95), "claimed, not measured"),
])
def test_common_mistakes_produce_their_warnings(scores, context, baseline, words):
    warnings = run(scores, context, baseline)["warnings"]
    assert any(words in warning for warning in warnings), warnings


def test_fine_tuning_without_failure_analysis_is_gated():
    result = run([4, 4, 2, 3, 2, 1], dict(failure_classes_known=False, has_eval_set=True, monthly_volume=10**6))
    fine_tune = next(s for s in result["strategies"] if s["id"] == "fine_tune")
    assert fine_tune["status"] == "gated"
    assert result["recommendation"]["primary"] == "pretrained"
    assert "fine_tune" in result["recommendation"]["companions"]  # the next stage, once unblocked


def test_quiet_profile_has_no_mistake_warnings():
    result = run([1, 3, 1, 1, 1, 1], dict(has_eval_set=True, failure_classes_known=True))
    assert result["warnings"] == []


# --- readiness ----------------------------------------------------------------------------


def test_no_eval_set_and_no_baseline_is_provisional():
    result = run([3, 3, 2, 2, 2, 1], dict(has_eval_set=False))
    rec = result["recommendation"]
    assert rec["provisional"] is True
    assert rec["first_steps"][0].startswith("Build a held-out eval set")
    assert "Measure the current baseline" in rec["first_steps"][1]
    assert "Provisional" in rec["summary"]


@pytest.mark.parametrize("context, measured_baseline", [
    (dict(has_eval_set=True, failure_classes_known=True), None),
    (dict(has_eval_set=False, failure_classes_known=True), measured(accuracy=0.85, ece=0.03, p_value=0.5)),
])
def test_eval_set_or_measured_baseline_is_not_provisional(context, measured_baseline):
    # A claimed baseline without an eval set stays provisional (tests/test_engine_expert_cases.py):
    # it is a number nobody measured. Measured predictions are an evaluation of their own.
    baseline = dict(target_accuracy=0.92) if measured_baseline else None
    result = run([3, 3, 2, 2, 2, 1], context, baseline, measured=measured_baseline)
    assert result["recommendation"]["provisional"] is False


def test_fine_tuning_with_unconfirmed_failure_classes_is_provisional():
    result = run([3, 4, 2, 3, 2, 1], dict(has_eval_set=True, monthly_volume=2_000_000))
    rec = result["recommendation"]
    assert rec["primary"] == "fine_tune" and rec["provisional"] is True
    assert "failure classes have not been named" in rec["summary"]
    assert rec["first_steps"][0].startswith("Write down the recurring failure classes")


# --- explanation --------------------------------------------------------------------------


def test_contributions_add_up_to_the_score_and_name_their_sources():
    result = run(*SCENARIOS["matrix: recurring failures at volume"][1:])
    for strategy in result["strategies"]:
        total = sum(row["value"] for row in strategy["contributions"])
        assert round(total, 4) == strategy["score"]
    fine_tune = result["strategies"][0]
    rows = {(row["source"], row["id"]): row["value"] for row in fine_tune["contributions"]}
    assert rows[("dimension", "data_readiness")] == 2.0  # 4 x 0.5
    assert rows[("rule", "recurring-failures-at-volume")] == 2.0
    fired = {(r["id"], r["effect"], r["target"]) for r in result["rules"]}
    assert ("recurring-failures-at-volume", "adjust", "fine_tune") in fired
    assert all(r["rationale"] and r["source"] for r in result["rules"])


def test_hand_computed_score():
    # all-zero scores, no facts: pretrained = base 7.0; fine_tune = 0; calibrate = 1; from_scratch = -3
    result = run([0, 0, 0, 0, 0, 0])
    scores = {s["id"]: s["score"] for s in result["strategies"]}
    assert scores == {"pretrained": 7.0, "fine_tune": 0.0, "calibrate": 1.0, "from_scratch": -3.0}
    statuses = {s["id"]: s["status"] for s in result["strategies"]}
    assert statuses["from_scratch"] == "vetoed"  # data_readiness 0 and no data moat


def test_assessment_has_the_contract_keys():
    result = run(*SCENARIOS["section 3: medical coding"][1:])
    assert {"advisor_version", "recommendation", "strategies", "dimensions", "rules", "calibration", "sensitivity",
            "weight_perturbation", "roadmap", "metrics_to_track", "rollout_gates", "warnings", "inputs"} <= set(result)
    assert [s["rank"] for s in result["strategies"]] == [1, 2, 3, 4]
    first = result["roadmap"][0]
    assert (first["stage"], first["strategy"], first["when"]) == (1, "fine_tune", "now") and first["actions"]
    assert [stage["strategy"] for stage in result["roadmap"]] == ["fine_tune", "calibrate"]
    names = [m["name"] for m in result["metrics_to_track"]]
    assert names[:4] == ["task success", "human correction rate", "p95 latency", "cost per successful outcome"]
    assert result["calibration"] is None
    assert result["recommendation"]["primary"] not in result["recommendation"]["companions"]


# Reviewer case f215: control 5 and a claimed data moat, but no labeled data at all.
F215 = ([4, 4, 4, 5, 3, 5], dict(labeled_examples=0, sovereignty_required=False, proprietary_data_moat=True,
                                 has_eval_set=True, failure_classes_known=False, launch_weeks=12))


def test_data_moat_without_labeled_data_vetoes_from_scratch_and_warns():
    result = run(*F215)
    scratch = next(s for s in result["strategies"] if s["id"] == "from_scratch")
    assert scratch["status"] == "vetoed" and "from-scratch-needs-data-at-scale" in scratch["blocked_by"]
    assert result["recommendation"]["primary"] != "from_scratch"
    assert any("data moat is claimed" in w for w in result["warnings"])


@pytest.mark.parametrize("scores, context", [
    ([3, 2, 2, 2, 2, 5], dict(proprietary_data_moat=True, sovereignty_required=True)),  # data not ready
    ([3, 5, 2, 2, 2, 5], dict(proprietary_data_moat=True, labeled_examples=999)),      # too few labels
])
def test_from_scratch_needs_data_even_with_a_moat(scores, context):
    scratch = next(s for s in run(scores, context)["strategies"] if s["id"] == "from_scratch")
    assert scratch["status"] == "vetoed"


def test_gated_companions_are_staged_after_now():
    # fine_tune is gated here (no failure analysis) but still offered: only as a later roadmap stage.
    result = run(*F215)
    assert result["recommendation"]["companions"] == ["fine_tune"]
    stages = {stage["strategy"]: stage["when"] for stage in result["roadmap"]}
    assert stages["fine_tune"] != "now" and stages[result["recommendation"]["primary"]] == "now"
    assert "later stage" in next(r["rationale"] for r in result["rules"] if r["id"] == "stage-fine-tune-next")


def test_calibrate_is_never_primary_when_nobody_uses_the_confidences():
    # Reviewer case: sovereign-leaning profile with a claimed moat but no labels and no failure analysis.
    result = run(
        [4, 4, 4, 5, 3, 5],
        context={"confidence_used_downstream": False, "failure_classes_known": False, "has_eval_set": True,
                 "labeled_examples": 0, "proprietary_data_moat": True, "sovereignty_required": False,
                 "launch_weeks": 12, "monthly_volume": 8},
        baseline={"ece": 0.82, "target_accuracy": 0.129},
    )
    status = {s["id"]: s["status"] for s in result["strategies"]}
    assert result["recommendation"]["primary"] == "pretrained"
    assert status["calibrate"] == "gated" and status["from_scratch"] == "vetoed"
    assert "scores higher" in result["recommendation"]["summary"]
