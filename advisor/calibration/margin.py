"""Temperature passes of a binary task on one number per row: the signed margin.

With two classes, softmax(z / T) of a row is the logistic function of its margin
m = z_y - z_other (the label's log-score minus the other's), so with beta = 1/T and
q = sigmoid(-beta m), the probability of the other class:

- NLL = ln(1 + exp(-beta m)),
- dNLL/dbeta = -m q (the first cumulant of z minus z_y),
- d2NLL/dbeta2 = m^2 q (1 - q), d3NLL/dbeta3 = -m^3 q (1 - q)(1 - 2q) (the second and
  third cumulants of z under softmax(beta z)).

These are the sums the temperature search of :mod:`advisor.calibration.scaling` needs,
computed on a 1-D float64 array (8 bytes a row) instead of re-reading (N, 2) score
blocks, taking a log and an exp per class on every pass. Rows are kept grouped by fold,
so a fold's sums, or all rows but one fold, are contiguous slices: no per-row group
lookup. Margins are clipped to +-1e200 as the general pass clips shifted scores.
"""

from __future__ import annotations

import itertools

import numpy as np

from .block import ordered_map

MARGIN_LIMIT = 1e200
CHUNK = 1 << 16  # margins per piece of work: its temporaries stay in cache


def margin_values(m: np.ndarray, beta: float) -> tuple:
    """Per-row (NLL, dNLL/dbeta, d2NLL/dbeta2, d3NLL/dbeta3) of margins ``m`` at ``beta``, all finite."""
    u = -beta * m
    e = np.exp(-np.abs(u))  # in (0, 1]: never overflows
    inverse = 1.0 / (1.0 + e)
    q = np.where(u >= 0, inverse, e * inverse)  # sigmoid(u)
    nll = np.maximum(u, 0.0) + np.log1p(e)
    weighted = m * (e * inverse)  # m q (1 - q) / (1 - q or q): 0, not inf * 0, for saturated rows
    spread = weighted * (m * inverse)  # m^2 q (1 - q)
    return nll, -m * q, spread, -spread * m * (1.0 - 2.0 * q)


class MarginRows:
    """The rows of a binary temperature fit as margins, grouped by fold (same interface as ``scaling._Rows``).

    Parameters
    ----------
    margins : ndarray of float64, shape (N,)
    strict : ndarray of bool, shape (N,)
        The label's score is strictly the larger (decides the T_MIN shortcut).
    group : ndarray of int, shape (N,), or None
    n_groups : int
    """

    def __init__(self, margins: np.ndarray, strict: np.ndarray, group=None, n_groups: int = 1):
        self.n_groups = n_groups
        self.group = group
        if group is None:
            self.margins, bounds = margins, [0, margins.size]
            self.strict_groups = np.array([bool(strict.all())])
        else:
            sizes = np.bincount(group, minlength=n_groups)
            bounds = np.concatenate([[0], np.cumsum(sizes)]).tolist()
            self.margins = np.empty(margins.size)
            self.strict_groups = np.ones(n_groups, dtype=bool)
            for j in range(n_groups):  # a mask at a time: no index array of N integers
                mine = group == j
                self.margins[bounds[j]:bounds[j + 1]] = margins[mine]
                self.strict_groups[j] = bool(strict[mine].all())
        np.clip(self.margins, -MARGIN_LIMIT, MARGIN_LIMIT, out=self.margins)
        self.pieces = [(j, start, min(stop, start + CHUNK))
                       for j, (lo, stop) in enumerate(itertools.pairwise(bounds))
                       for start in range(lo, stop, CHUNK)]

    def all_strict(self, excluded=None) -> bool:
        """Every row (outside group ``excluded``) is strictly correct: the optimum is T_MIN."""
        keep = np.ones(self.n_groups, dtype=bool)
        if excluded is not None:
            keep[excluded] = False
        return bool(self.strict_groups[keep].all())

    def evaluate(self, evaluations) -> np.ndarray:
        """Sums (E, n_groups, 5) of (rows, NLL, and its three beta-derivatives) at each (beta, excluded group).

        Pieces run on the worker threads and are added in piece order: reproducible sums.
        """
        total = np.zeros((len(evaluations), self.n_groups, 5))

        def work(piece):
            j, start, stop = piece
            m = self.margins[start:stop]
            out = np.zeros((len(evaluations), 5))
            for e, (beta, excluded) in enumerate(evaluations):
                if excluded != j:
                    out[e, 0] = m.size
                    out[e, 1:] = [value.sum() for value in margin_values(m, beta)]
            return j, out

        for j, out in ordered_map(work, self.pieces):
            total[:, j] += out
        return total
