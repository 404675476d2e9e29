"""Escaping and formatting filters for the reports: every piece of text in its safe form.

Every string that reaches the Markdown output is escaped unless a filter has already made
it safe (:class:`Safe`): a project name such as ``a | b <script>`` cannot break a table or
inject HTML, even if a template forgets ``| md``. The same filters serve user templates.
"""

from __future__ import annotations

import math
import re
from urllib.parse import quote

import jinja2

from advisor import cost_figure
from advisor.text import for_document

STRATEGY_LABELS = {
    "pretrained": "Pre-trained model",
    "fine_tune": "Fine-tune",
    "calibrate": "Calibrate",
    "from_scratch": "Train from scratch",
}
INDEX_LABELS = {
    "quality": "Quality",
    "relative_cost": "Relative cost",
    "launch_speed": "Launch speed",
    "control": "Control",
    "setup_complexity": "Setup complexity",
    "data_requirements": "Data requirements",
    "governance_burden": "Governance burden",
}


class Safe(str):
    """Text that is already valid Markdown and must not be escaped again."""


# Characters with a meaning in GFM inline syntax, tables or GitHub math; a backslash makes
# them literal. "(" and "!" need no escape once "[" and "]" have one.
_MD_PUNCT = re.compile(r"([\\`*_\[\]|~#$])")
_HTML = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_SAFE_CODE = re.compile(r"^[A-Za-z0-9_.:/+=-]+$")


def md(value) -> Safe:
    """Escape ``value`` for GitHub-flavoured Markdown, on one line.

    Newlines and control characters collapse to one space (a newline would end a
    table row); ``&``, ``<`` and ``>`` become entities so no HTML can be injected;
    inline syntax, table pipes and a leading list, quote or heading marker are
    backslash-escaped.
    """
    if isinstance(value, Safe):
        return value
    if value is None:
        return Safe("n/a")
    # Collapse (not strip) whitespace: separators such as ", " keep their space.
    text = re.sub(r"\s+", " ", for_document(str(value)))
    text = _MD_PUNCT.sub(r"\\\1", text)
    text = "".join(_HTML.get(ch, ch) for ch in text)
    # A leading "-", "=", "1." would start a list or a setext heading in some contexts.
    text = re.sub(r"^( ?)([-=+])(?=\s|$|[-=])", r"\1\\\2", text)
    text = re.sub(r"^( ?\d{1,9})([.)])(?=\s|$)", r"\1\\\2", text)
    return Safe(text)


def code(value) -> Safe:
    """An identifier as a code span, when it is plain enough to be one; otherwise escaped text."""
    text = "" if value is None else str(value)
    if text and _SAFE_CODE.match(text):
        return Safe(f"`{text}`")
    return md(text)


def num(value, digits: int = 2, signed: bool = False) -> Safe:
    """A number with a fixed number of decimals; ``n/a`` for a missing value."""
    if value is None or isinstance(value, bool):
        return Safe("n/a" if value is None else str(value).lower())
    if isinstance(value, int) and not signed:
        return Safe(str(value))
    number = float(value)
    if math.isnan(number):
        return Safe("n/a")
    text = f"{number:+.{digits}f}" if signed else f"{number:.{digits}f}"
    return Safe(text)


def pct(value, digits: int = 1) -> Safe:
    if value is None:
        return Safe("n/a")
    return Safe(f"{100 * float(value):.{digits}f}%")


def interval(pair, digits: int = 4) -> Safe:
    if not pair:
        return Safe("n/a")
    return Safe(f"[{num(pair[0], digits)}, {num(pair[1], digits)}]")


def label(strategy_id, names: dict | None = None) -> Safe:
    """A strategy's display name (the rubric's, else a built-in one), escaped."""
    names = names or {}
    return md(names.get(strategy_id) or STRATEGY_LABELS.get(strategy_id) or strategy_id)


def link(target) -> Safe:
    """A relative link target, percent-encoded so spaces or parentheses cannot end the link."""
    return Safe(quote(str(target), safe="/._-"))


def raw(value) -> Safe:
    """Opt out of escaping (for user templates that produce something other than Markdown)."""
    return Safe("" if value is None else for_document(str(value)))


def finalize(value):
    # Runs on every {{ ... }} output: numbers are formatted, everything else escaped (Safe passes).
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return num(value, 4)
    return md(value)


def fact(value) -> Safe:
    """A context fact as a reader says it: yes/no, unknown, or the escaped value."""
    if isinstance(value, bool):
        return Safe("yes" if value else "no")
    if value is None:
        return Safe("unknown")
    return num(value, 4) if isinstance(value, float) else md(value)


def money(value) -> Safe:
    """An amount of money as the cost table shows it (see :func:`advisor.cost_figure.money`)."""
    return Safe(cost_figure.money(value))


FILTERS = {"md": md, "code": code, "num": num, "pct": pct, "interval": interval,
           "label": label, "link": link, "raw": raw, "fact": fact, "money": money}


def configure(env: jinja2.Environment, names: dict | None = None) -> jinja2.Environment:
    """Install the filters (``label`` with the rubric's strategy names) as filters and globals."""
    env.filters.update(FILTERS)
    names = dict(names or {})
    env.filters["label"] = lambda strategy_id: label(strategy_id, names)
    env.globals.update(FILTERS, index_labels=INDEX_LABELS, strategy_labels=STRATEGY_LABELS)
    return env


def strategy_names(assessment) -> dict:
    """Strategy id -> the rubric's display name, from a dict or a typed assessment."""
    strategies = assessment.get("strategies") if isinstance(assessment, dict) else assessment.strategies
    return {(s.get("id") if isinstance(s, dict) else s.id): (s.get("name") if isinstance(s, dict) else s.name)
            for s in strategies or []}
