"""Problems are records (file, line, location, message): rendered, sorted and matched without parsing text."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from pydantic import ValidationError

from advisor import profile, rubric
from advisor.cli import main
from advisor.document import parse_yaml
from advisor.errors import InputError, Problem, ProfileError, sorted_problems
from advisor.validation import problems_of

SCORES = "scores: {quality_gap: 1, data_readiness: 1, latency: 1, cost: 1, governance: 1, control: 1}\n"


def test_a_problem_renders_only_the_parts_it_has():
    assert Problem("p.yaml", 3, ("context", "adaptation_tried", 1), "bad").render() == \
        "p.yaml:3: context.adaptation_tried[1]: bad"
    assert Problem("p.yaml", None, (), "no such file").render() == "p.yaml: no such file"
    assert Problem(None, None, ("scores", "cost"), "bad").render() == "scores.cost: bad"
    assert Problem("r.yaml", 9, ("rules", 0), "bad", label="rules[0] (id: x)").render() == "r.yaml:9: rules[0] (id: x): bad"


def test_an_error_of_one_problem_is_that_problem_and_a_summary_lists_them():
    one = Problem("p.yaml", 2, (), "nested more than 32 levels deep")
    assert InputError.of(one).render() == "p.yaml:2: nested more than 32 levels deep"
    many = InputError("2 problems", file="p.yaml", problems=[one, Problem("p.yaml", 5, ("a",), "bad")])
    assert many.render() == "p.yaml: 2 problems\n  p.yaml:2: nested more than 32 levels deep\n  p.yaml:5: a: bad"


def test_problems_sort_by_line_then_list_index_in_numeric_order():
    found = [Problem("p", 4, ("a", index), "bad") for index in (10, 1, 11, 0, 2)] + [Problem("p", 2, ("z",), "bad")]
    assert [p.location[-1] for p in sorted_problems(found)] == ["z", 0, 1, 2, 10, 11]


def test_validate_lists_the_items_of_one_line_in_numeric_order(tmp_path):
    items = ", ".join(f"magic{index}" for index in range(12))
    path = tmp_path / "p.yaml"
    path.write_text(f"version: 1\nproject: {{name: x}}\n{SCORES}context:\n  adaptation_tried: [{items}]\n")
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code == 1
    shown = [line.split("adaptation_tried")[1].split(":")[0] for line in result.output.splitlines()[1:]]
    assert shown == [f"[{index}]" for index in range(12)]


def translated(model, text: str, source: str | None = "f.yaml"):
    data, lines = parse_yaml(text, "f.yaml", InputError)
    try:
        model.model_validate(data)
    except ValidationError as exc:
        return [problem.render() for problem in sorted_problems(problems_of(exc.errors(), model, data, source, lines))]
    return []


def test_the_translator_uses_the_declared_expectations_and_the_key_lines():
    text = f"project: {{name: x}}\n{SCORES}context:\n  adaptation_tried: [magic]\n  launch_wekes: 3\n"
    assert translated(profile.Profile, text) == [
        "f.yaml:1: version: is required (must be 1)",
        "f.yaml:4: context.adaptation_tried[0]: must be one of pretrained, fine_tune, calibrate, from_scratch "
        "(got 'magic')",
        "f.yaml:5: context.launch_wekes: unknown key (did you mean `launch_weeks`?)",
    ]


def test_without_a_file_a_problem_has_no_file_or_line():
    assert translated(profile.Profile, f"version: 1\nproject: {{name: 7}}\n{SCORES}", source=None) == [
        'project.name: must be a non-empty text (got 7); write "7" in quotes to make it text']


def test_the_translator_follows_lists_and_mappings_of_models_and_names_rules_by_id(tmp_path):
    from advisor.resource import default_rubric_path

    text = default_rubric_path().read_text().replace("    rationale: ", "    rationale_: ", 1)
    path = tmp_path / "r.yaml"
    path.write_text(text)
    with pytest.raises(InputError) as info:
        rubric.load_rubric(path)
    missing, unknown = info.value.problems
    line = text[:text.index("    rationale_: ")].count("\n") + 1
    assert unknown.line == line and unknown.location == ("rules", 0, "rationale_")
    assert unknown.message == "unknown key (did you mean `rationale`?)"
    assert unknown.where.startswith("rules[0] (id: ") and unknown.where.endswith(").rationale_")
    assert missing.location == ("rules", 0, "rationale") and missing.message == "is required"


def test_the_profile_error_carries_its_problems(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text(f"version: 1\nproject: {{name: x}}\n{SCORES}".replace("cost: 1", "cost: 9"))
    with pytest.raises(ProfileError) as info:
        profile.load_profile(path)
    assert info.value.problems == [Problem(str(path), 3, ("scores", "cost"), "must be an integer from 0 to 5 (got 9)")]
