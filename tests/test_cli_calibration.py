"""The ``advisor calibration`` command: outputs, and one test per malformed input (section 4)."""

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from advisor.cli import main

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "predictions"
FAST = ["--bootstrap", "50", "--resamples", "50", "--folds", "3"]


def run(*args):
    return CliRunner().invoke(main, ["calibration", *map(str, args)])


def assert_input_error(result, *fragments):
    assert result.exit_code == 1, result.output
    text = result.output + (result.stderr if result.stderr_bytes is not None else "")
    assert "Error:" in text
    assert "Traceback" not in text
    for fragment in fragments:
        assert fragment in text, (fragment, text)


@pytest.mark.parametrize("name", ["overconfident.npz", "overconfident.csv", "overconfident.jsonl", "binary.csv"])
def test_examples_measure_as_json(name):
    result = run(EXAMPLES / name, "--format", "json", *FAST)
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    for key in ("n_samples", "n_classes", "accuracy", "ece", "mce", "nll", "brier", "temperature"):
        assert isinstance(data[key], (int, float)), key
    assert len(data["bins"]) == 15
    assert set(data["bins"][0]) >= {"lower", "upper", "count", "confidence", "accuracy"}  # at least (section 5)
    assert data["intervals"]["n_resamples"] == 50
    assert data["post_calibration"]["folds"] == 3


def test_text_csv_and_jsonl_examples_agree():
    csv = json.loads(run(EXAMPLES / "overconfident.csv", "--format", "json", *FAST).output)
    jsonl = json.loads(run(EXAMPLES / "overconfident.jsonl", "--format", "json", *FAST).output)
    for key in ("accuracy", "ece", "nll", "brier", "temperature"):
        assert csv[key] == pytest.approx(jsonl[key], abs=1e-9)


def test_text_and_markdown_formats():
    text = run(EXAMPLES / "overconfident.npz", *FAST)
    assert text.exit_code == 0 and "ECE (equal-width, 15 bins)" in text.output and "temperature" in text.output
    md = run(EXAMPLES / "overconfident.npz", "--format", "markdown", "--bins", "10", "--scheme", "mass", *FAST)
    assert md.exit_code == 0 and "| ECE (equal-mass, 10 bins) |" in md.output
    assert "Reliability bins (equal-mass):" in md.output


def test_mass_scheme_keeps_section_5_json_keys():
    width = json.loads(run(EXAMPLES / "overconfident.npz", "--format", "json", "--bins", "10", *FAST).output)
    mass = json.loads(run(EXAMPLES / "overconfident.npz", "--format", "json", "--bins", "10", "--scheme", "mass",
                          *FAST).output)
    for key in ("ece", "mce", "bins"):
        assert mass[key] == width[key], key
    assert mass["scheme"] == "mass" and mass["intervals"]["scheme"] == mass["significance"]["scheme"] == "mass"
    assert len(mass["mass_bins"]) == 10 and "mass_bins" not in width


def test_output_file_and_deterministic(tmp_path):
    out = tmp_path / "m.json"
    first = run(EXAMPLES / "binary.csv", "--format", "json", "-o", out, *FAST)
    assert first.exit_code == 0
    again = run(EXAMPLES / "binary.csv", "--format", "json", *FAST)
    assert out.read_text() == again.output


def test_failure_leaves_existing_output_untouched(tmp_path):
    out = tmp_path / "m.json"
    out.write_text("keep")
    bad = tmp_path / "bad.csv"
    bad.write_text("label,p0,p1\n0,0.5,0.6\n")
    assert_input_error(run(bad, "-o", out), "bad.csv")
    assert out.read_text() == "keep"


def write_npz(path, **arrays):
    np.savez(path, **arrays)
    return path


GOOD_PROBS = np.array([[0.7, 0.2, 0.1], [0.1, 0.8, 0.1], [0.3, 0.3, 0.4], [0.5, 0.25, 0.25]])
GOOD_LABELS = np.array([0, 1, 2, 0])


def bad_npz(tmp_path, row=None, col=None, value=None, labels=None, **extra):
    probs = GOOD_PROBS.copy()
    if row is not None:
        probs[row, col] = value
    arrays = {"labels": GOOD_LABELS if labels is None else labels, "probs": probs}
    arrays.update(extra)
    arrays = {k: v for k, v in arrays.items() if v is not None}
    return write_npz(tmp_path / "preds.npz", **arrays)


