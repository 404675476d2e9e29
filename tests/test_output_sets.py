"""A report and its figures survive a kill at any step; a failed run changes nothing.

The fault-injection point is :data:`advisor.output.step_hook`, called before every change
on disk. A forked child that stops with ``os._exit`` there leaves the files exactly as a
``kill -9`` would (no ``finally``, no clean-up); one test sends a real SIGKILL.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from advisor import output
from advisor.cli import main

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "calibrate"
INPUTS = {"profile.yaml", "predictions.npz"}
FIGURE = re.compile(r"report\.[a-z]+\.([0-9a-f]{12})\.svg")
ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


def assess(folder: Path, *extra: str):
    return CliRunner().invoke(main, ["assess", str(folder / "profile.yaml"), "-o", str(folder / "report.md"), *extra])


def change_profile(folder: Path) -> None:
    """Another answer: another report and another scores figure (the reliability figure stays)."""
    path = folder / "profile.yaml"
    text = path.read_text()
    assert "\n  cost: 2" in text
    path.write_text(text.replace("\n  cost: 2", "\n  cost: 4"))


@pytest.fixture
def folder(tmp_path):
    for name in INPUTS:
        shutil.copy(EXAMPLE / name, tmp_path / name)
    return tmp_path


def linked(report: str) -> list[str]:
    return sorted(set(re.findall(r"report\.[a-z]+\.[0-9a-f]{12}\.svg", report)))


def assert_consistent(folder: Path, allowed: set[str]) -> str:
    """report.md is one complete report (one of ``allowed``) and every figure it links is there, intact."""
    text = (folder / "report.md").read_text()
    assert text in allowed
    for name in linked(text):
        data = (folder / name).read_bytes()
        assert hashlib.sha256(data).hexdigest()[:12] == FIGURE.fullmatch(name).group(1), name
    return text


def assert_clean(folder: Path) -> None:
    """Only the inputs, the report and the figures it links: no temporary, journal or stale file."""
    text = (folder / "report.md").read_text()
    assert sorted(p.name for p in folder.iterdir()) == sorted(INPUTS | {"report.md", *linked(text)})


def run_in_child(folder: Path, stop_at: int | None, *extra: str) -> int:
    """Fork; the child runs ``assess -o`` and dies with os._exit at step ``stop_at`` (0-based)."""
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        code = 70
        try:
            steps = iter(range(10**6))

            def hook(step: str) -> None:
                if next(steps) == stop_at:
                    os._exit(137)

            output.step_hook = hook
            code = assess(folder, *extra).exit_code
        finally:
            os._exit(code)
    return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])


def steps_of_a_run(folder: Path) -> list[str]:
    seen: list[str] = []
    output.step_hook = seen.append
    try:
        assert assess(folder).exit_code == 0
    finally:
        output.step_hook = None
    return seen


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_kill_at_every_step_leaves_one_complete_consistent_report_and_the_next_run_cleans_up(folder, tmp_path_factory):
    assert assess(folder).exit_code == 0
    old = (folder / "report.md").read_text()
    change_profile(folder)
    rehearsal = tmp_path_factory.mktemp("rehearsal")
    shutil.copytree(folder, rehearsal, dirs_exist_ok=True)
    steps = steps_of_a_run(rehearsal)
    new = (rehearsal / "report.md").read_text()
    assert new != old and linked(new) != linked(old)
    # staged files, the journal, the new figure, the report renamed last, the stale figure, the journal
    renames = [step for step in steps if step.startswith("rename ")]
    assert renames[-1] == "rename report.md" and len(renames) == 2
    assert any(step.startswith("remove report.scores.") for step in steps) and steps[-1] == "remove journal"
    for stop_at in range(len(steps)):
        trial = tmp_path_factory.mktemp(f"kill{stop_at}")
        shutil.copytree(folder, trial, dirs_exist_ok=True)
        assert run_in_child(trial, stop_at) == 137
        assert_consistent(trial, {old, new})
        assert assess(trial).exit_code == 0  # the next run
        assert assert_consistent(trial, {new}) == new
        assert_clean(trial)


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_a_real_sigkill_between_the_figures_and_the_report(folder):
    assert assess(folder).exit_code == 0
    old = (folder / "report.md").read_text()
    change_profile(folder)
    script = ("import os, signal, sys\n"
              "from advisor import output\n"
              "from advisor.cli import main\n"
              "def hook(step):\n"
              "    if step == 'rename report.md':\n"
              "        os.kill(os.getpid(), signal.SIGKILL)\n"
              "output.step_hook = hook\n"
              "main(sys.argv[1:])\n")
    done = subprocess.run([sys.executable, "-c", script, "assess", "profile.yaml", "-o", "report.md"],
                          cwd=folder, capture_output=True, timeout=120)
    assert done.returncode == -signal.SIGKILL
    assert assert_consistent(folder, {old}) == old  # the old report, its figures all there
    leftovers = [p.name for p in folder.iterdir() if p.name.startswith(".")]
    assert leftovers and all(name.startswith(".report.md.") for name in leftovers)  # the journal
    assert assess(folder).exit_code == 0
    assert_clean(folder)


def test_temporary_files_of_dead_runs_are_removed_and_of_live_runs_kept(folder):
    dead = 2**22 + 12345  # above the default pid_max: no such process
    live = os.getppid()
    (folder / f".report.md.{dead}.0badc0de.tmp").write_text("half a report")
    (folder / f".report.md.{live}.0badc0de.tmp").write_text("another run's")
    assert assess(folder).exit_code == 0
    hidden = sorted(p.name for p in folder.iterdir() if p.name.startswith("."))
    assert hidden == [f".report.md.{live}.0badc0de.tmp"]


def test_figures_are_named_after_their_content_and_stale_ones_removed(folder):
    assert assess(folder).exit_code == 0
    first = linked((folder / "report.md").read_text())
    assert sorted(name.split(".")[1] for name in first) == ["reliability", "risk", "scores"]
    change_profile(folder)
    assert assess(folder).exit_code == 0
    second = linked((folder / "report.md").read_text())
    assert len(set(first) & set(second)) == 2  # the reliability and risk figures are the same files
    assert_clean(folder)
    assert assess(folder, "--no-figures").exit_code == 0
    assert linked((folder / "report.md").read_text()) == []
    assert_clean(folder)


def test_a_file_that_only_looks_like_a_figure_is_never_removed(folder):
    assert assess(folder).exit_code == 0
    name = linked((folder / "report.md").read_text())[0]
    (folder / name).write_text("<svg>my own drawing</svg>")  # the name's digest no longer matches
    assert assess(folder, "--no-figures").exit_code == 0
    assert (folder / name).read_text() == "<svg>my own drawing</svg>"


def snapshot(folder: Path) -> dict[str, tuple[bytes, int, int]]:
    return {p.name: (p.read_bytes(), p.stat().st_mode, p.stat().st_uid) for p in folder.iterdir()}


def test_another_users_report_in_a_sticky_folder_is_refused_before_anything_changes(folder, monkeypatch):
    # Stands in for another user: the files and the folder belong to us, the run to uid + 1.
    assert assess(folder).exit_code == 0
    change_profile(folder)
    folder.chmod(0o1777)
    before = snapshot(folder)
    monkeypatch.setattr(output, "effective_uid", lambda: os.stat(folder).st_uid + 1)
    result = assess(folder)
    assert result.exit_code == 1
    assert "report.md: cannot write here: it belongs to another user" in result.output
    assert "sticky" in result.output
    assert snapshot(folder) == before


@pytest.mark.skipif(not ROOT, reason="giving a file to another user needs root")
def test_a_figure_of_another_user_under_our_name_is_refused_before_anything_changes(folder, monkeypatch):
    assert assess(folder).exit_code == 0
    change_profile(folder)
    rehearsal = folder.parent / "rehearsal"
    shutil.copytree(folder, rehearsal)
    assert assess(rehearsal).exit_code == 0
    new_figure = next(n for n in linked((rehearsal / "report.md").read_text()) if not (folder / n).exists())
    (folder / new_figure).write_text("<svg>someone else's</svg>")  # our next figure's name, other bytes
    folder.chmod(0o1777)
    os.chown(folder / "report.md", 4242, 4242)  # the report is the running user's own
    before = snapshot(folder)
    monkeypatch.setattr(output, "effective_uid", lambda: 4242)
    result = assess(folder)
    assert result.exit_code == 1
    assert f"{new_figure}: cannot write here: it belongs to another user" in result.output
    assert snapshot(folder) == before


@pytest.mark.skipif(not ROOT or not hasattr(os, "fork"), reason="switches to another user: needs root and fork")
def test_as_another_real_user_a_sticky_folder_refuses_before_anything_changes(folder):
    assess(folder)  # imports everything the child needs while it can still read them
    shared = Path(tempfile.mkdtemp(prefix="advisor-sticky-"))
    try:
        shared.chmod(0o1777)
        for name in INPUTS:
            shutil.copy(folder / name, shared / name)
            (shared / name).chmod(0o644)
        assert assess(shared).exit_code == 0  # root's report, in a folder anyone may write to
        change_profile(shared)
        before = snapshot(shared)
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child, as nobody
            code = 70
            try:
                os.close(read)
                os.setgid(65534)
                os.setuid(65534)
                result = assess(shared)
                os.write(write, result.output.encode())
                code = result.exit_code
            finally:
                os._exit(code)
        os.close(write)
        with os.fdopen(read, "rb") as pipe:
            said = pipe.read().decode()
        assert os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) == 1
        assert "report.md: cannot write here: it belongs to another user" in said
        assert snapshot(shared) == before
    finally:
        shutil.rmtree(shared)


@pytest.mark.parametrize("command", [
    ["assess", "profile.yaml", "-o", "out.md"],
    ["assess", "profile.yaml", "--format", "json", "-o", "out.md"],
    ["calibration", "predictions.npz", "--bootstrap", "0", "--resamples", "0", "--folds", "0", "-o", "out.md"],
    ["schema", "-o", "out.md"],
])
def test_a_read_only_output_is_an_input_error_unless_forced(folder, monkeypatch, command):
    monkeypatch.chdir(folder)
    target = folder / "out.md"
    target.write_text("keep me")
    target.chmod(0o444)
    before = snapshot(folder)
    result = CliRunner().invoke(main, command)
    assert result.exit_code == 1
    assert "out.md: cannot write here: the file is read-only; use --force to replace it" in result.output
    assert snapshot(folder) == before
    result = CliRunner().invoke(main, [*command, "--force"])
    assert result.exit_code == 0, result.output
    assert target.read_text() != "keep me"
    assert stat.S_IMODE(target.stat().st_mode) == 0o444  # replaced, its permissions kept


def test_init_refuses_a_read_only_profile_unless_forced(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "profile.yaml").write_text("mine")
    (tmp_path / "profile.yaml").chmod(0o444)
    result = CliRunner().invoke(main, ["init"])
    assert result.exit_code == 1 and (tmp_path / "profile.yaml").read_text() == "mine"
    assert CliRunner().invoke(main, ["init", "--force"]).exit_code == 0
    assert (tmp_path / "profile.yaml").read_text() != "mine"


@pytest.mark.skipif(not ROOT, reason="giving a file to another user needs root")
def test_root_replacing_another_users_report_leaves_it_theirs(folder):
    assert assess(folder).exit_code == 0
    os.chown(folder / "report.md", 4242, 4343)
    change_profile(folder)
    assert assess(folder).exit_code == 0
    st = (folder / "report.md").stat()
    assert (st.st_uid, st.st_gid) == (4242, 4343)
