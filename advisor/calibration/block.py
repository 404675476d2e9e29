"""The fused row-block pass: every per-row quantity of a block, computed while it is in cache.

A block of rows (about ``block_values`` values, a few MB; :mod:`advisor.calibration.config`) is read from RAM or
from a file once; argmax, confidence, p[y], the row sum of squares, and the input
checks (NaN, range, row sums, finiteness) all run on it while it stays in the CPU
cache. Blocks are processed by ``workers`` threads (numpy releases the GIL in
its loops) and the results come back in block order, so sums merged in that order
are identical from run to run.

Precision
---------
float32 blocks are copied into a per-thread float64 scratch block (exact), so every
quantity equals the one of a float64 computation: the per-row sum of squares of the
Brier score is accumulated in float64 (``einsum`` over the float64 copy), not in
float32.

Per-row quantities
------------------
- prediction = argmax_k p_ik (lowest k on ties), confidence c_i = p_i,prediction.
- With logits, log p_iy = (z_iy - max z_i) - ln sum_k exp(z_ik - max z_i) (stable; the
  softmax is never rounded before the log), and nll_i = -max(log p_iy, ln eps), which
  equals the section-5 definition -ln(max(p_iy, eps)).
- brier_i = sum_k p_ik^2 - 2 p_iy + 1 = sum_k (p_ik - [y_i = k])^2.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import NamedTuple

import numpy as np

from . import config
from .binning import assign

EPS = float(np.finfo(np.float64).eps)
LOG_EPS = float(np.log(EPS))
SUM_TOLERANCE = 1e-4
# float16 probabilities are stored to within half a unit in the last place, 2**-11 of each
# value: a row normalized in float32 or float64 and then stored as float16 can sum to 1
# +- 4.9e-4, five times the tolerance. Such rows are accepted within the dtype's machine
# epsilon (9.8e-4 for float16) instead; wider types keep SUM_TOLERANCE.


def sum_tolerance(dtype) -> float:
    """How far from 1 a row of probabilities of this dtype may sum: max(1e-4, machine epsilon)."""
    dtype = np.dtype(dtype)
    return max(SUM_TOLERANCE, float(np.finfo(dtype).eps)) if dtype.kind == "f" else SUM_TOLERANCE


def tolerance_text(tolerance: float) -> str:
    return "1e-4" if tolerance == SUM_TOLERANCE else f"{tolerance:.2g}"


class Rows(NamedTuple):
    """Per-row results of one block, all shape (n,)."""

    confidence: np.ndarray  # float64
    correct: np.ndarray  # bool
    nll: np.ndarray  # float64
    brier: np.ndarray  # float64
    prediction: np.ndarray | None = None  # int, the argmax (error concentration reads it from the same pass)


class ClassSums(NamedTuple):
    """A block's per-class bin sums in sparse form (:func:`class_sums`).

    Its size is bounded by the block's (at most B-1 values of a row are above 1/B), not
    by K x B: blocks in flight on the worker threads hold these, and only the
    consumer adds them into the one dense (3, K, B) array (:func:`add_class_sums`).
    """

    n_rows: int
    flat: np.ndarray  # class * B + bin of every value above the first inner edge
    values: np.ndarray  # those values
    column_sums: np.ndarray  # (K,) sum of p_ik over the block
    truth: np.ndarray  # label * B + bin of p_iy, one per row


class Block(NamedTuple):
    """What :func:`scan_block` returns for one block."""

    rows: Rows | None  # None when only checking
    ok: bool  # False: the block holds an invalid value (see the data module for which)
    probs: np.ndarray | None  # float64 (n, K) probabilities, when asked for
    class_stats: ClassSums | None  # per-class bin sums, when asked for


_local = threading.local()


def _scratch(shape: tuple[int, int]) -> np.ndarray:
    """A float64 (n, K) view of this thread's reused scratch buffer."""
    size = shape[0] * shape[1]
    buffer = getattr(_local, "buffer", None)
    if buffer is None or buffer.size < size:
        buffer = _local.buffer = np.empty(size)
    return buffer[:size].reshape(shape)


