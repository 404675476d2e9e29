"""Post-hoc calibration maps: temperature scaling here; Platt scaling (:mod:`.platt`) and
isotonic regression (:mod:`.isotonic`) are re-exported, so ``scaling`` names all three.

Temperature scaling
    T minimizes the mean NLL f(T) = mean_i [ln sum_k exp(z_ik / T) - z_iy / T] over
    [0.01, 100], z the logits (or ln(max(p, eps)) for probabilities). With beta = 1/T,
    f is convex in beta. We solve df/dt = 0 in t = ln T by Halley steps (first three
    derivatives from one pass: the softmax mean, variance and third cumulant of z per
    row) inside a bisection bracket (:class:`_Search`). A cheap first pass stores the
    per-row constants (row max, label score) and a strided subsample of about
    2 million values, whose own optimum is the start; on the full data that leaves
    two or three passes (cubic convergence), the last of which checks the stop rule
    |df/dT| < 1e-10 at the returned T. Bounds are only evaluated when a step heads
    past them; the bound is returned when the optimum lies beyond it. Every pass reads
    the row blocks once (two threads, sums added in block order), so it also runs over
    data larger than memory, and k cross-fitting folds are fitted in the same passes
    (:func:`fit_fold_temperatures`). The iteration itself (:func:`_solve`) only sees
    a pass returning sums, so other ways of computing them reuse it
    (:func:`solve_temperature`; the Dask path does). The objective is the unclipped NLL
    (the eps clip of section 5 only matters below p = 2.2e-16).
"""

from __future__ import annotations

import math

import numpy as np

from . import config
from .block import log_scores, ordered_map
from .isotonic import (  # noqa: F401  (re-exported: scaling names every map)
    apply_isotonic,
    apply_isotonic_classes,
    fit_isotonic,
    fit_isotonic_classes,
    pool_adjacent_violators,
)
from .margin import MarginRows
from .platt import apply_platt, fit_platt, positive_logit  # noqa: F401  (re-exported)
from .predictions import EPS, BasePredictions, from_arrays

T_MIN, T_MAX = 0.01, 100.0
LOG_T_MIN, LOG_T_MAX = math.log(T_MIN), math.log(T_MAX)
GRADIENT_TOLERANCE = 1e-10
WARM_START_TOLERANCE = 1e-6  # the subsample's own optimum is only known to its sampling error anyway
# Shifted log-scores z - max z below this are clipped: beta * (z - max z) must stay finite for
# beta up to 1/T_MIN (logits near +-1e308 overflow otherwise), and a row with such a gap has
# an astronomically large NLL whether the gap is 1e200 or 1e308.
SHIFT_FLOOR = -1e200
# A stop whose remaining Newton step in ln T is below this is a well-located interior optimum;
# a larger one (a flat stretch, e.g. a vanishing exponential tail) is first checked against
# the bound it points to, so a boundary optimum is never reported as an interior point.
CONFIDENT_STEP = 1e-8


def _top_and_label_score(labels: np.ndarray, chunk: np.ndarray, kind: str):
    """Row max (n,) and score of the label (n,) of the log-scores, both float64."""
    idx = np.arange(labels.shape[0])
    top = np.max(chunk, axis=1).astype(np.float64)  # exact in the input dtype; log is monotone
    at_label = np.asarray(chunk[idx, labels], dtype=np.float64)
    if kind == "probs":
        top, at_label = np.log(np.maximum(top, EPS)), np.log(np.maximum(at_label, EPS))
    return top, at_label


def _shifted_label(at_label: np.ndarray, top: np.ndarray) -> np.ndarray:
    """The label's log-score minus the row max, clipped at :data:`SHIFT_FLOOR` (n,)."""
    with np.errstate(over="ignore"):  # -1e308 - 1e308 is -inf: the clip makes it finite
        return np.maximum(at_label - top, SHIFT_FLOOR)


def _strictly_correct(labels: np.ndarray, chunk: np.ndarray) -> np.ndarray:
    """(n,) bool: the label's score is the row maximum and no other class ties it.

    Compared in the input's own values: ln(max(p, eps)) keeps the strict order of the
    label's probability (>= 1/K > eps) over the others. When every row is strictly
    correct each row's NLL ln(1 + sum_k exp((z_k - z_y) / T)) increases with T, so the
    minimizer is T_MIN; a tie (or an error) in any row breaks that argument.
    """
    at_label = chunk[np.arange(labels.shape[0]), labels]
    strict = at_label == np.max(chunk, axis=1)
    if strict.any():
        strict &= np.count_nonzero(chunk == at_label[:, None], axis=1) == 1
    return strict


