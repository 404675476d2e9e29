"""`advisor init` and `advisor schema`: the starter profile and the JSON Schema agree with the loader."""

from __future__ import annotations

import json

import yaml
from click.testing import CliRunner

from advisor import profile
from advisor.cli import main
from advisor.questionnaire import SCHEMA_FILE, starter_profile


def run(*args, **kwargs):
    return CliRunner().invoke(main, list(args), **kwargs)


def test_init_writes_a_valid_annotated_starter(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run("init")
    assert result.exit_code == 0, result.output
    assert "Wrote profile.yaml" in result.output
    assert f"advisor schema -o {SCHEMA_FILE}" in result.output
    text = (tmp_path / "profile.yaml").read_text()
    assert text.splitlines()[0] == f"# yaml-language-server: $schema={SCHEMA_FILE}"
    loaded = profile.load_profile(tmp_path / "profile.yaml")
    assert loaded.profile.project.name == "My project"
    # Every scored dimension carries its six level anchors as comments.
    assert text.count("#   5 = ") == 6
    assert run("validate", "profile.yaml").exit_code == 0


def test_init_path_and_force(tmp_path):
    target = tmp_path / "p.yaml"
    target.write_text("keep me\n")
    result = run("init", str(target))
    assert result.exit_code == 1
    assert "already exists; pass --force" in result.output
    assert target.read_text() == "keep me\n"
    assert run("init", str(target), "--force").exit_code == 0
    assert target.read_text() == starter_profile()


def test_init_into_missing_folder_fails_cleanly(tmp_path):
    result = run("init", str(tmp_path / "no" / "p.yaml"))
    assert result.exit_code == 1
    assert result.output.startswith("Error: ")
    assert "does not exist" in result.output


def test_init_hint_omitted_when_schema_exists(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / SCHEMA_FILE).write_text("{}")
    result = run("init")
    assert "advisor schema" not in result.output


def test_schema_stdout_and_file(tmp_path):
    result = run("schema")
    assert result.exit_code == 0
    schema = json.loads(result.output)
    assert schema == profile.json_schema()
    assert set(schema["required"]) >= {"version", "project", "scores"}
    target = tmp_path / SCHEMA_FILE
    assert run("schema", "-o", str(target)).exit_code == 0
    assert json.loads(target.read_text()) == schema


def test_starter_profile_matches_schema_keys():
    data = yaml.safe_load(starter_profile())
    schema = profile.json_schema()
    assert set(data) <= set(schema["properties"])
    assert list(data["scores"]) == list(profile.DIMENSIONS)
    assert set(data["context"]) == set(profile.CONTEXT_FACTS)


def test_starter_profile_against_json_schema_if_available():
    jsonschema = __import__("pytest").importorskip("jsonschema")
    jsonschema.validate(yaml.safe_load(starter_profile()), profile.json_schema())


def test_every_example_profile_satisfies_the_json_schema():
    jsonschema = __import__("pytest").importorskip("jsonschema")
    from pathlib import Path

    examples = sorted((Path(__file__).resolve().parent.parent / "examples").glob("*/profile.yaml"))
    assert len(examples) >= 4
    for path in examples:
        jsonschema.validate(yaml.safe_load(path.read_text()), profile.json_schema())


def test_json_schema_rejects_what_the_loader_rejects():
    jsonschema = __import__("pytest").importorskip("jsonschema")
    bad = yaml.safe_load(starter_profile())
    bad["scores"]["cost"] = 7
    with __import__("pytest").raises(jsonschema.ValidationError):
        jsonschema.validate(bad, profile.json_schema())
