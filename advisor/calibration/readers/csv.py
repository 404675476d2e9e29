"""CSV: a header line, then one prediction per line.

The header names the layout (:mod:`.layout`): ``label,p0,p1,...,p{K-1}`` (probabilities),
``label,logit0,...,logit{K-1}`` (logits), ``label,prob`` or ``label,logit`` (binary,
positive class), or ``confidence,correct`` (records); any of them with a ``segment``
column, and with pandas' unnamed index column first (skipped). A header read as one
field holding semicolons or tabs, and numbers written with a decimal comma, get a
message that says so. A record of more
fields than the ``max_classes`` setting allows is refused from its commas, before csv
builds its list of fields; a field longer than ``csv.field_size_limit()`` (131072
characters) is refused naming its line.
"""

from __future__ import annotations

import csv
import itertools
from collections.abc import Iterator
from pathlib import Path

from .. import config
from ..predictions import BasePredictions
from ..problem import fail
from ..record import Records
from ..segment import segment_name
from .layout import Layout, decimal_comma_hint, delimiter_problem, table_layout
from .record import RecordRows
from .text import TextRows, open_text, parse_label, parse_number, text_lines


def column_layout(names, source: str, where: str = "line 1") -> tuple[str, bool]:
    """(kind, binary) of class-prediction column names ``label,p0,...`` / ``label,logit0,...`` / ``label,prob`` / ``label,logit``.

    Used by Parquet partitions (:mod:`advisor.calibration.dask`), which hold class
    predictions only; ``where`` locates the names in error messages.
    """
    layout = table_layout(names, source, where)
    if layout.kind == "confidence" or layout.segment is not None or layout.index is not None:
        raise fail(source, "partitions hold class predictions: label and p0,p1,... (or logit0,..., prob, logit) "
                           "columns only", where)
    return layout.kind, layout.binary


class _CsvLines:
    """The lines fed to ``csv.reader``, refusing a record of more than MAX_CLASSES + 1 fields.

    csv builds a record's whole list of fields before advisor sees it: counting the
    commas of each line first bounds that list. A record can span lines (a quoted
    line end), so the count runs from the end of the previous record
    (:meth:`record_done`).
    """

    def __init__(self, lines: Iterator[str], source: str):
        self.lines, self.source = lines, source
        self.number = self.commas = 0

    def __iter__(self) -> _CsvLines:
        return self

    def __next__(self) -> str:
        text = next(self.lines)
        self.number += 1
        self.commas += text.count(",")
        max_classes = config.get("max_classes")
        if self.commas > max_classes:
            raise fail(self.source, f"more than {max_classes + 1:,} fields: more classes than the "
                                    f"{max_classes:,} advisor measures (MAX_CLASSES)", f"line {self.number}")
        return text

    def record_done(self) -> None:
        self.commas = 0


def _csv_records(reader, source: str, lines: _CsvLines) -> Iterator[list[str]]:
    """The non-blank records of a ``csv.reader`` over ``lines``; its errors name their line."""
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise fail(source, _csv_problem(exc), f"line {reader.line_num}") from None
        lines.record_done()
        if fields and any(field.strip() for field in fields):
            yield fields


def _csv_problem(exc: csv.Error) -> str:
    # a legitimate field is one number, so csv's size limit stays: only the wording changes
    if "field limit" in str(exc):
        return f"a field is longer than {csv.field_size_limit()} characters"
    return f"not valid CSV ({exc})"


def load_csv(path: Path, source: str) -> BasePredictions | Records:
    with open_text(path) as handle:
        lines = _CsvLines(text_lines(handle, source), source)
        reader = csv.reader(lines)
        records = _csv_records(reader, source, lines)
        header = next(records, None)
        if header is None:
            raise fail(source, "no predictions (the file is empty)")
        header_line = f"line {reader.line_num}"
        if len(header) == 1:
            first = next(records, None)
            problem = delimiter_problem(header, None if first is None else ",".join(first))
            if problem:
                raise fail(source, problem, header_line)
            records = itertools.chain([] if first is None else [first], records)
        layout = table_layout(header, source, header_line)
        if layout.kind == "confidence":
            return _csv_records_of(layout, records, reader, source)
        names, label_at = layout.score_names, layout.label
        assert label_at is not None  # a class layout always has its label column
        with TextRows(path, source, with_segments=layout.segment is not None) as rows:
            for fields in records:
                where = f"line {reader.line_num} (row {rows.count + 1})"
                _check_width(fields, layout, source, where)
                label = parse_label(fields[label_at], source, where)
                values = [parse_number(fields[column], names[j], source, where)
                          for j, column in enumerate(layout.scores)]
                rows.append(label, values, reader.line_num, _segment_field(fields, layout, source, where))
            return rows.predictions(layout.kind, layout.binary)


def _csv_records_of(layout: Layout, records, reader, source: str) -> Records:
    rows = RecordRows(source, with_segments=layout.segment is not None)
    confidence_at, correct_at = layout.confidence, layout.correct
    assert confidence_at is not None and correct_at is not None  # a records layout always has both
    for fields in records:
        _check_width(fields, layout, source, rows.where(reader.line_num))
        segment = None if layout.segment is None else fields[layout.segment]
        rows.append(fields[confidence_at], fields[correct_at], segment, reader.line_num)
    return rows.records()


def _check_width(fields: list[str], layout: Layout, source: str, where: str) -> None:
    if len(fields) != layout.n_fields:
        hint = decimal_comma_hint(",".join(fields)) if len(fields) > layout.n_fields else ""
        raise fail(source, f"has {len(fields)} fields, expected {layout.n_fields} as in the header{hint}", where)


def _segment_field(fields: list[str], layout: Layout, source: str, where: str) -> str | None:
    if layout.segment is None:
        return None
    name = segment_name(fields[layout.segment])
    if name is None:
        raise fail(source, "the segment name is empty", where)
    return name
