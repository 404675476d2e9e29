"""Calibration metrics and temperature scaling over a Dask array or ``.npy`` partitions.

For evaluation logs that outgrow one machine (install ``advisor[dask]``). Nothing
here is a scheduler of its own: each row block (a chunk of a Dask array, or one
partition file) becomes a ``dask.delayed`` task that feeds a
:class:`~advisor.calibration.accumulator.CalibrationAccumulator`, and the partial
accumulators are merged in a tree of delayed merges. Whatever Dask scheduler is
active (threads by default, ``"synchronous"``, or a ``distributed`` client) runs
the graph. The results equal the in-memory ones up to the order of floating-point
additions.

Temperature scaling reuses the optimizer of :mod:`advisor.calibration.scaling`
(:func:`~advisor.calibration.scaling.solve_temperature`) with a pass of its own:
each step is one Dask computation mapping
:func:`~advisor.calibration.scaling.temperature_sums` over the blocks and adding
the per-block sums. Only the first computation of :func:`fit_temperature`
validates the blocks, so the data are checked once.

Partitions are files, one task each, so nothing but file names travels to the workers:

- the ``.npy`` layout of :func:`advisor.calibration.load_predictions`
  (``NAME.labels.npy`` next to ``NAME.probs.npy`` or ``NAME.logits.npy``), which the
  first task loads with ``load_predictions`` (checked, read block by block) and later
  passes memory-map;
- ``.parquet`` files with the columns of the CSV layout (``label`` and ``p0..p{K-1}``,
  ``logit0..logit{K-1}``, ``prob`` or ``logit``; in any order, numeric types). The
  task reads its file with pyarrow in record batches of about
  ``parquet_batch_values`` values (:mod:`advisor.calibration.config`) and feeds them one after another, so a
  large partition never has to fit in memory. An error names the file and the row
  within it (``part-2.parquet: row 7: ...``). One task per file, rather than
  ``dask.dataframe.read_parquet``, keeps the file name for the messages without a
  path column, and needs neither pandas nor the dataframe extra.

Dask and pyarrow are imported only when a function here needs them.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass

import numpy as np

from . import config
from .accumulator import CalibrationAccumulator
from .predictions import BasePredictions, Predictions, from_arrays
from .problem import PredictionsFormatError
from .readers import column_layout, load_predictions
from .scaling import solve_temperature, temperature_sums

MERGE_FAN_IN = 8


def _dask():
    try:
        import dask
        import dask.array  # checks the [array] extra is there too
    except ImportError as exc:  # pragma: no cover - exercised only without dask
        raise ImportError("advisor.calibration.dask needs Dask: pip install 'advisor[dask]'") from exc
    return dask


@dataclass(frozen=True)
class _Block:
    """Where one unit of work comes from; its delayed arrays travel beside it."""

    kind: str  # "probs" or "logits", or "file" for a partition
    source: str
    offset: int  # rows before this block in its source (for error messages)


# ---------------------------------------------------------------- building blocks

def _array_blocks(labels, probs, logits) -> list[tuple]:
    """Row blocks of a Dask (or numpy) labels array and probs/logits array, aligned on rows."""
    da = _dask().array
    if (probs is None) == (logits is None):
        raise PredictionsFormatError("<dask array>: give exactly one of probs or logits")
    kind = "probs" if probs is not None else "logits"
    scores = da.asarray(probs if probs is not None else logits)
    if scores.ndim == 2:
        scores = scores.rechunk({1: -1})  # whole rows per block: softmax and argmax need them
    labels = da.asarray(labels)
    if labels.ndim != 1 or labels.shape[0] != scores.shape[0]:
        raise PredictionsFormatError(f"<dask array>: length mismatch: labels of shape {labels.shape} "
                                     f"for {kind} of shape {scores.shape}")
    labels = labels.rechunk((scores.chunks[0],))
    offsets = np.concatenate([[0], np.cumsum(scores.chunks[0])[:-1]])
    return [(_Block(kind, "<dask array>", int(off)), lab, sco)
            for lab, sco, off in zip(labels.to_delayed().ravel(), scores.to_delayed().ravel(), offsets, strict=True)]


def _partition_blocks(paths) -> list[tuple]:
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    paths = [os.fspath(p) for p in paths]
    if not paths:
        raise PredictionsFormatError("<partitions>: no partition files given")
    return [(_Block("file", path, 0), None, None) for path in paths]


def _blocks(labels, probs, logits, partitions) -> list[tuple]:
    """(block, delayed labels, delayed scores) for every unit of work."""
    if partitions is not None:
        if labels is not None or probs is not None or logits is not None:
            raise TypeError("give either arrays (labels and probs/logits) or partitions, not both")
        return _partition_blocks(partitions)
    return _array_blocks(labels, probs, logits)


def _block_predictions(block: _Block, labels, scores, validate: bool):
    """Yield the predictions of one unit of work: one piece, or a Parquet file's batches."""
    if block.kind == "file" and block.source.lower().endswith(".parquet"):
        yield from _parquet_predictions(block.source, validate)
    else:
        yield _preds(block, labels, scores, validate)


