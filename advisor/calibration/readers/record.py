"""Records (confidence, correct, optional segment) gathered from text rows, in compact arrays.

A text reader feeds one row at a time (:meth:`RecordRows.append`); each row costs
8 bytes of confidence, 1 of the flag, 8 of line number and 8 of segment code while
reading, so the number of rows is bounded by the ``memory_cap`` setting like the
class layouts' (:mod:`advisor.calibration.readers`, "Memory").
"""

from __future__ import annotations

import math
from array import array

import numpy as np

from .. import config
from ..problem import fail, shown
from ..record import Records, as_correct, records_from_arrays
from ..segment import SegmentNames, segment_name, segment_problem
from .header import ROW_BYTES
from .layout import decimal_comma_hint

RECORD_ROW_BYTES = 8 + 1 + 8 + 8 + 8 + 8 + 8  # as read, then as arrays (confidence, flag, line, segment code)


class RecordRows:
    """Rows of records parsed from a text file; :meth:`records` validates and returns them."""

    def __init__(self, source: str, with_segments: bool):
        self.source = source
        self.confidence = array("d")
        self.correct = array("b")
        self.lines = array("q")
        self.segments = SegmentNames() if with_segments else None
        self.max_rows = config.get("memory_cap") // (RECORD_ROW_BYTES + ROW_BYTES)

    @property
    def count(self) -> int:
        return len(self.confidence)

    def where(self, line: int) -> str:
        return f"line {line} (row {self.count + 1})"

    def append(self, confidence, correct, segment, line: int) -> None:
        """Add one row of raw values (text of a CSV field, or a JSON value); errors name the line."""
        where = self.where(line)
        if self.count >= self.max_rows:
            raise fail(self.source, f"more than {self.max_rows:,} rows: at about {RECORD_ROW_BYTES + ROW_BYTES} "
                                    f"bytes per row to load and measure, {config.get('memory_cap'):,} bytes "
                                    "(the limit) hold no more", where)
        value = self._confidence(confidence, where)
        flag = as_correct(correct) if not isinstance(correct, float) or math.isfinite(correct) else None
        if flag is None:
            raise fail(self.source, f"correct {shown(correct)} is not 0/1 or true/false", where)
        if self.segments is not None:
            name = segment_name(segment)
            if name is None:
                raise fail(self.source, segment_problem(segment), where)
            self.segments.add(name)
        self.confidence.append(value)
        self.correct.append(flag)
        self.lines.append(line)

    def _confidence(self, value, where: str) -> float:
        """The confidence as a float; NaN when empty (an empty field, null, NaN): not reported."""
        if value is None or (isinstance(value, str) and not value.strip()):
            return math.nan
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise fail(self.source, f"confidence {shown(value)} is not a number", where)
        try:
            number = float(value)
        except (TypeError, ValueError):
            hint = decimal_comma_hint(value) if isinstance(value, str) else ""
            raise fail(self.source, f"confidence {shown(value)} is not a number{hint}", where) from None
        except OverflowError:  # a JSON integer beyond float range
            number = math.inf
        if not math.isnan(number) and not 0.0 <= number <= 1.0:
            raise fail(self.source, f"confidence {shown(value)} is outside [0, 1]", where)
        return number

    def records(self) -> Records:
        if not self.count:
            raise fail(self.source, "no records (0 rows)")
        lines = self.lines

        def where(row: int) -> str:
            return f"line {lines[row]} (row {row + 1})"

        segments = None if self.segments is None else self.segments.segments()
        return records_from_arrays(np.frombuffer(self.confidence, dtype=np.float64),
                                   np.frombuffer(self.correct, dtype=np.int8).astype(bool), segments,
                                   self.source, where)
