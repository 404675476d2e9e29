"""What would flip the recommendation: score changes, fact changes, and noise in the rubric's numbers.

Every analysis is deterministic: dimension values are tried exhaustively, fact
values come from the constants in the rubric's rule conditions, and the
perturbation of weights, rule amounts and thresholds draws from a fixed seed. Only the decision is re-run: predictions are
never measured again.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from advisor import crosscheck, decision, rule

TRIALS = 200
RELATIVE = 0.2
SEED = 20260601
# What the robustness check moves (see decision.random_tuning).
VARIED = ("weights", "rule amounts", "thresholds")
DIGITS = decision.DIGITS


def dimension_flips(primary_for: Callable[[dict], str], scores: dict[str, int], primary: str) -> list[dict]:
    """For each dimension, the smallest change of its score (0..5) that changes the primary.

    ``primary_for(scores)`` re-runs the whole decision (rules included) for other scores.
    Ties between an equal-sized rise and fall go to the lower score, so the answer is stable.
    """
    result = []
    for dimension, current in scores.items():
        flip = None
        for value in sorted((v for v in range(6) if v != current), key=lambda v: (abs(v - current), v)):
            winner = primary_for({**scores, dimension: value})
            if winner != primary:
                flip = {"to": value, "change": value - current, "new_primary": winner}
                break
        result.append({"dimension": dimension, "score": current, "flip": flip})
    return result


def perturbation(primary_under: Callable[[np.random.Generator, float], str], primary: str, trials: int = TRIALS,
                 relative: float = RELATIVE, seed: int = SEED) -> dict:
    """How often the primary survives random changes of the rubric's numbers.

    ``primary_under(rng, relative)`` draws one perturbed copy of the rubric (weights, rule
    amounts, thresholds) from ``rng`` and returns the primary it gives; the trials share one
    seeded generator, so the result is reproducible.
    """
    rng = np.random.default_rng(seed)
    counts: dict[str, int] = {}
    for _ in range(trials):
        winner = primary_under(rng, relative)
        counts[winner] = counts.get(winner, 0) + 1
    shares = {sid: round(count / trials, 4) for sid, count in counts.items()}
    return {
        "trials": trials,
        "relative": relative,
        "seed": seed,
        "varies": list(VARIED),
        "primary_survival": shares.get(primary, 0.0),
        "alternatives": dict(sorted(shares.items(), key=lambda item: (-item[1], item[0]))),
    }


# --- how close the nearest flip is -----------------------------------------------------------

Standing = Callable[[dict], tuple]   # scores -> (ranking, {strategy: score})


def closest_values(standing_for: Standing, scores: dict[str, int], primary: str) -> dict[str, dict]:
    """For each dimension, the other score (0..5) where the decision is closest to (or past) a change.

    ``standing_for(scores)`` returns the re-run's ranking and strategy scores. ``margin`` is
    that re-run's recommendation margin (its primary's score minus the runner-up's, in rank
    order), signed by outcome:

    * while the current primary still ranks first it is the primary's lead (and can be
      negative only when a gated or vetoed rival outscores it), ``alternative`` the runner-up;
    * once another strategy takes the first place it is minus the new primary's lead over
      its own runner-up, never positive, and ``alternative`` is the new primary.

    Where the primary can be lost, the value is the one ``dimension_flips`` reports (smallest
    change, then the lower score), so the two columns always agree; otherwise it is the
    value with the smallest margin, then the smaller change, then the lower score.
    """
    result = {}
    for dimension, current in scores.items():
        rows = [standing_row(standing_for({**scores, dimension: value}), primary, value, current)
                for value in range(6) if value != current]
        result[dimension] = min(rows, key=closeness)
    return result


def standing_row(standing: tuple, primary: str, value: int, current: int) -> dict:
    """One row of :func:`closest_values`; ``standing`` is (ranking, scores) or (ranking, scores, status)."""
    ranking, totals = standing[0], standing[1]
    status = standing[2] if len(standing) > 2 else {}
    holds = ranking[0] == primary
    lead = round(totals[ranking[0]] - totals[ranking[1]], DIGITS)
    # 0.0 - abs(...) rather than -abs(...): a tie must read 0.0, not -0.0, in the JSON.
    margin = lead if holds else 0.0 - abs(lead)
    # strategies rank by tier (eligible, gated, vetoed) before score: a runner-up in a worse tier
    # than the primary means every rival is, and no score alone can promote one
    tier = decision.TIERS
    blocked = holds and tier[status.get(ranking[1], "eligible")] > tier[status.get(primary, "eligible")]
    return {"to": value, "change": value - current, "margin": margin,
            "alternative": ranking[1] if holds else ranking[0], "primary_holds": holds,
            "rivals_blocked": blocked}


def closeness(row: dict) -> tuple:
    if row["primary_holds"]:
        # Every rival gated or vetoed (a negative margin says one of them even outscores the
        # primary): no score can hand one the lead, only its rule can, so such a row is never
        # the closest call.
        margin = row["margin"]
        return (1, margin < 0 or row.get("rivals_blocked", False), abs(margin), abs(row["change"]), row["to"])
    return (0, False, 0.0, abs(row["change"]), row["to"])


# --- single-fact changes ---------------------------------------------------------------------

# How far a claimed or measured metric moves to land "just across" its target.
EVIDENCE_STEP = 0.01
# Operators whose threshold is the first value that holds (lt/ge) or the last (le/gt).
SPLIT_BELOW = ("lt", "ge")
SPLIT_ABOVE = ("le", "gt")


@dataclass(frozen=True)
class Change:
    """One hypothetical edit of the inputs: a context fact or the baseline evidence."""

    fact: str
    before: Any
    after: Any
    facts: dict
    measured: dict | None
    claimed: dict

    @property
    def size(self) -> float:
        """How big the edit is, 0..1: relative for numbers, 1 for anything learnt, lost or flipped."""
        numbers = [v for v in (self.before, self.after) if is_number(v)]
        if len(numbers) < 2:
            return 1.0
        return abs(self.after - self.before) / max(abs(self.before), abs(self.after), 1.0)


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def leaves(condition: rule.Condition) -> list[rule.Leaf]:
    if isinstance(condition, rule.Leaf):
        return [condition]
    return [leaf for child in condition.children for leaf in leaves(child)]


def thresholds(conditions: list[rule.Condition], subject: rule.Subject) -> list:
    """The values on either side of every constant the rules compare this fact with."""
    step = 1 if subject.integer else EVIDENCE_STEP
    found: set[float] = set()
    for leaf in (leaf for condition in conditions for leaf in leaves(condition)):
        if (leaf.kind, leaf.name) != (subject.kind, subject.name):
            continue
        constants = leaf.value if isinstance(leaf.value, tuple) else (leaf.value,)
        for value in (c for c in constants if is_number(c)):
            if leaf.op in SPLIT_BELOW:
                found.update((value - step, value))
            elif leaf.op in SPLIT_ABOVE:
                found.update((value, value + step))
            else:
                found.update((value - step, value, value + step))
    low = subject.low if subject.low is not None else float("-inf")
    high = subject.high if subject.high is not None else float("inf")
    tidy = (int(v) if subject.integer else round(v, 4) for v in found)
    return sorted(v for v in set(tidy) if low <= v <= high)


MAX_CANDIDATES = 40  # values tried per fact: a rubric with long `in` lists would otherwise mean thousands of re-runs


def nearest(values: list, current: Any) -> list:
    """At most MAX_CANDIDATES of the sorted ``values``, those closest to ``current`` (the smallest changes)."""
    if len(values) <= MAX_CANDIDATES:
        return values
    origin = current if is_number(current) else 0
    kept = sorted(values, key=lambda v: (abs(v - origin), v))[:MAX_CANDIDATES]
    return sorted(kept)


def fact_values(conditions: list[rule.Condition], subject: rule.Subject, current: Any) -> list:
    """Alternative values of one fact worth trying, in a fixed order."""
    if subject.type == "flag":
        options = [True, False]
    elif subject.type == "number":
        options = nearest(thresholds(conditions, subject), current) + [None]
    elif subject.type == "list":
        have = list(current or [])
        return [[c for c in subject.choices if c in have or c == extra] for extra in subject.choices if extra not in have]
    else:
        options = list(subject.choices) + [None]
    return [value for value in options if value != current]


def fact_changes(conditions: list[rule.Condition], subjects: dict[str, rule.Subject], facts: dict,
                 measured: dict | None, claimed: dict) -> list[Change]:
    return [Change(name, facts.get(name), value, {**facts, name: value}, measured, claimed)
            for name, subject in subjects.items()
            for value in fact_values(conditions, subject, facts.get(name))]


def evidence_changes(facts: dict, measured: dict | None, claimed: dict) -> list[Change]:
    """Accuracy and ECE moved just across their targets, and no baseline at all.

    The numbers move wherever the assessment reads them from (the measurement when
    predictions are attached, else the claims), so nothing is measured again.
    """
    source = measured if measured is not None else claimed
    found = []
    for name, target_key, meets in (("accuracy", "target_accuracy", lambda v, t: v >= t),
                                    ("ece", "target_ece", lambda v, t: v <= t)):
        value, target = source.get(name), claimed.get(target_key)
        if value is None or target is None:
            continue
        step = EVIDENCE_STEP if name == "ece" else -EVIDENCE_STEP
        after = round(target + step if meets(value, target) else target, 4)
        if not 0.0 <= after <= 1.0:
            continue
        edited = {**source, name: after}
        new_measured, new_claimed = (edited, claimed) if measured is not None else (None, edited)
        found.append(Change(f"baseline.{name}", round(value, 4), after, facts, new_measured, new_claimed))
    evidence = "measured" if measured is not None else (
        "claimed" if claimed.get("accuracy") is not None or claimed.get("ece") is not None else None)
    if evidence is not None:
        found.append(Change("baseline", evidence, None, facts, None, crosscheck.claims_of(None)))
    return found


Rerun = Callable[[dict, Any, dict], tuple]   # (facts, measured, claimed) -> (primary, companions)


def fact_sensitivity(outcome: Rerun, conditions: list[rule.Condition], subjects: dict[str, rule.Subject],
                     facts: dict, measured: dict | None, claimed: dict) -> list[dict]:
    """Every single-fact (or single-claim) change that alters the primary or the companions.

    Sorted: primary changes first, then smaller changes, then by fact name and value.
    When several values of one number give the same new outcome only the nearest is kept.
    """
    primary, companions = outcome(facts, measured, claimed)
    best: dict[tuple, tuple] = {}
    for change in fact_changes(conditions, subjects, facts, measured, claimed) + evidence_changes(facts, measured, claimed):
        new_primary, new_companions = outcome(change.facts, change.measured, change.claimed)
        if new_primary != primary:
            kind = "primary"
        elif set(new_companions) != set(companions):
            kind = "companions"
        else:
            continue
        entry = {"fact": change.fact, "from": change.before, "to": change.after, "new_primary": new_primary,
                 "new_companions": list(new_companions), "changes": kind}
        key = (change.fact, new_primary, tuple(new_companions), is_number(change.after))
        rank = (kind != "primary", round(change.size, 6), change.fact, json.dumps(change.after))
        if key not in best or rank < best[key][0]:
            best[key] = (rank, entry)
    return [entry for _, entry in sorted(best.values(), key=lambda item: item[0])]


# --- the same, in words ----------------------------------------------------------------------

MAX_SENTENCES = 6


def what_would_change(flips: list[dict], closest: dict[str, dict], facts_found: list[dict], primary: str,
                      strategy_names: dict[str, str], dimension_names: dict[str, str]) -> list[str]:
    """Plain sentences, most relevant first: primary changes (smallest first), then companion changes.

    ``flips`` is the ``sensitivity`` list; ``closest`` maps each dimension to its closest value.
    When nothing changes the primary, the closest call is described instead.
    """
    name = strategy_names.get
    items = []
    for order, row in enumerate(flips):
        if row["flip"]:
            flip = row["flip"]
            text = (f"If {dimension_names[row['dimension']]} were scored {flip['to']} instead of {row['score']}, "
                    f"{name(flip['new_primary'])} would become the primary strategy.")
            items.append(((0, abs(flip["change"]) / 5, 0, order), text))
    for order, entry in enumerate(facts_found):
        size = Change(entry["fact"], entry["from"], entry["to"], {}, None, {}).size
        tier = 0 if entry["changes"] == "primary" else 1
        items.append(((tier, size, 1, order), f"{condition_phrase(entry)}, {outcome_phrase(entry, primary, name)}."))
    if not any(key[0] == 0 for key, _ in items):
        items.append(((0, 0.0, -1, 0), closest_sentence(closest, primary, name, dimension_names)))
    return [text for _, text in sorted(items, key=lambda item: item[0])[:MAX_SENTENCES]]


def closest_sentence(closest: dict[str, dict], primary: str, name, dimension_names: dict[str, str]) -> str:
    order = {dimension: index for index, dimension in enumerate(closest)}
    dimension, row = min(closest.items(), key=lambda item: (closeness(item[1]), order[item[0]]))
    opening = "No single change of one score or one context fact changes the primary strategy"
    if row["margin"] < 0 or row.get("rivals_blocked", False):
        return (f"{opening}: every other strategy is blocked by a rule, so only meeting that rule's "
                f"condition could change it.")
    return (f"{opening}; the closest call is {dimension_names[dimension]} at {row['to']} "
            f"(now {row['to'] - row['change']}), where {name(primary)} would lead "
            f"{name(row['alternative'])} by {row['margin']:.2f}.")


# How the baseline reached the assessment, for "If no baseline were given (it is now ...)".
BASELINE_ORIGIN = {"measured": "measured from the attached predictions", "claimed": "claimed in the profile"}


def condition_phrase(entry: dict) -> str:
    fact, before, after = entry["fact"], entry["from"], entry["to"]
    subject = pretty(fact)
    if fact == "baseline" and after is None:
        return f"If no baseline were given (it is now {BASELINE_ORIGIN.get(before, before)})"
    if isinstance(after, list):
        added = [item for item in after if item not in (before or [])]
        return f"If {subject} also included {', '.join(pretty(item) for item in added)}"
    return f"If {subject} were {show(after)} instead of {show(before)}"


def outcome_phrase(entry: dict, primary: str, name) -> str:
    if entry["changes"] == "primary":
        return f"{name(entry['new_primary'])} would become the primary strategy"
    companions = ", ".join(name(c) for c in entry["new_companions"]) or "none"
    return f"the companions would become: {companions} ({name(primary)} stays primary)"


def pretty(identifier: str) -> str:
    return identifier.replace(".", " ").replace("_", " ")


def show(value: Any) -> str:
    if value is None:
        return "unknown"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)
