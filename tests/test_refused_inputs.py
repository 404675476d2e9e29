"""Hostile and malformed documents: profiles, rubrics, templates and output paths.

Every case runs the real CLI and checks the whole contract of a refusal: exit status 1,
one ``Error:`` block naming the file and the line or field, no traceback, and nothing
written: an existing report keeps its bytes and no new file appears in the folder.
(Predictions files have their own table in ``test_predictions_reader_errors.py``.)
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from helpers import figures_beside

from advisor import document, output, sandbox
from advisor.cli import main
from advisor.resource import default_rubric_path

ROOT = Path(__file__).resolve().parent.parent
# Line numbers below refer to this text: keep it fixed.
GOOD = """\
# A valid profile; each case breaks one thing.
# (line 2)
# (line 3)
version: 1
project:
  name: Claims intake extraction
  summary: Extract claim fields from scanned forms.
scores:
  quality_gap: 3
  data_readiness: 4
  latency: 2
  cost: 3
  governance: 2
  control: 1
context:
  launch_weeks: 16
  labeled_examples: 20000
  has_eval_set: true
  failure_classes_known: true
  monthly_volume: 2000000
  confidence_used_downstream: true
  high_stakes: false
  sovereignty_required: false
  proprietary_data_moat: false
  adaptation_tried: [pretrained]
baseline:
  accuracy: 0.90
  target_accuracy: 0.97
