"""`advisor validate`: every problem, line-numbered, exit 1, no traceback."""

from __future__ import annotations

import numpy as np
from click.testing import CliRunner

from advisor import cli

GOOD = """\
version: 1
project:
  name: Support assistant
scores:
  quality_gap: 2
  data_readiness: 2
  latency: 2
  cost: 2
  governance: 1
  control: 1
context:
  has_eval_set: true
"""


def invoke(*args):
    return CliRunner().invoke(cli.main, list(args))


def test_good_profile_is_ok(tmp_path):
    path = tmp_path / "profile.yaml"
    path.write_text(GOOD)
    result = invoke("validate", str(path))
    assert result.exit_code == 0, result.output
    assert "OK" in result.output and "Support assistant" in result.output


def test_every_problem_is_reported_with_its_line(tmp_path):
    path = tmp_path / "profile.yaml"
    path.write_text(GOOD.replace("data_readiness: 2", "data_readiness: 7").replace("has_eval_set", "has_evalset"))
    result = invoke("validate", str(path))
    assert result.exit_code == 1
    assert f"{path}:6: scores.data_readiness: must be an integer from 0 to 5 (got 7)" in result.output
    assert f"{path}:12: context.has_evalset: unknown key" in result.output
    assert "Traceback" not in result.output


def test_missing_predictions_file_names_the_field(tmp_path):
    path = tmp_path / "profile.yaml"
    path.write_text(GOOD + "baseline:\n  predictions: eval/preds.npz\n")
    result = invoke("validate", str(path))
    assert result.exit_code == 1
    assert f"{path}:14: baseline.predictions: no such file: eval/preds.npz" in result.output


def test_malformed_predictions_are_reported(tmp_path):
    np.savez(tmp_path / "preds.npz", labels=np.array([0, 1, 5]), probs=np.array([[0.6, 0.4], [0.3, 0.7], [0.5, 0.5]]))
    path = tmp_path / "profile.yaml"
    path.write_text(GOOD + "baseline:\n  predictions: preds.npz\n")
    result = invoke("validate", str(path))
    assert result.exit_code == 1
    assert f"{path}:14: baseline.predictions:" in result.output and "Traceback" not in result.output


def test_valid_predictions_are_summarised(tmp_path):
    np.savez(tmp_path / "preds.npz", labels=np.array([0, 1, 1]), probs=np.array([[0.6, 0.4], [0.3, 0.7], [0.5, 0.5]]))
    path = tmp_path / "profile.yaml"
    path.write_text(GOOD + "baseline:\n  predictions: preds.npz\n")
    result = invoke("validate", str(path))
    assert result.exit_code == 0, result.output
    assert "3 samples, 2 classes" in result.output


def test_bad_rubric_fails_validate_too(tmp_path):
    path = tmp_path / "profile.yaml"
    path.write_text(GOOD)
    rubric = tmp_path / "r.yaml"
    rubric.write_text("name: x\n")
    result = invoke("validate", str(path), "--rubric", str(rubric))
    assert result.exit_code == 1 and "r.yaml" in result.output and "Traceback" not in result.output
