"""Resampling drawn on per-cell sufficient statistics: the cost of a resample no longer grows with N.

The bootstrap and the consistency test only need per-bin sums, so a resample can be
drawn on cells of rows instead of on the rows themselves (README, "How the intervals
are drawn").

Bootstrap
    Rows are grouped into cells by a discrete key (for one model: bin and correctness,
    2B cells; for a paired comparison: both models' bins and correctness). Drawing N
    rows with replacement puts a multinomial number of draws K_j in cell j, with
    probabilities n_j / N: those counts are drawn exactly, so every count (correct
    predictions, rows per bin) has exactly the row-level bootstrap's distribution. What
    the draws add up to within a cell (the sum of the confidences, or of any per-row
    values v) is the sum of K_j values drawn with replacement from the cell: its mean is
    K_j times the cell's mean and its covariance K_j times the cell's covariance. A cell
    of more than :data:`SMALL_CELL` rows takes that sum from a normal distribution with
    these exact moments (its values lie within one bin, so the sum is close to normal
    already for a few dozen draws, and it moves an ECE far less than the counts do); a
    smaller cell draws its K_j rows one by one, as the row-level bootstrap does.
Consistency test
    Under perfect calibration row i is correct with probability c_i, so the number of
    correct rows of bin m is a sum of independent Bernoulli(c_i): its mean is the bin's
    sum of c and its variance the bin's sum of c(1 - c). A bin of more than
    :data:`SMALL_CELL` rows draws it from the normal distribution with these moments,
    rounded to a whole count within 0..n_m; a smaller bin draws each of its rows.

Each resample then costs O(cells) instead of O(N), and the whole draw is a few
vectorized calls over all resamples at once. Seeded as the row-level draws are (one
generator per purpose from :func:`advisor.calibration.uncertainty.streams`), so the
same seed gives the same numbers, though not the row-level path's numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import binning
from .block import row_chunks

# Cells (or bins) with at most this many rows are drawn row by row: the normal shape of
# a cell's sum is then not yet a safe assumption, and the cost is bounded by B x this
SMALL_CELL = 64
BLOCK = 1 << 20  # rows per block of the passes that gather the cell statistics


@dataclass(frozen=True)
class CellTable:
    """Rows grouped by a discrete key, with what a bootstrap draw needs of each group.

    Attributes
    ----------
    keys : ndarray of int64, shape (M,)
        The distinct keys, ascending.
    counts : ndarray of int64, shape (M,)
        Rows per cell.
    mean : ndarray of float64, shape (M, D)
        Mean of each of the D per-row values within each cell.
    root : ndarray of float64, shape (M, D, D)
        A square root of each cell's (population) covariance of the values: the
        normal draw of a cell's sum is ``K * mean + sqrt(K) * root @ z``.
    small : dict
        Cell index -> the (n_j, D) values of a cell of at most :data:`SMALL_CELL` rows.
    """

    keys: np.ndarray
    counts: np.ndarray
    mean: np.ndarray
    root: np.ndarray
    small: dict


def cell_table(keys, values: list) -> CellTable:
    """Group rows by ``keys`` (N,), small non-negative integers; ``values`` is a list of D arrays (N,).

    One pass over the rows in blocks (counts, sums and sums of products per cell, one
    ``bincount`` each), so the memory beyond the inputs is a block's: no (N, D) array
    and no per-row cell number is built. The covariance is the mean of products minus
    the product of means: values here are probabilities and per-row losses, so the
    cancellation costs a few digits of a variance that only sizes the normal draws.
    """
    keys = np.asarray(keys)
    columns = [np.asarray(v, dtype=np.float64) for v in values]
    size = int(keys.max()) + 1 if keys.size else 1
    d = len(columns)
    counts = np.zeros(size, dtype=np.int64)
    sums = np.zeros((size, d))
    products = np.zeros((size, d, d))
    for rows in row_chunks(keys.size, 1, BLOCK):
        k = keys[rows].astype(np.intp)
        counts += np.bincount(k, minlength=size)
        for a in range(d):
            sums[:, a] += np.bincount(k, weights=columns[a][rows], minlength=size)
            for b in range(a, d):
                products[:, a, b] += np.bincount(k, weights=columns[a][rows] * columns[b][rows], minlength=size)
    present = np.flatnonzero(counts)
    counts, sums, products = counts[present], sums[present], products[present]
    mean = sums / counts[:, None]
    upper = products / counts[:, None, None] - mean[:, :, None] * mean[:, None, :]
    covariance = np.triu(upper) + np.swapaxes(np.triu(upper, 1), 1, 2)
    eigenvalues, vectors = np.linalg.eigh(covariance)  # symmetric square root: also for rank-deficient cells
    root = vectors * np.sqrt(np.maximum(eigenvalues, 0.0))[:, None, :]
    small = {}
    few = np.flatnonzero(counts <= SMALL_CELL)
    if few.size:
        lookup = np.full(size, -1, dtype=np.intp)
        lookup[present[few]] = few
        in_small = np.flatnonzero(lookup[keys] >= 0)  # at most SMALL_CELL rows per small cell
        cell = lookup[keys[in_small]]
        for j in few:
            mine = in_small[cell == j]
            small[int(j)] = np.column_stack([column[mine] for column in columns])
    return CellTable(present.astype(np.int64), counts, mean, root, small)


def bin_keys(confidences, correct, edges: np.ndarray) -> np.ndarray:
    """2 x bin + correct of every row (N,), in the smallest unsigned type, computed block by block."""
    conf = np.asarray(confidences)
    n_bins = len(edges) - 1
    keys = np.empty(conf.size, dtype=np.uint16 if 2 * n_bins <= 1 << 16 else np.intp)
    for rows in row_chunks(conf.size, 1, BLOCK):
        keys[rows] = 2 * binning.assign(conf[rows], edges) + np.asarray(correct[rows], dtype=bool)
    return keys


def resample_cells(table: CellTable, n_resamples: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Bootstrap draws of the cells: counts (R, M) and the sums of the values (R, M, D).

    The counts are multinomial (exact); a cell's sums are normal with the cell's exact
    moments, or the sum of its rows drawn one by one for a small cell (module doc).
    """
    n = int(table.counts.sum())
    m, d = table.mean.shape
    counts = rng.multinomial(n, table.counts / n, size=n_resamples)
    z = rng.standard_normal((n_resamples, m, d))
    sums = counts[:, :, None] * table.mean[None] + np.sqrt(counts)[:, :, None] * np.einsum("mab,rmb->rma", table.root, z)
    for j, rows in table.small.items():
        drawn = counts[:, j]
        picks = rng.integers(0, rows.shape[0], size=int(drawn.sum()))
        sums[:, j] = _group_sums(rows[picks], drawn)
    return counts, sums