def _preds(block: _Block, labels, scores, validate: bool) -> BasePredictions:
    """The block's predictions: validated once, then wrapped as-is on later passes."""
    if block.kind == "file":
        if validate:
            preds = load_predictions(block.source)  # checks every value; large arrays are read block by block
            if not isinstance(preds, BasePredictions):
                raise PredictionsFormatError(f"{block.source}: a partition needs labels and scores, "
                                             "not (confidence, correct) records")
            return preds
        labels, scores, kind = _open_npy(block.source)
        block = _Block(kind, block.source, 0)
    return _wrap(block, np.asarray(labels), np.asarray(scores), validate)


def _wrap(block: _Block, labels: np.ndarray, scores: np.ndarray, validate: bool) -> Predictions:
    """Predictions of one piece, checked (rows named from ``block.offset``) or trusted as already checked."""
    if validate:
        probs, logits = _scores(block.kind, scores)
        return from_arrays(labels, probs=probs, logits=logits, source=block.source,
                           where=lambda row: f"row {block.offset + row + 1}")
    if scores.ndim == 1:  # the same 2-column form from_arrays gives a binary 1-D input
        scores = np.asarray(scores, dtype=np.float64)
        zero = np.zeros_like(scores)
        scores = np.column_stack([1.0 - scores, scores] if block.kind == "probs" else [zero, scores])
    probs, logits = _scores(block.kind, scores)
    return Predictions(labels.astype(np.int64, copy=False), probs, logits, block.source)


def _scores(kind: str, scores: np.ndarray) -> tuple[np.ndarray | None, np.ndarray | None]:
    """(probs, logits) of a piece whose scores are of the given kind."""
    return (scores, None) if kind == "probs" else (None, scores)


def _open_npy(path: str):
    """Memory-mapped labels and scores of an already validated ``.npy`` partition."""
    stem, _, _ = path[: -len(".npy")].rpartition(".")
    scores_kind = "probs" if os.path.exists(f"{stem}.probs.npy") else "logits"
    labels = np.load(f"{stem}.labels.npy", mmap_mode="r", allow_pickle=False)
    scores = np.load(f"{stem}.{scores_kind}.npy", mmap_mode="r", allow_pickle=False)
    return labels, scores, scores_kind


def _pyarrow_parquet():
    try:
        import pyarrow.parquet
    except ImportError as exc:  # pragma: no cover - exercised only without pyarrow
        raise ImportError("Parquet partitions need pyarrow: pip install 'advisor[dask]'") from exc
    return pyarrow.parquet


