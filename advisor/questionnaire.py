"""The interactive questionnaire that writes a project profile.

The questions come from the rubric (its dimensions and fact help) and from the
profile model (its context facts). An answer typed at the terminal is read as
the YAML value it would be in a profile file, and then checked by the same
function that checks profile files, :func:`advisor.profile.validate_profile_data`,
so answers given at the terminal and answers given with ``--answers FILE`` are
validated identically.

Progress is saved after every answer (``.advisor-questionnaire.yaml`` in the
current folder): Ctrl-C loses nothing and ``--resume`` continues.

A progress file may have come with a cloned repository, so it is not trusted:
every field is checked (known keys, types, ``advisor_questionnaire: 1``, each
answer validated like a typed one) before it is used; the resume question says
which file the profile will be written to and with which rubric; an ``-o`` or
``--rubric`` on the command line wins over the saved one; and an existing file
named by the saved ``output`` is replaced only if the user says so. Relative
paths in it (output, rubric, predictions) are read from the current folder,
which is where the file lies: a folder that was moved or copied keeps working.
A saved ``cwd`` naming another folder is only mentioned, not followed.

Text from answers, the rubric and the progress file is shown with its control
characters escaped (:func:`inert`), so none of it can rewrite the terminal.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Callable, NoReturn, Optional

import click
import yaml
from pydantic import Field, PrivateAttr, ValidationError, field_validator

from advisor import document
from advisor import profile as prof
from advisor.document import Lines
from advisor.errors import AnswersError, InputError, Interrupted, PredictionsError, Problem, sorted_problems
from advisor.output import check_output, refuse_inputs, write_file_atomically
from advisor.text import for_terminal, has_hidden, refused_character
from advisor.validation import not_a_mapping, problems_of

PROGRESS_FILE = ".advisor-questionnaire.yaml"
PROGRESS_VERSION = 1
PROGRESS_BROKEN = "not a usable questionnaire progress file (fix it, or delete it to start over)"
STDIN_NAME = "<stdin>"
SCHEMA_FILE = "advisor-profile.schema.json"
DEFAULT_OUTPUT = "profile.yaml"
FORCE_INTERACTIVE_ENV = "ADVISOR_FORCE_INTERACTIVE"
UNKNOWN_WORDS = {"-", "unknown", "null", "~", "none"}
PLACEHOLDER_NAME = "placeholder"
UNKNOWN_NOTE = ("A value shown as [-] is unknown: press Enter (or type -) to leave a fact blank "
                "when you do not know it; this holds for the baseline metrics too.")
YES_WORDS = ("y", "yes")
NO_WORDS = ("n", "no")
# How to answer, shown in the prompt itself so nobody has to guess before typing ?.
ANSWER_HINTS = {"score": " (0-5)", "flag": " (y/n/-)", "yesno": " (y/n)"}
PROFILE_PATH_HELP = ("The profile is a YAML file holding your answers; name the file to write "
                     "(a folder that exists, plus a file name).")
REPORT_PATH_HELP = ("The report is a Markdown file (its figures are written next to it as .svg files); "
                    "name the file to write.")


@dataclass
class Question:
    """One question: ``key`` is the profile field path (``scores.cost``)."""

    key: str
    kind: str  # text, score, count, flag, fraction, strategies, path, yesno
    prompt: str
    help: str = ""
    anchors: list[str] = field(default_factory=list)
    required: bool = False
    default: Any = None
    when: Callable[[dict], bool] | None = None

    def applies(self, answers: dict) -> bool:
        return self.when is None or self.when(answers)

    @property
    def location(self) -> tuple:
        """The field path in the profile: ``("scores", "cost")``."""
        return tuple(self.key.split("."))


@dataclass
class Outcome:
    """What the questionnaire produced: the profile written, and a report the user asked for."""

    profile_path: Path | None
    report_path: Path | None = None
    rubric_path: str | None = None


# ---------------------------------------------------------------- questions

def _get(obj, name, default=None):
    """Attribute or key access: the rubric's fact help may be models or plain mappings."""
    if isinstance(obj, dict):
        return obj.get(name, default)
    return getattr(obj, name, default)


