"""`advisor diff OLD NEW`: what changed in the inputs, the scores, the evidence and the decision."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from advisor.cli import main

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.fixture
def quarter(tmp_path):
    """Last quarter's saved JSON assessment and this quarter's profile: 20,000 more examples, eval set built."""
    old = tmp_path / "q1.json"
    data = yaml.safe_load((EXAMPLES / "urgent-launch" / "profile.yaml").read_text())
    (tmp_path / "q1.yaml").write_text(yaml.safe_dump(data))
    result = run("assess", tmp_path / "q1.yaml", "--format", "json", "-o", old)
    assert result.exit_code == 0, result.output
    data["context"].update(has_eval_set=True, labeled_examples=data["context"]["labeled_examples"] + 20_000)
    new = tmp_path / "q2.yaml"
    new.write_text(yaml.safe_dump(data))
    return old, new, data


def test_json_diff_lists_exactly_the_changed_inputs(quarter):
    old, new, _data = quarter
    result = run("diff", old, new, "--format", "json")
    assert result.exit_code == 0, result.output
    diff = json.loads(result.output)
    changed = {row["field"]: row for row in diff["inputs"]}
    assert set(changed) == {"context.has_eval_set", "context.labeled_examples", "profile.sha256"}
    assert changed["context.labeled_examples"]["change"] == 20_000
    assert changed["context.has_eval_set"]["old"] is False and changed["context.has_eval_set"]["new"] is True
    assert diff["old"] == str(old) and diff["new"] == str(new)
    assert isinstance(diff["decision_changed"], bool)
    for row in diff["scores"]:
        assert row["old"] != row["new"]


def test_the_same_input_twice_changes_nothing(tmp_path):
    profile = EXAMPLES / "calibrate" / "profile.yaml"
    saved = tmp_path / "a.json"
    assert run("assess", profile, "--format", "json", "-o", saved).exit_code == 0
    result = run("diff", saved, profile)
    assert result.exit_code == 0, result.output
    assert "The decision is unchanged." in result.output
    for section in ("Decision", "Inputs", "Strategy scores", "Measured evidence", "Rules fired", "Warnings"):
        assert f"{section}: no change" in result.output, section


def test_measured_evidence_and_decision_changes_are_shown(tmp_path):
    folder = tmp_path / "calibrate"
    shutil.copytree(EXAMPLES / "calibrate", folder)
    before = tmp_path / "before.json"
    assert run("assess", folder / "profile.yaml", "--format", "json", "-o", before).exit_code == 0
    data = yaml.safe_load((folder / "profile.yaml").read_text())
    del data["baseline"]["predictions"]  # back to claims only
    data["context"]["confidence_used_downstream"] = False
    (folder / "profile.yaml").write_text(yaml.safe_dump(data))
    result = run("diff", before, folder / "profile.yaml", "--format", "markdown")
    assert result.exit_code == 0, result.output
    text = result.output
    assert text.startswith("# What changed: ")
    assert "**The decision changed.**" in text
    assert "| recommended strategy | calibrate | pretrained |" in text
    assert "| accuracy | 0.8287 | unknown |" in text
    assert "| where the numbers come from | measured | claimed |" in text
    assert "- Removed: accurate-but-miscalibrated" in text


def test_a_file_that_is_not_an_assessment_is_an_input_error(tmp_path):
    bad = tmp_path / "x.json"
    bad.write_text('{"recommendation": 3}')
    result = run("diff", bad, EXAMPLES / "calibrate" / "profile.yaml")
    assert result.exit_code == 1
    assert f"Error: {bad}: not an advisor assessment" in result.output
    assert "Traceback" not in result.output
    missing = run("diff", tmp_path / "none.yaml", EXAMPLES / "calibrate" / "profile.yaml")
    assert missing.exit_code == 1 and "none.yaml" in missing.output


def test_diff_output_file_is_written_only_on_success(tmp_path, quarter):
    old, new, _ = quarter
    out = tmp_path / "changes.md"
    assert run("diff", old, new, "--format", "markdown", "-o", out).exit_code == 0
    assert out.read_text().startswith("# What changed: ")
    before = out.read_text()
    assert run("diff", tmp_path / "none.json", new, "-o", out).exit_code == 1
    assert out.read_text() == before