def as_float64(block: np.ndarray, copy: bool = False) -> np.ndarray:
    """The block in float64: itself when it already is (and ``copy`` is False), else a scratch copy."""
    if block.dtype == np.float64 and not copy:
        return block
    out = _scratch(block.shape)
    np.copyto(out, block, casting="unsafe")
    return out


def scan_block(labels: np.ndarray, block: np.ndarray, kind: str, *, beta: float = 1.0,
               check: bool = False, rows: bool = True, want_probs: bool = False,
               edges: np.ndarray | None = None) -> Block:
    """One fused pass over a block of rows.

    Parameters
    ----------
    labels : ndarray of int, shape (n,)
    block : ndarray, shape (n, K)
        Probabilities (``kind == "probs"``) or logits (``kind == "logits"``), any float dtype.
    beta : float
        Inverse temperature applied to logits (ignored for probabilities). The
        prediction is the argmax of the unscaled logits, which beta > 0 cannot change.
    check : bool
        Also check the values (probabilities: no NaN, in [0, 1], rows summing to 1
        within :func:`sum_tolerance`; logits: finite); ``ok`` is False when any fails.
    rows : bool
        Compute the per-row :class:`Rows` (False: only check).
    want_probs : bool
        Also return the float64 probabilities (n, K) (a fresh array).
    edges : ndarray, optional
        Equal-width bin edges: also return the per-class bin sums of the class-wise
        ECE (:class:`ClassSums`; :func:`add_class_sums` adds them up).
    """
    with np.errstate(all="ignore"):
        if kind == "probs":
            return _scan_probs(labels, block, check, rows, want_probs, edges)
        return _scan_logits(labels, block, beta, check, rows, want_probs, edges)


def _scan_probs(labels, block, check, rows, want_probs, edges) -> Block:
    # argmax, min, p[y] and the row sums run on the block in its own dtype (exact, and
    # twice as many float32 values per vector instruction); only the sum of squares
    # needs the float64 copy
    n = block.shape[0]
    pred = np.argmax(block, axis=1)  # a NaN wins the argmax, so a NaN row has a NaN confidence
    idx = np.arange(n)
    conf = block[idx, pred].astype(np.float64)
    ok = True
    if check:
        ok = not (np.isnan(conf).any() or conf.max() > 1.0 or block.min() < 0.0)
        if ok:
            ok = _sums_ok(block)
    if not ok or not rows:
        return Block(None, ok, None, None)
    p = as_float64(block)
    p_y = p[idx, labels]
    brier = np.einsum("ij,ij->i", p, p) - 2.0 * p_y + 1.0
    result = Rows(conf, pred == labels, -np.log(np.maximum(p_y, EPS)), brier, pred)
    stats = class_sums(p, labels, edges) if edges is not None else None
    return Block(result, True, np.array(p) if want_probs else None, stats)


SUM_MARGIN = 1e-5  # far above the rounding of a float32 pairwise row sum (~20 eps32 for K <= 1e5)


def _sums_ok(block: np.ndarray) -> bool:
    """Every row sums to 1 within the tolerance, decided in float64.

    A float32 block is summed in float32 first; only rows within SUM_MARGIN of the
    tolerance are summed again in float64, so the verdict is the float64 one.
    """
    if block.dtype.itemsize < 4:
        return bool(np.all(np.abs(block.sum(axis=1, dtype=np.float64) - 1.0) <= sum_tolerance(block.dtype)))
    sums = block.sum(axis=1)
    if block.dtype.itemsize >= 8:
        return bool(np.all(np.abs(sums - 1.0) <= SUM_TOLERANCE))
    unsure = np.abs(sums.astype(np.float64) - 1.0) > SUM_TOLERANCE - SUM_MARGIN
    if not unsure.any():
        return True
    exact = block[unsure].sum(axis=1, dtype=np.float64)
    return bool(np.all(np.abs(exact - 1.0) <= SUM_TOLERANCE))


