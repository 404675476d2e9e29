"""Rule conditions: the operator table, parsing, evaluation and satisfiability.

A condition is a tree: ``{all: [...]}``, ``{any: [...]}``, ``{not: {...}}``, a
leaf ``{dimension|fact|metric: NAME, op: OP, value: V}``, or ``{condition: NAME}``,
which stands for a named condition of the rubric (replaced by its tree when parsed,
so evaluation, linting and sensitivity see one plain tree). Operators live in one
table (in the spirit of cloud-custodian's value filters) so that the loader,
the evaluator and the linter agree on what each one accepts.

Evaluation is lenient on purpose: a leaf whose subject is unknown (``None``)
is false, except ``unknown`` itself. Profiles leave most context facts blank
and a rule must not fire on a guess.
"""

from __future__ import annotations

import difflib
import itertools
import math
import operator
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

KINDS = ("dimension", "fact", "metric")
GROUPS = ("all", "any", "not")


@dataclass(frozen=True)
class Operator:
    test: Callable[[Any, Any], bool]
    subjects: tuple[str, ...]        # value types it applies to: number, flag, text, list
    takes: str                       # what ``value`` must be: "none", "scalar", "list", "item"


def _in(actual, allowed) -> bool:
    return actual in allowed


def _contains(actual, item) -> bool:
    return item in actual


OPERATORS: dict[str, Operator] = {
    "eq": Operator(operator.eq, ("number", "flag", "text"), "scalar"),
    "ne": Operator(operator.ne, ("number", "flag", "text"), "scalar"),
    "lt": Operator(operator.lt, ("number",), "scalar"),
    "le": Operator(operator.le, ("number",), "scalar"),
    "gt": Operator(operator.gt, ("number",), "scalar"),
    "ge": Operator(operator.ge, ("number",), "scalar"),
    "in": Operator(_in, ("number", "text"), "list"),
    "not_in": Operator(lambda a, b: a not in b, ("number", "text"), "list"),
    "contains": Operator(_contains, ("list",), "item"),
    "not_contains": Operator(lambda a, b: b not in a, ("list",), "item"),
    "is_true": Operator(lambda a, _: a is True, ("flag",), "none"),
    "is_false": Operator(lambda a, _: a is False, ("flag",), "none"),
    "known": Operator(lambda a, _: a is not None, ("number", "flag", "text", "list"), "none"),
    "unknown": Operator(lambda a, _: a is None, ("number", "flag", "text", "list"), "none"),
}


@dataclass(frozen=True)
class Subject:
    """What a name in a condition stands for: its value type and possible values."""

    kind: str                 # dimension | fact | metric
    name: str
    type: str                 # number | flag | text | list
    low: float | None = None  # numeric range (inclusive)
    high: float | None = None
    integer: bool = False
    choices: tuple = ()       # allowed texts, or allowed list items
    optional: bool = True     # may be None (unknown)


@dataclass(frozen=True)
class Leaf:
    kind: str
    name: str
    op: str
    value: Any = None


@dataclass(frozen=True)
class Group:
    kind: str                                 # all | any | not
    children: tuple[Condition, ...]


Condition = Leaf | Group


class ConditionProblem(Exception):
    """A malformed condition; ``path`` is relative to the condition's root."""

    def __init__(self, path: tuple, message: str):
        super().__init__(message)
        self.path = path
        self.message = message


MAX_LIST_VALUES = 100  # an `in` list is checked value by value by the linter and the sensitivity analysis


def parse_condition(raw: Any, vocabulary: dict[str, dict[str, Subject]], path: tuple = (),
                    named: dict[str, Condition] | None = None) -> Condition:
    """Turn raw YAML into a Condition, checking every name, operator and value.

    ``named``: the named conditions a ``{condition: NAME}`` may stand for.
    """
    if not isinstance(raw, dict) or not raw:
        raise ConditionProblem(path, "a condition must be a mapping: all, any, not, condition, "
                                     "or dimension/fact/metric with op")
    if REFERENCE in raw:
        return parse_reference(raw, named or {}, path)
    groups = [key for key in GROUPS if key in raw]
    if groups:
        return parse_group(raw, groups, vocabulary, path, named)
    return parse_leaf(raw, vocabulary, path)


REFERENCE = "condition"


def parse_reference(raw: dict, named: dict[str, Condition], path: tuple) -> Condition:
    if len(raw) != 1:
        extra = sorted(str(key) for key in raw if key != REFERENCE)
        raise ConditionProblem(path, f"'{REFERENCE}' must stand alone in its mapping (also found: {', '.join(extra)})")
    name = raw[REFERENCE]
    if not isinstance(name, str) or name not in named:
        known = ", ".join(named) or "none"
        raise ConditionProblem(path + (REFERENCE,), f"unknown condition {show(name)}{hint(name, list(named))}; "
                                                    f"named conditions defined before this point: {known}")
    return named[name]


