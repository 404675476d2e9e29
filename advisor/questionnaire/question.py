"""The questions, and typed answers read and checked as a profile file's values would be.

No terminal here: every function takes and returns plain values, so the logic is
testable without a session. The questions come from the rubric (its dimensions
and its help on facts) and from the profile model (its context facts). An answer
typed at the terminal is read as the YAML value it would be in a profile file,
and then checked by the function that checks profile files
(:func:`advisor.profile.field_problems`): a problem is this question's when its
location lies in the question's field.

A part of the profile that most projects leave out is an optional section
(:func:`optional_section`): one yes/no question that opens it, and its questions,
asked only after a yes. To add one, write a function that returns
``optional_section(gate, questions)`` and add it to :func:`build_questions`;
question keys are field paths of any depth (``economics.strategies.pretrained.build``).
"""

from __future__ import annotations

import re
import typing
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from advisor import document
from advisor import profile as prof
from advisor.economics import parse_typed_amount
from advisor.errors import AnswersError, Problem
from advisor.validation import members

UNKNOWN_WORDS = {"-", "unknown", "null", "~", "none"}
PLACEHOLDER_NAME = "placeholder"
# The words every yes/no prompt accepts, and the words its error message names.
YES_WORDS = ("y", "yes")
NO_WORDS = ("n", "no")
YES_NO = "answer y (yes) or n (no)"
YES_NO_UNKNOWN = "answer y (yes), n (no) or - (unknown)"
NOTHING_TRIED = "none"
# Multipliers a typed count may end with: 50k, 1.5M.
SCALES = {"k": 1_000, "m": 1_000_000}


@dataclass
class Question:
    """One question: ``key`` is the profile field path (``scores.cost``).

    A ``yesno`` question whose key has no dot opens an optional section of that name.
    """

    key: str
    kind: str  # text, score, count, flag, fraction, strategies, path, yesno, amount (a number or a range)
    prompt: str
    help: str = ""
    anchors: list[str] = field(default_factory=list)
    required: bool = False
    default: Any = None
    when: Callable[[dict], bool] | None = None
    # False: the answer steers which questions follow and is not a field of the profile.
    stored: bool = True
    choices: tuple[str, ...] = ()  # the allowed values of a choice (one) or strategies (any) question

    def applies(self, answers: dict) -> bool:
        return self.when is None or self.when(answers)

    @property
    def location(self) -> tuple:
        """The field path in the profile: ``("scores", "cost")``."""
        return tuple(self.key.split("."))

    @property
    def opens_section(self) -> bool:
        return self.kind == "yesno" and "." not in self.key


# ---------------------------------------------------------------- questions

def _get(obj, name, default=None):
    """Attribute or key access: the rubric's fact help may be models or plain mappings."""
    if isinstance(obj, dict):
        return obj.get(name, default)
    return getattr(obj, name, default)


def _literal_values(annotation) -> tuple[str, ...]:
    """The values of the ``Literal`` inside ``annotation`` (through Optional, Annotated and list)."""
    for member in members(annotation):
        if typing.get_origin(member) is list:
            return _literal_values(typing.get_args(member)[0])
        if typing.get_origin(member) is Literal:
            return tuple(str(value) for value in typing.get_args(member))
    return ()


def _fact_kind(annotation) -> str:
    text = str(annotation)
    if "Literal" in text and "list" not in text:
        return "choice"
    if "list" in text:
        return "strategies"
    if "bool" in text:
        return "flag"
    if "int" in text:
        return "count"
    return "text"


def build_questions(rubric) -> list[Question]:
    """The questions in the order they are asked."""
    return [*project_questions(), *score_questions(rubric), *fact_questions(rubric), *baseline_section(),
            *economics_section(rubric)]


def project_questions() -> list[Question]:
    return [
        Question("project.name", "text", "Project name", "Shown as the report's title.", required=True),
        Question("project.summary", "text", "One-sentence summary of what the model does (optional)",
                 "Shown under the title."),
    ]


