"""A mergeable accumulator of the section-5 metrics.

Every binned metric is a function of per-bin sums (count, sum of confidences, sum of
correct predictions) and NLL/Brier/accuracy are means, so a data set can be processed
chunk by chunk (:meth:`CalibrationAccumulator.update`), on several workers, and the
partial accumulators combined (:meth:`CalibrationAccumulator.merge`). The result
equals the in-memory one up to the order of floating-point additions (~1e-15).

Only equal-width bins are mergeable; equal-mass edges depend on all the data.

Usage::

    acc = CalibrationAccumulator(bins=15)
    for labels, probs in chunks:          # e.g. row blocks of a file, or partitions
        acc.update(labels, probs=probs)   # or logits=...
    total = acc.merge(other_worker_acc).result()

Each ``update`` is one fused pass over its rows (:mod:`advisor.calibration.block`):
the values are checked while they are measured, and a failing update leaves the
accumulator unchanged.
"""

from __future__ import annotations

import numpy as np

from . import binning, config
from .block import add_class_sums
from .predictions import BasePredictions, Predictions, from_arrays
from .scan import scan
from .statistic import bins_table, ece_from_statistics, mce_from_statistics


def classwise_bytes(n_classes: int, bins: int) -> int:
    """Memory of the per-class bin sums of K classes and B bins."""
    return 3 * 8 * int(n_classes) * int(bins)


def classwise_problem(n_classes: int, bins: int) -> str | None:
    """Why per-class sums of K classes and B bins cannot be kept (over the ``classwise_bytes`` setting), or None."""
    needed, allowed = classwise_bytes(n_classes, bins), config.get("classwise_bytes")
    if needed <= allowed:
        return None
    return (f"{int(n_classes):,} classes x {int(bins):,} bins of per-class statistics would need {needed:,} bytes, "
            f"more than the {allowed:,} allowed (CLASSWISE_BYTES); use fewer bins")


