"""The rubric loader: the shipped rubric is valid and clean; broken rubrics fail precisely."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from advisor import profile, rubric
from advisor.errors import RubricError
from advisor.lint import lint_rubric
from advisor.resource import default_rubric_path


def default_data() -> dict:
    return yaml.safe_load(default_rubric_path().read_text(encoding="utf-8"))


def write(tmp_path: Path, data: dict, name: str = "my-rubric.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def load_error(path: Path) -> str:
    with pytest.raises(RubricError) as caught:
        rubric.load_rubric(path)
    return caught.value.render()


def line_of(path: Path, needle: str) -> int:
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if line.rstrip().endswith(needle):
            return number
    raise AssertionError(f"{needle!r} not in {path}")


def test_default_rubric_loads_with_every_dimension_strategy_and_levels():
    loaded = rubric.load_rubric()
    assert [d.id for d in loaded.dimensions] == list(profile.DIMENSIONS)
    assert sorted(s.id for s in loaded.strategies) == sorted(profile.STRATEGIES)
    assert all(len(d.levels) == 6 for d in loaded.dimensions)
    assert set(loaded.facts) == set(profile.CONTEXT_FACTS)
    assert len(loaded.sha256) == 64 and loaded.path == rubric.default_rubric_name()


def test_default_rubric_indices_follow_the_guide_figures():
    loaded = rubric.load_rubric()
    assert loaded.strategy("pretrained").indices == {
        "quality": 82, "relative_cost": 28, "launch_speed": 95, "control": 35,
        "setup_complexity": 18, "data_requirements": 22, "governance_burden": 30}
    assert loaded.strategy("fine_tune").indices["relative_cost"] == 52
    assert loaded.strategy("from_scratch").indices["data_requirements"] == 96
    assert loaded.strategy("calibrate").indices_note  # derived indices say where they come from


def test_default_rubric_lints_clean():
    assert lint_rubric(rubric.load_rubric()) == []


def test_weight_signs_guarantee_the_monotonicity_properties():
    loaded = rubric.load_rubric()
    assert loaded.weight("control", "from_scratch") >= 0
    assert loaded.weight("data_readiness", "fine_tune") >= 0
    assert loaded.weight("quality_gap", "pretrained") <= 0


def test_unknown_fact_names_rule_id_line_and_suggestion(tmp_path):
    data = default_data()
    data["rules"][3]["when"] = {"fact": "launch_week", "op": "lt", "value": 8}
    path = write(tmp_path, data)
    rule_id = data["rules"][3]["id"]
    message = load_error(path)
    line = line_of(path, "fact: launch_week")
    assert message == (f"{path}:{line}: rules[3] (id: {rule_id}).when.fact: unknown fact 'launch_week' "
                       f"(did you mean 'launch_weeks'?)")


@pytest.mark.parametrize("when, expected", [
    ({"dimension": "qualty_gap", "op": "ge", "value": 3}, "unknown dimension 'qualty_gap' (did you mean 'quality_gap'?)"),
    ({"metric": "eces", "op": "gt", "value": 0.1}, "unknown metric 'eces' (did you mean 'ece'?)"),
    ({"dimension": "control", "op": "bigger", "value": 3}, "unknown operator 'bigger'"),
    ({"dimension": "control", "op": "is_true"}, "operator 'is_true' does not apply to dimension 'control'"),
    ({"dimension": "control", "op": "ge"}, "operator 'ge' needs a value"),
    ({"dimension": "control", "op": "ge", "value": "high"}, "'high' cannot be compared"),
    ({"fact": "has_eval_set", "op": "is_true", "value": True}, "operator 'is_true' takes no value"),
    ({"fact": "adaptation_tried", "op": "contains", "value": "rag"}, "'rag' is not one of pretrained"),
    ({"all": []}, "'all' needs a non-empty list"),
    ({"all": [{"fact": "high_stakes", "op": "is_true"}], "any": []}, "must stand alone"),
    ({"fact": "high_stakes", "dimension": "control", "op": "is_true"}, "exactly one of dimension, fact or metric"),
    ({"fact": "high_stakes", "op": "is_true", "valu": 1}, "unknown key 'valu' (did you mean 'value'?)"),
    ("always", "a condition must be a mapping"),
])
def test_malformed_conditions_are_errors_naming_the_rule(tmp_path, when, expected):
    data = default_data()
    data["rules"][0]["when"] = {"all": [{"fact": "launch_weeks", "op": "lt", "value": 8}, when]}
    path = write(tmp_path, data)
    message = load_error(path)
    assert f"rules[0] (id: {data['rules'][0]['id']})" in message
    assert expected in message
    assert re.match(rf"{re.escape(str(path))}:\d+: ", message)


def test_duplicate_rule_ids_are_an_error(tmp_path):
    data = default_data()
    data["rules"][2]["id"] = data["rules"][1]["id"]
    path = write(tmp_path, data)
    assert "duplicate rule id (first used by rules[1])" in load_error(path)


def test_weights_for_unknown_strategy_and_dimension(tmp_path):
    data = default_data()
    data["weights"]["quality_gap"]["finetune"] = 0.3
    data["weights"]["budget"] = {"pretrained": 1.0}
    path = write(tmp_path, data)
    message = load_error(path)
    assert "2 problems" in message
    assert "weights.quality_gap.finetune: weight for unknown strategy 'finetune' (did you mean 'fine_tune'?)" in message
    assert "weights.budget: weights for unknown dimension 'budget'" in message


def test_effect_shape_and_targets_are_checked(tmp_path):
    data = default_data()
    data["rules"][0]["effects"] = [{"adjust": "pretrained"}, {"veto": "scratch"}, {"veto": "pretrained", "warn": "x"}]
    path = write(tmp_path, data)
    message = load_error(path)
    assert "effects[0]: 'adjust: STRATEGY' and 'by: AMOUNT' go together" in message
    assert "effects[2]: give exactly one of adjust, veto, require, companion, warn (got veto, warn)" in message


def test_unknown_effect_strategy(tmp_path):
    data = default_data()
    data["rules"][0]["effects"] = [{"veto": "scratch"}]
    path = write(tmp_path, data)
    assert "effects[0].veto: unknown strategy 'scratch'" in load_error(path)


def test_structural_errors_are_listed_together(tmp_path):
    data = default_data()
    data["dimensions"][0]["levels"] = data["dimensions"][0]["levels"][:5]
    data["strategies"][0]["indices"]["quality"] = 120
    data["rulez"] = []
    path = write(tmp_path, data)
    message = load_error(path)
    assert "3 problems" in message
    assert "dimensions[0].levels:" in message and "at least 6" in message
    assert "strategies[0].indices.quality:" in message and "(got 120)" in message
    assert "rulez: unknown key (did you mean `rules`?)" in message
    assert message.index("dimensions[0]") < message.index("strategies[0]")  # sorted by line


def test_missing_strategy_and_unknown_dimension(tmp_path):
    data = default_data()
    data["strategies"] = [s for s in data["strategies"] if s["id"] != "calibrate"]
    data["dimensions"][5]["id"] = "controls"
    path = write(tmp_path, data)
    message = load_error(path)
    assert "missing strategy calibrate" in message
    assert "unknown dimension 'controls' (did you mean 'control'?)" in message


def test_invalid_yaml_and_duplicate_keys(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nrules: [\n", encoding="utf-8")
    assert re.match(rf"{re.escape(str(bad))}:\d+: invalid YAML", load_error(bad))
    dup = tmp_path / "dup.yaml"
    dup.write_text("name: a\nname: b\n", encoding="utf-8")
    assert "dup.yaml:2: name: duplicate key" in load_error(dup)


def test_missing_rubric_file(tmp_path):
    assert load_error(tmp_path / "nope.yaml").endswith("nope.yaml: no such file")


# --- lint ------------------------------------------------------------------------------------


def lint(tmp_path, data) -> list[str]:
    return [problem.render() for problem in lint_rubric(rubric.load_rubric(write(tmp_path, data)))]


def add_rule(data: dict, when, effects=None, rule_id="test-rule") -> dict:
    data["rules"].append({"id": rule_id, "when": when, "effects": effects or [{"adjust": "pretrained", "by": 1.0}],
                          "rationale": "test", "source": "test"})
    return data


def test_lint_finds_contradictory_range_that_never_fires(tmp_path):
    data = add_rule(default_data(), {"all": [{"dimension": "quality_gap", "op": "ge", "value": 4},
                                             {"dimension": "quality_gap", "op": "lt", "value": 3}]})
    problems = lint(tmp_path, data)
    assert len(problems) == 1
    assert "rules[" in problems[0] and "(id: test-rule).when: can never fire" in problems[0]


@pytest.mark.parametrize("leaf, words", [
    ({"dimension": "control", "op": "gt", "value": 5}, "comparison 'control gt 5' can never hold (dimension 'control' runs 0..5)"),
    ({"dimension": "cost", "op": "eq", "value": 7}, "can never hold"),
    ({"dimension": "cost", "op": "unknown"}, "can never hold"),
    ({"metric": "ece", "op": "gt", "value": 1.5}, "can never hold"),
    ({"fact": "labeled_examples", "op": "lt", "value": 0}, "can never hold"),
    ({"metric": "evidence", "op": "eq", "value": "guessed"}, "can never hold"),
])
def test_lint_finds_comparisons_that_cannot_hold(tmp_path, leaf, words):
    problems = lint(tmp_path, add_rule(default_data(), leaf))
    assert any(words in problem for problem in problems), problems


def test_lint_finds_flag_contradiction_and_any_of_impossibles(tmp_path):
    data = add_rule(default_data(), {"all": [{"fact": "high_stakes", "op": "is_true"},
                                             {"fact": "high_stakes", "op": "is_false"}]}, rule_id="flags")
    data = add_rule(data, {"any": [{"dimension": "cost", "op": "gt", "value": 5},
                                   {"dimension": "cost", "op": "lt", "value": 0}]}, rule_id="nothing")
    problems = "\n".join(lint(tmp_path, data))
    assert "(id: flags).when: can never fire" in problems
    assert "(id: nothing).when: can never fire" in problems


def test_lint_finds_effects_without_effect(tmp_path):
    data = add_rule(default_data(), {"fact": "high_stakes", "op": "is_true"},
                    effects=[{"adjust": "pretrained", "by": 0.0}, {"veto": "calibrate"}, {"require": "calibrate"},
                             {"companion": "calibrate"}])
    problems = "\n".join(lint(tmp_path, data))
    assert "adjusts 'pretrained' by 0: no effect" in problems
    assert "gates 'calibrate' which the same rule already vetoes" in problems
    assert "adds 'calibrate' as a companion but the same rule vetoes it" in problems


def test_lint_finds_always_true_comparison_and_unweighted_dimension(tmp_path):
    data = add_rule(default_data(), {"all": [{"dimension": "cost", "op": "ge", "value": 0},
                                             {"fact": "high_stakes", "op": "is_true"}]})
    data["weights"]["latency"] = {}
    problems = "\n".join(lint(tmp_path, data))
    assert "comparison 'cost ge 0' always holds" in problems
    assert "dimension 'latency' has no weight on any strategy" in problems


def test_describe_text_and_yaml():
    loaded = rubric.load_rubric()
    text = rubric.describe(loaded, fmt="text")
    assert "quality_gap - Quality gap" in text and "from-scratch-needs-a-hard-reason" in text
    again = yaml.safe_load(rubric.describe(loaded, fmt="yaml"))
    assert [rule["id"] for rule in again["rules"]] == [r.id for r in loaded.rules]


def test_rubric_with_a_nested_alias_is_refused_at_the_alias(tmp_path):
    from advisor.errors import RubricError

    path = tmp_path / "r.yaml"
    path.write_text("x: &a foo\ny: {z: *a}\n")
    with pytest.raises(RubricError) as info:
        rubric.load_rubric(str(path))
    assert info.value.render().startswith(f"{path}:2: YAML aliases (*a)")


def test_default_rubric_gives_every_strategy_its_time_to_production():
    # The sources: calibration takes days to weeks, fine-tuning weeks, training from scratch months to years.
    weeks = {s.id: s.time_to_production_weeks for s in rubric.load_rubric().strategies}
    assert weeks["calibrate"][0] < 1 <= weeks["calibrate"][1] <= 4
    assert weeks["fine_tune"][0] >= 1 and weeks["fine_tune"][1] <= 26
    assert weeks["from_scratch"][0] >= 26 and weeks["from_scratch"][1] >= 52


@pytest.mark.parametrize("weeks, words", [
    ([12, 4], "the low end 12 is above the high end 4"),
    ([4], "must have at least 2 items"),
    ([-1, 4], "must be 0 or more (got -1)"),
])
def test_time_to_production_must_be_an_ordered_pair_of_weeks(tmp_path, weeks, words):
    data = default_data()
    data["strategies"][1]["time_to_production_weeks"] = weeks
    path = write(tmp_path, data)
    message = load_error(path)
    text = path.read_text().splitlines()
    keys = [number for number, line in enumerate(text, start=1) if line.strip() == "time_to_production_weeks:"]
    # strategies[1]'s key line, or one of its items right below it
    where = re.match(rf"{re.escape(str(path))}:(\d+): strategies\[1\]\.time_to_production_weeks", message)
    assert where and keys[1] <= int(where.group(1)) <= keys[1] + len(weeks), message
    assert words in message
