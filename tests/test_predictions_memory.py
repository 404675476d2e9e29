"""Memory bounds of ``advisor calibration``: every input is measured within a stated bound or refused.

What is bounded (module doc of :mod:`advisor.calibration.readers`, "Memory"): the memory a
whole input needs (labels, scores held in memory, their loading copies and
``ROW_BYTES`` per row for the measurement) against the ``memory_cap`` setting, worked
out from the headers; the classes against ``max_classes``; the per-class statistics
against ``classwise_bytes``. The limits are set low (:func:`cal.config_context`) so that every file here is small;
each refusal is checked through the CLI (exit 1, one ``Error:`` line naming the file
and the limit, no traceback), and each limit is checked from both sides.
"""

from __future__ import annotations

import json
import tracemalloc

import numpy as np
import pytest
from click.testing import CliRunner

from advisor import calibration as cal
from advisor.calibration import block
from advisor.calibration.config import DEFAULTS
from advisor.calibration.readers import jsonl
from advisor.calibration.readers.header import ROW_BYTES
from advisor.cli import main

FAST = ["--bootstrap", "20", "--resamples", "20", "--folds", "2"]
CAP = 1 << 20


def run(path, *options):
    return CliRunner().invoke(main, ["calibration", str(path), *options])


def refused(result, path) -> str:
    """The one Error line of a clean refusal naming ``path``."""
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.output
    assert "Traceback" not in result.output
    assert result.stderr.startswith(f"Error: {path}: ") and result.stderr.count("\n") == 1, result.stderr
    return result.stderr.strip()


