"""The questionnaire's run: the interactive session at a terminal, or the answers from a file.

The session asks the questions of :mod:`advisor.questionnaire.question`, saves
progress after every answer (:mod:`advisor.questionnaire.progress`), shows a
summary where any answer can be revised, writes the profile and offers the report.

A progress file is not trusted: the resume question says which file the profile
will be written to and with which rubric; an ``-o`` or ``--rubric`` on the command
line wins over the saved one; and an existing file named by the saved ``output``
is replaced only if the user says so.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

import click

from advisor import document
from advisor import profile as prof
from advisor.errors import AnswersError, PredictionsError
from advisor.output import check_output, refuse_inputs, write_file_atomically
from advisor.questionnaire.progress import PROGRESS_FILE, Progress, check_saved_answers, load_progress, save_progress
from advisor.questionnaire.prompt import (
    DEFAULT_OUTPUT,
    PROFILE_PATH_HELP,
    ask_line,
    ask_new_file,
    ask_yes_no,
    check_profile_target,
    confirm_target,
    inert,
    say,
    say_wrapped,
    stop,
    terminal_width,
    wrapped,
)
from advisor.questionnaire.question import (
    Question,
    answer_hint,
    build_questions,
    check_answer,
    display,
    how_to_answer,
    parse_answer,
    predictions_problems,
    profile_data,
)
from advisor.questionnaire.writer import load_rubric, profile_yaml, rebased, written_header

STDIN_NAME = "<stdin>"
FORCE_INTERACTIVE_ENV = "ADVISOR_FORCE_INTERACTIVE"
UNKNOWN_NOTE = ("A value shown as [-] is unknown: press Enter (or type -) to leave a fact blank "
                "when you do not know it; this holds for the baseline metrics too.")
REPORT_PATH_HELP = ("The report is a Markdown file (its figures are written next to it as .svg files); "
                    "name the file to write.")


@dataclass
class Outcome:
    """What the questionnaire produced: the profile written, and a report the user asked for."""

    profile_path: Path | None
    report_path: Path | None = None
    rubric_path: str | None = None


def is_interactive() -> bool:
    """A terminal is attached (or ADVISOR_FORCE_INTERACTIVE=1 says to act as if it were)."""
    if os.environ.get(FORCE_INTERACTIVE_ENV) == "1":
        return True
    try:
        return sys.stdin.isatty()
    except (AttributeError, ValueError):
        return False


def standard_input():
    """``sys.stdin``, or an error if there is none: it is None when the process started with it closed (``0<&-``)."""
    if sys.stdin is None or sys.stdin.closed:
        raise AnswersError("standard input is closed", file=STDIN_NAME)
    return sys.stdin


def run(output: str | None = None, answers_path: str | None = None, resume: bool = False,
        rubric_path: str | None = None) -> Outcome:
    """Run the questionnaire; returns the profile written and any report the user asked for."""
    if answers_path is not None:
        return run_from_file(answers_path, output, rubric_path)
    standard_input()  # closed: click's prompt would fail with a RuntimeError at the first question
    if not is_interactive():
        raise AnswersError(
            "standard input is not a terminal, so there is no one to answer the questions; "
            "pass --answers FILE (a profile YAML) or run in a terminal")
    if output is not None:
        check_profile_target(output, rubric_path)  # before any question: a bad -o would waste every answer
    progress = Path(PROGRESS_FILE)
    plan = plan_run(progress, resume, output, rubric_path)
    if plan.saved is not None and plan.output is not None:
        check_profile_target(plan.output, plan.rubric_path)
    answers = plan.saved.answers if plan.saved is not None else {}
    session = Session(load_rubric(plan.rubric_path), plan.rubric_path, answers, plan.output, progress)
    if plan.saved is not None:
        check_saved_answers(plan.saved, session.questions, str(progress))
    return session.run()


@dataclass
class Plan:
    """Where this run starts from (``saved``, or nothing) and what it writes with which rubric."""

    output: str | None
    rubric_path: str | None
    saved: Progress | None = None
    output_from_progress: bool = False


def plan_run(progress: Path, resume: bool, output: str | None, rubric_path: str | None) -> Plan:
    """Resume from the progress file if asked to (or if the user says so when one is found).

    The command line's -o and --rubric win over the saved ones.
    """
    fresh = Plan(output, rubric_path)
    if not resume and not progress.exists():
        return fresh
    if not progress.exists():
        raise AnswersError("there is no unfinished questionnaire to resume here", file=str(progress))
    saved = load_progress(progress)
    resumed = Plan(output or saved.output, rubric_path or saved.rubric, saved,
                   output_from_progress=output is None and saved.output is not None)
    if not resume and not _confirm_resume(progress, resumed):
        return fresh
    say(f"Resuming with {len(saved.answers)} saved answers.")
    if resume:  # not asked, so the plan has not been shown yet
        say(_plan_text(resumed))
    return resumed


def _plan_text(plan: Plan) -> str:
    """What resuming will write where: the saved output and rubric may not be the user's own."""
    if plan.output is None:
        where = "It asks where to write the profile"
    elif plan.output_from_progress:
        where = (f"It writes the profile to {plan.output} (named in the progress file; -o FILE writes elsewhere, "
                 "and an existing file is replaced only if you say so)")
    else:
        where = f"It writes the profile to {plan.output}"
    rubric = f"the rubric {plan.rubric_path}" if plan.rubric_path else "the built-in rubric"
    text = f"  {where}, with {rubric}."
    saved_in = plan.saved.cwd if plan.saved else None
    if saved_in and Path(saved_in).resolve() != Path.cwd().resolve():
        text += f"\n  It was saved in {saved_in}; its relative paths are read from this folder instead."
    return text


