"""Rule metrics from the measured evidence beyond section 5: segments, error concentration, routing.

:func:`metrics_of` reads a measurement (:func:`advisor.calibration.measure`) and gives the
values rubric rules may test (``metric:`` leaves), null where the measurement does not say:

- the worst segment against the target accuracy (``segment_summary.worst``: small segments
  are never ranked, so a handful of rows cannot make a segment "the worst");
- how the errors of class predictions concentrate (``error_concentration``): the measured
  form of "recurring failure classes are known";
- routing at the target accuracy (``selective``): what cross-fitted temperature scaling
  changes in the share of rows that can be automated by trusting the confidence, and
  whether that change is beyond sampling noise (:func:`advisor.calibration.selective.face_value_gain`).

:func:`findings` words the same evidence for the cross-check's findings.
"""

from __future__ import annotations

from typing import Any

FRACTION = {"type": "number", "low": 0.0, "high": 1.0}
CHANGE = {"type": "number", "low": -1.0, "high": 1.0}
FLAG = {"type": "flag"}

# Errors "concentrate" when the top fifth of the classes (at least one) holds at least half of
# them and at least CONCENTRATION_LIFT times its share of the rows, over at least
# CONCENTRATION_MIN_ERRORS errors and CONCENTRATION_MIN_CLASSES classes: with two classes one of
# them always holds half the errors, and a dozen errors say little about where the next ones fall.
CONCENTRATION_SHARE = 0.5
CONCENTRATION_LIFT = 1.5
CONCENTRATION_MIN_ERRORS = 20
CONCENTRATION_MIN_CLASSES = 3

METRICS: dict[str, tuple[dict, str]] = {
    "worst_segment_accuracy": (FRACTION, "measured only: accuracy of the worst segment with enough rows to rank"),
    "worst_segment_below_target": (FLAG, "measured only: the worst segment's accuracy is below the target accuracy"),
    "worst_segment_clearly_below": (FLAG, "measured only: the worst segment's whole 95% accuracy interval is "
                                          "below the target accuracy"),
    "error_share_top_classes": (FRACTION, "measured class predictions: share of the errors in the top fifth of the "
                                          "classes by errors"),
    "errors_concentrated": (FLAG, "measured class predictions: the top fifth of the classes holds at least half of "
                                  "the errors and 1.5 times its share of the rows (at least 20 errors, 3 classes)"),
    "coverage_at_target": (FRACTION, "measured, with a target accuracy: share of rows a confidence threshold can "
                                     "accept at the target accuracy (the best threshold in hindsight)"),
    "coverage_after_calibration": (FRACTION, "the same after cross-fitted temperature scaling"),
    "coverage_gain_after_calibration": (CHANGE, "coverage_after_calibration minus coverage_at_target: temperature "
                                                "scaling keeps the order of the confidences within a fold, so this "
                                                "is mostly fold noise, no reason to calibrate on its own"),
    "face_value_coverage_gain": (CHANGE, "share of rows a router trusting the confidence (accepting it when at least "
                                         "the target) automates at the target: after cross-fitted calibration minus "
                                         "today; today's counts unless its accepted rows are clearly (95% Wilson) "
                                         "below the target, after calibration they must reach it"),
    "face_value_gain_beyond_noise": (FLAG, "face_value_coverage_gain is positive and shown by the data: today's "
                                           "accepted rows are clearly below the target, or the rows calibration "
                                           "newly accepts are clearly (95% Wilson lower end) at the target"),
}


def metrics_of(measured: dict | None) -> dict[str, Any]:
    """Every metric of :data:`METRICS`, None where the measurement does not tell."""
    values: dict[str, Any] = dict.fromkeys(METRICS)
    if measured is None:
        return values
    values.update(_segment_metrics(measured.get("segment_summary")))
    values.update(_concentration_metrics(measured.get("error_concentration"), measured.get("n_classes")))
    values.update(_routing_metrics(measured.get("selective")))
    return values


def _segment_metrics(summary: dict | None) -> dict[str, Any]:
    worst = (summary or {}).get("worst")
    if not worst:
        return {}
    return {"worst_segment_accuracy": worst["accuracy"], "worst_segment_below_target": worst.get("below_target"),
            "worst_segment_clearly_below": worst.get("clearly_below")}


def _concentration_metrics(found: dict | None, n_classes: int | None) -> dict[str, Any]:
    if not found:
        return {}
    top = found["top_classes"]
    concentrated = (top["error_share"] >= CONCENTRATION_SHARE
                    and top["error_share"] >= CONCENTRATION_LIFT * top["row_share"])
    enough = found["n_errors"] >= CONCENTRATION_MIN_ERRORS and (n_classes or 0) >= CONCENTRATION_MIN_CLASSES
    return {"error_share_top_classes": top["error_share"], "errors_concentrated": concentrated if enough else None}


def _routing_metrics(selective: dict | None) -> dict[str, Any]:
    if not selective:
        return {}
    values: dict[str, Any] = {"coverage_at_target": float(selective["coverage"])}
    after = selective.get("after_calibration") or {}
    if after.get("coverage") is not None:
        values["coverage_after_calibration"] = after["coverage"]
        values["coverage_gain_after_calibration"] = after["coverage"] - float(selective["coverage"])
    gain = after.get("face_value_gain")
    if gain is not None:
        values["face_value_coverage_gain"] = gain["gain"]
        values["face_value_gain_beyond_noise"] = gain["beyond_noise"]
    return values


def findings(measured: dict | None, metrics: dict) -> list[str]:
    """The segment, concentration and routing evidence in plain sentences (none when absent)."""
    if measured is None:
        return []
    notes = []
    worst = (measured.get("segment_summary") or {}).get("worst")
    if worst and worst.get("below_target") and metrics.get("accuracy_meets_target"):
        strength = ("its whole 95% interval is below the target" if worst.get("clearly_below")
                    else "though its 95% interval still reaches the target")
        notes.append(f"Overall accuracy {metrics['accuracy']:.3f} meets the target {metrics['target_accuracy']:.3f}, "
                     f"but segment '{worst['name']}' reaches only {worst['accuracy']:.3f} on {worst['n_samples']} rows "
                     f"({strength}): an aggregate can hide a weak segment.")
    if metrics.get("errors_concentrated"):
        top = measured["error_concentration"]["top_classes"]
        notes.append(f"The top {top['count']} class(es) by errors hold {top['error_share']:.0%} of the errors but "
                     f"{top['row_share']:.0%} of the rows: the errors form recurring, measurable classes.")
    if metrics.get("face_value_coverage_gain") is not None:
        notes.append(_face_value_note(measured["selective"]))
    return notes


def _face_value_note(selective: dict) -> str:
    target = selective["target_accuracy"]
    gain = selective["after_calibration"]["face_value_gain"]
    text = (f"Trusting the confidences as they are (accepting a row when its confidence is at least the target "
            f"{target:.3f}) automates {gain['usable_today']:.0%} of the rows at the target accuracy"
            f"{' (its accepted rows are clearly below the target)' if gain['today_clearly_below'] else ''}; after "
            f"cross-fitted temperature scaling, {gain['usable_after']:.0%}")
    if gain["gain"] <= 0:
        return text + "."
    if gain["beyond_noise"]:
        return text + ": a gain the data shows, beyond sampling noise."
    return text + (": within sampling noise, since the rows calibration would add are not clearly at the "
                   "target, so it is no reason to calibrate.")