NPZ_CASES = {
    "nan": (dict(row=2, col=1, value=np.nan), ["preds.npz", "row 3", "NaN"]),
    "negative": (dict(row=1, col=2, value=-0.1), ["preds.npz", "row 2", "negative"]),
    "greater_than_one": (dict(row=3, col=0, value=1.5), ["preds.npz", "row 4", "greater than 1"]),
    "sum": (dict(row=1, col=1, value=0.6), ["preds.npz", "row 2", "sum to 0.8", "tolerance 1e-4"]),
    "label_range": (dict(labels=np.array([0, 1, 3, 0])), ["preds.npz", "row 3", "outside 0..2"]),
    "negative_label": (dict(labels=np.array([0, -1, 2, 0])), ["preds.npz", "row 2", "outside 0..2"]),
    "non_integer_label": (dict(labels=np.array([0.0, 1.0, 2.5, 0.0])), ["preds.npz", "row 3", "not an integer"]),
    "length": (dict(labels=np.array([0, 1, 2])), ["preds.npz", "length mismatch", "3 labels", "4 rows"]),
    "both": (dict(logits=np.zeros((4, 3))), ["preds.npz", "both 'probs' and 'logits'"]),
    "neither": (dict(probs=None), ["preds.npz", "neither 'probs' nor 'logits'"]),
    "no_labels": (dict(labels=None), ["preds.npz", "no 'labels'"]),
}


@pytest.mark.parametrize("case", sorted(NPZ_CASES))
def test_malformed_npz(tmp_path, case):
    kwargs, fragments = NPZ_CASES[case]
    kwargs = dict(kwargs)
    if "labels" in kwargs and kwargs["labels"] is None:
        path = write_npz(tmp_path / "preds.npz", probs=GOOD_PROBS)
    elif kwargs.get("probs", 1) is None:
        path = write_npz(tmp_path / "preds.npz", labels=GOOD_LABELS)
    else:
        path = bad_npz(tmp_path, **kwargs)
    assert_input_error(run(path), *fragments)


def test_fewer_than_two_classes(tmp_path):
    path = write_npz(tmp_path / "preds.npz", labels=np.zeros(3, dtype=int), probs=np.ones((3, 1)))
    assert_input_error(run(path), "preds.npz", "at least 2 classes")


def test_empty_npz(tmp_path):
    path = write_npz(tmp_path / "preds.npz", labels=np.zeros(0, dtype=int), probs=np.zeros((0, 3)))
    assert_input_error(run(path), "preds.npz", "no predictions")


def test_non_finite_logit(tmp_path):
    logits = np.zeros((3, 2))
    logits[1, 1] = np.inf
    path = write_npz(tmp_path / "preds.npz", labels=np.array([0, 1, 0]), logits=logits)
    assert_input_error(run(path), "preds.npz", "row 2", "not finite")


def test_missing_file(tmp_path):
    assert_input_error(run(tmp_path / "nowhere.npz"), "nowhere.npz", "not found")


def test_not_a_zip(tmp_path):
    path = tmp_path / "preds.npz"
    path.write_text("hello")
    assert_input_error(run(path), "preds.npz", "not a zip")


def test_unsupported_extension(tmp_path):
    path = tmp_path / "preds.txt"
    path.write_text("label,p0,p1\n")
    assert_input_error(run(path), "preds.txt", "unsupported file type")


