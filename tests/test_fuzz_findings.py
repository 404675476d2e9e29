"""Every input the fuzz harnesses (tests/fuzz) ever crashed on, replayed on each test run.

The harnesses need atheris, which CI does not install; these tests call the same
loaders directly, so a fixed crash stays fixed. Each file must load or be refused
with advisor's own error, and through the CLI it must give exit 0 or 1, never a traceback.
"""

from __future__ import annotations

import contextlib
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from advisor import calibration, engine
from advisor.cli import main
from advisor.errors import AdvisorError
from advisor.lint import lint_rubric
from advisor.profile import load_profile
from advisor.rubric import load_rubric

FINDINGS = Path(__file__).resolve().parent / "fuzz" / "findings"
EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "recurring-failures" / "profile.yaml"


def saved(harness: str) -> list[Path]:
    return sorted(p for p in (FINDINGS / harness).glob("*") if p.name not in ("index.tsv", "README.md"))


def test_there_are_findings_to_replay():
    # A moved or emptied folder would make the tests below pass vacuously.
    assert len(saved("profile")) >= 5 and len(saved("rubric")) >= 5


@pytest.mark.parametrize("path", saved("profile"), ids=lambda p: p.name[:40])
def test_profile_finding(path, tmp_path):
    target = tmp_path / "profile.yaml"
    shutil.copy(path, target)
    with contextlib.suppress(AdvisorError):
        engine.assess(load_profile(target), load_rubric(), measured=None)
    result = CliRunner().invoke(main, ["validate", str(target)])
    assert result.exit_code in (0, 1) and "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)


@pytest.mark.parametrize("path", saved("rubric"), ids=lambda p: p.name[:40])
def test_rubric_finding(path, tmp_path):
    target = tmp_path / "rubric.yaml"
    shutil.copy(path, target)
    try:
        loaded = load_rubric(target)
        lint_rubric(loaded)
        engine.assess(load_profile(EXAMPLE), loaded, measured=None)
    except AdvisorError:
        pass
    result = CliRunner().invoke(main, ["assess", str(EXAMPLE), "--rubric", str(target), "--format", "json"])
    assert result.exit_code in (0, 1) and "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)


@pytest.mark.parametrize("path", saved("predictions"), ids=lambda p: p.name[:40])
def test_predictions_finding(path):
    with contextlib.suppress(calibration.PredictionsFormatError):
        calibration.load_predictions(path)