def _fact_kind(annotation) -> str:
    text = str(annotation)
    if "list" in text:
        return "strategies"
    if "bool" in text:
        return "flag"
    if "int" in text:
        return "count"
    return "text"


def _has_baseline(answers: dict) -> bool:
    return bool(answers.get("baseline"))


def build_questions(rubric) -> list[Question]:
    """The questions in the order they are asked."""
    questions = [
        Question("project.name", "text", "Project name", "Shown as the report's title.", required=True),
        Question("project.summary", "text", "One-sentence summary of what the model does (optional)",
                 "Shown under the title."),
    ]
    dimensions = {d.id: d for d in rubric.dimensions}
    for dim_id in prof.DIMENSIONS:
        dim = dimensions.get(dim_id)
        if dim is None:  # a custom rubric without this dimension: ask with the profile's own text
            description = prof.Scores.model_fields[dim_id].description or ""
            questions.append(Question(f"scores.{dim_id}", "score", dim_id, description, required=True))
            continue
        questions.append(Question(f"scores.{dim_id}", "score", f"{dim.name}: {dim.question}",
                                  dim.explanation, anchors=list(dim.levels), required=True))
    facts = _get(rubric, "facts", None) or {}
    for name, annotation in prof.CONTEXT_FACTS.items():
        help_entry = facts.get(name) if isinstance(facts, dict) else None
        description = prof.Context.model_fields[name].description or ""
        question = _get(help_entry, "question") or description[:1].upper() + description[1:]
        help_text = _get(help_entry, "help") or description
        kind = _fact_kind(annotation)
        default = [] if kind == "strategies" else None
        questions.append(Question(f"context.{name}", kind, question, help_text, default=default))
    questions.append(Question(
        "baseline", "yesno", "Do you have a measured baseline (accuracy, ECE or a predictions file)?",
        "Claimed metrics are cross-checked against an attached predictions file.", default=False))
    baseline_fields = [
        ("accuracy", "fraction", "Baseline accuracy, 0 to 1", None),
        ("ece", "fraction", "Baseline expected calibration error (ECE), 0 to 1", None),
        ("target_accuracy", "fraction", "Target accuracy, 0 to 1", None),
        ("target_ece", "fraction", "Target ECE, 0 to 1", 0.05),
        ("predictions", "path", ("Predictions file to attach (.npz, .csv, .jsonl, or a NAME.labels.npy "
                                 "+ NAME.probs.npy or NAME.logits.npy pair)"), None),
    ]
    for name, kind, text, default in baseline_fields:
        description = prof.Baseline.model_fields[name].description or ""
        help_text = description + ("." if description else "")
        if name == "predictions":
            help_text = ("A file of labels and probabilities (or logits) from the current model on held-out data; "
                         "advisor measures its accuracy and calibration. For a .npy pair, give either file.")
        questions.append(Question(f"baseline.{name}", kind, text, help_text, default=default, when=_has_baseline))
    return questions


# ---------------------------------------------------------------- answers -> profile data

def profile_data(answers: dict, questions: list[Question], placeholders: bool = False) -> dict:
    """The nested profile mapping for ``answers`` (flat ``key -> value``).

    With ``placeholders`` the required fields not answered yet get valid stand-ins,
    so one answer can be validated before the others exist.
    """
    data: dict = {"version": 1, "project": {}, "scores": {}, "context": {}}
    for q in questions:
        if not q.key.count(".") or not q.applies(answers):
            continue
        section, name = q.key.split(".", 1)
        if q.key in answers:
            value = answers[q.key]
        elif q.required and placeholders:
            value = PLACEHOLDER_NAME if q.kind == "text" else 0
        else:
            value = q.default
        if value is None and not q.required:
            continue
        data.setdefault(section, {})[name] = value
    if _has_baseline(answers) and "baseline" not in data:
        data["baseline"] = {}
    return data


