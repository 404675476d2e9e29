"""Asking at the terminal: a line, a yes or no, a file name to write.

``?`` is the help key at every prompt. Text from answers, the rubric and the
progress file is shown through :func:`inert` (the terminal policy of
:mod:`advisor.text`), so none of it can rewrite the terminal.
"""

from __future__ import annotations

import os
import shutil
import textwrap
from pathlib import Path
from typing import Any, NoReturn

import click

from advisor.errors import InputError, Interrupted
from advisor.output import check_output
from advisor.questionnaire.progress import PROGRESS_FILE
from advisor.questionnaire.question import NO_WORDS, YES_NO, YES_WORDS
from advisor.questionnaire.writer import one_line
from advisor.text import for_terminal, refused_character

DEFAULT_OUTPUT = "profile.yaml"
PROFILE_PATH_HELP = ("The profile is a YAML file holding your answers; name the file to write "
                     "(a folder that exists, plus a file name).")

# Answers, rubric texts and saved paths come from other people: never print them raw.
inert = for_terminal


def say(text: Any = "") -> None:
    click.echo(inert(text))


def terminal_width() -> int:
    """Columns to fill: the terminal's (``COLUMNS`` first), less one so no line runs into the margin."""
    return max(40, shutil.get_terminal_size((80, 24)).columns - 1)


def wrapped(text: Any, indent: str = "  ", hang: str | None = None) -> list[str]:
    """``text`` on one paragraph wrapped to the terminal's width, escaped (see :func:`inert`)."""
    return textwrap.wrap(inert(one_line(text)), terminal_width(), initial_indent=indent,
                         subsequent_indent=indent if hang is None else hang, break_on_hyphens=False) or [indent]


def say_wrapped(text: Any, indent: str = "  ", hang: str | None = None) -> None:
    for line in wrapped(text, indent, hang):
        click.echo(line)


def ask_line(text: str, help_text: str, default: str = "", show_default: bool = True) -> str:
    """``click.prompt``, except that ``?`` shows ``help_text`` and asks again.

    ``?`` is the help key at every prompt, so it must never become an answer
    (before this, ``?`` at a path prompt wrote a file named ``?``).
    """
    shown_default = inert(default)
    while True:
        reply = click.prompt(inert(text), default=shown_default, show_default=show_default and bool(default))
        if reply.strip() != "?":
            return default if reply == shown_default else reply  # Enter keeps the real default
        say_wrapped(help_text)


def ask_yes_no(text: str, default: bool, help_text: str = "") -> bool:
    """A y/n question whose refusal says what is accepted (click's says only "invalid input")."""
    hint = "Y/n" if default else "y/N"
    default_word = "yes" if default else "no"
    help_text = f"{help_text} {YES_NO[:1].upper()}{YES_NO[1:]}; Enter means {default_word}.".strip()
    while True:
        reply = ask_line(f"{text} [{hint}]", help_text, show_default=False).strip().lower()
        if not reply:
            return default
        if reply in YES_WORDS or reply in NO_WORDS:
            return reply in YES_WORDS
        say(f"  Error: {YES_NO}, or press Enter for {default_word}; ? shows help")


def ask_path(text: str, default: str, help_text: str) -> Path:
    """A file name to write: blank names, folders and missing folders are refused and asked again."""
    while True:
        reply = ask_line(text, help_text, default).strip()
        problem = path_problem(reply)
        if problem is None:
            return Path(reply)
        say(f"  Error: {problem}")


def path_problem(text: str) -> str | None:
    if not text or text == "-":
        return "type a file name (? shows help)"
    if text.endswith(("/", os.sep)):
        return f"{text}: cannot write here: it names a folder, not a file"
    try:
        check_profile_target(text, None)
    except InputError as exc:
        return exc.render()
    return None


def check_profile_target(output: str, rubric_path: str | None) -> None:
    """Refuse a file that cannot be written, the rubric read, or the progress file
    (it is deleted once the profile is written, and the profile with it)."""
    if refused_character(output):  # it would be saved in the progress file, which refuses it
        raise InputError("cannot write here: a file name with control characters is not allowed", file=output)
    check_output(output, [rubric_path])
    if Path(output).resolve() == Path(PROGRESS_FILE).resolve():
        raise InputError("cannot write here: the questionnaire keeps its progress in this file", file=output)


def confirm_target(named: str) -> Path:
    """The file named by -o or by a progress file, replaced only if the user says so (as for a typed
    name): whoever wrote the progress file may not be the one running the questionnaire."""
    target = Path(named)
    if not target.exists() or ask_yes_no(f"{target} exists. Overwrite it?", False, "n asks for another file name."):
        return target
    return ask_new_file("Write the profile to", DEFAULT_OUTPUT, PROFILE_PATH_HELP)


def ask_new_file(text: str, default: str, help_text: str) -> Path:
    """A file name to write; an existing file is replaced only if the user says so."""
    while True:
        target = ask_path(text, default, help_text)
        if not target.exists() or ask_yes_no(f"{target} exists. Overwrite it?", False,
                                             "n asks for another file name."):
            return target


def stop(message: str) -> NoReturn:
    """End an interrupted questionnaire; the CLI shows only ``message`` and exits 1."""
    raise Interrupted(inert(message))  # it names paths, which may come from a progress file