def score_questions(rubric) -> list[Question]:
    questions = []
    dimensions = {d.id: d for d in rubric.dimensions}
    for dim_id in prof.DIMENSIONS:
        dim = dimensions.get(dim_id)
        if dim is None:  # a custom rubric without this dimension: ask with the profile's own text
            description = prof.Scores.model_fields[dim_id].description or ""
            questions.append(Question(f"scores.{dim_id}", "score", dim_id, description, required=True))
            continue
        questions.append(Question(f"scores.{dim_id}", "score", f"{dim.name}: {dim.question}",
                                  dim.explanation, anchors=list(dim.levels), required=True))
    return questions


def fact_questions(rubric) -> list[Question]:
    questions = []
    facts = _get(rubric, "facts", None) or {}
    for name, annotation in prof.CONTEXT_FACTS.items():
        help_entry = facts.get(name) if isinstance(facts, dict) else None
        description = prof.Context.model_fields[name].description or ""
        question = _get(help_entry, "question") or description[:1].upper() + description[1:]
        help_text = _get(help_entry, "help") or description
        kind = _fact_kind(annotation)
        default: list | None = [] if kind == "strategies" else None
        questions.append(Question(f"context.{name}", kind, question, help_text, default=default,
                                  choices=_literal_values(annotation)))
    return questions


def optional_section(gate: Question, questions: list[Question]) -> list[Question]:
    """``gate`` (a yes/no question named after the section) and ``questions``, asked only after a yes.

    Answering no skips them, and drops answers given before.
    """
    if not gate.opens_section:
        raise ValueError(f"an optional section opens with a yes/no question named after it, not {gate.key!r}")

    def opened(answers: dict) -> bool:
        return bool(answers.get(gate.key))

    for q in questions:
        q.when = opened if q.when is None else (lambda answers, own=q.when: opened(answers) and own(answers))
    return [gate, *questions]


def baseline_section() -> list[Question]:
    gate = Question("baseline", "yesno", "Do you have a measured baseline (accuracy, ECE or a predictions file)?",
                    "Claimed metrics are cross-checked against an attached predictions file.", default=False)
    baseline_fields = [
        ("accuracy", "fraction", "Baseline accuracy, 0 to 1", None),
        ("ece", "fraction", "Baseline expected calibration error (ECE), 0 to 1", None),
        ("target_accuracy", "fraction", "Target accuracy, 0 to 1", None),
        ("target_ece", "fraction", "Target ECE, 0 to 1", 0.05),
        ("predictions", "path", ("Predictions file to attach (.npz, .csv, .jsonl, or a NAME.labels.npy "
                                 "+ NAME.probs.npy or NAME.logits.npy pair)"), None),
    ]
    questions = []
    for name, kind, text, default in baseline_fields:
        description = prof.Baseline.model_fields[name].description or ""
        help_text = description + ("." if description else "")
        if name == "predictions":
            help_text = ("A file of labels and probabilities (or logits) from the current model on held-out data; "
                         "advisor measures its accuracy and calibration. For a .npy pair, give either file.")
        questions.append(Question(f"baseline.{name}", kind, text, help_text, default=default))
    return optional_section(gate, questions)


ECONOMICS_FIELDS = (
    ("currency", "text", "Currency label for the amounts (Enter for USD)",
     "A label only, such as EUR or USD; nothing is converted."),
    ("horizon_months", "count", "Months the totals should cover (Enter for 12)",
     "The decision guide asks for the total cost of ownership over 12 months, not just the build cost."),
    ("cost_per_error", "amount", "Cost of one wrong outcome downstream",
     "Rework, refunds, manual review or lost business caused by one wrong answer. Unknown: wrong outcomes "
     "are not costed."),
)
FIGURES = (
    ("build", "One-off cost to build it",
     "Everything before it runs: integration, prompt and retrieval work, labelling, training runs, evaluation."),
    ("monthly", "Fixed cost per month",
     "Costs that do not grow with traffic: reserved hosting, licences, retraining, the people who run it."),
    ("per_request", "Cost of one request",
     "The marginal cost of one request or prediction (API tokens, GPU time); it needs the monthly volume."),
    ("success_rate", "Share of successful outcomes, 0 to 1",
     "The share of requests it would get right, such as 0.92. Unknown: with measured predictions attached, "
     "advisor uses the measured accuracy for the strategy in production and for calibrating it."),
)
PRICED = "economics.priced"
RANGE_HELP = "Any figure can be a range, typed as 40000-80000 or [40000, 80000]; - means unknown."