def answer_problems(q: Question, value: Any, answers: dict, questions: list[Question]) -> list[Problem]:
    """What the profile validation says about the field of ``q`` (or inside it) if it took ``value``."""
    trial = dict(answers, **{q.key: value})
    data = profile_data(trial, questions, placeholders=True)
    return [problem for problem in prof.field_problems(data, None)
            if problem.location[:len(q.location)] == q.location]


def parse_answer(q: Question, text: str) -> Any:
    """Turn typed text into the value it would have in a profile file (YAML semantics)."""
    text = text.strip()
    if q.kind in ("text", "path"):
        return None if (text in UNKNOWN_WORDS and not q.required) else text
    if text.lower() in UNKNOWN_WORDS and q.kind not in ("score", "yesno"):
        return [] if q.kind == "strategies" else None
    if q.kind in ("flag", "yesno"):
        lowered = text.lower()
        if lowered in ("y", "yes", "true", "on"):
            return True
        if lowered in ("n", "no", "false", "off"):
            return False
        return text  # validation reports it
    if q.kind == "strategies":
        if text.startswith("["):
            return _yaml_value(text)
        return [part for part in text.replace(",", " ").split() if part]
    return _yaml_value(text)


def _yaml_value(text: str) -> Any:
    """A typed answer read as YAML (``12``, ``true``, ``[a, b]``), or the text itself if it is not plain YAML."""
    try:
        return document.parse_yaml(text, "<answer>", AnswersError)[0]
    except AnswersError:
        return text


def check_answer(q: Question, value: Any, answers: dict, questions: list[Question]) -> list[Problem]:
    """Problems of one answer: the profile validation, plus reading an attached predictions file."""
    if q.kind == "yesno":
        return [] if isinstance(value, bool) else [Problem(None, None, q.location, "answer y or n")]
    if q.required and value in (None, ""):
        return [Problem(None, None, q.location, "is required")]
    problems = answer_problems(q, value, answers, questions)
    if not problems and q.kind == "path" and value:
        problems = predictions_problems(Path(value))
    return problems


def predictions_problems(path: Path) -> list[Problem]:
    """Why ``path`` is not a predictions file advisor can read; the problem is in that file."""
    problem = prof.predictions_path_problem(path)
    if problem is not None:
        return [Problem(str(path), None, (), problem)]
    from advisor import calibration as cal

    try:
        cal.load_predictions(path)
    except (ValueError, OSError) as exc:
        return [Problem(None, None, (), str(exc))]  # the calibration library names the file itself
    return []


# ---------------------------------------------------------------- YAML output

def scalar(value: Any) -> str:
    """One YAML scalar or flow list on a single line, quoted where YAML needs it."""
    text = yaml.safe_dump(value, default_flow_style=True, allow_unicode=True, width=float("inf"))
    text = text.removesuffix("\n").removesuffix("\n...").removesuffix("...").strip()
    if "\n" in text or not _reads_back(text, value) or has_hidden(text):
        # Line breaks, odd characters (NEL, BOM...) or bidirectional controls, which would
        # reorder the line in an editor: a double-quoted, fully escaped scalar.
        text = yaml.safe_dump(value, default_style='"', allow_unicode=False, width=float("inf")).strip()
    return text


def _reads_back(text: str, value: Any) -> bool:
    try:
        return yaml.safe_load(f"key: {text}\n") == {"key": value}
    except yaml.YAMLError:
        return False


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _comment(text: str, indent: str = "") -> list[str]:
    return [f"{indent}# {_one_line(text)}"] if text else []


