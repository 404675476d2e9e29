"""The rubric's decision sections: named conditions, `about`, prerequisites, keep, launch_date, close_call."""

from __future__ import annotations

import pytest
import yaml
from helpers import loaded_profile

from advisor import engine, rubric, rule
from advisor.errors import RubricError
from advisor.lint import lint_rubric
from advisor.resource import default_rubric_path


def default_data() -> dict:
    return yaml.safe_load(default_rubric_path().read_text(encoding="utf-8"))


def load(tmp_path, data) -> rubric.Rubric:
    path = tmp_path / "r.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return rubric.load_rubric(path)


def load_error(tmp_path, data) -> str:
    with pytest.raises(RubricError) as caught:
        load(tmp_path, data)
    return caught.value.render()


def rule_index(data: dict, rule_id: str) -> int:
    return next(i for i, item in enumerate(data["rules"]) if item["id"] == rule_id)


# --- named conditions ----------------------------------------------------------------------


def test_a_named_condition_is_its_tree_wherever_it_is_used():
    loaded = rubric.load_rubric()
    smaller = next(r for r in loaded.rules if r.id == "smaller-model-for-latency-and-cost")
    assert smaller.condition is loaded.named["efficiency-driven"]
    env = {"dimension": {"latency": 5, "cost": 1}, "fact": {"monthly_volume": 200_000, "current_approach": None},
           "metric": {"accuracy_meets_target": True}}
    assert rule.evaluate(smaller.condition, env)
    assert not rule.evaluate(smaller.condition, {**env, "fact": {"monthly_volume": 200_000,
                                                                  "current_approach": "fine_tune"}})


def test_an_unknown_named_condition_is_refused_with_a_hint(tmp_path):
    data = default_data()
    data["rules"][0]["when"] = {"condition": "efficiency-drivn"}
    message = load_error(tmp_path, data)
    assert "rules[0] (id: urgent-launch-thin-data).when.condition: unknown condition 'efficiency-drivn' " \
           "(did you mean 'efficiency-driven'?)" in message


def test_a_named_condition_uses_only_those_above_it(tmp_path):
    data = default_data()
    data["conditions"] = {"first": {"condition": "second"}, "second": {"dimension": "cost", "op": "ge", "value": 3},
                          **data["conditions"]}
    message = load_error(tmp_path, data)
    assert "conditions.first.condition: unknown condition 'second'" in message
    assert "named conditions defined before this point: none" in message


def test_lint_reports_an_unused_or_impossible_named_condition(tmp_path):
    data = default_data()
    data["conditions"]["never"] = {"all": [{"dimension": "cost", "op": "gt", "value": 3},
                                           {"dimension": "cost", "op": "lt", "value": 4}]}
    problems = [p.render() for p in lint_rubric(load(tmp_path, data))]
    assert any("conditions.never: can never hold" in p for p in problems)
    assert any("condition 'never' is never used" in p for p in problems)


# --- about -------------------------------------------------------------------------------------


def test_about_names_strategies_and_needs_a_warning(tmp_path):
    data = default_data()
    data["rules"][0]["about"] = ["fine_tuning"]
    data["rules"][1]["about"] = ["fine_tune"]
    message = load_error(tmp_path, data)
    assert "rules[0] (id: urgent-launch-thin-data).about[0]: unknown strategy 'fine_tuning' " \
           "(did you mean 'fine_tune'?)" in message
    assert "rules[1] (id: recurring-failures-at-volume).about: 'about' selects when warnings show, " \
           "but this rule has none" in message


def test_a_warning_without_about_is_always_shown_and_with_about_only_in_play(tmp_path):
    data = default_data()
    index = rule_index(data, "mistake-money-alone")
    profile = loaded_profile([2, 3, 2, 5, 2, 2], {"has_eval_set": True, "failure_classes_known": True})
    assert not any("Money alone" in w for w in engine.assess(profile, rubric.load_rubric(), False)["warnings"])
    del data["rules"][index]["about"]
    result = engine.assess(profile, load(tmp_path, data), False)
    assert any("Money alone" in w for w in result["warnings"])
    assert "mistake-money-alone" in {r["id"] for r in result["rules"]}


# --- prerequisites, keep, launch dates, close calls -------------------------------------------


def test_a_rubric_without_the_optional_sections_still_decides(tmp_path):
    data = default_data()
    for key in ("keep", "launch_date", "close_call"):
        del data[key]
    for strategy in data["strategies"]:
        strategy.pop("prerequisites", None)
    loaded = load(tmp_path, data)
    profile = loaded_profile([3, 4, 2, 3, 2, 1], {"has_eval_set": True, "launch_weeks": 1,
                                                  "monthly_volume": 2_000_000})
    result = engine.assess(profile, loaded, False)
    rec = result["recommendation"]
    assert rec["change_needed"] is True and rec["provisional"] is False
    assert "launch-date" not in {r["id"] for r in result["rules"]}


def test_prerequisite_and_keep_conditions_are_checked_at_load(tmp_path):
    data = default_data()
    data["keep"]["when"] = {"metric": "evidnce", "op": "eq", "value": "measured"}
    data["strategies"][1]["prerequisites"][0]["when"] = {"fact": "failure_classes", "op": "is_true"}
    message = load_error(tmp_path, data)
    assert "keep.when.metric: unknown metric 'evidnce'" in message
    assert "strategies[1].prerequisites[0].when.fact: unknown fact 'failure_classes'" in message


@pytest.mark.parametrize("section, key, value, words", [
    ("close_call", "survival", 1.5, "close_call.survival: must be 1 or less (got 1.5)"),
    ("close_call", "margin", -1, "close_call.margin: must be 0 or more (got -1)"),
    ("launch_date", "at_risk_by", 1000, "launch_date.at_risk_by: must be 100 or less (got 1000)"),
    ("keep", "colour", "red", "keep.colour: unknown key"),
])
def test_section_values_are_validated(tmp_path, section, key, value, words):
    data = default_data()
    data[section][key] = value
    message = load_error(tmp_path, data)
    assert words in message
