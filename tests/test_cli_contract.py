"""The CLI's foundation: fast start-up, exit statuses (interface section 1), atomic output."""

import subprocess
import sys

import pytest
from click.testing import CliRunner

from advisor import cli, output
from advisor.errors import InputError, Problem


def test_help_lists_every_contract_command():
    result = CliRunner().invoke(cli.main, ["--help"])
    assert result.exit_code == 0
    for command in ("assess", "calibration", "questionnaire", "validate"):
        assert command in result.output


def test_calibration_help_names_every_accepted_file():
    result = CliRunner().invoke(cli.main, ["calibration", "--help"])
    assert "a PREDICTIONS file (.npz, .npy pair, .csv, .jsonl, .parquet)." in " ".join(result.output.split())


def test_python_dash_m_advisor_works():
    done = subprocess.run([sys.executable, "-m", "advisor", "--version"], capture_output=True, text=True)
    assert done.returncode == 0 and "advisor" in done.stdout


def test_startup_imports_nothing_heavy():
    code = "import sys, advisor.cli; print(sorted(m for m in ('numpy', 'pydantic', 'jinja2', 'yaml') if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_usage_error_exits_2():
    result = CliRunner().invoke(cli.main, ["calibration"])
    assert result.exit_code == 2
    result = CliRunner().invoke(cli.main, ["no-such-command"])
    assert result.exit_code == 2


def test_input_error_is_one_error_block_and_exit_1(tmp_path):
    target = tmp_path / "missing-folder" / "schema.json"
    result = CliRunner().invoke(cli.main, ["schema", "-o", str(target)])
    assert result.exit_code == 1
    assert result.output.startswith("Error: ")
    assert "missing-folder" in result.output and "Traceback" not in result.output


def test_advisor_error_render_names_file_and_problems():
    problems = [Problem("p.yaml", 3, ("a",), "bad"), Problem("p.yaml", 4, ("b", 0), "bad")]
    error = InputError("2 problems", file="p.yaml", problems=problems)
    assert error.render() == "p.yaml: 2 problems\n  p.yaml:3: a: bad\n  p.yaml:4: b[0]: bad"


def test_atomic_write_replaces_whole_file(tmp_path):
    target = tmp_path / "out.md"
    target.write_text("old")
    cli.write_file_atomically(target, "new")
    assert target.read_text() == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["out.md"]


def test_failed_write_leaves_existing_file_intact(tmp_path, monkeypatch):
    target = tmp_path / "out.md"
    target.write_text("precious")

    def explode(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(output.os, "replace", explode)
    with pytest.raises(InputError, match=r"out\.md: cannot write here: No space left on device"):
        cli.write_file_atomically(target, "partial")
    assert target.read_text() == "precious"
    assert [p.name for p in tmp_path.iterdir()] == ["out.md"]


def test_calibration_module_stands_alone():
    # It is documented as a numpy-only library: importing it must pull in nothing else of advisor.
    code = ("import sys, advisor.calibration, advisor.calibration.dask; "
            "print(sorted(m for m in sys.modules if m.startswith('advisor') and not m.startswith('advisor.calibration')"
            " and m != 'advisor'))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
