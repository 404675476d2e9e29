"""Profile loading: the one validation path, line-numbered messages, every problem at once."""

from pathlib import Path

import pytest

from advisor.errors import ProfileError
from advisor.profile import DIMENSIONS, field_problems, json_schema, load_profile, validate_profile_data

GOOD = """\
version: 1
project:
  name: Claims intake extraction
  summary: Extract claim fields from scanned forms into strict JSON.
scores:
  quality_gap: 3
  data_readiness: 4
  latency: 2
  cost: 3
  governance: 2
  control: 1
context:
  launch_weeks: 6
  labeled_examples: 20000
  has_eval_set: true
  adaptation_tried: [pretrained]
baseline:
  accuracy: 0.91
  ece: 0.04
  target_accuracy: 0.93
  predictions: eval/preds.npz
"""


def write(tmp_path: Path, text: str, name="profile.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    (tmp_path / "eval").mkdir(exist_ok=True)
    (tmp_path / "eval" / "preds.npz").write_bytes(b"")  # existence is all the profile checks
    return path


def problems_of(tmp_path, text):
    with pytest.raises(ProfileError) as info:
        load_profile(write(tmp_path, text))
    return info.value.details, info.value.render()


def test_interface_example_loads_and_resolves_predictions_next_to_profile(tmp_path):
    loaded = load_profile(write(tmp_path, GOOD))
    assert loaded.profile.scores.data_readiness == 4
    assert loaded.profile.context.adaptation_tried == ["pretrained"]
    assert loaded.profile.baseline.target_ece == 0.05
    assert loaded.predictions_path == (tmp_path / "eval" / "preds.npz").resolve()
    assert len(loaded.sha256) == 64


def test_minimal_profile_defaults():
    data = {"version": 1, "project": {"name": "x"}, "scores": dict.fromkeys(DIMENSIONS, 0)}
    profile = validate_profile_data(data, "answers")
    assert profile.baseline is None
    assert profile.context.has_eval_set is None
    assert profile.context.adaptation_tried == []


def test_out_of_range_score_names_file_line_and_field(tmp_path):
    details, _ = problems_of(tmp_path, GOOD.replace("data_readiness: 4", "data_readiness: 7"))
    assert details == [f"{tmp_path / 'profile.yaml'}:7: scores.data_readiness: must be an integer from 0 to 5 (got 7)"]


def test_every_problem_reported_at_once_in_line_order(tmp_path):
    text = GOOD.replace("latency: 2", "latency: 2.5").replace("cost: 3", 'cost: "3"').replace(
        "accuracy: 0.91", "accuracy: 1.3").replace("launch_weeks: 6", "launch_week: 6")
    details, rendered = problems_of(tmp_path, text)
    lines = [int(d.split(":")[1]) for d in details]
    assert lines == sorted(lines) and len(details) == 4
    assert "scores.latency: must be an integer from 0 to 5 (got 2.5)" in rendered
    assert "scores.cost: must be an integer from 0 to 5 (got '3')" in rendered
    assert "baseline.accuracy: must be a number from 0 to 1 (got 1.3)" in rendered
    assert "context.launch_week: unknown key (did you mean `launch_weeks`?)" in rendered


@pytest.mark.parametrize("typo, right", [("labeled_example", "labeled_examples"), ("has_evalset", "has_eval_set")])
def test_unknown_key_suggests_closest(tmp_path, typo, right):
    details, _ = problems_of(tmp_path, GOOD.replace("  launch_weeks: 6", f"  {typo}: 6"))
    assert details[0].endswith(f"context.{typo}: unknown key (did you mean `{right}`?)")
    assert ":13:" in details[0]


def test_unknown_top_level_key_lists_valid_keys_when_nothing_is_close(tmp_path):
    details, _ = problems_of(tmp_path, GOOD + "zzz: 1\n")
    assert "zzz: unknown key; valid keys here: version, project, scores, context, baseline" in details[0]


def test_booleans_are_not_scores_and_strings_are_not_flags(tmp_path):
    text = GOOD.replace("governance: 2", "governance: true").replace("has_eval_set: true", "has_eval_set: maybe")
    details, _ = problems_of(tmp_path, text)
    assert any("scores.governance: must be an integer from 0 to 5 (got true)" in d for d in details)
    assert any("context.has_eval_set: must be true or false (got 'maybe')" in d for d in details)


def test_unknown_strategy_in_adaptation_tried(tmp_path):
    details, _ = problems_of(tmp_path, GOOD.replace("[pretrained]", "[pretrained, magic]"))
    assert details[0].endswith("context.adaptation_tried[1]: must be one of pretrained, fine_tune, calibrate, from_scratch (got 'magic')")


def test_version_other_than_one(tmp_path):
    details, _ = problems_of(tmp_path, GOOD.replace("version: 1", "version: 2"))
    assert details[0].endswith(":1: version: must be 1 (got 2)")


def test_missing_sections_and_fields(tmp_path):
    details, _ = problems_of(tmp_path, "version: 1\nproject:\n  name: x\nscores:\n  quality_gap: 1\n")
    assert f"{tmp_path / 'profile.yaml'}:4: scores.control: is required" in details
    assert len(details) == 5


def test_blank_name_rejected(tmp_path):
    details, _ = problems_of(tmp_path, GOOD.replace("Claims intake extraction", "'  '"))
    assert "project.name: must be a non-empty text" in details[0]


def test_duplicate_keys_are_errors(tmp_path):
    details, _rendered = problems_of(tmp_path, GOOD + "scores: {}\n")
    assert "duplicate key" in details[0] and ":22:" in details[0]


def test_bad_yaml_names_line(tmp_path):
    with pytest.raises(ProfileError) as info:
        load_profile(write(tmp_path, "version: 1\nproject: [oops\n"))
    assert info.value.render().startswith(f"{tmp_path / 'profile.yaml'}:")
    assert "invalid YAML" in info.value.render()


@pytest.mark.parametrize("text", ["", "- a list\n", "just text\n"])
def test_top_level_must_be_mapping(tmp_path, text):
    details, _ = problems_of(tmp_path, text)
    assert "must be a YAML mapping" in details[0]


def test_missing_file(tmp_path):
    with pytest.raises(ProfileError) as info:
        load_profile(tmp_path / "nope.yaml")
    assert info.value.render() == f"{tmp_path / 'nope.yaml'}: no such file"


def test_field_problems_without_lines_still_names_field():
    problems = field_problems({"version": 1, "project": {"name": "x"}, "scores": {"quality_gap": 9}}, "answers")
    assert "answers:1: scores.quality_gap: must be an integer from 0 to 5 (got 9)" in [p.render() for p in problems]


def test_json_schema_describes_profile():
    schema = json_schema()
    assert schema["$schema"].startswith("https://json-schema.org/")
    assert set(schema["required"]) == {"version", "project", "scores"}
    assert schema["$defs"]["Scores"]["properties"]["control"]["maximum"] == 5


@pytest.mark.parametrize("value", ["true", "1.0", "'1'"])
def test_version_must_be_the_integer_one(tmp_path, value):
    details, _ = problems_of(tmp_path, GOOD.replace("version: 1", f"version: {value}"))
    assert details[0].split(": ", 1)[1].startswith("version: must be 1")


@pytest.mark.parametrize("value", ["true", "'0.9'"])
def test_baseline_numbers_must_be_numbers(tmp_path, value):
    details, _ = problems_of(tmp_path, GOOD.replace("accuracy: 0.91", f"accuracy: {value}"))
    assert details[0].endswith(f"baseline.accuracy: must be a number from 0 to 1 (got {'true' if value == 'true' else repr('0.9')})")


def test_integer_fraction_is_accepted(tmp_path):
    assert load_profile(write(tmp_path, GOOD.replace("accuracy: 0.91", "accuracy: 1"))).profile.baseline.accuracy == 1.0


def test_missing_predictions_file_is_listed_with_the_other_problems(tmp_path):
    path = write(tmp_path, GOOD.replace("data_readiness: 4", "data_readiness: 9"))
    (tmp_path / "eval" / "preds.npz").unlink()
    with pytest.raises(ProfileError) as info:
        load_profile(path)
    details = info.value.details
    assert len(details) == 2
    assert details[1] == f"{path}:21: baseline.predictions: no such file: eval/preds.npz (paths are relative to the profile's folder)"


def test_yaml_alias_bomb_is_refused_quickly(tmp_path):
    levels = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    levels += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 12)]
    path = write(tmp_path, "\n".join(levels) + "\n")
    with pytest.raises(Exception) as info:
        load_profile(path)
    assert "aliases" in str(info.value) and ":2:" in str(info.value)


@pytest.mark.parametrize("value", ["null", "", "[]"])
def test_adaptation_tried_left_blank_means_nothing_tried(tmp_path, value):
    loaded = load_profile(write(tmp_path, GOOD.replace("adaptation_tried: [pretrained]", f"adaptation_tried: {value}")))
    assert loaded.profile.context.adaptation_tried == []