def _scan_logits(labels, block, beta, check, rows, want_probs, edges) -> Block:
    z = as_float64(block, copy=True)  # shifted in place below
    n = z.shape[0]
    pred = np.argmax(z, axis=1)
    idx = np.arange(n)
    top = z[idx, pred]
    ok = True
    if check:
        ok = bool(np.isfinite(top).all() and np.isfinite(z.min()))
    if not ok or not rows:
        return Block(None, ok, None, None)
    z -= top[:, None]
    if beta != 1.0:
        z *= beta
    shifted_y = z[idx, labels]
    p = np.exp(z, out=z)
    total = p.sum(axis=1)
    p /= total[:, None]
    p_y = p[idx, labels]
    brier = np.einsum("ij,ij->i", p, p) - 2.0 * p_y + 1.0
    nll = -np.maximum(shifted_y - np.log(total), LOG_EPS)
    result = Rows(p[idx, pred], pred == labels, nll, brier, pred)
    stats = class_sums(p, labels, edges) if edges is not None else None
    return Block(result, True, np.array(p) if want_probs else None, stats)


def log_scores(chunk: np.ndarray, kind: str) -> np.ndarray:
    """A fresh float64 copy of the logits, or ln(max(p, eps)) for probabilities."""
    if kind == "logits":
        return np.array(chunk, dtype=np.float64)
    return np.log(np.maximum(np.asarray(chunk, dtype=np.float64), EPS))


def class_sums(p: np.ndarray, labels: np.ndarray, edges: np.ndarray) -> ClassSums:
    """The sparse per-class bin sums of a block of probabilities p (n, K).

    A row sums to 1, so at most B-1 of its values exceed the first inner edge 1/B;
    only those are binned one by one. Bin 0 takes the rest: its count and sum are the
    column totals minus the other bins' (:func:`add_class_sums`).
    """
    n = p.shape[0]
    b = len(edges) - 1
    r, c = np.nonzero(p > edges[1]) if b > 1 else (np.empty(0, int), np.empty(0, int))
    values = p[r, c]
    truth = labels * b + assign(p[np.arange(n), labels], edges)
    return ClassSums(n, c * b + assign(values, edges), values, p.sum(axis=0), truth)


def add_class_sums(out: np.ndarray, sums: ClassSums) -> None:
    """Add a block's sums into ``out`` (3, K, B): counts, sum of p_ik, sum of [y_i = k].

    One (K, B) temporary at a time, so adding costs a third of ``out`` on top of it.
    """
    _, k, b = out.shape
    counts = np.bincount(sums.flat, minlength=k * b).reshape(k, b)
    counts[:, 0] = sums.n_rows - counts[:, 1:].sum(axis=1)  # integers: exact in any order
    out[0] += counts
    del counts
    # float64 also when no value is above 1/B (bincount of nothing gives int64)
    totals = np.bincount(sums.flat, weights=sums.values, minlength=k * b).astype(np.float64, copy=False)
    totals = totals.reshape(k, b)
    totals[:, 0] = sums.column_sums - totals[:, 1:].sum(axis=1)
    out[1] += totals
    del totals
    out[2] += np.bincount(sums.truth, minlength=k * b).reshape(k, b)


def class_statistics(p: np.ndarray, labels: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Per-class equal-width bin sums (3, K, B) of one block: counts, sum of p_ik, sum of [y_i = k]."""
    out = np.zeros((3, p.shape[1], len(edges) - 1))
    add_class_sums(out, class_sums(p, labels, edges))
    return out


# ---------------------------------------------------------------- blocks in parallel

def row_chunks(n_rows: int, n_cols: int = 1, elements: int | None = None) -> Iterator[slice]:
    """Slices of consecutive rows holding about ``elements`` values each (at least one row)."""
    step = max(1, (elements or config.get("block_values")) // max(1, n_cols))
    for start in range(0, n_rows, step):
        yield slice(start, min(n_rows, start + step))


def ordered_map(fn: Callable, items: Iterable, workers: int | None = None) -> Iterator:
    """``map(fn, items)`` on a few threads, results in input order, at most 2 x workers in flight.

    ``items`` is consumed in the calling thread (so a sequential file reader stays
    sequential) and only a few blocks are held at once.
    """
    workers = config.get("workers") if workers is None else workers
    if workers <= 1:
        yield from map(fn, items)
        return
    with ThreadPoolExecutor(max_workers=workers) as pool:
        pending: deque = deque()
        try:
            for item in items:
                pending.append(pool.submit(fn, item))
                if len(pending) >= 2 * workers:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        finally:
            for future in pending:
                future.cancel()
