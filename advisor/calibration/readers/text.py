"""What the CSV and JSONL readers share: bounded line reading, value parsing, and the rows gathered.

A line longer than the ``line_limit`` setting (64 Mi characters) and bytes that are not
UTF-8 are refused naming their line; a UTF-8 BOM and CRLF line ends are accepted.

A file of at least the ``text_stream_bytes`` setting is parsed once, line by line; each
block of parsed rows is appended to a temporary file of float64 rows (in
``tempfile.gettempdir()``, so ``TMPDIR`` needs 8 bytes per value), which a
:class:`~advisor.calibration.rowfile.RowFile` then reads like a large ``.npy``. The checks
run on that file after parsing, in the order of the in-memory path, so the error for a
bad file is the same either way; the temporary folder is removed on an error, or once
the predictions are no longer referenced (at the latest when Python exits). Re-parsing
the text on every pass would avoid the disk space but cost a text parse per pass (a
temperature fit makes several).
"""

from __future__ import annotations

import itertools
import math
import os
import re
import shutil
import tempfile
import weakref
from array import array
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from .. import config, progress
from ..predictions import BasePredictions, from_arrays
from ..problem import clipped, fail, shown
from ..rowfile import RowFile
from ..segment import SegmentNames
from .header import ROW_BYTES
from .layout import decimal_comma_hint


class TextRows:
    """Rows parsed from a text file, gathered block by block in bounded memory.

    Labels and line numbers are kept as compact 1-D arrays (8 bytes a row each). The
    (N, K) scores of a file of at least the ``text_stream_bytes`` setting go, block after
    block, to a temporary file of float64 rows that a :class:`RowFile` then reads: the
    second pass of the checks and every later pass read it like a large ``.npy``. Rows
    of one value (a binary task) stay in memory: they are a per-row array like the labels.
    The temporary folder goes when the last reader of it does, or at once on an error.

    Use as a context manager around the parsing; call :meth:`predictions` inside it.
    """

    def __init__(self, path: Path, source: str, with_segments: bool = False):
        self.source = source
        self.labels = array("q")
        self.lines = array("q")
        self.segments = SegmentNames() if with_segments else None  # section 8: a segment per row
        self._pending: list[list[float]] = []
        self._blocks: list[np.ndarray] = []
        self._large = path.stat().st_size >= config.get("text_stream_bytes")
        self._spill: _Spill | None = None
        self._max_rows: int | None = None  # set at the first row, when K is known

    def __enter__(self) -> TextRows:
        return self

    def __exit__(self, kind, value, traceback) -> None:
        if kind is not None and self._spill is not None:
            self._spill.remove()

    @property
    def count(self) -> int:
        return len(self.labels)

    def append(self, label: int, values: list[float], line: int, segment: str | None = None) -> None:
        if self._max_rows is None:
            self._memory_cap = config.get("memory_cap")
            self._max_rows = self._memory_cap // self._row_bytes(len(values))
        if self.count >= self._max_rows:
            raise fail(self.source, f"more than {self._max_rows:,} rows: at about {self._row_bytes(len(values))} "
                                    f"bytes per row to load and measure, {self._memory_cap:,} bytes (the limit) "
                                    "hold no more", f"line {line} (row {self.count + 1})")
        self.labels.append(label)
        self.lines.append(line)
        if self.segments is not None:
            self.segments.add(segment or "")  # the reader checked it: never empty here
        self._pending.append(values)
        if len(self._pending) * len(values) >= config.get("block_values"):
            self._flush()

    def _row_bytes(self, width: int) -> int:
        """Memory a row needs (module doc, "Memory"): label and line, scores held, the measurement."""
        if width == 1:
            scores = 8 + 8 + 8 + 16  # parsed, concatenated, 1 - p, the two columns [1-p, p]
        else:
            scores = 0 if self._large else 16 * width  # spilled to a file, or parsed and concatenated
        return 24 + scores + ROW_BYTES + (16 if self.segments is not None else 0)

    def _flush(self) -> None:
        if not self._pending:
            return
        progress.rows(self.count)
        rows = np.asarray(self._pending, dtype=np.float64)
        self._pending = []
        if self._large and not self._blocks and self._spill is None and rows.shape[1] > 1:
            self._spill = _Spill()  # decided at the first block: every row has the same width
        if self._spill is None:
            self._blocks.append(rows)
        else:
            self._spill.write(rows)

    def predictions(self, kind: str, binary: bool) -> BasePredictions:
        """Validate everything gathered (as :func:`from_arrays`) and return it."""
        if not self.count:
            raise fail(self.source, "no predictions (0 rows)")
        self._flush()
        lines = self.lines

        def where(row: int) -> str:
            return f"line {lines[row]} (row {row + 1})"

        labels = np.array(self.labels, dtype=np.int64)
        segments = None if self.segments is None else self.segments.segments()
        return from_arrays(labels, source=self.source, where=where, segments=segments,
                           **{kind: self._scores(binary)})

    def _scores(self, binary: bool):
        if self._spill is None:
            scores = np.concatenate(self._blocks)
            self._blocks = []
            return scores[:, 0] if binary else scores
        return self._spill.finish(self.count)


