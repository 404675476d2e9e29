"""CSV: a header line, then one prediction per line.

The header is ``label,p0,p1,...,p{K-1}`` (probabilities), ``label,logit0,...,logit{K-1}``
(logits), ``label,prob`` or ``label,logit`` (binary, positive class). A record of more
fields than the ``max_classes`` setting allows is refused from its commas, before csv
builds its list of fields; a field longer than ``csv.field_size_limit()`` (131072
characters) is refused naming its line.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

from .. import config
from ..predictions import BasePredictions
from ..problem import escaped, fail
from .text import TextRows, open_text, parse_label, parse_number, text_lines

_CSV_COLUMNS = {"p": "probs", "logit": "logits"}


def column_layout(names, source: str, where: str = "line 1") -> tuple[str, bool]:
    """(kind, binary) of the column names ``label,p0,...`` / ``label,logit0,...`` / ``label,prob`` / ``label,logit``.

    Shared by the CSV header and by Parquet partitions (:mod:`advisor.calibration.dask`);
    ``where`` locates the names in error messages.
    """
    names = [str(name).strip().lower() for name in names]
    if not names or names[0] != "label":
        raise fail(source, "the header must start with 'label' (e.g. label,p0,p1,p2)", where)
    rest = names[1:]
    if rest in (["prob"], ["logit"]):
        return ("probs" if rest == ["prob"] else "logits"), True
    for prefix, kind in _CSV_COLUMNS.items():
        if rest and rest == [f"{prefix}{k}" for k in range(len(rest))]:
            return kind, False
    raise fail(source, "after 'label' the columns must be p0,p1,...,p{K-1} or logit0,...,logit{K-1} "
                       f"(or 'prob' / 'logit' for a binary task); got {escaped(','.join(rest)) or 'nothing'}",
               where)


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


def load_csv(path: Path, source: str) -> BasePredictions:
    with open_text(path) as handle:
        lines = _CsvLines(text_lines(handle, source), source)
        reader = csv.reader(lines)
        records = _csv_records(reader, source, lines)
        header = next(records, None)
        if header is None:
            raise fail(source, "no predictions (the file is empty)")
        kind, binary = column_layout(header, source, f"line {reader.line_num}")
        names = [name.strip() for name in header[1:]]
        with TextRows(path, source) as rows:
            for fields in records:
                where = f"line {reader.line_num} (row {rows.count + 1})"
                if len(fields) != len(header):
                    raise fail(source, f"has {len(fields)} fields, expected {len(header)} as in the header", where)
                label = parse_label(fields[0], source, where)
                rows.append(label, [parse_number(text, names[j], source, where)
                                    for j, text in enumerate(fields[1:])], reader.line_num)
            return rows.predictions(kind, binary)
