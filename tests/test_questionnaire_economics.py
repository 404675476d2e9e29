"""The questionnaire's optional economics section and `advisor init`'s commented example."""

from __future__ import annotations

import pytest
import yaml
from click.testing import CliRunner

from advisor import profile
from advisor import questionnaire as q
from advisor.cli import main
from advisor.economics import Economics
from advisor.questionnaire.question import PRICED, build_questions, check_answer, parse_answer, profile_data
from advisor.questionnaire.writer import ECONOMICS_EXAMPLE
from advisor.rubric import load_rubric

TTY = {q.FORCE_INTERACTIVE_ENV: "1", "COLUMNS": "250"}  # a wide terminal: lines are not wrapped
QUESTIONS = build_questions(load_rubric(None))
BY_KEY = {question.key: question for question in QUESTIONS}
CONTRACT = {
    "currency": "EUR",
    "cost_per_error": 4.0,
    "strategies": {
        "pretrained": {"build": 15000, "monthly": 6000, "per_request": [0.002, 0.004], "success_rate": 0.86},
        "fine_tune": {"build": [40000, 80000], "monthly": 9000, "per_request": 0.0009, "success_rate": [0.92, 0.95]},
    },
}
# Project, six scores, twelve facts (monthly volume 2,000,000), no baseline.
START = (["Claims intake", ""] + ["3", "4", "2", "3", "2", "1"]
         + ["16", "", "y", "y", "2000000", "", "", "", "", "", "", ""] + ["n"])
FINISH = ["", "n"]  # no revision; no report


def invoke(answers, args=("-o", "p.yaml")):
    return CliRunner().invoke(main, ["questionnaire", *args], input="\n".join(answers) + "\n", env=TTY)


@pytest.fixture
def here(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_the_section_asked_at_the_terminal_with_ranges_in_both_spellings(here):
    economics = (["y", "EUR", "", "4.0", "pretrained, fine_tune"]
                 + ["15000", "6000", "0.002-0.004", "0.86"]
                 + ["[40000, 80000]", "9000", "0.0009", "0.92 - 0.95"])
    result = invoke(START + economics + FINISH)
    assert result.exit_code == 0, result.output
    written = yaml.safe_load((here / "p.yaml").read_text())
    assert written["economics"] == CONTRACT
    assert "priced" not in written["economics"]  # which strategies to price steers the questions only
    profile.load_profile(here / "p.yaml")


def test_the_whole_section_can_be_skipped(here):
    result = invoke(START + ["n"] + FINISH)
    assert result.exit_code == 0, result.output
    text = (here / "p.yaml").read_text()
    assert "economics" not in yaml.safe_load(text)
    assert "# economics:" in text  # shown commented out, as `advisor init` does


def test_bad_figures_are_asked_again_in_our_words(here):
    economics = (["y", "", "", "-", "fine_tune, fine_tuning", "fine_tune"]
                 + ["80000-40000", "abc", "40000-80000", "-", "-", "1.2", "0.9"])
    result = invoke(START + economics + FINISH)
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Error: economics.priced[1]: must be one of pretrained, fine_tune, calibrate, from_scratch" in out
    assert ("Error: economics.strategies.fine_tune.build: the low end 80000 is above the high end 40000; "
            "write [40000, 80000]") in out
    assert "Error: economics.strategies.fine_tune.build: must be an amount of money of 0 or more" in out
    assert "Error: economics.strategies.fine_tune.success_rate: must be a share from 0 to 1" in out
    written = yaml.safe_load((here / "p.yaml").read_text())["economics"]
    assert written == {"strategies": {"fine_tune": {"build": [40000, 80000], "success_rate": 0.9}}}


def test_per_request_without_monthly_volume_is_refused_on_the_spot(here):
    start = START[:12] + [""] + START[13:]  # monthly volume left unknown
    economics = ["y", "", "", "", "pretrained", "100", "10", "0.002", "-", ""]
    result = invoke(start + economics + FINISH)
    assert result.exit_code == 0, result.output
    assert "Error: economics.strategies.pretrained.per_request: a per-request cost needs context.monthly_volume" in (
        result.output)
    assert yaml.safe_load((here / "p.yaml").read_text())["economics"] == {
        "strategies": {"pretrained": {"build": 100, "monthly": 10}}}


def test_help_explains_each_number(here):
    economics = ["y", "?", "", "", "?", "", "pretrained", "?", "", "?", "", "?", "", "?", ""]
    result = invoke(START + economics + FINISH)
    assert result.exit_code == 0, result.output
    for phrase in ("nothing is converted", "Rework, refunds", "integration, prompt and retrieval work",
                   "do not grow with traffic", "marginal cost of one request", "measured accuracy",
                   "typed as 40000-80000 or [40000, 80000]"):
        assert phrase in result.output


def test_answers_as_data():
    build = BY_KEY["economics.strategies.fine_tune.build"]
    assert parse_answer(build, "40,000 to 80,000") == [40000, 80000]
    assert parse_answer(build, "-") is None
    assert parse_answer(build, "lots") == "lots"  # left for validation to name
    answers = {"project.name": "x", **{k: 1 for k in BY_KEY if k.startswith("scores.")},
               "context.monthly_volume": 10, "economics": True, PRICED: ["fine_tune"], build.key: [1, 2]}
    assert build.applies(answers) and not BY_KEY["economics.strategies.pretrained.build"].applies(answers)
    assert profile_data(answers, QUESTIONS)["economics"] == {"strategies": {"fine_tune": {"build": [1, 2]}}}
    assert check_answer(BY_KEY[PRICED], ["calibrate"], answers, QUESTIONS) == []
    (problem,) = check_answer(BY_KEY[PRICED], "calibrate", answers, QUESTIONS)
    assert problem.render().startswith("economics.priced: must be a list of strategy ids")


def test_init_shows_the_section_commented_out_and_it_works_uncommented(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["init", "-"])
    assert result.exit_code == 0
    assert "\n".join(ECONOMICS_EXAMPLE) in result.output
    body = [line[2:] for line in ECONOMICS_EXAMPLE if line.startswith(("# economics:", "#   "))]
    section = yaml.safe_load("\n".join(body))["economics"]
    assert section == {**CONTRACT, "horizon_months": 12}
    Economics.model_validate(section)
    starter = yaml.safe_load(result.output)
    starter["context"]["monthly_volume"] = 2_000_000
    profile.validate_profile_data({**starter, "economics": section}, "starter")


def test_the_profile_schema_describes_the_section():
    import jsonschema

    schema = profile.json_schema()
    base = {"version": 1, "project": {"name": "x"}, "context": {"monthly_volume": 10},
            "scores": dict.fromkeys(profile.DIMENSIONS, 1)}
    jsonschema.validate({**base, "economics": CONTRACT}, schema)
    for bad in ({"cost_per_error": -1}, {"strategies": {"pretrained": {"success_rate": 1.5}}},
                {"strategies": {"pretrained": {"build": [1, 2, 3]}}}, {"strategies": {"fine_tuning": {}}},
                {"horizon_months": 0}):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate({**base, "economics": bad}, schema)
