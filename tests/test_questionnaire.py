"""`advisor questionnaire`: terminal flow (CliRunner input), --answers, resume and Ctrl-C."""

from __future__ import annotations

import shutil
from pathlib import Path

import click
import pytest
import yaml
from click.testing import CliRunner
from helpers import figures_beside
from hypothesis import given, settings
from hypothesis import strategies as st

from advisor import profile
from advisor import questionnaire as q
from advisor.cli import main
from advisor.questionnaire import progress, question, session, writer
from advisor.rubric import load_rubric

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
TTY = {q.FORCE_INTERACTIVE_ENV: "1", "COLUMNS": "250"}  # a wide terminal: lines are not wrapped

# One answer per question, in the order asked (default rubric): project, six scores,
# twelve context facts, "baseline?" and the five baseline questions.
NAME = ["Claims | intake <v2>", "Extract claim fields."]
SCORES = ["3", "4", "2", "3", "2", "1"]
FACTS = ["16", "20000", "y", "yes", "2000000", "y", "n", "", "", "pretrained", "", ""]
BASELINE = ["y", "0.9", "", "0.97", "", "-"]
ALL = NAME + SCORES + FACTS + BASELINE
NO_COSTS = ["n"]  # "compare what the strategies would cost?"
FINISH = NO_COSTS + ["", "n"]  # no cost figures; no revision; do not render the report


def feed(answers) -> str:
    return "\n".join(answers) + "\n"


def invoke(args, answers=(), env=TTY, **kwargs):
    return CliRunner().invoke(main, ["questionnaire", *args], input=feed(answers), env=env, **kwargs)