def _confirm_resume(progress: Path, plan: Plan) -> bool:
    count = len(plan.saved.answers) if plan.saved is not None else 0
    say(f"An unfinished questionnaire ({count} answers) is saved in {progress}.\n{_plan_text(plan)}")
    try:
        return ask_yes_no("Resume it?", True, "y continues from the saved answers; n starts over and replaces them.")
    except click.Abort:
        stop(f"Stopped. The saved answers are still in {progress}.")


def refuse_attached(target: Path | None, predictions: Path | None) -> None:
    """The profile must not be written over the predictions file(s) it attaches."""
    if target is not None and predictions is not None:
        from advisor import calibration as cal

        refuse_inputs([target], cal.input_files(predictions))


def run_from_file(answers_path: str, output: str | None, rubric_path: str | None) -> Outcome:
    """Non-interactive: the answers file is a profile, checked exactly as a profile is."""
    from_stdin = answers_path == "-"
    check_output(output, [None if from_stdin else answers_path, rubric_path])  # before reading anything
    source = Path(answers_path)
    if from_stdin:
        text = read_standard_input().text
    else:
        text = document.read_document(source, AnswersError).text
    data, lines = prof.parse_yaml(text, answers_path)
    prof.validate_profile_data(data, answers_path, lines)
    from_dir = Path.cwd() if from_stdin else source.parent
    predictions = (data.get("baseline") or {}).get("predictions")
    if predictions:
        problems = predictions_problems(from_dir / predictions)
        if problems:
            raise PredictionsError("baseline.predictions: " + problems[0].render(), file=answers_path)
    rubric = load_rubric(rubric_path)
    target = Path(output) if output not in (None, "-") else None
    refuse_attached(target, from_dir / predictions if predictions else None)
    data = rebased(data, from_dir, target.parent if target else Path.cwd())
    text = profile_yaml(data, rubric, written_header())
    if target is None:
        click.echo(text, nl=False)
        return Outcome(None, rubric_path=rubric_path)
    write_file_atomically(target, text)
    click.echo(inert(f"Wrote {target}"), err=True)
    return Outcome(target, rubric_path=rubric_path)


def read_standard_input() -> document.Document:
    try:
        return document.read_stream(standard_input().buffer, STDIN_NAME, AnswersError)
    except OSError as exc:  # descriptor 0 closed under a live sys.stdin
        raise AnswersError(f"cannot read standard input: {exc.strerror or exc}", file=STDIN_NAME) from None


