"""The selective-prediction figure: accuracy of the accepted rows against the share accepted.

The risk-coverage curve of the measurement's ``selective`` (read as accuracy = 1 - risk),
with the target accuracy as a dashed line and the best threshold today and after
cross-fitted temperature scaling as marked points. The geometry is computed here and
``templates/risk.svg.j2`` only draws it, like the other figures.
"""

from __future__ import annotations

from advisor.assessment import Assessment
from advisor.calibration.render import pct


def _r(value: float) -> str:
    text = f"{value:.1f}"
    return "0.0" if text == "-0.0" else text


def _short(selective) -> str:
    """The figure's subtitle: coverage at the target today and after calibration, in a few words."""
    target = pct(selective.target_accuracy)
    today = (f"no threshold reaches {target} today" if selective.threshold is None
             else f"{pct(float(selective.coverage))} automated at {target} today")
    after = selective.after_calibration
    if after is None or after.coverage is None:
        return today
    return f"{today}; {pct(after.coverage)} after calibration"


def _diamond(cx: float, cy: float, half: float = 9.0) -> str:
    """An open diamond around (cx, cy): it frames today's dot (r 4.5) where the two points coincide."""
    return (f"M {_r(cx)} {_r(cy - half)} L {_r(cx + half)} {_r(cy)} L {_r(cx)} {_r(cy + half)} "
            f"L {_r(cx - half)} {_r(cy)} Z")


def risk_geometry(assessment: Assessment | dict) -> dict | None:
    """Pixel geometry of the selective-prediction figure, or None without ``selective``.

    The accuracy of the accepted rows against the share accepted (the risk-coverage
    curve, read as accuracy = 1 - risk), from the highest threshold down; the target
    accuracy as a dashed line; the chosen threshold today and after cross-fitted
    temperature scaling as marked points on their coverage.
    """
    a = Assessment.coerce(assessment)
    selective = a.calibration.measured.selective if a.calibration is not None else None
    if selective is None or not selective.curve:
        return None
    left, top, width, height = 64.0, 56.0, 400.0, 260.0
    lowest = min([p.accuracy for p in selective.curve] + [selective.target_accuracy])
    floor = max(0.0, (int(lowest * 20) - 1) / 20)  # a 0.05 step below the lowest value
    x = lambda v: left + width * v  # noqa: E731
    y = lambda v: top + height * (1.0 - (v - floor) / (1.0 - floor))  # noqa: E731
    points = " ".join(f"{_r(x(p.coverage))},{_r(y(p.accuracy))}" for p in selective.curve)
    marks: list[dict] = []
    if selective.threshold is not None and selective.accuracy is not None:
        marks.append({"x": _r(x(float(selective.coverage))), "y": _r(y(selective.accuracy)), "after": False,
                      "label": f"today: {pct(float(selective.coverage))} accepted at confidence of at least "
                               f"{selective.threshold:.4g}"})
    after = selective.after_calibration
    if after is not None and after.threshold is not None and after.coverage is not None and after.accuracy is not None:
        marks.append({"x": _r(x(after.coverage)), "y": _r(y(after.accuracy)), "after": True,
                      "path": _diamond(x(after.coverage), y(after.accuracy)),
                      "label": f"after calibration: {pct(after.coverage)} accepted"})
    steps = round((1.0 - floor) / 0.05)
    every = max(1, round(steps / 5))
    y_ticks = [{"v": f"{floor + 0.05 * i:.2f}", "y": _r(y(floor + 0.05 * i))} for i in range(0, steps + 1, every)]
    x_ticks = [{"v": f"{t * 20}%", "x": _r(x(t / 5))} for t in range(6)]
    target = selective.target_accuracy
    return {
        "width": 520, "height": 380, "left": _r(left), "top": _r(top), "right": _r(left + width),
        "bottom": _r(top + height), "points": points, "marks": marks, "y_ticks": y_ticks, "x_ticks": x_ticks,
        "legend_diamond": _diamond(left + 176, top + height + 52),
        "target_y": _r(y(target)), "target_label": f"target {pct(target)}",
        "title": f"Selective prediction: {a.inputs.profile.name}",
        "subtitle": _short(selective),
        "desc": (f"Accuracy of the accepted rows against the share of rows accepted, accepting every row whose "
                 f"confidence is at least a threshold, from the highest threshold down; the dashed line is the "
                 f"target accuracy {pct(target)}. "
                 + " ".join(f"{mark['label']}." for mark in marks)),
    }
