"""`advisor assess` Markdown output: figures, --no-figures, --template, escaping, failures."""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import figures_beside

from advisor.cli import main

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def run(*args):
    return CliRunner().invoke(main, list(args))


@pytest.fixture
def calib(tmp_path, monkeypatch):
    """A copy of the calibrate example (profile + predictions) as the working folder."""
    for name in ("profile.yaml", "predictions.npz"):
        shutil.copy(EXAMPLES / "calibrate" / name, tmp_path / name)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_stdout_report_has_no_figures(calib):
    result = run("assess", "profile.yaml")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("# Model strategy for Handwritten digit reader\n")
    assert ".svg" not in result.output
    assert sorted(p.name for p in calib.iterdir()) == ["predictions.npz", "profile.yaml"]


def test_output_file_gets_linked_figures(calib):
    (calib / "out").mkdir()
    result = run("assess", "profile.yaml", "-o", "out/my report.md")
    assert result.exit_code == 0, result.output
    text = (calib / "out" / "my report.md").read_text()
    figures = figures_beside(calib / "out", "my report")
    assert sorted(figures) == ["reliability", "risk", "scores"]
    for name in figures.values():
        assert f"]({name.replace(' ', '%20')})" in text
        ET.parse(calib / "out" / name)  # well-formed XML on disk


def test_no_figures(calib):
    result = run("assess", "profile.yaml", "-o", "r.md", "--no-figures")
    assert result.exit_code == 0, result.output
    assert ".svg" not in (calib / "r.md").read_text()
    assert not list(calib.glob("*.svg"))


def test_markdown_and_json_agree(calib):
    data = json.loads(run("assess", "profile.yaml", "--format", "json").output)
    text = run("assess", "profile.yaml").output
    primary = data["recommendation"]["primary"]
    assert f"** (`{primary}`)\n" in text
    for strategy in data["strategies"]:
        name = f"**{strategy['name']}**" if strategy["id"] == primary else strategy["name"]
        assert f"| {strategy['rank']} | {name} | {strategy['score']:.2f} |" in text
        assert f"{strategy['score']:.2f}" in text
    assert f"| Accuracy | {data['calibration']['measured']['accuracy']:.4f} |" in text


def test_hostile_project_name_is_escaped(calib):
    text = (calib / "profile.yaml").read_text().replace(
        "name: Handwritten digit reader",
        'name: "Evil | <img src=x onerror=alert(1)> *b* [l](javascript:x)\\n# injected"')
    (calib / "profile.yaml").write_text(text)
    result = run("assess", "profile.yaml", "-o", "r.md")
    assert result.exit_code == 0, result.output
    report = (calib / "r.md").read_text()
    assert "<img" not in report
    assert report.splitlines()[0] == ("# Model strategy for Evil \\| &lt;img src=x onerror=alert(1)&gt; "
                                     "\\*b\\* \\[l\\](javascript:x) \\# injected")
    assert "\n# injected" not in report
    assert "| Profile | Evil \\| &lt;img" in report
    for svg in calib.glob("r.*.svg"):
        root = ET.parse(svg).getroot()
        assert "<img" in root.find("{http://www.w3.org/2000/svg}title").text  # text, not markup
        assert "<img" not in svg.read_text()


def test_user_template(calib):
    (calib / "t.md.j2").write_text("{{ a.recommendation.primary }} {{ a.inputs.profile.name }}"
                                   "{% if figures.get('scores') %} {{ figures.scores | link }}{% endif %}\n")
    assert run("assess", "profile.yaml", "--template", "t.md.j2").output == "calibrate Handwritten digit reader\n"
    assert run("assess", "profile.yaml", "--template", "t.md.j2", "-o", "r.md").exit_code == 0
    # trim_blocks, as in the built-in template: the newline after {% endif %} is dropped.
    scores = figures_beside(calib, "r")["scores"]
    assert (calib / "r.md").read_text() == f"calibrate Handwritten digit reader {scores}"


def test_bad_template_fails_and_leaves_files_intact(calib):
    (calib / "r.md").write_text("old report\n")
    (calib / "t.j2").write_text("ok\n{{ a.missing_key }}\n")
    result = run("assess", "profile.yaml", "--template", "t.j2", "-o", "r.md")
    assert result.exit_code == 1
    assert result.output.startswith("Error: t.j2:2: template error:")
    assert "missing_key" in result.output
    assert "Traceback" not in result.output
    assert (calib / "r.md").read_text() == "old report\n"
    assert not list(calib.glob("*.svg"))


