"""The typed assessment model: what `assess --format json` prints, and its JSON Schema."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from pydantic import ValidationError

from advisor import assessment
from advisor.assessment import Assessment
from advisor.cli import dump_json, main

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
PROFILES = sorted(EXAMPLES.glob("*/profile.yaml"))


def assess_json(path: Path) -> str:
    result = CliRunner().invoke(main, ["assess", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize("path", PROFILES, ids=lambda p: p.parent.name)
def test_json_output_round_trips_through_the_model_byte_for_byte(path):
    text = assess_json(path)
    assert dump_json(Assessment.model_validate_json(text).to_json_dict()) == text


def test_numbers_keep_their_type_and_keys_their_order():
    # 1 must not become 1.0 (nor 2.5 become 2): the JSON stays byte-identical to what the engine gave.
    data = json.loads(assess_json(EXAMPLES / "calibrate" / "profile.yaml"))
    contribution = data["strategies"][0]["contributions"][0]
    data["strategies"][0]["contributions"][0] = dict(contribution, value=1)
    data["recommendation"]["margin"] = 2.5
    out = Assessment.from_engine(data)
    assert out["strategies"][0]["contributions"][0]["value"] == 1
    assert isinstance(out["strategies"][0]["contributions"][0]["value"], int)
    assert isinstance(out["recommendation"]["margin"], float)
    assert list(out) == list(data)
    assert list(out["recommendation"]) == list(data["recommendation"])


def test_an_unregistered_key_is_refused():
    data = json.loads(assess_json(EXAMPLES / "urgent-launch" / "profile.yaml"))
    data["recommendation"]["surprise"] = True
    with pytest.raises(ValidationError, match="surprise"):
        Assessment.from_engine(data)


def test_an_optional_field_the_producer_did_not_emit_stays_out_of_the_json():
    data = json.loads(assess_json(EXAMPLES / "urgent-launch" / "profile.yaml"))
    data["recommendation"].pop("change_needed", None)
    assert "change_needed" not in Assessment.from_engine(data)["recommendation"]
    data["recommendation"]["change_needed"] = False
    assert Assessment.from_engine(data)["recommendation"]["change_needed"] is False


def undescribed(node, where="") -> list[str]:
    """Properties of the schema without a description (a $ref'd model is described at its definition)."""
    missing = []
    if isinstance(node, dict):
        for name, prop in (node.get("properties") or {}).items():
            if "description" not in prop:
                missing.append(f"{where}.{name}")
        for key, value in node.items():
            missing += undescribed(value, f"{where}.{key}" if key not in ("properties",) else where)
    elif isinstance(node, list):
        for item in node:
            missing += undescribed(item, where)
    return missing


def test_every_field_of_the_schema_is_described():
    schema = assessment.json_schema()
    assert undescribed(schema) == []
    assert schema["title"].startswith("advisor assessment")
    assert set(schema["required"]) >= {"recommendation", "strategies", "inputs"}


def test_schema_command_prints_the_assessment_schema(tmp_path):
    result = CliRunner().invoke(main, ["schema", "--assessment"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == assessment.json_schema()
    committed = json.loads((EXAMPLES / "advisor-assessment.schema.json").read_text(encoding="utf-8"))
    assert committed == assessment.json_schema()


@pytest.mark.parametrize("path", PROFILES, ids=lambda p: p.parent.name)
def test_examples_validate_against_the_published_schema(path):
    jsonschema = pytest.importorskip("jsonschema")
    jsonschema.validate(json.loads(assess_json(path)), assessment.json_schema())
