"""User templates (``--template FILE``): rendered in a sandbox, with errors named by file and line.

A user template sees the assessment exactly as ``--format json`` prints it (``a``, a plain
dict, so ``a.get("key")`` works for optional keys), plus ``figures``, ``by_id`` and
``reliability`` (README, "Report templates"). It is sandboxed: no attribute tricks, no
changes to the assessment, bounded value sizes and output, strict undefined names.
"""

from __future__ import annotations

import errno
import inspect
import os
from pathlib import Path

import jinja2
from jinja2.exceptions import SecurityError
from jinja2.loaders import split_template_path

from advisor import document
from advisor.assessment import Assessment
from advisor.errors import Problem, TemplateError
from advisor.report import view
from advisor.report.markup import INDEX_LABELS, configure, finalize
from advisor.sandbox import MAX_OUTPUT, ChildFailed, LimitedSandbox, Reported, run_isolated, time_limit
from advisor.text import for_document


def render_user_template(path, assessment: Assessment, figure_links: dict | None = None,
                         report_dir: Path | None = None) -> str:
    """Render ``--template`` for ``assessment``, in a child process with memory and CPU limits
    (:func:`advisor.sandbox.run_isolated`): the CLI's own process is never limited.

    Besides ``a`` (the JSON dict) and the lookups below, the template sees the built-in
    report's view (:func:`advisor.report.view.context`: ``s``, ``rules``, ``ranking``, ...),
    so a copy of the built-in ``report.md.j2`` (and its partials) renders the same report.
    """
    path = Path(path)
    context = {**view.context(assessment, figure_links, report_dir),
               **report_context(assessment.to_json_dict(), figure_links)}
    return run_isolated(lambda: _render_user_template(path, context, assessment),
                        lambda exc: _isolated_failure(path, exc))


def _isolated_failure(path: Path, exc: Exception) -> Exception:
    """Our error for what the render process reported: its TemplateError as it was, a limit in our words."""
    if isinstance(exc, ChildFailed):
        return TemplateError("template error: the template needs more memory or time than a report may use",
                             file=str(path))
    if isinstance(exc, Reported) and exc.kind == "TemplateError":
        problems = [Problem(**{**item, "location": tuple(item.get("location") or ())}) for item in exc.problems]
        return TemplateError(exc.message, file=exc.file, problems=problems)
    return RuntimeError(f"the template render failed: {exc}")  # a bug of ours, not the template's


def user_environment(folder: Path, assessment: Assessment, shown_folder: Path | None = None) -> LimitedSandbox:
    """A sandboxed environment for ``--template``: no attribute tricks, no changes to the
    assessment, bounded value sizes, strict undefined names. Templates load from
    ``folder``; messages name them under ``shown_folder`` (see :class:`DocumentLoader`)."""
    env = LimitedSandbox(
        loader=DocumentLoader(folder, shown_folder),
        autoescape=False, finalize=finalize, undefined=jinja2.StrictUndefined,
        trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
    )
    configure(env, {s.id: s.name for s in assessment.strategies})
    return env


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
            try:
                os.stat(os.path.join(self.folder, *parts))
            except OSError as exc:  # a loop of links is not a missing template: say which
                if exc.errno == errno.ELOOP:
                    raise jinja2.TemplateError(f"{template!r} {document.os_problem(exc, filename)}") from None
            raise jinja2.TemplateNotFound(template)
        self.shown_names[filename] = str(self.shown_folder.joinpath(*parts))
        # Up to date for the whole render: one render reads each file once.
        return document.read_document(filename, TemplateError).text, filename, lambda: True


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


def _render_user_template(path: Path, context: dict, assessment: Assessment) -> str:
    """Render ``--template``. A symlinked template is rendered from its target's folder
    (what it includes sits next to the real file); messages name that real file."""
    document.read_document(path, TemplateError)  # a missing, huge or binary file named as such
    real = Path(os.path.realpath(path))
    shown_folder = path.parent if os.path.realpath(path.parent) == str(real.parent) else real.parent
    env = user_environment(real.parent, assessment, shown_folder)
    loader = env.loader
    assert isinstance(loader, DocumentLoader)
    try:
        # Compiling is inside the limits too: includes compile mid-render anyway, and a few
        # expressions (such as an {% autoescape %} argument) are evaluated at compile time.
        with time_limit():  # the memory limit is the render process's (render_user_template)
            return for_document(_render_bounded(env.get_template(real.name), context, loader))
    except MemoryError as exc:
        raise TemplateError("template error: the template needs more memory than a report may use",
                            file=_location_from_traceback(path, loader, exc)) from None
    except jinja2.TemplateNotFound as exc:
        raise TemplateError(f"template error: no template {_plain(repr(exc.name))} in the template's folder "
                            "(templates can include only files in their own folder)",
                            file=_location_from_traceback(path, loader, exc)) from None
    except jinja2.TemplateSyntaxError as exc:
        shown = loader.shown_names.get(exc.filename or "", str(path))
        raise TemplateError(f"template syntax error: {_plain(exc.message or '')}",
                            file=_template_location(shown, exc.lineno)) from None
    except jinja2.TemplateError as exc:  # also undefined names and sandbox refusals
        raise TemplateError(f"template error: {_plain(str(exc))}",
                            file=_location_from_traceback(path, loader, exc)) from None
    except RecursionError:
        raise TemplateError("template error: recursion too deep (a macro or include that calls itself?)",
                            file=str(path)) from None
    except (TypeError, ValueError, ArithmeticError, LookupError, AttributeError) as exc:
        # A filter called with the wrong kind of value, a division by zero, and so on.
        raise TemplateError(f"template error: {type(exc).__name__}: {_plain(str(exc))}",
                            file=_location_from_traceback(path, loader, exc)) from None


def _render_bounded(template: jinja2.Template, context: dict, loader: DocumentLoader) -> str:
    """Render piece by piece, stopping as soon as the output passes ``MAX_OUTPUT``."""
    pieces, size = [], 0
    stream = template.generate(context)
    for piece in stream:
        size += len(piece)
        if size > MAX_OUTPUT:
            where = _current_line(stream, loader) or loader.shown_names.get(template.filename or "")
            stream.close()  # type: ignore[attr-defined]  # generate() returns a generator
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
    if frame is None or template is None or template.filename not in loader.shown_names:
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
