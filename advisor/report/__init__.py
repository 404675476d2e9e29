"""Render an assessment for people: Markdown (with SVG figures), HTML, an ADR, and diffs.

The only input is the typed assessment (:mod:`advisor.assessment`, what ``assess --format
json`` prints), so the reports and the JSON can never disagree. The modules, one job each:

- :mod:`~advisor.report.markup`: escaping and number formatting filters;
- :mod:`~advisor.report.summary`, :mod:`~advisor.report.evidence`, :mod:`~advisor.report.inputs`:
  what a reader is told (the executive summary, the evidence rows, the inputs in words),
  gathered by :mod:`~advisor.report.view` for the templates;
- :mod:`~advisor.report.markdown`, :mod:`~advisor.report.html`, :mod:`~advisor.report.adr`:
  the three built-in formats; :mod:`~advisor.report.custom`: a user's ``--template``;
- :mod:`~advisor.report.figures`: SVG figures; :mod:`~advisor.report.files`: what gets written;
- :mod:`~advisor.report.diff`: what changed between two assessments.
"""

from advisor.report.adr import render_adr
from advisor.report.figures import (
    reliability_geometry,
    render_figures,
    scores_geometry,
    svg_environment,
)
from advisor.report.files import FORMATS, render, report_files
from advisor.report.html import render_html
from advisor.report.markdown import render_markdown
from advisor.report.markup import (
    FILTERS,
    INDEX_LABELS,
    STRATEGY_LABELS,
    Safe,
    code,
    fact,
    interval,
    label,
    link,
    md,
    num,
    pct,
    raw,
)

__all__ = [
    "FILTERS", "FORMATS", "INDEX_LABELS", "STRATEGY_LABELS", "Safe", "code", "fact", "interval", "label", "link",
    "md", "num", "pct", "raw", "reliability_geometry", "render", "render_adr", "render_figures", "render_html",
    "render_markdown", "report_files", "scores_geometry", "svg_environment",
]
