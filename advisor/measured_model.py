"""The measured calibration evidence of an assessment (``calibration`` in ``assess --format
json``), as typed models: bins, intervals, the significance test, post-hoc calibration,
segments, error concentration and selective prediction (README, "Metric definitions" and
"Evaluation records, segments and routing"). Adding a field: see :mod:`advisor.assessment`.
"""

from __future__ import annotations

from typing import Literal

from advisor.field import Interval, Model, Number, described


class Bin(Model):
    lower: float = described("Lower edge of the confidence bin (exclusive, except 0).")
    upper: float = described("Upper edge (inclusive).")
    count: int = described("Predictions whose confidence falls in the bin.")
    confidence: float | None = described("Mean confidence in the bin; null when empty.", None)
    accuracy: float | None = described("Share of correct predictions in the bin; null when empty.", None)
    accuracy_interval: Interval | None = described(
        "95% Wilson interval of the bin's accuracy; null when empty.", None)
    thin: bool | None = described("Fewer than 10 predictions: the bin's accuracy is too uncertain to weigh.", None)


class Intervals(Model):
    level: float | None = described("Confidence level of the intervals (0.95).", None)
    n_resamples: int | None = described("Bootstrap resamples (0 = skipped).", None)
    seed: int | None = described("Seed of the resampling.", None)
    accuracy: Interval | None = described("[low, high] of accuracy; null when skipped.", None)
    ece: Interval | None = described("[low, high] of ECE; null when skipped.", None)
    scheme: str | None = described("Binning of the resampled ECE (`width` or `mass`).", None)
    draws: str | None = described(
        "How resamples were drawn: `rows` (row by row) or `cells` (on per-bin sufficient statistics, large inputs).",
        None)


class Significance(Model):
    method: str | None = described("How the p-value was found (consistency resampling).", None)
    n_resamples: int | None = described("Resamples (0 = skipped).", None)
    seed: int | None = described("Seed of the resampling.", None)
    p_value: float | None = described(
        "Probability that a perfectly calibrated model with these confidences shows an ECE at least this large.", None)
    ece_if_calibrated: float | None = described(
        "Mean ECE of a perfectly calibrated model with these confidences: the noise floor.", None)
    ece_if_calibrated_95: float | None = described("95th percentile of that noise.", None)
    scheme: str | None = described("Binning used (`width` or `mass`).", None)
    draws: str | None = described(
        "How resamples were drawn: `rows` (row by row) or `cells` (on per-bin sufficient statistics, large inputs).",
        None)


class MethodResult(Model):
    ece: float | None = described("Cross-fitted ECE.", None)
    nll: float | None = described("Cross-fitted negative log-likelihood.", None)
    brier: float | None = described("Cross-fitted Brier score.", None)
    accuracy: float | None = described("Cross-fitted accuracy.", None)
    top_label_brier: float | None = described(
        "Cross-fitted mean (confidence - correct)^2 (records of confidence and correct).", None)


class PostCalibration(Model):
    folds: int | None = described("Cross-fitting folds (below 2: skipped, see notes).", None)
    seed: int | None = described("Seed of the fold assignment.", None)
    before: MethodResult | None = described("The predictions as measured.", None)
    temperature: MethodResult | None = described("After temperature scaling.", None)
    platt: MethodResult | None = described("After Platt scaling (binary tasks only).", None)
    isotonic: MethodResult | None = described("After isotonic regression.", None)
    notes: list[str] = described("What was skipped and why.", [])


class Segment(Model):
    name: str = described("The segment's name (an integer segment as its decimal text).")
    n_samples: int = described("Rows of the segment.")
    errors: int | None = described("Wrong rows of the segment.", None)
    accuracy: float = described("Share of correct rows.")
    accuracy_interval: Interval | None = described("95% Wilson interval of the accuracy.", None)
    ece: float = described("ECE of the segment's rows, with the same equal-width bins.")
    ece_interval: Interval | None = described(
        "95% bootstrap interval of the binned ECE at this segment's size; null when skipped.", None)
    ece_if_calibrated: float | None = described(
        "Mean ECE of a perfectly calibrated model with these confidences: the segment's noise floor.", None)
    small: bool | None = described("Too few rows to rank (flagged, never called the worst).", None)
    below_target: bool | None = described("Accuracy below the target accuracy; null without a target.", None)


