"""Cross-check a profile's claimed baseline against measured predictions.

The result feeds rules as *metrics* (the names below are the only ones a rubric
may use) and the report as *findings*. Measured evidence, when present, always
replaces the claims: a self-reported number is a hypothesis, a measured one is
evidence.
"""

from __future__ import annotations

from typing import Any

from advisor import economics, measurement
from advisor.profile import DEFAULT_TARGET_ECE, STRATEGIES
from advisor.rule import Subject

# Below this consistency-resampling p-value the measured ECE is unlikely to come
# from a perfectly calibrated model of the same size (the usual 5% level).
SIGNIFICANCE_LEVEL = 0.05
# Measured accuracy shortfall (target - measured) -> the least quality_gap it implies.
SHORTFALL_LEVELS = ((0.0, 0), (0.02, 1), (0.05, 2), (0.10, 3), (0.20, 4))
# A measured accuracy at or above its target caps quality_gap here, not at 0: an aggregate
# that meets the target does not show that every segment does (decision guide, section 3).
MET_TARGET_GAP = 1

LABELS = {"accuracy": "accuracy", "ece": "ECE"}
FRACTION = dict(type="number", low=0.0, high=1.0)
FLAG = dict(type="flag")
METRICS: dict[str, tuple[dict, str]] = {
    "evidence": (dict(type="text", choices=("measured", "claimed", "none"), optional=False),
                 "where the numbers come from: measured predictions, claimed baseline, or none"),
    "accuracy": (FRACTION, "measured accuracy, else the claimed one"),
    "ece": (FRACTION, "measured expected calibration error, else the claimed one"),
    "target_accuracy": (FRACTION, "the profile's target accuracy"),
    "target_ece": (FRACTION, "the profile's target ECE (0.05 when not given)"),
    "accuracy_shortfall": (FRACTION, "target accuracy minus accuracy, 0 when the target is met"),
    "accuracy_meets_target": (FLAG, "accuracy is at least the target accuracy"),
    "ece_above_target": (FLAG, "ECE is above the target ECE"),
    "miscalibration_significant": (FLAG, "measured only: the ECE is unlikely under perfect calibration (p < 0.05)"),
    "ece_after_temperature": (FRACTION, "measured only: cross-fitted ECE after temperature scaling"),
    "calibration_fixable": (FLAG, "measured only: temperature scaling brings ECE within the target"),
    "claims_contradicted": (FLAG, "measured only: a claimed value lies outside the measured 95% interval"),
    "quality_gap_contradicted": (FLAG, "measured accuracy misses the target although quality_gap is scored 0 or 1"),
    "quality_gap_overstated": (FLAG, "measured accuracy meets the target although quality_gap is scored 2 or more"),
    # From the profile's economics section (advisor.economics): money is evidence on cost.
    "cheapest_over_horizon": (dict(type="text", choices=STRATEGIES), economics.METRICS["cheapest_over_horizon"]),
    "cheapest_meeting_target": (dict(type="text", choices=STRATEGIES), economics.METRICS["cheapest_meeting_target"]),
    "clearly_costlier": (dict(type="list", choices=STRATEGIES), economics.METRICS["clearly_costlier"]),
    # From the measurement beyond section 5 (advisor.measurement): segments, error concentration, routing.
    **measurement.METRICS,
}


def metric_subjects() -> dict[str, Subject]:
    return {name: Subject(kind="metric", name=name, **spec) for name, (spec, _) in METRICS.items()}


def claims_of(baseline) -> dict[str, Any]:
    if baseline is None:
        return {"accuracy": None, "ece": None, "target_accuracy": None, "target_ece": DEFAULT_TARGET_ECE}
    return {"accuracy": baseline.accuracy, "ece": baseline.ece,
            "target_accuracy": baseline.target_accuracy, "target_ece": baseline.target_ece}


def compute_metrics(measured: dict | None, claimed: dict, quality_gap: int,
                    money: dict | None = None) -> dict[str, Any]:
    """The metric values rules can read; None where nothing is known.

    ``money`` is the assessment's economics section (None without one)."""
    source = measured if measured is not None else claimed
    accuracy, ece = source.get("accuracy"), source.get("ece")
    target_acc, target_ece = claimed["target_accuracy"], claimed["target_ece"]
    if measured is not None:
        evidence = "measured"
    elif accuracy is not None or ece is not None:
        evidence = "claimed"
    else:
        evidence = "none"
    meets = None if accuracy is None or target_acc is None else accuracy >= target_acc
    metrics = {
        "evidence": evidence,
        "accuracy": accuracy,
        "ece": ece,
        "target_accuracy": target_acc,
        "target_ece": target_ece,
        "accuracy_shortfall": None if meets is None else max(0.0, target_acc - accuracy),
        "accuracy_meets_target": meets,
        "ece_above_target": None if ece is None else ece > target_ece,
        "miscalibration_significant": None,
        "ece_after_temperature": None,
        "calibration_fixable": None,
        "claims_contradicted": None,
        "quality_gap_contradicted": None,
        "quality_gap_overstated": None,
        **economics.metrics_of(money),
        **measurement.metrics_of(measured),
    }
    if measured is not None:
        metrics.update(measured_metrics(measured, claimed, metrics, quality_gap))
    return metrics


def measured_metrics(measured: dict, claimed: dict, metrics: dict, quality_gap: int) -> dict[str, Any]:
    p_value = (measured.get("significance") or {}).get("p_value")
    after = temperature_ece(measured)
    return {
        "miscalibration_significant": None if p_value is None else p_value < SIGNIFICANCE_LEVEL,
        "ece_after_temperature": after,
        "calibration_fixable": None if after is None else after <= metrics["target_ece"],
        "claims_contradicted": bool(outside_interval(measured, claimed)),
        "quality_gap_contradicted": metrics["accuracy_meets_target"] is False and quality_gap <= 1,
        "quality_gap_overstated": metrics["accuracy_meets_target"] is True and quality_gap > MET_TARGET_GAP,
    }


