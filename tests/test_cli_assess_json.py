"""`advisor assess --format json`: the contract keys, byte-identical output, a real predictions file."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from click.testing import CliRunner

from advisor import cli

PROFILE = """\
version: 1
project:
  name: Claims intake extraction
  summary: Extract claim fields from scanned forms into strict JSON.
scores:
  quality_gap: 3
  data_readiness: 4
  latency: 2
  cost: 3
  governance: 2
  control: 1
context:
  launch_weeks: 6
  labeled_examples: 20000
  has_eval_set: true
  failure_classes_known: true
  monthly_volume: 2000000
  confidence_used_downstream: true
  adaptation_tried: [pretrained]
baseline:
  accuracy: 0.91
  ece: 0.04
  target_accuracy: 0.93
"""

CALIBRATE = """\
version: 1
project: {name: Digit reader}
scores: {quality_gap: 1, data_readiness: 3, latency: 1, cost: 2, governance: 2, control: 1}
context:
  has_eval_set: true
  failure_classes_known: true
  confidence_used_downstream: true
baseline:
  accuracy: 0.90
  ece: 0.01
  target_accuracy: 0.85
  predictions: preds/overconfident.npz
"""


def invoke(*args):
    return CliRunner().invoke(cli.main, list(args))


def write_overconfident(path: Path, n: int = 600) -> None:
    """About 90% accurate but always ~98% confident: ECE about 0.08."""
    rng = np.random.default_rng(7)
    labels = rng.integers(0, 3, n)
    correct = rng.random(n) < 0.9
    predicted = np.where(correct, labels, (labels + 1) % 3)
    probs = np.full((n, 3), 0.01)
    probs[np.arange(n), predicted] = 0.98
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(path, labels=labels, probs=probs)


def test_json_has_the_contract_shape(tmp_path):
    profile = tmp_path / "profile.yaml"
    profile.write_text(PROFILE)
    result = invoke("assess", str(profile), "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    rec = data["recommendation"]
    assert rec["primary"] == "fine_tune" == data["strategies"][0]["id"]
    assert rec["primary"] not in rec["companions"]
    assert isinstance(rec["summary"], str) and rec["summary"]
    assert [s["rank"] for s in data["strategies"]] == [1, 2, 3, 4]
    assert sorted(s["id"] for s in data["strategies"]) == ["calibrate", "fine_tune", "from_scratch", "pretrained"]
    assert all({"id", "effect", "rationale"} <= set(r) for r in data["rules"])
    assert data["calibration"] is None
    assert isinstance(data["sensitivity"], list) and isinstance(data["warnings"], list)
    assert data["inputs"]["profile"]["path"] == str(profile)
    assert len(data["inputs"]["profile"]["sha256"]) == 64 and data["inputs"]["predictions"] is None


def test_same_input_gives_byte_identical_json(tmp_path):
    profile = tmp_path / "profile.yaml"
    profile.write_text(PROFILE)
    first = invoke("assess", str(profile), "--format", "json").output
    second = invoke("assess", str(profile), "--format", "json").output
    assert first == second


def test_real_predictions_are_measured_and_cross_checked(tmp_path):
    write_overconfident(tmp_path / "preds" / "overconfident.npz")
    profile = tmp_path / "profile.yaml"
    profile.write_text(CALIBRATE)
    out = tmp_path / "out.json"
    result = invoke("assess", str(profile), "--format", "json", "-o", str(out))
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text())
    assert data["recommendation"]["primary"] == "calibrate"
    calibration = data["calibration"]
    assert calibration["measured"]["n_samples"] == 600
    assert 0.06 < calibration["measured"]["ece"] < 0.11
    assert calibration["claimed"]["ece"] == 0.01
    assert any("Claimed ECE 0.010 lies outside" in f for f in calibration["findings"])
    assert calibration["miscalibration_significant"] is True
    assert data["inputs"]["predictions"]["path"] == "preds/overconfident.npz"
    # byte-identical on a second run, measurement included
    again = tmp_path / "again.json"
    invoke("assess", str(profile), "--format", "json", "-o", str(again))
    assert again.read_bytes() == out.read_bytes()


def test_bad_predictions_exit_1_naming_the_profile_field(tmp_path):
    profile = tmp_path / "profile.yaml"
    profile.write_text(CALIBRATE)
    (tmp_path / "preds").mkdir()
    (tmp_path / "preds" / "overconfident.npz").write_bytes(b"not a zip")
    out = tmp_path / "out.json"
    out.write_text("keep me")
    result = invoke("assess", str(profile), "--format", "json", "-o", str(out))
    assert result.exit_code == 1
    assert f"{profile}:12: baseline.predictions:" in result.output
    assert "Traceback" not in result.output
    assert out.read_text() == "keep me"


def test_custom_rubric_is_used_and_recorded(tmp_path):
    from advisor.resource import default_rubric_path
    custom = tmp_path / "mine.yaml"
    custom.write_text(default_rubric_path().read_text().replace("name: default", "name: mine", 1))
    profile = tmp_path / "profile.yaml"
    profile.write_text(PROFILE)
    data = json.loads(invoke("assess", str(profile), "--format", "json", "--rubric", str(custom)).output)
    assert data["inputs"]["rubric"]["name"] == "mine" and data["inputs"]["rubric"]["path"] == str(custom)
