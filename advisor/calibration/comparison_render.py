"""Plain-text and Markdown renderings of a :func:`advisor.calibration.comparison.compare` result."""

from __future__ import annotations

from .comparison import METRICS

NAMES = {"accuracy": "accuracy", "ece": "ECE", "mce": "MCE", "nll": "NLL", "brier": "Brier"}
# Which way is better for each metric: a higher accuracy, lower everything else
BETTER = {"accuracy": 1, "ece": -1, "mce": -1, "nll": -1, "brier": -1}


def _num(value, digits: int = 4) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def _signed(value) -> str:
    return "n/a" if value is None else f"{value:+.4f}"


def _interval(pair) -> str:
    return "n/a" if not pair else f"[{pair[0]:+.4f}, {pair[1]:+.4f}]"


def _verdict(key: str, result: dict) -> str:
    """Whether B is better, worse or not distinguishable from A on ``key``."""
    seen = (result.get("distinguishable") or {}).get(key)
    if seen is None:
        return "no interval"
    if not seen:
        return "not distinguishable from 0"
    better = result["difference"][key] * BETTER[key] > 0
    return "B better" if better else "B worse"


def _rows(result: dict) -> list[tuple[str, str, str, str, str, str]]:
    return [(NAMES[key], _num(result["a"][key]), _num(result["b"][key]), _signed(result["difference"][key]),
             _interval((result.get("intervals") or {}).get(key)), _verdict(key, result)) for key in METRICS]


def _level(result: dict) -> str:
    return f"{round(result['level'] * 100)}% paired-bootstrap interval ({result['n_resamples']} resamples)"


def format_comparison_text(result: dict) -> str:
    """A fixed-width table of both models, B - A and its interval, per metric (and per segment)."""
    lines = [f"A: {result['a']['source']}", f"B: {result['b']['source']}",
             f"{result['n_samples']:,} rows, {result['n_bins']} equal-width bins; difference B - A, "
             f"{_level(result)}", ""]
    head = ("metric", "A", "B", "B - A", "interval", "")
    table = [head, *_rows(result)]
    widths = [max(len(row[i]) for row in table) for i in range(len(head))]
    for row in table:
        lines.append("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
    for segment in result.get("segments") or []:
        lines.append("")
        lines.append(f"segment {segment['name']} ({segment['n_samples']:,} rows)")
        for key in ("accuracy", "ece"):
            lines.append(f"  {NAMES[key]:<9} {_signed(segment['difference'][key])}  "
                         f"{_interval((segment.get('intervals') or {}).get(key))}  {_verdict(key, segment)}")
    return "\n".join(lines) + "\n"


def format_comparison_markdown(result: dict) -> str:
    """A Markdown table of the same (for a pull request or a CI job summary)."""
    lines = ["## Model comparison", "", f"- A: `{result['a']['source']}`", f"- B: `{result['b']['source']}`",
             f"- {result['n_samples']:,} rows, {result['n_bins']} equal-width bins; difference B - A with "
             f"its {_level(result)}", "",
             "| metric | A | B | B - A | interval | verdict |", "| --- | ---: | ---: | ---: | --- | --- |"]
    lines += [f"| {' | '.join(row)} |" for row in _rows(result)]
    if result.get("segments"):
        lines += ["", "### By segment", "", "| segment | rows | accuracy B - A | interval | ECE B - A | interval |",
                  "| --- | ---: | ---: | --- | ---: | --- |"]
        for s in result["segments"]:
            iv = s.get("intervals") or {}
            lines.append(f"| {s['name']} | {s['n_samples']:,} | {_signed(s['difference']['accuracy'])} | "
                         f"{_interval(iv.get('accuracy'))} | {_signed(s['difference']['ece'])} | "
                         f"{_interval(iv.get('ece'))} |")
    return "\n".join(lines) + "\n"
