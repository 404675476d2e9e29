"""File-backed inputs read block by block give the in-memory results (tiny blocks forced)."""

from __future__ import annotations

import math
import zipfile

import numpy as np
import pytest

from advisor import calibration as cal
from advisor.calibration import block, data

MEASURE = dict(n_bootstrap=20, n_consistency=20, folds=3, seed=1)


@pytest.fixture
def streaming(monkeypatch):
    """Every 2-D file array is streamed, in blocks of a few rows."""
    monkeypatch.setattr(data, "STREAM_BYTES", 0)
    monkeypatch.setattr(block, "CHUNK_ELEMENTS", 16)


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
    assert isinstance(preds.scores, data.RowFile)
    in_memory = cal.from_arrays(labels, **{kind: scores})
    assert_same_result(cal.measure(preds, **MEASURE), cal.measure(in_memory, **MEASURE))


@pytest.mark.parametrize("compression", [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED])
def test_npz_members_stream_stored_and_compressed(tmp_path, streaming, compression):
    labels, probs, _ = make(n=70, k=3, seed=2)
    path = tmp_path / "p.npz"
    (np.savez if compression == zipfile.ZIP_STORED else np.savez_compressed)(path, labels=labels, probs=probs)
    preds = cal.load_predictions(path)
    assert isinstance(preds.probs, data.RowFile)
    assert (preds.probs.member is None) == (compression == zipfile.ZIP_STORED)
    in_memory = cal.from_arrays(labels, probs=probs)
    assert_same_result(cal.measure(preds, **MEASURE), cal.measure(in_memory, **MEASURE))


def test_row_file_indexing_matches_numpy(tmp_path, streaming):
    labels, probs, _ = make(n=25, k=3, seed=3)
    preds = cal.load_predictions(write_npy(tmp_path, labels, probs=probs))
    rows = preds.probs
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
