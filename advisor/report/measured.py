"""The measured evidence in a reader's words: reliability bins, the secondary measures, what
post-hoc calibration would fix, segments, selective prediction and where the errors are."""

from __future__ import annotations

from dataclasses import dataclass

from advisor.assessment import Assessment, Measured
from advisor.calibration.interval import THIN_COUNT
from advisor.report.wording import sentence


@dataclass
class BinRow:
    lower: float
    upper: float
    count: int
    confidence: float
    accuracy: float
    gap: float
    thin: bool
    interval: str   # the 95% Wilson interval of the bin's accuracy, "n/a" when not measured


def reliability_rows(a: Assessment) -> list[BinRow]:
    """Non-empty reliability bins, each with its gap and whether it is too thin to weigh much."""
    if a.calibration is None:
        return []
    rows = []
    for b in a.calibration.measured.bins:
        if not b.count or b.confidence is None or b.accuracy is None:
            continue
        thin = b.thin if b.thin is not None else b.count < THIN_COUNT
        rows.append(BinRow(b.lower, b.upper, b.count, b.confidence, b.accuracy, b.accuracy - b.confidence, thin,
                           span(b.accuracy_interval)))
    return rows


def more_measures(a: Assessment) -> list[tuple[str, float | None, int]]:
    """(name, value, digits) of the secondary calibration measures that were computed."""
    if a.calibration is None:
        return []
    m = a.calibration.measured
    rows = [("MCE (largest bin gap)", m.mce, 4), ("NLL", m.nll, 4), ("Brier score", m.brier, 4),
            ("Fitted temperature (minimizes the NLL before its eps clip)", m.temperature, 3), ("ECE, equal-mass bins", m.ece_mass, 4),
            ("Class-wise ECE", m.classwise_ece, 4), ("Positive-class ECE (binary)", m.binary_positive_ece, 4),
            ("Debiased L2 calibration error", m.debiased_l2_error, 4)]
    return [row for row in rows if row[1] is not None]


POST_METHODS = (("before", "None (as measured)"), ("temperature", "Temperature scaling"),
                ("platt", "Platt scaling"), ("isotonic", "Isotonic regression"))


def post_rows(a: Assessment) -> list[tuple[str, object]]:
    if a.calibration is None or a.calibration.measured.post_calibration is None:
        return []
    post = a.calibration.measured.post_calibration
    if post.temperature is None and post.platt is None and post.isotonic is None:
        return []
    return [(name, getattr(post, key)) for key, name in POST_METHODS if getattr(post, key) is not None]


def measured_of(a: Assessment) -> Measured | None:
    return a.calibration.measured if a.calibration is not None else None


def span(pair) -> str:
    return f"{pair[0]:.3f}-{pair[1]:.3f}" if pair else "n/a"


@dataclass
class SegmentRow:
    name: str
    n_samples: int
    accuracy: float
    interval: str
    ece: float
    ece_interval: str
    noise_floor: float | None   # the ECE a perfectly calibrated model of the segment's size shows
    note: str


def segment_rows(a: Assessment) -> list[SegmentRow]:
    m = measured_of(a)
    if m is None or not m.segments:
        return []
    rows = []
    for s in m.segments:
        note = "too few rows to rank" if s.small else ("below the target" if s.below_target else "")
        rows.append(SegmentRow(s.name, s.n_samples, s.accuracy, span(s.accuracy_interval), s.ece,
                               span(s.ece_interval), s.ece_if_calibrated, note))
    return rows


def segment_sentence(a: Assessment) -> str | None:
    """The worst segment and how the errors concentrate, in one or two sentences."""
    m = measured_of(a)
    if m is None or m.segment_summary is None or m.segment_summary.worst is None:
        return None
    summary, worst = m.segment_summary, m.segment_summary.worst
    text = (f"The weakest of {summary.n_segments} segments is '{worst.name}': accuracy {worst.accuracy:.3f} "
            f"(95% interval {span(worst.accuracy_interval)}) on {worst.n_samples} rows")
    if worst.target_accuracy is not None:
        verdict = ("clearly below" if worst.clearly_below else "below" if worst.below_target else "at or above")
        text += f", {verdict} the target {worst.target_accuracy:.3f}"
    text = sentence(text)
    share = summary.worst_share
    if share is not None:
        which = "worst segment holds" if share.count == 1 else f"worst {share.count} segments hold"
        text += (f" The {which} {100 * share.error_share:.0f}% of the errors with {100 * share.row_share:.0f}% "
                 f"of the rows.")
    return text


