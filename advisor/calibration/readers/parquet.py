"""Parquet: the columns of the CSV layouts (:mod:`.layout`), read with pyarrow in record batches.

Install the optional extra (``pip install 'advisor[parquet]'``); without pyarrow a
``.parquet`` file is refused with an error that names the extra. The columns are
matched by name in any order (pandas' stored index, ``__index_level_0__``, is skipped): ``label`` with ``p0..p{K-1}``, ``logit0..``, ``prob`` or
``logit``; or ``confidence`` and ``correct``; each with an optional ``segment``
(text or integers). Only the columns of the layout are read.

The file is read batch by batch (about the ``parquet_batch_values`` setting of values
each), so pyarrow never holds more than a batch; the memory the rows will need is
worked out from the file's footer (its row count) before any data is read, as for the
other formats (:mod:`advisor.calibration.readers`, "Memory"). Class scores of at least
the ``text_stream_bytes`` setting (as float64) go to a temporary file block by block,
like a large CSV's, and are then read block by block from there.

Missing values (Parquet nulls): an empty confidence counts as not reported, as in the
other formats; a null label, score, flag or segment is refused naming its row. Rows
are numbered from 1.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .. import config
from ..predictions import BasePredictions, from_arrays
from ..problem import fail
from ..record import Records, records_from_arrays
from ..rowfile import RowFile
from ..segment import SegmentNames
from .header import ROW_BYTES
from .layout import Layout, table_layout
from .record import RECORD_ROW_BYTES
from .text import _Spill

EXTRA_HINT = "pip install 'advisor[parquet]'"


def _pyarrow(source: str):
    try:
        import pyarrow
        import pyarrow.parquet
    except ImportError:
        raise fail(source, f"reading Parquet files needs pyarrow, which is not installed: {EXTRA_HINT}") from None
    return pyarrow, pyarrow.parquet


def load_parquet(path: Path, source: str) -> BasePredictions | Records:
    pa, pq = _pyarrow(source)
    try:
        parquet_file = pq.ParquetFile(path)
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise fail(source, f"not a valid Parquet file ({_reason(exc)})") from None
    schema = parquet_file.schema_arrow
    # columns have no order to speak of: label first, then the scores by class number (p2 before p10)
    # pandas stores a non-default index as __index_level_0__ (its own metadata): not a column of ours
    kept = [name for name in schema.names if not name.startswith("__index_level_")]
    ordered = sorted(kept, key=lambda name: (name.strip().lower() != "label", len(name), name))
    layout = table_layout(ordered, source, "columns")
    names = _layout_columns(layout, ordered)
    for role, name in names.items():
        _check_type(pa, role, name, schema.field(name).type, source)
    n_rows = parquet_file.metadata.num_rows
    if n_rows == 0:
        raise fail(source, "no predictions (0 rows)")
    # rows of one score (a binary task) stay in memory, like the labels: a per-row array
    large = (layout.kind != "confidence" and not layout.binary
             and n_rows * len(layout.scores) * 8 >= config.get("text_stream_bytes"))
    _check_memory(layout, n_rows, large, source)
    columns = list(names.values())
    batch_rows = max(1, config.get("parquet_batch_values") // len(columns))
    gathered = _Gathered(names, layout, large)
    try:
        for batch in parquet_file.iter_batches(batch_size=batch_rows, columns=columns):
            gathered.add(batch, source)
    except (pa.ArrowException, OSError) as exc:
        gathered.discard()
        raise fail(source, f"cannot be read ({_reason(exc)})") from None
    except Exception:
        gathered.discard()
        raise
    return gathered.result(layout, source)


def _reason(exc: Exception) -> str:
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


def _layout_columns(layout: Layout, names: list[str]) -> dict[str, str]:
    """Role -> column name in the file ("label", "score0".., "confidence", "correct", "segment")."""
    roles: dict[str, str] = {}
    if layout.kind == "confidence":
        roles["confidence"], roles["correct"] = names[layout.confidence], names[layout.correct]  # type: ignore[index]
    else:
        roles["label"] = names[layout.label]  # type: ignore[index]
        roles.update({f"score{k}": names[column] for k, column in enumerate(layout.scores)})
    if layout.segment is not None:
        roles["segment"] = names[layout.segment]
    return roles


def _check_type(pa, role: str, name: str, kind, source: str) -> None:
    types = pa.types
    if types.is_dictionary(kind):
        kind = kind.value_type
    numeric = types.is_integer(kind) or types.is_floating(kind)
    if role == "segment":
        ok = types.is_string(kind) or types.is_large_string(kind) or types.is_integer(kind)
        wanted = "text or integers"
    elif role == "correct":
        ok = numeric or types.is_boolean(kind)
        wanted = "0/1 or true/false"
    else:
        ok, wanted = numeric, "numbers"
    if not ok:
        raise fail(source, f"column '{name}' holds {kind}, not {wanted}", "columns")


def _check_memory(layout: Layout, n_rows: int, large: bool, source: str) -> None:
    if layout.kind == "confidence":
        per_row = RECORD_ROW_BYTES + ROW_BYTES
    else:
        per_row = 16 + (0 if large else 16 * len(layout.scores)) + ROW_BYTES
    per_row += 16 if layout.segment is not None else 0
    needed, memory_cap = n_rows * per_row, config.get("memory_cap")
    if needed > memory_cap:
        raise fail(source, f"{n_rows:,} rows would need about {needed:,} bytes of memory ({per_row} bytes per row "
                           f"to load and measure); the limit is {memory_cap:,} bytes")


class _Gathered:
    """The columns of every batch, kept as numpy arrays (class scores spilled to a file when large)."""

    def __init__(self, names: dict[str, str], layout: Layout, large: bool):
        self.names, self.layout = names, layout
        self.parts: dict[str, list[np.ndarray]] = {role: [] for role in names
                                                    if not role.startswith("score") and role != "segment"}
        self.scores: list[np.ndarray] = []
        self.segments = SegmentNames() if "segment" in names else None
        self.rows = 0
        self.spill = _Spill() if large else None

    def add(self, batch, source: str) -> None:
        columns = dict(zip(self.names, batch.columns, strict=True))
        for role in ("label", "correct", "segment"):
            if role in columns and columns[role].null_count:
                row = self.rows + int(np.flatnonzero(columns[role].is_null().to_numpy(zero_copy_only=False))[0])
                what = {"label": "the label is empty", "correct": "correct is empty",
                        "segment": "the segment name is empty"}[role]
                raise fail(source, what, f"row {row + 1}")
        for role, column in columns.items():
            if role == "segment":
                self._add_segments(column, source)
            elif role.startswith("score"):
                continue
            else:
                self.parts[role].append(column.to_numpy(zero_copy_only=False))
        if self.layout.kind != "confidence":
            block = np.column_stack([columns[f"score{k}"].to_numpy(zero_copy_only=False).astype(np.float64)
                                     for k in range(len(self.layout.scores))])
            if self.spill is not None:
                self.spill.write(block)
            else:
                self.scores.append(block)
        self.rows += batch.num_rows

    def _add_segments(self, column, source: str) -> None:
        for offset, value in enumerate(column.to_pylist()):
            name = str(value) if not isinstance(value, str) else value
            if not name.strip():
                raise fail(source, "the segment name is empty", f"row {self.rows + offset + 1}")
            self.segments.add(name)  # type: ignore[union-attr]

    def discard(self) -> None:
        if self.spill is not None:
            self.spill.remove()

    def result(self, layout: Layout, source: str):
        if not self.rows:
            raise fail(source, "no predictions (0 rows)")
        arrays = {role: np.concatenate(parts) for role, parts in self.parts.items()}
        segments = None if self.segments is None else self.segments.segments()
        try:
            if layout.kind == "confidence":
                return records_from_arrays(arrays["confidence"], arrays["correct"], segments, source)
            scores: np.ndarray | RowFile
            if self.spill is not None:
                scores = self.spill.finish(self.rows)
            else:
                scores = np.concatenate(self.scores)
                scores = scores[:, 0] if layout.binary else scores
            probs, logits = (scores, None) if layout.kind == "probs" else (None, scores)
            return from_arrays(arrays["label"], probs=probs, logits=logits, source=source, segments=segments)
        except Exception:
            self.discard()
            raise