class _Spill:
    """A temporary file of float64 rows, removed when the :class:`RowFile` reading it is gone."""

    def __init__(self):
        self.folder = tempfile.mkdtemp(prefix="advisor-rows-")
        self.path = os.path.join(self.folder, "rows.f64")
        self.handle = open(self.path, "wb")  # noqa: SIM115  (written block by block, closed by finish)
        self.width = 0
        self.remove = weakref.finalize(self, _remove_folder, self.handle, self.folder)

    def write(self, rows: np.ndarray) -> None:
        self.width = rows.shape[1]
        self.handle.write(rows.tobytes())

    def finish(self, n_rows: int) -> RowFile:
        self.handle.close()
        return RowFile(self.path, (n_rows, self.width), np.float64, 0, owner=self)


def _remove_folder(handle, folder: str) -> None:
    handle.close()
    shutil.rmtree(folder, ignore_errors=True)


_ESCAPED_BYTE = re.compile("[\udc80-\udcff]")


def open_text(path: Path):
    """A text handle that keeps undecodable bytes (as surrogates) so the error can name their line."""
    return open(path, encoding="utf-8-sig", errors="surrogateescape", newline="")


def text_lines(handle, source: str) -> Iterator[str]:
    """Each line, with its line end; refused at the first that is too long or not UTF-8."""
    limit = config.get("line_limit")
    for number in itertools.count(1):
        text = handle.readline(limit + 1)  # bounded: an endless line is never read whole
        if not text:
            return
        if len(text) > limit and text[-1] not in "\r\n":
            raise fail(source, f"longer than {limit:,} characters", f"line {number}")
        bad = None if text.isascii() else _ESCAPED_BYTE.search(text)  # isascii: the fast common case
        if bad:
            raise fail(source, _not_utf8(text, bad.start()), f"line {number}")
        yield text


def _not_utf8(text: str, index: int) -> str:
    column = len(text[:index].encode("utf-8", "surrogateescape")) + 1
    return f"byte {column} of the line (0x{ord(text[index]) - 0xDC00:02x}) is not valid UTF-8"


def parse_label(text, source: str, where: str) -> int:
    if isinstance(text, bool):
        raise fail(source, f"label {shown(text)} is not an integer", where)
    try:
        value = text if isinstance(text, int) else float(text)  # a JSON int stays exact
    except (TypeError, ValueError):
        raise fail(source, f"label {shown(text)} is not an integer", where) from None
    if isinstance(value, float) and math.isinf(value) and str(text).strip().lstrip("+-").isdigit():
        raise fail(source, f"label {shown_number(text)} is far outside the class range", where)  # 400+ digits
    if isinstance(value, float) and (not math.isfinite(value) or value != round(value)):
        raise fail(source, f"label {shown_number(text)} is not an integer", where)
    if not -2**63 <= value < 2**63:  # no class has such an index, and it would not fit an int64
        raise fail(source, f"label {shown_number(text)} is far outside the class range", where)
    return int(value)


def shown_number(text) -> str:
    """A number as written: the text of a CSV field unquoted, a JSON number as JSON would."""
    return clipped(text.strip()) if isinstance(text, str) else shown(text)


def parse_number(text, column: str, source: str, where: str) -> float:
    if isinstance(text, bool) or text is None:
        raise fail(source, f"{column}: {shown(text)} is not a number", where)
    try:
        return float(text)
    except (TypeError, ValueError):
        hint = decimal_comma_hint(text) if isinstance(text, str) else ""
        raise fail(source, f"{column}: {shown(text)} is not a number{hint}", where) from None