def profile_yaml(data: dict, rubric, header: list[str]) -> str:
    """A profile as YAML with a comment explaining every field (round-trips to ``data``)."""
    lines = [f"# yaml-language-server: $schema={SCHEMA_FILE}", *[f"# {h}" for h in header], "version: 1", ""]
    project = data.get("project", {})
    lines += ["project:", "  # The project's name, shown as the report's title.",
              f"  name: {scalar(project.get('name'))}"]
    lines += ["  # One sentence on what the model does (optional)."]
    if project.get("summary") is not None:
        lines.append(f"  summary: {scalar(project['summary'])}")
    else:
        lines.append("  # summary: Extract claim fields from scanned forms.")
    lines += ["", f"# The six dimensions, each an integer from 0 to 5 (levels from the rubric "
              f"{_one_line(rubric.name)!r}, version {_one_line(rubric.version)}).", "scores:"]
    dimensions = {d.id: d for d in rubric.dimensions}
    for dim_id in prof.DIMENSIONS:
        dim = dimensions.get(dim_id)
        if dim is not None:
            lines += _comment(f"{dim.name}: {dim.question}", "  ")
            lines += [f"  #   {i} = {_one_line(level)}" for i, level in enumerate(dim.levels)]
        else:
            lines += _comment(prof.Scores.model_fields[dim_id].description or dim_id, "  ")
        lines.append(f"  {dim_id}: {scalar(data['scores'][dim_id])}")
    lines += ["", "# Facts the rubric's rules use; null means unknown.", "context:"]
    context = data.get("context") or {}
    for name in prof.CONTEXT_FACTS:
        description = prof.Context.model_fields[name].description or ""
        lines += _comment(description[:1].upper() + description[1:] + ".", "  ")
        default = [] if name == "adaptation_tried" else None
        lines.append(f"  {name}: {scalar(context.get(name, default))}")
    lines += [""] + baseline_lines(data.get("baseline"))
    return "\n".join(lines) + "\n"


def baseline_lines(baseline: dict | None) -> list[str]:
    notes = {name: info.description for name, info in prof.Baseline.model_fields.items()}
    if baseline is None:
        example = {"accuracy": 0.91, "ece": 0.04, "target_accuracy": 0.93, "target_ece": 0.05,
                   "predictions": "eval/preds.npz"}
        lines = ["# Optional: claimed and target metrics, and a predictions file to check them against.",
                 "# baseline:"]
        return lines + [f"#   {name}: {scalar(value)}  # {notes[name]}" for name, value in example.items()]
    lines = ["# Claimed and target metrics; an attached predictions file is measured and cross-checked.",
             "baseline:"]
    for name, note in notes.items():
        if name in baseline:
            lines += _comment(note[:1].upper() + note[1:] + ".", "  ")
            lines.append(f"  {name}: {scalar(baseline[name])}")
    return lines


def _rebase(path_text: str, from_dir: Path, to_dir: Path) -> str:
    """A relative predictions path re-expressed relative to the folder of the written profile."""
    path = Path(path_text)
    if path.is_absolute():
        return path_text
    absolute = (from_dir / path).resolve()
    return Path(os.path.relpath(absolute, to_dir.resolve())).as_posix()


def rebased(data: dict, from_dir: Path, to_dir: Path) -> dict:
    baseline = data.get("baseline")
    if not baseline or not baseline.get("predictions"):
        return data
    return dict(data, baseline=dict(baseline, predictions=_rebase(baseline["predictions"], from_dir, to_dir)))


# ---------------------------------------------------------------- starter profile

def starter_profile(rubric=None) -> str:
    """An annotated starter profile: valid as it stands, meant to be edited."""
    rubric = rubric or _load_rubric(None)
    data = {
        "version": 1,
        "project": {"name": "My project", "summary": "What the model does, in one sentence."},
        "scores": {"quality_gap": 2, "data_readiness": 1, "latency": 1, "cost": 2, "governance": 1, "control": 0},
        "context": {},
    }
    header = ["Starter profile for advisor: replace every value with your project's own,",
              "then run `advisor validate profile.yaml` and `advisor assess profile.yaml`.",
              f"Editor completion: `advisor schema -o {SCHEMA_FILE}` next to this file."]
    return profile_yaml(data, rubric, header)


def _load_rubric(path):
    from advisor import rubric as rub

    return rub.load_rubric(path)


# ---------------------------------------------------------------- progress file

def save_progress(path: Path, answers: dict, output: str | None, rubric_path: str | None) -> None:
    state = {"advisor_questionnaire": 1, "output": output, "rubric": rubric_path,
             "cwd": str(Path.cwd()), "answers": answers}
    write_file_atomically(path, "# Unfinished `advisor questionnaire`; continue with --resume.\n"
                     + yaml.safe_dump(state, sort_keys=False, allow_unicode=True))