def _group_sums(values: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """Sums (len(sizes), D) of consecutive groups of ``sizes`` rows of ``values`` (n, D); empty groups give 0."""
    ends = np.cumsum(sizes)
    totals = np.vstack([np.zeros((1, values.shape[1])), np.cumsum(values, axis=0)])
    return totals[ends] - totals[ends - sizes]


def bootstrap_ece_accuracy_cells(confidences, correct, edges: np.ndarray, n_resamples: int,
                                 rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Bootstrap replicates (accuracy (R,), ECE (R,)) of one model with fixed bins, drawn on its 2B cells."""
    n, n_bins = np.asarray(confidences).size, len(edges) - 1
    table = cell_table(bin_keys(confidences, correct, edges), [confidences])
    counts, sums = resample_cells(table, n_resamples, rng)
    bins, hit = table.keys // 2, (table.keys % 2).astype(bool)
    correct_per_bin = np.zeros((n_resamples, n_bins))
    conf_per_bin = np.zeros((n_resamples, n_bins))
    np.add.at(correct_per_bin.T, bins[hit], counts[:, hit].T)
    np.add.at(conf_per_bin.T, bins, sums[:, :, 0].T)
    accuracy = counts[:, hit].sum(axis=1) / n
    ece = np.abs(correct_per_bin - conf_per_bin).sum(axis=1) / n
    return accuracy, ece


def consistency_eces_cells(bin_index, confidences, n_bins: int, n_resamples: int,
                           rng: np.random.Generator) -> np.ndarray:
    """ECEs (R,) of a perfectly calibrated model with these confidences, drawn per bin (module doc)."""
    conf = np.asarray(confidences, dtype=np.float64)
    index = np.asarray(bin_index, dtype=np.int64)
    n = conf.size
    count = np.bincount(index, minlength=n_bins)
    sum_conf = np.bincount(index, weights=conf, minlength=n_bins)
    variance = np.bincount(index, weights=conf * (1.0 - conf), minlength=n_bins)
    drawn = np.rint(sum_conf + np.sqrt(variance) * rng.standard_normal((n_resamples, n_bins)))
    correct = np.clip(drawn, 0, count)
    for m in np.flatnonzero((count > 0) & (count <= SMALL_CELL)):
        values = conf[index == m]
        correct[:, m] = (rng.random((n_resamples, values.size)) < values).sum(axis=1)
    return np.abs(correct - sum_conf).sum(axis=1) / n
