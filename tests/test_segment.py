"""Segments (interface section 8): per-segment accuracy and ECE, the worst segment, small segments."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_bin_interval import Z95, loop_wilson
from test_record_metric import loop_metrics

from advisor.calibration import segment

CONF = [0.9, 0.8, 0.6, 0.95, 0.7, 0.3]
CORRECT = [True, False, True, True, False, False]
SEGMENTS = ["b", "a", "b", "10", "2", "a"]


def test_hand_computed_segments_sorted_as_text():
    table = segment.segment_table(CONF, CORRECT, SEGMENTS, n_bins=10, target_accuracy=0.5, min_samples=2,
                                  n_resamples=0)
    assert [e["name"] for e in table] == ["10", "2", "a", "b"]
    assert [e["n_samples"] for e in table] == [1, 1, 2, 2]
    assert [e["accuracy"] for e in table] == [1.0, 0.0, 0.0, 1.0]
    assert [e["errors"] for e in table] == [0, 1, 2, 0]
    # 10: |1 - 0.95|; 2: |0 - 0.7|; a: (0.8 + 0.3) / 2 in two bins; b: (0.1 + 0.4) / 2
    assert [e["ece"] for e in table] == pytest.approx([0.05, 0.7, 0.55, 0.25], abs=1e-15)
    assert [e["small"] for e in table] == [True, True, False, False]
    assert [e["below_target"] for e in table] == [False, True, True, False]
    assert table[2]["accuracy_interval"] == [0.0, pytest.approx(Z95 ** 2 / (2 + Z95 ** 2), abs=1e-15)]
    assert table[0]["ece_interval"] is None and table[0]["ece_if_calibrated"] is None


def test_hand_computed_worst_segment_and_share():
    table = segment.segment_table(CONF, CORRECT, SEGMENTS, n_bins=10, min_samples=2, n_resamples=0)
    worst = segment.worst_segment(table, 0.5)
    # "2" has accuracy 0 too but is small: flagged, never ranked
    assert worst["name"] == "a" and worst["accuracy"] == 0.0 and worst["below_target"] is True
    assert worst["clearly_below"] is False  # the Wilson upper end of 0/2 is 0.658 > 0.5
    assert segment.worst_segment(table, 0.7)["clearly_below"] is True  # 0.658 < 0.7
    assert segment.worst_segment(table)["below_target"] is None
    # 3 errors, "a" holds 2 of them and 2 of the 6 rows
    assert segment.worst_share(table) == {"segments": ["a"], "count": 1, "error_share": 2 / 3, "row_share": 2 / 6}
    everything_small = segment.segment_table(CONF, CORRECT, SEGMENTS, min_samples=3, n_resamples=0)
    assert segment.worst_segment(everything_small, 0.5) is None and segment.worst_share(everything_small) is None


def test_clearly_below_when_the_interval_is_under_the_target():
    conf = np.full(200, 0.9)
    correct = np.arange(200) % 10 < 7  # 70% in both segments
    correct[100:] = np.arange(100) % 10 < 9  # segment "y": 90%
    names = np.array(["x"] * 100 + ["y"] * 100)
    table = segment.segment_table(conf, correct, names, n_resamples=0)
    worst = segment.worst_segment(table, 0.85)
    assert worst["name"] == "x" and worst["clearly_below"] is True
    assert worst["accuracy_interval"][1] == pytest.approx(loop_wilson(70, 100)[1], abs=1e-12)


def test_integer_segments_are_named_by_their_text():
    names, codes = segment.segment_codes(np.array([10, 2, 2, 1, -3]))
    assert names == ["-3", "1", "10", "2"]
    assert codes.tolist() == [2, 3, 3, 1, 0]
    assert segment.segment_codes(np.array(["b", "a", "b"]))[0] == ["a", "b"]
    mixed_names, mixed = segment.segment_codes(np.array([3, "3", "x"], dtype=object))
    assert mixed_names == ["3", "x"] and mixed.tolist() == [0, 0, 1]


def loop_resampled(conf, correct, n_bins, n_resamples, seed):
    """One resample at a time from the same generator, ECE by the section-5 loop."""
    rng = np.random.default_rng(seed)
    n = len(conf)
    boot = []
    for _ in range(n_resamples):
        draw = rng.integers(0, n, size=n)
        boot.append(loop_metrics([conf[i] for i in draw], [correct[i] for i in draw], n_bins)[0])
    consistency = []
    for _ in range(n_resamples):
        redrawn = rng.random(n) < np.asarray(conf)
        consistency.append(loop_metrics(conf, redrawn.tolist(), n_bins)[0])
    return boot, consistency


def test_resampling_agrees_with_a_loop(monkeypatch):
    rng = np.random.default_rng(5)
    conf = rng.random(23).round(2).tolist()
    correct = (rng.random(23) < 0.6).tolist()
    monkeypatch.setattr(segment, "RESAMPLE_ELEMENTS", 23 * 7)  # blocks of 7 resamples: the stream continues
    boot, calibrated = segment.resampled_eces(conf, correct, 10, 30, 11)
    loop_boot, loop_calibrated = loop_resampled(conf, correct, 10, 30, 11)
    assert boot == pytest.approx(loop_boot, abs=1e-12)
    assert calibrated == pytest.approx(loop_calibrated, abs=1e-12)


def test_segment_intervals_use_each_segments_own_seed():
    rng = np.random.default_rng(2)
    conf = rng.random(400)
    correct = rng.random(400) < conf
    names = np.where(np.arange(400) < 150, "p", "q")
    table = segment.segment_table(conf, correct, names, n_resamples=200, seed=4)
    for i, entry in enumerate(table):
        rows = names == entry["name"]
        boot, calibrated = segment.resampled_eces(conf[rows], correct[rows], 15, 200, np.random.SeedSequence([4, i]))
        same = segment.segment_resamples(conf[rows], correct[rows], 15, 200, np.random.SeedSequence([4, i]))
        assert same[0].tolist() == boot.tolist() and same[1].tolist() == calibrated.tolist()  # small: row by row
        assert entry["ece_interval"] == [np.percentile(boot, 2.5), np.percentile(boot, 97.5)]
        assert entry["ece_if_calibrated"] == pytest.approx(np.mean(calibrated), abs=1e-15)
        assert entry["ece_interval"][0] <= entry["ece"] + 0.05 and entry["ece_if_calibrated"] > 0
    # a segment's numbers do not depend on the rows of the other segment
    alone = segment.segment_table(conf[names == "p"], correct[names == "p"], names[names == "p"],
                                  n_resamples=200, seed=4)
    assert alone[0] == table[0]


def test_large_segments_resample_on_cells():
    from advisor.calibration import uncertainty

    rng = np.random.default_rng(8)
    n = uncertainty.ROW_LIMIT + 500
    conf = rng.uniform(0.5, 1, n)
    correct = rng.random(n) < conf ** 2
    seed = np.random.SeedSequence([0, 0])
    boot, calibrated = segment.segment_resamples(conf, correct, 15, 300, seed)
    child = int(seed.generate_state(1)[0])
    _, cells = uncertainty.bootstrap_ece_accuracy(conf, correct, 15, "width", 300, child, draws="cells")
    assert boot.tolist() == cells.tolist()
    assert calibrated.tolist() == uncertainty.consistency_eces(conf, 15, "width", 300, child, draws="cells").tolist()
    # the same numbers as the row-by-row draws up to Monte-Carlo error
    rows_boot, rows_calibrated = segment.resampled_eces(conf, correct, 15, 300, seed)
    assert abs(np.mean(boot) - np.mean(rows_boot)) < 0.01 and abs(np.mean(calibrated) - np.mean(rows_calibrated)) < 0.01


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 20), st.booleans(), st.sampled_from(["x", "y", "z", "10", "9"])),
                min_size=1, max_size=40), st.integers(1, 6))
def test_table_agrees_with_a_loop(rows, min_samples):
    conf = [c / 20 for c, _, _ in rows]
    correct = [ok for _, ok, _ in rows]
    names = [s for _, _, s in rows]
    table = segment.segment_table(conf, correct, names, n_bins=7, target_accuracy=0.8, min_samples=min_samples,
                                  n_resamples=0)
    assert [e["name"] for e in table] == sorted(set(names))
    for entry in table:
        mine = [i for i, s in enumerate(names) if s == entry["name"]]
        hits = sum(correct[i] for i in mine)
        assert entry["n_samples"] == len(mine) and entry["accuracy"] == hits / len(mine)
        assert entry["ece"] == pytest.approx(loop_metrics([conf[i] for i in mine], [correct[i] for i in mine], 7)[0],
                                             abs=1e-12)
        assert entry["small"] == (len(mine) < min_samples)
        lo, hi = loop_wilson(hits, len(mine))
        assert entry["accuracy_interval"] == [pytest.approx(max(lo, 0.0), abs=1e-12),
                                              pytest.approx(min(hi, 1.0), abs=1e-12)]
    ranked = [e for e in table if not e["small"]]
    worst = segment.worst_segment(table, 0.8)
    if ranked:
        lowest = min(e["accuracy"] for e in ranked)
        assert worst["accuracy"] == lowest
        assert worst["n_samples"] == max(e["n_samples"] for e in ranked if e["accuracy"] == lowest)
    else:
        assert worst is None
    share = segment.worst_share(table)
    errors = len(correct) - sum(correct)
    if share is not None:
        assert share["count"] == math.ceil(len(ranked) / 5)
        assert share["error_share"] == pytest.approx(sum(
            e["errors"] for e in table if e["name"] in share["segments"]) / errors)