def test_sandbox_blocks_unsafe_template(calib):
    (calib / "t.j2").write_text("{{ a.__class__.__init__.__globals__ }}")
    result = run("assess", "profile.yaml", "--template", "t.j2")
    assert result.exit_code == 1
    assert result.output.startswith("Error: t.j2:1: template error:")
    assert "unsafe" in result.output


def test_missing_template(calib):
    result = run("assess", "profile.yaml", "--template", "nope.j2")
    assert result.exit_code == 1
    assert result.output == "Error: nope.j2: no such file\n"


def test_bad_profile_leaves_existing_report_intact(calib):
    (calib / "r.md").write_text("old report\n")
    (calib / "profile.yaml").write_text((calib / "profile.yaml").read_text().replace("quality_gap: 1", "quality_gap: 9"))
    result = run("assess", "profile.yaml", "-o", "r.md")
    assert result.exit_code == 1
    assert "scores.quality_gap" in result.output
    assert (calib / "r.md").read_text() == "old report\n"
    assert not list(calib.glob("*.svg"))
    assert not list(calib.glob(".r.md.*"))  # no temporary file left behind


def test_output_into_missing_folder(calib):
    result = run("assess", "profile.yaml", "-o", "no/such/r.md")
    assert result.exit_code == 1
    assert result.output.startswith("Error: ")
    assert not (calib / "no").exists()


def test_dash_output_is_stdout(calib):
    result = run("assess", "profile.yaml", "-o", "-")
    assert result.exit_code == 0
    assert result.output.startswith("# Model strategy")
    assert not list(calib.glob("*.svg"))


def test_report_without_predictions_has_only_the_scores_figure(tmp_path):
    shutil.copy(EXAMPLES / "urgent-launch" / "profile.yaml", tmp_path / "profile.yaml")
    result = run("assess", str(tmp_path / "profile.yaml"), "-o", str(tmp_path / "r.md"))
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.glob("*.svg")) == [figures_beside(tmp_path, "r")["scores"]]
    assert "- **Provisional:**" in (tmp_path / "r.md").read_text()


def test_custom_rubric_is_recorded_in_the_report(calib):
    from advisor.resource import default_rubric_path

    (calib / "house.yaml").write_text(default_rubric_path().read_text().replace("name: default", "name: house", 1))
    result = run("assess", "profile.yaml", "--rubric", "house.yaml")
    assert result.exit_code == 0, result.output
    assert "| Rubric | 'house', version 1 | house.yaml |" in result.output


@pytest.mark.parametrize("body, line, words", [
    ("ok\n{{ 'a' * 1000000000 }}\n", 2, "too large"),
    ("{{ 1000000000 * [0] }}", 1, "too large"),
    ("{{ 2 ** 100000000 }}", 1, "exponent"),
    ("{{ '%1000000000s' % 'x' }}", 1, "too wide"),
    ("{% set s = 'a' * 900000 %}\n{{ s + s }}", 2, "too large"),
    ("{% macro grow(s, n) %}{{ grow(s ~ s, n - 1) if n else s | length }}{% endmacro %}\n"
     "{{ grow('ab', 40) }}", 1, "too large"),
    ("{{ ('a' * 900000) | replace('a', 'bb') }}", 1, "too large"),
    ("{{ 'a' | center(1000000000) }}", 1, "too large"),
    ("{{ a.strategies.append(1) }}", 1, "unsafe"),
    ("{% set s = 'x' * 900000 %}\n{% for i in range(30) %}{{ s }}{% endfor %}", 2, "20000000 characters"),
])
def test_template_resource_bombs_fail_cleanly(calib, body, line, words):
    (calib / "r.md").write_text("old report\n")
    (calib / "t.j2").write_text(body)
    result = run("assess", "profile.yaml", "-o", "r.md", "--template", "t.j2")
    assert result.exit_code == 1, result.output[:200]
    assert result.output.startswith(f"Error: t.j2:{line}: template error:"), result.output[:300]
    assert words in result.output
    assert "Traceback" not in result.output
    assert (calib / "r.md").read_text() == "old report\n"
    assert not list(calib.glob("*.svg"))


def test_template_arithmetic_within_limits_still_works(calib):
    (calib / "t.j2").write_text("{{ '-' * 3 }} {{ 2 ** 10 }} {{ [1] * 2 }} {{ '%05d' % 7 }} {{ 'a' ~ 'b' }}")
    result = run("assess", "profile.yaml", "--template", "t.j2")
    assert result.output == "\\--- 1024 \\[1, 1\\] 00007 ab\n"
