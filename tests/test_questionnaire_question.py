"""The questionnaire's logic without a terminal: questions, optional sections, answers as profile data."""

from __future__ import annotations

from pathlib import Path

import yaml
from click.testing import CliRunner

from advisor.cli import main
from advisor.questionnaire.question import Question, build_questions, check_answer, optional_section, profile_data
from advisor.rubric import load_rubric

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
QUESTIONS = build_questions(load_rubric(None))
REQUIRED = {"project.name": "x", **{q.key: 1 for q in QUESTIONS if q.key.startswith("scores.")}}


def extra_section() -> list[Question]:
    gate = Question("economics", "yesno", "Cost figures?", default=False)
    return optional_section(gate, [Question("economics.strategies.pretrained.build", "count", "Build cost")])


def test_an_optional_section_is_skipped_on_no_and_nested_keys_build_its_mapping():
    questions = QUESTIONS + extra_section()
    build = questions[-1]
    assert not build.applies({**REQUIRED, "economics": False})
    assert "economics" not in profile_data({**REQUIRED, "economics": False}, questions)
    answers = {**REQUIRED, "economics": True, build.key: 1000}
    assert build.applies(answers)
    assert profile_data(answers, questions)["economics"] == {"strategies": {"pretrained": {"build": 1000}}}
    assert profile_data({**REQUIRED, "economics": True}, questions)["economics"] == {}


def test_a_section_must_open_with_a_yes_no_question_named_after_it():
    try:
        optional_section(Question("economics.currency", "text", "Currency"), [])
    except ValueError as exc:
        assert "economics.currency" in str(exc)
    else:
        raise AssertionError("accepted a gate that is not a yes/no question")


def test_an_answers_problems_are_those_located_in_its_field():
    tried = next(q for q in QUESTIONS if q.key == "context.adaptation_tried")
    (problem,) = check_answer(tried, ["pretrained", "magic"], REQUIRED, QUESTIONS)
    assert problem.location == ("context", "adaptation_tried", 1) and problem.file is None
    assert problem.render().startswith("context.adaptation_tried[1]: must be one of pretrained")
    weeks = next(q for q in QUESTIONS if q.key == "context.launch_weeks")
    # Another field's problem (the name is missing) is not this answer's.
    assert check_answer(weeks, 6, {}, QUESTIONS) == []


def test_answers_file_keeps_every_section_of_the_profile(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    source = EXAMPLES / "economics" / "profile.yaml"
    result = CliRunner().invoke(main, ["questionnaire", "--answers", str(source), "-o", "out.yaml"])
    assert result.exit_code == 0, result.output
    written = (tmp_path / "out.yaml").read_text()
    assert yaml.safe_load(written)["economics"] == yaml.safe_load(source.read_text())["economics"]
    assert "  # Months the total cost of ownership covers" in written  # each field explained