def parse_group(raw: dict, groups: list, vocabulary, path: tuple, named) -> Group:
    kind = groups[0]
    if len(raw) != 1:
        extra = sorted(str(key) for key in raw if key != kind)
        raise ConditionProblem(path, f"'{kind}' must stand alone in its mapping (also found: {', '.join(extra)})")
    body = raw[kind]
    if kind == "not":
        return Group("not", (parse_condition(body, vocabulary, path + ("not",), named),))
    if not isinstance(body, list) or not body:
        raise ConditionProblem(path + (kind,), f"'{kind}' needs a non-empty list of conditions")
    children = tuple(parse_condition(item, vocabulary, path + (kind, index), named) for index, item in enumerate(body))
    return Group(kind, children)


def parse_leaf(raw: dict, vocabulary, path: tuple) -> Leaf:
    kinds = [key for key in KINDS if key in raw]
    if len(kinds) != 1:
        raise ConditionProblem(path, "a leaf condition names exactly one of dimension, fact or metric")
    kind = kinds[0]
    unknown_keys = sorted(str(key) for key in raw if key not in (kind, "op", "value"))
    if unknown_keys:
        raise ConditionProblem(path + (unknown_keys[0],), f"unknown key '{unknown_keys[0]}'{hint(unknown_keys[0], list(KINDS) + ['op', 'value', 'all', 'any', 'not', REFERENCE])}")
    name = raw[kind]
    subjects = vocabulary[kind]
    if not isinstance(name, str) or name not in subjects:
        raise ConditionProblem(path + (kind,), f"unknown {kind} {show(name)}{hint(name, list(subjects))}")
    subject = subjects[name]
    op = raw.get("op")
    if not isinstance(op, str) or op not in OPERATORS:
        raise ConditionProblem(path + ("op",), f"unknown operator {show(op)}{hint(op, list(OPERATORS))}; operators: {', '.join(OPERATORS)}")
    spec = OPERATORS[op]
    if subject.type not in spec.subjects:
        raise ConditionProblem(path + ("op",), f"operator '{op}' does not apply to {kind} '{name}' (a {subject.type})")
    value = check_value(raw, op, spec, subject, path)
    return Leaf(kind, name, op, value)


def check_value(raw: dict, op: str, spec: Operator, subject: Subject, path: tuple) -> Any:
    where = path + ("value",)
    if spec.takes == "none":
        if "value" in raw:
            raise ConditionProblem(where, f"operator '{op}' takes no value")
        return None
    if "value" not in raw:
        raise ConditionProblem(path, f"operator '{op}' needs a value")
    value = raw["value"]
    if spec.takes == "list":
        if not isinstance(value, list) or not value:
            raise ConditionProblem(where, f"operator '{op}' needs a non-empty list as value")
        if len(value) > MAX_LIST_VALUES:
            raise ConditionProblem(where, f"operator '{op}' takes at most {MAX_LIST_VALUES} values (got {len(value)})")
        for item in value:
            check_scalar(item, subject, where)
        return tuple(value)
    if spec.takes == "item":
        if not isinstance(value, str) or value not in subject.choices:
            raise ConditionProblem(where, f"{show(value)} is not one of {', '.join(subject.choices)}")
        return value
    check_scalar(value, subject, where)
    return value


def check_scalar(value: Any, subject: Subject, where: tuple) -> None:
    """The value's type must match the subject's; whether it can ever match is the linter's job."""
    if subject.type == "number":
        # A NaN never compares true and an infinity cannot be linted against a range: both are mistakes.
        ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    elif subject.type == "flag":
        ok = isinstance(value, bool)
    else:
        ok = isinstance(value, str)
    if not ok and subject.type == "number" and isinstance(value, float):
        raise ConditionProblem(where, f"{show(value)} is not a finite number")
    if not ok:
        raise ConditionProblem(where, f"{subject.kind} '{subject.name}' is a {subject.type}; {show(value)} cannot be compared with it")


def evaluate(condition: Condition, env: dict[str, dict[str, Any]], moved: dict[int, Any] | None = None) -> bool:
    """True when the condition holds for ``env`` (kind -> name -> value).

    ``moved`` maps ``id(leaf)`` to a threshold that replaces the leaf's own value (the
    robustness check moves thresholds without rebuilding the trees).
    """
    if isinstance(condition, Leaf):
        if moved and id(condition) in moved:
            return holds(condition, env[condition.kind].get(condition.name), moved[id(condition)])
        return holds(condition, env[condition.kind].get(condition.name))
    if condition.kind == "all":
        return all(evaluate(child, env, moved) for child in condition.children)
    if condition.kind == "any":
        return any(evaluate(child, env, moved) for child in condition.children)
    return not evaluate(condition.children[0], env, moved)