def temperature_ece(measured: dict) -> float | None:
    post = measured.get("post_calibration") or {}
    scaled = post.get("temperature") or {}
    return scaled.get("ece")


def outside_interval(measured: dict, claimed: dict) -> list[tuple[str, float, list]]:
    """Claimed values that the measured 95% bootstrap interval excludes."""
    intervals = measured.get("intervals") or {}
    found = []
    for name in ("accuracy", "ece"):
        claim, interval = claimed.get(name), intervals.get(name)
        if claim is not None and interval and not interval[0] <= claim <= interval[1]:
            found.append((name, claim, interval))
    return found


def effective_quality_gap(self_score: int, metrics: dict) -> int:
    """The quality gap the decision uses: measured evidence outweighs the self-score both ways.

    A measured shortfall raises it to the level the shortfall implies; a measured accuracy
    at or above the target caps it at MET_TARGET_GAP. Claimed numbers change nothing.
    """
    implied = evidence_quality_gap(metrics)
    if implied is not None and implied > self_score:
        return implied
    if metrics["evidence"] == "measured" and metrics["accuracy_meets_target"] is True:
        return min(self_score, MET_TARGET_GAP)
    return self_score


def evidence_quality_gap(metrics: dict) -> int | None:
    """The least quality_gap a measured accuracy shortfall implies (None unless measured)."""
    if metrics["evidence"] != "measured" or metrics["accuracy_shortfall"] is None:
        return None
    shortfall = metrics["accuracy_shortfall"]
    level = 5
    for limit, value in SHORTFALL_LEVELS:
        if shortfall <= limit:
            level = value
            break
    return level


def findings(measured: dict | None, claimed: dict, metrics: dict, quality_gap: int) -> list[str]:
    """Plain-language discrepancies between claims and measurements, and what they mean."""
    if measured is None:
        return []
    notes = [
        f"Claimed {LABELS[name]} {claim:.3f} lies outside the measured 95% interval [{lo:.3f}, {hi:.3f}] "
        f"(measured {measured[name]:.3f}): the claim is not supported and the measured value is used."
        for name, claim, (lo, hi) in outside_interval(measured, claimed)
    ]
    if metrics["quality_gap_contradicted"]:
        implied = evidence_quality_gap(metrics)
        notes.append(
            f"Measured accuracy {metrics['accuracy']:.3f} misses the target {metrics['target_accuracy']:.3f}, yet "
            f"quality_gap is self-scored {quality_gap}: the evidence contradicts the self-score, so the "
            f"assessment uses quality_gap {implied}."
        )
    if metrics["quality_gap_overstated"]:
        notes.append(
            f"Measured accuracy {metrics['accuracy']:.3f} meets the target {metrics['target_accuracy']:.3f}, yet "
            f"quality_gap is self-scored {quality_gap}: the evidence contradicts the self-score, so the assessment "
            f"caps quality_gap at {MET_TARGET_GAP} (the aggregate meets the target; check the segments)."
        )
    notes.extend(calibration_findings(measured, metrics))
    notes.extend(measurement.findings(measured, metrics))
    notes.append("Measured values replace the claimed ones wherever both exist: evidence outweighs self-assessment.")
    return notes


def calibration_findings(measured: dict, metrics: dict) -> list[str]:
    if not metrics["ece_above_target"]:
        return []
    ece, target = metrics["ece"], metrics["target_ece"]
    significance = measured.get("significance") or {}
    p_value, noise = significance.get("p_value"), significance.get("ece_if_calibrated_95")
    notes = []
    if metrics["miscalibration_significant"]:
        notes.append(
            f"Measured ECE {ece:.3f} is above the target {target:.3f} and unlikely for a calibrated model "
            f"(consistency resampling p = {p_value:.4f}): this supports calibrating the confidences."
        )
    elif metrics["miscalibration_significant"] is False:
        bound = f" (up to {noise:.3f} at the 95th percentile)" if noise is not None else ""
        notes.append(
            f"Measured ECE {ece:.3f} is above the target {target:.3f}, but a perfectly calibrated model of this "
            f"size shows that much by chance{bound}, p = {p_value:.4f}: not evidence of miscalibration; "
            f"measure on more samples first."
        )
    after = metrics["ece_after_temperature"]
    if after is not None:
        verdict = "within" if after <= target else "still above"
        notes.append(
            f"Cross-fitted temperature scaling takes ECE from {ece:.3f} to {after:.3f}, {verdict} the target "
            f"{target:.3f}: this is how much calibration would fix (it does not change accuracy)."
        )
    return notes


def measurement_warnings(measured: dict | None) -> list[str]:
    """Warnings about the measurement itself, beside the rubric's: the reported NLL rising after
    temperature scaling, which is fitted to lower it (the calibration source's caveat on the eps clip)."""
    post = (measured or {}).get("post_calibration") or {}
    before, scaled = (post.get("before") or {}).get("nll"), (post.get("temperature") or {}).get("nll")
    if before is None or scaled is None or scaled <= before:
        return []
    return [f"Cross-fitted temperature scaling raises the measured NLL from {before:.4f} to {scaled:.4f}: the "
            "temperature minimizes the NLL without the eps clip of the reported one, so a few rows wrong by "
            "enormous margins pull it where the reported NLL is worse (or the folds disagree). Look at those "
            "rows before relying on temperature scaling, and compare the other calibrators."]