@pytest.fixture
def here(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


EXPECTED = {
    "version": 1,
    "project": {"name": "Claims | intake <v2>", "summary": "Extract claim fields."},
    "scores": {"quality_gap": 3, "data_readiness": 4, "latency": 2, "cost": 3, "governance": 2, "control": 1},
    "context": {"launch_weeks": 16, "labeled_examples": 20000, "has_eval_set": True, "failure_classes_known": True,
                "monthly_volume": 2000000, "confidence_used_downstream": True, "high_stakes": False,
                "sovereignty_required": None, "proprietary_data_moat": None, "adaptation_tried": ["pretrained"],
                "failure_cause": None, "current_approach": None},
    "baseline": {"accuracy": 0.9, "target_accuracy": 0.97, "target_ece": 0.05},
}


def test_full_terminal_run_writes_commented_valid_profile(here):
    result = invoke(["-o", "profile.yaml"], ALL + FINISH)
    assert result.exit_code == 0, result.output
    text = (here / "profile.yaml").read_text()
    assert yaml.safe_load(text) == EXPECTED
    assert text.startswith(f"# yaml-language-server: $schema={q.SCHEMA_FILE}\n")
    assert "#   0 = The pre-trained model already meets the target" in text
    profile.load_profile(here / "profile.yaml")  # valid by the profile's own loader
    assert not (here / progress.PROGRESS_FILE).exists()  # progress is cleared once written
    assert "Summary of your answers:" in result.output
    assert "Later: advisor assess profile.yaml" in result.output


def test_terminal_and_answers_file_give_the_same_profile(here):
    assert invoke(["-o", "a.yaml"], ALL + FINISH).exit_code == 0
    (here / "answers.yaml").write_text(yaml.safe_dump(EXPECTED))
    result = invoke(["--answers", "answers.yaml", "-o", "b.yaml"], env={})
    assert result.exit_code == 0, result.output
    assert (here / "a.yaml").read_text() == (here / "b.yaml").read_text()


def test_bad_answers_are_asked_again(here):
    answers = (NAME + ["7", "x", "3"] + SCORES[1:] + ["-3", "16"] + FACTS[1:2] + ["maybe", "y"] + FACTS[3:9]
               + ["bogus", "pretrained", "", ""] + ["y", "1.5", "0.9", "", "0.97", "", "missing.npz", "-"] + FINISH)
    result = invoke(["-o", "p.yaml"], answers)
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Error: scores.quality_gap: must be an integer from 0 to 5 (got 7)" in out
    assert "Error: scores.quality_gap: must be an integer from 0 to 5 (got 'x')" in out
    assert "Error: context.launch_weeks: must be a whole number of 0 or more (got -3)" in out
    assert "Error: context.has_eval_set: answer y (yes), n (no) or - (unknown)" in out
    assert "Error: context.adaptation_tried[0]: must be one of pretrained" in out
    assert "Error: baseline.accuracy: must be a number from 0 to 1 (got 1.5)" in out
    assert "Error: missing.npz: no such file" in out
    assert yaml.safe_load((here / "p.yaml").read_text()) == EXPECTED


def test_required_name_cannot_be_skipped(here):
    result = invoke(["-o", "p.yaml"], [""] + ALL + FINISH)
    assert result.exit_code == 0, result.output
    assert "Error: project.name: is required" in result.output


def test_question_mark_shows_help_and_anchors_are_listed(here):
    rubric = load_rubric(None)
    quality = rubric.dimensions[0]
    result = invoke(["-o", "p.yaml"], NAME + ["?"] + ALL[2:] + FINISH)
    assert result.exit_code == 0, result.output
    assert " ".join(quality.explanation.split())[:60] in result.output
    for level in quality.levels:
        assert level in result.output
    assert rubric.facts["launch_weeks"].question in result.output


def test_revise_an_answer_from_the_summary(here):
    # Answer 3 is scores.quality_gap: revise it from 3 to 5, then finish.
    result = invoke(["-o", "p.yaml"], ALL + NO_COSTS + ["3", "5", "", "n"])
    assert result.exit_code == 0, result.output
    assert yaml.safe_load((here / "p.yaml").read_text())["scores"]["quality_gap"] == 5
    assert result.output.count("Summary of your answers:") == 2


def test_revise_rejects_a_bad_number_and_can_switch_baseline_off(here):
    # Answer 21 is "baseline?": answering n drops the baseline answers.
    result = invoke(["-o", "p.yaml"], ALL + NO_COSTS + ["99", "21", "n", "", "n"])
    assert result.exit_code == 0, result.output
    assert "Error: enter a number from 1 to" in result.output
    assert "baseline" not in yaml.safe_load((here / "p.yaml").read_text())


def test_eof_midway_saves_progress_and_resume_finishes(here):
    first = invoke(["-o", "p.yaml"], ALL[:5])  # input ends: click.Abort, like Ctrl-C
    assert first.exit_code == 1
    assert "5 answers are saved" in first.output
    assert "--resume" in first.output
    saved = yaml.safe_load((here / progress.PROGRESS_FILE).read_text())
    assert list(saved["answers"]) == ["project.name", "project.summary", "scores.quality_gap",
                                      "scores.data_readiness", "scores.latency"]
    assert not (here / "p.yaml").exists()
    second = invoke(["--resume"], ALL[5:] + FINISH)  # -o is remembered
    assert second.exit_code == 0, second.output
    assert "Resuming with 5 saved answers." in second.output
    assert yaml.safe_load((here / "p.yaml").read_text()) == EXPECTED


def test_keyboard_interrupt_saves_progress(here, monkeypatch):
    calls = {"n": 0}
    real_prompt = click.prompt

    def prompt(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 4:
            raise KeyboardInterrupt
        return real_prompt(*args, **kwargs)

    monkeypatch.setattr(click, "prompt", prompt)
    result = invoke(["-o", "p.yaml"], ALL)
    assert result.exit_code == 1
    assert "3 answers are saved" in result.output
    monkeypatch.setattr(click, "prompt", real_prompt)
    result = invoke(["--resume"], ALL[3:] + FINISH)
    assert result.exit_code == 0, result.output
    assert yaml.safe_load((here / "p.yaml").read_text()) == EXPECTED


def test_unfinished_questionnaire_found_without_resume(here):
    invoke(["-o", "p.yaml"], ALL[:3])
    # Decline resuming: start over with different answers.
    result = invoke(["-o", "p.yaml"], ["n"] + ["Other"] + ALL[1:] + FINISH)
    assert result.exit_code == 0, result.output
    assert "Resume it?" in result.output
    assert yaml.safe_load((here / "p.yaml").read_text())["project"]["name"] == "Other"
    # Accept resuming.
    invoke(["-o", "r.yaml"], ALL[:3])
    result = invoke([], ["y"] + ALL[3:] + FINISH)
    assert result.exit_code == 0, result.output
    assert yaml.safe_load((here / "r.yaml").read_text()) == EXPECTED


def test_resume_with_nothing_saved(here):
    result = invoke(["--resume"], [])
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: {progress.PROGRESS_FILE}: there is no unfinished questionnaire")


def test_no_terminal_and_no_answers_fails_fast(here):
    result = invoke([], [], env={q.FORCE_INTERACTIVE_ENV: ""})
    assert result.exit_code == 1
    assert result.output.startswith("Error: standard input is not a terminal")
    assert "--answers FILE" in result.output


def test_asks_for_output_path_and_confirms_overwrite(here):
    (here / "profile.yaml").write_text("old\n")
    result = invoke([], ALL + NO_COSTS + ["", "", "n", "mine.yaml", "n"])
    assert result.exit_code == 0, result.output
    assert (here / "profile.yaml").read_text() == "old\n"
    assert yaml.safe_load((here / "mine.yaml").read_text()) == EXPECTED


def test_offers_to_render_the_report(here):
    result = invoke(["-o", "p.yaml"], ALL + NO_COSTS + ["", "y", ""])
    assert result.exit_code == 0, result.output
    report = (here / "p-report.md").read_text()
    assert report.startswith("# Model strategy for Claims \\| intake &lt;v2&gt;\n")
    assert "scores" in figures_beside(here, "p-report")
    assert "Wrote p-report.md" in result.output


def test_attach_predictions_interactively_and_rebase_the_path(here):
    data = here / "data"
    data.mkdir()
    shutil.copy(EXAMPLES / "calibrate" / "predictions.npz", data / "preds.npz")
    (here / "out").mkdir()
    answers = ALL[:-1] + ["data/preds.npz"] + FINISH
    result = invoke(["-o", "out/p.yaml"], answers)
    assert result.exit_code == 0, result.output
    written = yaml.safe_load((here / "out" / "p.yaml").read_text())
    assert written["baseline"]["predictions"] == "../data/preds.npz"
    assert profile.load_profile(here / "out" / "p.yaml").predictions_path == (data / "preds.npz").resolve()


def test_malformed_predictions_rejected_on_the_spot(here):
    (here / "bad.csv").write_text("label,p0,p1\n0,0.5,0.6\n")
    result = invoke(["-o", "p.yaml"], ALL[:-1] + ["bad.csv", "-"] + FINISH)
    assert result.exit_code == 0, result.output
    assert "Error: " in result.output and "bad.csv" in result.output


# ---------------------------------------------------------------- --answers

def test_answers_file_errors_name_file_line_and_field(here):
    (here / "p.yaml").write_text("keep\n")
    (here / "answers.yaml").write_text(
        "version: 1\nproject:\n  name: X\nscores:\n  quality_gap: 9\n  data_readiness: 1\n  latency: 1\n"
        "  cost: 1\n  governance: 1\n  control: 1\ncontext:\n  launch_weks: 3\n")
    result = invoke(["--answers", "answers.yaml", "-o", "p.yaml"], env={})
    assert result.exit_code == 1
    assert "answers.yaml:5: scores.quality_gap: must be an integer from 0 to 5 (got 9)" in result.output
    assert "answers.yaml:12: context.launch_weks: unknown key (did you mean `launch_weeks`?)" in result.output
    assert (here / "p.yaml").read_text() == "keep\n"


def test_answers_file_missing(here):
    result = invoke(["--answers", "nope.yaml"], env={})
    assert result.exit_code == 1
    assert result.output.startswith("Error: nope.yaml: no such file")


def test_answers_from_stdin_print_the_profile(here):
    result = CliRunner().invoke(main, ["questionnaire", "--answers", "-"], input=yaml.safe_dump(EXPECTED))
    assert result.exit_code == 0, result.output
    assert yaml.safe_load(result.output) == EXPECTED


def test_answers_predictions_rebased_and_checked(here):
    (here / "in").mkdir()
    (here / "out").mkdir()
    shutil.copy(EXAMPLES / "calibrate" / "predictions.npz", here / "in" / "preds.npz")
    data = dict(EXPECTED, baseline={"accuracy": 0.8, "predictions": "preds.npz"})
    (here / "in" / "answers.yaml").write_text(yaml.safe_dump(data))
    result = invoke(["--answers", "in/answers.yaml", "-o", "out/p.yaml"], env={})
    assert result.exit_code == 0, result.output
    assert yaml.safe_load((here / "out" / "p.yaml").read_text())["baseline"]["predictions"] == "../in/preds.npz"
    data["baseline"]["predictions"] = "absent.npz"
    (here / "in" / "answers.yaml").write_text(yaml.safe_dump(data))
    result = invoke(["--answers", "in/answers.yaml", "-o", "out/q.yaml"], env={})
    assert result.exit_code == 1
    assert "baseline.predictions" in result.output and "absent.npz" in result.output
    assert not (here / "out" / "q.yaml").exists()


# ---------------------------------------------------------------- the YAML writer

@settings(max_examples=60, deadline=None)
@given(name=st.text(min_size=1).filter(lambda s: s.strip()), summary=st.one_of(st.none(), st.text()))
def test_written_profile_round_trips_any_text(name, summary):
    data = {key: (dict(value) if isinstance(value, dict) else value) for key, value in EXPECTED.items()}
    data["project"] = {"name": name} if summary is None else {"name": name, "summary": summary}
    text = writer.profile_yaml(data, load_rubric(None), ["header"])
    assert yaml.safe_load(text) == data


def test_parse_answer_reads_yaml_values():
    questions = {item.key: item for item in question.build_questions(load_rubric(None))}
    assert question.parse_answer(questions["scores.cost"], "3") == 3
    assert question.parse_answer(questions["context.high_stakes"], "Yes") is True
    assert question.parse_answer(questions["context.high_stakes"], "-") is None
    assert question.parse_answer(questions["context.adaptation_tried"], "pretrained, fine_tune") == ["pretrained", "fine_tune"]
    assert question.parse_answer(questions["context.adaptation_tried"], "[calibrate]") == ["calibrate"]
    assert question.parse_answer(questions["project.name"], " 123 ") == "123"
    assert question.parse_answer(questions["baseline.accuracy"], "0.5") == 0.5


def test_custom_rubric_drives_the_questions(here):
    from advisor.resource import default_rubric_path

    text = default_rubric_path().read_text()
    custom = text.replace("name: default", "name: house-rules", 1).replace(
        "question: How far is the best pre-trained model", "question: HOUSE How far is the best pre-trained model", 1)
    (here / "house.yaml").write_text(custom)
    result = invoke(["-o", "p.yaml", "--rubric", "house.yaml"], ALL + FINISH)
    assert result.exit_code == 0, result.output
    assert "rubric 'house-rules'" in result.output
    assert "Quality gap: HOUSE How far" in result.output
    written = (here / "p.yaml").read_text()
    assert "# Quality gap: HOUSE How far" in written
    assert "rubric 'house-rules'" in written
    # A saved --rubric is remembered by --resume.
    invoke(["-o", "r.yaml", "--rubric", "house.yaml"], ALL[:4])
    result = invoke(["--resume"], ALL[4:] + FINISH)
    assert result.exit_code == 0, result.output
    assert "rubric 'house-rules'" in result.output


def test_bad_rubric_is_an_input_error(here):
    (here / "bad.yaml").write_text("name: [unclosed\n")
    result = invoke(["-o", "p.yaml", "--rubric", "bad.yaml"], ALL)
    assert result.exit_code == 1
    assert result.output.startswith("Error: ")
    assert "bad.yaml" in result.output


# ---------------------------------------------------------------- prompts: help, hints, refusals

def test_question_mark_is_help_at_every_prompt_never_a_file_name(here):
    (here / "sub").mkdir()
    answers = ALL + NO_COSTS + ["?", "",  # revise prompt
                     "?", "",  # profile path
                     "?", "y",  # render the report?
                     "?", "   ", "sub", "-", "nowhere/r.md", ""]  # report path
    result = invoke([], answers)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in here.iterdir() if "?" in p.name) == []
    out = result.output
    assert "Type the number of an answer to change it" in out
    assert "The profile is a YAML file" in out
    assert "The report is a Markdown file" in out
    assert "Answer y (yes) or n (no)" in out
    assert "Error: type a file name" in out
    assert "Error: sub: cannot write here: it is a directory" in out
    assert "Error: nowhere/r.md: cannot write here: the folder 'nowhere' does not exist" in out
    assert (here / "profile-report.md").is_file() and (here / "profile.yaml").is_file()


def test_question_mark_at_the_resume_and_overwrite_questions(here):
    invoke(["-o", "p.yaml"], ALL[:3])
    result = invoke([], ["?", "y"] + ALL[3:] + FINISH)
    assert result.exit_code == 0, result.output
    assert "y continues from the saved answers" in result.output


def test_report_path_that_exists_asks_before_overwriting(here):
    (here / "p-report.md").write_text("old\n")
    result = invoke(["-o", "p.yaml"], ALL + NO_COSTS + ["", "y", "", "n", "new.md"])
    assert result.exit_code == 0, result.output
    assert (here / "p-report.md").read_text() == "old\n"
    assert (here / "new.md").is_file()


def test_dash_means_unknown_is_explained_and_yes_no_questions_show_how_to_answer(here):
    result = invoke(["-o", "p.yaml"], ALL[:11] + ["?"] + ALL[11:] + FINISH)
    assert result.exit_code == 0, result.output
    out = result.output
    assert out.count(session.UNKNOWN_NOTE) == 1  # once, before the first context fact
    assert out.index(session.UNKNOWN_NOTE) < out.index("context.launch_weeks")
    assert "context.has_eval_set (y/n/-) [-]:" in out
    assert "baseline (y/n) [n]:" in out
    assert "scores.cost (0-5):" in out
    assert "Answer y (yes), n (no) or - (unknown); - leaves the fact blank." in out  # the ? help on a fact


def test_yes_no_confirmation_says_what_it_accepts(here):
    result = invoke(["-o", "p.yaml"], ALL + NO_COSTS + ["", "maybe", "n"])
    assert result.exit_code == 0, result.output
    assert "invalid input" not in result.output
    assert "Error: answer y (yes) or n (no), or press Enter for yes" in result.output


def test_interrupt_prints_one_message_and_exits_1(here):
    result = invoke(["-o", "p.yaml"], ALL[:5])
    assert result.exit_code == 1
    assert "Aborted!" not in result.output
    assert result.output.count("Stopped.") == 1
    first = invoke([], [], env=TTY)  # nothing answered yet: nothing saved, still one message
    assert first.exit_code == 1
    assert "Aborted!" not in first.output


def test_interrupt_after_the_profile_is_written_says_so(here):
    result = invoke(["-o", "p.yaml"], ALL + NO_COSTS + ["", "y"])  # input ends at the report path
    assert result.exit_code == 1
    assert "Aborted!" not in result.output
    assert "p.yaml was written" in result.output
    assert "answers are saved" not in result.output


def test_predictions_prompt_mentions_npy_pairs_and_accepts_one(here):
    import numpy as np

    np.save(here / "m.labels.npy", np.array([0, 1, 1, 0]))
    np.save(here / "m.probs.npy", np.array([[0.8, 0.2], [0.3, 0.7], [0.4, 0.6], [0.9, 0.1]]))
    result = invoke(["-o", "p.yaml"], ALL[:-1] + ["m.probs.npy"] + FINISH)
    assert result.exit_code == 0, result.output
    assert "NAME.labels.npy" in result.output
    assert yaml.safe_load((here / "p.yaml").read_text())["baseline"]["predictions"] == "m.probs.npy"


def test_answers_path_that_is_a_directory(here):
    (here / "d").mkdir()
    result = invoke(["--answers", "d"], env={})
    assert result.exit_code == 1
    assert result.output == "Error: d: is a folder, not a file\n"


def test_output_that_is_a_directory_is_refused_before_any_question(here):
    (here / "d").mkdir()
    result = invoke(["-o", "d"], ALL)
    assert result.exit_code == 1
    assert result.output.startswith("Error: d: cannot write here: it is a directory")


def test_interrupt_at_the_resume_question_keeps_the_saved_answers(here):
    invoke(["-o", "p.yaml"], ALL[:3])
    result = CliRunner().invoke(main, ["questionnaire"], input="", env=TTY)  # input ends at "Resume it?"
    assert result.exit_code == 1
    assert "Aborted!" not in result.output
    assert "The saved answers are still in" in result.output
    assert len(yaml.safe_load((here / progress.PROGRESS_FILE).read_text())["answers"]) == 3


# ---------------------------------------------------------------- an untrusted progress file

PROGRESS_ANSWERS = dict(zip(["project.name", "project.summary", *(f"scores.{d}" for d in profile.DIMENSIONS)],
                            ["Demo", None, 1, 1, 1, 1, 1, 1], strict=True))
VICTIM = b"precious data\n"


def write_progress(here, **fields):
    state = {"advisor_questionnaire": 1, "answers": PROGRESS_ANSWERS, **fields}
    (here / progress.PROGRESS_FILE).write_text(yaml.safe_dump(state, sort_keys=False))
    return (here / progress.PROGRESS_FILE).read_bytes()


def test_progress_file_output_is_shown_and_not_replaced_without_asking(here):
    (here / "victim.txt").write_bytes(VICTIM)
    write_progress(here, output="victim.txt", cwd="/somewhere/else")
    # Enter to resume, the twelve facts, "baseline?" and "costs?" left at their defaults, Enter to
    # finish; Enter at "Overwrite it?" (no), then another name, and no report.
    result = invoke([], [""] + [""] * 14 + ["", "", "mine.yaml", "n"])
    assert result.exit_code == 0, result.output
    assert (here / "victim.txt").read_bytes() == VICTIM
    assert "It writes the profile to victim.txt (named in the progress file" in result.output
    assert "with the built-in rubric" in result.output
    assert "It was saved in /somewhere/else; its relative paths are read from this folder instead." in result.output
    assert "victim.txt exists. Overwrite it? [y/N]" in result.output
    assert yaml.safe_load((here / "mine.yaml").read_text())["project"]["name"] == "Demo"


def test_progress_file_output_is_replaced_when_the_user_says_so(here):
    (here / "victim.txt").write_bytes(VICTIM)
    write_progress(here, output="victim.txt")
    result = invoke(["--resume"], [""] * 14 + ["", "y", "n"])
    assert result.exit_code == 0, result.output
    assert "It writes the profile to victim.txt (named in the progress file" in result.output
    assert yaml.safe_load((here / "victim.txt").read_text())["project"]["name"] == "Demo"


def test_output_and_rubric_on_the_command_line_win_over_the_saved_ones(here):
    from advisor.resource import default_rubric_path

    (here / "victim.txt").write_bytes(VICTIM)
    (here / "house.yaml").write_text(default_rubric_path().read_text().replace("name: default", "name: house", 1))
    write_progress(here, output="victim.txt", rubric="house.yaml")
    result = invoke(["-o", "mine.yaml"], ["y"] + [""] * 13 + FINISH)
    assert result.exit_code == 0, result.output
    assert "It writes the profile to mine.yaml, with the rubric house.yaml.\n" in result.output
    assert "rubric 'house'" in result.output
    assert "Overwrite" not in result.output
    assert (here / "victim.txt").read_bytes() == VICTIM
    assert (here / "mine.yaml").is_file()
    write_progress(here, output="victim.txt", rubric="house.yaml")
    (here / "mine.yaml").unlink()  # an existing -o file is asked about (tested on its own)
    result = invoke(["-o", "mine.yaml", "--rubric", str(default_rubric_path())], ["y"] + [""] * 13 + FINISH)
    assert result.exit_code == 0, result.output
    assert f"with the rubric {default_rubric_path()}." in result.output
    assert "rubric 'default'" in result.output


BAD_PROGRESS = {
    "advisor_questionnaire: 1\nrubric: 5\nanswers: {}\n": ":2: rubric: must be a file path or null (got 5); write \"5\" in quotes to make it text",
    "advisor_questionnaire: 1\noutput: [1]\nanswers: {}\n": ":2: output: must be a file path or null (got a list)",
    "advisor_questionnaire: 1\ncwd: {a: 1}\nanswers: {}\n": ":2: cwd: must be a file path or null (got a mapping)",
    "answers: {}\n": ":1: advisor_questionnaire: is required (must be 1)",
    "advisor_questionnaire: 2\nanswers: {}\n": ":1: advisor_questionnaire: must be 1 (got 2)",
    "advisor_questionnaire: true\nanswers: {}\n": ":1: advisor_questionnaire: must be 1 (got true)",
    "advisor_questionnaire: 1\nanswers: {}\nrun: rm -rf\n":
        ":3: run: unknown key; valid keys here: advisor_questionnaire, output, rubric, cwd, answers",
    "advisor_questionnaire: 1\n": ":1: answers: is required",
    "advisor_questionnaire: 1\nanswers: [1]\n": ":2: answers: must be a mapping of questions to answers (got a list)",
    "- 1\n": ":1: must be a mapping with advisor_questionnaire and answers (got a list)",
    "advisor_questionnaire: 1\nanswers:\n  scores.cost: 9\n":
        ":3: answers: scores.cost: must be an integer from 0 to 5 (got 9)",
    "advisor_questionnaire: 1\nanswers:\n  project.name: ''\n": ":3: answers: project.name: is required",
    "advisor_questionnaire: 1\nanswers:\n  scores.owned: 1\n": ":3: answers: scores.owned: unknown question",
    "advisor_questionnaire: 1\nanswers:\n  baseline: maybe\n": ":3: answers: baseline: answer y (yes) or n (no)",
    "advisor_questionnaire: 1\nanswers:\n  baseline: true\n  baseline.predictions: gone.npz\n":
        ":4: answers: baseline.predictions: gone.npz: no such file",
}


@pytest.mark.parametrize("args", [["--resume"], []])
@pytest.mark.parametrize("text, problem", BAD_PROGRESS.items())
def test_every_field_of_the_progress_file_is_checked(here, text, problem, args):
    (here / "victim.txt").write_bytes(VICTIM)
    (here / progress.PROGRESS_FILE).write_text(text)
    result = invoke([*args, "-o", "out.yaml"], ["y"] + [""] * 30)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output and result.output.count("Error:") == 1
    head = f"Error: {progress.PROGRESS_FILE}: {progress.PROGRESS_BROKEN}\n"
    assert head in result.output
    assert result.output.endswith(f"{head}  {progress.PROGRESS_FILE}{problem}\n"), result.output
    assert (here / progress.PROGRESS_FILE).read_text() == text  # nothing lost
    assert (here / "victim.txt").read_bytes() == VICTIM
    assert not (here / "out.yaml").exists()


def test_saved_answers_with_terminal_escapes_are_refused_and_never_echoed(here):
    (here / progress.PROGRESS_FILE).write_text('advisor_questionnaire: 1\nanswers:\n  project.name: "\\e[2J\\e]0;owned\\a"\n')
    result = invoke(["--resume", "-o", "out.yaml"], [""] * 30)
    assert result.exit_code == 1
    assert "Traceback" not in result.output and result.output.count("Error:") == 1
    assert f"{progress.PROGRESS_FILE}:3: " in result.output and "project.name" in result.output
    assert "\x1b" not in result.output and "\a" not in result.output
    assert not (here / "out.yaml").exists()


def test_output_cannot_be_the_progress_file(here):
    result = invoke(["-o", progress.PROGRESS_FILE], ALL)
    assert result.exit_code == 1
    assert result.output == (f"Error: {progress.PROGRESS_FILE}: cannot write here: "
                             "the questionnaire keeps its progress in this file\n")
    saved = write_progress(here, output=progress.PROGRESS_FILE)
    result = invoke([], ["y"] + [""] * 30)
    assert result.exit_code == 1
    assert f"Error: {progress.PROGRESS_FILE}: cannot write here: the questionnaire keeps" in result.output
    assert (here / progress.PROGRESS_FILE).read_bytes() == saved


def test_output_cannot_be_the_rubric(here):
    from advisor.resource import default_rubric_path

    rubric = default_rubric_path().read_bytes()
    (here / "house.yaml").write_bytes(rubric)
    result = invoke(["-o", "house.yaml", "--rubric", "house.yaml"], ALL + FINISH)
    assert result.exit_code == 1
    assert result.output == "Error: house.yaml: cannot write here: it is an input of this command (house.yaml)\n"
    assert (here / "house.yaml").read_bytes() == rubric


# ---------------------------------------------------------------- standard input, --answers as -o

@pytest.mark.parametrize("args, env", [(["--answers", "-"], {}), ([], {q.FORCE_INTERACTIVE_ENV: "1"})])
def test_closed_standard_input_is_an_error(tmp_path, args, env):
    import os
    import subprocess
    import sys

    # Started with descriptor 0 closed (`0<&-`), Python's sys.stdin is None.
    done = subprocess.run([sys.executable, "-m", "advisor", "questionnaire", *args, "-o", "out.yaml"],
                          cwd=tmp_path, env={**os.environ, **env}, capture_output=True, text=True,
                          stdin=None, preexec_fn=lambda: os.close(0))
    assert done.returncode == 1
    assert done.stderr == "Error: <stdin>: standard input is closed\n"
    assert not (tmp_path / "out.yaml").exists()


def test_answers_file_cannot_be_the_output(here):
    shutil.copy(EXAMPLES / "calibrate" / "profile.yaml", here / "p.yaml")
    shutil.copy(EXAMPLES / "calibrate" / "predictions.npz", here / "predictions.npz")
    before = (here / "p.yaml").read_bytes()
    result = invoke(["--answers", "p.yaml", "-o", "p.yaml"], env={})
    assert result.exit_code == 1
    assert result.output == "Error: p.yaml: cannot write here: it is an input of this command (p.yaml)\n"
    assert (here / "p.yaml").read_bytes() == before


# ---------------------------------------------------------------- control characters are never echoed raw

def test_rubric_texts_with_terminal_escapes_are_shown_escaped(here, monkeypatch):
    # The rubric reader refuses them; this holds even if one gets through.
    real = session.build_questions

    def hostile(rubric):
        questions = real(rubric)
        for item in questions:
            item.prompt += " \x1b[2J"
            item.help += " \x9b31m"
            item.anchors = [level + "\x07" for level in item.anchors]
        return questions

    monkeypatch.setattr(session, "build_questions", hostile)
    result = invoke(["-o", "p.yaml"], ["?"] + ALL + FINISH)
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.output and "\x9b" not in result.output and "\x07" not in result.output
    assert "Project name \\x1b[2J" in result.output
    assert "\\x9b31m" in result.output and "\\x07" in result.output


def test_typed_paths_with_terminal_escapes_are_refused_or_shown_escaped(here):
    evil_npz = "p\x1b[2J.npz"
    shutil.copy(EXAMPLES / "calibrate" / "predictions.npz", here / evil_npz)
    answers = ALL[:-1] + ["gone\x1b[1m.npz", evil_npz] + NO_COSTS + ["", "o\x1b]0;x\x07.yaml", "mine.yaml", "n"]
    result = invoke([], answers)
    assert result.exit_code == 0, result.output
    out = result.output
    # CliRunner echoes the typed input, as a terminal would; advisor's own lines show it inert.
    assert out.count("\x1b") == 3 and out.count("\x07") == 1
    assert "Error: gone\\x1b[1m.npz: no such file" in out
    assert "baseline.predictions: p\\x1b[2J.npz" in out  # the summary
    assert "Error: o\\x1b]0;x\\x07.yaml: cannot write here: a file name with control characters" in out
    assert yaml.safe_load((here / "mine.yaml").read_text())["baseline"]["predictions"] == evil_npz


def test_output_named_with_terminal_escapes_is_refused_before_any_question(here):
    result = invoke(["-o", "o\x1b[2J.yaml"], ALL + FINISH)
    assert result.exit_code == 1
    assert result.output == ("Error: o\\x1b[2J.yaml: cannot write here: "
                             "a file name with control characters is not allowed\n")
    assert list(here.iterdir()) == []


def test_interactive_profile_is_never_written_over_the_predictions_it_attaches(here):
    shutil.copy(EXAMPLES / "calibrate" / "predictions.npz", here / "preds.npz")
    before = (here / "preds.npz").read_bytes()
    result = invoke(["-o", "preds.npz"], ALL[:-1] + ["preds.npz"] + FINISH)
    assert result.exit_code == 1, result.output
    assert "Error: preds.npz: cannot write here: it is an input of this command" in result.output
    assert (here / "preds.npz").read_bytes() == before
    saved = yaml.safe_load((here / ".advisor-questionnaire.yaml").read_text())
    assert saved["answers"]["baseline.predictions"] == "preds.npz"  # every answer kept for --resume