CSV_CASES = {
    "sum": ("label,p0,p1\n0,0.5,0.5\n1,0.2,0.8\n0,0.5,0.43\n", ["line 4 (row 3)", "sum to 0.93, not 1"]),
    "nan": ("label,p0,p1\n0,0.5,0.5\n1,nan,0.8\n", ["line 3 (row 2)", "NaN"]),
    "negative": ("label,p0,p1\n0,-0.5,1.5\n", ["line 2 (row 1)", "negative"]),
    "above_one": ("label,prob\n0,0.5\n1,1.2\n", ["line 3 (row 2)", "greater than 1"]),
    "label_range": ("label,p0,p1\n0,0.5,0.5\n2,0.5,0.5\n", ["line 3 (row 2)", "outside 0..1"]),
    "label_text": ("label,p0,p1\n0,0.5,0.5\ncat,0.5,0.5\n", ["line 3 (row 2)", "'cat' is not an integer"]),
    "label_fraction": ("label,p0,p1\n1.5,0.5,0.5\n", ["line 2 (row 1)", "not an integer"]),
    "number": ("label,p0,p1\n0,0.5,abc\n", ["line 2 (row 1)", "p1: 'abc' is not a number"]),
    "ragged": ("label,p0,p1,p2\n0,0.2,0.3,0.5\n1,0.5,0.5\n", ["line 3 (row 2)", "has 3 fields, expected 4"]),
    "header": ("y,p0,p1\n0,0.5,0.5\n", ["line 1", "must start with 'label'"]),
    "one_class": ("label,p0\n0,1.0\n", ["at least 2 classes"]),
    "empty": ("", ["no predictions"]),
    "header_only": ("label,p0,p1\n", ["no predictions"]),
    "blank_lines_counted": ("label,p0,p1\n\n0,0.5,0.5\n\n1,0.9,0.2\n", ["line 5 (row 2)", "sum to 1.1"]),
}


@pytest.mark.parametrize("case", sorted(CSV_CASES))
def test_malformed_csv(tmp_path, case):
    text, fragments = CSV_CASES[case]
    path = tmp_path / "preds.csv"
    path.write_text(text)
    assert_input_error(run(path), "preds.csv", *fragments)


JSONL_CASES = {
    "bad_json": ('{"label": 0, "probs": [0.5, 0.5]}\n{"label": 1, "probs": [0.5, \n',
                 ["line 2 (row 2)", "not valid JSON"]),
    "not_object": ('[0, 0.5, 0.5]\n', ["line 1 (row 1)", "JSON object"]),
    "no_label": ('{"probs": [0.5, 0.5]}\n', ["line 1 (row 1)", "no 'label'"]),
    "both": ('{"label": 0, "probs": [0.5, 0.5], "logits": [1, 2]}\n', ["line 1 (row 1)", "exactly one"]),
    "neither": ('{"label": 0}\n', ["line 1 (row 1)", "exactly one"]),
    "ragged": ('{"label": 0, "probs": [0.5, 0.5]}\n{"label": 0, "probs": [0.2, 0.3, 0.5]}\n',
               ["line 2 (row 2)", "has 3 values", "expected 2"]),
    "mixed": ('{"label": 0, "probs": [0.5, 0.5]}\n{"label": 0, "logits": [0.2, 0.3]}\n',
              ["line 2 (row 2)", "line 1 uses 'probs'"]),
    "sum": ('{"label": 0, "probs": [0.5, 0.5]}\n\n{"label": 1, "probs": [0.5, 0.4]}\n',
            ["line 3 (row 2)", "sum to 0.9"]),
    "label_float": ('{"label": 0.5, "probs": [0.5, 0.5]}\n', ["line 1 (row 1)", "not an integer"]),
    "label_bool": ('{"label": true, "probs": [0.5, 0.5]}\n', ["line 1 (row 1)", "not an integer"]),
    "label_range": ('{"label": 0, "prob": 0.5}\n{"label": 4, "prob": 0.5}\n', ["line 2 (row 2)", "outside 0..1"]),
    "nan": ('{"label": 0, "logits": [0.5, NaN]}\n', ["line 1 (row 1)", "not finite"]),
    "one_class": ('{"label": 0, "probs": [1.0]}\n', ["at least 2 classes"]),
    "string_value": ('{"label": 0, "probs": [0.5, "0.5"]}\n', ["line 1 (row 1)", "probs[1]: '0.5' is not a number"]),
    "empty": ("\n\n", ["no predictions"]),
}


@pytest.mark.parametrize("case", sorted(JSONL_CASES))
def test_malformed_jsonl(tmp_path, case):
    text, fragments = JSONL_CASES[case]
    path = tmp_path / "preds.jsonl"
    path.write_text(text)
    assert_input_error(run(path), "preds.jsonl", *fragments)


