"""`advisor rubric show|lint` and `assess --rubric` with broken rubrics."""

from __future__ import annotations

import re

import yaml
from click.testing import CliRunner

from advisor import cli
from advisor.resource import default_rubric_path


def invoke(*args):
    return CliRunner().invoke(cli.main, list(args))


def default_data() -> dict:
    return yaml.safe_load(default_rubric_path().read_text())


def test_show_text_and_yaml():
    result = invoke("rubric", "show")
    assert result.exit_code == 0
    assert "data_readiness - Data readiness" in result.output and "Rules (" in result.output
    as_yaml = invoke("rubric", "show", "--format", "yaml")
    assert as_yaml.exit_code == 0 and yaml.safe_load(as_yaml.output)["name"] == "default"


def test_lint_default_is_ok():
    result = invoke("rubric", "lint")
    assert result.exit_code == 0 and "OK" in result.output


def test_lint_finds_a_rule_that_can_never_fire(tmp_path):
    data = default_data()
    data["rules"].append({"id": "never", "rationale": "x", "source": "x",
                          "when": {"all": [{"dimension": "control", "op": "ge", "value": 4},
                                           {"dimension": "control", "op": "le", "value": 2}]},
                          "effects": [{"adjust": "from_scratch", "by": 1.0}]})
    path = tmp_path / "never.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    result = invoke("rubric", "lint", str(path))
    assert result.exit_code == 1
    index = len(data["rules"]) - 1
    assert re.search(rf"never\.yaml:\d+: rules\[{index}\] \(id: never\)\.when: can never fire", result.output)
    assert "Traceback" not in result.output


def test_assess_with_an_invalid_rubric_exits_1_with_line(tmp_path):
    data = default_data()
    data["rules"][3]["when"] = {"fact": "launch_week", "op": "lt", "value": 8}
    path = tmp_path / "my-rubric.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    profile = tmp_path / "p.yaml"
    profile.write_text("version: 1\nproject: {name: x}\nscores: {quality_gap: 1, data_readiness: 1, latency: 1, "
                       "cost: 1, governance: 1, control: 1}\n")
    result = invoke("assess", str(profile), "--format", "json", "--rubric", str(path))
    assert result.exit_code == 1
    assert re.search(r"my-rubric\.yaml:\d+: rules\[3\] \(id: [a-z-]+\)\.when\.fact: unknown fact 'launch_week' "
                     r"\(did you mean 'launch_weeks'\?\)", result.output)
    assert "Traceback" not in result.output


def test_lint_of_an_invalid_rubric_exits_1(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("name: [unclosed\n")
    result = invoke("rubric", "lint", str(path))
    assert result.exit_code == 1 and "bad.yaml:" in result.output and "invalid YAML" in result.output
