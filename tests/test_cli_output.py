"""Output safety: all-or-nothing writes, sensible permissions, inputs that are directories."""

import os
import shutil
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import figures_beside

from advisor import cli

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "calibrate"


@pytest.fixture
def here(tmp_path, monkeypatch):
    shutil.copy(EXAMPLE / "profile.yaml", tmp_path / "good.yaml")
    shutil.copy(EXAMPLE / "predictions.npz", tmp_path / "predictions.npz")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(args):
    return CliRunner().invoke(cli.main, args)


def test_a_directory_in_the_way_of_a_figure_writes_nothing(here, tmp_path_factory):
    rehearsal = tmp_path_factory.mktemp("rehearsal")
    for name in ("good.yaml", "predictions.npz"):
        (rehearsal / name).write_bytes((here / name).read_bytes())
    assert run(["assess", str(rehearsal / "good.yaml"), "-o", str(rehearsal / "r.md")]).exit_code == 0
    scores = figures_beside(rehearsal, "r")["scores"]  # the name the figure will have: its content's
    (here / scores).mkdir()
    result = run(["assess", "good.yaml", "-o", "r.md"])
    assert result.exit_code == 1
    assert result.output == f"Error: {scores}: cannot write here: it is a directory\n"
    assert sorted(p.name for p in here.iterdir()) == sorted(["good.yaml", "predictions.npz", scores])


def test_missing_output_folder_names_the_report_not_a_figure(here):
    result = run(["assess", "good.yaml", "-o", "nodir/r.md"])
    assert result.exit_code == 1
    assert result.output.startswith("Error: nodir/r.md: cannot write here")


@pytest.mark.parametrize("args", [["validate", "d"], ["calibration", "d"], ["assess", "good.yaml", "--rubric", "d"],
                                  ["assess", "good.yaml", "-o", "d"]])
def test_directories_as_files_are_input_errors_not_usage_errors(here, args):
    (here / "d").mkdir()
    result = run(args)
    assert result.exit_code == 1, result.output
    assert result.output.startswith("Error: d") and "Traceback" not in result.output


def test_new_files_follow_the_umask_and_existing_files_keep_their_mode(here):
    old = os.umask(0o022)
    try:
        (here / "kept.md").write_text("old")
        os.chmod(here / "kept.md", 0o640)
        assert run(["assess", "good.yaml", "-o", "kept.md"]).exit_code == 0
        assert run(["assess", "good.yaml", "-o", "new.md"]).exit_code == 0
    finally:
        os.umask(old)
    assert stat.S_IMODE((here / "kept.md").stat().st_mode) == 0o640
    figures = figures_beside(here, "new")
    assert sorted(figures) == ["reliability", "risk", "scores"]
    for name in ("new.md", *figures.values()):
        assert stat.S_IMODE((here / name).stat().st_mode) == 0o644


def test_control_characters_written_as_yaml_escapes_are_refused(here):
    # A carriage return in a value could overwrite a terminal line; a YAML escape must not smuggle it in.
    text = (here / "good.yaml").read_text()
    name_line = next(line for line in text.splitlines() if line.strip().startswith("name:"))
    (here / "good.yaml").write_text(text.replace(name_line, '  name: "cr\\rOVER\\a"'))
    result = run(["validate", "good.yaml"])
    assert result.exit_code == 1
    assert "\r" not in result.output and "\a" not in result.output
    assert "project.name: control character U+000D is not allowed in text" in result.output
