"""The fused pass over predictions: per-row results of every row block, in row order.

Every measurement reads the N x K scores through :func:`scan` (the fused block pass of
:mod:`advisor.calibration.block` over :meth:`~advisor.calibration.predictions.BasePredictions.blocks`:
one read of each row block, two threads, results in block order).
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from .block import Block, ordered_map, scan_block
from .predictions import BasePredictions, block_error


def chunk_rows(labels: np.ndarray, scores: np.ndarray, kind: str, beta: float = 1.0,
               want_probs: bool = False):
    """Per-row confidence, correctness, NLL and Brier of one chunk.

    Parameters
    ----------
    labels : ndarray of int, shape (n,)
    scores : ndarray, shape (n, K)
        Probabilities (``kind == "probs"``) or logits (``kind == "logits"``).
    beta : float
        Inverse temperature applied to logits (ignored for probabilities).
    want_probs : bool
        Also return the float64 probabilities of the chunk, shape (n, K).

    Returns
    -------
    Rows, or (Rows, ndarray of shape (n, K)) when ``want_probs``.
    """
    out = scan_block(np.asarray(labels), np.asarray(scores), kind, beta=beta, want_probs=want_probs)
    return (out.rows, out.probs) if want_probs else out.rows


def scan(preds: BasePredictions, *, beta: float = 1.0, rows_mask: np.ndarray | None = None,
         want_probs: bool = False, check: bool = False, edges: np.ndarray | None = None,
         where=None) -> Iterator[tuple[np.ndarray, Block]]:
    """Yield ``(labels_block, Block)`` of the fused pass over ``preds``, in row order.

    ``rows_mask`` (N,) bool keeps only the selected rows (cross-fitting); ``check``
    also checks the values and raises :class:`PredictionsFormatError` naming the
    first bad row; ``edges`` adds the per-class bin sums (see :func:`block.scan_block`).
    """
    kind = preds.kind

    def work(item):
        start, labels, chunk = item
        if rows_mask is not None:
            keep = rows_mask[start:start + labels.shape[0]]
            if not keep.any():
                return None
            if not keep.all():
                labels, chunk = labels[keep], chunk[keep]
        return start, labels, chunk, scan_block(labels, chunk, kind, beta=beta, check=check,
                                                want_probs=want_probs, edges=edges)

    for out in ordered_map(work, preds.blocks()):
        if out is None:
            continue
        start, labels, chunk, block = out
        if not block.ok:
            raise block_error(chunk, kind, start, preds.source, where)
        yield labels, block


def iter_rows(preds: BasePredictions, beta: float = 1.0, rows_mask: np.ndarray | None = None,
              want_probs: bool = False):
    """Yield (labels_chunk, Rows[, probs_chunk]) over row chunks of ``preds``.

    ``rows_mask`` (N,) bool keeps only the selected rows (used by cross-fitting).
    """
    for labels, block in scan(preds, beta=beta, rows_mask=rows_mask, want_probs=want_probs):
        yield (labels, block.rows, block.probs) if want_probs else (labels, block.rows)


def top_label(preds: BasePredictions) -> tuple[np.ndarray, np.ndarray]:
    """Confidences (N,) float64 and correctness (N,) bool of the top label."""
    conf = np.empty(preds.n_samples)
    correct = np.empty(preds.n_samples, dtype=bool)
    start = 0
    for labels, rows in iter_rows(preds):
        stop = start + labels.shape[0]
        conf[start:stop], correct[start:stop] = rows.confidence, rows.correct
        start = stop
    return conf, correct
