"""Render an assessment as a Markdown report and SVG figures.

The only input is the assessment dict that ``engine.assess`` returns (the same
object ``assess --format json`` prints), so the Markdown and the JSON can never
disagree. Every string that reaches the Markdown output is escaped unless a
filter has already made it safe: a project name such as ``a | b <script>``
cannot break a table or inject HTML, even if a template forgets ``| md``.
"""

from __future__ import annotations

import inspect
import math
import os
import re
from pathlib import Path
from urllib.parse import quote

import jinja2
from jinja2.exceptions import SecurityError
from jinja2.loaders import split_template_path
from markupsafe import Markup

from advisor import cost_figure, document
from advisor.errors import TemplateError
from advisor.resource import template_dir
from advisor.sandbox import MAX_OUTPUT, LimitedSandbox, memory_limit, time_limit
from advisor.text import for_document

REPORT_TEMPLATE = "report.md.j2"
FIGURE_TEMPLATES = {"reliability": "reliability.svg.j2", "scores": "scores.svg.j2",
                    "costs": cost_figure.COST_TEMPLATE}
FIGURE_SUFFIXES = {"reliability": ".reliability.svg", "scores": ".scores.svg", "costs": cost_figure.COST_SUFFIX}

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


def _finalize(value):
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


def _configure(env: jinja2.Environment, assessment: dict | None = None) -> jinja2.Environment:
    env.filters.update(FILTERS)
    names = {s.get("id"): s.get("name") for s in (assessment or {}).get("strategies") or []}
    env.filters["label"] = lambda strategy_id: label(strategy_id, names)
    env.globals.update(FILTERS, index_labels=INDEX_LABELS, strategy_labels=STRATEGY_LABELS)
    return env


def markdown_environment(assessment: dict | None = None) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(template_dir())),
        autoescape=False, finalize=_finalize, undefined=jinja2.StrictUndefined,
        trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
    )
    return _configure(env, assessment)


def user_environment(folder: Path, assessment: dict | None = None,
                     shown_folder: Path | None = None) -> LimitedSandbox:
    """A sandboxed environment for ``--template``: no attribute tricks, no changes to the
    assessment, bounded value sizes, strict undefined names. Templates load from
    ``folder``; messages name them under ``shown_folder`` (see :class:`DocumentLoader`)."""
    env = LimitedSandbox(
        loader=DocumentLoader(folder, shown_folder),
        autoescape=False, finalize=_finalize, undefined=jinja2.StrictUndefined,
        trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
    )
    return _configure(env, assessment)


class DocumentLoader(jinja2.FileSystemLoader):
    """Loads user templates (and what they include) through :mod:`advisor.document`:
    bounded size, UTF-8, no control characters, each problem named by file and line.

    Only files whose real path (symlinks followed) lies inside the real path of the
    folder load: a symlink in a template bundle cannot pull ``~/.netrc`` into a report.
    ``shown_names`` maps each loaded file's real path to the name messages use: its
    path under ``shown_folder``, the folder as the user wrote it (default: the real one).
    """

    def __init__(self, folder, shown_folder=None):
        self.folder = os.path.realpath(folder)
        super().__init__(self.folder)
        self.shown_folder = Path(self.folder if shown_folder is None else shown_folder)
        self.shown_names: dict[str, str] = {}

    def get_source(self, environment, template):
        parts = split_template_path(template)  # refuses ".." itself
        filename = os.path.realpath(os.path.join(self.folder, *parts))
        if os.path.commonpath([filename, self.folder]) != self.folder:
            raise SecurityError(f"{template!r} points outside the template's folder")
        if not os.path.isfile(filename):
            raise jinja2.TemplateNotFound(template)
        self.shown_names[filename] = str(self.shown_folder.joinpath(*parts))
        # Up to date for the whole render: one render reads each file once.
        return document.read_document(filename, TemplateError).text, filename, lambda: True


def _svg_finalize(value):
    # Escaping alone cannot make a control character legal XML: it has to go.
    if isinstance(value, str) and not isinstance(value, Markup):
        return for_document(value)
    return value


def svg_environment() -> jinja2.Environment:
    # XML autoescaping: the SVG only contains numbers and escaped text.
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(template_dir())),
        autoescape=True, undefined=jinja2.StrictUndefined, finalize=_svg_finalize,
        trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
    )