class WorstSegment(Model):
    name: str = described("The ranked segment with the lowest accuracy.")
    n_samples: int = described("Its rows.")
    accuracy: float = described("Its accuracy.")
    accuracy_interval: Interval | None = described("95% Wilson interval of its accuracy.", None)
    target_accuracy: float | None = described("The target accuracy, if any.", None)
    below_target: bool | None = described("Its accuracy is below the target.", None)
    clearly_below: bool | None = described("Its whole accuracy interval lies below the target.", None)


class WorstShare(Model):
    segments: list[str] = described("The worst fifth of the ranked segments (at least one).")
    count: int = described("How many segments that is.")
    error_share: float = described("Share of all errors in them.")
    row_share: float = described("Share of all rows in them.")


class SegmentSummary(Model):
    min_samples: int = described("Segments with fewer rows are small: flagged, not ranked.")
    n_segments: int = described("Number of segments.")
    n_small: int = described("Number of small segments.")
    worst: WorstSegment | None = described("The worst ranked segment; null when all are small.", None)
    worst_share: WorstShare | None = described(
        "How the errors concentrate in the worst segments; null with fewer than two ranked segments.", None)


class ClassErrors(Model):
    label: int = described("True class.")
    errors: int = described("Wrong predictions of that class.")
    rows: int = described("Rows of that class.")
    error_rate: float = described("errors / rows.")
    share: float = described("Share of all errors.")


class TopClasses(Model):
    count: int = described("The top ceil(K/5) classes by errors, at least one.")
    error_share: float = described("Share of all errors in them.")
    row_share: float = described("Share of all rows in them.")
    classes: list[ClassErrors] = described("The classes with the most errors (at most five).")


class ConfusionPair(Model):
    label: int = described("True class.")
    predicted: int = described("Predicted class.")
    errors: int = described("How often.")
    share: float = described("Share of all errors.")


class TopPairs(Model):
    count: int = described("The top ceil(K/5) confusion pairs.")
    error_share: float = described("Share of all errors in them.")
    pairs: list[ConfusionPair] = described("The most frequent confusions (at most five).")


class ErrorConcentration(Model):
    n_errors: int = described("Wrong predictions.")
    top_classes: TopClasses = described("Errors by true class.")
    top_pairs: TopPairs = described("Errors by (true, predicted) pair.")


class Coverage(Model):
    coverage: float = described("Share of rows accepted.")
    accuracy: float | None = described("Accuracy of the accepted rows; null when none.", None)


class CurvePoint(Model):
    threshold: float = described("Accept rows with confidence at least this.")
    coverage: float = described("Share of rows accepted.")
    accuracy: float = described("Their accuracy.")


class FaceValueGain(Model):
    """What cross-fitted calibration buys a router that accepts confidence >= the target
    (README, "Evaluation records, segments and routing")."""

    usable_today: float = described(
        "Share accepted today at face value; 0 when those rows are clearly below the target.")
    usable_after: float = described(
        "Share accepted at face value after calibration; 0 when those rows miss the target.")
    gain: float = described("usable_after minus usable_today.")
    today_clearly_below: bool = described(
        "Today's accepted rows have a 95% Wilson interval entirely below the target.")
    n_added: int = described("Rows accepted only after calibration.")
    added_accuracy: float | None = described("Their accuracy; null when there are none.", None)
    added_interval: Interval | None = described("Its 95% Wilson interval; null when there are none.", None)
    beyond_noise: bool = described(
        "The gain is positive and today's rows are clearly below the target or the added rows' interval "
        "starts at or above it.")


class AfterCalibration(Model):
    method: str = described("The calibration applied (cross-fitted temperature scaling).")
    folds: int | None = described("Cross-fitting folds.", None)
    threshold: float | None = described("The best threshold on the calibrated confidences; null when none.", None)
    coverage: float | None = described("Coverage at the target after calibration; null when not run.", None)
    accuracy: float | None = described("Accuracy of the accepted rows.", None)
    at_face_value: Coverage | None = described("Accepting calibrated confidence >= target.", None)
    face_value_gain: FaceValueGain | None = described(
        "What calibration buys a router trusting the confidence, and whether beyond noise; null when not run.", None)
    notes: list[str] = described("Why it was not run, if so.", [])