def measured(path, *options) -> dict:
    result = run(path, "--format", "json", *FAST, *options)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def binary_rows(n: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    p = rng.random(n)
    return (rng.random(n) < p).astype(np.int64), p


# ---------------------------------------------------------------- the memory of a whole input

@cal.config_context(memory_cap=CAP)
def test_members_each_within_the_cap_are_refused_together_from_their_headers(tmp_path, inflated):
    """The reviewer's zip bomb, scaled down: int8 labels and a 1-D float64 probs, each small enough alone."""
    n = 8192  # each array alone needs 65,536 bytes widened: far under the cap
    path = tmp_path / "bomb.npz"
    np.savez_compressed(path, labels=np.zeros(n, np.int8), probs=np.full(n, 0.25))
    line = refused(run(path, *FAST), path)
    # labels 1 + 8 bytes a row; probs 8 + 8 (1 - p) + 16 (the [1-p, p] columns); 96 for the measurement
    assert line == (f"Error: {path}: 8,192 rows would need about 1,122,304 bytes of memory (labels 73,728 + "
                    "probs 262,144 + the measurement 786,432, at 96 bytes per row); the limit is 1,048,576 bytes")
    assert all(count <= 128 for count in inflated.values()), inflated  # only the headers were inflated


@cal.config_context(memory_cap=CAP, stream_bytes=1024)
def test_streamed_scores_still_count_their_rows(tmp_path):
    """Streamed 2-D scores cost no memory, but the measurement's per-row arrays do: a 2-D bomb is refused too."""
    n = 12_288
    path = tmp_path / "bomb2d.npz"
    np.savez_compressed(path, labels=np.zeros(n, np.int64), probs=np.full((n, 2), 0.5))
    line = refused(run(path, *FAST), path)
    assert ("12,288 rows would need about 1,376,256 bytes of memory (labels 196,608 + probs 0 (streamed) + "
            "the measurement 1,179,648, at 96 bytes per row); the limit is 1,048,576 bytes") in line


def write_pair(tmp_path, n):
    """Float labels (4 + 8 + 8 bytes a row) and int16 logits read whole (6, + 24 for the float64 copy)."""
    rng = np.random.default_rng(1)
    np.save(tmp_path / "m.labels.npy", rng.integers(0, 3, n).astype(np.float32))
    np.save(tmp_path / "m.logits.npy", rng.integers(-5, 6, (n, 3)).astype(np.int16))
    return tmp_path / "m.logits.npy"


@pytest.mark.parametrize("margin, works", [(0, True), (-1, False)])
def test_an_input_needing_exactly_the_cap_is_measured_as_before(tmp_path, margin, works):
    n = 300
    path = write_pair(tmp_path, n)
    before = measured(path)  # the default cap
    needed = n * (20 + 30 + ROW_BYTES)
    with cal.config_context(memory_cap=needed + margin):
        after = measured(path) if works else refused(run(path, *FAST), path)
    if works:
        assert after == before
    else:
        line = after
        assert f"300 rows would need about {needed:,} bytes of memory" in line
        assert f"the limit is {needed - 1:,} bytes" in line


def csv_binary(path, n):
    labels, p = binary_rows(n)
    path.write_text("label,prob\n" + "".join(f"{y},{float(q)!r}\n" for y, q in zip(labels, p, strict=True)))
    return path


def jsonl_three(path, n):
    rng = np.random.default_rng(2)
    probs = rng.dirichlet(np.ones(3), n)
    path.write_text("".join(json.dumps({"label": int(rng.integers(0, 3)), "probs": row.tolist()}) + "\n"
                            for row in probs))
    return path


# (builder, rows, bytes a row): text labels 24; binary scores 8 + 8 + 8 + 16; small 2-D scores 16 K
TEXT_CASES = [(csv_binary, "p.csv", 24 + 40 + ROW_BYTES), (jsonl_three, "p.jsonl", 24 + 48 + ROW_BYTES)]


@pytest.mark.parametrize("build, name, row_bytes", TEXT_CASES)
@cal.config_context(memory_cap=1 << 16)
def test_text_rows_beyond_the_cap_are_refused_at_their_line(tmp_path, build, name, row_bytes):
    most = (1 << 16) // row_bytes
    first_line = 2 if name.endswith(".csv") else 1
    fits = build(tmp_path / f"fits-{name}", most)
    assert run(fits, *FAST).exit_code == 0
    path = build(tmp_path / name, most + 1)
    line = refused(run(path, *FAST), path)
    assert line == (f"Error: {path}: line {most + first_line} (row {most + 1}): more than {most:,} rows: at about "
                    f"{row_bytes} bytes per row to load and measure, 65,536 bytes (the limit) hold no more")


@cal.config_context(memory_cap=1 << 16, text_stream_bytes=1)  # 2-D rows go to a temporary file
def test_spilled_text_rows_cost_no_score_memory(tmp_path):
    most = (1 << 16) // (24 + ROW_BYTES)
    assert run(jsonl_three(tmp_path / "fits.jsonl", most), *FAST).exit_code == 0
    path = jsonl_three(tmp_path / "p.jsonl", most + 1)
    assert f"more than {most:,} rows: at about {24 + ROW_BYTES} bytes per row" in refused(run(path, *FAST), path)


# ---------------------------------------------------------------- classes

@pytest.fixture
def eight_classes():
    with cal.config_context(max_classes=8):
        yield


def uniform(n, k):
    return np.full((n, k), 1.0 / k)


@pytest.mark.parametrize("k, works", [(8, True), (9, False)])
def test_classes_beyond_the_limit_are_refused_from_the_header(tmp_path, eight_classes, k, works):
    path = tmp_path / "wide.npz"
    np.savez_compressed(path, labels=np.zeros(4, np.int64), probs=uniform(4, k))
    result = run(path, *FAST)
    if works:
        assert result.exit_code == 0, result.output
    else:
        assert refused(result, path) == (f"Error: {path}: member 'probs': header declares shape (4, 9): 9 classes, "
                                         "more than the 8 advisor measures (MAX_CLASSES)")


def test_csv_header_with_too_many_columns_is_refused_at_line_1(tmp_path, eight_classes):
    path = tmp_path / "wide.csv"
    path.write_text("label," + ",".join(f"p{k}" for k in range(9)) + "\n0" + ",0.1" * 9 + "\n")
    assert refused(run(path, *FAST), path) == (f"Error: {path}: line 1: more than 9 fields: more classes than "
                                               "the 8 advisor measures (MAX_CLASSES)")


def test_csv_record_spanning_lines_is_counted_as_one(tmp_path, eight_classes):
    """Quoted line ends join lines into one record: its fields are counted across them, before csv splits it."""
    path = tmp_path / "spanning.csv"
    path.write_text('label,p0,p1\n0,"\na",1,2,3,4,"\nb",5,6,7\n')  # 1 + 5 + 3 commas in one record
    assert refused(run(path, *FAST), path) == (f"Error: {path}: line 4: more than 9 fields: more classes than "
                                               "the 8 advisor measures (MAX_CLASSES)")


def test_csv_commas_count_per_record(tmp_path, eight_classes):
    path = csv_binary(tmp_path / "long.csv", 50)  # far more than 8 commas in all, one a record
    assert run(path, *FAST).exit_code == 0


def test_jsonl_record_with_too_many_values_is_refused(tmp_path, eight_classes):
    path = tmp_path / "wide.jsonl"
    path.write_text(json.dumps({"label": 0, "probs": [1.0 / 9] * 9}) + "\n")
    assert refused(run(path, *FAST), path) == (f"Error: {path}: line 1 (row 1): 'probs' has 9 values: more "
                                               "classes than the 8 advisor measures (MAX_CLASSES)")


@cal.config_context(json_scan_chars=64)
def test_long_jsonl_line_is_refused_before_json_builds_its_items(tmp_path, monkeypatch, eight_classes):
    built = []
    monkeypatch.setattr(jsonl.json, "loads", lambda text: built.append(text))  # must not be reached
    path = tmp_path / "lists.jsonl"
    path.write_text('{"label": 0, "probs": [0.5, 0.5], "x": [' + ",".join(["[]"] * 17) + "]}\n")
    line = refused(run(path, *FAST), path)
    assert line == (f"Error: {path}: line 1 (row 1): at least 19 values or keys: far more than a record of "
                    "at most 8 classes (MAX_CLASSES) holds")
    assert built == []


@cal.config_context(json_scan_chars=64)
def test_commas_inside_json_strings_do_not_count(tmp_path, eight_classes):
    path = tmp_path / "text.jsonl"
    note = 'commas, "quoted, escaped", ' * 20
    path.write_text("".join(json.dumps({"label": y, "probs": [0.3, 0.7], "note": note}) + "\n" for y in (0, 1, 1)))
    assert run(path, *FAST).exit_code == 0


def test_from_arrays_refuses_too_many_classes(eight_classes):
    with pytest.raises(cal.PredictionsFormatError, match=r"probs has 9 columns: more classes than the 8 "):
        cal.from_arrays(np.zeros(2, int), probs=uniform(2, 9))


def test_max_classes_fits_one_block():
    """A row of the widest input fits one ordinary block (the smallest block is one row)."""
    assert DEFAULTS["max_classes"] <= DEFAULTS["block_values"]


# ---------------------------------------------------------------- class-wise statistics

@pytest.fixture
def three_classes(tmp_path):
    rng = np.random.default_rng(3)
    path = tmp_path / "three.npz"
    np.savez(path, labels=rng.integers(0, 3, 200), probs=rng.dirichlet(np.ones(3), 200))
    return path


@pytest.mark.parametrize("budget, kept", [(3 * 8 * 3 * 15, True), (3 * 8 * 3 * 15 - 1, False)])
def test_classwise_ece_is_skipped_with_a_note_over_its_budget(three_classes, budget, kept):
    before = measured(three_classes)
    assert before["classwise_ece"] is not None and before["notes"] == []
    with cal.config_context(classwise_bytes=budget):
        after = measured(three_classes)
        text = run(three_classes, *FAST).stdout
        markdown = run(three_classes, "--format", "markdown", *FAST).stdout
    if kept:
        assert after == before
        return
    note = ("class-wise ECE skipped: 3 classes x 15 bins of per-class statistics would need 1,080 bytes, "
            "more than the 1,079 allowed (CLASSWISE_BYTES); use fewer bins")
    assert after["classwise_ece"] is None and after["notes"] == [note]
    assert {**after, "classwise_ece": before["classwise_ece"], "notes": []} == before  # nothing else changes
    assert "class-wise ECE" in text and "n/a  skipped: see the note below" in text
    assert f"note: {note}" in text
    assert f"Note: {note}" in markdown


@cal.config_context(classwise_bytes=1079)
def test_accumulator_asked_for_too_large_classwise_statistics_raises():
    with pytest.raises(ValueError, match="3 classes x 15 bins of per-class statistics would need 1,080 bytes"):
        cal.classwise_ece([0, 1], probs=uniform(2, 3))


def test_sparse_class_sums_add_up_to_the_dense_definition():
    """Blocks hand over sparse sums; added up they are the (3, K, B) sums by definition."""
    rng = np.random.default_rng(4)
    p, labels, edges = rng.dirichlet(np.full(6, 0.3), 500), rng.integers(0, 6, 500), cal.width_edges(7)
    out = np.zeros((3, 6, 7))
    for rows in (slice(0, 200), slice(200, 500)):
        block.add_class_sums(out, block.class_sums(p[rows], labels[rows], edges))
    bins = cal.assign_bins(p, edges)
    for k in range(6):
        counts = np.bincount(bins[:, k], minlength=7)
        sums = np.bincount(bins[:, k], weights=p[:, k], minlength=7)
        hits = np.bincount(bins[:, k], weights=labels == k, minlength=7)
        np.testing.assert_array_equal(out[0, k], counts)
        np.testing.assert_allclose(out[1, k], sums, rtol=1e-12, atol=1e-12)
        np.testing.assert_array_equal(out[2, k], hits)


# ---------------------------------------------------------------- the measurement's rows

def test_isotonic_maps_keep_only_the_ends_of_their_steps():
    """Cross-fitting holds k x K maps: trimmed to their steps, they do not grow with N, and map the same."""
    rng = np.random.default_rng(5)
    scores = rng.random(20_000)
    targets = rng.random(20_000) < scores
    knots, values = cal.fit_isotonic(scores, targets)
    full = cal.pool_adjacent_violators(np.asarray(targets, float)[np.argsort(scores)])
    assert len(knots) < 2_000  # ~20,000 distinct scores
    grid = np.concatenate([np.linspace(-0.1, 1.1, 5001), scores])
    np.testing.assert_array_equal(cal.apply_isotonic(grid, knots, values),
                                  cal.apply_isotonic(grid, np.sort(scores), full))


def measure_peak(n: int, k: int, kind: str) -> int:
    """Peak bytes numpy allocated (tracemalloc) while measuring n rows, the rows themselves not counted."""
    rng = np.random.default_rng(6)
    scores = rng.normal(size=(n, k)) * 2
    if kind == "probs":
        scores = np.exp(scores) / np.exp(scores).sum(axis=1, keepdims=True)
    preds = cal.from_arrays(rng.integers(0, k, n), **{kind: scores})
    tracemalloc.start()
    try:
        held = tracemalloc.get_traced_memory()[0]
        cal.measure(preds, n_bootstrap=4, n_consistency=4, scheme="mass")
        return tracemalloc.get_traced_memory()[1] - held
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("k, kind", [(2, "probs"), (3, "logits")])
# one column at a time, as for N > 16 million
@cal.config_context(block_values=3000, pass_values=3000, warm_start_values=3000, isotonic_values=1)
def test_measure_needs_at_most_row_bytes_a_row(k, kind):
    """The per-row cost the memory check charges bounds what measure allocates per row.

    The fixed working space (blocks, warm-start sample, gathered isotonic columns) is
    shrunk, and the slope between two sizes is taken, so that one-off costs (lazy
    imports, small arrays) cancel out; numpy reports its allocations to tracemalloc.
    """
    measure_peak(1000, k, kind)  # lazy imports
    per_row = (measure_peak(60_000, k, kind) - measure_peak(20_000, k, kind)) / 40_000
    # measured about 58: five more float64 arrays per row held at the peak would break the bound
    assert ROW_BYTES / 2 <= per_row <= ROW_BYTES, per_row
