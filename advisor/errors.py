"""The advisor's error hierarchy and the :class:`Problem` record every input error carries.

Every error a user can cause with their input is an :class:`InputError`; the
CLI maps it to exit status 1 and prints it as one ``Error:`` block. Nothing here
knows about exit codes or click: that mapping lives in ``cli.py``.

A problem is structured (file, line, field location, message) from the moment it
is found: problems are sorted by their line and location, matched to a question
by their location and shown by :meth:`Problem.render`, never parsed back out of text.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

MAX_DETAILS = 50

Location = tuple  # a field path in the data: ("context", "adaptation_tried", 1)


def dotted(loc: Location) -> str:
    """``scores.latency``, ``context.adaptation_tried[1]``."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top level)"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input: where it is and what is wrong, in our words.

    ``label`` shows the location when a dotted path is not the clearest name for it
    (a rubric's rule is named by its id as well as its index).
    """

    file: str | None
    line: int | None
    location: Location
    message: str
    label: str | None = None

    @property
    def where(self) -> str:
        """The location as shown: the label, the dotted path, or nothing for the whole file."""
        if self.label is not None:
            return self.label
        return dotted(self.location) if self.location else ""

    def render(self) -> str:
        """``file:line: field.path: message``, leaving out the parts this problem has not got."""
        head = f"{self.file}:{self.line}" if self.file and self.line else (self.file or "")
        return ": ".join(part for part in (head, self.where, self.message) if part)

    def sort_key(self) -> tuple:
        """File, line, then location in numeric order of list indices (``[2]`` before ``[10]``)."""
        path = tuple((0, part, "") if isinstance(part, int) else (1, 0, str(part)) for part in self.location)
        return (self.file or "", self.line or 0, path, self.message)


def sorted_problems(problems: Iterable[Problem]) -> list[Problem]:
    """Each problem once, in reading order."""
    return sorted(set(problems), key=Problem.sort_key)


class AdvisorError(Exception):
    """Base of every error advisor raises on purpose: a message, or problems under a summary."""

    def __init__(self, message: str = "", *, file: str | None = None, problems: Sequence[Problem] = ()):
        self.message = message
        self.file = file
        self.problems = list(problems)
        super().__init__(self.render())

    @classmethod
    def of(cls, problem: Problem):
        """An error that is exactly one problem, shown on one line."""
        return cls(problems=[problem])

    @property
    def details(self) -> list[str]:
        """The problems as the lines shown under the summary."""
        return [problem.render() for problem in self.problems]

    def render(self) -> str:
        """The text shown to the user after ``Error:``: one block, file named first.

        At most :data:`MAX_DETAILS` problems are listed: a 1 MiB file can hold 90,000 of
        them, and the first few are what the user needs to fix first.
        """
        if not self.message and not self.file and len(self.problems) == 1:
            return self.problems[0].render()
        head = f"{self.file}: {self.message}" if self.file else self.message
        shown = [f"  {line}" for line in self.details[:MAX_DETAILS]]
        if len(self.problems) > MAX_DETAILS:
            shown.append(f"  ... and {len(self.problems) - MAX_DETAILS} more")
        return "\n".join([head, *shown])


class InputError(AdvisorError):
    """The user's input is wrong or unreadable (exit status 1)."""


class ProfileError(InputError):
    """A project profile is malformed or out of range."""


class RubricError(InputError):
    """A rubric file is malformed or refers to unknown names."""


class PredictionsError(InputError):
    """A predictions file is missing or malformed."""


class TemplateError(InputError):
    """A user template cannot be loaded or rendered."""


class AnswersError(InputError):
    """Questionnaire answers (from a file or the terminal) are invalid."""


class Interrupted(AdvisorError):
    """The user stopped an interactive flow; the message says what was kept (exit status 1)."""
