"""Selective prediction: how much can be automated at a target accuracy (interface section 8).

A router accepts a row (acts on the model's answer without a person) when its
confidence c is at least a threshold tau. For each distinct confidence tau,
accepted(tau) = the rows with c >= tau. Section 8 fixes:

- ``threshold``: the tau with the most accepted rows whose accepted accuracy is at
  least the target T (so the lowest such tau: lowering tau only adds rows);
- ``coverage`` = accepted / N and ``accuracy`` = the accepted rows' accuracy;
- ``threshold`` None and ``coverage`` 0 (``accuracy`` None) when no tau qualifies.

Accuracies are compared as ``hits / accepted >= T`` in float64: a rational k/n is
rounded once, so it compares with a decimal target the way the exact fraction does
(49/50 >= 0.98 holds).

This is the best threshold *in hindsight* on the evaluated rows: it tells what the
confidences can separate, not what a threshold chosen in advance will achieve on new
rows. :func:`at_face_value` adds what a router that trusts the confidence as a
probability (tau = T) gets, which is where miscalibration costs coverage or accuracy.

What calibrating buys a router (:func:`face_value_gain`)
    Temperature scaling keeps the order of the confidences within a fold, so the best
    threshold in hindsight accepts nearly the same rows before and after it: that
    difference is fold noise. What calibration changes is whether the confidence can be
    taken at face value, with the threshold set to the target T itself. The usable share
    at face value is the share of rows accepted (c >= T) when they reach the target, else 0:

    - today's counts unless its accepted rows are *clearly* below the target (the upper
      end of their 95% Wilson interval is below T: overconfidence shown by the data);
    - after cross-fitted calibration, the accepted rows must reach T.

    The gain is usable after minus usable today. It is *beyond noise* when it is positive
    and either today's routing is clearly below the target, or the rows calibration newly
    accepts (calibrated c' >= T, reported c < T) are clearly at the target (the lower end
    of their 95% Wilson interval is at least T: underconfidence shown by the data). For a
    calibrated model those rows sit just under T, so a fold's noisy temperature that
    lets a few in does not count.

The risk-coverage curve (Geifman and El-Yaniv 2017) is (coverage(tau), 1 - accuracy(tau))
over the distinct taus from the highest down; its area (``aurc``) is the mean risk
over coverage, taken as the step function of those points.
"""

from __future__ import annotations

import numpy as np

from .interval import LEVEL, wilson_interval

CURVE_POINTS = 101  # points of the risk-coverage curve kept for JSON and the figure


def risk_coverage(confidences, correct) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """Accepted rows at every distinct confidence, highest threshold first.

    Parameters
    ----------
    confidences : array_like of float, shape (N,)
    correct : array_like of bool, shape (N,)

    Returns
    -------
    thresholds : ndarray of float64, shape (M,)
        The M distinct confidences, in decreasing order.
    accepted : ndarray of int64, shape (M,)
        Rows with c >= threshold.
    hits : ndarray of int64, shape (M,)
        Correct rows among them.
    n_samples : int
        N (so coverage = accepted / N).
    """
    conf = np.asarray(confidences, dtype=np.float64)
    ok = np.asarray(correct, dtype=bool)
    # any order of tied confidences gives the same counts at the end of their run, so an
    # unstable sort of conf itself does (no negated copy, and quicker than a stable sort)
    order = np.argsort(conf)[::-1]
    sorted_conf = conf[order]
    cumulative_hits = np.cumsum(ok[order], dtype=np.int64)
    del order
    # the last row of each run of equal confidences closes accepted(tau) for that tau
    last = np.flatnonzero(np.append(sorted_conf[1:] != sorted_conf[:-1], True)) if conf.size else np.empty(0, int)
    return sorted_conf[last], last.astype(np.int64) + 1, cumulative_hits[last], int(conf.size)


def selective_prediction(confidences, correct, target_accuracy: float) -> dict:
    """Section 8's ``selective`` object of confidences (N,) and correctness (N,).

    Returns
    -------
    dict
        ``{"target_accuracy", "threshold", "coverage", "accuracy"}``; threshold and
        accuracy None, coverage 0.0, when no threshold reaches the target (or N == 0).
    """
    return _selective_of(risk_coverage(confidences, correct), target_accuracy)


def _selective_of(curve: tuple, target_accuracy: float) -> dict:
    thresholds, accepted, hits, n = curve
    result = {"target_accuracy": float(target_accuracy), "threshold": None, "coverage": 0.0, "accuracy": None}
    qualifies = np.flatnonzero(hits / accepted >= target_accuracy) if accepted.size else accepted
    if qualifies.size:
        best = qualifies[-1]  # accepted grows along the array: the last qualifying tau accepts the most
        result.update(threshold=float(thresholds[best]), coverage=float(accepted[best] / n),
                      accuracy=float(hits[best] / accepted[best]))
    return result