# Paths saved in a progress file: they are shown and used, so they are checked like typed names.
SavedPath = Annotated[Optional[str], Field(min_length=1, strict=True,
                                           json_schema_extra={"expect": "a file path or null"})]


class Progress(prof.Model):
    """A progress file as saved; its answers are checked later, each against its question."""

    advisor_questionnaire: Annotated[int, Field(strict=True, ge=1, le=1, json_schema_extra={"const": PROGRESS_VERSION})]
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


# ---------------------------------------------------------------- prompts

# Answers, rubric texts and saved paths come from other people: never print them raw.
inert = for_terminal


def say(text: Any = "") -> None:
    click.echo(inert(text))


def ask_line(text: str, help_text: str, default: str = "", show_default: bool = True) -> str:
    """``click.prompt``, except that ``?`` shows ``help_text`` and asks again.

    ``?`` is the help key at every prompt, so it must never become an answer
    (before this, ``?`` at a path prompt wrote a file named ``?``).
    """
    shown_default = inert(default)
    while True:
        reply = click.prompt(inert(text), default=shown_default, show_default=show_default and bool(default))
        if reply.strip() != "?":
            return default if reply == shown_default else reply  # Enter keeps the real default
        say(f"  {_one_line(help_text)}")


def ask_yes_no(text: str, default: bool, help_text: str = "") -> bool:
    """A y/n question whose refusal says what is accepted (click's says only "invalid input")."""
    hint = "Y/n" if default else "y/N"
    default_word = "yes" if default else "no"
    help_text = f"{help_text} Answer y (yes) or n (no); Enter means {default_word}.".strip()
    while True:
        reply = ask_line(f"{text} [{hint}]", help_text, show_default=False).strip().lower()
        if not reply:
            return default
        if reply in YES_WORDS or reply in NO_WORDS:
            return reply in YES_WORDS
        say(f"  Error: answer y (yes) or n (no), or press Enter for {default_word}; ? shows help")


def ask_path(text: str, default: str, help_text: str) -> Path:
    """A file name to write: blank names, folders and missing folders are refused and asked again."""
    while True:
        reply = ask_line(text, help_text, default).strip()
        problem = path_problem(reply)
        if problem is None:
            return Path(reply)
        say(f"  Error: {problem}")


def path_problem(text: str) -> str | None:
    if not text or text == "-":
        return "type a file name (? shows help)"
    if text.endswith(("/", os.sep)):
        return f"{text}: cannot write here: it names a folder, not a file"
    try:
        check_profile_target(text, None)
    except InputError as exc:
        return exc.render()
    return None


def check_profile_target(output: str, rubric_path: str | None) -> None:
    """Refuse a file that cannot be written, the rubric read, or the progress file
    (it is deleted once the profile is written, and the profile with it)."""
    if refused_character(output):  # it would be saved in the progress file, which refuses it
        raise InputError("cannot write here: a file name with control characters is not allowed", file=output)
    check_output(output, [rubric_path])
    if Path(output).resolve() == Path(PROGRESS_FILE).resolve():
        raise InputError("cannot write here: the questionnaire keeps its progress in this file", file=output)


def confirm_saved_target(saved: str) -> Path:
    """The file named by a progress file, replaced only if the user says so (as for a typed name):
    whoever wrote the progress file may not be the one running the questionnaire."""
    target = Path(saved)
    if not target.exists() or ask_yes_no(f"{target} exists. Overwrite it?", False, "n asks for another file name."):
        return target
    return ask_new_file("Write the profile to", DEFAULT_OUTPUT, PROFILE_PATH_HELP)


def ask_new_file(text: str, default: str, help_text: str) -> Path:
    """A file name to write; an existing file is replaced only if the user says so."""
    while True:
        target = ask_path(text, default, help_text)
        if not target.exists() or ask_yes_no(f"{target} exists. Overwrite it?", False,
                                             "n asks for another file name."):
            return target


def stop(message: str) -> NoReturn:
    """End an interrupted questionnaire; the CLI shows only ``message`` and exits 1."""
    raise Interrupted(inert(message))  # it names paths, which may come from a progress file