def report_context(assessment: dict, figure_links: dict | None) -> dict:
    """What a report template sees: the assessment (``a``) plus derived lookups."""
    strategies = assessment.get("strategies") or []
    return {
        "a": assessment,
        "figures": dict(figure_links or {}),
        "by_id": {s["id"]: s for s in strategies},
        "index_keys": [k for k in INDEX_LABELS if any(k in (s.get("indices") or {}) for s in strategies)],
        "reliability": _reliability_rows(assessment),
        "fired": _group_rules(assessment.get("rules") or []),
    }


def _group_rules(rules: list[dict]) -> list[dict]:
    """One entry per fired rule (the assessment lists one entry per effect), in firing order."""
    grouped: dict[str, dict] = {}
    for r in rules:
        entry = grouped.setdefault(r["id"], {"id": r["id"], "rationale": r.get("rationale"),
                                             "source": r.get("source"), "effects": []})
        entry["effects"].append({"effect": r.get("effect"), "target": r.get("target"), "amount": r.get("amount")})
    return list(grouped.values())


def _reliability_rows(assessment: dict) -> list[dict]:
    calibration = assessment.get("calibration") or {}
    bins = (calibration.get("measured") or {}).get("bins") or []
    rows = []
    for b in bins:
        gap = None
        if b.get("count") and b.get("confidence") is not None and b.get("accuracy") is not None:
            gap = b["accuracy"] - b["confidence"]
        rows.append(dict(b, gap=gap))
    return rows


def render_markdown(assessment: dict, template_path=None, figure_links: dict | None = None) -> str:
    """Render the report; ``template_path`` replaces the built-in template (sandboxed)."""
    context = report_context(assessment, figure_links)
    if template_path is None:
        template = markdown_environment(assessment).get_template(REPORT_TEMPLATE)
        return for_document(template.render(context))
    return _render_user_template(Path(template_path), context, assessment)


def _render_user_template(path: Path, context: dict, assessment: dict) -> str:
    """Render ``--template``. A symlinked template is rendered from its target's folder
    (what it includes sits next to the real file); messages name that real file."""
    document.read_document(path, TemplateError)  # a missing, huge or binary file named as such
    real = Path(os.path.realpath(path))
    shown_folder = path.parent if os.path.realpath(path.parent) == str(real.parent) else real.parent
    env = user_environment(real.parent, assessment, shown_folder)
    try:
        # Compiling is inside the limits too: includes compile mid-render anyway, and a few
        # expressions (such as an {% autoescape %} argument) are evaluated at compile time.
        with memory_limit(), time_limit():
            return for_document(_render_bounded(env.get_template(real.name), context, env.loader))
    except MemoryError as exc:
        raise TemplateError("template error: the template needs more memory than a report may use",
                            file=_location_from_traceback(path, env.loader, exc)) from None
    except jinja2.TemplateNotFound as exc:
        raise TemplateError(f"template error: no template {_plain(repr(exc.name))} in the template's folder "
                            "(templates can include only files in their own folder)",
                            file=_location_from_traceback(path, env.loader, exc)) from None
    except jinja2.TemplateSyntaxError as exc:
        shown = env.loader.shown_names.get(exc.filename, str(path))
        raise TemplateError(f"template syntax error: {_plain(exc.message)}",
                            file=_template_location(shown, exc.lineno)) from None
    except jinja2.TemplateError as exc:  # also undefined names and sandbox refusals
        raise TemplateError(f"template error: {_plain(str(exc))}",
                            file=_location_from_traceback(path, env.loader, exc)) from None
    except RecursionError:
        raise TemplateError("template error: recursion too deep (a macro or include that calls itself?)",
                            file=str(path)) from None
    except (TypeError, ValueError, ArithmeticError, LookupError, AttributeError) as exc:
        # A filter called with the wrong kind of value, a division by zero, and so on.
        raise TemplateError(f"template error: {type(exc).__name__}: {_plain(str(exc))}",
                            file=_location_from_traceback(path, env.loader, exc)) from None


def _render_bounded(template: jinja2.Template, context: dict, loader: DocumentLoader) -> str:
    """Render piece by piece, stopping as soon as the output passes ``MAX_OUTPUT``."""
    pieces, size = [], 0
    stream = template.generate(context)
    for piece in stream:
        size += len(piece)
        if size > MAX_OUTPUT:
            where = _current_line(stream, loader) or loader.shown_names.get(template.filename)
            stream.close()
            raise TemplateError(f"template error: output exceeds {MAX_OUTPUT} characters", file=where)
        pieces.append(piece)
    return "".join(pieces)