def holds(leaf: Leaf, actual: Any, value: Any = None) -> bool:
    if actual is None:
        return leaf.op == "unknown"
    try:
        return bool(OPERATORS[leaf.op].test(actual, leaf.value if value is None else value))
    except TypeError:  # a comparison across types is simply not true
        return False


def thresholds_of(condition: Condition) -> list[Leaf]:
    """The leaves whose numeric threshold orders values (lt, le, gt, ge), each once, in tree order."""
    if isinstance(condition, Leaf):
        ordered = condition.op in ("lt", "le", "gt", "ge")
        return [condition] if ordered and isinstance(condition.value, (int, float)) else []
    return [leaf for child in condition.children for leaf in thresholds_of(child)]


def names_in(condition: Condition) -> set[tuple[str, str]]:
    """Every (kind, name) a condition reads."""
    if isinstance(condition, Leaf):
        return {(condition.kind, condition.name)}
    return set().union(*(names_in(child) for child in condition.children))


def can_hold(condition: Condition, subjects: dict[tuple[str, str], Subject]) -> bool:
    """False when no input at all makes the condition true (conservative: True when unsure).

    Leaves of one ``all`` that read the same name are tested together against a
    small set of candidate values: every constant they mention and its
    neighbours, within the name's range.
    """
    if isinstance(condition, Leaf):
        return satisfiable([condition], subjects[(condition.kind, condition.name)])
    if condition.kind == "any":
        return any(can_hold(child, subjects) for child in condition.children)
    if condition.kind == "not":
        return not always_holds(condition.children[0], subjects)
    leaves: dict[tuple[str, str], list[Leaf]] = {}
    for child in flatten_all(condition):
        if isinstance(child, Leaf):
            leaves.setdefault((child.kind, child.name), []).append(child)
        elif not can_hold(child, subjects):
            return False
    return all(satisfiable(group, subjects[key]) for key, group in leaves.items())


def always_holds(condition: Condition, subjects) -> bool:
    """True only when the condition holds for every possible value (leaves only; conservative)."""
    if isinstance(condition, Leaf):
        subject = subjects[(condition.kind, condition.name)]
        return all(holds(condition, value) for value in candidates([condition], subject))
    return False


def flatten_all(group: Group) -> list[Condition]:
    flat: list[Condition] = []
    for child in group.children:
        if isinstance(child, Group) and child.kind == "all":
            flat.extend(flatten_all(child))
        else:
            flat.append(child)
    return flat


def satisfiable(leaves: list[Leaf], subject: Subject) -> bool:
    return any(all(holds(leaf, value) for leaf in leaves) for value in candidates(leaves, subject))


def candidates(leaves: list[Leaf], subject: Subject) -> list[Any]:
    """A finite set of values that represents every case the leaves can distinguish."""
    found: list[Any] = [None] if subject.optional else []
    if subject.type == "flag":
        return found + [True, False]
    if subject.type == "text":
        return found + list(subject.choices) + ["\x00other"]
    if subject.type == "list":
        items = subject.choices
        return found + [list(combo) for size in range(len(items) + 1) for combo in itertools.combinations(items, size)]
    return found + number_candidates(leaves, subject)


def number_candidates(leaves: list[Leaf], subject: Subject) -> list[float]:
    constants: set[float] = set()
    for leaf in leaves:
        values = leaf.value if isinstance(leaf.value, tuple) else (leaf.value,)
        constants.update(v for v in values if isinstance(v, (int, float)) and not isinstance(v, bool))
    for bound in (subject.low, subject.high):
        if bound is not None:
            constants.add(bound)
    points = sorted(constants) or [0.0]
    step = 1 if subject.integer else 1e-9
    pool = set(points)
    pool.update(p + step for p in points)
    pool.update(p - step for p in points)
    pool.update((a + b) / 2 for a, b in itertools.pairwise(points))
    if subject.integer:
        pool = {float(int(p)) for p in pool} | {float(int(p)) + 1 for p in pool}
    low = subject.low if subject.low is not None else float("-inf")
    high = subject.high if subject.high is not None else float("inf")
    return sorted(p for p in pool if low <= p <= high)


def show(value: Any) -> str:
    return repr(value) if isinstance(value, str) else str(value)


def hint(value: Any, valid: list[str]) -> str:
    if not isinstance(value, str):
        return ""
    close = difflib.get_close_matches(value, valid, n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""
