"""Readers say what is really wrong: other delimiters, decimal commas, pandas' index column, JSONL traps."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from advisor import calibration as cal
from advisor.cli import main


def run(path, *options):
    return CliRunner().invoke(main, ["calibration", str(path), *options])


def error_of(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    result = run(path)
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith(f"Error: {path}: ") and result.stderr.count("\n") == 1, result.stderr
    assert "Traceback" not in result.output
    return result.stderr


@pytest.mark.parametrize("text, words", [
    ("label;p0;p1\n1;0.3;0.7\n", ["line 1: the columns are separated by semicolons (;), not commas"]),
    ("label;p0;p1\n1;0,3;0,7\n", ["separated by semicolons", "the numbers use a decimal comma (0,5)"]),
    ("label\tp0\tp1\n1\t0.3\t0.7\n", ["line 1: the columns are separated by tabs, not commas"]),
    ("confidence;correct\n0,8;1\n", ["separated by semicolons", "decimal comma"]),
    ('label,p0,p1\n1,"0,3","0,7"\n', [("line 2 (row 1): p0: '0,3' is not a number; the numbers seem to use "
                                       "a decimal comma (0,5): write them with a decimal point (0.5)")]),
    ("label,p0,p1\n1,0,3,0,7\n", [("line 2 (row 1): has 5 fields, expected 3 as in the header; "
                                  "the numbers seem to use a decimal comma")]),
    ('confidence,correct\n"0,8",1\n', [("line 2 (row 1): confidence '0,8' is not a number; the numbers seem "
                                        "to use a decimal comma")]),
])
def test_other_delimiters_and_decimal_commas_are_named(tmp_path, text, words):
    message = error_of(tmp_path, "p.csv", text)
    assert "must start with 'label'" not in message
    for word in words:
        assert word in message, message


@pytest.mark.parametrize("index_name", ["", "Unnamed: 0"])
def test_pandas_index_column_is_accepted(tmp_path, index_name):
    plain = tmp_path / "plain.csv"
    plain.write_text("label,p0,p1,segment\n1,0.3,0.7,x\n0,0.6,0.4,y\n0,0.2,0.8,x\n")
    indexed = tmp_path / "indexed.csv"
    indexed.write_text(f"{index_name},label,p0,p1,segment\n0,1,0.3,0.7,x\n1,0,0.6,0.4,y\n2,0,0.2,0.8,x\n")
    options = ["--format", "json", "--bootstrap", "20", "--resamples", "20"]
    expected, got = (json.loads(run(path, *options).output) for path in (plain, indexed))
    expected.pop("source"), got.pop("source")
    assert got == expected
    records = tmp_path / "records.csv"
    records.write_text(f"{index_name},confidence,correct\n0,0.9,1\n1,0.4,0\n")
    assert cal.load_predictions(records).confidence.tolist() == [0.9, 0.4]


def test_a_label_of_100000_digits_is_far_outside_the_class_range(tmp_path):
    message = error_of(tmp_path, "p.jsonl", '{"label": 0, "probs": [0.5, 0.5]}\n{"label": ' + "7" * 100_000
                       + ', "probs": [0.5, 0.5]}\n')
    assert "line 2 (row 2): label of 100,000 digits is far outside the class range" in message
    assert "not valid JSON" not in message and "sys." not in message and "int_max_str_digits" not in message


def test_long_integers_elsewhere_never_mention_python_internals(tmp_path):
    message = error_of(tmp_path, "r.jsonl", '{"confidence": ' + "9" * 5000 + ', "correct": 1}\n')
    assert "line 1 (row 1): confidence" in message and "outside [0, 1]" in message
    assert "sys." not in message and "digits" not in message.split("outside")[1]
    message = error_of(tmp_path, "c.jsonl", '{"confidence": 0.5, "correct": ' + "1" * 5000 + "}\n")
    assert "correct" in message and "is not 0/1 or true/false" in message and "sys." not in message


@pytest.mark.parametrize("line", ['{"label": 0, "probs": [0.5', '{"label": 0, "pro', '{"label": 0, "probs": [0.5, 0.5]'])
def test_a_truncated_jsonl_line_is_named_as_cut_short(tmp_path, line):
    message = error_of(tmp_path, "p.jsonl", '{"label": 1, "probs": [0.5, 0.5]}\n' + line + "\n")
    assert "line 2 (row 2): not valid JSON (the line ends before its JSON value does; was it cut short?)" in message
    assert "column 1" not in message


def test_a_bad_character_mid_line_still_gets_its_column(tmp_path):
    message = error_of(tmp_path, "p.jsonl", '{"label": 1, "probs": [0.5, 0.5]}\n{"label": 1, "probs": [0.5; 0.5]}\n')
    assert "line 2 (row 2): not valid JSON (Expecting ',' delimiter at column 27)" in message
