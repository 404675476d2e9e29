"""The Dask path gives the in-memory results (Dask's synchronous scheduler, small data)."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

da = pytest.importorskip("dask.array")

from helpers import overconfident  # noqa: E402

from advisor import calibration as cal  # noqa: E402
from advisor.calibration import dask as cal_dask  # noqa: E402

SYNC = "synchronous"
METRICS = ("n_samples", "n_classes", "accuracy", "ece", "mce", "nll", "brier")


def assert_same(result, expected):
    for key in METRICS:
        assert result[key] == pytest.approx(expected[key], rel=1e-12, abs=1e-12), key
    assert len(result["bins"]) == len(expected["bins"])
    for ours, theirs in zip(result["bins"], expected["bins"], strict=True):
        assert ours["count"] == theirs["count"]
        for key in ("lower", "upper", "confidence", "accuracy"):
            if theirs[key] is None:
                assert ours[key] is None
            else:
                assert ours[key] == pytest.approx(theirs[key], rel=1e-12, abs=1e-12)


def test_hand_computed_example_over_two_blocks():
    # Confidences 0.95, 0.85, 0.75, 0.65 fall in bins 14, 12, 11 and 9 of 15; only the
    # second prediction is wrong.
    probs = np.array([[0.95, 0.05], [0.85, 0.15], [0.25, 0.75], [0.35, 0.65]])
    labels = np.array([0, 1, 1, 1])
    result = cal_dask.calibration_metrics(labels, probs=da.from_array(probs, chunks=(2, 2)), scheduler=SYNC)
    assert result["accuracy"] == pytest.approx(0.75)
    assert result["ece"] == pytest.approx((0.05 + 0.85 + 0.25 + 0.35) / 4)
    assert result["mce"] == pytest.approx(0.85)
    assert result["nll"] == pytest.approx(-(math.log(0.95) + math.log(0.15) + math.log(0.75) + math.log(0.65)) / 4)
    assert result["brier"] == pytest.approx((0.005 + 1.445 + 0.125 + 0.245) / 4)
    assert [b["count"] for b in result["bins"]] == [0] * 9 + [1, 0, 1, 1, 0, 1]


@pytest.mark.parametrize("chunks", [(1000, 5), (137, 2), (999, 5), (1, 5)])
def test_probs_match_in_memory_for_any_chunking(chunks):
    labels, _, probs = overconfident(1000 if chunks[0] > 1 else 60, 5, seed=1)
    expected = cal.calibration_metrics(labels, probs=probs)
    result = cal_dask.calibration_metrics(labels, probs=da.from_array(probs, chunks=chunks), scheduler=SYNC)
    assert_same(result, expected)


def test_logits_and_dask_labels_match_in_memory():
    labels, logits, _ = overconfident(800, 4, seed=2)
    expected = cal.calibration_metrics(labels, logits=logits)
    result = cal_dask.calibration_metrics(da.from_array(labels, chunks=300),
                                          logits=da.from_array(logits, chunks=(250, 4)), scheduler=SYNC)
    assert_same(result, expected)


def test_binary_one_column_and_classwise():
    rng = np.random.default_rng(3)
    p = rng.random(500)
    labels = (rng.random(500) < p).astype(int)
    expected = cal.calibration_metrics(labels, probs=p)
    result = cal_dask.calibration_metrics(labels, probs=da.from_array(p, chunks=120), scheduler=SYNC)
    assert_same(result, expected)
    assert result["binary_positive_ece"] == pytest.approx(expected["binary_positive_ece"], abs=1e-12)

    labels3, _, probs3 = overconfident(400, 3, seed=4)
    whole = cal.CalibrationAccumulator(bins=15, classwise=True).update(labels3, probs=probs3).result()
    split = cal_dask.calibration_metrics(labels3, probs=da.from_array(probs3, chunks=(90, 3)),
                                         classwise=True, scheduler=SYNC)
    assert split["classwise_ece"] == pytest.approx(whole["classwise_ece"], abs=1e-12)


@settings(max_examples=15, deadline=None)
@given(cuts=st.lists(st.integers(1, 299), max_size=6, unique=True), bins=st.integers(1, 30))
def test_any_row_blocks_merge_to_the_in_memory_result(cuts, bins):
    labels, _, probs = overconfident(300, 3, seed=5)
    sizes = np.diff([0, *sorted(cuts), 300])
    result = cal_dask.calibration_metrics(labels, probs=da.from_array(probs, chunks=(tuple(sizes), 3)),
                                          bins=bins, scheduler=SYNC)
    assert_same(result, cal.calibration_metrics(labels, probs=probs, n_bins=bins))


def nll_slope(logits, labels, temperature):
    """dNLL/dT = mean(z_y - E_p[z]) / T^2, computed directly."""
    scaled = logits / temperature
    p = np.exp(scaled - scaled.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    rows = np.arange(len(labels))
    return float(np.mean(logits[rows, labels] - (p * logits).sum(axis=1)) / temperature**2)


def test_temperature_matches_in_memory_and_is_the_optimum():
    labels, logits, probs = overconfident(2000, 6, seed=6)
    expected = cal.fit_temperature(labels, logits=logits)
    result = cal_dask.fit_temperature(labels, logits=da.from_array(logits, chunks=(450, 6)), scheduler=SYNC)
    assert 1.5 < result < 2.5  # the data were made with the best T near 2
    assert result == pytest.approx(expected, rel=1e-9)
    assert abs(nll_slope(logits, labels, result)) < 1e-8
    from_probs = cal_dask.fit_temperature(labels, probs=da.from_array(probs, chunks=(700, 6)), scheduler=SYNC)
    assert from_probs == pytest.approx(cal.fit_temperature(labels, probs=probs), rel=1e-9)


def test_temperature_bounds():
    # Labels never the arg-max: confidence should shrink to nothing, so T hits the upper bound.
    logits = np.array([[3.0, 0.0], [0.0, 3.0]] * 10)
    labels = np.array([1, 0] * 10)
    assert cal_dask.fit_temperature(labels, logits=da.from_array(logits, chunks=7), scheduler=SYNC) == 100.0


def write_partition(folder, name, labels, **scores):
    kind, values = next(iter(scores.items()))
    np.save(folder / f"{name}.labels.npy", labels)
    np.save(folder / f"{name}.{kind}.npy", values)
    return folder / f"{name}.{kind}.npy"


def test_npy_partitions_match_the_concatenation(tmp_path):
    labels, logits, _ = overconfident(900, 4, seed=7)
    paths = [write_partition(tmp_path, f"part{i}", labels[s], logits=logits[s])
             for i, s in enumerate([slice(0, 200), slice(200, 650), slice(650, 900)])]
    result = cal_dask.measure(partitions=paths, scheduler=SYNC)
    assert_same(result, cal.calibration_metrics(labels, logits=logits))
    assert result["temperature"] == pytest.approx(cal.fit_temperature(labels, logits=logits), rel=1e-9)


def test_bad_block_names_its_row():
    _, _, probs = overconfident(100, 3, seed=8)
    probs[57, 0] = np.nan
    with pytest.raises(cal.PredictionsFormatError, match="row 58"):
        cal_dask.calibration_metrics(np.zeros(100, dtype=int), probs=da.from_array(probs, chunks=(25, 3)),
                                     scheduler=SYNC)


def test_bad_partition_names_its_file(tmp_path):
    labels, _, probs = overconfident(50, 3, seed=9)
    good = write_partition(tmp_path, "good", labels, probs=probs)
    bad = write_partition(tmp_path, "bad", np.full(50, 7), probs=probs)
    with pytest.raises(cal.PredictionsFormatError, match=r"bad\.probs\.npy"):
        cal_dask.calibration_metrics(partitions=[good, bad], scheduler=SYNC)


def test_length_mismatch_is_an_input_error():
    with pytest.raises(cal.PredictionsFormatError, match="length mismatch"):
        cal_dask.calibration_metrics(np.zeros(9, dtype=int), probs=da.full((10, 2), 0.5, chunks=5), scheduler=SYNC)


def write_parquet(path, labels, columns: dict, row_group_size=None):
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    table = pa.table({"label": labels, **columns})
    pq.write_table(table, path, row_group_size=row_group_size)
    return path


def parquet_parts(tmp_path, labels, scores, prefix, cuts, order=None):
    """Partitions part0.parquet, part1.parquet, ... holding rows ``cuts`` apart, columns in ``order``."""
    names = [f"{prefix}{k}" for k in range(scores.shape[1])]
    order = order or names
    paths = []
    for i, rows in enumerate(zip([0, *cuts], [*cuts, len(labels)], strict=True)):
        part = slice(*rows)
        columns = {name: scores[part, names.index(name)] for name in order}
        paths.append(write_parquet(tmp_path / f"part{i}.parquet", labels[part], columns, row_group_size=60))
    return paths


@cal.config_context(parquet_batch_values=4 * 37)  # batches of 37 rows inside each file
def test_parquet_partitions_match_in_memory(tmp_path):
    pytest.importorskip("pyarrow")
    labels, logits, probs = overconfident(700, 4, seed=10)
    # columns stored out of order: they are matched by name, not position
    paths = parquet_parts(tmp_path, labels, probs, "p", [150, 480], order=["p2", "p0", "p3", "p1"])
    result = cal_dask.measure(partitions=paths, classwise=True, scheduler=SYNC)
    expected = cal.CalibrationAccumulator(bins=15, classwise=True).update(labels, probs=probs).result()
    assert_same(result, expected)
    assert result["classwise_ece"] == pytest.approx(expected["classwise_ece"], rel=1e-12, abs=1e-12)
    assert result["temperature"] == pytest.approx(cal.fit_temperature(labels, probs=probs), rel=1e-9)

    logit_paths = parquet_parts(tmp_path, labels, logits.astype(np.float32), "logit", [333])
    result = cal_dask.calibration_metrics(partitions=logit_paths, scheduler=SYNC)
    assert_same(result, cal.calibration_metrics(labels, logits=logits.astype(np.float32)))


def test_binary_parquet_partitions_and_twelve_classes(tmp_path):
    pytest.importorskip("pyarrow")
    rng = np.random.default_rng(11)
    p = rng.random(300)
    labels = (rng.random(300) < p).astype(np.int32)
    paths = [write_parquet(tmp_path / f"b{i}.parquet", labels[s], {"prob": p[s]})
             for i, s in enumerate([slice(0, 120), slice(120, 300)])]
    result = cal_dask.calibration_metrics(partitions=paths, scheduler=SYNC)
    expected = cal.calibration_metrics(labels, probs=p)
    assert_same(result, expected)
    assert result["binary_positive_ece"] == pytest.approx(expected["binary_positive_ece"], abs=1e-12)

    labels12, _, probs12 = overconfident(200, 12, seed=12)
    # by name p10 sorts before p2: the classes must be ordered by number
    columns = {name: probs12[:, k] for k, name in sorted(enumerate(f"p{k}" for k in range(12)), key=lambda x: x[1])}
    path = write_parquet(tmp_path / "twelve.parquet", labels12, columns)
    assert_same(cal_dask.calibration_metrics(partitions=[path], scheduler=SYNC),
                cal.calibration_metrics(labels12, probs=probs12))


@cal.config_context(parquet_batch_values=3 * 10)  # the bad row is in a later batch
def test_bad_value_in_parquet_partition_names_file_and_row(tmp_path):
    pytest.importorskip("pyarrow")
    labels, _, probs = overconfident(90, 3, seed=13)
    probs = probs.copy()
    probs[30 + 24, 1] = 1.5  # row 25 of the second partition (rows 30..59)
    paths = parquet_parts(tmp_path, labels, probs, "p", [30, 60])
    with pytest.raises(cal.PredictionsFormatError) as caught:
        cal_dask.calibration_metrics(partitions=paths, scheduler=SYNC)
    assert str(caught.value) == f"{paths[1]}: row 25: probability 1.5 is greater than 1 (column 1)"


@pytest.mark.parametrize("columns, message", [
    ({"p0": [0.5], "p1": [0.5]}, "no 'label' column (found: p0, p1)"),
    ({"label": [0], "p0": [0.5], "p2": [0.5]}, "columns: after 'label' the columns must be"),
    ({"label": [0], "p0": ["a"], "p1": [0.5]}, "column 'p0' holds string, not numbers"),
    ({"label": [7], "p0": [0.5], "p1": [0.5]}, "row 1: label 7 is outside 0..1"),
])
def test_malformed_parquet_partition(tmp_path, columns, message):
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    path = tmp_path / "bad.parquet"
    pq.write_table(pa.table(columns), path)
    with pytest.raises(cal.PredictionsFormatError, match="^" + re.escape(f"{path}: ")) as caught:
        cal_dask.calibration_metrics(partitions=[path], scheduler=SYNC)
    assert message in str(caught.value)