def _current_line(stream, loader: DocumentLoader) -> str | None:
    """``file:line`` a suspended render is printing from: the innermost template frame.

    Render generators nest through ``yield from`` (blocks) or through a local loop
    over the included template's generator (includes)."""
    frame = None
    while stream is not None and getattr(stream, "gi_frame", None) is not None:
        frame = stream.gi_frame
        stream = stream.gi_yieldfrom or _suspended_render(frame)
    template = frame.f_globals.get("__jinja_template__") if frame is not None else None
    if template is None or template.filename not in loader.shown_names:
        return None
    return _template_location(loader.shown_names[template.filename],
                              template.get_corresponding_lineno(frame.f_lineno))


def _suspended_render(frame):
    """The included template's render generator a frame is looping over, if any."""
    for value in frame.f_locals.values():
        if (inspect.isgenerator(value) and inspect.getgeneratorstate(value) == inspect.GEN_SUSPENDED
                and "__jinja_template__" in value.gi_frame.f_globals):
            return value
    return None


def _template_location(path: str, lineno: int | None) -> str:
    return f"{path}:{lineno}" if lineno else path


def _location_from_traceback(path: Path, loader: DocumentLoader, exc: BaseException) -> str:
    """``file:line`` of the innermost template frame (the main template or one it
    includes; jinja2 rewrites them to template lines), else just ``path``."""
    where = str(path)
    tb = exc.__traceback__
    while tb is not None:
        shown = loader.shown_names.get(tb.tb_frame.f_code.co_filename)
        if shown is not None:
            where = _template_location(shown, tb.tb_lineno)
        tb = tb.tb_next
    return where


def _plain(text: str, limit: int = 300) -> str:
    """A message from the template's own text on one short line: control characters
    (a newline could fake a second ``Error:``) escaped, a huge value cut short."""
    text = text if len(text) <= limit else text[:limit] + "..."
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)


# ---------------------------------------------------------------- figures

def report_files(assessment: dict, report_path: Path, template_path=None, figures: bool = True) -> dict[Path, str]:
    """The report and its SVG figures (named after the report, linked relatively), path -> text.

    The report comes first, so a problem with its own path is the one reported.
    """
    drawn = render_figures(assessment) if figures else {}
    links = {kind: report_path.stem + suffix for kind, (suffix, _) in drawn.items()}
    files = {report_path: render_markdown(assessment, template_path=template_path, figure_links=links)}
    files.update({report_path.with_name(report_path.stem + suffix): svg for suffix, svg in drawn.values()})
    return files


def render_figures(assessment: dict) -> dict[str, tuple[str, str]]:
    """SVG figures keyed by kind: ``{kind: (file suffix, svg text)}``.

    The reliability diagram exists only when the assessment carries measured
    calibration bins, the cost chart only with an economics section; the strategy
    score chart always does.
    """
    env = svg_environment()
    figures = {}
    reliability = reliability_geometry(assessment)
    if reliability is not None:
        svg = env.get_template(FIGURE_TEMPLATES["reliability"]).render(reliability)
        figures["reliability"] = (FIGURE_SUFFIXES["reliability"], svg)
    svg = env.get_template(FIGURE_TEMPLATES["scores"]).render(scores_geometry(assessment))
    figures["scores"] = (FIGURE_SUFFIXES["scores"], svg)
    costs = cost_figure.cost_geometry(assessment)
    if costs is not None:
        figures["costs"] = (FIGURE_SUFFIXES["costs"], env.get_template(FIGURE_TEMPLATES["costs"]).render(costs))
    return figures


def _r(value: float) -> str:
    """Coordinates rounded to 0.1 px: stable text, no float noise in the golden files."""
    text = f"{value:.1f}"
    return "0.0" if text == "-0.0" else text


def _project_name(assessment: dict) -> str:
    return (((assessment.get("inputs") or {}).get("profile") or {}).get("name")) or "project"


