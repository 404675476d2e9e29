"""``advisor diff OLD NEW``: what changed between two assessments, in one view.

OLD and NEW are profiles (assessed now) or saved ``assess --format json`` outputs, in any
mix: the quarterly re-assessment compares last quarter's saved JSON with today's profile.
Four parts, each listing only what changed: the decision, the inputs (facts, scores,
baseline, money, files), the strategies' scores and the measured evidence, plus the rules
and warnings that appeared or went away.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from advisor import document
from advisor.assessment import Assessment
from advisor.errors import InputError
from advisor.report.inputs import BASELINE_LABELS, FACT_LABELS, scalar_words
from advisor.report.markup import md

# A saved assessment with full calibration bins is tens of kilobytes; this leaves ample room.
MAX_JSON_BYTES = 16 << 20
EVIDENCE = (("accuracy", "accuracy"), ("ece", "ECE"), ("mce", "MCE"), ("nll", "NLL"), ("brier", "Brier score"),
            ("temperature", "fitted temperature"), ("n_samples", "predictions measured"))


@dataclass
class Change:
    field: str       # dotted name (`context.launch_weeks`, `accuracy`)
    label: str       # in words
    old: Any
    new: Any

    @property
    def delta(self) -> float | None:
        numbers = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (self.old, self.new))
        if not numbers:
            return None
        return self.new - self.old if isinstance(self.old, int) and isinstance(self.new, int) else round(
            self.new - self.old, 6)


@dataclass
class Diff:
    old: str
    new: str
    decision: list[Change] = field(default_factory=list)
    inputs: list[Change] = field(default_factory=list)
    scores: list[Change] = field(default_factory=list)
    evidence: list[Change] = field(default_factory=list)
    rules: dict[str, list[str]] = field(default_factory=dict)
    warnings: dict[str, list[str]] = field(default_factory=dict)

    @property
    def decision_changed(self) -> bool:
        return any(c.field in ("primary", "companions", "change_needed") for c in self.decision)

    def as_json(self) -> dict:
        def rows(changes):
            return [{"field": c.field, "label": c.label, "old": c.old, "new": c.new,
                     **({"change": c.delta} if c.delta is not None else {})} for c in changes]
        return {"old": self.old, "new": self.new, "decision_changed": self.decision_changed,
                "decision": rows(self.decision), "inputs": rows(self.inputs), "scores": rows(self.scores),
                "evidence": rows(self.evidence), "rules": self.rules, "warnings": self.warnings}


def load(path: str, rubric_path=None) -> Assessment:
    """A saved JSON assessment (``.json``), or a profile assessed now (with ``rubric_path``)."""
    if Path(path).suffix.lower() == ".json":
        text = document.read_document(path, InputError, limit=MAX_JSON_BYTES).text
        try:
            return Assessment.model_validate_json(text)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(part) for part in first["loc"]) or "the top level"
            raise InputError(f"not an advisor assessment (the output of `advisor assess --format json`): "
                             f"{where}: {first['msg']}", file=path) from None
    from advisor import engine

    return Assessment.model_validate(engine.assess_file(path, rubric_path=rubric_path))


def changes(pairs: list[tuple[str, str, Any, Any]]) -> list[Change]:
    return [Change(name, label, old, new) for name, label, old, new in pairs if old != new]


def compare(old: Assessment, new: Assessment, old_name: str, new_name: str) -> Diff:
    diff = Diff(old_name, new_name)
    diff.decision = decision_changes(old, new)
    diff.inputs = input_changes(old, new)
    diff.scores = score_changes(old, new)
    diff.evidence = evidence_changes(old, new)
    diff.rules = added_removed(sorted({r.id for r in old.rules}), sorted({r.id for r in new.rules}))
    diff.warnings = added_removed(old.warnings, new.warnings)
    return diff


def decision_changes(old: Assessment, new: Assessment) -> list[Change]:
    o, n = old.recommendation, new.recommendation
    return changes([("primary", "recommended strategy", o.primary, n.primary),
                    ("companions", "companions", o.companions, n.companions),
                    ("change_needed", "change needed", o.change_needed, n.change_needed),
                    ("provisional", "provisional", o.provisional, n.provisional),
                    ("close_call", "close call", o.close_call, n.close_call),
                    ("margin", "margin over the runner-up", o.margin, n.margin)])


def input_changes(old: Assessment, new: Assessment) -> list[Change]:
    pairs = []
    o_ctx, n_ctx = old.inputs.profile.context or {}, new.inputs.profile.context or {}
    for key in dict.fromkeys([*o_ctx, *n_ctx]):
        pairs.append((f"context.{key}", FACT_LABELS.get(key, key), o_ctx.get(key), n_ctx.get(key)))
    o_dims = {d.id: (d.name, d.self_score) for d in old.dimensions}
    for d in new.dimensions:
        pairs.append((f"scores.{d.id}", d.name, o_dims.get(d.id, (d.name, None))[1], d.self_score))
    o_base = old.inputs.profile.baseline.model_dump() if old.inputs.profile.baseline else {}
    n_base = new.inputs.profile.baseline.model_dump() if new.inputs.profile.baseline else {}
    for key in dict.fromkeys([*o_base, *n_base]):
        pairs.append((f"baseline.{key}", BASELINE_LABELS.get(key, "attached predictions file"), o_base.get(key),
                      n_base.get(key)))
    for kind, o_file, n_file in (("profile", old.inputs.profile, new.inputs.profile),
                                 ("rubric", old.inputs.rubric, new.inputs.rubric)):
        pairs.append((f"{kind}.sha256", f"{kind} file checksum", o_file.sha256, n_file.sha256))
    pairs.append(("rubric.version", "rubric version", old.inputs.rubric.version, new.inputs.rubric.version))
    o_pred, n_pred = old.inputs.predictions, new.inputs.predictions
    pairs.append(("predictions.sha256", "predictions file checksum", o_pred.sha256 if o_pred else None,
                  n_pred.sha256 if n_pred else None))
    pairs += money_pairs(old, new)
    return changes(pairs)


def money_pairs(old: Assessment, new: Assessment) -> list[tuple[str, str, Any, Any]]:
    def totals(a: Assessment) -> dict[str, Any]:
        if a.economics is None:
            return {}
        return {s.id: [s.total.low, s.total.high] for s in a.economics.strategies}
    o, n = totals(old), totals(new)
    return [(f"economics.{sid}.total", f"{sid} total cost", o.get(sid), n.get(sid)) for sid in dict.fromkeys([*o, *n])]


def score_changes(old: Assessment, new: Assessment) -> list[Change]:
    def standing(a: Assessment) -> dict[str, tuple]:
        return {s.id: (s.name, s.score, s.rank, s.status) for s in a.strategies}
    o, n = standing(old), standing(new)
    pairs = []
    for sid in dict.fromkeys([*n, *o]):
        name = (n.get(sid) or o[sid])[0]
        before, after = o.get(sid), n.get(sid)
        for index, what in ((1, "score"), (2, "rank"), (3, "status")):
            pairs.append((f"{sid}.{what}", f"{name}: {what}", before[index] if before else None,
                          after[index] if after else None))
    return changes(pairs)


def evidence_changes(old: Assessment, new: Assessment) -> list[Change]:
    def measured(a: Assessment) -> dict[str, Any]:
        if a.calibration is None:
            return {"evidence": a.metrics.evidence if a.metrics else None}
        m = a.calibration.measured
        values = {key: getattr(m, key) for key, _ in EVIDENCE}
        values["p_value"] = m.significance.p_value if m.significance else None
        values["ece_after_temperature"] = a.calibration.ece_after_temperature
        values["evidence"] = "measured"
        return values
    o, n = measured(old), measured(new)
    labels = dict(EVIDENCE, p_value="calibration p-value", ece_after_temperature="ECE after temperature scaling",
                  evidence="where the numbers come from")
    return changes([(key, labels[key], o.get(key), n.get(key)) for key in dict.fromkeys([*o, *n])])


def added_removed(old: list[str], new: list[str]) -> dict[str, list[str]]:
    return {"added": [x for x in new if x not in old], "removed": [x for x in old if x not in new]}


# --- rendering ------------------------------------------------------------------------------

SECTIONS = (("decision", "Decision"), ("inputs", "Inputs"), ("scores", "Strategy scores"),
            ("evidence", "Measured evidence"))


def shown(value: Any) -> str:
    said = scalar_words(value)
    if said is not None:
        return said
    if isinstance(value, str) and len(value) == 64 and all(ch in "0123456789abcdef" for ch in value):
        return value[:12] + "..."  # a checksum: the start tells them apart
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, list):
        return "[" + ", ".join(shown(v) for v in value) + "]" if value else "none"
    return str(value)


def delta_text(c: Change) -> str:
    if c.delta is None:
        return ""
    return f"{c.delta:+,}" if isinstance(c.delta, int) else f"{c.delta:+.4g}"


def change_text(c: Change) -> str:
    delta = f" ({delta_text(c)})" if c.delta is not None else ""
    return f"{shown(c.old)} -> {shown(c.new)}{delta}"


def render_text(diff: Diff) -> str:
    lines = [f"advisor diff: {diff.old} -> {diff.new}", "",
             "The decision changed." if diff.decision_changed else "The decision is unchanged."]
    for key, title in SECTIONS:
        items = getattr(diff, key)
        lines += ["", f"{title}: " + (f"{len(items)} changed" if items else "no change")]
        width = max((len(c.label) for c in items), default=0)
        lines += [f"  {c.label:<{width}}  {change_text(c)}" for c in items]
    for key, title in (("rules", "Rules fired"), ("warnings", "Warnings")):
        moved = getattr(diff, key)
        lines += ["", f"{title}: " + ("no change" if not any(moved.values()) else "")]
        lines += [f"  + {item}" for item in moved["added"]] + [f"  - {item}" for item in moved["removed"]]
    return "\n".join(line.rstrip() for line in lines) + "\n"


def render_markdown(diff: Diff) -> str:
    lines = [f"# What changed: {md(diff.old)} -> {md(diff.new)}", "",
             "**The decision changed.**" if diff.decision_changed else "The decision is unchanged.", ""]
    for key, title in SECTIONS:
        items = getattr(diff, key)
        lines += [f"## {title}", ""]
        if not items:
            lines += ["No change.", ""]
            continue
        lines += ["| What | Before | After | Change |", "| --- | --- | --- | ---: |"]
        lines += [f"| {md(c.label)} | {md(shown(c.old))} | {md(shown(c.new))} | "
                  f"{delta_text(c)} |" for c in items]
        lines.append("")
    for key, title in (("rules", "Rules fired"), ("warnings", "Warnings")):
        moved = getattr(diff, key)
        lines += [f"## {title}", ""]
        if not any(moved.values()):
            lines += ["No change.", ""]
            continue
        lines += [f"- Added: {md(item)}" for item in moved["added"]]
        lines += [f"- Removed: {md(item)}" for item in moved["removed"]]
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


def diff_files(old: str, new: str, fmt: str = "text", rubric_path=None) -> str:
    result = compare(load(old, rubric_path), load(new, rubric_path), str(old), str(new))
    if fmt == "json":
        from advisor.text import dump_json

        return dump_json(result.as_json())
    return render_markdown(result) if fmt == "markdown" else render_text(result)

