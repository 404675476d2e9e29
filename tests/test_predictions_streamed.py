"""File-backed inputs read block by block give the in-memory results (tiny blocks forced)."""

from __future__ import annotations

import gc
import json
import math
import tempfile
import tracemalloc
import zipfile

import numpy as np
import pytest

from advisor import calibration as cal

MEASURE = dict(n_bootstrap=20, n_consistency=20, folds=3, seed=1)


@pytest.fixture
def streaming():
    """Every 2-D file array is streamed, in blocks of a few rows."""
    with cal.config_context(stream_bytes=0, block_values=16):
        yield


def make(n=90, k=4, seed=0, dtype=np.float32):
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((n, k)) * 2.0
    p = np.exp(z - z.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    return rng.integers(0, k, n), p.astype(dtype), z.astype(dtype)


def flatten(value, prefix=""):
    if isinstance(value, dict):
        for key, item in value.items():
            yield from flatten(item, f"{prefix}.{key}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from flatten(item, f"{prefix}[{i}]")
    else:
        yield prefix, value


def assert_same_result(ours, theirs):
    ours, theirs = dict(flatten(ours)), dict(flatten(theirs))
    ours.pop(".source"), theirs.pop(".source")
    assert ours.keys() == theirs.keys()
    for key, value in theirs.items():
        if isinstance(value, float):
            assert ours[key] == pytest.approx(value, rel=1e-12, abs=1e-14), key
        else:
            assert ours[key] == value, key


def write_npy(tmp_path, labels, **scores):
    (kind, values), = scores.items()
    np.save(tmp_path / "m.labels.npy", labels)
    np.save(tmp_path / f"m.{kind}.npy", values)
    return tmp_path / "m.labels.npy"


@pytest.mark.parametrize("kind", ["probs", "logits"])
def test_npy_pair_streams_to_the_in_memory_result(tmp_path, streaming, kind):
    labels, probs, logits = make()
    scores = probs if kind == "probs" else logits
    preds = cal.load_predictions(write_npy(tmp_path, labels, **{kind: scores}))
    assert isinstance(preds, cal.StreamedPredictions) and preds.kind == kind
    in_memory = cal.from_arrays(labels, **{kind: scores})
    assert_same_result(cal.measure(preds, **MEASURE), cal.measure(in_memory, **MEASURE))


def test_streamed_predictions_have_no_score_array_and_say_how_to_read_them(tmp_path, streaming):
    labels, probs, _ = make(n=40, k=3, seed=12)
    preds = cal.load_predictions(write_npy(tmp_path, labels, probs=probs))
    assert isinstance(preds, cal.BasePredictions) and not isinstance(preds, cal.Predictions)
    for name in ("probs", "logits", "scores"):
        with pytest.raises(AttributeError, match=r"stay in the file .* preds\.blocks\(\), or call preds\.in_memory\(\)"):
            getattr(preds, name)
    assert (preds.n_samples, preds.n_classes) == (40, 3)
    loaded = preds.in_memory()
    assert isinstance(loaded, cal.Predictions) and loaded.kind == "probs"
    np.testing.assert_array_equal(loaded.probs, probs)
    np.testing.assert_array_equal(loaded.probs.sum(axis=1), probs.sum(axis=1))
    blocks = list(preds.blocks())
    assert len(blocks) == 8  # 5 rows of 3 values in a block of 16
    np.testing.assert_array_equal(np.concatenate([block for _, _, block in blocks]), probs)


def test_small_file_predictions_hold_their_scores_in_memory(tmp_path):
    labels, probs, _ = make(n=40, k=3, seed=12)
    preds = cal.load_predictions(write_npy(tmp_path, labels, probs=probs))
    assert isinstance(preds, cal.Predictions) and preds.in_memory() is preds
    np.testing.assert_array_equal(preds.probs.sum(axis=1), probs.sum(axis=1))


@pytest.mark.parametrize("compression", [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED])
def test_npz_members_stream_stored_and_compressed(tmp_path, streaming, compression):
    labels, probs, _ = make(n=70, k=3, seed=2)
    path = tmp_path / "p.npz"
    (np.savez if compression == zipfile.ZIP_STORED else np.savez_compressed)(path, labels=labels, probs=probs)
    preds = cal.load_predictions(path)
    assert isinstance(preds, cal.StreamedPredictions)
    assert (preds.rows.member is None) == (compression == zipfile.ZIP_STORED)
    in_memory = cal.from_arrays(labels, probs=probs)
    assert_same_result(cal.measure(preds, **MEASURE), cal.measure(in_memory, **MEASURE))


def test_row_file_indexing_matches_numpy(tmp_path, streaming):
    labels, probs, _ = make(n=25, k=3, seed=3)
    preds = cal.load_predictions(write_npy(tmp_path, labels, probs=probs))
    rows = preds.rows
    mask = np.arange(25) % 3 == 1
    assert rows.shape == (25, 3) and len(rows) == 25 and rows.ndim == 2
    np.testing.assert_array_equal(rows[4:19], probs[4:19])
    np.testing.assert_array_equal(rows[mask], probs[mask])
    np.testing.assert_array_equal(rows[np.array([20, 2, 7])], probs[[20, 2, 7]])
    np.testing.assert_array_equal(rows[3:9, 1], probs[3:9, 1])
    np.testing.assert_array_equal(rows[-1], probs[-1])
    np.testing.assert_array_equal(np.asarray(rows), probs)


def test_bad_row_in_a_later_block_of_a_file_is_named(tmp_path, streaming):
    labels, probs, _ = make(n=80, k=4, seed=4)
    probs[66, 3] = math.nan
    path = write_npy(tmp_path, labels, probs=probs)
    with pytest.raises(cal.PredictionsFormatError, match=r"m.labels.npy: row 67: probability is NaN \(column 3\)"):
        cal.load_predictions(path)


def test_compressed_member_error_names_the_row(tmp_path, streaming):
    labels, probs, _ = make(n=80, k=4, seed=5)
    probs[71] *= 1.01
    path = tmp_path / "bad.npz"
    np.savez_compressed(path, labels=labels, probs=probs)
    with pytest.raises(cal.PredictionsFormatError, match=r"bad.npz: row 72: probabilities sum to 1.01,"):
        cal.load_predictions(path)


def test_cli_streams_a_npy_pair(tmp_path, streaming):
    from click.testing import CliRunner

    from advisor.cli import main

    labels, probs, _ = make(n=60, k=5, seed=6)
    path = write_npy(tmp_path, labels, probs=probs)
    outcome = CliRunner().invoke(main, ["calibration", str(path), "--format", "json", "--folds", "0",
                                        "--bootstrap", "0", "--resamples", "0"])
    assert outcome.exit_code == 0, outcome.output
    import json

    result = json.loads(outcome.output)
    expected = cal.CalibrationAccumulator().update(labels, probs=probs).result()
    for key in ("accuracy", "ece", "mce", "nll", "brier"):
        assert result[key] == pytest.approx(expected[key], rel=1e-12)


# ---------------------------------------------------------------- CSV and JSONL

@pytest.fixture
def spill_dir(tmp_path, monkeypatch):
    """Text files of any size spill their scores to a temporary file, in blocks of a few rows."""
    folder = tmp_path / "spill"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    with cal.config_context(text_stream_bytes=0, block_values=16):
        yield folder


def write_csv(path, labels, scores, prefix="p", blank_every=0):
    names = ",".join(f"{prefix}{k}" for k in range(scores.shape[1])) if scores.ndim == 2 else prefix
    lines = [f"label,{names}"]
    for i, (label, row) in enumerate(zip(labels, scores, strict=True)):
        if blank_every and i % blank_every == 0:
            lines.append("")
        lines.append(",".join([str(label), *map(repr, np.atleast_1d(row).tolist())]))
    path.write_text("\n".join(lines) + "\n")
    return path


def write_jsonl(path, labels, key, scores):
    rows = (json.dumps({"label": int(y), key: s}) for y, s in zip(labels, scores.tolist(), strict=True))
    path.write_text("\n".join(rows) + "\n")
    return path


def in_memory(path):
    """The predictions loaded the small-file way (everything parsed into memory)."""
    with cal.config_context(text_stream_bytes=1 << 60):
        preds = cal.load_predictions(path)
    assert isinstance(preds.scores, np.ndarray)
    return preds


@pytest.mark.parametrize("fmt, kind", [("csv", "probs"), ("csv", "logits"), ("jsonl", "probs"),
                                       ("jsonl", "logits")])
def test_text_file_streams_to_the_in_memory_result(tmp_path, spill_dir, fmt, kind):
    labels, probs, logits = make(n=90, k=4, seed=7, dtype=np.float64)
    scores = probs if kind == "probs" else logits
    path = tmp_path / f"preds.{fmt}"
    if fmt == "csv":
        write_csv(path, labels, scores, "p" if kind == "probs" else "logit", blank_every=13)
    else:
        write_jsonl(path, labels, kind, scores)
    preds = cal.load_predictions(path)
    assert isinstance(preds, cal.StreamedPredictions)
    assert len(list(spill_dir.iterdir())) == 1
    np.testing.assert_array_equal(np.asarray(preds.rows), scores)  # repr() round-trips exactly
    np.testing.assert_array_equal(preds.labels, labels)
    assert_same_result(cal.measure(preds, **MEASURE), cal.measure(in_memory(path), **MEASURE))
    del preds
    gc.collect()
    assert list(spill_dir.iterdir()) == []  # the temporary file goes with the predictions


def test_binary_text_file_keeps_its_one_column_in_memory(tmp_path, spill_dir):
    rng = np.random.default_rng(8)
    p = rng.random(50)
    labels = (rng.random(50) < p).astype(int)
    preds = cal.load_predictions(write_csv(tmp_path / "b.csv", labels, p, prefix="prob"))
    assert isinstance(preds.probs, np.ndarray) and list(spill_dir.iterdir()) == []
    assert_same_result(cal.measure(preds, **MEASURE), cal.measure(cal.from_arrays(labels, probs=p), **MEASURE))


def first_error(path):
    with pytest.raises(cal.PredictionsFormatError) as caught:
        cal.load_predictions(path)
    return str(caught.value)


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_streamed_text_errors_are_the_in_memory_ones(tmp_path, spill_dir, fmt):
    labels, probs, _ = make(n=80, k=4, seed=9, dtype=np.float64)
    labels[70] = 4  # a label error after the value error: values are checked first, as in memory
    probs[66] *= 1.01
    path = tmp_path / f"bad.{fmt}"
    if fmt == "csv":
        write_csv(path, labels, probs, blank_every=10)  # rows 1, 11, 21, ... have a blank line before
        line = 66 + 1 + 7 + 1  # header, 7 blank lines before row 67, 1-based
    else:
        write_jsonl(path, labels, "probs", probs)
        line = 67
    message = first_error(path)
    assert message.startswith(f"{path}: line {line} (row 67): probabilities sum to 1.01, not 1")
    assert list(spill_dir.iterdir()) == []  # removed at once on an error
    with cal.config_context(text_stream_bytes=1 << 60):
        assert first_error(path) == message
    probs[66] /= 1.01
    path.unlink()
    (write_csv(path, labels, probs) if fmt == "csv" else write_jsonl(path, labels, "probs", probs))
    assert first_error(path) == f"{path}: line {71 + (fmt == 'csv')} (row 71): label 4 is outside 0..3 (4 classes)"


def test_parse_error_in_a_late_block_names_its_line(tmp_path, spill_dir):
    labels, probs, _ = make(n=60, k=3, seed=10, dtype=np.float64)
    path = write_csv(tmp_path / "late.csv", labels, probs)
    lines = path.read_text().splitlines()
    lines[55] = "1,x,0.5,0.5"  # row 55 (after the header line): p0 is not a number
    path.write_text("\n".join(lines) + "\n")
    assert first_error(path) == f"{path}: line 56 (row 55): p0: 'x' is not a number"
    assert list(spill_dir.iterdir()) == []


@cal.config_context(block_values=4096)
def test_streamed_text_memory_is_bounded(tmp_path):
    # 8,000 x 25 float64 scores are 1.6 MB: loaded whole they are held at least once;
    # streamed, memory is a few blocks of 4,096 values plus the per-row labels and lines
    labels, probs, _ = make(n=8000, k=25, seed=11, dtype=np.float64)
    path = write_csv(tmp_path / "big.csv", labels, probs)

    def peak(threshold):
        tracemalloc.start()
        try:
            with cal.config_context(text_stream_bytes=threshold):
                cal.load_predictions(path)
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    whole, streamed = peak(1 << 60), peak(0)
    assert whole > probs.nbytes
    assert streamed < probs.nbytes / 3