def reliability_geometry(assessment: dict) -> dict | None:
    """Pixel geometry of the reliability diagram: accuracy bars per bin, the
    diagonal of perfect calibration and the gap to each bin's mean confidence."""
    calibration = assessment.get("calibration") or {}
    measured = calibration.get("measured") or {}
    bins = measured.get("bins") or []
    if not bins:
        return None
    left, top, size = 64.0, 48.0, 360.0
    x = lambda v: left + size * v  # noqa: E731  (tiny coordinate maps)
    y = lambda v: top + size * (1.0 - v)  # noqa: E731
    bars, gaps, counts = [], [], []
    for b in bins:
        x0, x1 = x(b["lower"]), x(b["upper"])
        mid = (x0 + x1) / 2
        counts.append({"x": _r(mid), "text": str(b["count"])})
        if not b["count"] or b.get("accuracy") is None or b.get("confidence") is None:
            continue
        acc, conf = float(b["accuracy"]), float(b["confidence"])
        bars.append({"x": _r(x0 + 1), "y": _r(y(acc)), "w": _r(max(x1 - x0 - 2, 0.5)),
                     "h": _r(size * acc), "label": f"{b['lower']:.2f}-{b['upper']:.2f}: accuracy {acc:.3f},"
                     f" confidence {conf:.3f}, {b['count']} samples"})
        lo, hi = sorted((acc, conf))
        gaps.append({"x": _r(x0 + 1), "y": _r(y(hi)), "w": _r(max(x1 - x0 - 2, 0.5)), "h": _r(size * (hi - lo)),
                     "over": conf > acc})
    ticks = [{"v": f"{t / 5:.1f}", "x": _r(x(t / 5)), "y": _r(y(t / 5))} for t in range(6)]
    scheme = "equal-width"  # JSON `bins` and `ece` are always equal-width
    ece = measured.get("ece")
    acc_all = measured.get("accuracy")
    return {
        "width": 480, "height": 500, "left": _r(left), "top": _r(top), "size": _r(size),
        "right": _r(left + size), "bottom": _r(top + size), "count_y": _r(top + size + 58),
        "bars": bars, "gaps": gaps, "counts": counts, "ticks": ticks,
        "title": f"Reliability diagram: {_project_name(assessment)}",
        "desc": (f"Accuracy against confidence in {len(bins)} {scheme} bins for {measured.get('n_samples', '?')} "
                 f"predictions; the diagonal is perfect calibration; shaded bars show each bin's gap. "
                 f"ECE {ece:.4f}, accuracy {acc_all:.4f}." if ece is not None and acc_all is not None else
                 f"Accuracy against confidence in {len(bins)} {scheme} bins."),
        "subtitle": (f"ECE {ece:.4f} ({len(bins)} {scheme} bins, n = {measured.get('n_samples', '?')})"
                     if ece is not None else f"{len(bins)} {scheme} bins"),
    }


def scores_geometry(assessment: dict) -> dict:
    """Pixel geometry of the strategy score chart: one horizontal bar per strategy,
    in rank order, with gated and vetoed strategies drawn hatched and labelled."""
    strategies = assessment.get("strategies") or []
    scores = [float(s.get("score") or 0.0) for s in strategies]
    low, high = min([0.0, *scores]), max([0.0, *scores])
    span = (high - low) or 1.0
    # Names go above their bars, so long rubric names never collide with the axis.
    left, width, top, row = 24.0, 480.0, 44.0, 52.0
    x = lambda v: left + width * (v - low) / span  # noqa: E731
    primary = (assessment.get("recommendation") or {}).get("primary")
    bars = []
    for i, (s, score) in enumerate(zip(strategies, scores)):
        x0, x1 = sorted((x(0.0), x(score)))
        status = s.get("status", "eligible")
        name = s.get("name") or STRATEGY_LABELS.get(s["id"], s["id"])
        note = "" if status == "eligible" else f" ({status})"
        base = top + i * row
        bars.append({
            "name_y": _r(base + 14), "y": _r(base + 20), "h": "22.0", "text_y": _r(base + 36),
            "tick_y1": _r(base + 18), "tick_y2": _r(base + 44),
            "x": _r(x0), "w": _r(max(x1 - x0, 1.0)), "name": name, "value": f"{score:.2f}{note}",
            "status": status, "primary": s["id"] == primary, "value_x": _r(max(x1, x(0.0)) + 6),
        })
    height = top + row * len(strategies) + 16
    return {
        "width": 640, "height": int(height), "left": _r(left), "zero_x": _r(x(0.0)),
        "top": _r(top + 16), "bottom": _r(top + row * len(strategies)), "bars": bars,
        "title": f"Strategy scores: {_project_name(assessment)}",
        "desc": "Score of each strategy, best first; higher is better. " + "; ".join(
            f"{b['name']} {b['value']}" for b in bars) + ".",
    }