def segment_risk(a: Assessment) -> tuple[bool, str] | None:
    """(clearly, sentence) when the worst segment misses the target accuracy."""
    m = measured_of(a)
    worst = m.segment_summary.worst if m is not None and m.segment_summary is not None else None
    if worst is None or not worst.below_target or worst.target_accuracy is None:
        return None
    how = "clearly misses" if worst.clearly_below else "may miss"
    return bool(worst.clearly_below), sentence(
        f"Segment '{worst.name}' {how} the target accuracy: {worst.accuracy:.3f} (95% interval "
        f"{span(worst.accuracy_interval)}) against {worst.target_accuracy:.3f}, although the overall figure "
        f"may meet it")


def selective_sentence(a: Assessment) -> str | None:
    """What accepting only confident predictions gives at the target accuracy."""
    m = measured_of(a)
    sel = m.selective if m is not None else None
    if sel is None:
        return None
    if sel.threshold is None:
        return sentence(f"No confidence threshold reaches the target accuracy {sel.target_accuracy:.3f} on the "
                        f"accepted predictions")
    if sel.coverage >= 1:
        text = (f"All predictions together already reach the target accuracy {sel.target_accuracy:.3f} "
                f"(accuracy {sel.accuracy:.3f}), so none need to go to review to meet it")
    else:
        text = (f"At the target accuracy {sel.target_accuracy:.3f}, accepting predictions with confidence of at "
                f"least {sel.threshold:.3f} keeps {100 * sel.coverage:.1f}% of them at accuracy "
                f"{sel.accuracy:.3f}; the rest go to review")
    after = sel.after_calibration
    if after is not None and after.coverage is not None and after.accuracy is not None and after.coverage < 1:
        text += (f". After {after.method} scaling (cross-fitted) the best threshold keeps "
                 f"{100 * after.coverage:.1f}% at accuracy {after.accuracy:.3f}")
    elif after is not None and after.threshold is None and after.coverage is not None:
        text += f". After {after.method} scaling (cross-fitted) no threshold reaches the target either"
    face = sel.at_face_value
    if face is not None:
        text += (f". Taking the confidences at face value (accepting confidence of at least "
                 f"{sel.target_accuracy:.3f}) would keep {_kept(face, sel.target_accuracy)}")
        if after is not None and after.at_face_value is not None:
            text += f"; after {after.method} scaling, {_kept(after.at_face_value, sel.target_accuracy)}"
    return sentence(text)


def _kept(share, target: float) -> str:
    """"80.7% at accuracy 0.888, below the target": a coverage with the accuracy it reaches."""
    if share.accuracy is None:
        return f"{100 * share.coverage:.1f}% (no rows accepted)"
    verdict = "meeting the target" if share.accuracy >= target else "below the target"
    return f"{100 * share.coverage:.1f}% at accuracy {share.accuracy:.3f}, {verdict}"


def concentration_sentence(a: Assessment) -> str | None:
    m = measured_of(a)
    found = m.error_concentration if m is not None else None
    if found is None:
        return None
    classes, pairs = found.top_classes, found.top_pairs
    text = (f"Of {found.n_errors} errors, {100 * classes.error_share:.0f}% fall in the {classes.count} class"
            f"{'es' if classes.count != 1 else ''} with the most errors "
            f"({', '.join(str(c.label) for c in classes.classes[:classes.count])}), which hold "
            f"{100 * classes.row_share:.0f}% of the rows")
    if pairs.pairs:
        top = pairs.pairs[0]
        text += (f"; the most frequent confusion is {top.label} read as {top.predicted} "
                 f"({100 * top.share:.0f}% of the errors)")
    return sentence(text)


def measurement_notes(a: Assessment) -> list[str]:
    """What the measurement skipped or could not count (rows without a confidence, fewer folds,
    a calibrator left out), each once, as sentences; the templates escape them like any file text."""
    m = measured_of(a)
    if m is None:
        return []
    found = list(m.notes)
    if m.post_calibration is not None:
        found += m.post_calibration.notes
    after = m.selective.after_calibration if m.selective is not None else None
    if after is not None:
        found += after.notes  # often the post-calibration notes again: said once below
    return [sentence(note) for note in dict.fromkeys(found)]
