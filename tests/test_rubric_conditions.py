"""Condition evaluation and satisfiability (advisor.rule), with hand-checked cases."""

from __future__ import annotations

import pytest

from advisor import rubric, rule

VOCAB = rubric.vocabulary()
SUBJECTS = {(kind, name): subject for kind, named in VOCAB.items() for name, subject in named.items()}


def parse(raw):
    return rule.parse_condition(raw, VOCAB)


def env(dimension=None, fact=None, metric=None):
    return {"dimension": dimension or {}, "fact": fact or {}, "metric": metric or {}}


@pytest.mark.parametrize("op, value, actual, expected", [
    ("eq", 3, 3, True), ("ne", 3, 3, False), ("lt", 3, 2, True), ("le", 3, 3, True),
    ("gt", 3, 3, False), ("ge", 3, 3, True), ("in", [1, 2], 2, True), ("not_in", [1, 2], 2, False),
])
def test_numeric_operators(op, value, actual, expected):
    assert rule.evaluate(parse({"dimension": "cost", "op": op, "value": value}), env({"cost": actual})) is expected


def test_unknown_facts_make_leaves_false_but_unknown_true():
    blank = env(fact={"high_stakes": None, "launch_weeks": None})
    assert not rule.evaluate(parse({"fact": "high_stakes", "op": "is_false"}), blank)
    assert not rule.evaluate(parse({"fact": "launch_weeks", "op": "ne", "value": 4}), blank)
    assert rule.evaluate(parse({"fact": "launch_weeks", "op": "unknown"}), blank)
    assert not rule.evaluate(parse({"fact": "launch_weeks", "op": "known"}), blank)
    assert rule.evaluate(parse({"not": {"fact": "high_stakes", "op": "is_false"}}), blank)


def test_groups_and_list_facts():
    cond = parse({"all": [{"fact": "adaptation_tried", "op": "contains", "value": "fine_tune"},
                          {"any": [{"dimension": "control", "op": "ge", "value": 4},
                                   {"fact": "sovereignty_required", "op": "is_true"}]}]})
    assert rule.evaluate(cond, env({"control": 4}, {"adaptation_tried": ["fine_tune"]}))
    assert not rule.evaluate(cond, env({"control": 3}, {"adaptation_tried": ["fine_tune"]}))
    assert rule.evaluate(cond, env({"control": 0}, {"adaptation_tried": ["fine_tune"], "sovereignty_required": True}))
    assert not rule.evaluate(cond, env({"control": 5}, {"adaptation_tried": []}))


def test_text_metric():
    cond = parse({"metric": "evidence", "op": "in", "value": ["measured", "claimed"]})
    assert rule.evaluate(cond, env(metric={"evidence": "claimed"}))
    assert not rule.evaluate(cond, env(metric={"evidence": "none"}))


@pytest.mark.parametrize("raw, possible", [
    ({"all": [{"dimension": "cost", "op": "ge", "value": 3}, {"dimension": "cost", "op": "le", "value": 3}]}, True),
    ({"all": [{"dimension": "cost", "op": "gt", "value": 3}, {"dimension": "cost", "op": "lt", "value": 4}]}, False),
    ({"all": [{"metric": "ece", "op": "gt", "value": 0.1}, {"metric": "ece", "op": "lt", "value": 0.1000001}]}, True),
    ({"all": [{"fact": "launch_weeks", "op": "lt", "value": 8}, {"fact": "launch_weeks", "op": "ge", "value": 8}]}, False),
    ({"all": [{"fact": "launch_weeks", "op": "known"}, {"fact": "launch_weeks", "op": "unknown"}]}, False),
    ({"all": [{"fact": "adaptation_tried", "op": "contains", "value": "fine_tune"},
              {"fact": "adaptation_tried", "op": "not_contains", "value": "fine_tune"}]}, False),
    ({"all": [{"dimension": "cost", "op": "in", "value": [1, 2]}, {"dimension": "cost", "op": "not_in", "value": [1]}]}, True),
    ({"all": [{"dimension": "cost", "op": "gt", "value": 2},
              {"all": [{"dimension": "cost", "op": "lt", "value": 2}]}]}, False),
    ({"not": {"dimension": "cost", "op": "ge", "value": 0}}, False),
    ({"not": {"dimension": "cost", "op": "ge", "value": 1}}, True),
])
def test_can_hold(raw, possible):
    assert rule.can_hold(parse(raw), SUBJECTS) is possible