"""
OLD_REPORT = "an earlier report that must survive\n"


def run(folder: Path, *args: str):
    """Invoke the CLI inside ``folder`` with relative paths, as a user would."""
    cwd = os.getcwd()
    os.chdir(folder)
    try:
        return CliRunner().invoke(main, list(args))
    finally:
        os.chdir(cwd)


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def assert_refused(result, *fragments: str) -> None:
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.output.startswith("Error: "), result.output
    assert result.output.count("Error:") == 1, result.output
    assert "Traceback" not in result.output
    for fragment in fragments:
        assert fragment in result.output, (fragment, result.output)


def replace_once(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, old
    return text.replace(old, new)


# ---------------------------------------------------------------- profiles

def deep(levels: int) -> str:
    return "[" * levels + "]" * levels


PROFILES = {
    "empty file": (b"", ["bad.yaml:1:", "got an empty file"]),
    "a list": (b"- version\n- 1\n", ["bad.yaml:1:", "must be a YAML mapping", "got a list"]),
    "a scalar": (b"42\n", ["bad.yaml:1:", "got a number"]),
    "invalid YAML": (b"version: 1\nproject: {name: [x\n", ["bad.yaml:3:", "invalid YAML at column"]),
    "duplicate key": (replace_once(GOOD, "  latency: 2", "  latency: 2\n  latency: 5").encode(),
                      ["bad.yaml:12: scores.latency: duplicate key"]),
    "unknown key": (replace_once(GOOD, "  latency: 2", "  latncy: 2").encode(),
                    ["bad.yaml:11: scores.latncy: unknown key", "latency"]),
    "true for an integer": (replace_once(GOOD, "quality_gap: 3", "quality_gap: true").encode(),
                            ["bad.yaml:9: scores.quality_gap: must be an integer from 0 to 5 (got true)"]),
    "3.5 for an integer": (replace_once(GOOD, "quality_gap: 3", "quality_gap: 3.5").encode(),
                           ["bad.yaml:9: scores.quality_gap:", "(got 3.5)"]),
    "out of range": (replace_once(GOOD, "quality_gap: 3", "quality_gap: 6").encode(),
                     ["bad.yaml:9: scores.quality_gap:", "(got 6)"]),
    "negative count": (replace_once(GOOD, "labeled_examples: 20000", "labeled_examples: -4").encode(),
                       ["context.labeled_examples", "(got -4)"]),
    "missing required field": (replace_once(GOOD, "  cost: 3\n", "").encode(), ["scores.cost: is required"]),
    "missing version": (replace_once(GOOD, "version: 1\n", "").encode(), ["version: is required"]),
    "wrong version": (replace_once(GOOD, "version: 1", "version: 2").encode(),
                      ["bad.yaml:4: version: must be 1 (got 2)"]),
    "non-UTF-8 bytes": (replace_once(GOOD, "Claims intake", "Claims \udcffintake").encode("utf-8", "surrogateescape"),
                        ["bad.yaml:6: not UTF-8 text at column 16 (byte 0xff)"]),
    "raw control character": (replace_once(GOOD, "Claims intake", "Claims \x1b[31mintake").encode(),
                              ["bad.yaml:6: control character U+001B at column 16"]),
    "over the size cap": (GOOD.encode() + b"#" * document.MAX_BYTES, ["larger than 1 MiB"]),
    "billion laughs": (b"a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
                       b"c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c]\n",
                       ["bad.yaml:2: YAML aliases (*a) are not supported"]),
    "python tag": (replace_once(GOOD, "version: 1", "version: !!python/object/apply:os.system ['touch pwned']").encode(),
                   ["bad.yaml:4: YAML tag !!python/object/apply:os.system is not allowed"]),
    "python tag at the top": (b"!!python/object/new:os.system [touch pwned]\n",
                              ["bad.yaml:1: YAML tag !!python/object/new:os.system is not allowed"]),
    "custom tag": (replace_once(GOOD, "version: 1", "version: !env VERSION").encode(),
                   ["bad.yaml:4: YAML tag !env is not allowed"]),
    "deep nesting": (f"version: 1\nproject: {deep(100_000)}\n".encode(), ["bad.yaml:2: nested more than 32 levels"]),
    "deep block nesting": (("version: 1\nproject:\n" + "".join("  " * i + "a:\n" for i in range(1, 60))).encode(),
                           ["nested more than 32 levels"]),
    "a number as a key": (replace_once(GOOD, "  latency: 2", "  1: 2").encode(),
                          ["bad.yaml:11: scores.1: a key must be text"]),
    "a yes/no key": (replace_once(GOOD, "version: 1", "version: 1\nyes: 1").encode(),
                     ["bad.yaml:5: yes: a key must be text"]),
    # Found by the fuzz harness (tests/fuzz): each was a traceback before.
    "explicit int tag on a non-integer": (replace_once(GOOD, "version: 1", "version: !!int 1.5").encode(),
                                          ["bad.yaml:4: YAML tag !!int is not allowed"]),
    "explicit bool tag": (replace_once(GOOD, "version: 1", "version: !!bool maybe").encode(),
                          ["bad.yaml:4: YAML tag !!bool is not allowed"]),
    "a key that names a type": (replace_once(GOOD, "version: 1", "version: 1\nint: 1").encode(),
                                ["bad.yaml:5: int: unknown key"]),
    "an integer too long for Python": (replace_once(GOOD, "cost: 3", "cost: " + "9" * 5000).encode(),
                                       ["bad.yaml:12: invalid YAML: a number of 5,000 digits is too long"]),
    "a predictions name too long": (replace_once(GOOD, "baseline:\n", "baseline:\n  predictions: " + "a" * 300 + "\n").encode(),
                                    ["bad.yaml:27: baseline.predictions: cannot be read (File name too long)"]),
    "missing predictions": (replace_once(GOOD, "baseline:\n", "baseline:\n  predictions: none.npz\n").encode(),
                            ["bad.yaml:27: baseline.predictions: no such file: none.npz"]),
    "predictions folder": (replace_once(GOOD, "baseline:\n", "baseline:\n  predictions: sub\n").encode(),
                           ["bad.yaml:27: baseline.predictions: is a folder, not a file: sub"]),
    "malformed predictions": (replace_once(GOOD, "baseline:\n", "baseline:\n  predictions: bad.csv\n").encode(),
                              ["bad.yaml:27: baseline.predictions:", "bad.csv: line 3 (row 2)"]),
}


@pytest.fixture
def folder(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "bad.csv").write_text("label,p0,p1\n0,0.4,0.6\n1,0.5,0.7\n")
    (tmp_path / "report.md").write_text(OLD_REPORT)
    return tmp_path


@pytest.mark.parametrize("command", ["validate", "assess-json", "assess-markdown"])
@pytest.mark.parametrize("case", list(PROFILES))
def test_bad_profile_is_refused_and_nothing_is_written(folder, case, command):
    content, fragments = PROFILES[case]
    (folder / "bad.yaml").write_bytes(content)
    before = snapshot(folder)
    args = {"validate": ["validate", "bad.yaml"],
            "assess-json": ["assess", "bad.yaml", "--format", "json", "-o", "new.json"],
            "assess-markdown": ["assess", "bad.yaml", "-o", "report.md"]}[command]
    result = run(folder, *args)
    assert_refused(result, "bad.yaml", *fragments)
    assert snapshot(folder) == before  # the old report intact, no new.json, no pwned, no temporary files


def test_a_date_like_name_is_text_not_a_date(folder):
    # Implicit timestamps are off: "2024-13-01" is a fine project name, not a broken date.
    (folder / "p.yaml").write_text(replace_once(GOOD, "name: Claims intake extraction", "name: 2024-13-01"))
    result = run(folder, "validate", "p.yaml")
    assert result.exit_code == 0 and "project '2024-13-01'" in result.output, result.output


def test_good_profile_passes_the_same_checks(folder):
    # The table above is only meaningful if the unbroken profile is accepted.
    (folder / "good.yaml").write_text(GOOD)
    assert run(folder, "validate", "good.yaml").exit_code == 0


@pytest.mark.parametrize("variant", ["bom", "crlf", "bom+crlf"])
def test_bom_and_crlf_profiles_are_fine(folder, variant):
    text = GOOD.replace("\n", "\r\n") if "crlf" in variant else GOOD
    raw = (b"\xef\xbb\xbf" if "bom" in variant else b"") + text.encode()
    (folder / "p.yaml").write_bytes(raw)
    (folder / "plain.yaml").write_text(GOOD)
    got = run(folder, "assess", "p.yaml", "--format", "json")
    want = run(folder, "assess", "plain.yaml", "--format", "json")
    assert got.exit_code == 0, got.output
    assert got.output.replace("p.yaml", "X") .split('"sha256"')[0] == want.output.replace("plain.yaml", "X").split('"sha256"')[0]


def test_profile_checksum_is_of_the_bytes_on_disk(folder):
    import hashlib

    raw = b"\xef\xbb\xbf" + GOOD.replace("\n", "\r\n").encode()
    (folder / "p.yaml").write_bytes(raw)
    assert document.read_document(folder / "p.yaml", Exception).sha256 == hashlib.sha256(raw).hexdigest()


@pytest.mark.parametrize("name, setup, fragment", [
    ("missing.yaml", None, "missing.yaml: no such file"),
    ("sub", None, "sub: is a folder, not a file"),
    ("/dev/zero", None, "/dev/zero: is not a regular file"),
])
def test_unreadable_profile_paths(folder, name, setup, fragment):
    result = run(folder, "assess", name, "-o", "report.md")
    assert_refused(result, fragment)
    assert (folder / "report.md").read_text() == OLD_REPORT


def test_profile_that_cannot_be_read_names_the_file(folder, monkeypatch):
    # Tests run as root, where chmod 000 does not stop a read: simulate the refusal.
    (folder / "locked.yaml").write_text(GOOD)
    real_open = open

    def refuse(path, *args, **kwargs):
        if str(path).endswith("locked.yaml"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr("builtins.open", refuse)
    assert_refused(run(folder, "validate", "locked.yaml"), "locked.yaml: cannot read the file: Permission denied")


def test_python_tag_never_runs(folder):
    (folder / "bad.yaml").write_text("!!python/object/apply:os.system ['touch pwned']\n")
    run(folder, "validate", "bad.yaml")
    run(folder, "questionnaire", "--answers", "bad.yaml", "-o", "out.yaml")
    assert not (folder / "pwned").exists()


def test_answers_from_standard_input_are_bounded(folder):
    result = CliRunner().invoke(main, ["questionnaire", "--answers", "-"], input=b"#" * (document.MAX_BYTES + 1))
    assert_refused(result, "<stdin>: the file is larger than 1 MiB")


def test_answers_file_with_bad_bytes_names_the_line(folder):
    (folder / "answers.yaml").write_bytes(GOOD.encode().replace(b"Claims", b"Cl\xe9ims"))
    result = run(folder, "questionnaire", "--answers", "answers.yaml", "-o", "out.yaml")
    assert_refused(result, "answers.yaml:6: not UTF-8 text at column 11 (byte 0xe9)")
    assert not (folder / "out.yaml").exists()


def test_corrupt_progress_file_is_an_error_not_a_traceback(folder, monkeypatch):
    (folder / ".advisor-questionnaire.yaml").write_text("answers: &a [*a]\n")
    monkeypatch.setenv("ADVISOR_FORCE_INTERACTIVE", "1")
    result = run(folder, "questionnaire", "--resume", "-o", "out.yaml")
    assert_refused(result, ".advisor-questionnaire.yaml:1: YAML aliases")


# ---------------------------------------------------------------- rubrics

def rubric_text(edit) -> str:
    data = yaml.safe_load(default_rubric_path().read_text(encoding="utf-8"))
    edit(data)
    return yaml.safe_dump(data, sort_keys=False)


def nested_condition(levels: int) -> dict:
    condition: dict = {"dimension": "cost", "op": "ge", "value": 3}
    for _ in range(levels):
        condition = {"not": condition}
    return condition


def set_rule(index: int, **fields):
    def edit(data):
        data["rules"][index].update(fields)
    return edit


RUBRICS = {
    "unknown dimension": (rubric_text(set_rule(0, when={"dimension": "latncy", "op": "ge", "value": 1})),
                          ["latncy", "latency"]),
    "unknown operator": (rubric_text(set_rule(0, when={"dimension": "latency", "op": "approx", "value": 1})),
                         ["approx"]),
    "unknown strategy": (rubric_text(set_rule(0, effects=[{"adjust": "finetune", "by": 1.0}])),
                         ["finetune", "fine_tune"]),
    "duplicate rule ids": (rubric_text(set_rule(1, id="urgent-launch-thin-data")),
                           ["urgent-launch-thin-data", "duplicate"]),
    "malformed condition": (rubric_text(set_rule(0, when={"all": "cost >= 3"})), ["rules[0]"]),
    "condition with two operators": (rubric_text(set_rule(0, when={"all": [], "any": []})), ["rules[0]"]),
    "absurdly deep condition": (rubric_text(set_rule(0, when=nested_condition(200))),
                                ["nested more than 32 levels"]),
    "infinite weight": (rubric_text(lambda d: d["weights"]["cost"].update(fine_tune=float("inf"))),
                        ["weights.cost.fine_tune: must be a finite number (got inf)"]),
    "NaN adjustment": (rubric_text(set_rule(0, effects=[{"adjust": "fine_tune", "by": float("nan")}])),
                       ["effects[0].by: must be a finite number"]),
    "huge base": (rubric_text(lambda d: d["strategies"][0].update(base=1e308)),
                  ["strategies[0]", "base: must be 100 or less (got"]),
    "operator given as a list": (rubric_text(set_rule(0, when={"dimension": "latency", "op": ["ge"], "value": 1})),
                                 ["when.op: unknown operator ['ge']"]),
    "infinite condition value": (rubric_text(set_rule(0, when={"dimension": "latency", "op": "ge", "value": float("inf")})),
                                 ["when.value: inf is not a finite number"]),
    "NaN condition value": (rubric_text(set_rule(0, when={"dimension": "latency", "op": "ge", "value": float("nan")})),
                            ["when.value: nan is not a finite number"]),
    "python tag": ("name: !!python/object/apply:os.system ['touch pwned']\n",
                   ["bad-rubric.yaml:1: YAML tag !!python/object/apply:os.system is not allowed"]),
    "alias": ("a: &x 1\nb: *x\n", ["bad-rubric.yaml:2: YAML aliases"]),
    "not a mapping": ("- 1\n", ["bad-rubric.yaml:1: a rubric must be a YAML mapping"]),
    "empty": ("", ["bad-rubric.yaml:1: a rubric must be a YAML mapping"]),
    "oversized": ("#" * (document.MAX_BYTES + 10), ["larger than 1 MiB"]),
}


@pytest.mark.parametrize("command", ["assess", "lint"])
@pytest.mark.parametrize("case", list(RUBRICS))
def test_bad_rubric_is_refused_and_nothing_is_written(folder, case, command):
    text, fragments = RUBRICS[case]
    (folder / "bad-rubric.yaml").write_text(text, encoding="utf-8")
    (folder / "good.yaml").write_text(GOOD)
    before = snapshot(folder)
    args = (["assess", "good.yaml", "--rubric", "bad-rubric.yaml", "-o", "report.md"] if command == "assess"
            else ["rubric", "lint", "bad-rubric.yaml"])
    assert_refused(run(folder, *args), "bad-rubric.yaml", *fragments)
    assert snapshot(folder) == before


def test_condition_nesting_within_the_limit_still_works(folder):
    # The depth limit must not reject a rubric that is merely structured: 12 levels load and assess.
    (folder / "rubric.yaml").write_text(rubric_text(set_rule(0, when=nested_condition(12))))
    (folder / "good.yaml").write_text(GOOD)
    result = run(folder, "assess", "good.yaml", "--rubric", "rubric.yaml", "--format", "json")
    assert result.exit_code == 0, result.output


# ---------------------------------------------------------------- templates

TEMPLATES = {
    "class and mro": ("{{ ''.__class__.__mro__ }}", ["evil.j2:1: template error", "unsafe"]),
    "globals of a function": ("{{ cycler.__init__.__globals__ }}", ["evil.j2:1: template error", "unsafe"]),
    "format string attribute": ("{{ '{0.__class__}'.format(1) }}", ["evil.j2:1: template error"]),
    "mutating the data": ("{% set x = a.recommendation.companions.append(1) %}", ["evil.j2:1: template error"]),
    "memory bomb": ("{{ 'a' * 10**9 }}", ["evil.j2:1: template error", "limit"]),
    "doubling macro": ("{% macro d(s, n) %}{{ d(s ~ s, n - 1) if n else s }}{% endmacro %}{{ d('ab', 40) }}",
                       ["evil.j2:1: template error", "too large"]),
    "endless recursion": ("{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}", ["evil.j2: template error: recursion"]),
    "include outside the folder": ("{% include '../secret.txt' %}",
                                   ["evil.j2:1: template error: no template '../secret.txt'"]),
    "syntax error": ("line one\n{% if %}\n", ["evil.j2:2: template syntax error"]),
    "undefined name": ("{{ nope.nothing }}", ["evil.j2:1: template error", "nope"]),
    "non-UTF-8": ("ok\n\udcff", ["evil.j2:2: not UTF-8 text at column 1"]),
    "oversized": ("#" * (document.MAX_BYTES + 1), ["evil.j2: the file is larger than 1 MiB"]),
}


@pytest.mark.parametrize("case", list(TEMPLATES))
def test_hostile_template_is_refused_and_nothing_is_written(folder, case):
    text, fragments = TEMPLATES[case]
    (folder / "evil.j2").write_bytes(text.encode("utf-8", "surrogateescape"))
    (folder / "good.yaml").write_text(GOOD)
    (folder.parent / "secret.txt").write_text("top secret")
    before = snapshot(folder)
    assert_refused(run(folder, "assess", "good.yaml", "--template", "evil.j2", "-o", "report.md"), *fragments)
    assert snapshot(folder) == before


def test_silent_endless_loop_hits_the_time_budget(folder, monkeypatch):
    monkeypatch.setattr(sandbox, "MAX_SECONDS", 0.3)
    (folder / "slow.j2").write_text("{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}")
    (folder / "good.yaml").write_text(GOOD)
    result = run(folder, "assess", "good.yaml", "--template", "slow.j2", "-o", "report.md")
    assert_refused(result, "slow.j2:1: template error: rendering took longer than 0.3 s")
    assert (folder / "report.md").read_text() == OLD_REPORT


def test_time_budget_is_lifted_after_the_render(folder):
    # A timer left running would kill the next long computation of the process.
    (folder / "ok.j2").write_text("{{ a.recommendation.primary }}\n")
    (folder / "good.yaml").write_text(GOOD)
    assert run(folder, "assess", "good.yaml", "--template", "ok.j2").output == "fine\\_tune\n"  # escaped for Markdown
    import signal

    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_included_template_in_the_same_folder_is_allowed(folder):
    (folder / "part.j2").write_text("[{{ a.recommendation.primary }}]")
    (folder / "main.j2").write_text("{% include 'part.j2' %}\n")
    (folder / "good.yaml").write_text(GOOD)
    assert run(folder, "assess", "good.yaml", "--template", "main.j2").output == "[fine\\_tune]\n"


# ---------------------------------------------------------------- output paths

@pytest.mark.parametrize("target, fragment", [
    ("missing/report.md", "missing/report.md: cannot write here: the folder 'missing' does not exist"),
    ("sub", "sub: cannot write here: it is a directory"),
    ("bad.csv/report.md", "bad.csv/report.md: cannot write here: 'bad.csv' is a file, not a folder"),
    ("good.yaml", "good.yaml: cannot write here: it is an input of this command"),
])
@pytest.mark.parametrize("fmt", ["markdown", "json"])
def test_bad_output_path_is_refused_before_any_work(folder, target, fragment, fmt):
    (folder / "good.yaml").write_text(GOOD)
    before = snapshot(folder)
    assert_refused(run(folder, "assess", "good.yaml", "--format", fmt, "-o", target), fragment)
    assert snapshot(folder) == before


def test_calibration_output_over_its_own_input_is_refused(folder):
    (folder / "p.csv").write_text("label,p0,p1\n0,0.4,0.6\n1,0.5,0.5\n")
    before = snapshot(folder)
    assert_refused(run(folder, "calibration", "p.csv", "-o", "p.csv"), "p.csv: cannot write here: it is an input")
    assert snapshot(folder) == before


@pytest.mark.parametrize("errno_name, message", [("EACCES", "Permission denied"), ("ENOSPC", "No space left")])
def test_unwritable_folder_is_an_error_and_the_old_report_stays(folder, monkeypatch, errno_name, message):
    import errno

    code = getattr(errno, errno_name)

    def refuse(*args, **kwargs):
        raise OSError(code, os.strerror(code))

    (folder / "good.yaml").write_text(GOOD)
    monkeypatch.setattr(output.tempfile, "mkstemp", refuse)
    before = snapshot(folder)
    assert_refused(run(folder, "assess", "good.yaml", "-o", "report.md"), "report.md: cannot write here:", message)
    assert snapshot(folder) == before


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_read_only_folder(folder):
    (folder / "good.yaml").write_text(GOOD)
    locked = folder / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        assert_refused(run(folder, "assess", "good.yaml", "-o", "locked/r.md"), "locked/r.md: cannot write here")
    finally:
        locked.chmod(0o755)


def test_failure_while_writing_figures_keeps_every_old_file(folder, monkeypatch):
    # Three files (report and two figures) are replaced together or not at all.
    (folder / "good.yaml").write_text(GOOD)
    assert run(folder, "assess", "good.yaml", "-o", "report.md").exit_code == 0
    before = snapshot(folder)
    (folder / "good.yaml").write_text(GOOD.replace("Claims intake extraction", "Renamed"))
    staged = []
    real_stage = output.stage

    def stage_then_fail(path, *args):
        if staged:
            raise OSError(28, "No space left on device")
        staged.append(path)
        return real_stage(path, *args)

    monkeypatch.setattr(output, "stage", stage_then_fail)
    assert_refused(run(folder, "assess", "good.yaml", "-o", "report.md"), "No space left")
    after = snapshot(folder)
    after.pop("good.yaml"), before.pop("good.yaml")
    assert after == before


# ---------------------------------------------------------------- control characters

@pytest.mark.parametrize("escaped, code", [("\\e[2J", "001B"), ("\\x9b2J", "009B"), ("\\x7f", "007F"),
                                           ("\\r", "000D"), ("\\L", "2028")])
def test_escape_sequences_written_as_yaml_escapes_are_refused(folder, escaped, code):
    # YAML's escapes put real control characters in a value; they are refused like raw ones,
    # so no text from a profile can drive the terminal or hide in the report.
    (folder / "good.yaml").write_text(replace_once(
        GOOD, "name: Claims intake extraction", f'name: "Claims {escaped} intake"'))
    before = snapshot(folder)
    result = run(folder, "assess", "good.yaml", "-o", "report.md")
    assert_refused(result, f"good.yaml:6: project.name: control character U+{code} is not allowed in text")
    assert not any(ch in result.output for ch in "\x1b\x9b\x7f\r\u2028")
    assert snapshot(folder) == before


# ---------------------------------------------------------------- determinism

def run_in_subprocess(folder: Path, seed: str, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONHASHSEED=seed)
    return subprocess.run([sys.executable, "-m", "advisor", *args], cwd=folder, env=env,
                          capture_output=True, check=True)


def test_outputs_are_byte_identical_across_runs_and_hash_seeds(tmp_path):
    example = ROOT / "examples" / "calibrate"
    for name in ("profile.yaml", "predictions.npz"):
        (tmp_path / name).write_bytes((example / name).read_bytes())
    runs = []
    for seed in ("0", "1", "4242"):
        out = tmp_path / f"run{seed}"
        out.mkdir()
        run_in_subprocess(tmp_path, seed, "assess", "profile.yaml", "-o", f"{out.name}/report.md")
        as_json = run_in_subprocess(tmp_path, seed, "assess", "profile.yaml", "--format", "json").stdout
        measured = run_in_subprocess(tmp_path, seed, "calibration", "predictions.npz", "--format", "json").stdout
        files = {p.name: p.read_bytes() for p in sorted(out.iterdir())}
        runs.append((files, as_json, measured))
    assert sorted(runs[0][0]) == sorted(["report.md", *figures_beside(tmp_path / "run0").values()])
    assert sorted(figures_beside(tmp_path / "run0")) == ["reliability", "risk", "scores"]
    assert runs[0] == runs[1] == runs[2]


# ---------------------------------------------------------------- the questionnaire at a terminal

def test_hostile_answers_at_the_terminal_are_asked_again_and_progress_survives_end_of_input(folder, monkeypatch):
    monkeypatch.setenv("ADVISOR_FORCE_INTERACTIVE", "1")
    monkeypatch.chdir(folder)
    hostile = ["9" * 5000, "!!python/object/apply:os.system ['touch pwned']", "&a [*a]", "2024-13-01", "\x1b[2J"]
    answers = ["Name", "Summary", *hostile, "3"]  # then the input ends
    result = CliRunner().invoke(main, ["questionnaire", "-o", "out.yaml"], input="\n".join(answers) + "\n")
    assert result.exit_code == 1 and "Traceback" not in result.output, result.output
    assert result.output.count("scores.quality_gap") >= len(hostile)  # each refused and asked again
    # CliRunner echoes the typed input (a terminal would); advisor's own reply shows the escape inert.
    assert result.output.count("\x1b") == 1 and "(got '\\x1b[2J')" in result.output
    assert not (folder / "pwned").exists() and not (folder / "out.yaml").exists()
    saved = yaml.safe_load((folder / ".advisor-questionnaire.yaml").read_text())
    assert saved["answers"]["scores.quality_gap"] == 3


def test_error_messages_never_carry_raw_control_characters(folder):
    # A file name is untrusted text too: an ESC in it is shown escaped in the error.
    name = "evil\x1b]0;owned\x07.yaml"
    (folder / name).write_text("version: 2\n")
    result = run(folder, "validate", name)
    assert result.exit_code == 1
    assert "\x1b" not in result.output and "\x07" not in result.output
    assert "evil\\x1b]0;owned\\x07.yaml" in result.output


# ---------------------------------------------------------------- outputs never replace inputs; special files and sizes

def calibrated_folder(folder: Path) -> Path:
    example = ROOT / "examples" / "calibrate"
    for name in ("profile.yaml", "predictions.npz"):
        (folder / name).write_bytes((example / name).read_bytes())
    return folder


@pytest.mark.parametrize("args, target", [
    (["assess", "profile.yaml", "-o", "predictions.npz", "--format", "json"], "predictions.npz"),
    (["assess", "profile.yaml", "-o", "predictions.npz"], "predictions.npz"),
])
def test_output_never_replaces_an_attached_or_derived_input(folder, args, target):
    calibrated_folder(folder)
    before = snapshot(folder)
    assert_refused(run(folder, *args), f"{target}: cannot write here: it is an input of this command")
    assert snapshot(folder) == before


def test_a_figure_never_replaces_the_profile_named_like_it(folder, tmp_path_factory):
    # Figures are named after their content; a profile saved under the scores figure's name
    # (the figure does not depend on the profile's file name) is refused, not replaced.
    rehearsal = calibrated_folder(tmp_path_factory.mktemp("rehearsal"))
    assert run(rehearsal, "assess", "profile.yaml", "-o", "report.md").exit_code == 0
    scores = figures_beside(rehearsal)["scores"]
    calibrated_folder(folder)
    (folder / "profile.yaml").rename(folder / scores)
    before = snapshot(folder)
    assert_refused(run(folder, "assess", scores, "-o", "report.md"),
                   f"{scores}: cannot write here: it is an input of this command")
    assert snapshot(folder) == before


def test_calibration_output_never_replaces_the_other_file_of_an_npy_pair(folder):
    import numpy as np

    np.save(folder / "x.labels.npy", np.array([0, 1, 1]))
    np.save(folder / "x.probs.npy", np.array([[0.8, 0.2], [0.3, 0.7], [0.4, 0.6]]))
    before = snapshot(folder)
    assert_refused(run(folder, "calibration", "x.labels.npy", "-o", "x.probs.npy"), "x.probs.npy: cannot write here")
    assert snapshot(folder) == before


def test_output_through_a_symlink_updates_the_file_and_keeps_the_link(folder):
    (folder / "good.yaml").write_text(GOOD)
    (folder / "real.json").write_text("old\n")
    (folder / "link.json").symlink_to("real.json")
    assert run(folder, "assess", "good.yaml", "--format", "json", "-o", "link.json").exit_code == 0
    assert (folder / "link.json").is_symlink() and '"recommendation"' in (folder / "real.json").read_text()


def test_fifo_is_refused_as_output_and_as_a_document(folder):
    os.mkfifo(folder / "pipe")
    (folder / "good.yaml").write_text(GOOD)
    assert_refused(run(folder, "assess", "good.yaml", "-o", "pipe"), "pipe: cannot write here: it is not a regular file")
    assert_refused(run(folder, "validate", "pipe"), "pipe: is not a regular file")  # would block forever
    assert_refused(run(folder, "assess", "good.yaml", "--rubric", "pipe"), "pipe: is not a regular file")


def test_a_file_of_many_problems_lists_the_first_fifty(folder):
    (folder / "bad.yaml").write_text("version: 1\n" + "".join(f"unknown{i}: 1\n" for i in range(400)))
    result = run(folder, "validate", "bad.yaml")
    assert_refused(result, "402 problems", "... and 352 more")  # 400 unknown keys, project and scores missing
    assert len(result.output.splitlines()) == 52


def test_a_long_output_name_still_fits_its_temporary_file(folder):
    (folder / "good.yaml").write_text(GOOD)
    name = "r" * 245 + ".json"
    assert run(folder, "assess", "good.yaml", "--format", "json", "-o", name).exit_code == 0
    assert sorted(p.name for p in folder.iterdir()) == sorted(["bad.csv", "good.yaml", "report.md", "sub", name])


def test_an_output_name_that_is_not_utf8_is_written(folder):
    (folder / "good.yaml").write_text(GOOD)
    name = os.fsdecode(b"r\xff.json")
    result = run(folder, "assess", "good.yaml", "--format", "json", "-o", name)
    assert result.exit_code == 0, result.output
    assert '"recommendation"' in (folder / name).read_text(encoding="utf-8")


@pytest.mark.parametrize("edit, fragment", [
    (lambda d: d["readiness"].update(first_steps=[f"step {i}" for i in range(21)]),
     "readiness.first_steps: must have at most 20 items"),
    (set_rule(0, when={"fact": "launch_weeks", "op": "in", "value": [i + 0.5 for i in range(101)]}),
     "operator 'in' takes at most 100 values (got 101)"),
])
def test_rubric_sizes_are_bounded_so_linting_stays_fast(folder, edit, fragment):
    (folder / "r.yaml").write_text(rubric_text(edit))
    assert_refused(run(folder, "rubric", "lint", "r.yaml"), fragment)


def test_sensitivity_tries_only_the_values_nearest_the_current_one():
    from advisor import sensitivity

    values = list(range(0, 1000, 10))
    kept = sensitivity.nearest(values, 503)
    assert len(kept) == sensitivity.MAX_CANDIDATES and kept == sorted(kept)
    assert 500 in kept and 510 in kept and 0 not in kept and 990 not in kept
    assert sensitivity.nearest([1, 2, 3], None) == [1, 2, 3]


def test_init_dash_prints_the_starter_profile_instead_of_writing_a_file_named_dash(folder):
    result = run(folder, "init", "-")
    assert result.exit_code == 0 and result.output.startswith("# yaml-language-server")
    assert not (folder / "-").exists()


@pytest.mark.parametrize("from_stdin", [False, True])
def test_questionnaire_answers_never_replace_the_predictions_they_attach(folder, from_stdin, monkeypatch):
    calibrated_folder(folder)
    before = snapshot(folder)
    if from_stdin:  # paths in answers from standard input are relative to the working folder
        monkeypatch.chdir(folder)
        result = CliRunner().invoke(main, ["questionnaire", "--answers", "-", "-o", "predictions.npz"],
                                    input=(folder / "profile.yaml").read_text())
    else:
        result = run(folder, "questionnaire", "--answers", "profile.yaml", "-o", "predictions.npz")
    assert_refused(result, "predictions.npz: cannot write here: it is an input of this command")
    assert snapshot(folder) == before


def test_output_through_a_dangling_link_into_a_missing_folder_fails_before_any_work(folder):
    (folder / "good.yaml").write_text(GOOD)
    (folder / "link.json").symlink_to("missing/out.json")
    assert_refused(run(folder, "assess", "good.yaml", "--format", "json", "-o", "link.json"),
                   "cannot write here: the folder")
