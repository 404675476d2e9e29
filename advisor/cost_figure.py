"""The cost-range chart: each priced strategy's total over the horizon as a low-high bar.

Like the other figures, the geometry is computed here and ``templates/costs.svg.j2`` only
draws it. The axis starts at zero and is linear, so bar lengths compare honestly.
"""

from __future__ import annotations

import math

COST_TEMPLATE = "costs.svg.j2"
COST_SUFFIX = ".costs.svg"
NAMES = {"pretrained": "Pre-trained model", "fine_tune": "Fine-tune", "calibrate": "Calibrate",
         "from_scratch": "Train from scratch"}


def money(value: float | None) -> str:
    """An amount as a reader scans it: thousands separated, cents only below 100, small unit costs to 4 significant digits."""
    if value is None:
        return "n/a"
    size = abs(value)
    if size >= 100 or value == 0:
        return f"{value:,.0f}"
    if size >= 1:
        return f"{value:,.2f}"
    return f"{value:.4g}"


def compact(value: float, digits: int = 3) -> str:
    """An axis or bar label: 13.6M, 250k, 900."""
    size = abs(value)
    for unit, scale in (("T", 1e12), ("B", 1e9), ("M", 1e6), ("k", 1e3)):
        if size >= scale:
            return f"{value / scale:.{digits}g}{unit}"
    return f"{value:.{digits}g}"


def span_text(low: float, high: float) -> str:
    """Both ends, with as many digits as it takes to tell them apart (up to six)."""
    for digits in range(3, 7):
        if compact(low, digits) != compact(high, digits):
            return f"{compact(low, digits)} to {compact(high, digits)}"
    return compact(low)


def nice_ticks(top: float, count: int = 5) -> list[float]:
    """Round axis values from 0 past ``top`` (steps of 1, 2, 2.5 or 5 times a power of ten)."""
    if top <= 0:
        return [0.0, 1.0]
    raw = top / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    ticks, value = [0.0], 0.0
    while value < top:
        value = round(value + step, 12)
        ticks.append(value)
    return ticks


def _r(value: float) -> str:
    text = f"{value:.1f}"
    return "0.0" if text == "-0.0" else text


def cost_geometry(assessment: dict) -> dict | None:
    """Pixel geometry of the cost chart, or None when the assessment has no economics section."""
    econ = assessment.get("economics")
    if not econ or not econ.get("strategies"):
        return None
    names = {s.get("id"): s.get("name") for s in assessment.get("strategies") or []}
    primary = (assessment.get("recommendation") or {}).get("primary")
    rows = econ["strategies"]
    highs = [row["total"]["high"] for row in rows if row["total"]["high"] is not None]
    ticks = nice_ticks(max(highs) if highs else 0.0)
    left, width, top, row_height = 24.0, 480.0, 52.0, 52.0
    top_value = ticks[-1]
    x = lambda v: left + width * v / top_value  # noqa: E731  (a tiny coordinate map)
    bars = []
    for i, row in enumerate(rows):
        total = row["total"]
        base = top + i * row_height
        name = names.get(row["id"]) or NAMES.get(row["id"], row["id"])
        bar = {"name": name, "primary": row["id"] == primary, "name_y": _r(base + 14), "y": _r(base + 20),
               "h": "18.0", "text_y": _r(base + 33), "priced": total["low"] is not None and total["high"] is not None}
        if bar["priced"]:
            x0, x1 = x(total["low"]), x(total["high"])
            if x1 - x0 < 3:  # a point estimate still shows as a visible mark
                x0, x1 = x0 - 1.5, x1 + 1.5
            bar.update(x=_r(x0), w=_r(x1 - x0), value_x=_r(x1 + 6),
                       value=f"{span_text(total['low'], total['high'])} {econ['currency']}")
        else:
            fields = [field.rsplit(".", 1)[-1] for field in row.get("missing", [])]
            bar.update(value_x=_r(left), value=("not computed; missing: " + ", ".join(fields)) if fields
                       else "not computed")
        bars.append(bar)
    bottom = top + row_height * len(rows)
    axis = [{"x": _r(x(t)), "text": compact(t) if t else "0"} for t in ticks]
    return {
        "width": 640, "height": int(bottom + 44), "left": _r(left), "right": _r(left + width),
        "top": _r(top + 12), "bottom": _r(bottom), "label_y": _r(bottom + 16), "bars": bars, "axis": axis,
        "heading": f"Total cost over {econ['horizon_months']} months ({econ['currency']}, low to high)",
        "title": f"Total cost of ownership: {_project_name(assessment)}",
        "desc": (f"Total cost over {econ['horizon_months']} months per strategy, in {econ['currency']}, "
                 "from the low to the high end of the given ranges. "
                 + "; ".join(f"{b['name']} {b['value']}" for b in bars) + "."),
    }


def _project_name(assessment: dict) -> str:
    return (((assessment.get("inputs") or {}).get("profile") or {}).get("name")) or "project"
