"""Monotonicity properties of the default rubric (hypothesis), on the decision itself."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from advisor import crosscheck, engine, profile, rubric

RUBRIC = rubric.load_rubric()

flags = st.one_of(st.none(), st.booleans())
contexts = st.fixed_dictionaries({
    "launch_weeks": st.one_of(st.none(), st.integers(0, 40)),
    "labeled_examples": st.one_of(st.none(), st.sampled_from([0, 500, 5000, 100_000])),
    "has_eval_set": flags,
    "failure_classes_known": flags,
    "monthly_volume": st.one_of(st.none(), st.sampled_from([100, 50_000, 5_000_000])),
    "confidence_used_downstream": flags,
    "high_stakes": flags,
    "sovereignty_required": flags,
    "proprietary_data_moat": flags,
    "adaptation_tried": st.lists(st.sampled_from(profile.STRATEGIES), unique=True, max_size=3),
})
score_lists = st.lists(st.integers(0, 5), min_size=6, max_size=6)
baselines = st.one_of(st.none(), st.fixed_dictionaries({
    "accuracy": st.one_of(st.none(), st.floats(0.5, 1.0)),
    "ece": st.one_of(st.none(), st.floats(0.0, 0.3)),
    "target_accuracy": st.one_of(st.none(), st.floats(0.5, 1.0)),
}))


def decide(scores: list[int], context: dict, baseline: dict | None = None, measured: dict | None = None):
    facts = profile.Context(**context).model_dump()
    claimed = crosscheck.claims_of(profile.Baseline(**baseline) if baseline else None)
    self_scores = dict(zip(profile.DIMENSIONS, scores, strict=True))
    metrics = crosscheck.compute_metrics(measured, claimed, self_scores["quality_gap"])
    return engine.decide(RUBRIC, self_scores, facts, metrics)


def raised(scores: list[int], index: int) -> list[int]:
    return scores[:index] + [scores[index] + 1] + scores[index + 1:]


def check_monotone(scores, context, baseline, dimension: str, strategy: str, sign: int):
    index = profile.DIMENSIONS.index(dimension)
    for value in range(5):
        low = scores[:index] + [value] + scores[index + 1:]
        before = decide(low, context, baseline).scores[strategy]
        after = decide(raised(low, index), context, baseline).scores[strategy]
        assert sign * (after - before) >= -1e-9, (dimension, value, before, after)


@settings(max_examples=60, deadline=None)
@given(score_lists, contexts, baselines)
def test_raising_control_never_lowers_from_scratch(scores, context, baseline):
    check_monotone(scores, context, baseline, "control", "from_scratch", +1)


@settings(max_examples=60, deadline=None)
@given(score_lists, contexts, baselines)
def test_raising_data_readiness_never_lowers_fine_tune(scores, context, baseline):
    check_monotone(scores, context, baseline, "data_readiness", "fine_tune", +1)


@settings(max_examples=60, deadline=None)
@given(score_lists, contexts, baselines)
def test_raising_quality_gap_never_raises_pretrained(scores, context, baseline):
    check_monotone(scores, context, baseline, "quality_gap", "pretrained", -1)


def miscalibrated(accuracy: float, ece: float) -> dict:
    return {"accuracy": accuracy, "ece": ece, "intervals": {"accuracy": [accuracy - 0.02, accuracy + 0.02],
                                                         "ece": [ece - 0.02, ece + 0.02]},
            "significance": {"p_value": 0.001}, "post_calibration": {"temperature": {"ece": 0.03}}}


@settings(max_examples=80, deadline=None)
@given(score_lists, contexts, baselines, st.floats(0.5, 1.0), st.floats(0.08, 0.4))
def test_miscalibrated_predictions_never_remove_calibrate(scores, context, baseline, accuracy, ece):
    context = {**context, "confidence_used_downstream": True}
    with_preds = decide(scores, context, baseline, measured=miscalibrated(accuracy, ece))
    assert "calibrate" in [with_preds.primary] + with_preds.companions
