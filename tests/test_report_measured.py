"""The measured evidence in words: segments, selective prediction and where the errors are."""

from __future__ import annotations

import json
from pathlib import Path

from advisor import report

FIXTURES = Path(__file__).parent / "fixtures"


def calibrated() -> dict:
    return json.loads((FIXTURES / "assessment_calibrated.json").read_text())


def with_measured(**extra) -> str:
    data = calibrated()
    data["calibration"]["measured"].update(extra)
    return report.render_markdown(data)


SEGMENTS = [
    {"name": "scanned", "n_samples": 150, "errors": 15, "accuracy": 0.9, "accuracy_interval": [0.84, 0.94],
     "ece": 0.05, "small": False, "below_target": False},
    {"name": "phone photo", "n_samples": 50, "errors": 21, "accuracy": 0.58, "accuracy_interval": [0.44, 0.71],
     "ece": 0.2, "small": False, "below_target": True},
]
SUMMARY = {"min_samples": 30, "n_segments": 2, "n_small": 0,
           "worst": {"name": "phone photo", "n_samples": 50, "accuracy": 0.58, "accuracy_interval": [0.44, 0.71],
                     "target_accuracy": 0.8, "below_target": True, "clearly_below": True},
           "worst_share": {"segments": ["phone photo"], "count": 1, "error_share": 0.5833, "row_share": 0.25}}


def test_a_segment_clearly_below_target_is_the_top_risk_and_the_segments_fold():
    text = with_measured(segments=SEGMENTS, segment_summary=SUMMARY)
    assert ("- **Top risk:** Segment 'phone photo' clearly misses the target accuracy: 0.580 (95% interval "
            "0.440-0.710) against 0.800, although the overall figure may meet it.\n") in text
    assert ("The weakest of 2 segments is 'phone photo': accuracy 0.580 (95% interval 0.440-0.710) on 50 rows, "
            "clearly below the target 0.800. The worst segment holds 58% of the errors with 25% of the rows.") in text
    assert "| phone photo | 50 | 0.5800 | 0.440-0.710 | 0.2000 | below the target |" in text
    assert text.index("<summary>Segments (2)</summary>") < text.index("| phone photo |")


def test_selective_prediction_in_one_sentence():
    selective = {"target_accuracy": 0.9, "threshold": 0.7125, "coverage": 0.62, "accuracy": 0.9032,
                 "at_face_value": {"coverage": 0.41, "accuracy": 0.95}}
    text = with_measured(selective=selective)
    assert ("At the target accuracy 0.900, accepting predictions with confidence of at least 0.713 keeps 62.0% of "
            "them at accuracy 0.903; the rest go to review. Taking the confidences at face value (accepting "
            "confidence of at least 0.900) would keep 41.0%.") in text


def test_error_concentration_in_one_sentence():
    concentration = {"n_errors": 36, "top_classes": {"count": 2, "error_share": 0.5, "row_share": 0.2, "classes": [
        {"label": 8, "errors": 10, "rows": 20, "error_rate": 0.5, "share": 0.2778},
        {"label": 3, "errors": 8, "rows": 20, "error_rate": 0.4, "share": 0.2222}]},
        "top_pairs": {"count": 2, "error_share": 0.3, "pairs": [
            {"label": 8, "predicted": 1, "errors": 6, "share": 0.1667}]}}
    text = with_measured(error_concentration=concentration)
    assert ("Of 36 errors, 50% fall in the 2 classes with the most errors (8, 3), which hold 20% of the rows; "
            "the most frequent confusion is 8 read as 1 (17% of the errors).") in text


def test_records_without_class_probabilities_show_no_empty_columns():
    data = calibrated()
    measured = data["calibration"]["measured"]
    measured.update(n_classes=None, input="confidence", nll=None, brier=None, temperature=None)
    for key in ("before", "temperature"):
        measured["post_calibration"][key].update(nll=None, brier=None)
    text = report.render_markdown(data)
    assert "| Method | ECE | Accuracy |" in text and "| NLL |" not in text
    assert "predictions from the attached file (input: confidence)" in text
