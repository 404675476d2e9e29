"""The built-in Markdown report (``templates/report.md.j2``), or a user's ``--template``."""

from __future__ import annotations

from pathlib import Path

import jinja2

from advisor.assessment import Assessment
from advisor.report import custom, view
from advisor.report.markup import configure, finalize
from advisor.resource import template_dir
from advisor.text import for_document

REPORT_TEMPLATE = "report.md.j2"


def markdown_environment(assessment: Assessment) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(template_dir())),
        autoescape=False, finalize=finalize, undefined=jinja2.StrictUndefined,
        trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
    )
    return configure(env, {s.id: s.name for s in assessment.strategies})


def render_markdown(assessment: Assessment | dict, template_path=None, figure_links: dict | None = None,
                    report_dir: Path | None = None) -> str:
    """The Markdown report; ``template_path`` replaces the built-in template (sandboxed).

    ``figure_links``: kind -> link relative to the report. ``report_dir``: the folder the
    report is written to (paths are shown relative to it; default: the current folder).
    """
    a = Assessment.coerce(assessment)
    if template_path is not None:
        return custom.render_user_template(template_path, a, figure_links, report_dir)
    template = markdown_environment(a).get_template(REPORT_TEMPLATE)
    return for_document(template.render(view.context(a, figure_links, report_dir)))
