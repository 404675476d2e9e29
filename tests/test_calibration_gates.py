"""Gates on ``advisor calibration``: exit status 3 when a measured value is outside its gate, output still written."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

from advisor.calibration.gate import check_gates, failure_lines
from advisor.cli import main

FAST = ["--bootstrap", "0", "--resamples", "0", "--folds", "0"]


@pytest.fixture
def path(tmp_path):
    """Four rows by hand: confidences 0.9, 0.8, 0.6, 0.7; rows 1, 2 and 4 correct.

    accuracy 0.75; 15 bins: 0.9 and 0.8 each alone in a bin (gaps 0.1 and 0.2),
    0.6 (wrong, gap 0.6) and 0.7 (right, gap 0.3): ECE = (0.1 + 0.2 + 0.6 + 0.3) / 4 = 0.3,
    MCE = 0.6.
    """
    probs = np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4], [0.3, 0.7]])
    labels = np.array([0, 1, 1, 1])
    np.savez(tmp_path / "p.npz", labels=labels, probs=probs)
    return tmp_path / "p.npz"


def run(*args):
    return CliRunner().invoke(main, ["calibration", *map(str, args), *FAST])


@pytest.mark.parametrize("gates, status", [
    ([], 0),
    (["--max-mce", "0.6"], 0),  # a value equal to its limit holds
    (["--max-ece", "0.31"], 0),
    (["--max-ece", "0.29"], 3),
    (["--min-accuracy", "0.75"], 0),
    (["--min-accuracy", "0.76"], 3),
    (["--max-mce", "0.5"], 3),
    (["--max-ece", "0.5", "--min-accuracy", "0.5", "--max-mce", "0.7", "--max-nll", "5", "--max-brier", "2"], 0),
])
def test_gate_exit_status(path, gates, status):
    result = run(path, *gates)
    assert result.exit_code == status, result.output
    assert result.stdout  # the output is printed whatever the gates say
    assert ("Gate failed" in result.stderr) == (status == 3)


def test_failed_gates_are_named_on_stderr_and_listed_in_json(path, tmp_path):
    out = tmp_path / "result.json"
    result = run(path, "--max-ece", "0.1", "--min-accuracy", "0.9", "--max-mce", "0.9", "--format", "json", "-o", out)
    assert result.exit_code == 3 and result.stdout == ""
    assert result.stderr.splitlines() == ["Gate failed: --min-accuracy 0.9: accuracy is 0.75, below the limit",
                                          "Gate failed: --max-ece 0.1: ece is 0.3, above the limit"]
    gates = json.loads(out.read_text())["gates"]  # written although a gate failed
    assert [(g["gate"], g["passed"]) for g in gates] == [("min_accuracy", False), ("max_ece", False),
                                                          ("max_mce", True)]
    assert gates[1]["value"] == pytest.approx(0.3) and gates[1]["limit"] == 0.1


def test_gates_in_markdown_and_text(path):
    markdown = run(path, "--max-ece", "0.1", "--format", "markdown").stdout
    assert "| `--max-ece` | 0.1 | 0.3000 | FAILED |" in markdown
    assert "gate --max-ece 0.1: 0.3000  FAILED" in run(path, "--max-ece", "0.1").stdout


def test_no_gates_no_gates_key(path):
    assert "gates" not in json.loads(run(path, "--format", "json").stdout)


@pytest.mark.parametrize("option, value", [("--max-ece", "1.5"), ("--min-accuracy", "-0.1"), ("--max-ece", "x")])
def test_a_gate_out_of_range_is_a_usage_error(path, option, value):
    assert run(path, option, value).exit_code == 2


def test_input_errors_keep_status_1(tmp_path):
    result = run(tmp_path / "missing.npz", "--max-ece", "0.1")
    assert result.exit_code == 1 and result.stderr.startswith("Error:")


def test_check_gates_by_hand():
    result = {"accuracy": 0.8, "ece": 0.05, "mce": 0.2, "nll": None, "brier": 0.3}
    gates = check_gates(result, {"min_accuracy": 0.8, "max_ece": 0.04, "max_mce": None})
    assert [(g["gate"], g["passed"]) for g in gates] == [("min_accuracy", True), ("max_ece", False)]
    assert failure_lines(gates) == ["Gate failed: --max-ece 0.04: ece is 0.05, above the limit"]
    with pytest.raises(ValueError, match="--max-nll: this input has no nll"):
        check_gates(result, {"max_nll": 1.0})
