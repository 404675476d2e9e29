"""One evaluation of the rubric: scores, gates, the launch date, keep-or-change, the ranking.

:func:`decide` is pure and cheap: the sensitivity analyses re-run it with other scores,
facts or evidence, and the robustness check with a :class:`Tuning`, a copy of the
rubric's numbers (weights, rule amounts, thresholds, times to production) moved at random.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from advisor import crosscheck, profile, rule
from advisor.rubric import Rubric

# Scores are rounded to this many digits before ranking, in every re-run alike.
DIGITS = 4
TIERS = {"eligible": 0, "gated": 1, "vetoed": 2}
# The pseudo-rule that holds a launch date against each strategy's time to production.
LAUNCH_RULE = "launch-date"


@dataclass(frozen=True)
class Tuning:
    """The rubric's numbers for one perturbed trial; a missing key keeps the rubric's value."""

    weights: dict[tuple[str, str], float] = field(default_factory=dict)      # (dimension, strategy)
    amounts: dict[tuple[int, int], float] = field(default_factory=dict)      # (rule index, effect index)
    thresholds: dict[int, float] = field(default_factory=dict)               # id(leaf) -> moved threshold
    weeks: dict[str, tuple[float, float]] = field(default_factory=dict)      # strategy
    at_risk_by: float | None = None


AS_WRITTEN = Tuning()


@dataclass
class Decision:
    """One evaluation of the rubric for given dimension scores, facts and metrics."""

    dimensions: dict[str, int]
    scores: dict[str, float] = field(default_factory=dict)
    contributions: dict[str, list[dict]] = field(default_factory=dict)
    status: dict[str, str] = field(default_factory=dict)
    blocked_by: dict[str, list[str]] = field(default_factory=dict)
    fired: list[dict] = field(default_factory=list)
    companions: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    ranking: list[str] = field(default_factory=list)
    # False when the rubric's keep condition holds: the current approach stays (it is the primary).
    change_needed: bool = True
    # Warnings waiting for the ranking: (text, the strategies they are about, index in ``fired``).
    pending: list[tuple[str, tuple[str, ...], int]] = field(default_factory=list)
    # Strategies whose launch date falls inside their time to production: (strategy, rationale).
    at_risk: list[tuple[str, str]] = field(default_factory=list)

    @property
    def primary(self) -> str:
        return self.ranking[0]


def environment(dimensions: dict, facts: dict, metrics: dict) -> dict[str, dict]:
    return {"dimension": dimensions, "fact": facts, "metric": metrics}


def effective_scores(self_scores: dict[str, int], metrics: dict) -> dict[str, int]:
    """Self-scores, with quality_gap moved where the measured evidence puts it (both ways)."""
    scores = {name: self_scores[name] for name in profile.DIMENSIONS}
    scores["quality_gap"] = crosscheck.effective_quality_gap(scores["quality_gap"], metrics)
    return scores


@dataclass(frozen=True)
class Step:
    """One rule, read once: its condition and its effects as plain values."""

    index: int
    id: str
    condition: rule.Condition
    rationale: str
    source: str
    about: tuple[str, ...]
    # (number, kind, target, by, text): target "" for a warning, text "" for anything else
    effects: tuple[tuple[int, str, str, float | None, str], ...]


@dataclass(frozen=True)
class Plan:
    """The rubric in the form the decision reads many times: conditions parsed, texts joined."""

    rubric: Rubric
    steps: tuple[Step, ...]
    keep: rule.Condition | None
    leaves: tuple[rule.Leaf, ...]                                # every movable threshold, each once
    weights: dict[str, tuple[tuple[str, float], ...]]           # strategy -> (dimension, weight) where non-zero


PLANS: dict[int, Plan] = {}


def plan_of(rub: Rubric) -> Plan:
    """The rubric's plan, built once per rubric object (the cache keeps the rubric alive, so its id stays its own)."""
    found = PLANS.get(id(rub))
    if found is None or found.rubric is not rub:
        steps = tuple(Step(index, item.id, item.condition, " ".join(item.rationale.split()), item.source,
                           tuple(item.about),
                           tuple((number, effect.kind, effect.target or "", effect.by,
                                  " ".join(effect.warn.split()) if effect.warn is not None else "")
                                 for number, effect in enumerate(item.effects)))
                      for index, item in enumerate(rub.rules))
        keep = rub.keep.condition if rub.keep is not None else None
        trees = [step.condition for step in steps] + ([keep] if keep is not None else [])
        leaves = {id(leaf): leaf for tree in trees for leaf in rule.thresholds_of(tree)}
        weights = {s.id: tuple((d, rub.weight(d, s.id)) for d in profile.DIMENSIONS if rub.weight(d, s.id))
                   for s in rub.strategies}
        found = Plan(rub, steps, keep, tuple(leaves.values()), weights)
        if len(PLANS) > 16:
            PLANS.clear()
        PLANS[id(rub)] = found
    return found


