"""The inputs in words: every fact and score the profile gave, and the files, checksums and
rubric identity an auditor needs to reproduce the report without opening the YAML.

Paths are shown relative to the report's folder (or to the current folder for standard
output): a report written anywhere never embeds an absolute path of the machine it ran on.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from advisor.assessment import Assessment, Span
from advisor.cost_figure import money
from advisor.report.summary import names_of

# How each context fact reads in a sentence. A fact a newer profile adds and this table
# does not know yet reads as its id with spaces.
FACT_LABELS = {
    "launch_weeks": "Weeks until launch",
    "labeled_examples": "Labeled in-domain examples",
    "has_eval_set": "Held-out eval set exists",
    "failure_classes_known": "Recurring failure classes identified",
    "monthly_volume": "Requests per month",
    "confidence_used_downstream": "Confidence drives thresholds, routing or review",
    "high_stakes": "Errors harm people, money or safety",
    "sovereignty_required": "Weights must be owned and run in-house",
    "proprietary_data_moat": "Large proprietary corpus unlike public data",
    "adaptation_tried": "Strategies already tried without reaching the target",
    "failure_cause": "Cause of the failures",
    "current_approach": "In production today",
}
CAUSES = {"knowledge": "missing knowledge or context", "behaviour": "recurring wrong behaviour",
          "coverage": "domain barely covered by available models", "confidence": "misleading confidences"}
BASELINE_LABELS = {"accuracy": "Claimed accuracy", "ece": "Claimed ECE", "target_accuracy": "Target accuracy",
                   "target_ece": "Target ECE"}


@dataclass
class InputFile:
    kind: str          # Profile, Rubric, Predictions
    identity: str      # what it is, in words
    path: str          # relative to the report, or "" (built in)
    sha256: str


@dataclass
class Inputs:
    facts: list[tuple[str, str]]         # (label, value in words) of the facts given
    unknown: list[str]                   # labels of the facts not given
    scores: list[tuple[str, int, str]]   # (dimension, score the profile gave, note)
    baseline: list[tuple[str, str]]
    economics: list[tuple[str, str, str, str, str]]  # strategy, build, monthly, per request, success rate
    economics_note: str
    files: list[InputFile]


def scalar_words(value, unknown: str = "unknown") -> str | None:
    """None, a flag or a count as a reader says it (None for anything else)."""
    if value is None:
        return unknown
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    return None


def in_words(name: str, value, names: dict[str, str]) -> str:
    said = scalar_words(value, "unknown (not given)")
    if said is not None:
        return said
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, list):
        return ", ".join(names.get(item, str(item)) for item in value) or "none"
    if name == "failure_cause":
        return CAUSES.get(value, str(value))
    if name == "current_approach":
        return "nothing yet" if value == "none" else names.get(value, str(value))
    return str(value)


def relative(path: str | None, base: Path) -> str:
    """``path`` (absolute or relative to the current folder) as seen from the folder ``base``."""
    if not path:
        return ""
    absolute = os.path.abspath(path)
    try:
        return Path(os.path.relpath(absolute, os.path.abspath(base))).as_posix()
    except ValueError:  # another drive on Windows: the name is all that can be shown
        return Path(absolute).name


def span(value: Span | None, fraction: bool = False) -> str:
    if value is None or value.low is None:
        return "-"
    show = (lambda v: f"{v:g}") if fraction else money
    return show(value.low) if value.low == value.high else f"{show(value.low)}-{show(value.high)}"


def collect(a: Assessment, report_dir: Path) -> Inputs:
    names = names_of(a)
    profile = a.inputs.profile
    context = profile.context or {}
    labelled = [(FACT_LABELS.get(key, key.replace("_", " ").capitalize()), key, value)
                for key, value in context.items()]
    facts = [(label, in_words(key, value, names)) for label, key, value in labelled if value is not None]
    unknown = [label.lower() for label, _, value in labelled if value is None]
    scores = [(d.name, d.self_score, f"used as {d.score}: raised by the measured evidence"
               if d.adjusted_by_evidence else "") for d in a.dimensions]
    baseline = []
    if profile.baseline is not None:
        given = profile.baseline.model_dump()
        baseline = [(label, in_words(key, given.get(key), names)) for key, label in BASELINE_LABELS.items()]
    economics, note = economics_rows(a, names)
    return Inputs(facts, unknown, scores, baseline, economics, note, files(a, report_dir))


def economics_rows(a: Assessment, names: dict[str, str]) -> tuple[list, str]:
    money_in = a.economics
    if money_in is None:
        return [], ""
    rows = [(names.get(s.id, s.id), span(s.inputs.build), span(s.inputs.monthly), span(s.inputs.per_request),
             span(s.inputs.success_rate, fraction=True)) for s in money_in.strategies]
    error = span(money_in.cost_per_error) if money_in.cost_per_error is not None else "not given (0)"
    volume = f"{money_in.monthly_volume:,.0f}" if money_in.monthly_volume is not None else "unknown"
    note = (f"Amounts in {money_in.currency} over {money_in.horizon_months} months; {volume} requests a month; "
            f"cost per wrong outcome {error}.")
    return rows, note


def files(a: Assessment, report_dir: Path) -> list[InputFile]:
    profile, rubric = a.inputs.profile, a.inputs.rubric
    found = [InputFile("Profile", profile.name, relative(profile.path, report_dir), profile.sha256 or "")]
    if rubric.builtin:
        found.append(InputFile("Rubric", f"the built-in default rubric '{rubric.name}', version {rubric.version} "
                               f"(shipped with advisor {a.advisor_version})", "", rubric.sha256 or ""))
    else:
        found.append(InputFile("Rubric", f"'{rubric.name}', version {rubric.version}",
                               relative(rubric.path, report_dir), rubric.sha256 or ""))
    attached = a.inputs.predictions
    if attached is not None:
        # The assessment names predictions relative to the profile's folder.
        folder = os.path.dirname(profile.path or "")
        found.append(InputFile("Predictions", "the attached predictions",
                               relative(os.path.join(folder, attached.path), report_dir), attached.sha256))
    return found
