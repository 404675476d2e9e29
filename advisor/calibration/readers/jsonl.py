"""JSON Lines: one JSON object per line, ``{"label": 2, "probs": [...]}`` or ``{"label": 2, "logits": [...]}``.

Binary tasks may use ``"prob": 0.7`` or ``"logit": 0.8``. Every line uses the same key
and length; blank lines are skipped. A key given twice, a text label (``"1"``) and JSON
nested too deeply are refused naming the line; a line over the ``json_scan_chars``
setting has its items counted before ``json`` builds them.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

from .. import config
from ..predictions import BasePredictions
from ..problem import fail, shown
from .text import TextRows, open_text, parse_label, text_lines

_JSON_KEYS = {"probs": ("probs", False), "logits": ("logits", False), "prob": ("probs", True),
              "logit": ("logits", True)}


class _DuplicateKey(ValueError):
    pass


def _unique_keys(pairs: list) -> dict:
    record = dict(pairs)
    if len(record) != len(pairs):
        seen = set()
        raise _DuplicateKey(next(key for key, _ in pairs if key in seen or seen.add(key)))
    return record


def _json_record(text: str, source: str, where: str) -> tuple[dict, str]:
    """The object of one JSONL line and its one score key, or an error naming the line."""
    try:
        record = json.loads(text, object_pairs_hook=_unique_keys)
    except _DuplicateKey as exc:
        raise fail(source, f"the key {shown(exc.args[0])} appears twice (which value is meant?)", where) from None
    except json.JSONDecodeError as exc:
        raise fail(source, f"not valid JSON ({exc.msg} at column {exc.colno})", where) from None
    except RecursionError:
        raise fail(source, "not valid JSON (arrays or objects nested too deeply)", where) from None
    except ValueError as exc:  # an integer with more digits than Python converts (sys.set_int_max_str_digits)
        raise fail(source, f"not valid JSON ({str(exc).split(';')[0]})", where) from None
    if not isinstance(record, dict):
        raise fail(source, "each line must be a JSON object like {\"label\": 2, \"probs\": [...]}", where)
    if "label" not in record:
        raise fail(source, "no 'label'", where)
    keys = [key for key in _JSON_KEYS if key in record]
    if len(keys) != 1:
        found = "both " + " and ".join(repr(k) for k in keys) if keys else "none"
        raise fail(source, f"give exactly one of 'probs', 'logits', 'prob', 'logit' (found {found})", where)
    return record, keys[0]


def load_jsonl(path: Path, source: str) -> BasePredictions:
    layout = None  # (key, width, first line)
    with open_text(path) as handle, TextRows(path, source) as rows:
        for number, text in enumerate(text_lines(handle, source), start=1):
            if not text.strip():
                continue
            where = f"line {number} (row {rows.count + 1})"
            if len(text) > config.get("json_scan_chars"):
                _check_json_items(text, source, where)
            record, key = _json_record(text, source, where)
            values = record[key]
            if _JSON_KEYS[key][1]:
                values = [values]
            elif not isinstance(values, list):
                raise fail(source, f"'{key}' must be a list of numbers", where)
            if len(values) > config.get("max_classes"):
                raise fail(source, f"'{key}' has {len(values):,} values: more classes than the "
                                   f"{config.get('max_classes'):,} advisor measures (MAX_CLASSES)", where)
            if layout is None:
                layout = (key, len(values), number)
            elif key != layout[0]:
                raise fail(source, f"uses '{key}' but line {layout[2]} uses '{layout[0]}'", where)
            elif len(values) != layout[1]:
                raise fail(source, f"has {len(values)} values in '{key}', expected {layout[1]} "
                                   f"as on line {layout[2]}", where)
            if isinstance(record["label"], str):  # "1" is text in JSON: a typo or a broken export
                raise fail(source, f"label {shown(record['label'])} is text, not a JSON number", where)
            label = parse_label(record["label"], source, where)
            rows.append(label, _json_numbers(values, key, source, where), number)
        if layout is None:
            raise fail(source, "no predictions (the file is empty)")
        return rows.predictions(*_JSON_KEYS[layout[0]])


# A JSON string: quotes around anything but a quote or backslash, or an escaped character
_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"')


def _check_json_items(text: str, source: str, where: str) -> None:
    """Refuse a line with far more items than a record of MAX_CLASSES values, before json builds them.

    Every item json builds but the first of a list or object follows a comma outside
    a string, so the commas bound the objects (nesting depth is bounded apart). Twice
    MAX_CLASSES leaves room for other keys of the record.
    """
    commas = _JSON_STRING.sub("", text).count(",")
    max_classes = config.get("max_classes")
    if commas > 2 * max_classes:
        raise fail(source, f"at least {commas:,} values or keys: far more than a record of at most "
                           f"{max_classes:,} classes (MAX_CLASSES) holds", where)


def _json_numbers(values: list, key: str, source: str, where: str) -> list[float]:
    for j, value in enumerate(values):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise fail(source, f"{key}[{j}]: {shown(value)} is not a number", where)
    try:
        return [float(value) for value in values]
    except OverflowError:  # an integer beyond float range: like JSON's 1e999, it is infinite
        return [value if isinstance(value, float) else _integer_as_float(value) for value in values]


def _integer_as_float(value: int) -> float:
    try:
        return float(value)
    except OverflowError:
        return math.inf if value > 0 else -math.inf
