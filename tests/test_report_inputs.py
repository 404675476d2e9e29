"""The report's inputs: every fact and score in words, the rubric's identity, checksums, and
paths relative to the report (never an absolute path of the machine it ran on)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from advisor.cli import main

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def run(*args):
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert result.exit_code == 0, result.output
    return result


def inputs_of(text: str) -> str:
    return text[text.index("## Inputs"):text.index("## Appendix")]


@pytest.fixture
def project(tmp_path):
    data = yaml.safe_load((EXAMPLES / "urgent-launch" / "profile.yaml").read_text())
    data["context"].update(monthly_volume=50_000, launch_weeks=6, has_eval_set=False, failure_cause="knowledge")
    data["context"].pop("high_stakes", None)
    folder = tmp_path / "team" / "project"
    folder.mkdir(parents=True)
    (folder / "profile.yaml").write_text(yaml.safe_dump(data))
    return folder / "profile.yaml"


def test_every_fact_the_profile_gave_is_in_words(project):
    text = inputs_of(run("assess", project).output)
    assert "| Requests per month | 50,000 |" in text
    assert "| Weeks until launch | 6 |" in text
    assert "| Held-out eval set exists | no |" in text
    assert "| Cause of the failures | missing knowledge or context |" in text
    assert "Not given, so no rule fired on them: errors harm people, money or safety" in text
    data = yaml.safe_load(project.read_text())
    for dimension, score in data["scores"].items():
        assert f" | {score} | " in text, dimension
    assert "| Quality gap | " in text and "| Control requirements | " in text


def test_builtin_rubric_is_named_as_such_not_by_a_path_users_do_not_have(project):
    text = inputs_of(run("assess", project).output)
    assert "rubrics/default.yaml" not in text
    assert "| Rubric | the built-in default rubric 'default', version 1 (shipped with advisor " in text
    assert "| built in | `" in text


def test_paths_are_relative_to_the_report_never_absolute(project, tmp_path, monkeypatch):
    out = tmp_path / "reports"
    out.mkdir()
    monkeypatch.chdir(tmp_path)
    # the questionnaire renders its report from the absolute profile path, as here
    run("assess", project.resolve(), "-o", (out / "report.md").resolve())
    text = (out / "report.md").read_text()
    assert str(tmp_path) not in text
    assert "| Profile | Support ticket assistant | ../team/project/profile.yaml | `" in text
    run("assess", project.resolve(), "--format", "html", "-o", out / "report.html")
    assert str(tmp_path) not in (out / "report.html").read_text()


def test_attached_predictions_are_named_relative_to_the_report(tmp_path, monkeypatch):
    folder = tmp_path / "calibrate"
    shutil.copytree(EXAMPLES / "calibrate", folder)
    (tmp_path / "out").mkdir()
    monkeypatch.chdir(tmp_path)
    run("assess", folder / "profile.yaml", "-o", tmp_path / "out" / "r.md", "--no-figures")
    text = inputs_of((tmp_path / "out" / "r.md").read_text())
    assert "| Predictions | the attached predictions | ../calibrate/predictions.npz | `fd6d70dc" in text
    assert "| Claimed ECE | 0.03 |" in text and "| Target accuracy | 0.8 |" in text


def test_a_custom_rubric_is_named_by_its_relative_path_and_checksum(tmp_path, monkeypatch):
    from advisor.resource import default_rubric_path

    shutil.copy(EXAMPLES / "urgent-launch" / "profile.yaml", tmp_path / "profile.yaml")
    (tmp_path / "house.yaml").write_text(default_rubric_path().read_text().replace("name: default", "name: house", 1))
    monkeypatch.chdir(tmp_path)
    text = inputs_of(run("assess", "profile.yaml", "--rubric", tmp_path / "house.yaml").output)
    assert "| Rubric | 'house', version 1 | house.yaml | `" in text
    assert "built-in" not in text
