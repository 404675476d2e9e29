"""The assessment: what ``advisor assess --format json`` prints, as a typed model.

The engine builds a plain dict and hands it to :meth:`Assessment.from_engine`, which
validates it against these models (an unknown key is a programming error, found by the
tests) and returns the JSON-ready dict. The reports read the typed :class:`Assessment`.
``advisor schema --assessment`` prints the JSON Schema (every field described); the
committed copy ``examples/advisor-assessment.schema.json`` is checked for staleness.

Adding a field to the JSON output
---------------------------------
1. Add it to the model below, with a ``description``. Give it a default (usually
   ``None``) when older assessments (saved JSON read by ``advisor diff``, hand-written
   test fixtures) do not have it; a key the engine does not emit is left out of the JSON
   (``exclude_unset``), so adding an optional field never changes existing output.
2. Emit it from the engine (or wherever the dict is built).
3. Run ``python examples/render_all.py`` to refresh the committed schema.
Numbers that can be integers or floats use :data:`Number`, which keeps the type the
engine gave (``1`` stays ``1``, ``1.0`` stays ``1.0``): the output stays byte-identical.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema

# An int stays an int and a float a float (smart union), so output never changes type.
Number = Annotated[int | float, WithJsonSchema({"type": "number"})]
Interval = Annotated[list[float], Field(min_length=2, max_length=2)]
JsonValue = Annotated[Any, WithJsonSchema({})]
StrategyId = str  # the four ids of the interface, or a custom rubric's ids


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def described(description: str, default: Any = ..., **kwargs) -> Any:
    return Field(default, description=description, **kwargs)


# --- recommendation -----------------------------------------------------------------------


class Recommendation(Model):
    primary: StrategyId = described("The one strategy to pursue now (rank 1).")
    companions: list[StrategyId] = described(
        "Strategies to add after or alongside the primary, in rank order; never contains the primary.")
    summary: str = described("The recommendation in a few sentences of plain text.")
    reason: str | None = described(
        "Rationale of the rule that raised the primary's score the most; null when no rule favours it.", None)
    provisional: bool = described(
        "True when the rubric's readiness condition holds: the answer stands only once the first steps are done.",
        False)
    margin: Number = described(
        "Primary's score minus the runner-up's (in rank order); negative when a blocked rival scores higher.", 0.0)
    first_steps: list[str] = described(
        "What to do first: the readiness steps when provisional, then the primary's own steps.", [])
    change_needed: bool | None = described(
        "False when measured evidence shows the targets are met and nothing in the profile calls for a change "
        "(the summary then says to keep the current approach); absent from older assessments.", None)
    close_call: bool | None = described(
        "True when the answer needs human review: a small margin, a flip under one notch of any dimension, or a "
        "primary that too few perturbed trials keep (see `close_call_reasons`); absent from older assessments.",
        None)
    close_call_reasons: list[str] | None = described(
        "Why it is a close call, one sentence each (empty when it is not); absent from older assessments.", None)


# --- strategies, dimensions, rules --------------------------------------------------------


class Contribution(Model):
    source: Literal["base", "dimension", "rule"] = described(
        "What the points come from: the strategy's base score, a dimension weight, or a rule's adjustment.")
    id: str = described("`base`, the dimension id, or the rule id.")
    value: Number = described("Points added to the strategy's score (negative lowers it).")
    detail: str | None = described("How the points were computed, or the rule's rationale.", None)


class Strategy(Model):
    id: StrategyId = described("Strategy id.")
    name: str = described("The rubric's display name.")
    score: Number = described("Total score; higher is better.")
    rank: int = described("1 = primary. Gated or vetoed strategies rank below every eligible one.")
    status: Literal["eligible", "gated", "vetoed"] = described(
        "`gated`: a `require` rule blocks it until its prerequisites are met; `vetoed`: a rule rules it out.",
        "eligible")
    blocked_by: list[str] = described("Ids of the rules that gate or veto it.", [])
    purpose: str | None = described("What the strategy is for, from the rubric.", None)
    indices: dict[str, int] = described(
        "The decision guide's directional indices (0-100, planning values, not measurements).", {})
    indices_note: str | None = described("Where the indices come from when not from the decision guide.", None)
    contributions: list[Contribution] = described("How the score is built: base, dimension weights, rules.", [])


class Dimension(Model):
    id: str = described("Dimension id (`quality_gap`, `data_readiness`, ...).")
    name: str = described("The rubric's display name.")
    score: int = described("Score used by the decision, 0-5 (the self-score, unless measured evidence changed it).")
    level: str = described("The rubric's description of this score's level.")
    self_score: int = described("The score the profile gave.")
    adjusted_by_evidence: bool = described(
        "True when measured evidence changed the score: raised by a shortfall, or capped because the target is met.")


class FiredEffect(Model):
    id: str = described("Rule id.")
    effect: Literal["adjust", "veto", "gate", "companion", "warning"] = described(
        "Kind of effect: `adjust` the score, `veto` the strategy, `gate` it until the condition clears, "
        "add it as a `companion`, or raise a `warning`.")
    target: StrategyId | None = described("The strategy the effect applies to (null for `warning`).", None)
    amount: Number | None = described("Points added for `adjust`; null otherwise.", None)
    rationale: str = described("Why the rule exists, from the rubric.")
    source: str = described("Where the rule's reasoning comes from.")
    text: str | None = described("The text of a `warning` effect.", None)


# --- calibration evidence -----------------------------------------------------------------


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


class AfterCalibration(Model):
    method: str = described("The calibration applied (cross-fitted temperature scaling).")
    folds: int | None = described("Cross-fitting folds.", None)
    threshold: float | None = described("The best threshold on the calibrated confidences; null when none.", None)
    coverage: float | None = described("Coverage at the target after calibration; null when not run.", None)
    accuracy: float | None = described("Accuracy of the accepted rows.", None)
    at_face_value: Coverage | None = described("Accepting calibrated confidence >= target.", None)
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


class Metrics(Model):
    """The values rubric rules can test (``metric:`` leaves); null where nothing is known."""

    evidence: Literal["measured", "claimed", "none"] = described("Where the numbers come from.")
    accuracy: float | None = described("Measured accuracy, else the claimed one.", None)
    ece: float | None = described("Measured ECE, else the claimed one.", None)
    target_accuracy: float | None = described("The profile's target accuracy.", None)
    target_ece: float | None = described("The profile's target ECE.", None)
    accuracy_shortfall: float | None = described("Target accuracy minus accuracy, 0 when met.", None)
    accuracy_meets_target: bool | None = described("Accuracy is at least the target.", None)
    ece_above_target: bool | None = described("ECE is above the target.", None)
    miscalibration_significant: bool | None = described("Measured only: p < 0.05.", None)
    ece_after_temperature: float | None = described("Measured only: ECE after temperature scaling.", None)
    calibration_fixable: bool | None = described("Measured only: temperature scaling reaches the target.", None)
    claims_contradicted: bool | None = described("Measured only: a claim lies outside the 95% interval.", None)
    quality_gap_contradicted: bool | None = described(
        "Measured accuracy misses the target although quality_gap is scored 0 or 1.", None)
    quality_gap_overstated: bool | None = described(
        "Measured accuracy meets the target although quality_gap is scored 2 or more (the decision caps it at 1).",
        None)
    cheapest_over_horizon: StrategyId | None = described(
        "Economics: lowest total over the horizon at both ends, among at least two priced strategies.", None)
    cheapest_meeting_target: StrategyId | None = described(
        "Economics: the same, among the strategies whose success rate reaches the target accuracy.", None)
    clearly_costlier: list[StrategyId] | None = described(
        "Economics: strategies whose low-end total is above an alternative's high end (null without economics).",
        None)
    worst_segment_accuracy: float | None = described(
        "Measured: accuracy of the worst segment with enough rows to rank.", None)
    worst_segment_below_target: bool | None = described("Measured: the worst segment is below the target accuracy.",
                                                        None)
    worst_segment_clearly_below: bool | None = described(
        "Measured: the worst segment's whole 95% accuracy interval is below the target.", None)
    error_share_top_classes: float | None = described(
        "Measured class predictions: share of the errors in the top fifth of the classes.", None)
    errors_concentrated: bool | None = described(
        "Measured class predictions: the errors concentrate in a few classes (recurring failure classes).", None)
    coverage_at_target: float | None = described(
        "Measured, with a target accuracy: share of rows a confidence threshold can accept at the target.", None)
    coverage_after_calibration: float | None = described("The same after cross-fitted temperature scaling.", None)
    coverage_gain_after_calibration: float | None = described(
        "coverage_after_calibration minus coverage_at_target.", None)
    face_value_coverage_gain: float | None = described(
        "Rows accepted by trusting the confidence (at least the target) that reach the target: after "
        "calibration minus today.", None)


# --- sensitivity --------------------------------------------------------------------------


class Flip(Model):
    to: int = described("The score that changes the primary.")
    change: int = described("That score minus the current one.")
    new_primary: StrategyId = described("The primary at that score.")


class Closest(Model):
    to: int = described("The score where the decision comes closest to changing (or changes).")
    change: int = described("That score minus the current one.")
    margin: Number = described(
        "At that score: the primary's lead when it holds; minus the new primary's lead when it does not.")
    alternative: StrategyId = described("The runner-up (primary holds) or the new primary (it does not).")
    primary_holds: bool = described("The current primary stays first at that score.")


class DimensionSensitivity(Model):
    dimension: str = described("Dimension id.")
    score: int = described("Its score now.")
    flip: Flip | None = described("Smallest change that changes the primary; null when none within 0-5.")
    closest: Closest | None = described("The closest call for this dimension.", None)


class FactSensitivity(Model):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    fact: str = described("The context fact or baseline value changed.")
    from_: JsonValue = Field(alias="from", description="Its value now.")
    to: JsonValue = described("The value that changes the outcome.")
    new_primary: StrategyId = described("The primary after the change.")
    new_companions: list[StrategyId] = described("The companions after the change.")
    changes: Literal["primary", "companions"] = described("What the change alters.")


class WeightPerturbation(Model):
    trials: int = described("Random trials.")
    relative: float = described(
        "Each weight, rule amount, fact or metric threshold and time to production is multiplied by a factor in "
        "[1 - relative, 1 + relative]; a dimension threshold moves by up to `relative` of the 0-5 scale.")
    seed: int = described("Seed of the trials.")
    varies: list[str] | None = described(
        "What the trials vary: weights, rule amounts, thresholds; absent from older assessments (weights only).",
        None)
    primary_survival: float = described("Share of trials in which the primary stays first.")
    alternatives: dict[str, float] = described("Share of trials each strategy wins.")


# --- plan and inputs ----------------------------------------------------------------------


class Weeks(Model):
    low: Number = described("Early end, in weeks from today's plan.")
    high: Number = described("Late end, in weeks from today's plan.")


FITS = Literal["fits", "at_risk", "cannot_fit"]


class Phase(Model):
    id: Literal["eval_set", "pilot", "canary", "full_rollout"] = described(
        "`eval_set` (built first when the profile does not say one exists), `pilot`, `canary`, `full_rollout`.")
    name: str = described("The phase's name as the report shows it.")
    weeks: Weeks | None = described(
        "How long it takes: the eval set per the rubric's `rollout_phases`; the others, the strategy's time to "
        "production split by the rubric's shares. Null when the rubric gives no duration.")
    start: Weeks | None = described("When it starts, in weeks from today; null after a phase of unknown length.")
    end: Weeks | None = described("When it ends, in weeks from today; null after a phase of unknown length.")
    fits: FITS | None = described(
        "Against `context.launch_weeks`: `fits` (even the late end is in time), `at_risk` (only the early end is), "
        "`cannot_fit` (even the early end is late); null without a launch date or a duration.")


class Stage(Model):
    stage: int = described("1 = now.")
    strategy: StrategyId = described("The strategy of this stage.")
    when: str = described("When to start it.")
    actions: list[str] = described("What to do.")
    start: Weeks | None = described("When the stage starts, in weeks from today's plan.", None)
    end: Weeks | None = described("When its full rollout ends, in weeks from today's plan.", None)
    fits: FITS | None = described("Its end against `context.launch_weeks` (see `phases[].fits`).", None)
    phases: list[Phase] = described("Eval set (stage 1 only, when needed), pilot, canary, full rollout.", [])


class FlaggedPhase(Model):
    stage: int = described("The roadmap stage (1 = the primary).")
    strategy: StrategyId = described("Its strategy.")
    phase: str = described("The phase id.")
    fits: Literal["at_risk", "cannot_fit"] = described("Why it is flagged.")


class Launch(Model):
    """The roadmap against the launch date (relative weeks only: the same inputs give the same plan)."""

    launch_weeks: int | None = described("`context.launch_weeks`: weeks until production is needed.")
    production: Weeks | None = described("When the primary is fully rolled out, in weeks from today's plan.")
    fits: FITS | None = described("Whether that is in time; null without a launch date or a duration.")
    flagged: list[FlaggedPhase] = described("Every phase that cannot fit or may not, in plan order.", [])
    missing: list[str] = described("Rubric fields whose durations are missing (those phases have no weeks).", [])


# --- economics (interface section 7) ------------------------------------------------------


class Span(Model):
    """Both ends of a figure: `low` takes the low end of every cost and the high end of the success rate."""

    low: Number | None = described("Low end; null when it cannot be computed.")
    high: Number | None = described("High end; null when it cannot be computed.")


class CostInputs(Model):
    build: Span | None = described("One-off cost, as given; null when not given.")
    monthly: Span | None = described("Fixed cost per month, as given.")
    per_request: Span | None = described("Marginal cost of one request, as given.")
    success_rate: Span | None = described("Share of successful outcomes, as given or defaulted (see `defaults`).")


class Components(Model):
    build: Span = described("b: the one-off cost.")
    running: Span = described("H·m: fixed monthly costs over the horizon.")
    requests: Span = described("H·V·r: per-request costs over the horizon.")
    errors: Span = described("H·V·(1 - s)·e: the downstream cost of wrong outcomes (0 without `cost_per_error`).")


class StrategyCosts(Model):
    id: StrategyId = described("Strategy id.")
    inputs: CostInputs = described("The figures used.")
    success_rate_source: Literal["profile", "measured"] | None = described(
        "`profile`: given; `measured`: the measured accuracy (see `defaults`); null: unknown.")
    components: Components = described("The four terms of the total.")
    total: Span = described("b + H·m + H·V·r + H·V·(1 - s)·e; null ends when a term is missing.")
    per_successful_outcome: Span = described(
        "(b + H·m + H·V·r) / (H·V·s); null ends when a figure is missing, the volume or the success rate is 0.")
    meets_target: bool | None = described(
        "The low end of the success rate reaches `baseline.target_accuracy` (false: even the high end misses it; "
        "null: unknown or the range straddles the target).")
    missing: list[str] = described("Fields that would complete this strategy's figures.")
    notes: list[str] = described("Why a figure is empty although nothing is missing, or contradicts evidence.")


class BreakEvenEnd(Model):
    monthly_volume: Number | None = described(
        "The monthly volume at which the two totals are equal; null when they do not cross at a positive volume.")
    cheaper_below: StrategyId | None = described("The cheaper strategy below that volume (or at every volume).")
    cheaper_above: StrategyId | None = described("The cheaper strategy above it (or at every volume).")


class BreakEven(Model):
    strategies: list[StrategyId] = described("The pair compared.")
    low: BreakEvenEnd = described("Low ends against low ends.")
    high: BreakEvenEnd = described("High ends against high ends.")


class Default(Model):
    field: str = described("The profile field that was not given.")
    value: JsonValue = described("The value used instead.")
    reason: str = described("Why that value.")


class Economics(Model):
    """Money per strategy over the horizon (README, "Economics"); null without an `economics` section."""

    currency: str = described("A label for the amounts; nothing is converted.")
    horizon_months: int = described("H: months covered (default 12).")
    monthly_volume: Number | None = described("V: `context.monthly_volume`.")
    cost_per_error: Span | None = described("e: cost of one wrong outcome; null when not given (then 0).")
    target_accuracy: float | None = described("`baseline.target_accuracy`, which `meets_target` compares with.")
    strategies: list[StrategyCosts] = described("One entry per strategy given, in the interface's order.")
    break_even: list[BreakEven] = described("For each pair whose totals can be computed without the volume.")
    cheapest: StrategyId | None = described(
        "Lowest total at both ends among at least two priced strategies; null when the ends disagree.")
    cheapest_meeting_target: StrategyId | None = described("The same, among those that meet the target.")
    clearly_costlier: list[StrategyId] = described(
        "Strategies whose low end costs more than the high end of an alternative that meets the target "
        "(or, with no target, when wrong outcomes are priced in).")
    defaults: list[Default] = described("Values advisor used for fields not given, and why.")
    missing: list[str] = described("Strategies given no figures at all.")


class Tracked(Model):
    name: str = described("Metric name.")
    why: str = described("Why it matters.")


class BaselineInput(Model):
    accuracy: float | None = described("Claimed baseline accuracy.", None)
    ece: float | None = described("Claimed baseline ECE.", None)
    target_accuracy: float | None = described("Target accuracy.", None)
    target_ece: float | None = described("Target ECE.", None)
    predictions: str | None = described("The attached predictions file, relative to the profile's folder.", None)


class ProfileInput(Model):
    name: str = described("Project name.")
    summary: str | None = described("Project summary.", None)
    path: str | None = described("The profile file as given on the command line.", None)
    sha256: str | None = described("SHA-256 of the profile file.", None)
    context: dict[str, JsonValue] | None = described(
        "Every context fact as the profile gives it (null: unknown, so no rule fires on it).", None)
    baseline: BaselineInput | None = described("The profile's baseline section as given; null without one.", None)


class RubricInput(Model):
    name: str = described("Rubric name.")
    version: str = described("Rubric version.")
    path: str | None = described("The rubric file (`rubrics/default.yaml` for the built-in default).", None)
    sha256: str | None = described("SHA-256 of the rubric file.", None)
    builtin: bool | None = described("True for the rubric shipped with advisor (no `--rubric`).", None)


class PredictionsInput(Model):
    path: str = described("The predictions file, relative to the profile's folder.")
    sha256: str = described("SHA-256 of the file.")


class Inputs(Model):
    profile: ProfileInput = described("The profile.")
    rubric: RubricInput = described("The rubric.")
    predictions: PredictionsInput | None = described("The attached predictions, if any.", None)


# --- the whole ----------------------------------------------------------------------------


class Assessment(Model):
    """An advisor assessment (``advisor assess --format json``)."""

    advisor_version: str | None = described("advisor version that produced it.", None)
    recommendation: Recommendation = described("The decision.")
    strategies: list[Strategy] = described("All strategies, best first.")
    dimensions: list[Dimension] = described("The six dimensions as used by the decision.", [])
    rules: list[FiredEffect] = described("Effects of the rules that fired, one entry per effect, in firing order.",
                                         [])
    calibration: Calibration | None = described("Null when the profile attaches no predictions.", None)
    metrics: Metrics | None = described("The values rubric rules can test.", None)
    sensitivity: list[DimensionSensitivity] = described("Per dimension: the flip and the closest call.", [])
    fact_sensitivity: list[FactSensitivity] = described(
        "Single changes of a fact or of the evidence that alter the outcome.", [])
    what_would_change: list[str] = described("The same, in sentences, most relevant first.", [])
    weight_perturbation: WeightPerturbation | None = described(
        "How robust the primary is to random changes of the rubric's weights, rule amounts and thresholds.", None)
    roadmap: list[Stage] = described("Staged plan: the primary now, then the companions.", [])
    launch: Launch | None = described("The roadmap's weeks against `context.launch_weeks`.", None)
    economics: Economics | None = described(
        "Money per strategy over the horizon; null when the profile has no `economics` section.", None)
    metrics_to_track: list[Tracked] = described("What to measure in production.", [])
    rollout_gates: list[str] = described("Rollout gates and rollback thresholds.", [])
    warnings: list[str] = described("Warnings raised by the rubric's rules.", [])
    inputs: Inputs = described("What the assessment was made from, with checksums.")

    @classmethod
    def from_engine(cls, data: dict) -> dict:
        """Validate the engine's dict and return what ``--format json`` prints."""
        return cls.model_validate(data).to_json_dict()

    @classmethod
    def coerce(cls, data: Assessment | dict) -> Assessment:
        return data if isinstance(data, Assessment) else cls.model_validate(data)

    def to_json_dict(self) -> dict:
        # exclude_unset: a field the producer did not emit stays out of the JSON.
        return self.model_dump(mode="json", by_alias=True, exclude_unset=True)

    def strategy(self, strategy_id: str) -> Strategy | None:
        return next((s for s in self.strategies if s.id == strategy_id), None)


def json_schema() -> dict:
    """JSON Schema of the assessment, every field described."""
    schema = Assessment.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "advisor assessment (advisor assess --format json)"
    return schema