# ---------------------------------------------------------------- running

def is_interactive() -> bool:
    """A terminal is attached (or ADVISOR_FORCE_INTERACTIVE=1 says to act as if it were)."""
    if os.environ.get(FORCE_INTERACTIVE_ENV) == "1":
        return True
    try:
        return sys.stdin.isatty()
    except (AttributeError, ValueError):
        return False


def standard_input():
    """``sys.stdin``, or an error if there is none: it is None when the process started with it closed (``0<&-``)."""
    if sys.stdin is None or sys.stdin.closed:
        raise AnswersError("standard input is closed", file=STDIN_NAME)
    return sys.stdin


def run(output: str | None = None, answers_path: str | None = None, resume: bool = False,
        rubric_path: str | None = None) -> Outcome:
    """Run the questionnaire; returns the profile written and any report the user asked for."""
    if answers_path is not None:
        return run_from_file(answers_path, output, rubric_path)
    standard_input()  # closed: click's prompt would fail with a RuntimeError at the first question
    if not is_interactive():
        raise AnswersError(
            "standard input is not a terminal, so there is no one to answer the questions; "
            "pass --answers FILE (a profile YAML) or run in a terminal")
    if output is not None:
        check_profile_target(output, rubric_path)  # before any question: a bad -o would waste every answer
    progress = Path(PROGRESS_FILE)
    plan = plan_run(progress, resume, output, rubric_path)
    if plan.saved is not None and plan.output is not None:
        check_profile_target(plan.output, plan.rubric_path)
    answers = plan.saved.answers if plan.saved is not None else {}
    session = Session(_load_rubric(plan.rubric_path), plan.rubric_path, answers, plan.output, progress,
                      confirm_output=plan.output_from_progress)
    if plan.saved is not None:
        check_saved_answers(plan.saved, session.questions, str(progress))
    return session.run()


@dataclass
class Plan:
    """Where this run starts from (``saved``, or nothing) and what it writes with which rubric."""

    output: str | None
    rubric_path: str | None
    saved: Progress | None = None
    output_from_progress: bool = False


def plan_run(progress: Path, resume: bool, output: str | None, rubric_path: str | None) -> Plan:
    """Resume from the progress file if asked to (or if the user says so when one is found).

    The command line's -o and --rubric win over the saved ones.
    """
    fresh = Plan(output, rubric_path)
    if not resume and not progress.exists():
        return fresh
    if not progress.exists():
        raise AnswersError("there is no unfinished questionnaire to resume here", file=str(progress))
    saved = load_progress(progress)
    resumed = Plan(output or saved.output, rubric_path or saved.rubric, saved,
                   output_from_progress=output is None and saved.output is not None)
    if not resume and not _confirm_resume(progress, resumed):
        return fresh
    say(f"Resuming with {len(saved.answers)} saved answers.")
    if resume:  # not asked, so the plan has not been shown yet
        say(_plan_text(resumed))
    return resumed


def _plan_text(plan: Plan) -> str:
    """What resuming will write where: the saved output and rubric may not be the user's own."""
    if plan.output is None:
        where = "It asks where to write the profile"
    elif plan.output_from_progress:
        where = (f"It writes the profile to {plan.output} (named in the progress file; -o FILE writes elsewhere, "
                 "and an existing file is replaced only if you say so)")
    else:
        where = f"It writes the profile to {plan.output}"
    rubric = f"the rubric {plan.rubric_path}" if plan.rubric_path else "the built-in rubric"
    text = f"  {where}, with {rubric}."
    saved_in = plan.saved.cwd if plan.saved else None
    if saved_in and Path(saved_in).resolve() != Path.cwd().resolve():
        text += f"\n  It was saved in {saved_in}; its relative paths are read from this folder instead."
    return text


def _confirm_resume(progress: Path, plan: Plan) -> bool:
    count = len(plan.saved.answers)
    say(f"An unfinished questionnaire ({count} answers) is saved in {progress}.\n{_plan_text(plan)}")
    try:
        return ask_yes_no("Resume it?", True, "y continues from the saved answers; n starts over and replaces them.")
    except click.Abort:
        stop(f"Stopped. The saved answers are still in {progress}.")


