"""Records (confidence, correct) and segments in every layout: the readers agree, and bad records name their row."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner
from helpers import calibration_json

from advisor import calibration as cal
from advisor.cli import main

FAST = ["--bootstrap", "50", "--resamples", "50", "--folds", "2"]
CONF = [0.9, 0.8, None, 0.65, 0.3, 1.0, 0.0, 0.55]
CORRECT = [1, 0, 1, 1, 0, 1, 0, 1]
SEGMENTS = ["b", "a", "b", "10", "2", "a", "b", "10"]


def run(path, *options):
    return CliRunner().invoke(main, ["calibration", str(path), *options])


def write_csv(path, conf=CONF, correct=CORRECT, segments=SEGMENTS, header="confidence,correct,segment"):
    rows = ["" if c is None else repr(c) for c in conf]
    body = "".join(f"{c},{ok},{s}\n" for c, ok, s in zip(rows, correct, segments, strict=True))
    path.write_text(header + "\n" + body)
    return path


def write_jsonl(path, conf=CONF, correct=CORRECT, segments=SEGMENTS):
    path.write_text("".join(json.dumps({"confidence": c, "correct": bool(ok), "segment": s}) + "\n"
                            for c, ok, s in zip(conf, correct, segments, strict=True)))
    return path


def write_npz(path, conf=CONF, correct=CORRECT, segments=SEGMENTS):
    np.savez(path, confidence=np.array([np.nan if c is None else c for c in conf]),
             correct=np.array(correct, dtype=bool), segment=np.array(segments))
    return path


def measured(path, *options):
    return calibration_json(path, *FAST, *options)


def test_the_three_record_layouts_measure_alike(tmp_path):
    results = [measured(write(tmp_path / f"r.{ext}")) for write, ext in
               ((write_csv, "csv"), (write_jsonl, "jsonl"), (write_npz, "npz"))]
    assert results[0] == results[1] == results[2]
    data = results[0]
    # the row without a confidence is counted, not measured
    assert data["n_samples"] == 7 and data["n_without_confidence"] == 1
    assert data["accuracy"] == 4 / 7
    assert "1 row(s) had no confidence and are not measured" in data["notes"]


def test_records_object_from_the_readers(tmp_path):
    records = cal.load_predictions(write_csv(tmp_path / "r.csv"))
    assert isinstance(records, cal.Records)
    assert records.confidence.tolist() == [0.9, 0.8, 0.65, 0.3, 1.0, 0.0, 0.55]
    assert records.correct.tolist() == [True, False, True, False, True, False, True]
    assert [records.segments.names[c] for c in records.segments.codes] == ["b", "a", "10", "2", "a", "b", "10"]


@pytest.mark.parametrize("word, flag", [("1", True), ("0", False), ("true", True), ("False", False),
                                        ("TRUE", True), ("1.0", True), ("0.0", False)])
def test_correct_spellings(tmp_path, word, flag):
    path = tmp_path / "r.csv"
    path.write_text(f"confidence,correct\n0.7,{word}\n0.6,1\n")
    assert cal.load_predictions(path).correct[0] == flag


BAD_RECORDS = {
    "confidence above 1 (csv)": ("r.csv", "confidence,correct\n0.5,1\n1.5,0\n",
                                 "line 3 (row 2): confidence '1.5' is outside [0, 1]"),
    "negative confidence (jsonl)": ("r.jsonl", '{"confidence": 0.5, "correct": 1}\n{"confidence": -0.1, "correct": 0}\n',
                                    "line 2 (row 2): confidence -0.1 is outside [0, 1]"),
    "infinite confidence (csv)": ("r.csv", "confidence,correct\ninf,1\n", "line 2 (row 1): confidence 'inf' is outside"),
    "correct is 2 (csv)": ("r.csv", "confidence,correct\n0.5,2\n", "line 2 (row 1): correct '2' is not 0/1 or true/false"),
    "correct is yes (jsonl)": ("r.jsonl", '{"confidence": 0.5, "correct": "yes"}\n',
                               "line 1 (row 1): correct 'yes' is not 0/1 or true/false"),
    "correct is null (jsonl)": ("r.jsonl", '{"confidence": 0.5, "correct": null}\n',
                                "line 1 (row 1): correct null is not 0/1 or true/false"),
    "correct is empty (csv)": ("r.csv", "confidence,correct\n0.5,\n", "line 2 (row 1): correct '' is not 0/1"),
    "empty segment (csv)": ("r.csv", "confidence,correct,segment\n0.5,1,a\n0.5,1,\n",
                            "line 3 (row 2): the segment name is empty"),
    "blank segment (jsonl)": ("r.jsonl", '{"confidence": 0.5, "correct": 1, "segment": "  "}\n',
                              "line 1 (row 1): the segment name is empty"),
    "null segment (jsonl)": ("r.jsonl", '{"confidence": 0.5, "correct": 1, "segment": null}\n',
                             "line 1 (row 1): the segment name is empty"),
    "fraction segment (jsonl)": ("r.jsonl", '{"confidence": 0.5, "correct": 1, "segment": 1.5}\n',
                                 "line 1 (row 1): segment 1.5 is neither text nor an integer"),
    "confidence not a number": ("r.csv", "confidence,correct\nhigh,1\n", "line 2 (row 1): confidence 'high' is not a number"),
    "no confidence key": ("r.jsonl", '{"correct": 1}\n', "line 1 (row 1): no 'confidence' (write null when"),
    "every confidence empty": ("r.csv", "confidence,correct\n,1\n,0\n", "no row has a confidence (all 2 are empty)"),
    "records then classes (jsonl)": ("r.jsonl", '{"confidence": 0.5, "correct": 1}\n{"label": 0, "probs": [1, 0]}\n',
                                     "line 2 (row 2): mixes class predictions and records"),
    "segment on some lines only": ("r.jsonl", ('{"confidence": 0.5, "correct": 1, "segment": "a"}\n'
                                               '{"confidence": 0.5, "correct": 1}\n'),
                                   "line 2 (row 2): has no 'segment' but line 1 has one"),
}


@pytest.mark.parametrize("name", BAD_RECORDS)
def test_bad_records_exit_1_naming_the_row(tmp_path, name):
    file_name, text, fragment = BAD_RECORDS[name]
    path = tmp_path / file_name
    path.write_text(text)
    result = run(path)
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith(f"Error: {path}: ") and "Traceback" not in result.output
    assert fragment in result.stderr, result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize("arrays, fragment", [
    ({"confidence": np.array([0.5, 1.2]), "correct": np.array([1, 0])}, "row 2: confidence 1.2 is outside [0, 1]"),
    ({"confidence": np.array([0.5, 0.2]), "correct": np.array([1, 3])}, "row 2: correct 3 is not 0/1 or true/false"),
    ({"confidence": np.array([0.5, 0.2]), "correct": np.array([1, 0]), "segment": np.array(["a", ""])},
     "row 2: the segment name is empty"),
    ({"confidence": np.array([0.5, 0.2]), "correct": np.array([1, 0]), "segment": np.array([0.5, 1.5])},
     "member 'segment': holds floating-point numbers (dtype float64), not text or integers"),
    ({"confidence": np.array([0.5, 0.2])}, "has no 'correct' array"),
    ({"confidence": np.array([0.5, 0.2]), "correct": np.array([1, 0, 1])}, "length mismatch: 2 confidences but 3"),
    ({"labels": np.array([0, 1]), "probs": np.array([0.4, 0.7]), "segment": np.array(["a"])},
     "length mismatch: 2 labels but 1 segments"),
])
def test_bad_npz_records_and_segments(tmp_path, arrays, fragment):
    path = tmp_path / "r.npz"
    np.savez(path, **arrays)
    result = run(path)
    assert result.exit_code == 1 and fragment in result.stderr, result.stderr


PROBS = [[0.7, 0.3], [0.2, 0.8], [0.45, 0.55], [0.9, 0.1], [0.6, 0.4], [0.35, 0.65]]
LABELS = [0, 1, 0, 0, 1, 1]
CLASS_SEGMENTS = [3, 10, 3, 2, 10, 10]


@pytest.mark.parametrize("layout", ["csv", "csv-segment-first", "jsonl", "npz", "npz-text"])
def test_segments_of_class_predictions_in_every_layout(tmp_path, layout):
    if layout.startswith("csv"):
        path = tmp_path / "p.csv"
        if layout == "csv":
            path.write_text("label,p0,p1,segment\n" + "".join(
                f"{y},{p[0]},{p[1]},{s}\n" for y, p, s in zip(LABELS, PROBS, CLASS_SEGMENTS, strict=True)))
        else:
            path.write_text("segment,label,p0,p1\n" + "".join(
                f"{s},{y},{p[0]},{p[1]}\n" for y, p, s in zip(LABELS, PROBS, CLASS_SEGMENTS, strict=True)))
    elif layout == "jsonl":
        path = tmp_path / "p.jsonl"
        path.write_text("".join(json.dumps({"label": y, "probs": p, "segment": s}) + "\n"
                                for y, p, s in zip(LABELS, PROBS, CLASS_SEGMENTS, strict=True)))
    else:
        path = tmp_path / "p.npz"
        segment = np.array(CLASS_SEGMENTS) if layout == "npz" else np.array([str(s) for s in CLASS_SEGMENTS])
        np.savez(path, labels=np.array(LABELS), probs=np.array(PROBS), segment=segment)
    data = measured(path)
    # sorted by name as text: "10" < "2" < "3"
    assert [s["name"] for s in data["segments"]] == ["10", "2", "3"]
    assert [s["n_samples"] for s in data["segments"]] == [3, 1, 2]
    # segment 10: rows 2, 5, 6 predict 1, 0, 1 against labels 1, 1, 1
    assert data["segments"][0]["accuracy"] == 2 / 3


def test_without_segments_the_keys_are_null(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("confidence,correct\n0.7,1\n0.6,0\n")
    data = measured(path)
    assert data["segments"] is None and data["segment_summary"] is None and data["selective"] is None


def test_npy_pair_with_a_segment_file(tmp_path):
    np.save(tmp_path / "m.labels.npy", np.array(LABELS))
    np.save(tmp_path / "m.probs.npy", np.array(PROBS))
    np.save(tmp_path / "m.segment.npy", np.array(CLASS_SEGMENTS))
    for given in ("m.labels.npy", "m.probs.npy", "m.segment.npy"):
        data = measured(tmp_path / given)
        assert [s["name"] for s in data["segments"]] == ["10", "2", "3"]
    assert sorted({p.name for p in cal.input_files(tmp_path / "m.probs.npy")}) == [
        "m.labels.npy", "m.probs.npy", "m.segment.npy"]
    np.save(tmp_path / "m.segment.npy", np.array(["a", "b", "", "a", "b", "a"]))
    result = run(tmp_path / "m.labels.npy")
    assert result.exit_code == 1 and "row 3: the segment name is empty" in result.stderr
    np.save(tmp_path / "m.segment.npy", np.array([0.5] * 6))
    result = run(tmp_path / "m.labels.npy")
    assert result.exit_code == 1 and "m.segment.npy" in result.stderr and "segment must be text or integers" in result.stderr, result.stderr
