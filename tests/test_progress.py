"""Progress on long work: a status line on a terminal's stderr, nothing anywhere else."""

from __future__ import annotations

import io

import numpy as np
from click.testing import CliRunner

from advisor import calibration as cal
from advisor import progress as display
from advisor.calibration import progress
from advisor.cli import main


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_library_reports_phases_and_rows():
    seen = []
    rng = np.random.default_rng(0)
    preds = cal.from_arrays(rng.integers(0, 3, 500), probs=rng.dirichlet(np.ones(3), 500))
    with cal.config_context(block_values=300), progress.reporting(lambda *event: seen.append(event)):
        cal.measure(preds, n_bootstrap=10, n_consistency=10, folds=2)
    phases = [name for name, done, total in seen if done == 0 and total is None]
    assert phases[:2] == ["measuring", "resampling"] and "cross-fitting temperature" in phases
    assert ("measuring", 500, 500) in seen and ("measuring", 100, 500) in seen  # 100 rows of 3 values a block
    progress.rows(5)  # outside reporting(): nothing is called, nothing fails


def test_terminal_display_shows_phase_and_rows_after_the_delay():
    clock = iter([0.0, 0.5, 2.5, 2.6, 3.0]).__next__
    screen = Terminal()
    shown = display.TerminalProgress(screen, delay=2.0, interval=0.2, clock=clock)
    shown("measuring", 10, 100)  # 0.5 s: too early, nothing
    assert screen.getvalue() == ""
    shown("measuring", 50, 100)  # 2.5 s
    shown("measuring", 60, 100)  # 2.6 s: within the interval, skipped
    shown("cross-fitting temperature", 0, None)  # 3.0 s
    assert screen.getvalue() == "\r\x1b[Kmeasuring: 50 of 100 rows (50%)\r\x1b[Kcross-fitting temperature"
    shown.close()
    assert screen.getvalue().endswith("\r\x1b[K")  # the line is erased at the end


def test_display_only_for_a_terminal(monkeypatch):
    monkeypatch.setattr(display.sys, "stderr", io.StringIO())
    assert display.for_stderr() is None
    monkeypatch.setattr(display.sys, "stderr", Terminal())
    assert isinstance(display.for_stderr(), display.TerminalProgress)


def test_cli_on_a_terminal_shows_progress_and_on_a_pipe_nothing(tmp_path, monkeypatch):
    rng = np.random.default_rng(1)
    path = tmp_path / "p.npz"
    np.savez(path, labels=rng.integers(0, 2, 400), probs=rng.dirichlet(np.ones(2), 400))
    args = ["calibration", str(path), "--bootstrap", "20", "--resamples", "20", "--folds", "2"]
    quiet = CliRunner().invoke(main, args)  # CliRunner's stderr is no terminal
    assert quiet.exit_code == 0 and quiet.stderr == ""
    screen = Terminal()
    monkeypatch.setattr(display, "for_stderr", lambda: display.TerminalProgress(screen, delay=0.0, interval=0.0))
    loud = CliRunner().invoke(main, args)
    assert loud.exit_code == 0 and loud.stdout == quiet.stdout  # the output itself is unchanged
    assert "reading" in screen.getvalue() and "measuring: 400 of 400 rows (100%)" in screen.getvalue()
    assert screen.getvalue().endswith("\r\x1b[K")