def economics_section(rubric) -> list[Question]:
    """Optional money per strategy: which strategies to price, then their four figures each."""
    gate = Question("economics", "yesno", "Do you want to compare what the strategies would cost?",
                    "advisor then works out each strategy's total cost of ownership over a horizon (12 months "
                    "by default) and its cost per successful outcome. Give only the figures you know: "
                    "advisor invents no prices. " + RANGE_HELP, default=False)
    questions = [Question(f"economics.{name}", kind, text, f"{help_text} {RANGE_HELP}" if kind == "amount"
                          else help_text) for name, kind, text, help_text in ECONOMICS_FIELDS]
    names = {s.id: s.name for s in rubric.strategies}
    questions.append(Question(PRICED, "strategies", "Which strategies do you want to give figures for?",
                              "Strategy ids separated by commas: " + ", ".join(prof.STRATEGIES) + ".",
                              default=[], stored=False, choices=prof.STRATEGIES))
    for sid in prof.STRATEGIES:
        def priced(answers: dict, sid=sid) -> bool:
            return sid in (answers.get(PRICED) or [])

        for name, text, help_text in FIGURES:
            questions.append(Question(f"economics.strategies.{sid}.{name}", "amount",
                                      f"{names.get(sid, sid)}: {text}", f"{help_text} {RANGE_HELP}",
                                      when=priced))
    return optional_section(gate, questions)


# ---------------------------------------------------------------- answers -> profile data

def profile_data(answers: dict, questions: list[Question], placeholders: bool = False) -> dict:
    """The nested profile mapping for ``answers`` (flat ``key -> value``).

    With ``placeholders`` the required fields not answered yet get valid stand-ins,
    so one answer can be validated before the others exist.
    """
    data: dict = {"version": 1, "project": {}, "scores": {}, "context": {}}
    for q in questions:
        if not q.applies(answers) or not q.stored:
            continue
        if q.opens_section:
            if answers.get(q.key):
                data.setdefault(q.key, {})
            continue
        if q.key in answers:
            value = answers[q.key]
        elif q.required and placeholders:
            value = PLACEHOLDER_NAME if q.kind == "text" else 0
        else:
            value = q.default
        if value is None and not q.required:
            continue
        *parents, name = q.location
        target = data
        for part in parents:
            target = target.setdefault(part, {})
        target[name] = value
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
    if q.kind == "choice" and text in q.choices:
        return text  # "none" is a real answer to "what runs in production today?"
    if text.lower() in UNKNOWN_WORDS and q.kind not in ("score", "yesno"):
        return [] if q.kind == "strategies" else None  # strategies: "none" tried, never unknown
    if q.kind in ("flag", "yesno"):
        lowered = text.lower()
        if lowered in YES_WORDS:
            return True
        if lowered in NO_WORDS:
            return False
        return text  # validation reports it
    if q.kind == "strategies":
        if text.startswith("["):
            return _yaml_value(text)
        return [part for part in text.replace(",", " ").split() if part]
    if q.kind == "amount":
        try:
            return parse_typed_amount(text)
        except ValueError:
            return text  # validation says what an amount must be
    if q.kind == "count":
        count = typed_count(text)
        if count is not None:
            return count
    return _yaml_value(text)


