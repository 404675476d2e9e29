"""Generated inputs, valid and broken: the CLI answers with a result or one ``Error:``, never a crash.

Profiles are built from a valid one by random edits (values of the wrong kind, dropped
and unknown keys, then sometimes byte-level damage to the YAML text); predictions are
random arrays of random shapes, kinds and values written as ``.npz``, ``.csv`` or
``.jsonl``. Whatever comes in, ``validate``, ``assess`` and ``calibration`` must exit
0 or 1, with exit 1 printing exactly one ``Error:`` block and raising nothing else.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import numpy as np
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from advisor.cli import main

VALID = {
    "version": 1,
    "project": {"name": "Generated", "summary": "A generated profile."},
    "scores": {"quality_gap": 3, "data_readiness": 4, "latency": 2, "cost": 3, "governance": 2, "control": 1},
    "context": {"launch_weeks": 16, "labeled_examples": 20000, "has_eval_set": True,
                "failure_classes_known": True, "monthly_volume": 2_000_000, "confidence_used_downstream": True,
                "high_stakes": False, "sovereignty_required": False, "proprietary_data_moat": False,
                "adaptation_tried": ["pretrained"]},
    "baseline": {"accuracy": 0.9, "ece": 0.04, "target_accuracy": 0.93, "target_ece": 0.05},
}
PATHS = [(section, key) for section, fields in VALID.items() if isinstance(fields, dict) for key in fields]

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-10, 10), st.integers(), st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20), st.sampled_from(["pretrained", "fine_tune", "calibrate", "from_scratch", "", "\x1b[2J"]),
)
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
                      max_leaves=6)


@st.composite
def profile_texts(draw) -> str:
    data = json.loads(json.dumps(VALID))
    for _ in range(draw(st.sampled_from([0, 0, 1, 1, 2, 4]))):
        section, key = draw(st.sampled_from(PATHS))
        action = draw(st.sampled_from(["set", "drop", "unknown", "section"]))
        if not isinstance(data.get(section), dict):
            data[section] = {}
        if action == "set":
            data[section][key] = draw(values)
        elif action == "drop":
            data[section].pop(key, None)
        elif action == "unknown":
            data[section][draw(st.text(min_size=1, max_size=8))] = draw(values)
        else:
            data[section] = draw(values)
    if draw(st.booleans()):
        data.setdefault("baseline", {})
        if isinstance(data["baseline"], dict):
            data["baseline"]["predictions"] = "p.npz"
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    if draw(st.integers(0, 3)) == 0:  # byte-level damage: YAML syntax errors, stray characters
        position = draw(st.integers(0, len(text)))
        text = text[:position] + draw(st.text(max_size=4)) + text[position + draw(st.integers(0, 3)):]
    return text


@st.composite
def valid_arrays(draw) -> tuple[np.ndarray, np.ndarray, str]:
    n, k = draw(st.integers(1, 12)), draw(st.integers(2, 4))
    kind = draw(st.sampled_from(["probs", "logits"]))
    scores = np.array(draw(st.lists(st.floats(-5, 5), min_size=n * k, max_size=n * k))).reshape(n, k)
    if kind == "probs":
        scores = np.exp(scores) / np.exp(scores).sum(axis=1, keepdims=True)
        if k == 2 and draw(st.booleans()):
            scores = scores[:, 1]  # the binary positive-class column
    return np.array(draw(st.lists(st.integers(0, k - 1), min_size=n, max_size=n))), scores, kind


@st.composite
def broken_arrays(draw) -> tuple[np.ndarray, np.ndarray, str]:
    n, k = draw(st.integers(0, 12)), draw(st.integers(0, 4))
    kind = draw(st.sampled_from(["probs", "logits"]))
    shape = draw(st.sampled_from([(n, k), (n,), (n, k, 1), (), (n + 1, k)]))
    raw = draw(st.lists(st.floats(-3, 3) | st.sampled_from([0.0, 1.0, float("nan"), float("inf"), -1.0]),
                        min_size=int(np.prod(shape)), max_size=int(np.prod(shape))))
    label_values = st.integers(-1, max(k, 1)) | st.sampled_from([0.5, float("nan"), 2**40])
    labels = np.array(draw(st.lists(label_values, min_size=n, max_size=n + draw(st.integers(0, 1)))))
    return labels, np.array(raw, dtype=np.float64).reshape(shape), kind


prediction_arrays = valid_arrays() | broken_arrays()


def write_predictions(folder: Path, arrays, fmt: str) -> Path:
    labels, scores, kind = arrays
    if fmt == "npz":
        path = folder / "p.npz"
        np.savez(path, labels=labels, **{kind: scores})
        return path
    # Generated labels and scores may differ in length: the files keep the shorter (strict=False).
    rows = scores.reshape(len(scores), -1).tolist() if scores.ndim >= 1 and len(scores) else []
    if fmt == "csv":
        path = folder / "p.csv"
        width = len(rows[0]) if rows else 2
        prefix = "p" if kind == "probs" else "logit"
        lines = ["label," + ",".join(f"{prefix}{j}" for j in range(width))]
        lines += [",".join(str(v) for v in [label, *row]) for label, row in zip(labels.tolist(), rows, strict=False)]
        path.write_text("\n".join(lines) + "\n")
        return path
    path = folder / "p.jsonl"
    path.write_text("".join(json.dumps({"label": label, kind: row}) + "\n"
                            for label, row in zip(labels.tolist(), rows, strict=False)))
    return path


def check(result) -> None:
    event(f"exit {result.exit_code}")  # the statistics show both outcomes are reached
    assert result.exit_code in (0, 1), result.output
    if result.exit_code == 1:
        assert isinstance(result.exception, SystemExit), repr(result.exception)
        assert result.output.startswith("Error: ") and result.output.count("Error:") == 1, result.output
    assert "Traceback" not in result.output


def invoke(folder: Path, *args: str):
    cwd = os.getcwd()
    os.chdir(folder)
    try:
        return CliRunner().invoke(main, list(args))
    finally:
        os.chdir(cwd)


QUICK = ["--bootstrap", "0", "--resamples", "0", "--folds", "0"]
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(text=profile_texts(), arrays=prediction_arrays)
def test_generated_profiles_get_a_result_or_one_clean_error(text, arrays):
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        (folder / "p.yaml").write_text(text, encoding="utf-8")
        write_predictions(folder, arrays, "npz")
        check(invoke(folder, "validate", "p.yaml"))
        check(invoke(folder, "assess", "p.yaml", "--format", "json", "-o", "out.json"))


@SETTINGS
@given(arrays=prediction_arrays, fmt=st.sampled_from(["npz", "csv", "jsonl"]))
def test_generated_predictions_get_a_result_or_one_clean_error(arrays, fmt):
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        path = write_predictions(folder, arrays, fmt)
        check(invoke(folder, "calibration", path.name, "--format", "json", *QUICK))


@settings(max_examples=40, deadline=None)
@given(raw=st.binary(max_size=400), suffix=st.sampled_from([".yaml", ".npz", ".csv", ".jsonl"]))
def test_arbitrary_bytes_are_never_a_crash(raw, suffix):
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        (folder / f"x{suffix}").write_bytes(raw)
        if suffix == ".yaml":
            check(invoke(folder, "validate", "x.yaml"))
            check(invoke(folder, "rubric", "lint", "x.yaml"))
        else:
            check(invoke(folder, "calibration", f"x{suffix}", *QUICK))
