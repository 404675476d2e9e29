"""Parquet predictions files: the CSV layouts' columns, read in record batches with pyarrow (optional extra)."""

from __future__ import annotations

import builtins

import numpy as np
import pytest
from click.testing import CliRunner
from helpers import calibration_json

from advisor import calibration as cal
from advisor.cli import main

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")

FAST = ["--bootstrap", "40", "--resamples", "40", "--folds", "3"]


def run(path, *options):
    return CliRunner().invoke(main, ["calibration", str(path), *options])


def measured(path, *options):
    return calibration_json(path, *FAST, *options)


def class_rows(n=300, k=4, seed=0):
    rng = np.random.default_rng(seed)
    probs = rng.dirichlet(np.ones(k), size=n)
    labels = rng.integers(0, k, n)
    segments = rng.choice(["north", "south", "east"], size=n)
    return labels, probs, segments


def write_csv(path, labels, probs, segments):
    k = probs.shape[1]
    path.write_text("label," + ",".join(f"p{j}" for j in range(k)) + ",segment\n" + "".join(
        f"{y}," + ",".join(repr(float(v)) for v in row) + f",{s}\n" for y, row, s in zip(labels, probs, segments, strict=True)))


def test_class_predictions_read_in_batches_equal_the_csv(tmp_path):
    labels, probs, segments = class_rows()
    csv_path = tmp_path / "p.csv"
    write_csv(csv_path, labels, probs, segments)
    # columns in any order, several row groups
    table = pa.table({"segment": segments, **{f"p{j}": probs[:, j] for j in (3, 1, 0, 2)}, "label": labels})
    path = tmp_path / "p.parquet"
    pq.write_table(table, path, row_group_size=37)
    expected = measured(csv_path, "--target-accuracy", "0.5")
    with cal.config_context(parquet_batch_values=50):  # batches of 10 rows
        assert measured(path, "--target-accuracy", "0.5") == expected
    with cal.config_context(text_stream_bytes=0):  # scores go through a temporary file
        preds = cal.load_predictions(path)
        assert isinstance(preds, cal.StreamedPredictions)
        assert measured(path, "--target-accuracy", "0.5") == expected


def test_records_with_empty_confidences(tmp_path):
    path = tmp_path / "r.parquet"
    pq.write_table(pa.table({"correct": [True, False, True, True], "confidence": [0.9, None, 0.4, 0.8],
                             "segment": pa.array([1, 2, 2, 1])}), path)
    records = cal.load_predictions(path)
    assert isinstance(records, cal.Records) and records.n_without_confidence == 1
    assert records.confidence.tolist() == [0.9, 0.4, 0.8]
    data = measured(path)
    assert data["input"] == "confidence" and data["n_samples"] == 3
    assert [s["name"] for s in data["segments"]] == ["1", "2"]
    csv_path = tmp_path / "r.csv"
    csv_path.write_text("confidence,correct,segment\n0.9,1,1\n,0,2\n0.4,1,2\n0.8,1,1\n")
    assert measured(csv_path) == data


def test_pandas_index_column_is_skipped(tmp_path):
    path = tmp_path / "r.parquet"
    pq.write_table(pa.table({"confidence": [0.9, 0.4], "correct": [1, 0], "__index_level_0__": [7, 9]}), path)
    assert cal.load_predictions(path).confidence.tolist() == [0.9, 0.4]


@pytest.mark.parametrize("columns, fragment", [
    ({"label": pa.array([0, None, 1]), "prob": [0.2, 0.3, 0.9]}, "row 2: the label is empty"),
    ({"confidence": [0.5, 0.6], "correct": pa.array([True, None])}, "row 2: correct is empty"),
    ({"confidence": [0.5, 0.6], "correct": [1, 0], "segment": pa.array(["a", None])}, "row 2: the segment name is empty"),
    ({"confidence": [0.5, 0.6], "correct": [1, 0], "segment": ["a", " "]}, "row 2: the segment name is empty"),
    ({"confidence": [0.5, 1.6], "correct": [1, 0]}, "row 2: confidence 1.6 is outside [0, 1]"),
    ({"confidence": [0.5, 0.6], "correct": [1, 5]}, "row 2: correct 5 is not 0/1 or true/false"),
    ({"confidence": ["high", "low"], "correct": [1, 0]}, "columns: column 'confidence' holds string, not numbers"),
    ({"label": [0, 1], "p0": [0.2, 0.5], "p1": [0.8, 0.6]}, "row 2: probabilities sum to 1.1, not 1"),
    ({"label": [0, 1], "score": [0.2, 0.5]}, "columns: after 'label' the columns must be"),
    ({"confidence": pa.array([], pa.float64()), "correct": pa.array([], pa.bool_())}, "no predictions (0 rows)"),
])
def test_bad_parquet_files_name_the_row(tmp_path, columns, fragment):
    path = tmp_path / "bad.parquet"
    pq.write_table(pa.table(columns), path)
    result = run(path)
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith(f"Error: {path}: ") and fragment in result.stderr, result.stderr


def test_not_a_parquet_file(tmp_path):
    path = tmp_path / "bad.parquet"
    path.write_bytes(b"PAR1 this is not really parquet")
    result = run(path)
    assert result.exit_code == 1 and "not a valid Parquet file" in result.stderr, result.stderr


def test_without_pyarrow_the_error_names_the_extra(tmp_path, monkeypatch):
    path = tmp_path / "r.parquet"
    pq.write_table(pa.table({"confidence": [0.9], "correct": [1]}), path)
    real_import = builtins.__import__

    def no_pyarrow(name, *args, **kwargs):
        if name == "pyarrow" or name.startswith("pyarrow."):
            raise ImportError("No module named 'pyarrow'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_pyarrow)
    result = run(path)
    assert result.exit_code == 1
    assert result.stderr == (f"Error: {path}: reading Parquet files needs pyarrow, which is not installed: "
                             "pip install 'advisor[parquet]'\n")


def test_memory_is_checked_from_the_footer(tmp_path):
    path = tmp_path / "r.parquet"
    pq.write_table(pa.table({"confidence": np.full(1000, 0.5), "correct": np.ones(1000, dtype=bool)}), path)
    with cal.config_context(memory_cap=10_000), pytest.raises(
            cal.PredictionsFormatError, match=r"1,000 rows would need about .* the limit is 10,000 bytes"):
        cal.load_predictions(path)
