"""A profile written as YAML with a comment explaining every field (it reads back to the same data)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml

from advisor import profile as prof
from advisor.text import has_hidden
from advisor.validation import members

SCHEMA_FILE = "advisor-profile.schema.json"
# Sections written field by field below; any other section of the profile is written from its model.
WRITTEN = ("version", "project", "scores", "context", "baseline")


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


def one_line(text: Any) -> str:
    return " ".join(str(text).split())


def _comment(text: str, indent: str = "") -> list[str]:
    return [f"{indent}# {one_line(text)}"] if text else []


def _sentence(description: str | None) -> str:
    text = description or ""
    return text[:1].upper() + text[1:] + "." if text else ""


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
              f"{one_line(rubric.name)!r}, version {one_line(rubric.version)}).", "scores:"]
    dimensions = {d.id: d for d in rubric.dimensions}
    for dim_id in prof.DIMENSIONS:
        dim = dimensions.get(dim_id)
        if dim is not None:
            lines += _comment(f"{dim.name}: {dim.question}", "  ")
            lines += [f"  #   {i} = {one_line(level)}" for i, level in enumerate(dim.levels)]
        else:
            lines += _comment(prof.Scores.model_fields[dim_id].description or dim_id, "  ")
        lines.append(f"  {dim_id}: {scalar(data['scores'][dim_id])}")
    lines += ["", "# Facts the rubric's rules use; null means unknown.", "context:"]
    context = data.get("context") or {}
    for name in prof.CONTEXT_FACTS:
        lines += _comment(_sentence(prof.Context.model_fields[name].description), "  ")
        default: list | None = [] if name == "adaptation_tried" else None
        lines.append(f"  {name}: {scalar(context.get(name, default))}")
    lines += [""] + baseline_lines(data.get("baseline"))
    for name, info in prof.Profile.model_fields.items():
        if name not in WRITTEN and data.get(name) is not None:
            lines += ["", *_comment(_sentence(info.description)), *model_lines(name, info.annotation, data[name], "")]
    if data.get("economics") is None:
        lines += ["", *ECONOMICS_EXAMPLE]
    return "\n".join(lines) + "\n"


# Shown commented out when a profile has no economics section (the interface's example).
ECONOMICS_EXAMPLE = [
    "# Optional: what each strategy would cost, for the total cost of ownership over the horizon and",
    "# the cost per successful outcome. Give only what you know (advisor invents no prices); each",
    "# figure is a number or a [low, high] range; per_request needs context.monthly_volume.",
    "# economics:",
    "#   currency: EUR          # a label only; default USD",
    "#   horizon_months: 12     # months the totals cover; default 12",
    "#   cost_per_error: 4.0    # what one wrong outcome costs downstream (rework, refunds, review)",
    "#   strategies:            # any of pretrained, fine_tune, calibrate, from_scratch",
    "#     pretrained:   {build: 15000, monthly: 6000, per_request: [0.002, 0.004], success_rate: 0.86}",
    "#     fine_tune:    {build: [40000, 80000], monthly: 9000, per_request: 0.0009, success_rate: [0.92, 0.95]}",
]


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
            lines += _comment(_sentence(note), "  ")
            lines.append(f"  {name}: {scalar(baseline[name])}")
    return lines


def model_lines(name: str, annotation: Any, value: Any, indent: str) -> list[str]:
    """``name: value``, a mapping of a model written field by field with each field's description."""
    model = next((arg for arg in members(annotation) if hasattr(arg, "model_fields")), None)
    if model is None or not isinstance(value, dict):
        return [f"{indent}{name}: {scalar(value)}"]
    lines = [f"{indent}{name}:"]
    for key, item in value.items():
        info = model.model_fields.get(key)
        if info is None:  # not a field (validation refuses it before anything is written)
            lines.append(f"{indent}  {key}: {scalar(item)}")
            continue
        lines += _comment(_sentence(info.description), indent + "  ")
        lines += model_lines(key, info.annotation, item, indent + "  ")
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


def written_header() -> list[str]:
    return ["Project profile for advisor, written by `advisor questionnaire`.",
            "Check it with `advisor validate FILE`; score it with `advisor assess FILE`.",
            f"Editor completion: `advisor schema -o {SCHEMA_FILE}` next to this file."]


def starter_profile(rubric=None) -> str:
    """An annotated starter profile: valid as it stands, meant to be edited."""
    rubric = rubric or load_rubric(None)
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


def load_rubric(path):
    from advisor import rubric as rub

    return rub.load_rubric(path)