def typed_count(text: str) -> int | None:
    """A whole number as people type it: ``50,000``, ``50 000``, ``50k``, ``1.5M``; None if it is not one.

    Separators must group thousands, so ``1,5`` (a decimal comma) is not read as 15.
    """
    found = TYPED_COUNT.match(text.strip())
    if found is None:
        return None
    value = Decimal(re.sub(r"[ ,_]", "", found.group("number"))) * SCALES.get(found.group("scale").lower(), 1)
    return int(value) if value == value.to_integral_value() else None


TYPED_COUNT = re.compile(r"^(?P<number>\d{1,3}(?:([ ,_])\d{3})(?:\2\d{3})*(?:\.\d+)?|\d{1,24}(?:\.\d+)?)"
                         r"\s*(?P<scale>[kKmM]?)$")


def _yaml_value(text: str) -> Any:
    """A typed answer read as YAML (``12``, ``true``, ``[a, b]``), or the text itself if it is not plain YAML."""
    try:
        return document.parse_yaml(text, "<answer>", AnswersError)[0]
    except AnswersError:
        return text


def check_answer(q: Question, value: Any, answers: dict, questions: list[Question]) -> list[Problem]:
    """Problems of one answer: the profile validation, plus reading an attached predictions file."""
    if q.kind == "yesno":
        return [] if isinstance(value, bool) else [Problem(None, None, q.location, YES_NO)]
    if q.kind == "flag" and not isinstance(value, bool) and value is not None:
        return [Problem(None, None, q.location, YES_NO_UNKNOWN)]  # the prompt's words, not the file's
    if q.required and value in (None, ""):
        return [Problem(None, None, q.location, "is required")]
    if not q.stored:
        return choice_problems(q, value)
    problems = answer_problems(q, value, answers, questions)
    if not problems and q.kind == "path" and value:
        problems = predictions_problems(Path(value))
    return problems


def choice_problems(q: Question, value: Any) -> list[Problem]:
    """A steering answer (not a profile field): a list of strategy ids."""
    if not isinstance(value, list):
        return [Problem(None, None, q.location, f"must be a list of strategy ids (got {display(value)})")]
    return [Problem(None, None, (*q.location, index), "must be one of " + ", ".join(prof.STRATEGIES)
                    + f" (got {item!r})") for index, item in enumerate(value) if item not in prof.STRATEGIES]


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


def display(value: Any, q: Question | None = None) -> str:
    """An answer as the user would type it (no strategy tried is "none", not unknown)."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "y" if value else "n"
    if isinstance(value, list):
        if not value:
            return NOTHING_TRIED if q is not None and q.kind == "strategies" else "-"
        if q is not None and q.kind == "amount" and len(value) == 2:
            return f"{value[0]}-{value[1]}"  # a range, as it is typed
        return ", ".join(str(v) for v in value)
    return str(value)


HINTS = {"score": " (0-5)", "flag": " (y/n/-)", "yesno": " (y/n)", "amount": " (number or low-high; -)"}


def how_to_answer(q: Question) -> str:
    """The help's last line: how to answer ``q`` and what - means there."""
    if q.kind == "flag":
        return f"{YES_NO_UNKNOWN[:1].upper()}{YES_NO_UNKNOWN[1:]}; - leaves the fact blank."
    if q.kind == "yesno":
        return f"{YES_NO[:1].upper()}{YES_NO[1:]}."
    if q.kind == "strategies":
        return f"Separate the ids with commas; {NOTHING_TRIED} if there are none."
    if q.kind == "choice":
        return f"Type one of {', '.join(q.choices)}; - if you do not know."
    if q.kind == "count":
        return "A whole number; 50,000 and 50k are read as 50000. - if you do not know."
    return "" if q.required else "- if you do not know (the answer is left blank)."


def answer_hint(q: Question) -> str:
    """How to answer ``q``, shown in the prompt itself so nobody has to guess before typing ?."""
    if q.kind == "strategies":
        return f" (any of {', '.join(q.choices or prof.STRATEGIES)}; or {NOTHING_TRIED})"
    if q.kind == "choice":
        return f" ({', '.join(q.choices)}; - if unknown)"
    return HINTS.get(q.kind, "")
