"""The assessment: what ``advisor assess --format json`` prints, as a typed model.

The engine builds a plain dict and hands it to :meth:`Assessment.from_engine`, which
validates it against these models (an unknown key is a programming error, found by the
tests) and returns the JSON-ready dict. The reports read the typed :class:`Assessment`.
``advisor schema --assessment`` prints the JSON Schema (every field described); the
committed copy ``examples/advisor-assessment.schema.json`` is checked for staleness.

Adding a field to the JSON output
---------------------------------
1. Add it to the model below (the measured calibration evidence lives in
   :mod:`advisor.measured_model`), with a ``description`` (use :func:`advisor.field.described`). Give it a default (usually
   ``None``) when older assessments (saved JSON read by ``advisor diff``, hand-written
   test fixtures) do not have it; a key the engine does not emit is left out of the JSON
   (``exclude_unset``), so adding an optional field never changes existing output.
2. Emit it from the engine (or wherever the dict is built).
3. Run ``python examples/render_all.py`` to refresh the committed schema.
Numbers that can be integers or floats use :data:`Number`, which keeps the type the
engine gave (``1`` stays ``1``, ``1.0`` stays ``1.0``): the output stays byte-identical.
"""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field

from advisor.field import Interval, JsonValue, Model, Number, StrategyId, described
from advisor.measured_model import Calibration, Measured

__all__ = ["Assessment", "Calibration", "Interval", "JsonValue", "Measured", "Model", "Number", "StrategyId",
           "described", "json_schema"]

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
        "coverage_after_calibration minus coverage_at_target (both best thresholds in hindsight; temperature "
        "scaling keeps the order of the confidences within a fold, so this is mostly fold noise).", None)
    face_value_coverage_gain: float | None = described(
        "Share of rows a router trusting the confidence (accepting confidence >= target) automates at the target: "
        "after cross-fitted temperature scaling minus today. Today's share counts unless its accepted rows are "
        "clearly below the target (upper end of their 95% Wilson interval below it); after calibration the "
        "accepted rows must reach the target.", None)
    face_value_gain_beyond_noise: bool | None = described(
        "face_value_coverage_gain is positive and shown by the data: today's accepted rows are clearly below "
        "the target, or the rows calibration newly accepts have a 95% Wilson lower end at or above the target.",
        None)


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
    rivals_blocked: bool = described(
        "The primary holds and every other strategy is gated or vetoed at that score: no score change alone "
        "can hand one of them the lead, only meeting its rule's condition can.", default=False)


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
    warnings: list[str] = described(
        "Warnings raised by the rubric's rules, then those about the measurement itself "
        "(such as the NLL rising after temperature scaling).", [])
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
