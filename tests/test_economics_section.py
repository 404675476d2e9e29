"""The economics section as written into profiles (`advisor init`, the questionnaire)."""

from __future__ import annotations

import pytest
import yaml

from advisor.economics import Economics
from advisor.economics_section import EXAMPLE, yaml_lines, yaml_number


def test_the_commented_example_is_a_valid_section_once_uncommented():
    lines = yaml_lines(None)
    assert all(line.startswith("#") for line in lines)
    body = [line[2:] for line in lines if line.startswith("# economics:") or line.startswith("#   ")]
    data = yaml.safe_load("\n".join(body))
    assert data["economics"] == EXAMPLE
    Economics.model_validate(data["economics"])


@pytest.mark.parametrize("section", [
    EXAMPLE,
    {"currency": "NO", "strategies": {"calibrate": {"success_rate": [0.9, 0.95]}}},
    {"horizon_months": 36, "cost_per_error": 1e-05, "strategies": {"from_scratch": {"build": 2.5e7, "per_request": 1e-7}}},
    {"currency": "1.5", "strategies": {}},
    {"currency": "it's", "strategies": {}},
])
def test_a_written_section_reads_back_the_same(section):
    text = "\n".join(yaml_lines(section))
    data = yaml.safe_load(text)["economics"]
    assert data == {key: value for key, value in section.items() if value not in ({}, None)}
    Economics.model_validate(data)


@pytest.mark.parametrize("value, text", [(40000, "40000"), (0.002, "0.002"), (1e-05, "0.00001"), (2.5e7, "25000000.0")])
def test_numbers_stay_numbers_in_yaml(value, text):
    assert yaml_number(value) == text
    assert yaml.safe_load(text) == value


def test_the_profile_schema_describes_the_section():
    import jsonschema

    from advisor import profile

    schema = profile.json_schema()
    base = {"version": 1, "project": {"name": "x"}, "context": {"monthly_volume": 10},
            "scores": dict.fromkeys(profile.DIMENSIONS, 1)}
    jsonschema.validate({**base, "economics": EXAMPLE}, schema)
    for bad in ({"cost_per_error": -1}, {"strategies": {"pretrained": {"success_rate": 1.5}}},
                {"strategies": {"pretrained": {"build": [1, 2, 3]}}}, {"strategies": {"fine_tuning": {}}},
                {"horizon_months": 0}):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate({**base, "economics": bad}, schema)
