"""A profile from someone else cannot make advisor read your files (issue 10, section 4).

A profile may reference files only in its own folder or the current folder (either tree,
symlinks resolved) unless ``--allow-path DIR`` allows more; messages quote at most a short,
escaped excerpt of a file's content; ``~`` and ``$VAR`` are taken literally, and said so.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from advisor.cli import main

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "calibrate"
SECRET = "AKIAIOSFODNN7EXAMPLEKEYabcdefghij"


@pytest.fixture
def places(tmp_path, monkeypatch):
    """theirs/profile.yaml (someone else's), mine/secret/ (a file of yours), and elsewhere/ as the current folder."""
    theirs, secret, here = tmp_path / "theirs", tmp_path / "mine" / "secret", tmp_path / "elsewhere"
    for folder in (theirs, secret, here):
        folder.mkdir(parents=True)
    shutil.copy(EXAMPLE / "predictions.npz", secret / "p.npz")
    (secret / "p.csv").write_text(f"label,p0,p1\n{SECRET},0.4,0.6\n")
    monkeypatch.chdir(here)
    return theirs, secret, here


def profile_pointing_at(folder: Path, target: str) -> Path:
    text = (EXAMPLE / "profile.yaml").read_text().replace("predictions: predictions.npz", f"predictions: {target}")
    assert f"predictions: {target}" in text
    path = folder / "profile.yaml"
    path.write_text(text)
    return path


def line_of(path: Path, text: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if text in line)


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.mark.parametrize("command", ["assess", "validate"])
def test_a_file_outside_the_profiles_folder_and_the_current_folder_is_not_read(places, command):
    theirs, _, here = places
    profile = profile_pointing_at(theirs, "../mine/secret/p.csv")
    result = run(command, profile, *(["-o", here / "report.md"] if command == "assess" else []))
    assert result.exit_code == 1 and "Traceback" not in result.output
    line = line_of(profile, "predictions:")
    assert f"{profile}:{line}: baseline.predictions: not read: ../mine/secret/p.csv is outside the profile's " \
           "folder and the current folder (pass --allow-path DIR to allow files under DIR)" in result.output
    assert "AKIA" not in result.output
    assert sorted(p.name for p in here.iterdir()) == []


def test_allow_path_lets_the_profile_read_there(places):
    theirs, secret, _ = places
    profile = profile_pointing_at(theirs, "../mine/secret/p.npz")
    assert run("assess", profile, "--format", "json").exit_code == 1
    result = run("assess", profile, "--format", "json", "--allow-path", secret.parent)
    assert result.exit_code == 0, result.output
    assert run("validate", profile, "--allow-path", secret).exit_code == 0
    # diff assesses profiles too: the same confinement, the same way out
    assert run("diff", profile, profile).exit_code == 1
    result = run("diff", profile, profile, "--allow-path", secret)
    assert result.exit_code == 0, result.output


def test_the_current_folders_tree_is_allowed(places, monkeypatch):
    theirs, secret, _ = places
    monkeypatch.chdir(secret.parent)  # a run from inside your own tree may use files there
    profile = profile_pointing_at(theirs, "../mine/secret/p.npz")
    assert run("validate", profile).exit_code == 0, run("validate", profile).output


def test_a_symlink_inside_the_folder_is_judged_by_where_it_leads(places):
    theirs, secret, _ = places
    (theirs / "innocent.npz").symlink_to(secret / "p.npz")
    profile = profile_pointing_at(theirs, "innocent.npz")
    result = run("validate", profile)
    assert result.exit_code == 1 and "not read: innocent.npz is outside the profile's folder" in result.output
    assert run("validate", profile, "--allow-path", secret).exit_code == 0


def test_an_absolute_path_outside_is_refused_too(places):
    theirs, secret, _ = places
    profile = profile_pointing_at(theirs, str(secret / "p.npz"))
    result = run("validate", profile)
    assert result.exit_code == 1 and f"not read: {secret / 'p.npz'} is outside" in result.output


@pytest.mark.parametrize("target", ["~/p.npz", "$HOME/p.npz"])
def test_tilde_and_variables_are_not_expanded_and_the_message_says_so(places, target):
    theirs, _, _ = places
    profile = profile_pointing_at(theirs, target)
    result = run("validate", profile)
    assert result.exit_code == 1
    assert f"no such file: {target} (paths are relative to the profile's folder; " \
           "~ and $VARIABLES are not expanded: write the path out)" in result.output


def test_a_file_of_yours_is_quoted_only_in_a_short_escaped_excerpt(places):
    theirs, secret, _ = places
    profile = profile_pointing_at(theirs, "../mine/secret/p.csv")
    result = run("assess", profile, "--format", "json", "--allow-path", secret)
    assert result.exit_code == 1
    quoted = result.output.split("label ", 1)[1].split(" is ", 1)[0]
    assert quoted == "'AKIAIOSFODNN7EXA..." and len(quoted) <= 20
    assert SECRET[:20] not in result.output


def test_calibration_quotes_a_bad_value_in_at_most_twenty_characters(tmp_path):
    (tmp_path / "p.jsonl").write_text(json.dumps({"label": SECRET + "\x1b[2J", "probs": [0.4, 0.6]}) + "\n")
    result = run("calibration", tmp_path / "p.jsonl")
    assert result.exit_code == 1 and "\x1b" not in result.output
    assert "label 'AKIAIOSFODNN7EXA... is text" in result.output


@pytest.mark.parametrize("command", ["assess", "validate", "questionnaire"])
def test_the_commands_that_read_profiles_offer_allow_path(command):
    # The questionnaire's reaches the assess it runs when it offers the report.
    assert "--allow-path DIR" in run(command, "--help").output