def refuse_attached(target: Path | None, predictions: Path | None) -> None:
    """The profile must not be written over the predictions file(s) it attaches."""
    if target is not None and predictions is not None:
        from advisor import calibration as cal

        refuse_inputs([target], cal.input_files(predictions))


def run_from_file(answers_path: str, output: str | None, rubric_path: str | None) -> Outcome:
    """Non-interactive: the answers file is a profile, checked exactly as a profile is."""
    from_stdin = answers_path == "-"
    check_output(output, [None if from_stdin else answers_path, rubric_path])  # before reading anything
    source = Path(answers_path)
    if from_stdin:
        text = read_standard_input().text
    else:
        text = document.read_document(source, AnswersError).text
    data, lines = prof.parse_yaml(text, answers_path)
    prof.validate_profile_data(data, answers_path, lines)
    from_dir = Path.cwd() if from_stdin else source.parent
    predictions = (data.get("baseline") or {}).get("predictions")
    if predictions:
        problems = predictions_problems(from_dir / predictions)
        if problems:
            raise PredictionsError("baseline.predictions: " + problems[0].render(), file=answers_path)
    rubric = _load_rubric(rubric_path)
    target = Path(output) if output not in (None, "-") else None
    refuse_attached(target, from_dir / predictions if predictions else None)
    data = rebased(data, from_dir, target.parent if target else Path.cwd())
    text = profile_yaml(data, rubric, _written_header())
    if target is None:
        click.echo(text, nl=False)
        return Outcome(None, rubric_path=rubric_path)
    write_file_atomically(target, text)
    click.echo(inert(f"Wrote {target}"), err=True)
    return Outcome(target, rubric_path=rubric_path)


def read_standard_input() -> document.Document:
    try:
        return document.read_stream(standard_input().buffer, STDIN_NAME, AnswersError)
    except OSError as exc:  # descriptor 0 closed under a live sys.stdin
        raise AnswersError(f"cannot read standard input: {exc.strerror or exc}", file=STDIN_NAME) from None


def _written_header() -> list[str]:
    return ["Project profile for advisor, written by `advisor questionnaire`.",
            "Check it with `advisor validate FILE`; score it with `advisor assess FILE`.",
            f"Editor completion: `advisor schema -o {SCHEMA_FILE}` next to this file."]


