"""JSON Lines: one JSON object per line, ``{"label": 2, "probs": [...]}`` or ``{"label": 2, "logits": [...]}``.

Binary tasks may use ``"prob": 0.7`` or ``"logit": 0.8``. Every line uses the same key
and length; blank lines are skipped. A key given twice, a text label (``"1"``) and JSON
nested too deeply are refused naming the line; a line over the ``json_scan_chars``
setting has its items counted before ``json`` builds them.
"""

from __future__ import annotations

import itertools
import json
import math
import re
from pathlib import Path

from .. import config
from ..predictions import BasePredictions
from ..problem import fail, shown
from ..record import Records
from ..segment import segment_name, segment_problem
from .record import RecordRows
from .text import TextRows, open_text, parse_label, text_lines

_JSON_KEYS = {"probs": ("probs", False), "logits": ("logits", False), "prob": ("probs", True),
              "logit": ("logits", True)}


class _DuplicateKey(ValueError):
    pass


def _unique_keys(pairs: list) -> dict:
    record = dict(pairs)
    if len(record) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _DuplicateKey(key)
            seen.add(key)
    return record


class _HugeInteger(float):
    """A JSON integer with more digits than Python converts: infinite, keeping how many digits it had."""

    digits: int

    def __new__(cls, text: str) -> _HugeInteger:
        value = super().__new__(cls, "-inf" if text.startswith("-") else "inf")
        value.digits = len(text.lstrip("-"))
        return value


INT_DIGITS = 4000  # Python's int() refuses more than 4300 digits (a guard against slow conversions)


def _json_int(text: str):
    # no label or flag is that long: such a number is simply infinite here
    return int(text) if len(text) <= INT_DIGITS else _HugeInteger(text)


def _json_record(text: str, source: str, where: str) -> tuple[dict, str]:
    """The object of one JSONL line and its layout key (a score key, or "correct"), or an error naming the line."""
    try:
        record = json.loads(text, object_pairs_hook=_unique_keys, parse_int=_json_int)
    except _DuplicateKey as exc:
        raise fail(source, f"the key {shown(exc.args[0])} appears twice (which value is meant?)", where) from None
    except json.JSONDecodeError as exc:
        raise fail(source, f"not valid JSON ({_json_problem(exc, text)})", where) from None
    except RecursionError:
        raise fail(source, "not valid JSON (arrays or objects nested too deeply)", where) from None
    except ValueError:
        raise fail(source, "not valid JSON", where) from None
    if not isinstance(record, dict):
        raise fail(source, "each line must be a JSON object like {\"label\": 2, \"probs\": [...]} "
                           "or {\"confidence\": 0.8, \"correct\": true}", where)
    if "label" not in record:
        if "correct" in record or "confidence" in record:
            for key in ("confidence", "correct"):
                if key not in record:
                    raise fail(source, f"no {key!r}" + (" (write null when the model gave none)"
                                                        if key == "confidence" else ""), where)
            return record, "correct"
        raise fail(source, "no 'label' (or 'confidence' and 'correct' for records)", where)
    keys = [key for key in _JSON_KEYS if key in record]
    if len(keys) != 1:
        found = "both " + " and ".join(repr(k) for k in keys) if keys else "none"
        raise fail(source, f"give exactly one of 'probs', 'logits', 'prob', 'logit' (found {found})", where)
    return record, keys[0]


def _json_problem(exc: json.JSONDecodeError, text: str) -> str:
    """The decoder's complaint, columns counted within the line; a line cut short is named as such."""
    if exc.pos >= len(text.rstrip("\r\n")) or exc.msg.startswith("Unterminated string"):
        return "the line ends before its JSON value does; was it cut short?"
    return f"{exc.msg} at column {exc.pos + 1}"


def _parsed_lines(handle, source: str):
    """(line number, where, record, layout key) of every non-blank line."""
    row = 0
    for number, text in enumerate(text_lines(handle, source), start=1):
        if not text.strip():
            continue
        row += 1
        where = f"line {number} (row {row})"
        if len(text) > config.get("json_scan_chars"):
            _check_json_items(text, source, where)
        record, key = _json_record(text, source, where)
        yield number, where, record, key


def _layout_problem(first: tuple, key: str, has_segment: bool) -> str | None:
    """How a line's layout differs from the first line's (key, line, has a segment), or None."""
    first_key, first_line, first_segment = first
    if key != first_key:
        if "correct" in (key, first_key):
            return f"mixes class predictions and records (confidence, correct) with line {first_line}"
        return f"uses '{key}' but line {first_line} uses '{first_key}'"
    if has_segment != first_segment:
        return (f"has no 'segment' but line {first_line} has one" if first_segment
                else f"has a 'segment' but line {first_line} has none")
    return None


def load_jsonl(path: Path, source: str) -> BasePredictions | Records:
    with open_text(path) as handle:
        parsed = _parsed_lines(handle, source)
        first = next(parsed, None)
        if first is None:
            raise fail(source, "no predictions (the file is empty)")
        layout = (first[3], first[0], "segment" in first[2])
        lines = itertools.chain([first], parsed)
        if layout[0] == "correct":
            records = RecordRows(source, layout[2])
            for number, where, record, key in lines:
                problem = _layout_problem(layout, key, "segment" in record)
                if problem:
                    raise fail(source, problem, where)
                records.append(record["confidence"], record["correct"], record.get("segment"), number)
            return records.records()
        width = None
        with TextRows(path, source, with_segments=layout[2]) as rows:
            for number, where, record, key in lines:
                problem = _layout_problem(layout, key, "segment" in record)
                if problem:
                    raise fail(source, problem, where)
                values = _score_values(record, key, source, where)
                if width is None:
                    width = len(values)
                elif len(values) != width:
                    raise fail(source, f"has {len(values)} values in '{key}', expected {width} "
                                       f"as on line {layout[1]}", where)
                segment = _segment(record, source, where) if layout[2] else None
                rows.append(_label(record["label"], source, where), _json_numbers(values, key, source, where),
                            number, segment)
            return rows.predictions(*_JSON_KEYS[layout[0]])


def _score_values(record: dict, key: str, source: str, where: str) -> list:
    values = record[key]
    if _JSON_KEYS[key][1]:
        return [values]
    if not isinstance(values, list):
        raise fail(source, f"'{key}' must be a list of numbers", where)
    if len(values) > config.get("max_classes"):
        raise fail(source, f"'{key}' has {len(values):,} values: more classes than the "
                           f"{config.get('max_classes'):,} advisor measures (MAX_CLASSES)", where)
    return values


def _label(label, source: str, where: str) -> int:
    if isinstance(label, str):  # "1" is text in JSON: a typo or a broken export
        raise fail(source, f"label {shown(label)} is text, not a JSON number", where)
    if isinstance(label, _HugeInteger):
        raise fail(source, f"label of {label.digits:,} digits is far outside the class range", where)
    return parse_label(label, source, where)


def _segment(record: dict, source: str, where: str) -> str:
    name = segment_name(record["segment"])
    if name is None:
        raise fail(source, segment_problem(record["segment"]), where)
    return name


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
