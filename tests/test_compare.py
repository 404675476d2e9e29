"""``advisor compare A B``: paired differences of two models' predictions on the same rows."""

from __future__ import annotations

import json
from types import SimpleNamespace

import numpy as np
import pytest
from click.testing import CliRunner

from advisor import calibration as cal
from advisor.calibration import comparison
from advisor.calibration.comparison_render import (
    format_comparison_markdown,
    format_comparison_text,
)
from advisor.cli import main

METRICS = ("accuracy", "ece", "mce", "nll", "brier")


def two_models(n: int, seed: int = 0, k: int = 3):
    """Labels and two models' probabilities: A overconfident, B the same scores at a milder temperature."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, k, n)
    z = rng.normal(size=(n, k))
    z[np.arange(n), labels] += 1.5
    a = np.exp(2.0 * z)
    a /= a.sum(axis=1, keepdims=True)
    b = np.exp(z + 0.3 * rng.normal(size=(n, k)))
    b /= b.sum(axis=1, keepdims=True)
    return labels, a, b


def run(*args):
    return CliRunner().invoke(main, ["compare", *map(str, args)])


@pytest.fixture
def files(tmp_path):
    labels, a, b = two_models(1500)
    np.savez(tmp_path / "a.npz", labels=labels, probs=a)
    np.savez(tmp_path / "b.npz", labels=labels, probs=b)
    return tmp_path / "a.npz", tmp_path / "b.npz"


def test_differences_equal_those_of_the_two_files_measured_separately(files):
    result = run(*files, "--format", "json", "--bootstrap", "200")
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    alone = [json.loads(CliRunner().invoke(main, ["calibration", str(path), "--format", "json", "--bootstrap", "0",
                                                  "--resamples", "0", "--folds", "0"]).stdout) for path in files]
    assert out["n_samples"] == 1500
    for key in METRICS:
        assert out["a"][key] == alone[0][key] and out["b"][key] == alone[1][key], key
        assert out["difference"][key] == alone[1][key] - alone[0][key], key
        lo, hi = out["intervals"][key]
        assert lo <= hi
        assert out["distinguishable"][key] == (not lo <= 0.0 <= hi)


def test_interface_keys(files):
    out = json.loads(run(*files, "--format", "json", "--bootstrap", "50").stdout)
    assert {"n_samples", "a", "b", "difference", "intervals"} <= set(out)
    for part in ("a", "b", "difference"):
        assert {"accuracy", "ece"} <= set(out[part])
    assert len(out["intervals"]["accuracy"]) == 2 and len(out["intervals"]["ece"]) == 2
    assert out["segments"] is None  # neither input carries segments


def test_a_model_compared_with_itself_differs_by_exactly_nothing(files):
    out = json.loads(run(files[0], files[0], "--format", "json", "--bootstrap", "100").stdout)
    for key in METRICS:
        assert out["difference"][key] == 0.0
        assert out["intervals"][key] == [0.0, 0.0]  # paired: the same rows for both, every time
        assert out["distinguishable"][key] is False


def test_a_clearly_better_model_is_distinguishable():
    labels, a, _ = two_models(3000, seed=3)
    rng = np.random.default_rng(4)
    noisy = a + rng.random(a.shape) * 2.0  # scrambles many predictions: clearly worse
    noisy /= noisy.sum(axis=1, keepdims=True)
    out = comparison.compare(cal.from_arrays(labels, probs=a), cal.from_arrays(labels, probs=noisy),
                             n_bootstrap=300, seed=1)
    assert out["difference"]["accuracy"] < 0 and out["distinguishable"]["accuracy"]
    assert out["difference"]["nll"] > 0 and out["distinguishable"]["nll"]
    text = format_comparison_text(out)
    assert "B worse" in text


def test_paired_interval_is_narrower_than_the_difference_of_separate_intervals():
    labels, a, b = two_models(2000, seed=5)
    out = comparison.compare(cal.from_arrays(labels, probs=a), cal.from_arrays(labels, probs=b), n_bootstrap=400)
    separate = [cal.measure(cal.from_arrays(labels, probs=p), n_bootstrap=400, n_consistency=0, folds=0)
                for p in (a, b)]
    paired_width = np.diff(out["intervals"]["accuracy"])[0]
    unpaired_width = sum(np.diff(s["intervals"]["accuracy"])[0] for s in separate)
    assert paired_width < unpaired_width / 2


@pytest.mark.parametrize("n", [1500, 6000])
def test_cell_and_row_draws_agree_within_monte_carlo_error(n):
    labels, a, b = two_models(n, seed=n)
    pa, pb = cal.from_arrays(labels, probs=a), cal.from_arrays(labels, probs=b)
    rows = comparison.compare(pa, pb, n_bootstrap=2000, seed=2, draws="rows")
    cells = comparison.compare(pa, pb, n_bootstrap=2000, seed=2, draws="cells")
    assert (rows["draws"], cells["draws"]) == ("rows", "cells")
    assert rows["difference"] == cells["difference"]
    for key in ("accuracy", "ece", "nll", "brier"):
        width = rows["intervals"][key][1] - rows["intervals"][key][0]
        assert cells["intervals"][key] == pytest.approx(rows["intervals"][key], abs=0.12 * width), key


def test_different_labels_name_the_first_differing_row(tmp_path, files):
    labels, _, b = two_models(1500)
    labels[41] = (labels[41] + 1) % 3
    labels[900] = (labels[900] + 1) % 3
    np.savez(tmp_path / "c.npz", labels=labels, probs=b)
    result = run(files[0], tmp_path / "c.npz")
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr.startswith(f"Error: {tmp_path / 'c.npz'}: row 42: label ")
    assert str(files[0]) in result.stderr and "Traceback" not in result.output


def test_different_row_counts_are_refused(tmp_path, files):
    labels, _, b = two_models(1500)
    np.savez(tmp_path / "short.npz", labels=labels[:1000], probs=b[:1000])
    result = run(files[0], tmp_path / "short.npz")
    assert result.exit_code == 1
    assert "has 1,000 rows but" in result.stderr and "has 1,500" in result.stderr and "row 1001" in result.stderr


def test_bad_input_and_output_errors(tmp_path, files):
    assert run(files[0], tmp_path / "missing.npz").exit_code == 1
    result = run(*files, "-o", files[0])  # never written over an input
    assert result.exit_code == 1 and "cannot write" in result.stderr


@pytest.mark.parametrize("fmt", ["text", "markdown"])
def test_text_and_markdown(files, fmt):
    result = run(*files, "--format", fmt, "--bootstrap", "100")
    assert result.exit_code == 0
    assert "B - A" in result.stdout and "accuracy" in result.stdout
    if fmt == "markdown":
        assert result.stdout.startswith("## Model comparison") and "| metric | A | B | B - A |" in result.stdout


def test_output_file(tmp_path, files):
    result = run(*files, "--format", "json", "--bootstrap", "20", "-o", tmp_path / "out.json")
    assert result.exit_code == 0 and result.stdout == ""
    assert json.loads((tmp_path / "out.json").read_text())["n_samples"] == 1500


def with_segments(preds, names):
    """The predictions with a segment per row, as readers that support segments attach them."""
    distinct = sorted(set(names))
    codes = np.array([distinct.index(name) for name in names])
    return SimpleNamespace(**{attr: getattr(preds, attr) for attr in ("labels", "source", "n_samples", "n_classes",
                                                                          "kind")},
                           blocks=preds.blocks, segments=SimpleNamespace(names=distinct, codes=codes))


def test_per_segment_differences_when_both_inputs_carry_segments():
    labels, a, b = two_models(1200, seed=8)
    names = ["fr" if i % 3 == 0 else "de" for i in range(1200)]
    pa = with_segments(cal.from_arrays(labels, probs=a, source="a"), names)
    pb = with_segments(cal.from_arrays(labels, probs=b, source="b"), names)
    out = comparison.compare(pa, pb, n_bootstrap=100, seed=3)
    assert [s["name"] for s in out["segments"]] == ["de", "fr"]
    fr = np.array(names) == "fr"
    alone = [cal.calibration_metrics(labels[fr], probs=p[fr]) for p in (a, b)]
    segment = out["segments"][1]
    assert segment["n_samples"] == int(fr.sum())
    for key in ("accuracy", "ece", "nll", "brier"):
        assert segment["difference"][key] == pytest.approx(alone[1][key] - alone[0][key], abs=1e-12)
    assert len(segment["intervals"]["ece"]) == 2
    assert "### By segment" in format_comparison_markdown(out) and "segment fr" in format_comparison_text(out)


def test_segments_must_match_row_by_row():
    labels, a, b = two_models(300, seed=9)
    pa = with_segments(cal.from_arrays(labels, probs=a, source="a"), ["x"] * 300)
    pb = with_segments(cal.from_arrays(labels, probs=b, source="b"), ["x"] * 299 + ["y"])
    with pytest.raises(cal.PredictionsFormatError, match=r"^b: row 300: segment 'y' but a has 'x'"):
        comparison.compare(pa, pb, n_bootstrap=0)


def test_records_with_segments_from_files(tmp_path):
    """Confidence records (no class probabilities) compare on accuracy, ECE and MCE, per segment too."""
    rng = np.random.default_rng(12)
    conf = rng.uniform(0.5, 1.0, 900)
    names = np.array(["north", "south", "east"])[rng.integers(0, 3, 900)]
    paths = []
    for name, shift in (("a", 0.0), ("b", 0.08)):
        correct = rng.random(900) < np.clip(conf - 0.1 + shift, 0, 1)
        path = tmp_path / f"{name}.csv"
        path.write_text("confidence,correct,segment\n" + "".join(
            f"{float(c)!r},{int(k)},{s}\n" for c, k, s in zip(conf, correct, names, strict=True)))
        paths.append(path)
    out = json.loads(run(*paths, "--format", "json", "--bootstrap", "100").stdout)
    alone = [json.loads(CliRunner().invoke(main, ["calibration", str(p), "--format", "json", "--bootstrap", "0",
                                                  "--resamples", "0", "--folds", "0"]).stdout) for p in paths]
    for key in ("accuracy", "ece", "mce"):
        assert out["difference"][key] == pytest.approx(alone[1][key] - alone[0][key], abs=1e-12), key
    assert out["difference"]["nll"] is None and out["intervals"]["nll"] is None and out["a"]["brier"] is None
    assert [s["name"] for s in out["segments"]] == ["east", "north", "south"]
    for segment, expected in zip(out["segments"], sorted(alone[1]["segments"], key=lambda s: s["name"]), strict=True):
        assert segment["n_samples"] == expected["n_samples"]
        assert segment["b"]["accuracy"] == pytest.approx(expected["accuracy"], abs=1e-12)
        assert segment["difference"]["nll"] is None
