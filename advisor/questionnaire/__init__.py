"""The questionnaire that writes a project profile (``advisor questionnaire`` and ``advisor init``).

- :mod:`~advisor.questionnaire.question`: the questions and typed answers, read and
  checked as a profile file's values would be (no terminal: testable on its own).
- :mod:`~advisor.questionnaire.progress`: the progress file, validated like a profile.
- :mod:`~advisor.questionnaire.writer`: the profile as commented YAML.
- :mod:`~advisor.questionnaire.prompt` and :mod:`~advisor.questionnaire.session`: the
  terminal session, and the answers taken from a file instead.
"""

from advisor.questionnaire.session import FORCE_INTERACTIVE_ENV, Outcome, run, show_recommendation
from advisor.questionnaire.writer import SCHEMA_FILE, starter_profile

__all__ = ["FORCE_INTERACTIVE_ENV", "SCHEMA_FILE", "Outcome", "run", "show_recommendation", "starter_profile"]
