"""Small input traps of YAML 1.1 and of the file system, each named in our own words.

Base-60 and octal numbers are text (``1:30`` is not silently 90); text that YAML read as
something else is refused with a hint to quote it; a tab is named; a number too long for
Python is refused without Python's words; a loop of symbolic links is not a missing file.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from advisor.cli import main

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "urgent-launch" / "profile.yaml"


def run(*args: str):
    return CliRunner().invoke(main, list(args))


@pytest.fixture
def profile(tmp_path):
    """Write the example profile with edits; return its path."""
    def write(*edits: tuple[str, str], name: str = "p.yaml") -> Path:
        text = EXAMPLE.read_text()
        for old, new in edits:
            assert old in text
            text = text.replace(old, new, 1)
        path = tmp_path / name
        path.write_text(text)
        return path
    return write


def refused(result, *expected: str) -> str:
    assert result.exit_code == 1, result.output
    assert result.output.count("Error:") == 1 and "Traceback" not in result.output
    for text in expected:
        assert text in result.output, result.output
    return result.output


@pytest.mark.parametrize("written", ["1:30", "1:30:00", "-2:05", "1:30.5", "010", "0755"])
def test_base_60_and_octal_numbers_are_text_not_another_number(profile, written):
    path = profile(("launch_weeks: 6", f"launch_weeks: {written}"))
    refused(run("validate", str(path)), f"p.yaml:16: context.launch_weeks: must be a whole number of 0 or more "
                                        f"(got '{written}')")


def test_a_time_in_a_text_field_stays_text(profile):
    path = profile(("name: Support ticket assistant", "name: 12:30"), ("summary: Summarize", "summary: 007 Summarize"))
    result = run("validate", str(path))
    assert result.exit_code == 0, result.output
    assert "project '12:30'" in result.output


@pytest.mark.parametrize("written, read", [("NO", "false"), ("yes", "true"), ("Off", "false"), ("12", "12"),
                                           ("1.5e+3", "1500.0"), ("0x1F", "31")])
def test_text_that_yaml_reads_as_another_type_gets_a_hint_to_quote_it(profile, written, read):
    path = profile(("name: Support ticket assistant", f"name: {written}"))
    hint = (f'write "{written}" in quotes to make it text' if written == read else
            f'YAML reads an unquoted {written} as {read}: write "{written}" in quotes to keep it as text')
    refused(run("validate", str(path)), f"p.yaml:6: project.name: must be a non-empty text (got {read}); {hint}")
    path.write_text(path.read_text().replace(f"name: {written}", f"name: \"{written}\""))
    assert run("validate", str(path)).exit_code == 0


def test_a_quoted_value_of_the_wrong_type_gets_no_quoting_hint(profile):
    output = refused(run("validate", str(profile(("has_eval_set: false", "has_eval_set: 'no'")))),
                     "context.has_eval_set: must be true or false (got 'no')")
    assert "in quotes" not in output


def test_the_hint_holds_in_rubrics_too(tmp_path):
    from advisor.resource import default_rubric_path

    rubric = tmp_path / "r.yaml"
    rubric.write_text(default_rubric_path().read_text().replace("name: default", "name: yes", 1))
    refused(run("rubric", "lint", str(rubric)), "name: must be text (got true); YAML reads an unquoted yes as true")


def test_a_tab_in_the_indentation_is_named(profile):
    path = profile(("  latency: 2", "\tlatency: 2"))
    refused(run("validate", str(path)),
            "p.yaml:11: a tab character at column 1: YAML does not allow tabs in indentation; indent with spaces")


def test_a_tab_after_a_colon_is_named(profile):
    path = profile(("  latency: 2", "  latency:\t2"))
    refused(run("validate", str(path)), "p.yaml:11: a tab character at column 11: YAML does not allow a tab here; "
                                        "use spaces")


def test_a_number_too_long_for_python_is_refused_in_our_words(profile):
    path = profile(("launch_weeks: 6", "launch_weeks: " + "9" * 5000))
    output = refused(run("validate", str(path)),
                     "p.yaml:16: invalid YAML: a number of 5,000 digits is too long (advisor reads numbers of up to")
    assert "sys." not in output and "set_int_max_str_digits" not in output


@pytest.fixture
def loop(tmp_path):
    def make(name: str) -> str:
        other = tmp_path / f"other-{name}"
        os.symlink(other, tmp_path / name)
        os.symlink(tmp_path / name, other)
        return str(tmp_path / name)
    return make


LOOP = "is a loop of symbolic links, which never reaches a file"


def test_a_loop_of_links_is_not_a_missing_file(profile, loop, tmp_path):
    good = str(profile())
    refused(run("validate", loop("profile.yaml")), f"profile.yaml: {LOOP}")
    refused(run("assess", good, "--rubric", loop("rubric.yaml")), f"rubric.yaml: {LOOP}")
    refused(run("assess", good, "--template", loop("report.md.j2"), "-o", str(tmp_path / "r.md")),
            f"report.md.j2: {LOOP}")
    refused(run("questionnaire", "--answers", loop("answers.yaml")), f"answers.yaml: {LOOP}")
    refused(run("calibration", loop("preds.npz")), f"preds.npz: {LOOP}")
    loop("attached.npz")
    attached = profile(("adaptation_tried: []", "adaptation_tried: []\nbaseline:\n  predictions: attached.npz"),
                       name="q.yaml")
    refused(run("validate", str(attached)), f"baseline.predictions: {LOOP}: attached.npz")
    assert "no such file" not in run("validate", str(attached)).output


def test_a_link_to_a_missing_file_says_so(tmp_path):
    os.symlink(tmp_path / "gone.yaml", tmp_path / "link.yaml")
    os.symlink(tmp_path / "gone.npz", tmp_path / "link.npz")
    refused(run("validate", str(tmp_path / "link.yaml")), "link.yaml: is a symbolic link to a file that does not exist")
    refused(run("calibration", str(tmp_path / "link.npz")),
            "link.npz: is a symbolic link to a file that does not exist")
