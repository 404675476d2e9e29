"""Where a classifier's errors concentrate: by true class and by confusion pair.

Recurring, measurable failure classes are what makes fine-tuning worth it (the
decision guide); this module measures them instead of taking a flag on trust.
For labels y (N,) and predictions yhat (N,) over K classes, an error is a row with
yhat != y, and:

- ``top_classes``: the classes ranked by their number of errors (ties: lower label
  first); the top ceil(K / 5), at least one, hold ``error_share`` of the errors and
  ``row_share`` of the rows. Errors concentrate when the first is well above the
  second (with errors spread evenly over the rows both are equal);
- ``top_pairs``: the (true, predicted) pairs ranked the same way; the top ceil(K / 5)
  hold ``error_share`` of the errors (out of K (K - 1) possible pairs);
- each list shows at most :data:`LISTED` entries.

Segments have their own measure (:func:`advisor.calibration.segment.worst_share`).
"""

from __future__ import annotations

import math

import numpy as np

LISTED = 5
FRACTION = 0.2


def _ranked(counts: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """Positions sorted by count (descending), then key (ascending)."""
    return np.lexsort((keys, -counts))


def error_concentration(labels, predictions, n_classes: int, fraction: float = FRACTION,
                        listed: int = LISTED) -> dict | None:
    """Share of the errors in the top classes and confusion pairs (see module doc).

    Parameters
    ----------
    labels, predictions : array_like of int, shape (N,), values in 0..K-1
    n_classes : int
        K.

    Returns
    -------
    dict or None
        ``{"n_errors", "top_classes": {"count", "error_share", "row_share", "classes":
        [{"label", "errors", "rows", "error_rate", "share"}]}, "top_pairs": {"count",
        "error_share", "pairs": [{"label", "predicted", "errors", "share"}]}}``; None
        when there are no errors.
    """
    y = np.asarray(labels, dtype=np.int64)
    yhat = np.asarray(predictions, dtype=np.int64)
    wrong = y != yhat
    n_errors = int(np.count_nonzero(wrong))
    if n_errors == 0:
        return None
    k = int(n_classes)
    count = max(1, math.ceil(fraction * k))
    rows = np.bincount(y, minlength=k)
    errors = np.bincount(y[wrong], minlength=k)
    order = _ranked(errors, np.arange(k))
    top = order[:count]
    classes = [{"label": int(c), "errors": int(errors[c]), "rows": int(rows[c]),
                "error_rate": float(errors[c] / rows[c]), "share": float(errors[c] / n_errors)}
               for c in order[:listed] if errors[c]]
    pair_keys, pair_counts = np.unique(y[wrong] * k + yhat[wrong], return_counts=True)
    pair_order = _ranked(pair_counts, pair_keys)
    pairs = [{"label": int(pair_keys[i] // k), "predicted": int(pair_keys[i] % k),
              "errors": int(pair_counts[i]), "share": float(pair_counts[i] / n_errors)}
             for i in pair_order[:listed]]
    return {
        "n_errors": n_errors,
        "top_classes": {"count": count, "error_share": float(errors[top].sum() / n_errors),
                        "row_share": float(rows[top].sum() / y.size), "classes": classes},
        "top_pairs": {"count": count, "error_share": float(pair_counts[pair_order[:count]].sum() / n_errors),
                      "pairs": pairs},
    }


def predicted_classes(preds) -> np.ndarray:
    """argmax_k of every row of predictions (lowest k on ties), shape (N,), in one pass.

    Taken on the scores in their own dtype, as the metrics do: float32 or float16
    values widen to float64 exactly, so the argmax is the same either way.
    """
    out = np.empty(preds.n_samples, dtype=np.int64)
    for start, _, chunk in preds.blocks():
        out[start:start + chunk.shape[0]] = np.argmax(chunk, axis=1)
    return out
