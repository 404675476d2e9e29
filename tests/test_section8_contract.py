"""Interface section 8, read literally: records, segments and selective prediction through the CLI.

Every expected value is computed here by a plain loop over the rows of the file, not by
advisor's own functions.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from advisor.cli import main

FAST = ["--bootstrap", "30", "--resamples", "30", "--folds", "3"]


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def calibration_json(path, *options):
    result = run("calibration", path, "--format", "json", *FAST, *options)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def section5(conf, correct, n_bins=15):
    """ece, mce and bins of section 5 with c = confidence, one row at a time."""
    edges = np.linspace(0.0, 1.0, n_bins + 1).tolist()
    members = [[] for _ in range(n_bins)]
    for c, ok in zip(conf, correct, strict=True):
        m = 0 if c == 0 else next(i for i in range(n_bins) if edges[i] < c <= edges[i + 1])
        members[m].append((c, ok))
    ece = sum(abs(sum(ok for _, ok in b) - sum(c for c, _ in b)) for b in members) / len(conf)
    mce = max(abs(sum(ok for _, ok in b) - sum(c for c, _ in b)) / len(b) for b in members if b)
    bins = [{"lower": edges[m], "upper": edges[m + 1], "count": len(b),
             "confidence": sum(c for c, _ in b) / len(b) if b else None,
             "accuracy": sum(ok for _, ok in b) / len(b) if b else None} for m, b in enumerate(members)]
    return ece, mce, bins


def rows(seed=4, n=240):
    rng = np.random.default_rng(seed)
    conf = np.round(rng.uniform(0.3, 1.0, n), 2)  # ties, and values on bin edges
    correct = (rng.random(n) < conf ** 2).astype(int)
    segments = rng.choice(["web", "mail", "Phone", "10", "9"], size=n, p=[0.3, 0.3, 0.2, 0.15, 0.05])
    return conf.tolist(), correct.tolist(), segments.tolist()


def write_layout(tmp_path: Path, layout: str, conf, correct, segments=None) -> Path:
    if layout == "csv":
        path = tmp_path / "records.csv"
        header = "confidence,correct" + (",segment" if segments else "")
        lines = [f"{c!r},{ok}" + (f",{s}" if segments else "") for c, ok, s in zip(conf, correct, segments or conf, strict=True)]
        path.write_text("\n".join([header, *lines]) + "\n")
    elif layout == "jsonl":
        path = tmp_path / "records.jsonl"
        path.write_text("".join(json.dumps({"confidence": c, "correct": bool(ok), **({"segment": s} if segments else {})})
                                + "\n" for c, ok, s in zip(conf, correct, segments or conf, strict=True)))
    else:
        path = tmp_path / "records.npz"
        extra = {"segment": np.array(segments)} if segments else {}
        np.savez(path, confidence=np.array(conf), correct=np.array(correct), **extra)
    return path


@pytest.mark.parametrize("layout", ["csv", "jsonl", "npz"])
def test_records_follow_section_5_with_c_equal_to_the_confidence(tmp_path, layout):
    conf, correct, _ = rows()
    data = calibration_json(write_layout(tmp_path, layout, conf, correct))
    assert data["input"] == "confidence"
    assert data["n_classes"] is None
    assert data["nll"] is None and data["brier"] is None and data["temperature"] is None
    assert data["n_samples"] == len(conf)
    assert data["accuracy"] == sum(correct) / len(correct)
    ece, mce, bins = section5(conf, correct)
    assert data["ece"] == pytest.approx(ece, abs=1e-12)
    assert data["mce"] == pytest.approx(mce, abs=1e-12)
    for got, want in zip(data["bins"], bins, strict=True):
        assert got["count"] == want["count"] and (got["lower"], got["upper"]) == (want["lower"], want["upper"])
        for key in ("confidence", "accuracy"):
            assert got[key] == (None if want[key] is None else pytest.approx(want[key], abs=1e-12))


@pytest.mark.parametrize("layout", ["csv", "jsonl", "npz"])
def test_segments_are_sorted_by_name_as_text_with_section5_on_their_rows(tmp_path, layout):
    conf, correct, segments = rows()
    data = calibration_json(write_layout(tmp_path, layout, conf, correct, segments), "--bins", "10")
    names = sorted(set(segments))  # Python's text order: "10" < "9" < "Phone" < "mail" < "web"
    assert [s["name"] for s in data["segments"]] == names == ["10", "9", "Phone", "mail", "web"]
    for entry in data["segments"]:
        mine = [i for i, s in enumerate(segments) if s == entry["name"]]
        assert entry["n_samples"] == len(mine)
        assert entry["accuracy"] == sum(correct[i] for i in mine) / len(mine)
        ece, _, _ = section5([conf[i] for i in mine], [correct[i] for i in mine], 10)
        assert entry["ece"] == pytest.approx(ece, abs=1e-12)


def test_integer_segments(tmp_path):
    path = tmp_path / "p.npz"
    np.savez(path, labels=np.array([0, 1, 1, 0, 1]), probs=np.array([0.2, 0.9, 0.4, 0.6, 0.7]),
             segment=np.array([12, 3, 12, 3, 100]))
    data = calibration_json(path)
    assert [s["name"] for s in data["segments"]] == ["100", "12", "3"]


def loop_selective(conf, correct, target):
    best = None
    for tau in sorted(set(conf)):
        accepted = [ok for c, ok in zip(conf, correct, strict=True) if c >= tau]
        if sum(accepted) / len(accepted) >= target and (best is None or len(accepted) > best[1]):
            best = (tau, len(accepted), sum(accepted) / len(accepted))
    if best is None:
        return {"target_accuracy": target, "threshold": None, "coverage": 0, "accuracy": None}
    return {"target_accuracy": target, "threshold": best[0], "coverage": best[1] / len(conf), "accuracy": best[2]}


@pytest.mark.parametrize("target", [0.5, 0.75, 0.9, 0.95, 1.0])
def test_selective_exactly_as_section_8(tmp_path, target):
    conf, correct, _ = rows(seed=9)
    data = calibration_json(write_layout(tmp_path, "csv", conf, correct), "--target-accuracy", str(target))
    selective = {key: data["selective"][key] for key in ("target_accuracy", "threshold", "coverage", "accuracy")}
    assert selective == loop_selective(conf, correct, target)


def test_no_threshold_qualifies(tmp_path):
    path = write_layout(tmp_path, "csv", [0.9, 0.8, 0.7], [0, 0, 1])
    data = calibration_json(path, "--target-accuracy", "0.99")
    assert data["selective"]["threshold"] is None and data["selective"]["coverage"] == 0
    assert data["selective"]["accuracy"] is None


def test_class_predictions_use_the_top_label_confidence(tmp_path):
    rng = np.random.default_rng(2)
    probs = rng.dirichlet(np.ones(3) * 0.7, size=150)
    labels = rng.integers(0, 3, 150)
    path = tmp_path / "p.npz"
    np.savez(path, labels=labels, probs=probs)
    data = calibration_json(path, "--target-accuracy", "0.6")
    conf = probs.max(axis=1).tolist()
    correct = (probs.argmax(axis=1) == labels).astype(int).tolist()
    selective = {key: data["selective"][key] for key in ("target_accuracy", "threshold", "coverage", "accuracy")}
    assert selective == loop_selective(conf, correct, 0.6)


def test_target_accuracy_is_a_fraction(tmp_path):
    path = write_layout(tmp_path, "csv", [0.9], [1])
    result = run("calibration", path, "--target-accuracy", "1.5")
    assert result.exit_code == 2  # a usage error: the command line itself is wrong


def test_assess_adds_selective_from_the_baseline_target(tmp_path):
    conf, correct, segments = rows(seed=11)
    write_layout(tmp_path, "csv", conf, correct, segments)
    profile = tmp_path / "profile.yaml"
    profile.write_text(
        "version: 1\nproject:\n  name: LLM answers\nscores:\n  quality_gap: 2\n  data_readiness: 3\n"
        "  latency: 1\n  cost: 2\n  governance: 2\n  control: 1\ncontext:\n  confidence_used_downstream: true\n"
        "baseline:\n  target_accuracy: 0.8\n  predictions: records.csv\n")
    result = run("assess", profile, "--format", "json")
    assert result.exit_code == 0, result.output
    measured = json.loads(result.output)["calibration"]["measured"]
    assert measured["input"] == "confidence" and measured["n_classes"] is None
    selective = {key: measured["selective"][key] for key in ("target_accuracy", "threshold", "coverage", "accuracy")}
    assert selective == loop_selective(conf, correct, 0.8)
    assert [s["name"] for s in measured["segments"]] == sorted(set(segments))
