"""Which files a report writes: the report itself and, for Markdown, its SVG figures beside it."""

from __future__ import annotations

from pathlib import Path

from advisor.assessment import Assessment
from advisor.output import content_name
from advisor.report.adr import render_adr
from advisor.report.figures import render_figures
from advisor.report.html import render_html
from advisor.report.markdown import render_markdown

FORMATS = ("markdown", "html", "adr")


def render(assessment: Assessment | dict, fmt: str = "markdown", template_path=None,
           report_dir: Path | None = None) -> str:
    """One report as text, without figure files (standard output has nowhere to put them)."""
    if fmt == "html":
        return render_html(assessment, report_dir)
    if fmt == "adr":
        return render_adr(assessment, report_dir)
    return render_markdown(assessment, template_path=template_path, report_dir=report_dir)


def report_files(assessment: Assessment | dict, report_path: Path, template_path=None, figures: bool = True,
                 fmt: str = "markdown") -> dict[Path, str]:
    """The report and, for Markdown, its SVG figures (``<report stem>.<kind>.<content hash>.svg``,
    linked relatively), path -> text. The HTML report carries its figures inline; the ADR has none.

    The report comes first, so a problem with its own path is the one reported.
    """
    folder = report_path.parent
    if fmt == "html":
        return {report_path: render_html(assessment, folder, figures=figures)}
    if fmt == "adr":
        return {report_path: render_adr(assessment, folder)}
    drawn = render_figures(assessment) if figures else {}
    # Named after their content: a figure on disk is never replaced by another (see advisor.output).
    links = {kind: content_name(report_path.stem, suffix, svg) for kind, (suffix, svg) in drawn.items()}
    files = {report_path: render_markdown(assessment, template_path=template_path, figure_links=links,
                                          report_dir=folder)}
    files.update({report_path.with_name(links[kind]): svg for kind, (_, svg) in drawn.items()})
    return files
