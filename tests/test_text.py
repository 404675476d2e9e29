"""The one policy for untrusted text: escaped on the terminal, blanked in reports, escaped in JSON."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import yaml
from click.testing import CliRunner

from advisor.cli import main
from advisor.text import dump_json, for_document, for_terminal

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "urgent-launch" / "profile.yaml"
RLO, ISOLATE = "\u202e", "\u2066"


def test_terminal_shows_controls_and_bidirectional_controls_as_escapes():
    assert for_terminal("a\x1b[2Jb\tc\nd\u202ee\u2069") == "a\\x1b[2Jb\tc\nd\\u202ee\\u2069"


def test_documents_blank_controls_bidi_and_xml_forbidden_characters():
    assert for_document("a\x07b\u202ac\u2066d\ufffee\r\n\tf") == "a b c d e\r\n\tf"


def test_json_escapes_what_json_dumps_leaves_raw_and_the_data_is_unchanged():
    data = {"name": "a\x7fb\x9bc\u2028d\x1be\u202ef"}
    text = dump_json(data)
    assert text == '{\n  "name": "a\\u007fb\\u009bc\\u2028d\\u001be\\u202ef"\n}\n'
    assert json.loads(text) == data


def profile_named(tmp_path: Path, name: str) -> Path:
    data = yaml.safe_load(EXAMPLE.read_text())
    data["project"]["name"] = name
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_a_name_with_a_bidirectional_override_is_never_printed_raw(tmp_path):
    path = profile_named(tmp_path, f"Claims {RLO}exe.txt{ISOLATE} intake")
    runner = CliRunner()
    validated = runner.invoke(main, ["validate", str(path)])
    assert validated.exit_code == 0, validated.output
    assert "Claims \\u202eexe.txt\\u2066 intake" in validated.output
    for args in (["assess", str(path)], ["assess", str(path), "--format", "json"]):
        result = runner.invoke(main, args)
        assert result.exit_code == 0, result.output
        assert RLO not in result.output and ISOLATE not in result.output
    report = runner.invoke(main, ["assess", str(path)]).output
    assert "# Model strategy for Claims exe.txt intake\n" in report  # blanked (and collapsed) in Markdown
    assessment = json.loads(runner.invoke(main, ["assess", str(path), "--format", "json"]).output)
    assert RLO in json.dumps(assessment, ensure_ascii=False)  # JSON keeps the data itself


def test_rubric_texts_with_bidirectional_controls_are_shown_escaped(tmp_path):
    from advisor.resource import default_rubric_path

    rubric = tmp_path / "r.yaml"
    rubric.write_text(default_rubric_path().read_text().replace("name: default", f"name: de{RLO}fault", 1),
                      encoding="utf-8")
    result = CliRunner().invoke(main, ["rubric", "show", "--rubric", str(rubric)])
    assert result.exit_code == 0, result.output
    assert RLO not in result.output and "de\\u202efault" in result.output


def test_a_written_profile_spells_bidirectional_controls_as_escapes(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    shutil.copy(profile_named(tmp_path, f"a{RLO}b"), tmp_path / "answers.yaml")
    result = CliRunner().invoke(main, ["questionnaire", "--answers", "answers.yaml", "-o", "out.yaml"])
    assert result.exit_code == 0, result.output
    text = (tmp_path / "out.yaml").read_text(encoding="utf-8")
    assert RLO not in text and 'name: "a\\u202Eb"' in text
    assert yaml.safe_load(text)["project"]["name"] == f"a{RLO}b"