def _row_cumulants(x: np.ndarray, beta: float):
    """ln sum_k exp(x_k) and the first three cumulants of x / beta under softmax(x), each (n,).

    ``x`` (n, K) is beta times the log-scores, possibly shifted per row (cumulants
    past the first do not depend on the shift); it is overwritten. The cumulants come
    from raw moments; only the first (the gradient) needs full accuracy, the others
    only size the Halley step.
    """
    e = np.exp(x)
    s0 = e.sum(axis=1)
    m1 = np.einsum("ij,ij->i", e, x) / s0
    e *= x
    m2 = np.einsum("ij,ij->i", e, x) / s0
    e *= x
    m3 = np.einsum("ij,ij->i", e, x) / s0
    k2 = np.maximum(m2 - m1 * m1, 0.0)
    k3 = m3 - 3.0 * m1 * m2 + 2.0 * m1 ** 3
    return np.log(s0), m1 / beta, k2 / beta ** 2, k3 / beta ** 3


def _scaled(source: np.ndarray, beta: float, top: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(x, offset): x = beta * (source - offset), offset (n,) per row, exp(x) safe from overflow.

    The offset is the row max (``top``) or 0: shifting costs a pass, so it is skipped
    when no exp can overflow and no row's largest term can fall below exp(-650), where
    dropping terms smaller than 1e-280 of it changes nothing.
    """
    x = np.empty(source.shape)
    np.copyto(x, source)
    x *= beta
    shift = beta * top
    if shift.size and not (shift.max() <= 700.0 and shift.min() >= -650.0):  # NaN: shifted
        x -= shift[:, None]
        return x, top
    return x, np.zeros_like(shift)


class _Rows:
    """Where a temperature pass reads its rows: row blocks plus per-row constants.

    ``top`` and ``shifted_label`` (the label's log-score minus ``top``) do not depend
    on T; ``group`` (N,) int assigns each row to a fold (or None: one group).
    """

    def __init__(self, blocks, kind, top, shifted_label, group, n_groups, strict=None):
        self.blocks, self.kind = blocks, kind
        self.top, self.shifted_label = top, shifted_label
        self.group, self.n_groups = group, n_groups
        self.strict = strict  # (N,) bool of :func:`_strictly_correct`, or None (unknown)

    def all_strict(self, excluded=None) -> bool:
        """Every row (outside group ``excluded``) is strictly correct: the optimum is T_MIN."""
        if self.strict is None:
            return False
        if excluded is None or self.group is None:
            return bool(self.strict.all())
        return bool(self.strict[self.group != excluded].all())

    def evaluate(self, evaluations) -> np.ndarray:
        """Sums over rows at several (beta, excluded group) pairs: (E, n_groups, 5).

        Columns: rows, NLL, dNLL/dbeta, d2NLL/dbeta2, d3NLL/dbeta3 (sums, not means),
        grouped by ``group``. Rows of the excluded group (None: no exclusion) are skipped.
        One read of every block, whatever the number of evaluations; blocks run on
        two threads and are added in block order, so the sums are reproducible.
        """
        total = np.zeros((len(evaluations), self.n_groups, 5))
        for part in ordered_map(lambda item: self._block_sums(item, evaluations), self.blocks()):
            total += part
        return total

    def _block_sums(self, item, evaluations) -> np.ndarray:
        start, labels, chunk = item
        rows = slice(start, start + labels.shape[0])
        if self.top is None:
            top, at_label = _top_and_label_score(labels, chunk, self.kind)
            shifted_label = _shifted_label(at_label, top)
        else:
            top, shifted_label = self.top[rows], self.shifted_label[rows]
        group = np.zeros(labels.shape[0], dtype=np.intp) if self.group is None else self.group[rows]
        source = chunk if self.kind == "logits" else log_scores(chunk, self.kind)
        out = np.zeros((len(evaluations), self.n_groups, 5))
        for j, (beta, excluded) in enumerate(evaluations):
            keep = None if excluded is None else group != excluded
            if keep is not None and not keep.any():
                continue
            if keep is None:
                values, g = _row_values(source, beta, top, shifted_label), group
            else:
                values, g = _row_values(source[keep], beta, top[keep], shifted_label[keep]), group[keep]
            for column, value in enumerate(values, start=1):
                out[j, :, column] = np.bincount(g, weights=value, minlength=self.n_groups)
            out[j, :, 0] = np.bincount(g, minlength=self.n_groups)
        return out


def _row_values(source, beta: float, top, shifted_label) -> tuple:
    """Per-row (NLL, dNLL/dbeta, d2NLL/dbeta2, d3NLL/dbeta3) at ``beta``, each (n,), all finite.

    NLL_i = ln sum exp(beta z) - beta z_y and dNLL_i/dbeta = E[z] - z_y, with z_y taken
    relative to the per-row offset the pass subtracted (so beta * z_y is never formed).
    The fast path may overflow on extreme but finite scores (|z| near 1e308); only the
    rows it leaves non-finite are recomputed by :func:`_safe_row_values`.
    """
    with np.errstate(over="ignore", invalid="ignore"):
        x, offset = _scaled(source, beta, top)
        log_s, k1, k2, k3 = _row_cumulants(x, beta)
        label = shifted_label + (top - offset)  # z_y - offset: exactly the shifted label when offset = top
        values = (log_s - beta * label, k1 - label, k2, k3)
        bad = ~(np.isfinite(values[0]) & np.isfinite(values[1]) & np.isfinite(k2) & np.isfinite(k3))
    if bad.any():
        fixed = _safe_row_values(source[bad], beta, top[bad], shifted_label[bad])
        for value, good in zip(values, fixed, strict=True):
            value[bad] = good
    return values


def _safe_row_values(source, beta: float, top, shifted_label) -> tuple:
    """:func:`_row_values` by way of max(z - max z, SHIFT_FLOOR) * beta: no product can overflow."""
    with np.errstate(over="ignore", invalid="ignore"):
        x = np.subtract(source, top[:, None], dtype=np.float64)
        np.maximum(x, SHIFT_FLOOR, out=x)  # also turns an overflowed -inf into a finite value
        x *= beta
        log_s, k1, k2, k3 = _row_cumulants(x, beta)
    return log_s - beta * shifted_label, k1 - shifted_label, k2, k3


def _rows_of(preds: BasePredictions, group=None, n_groups: int = 1, constants: bool = True) -> tuple:
    """(:class:`_Rows` over ``preds``, warm-start :class:`_Rows` over a strided subsample).

    One cheap pass (row max and label score, no exp) stores the per-row constants and
    copies every s-th row for the warm start, s chosen so the subsample holds about
    ``warm_start_values`` values (:mod:`advisor.calibration.config`).
    """
    n, k = preds.n_samples, preds.n_classes
    blocks = lambda: preds.blocks(config.get("pass_values"))  # noqa: E731
    if not constants:
        return _Rows(blocks, preds.kind, None, None, group, n_groups), None
    if k == 2:
        return _margin_rows_of(preds, group, n_groups)
    stride = max(1, math.ceil(n * k / config.get("warm_start_values")))
    top, shifted_label, strict = np.empty(n), np.empty(n), np.empty(n, dtype=bool)
    sample = []

    def work(item):
        start, labels, chunk = item
        t, at_label = _top_and_label_score(labels, chunk, preds.kind)
        rows = slice(start, start + t.shape[0])
        top[rows], shifted_label[rows] = t, _shifted_label(at_label, t)
        strict[rows] = _strictly_correct(labels, chunk)
        first = (-start) % stride
        return np.arange(start + first, start + labels.shape[0], stride), np.array(chunk[first::stride])

    for picked in ordered_map(work, preds.blocks(config.get("pass_values"))):
        sample.append(picked)
    index = np.concatenate([s[0] for s in sample])
    scores = np.concatenate([s[1] for s in sample])
    labels = preds.labels[index]
    sub_group = None if group is None else group[index]
    warm = _Rows(lambda: _array_blocks(labels, scores), preds.kind, top[index], shifted_label[index],
                 sub_group, n_groups, strict[index])
    return _Rows(blocks, preds.kind, top, shifted_label, group, n_groups, strict), warm


def _margin_rows_of(preds: BasePredictions, group, n_groups: int) -> tuple:
    """(:class:`MarginRows` of a binary task, warm-start :class:`MarginRows` of every s-th row), in one pass."""
    n = preds.n_samples
    margins, strict = np.empty(n), np.empty(n, dtype=bool)

    def work(item):
        start, labels, chunk = item
        idx = np.arange(labels.shape[0])
        mine, other = chunk[idx, labels], chunk[idx, 1 - labels]
        rows = slice(start, start + labels.shape[0])
        strict[rows] = mine > other  # _strictly_correct of two columns, in the input's own values
        if preds.kind == "probs":
            mine, other = np.log(np.maximum(mine, EPS)), np.log(np.maximum(other, EPS))
        with np.errstate(over="ignore"):  # +-1e308 logits: an infinite margin, clipped by MarginRows
            margins[rows] = np.subtract(mine, other, dtype=np.float64)

    for _ in ordered_map(work, preds.blocks(config.get("pass_values"))):
        pass
    stride = max(1, math.ceil(n / config.get("warm_start_values")))
    sub_group = None if group is None else group[::stride]
    warm = MarginRows(margins[::stride].copy(), strict[::stride], sub_group, n_groups)
    return MarginRows(margins, strict, group, n_groups), warm


def _array_blocks(labels, scores):
    step = max(1, config.get("pass_values") // max(1, scores.shape[1]))
    for start in range(0, labels.shape[0], step):
        yield start, labels[start:start + step], scores[start:start + step]


def _temperature(t: float) -> float:
    """e^t, exactly T_MIN or T_MAX at the bounds."""
    return T_MIN if t <= LOG_T_MIN else T_MAX if t >= LOG_T_MAX else math.exp(t)


class _Search:
    """Safeguarded Halley iteration for f'(t) = 0, t = ln T, in [ln T_MIN, ln T_MAX].

    f(t) is the mean NLL; from the means over rows of g (first cumulant of d minus
    d_y), c and k3 (second and third cumulants of d), with beta = e^-t:
    f1 = -beta g, f2 = beta g + beta^2 c, f3 = -beta g - 3 beta^2 c - beta^3 k3
    (the first three derivatives in t). The bracket [lo, hi] shrinks with the sign of
    f1; a step leaving it is replaced by a bisection, or by a look at the bound itself
    when f1 has not been seen there (the optimum may lie beyond it: the bound is then
    the answer). It stops when |df/dT| < ``tolerance`` at the current t, or when the
    bracket collapses. A small gradient alone does not prove an interior optimum (the
    NLL of separable rows flattens exponentially towards T_MIN), so unless the bracket
    already holds the root on the descent side, or the Newton step says it is within
    :data:`CONFIDENT_STEP`, the bound on the descent side is looked at first: f1 is
    monotone in sign (f is convex in beta), so its sign there decides.
    """

    def __init__(self, t: float = 0.0, tolerance: float = GRADIENT_TOLERANCE, excluded=None):
        self.lo, self.hi = LOG_T_MIN, LOG_T_MAX
        self.lo_seen = self.hi_seen = False
        self.t = min(max(t, LOG_T_MIN), LOG_T_MAX)
        self.tolerance, self.excluded = tolerance, excluded
        self.result: float | None = None
        self.pending: float | None = None  # a small-gradient t awaiting the bound check

    @property
    def found(self) -> float:
        """The temperature found (after :func:`_solve` has finished this search)."""
        if self.result is None:  # pragma: no cover - _solve runs every search to a result
            raise RuntimeError("the search has not finished")
        return float(self.result)

    def observe(self, sums) -> None:
        """Take the sums (rows, f, g, c, k3) at ``self.t`` and move to the next t (or finish)."""
        t, beta = self.t, math.exp(-self.t)
        g, c, k3 = (float(v) / float(sums[0]) for v in sums[2:5])
        f1 = -beta * g
        f2 = beta * g + beta * beta * c
        f3 = -beta * g - 3.0 * beta * beta * c - beta ** 3 * k3
        if t >= LOG_T_MAX and f1 <= 0:
            self.result = T_MAX
        elif t <= LOG_T_MIN and f1 >= 0:
            self.result = T_MIN
        elif self.pending is not None:  # the bound pointed back inside: the optimum is interior
            self.result = _temperature(self.pending)
        elif abs(f1 * beta) < self.tolerance:  # df/dT = f1 / T
            bound = self._unchecked_bound(f1, f2)
            if bound is None:
                self.result = _temperature(t)
            else:
                self.pending, self.t = t, bound
        if self.result is not None or self.pending is not None:
            return
        if f1 < 0:
            self.lo, self.lo_seen = t, True
        else:
            self.hi, self.hi_seen = t, True
        if self.hi - self.lo <= 4 * np.spacing(max(abs(self.lo), abs(self.hi), 1.0)):
            self.result = _temperature(t)
            return
        self.t = self._next(t, f1, f2, f3)

    def _unchecked_bound(self, f1: float, f2: float) -> float | None:
        """The bound the descent points to, when it could still hold the optimum; else None."""
        if f1 == 0 or (self.lo_seen if f1 > 0 else self.hi_seen):
            return None  # stationary, or the root is bracketed on the descent side
        if f2 > 0 and abs(f1 / f2) <= CONFIDENT_STEP:
            return None
        return LOG_T_MIN if f1 > 0 else LOG_T_MAX

    def _next(self, t, f1, f2, f3) -> float:
        step = math.nan
        if f2 > 0:
            step = -f1 / f2
            denominator = 2.0 * f2 * f2 - f1 * f3
            if denominator > 0:
                halley = -2.0 * f1 * f2 / denominator
                step = halley if halley * step > 0 else step
        candidate = t + step
        if self.lo < candidate < self.hi:
            return candidate
        if candidate >= self.hi and not self.hi_seen:
            return LOG_T_MAX
        if candidate <= self.lo and not self.lo_seen:
            return LOG_T_MIN
        return (self.lo + self.hi) / 2.0


def _solve(evaluate, searches: list, max_iter: int = 100) -> np.ndarray | None:
    """The one optimizer loop: advance all searches together, one ``evaluate`` call per step.

    ``evaluate`` maps a list of (beta, excluded group) to sums (E, groups, 5) as
    :meth:`_Rows.evaluate` does; it is the pluggable pass (in-memory and file blocks
    here, Dask in :mod:`advisor.calibration.dask`). Returns the last sums.
    """
    last = None
    for _ in range(max_iter):
        active = [s for s in searches if s.result is None]
        if not active:
            break
        last = evaluate([(math.exp(-s.t), s.excluded) for s in active])
        for search, sums in zip(active, last, strict=True):
            search.observe(sums.sum(axis=0))
    for search in searches:
        if search.result is None:  # out of iterations: the last point reached
            search.result = _temperature(search.t)
    return last


def solve_temperature(temperature_sums, start: float = 1.0, max_iter: int = 100) -> float:
    """The temperature minimizing the NLL, given a pass ``temperature_sums(T) -> sums (5,)``.

    The sums are over all rows of (1, NLL, dNLL/dbeta, d2NLL/dbeta2, d3NLL/dbeta3) at
    beta = 1/T (see :func:`temperature_sums`); any way of computing them (e.g. a
    Dask computation over partitions) gets the same safeguarded Halley iteration.
    """
    def evaluate(points):
        return [np.asarray(temperature_sums(1.0 / beta), dtype=np.float64)[None] for beta, _ in points]

    search = _Search(math.log(min(max(start, T_MIN), T_MAX)), GRADIENT_TOLERANCE)
    _solve(evaluate, [search], max_iter)
    return search.found


def temperature_sums(preds: BasePredictions, temperature: float) -> np.ndarray:
    """One pass: sums over rows of (1, NLL, dNLL/dbeta, d2NLL/dbeta2, d3NLL/dbeta3) at beta = 1/T, shape (5,)."""
    rows, _ = _rows_of(preds, constants=False)
    return rows.evaluate([(1.0 / temperature, None)])[0].sum(axis=0)


def temperature_pass(preds: BasePredictions, temperature: float, weights: np.ndarray | None = None):
    """One pass: (f, df/dbeta, d2f/dbeta2) of the mean NLL at ``temperature``.

    ``weights`` (N,) of 0/1 selects the rows (cross-fitting); the means are over them.
    """
    group = None if weights is None else (np.asarray(weights) <= 0).astype(np.intp)
    rows, _ = _rows_of(preds, group, 1 if group is None else 2, constants=False)
    sums = rows.evaluate([(1.0 / temperature, None if group is None else 1)])[0].sum(axis=0)
    return tuple(float(v) / float(sums[0]) for v in sums[1:4])


def nll_gradient_in_t(preds: BasePredictions, temperature: float, weights=None) -> float:
    """d(mean NLL)/dT at ``temperature`` (used to check the optimum)."""
    _, grad_beta, _ = temperature_pass(preds, temperature, weights)
    return -grad_beta / temperature ** 2


def _warm_start(warm: _Rows, excluded=None) -> float:
    if warm.all_strict(excluded):  # the subsample alone would be fitted at T_MIN
        return LOG_T_MIN
    search = _Search(0.0, WARM_START_TOLERANCE, excluded)
    _solve(warm.evaluate, [search])
    t = math.log(search.found)
    # a start next to a bound starts on it, so that a boundary optimum is returned exactly
    return LOG_T_MIN if t < LOG_T_MIN + 1e-6 else LOG_T_MAX if t > LOG_T_MAX - 1e-6 else t


def fit_temperature(labels, logits=None, probs=None, weights=None, max_iter: int = 100) -> float:
    """The temperature in [0.01, 100] minimizing the mean NLL (see module doc).

    Parameters
    ----------
    labels : array_like of int, shape (N,), or a :class:`Predictions`
    logits : array_like, shape (N, K), optional
    probs : array_like, shape (N, K) or (N,), optional
    weights : ndarray of 0/1, shape (N,), optional
        Fit on the selected rows only.

    Returns
    -------
    float
    """
    preds = labels if isinstance(labels, BasePredictions) else from_arrays(labels, probs=probs, logits=logits)
    group = None if weights is None else (np.asarray(weights) <= 0).astype(np.intp)
    excluded = None if group is None else 1
    rows, warm = _rows_of(preds, group, 1 if group is None else 2)
    if rows.all_strict(excluded):
        return T_MIN
    search = _Search(_warm_start(warm, excluded), GRADIENT_TOLERANCE, excluded)
    _solve(rows.evaluate, [search], max_iter)
    return search.found


def fit_fold_temperatures(preds: BasePredictions, folds: np.ndarray, n_folds: int,
                          max_iter: int = 100) -> tuple[float, np.ndarray]:
    """The temperature of all rows and, for each fold j, of the rows outside fold j.

    Equal to :func:`fit_temperature` on all rows and on each ``weights = folds != j``
    (to the tolerance), but the k + 1 fits share their passes: the all-rows passes
    also sum each fold's rows separately, so at the all-rows optimum T* every fold's
    training sums are known without another pass (total minus the fold); each fold
    takes its first Halley step from there, and the later steps of all folds are
    evaluated in one read of each block per step.

    Parameters
    ----------
    preds : Predictions
    folds : ndarray of int, shape (N,)
        Fold of every row, in ``0..n_folds-1``.
    n_folds : int

    Returns
    -------
    (float, ndarray of shape (n_folds,))
        The all-rows temperature and the per-fold training temperatures.
    """
    group = np.asarray(folds)
    if group.dtype.kind not in "iu":
        group = group.astype(np.intp)
    rows, warm = _rows_of(preds, group, n_folds)
    overall = _Search(_warm_start(warm), GRADIENT_TOLERANCE)
    overall.result = T_MIN if rows.all_strict() else None
    last = _solve(rows.evaluate, [overall], max_iter)
    per_fold = [_Search(math.log(overall.found), GRADIENT_TOLERANCE, j) for j in range(n_folds)]
    for j, search in enumerate(per_fold):
        search.result = T_MIN if rows.all_strict(j) else None
    if last is not None and T_MIN < overall.found < T_MAX:
        # the last all-rows pass was at T*: reuse its per-fold sums
        total = last[0].sum(axis=0)
        for j, search in enumerate(per_fold):
            if search.result is None and last[0][j, 0] < total[0]:
                search.observe(total - last[0][j])
    _solve(rows.evaluate, per_fold, max_iter)
    return overall.found, np.array([s.found for s in per_fold])

def apply_temperature(scores: np.ndarray, kind: str, temperature: float) -> np.ndarray:
    """softmax(z / T) of a chunk (n, K) as float64 probabilities."""
    z = log_scores(scores, kind)
    with np.errstate(over="ignore"):  # z - max z of +-1e308 logits is -inf: clipped below
        z -= z.max(axis=1, keepdims=True)
    np.maximum(z, SHIFT_FLOOR, out=z)  # (z - max z) / T then cannot overflow
    z /= temperature
    p = np.exp(z)
    p /= p.sum(axis=1, keepdims=True)
    return p
