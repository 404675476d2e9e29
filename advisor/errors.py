"""The advisor's error hierarchy.

Every error a user can cause with their input is an :class:`InputError`; the
CLI maps it to exit status 1 and prints its message as one ``Error:`` block.
Nothing here knows about exit codes or click: that mapping lives in ``cli.py``.
"""

from __future__ import annotations


MAX_DETAILS = 50


class AdvisorError(Exception):
    """Base of every error advisor raises on purpose."""

    def __init__(self, message: str, *, file: str | None = None, details: list[str] | None = None):
        self.message = message
        self.file = file
        self.details = list(details or [])
        super().__init__(self.render())

    def render(self) -> str:
        """The text shown to the user after ``Error:``: one block, file named first.

        At most :data:`MAX_DETAILS` detail lines: a 1 MiB file can hold 90,000 problems,
        and the first few are what the user needs to fix first.
        """
        head = f"{self.file}: {self.message}" if self.file else self.message
        shown = [f"  {line}" for line in self.details[:MAX_DETAILS]]
        if len(self.details) > MAX_DETAILS:
            shown.append(f"  ... and {len(self.details) - MAX_DETAILS} more")
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
