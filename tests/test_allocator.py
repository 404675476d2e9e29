"""The command line tunes glibc's allocator once per run (advisor/allocator.py)."""

from __future__ import annotations

import platform
import sys

import pytest
from click.testing import CliRunner

import advisor.cli as cli
from advisor import allocator


def test_every_command_tunes_the_allocator_first(monkeypatch):
    calls = []
    monkeypatch.setattr(cli, "tune_allocator", lambda: calls.append(True) or True)
    result = CliRunner().invoke(cli.main, ["rubric", "lint"])
    assert result.exit_code == 0, result.output
    assert calls == [True]


@pytest.mark.skipif(not sys.platform.startswith("linux") or platform.libc_ver()[0] != "glibc",
                    reason="the settings are glibc's")
def test_glibc_takes_the_settings():
    assert allocator.tune_allocator() is True

