"""`advisor calibration` text and Markdown: labels users can follow, tables that stay tables."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from click.testing import CliRunner

from advisor.cli import main

PREDICTIONS = Path(__file__).resolve().parents[1] / "examples" / "predictions" / "overconfident.npz"
FAST = ["--bootstrap", "50", "--resamples", "50"]


def run(*args) -> str:
    result = CliRunner().invoke(main, ["calibration", str(PREDICTIONS), *FAST, *args])
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize("fmt", ["text", "markdown"])
def test_noise_floor_is_not_called_the_ece_if_calibrated(fmt):
    text = run("--format", fmt)
    assert "ECE if calibrated" not in text
    assert "ECE noise floor" in text
    assert "perfectly calibrated model of this size" in text


@pytest.mark.parametrize("fmt", ["text", "markdown"])
def test_no_section_number_users_cannot_look_up(fmt):
    for scheme in ("width", "mass"):
        assert "section 5" not in run("--format", fmt, "--scheme", scheme)


def test_the_equal_width_ece_is_listed_once():
    width = run("--format", "markdown")
    # The headline row is the equal-width ECE: no second row repeating it.
    assert "| ECE (equal-width, 15 bins) |" in width and "| ECE equal-width |" not in width
    assert "| ECE equal-mass |" in width
    mass = run("--format", "markdown", "--scheme", "mass")
    assert "| ECE (equal-mass, 15 bins) |" in mass and mass.count("| ECE equal-width |") == 1


def test_markdown_note_under_a_table_is_its_own_paragraph():
    # One fold: the post-calibration note follows; a Note line glued under a table would be a row.
    lines = run("--format", "markdown", "--folds", "1").splitlines()
    notes = [i for i, line in enumerate(lines) if line.startswith("Note:")]
    assert notes, lines
    for i in notes:
        assert lines[i - 1] == "", lines[i - 1]
    for before, after in itertools.pairwise(lines):
        if before.startswith("|"):
            assert after.startswith("|") or after == "", (before, after)