class Selective(Model):
    """Selective prediction at the target accuracy (README, "Evaluation records, segments and routing")."""

    target_accuracy: float = described("T.")
    threshold: float | None = described(
        "The distinct confidence whose accepted rows (confidence >= it) are the most with accuracy >= T; "
        "null when none qualifies.")
    coverage: Number = described("Accepted rows / all rows at that threshold; 0 when none qualifies.")
    accuracy: float | None = described("Accuracy of the accepted rows.")
    at_face_value: Coverage | None = described("What accepting confidence >= T gives.", None)
    aurc: float | None = described("Area under the risk-coverage curve.", None)
    curve: list[CurvePoint] = described("The risk-coverage curve, thinned to at most 101 points.", [])
    after_calibration: AfterCalibration | None = described(
        "The same after cross-fitted temperature scaling: what calibrating would change.", None)


class Measured(Model):
    """The measurement of the attached predictions (README, "Metric definitions", and more)."""

    source: str | None = described("The predictions file as the profile names it.", None)
    n_samples: int = described("Number of predictions.")
    n_classes: int | None = described("Number of classes; null for confidence/correct records.", None)
    input: str | None = described("What the file held: `probs`, `logits` or `confidence`.", None)
    accuracy: float = described("Share of correct predictions.")
    ece: float = described("Top-label expected calibration error, equal-width bins.")
    mce: float | None = described("Largest calibration gap of a non-empty bin.", None)
    nll: float | None = described("Mean negative log-likelihood; null without class probabilities.", None)
    brier: float | None = described("Multi-class Brier score; null without class probabilities.", None)
    temperature: float | None = described("The temperature minimising NLL; null without class probabilities.",
                                             None)
    n_bins: int | None = described("Number of bins.", None)
    scheme: str | None = described("Binning of the headline, intervals and test (`width` or `mass`).", None)
    bins: list[Bin] = described("Equal-width reliability bins.", [])
    ece_width: float | None = described("ECE with equal-width bins (same as `ece`).", None)
    ece_mass: float | None = described("ECE with equal-mass bins.", None)
    classwise_ece: float | None = described("Class-wise ECE (more than 2 classes).", None)
    debiased_l2_error: float | None = described("Debiased L2 calibration error.", None)
    binary_positive_ece: float | None = described("ECE of the positive-class probability (binary tasks).", None)
    intervals: Intervals | None = described("Bootstrap intervals of accuracy and ECE.", None)
    significance: Significance | None = described("Is the miscalibration more than noise?", None)
    post_calibration: PostCalibration | None = described(
        "What post-hoc calibration would fix, cross-fitted.", None)
    notes: list[str] = described("What was skipped and why.", [])
    mass_bins: list[Bin] | None = described("Equal-mass bins (scheme `mass` only).", None)
    mce_mass: float | None = described("MCE with equal-mass bins (scheme `mass` only).", None)
    n_without_confidence: int | None = described(
        "Records only: rows whose confidence was empty (counted, not measured).", None)
    top_label_brier: float | None = described("Mean (top-label confidence - correct)^2.", None)
    segments: list[Segment] | None = described(
        "Per segment, sorted by name as text; null when the file has no segment column.", None)
    segment_summary: SegmentSummary | None = described("The worst segment and where errors concentrate.", None)
    error_concentration: ErrorConcentration | None = described(
        "Class predictions: how the errors concentrate by class and confusion pair; null without errors.", None)
    selective: Selective | None = described("Selective prediction at the target accuracy; null without one.", None)


class Claimed(Model):
    accuracy: float | None = described("Claimed baseline accuracy.", None)
    ece: float | None = described("Claimed baseline ECE.", None)
    target_accuracy: float | None = described("Target accuracy.", None)
    target_ece: float | None = described("Target ECE (0.05 when not given).", None)


class Calibration(Model):
    measured: Measured = described("The measurement of the attached predictions.")
    claimed: Claimed = described("The profile's claimed baseline and targets.")
    findings: list[str] = described("Discrepancies between claims and evidence, and what they mean.", [])
    evidence: Literal["measured"] = described("Always `measured` here.", "measured")
    miscalibration_significant: bool | None = described("The ECE is unlikely under perfect calibration.", None)
    ece_after_temperature: float | None = described("Cross-fitted ECE after temperature scaling.", None)