class Session:
    """One interactive questionnaire: asks, saves progress, summarizes, revises, writes."""

    def __init__(self, rubric, rubric_path, answers: dict, output: str | None, progress: Path):
        self.rubric = rubric
        self.rubric_path = rubric_path
        self.questions = build_questions(rubric)
        self.answers = dict(answers)
        self.output = output
        self.progress = progress
        self.written: Path | None = None
        self.unknown_explained = False

    def run(self) -> Outcome:
        try:
            self.intro()
            self.ask_pending()
            self.revise()
            path = self.write()
            return Outcome(path, self.offer_report(path), self.rubric_path)
        except (click.Abort, KeyboardInterrupt):
            stop(self.stopped_message())

    def stopped_message(self) -> str:
        """What survives the interruption, and how to carry on from it."""
        if self.written is not None:
            return (f"Stopped. {self.written} was written; render the report later with "
                    f"`advisor assess {self.written} -o report.md`.")
        if self.answers:  # every answer was saved when it was given
            return (f"Stopped. {len(self.answers)} answers are saved in {self.progress}; "
                    f"run `advisor questionnaire --resume` to continue.")
        return "Stopped. No answers were given, so nothing was saved."

    def intro(self) -> None:
        say_wrapped(f"advisor questionnaire (rubric {self.rubric.name!r}, version {self.rubric.version}).", indent="")
        say_wrapped("Type ? for help on a question; press Enter to keep the value in [brackets]; type - "
                    "when you do not know an optional answer (it is left blank, shown as [-]); Ctrl-C stops, "
                    "and --resume continues later.", indent="")

    def ask_pending(self) -> None:
        # A revision can make new questions apply (baseline: yes), so this runs again after each.
        for q in self.questions:
            if q.applies(self.answers) and q.key not in self.answers:
                if q.key.startswith("context.") and not self.unknown_explained:
                    say()
                    say_wrapped(UNKNOWN_NOTE, indent="")
                    self.unknown_explained = True
                self.ask(q)

    def ask(self, q: Question) -> None:
        """Ask ``q`` until the answer validates; store it and save progress."""
        say()
        for line in wrapped(q.prompt, indent=""):
            click.echo(click.style(line, bold=True))
        for i, level in enumerate(q.anchors):
            say_wrapped(f"{i} = {level}", indent="  ", hang="      ")
        hint = inert(answer_hint(q))
        label = f"  {q.key}{hint}"
        if len(label) + 20 > terminal_width():  # no room left to type: the hint goes above the prompt
            say_wrapped(f"Answer: {hint.strip()[1:-1]}")
            label = f"  {q.key}"
        while True:
            current = self.answers.get(q.key, q.default)
            shown = "" if current is None and q.required else inert(display(current, q))
            text = click.prompt(label, default=shown, show_default=bool(shown))
            if text.strip() == "?":
                self.show_help(q)
                continue
            value = current if text == shown else parse_answer(q, text)  # Enter keeps [current]
            problems = check_answer(q, value, self.answers, self.questions)
            for problem in problems:
                say(f"  Error: {problem.render()}")
            if not problems:
                self.answers[q.key] = value
                self.forget_inapplicable()
                save_progress(self.progress, self.answers, self.output, self.rubric_path)
                return

    def show_help(self, q: Question) -> None:
        say_wrapped(q.help or "No further help for this question.")
        say_wrapped(how_to_answer(q))

    def forget_inapplicable(self) -> None:
        # Answering "no baseline" drops the baseline answers given before.
        for q in self.questions:
            if q.key in self.answers and not q.applies(self.answers):
                del self.answers[q.key]

    def revise(self) -> None:
        while True:
            self.ask_pending()
            shown = [q for q in self.questions if q.applies(self.answers)]
            say("\nSummary of your answers:")
            for i, q in enumerate(shown, 1):
                say(f"  {i:2}. {q.key}: {display(self.answers.get(q.key, q.default), q)}")
            choice = ask_line("Number of an answer to revise (Enter to finish)",
                              "Type the number of an answer to change it, or press Enter to write the profile.",
                              show_default=False).strip()
            if not choice:
                return
            if not choice.isdigit() or not 1 <= int(choice) <= len(shown):
                click.echo(f"  Error: enter a number from 1 to {len(shown)}, or press Enter")
                continue
            self.ask(shown[int(choice) - 1])

    def write(self) -> Path:
        typed = (profile_data(self.answers, self.questions).get("baseline") or {}).get("predictions")
        if self.output:  # refused outright, before asking whether to overwrite it
            refuse_attached(Path(self.output), Path(typed) if typed else None)
        target = self.target()
        data = profile_data(self.answers, self.questions)
        data = rebased(data, Path.cwd(), target.parent)
        prof.validate_profile_data(data, "questionnaire answers")
        attached = (data.get("baseline") or {}).get("predictions")
        refuse_attached(target, target.parent / attached if attached else None)  # the answers stay saved
        write_file_atomically(target, profile_yaml(data, self.rubric, written_header()))
        self.progress.unlink(missing_ok=True)
        self.written = target
        say(f"Wrote {target}")
        return target

    def target(self) -> Path:
        if not self.output:
            return ask_new_file("Write the profile to", DEFAULT_OUTPUT, PROFILE_PATH_HELP)
        return confirm_target(self.output)  # named by -o or by a progress file: replaced only if the user says so

    def offer_report(self, profile_path: Path) -> Path | None:
        if not ask_yes_no("Render the report now?", True,
                          "y writes the Markdown report (advisor assess) now; n shows the command for later."):
            say(f"Later: advisor assess {profile_path} -o report.md")
            return None
        default = profile_path.with_name(profile_path.stem + "-report.md")
        return ask_new_file("Write the report to", str(default), REPORT_PATH_HELP)


def show_recommendation(assessment: dict) -> None:
    """The decision in a few lines, after the report is written: the answer the questions were for."""
    recommendation = assessment["recommendation"]
    say()
    say_wrapped(f"Recommendation: {recommendation['summary']}", indent="")
    steps = recommendation.get("first_steps") or []
    if steps:
        say_wrapped(f"First step: {steps[0]}", indent="")