class CalibrationAccumulator:
    """Running sufficient statistics of top-label calibration.

    Parameters
    ----------
    bins : int
        Number of equal-width bins (section 5).
    classwise : bool
        Also keep per-class bin sums (K x B) for the class-wise ECE (costs a pass over
        all N x K probabilities). They may take at most the ``classwise_bytes`` setting:
        ValueError when the classes are known to need more.
    """

    def __init__(self, bins: int = 15, classwise: bool = False):
        self.n_bins = int(bins)
        self.classwise = bool(classwise)
        self.edges = binning.width_edges(self.n_bins)
        self.n_classes: int | None = None
        self.n_samples = 0
        self.n_correct = 0
        self.nll_sum = 0.0
        self.brier_sum = 0.0
        self.counts = np.zeros(self.n_bins)
        self.sum_conf = np.zeros(self.n_bins)
        self.sum_correct = np.zeros(self.n_bins)
        self.class_stats: np.ndarray | None = None  # (3, K, B): counts, sum p, sum [y=k]

    # ------------------------------------------------------------ feeding
    def update(self, labels, probs=None, logits=None, validate: bool = True) -> CalibrationAccumulator:
        """Add a chunk: labels (n,) and probs (n, K) or (n,), or logits (n, K); returns self.

        The values are checked (section 4) in the same pass that measures them; on an
        invalid chunk :class:`PredictionsFormatError` names the first bad row and the
        accumulator is left unchanged. With ``validate=False`` the arrays must already
        be valid 2-D inputs (skips the checks).
        """
        if validate:
            preds = from_arrays(labels, probs=probs, logits=logits, check_values=False)
        else:
            preds = Predictions(np.asarray(labels), probs, logits)
        part = CalibrationAccumulator(bins=self.n_bins, classwise=self.classwise)
        part.add(preds, check=validate)
        return self.merge(part)

    def add(self, preds: BasePredictions, beta: float = 1.0, rows_mask=None,
            check: bool = False) -> CalibrationAccumulator:
        """Add predictions (optionally only rows where ``rows_mask``; logits scaled by ``beta``).

        ``check`` also checks the values during the pass (raises on the first bad row).
        """
        for labels, block in self.scan(preds, beta=beta, rows_mask=rows_mask, check=check):
            self.add_block(labels, block)
        return self

    def scan(self, preds: BasePredictions, **options):
        """The fused pass of :func:`advisor.calibration.scan.scan` with what this accumulator needs."""
        n_classes = self.set_classes(preds.n_classes)
        per_class = self.classwise and n_classes > 2
        return scan(preds, want_probs=n_classes == 2, edges=self.edges if per_class else None, **options)

    def add_block(self, labels, block) -> None:
        """Add one :class:`advisor.calibration.block.Block` from :meth:`scan`."""
        self.add_rows(labels, block.rows, block.probs)
        if block.class_stats is not None:
            add_class_sums(self._class_stats(), block.class_stats)

    def add_rows(self, labels, rows, probs=None) -> None:
        """Add per-row results of a chunk (:class:`advisor.calibration.block.Rows`)."""
        index = binning.assign(rows.confidence, self.edges)
        b = self.n_bins
        self.counts += np.bincount(index, minlength=b)
        self.sum_conf += np.bincount(index, weights=rows.confidence, minlength=b)
        self.sum_correct += np.bincount(index, weights=rows.correct, minlength=b)
        self.n_samples += int(labels.shape[0])
        self.n_correct += int(np.count_nonzero(rows.correct))
        self.nll_sum += float(np.sum(rows.nll))
        self.brier_sum += float(np.sum(rows.brier))
        if probs is not None and (self.classwise or self.n_classes == 2):
            self._add_class_stats(labels, probs)

    def set_classes(self, n_classes: int) -> int:
        """Fix the number of classes (the first chunk's) and return it."""
        if self.n_classes is None:
            self.n_classes = int(n_classes)
        elif self.n_classes != n_classes:
            raise ValueError(f"chunk has {n_classes} classes; earlier chunks had {self.n_classes}")
        if self.class_stats is None:
            problem = classwise_problem(self.n_classes, self.n_bins) if self.classwise else None
            if problem:
                raise ValueError(f"class-wise ECE: {problem}")
            tracked = self.n_classes if self.classwise else (1 if self.n_classes == 2 else 0)
            self.class_stats = np.zeros((3, tracked, self.n_bins))
        return self.n_classes

    def _class_stats(self) -> np.ndarray:
        if self.class_stats is None:  # pragma: no cover - set_classes runs before any chunk is added
            raise RuntimeError("no chunk added yet")
        return self.class_stats

    def _add_class_stats(self, labels, probs) -> None:
        stats = self._class_stats()
        if stats.shape[1] == 0:
            return
        columns = np.arange(stats.shape[1]) if self.classwise else np.array([1])
        p = probs[:, columns]
        truth = (labels[:, None] == columns[None, :]).astype(np.float64)
        flat = (binning.assign(p, self.edges) + self.n_bins * np.arange(len(columns))).ravel()
        size = len(columns) * self.n_bins
        shape = (len(columns), self.n_bins)
        stats[0] += np.bincount(flat, minlength=size).reshape(shape)
        stats[1] += np.bincount(flat, weights=p.ravel(), minlength=size).reshape(shape)
        stats[2] += np.bincount(flat, weights=truth.ravel(), minlength=size).reshape(shape)

    def merge(self, other: CalibrationAccumulator) -> CalibrationAccumulator:
        """Add another accumulator's statistics into this one (in place) and return self."""
        if other.n_bins != self.n_bins or other.classwise != self.classwise:
            raise ValueError("can only merge accumulators with the same bins and classwise setting")
        if other.n_classes is None:
            return self
        self.set_classes(other.n_classes)
        self.n_samples += other.n_samples
        self.n_correct += other.n_correct
        self.nll_sum += other.nll_sum
        self.brier_sum += other.brier_sum
        self.counts += other.counts
        self.sum_conf += other.sum_conf
        self.sum_correct += other.sum_correct
        self._class_stats()[...] += other._class_stats()
        return self

    # ------------------------------------------------------------ results
    def result(self) -> dict:
        """Section-5 metrics of everything added so far.

        Returns
        -------
        dict
            ``n_samples``, ``n_classes``, ``accuracy``, ``ece``, ``mce``, ``nll``,
            ``brier``, ``bins`` (list of ``{lower, upper, count, confidence, accuracy}``),
            ``binary_positive_ece`` (K == 2, else None) and ``classwise_ece``
            (when ``classwise`` and K > 2, else None).
        """
        if self.n_samples == 0:
            raise ValueError("no predictions were added")
        n = self.n_samples
        stats = (self.counts, self.sum_conf, self.sum_correct)
        return {
            "n_samples": n,
            "n_classes": self.n_classes,
            "accuracy": self.n_correct / n,
            "ece": ece_from_statistics(*stats),
            "mce": mce_from_statistics(*stats),
            "nll": self.nll_sum / n,
            "brier": self.brier_sum / n,
            "bins": bins_table(self.edges, *stats),
            "binary_positive_ece": self._positive_ece(),
            "classwise_ece": self._classwise_ece(),
        }

    def _positive_ece(self):
        if self.n_classes != 2:
            return None
        k = 1 if self.classwise else 0
        return ece_from_statistics(self.class_stats[0, k], self.class_stats[1, k], self.class_stats[2, k])

    def _classwise_ece(self):
        if not self.classwise or self.n_classes <= 2:
            return None
        gaps = self.class_stats[2] - self.class_stats[1]
        np.abs(gaps, out=gaps)  # in place: one (K, B) temporary, as when adding a block
        errors = gaps.sum(axis=1) / self.n_samples
        return float(np.mean(errors))
