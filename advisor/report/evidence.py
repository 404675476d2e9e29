"""The evidence behind the decision, as rows the report templates lay out.

The rules that fired (each rationale once), the ranking with why each strategy sits where
it does, the score breakdown as one compact matrix, what would change the answer, the plan,
and the generic rubric lists filtered down to what applies to this project.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from advisor.assessment import Assessment, DimensionSensitivity
from advisor.report.summary import names_of
from advisor.report.wording import lower_first, sentence

# Rubric items about confidences (calibration) apply only when this project uses them.
CONFIDENCE_WORDS = ("calibration error", "ece", "confidence")


@dataclass
class FiredRule:
    id: str
    effects: str                  # "adjust +6.00 Calibrate; gate Train from scratch"
    rationale: str                # the rubric's rationale, or a pointer to the summary's main reason
    source: str
    main_reason: bool = False
    # touches the recommended strategies (or only warns); the others fold away in the report
    shapes_plan: bool = False


@dataclass
class Ranked:
    rank: int
    id: str
    name: str
    score: float
    status: str
    note: str                     # why it sits at this rank
    primary: bool = False


@dataclass
class Breakdown:
    """The score breakdown: one row per item (base, dimensions, rules), one column per strategy."""

    strategies: list[tuple[str, str]]          # (id, name) in rank order
    rows: list[tuple[str, list[float | None]]]  # (item label, value per strategy or None)
    totals: list[float]


@dataclass
class Closest:
    dimension: str
    score: int
    flip: str                     # "+3 (to 4): Fine-tune" or "none within 0-5"
    closest: str                  # the closest call, in words


@dataclass
class Plan:
    stages: list[dict] = field(default_factory=list)
    gates: list[str] = field(default_factory=list)
    metrics: list[tuple[str, str]] = field(default_factory=list)


EFFECT_WORDS = {"adjust": "adjust", "veto": "veto", "gate": "gate", "companion": "companion", "warning": "warning"}


def fired_rules(a: Assessment) -> list[FiredRule]:
    """One entry per fired rule (the assessment lists one per effect), in firing order."""
    names = names_of(a)
    grouped: dict[str, FiredRule] = {}
    parts: dict[str, list[str]] = {}
    reason = " ".join((a.recommendation.reason or "").split())
    for r in a.rules:
        if r.id not in grouped:
            rationale = " ".join(r.rationale.split())
            is_main = bool(reason) and rationale == reason
            grouped[r.id] = FiredRule(r.id, "", "The main reason, given in the summary." if is_main else rationale,
                                      r.source, is_main)
            parts[r.id] = []
        words = EFFECT_WORDS.get(r.effect, r.effect)
        if r.amount is not None:
            words += f" {r.amount:+.2f}"
        if r.target:
            words += f" {names.get(r.target, r.target)}"
        parts[r.id].append(words)
    planned = {a.recommendation.primary, *a.recommendation.companions}
    for r in a.rules:
        if r.target is None or r.target in planned:
            grouped[r.id].shapes_plan = True
    for rule_id, item in grouped.items():
        item.effects = "; ".join(parts[rule_id])
    return list(grouped.values())


def ranking(a: Assessment) -> list[Ranked]:
    rec = a.recommendation
    primary = a.strategy(rec.primary)
    rows = []
    for s in a.strategies:
        if s.id == rec.primary:
            note = "recommended" if s.status == "eligible" else "least blocked: resolve its prerequisites first"
        elif s.status != "eligible":
            note = (f"{s.status} by {', '.join(s.blocked_by)}: ranks below every strategy open now, "
                    f"whatever its score")
        elif s.id in rec.companions:
            note = "companion: add it after the recommended strategy"
        else:
            behind = primary.score - s.score if primary is not None else 0.0
            note = f"{behind:.2f} points behind the recommended strategy"
        rows.append(Ranked(s.rank, s.id, s.name, s.score, s.status, note, s.id == rec.primary))
    return rows


def breakdown(a: Assessment) -> Breakdown:
    dimensions = {d.id: d for d in a.dimensions}
    labels: dict[tuple[str, str], str] = {}
    for s in a.strategies:
        for c in s.contributions:
            key = (c.source, c.id)
            if key in labels:
                continue
            if c.source == "base":
                labels[key] = "Starting score"
            elif c.source == "dimension":
                dim = dimensions.get(c.id)
                labels[key] = f"{dim.name} ({dim.score})" if dim else c.id
            else:
                labels[key] = f"Rule {c.id}"
    order = {"base": 0, "dimension": 1, "rule": 2}
    dimension_order = {d.id: i for i, d in enumerate(a.dimensions)}
    keys = sorted(labels, key=lambda k: (order[k[0]], dimension_order.get(k[1], 0)))
    values: dict[str, dict[tuple[str, str], float]] = {
        s.id: {(c.source, c.id): c.value for c in s.contributions} for s in a.strategies}
    rows = [(labels[k], [values[s.id].get(k) for s in a.strategies]) for k in keys]
    return Breakdown([(s.id, s.name) for s in a.strategies], rows, [s.score for s in a.strategies])


def closest_calls(a: Assessment) -> list[Closest]:
    names = names_of(a)
    primary = names.get(a.recommendation.primary, a.recommendation.primary)
    dimensions = {d.id: d.name for d in a.dimensions}
    rows = []
    for row in a.sensitivity:
        flip = (f"{row.flip.change:+d} (to {row.flip.to}): {names.get(row.flip.new_primary, row.flip.new_primary)}"
                if row.flip else "none within 0-5")
        rows.append(Closest(dimensions.get(row.dimension, row.dimension), row.score, flip,
                            closest_words(row, primary, names)))
    return rows


def closest_words(row: DimensionSensitivity, primary: str, names: dict[str, str]) -> str:
    """The closest call of one dimension, never as a negative lead."""
    c = row.closest
    if c is None:
        return "not computed"
    rival = names.get(c.alternative, c.alternative)
    if not c.primary_holds:
        return (f"at {c.to}: {rival} takes the lead by {-c.margin:.2f}" if c.margin < 0
                else f"at {c.to}: {rival} takes the lead on a tie")
    if c.margin < 0:
        return f"at {c.to}: {rival} would score {-c.margin:.2f} higher but stays blocked by a rule"
    if c.rivals_blocked:
        return f"at {c.to}: leads {lower_first(rival)} by {c.margin:.2f}, and every rival stays blocked by a rule"
    if c.margin == 0:
        return f"at {c.to}: ties with {lower_first(rival)} and keeps the lead on the rubric's order"
    return f"at {c.to}: leads {lower_first(rival)} by {c.margin:.2f}"


def uses_confidence(a: Assessment) -> bool:
    """Whether confidences matter to this project: used downstream, or calibration is in the plan."""
    context = a.inputs.profile.context or {}
    planned = {a.recommendation.primary, *a.recommendation.companions}
    return context.get("confidence_used_downstream") is True or "calibrate" in planned


def applies(text: str, confidence: bool) -> bool:
    return confidence or not any(word in text.lower() for word in CONFIDENCE_WORDS)


def plan(a: Assessment) -> Plan:
    names = names_of(a)
    confidence = uses_confidence(a)
    stages = []
    for stage in a.roadmap:
        stages.append({"stage": stage.stage, "name": names.get(stage.strategy, stage.strategy), "id": stage.strategy,
                       "when": stage.when, "actions": list(stage.actions), "weeks": span_weeks(stage.end)})
    return Plan(stages=stages,
                gates=[sentence(g) for g in a.rollout_gates if applies(g, confidence)],
                metrics=[(m.name, sentence(m.why)) for m in a.metrics_to_track
                         if applies(f"{m.name} {m.why}", confidence)])


def span_weeks(end) -> str:
    """When a stage or phase is done: "done by week 4-12" (the fast and the slow end)."""
    if end is None or end.low is None or end.high is None:
        return ""
    return "done by week " + (f"{end.low:g}" if end.low == end.high else f"{end.low:g}-{end.high:g}")
