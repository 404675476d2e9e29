"""The recommendation in words: provisional or not, the summary, first steps, close calls.

Everything here reads a finished :class:`advisor.decision.Decision`; nothing changes it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from advisor import rule
from advisor.decision import DIGITS, Decision, environment
from advisor.rubric import Rubric


@dataclass(frozen=True)
class Readiness:
    """What must exist before the answer stands: the rubric's readiness and the primary's prerequisites."""

    provisional: bool
    summaries: list[str] = field(default_factory=list)
    steps: list[str] = field(default_factory=list)


def readiness(rub: Rubric, decision: Decision, facts: dict, metrics: dict) -> Readiness:
    if not decision.change_needed:
        return Readiness(False)  # the measured evidence meets the targets: nothing to build first
    env = environment(decision.dimensions, facts, metrics)
    summaries, steps = [], []
    if rule.evaluate(rub.readiness.condition, env):
        summaries.append(" ".join(rub.readiness.summary.split()))
        steps += rub.readiness.first_steps
    for needed in rub.strategy(decision.primary).prerequisites:
        if rule.evaluate(needed.condition, env):
            summaries.append(" ".join(needed.summary.split()))
            steps += needed.first_steps
    return Readiness(bool(summaries), summaries, steps)


def first_steps(rub: Rubric, decision: Decision, ready: Readiness) -> list[str]:
    """Missing prerequisites first (so no step refers to something not built yet), then the
    primary's own steps; when the current approach is kept, the rubric's monitoring steps.

    A strategy step that restates a readiness step is the rubric's to fix; `rubric lint` reports it.
    """
    if not decision.change_needed and rub.keep is not None:
        return list(rub.keep.first_steps)
    return list(dict.fromkeys(ready.steps + list(rub.strategy(decision.primary).first_steps)))


def margin_of(decision: Decision) -> float:
    """Primary's lead over the runner-up in rank order (negative when a blocked rival scores higher)."""
    if len(decision.ranking) < 2:
        return 0.0
    return round(decision.scores[decision.primary] - decision.scores[decision.ranking[1]], DIGITS)


def main_reason(rub: Rubric, decision: Decision) -> str | None:
    """Why the primary: the keep summary when nothing changes, else the rationale of the rule
    that raised the primary's score the most, if any did."""
    if not decision.change_needed and rub.keep is not None:
        return " ".join(rub.keep.summary.split())
    boosts = [row for row in decision.contributions[decision.primary] if row["source"] == "rule" and row["value"] > 0]
    if not boosts:
        return None
    return max(boosts, key=lambda row: row["value"])["detail"]


def summary(rub: Rubric, decision: Decision, margin: float, ready: Readiness, metrics: dict,
            monitored: list[str]) -> str:
    if not decision.change_needed:
        return keep_summary(rub, decision, metrics, monitored)
    primary = rub.strategy(decision.primary)
    runner = rub.strategy(decision.ranking[1]) if len(decision.ranking) > 1 else None
    text = f"{primary.name} is the strategy to pursue now (score {decision.scores[primary.id]:.2f}"
    if runner and margin < 0:
        # A blocked strategy can outscore the primary; say why it still is not the answer.
        rules = ", ".join(decision.blocked_by[runner.id])
        text += (f"; {runner.name.lower()} scores higher ({decision.scores[runner.id]:.2f}) but is "
                 f"{decision.status[runner.id]} by {rules} until its prerequisites are met).")
    else:
        text += f"; margin {margin:+.2f} over {runner.name.lower()})." if runner else ")."
    reason = main_reason(rub, decision)
    if reason:
        text += f" Main reason: {reason}"
    if decision.status[primary.id] != "eligible":
        text += " Every strategy is blocked by a rule; this one is the least blocked - resolve its prerequisites first."
    if decision.companions:
        text += " Then add: " + "; ".join(rub.strategy(c).name.lower() for c in decision.companions) + "."
    if ready.summaries:
        text += " " + " ".join(ready.summaries)
    return text


def keep_summary(rub: Rubric, decision: Decision, metrics: dict, monitored: list[str]) -> str:
    kept = rub.strategy(decision.primary)
    text = " ".join(rub.keep.summary.split()) if rub.keep else "Keep the current approach."
    evidence = f"measured accuracy {metrics['accuracy']:.3f} against the target {metrics['target_accuracy']:.3f}"
    if metrics.get("ece") is not None:
        evidence += f", ECE {metrics['ece']:.3f} against {metrics['target_ece']:.3f}"
    text += f" Today that is: {kept.name.lower()} ({evidence})."
    if monitored:
        text += " Monitor " + ", ".join(monitored) + " on live traffic, and re-assess when one of them drifts."
    return text


def close_call(rub: Rubric, decision: Decision, margin: float, flips: list[dict], robustness: dict,
               dimension_names: dict[str, str]) -> list[str]:
    """Why the recommendation needs human review (empty when it does not).

    A small lead, a flip under one notch of any dimension, or a primary that too few of the
    perturbed trials keep; the thresholds are the rubric's ``close_call`` section.
    """
    name = {s.id: s.name for s in rub.strategies}
    reasons = []
    limits = rub.close_call
    if limits is not None and decision.change_needed and 0 <= margin < limits.margin and len(decision.ranking) > 1:
        reasons.append(f"{name[decision.primary]} leads {name[decision.ranking[1]].lower()} by only "
                       f"{margin:.2f} points (a lead under {limits.margin:g} is a close call).")
    notches: dict[str, list[str]] = {}  # new primary -> the one-notch changes that make it
    for row in flips:
        flip = row["flip"]
        if flip and abs(flip["change"]) == 1:
            notches.setdefault(flip["new_primary"], []).append(
                f"{dimension_names[row['dimension']]} ({row['score']} to {flip['to']})")
    for new_primary, changes in notches.items():
        reasons.append(f"One notch of {listed(changes, 'or')} would make {name[new_primary].lower()} the primary.")
    survival = robustness["primary_survival"]
    if limits is not None and survival < limits.survival:
        reasons.append(f"With the rubric's {listed(robustness['varies'], 'and')} varied by up to "
                       f"{robustness['relative']:.0%}, the primary holds in only {survival:.0%} of "
                       f"{robustness['trials']} trials.")
    return reasons


def listed(items: list[str], word: str) -> str:
    """'a', 'a or b', 'a, b or c'."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + f" {word} " + items[-1]
