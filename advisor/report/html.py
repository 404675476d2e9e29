"""The HTML report: one self-contained file (styles inline, figures as inline SVG, no
scripts, nothing loaded from anywhere) that reads well on screen and prints cleanly.

It is the Markdown report's view (:mod:`advisor.report.view`) laid out by
``templates/report.html.j2``; HTML autoescaping escapes every value.
"""

from __future__ import annotations

from pathlib import Path

import jinja2
from markupsafe import Markup

from advisor import cost_figure
from advisor.assessment import Assessment
from advisor.report import view
from advisor.report.figures import render_figures
from advisor.report.markup import FILTERS, INDEX_LABELS, STRATEGY_LABELS, num
from advisor.resource import template_dir
from advisor.text import for_document

HTML_TEMPLATE = "report.html.j2"


def finalize(value):
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return num(value, 4)
    if value is None:
        return "n/a"
    if isinstance(value, str) and not isinstance(value, Markup):
        return for_document(value)
    return value


def code(value) -> Markup:
    return Markup("<code>{}</code>").format("" if value is None else for_document(str(value)))


def html_environment(assessment: Assessment) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(template_dir())),
        autoescape=True, finalize=finalize, undefined=jinja2.StrictUndefined,
        trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
    )
    names = {s.id: s.name for s in assessment.strategies}
    # Markdown escaping has no place here: these give plain text, which autoescaping escapes.
    plain = {key: FILTERS[key] for key in ("num", "pct", "interval")}
    env.filters.update(plain, code=code, money=lambda v: cost_figure.money(v),
                       label=lambda sid: names.get(sid) or STRATEGY_LABELS.get(sid, sid))
    env.globals.update(plain, index_labels=INDEX_LABELS)
    return env


def inline_svg(svg: str) -> Markup:
    """An SVG file's text as an element of the page (the XML declaration dropped)."""
    text = svg.split("?>", 1)[1].lstrip() if svg.startswith("<?xml") else svg
    return Markup(text)


def render_html(assessment: Assessment | dict, report_dir: Path | None = None, figures: bool = True) -> str:
    a = Assessment.coerce(assessment)
    drawn = {kind: inline_svg(svg) for kind, (_, svg) in render_figures(a).items()} if figures else {}
    text = html_environment(a).get_template(HTML_TEMPLATE).render(view.context(a, drawn, report_dir))
    return for_document(text)