class Session:
    """One interactive questionnaire: asks, saves progress, summarizes, revises, writes."""

    def __init__(self, rubric, rubric_path, answers: dict, output: str | None, progress: Path,
                 confirm_output: bool = False):
        self.rubric = rubric
        self.rubric_path = rubric_path
        self.questions = build_questions(rubric)
        self.answers = dict(answers)
        self.output = output
        self.confirm_output = confirm_output  # the output was named by a progress file, not by the user
        self.progress = progress
        self.written: Path | None = None
        self.unknown_explained = False

    def run(self) -> Outcome:
        try:
            self.intro()
            self.ask_pending()
            self.revise()
            path = self.write()
            return Outcome(path, self.offer_report(path), self.rubric_path)
        except (click.Abort, KeyboardInterrupt):
            stop(self.stopped_message())

    def stopped_message(self) -> str:
        """What survives the interruption, and how to carry on from it."""
        if self.written is not None:
            return (f"Stopped. {self.written} was written; render the report later with "
                    f"`advisor assess {self.written} -o report.md`.")
        if self.answers:  # every answer was saved when it was given
            return (f"Stopped. {len(self.answers)} answers are saved in {self.progress}; "
                    f"run `advisor questionnaire --resume` to continue.")
        return "Stopped. No answers were given, so nothing was saved."

    def intro(self) -> None:
        say(f"advisor questionnaire (rubric {self.rubric.name!r}, version {self.rubric.version}).")
        say("Type ? for help on a question; press Enter to keep the value in [brackets]; "
                   "Ctrl-C stops, and --resume continues later.\n")

    def ask_pending(self) -> None:
        # A revision can make new questions apply (baseline: yes), so this runs again after each.
        for q in self.questions:
            if q.applies(self.answers) and q.key not in self.answers:
                if q.key.startswith("context.") and not self.unknown_explained:
                    say(f"\n{UNKNOWN_NOTE}")
                    self.unknown_explained = True
                self.ask(q)

    def ask(self, q: Question) -> None:
        """Ask ``q`` until the answer validates; store it and save progress."""
        say()
        click.echo(click.style(inert(q.prompt), bold=True))
        for i, level in enumerate(q.anchors):
            say(f"  {i} = {_one_line(level)}")
        while True:
            current = self.answers.get(q.key, q.default)
            shown = "" if current is None and q.required else inert(display(current))
            text = click.prompt(f"  {q.key}{ANSWER_HINTS.get(q.kind, '')}", default=shown,
                                show_default=bool(shown))
            if text.strip() == "?":
                self.show_help(q)
                continue
            value = current if text == shown else parse_answer(q, text)  # Enter keeps [current]
            problems = check_answer(q, value, self.answers, self.questions)
            for problem in problems:
                say(f"  Error: {problem.render()}")
            if not problems:
                self.answers[q.key] = value
                self.forget_inapplicable()
                save_progress(self.progress, self.answers, self.output, self.rubric_path)
                return

    def show_help(self, q: Question) -> None:
        say(f"  {_one_line(q.help) or 'No further help for this question.'}")
        if q.kind == "flag":
            click.echo("  Answer y (yes) or n (no); - means unknown (the fact is left blank).")
        elif q.kind == "yesno":
            click.echo("  Answer y (yes) or n (no).")
        elif not q.required:
            click.echo("  - means unknown or none (the answer is left blank).")

    def forget_inapplicable(self) -> None:
        # Answering "no baseline" drops the baseline answers given before.
        for q in self.questions:
            if q.key in self.answers and not q.applies(self.answers):
                del self.answers[q.key]

    def revise(self) -> None:
        while True:
            self.ask_pending()
            shown = [q for q in self.questions if q.applies(self.answers)]
            say("\nSummary of your answers:")
            for i, q in enumerate(shown, 1):
                say(f"  {i:2}. {q.key}: {display(self.answers.get(q.key, q.default))}")
            choice = ask_line("Number of an answer to revise (Enter to finish)",
                              "Type the number of an answer to change it, or press Enter to write the profile.",
                              show_default=False).strip()
            if not choice:
                return
            if not choice.isdigit() or not 1 <= int(choice) <= len(shown):
                click.echo(f"  Error: enter a number from 1 to {len(shown)}, or press Enter")
                continue
            self.ask(shown[int(choice) - 1])

    def write(self) -> Path:
        target = self.target()
        data = profile_data(self.answers, self.questions)
        data = rebased(data, Path.cwd(), target.parent)
        prof.validate_profile_data(data, "questionnaire answers")
        attached = (data.get("baseline") or {}).get("predictions")
        refuse_attached(target, target.parent / attached if attached else None)  # the answers stay saved
        write_file_atomically(target, profile_yaml(data, self.rubric, _written_header()))
        self.progress.unlink(missing_ok=True)
        self.written = target
        say(f"Wrote {target}")
        return target

    def target(self) -> Path:
        if not self.output:
            return ask_new_file("Write the profile to", DEFAULT_OUTPUT, PROFILE_PATH_HELP)
        return confirm_saved_target(self.output) if self.confirm_output else Path(self.output)

    def offer_report(self, profile_path: Path) -> Path | None:
        if not ask_yes_no("Render the report now?", True,
                          "y writes the Markdown report (advisor assess) now; n shows the command for later."):
            say(f"Later: advisor assess {profile_path} -o report.md")
            return None
        default = profile_path.with_name(profile_path.stem + "-report.md")
        return ask_new_file("Write the report to", str(default), REPORT_PATH_HELP)


def display(value: Any) -> str:
    """An answer as the user would type it."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "y" if value else "n"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) if value else "-"
    return str(value)