def _parquet_predictions(path: str, validate: bool):
    """Yield the predictions of a Parquet partition, one record batch at a time."""
    parquet_file = _pyarrow_parquet().ParquetFile(path)
    names, kind, binary = _parquet_layout(parquet_file.schema_arrow, path)
    batch_rows = max(1, config.get("parquet_batch_values") // len(names))
    offset = 0
    for batch in parquet_file.iter_batches(batch_size=batch_rows, columns=names):
        if batch.num_rows == 0:
            continue
        columns = [column.to_numpy(zero_copy_only=False) for column in batch.columns]
        scores = columns[1] if binary else np.column_stack(columns[1:])
        yield _wrap(_Block(kind, path, offset), columns[0], scores, validate)
        offset += batch.num_rows
    if offset == 0 and validate:
        raise PredictionsFormatError(f"{path}: no predictions (0 rows)")


def _parquet_layout(schema, path: str) -> tuple[list[str], str, bool]:
    """(columns in layout order, kind, binary) of a Parquet partition, or an error naming the file."""
    import pyarrow as pa

    names = list(schema.names)
    if "label" not in names:
        raise PredictionsFormatError(f"{path}: no 'label' column (found: {', '.join(names) or 'nothing'})")
    for field in schema:
        if not (pa.types.is_integer(field.type) or pa.types.is_floating(field.type)):
            raise PredictionsFormatError(f"{path}: column '{field.name}' holds {field.type}, not numbers")
    # any column order: label first, then by class number (p2 before p10)
    ordered = sorted(names, key=lambda name: (name != "label", len(name), name))
    kind, binary = column_layout(ordered, path, where="columns")
    return ordered, kind, binary


def _delayed_map(fn, blocks: list[tuple], *args):
    dask = _dask()
    return [dask.delayed(fn, pure=True)(block, labels, scores, *args) for block, labels, scores in blocks]


def _tree(combine, parts):
    """Combine delayed parts ``MERGE_FAN_IN`` at a time until one is left."""
    dask = _dask()
    while len(parts) > 1:
        parts = [dask.delayed(combine, pure=True)(*parts[i:i + MERGE_FAN_IN])
                 for i in range(0, len(parts), MERGE_FAN_IN)]
    return parts[0]


# ---------------------------------------------------------------- metrics

def _accumulate_block(block, labels, scores, bins, classwise):
    accumulator = CalibrationAccumulator(bins=bins, classwise=classwise)
    for preds in _block_predictions(block, labels, scores, validate=True):
        accumulator.add(preds)
    return accumulator


def _merge(*accumulators):
    first = accumulators[0]
    for other in accumulators[1:]:
        first.merge(other)
    return first


def accumulate(labels=None, probs=None, logits=None, *, partitions=None, bins: int = 15,
               classwise: bool = False, scheduler=None) -> CalibrationAccumulator:
    """The merged accumulator of all row blocks.

    Parameters
    ----------
    labels : dask or numpy array of int, shape (N,)
    probs : dask or numpy array of float, shape (N, K) or (N,), optional
    logits : dask or numpy array of float, shape (N, K) or (N,), optional
        Exactly one of ``probs`` and ``logits``. Rows are split as the array's row
        chunks; columns are gathered so every block holds whole rows.
    partitions : sequence of path, optional
        Instead of arrays: partition files, each ``.npy`` (any file of a
        ``NAME.labels.npy`` / ``NAME.probs.npy`` or ``NAME.logits.npy`` set) or
        ``.parquet`` (the columns of the CSV layout; see the module docstring).
    bins : int
        Equal-width bins (equal-mass bins are not mergeable).
    classwise : bool
        Keep the per-class statistics of the class-wise ECE.
    scheduler : str or None
        Passed to ``dask.compute`` (None: the active or default scheduler).

    Returns
    -------
    CalibrationAccumulator

    Raises
    ------
    PredictionsFormatError
        For the first invalid block, naming its source and row.
    """
    return _accumulate(_blocks(labels, probs, logits, partitions), bins, classwise, scheduler)


def _accumulate(blocks, bins: int, classwise: bool, scheduler) -> CalibrationAccumulator:
    parts = _delayed_map(_accumulate_block, blocks, bins, classwise)
    (accumulator,) = _dask().compute(_tree(_merge, parts), scheduler=scheduler)
    return accumulator


def calibration_metrics(labels=None, probs=None, logits=None, *, partitions=None, bins: int = 15,
                        classwise: bool = False, scheduler=None) -> dict:
    """``CalibrationAccumulator.result()`` over all blocks (see :func:`accumulate`)."""
    return accumulate(labels, probs, logits, partitions=partitions, bins=bins,
                      classwise=classwise, scheduler=scheduler).result()


# ---------------------------------------------------------------- temperature

def _temperature_sums(block, labels, scores, temperature, validate):
    """Sums (5,) of one block at ``temperature`` (see :func:`advisor.calibration.scaling.temperature_sums`)."""
    pieces = _block_predictions(block, labels, scores, validate)
    return functools.reduce(np.add, (temperature_sums(preds, temperature) for preds in pieces))


def _add_sums(*parts):
    return np.sum(parts, axis=0)


def _dask_pass(blocks, scheduler, validate: bool):
    """The pass ``T -> sums`` of :func:`~advisor.calibration.scaling.solve_temperature`: one Dask computation.

    Only the first computation validates the blocks (when ``validate``): later
    ones see the same data.
    """
    first = [validate]

    def sums(temperature):
        parts = _delayed_map(_temperature_sums, blocks, temperature, first[0])
        first[0] = False
        (total,) = _dask().compute(_tree(_add_sums, parts), scheduler=scheduler)
        return total

    return sums


def fit_temperature(labels=None, logits=None, probs=None, *, partitions=None, scheduler=None,
                    max_iter: int = 100) -> float:
    """The temperature in [0.01, 100] minimizing the mean NLL, over Dask blocks.

    Same parameters as :func:`accumulate` (no bins). The iteration is the one of
    :func:`advisor.calibration.fit_temperature` (:func:`~advisor.calibration.scaling.solve_temperature`,
    with each pass a Dask computation), stopping when |dNLL/dT| < 1e-10.

    Returns
    -------
    float
    """
    blocks = _blocks(labels, probs, logits, partitions)
    return solve_temperature(_dask_pass(blocks, scheduler, validate=True), max_iter=max_iter)


def measure(labels=None, probs=None, logits=None, *, partitions=None, bins: int = 15,
            classwise: bool = False, scheduler=None) -> dict:
    """:func:`calibration_metrics` plus ``"temperature"`` (:func:`fit_temperature`).

    The data are validated once, by the metrics computation.
    """
    blocks = _blocks(labels, probs, logits, partitions)
    result = _accumulate(blocks, bins, classwise, scheduler).result()
    result["temperature"] = solve_temperature(_dask_pass(blocks, scheduler, validate=False))
    return result
