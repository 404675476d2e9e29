"""The report's SVG figures: pixel geometry computed here, drawn by the ``*.svg.j2`` templates.

Each figure's element ids start with its kind (``reliability-title``, ``scores-blocked``),
so several figures can sit inline in one HTML page without their ids colliding.
"""

from __future__ import annotations

import jinja2
from markupsafe import Markup

from advisor import cost_figure
from advisor.assessment import Assessment
from advisor.calibration.interval import THIN_COUNT
from advisor.report.markup import STRATEGY_LABELS
from advisor.report.selective_figure import risk_geometry
from advisor.resource import template_dir
from advisor.text import for_document

FIGURE_TEMPLATES = {"reliability": "reliability.svg.j2", "scores": "scores.svg.j2",
                    "costs": cost_figure.COST_TEMPLATE, "risk": "risk.svg.j2"}
FIGURE_SUFFIXES = {"reliability": ".reliability.svg", "scores": ".scores.svg", "costs": cost_figure.COST_SUFFIX,
                   "risk": ".risk.svg"}
# Figures in the order the report shows them.
ORDER = ("scores", "risk", "reliability", "costs")


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


def render_figures(assessment: Assessment | dict) -> dict[str, tuple[str, str]]:
    """SVG figures keyed by kind: ``{kind: (file suffix, svg text)}``.

    The score chart always exists; the reliability diagram only with measured bins; the
    cost chart only with an ``economics`` section; the selective-prediction (risk-coverage)
    figure only with a measured ``selective`` (a target accuracy and attached predictions).
    """
    a = Assessment.coerce(assessment)
    env = svg_environment()
    geometries = {"scores": scores_geometry(a), "reliability": reliability_geometry(a),
                  "costs": cost_figure.cost_geometry(a.to_json_dict()) if a.economics is not None else None,
                  "risk": risk_geometry(a)}
    return {kind: (FIGURE_SUFFIXES[kind], env.get_template(FIGURE_TEMPLATES[kind]).render(geometries[kind]))
            for kind in ORDER if geometries[kind] is not None}


def _r(value: float) -> str:
    """Coordinates rounded to 0.1 px: stable text, no float noise in the golden files."""
    text = f"{value:.1f}"
    return "0.0" if text == "-0.0" else text