def at_face_value(confidences, correct, target_accuracy: float) -> dict:
    """What a router trusting the confidence gets: accept c >= T.

    Returns
    -------
    dict
        ``{"coverage", "accuracy"}``; accuracy None when no row is accepted.
    """
    conf = np.asarray(confidences, dtype=np.float64)
    accepted = conf >= target_accuracy
    count = int(np.count_nonzero(accepted))
    hits = int(np.count_nonzero(np.asarray(correct, dtype=bool)[accepted]))
    return {"coverage": count / conf.size if conf.size else 0.0, "accuracy": hits / count if count else None}


def face_value_gain(accepted_today, calibrated, correct, target_accuracy: float, level: float = LEVEL) -> dict:
    """What cross-fitted calibration buys a router that accepts confidence >= T (module doc).

    Parameters
    ----------
    accepted_today : array_like of bool, shape (N,)
        Reported confidence >= T.
    calibrated : array_like of float, shape (N,)
        The held-out calibrated confidences of the same rows.
    correct : array_like of bool, shape (N,)

    Returns
    -------
    dict
        ``usable_today``, ``usable_after``, ``gain`` (shares of N); ``today_clearly_below``;
        ``n_added`` (rows accepted only after calibration), their ``added_accuracy`` and
        ``added_interval`` (95% Wilson; None when there are none); ``beyond_noise``.
    """
    today = np.asarray(accepted_today, dtype=bool)
    after = np.asarray(calibrated, dtype=np.float64) >= target_accuracy
    ok = np.asarray(correct, dtype=bool)
    n = max(today.size, 1)
    counts = [int(np.count_nonzero(mask)) for mask in (today, after, after & ~today)]
    hits = [int(np.count_nonzero(ok[mask])) for mask in (today, after, after & ~today)]
    lower, upper = wilson_interval(hits, counts, level)
    clearly_below = bool(counts[0] > 0 and upper[0] < target_accuracy)
    usable_today = 0.0 if clearly_below else counts[0] / n
    usable_after = counts[1] / n if counts[1] and hits[1] / counts[1] >= target_accuracy else 0.0
    gain = usable_after - usable_today
    added_clearly_at_target = bool(counts[2] > 0 and lower[2] >= target_accuracy)
    return {"usable_today": usable_today, "usable_after": usable_after, "gain": gain,
            "today_clearly_below": clearly_below, "n_added": counts[2],
            "added_accuracy": hits[2] / counts[2] if counts[2] else None,
            "added_interval": [float(lower[2]), float(upper[2])] if counts[2] else None,
            "beyond_noise": bool(gain > 0 and (clearly_below or added_clearly_at_target))}


def area_under_risk_coverage(confidences, correct) -> float | None:
    """AURC: sum over distinct thresholds of risk x the coverage that threshold adds (None when N == 0)."""
    return _aurc_of(risk_coverage(confidences, correct))


def _aurc_of(curve: tuple) -> float | None:
    _, accepted, hits, n = curve
    if not accepted.size:
        return None
    added = np.diff(accepted, prepend=0) / n
    return float(np.dot(1.0 - hits / accepted, added))


def curve_points(confidences, correct, max_points: int = CURVE_POINTS, keep=None) -> list[dict]:
    """At most ``max_points`` points of the risk-coverage curve, highest threshold first.

    Points are picked evenly in coverage (the first and last always, plus the point at
    threshold ``keep`` when given), each ``{"threshold", "coverage", "accuracy"}``.
    """
    return _points_of(risk_coverage(confidences, correct), max_points, keep)


def _points_of(curve: tuple, max_points: int = CURVE_POINTS, keep=None) -> list[dict]:
    thresholds, accepted, hits, n = curve
    if not accepted.size:
        return []
    coverage = accepted / n
    wanted = np.linspace(coverage[0], coverage[-1], max(2, int(max_points)))
    picks = set(np.searchsorted(coverage, wanted, side="left").clip(0, coverage.size - 1).tolist())
    if keep is not None:
        picks.update(np.flatnonzero(thresholds == keep).tolist())
    return [{"threshold": float(thresholds[i]), "coverage": float(coverage[i]), "accuracy": float(hits[i] / accepted[i])}
            for i in sorted(picks)]


def selective_summary(confidences, correct, target_accuracy: float, max_points: int = CURVE_POINTS) -> dict:
    """Section 8's ``selective`` plus ``at_face_value``, ``aurc`` and the thinned ``curve``."""
    curve = risk_coverage(confidences, correct)  # one sort serves all three
    result = _selective_of(curve, target_accuracy)
    result["at_face_value"] = at_face_value(confidences, correct, target_accuracy)
    result["aurc"] = _aurc_of(curve)
    result["curve"] = _points_of(curve, max_points, keep=result["threshold"])
    return result
