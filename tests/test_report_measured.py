"""The measured evidence in words: segments, selective prediction and where the errors are."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from click.testing import CliRunner

from advisor import crosscheck, engine, report
from advisor.cli import main

FIXTURES = Path(__file__).parent / "fixtures"


def calibrated() -> dict:
    return json.loads((FIXTURES / "assessment_calibrated.json").read_text())


def with_measured(**extra) -> str:
    data = calibrated()
    data["calibration"]["measured"].update(extra)
    return report.render_markdown(data)


SEGMENTS = [
    {"name": "scanned", "n_samples": 150, "errors": 15, "accuracy": 0.9, "accuracy_interval": [0.84, 0.94],
     "ece": 0.05, "ece_interval": [0.031, 0.082], "ece_if_calibrated": 0.0354, "small": False, "below_target": False},
    {"name": "phone photo", "n_samples": 50, "errors": 21, "accuracy": 0.58, "accuracy_interval": [0.44, 0.71],
     "ece": 0.2, "ece_interval": [0.12, 0.29], "ece_if_calibrated": 0.0612, "small": False, "below_target": True},
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
    assert ("| Segment | Rows | Accuracy | 95% interval | ECE | ECE 95% interval | Perfectly calibrated ECE | Note |"
            in text)
    assert "| phone photo | 50 | 0.5800 | 0.440-0.710 | 0.2000 | 0.120-0.290 | 0.0612 | below the target |" in text
    assert "| scanned | 150 | 0.9000 | 0.840-0.940 | 0.0500 | 0.031-0.082 | 0.0354 |  |" in text
    assert ("A segment's ECE interval is of its binned ECE at its size; a perfectly calibrated model of that size\n"
            "would measure the ECE beside it (the noise floor)") in text
    assert text.index("<summary>Segments (2)</summary>") < text.index("| phone photo |")


def test_selective_prediction_in_one_sentence():
    selective = {"target_accuracy": 0.9, "threshold": 0.7125, "coverage": 0.62, "accuracy": 0.9032,
                 "at_face_value": {"coverage": 0.41, "accuracy": 0.95}}
    text = with_measured(selective=selective)
    assert ("At the target accuracy 0.900, accepting predictions with confidence of at least 0.713 keeps 62.0% of "
            "them at accuracy 0.903; the rest go to review. Taking the confidences at face value (accepting "
            "confidence of at least 0.900) would keep 41.0% at accuracy 0.950, meeting the target.") in text


def test_face_value_coverage_says_the_accuracy_it_reaches_and_whether_it_meets_the_target():
    # the review's case: 80.7% at face value looked like more than 44.0% after calibration, but it misses the target
    selective = {"target_accuracy": 0.9, "threshold": 0.9386, "coverage": 0.765, "accuracy": 0.9,
                 "at_face_value": {"coverage": 0.807, "accuracy": 0.8879},
                 "after_calibration": {"method": "temperature", "folds": 5, "threshold": 0.7188, "coverage": 0.758,
                                       "accuracy": 0.9004, "at_face_value": {"coverage": 0.44, "accuracy": 0.9568}}}
    text = with_measured(selective=selective)
    assert ("keeps 76.5% of them at accuracy 0.900; the rest go to review. After temperature scaling (cross-fitted) "
            "the best threshold keeps 75.8% at accuracy 0.900. Taking the confidences at face value (accepting "
            "confidence of at least 0.900) would keep 80.7% at accuracy 0.888, below the target; after temperature "
            "scaling, 44.0% at accuracy 0.957, meeting the target.") in text


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


def test_reliability_bins_show_their_wilson_interval_and_thin_bins():
    data = calibrated()
    bins = data["calibration"]["measured"]["bins"]
    bins[5].update(accuracy_interval=[0.0109, 0.7609], thin=True)     # 2 rows
    bins[7].update(count=12, accuracy_interval=[0.1408, 0.6401], thin=False)
    text = report.render_markdown(data)
    assert "| Confidence bin | Count | Mean confidence | Accuracy | 95% interval | Gap |" in text
    assert "| 0.333-0.400 | 2 (thin) | 0.3677 | 0.2177 | 0.011-0.761 | -0.1500 |" in text
    assert "| 0.467-0.533 | 12 | 0.5010 | 0.3510 | 0.141-0.640 | -0.1500 |" in text
    assert "| 0.400-0.467 | 3 (thin) | 0.4343 | 0.2843 | n/a | -0.1500 |" in text  # no interval in the file
    assert ("The interval is the 95% Wilson\ninterval of the bin's accuracy. A thin bin holds fewer than 10 "
            "predictions: its accuracy\nis known only within its wide interval") in text
    html = report.render_html(data)
    assert ('<td class="n">2 (thin)</td><td class="n">0.3677</td><td class="n">0.2177</td><td>0.011-0.761</td>'
            '<td class="n">-0.1500</td>') in html


def test_html_segments_show_the_ece_interval_and_noise_floor():
    data = calibrated()
    data["calibration"]["measured"].update(segments=SEGMENTS, segment_summary=SUMMARY)
    html = report.render_html(data)
    assert ("<td>phone photo</td><td class=\"n\">50</td><td class=\"n\">0.5800</td><td>0.440-0.710</td>"
            "<td class=\"n\">0.2000</td><td>0.120-0.290</td><td class=\"n\">0.0612</td><td>below the target</td>"
            ) in html


def test_the_ece_interval_caveat_and_noise_floor_in_html():
    html = report.render_html(calibrated())
    assert "<td>[0.0900, 0.1600]; perfectly calibrated: 0.0310</td>" in html
    assert ("it does not\ncontain 0 even for a perfectly calibrated model (what such a model would measure here is "
            "shown beside it).</p>") in html


def test_measurement_notes_are_shown_once_and_escaped():
    data = calibrated()
    measured = data["calibration"]["measured"]
    measured["notes"] = ["3 row(s) had no confidence and are not measured", "segment 'a | <b>' is odd"]
    measured["post_calibration"]["notes"] = ["2 folds instead of 5: only 4 rows"]
    measured["selective"] = {"target_accuracy": 0.9, "threshold": None, "coverage": 0, "accuracy": None,
                             "after_calibration": {"method": "temperature", "notes": ["2 folds instead of 5: only 4 rows"]}}
    text = report.render_markdown(data)
    assert ("Notes from the measurement:\n\n- 3 row(s) had no confidence and are not measured.\n"
            "- Segment 'a \\| &lt;b&gt;' is odd.\n- 2 folds instead of 5: only 4 rows.\n\n") in text
    html = report.render_html(data)
    assert "<li>Segment &#39;a | &lt;b&gt;&#39; is odd.</li>" in html and html.count("2 folds instead of 5") == 1
    assert "Notes from the measurement" not in report.render_markdown(calibrated())


def test_a_rising_nll_after_temperature_scaling_is_a_warning_in_json_and_the_report(tmp_path, monkeypatch):
    # confident right rows (margin 6) and five wrong by a logit gap of 10,000: the unclipped NLL drives
    # the temperature to its bound, where the reported (clipped) NLL is worse than before
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 2, 300)
    logits = np.zeros((300, 2))
    logits[np.arange(300), labels] = 6.0
    logits[:5] = 0.0
    logits[np.arange(5), 1 - labels[:5]] = 1e4
    np.savez(tmp_path / "preds.npz", labels=labels, logits=logits)
    (tmp_path / "profile.yaml").write_text(
        "version: 1\nproject: {name: NLL test}\n"
        "scores: {quality_gap: 1, data_readiness: 3, latency: 1, cost: 2, governance: 2, control: 1}\n"
        "context: {has_eval_set: true}\nbaseline: {target_accuracy: 0.9, predictions: preds.npz}\n")
    monkeypatch.chdir(tmp_path)
    assessment = engine.assess_file("profile.yaml")
    post = assessment["calibration"]["measured"]["post_calibration"]
    before, after = post["before"]["nll"], post["temperature"]["nll"]
    assert after > before
    warning = (f"Cross-fitted temperature scaling raises the measured NLL from {before:.4f} to {after:.4f}: the "
               "temperature minimizes the NLL without the eps clip of the reported one, so a few rows wrong by "
               "enormous margins pull it where the reported NLL is worse (or the folds disagree). Look at those "
               "rows before relying on temperature scaling, and compare the other calibrators.")
    assert assessment["warnings"][-1] == warning
    result = CliRunner().invoke(main, ["assess", "profile.yaml", "--format", "json"])
    assert result.exit_code == 0 and json.loads(result.output)["warnings"][-1] == warning
    text = report.render_markdown(assessment)
    assert warning.replace("|", "\\|") in text  # among the risks
    assert "| Fitted temperature (minimizes the NLL before its eps clip) | 100.000 |" in text
    assert "Notes from the measurement:\n\n- The NLL rises after temperature scaling" in text


def test_no_measurement_warning_when_temperature_scaling_lowers_the_nll():
    measured = calibrated()["calibration"]["measured"]
    assert crosscheck.measurement_warnings(measured) == []  # 1.234 -> 0.61
    measured["post_calibration"]["temperature"]["nll"] = 1.5
    assert crosscheck.measurement_warnings(measured)[0].startswith(
        "Cross-fitted temperature scaling raises the measured NLL from 1.2340 to 1.5000:")
    measured["post_calibration"]["temperature"]["nll"] = None  # confidence records: no NLL
    assert crosscheck.measurement_warnings(measured) == [] and crosscheck.measurement_warnings(None) == []
