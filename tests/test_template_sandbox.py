"""Hostile user templates: memory bombs, symlinks out of the folder, error locations.

Every refusal runs the real CLI and checks the whole contract: exit status 1, one
``Error:`` line naming the file and line, no traceback, and nothing written (the old
report keeps its bytes, no new file appears). The memory bombs would need gigabytes
if a check were missing; with the checks each is refused before it allocates.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from advisor import report, sandbox
from advisor.cli import main

ROOT = Path(__file__).resolve().parent.parent
PROFILE = ROOT / "examples" / "recurring-failures" / "profile.yaml"
OLD_REPORT = "an earlier report that must survive\n"
BIG = '{% set a = "x" * 1000000 %}'  # a legal value: exactly the size limit


@pytest.fixture
def folder(tmp_path):
    shutil.copy(PROFILE, tmp_path / "profile.yaml")
    (tmp_path / "report.md").write_text(OLD_REPORT)
    return tmp_path


def run(folder: Path, template: str):
    """``advisor assess`` inside ``folder`` with relative paths, as a user would."""
    cwd = os.getcwd()
    os.chdir(folder)
    try:
        return CliRunner().invoke(main, ["assess", "profile.yaml", "--template", template, "-o", "report.md"])
    finally:
        os.chdir(cwd)


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def assert_refused(folder: Path, template: str, *fragments: str) -> str:
    before = snapshot(folder)
    result = run(folder, template)
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.output.startswith("Error: ") and result.output.count("\n") == 1, result.output
    assert "Traceback" not in result.output
    for fragment in fragments:
        assert fragment in result.output, (fragment, result.output)
    assert snapshot(folder) == before
    return result.output


# ---------------------------------------------------------------- memory bombs

BOMBS = {
    # The reviewer's five: each grows a value far faster than the template text.
    "nested join": "{% set b = [a, a, a, a, a, a, a, a]|join %}{% set c = [b, b, b, b, b, b, b, b]|join %}"
                   "{{ ([c, c, c, c, c, c, c, c]|join)|length }}",
    "indent by a string": '{{ ("\\n" * 100000)|indent("y" * 100000, first=True, blank=True)|length }}',
    "sum of lists": "{% set l = a|list %}{{ ([l] * 1000)|sum(start=[])|length }}",
    "star width in the format filter": '{{ ("%*s"|format(2999999999, "x"))|length }}',
    "star width in %": '{{ ("%*d%*d%*d" % (999999999, 1, 999999999, 2, 999999999, 3))|length }}',
    # The same growth through other doors.
    "join of references": "{{ ([a] * 3000)|join|length }}",
    "str.join": '{{ "".join([a] * 3000)|length }}',
    "printing references": "{{ [a] * 3000 }}",
    "printing through a helper": "{{ md([a] * 3000) }}",
    "a filter of the report": "{{ ([a] * 3000)|md }}",
    "string filter": "{{ ([a] * 3000)|string|length }}",
    "tilde on a list": '{{ ([a] * 3000) ~ "" }}',
    "tilde chain": "{{ (" + " ~ ".join(["a"] * 3000) + ")|length }}",
    "repeated mapping key": '{{ ("%(k)s" * 3000) % {"k": a} }}',
    "nested str.format width": '{{ "{:{}}".format("x", 999999999)|length }}',
    "str.format_map width": '{{ "{x:>{w}}".format_map({"x": "a", "w": 999999999})|length }}',
    "precision": '{{ ("%.999999999f" % 1.5)|length }}',
    "wordwrap separator": '{{ ("x" * 3000)|wordwrap(1, wrapstring=a)|length }}',
    "urlize target": '{{ ("a.co " * 3000)|urlize(target=a)|length }}',
    "tojson indent": "{{ ([a[:1000]] * 1000)|tojson(3000)|length }}",
    "batch filler": '{{ [1]|batch(999999999, "x")|list|length }}',
    "translate": '{{ ("x" * 3000).translate({120: a})|length }}',
    "bytes padding": '{{ "x".encode().center(999999999)|length }}',
    "macro output": "{% macro m() %}{% for i in range(3000) %}{{ a|raw }}{% endfor %}{% endmacro %}{{ m()|length }}",
    "captured block": "{% set b %}{% for i in range(3000) %}{{ a|raw }}{% endfor %}{% endset %}{{ b|length }}",
}


@pytest.mark.parametrize("case", list(BOMBS))
def test_memory_bomb_is_refused_before_it_allocates(folder, case, monkeypatch):
    # A check that only looked at the result would meet this smaller backstop first.
    monkeypatch.setattr(sandbox, "MAX_MEMORY", 256 << 20)
    (folder / "evil.j2").write_text(BIG + BOMBS[case] + "\n")
    output = assert_refused(folder, "evil.j2", "Error: evil.j2:1: template error: ", "limit")
    assert "more memory" not in output  # a specific check, not the backstop, refused it


def test_lipsum_is_not_offered(folder):
    (folder / "evil.j2").write_text("{{ lipsum(1000000)|length }}")
    assert_refused(folder, "evil.j2", "evil.j2:1: template error: 'lipsum' is undefined")


def test_the_same_operations_within_the_limits_still_work(folder):
    (folder / "ok.j2").write_text(
        '{{ [1, 2]|join(", ") }}|{{ "%*d"|format(4, 7) }}|{{ "{:>{}}".format("r", 3) }}|{{ [[1], [2]]|sum(start=[]) }}|'
        '{{ "a b"|wordwrap(1, wrapstring="/") }}|{{ "ab"|center(4) }}|{{ {"k": 1}|tojson }}|{{ "x".translate({120: "yz"}) }}|'
        '{% macro m() %}{% for i in range(3) %}{{ i }}{% endfor %}{% endmacro %}{{ m() }}|{{ "a" ~ 1 ~ [2] }}\n')
    assert run(folder, "ok.j2").exit_code == 0
    assert (folder / "report.md").read_text() == (
        '1, 2| 7| r|\\[1, 2\\]|a/b| ab |{"k": 1}|yz|012|a1\\[2\\]\n')  # md collapses spaces


# ---------------------------------------------------------------- the memory backstop

needs_rlimit = pytest.mark.skipif(
    sandbox.resource is None or not hasattr(sandbox.resource, "RLIMIT_AS") or sandbox._address_space_size() is None,
    reason="no RLIMIT_AS or /proc/self/statm here")


@needs_rlimit
def test_a_bomb_the_checks_miss_meets_the_memory_backstop(folder, monkeypatch):
    # Each upper() result is within the limit; a thousand of them are not (1 GB unchecked).
    monkeypatch.setattr(sandbox, "MAX_MEMORY", 64 << 20)
    limits = sandbox.resource.getrlimit(sandbox.resource.RLIMIT_AS)
    (folder / "evil.j2").write_text("\n" + BIG + '{{ ([a] * 1000)|map("upper")|list|length }}')
    assert_refused(folder, "evil.j2",
                   "Error: evil.j2:2: template error: the template needs more memory than a report may use")
    assert sandbox.resource.getrlimit(sandbox.resource.RLIMIT_AS) == limits
    (folder / "ok.j2").write_text("{{ a.recommendation.primary }}\n")
    assert run(folder, "ok.j2").exit_code == 0
    assert sandbox.resource.getrlimit(sandbox.resource.RLIMIT_AS) == limits


@needs_rlimit
def test_memory_limit_caps_only_inside_the_block():
    limits = sandbox.resource.getrlimit(sandbox.resource.RLIMIT_AS)
    with pytest.raises(MemoryError), sandbox.memory_limit(32 << 20):
        bytearray(1 << 30)  # refused by the kernel: nothing is allocated
    assert sandbox.resource.getrlimit(sandbox.resource.RLIMIT_AS) == limits
    assert len(bytearray(64 << 20)) == 64 << 20  # more than the budget, after the block


@needs_rlimit
def test_memory_limit_keeps_a_lower_limit_of_the_caller():
    resource = sandbox.resource
    limits = resource.getrlimit(resource.RLIMIT_AS)
    lower = sandbox._address_space_size() + (512 << 20)
    resource.setrlimit(resource.RLIMIT_AS, (lower, limits[1]))
    try:
        with sandbox.memory_limit(1 << 40):
            assert resource.getrlimit(resource.RLIMIT_AS)[0] == lower
        assert resource.getrlimit(resource.RLIMIT_AS)[0] == lower
    finally:
        resource.setrlimit(resource.RLIMIT_AS, limits)


# ---------------------------------------------------------------- symlinks

def test_include_through_a_symlink_out_of_the_folder_is_refused(folder):
    (folder / "secret.txt").write_text("secret-token-123")
    (folder / "tpl").mkdir()
    (folder / "tpl" / "footer.j2").symlink_to(folder / "secret.txt")
    (folder / "tpl" / "report.j2").write_text('# report\n{% include "footer.j2" %}\n')
    output = assert_refused(folder, "tpl/report.j2",
                            "Error: tpl/report.j2:2: template error: 'footer.j2' points outside the template's folder")
    assert "secret-token" not in output


def test_include_through_a_symlinked_subfolder_is_refused(folder):
    (folder / "elsewhere").mkdir()
    (folder / "elsewhere" / "part.j2").write_text("private")
    (folder / "tpl").mkdir()
    (folder / "tpl" / "sub").symlink_to(folder / "elsewhere")
    (folder / "tpl" / "report.j2").write_text('{% include "sub/part.j2" %}\n')
    assert_refused(folder, "tpl/report.j2", "tpl/report.j2:1: template error: 'sub/part.j2' points outside")


def test_symlink_inside_the_folder_is_followed(folder):
    (folder / "parts").mkdir()
    (folder / "parts" / "real.j2").write_text("[{{ a.recommendation.primary }}]")
    (folder / "part.j2").symlink_to(Path("parts") / "real.j2")
    (folder / "main.j2").write_text("{% include 'part.j2' %}\n")
    assert run(folder, "main.j2").exit_code == 0
    assert (folder / "report.md").read_text() == "[fine\\_tune]"


def test_symlinked_main_template_renders_from_its_targets_folder(folder):
    (folder / "shared").mkdir()
    (folder / "shared" / "team.j2").write_text("# {{ a.recommendation.primary }}\n{% include 'part.j2' %}")
    (folder / "shared" / "part.j2").write_text("from the shared folder\n")
    (folder / "mine.j2").symlink_to(Path("shared") / "team.j2")
    result = run(folder, "mine.j2")
    assert result.exit_code == 0, result.output
    assert (folder / "report.md").read_text() == "# fine\\_tune\nfrom the shared folder\n"


def test_error_in_a_symlinked_main_template_names_the_real_file(folder):
    (folder / "shared").mkdir()
    (folder / "shared" / "team.j2").write_text("ok\n{{ nope }}\n")
    (folder / "mine.j2").symlink_to(Path("shared") / "team.j2")
    real = os.path.realpath(folder / "shared" / "team.j2")
    assert_refused(folder, "mine.j2", f"Error: {real}:2: template error: 'nope' is undefined")


# ---------------------------------------------------------------- where an error is

@pytest.mark.parametrize("part, fragment", [
    ("a\nb\n{% for %}\n", "Error: part.j2:3: template syntax error: "),
    ("a\nb\n{{ nope }}\n", "Error: part.j2:3: template error: 'nope' is undefined"),
    ('a\n{{ "x" * 10**9 }}\n', "Error: part.j2:2: template error: repetition too large"),
    ("a\n{% include 'missing.j2' %}\n", "Error: part.j2:2: template error: no template 'missing.j2'"),
])
def test_error_in_an_included_template_names_that_file_and_line(folder, part, fragment):
    (folder / "main.j2").write_text('line1\n{% include "part.j2" %}\n')
    (folder / "part.j2").write_text(part)
    assert_refused(folder, "main.j2", fragment)


def test_error_in_a_subfolder_include_names_its_path(folder):
    (folder / "tpl" / "sub").mkdir(parents=True)
    (folder / "tpl" / "main.j2").write_text('{% include "sub/part.j2" %}\n')
    (folder / "tpl" / "sub" / "part.j2").write_text("\n{{ nope }}\n")
    assert_refused(folder, "tpl/main.j2", "Error: tpl/sub/part.j2:2: template error: 'nope' is undefined")


def test_output_limit_names_the_included_line_that_was_printing(folder, monkeypatch):
    monkeypatch.setattr(report.custom, "MAX_OUTPUT", 1000)
    (folder / "main.j2").write_text('line1\n{% include "part.j2" %}\n')
    (folder / "part.j2").write_text("a\n{% for i in range(1000) %}{{ i }}{% endfor %}\n")
    assert_refused(folder, "main.j2", "Error: part.j2:2: template error: output exceeds 1000 characters")


# ---------------------------------------------------------------- what a message may quote

def test_message_does_not_carry_control_characters_or_a_second_error_line(folder):
    (folder / "evil.j2").write_text('{{ "a".encode("\\nError: spoofed\\x1b[2J") }}')
    output = assert_refused(folder, "evil.j2", "Error: evil.j2:1: template error: LookupError: ", "\\nError: spoofed")
    assert "\x1b" not in output


def test_message_quoting_a_huge_value_is_cut_short(folder):
    (folder / "evil.j2").write_text('{{ "a".encode("x" * 100000) }}')
    output = assert_refused(folder, "evil.j2", "Error: evil.j2:1: template error: LookupError: ", "xxx...")
    assert len(output) < 500


# ---------------------------------------------------------------- the render process

@needs_rlimit
def test_the_cli_process_itself_is_never_limited(folder, monkeypatch):
    # setrlimit is recorded here; the render's own process (a fork) records into its own copy.
    calls = []
    real = sandbox.resource.setrlimit
    monkeypatch.setattr(sandbox.resource, "setrlimit", lambda *args: (calls.append(args), real(*args)))
    monkeypatch.setattr(sandbox, "MAX_MEMORY", 64 << 20)
    (folder / "evil.j2").write_text("\n" + BIG + '{{ ([a] * 1000)|map("upper")|list|length }}')
    assert_refused(folder, "evil.j2", "Error: evil.j2:2: template error: the template needs more memory")
    (folder / "ok.j2").write_text("{{ a.recommendation.primary }}\n")
    assert run(folder, "ok.j2").exit_code == 0
    assert calls == []


@pytest.mark.skipif(not hasattr(os, "fork"), reason="renders in a forked process only where fork exists")
def test_a_render_process_that_dies_is_a_template_error_not_a_hang():
    import signal

    def die():
        os.kill(os.getpid(), signal.SIGKILL)  # as the CPU limit's SIGXCPU or the kernel would
        return "never"

    with pytest.raises(RuntimeError, match="ended without a result"):
        sandbox.run_isolated(die, lambda exc: RuntimeError(str(exc)))


@pytest.mark.skipif(not hasattr(os, "fork"), reason="renders in a forked process only where fork exists")
def test_an_error_of_an_included_file_comes_back_with_its_problem(folder):
    (folder / "main.j2").write_text('{% include "part.j2" %}\n')
    (folder / "part.j2").write_text("ok\n\x07\n")  # a control character: the document reader's problem
    result = run(folder, "main.j2")
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "part.j2:2" in result.output and "U+0007" in result.output
    assert (folder / "report.md").read_text() == OLD_REPORT


# ---------------------------------------------------------------- the Jinja internals it extends

def test_the_jinja_internals_the_sandbox_relies_on_are_there():
    """pyproject bounds jinja2 to the tested 3.1 series; this fails loudly if they change."""
    import inspect

    import jinja2
    from jinja2.compiler import CodeGenerator
    from jinja2.utils import _PassArg

    assert jinja2.__version__.startswith("3.1."), jinja2.__version__
    assert list(inspect.signature(CodeGenerator._output_child_to_const).parameters) == [
        "self", "node", "frame", "finalize"]
    assert callable(CodeGenerator.buffer) and callable(CodeGenerator.visit_Concat)
    assert _PassArg.from_obj(jinja2.pass_context(lambda context: None)) is _PassArg.context
    env = sandbox.LimitedSandbox()
    source = env.compile('{{ a ~ b }}{% set c %}x{% endset %}', raw=True)
    assert "environment.check_size(" in source and "environment.captured_output()" in source
    stream = env.from_string("{% for i in x %}{{ i }}{% endfor %}").generate(x=[1, 2])
    assert next(stream) == "1" and "__jinja_template__" in stream.gi_yieldfrom.gi_frame.f_globals


def test_include_of_a_loop_of_links_is_named_as_such(folder):
    (folder / "a.j2").symlink_to(folder / "b.j2")
    (folder / "b.j2").symlink_to(folder / "a.j2")
    (folder / "main.j2").write_text("line1\n{% include 'a.j2' %}\n")
    output = assert_refused(folder, "main.j2", "main.j2:2: template error: 'a.j2' is a loop of symbolic links, "
                                               "which never reaches a file")
    assert "no template" not in output
