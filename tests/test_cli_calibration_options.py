"""`advisor calibration` options that change resampling and where the output goes."""

import json
from pathlib import Path

from click.testing import CliRunner

from advisor import cli

EXAMPLE = str(Path(__file__).resolve().parent.parent / "examples" / "predictions" / "overconfident.npz")
FAST = ["--bootstrap", "200", "--resamples", "200", "--folds", "2", "--format", "json"]


def measure(*extra):
    result = CliRunner().invoke(cli.main, ["calibration", EXAMPLE, *FAST, *extra])
    assert result.exit_code == 0, result.output
    return result.output


def test_same_seed_gives_byte_identical_output():
    assert measure("--seed", "7") == measure("--seed", "7")


def test_seed_changes_only_the_resampled_numbers():
    a, b = json.loads(measure("--seed", "1")), json.loads(measure("--seed", "2"))
    assert a["intervals"]["ece"] != b["intervals"]["ece"]
    assert a["significance"]["seed"] == 1 and b["significance"]["seed"] == 2
    for key in ("accuracy", "ece", "mce", "nll", "brier", "bins"):
        assert a[key] == b[key]
    # Fitted jointly with the seeded folds, the all-rows optimum may differ in its last bit.
    assert abs(a["temperature"] - b["temperature"]) < 1e-12


def test_output_file_gets_exactly_what_stdout_would(tmp_path):
    target = tmp_path / "metrics.json"
    result = CliRunner().invoke(cli.main, ["calibration", EXAMPLE, *FAST, "-o", str(target)])
    assert result.exit_code == 0 and result.output == ""
    assert target.read_text() == measure()


def test_bad_input_leaves_existing_output_untouched(tmp_path):
    target = tmp_path / "metrics.json"
    target.write_text("keep me")
    bad = tmp_path / "bad.csv"
    bad.write_text("label,p0,p1\n0,0.5,0.6\n")
    result = CliRunner().invoke(cli.main, ["calibration", str(bad), "-o", str(target)])
    assert result.exit_code == 1 and "bad.csv" in result.output
    assert target.read_text() == "keep me"


def test_negative_seed_is_a_usage_error_not_a_traceback():
    result = CliRunner().invoke(cli.main, ["calibration", EXAMPLE, "--seed", "-5"])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "--seed" in result.output


def test_skipped_cross_fitting_says_so_instead_of_zero_folds():
    for fmt in ("text", "markdown"):
        result = CliRunner().invoke(cli.main, ["calibration", EXAMPLE, "--folds", "0", "--format", fmt])
        assert result.exit_code == 0
        assert "Post-hoc calibration: not run" in result.output and "0-fold" not in result.output
        assert "cross-fitting needs at least 2 folds: 0 fold(s) requested" in result.output


def test_first_bin_is_closed_on_the_left_because_it_holds_zero():
    text = CliRunner().invoke(cli.main, ["calibration", EXAMPLE, "--bootstrap", "0", "--resamples", "0"]).output
    assert "[0.000, 0.067]" in text and "(0.067, 0.133]" in text


def test_tiny_inputs_do_not_print_meaningless_rows(tmp_path):
    import numpy as np

    path = tmp_path / "five.npz"
    np.savez(path, labels=np.array([1, 0, 1, 1, 0]), probs=np.array([0.9, 0.2, 0.8, 0.6, 0.7]))
    text = CliRunner().invoke(cli.main, ["calibration", str(path), "--scheme", "mass", "--bootstrap", "1"]).output
    assert "from only 1 resample(s), not reliable" in text
    table = text.split("Reliability bins (equal-mass):")[1]
    rows = [line.split()[:3] for line in table.splitlines()[2:] if line.strip() and "thin:" not in line]
    assert sum(int(count) for _, _, count in rows) == 5
    # 15 bins were asked for; the edges that repeat (zero-width, empty) are not listed
    assert len(rows) < 15 and all(low.strip("[(,") != high.strip("]") for low, high, _ in rows)
