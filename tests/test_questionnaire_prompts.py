"""What the questionnaire shows and accepts at each prompt, as a user meets it at the terminal."""

from __future__ import annotations

import pytest
import yaml
from click.testing import CliRunner

from advisor import questionnaire as q
from advisor.cli import main
from advisor.questionnaire.question import Question, build_questions, parse_answer, typed_count
from advisor.rubric import load_rubric

QUESTIONS = build_questions(load_rubric(None))
WIDE = {q.FORCE_INTERACTIVE_ENV: "1", "COLUMNS": "250"}
REQUIRED = {"project.name": "Claims", **{f"scores.{d}": "2" for d in
                                         ("quality_gap", "data_readiness", "latency", "cost", "governance",
                                          "control")}}


def typed(answers: dict[str, str]) -> list[str]:
    """One line per question asked, in order: the answer given for its key, else Enter."""
    lines, given = [], {}
    for question in QUESTIONS:
        if question.applies(given):
            text = answers.get(question.key, "")
            lines.append(text)
            if text or question.default is not None:
                given[question.key] = parse_answer(question, text) if text else question.default
    return lines


def invoke(args, lines, env=WIDE):
    return CliRunner().invoke(main, ["questionnaire", *args], input="\n".join(lines) + "\n", env=env)


@pytest.fixture
def here(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


FINISH = ["", "n"]  # no revision; no report


def test_an_existing_o_file_is_replaced_only_if_the_user_says_so(here):
    (here / "p.yaml").write_text("precious\n")
    result = invoke(["-o", "p.yaml"], typed(REQUIRED) + ["", "n", "other.yaml", "n"])
    assert result.exit_code == 0, result.output
    assert "p.yaml exists. Overwrite it? [y/N]" in result.output
    assert (here / "p.yaml").read_text() == "precious\n"
    assert yaml.safe_load((here / "other.yaml").read_text())["project"]["name"] == "Claims"
    result = invoke(["-o", "p.yaml"], typed(REQUIRED) + ["", "y", "n"])
    assert result.exit_code == 0, result.output
    assert yaml.safe_load((here / "p.yaml").read_text())["project"]["name"] == "Claims"


def test_dash_is_explained_before_the_first_prompt_that_shows_it(here):
    out = invoke(["-o", "p.yaml"], typed(REQUIRED) + FINISH).output
    explained = out.index("type - when you do not know an optional answer (it is left blank, shown as [-])")
    assert explained < out.index("project.summary [-]:")  # the first prompt that offers -
    assert explained < min(out.index(f"{key} [-]") for key in ("project.summary", "context.launch_weeks"))


@pytest.mark.parametrize("text, number", [("50,000", 50000), ("50k", 50000), ("50 000", 50000), ("1.5M", 1500000),
                                          ("2,000,000", 2000000), ("12", 12)])
def test_counts_are_read_as_people_type_them(text, number):
    assert typed_count(text) == number


@pytest.mark.parametrize("text", ["1,5", "1,0000", "0.5", "-3", "1e3", "2.5.1k", "k"])
def test_what_is_not_a_whole_number_is_not_read_as_one(text):
    assert typed_count(text) is None


def test_typed_counts_reach_the_profile(here):
    answers = dict(REQUIRED, **{"context.labeled_examples": "50k", "context.monthly_volume": "2,000,000",
                                "context.launch_weeks": "1,5"})
    lines = typed(answers)
    at = lines.index("1,5") + 1
    result = invoke(["-o", "p.yaml"], [*lines[:at], "6", *lines[at:]] + FINISH)
    assert result.exit_code == 0, result.output
    assert "Error: context.launch_weeks: must be a whole number of 0 or more (got '1,5')" in result.output
    context = yaml.safe_load((here / "p.yaml").read_text())["context"]
    assert (context["labeled_examples"], context["monthly_volume"], context["launch_weeks"]) == (50000, 2000000, 6)


def test_yes_no_prompts_and_their_errors_use_the_same_words(here):
    lines = typed(REQUIRED)
    flag = lines.index("", len(REQUIRED) + 3)  # context.has_eval_set, the third fact
    lines = [*lines[:flag], "maybe", *lines[flag:]]
    gate = len(lines) - 2  # "Do you have a measured baseline?"
    lines = [*lines[:gate], "true", *lines[gate:]]
    result = invoke(["-o", "p.yaml"], lines + ["", "maybe", "n"])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "context.has_eval_set (y/n/-) [-]: maybe\n  Error: context.has_eval_set: answer y (yes), n (no) or " \
           "- (unknown)" in out
    assert "baseline (y/n) [n]: true\n  Error: baseline: answer y (yes) or n (no)\n" in out
    assert "Render the report now? [Y/n]: maybe\n  Error: answer y (yes) or n (no), or press Enter for yes" in out


def test_nothing_tried_is_none_and_no_approach_in_production_is_none(here):
    answers = dict(REQUIRED, **{"context.current_approach": "none"})
    result = invoke(["-o", "p.yaml"], typed(answers) + FINISH)
    assert result.exit_code == 0, result.output
    assert "context.adaptation_tried (any of pretrained, fine_tune, calibrate, from_scratch; or none) [none]:" \
        in result.output
    assert "context.adaptation_tried: none\n" in result.output  # the summary
    assert "context.current_approach: none\n" in result.output
    context = yaml.safe_load((here / "p.yaml").read_text())["context"]
    assert context["adaptation_tried"] == [] and context["current_approach"] == "none"


def test_the_allowed_values_are_listed_in_the_prompt_and_the_help_explains_them(here):
    cause = next(i for i, question in enumerate(QUESTIONS) if question.key == "context.failure_cause")
    lines = typed(REQUIRED)
    # questions before it: all apply, so the index in the typed lines is the question's index
    lines = [*lines[:cause], "?", "coverage", *lines[cause + 1:]]
    result = invoke(["-o", "p.yaml"], lines + FINISH)
    assert result.exit_code == 0, result.output
    out = result.output
    rubric = load_rubric(None)
    assert rubric.facts["failure_cause"].question in out
    assert "context.failure_cause (knowledge, behaviour, coverage, confidence; - if unknown) [-]:" in out
    assert "knowledge: answers lack facts or context the model cannot know" in out  # the rubric's help
    assert "context.current_approach (none, pretrained, fine_tune, calibrate, from_scratch; - if unknown)" in out
    assert yaml.safe_load((here / "p.yaml").read_text())["context"]["failure_cause"] == "coverage"


def test_help_and_levels_wrap_to_the_terminal_width(here):
    env = {q.FORCE_INTERACTIVE_ENV: "1", "COLUMNS": "50"}
    lines = typed(REQUIRED)
    lines = [*lines[:2], "?", *lines[2:]]  # help on the first score
    result = invoke(["-o", "p.yaml"], lines + FINISH, env=env)
    assert result.exit_code == 0, result.output
    explanation = " ".join(load_rubric(None).dimensions[0].explanation.split())
    shown = [line for line in result.output.splitlines() if ":" not in line or not line.strip().startswith(
        ("project.", "scores.", "context.", "baseline", "economics", "Number", "Render"))]
    assert max(len(line) for line in shown) <= 50
    assert explanation in " ".join(line.strip() for line in result.output.splitlines())


def test_the_recommendation_is_printed_when_a_report_is_written(here):
    result = invoke(["-o", "p.yaml"], typed(REQUIRED) + ["", "y", ""])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Wrote p-report.md" in out
    recommendation = out[out.index("Wrote p-report.md"):]
    assert "Recommendation: " in recommendation and "is the strategy to pursue now" in recommendation
    assert "First step: " in recommendation
    assert "Recommendation" not in invoke(["-o", "q.yaml"], typed(REQUIRED) + FINISH).output


def test_a_custom_question_kind_without_choices_gets_no_hint():
    assert q.session.answer_hint(Question("project.summary", "text", "Summary")) == ""


@pytest.mark.parametrize("text, amount", [("50,000", 50000), ("50k", 50000), ("1.5M", 1500000),
                                          ("40k-80k", [40000, 80000]), ("0.002", 0.002)])
def test_amounts_are_read_as_people_type_them_too(text, amount):
    from advisor.economics import parse_typed_amount

    assert parse_typed_amount(text) == amount


def test_the_summary_shows_answers_as_they_are_typed():
    from advisor.questionnaire.question import display

    assert display([40000, 80000], Question("economics.strategies.pretrained.build", "amount", "Build")) == "40000-80000"
    assert display([], Question("context.adaptation_tried", "strategies", "Tried")) == "none"
    assert display(None, Question("context.failure_cause", "choice", "Cause")) == "-"
