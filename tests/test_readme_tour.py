"""The README's tour works as written, from a copy of the repository's examples."""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

from click.testing import CliRunner

from advisor.cli import main

ROOT = Path(__file__).resolve().parent.parent


def tour_commands() -> list[tuple[list[str], int]]:
    """(arguments, expected exit status) of each `advisor` line of the tour's first shell block."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## A 60-second tour"):]
    block = re.search(r"```sh\n(.*?)```", section, re.S).group(1)
    commands = []
    for line in block.splitlines():
        command, _, comment = line.partition("  #")
        if command.startswith("advisor "):
            expected = 3 if "exits 3" in comment else 0
            commands.append((shlex.split(command)[1:], expected))
    return commands


def test_readme_tour_runs_as_written(tmp_path, monkeypatch):
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    monkeypatch.chdir(tmp_path)
    commands = tour_commands()
    assert len(commands) >= 8
    for args, expected in commands:
        result = CliRunner().invoke(main, args)
        assert result.exit_code == expected, (args, result.output)
    for name in ("profile.yaml", "report.md", "report.html", "decision.md", "before.json"):
        assert (tmp_path / name).is_file(), name