def test_npy_set_is_memory_mapped_and_measured(tmp_path):
    np.save(tmp_path / "run.labels.npy", GOOD_LABELS)
    np.save(tmp_path / "run.probs.npy", GOOD_PROBS.astype(np.float32))
    result = run(tmp_path / "run.probs.npy", "--format", "json", *FAST)
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["n_samples"] == 4


def test_npy_without_labels(tmp_path):
    np.save(tmp_path / "run.probs.npy", GOOD_PROBS)
    assert_input_error(run(tmp_path / "run.probs.npy"), "run.probs.npy", "run.labels.npy is missing")


def test_usage_error_is_exit_2(tmp_path):
    result = run(EXAMPLES / "binary.csv", "--scheme", "diagonal")
    assert result.exit_code == 2


def error_line(result):
    """The one ``Error:`` line of a failed run."""
    assert result.exit_code == 1, result.output
    text = result.output + (result.stderr if result.stderr_bytes is not None else "")
    lines = {line for line in text.splitlines() if line.startswith("Error:")}  # output may repeat stderr
    assert len(lines) == 1, text
    return lines.pop()


@pytest.mark.parametrize("labels, expected", [
    (np.array([0.0, 1.5, 2.0, 0.0]), "row 2: label 1.5 is not an integer"),
    (np.array([0.0, 1.0, np.nan, 0.0]), "row 3: label nan is not an integer"),
    (np.array([True, False, True, False]), "labels must be integers; got an array of bool"),
])
def test_npz_label_errors_show_plain_values(tmp_path, labels, expected):
    path = bad_npz(tmp_path, labels=labels)
    assert error_line(run(path)) == f"Error: {path}: {expected}"


def test_npz_float32_value_is_shown_plainly(tmp_path):
    probs = GOOD_PROBS.astype(np.float32)
    probs[1] = [0.25, 0.5, 1.25]
    path = write_npz(tmp_path / "preds.npz", labels=GOOD_LABELS, probs=probs)
    assert error_line(run(path)) == f"Error: {path}: row 2: probability 1.25 is greater than 1 (column 2)"


TEXT_MESSAGES = {
    "label_true.jsonl": ('{"label": true, "probs": [0.5, 0.5]}\n', "line 1 (row 1): label true is not an integer"),
    "label_null.jsonl": ('{"label": null, "probs": [0.5, 0.5]}\n', "line 1 (row 1): label null is not an integer"),
    "label_half.jsonl": ('{"label": 1.5, "probs": [0.5, 0.5]}\n', "line 1 (row 1): label 1.5 is not an integer"),
    "label_list.jsonl": ('{"label": [1], "probs": [0.5, 0.5]}\n', "line 1 (row 1): label [1] is not an integer"),
    "value_null.jsonl": ('{"label": 0, "probs": [0.5, null]}\n', "line 1 (row 1): probs[1]: null is not a number"),
    "value_false.jsonl": ('{"label": 0, "prob": false}\n', "line 1 (row 1): prob[0]: false is not a number"),
    "value_object.jsonl": ('{"label": 0, "probs": [{"p": 1}, 0]}\n',
                           'line 1 (row 1): probs[0]: {"p": 1} is not a number'),
    "huge_label.jsonl": ('{"label": 100000000000000000000000, "prob": 0.5}\n',
                         # values from files are quoted in at most 20 characters
                         "line 1 (row 1): label 10000000000000000... is far outside the class range"),
    "label_half.csv": ("label,p0,p1\n1.5,0.5,0.5\n", "line 2 (row 1): label 1.5 is not an integer"),
    "label_text.csv": ("label,p0,p1\ncat,0.5,0.5\n", "line 2 (row 1): label 'cat' is not an integer"),
    "huge_label.csv": ("label,prob\n1e30,0.5\n", "line 2 (row 1): label 1e30 is far outside the class range"),
    "value_text.csv": ("label,p0,p1\n0,0.5,half\n", "line 2 (row 1): p1: 'half' is not a number"),
}


@pytest.mark.parametrize("name", sorted(TEXT_MESSAGES))
def test_text_errors_show_values_as_written(tmp_path, name):
    text, expected = TEXT_MESSAGES[name]
    path = tmp_path / name
    path.write_text(text)
    assert error_line(run(path)) == f"Error: {path}: {expected}"
