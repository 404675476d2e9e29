"""Rubric lint: problems a valid rubric can still have.

Rules that can never fire, comparisons that always or never hold, effects that change
nothing, named conditions nobody uses, and strategy steps that restate a readiness step.
"""

from __future__ import annotations

import difflib
from typing import Any

from advisor import profile, rule
from advisor.errors import Problem, sorted_problems
from advisor.rubric import Rubric, Rule, located, vocabulary


def lint_rubric(loaded: Rubric) -> list[Problem]:
    """Problems a valid rubric can still have: rules that never fire, effects that change nothing."""
    source, lines = loaded.path or "rubric", loaded.lines
    data = {"rules": [{"id": r.id} for r in loaded.rules]}
    subjects = {(kind, name): subject for kind, named in vocabulary().items() for name, subject in named.items()}
    found: list[tuple[tuple, str]] = []
    for index, item in enumerate(loaded.rules):
        found += rule_lint(item, ("rules", index), subjects)
    used = referenced_names(loaded)
    for name, condition in loaded.named.items():
        where = ("conditions", name)
        if not rule.can_hold(condition, subjects):
            found.append((where, "can never hold"))
        found += leaf_lint(loaded.conditions[name], condition, where, subjects)
        if name not in used:
            found.append((where, f"condition '{name}' is never used"))
    if not rule.can_hold(loaded.readiness.condition, subjects):
        found.append((("readiness", "when"), "can never hold, so no assessment is ever provisional"))
    if loaded.keep is not None and not rule.can_hold(loaded.keep.condition, subjects):
        found.append((("keep", "when"), "can never hold, so no assessment ever keeps the current approach"))
    for index, strategy in enumerate(loaded.strategies):
        for number, needed in enumerate(strategy.prerequisites):
            if not rule.can_hold(needed.condition, subjects):
                found.append((("strategies", index, "prerequisites", number, "when"),
                              f"can never hold, so prerequisite '{needed.id}' is never missing"))
    for dimension in profile.DIMENSIONS:
        if not any(loaded.weight(dimension, s) for s in profile.STRATEGIES):
            found.append((("weights",), f"dimension '{dimension}' has no weight on any strategy: it never moves a score"))
    for name in profile.CONTEXT_FACTS:
        if name not in loaded.facts:
            found.append((("facts",), f"no question or help for fact '{name}'"))
    for name in profile.STRATEGIES:
        if name not in loaded.roadmap:
            found.append((("roadmap",), f"no roadmap stage for strategy '{name}'"))
    found += repeated_steps(loaded)
    return sorted_problems(located(source, lines, data, found))


# Above this difflib ratio two steps say the same thing (a copy with light edits).
DUPLICATE_STEP_RATIO = 0.8


def repeated_steps(loaded: Rubric) -> list[tuple[tuple, str]]:
    """Strategy first steps that restate a readiness step: a provisional report would list both."""
    found = []
    for index, strategy in enumerate(loaded.strategies):
        for step in strategy.first_steps:
            for other in loaded.readiness.first_steps:
                if similar(words(step), words(other)):
                    found.append((("strategies", index, "first_steps"),
                                  f"strategy '{strategy.id}' repeats the readiness step {other!r}"))
    return found


def similar(first: str, second: str) -> bool:
    matcher = difflib.SequenceMatcher(None, first, second)
    # the cheap upper bounds first: most pairs are plainly different
    return (matcher.real_quick_ratio() > DUPLICATE_STEP_RATIO and matcher.quick_ratio() > DUPLICATE_STEP_RATIO
            and matcher.ratio() > DUPLICATE_STEP_RATIO)


def words(text: str) -> str:
    """Lower case, punctuation to spaces, single spaces: only the words are compared."""
    return " ".join("".join(c if c.isalnum() else " " for c in text.lower()).split())


def rule_lint(item: Rule, loc: tuple, subjects: dict) -> list[tuple[tuple, str]]:
    found = []
    if not rule.can_hold(item.condition, subjects):
        found.append((loc + ("when",), "can never fire: no input satisfies its condition"))
    found += leaf_lint(item.when, item.condition, loc + ("when",), subjects)
    seen: set = set()
    for number, effect in enumerate(item.effects):
        where = loc + ("effects", number)
        signature = (effect.key, effect.target, effect.by, effect.warn)
        if signature in seen:
            found.append((where, "repeats an earlier effect of the same rule"))
        seen.add(signature)
        if effect.adjust is not None and effect.by == 0:
            found.append((where, f"adjusts '{effect.adjust}' by 0: no effect"))
        if effect.companion is not None and any(e.veto == effect.companion for e in item.effects):
            found.append((where, f"adds '{effect.companion}' as a companion but the same rule vetoes it"))
        if effect.require is not None and any(e.veto == effect.require for e in item.effects):
            found.append((where, f"gates '{effect.require}' which the same rule already vetoes: no effect"))
    return found


def referenced_names(loaded: Rubric) -> set[str]:
    """Every name used as ``{condition: NAME}`` anywhere in the rubric."""
    found: set[str] = set()

    def walk(raw: Any) -> None:
        if isinstance(raw, dict):
            if isinstance(raw.get(rule.REFERENCE), str):
                found.add(raw[rule.REFERENCE])
            for value in raw.values():
                walk(value)
        elif isinstance(raw, list):
            for value in raw:
                walk(value)

    walk([loaded.conditions, [r.when for r in loaded.rules], loaded.readiness.when,
          loaded.keep.when if loaded.keep else None, [p.when for s in loaded.strategies for p in s.prerequisites]])
    return found


def leaf_lint(raw: Any, condition: rule.Condition, loc: tuple, subjects: dict) -> list[tuple[tuple, str]]:
    """Single comparisons that can never hold, or always hold, wherever they sit in the tree."""
    if isinstance(raw, dict) and rule.REFERENCE in raw:
        return []  # a named condition is linted where it is defined
    if isinstance(condition, rule.Group):
        key = condition.kind
        if key == "not":
            return leaf_lint(raw["not"], condition.children[0], loc + ("not",), subjects)
        return [problem for index, child in enumerate(condition.children)
                for problem in leaf_lint(raw[key][index], child, loc + (key, index), subjects)]
    subject = subjects[(condition.kind, condition.name)]
    text = f"{condition.name} {condition.op}" + ("" if condition.value is None else f" {show_value(condition.value)}")
    if not rule.satisfiable([condition], subject):
        return [(loc, f"comparison '{text}' can never hold{range_note(subject)}")]
    if rule.always_holds(condition, subjects):
        return [(loc, f"comparison '{text}' always holds: it adds nothing")]
    return []


def range_note(subject: rule.Subject) -> str:
    if subject.type != "number":
        return ""
    high = "" if subject.high is None else f"{subject.high:g}"
    return f" ({subject.kind} '{subject.name}' runs {subject.low:g}..{high})"


def show_value(value: Any) -> str:
    if isinstance(value, tuple):
        return "[" + ", ".join(str(v) for v in value) + "]"
    return str(value).lower() if isinstance(value, bool) else str(value)