def decide(rub: Rubric, self_scores: dict[str, int], facts: dict, metrics: dict,
           tuning: Tuning = AS_WRITTEN) -> Decision:
    plan = plan_of(rub)
    dims = effective_scores(self_scores, metrics)
    decision = Decision(dimensions=dims)
    env = environment(dims, facts, metrics)
    moved = tuning.thresholds
    for strategy in rub.strategies:
        decision.contributions[strategy.id] = base_contributions(plan, strategy, dims, tuning)
        decision.blocked_by[strategy.id] = []
    for step in plan.steps:
        if rule.evaluate(step.condition, env, moved):
            apply_rule(decision, step, tuning)
    hold_launch_date(decision, rub, facts.get("launch_weeks"), tuning)
    keep = plan.keep is not None and rule.evaluate(plan.keep, env, moved)
    finish(decision, rub, kept_strategy(facts) if keep else None)
    return decision


def base_contributions(plan: Plan, strategy, dims: dict[str, int], tuning: Tuning) -> list[dict]:
    rows = [{"source": "base", "id": "base", "value": strategy.base, "detail": "starting score"}]
    if tuning.weights:
        # A perturbed trial: only its primary is read, so no explanation is written.
        return rows + [{"source": "dimension", "id": dimension, "detail": None,
                        "value": round(tuning.weights[dimension, strategy.id] * dims[dimension], DIGITS)}
                       for dimension in profile.DIMENSIONS if tuning.weights.get((dimension, strategy.id))]
    for dimension, weight in plan.weights[strategy.id]:
        rows.append({"source": "dimension", "id": dimension, "value": round(weight * dims[dimension], DIGITS),
                     "detail": f"{dimension} {dims[dimension]} x {weight:g}"})
    return rows


def apply_rule(decision: Decision, step: Step, tuning: Tuning) -> None:
    for number, kind, target, by, text in step.effects:
        amount = tuning.amounts.get((step.index, number), by)
        decision.fired.append({"id": step.id, "effect": kind, "target": target or None, "amount": amount,
                               "rationale": step.rationale, "source": step.source})
        if kind == "adjust":
            decision.contributions[target].append({"source": "rule", "id": step.id, "value": amount,
                                                   "detail": step.rationale})
        elif kind in ("veto", "gate"):
            decision.blocked_by[target].append(step.id)
        elif kind == "companion":
            decision.companions.append(target)
        else:
            decision.fired[-1]["text"] = text
            decision.pending.append((text, step.about, len(decision.fired) - 1))


def hold_launch_date(decision: Decision, rub: Rubric, launch_weeks: int | None, tuning: Tuning) -> None:
    """Gate each strategy that cannot reach production by the launch date; lower those at risk."""
    if rub.launch_date is None or launch_weeks is None:
        return
    amount = rub.launch_date.at_risk_by if tuning.at_risk_by is None else tuning.at_risk_by
    for strategy in rub.strategies:
        low, high = tuning.weeks.get(strategy.id, strategy.time_to_production_weeks)
        span = f"{low:g}-{high:g} weeks"
        entry: dict[str, Any] = {"id": LAUNCH_RULE, "target": strategy.id, "source": rub.launch_date.source}
        if launch_weeks < low:
            entry.update(effect="gate", amount=None, rationale=(
                f"A launch in {weeks(launch_weeks)} comes before the {span} this strategy typically takes to "
                f"reach production: it cannot make the date."))
            decision.blocked_by[strategy.id].append(LAUNCH_RULE)
        elif launch_weeks < high:
            entry.update(effect="adjust", amount=amount, rationale=(
                f"A launch in {weeks(launch_weeks)} falls inside the {span} this strategy typically takes to "
                f"reach production: only its fast end makes the date."))
            decision.contributions[strategy.id].append({"source": "rule", "id": LAUNCH_RULE, "value": amount,
                                                        "detail": entry["rationale"]})
            decision.at_risk.append((strategy.id, f"The launch in {weeks(launch_weeks)} is tight for this "
                                                  f"strategy, which typically takes {span} to reach production: "
                                                  f"plan for its fast end, or move the date."))
        else:
            continue
        decision.fired.append({key: entry[key] for key in ("id", "effect", "target", "amount", "rationale", "source")})


def weeks(count: int) -> str:
    return f"{count} week" if count == 1 else f"{count} weeks"


