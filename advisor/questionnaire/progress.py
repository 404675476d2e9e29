"""The progress file: the answers so far, saved after every answer so that Ctrl-C loses nothing.

A progress file may have come with a cloned repository, so it is not trusted: its
fields are validated by a model like the profile's, through the same translator
(known keys, types, ``advisor_questionnaire: 1``, paths without control
characters), and each saved answer is checked by :func:`check_saved_answers` exactly
as if it had just been typed. Relative paths in it (output, rubric, predictions)
are read from the current folder, which is where the file lies: a folder that was
moved or copied keeps working. A saved ``cwd`` naming another folder is only
mentioned, not followed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, NoReturn

import yaml
from pydantic import Field, PrivateAttr, ValidationError, field_validator

from advisor import document
from advisor import profile as prof
from advisor.document import Lines
from advisor.errors import AnswersError, Problem, sorted_problems
from advisor.output import write_file_atomically
from advisor.questionnaire.question import Question, check_answer
from advisor.text import refused_character
from advisor.validation import not_a_mapping, problems_of

PROGRESS_FILE = ".advisor-questionnaire.yaml"
PROGRESS_VERSION = 1
PROGRESS_BROKEN = "not a usable questionnaire progress file (fix it, or delete it to start over)"

# Paths saved in a progress file: they are shown and used, so they are checked like typed names.
SavedPath = Annotated[str | None, Field(min_length=1, strict=True,
                                           json_schema_extra={"expect": "a file path or null"})]


class Progress(prof.Model):
    """A progress file as saved; its answers are checked later, each against its question."""

    advisor_questionnaire: Annotated[int, Field(strict=True, ge=1, le=1,
                                                json_schema_extra={"const": PROGRESS_VERSION})]
    output: SavedPath = None
    rubric: SavedPath = None
    cwd: SavedPath = None
    answers: Annotated[dict[str, Any], Field(json_schema_extra={"expect": "a mapping of questions to answers"})]
    _lines: Lines = PrivateAttr(default_factory=Lines)

    @field_validator("output", "rubric", "cwd")
    @classmethod
    def _no_control_characters(cls, value: str | None) -> str | None:
        found = refused_character(value or "")
        if found:
            raise ValueError(f"control character U+{ord(found.group()):04X} is not allowed")
        return value

    @property
    def lines(self) -> Lines:
        """The line of every field of the file, to name the line of a bad answer."""
        return self._lines


def save_progress(path: Path, answers: dict, output: str | None, rubric_path: str | None) -> None:
    state = {"advisor_questionnaire": PROGRESS_VERSION, "output": output, "rubric": rubric_path,
             "cwd": str(Path.cwd()), "answers": answers}
    write_file_atomically(path, "# Unfinished `advisor questionnaire`; continue with --resume.\n"
                          + yaml.safe_dump(state, sort_keys=False, allow_unicode=True))


def load_progress(path: Path) -> Progress:
    source = str(path)
    state, lines = document.parse_yaml(document.read_document(path, AnswersError).text, source, AnswersError)
    if not isinstance(state, dict):
        broken(source, [not_a_mapping(state, source, lines, "must be a mapping with advisor_questionnaire and answers")])
    try:
        progress = Progress.model_validate(state)
    except ValidationError as exc:
        broken(source, problems_of(exc.errors(), Progress, state, source, lines))
    progress._lines = lines
    return progress


def broken(source: str, problems: list[Problem]) -> NoReturn:
    raise AnswersError(PROGRESS_BROKEN, file=source, problems=sorted_problems(problems))


def check_saved_answers(progress: Progress, questions: list[Question], source: str) -> None:
    """Each saved answer checked as if it had just been typed: a progress file is not trusted."""
    problems = []
    for key, value in progress.answers.items():
        line = progress.lines.get(("answers", key), 1)
        for problem in saved_answer_problems(key, value, progress.answers, questions):
            # A problem about a predictions file names the file, not the question: say which answer it is.
            label = "answers" if problem.location else f"answers: {key}"
            problems.append(Problem(source, line, ("answers", key), problem.render(), label))
    if problems:
        broken(source, problems)


def saved_answer_problems(key: str, value: Any, answers: dict, questions: list[Question]) -> list[Problem]:
    question = next((q for q in questions if q.key == key), None)
    if question is None:
        return [Problem(None, None, tuple(key.split(".")), "unknown question")]
    if not question.applies(answers):
        return []  # dropped at the next answer and never written, like an answer made moot by a revision
    return check_answer(question, value, answers, questions)