def reliability_geometry(assessment: Assessment | dict) -> dict | None:
    """Pixel geometry of the reliability diagram.

    Per non-empty bin: the accuracy bar (full height, lighter when the bin is thin), the
    mean confidence as a dark tick, the gap between them (hatched red above the bar when
    overconfident, amber stripes over the bar when underconfident: the bar stays visible,
    and the legend draws the same), and the accuracy's interval when the measurement has one.
    A thin bin (fewer than THIN_COUNT predictions) is drawn in lighter colours throughout.
    """
    a = Assessment.coerce(assessment)
    measured = a.calibration.measured if a.calibration is not None else None
    if measured is None or not measured.bins:
        return None
    left, top, size = 64.0, 48.0, 360.0
    x = lambda v: left + size * v  # noqa: E731  (tiny coordinate maps)
    y = lambda v: top + size * (1.0 - v)  # noqa: E731
    bars, gaps, ticks_conf, whiskers, counts = [], [], [], [], []
    thin_any = False
    for b in measured.bins:
        x0, x1 = x(b.lower), x(b.upper)
        mid, width = (x0 + x1) / 2, max(x1 - x0 - 2, 0.5)
        thin = b.thin if b.thin is not None else 0 < b.count < THIN_COUNT
        counts.append({"x": _r(mid), "text": str(b.count), "thin": thin})
        if not b.count or b.accuracy is None or b.confidence is None:
            continue
        thin_any = thin_any or thin
        acc, conf = float(b.accuracy), float(b.confidence)
        bars.append({"x": _r(x0 + 1), "y": _r(y(acc)), "w": _r(width), "h": _r(size * acc), "thin": thin,
                     "label": f"{b.lower:.2f}-{b.upper:.2f}: accuracy {acc:.3f}, mean confidence {conf:.3f}, "
                              f"{b.count} predictions{' (thin)' if thin else ''}"})
        lo, hi = sorted((acc, conf))
        if hi > lo:
            gaps.append({"x": _r(x0 + 1), "y": _r(y(hi)), "w": _r(width), "h": _r(size * (hi - lo)),
                         "over": conf > acc, "thin": thin})
        ticks_conf.append({"x1": _r(x0 + 1), "x2": _r(x0 + 1 + width), "y": _r(y(conf))})
        if b.accuracy_interval is not None:
            whiskers.append({"x": _r(mid), "y1": _r(y(b.accuracy_interval[1])), "y2": _r(y(b.accuracy_interval[0]))})
    ticks = [{"v": f"{t / 5:.1f}", "x": _r(x(t / 5)), "y": _r(y(t / 5))} for t in range(6)]
    ece, acc_all, n = measured.ece, measured.accuracy, measured.n_samples
    bins = len(measured.bins)
    return {
        "width": 480, "height": 564, "left": _r(left), "top": _r(top), "size": _r(size),
        "right": _r(left + size), "bottom": _r(top + size), "count_y": _r(top + size + 58),
        "bars": bars, "gaps": gaps, "conf_ticks": ticks_conf, "whiskers": whiskers, "counts": counts,
        "ticks": ticks, "thin_any": thin_any, "thin_count": THIN_COUNT,
        "title": f"Reliability diagram: {a.inputs.profile.name}",
        "desc": (f"Accuracy against confidence in {bins} equal-width bins for {n} predictions; the diagonal is "
                 f"perfect calibration; dark ticks mark each bin's mean confidence, hatched or striped boxes "
                 f"its gap; lighter bars hold fewer than {THIN_COUNT} predictions. "
                 f"ECE {ece:.4f}, accuracy {acc_all:.4f}."),
        "subtitle": f"ECE {ece:.4f} ({bins} equal-width bins, n = {n})",
    }


def scores_geometry(assessment: Assessment | dict) -> dict:
    """Pixel geometry of the strategy score chart: one horizontal bar per strategy,
    in rank order, with gated and vetoed strategies drawn hatched and labelled."""
    a = Assessment.coerce(assessment)
    scores = [float(s.score) for s in a.strategies]
    low, high = min([0.0, *scores]), max([0.0, *scores])
    span = (high - low) or 1.0
    # Names go above their bars, so long rubric names never collide with the axis.
    left, width, top, row = 24.0, 480.0, 44.0, 52.0
    x = lambda v: left + width * (v - low) / span  # noqa: E731
    primary = a.recommendation.primary
    bars = []
    for i, (s, score) in enumerate(zip(a.strategies, scores, strict=True)):
        x0, x1 = sorted((x(0.0), x(score)))
        name = s.name or STRATEGY_LABELS.get(s.id, s.id)
        note = "" if s.status == "eligible" else f" ({s.status})"
        base = top + i * row
        bars.append({
            "name_y": _r(base + 14), "y": _r(base + 20), "h": "22.0", "text_y": _r(base + 36),
            "tick_y1": _r(base + 18), "tick_y2": _r(base + 44),
            "x": _r(x0), "w": _r(max(x1 - x0, 1.0)), "name": name, "value": f"{score:.2f}{note}",
            "status": s.status, "primary": s.id == primary, "value_x": _r(max(x1, x(0.0)) + 6),
        })
    height = top + row * len(a.strategies) + 16
    return {
        "width": 640, "height": int(height), "left": _r(left), "zero_x": _r(x(0.0)),
        "top": _r(top + 16), "bottom": _r(top + row * len(a.strategies)), "bars": bars,
        "title": f"Strategy scores: {a.inputs.profile.name}",
        "desc": "Score of each strategy, best first; higher is better. " + "; ".join(
            f"{b['name']} {b['value']}" for b in bars) + ".",
    }