def kept_strategy(facts: dict) -> str:
    """What "keep the current approach" names: what runs today, else the pre-trained model."""
    current = facts.get("current_approach")
    return current if current in profile.STRATEGIES else "pretrained"


def finish(decision: Decision, rub: Rubric, kept: str | None) -> None:
    """Scores, statuses, ranking, companions and the warnings that concern the outcome."""
    vetoed = {f["target"] for f in decision.fired if f["effect"] == "veto"}
    order = {s.id: index for index, s in enumerate(rub.strategies)}
    for sid, rows in decision.contributions.items():
        decision.scores[sid] = round(sum(row["value"] for row in rows), DIGITS)
        decision.status[sid] = ("vetoed" if sid in vetoed else "gated" if decision.blocked_by[sid] else "eligible")
    decision.ranking = sorted(order, key=lambda s: (TIERS[decision.status[s]], -decision.scores[s], order[s]))
    if kept is not None and kept in order:
        # Keeping what runs is the answer whatever the scores say: the evidence shows it works.
        # Gates and vetoes are about starting a strategy, so none holds back the one that runs.
        decision.change_needed = False
        decision.blocked_by[kept] = []
        decision.status[kept] = "eligible"
        decision.ranking = [kept] + [sid for sid in decision.ranking if sid != kept]
    rank = {sid: index for index, sid in enumerate(decision.ranking)}
    wanted = set() if not decision.change_needed else {
        c for c in decision.companions if c != decision.primary and decision.status[c] != "vetoed"}
    decision.companions = sorted(wanted, key=rank.__getitem__)
    in_play = {decision.primary, *decision.companions, *outscoring(decision)}
    shown = [(text, at) for text, about, at in decision.pending if not about or in_play.intersection(about)]
    hidden = {at for _, about, at in decision.pending if about and not in_play.intersection(about)}
    # A companion effect aimed at the primary (or at a vetoed strategy), a gate on what is kept,
    # or a warning about a strategy nobody proposes changes nothing; listing it would explain
    # what did not happen.
    decision.fired = [f for at, f in enumerate(decision.fired)
                      if at not in hidden and (f["effect"] != "companion" or f["target"] in wanted)
                      and not (f["effect"] in ("gate", "veto") and f["target"] == kept)]
    risky = [text for sid, text in decision.at_risk if sid == decision.primary and decision.change_needed]
    decision.warnings = list(dict.fromkeys([text for text, _ in shown] + risky))


def outscoring(decision: Decision) -> list[str]:
    """Blocked strategies that score above the primary: the answer explicitly declines them."""
    top = decision.scores[decision.primary]
    return [sid for sid in decision.ranking[1:] if decision.status[sid] != "eligible" and decision.scores[sid] > top]


# --- perturbed copies of the rubric's numbers ------------------------------------------------

def random_tuning(rub: Rubric, rng: np.random.Generator, relative: float) -> Tuning:
    """Every weight, rule amount, numeric threshold and time to production moved at random.

    Weights, amounts, fact and metric thresholds and times to production are multiplied by
    factors in [1 - relative, 1 + relative]; a dimension threshold moves by up to
    ``relative`` of the 0-5 scale (one notch at 20%). A threshold used by several rules (a
    named condition) moves once for all of them. The draws come in a fixed order, so a seed
    always gives the same trials.
    """
    plan = plan_of(rub)
    ids = [s.id for s in rub.strategies]
    pairs = [(d, s) for d in profile.DIMENSIONS for s in ids]
    adjusts = [(i, j, effect.by) for i, item in enumerate(rub.rules) for j, effect in enumerate(item.effects)
               if effect.adjust is not None]
    factors = rng.uniform(1.0 - relative, 1.0 + relative, size=len(pairs) + len(adjusts) + len(ids) + 1)
    shifts = rng.uniform(-relative, relative, size=len(plan.leaves))
    weights = {pair: rub.weight(*pair) * f for pair, f in zip(pairs, factors[:len(pairs)], strict=True)}
    amounts = {(i, j): by * f for (i, j, by), f in zip(adjusts, factors[len(pairs):len(pairs) + len(adjusts)],
                                                       strict=True)}
    spans = {}
    for strategy, f in zip(rub.strategies, factors[len(pairs) + len(adjusts):-1], strict=True):
        low, high = strategy.time_to_production_weeks
        spans[strategy.id] = (low * f, high * f)
    thresholds = {id(leaf): leaf.value + shift * 5 if leaf.kind == "dimension" else leaf.value * (1.0 + shift)
                  for leaf, shift in zip(plan.leaves, shifts, strict=True)}
    at_risk_by = rub.launch_date.at_risk_by * float(factors[-1]) if rub.launch_date is not None else None
    return Tuning(weights, amounts, thresholds, spans, at_risk_by)
